"""SandboxClient against a real SandboxServer on an ephemeral 127.0.0.1 port.

Each test runs server and node in one asyncio loop; it waits on conditions checked whenever
the strategy hears something (no sleeps), each wait bounded by a timeout.
"""

from __future__ import annotations

import asyncio
import io
import socket

import pytest


from hft.adapters.sandbox.server import FaultConfig, SandboxServer  # noqa: E402
from hft.kernel.config import InstrumentConfig, NodeConfig, VenueConfig  # noqa: E402
from hft.kernel.node import TradingNode  # noqa: E402
from hft.kernel.strategy import Strategy  # noqa: E402
from hft.live.backoff import Backoff  # noqa: E402
from hft.live.runner import run_live_async  # noqa: E402
from hft.model.data import QuoteTick  # noqa: E402
from hft.model.identifiers import InstrumentId  # noqa: E402
from hft.model.objects import Price, Quantity  # noqa: E402
from live_harness import Scripted, quote as _quote, run as _run  # noqa: E402

KEY, SECRET = "K1", "test-secret-1"
IID = "EURUSD.SANDBOX"
TIMEOUT = 10.0


def _node(url: str, monkeypatch) -> tuple[TradingNode, Scripted]:
    monkeypatch.setenv("HFT_API_KEY", KEY)
    monkeypatch.setenv(f"HFT_API_SECRET_{KEY}", SECRET)
    config = NodeConfig(
        mode="live",
        instruments=[InstrumentConfig(id=IID, kind="fx", price_precision=5, size_precision=0,
                                      base_currency="EUR", quote_currency="USD")],
        venues=[VenueConfig(name="SANDBOX",
                            kind="hft.adapters.sandbox.client:create_sandbox_venue",
                            url=url, starting_balances=["1000000 USD"])])
    node = TradingNode(config)
    client = node.exec_engine.client("SANDBOX")
    client.backoff = Backoff(initial_s=0.001, max_s=0.01, seed=1)
    strategy = Scripted()
    node.add_strategy(strategy)
    return node, strategy


class Harness:
    """Start a server and a live node; give the test the parts; stop both at the end."""

    def __init__(self, monkeypatch, **faults) -> None:
        self.server = SandboxServer(secrets={KEY: SECRET}, instrument_id=1, price_precision=5,
                                    size_precision=0, faults=FaultConfig(**faults))
        self.monkeypatch = monkeypatch

    async def __aenter__(self):
        await self.server.start()
        self.node, self.strategy = _node(self.server.url, self.monkeypatch)
        self.client = self.node.exec_engine.client("SANDBOX")
        self.client.state_listeners.append(lambda _state: self.strategy.waiter.poke())
        self.stop = asyncio.Event()
        self.run_task = asyncio.create_task(run_live_async(
            self.node, stop_event=self.stop, install_signals=False, out=None,
            stop_timeout_s=2.0, connect_timeout_s=TIMEOUT))
        await self.client.wait_live(TIMEOUT)
        return self

    def publish(self, *indices: int, **kw) -> None:
        self.server.publish_quotes(b"".join(_quote(i, **kw) for i in indices))

    async def finish(self):
        self.stop.set()
        return await asyncio.wait_for(self.run_task, TIMEOUT)

    async def __aexit__(self, *exc):
        if not self.run_task.done():
            self.stop.set()
            try:
                await asyncio.wait_for(self.run_task, TIMEOUT)
            except Exception:
                self.run_task.cancel()
        await self.server.stop()


def _venue_qty(h: Harness) -> int:
    account = next(iter(h.server.exchange.accounts.values())) \
        if hasattr(h.server.exchange, "accounts") else None
    positions = h.server.exchange.positions(account) if account is not None else []
    return sum(p.quantity for p in positions)


def _node_qty(h: Harness) -> int:
    return sum(p.signed_qty_raw for p in h.node.cache.positions_open())


def test_quotes_in_orders_out_fills_back_position_right(monkeypatch):
    async def main():
        async with Harness(monkeypatch) as h:
            s = h.strategy

            def script(strategy, n):
                if n == 2:
                    strategy.buy(strategy.iid, Quantity("1000", 0))

            s.script = script
            h.publish(1, 2)
            await s.waiter.until(lambda: s.fills, what="the fill")
            h.publish(3)   # the fill came back; one more quote proves the loop still runs
            await s.waiter.until(lambda: s.quotes >= 3, what="quote 3")
            assert s.fills[0].last_qty == Quantity("1000", 0)
            assert s.fills[0].last_px == Price("1.10002", 5)
            assert _node_qty(h) == 1000
            assert _venue_qty(h) == 1000
            tel = h.node.telemetry
            assert tel.counters["orders"] == 1 and tel.counters["fills"] == 1
            assert tel.recorder("tick_to_order").count == 1
            assert tel.recorder("order_round_trip").count == 1
            run = await h.finish()
            assert run.graceful
            assert tel.recorder("handler." + str(s.id)).count >= 3

    _run(main())


def test_a_timed_run_goes_steady_once_its_client_is_live(monkeypatch):
    # busy poll, the periodic report and the idle collector start when the client is live,
    # not when the connect timeout (30 s here) or the run's duration (1 s) has passed
    async def main():
        server = SandboxServer(secrets={KEY: SECRET}, instrument_id=1, price_precision=5,
                               size_precision=0)
        await server.start()
        try:
            node, _ = _node(server.url, monkeypatch)
            out = io.StringIO()
            run = await run_live_async(node, duration_s=1.0, connect_timeout_s=30.0,
                                       report_every_s=0.1, busy_poll=True, out=out,
                                       install_signals=False, stop_timeout_s=2.0)
        finally:
            await server.stop()
        assert run.reason == "duration (1 s)" and run.graceful
        assert 0 < run.live_ns - run.started_ns < 500_000_000
        assert run.busy_poll_turns > 100
        assert out.getvalue().count("latency (us)") >= 4   # reports every 0.1 s + the summary

    _run(main())


def test_a_client_down_past_the_connect_timeout_is_named_and_the_run_goes_on(
        monkeypatch, caplog):
    async def main():
        with socket.socket() as s:   # a port nothing listens on
            s.bind(("127.0.0.1", 0))
            url = f"ws://127.0.0.1:{s.getsockname()[1]}"
        node, _ = _node(url, monkeypatch)
        with caplog.at_level("WARNING"):
            run = await run_live_async(node, duration_s=1.0, connect_timeout_s=0.2,
                                       busy_poll=True, out=None, install_signals=False,
                                       stop_timeout_s=0.5)
        assert run.reason == "duration (1 s)"
        assert 200_000_000 <= run.live_ns - run.started_ns < 900_000_000
        assert run.busy_poll_turns > 100   # spinning from the timeout on, not from the end
        assert any("not live within the connect timeout" in r.getMessage()
                   and "SANDBOX" in r.getMessage() for r in caplog.records)

    _run(main())


def test_graceful_stop_cancels_open_orders(monkeypatch):
    async def main():
        async with Harness(monkeypatch) as h:
            s = h.strategy
            s.script = lambda st, n: n == 1 and st.buy(st.iid, Quantity("1000", 0),
                                                       Price("1.00000", 5))
            h.publish(1)
            await s.waiter.until(lambda: any(type(e).__name__ == "OrderAccepted"
                                             for e in s.events), what="the ack")
            run = await h.finish()
            assert run.orders_left_open == 0
            assert type(s.events[-1]).__name__ == "OrderCanceled"
            assert not h.client.open_orders()

    _run(main())


@pytest.mark.parametrize("drop_after", [2, 3])
def test_dropped_link_before_the_ack_loses_and_doubles_nothing(monkeypatch, drop_after):
    # frame 1 is the hello; 2..4 the reconciliation queries on a first connect. The drop
    # comes right after the venue acted on the order (drop_after counts frames received):
    # hello, 3 queries, then the order is frame 5.
    async def main():
        async with Harness(monkeypatch, drop_after=4 + drop_after - 1, drop_times=1) as h:
            s = h.strategy

            def script(strategy, n):
                if n == 1:
                    strategy.buy(strategy.iid, Quantity("1000", 0))
                if n == 2 and drop_after == 3:
                    strategy.sell(strategy.iid, Quantity("400", 0))

            s.script = script
            h.publish(1)
            if drop_after == 3:
                await s.waiter.until(lambda: s.fills, what="first fill")
                h.publish(2)
            await s.waiter.until(lambda: h.client.sessions >= 2 and h.client.is_live,
                                 what="the reconnect")
            h.publish(3)
            want = 1000 if drop_after == 2 else 600
            await s.waiter.until(lambda: _node_qty(h) == want, what=f"position {want}")
            assert _venue_qty(h) == want
            assert len(s.fills) == (1 if drop_after == 2 else 2)
            assert h.node.telemetry.counters["reconnects"] >= 1

    _run(main())


def test_duplicate_and_reordered_reports_never_double_a_fill(monkeypatch):
    async def main():
        async with Harness(monkeypatch, duplicate_fraction=1.0, reorder=True) as h:
            s = h.strategy

            def script(strategy, n):
                if n in (1, 2, 3):
                    strategy.buy(strategy.iid, Quantity("100", 0))

            s.script = script
            h.publish(1, 2, 3)
            await s.waiter.until(lambda: len(s.fills) >= 3, what="three fills")
            h.publish(4)
            await s.waiter.until(lambda: s.quotes >= 4, what="quote 4")
            assert _node_qty(h) == 300 == _venue_qty(h)
            assert h.client.reports_dropped >= 3

    _run(main())


def test_closed_orders_are_forgotten_past_max_closed_orders(monkeypatch):
    # memory follows what is open: the client keeps the last N closed orders and their trade
    # ids, and a late duplicate of a forgotten order's fill is dropped, never applied
    async def main():
        async with Harness(monkeypatch) as h:
            s, client = h.strategy, h.client
            client.max_closed_orders = 2
            sent = []

            def script(strategy, n):
                sent.append(strategy.buy(strategy.iid, Quantity("1000", 0)) if n % 2
                            else strategy.sell(strategy.iid, Quantity("1000", 0)))

            s.script = script
            h.publish(*range(1, 7))
            await s.waiter.until(lambda: len(s.fills) == 6, what="six fills")
            assert all(o.is_closed for o in sent)
            kept = client.orders()
            assert sorted(kept) == sorted(o.client_order_num for o in sent[-2:])
            assert sorted(client.reconciler.seen) == sorted(kept)
            assert not client.open_orders()
            # the venue replays the first order's fill: unknown now, so nothing moves
            first = sent[0].client_order_num
            fill = s.fills[0]
            dropped = client.reports_dropped
            client._on_report(type("R", (), dict(
                client_order_id=first, report_kind=3, trade_id=int(str(
                    fill.trade_id).rsplit("-", 1)[-1]), request_id=0))())
            assert client.reports_dropped == dropped + 1
            assert len(s.fills) == 6 and _node_qty(h) == 0 == _venue_qty(h)

    _run(main())


def test_a_quotes_message_in_fragments_reaches_the_engine_like_a_whole_one(monkeypatch):
    # FrameListener checks for QUOTES once, on picows' buffer or on the joined fragments; the
    # transport is used only to drop the link on an error, so none is given
    from picows.picows import WSMsgType, _make_test_ws_frame

    from hft.adapters.sandbox.hotpath import FrameListener
    from hft.adapters.sandbox.protocol import FRAME_QUOTES, frame_header

    async def main():
        node, strategy = _node("ws://127.0.0.1:9", monkeypatch)
        client = node.exec_engine.client("SANDBOX")
        client.live = True
        strategy.start()  # subscribed; the node is not started, so nothing connects
        listener = FrameListener(client, lambda data, rx: None)
        payload = _quote(1) + _quote(2)
        message = frame_header(FRAME_QUOTES, len(payload)) + payload
        binary, continuation = WSMsgType.BINARY, WSMsgType.CONTINUATION
        listener.on_ws_frame(None, _make_test_ws_frame(binary, message, True, False))
        assert client.quotes_received == 2 and strategy.quotes == 2
        half = len(message) // 2
        listener.on_ws_frame(None, _make_test_ws_frame(binary, message[:half], False,
                                                              False))
        assert client.quotes_received == 2
        listener.on_ws_frame(None, _make_test_ws_frame(continuation, message[half:],
                                                              True, False))
        assert client.quotes_received == 4 and strategy.quotes == 4

    _run(main())
