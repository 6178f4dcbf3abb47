"""The feed between a SandboxServer and a quote board, and the node's ShmDataClient on it.

Server, feed and data client share one asyncio loop on an ephemeral 127.0.0.1 port; every
wait is on a future resolved by the code under test (no sleeps), bounded by a timeout.
"""

from __future__ import annotations

import asyncio
import uuid

import numpy as np
import pytest


from hft.adapters.sandbox.server import SandboxServer  # noqa: E402
from hft.core.conflate import QuoteBoard  # noqa: E402
from hft.core.encoding import QUOTE_DTYPE  # noqa: E402
from hft.kernel.cache import Cache  # noqa: E402
from hft.kernel.clock import TestClock  # noqa: E402
from hft.kernel.config import ConfigError, config_from_dict  # noqa: E402
from hft.kernel.data_engine import DataEngine  # noqa: E402
from hft.kernel.msgbus import MessageBus  # noqa: E402
from hft.live.feed import Feed  # noqa: E402
from hft.live.shm_data import ShmDataClient  # noqa: E402
from hft.model.identifiers import InstrumentId  # noqa: E402

KEY, SECRET = "K1", "test-secret-1"
IID = InstrumentId("EURUSD.SANDBOX")
TIMEOUT = 10.0


def board_name() -> str:
    return f"hft-test-{uuid.uuid4().hex[:12]}"


def quotes(n: int, start: int = 0, instrument_id: int = 1) -> np.ndarray:
    seq = np.arange(start, start + n, dtype=np.int64)
    a = np.zeros(n, QUOTE_DTYPE)
    a["version"], a["record_type"], a["price_precision"] = 1, 2, 5
    a["instrument_id"] = instrument_id
    a["ts_event"] = a["ts_init"] = 1_700_000_000_000_000_000 + seq
    a["bid_price"] = 110_000 + seq % 7
    a["ask_price"] = 110_010 + seq % 7
    a["bid_size"] = seq + 1
    a["ask_size"] = 2 * (seq + 1)
    a["sequence"] = seq
    return a


class CountingFeed(Feed):
    """Resolve `until(n)` once n quotes arrived (published or skipped)."""

    def __init__(self, *a, **kw) -> None:
        super().__init__(*a, **kw)
        self._waits: list[tuple[int, asyncio.Future]] = []

    def on_frame(self, data: bytes) -> None:
        super().on_frame(data)
        for n, fut in self._waits:
            if self.quotes + self.skipped >= n and not fut.done():
                fut.set_result(None)

    async def until(self, n: int) -> None:
        if self.quotes + self.skipped >= n:
            return
        fut = asyncio.get_running_loop().create_future()
        self._waits.append((n, fut))
        await asyncio.wait_for(fut, TIMEOUT)


async def _with_feed(body, *, secret=SECRET, symbols=()):
    server = SandboxServer(secrets={KEY: SECRET}, instrument_id=1, price_precision=5,
                           size_precision=0)
    await server.start()
    board = QuoteBoard.create_shared(board_name(), 8)
    feed = CountingFeed(server.url, KEY, secret, board, symbols)
    task = asyncio.get_running_loop().create_task(feed.run())
    try:
        return await body(server, board, feed, task)
    finally:
        feed.stop()
        task.cancel()
        try:
            await task
        except (asyncio.CancelledError, Exception):
            pass
        await server.stop()
        board.close()
        board.unlink()


def test_feed_publishes_every_venue_quote_into_the_board():
    async def body(server, board, feed, task):
        await asyncio.wait_for(feed.logged_in.wait(), TIMEOUT)
        sent = quotes(1000)
        for at in range(0, 1000, 100):
            server.publish_quotes(sent[at:at + 100])
        await feed.until(1000)
        s = board.stats()
        assert s["writes"] == 1000 and s["symbols"] == 1
        assert np.frombuffer(board.latest(1), QUOTE_DTYPE)[0] == sent[-1]

    asyncio.run(_with_feed(body))


def test_feed_with_symbols_skips_other_instruments():
    async def body(server, board, feed, task):
        await asyncio.wait_for(feed.logged_in.wait(), TIMEOUT)
        assert board.symbols() == [2]             # claimed up front
        server.publish_quotes(quotes(10))         # instrument 1 only
        server.publish_quotes(quotes(5, instrument_id=1))
        await feed.until(15)
        assert feed.quotes == 0 and feed.skipped == 15
        assert board.stats()["writes"] == 0

    asyncio.run(_with_feed(body, symbols=[2]))


def test_feed_with_a_bad_secret_stops_with_connection_refused():
    async def body(server, board, feed, task):
        with pytest.raises(ConnectionRefusedError, match="refused the feed's login"):
            await asyncio.wait_for(task, TIMEOUT)
        assert board.stats()["writes"] == 0

    asyncio.run(_with_feed(body, secret="wrong-secret"))


def test_node_reads_the_venues_quotes_through_the_board_end_to_end():
    async def body(server, board, feed, task):
        engine = DataEngine(TestClock(), Cache(), MessageBus())
        got: list = []
        done = asyncio.get_running_loop().create_future()
        last_seq = 4999

        def on_quote(q):
            got.append(q)
            if q.sequence == last_seq and not done.done():
                done.set_result(None)
        engine.subscribe_quotes(IID, on_quote)
        client = ShmDataClient("SANDBOX", board.name, {1: IID}, spin_polls=4)
        client.engine = engine
        client.connect()
        await client.wait_attached(TIMEOUT)
        await asyncio.wait_for(feed.logged_in.wait(), TIMEOUT)
        sent = quotes(5000)
        for at in range(0, 5000, 250):
            server.publish_quotes(sent[at:at + 250])
        await asyncio.wait_for(done, TIMEOUT)
        client.disconnect()
        seqs = [q.sequence for q in got]
        assert seqs == sorted(set(seqs))          # in order, never repeated
        assert got[-1].bid_size_raw == 5000 and got[-1].ask_size_raw == 10000
        s = board.stats()
        assert s["writes"] == 5000
        assert s["reads"] == len(got) and s["reads"] + s["conflated"] == 5000
        assert engine.quotes_processed == len(got)

    asyncio.run(_with_feed(body))


def test_closed_gate_holds_quotes_in_the_board_until_it_opens():
    async def body(server, board, feed, task):
        engine = DataEngine(TestClock(), Cache(), MessageBus())
        open_ = False
        client = ShmDataClient("SANDBOX", board.name, {1: IID}, gate=lambda: open_)
        client.engine = engine
        client.connect()
        await client.wait_attached(TIMEOUT)
        await asyncio.wait_for(feed.logged_in.wait(), TIMEOUT)
        server.publish_quotes(quotes(300))
        await feed.until(300)
        assert client.poll_once() == 0 and engine.quotes_processed == 0
        open_ = True
        assert client.poll_once() == 1            # the newest quote only
        assert engine.cache.quote(IID).sequence == 299
        assert board.stats()["conflated"] == 299
        client.disconnect()

    asyncio.run(_with_feed(body))


def test_data_client_connect_fails_when_no_board_appears():
    async def body():
        client = ShmDataClient("SANDBOX", board_name(), {1: IID}, attach_timeout_s=0.05)
        client.connect()
        with pytest.raises(FileNotFoundError):
            await client.wait_attached(TIMEOUT)

    asyncio.run(body())


def test_venue_config_shm_feed_needs_a_feed_name():
    base = {"mode": "live", "venues": [{"name": "SANDBOX", "kind": "sandbox",
                                        "url": "ws://127.0.0.1:1", "feed": "shm"}]}
    with pytest.raises(ConfigError, match=r"venues\[0\].*feed_name"):
        config_from_dict(base)
    base["venues"][0]["feed_name"] = "md"
    assert config_from_dict(base).venues[0].feed == "shm"
