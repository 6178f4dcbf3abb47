"""Quotes/s the node consumes: over the venue socket (`live.feed_rate`) and through the
shared-memory quote board (`live.feed_rate_shm`).

live.feed_rate: a SandboxServer in a child process publishes quotes as fast as it can (256 per
QUOTES frame, its writer never waits for a rate); the node side in this process logs in with a
signed HELLO and, for every frame, does what SandboxClient._on_frame does for quotes:
`decode_frame`, then `QuoteTick.from_record` + `DataEngine.process_quote` per record. The figure
is quotes processed / wall time over MEASURE_S after a warm-up. Baseline: the same decode +
process path over the same frames already in memory (no socket), so the ratio is the share of
the node's own speed the socket leaves.

live.feed_rate_shm: a child process publishes into a QuoteBoard of 1024 symbols in a C loop
(publish_batch) for the whole measurement; this process runs ShmDataClient.poll_once (poll +
from_record + process_quote) for MEASURE_S. Figure: quotes processed / s. Baseline: the same
from_record + process_quote path over records in memory (what the node could do with no board).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import time
import uuid

import numpy as np

from perf_tests._figures import record

MEASURE_S = 2.0
KEY, SECRET = "BENCH", "bench-secret"


def _quotes(n: int, n_symbols: int = 1) -> np.ndarray:
    from hft.core.encoding import QUOTE_DTYPE

    seq = np.arange(n, dtype=np.int64)
    a = np.zeros(n, QUOTE_DTYPE)
    a["version"], a["record_type"], a["price_precision"] = 1, 2, 5
    a["instrument_id"] = seq % n_symbols + 1
    a["ts_event"] = a["ts_init"] = 1_700_000_000_000_000_000 + seq
    a["bid_price"], a["ask_price"] = 110_000, 110_010
    a["bid_size"], a["ask_size"] = seq + 1, seq + 2
    a["sequence"] = seq
    return a


def _engine():
    from hft.kernel.cache import Cache
    from hft.kernel.clock import TestClock
    from hft.kernel.data_engine import DataEngine
    from hft.kernel.msgbus import MessageBus

    return DataEngine(TestClock(), Cache(), MessageBus())


def _process_payload(payload, iids, process, decode) -> int:
    mv = memoryview(payload)
    for at in range(0, len(payload), 64):
        process(decode(mv[at:at + 64], iids))
    return len(payload) // 64


# -- over the socket -----------------------------------------------------------------------

def _serve(port_q) -> None:
    from hft.adapters.sandbox.server import SandboxServer

    async def main():
        server = SandboxServer(secrets={KEY: SECRET}, instrument_id=1, price_precision=5,
                               size_precision=0, max_pending_quotes=1 << 16)
        port_q.put(await server.start())
        chunk = _quotes(256)
        while True:
            # keep about two frames queued per session: as fast as the writer sends them
            if all(len(s.quotes) < 512 * 64 for s in server._sessions):
                server.publish_quotes(chunk)
            await asyncio.sleep(0)

    import uvloop
    uvloop.run(main())


async def _socket_rate() -> tuple[float, int]:
    import websockets

    from hft.adapters.sandbox.auth import Signer
    from hft.adapters.sandbox.protocol import FRAME_HELLO, FRAME_QUOTES, Hello, decode_frame
    from hft.model.data import QuoteTick
    from hft.model.identifiers import InstrumentId

    ctx = multiprocessing.get_context("fork")
    port_q = ctx.Queue()
    proc = ctx.Process(target=_serve, args=(port_q,), daemon=True)
    proc.start()
    try:
        port = port_q.get(timeout=30)
        engine = _engine()
        iids = {1: InstrumentId("EURUSD.SANDBOX")}
        process, decode = engine.process_quote, QuoteTick.from_record
        async with websockets.connect(f"ws://127.0.0.1:{port}", compression=None,
                                      max_size=2 ** 21, ping_interval=None) as ws:
            await ws.send(Signer(KEY, SECRET).sign(FRAME_HELLO, [Hello(
                min_version=1, max_version=1, session_id=1, ts_init=time.time_ns())]))
            n = 0
            t0 = time.perf_counter()
            start_n = None
            while True:
                data = await ws.recv()
                frame = decode_frame(data)
                if frame.frame_type != FRAME_QUOTES:
                    continue
                n += _process_payload(frame.payload, iids, process, decode)
                now = time.perf_counter()
                if start_n is None and now - t0 > 0.5:      # warm-up
                    start_n, t0 = n, now
                elif start_n is not None and now - t0 >= MEASURE_S:
                    return (n - start_n) / (now - t0), n
    finally:
        proc.kill()
        proc.join()


def _memory_rate() -> float:
    from hft.adapters.sandbox.protocol import FRAME_QUOTES, decode_frame, frame_header
    from hft.model.data import QuoteTick
    from hft.model.identifiers import InstrumentId

    frames = [frame_header(FRAME_QUOTES, 256 * 64) + _quotes(256).tobytes()] * 400
    engine = _engine()
    iids = {1: InstrumentId("EURUSD.SANDBOX")}
    process, decode = engine.process_quote, QuoteTick.from_record

    def run():
        for data in frames:
            _process_payload(decode_frame(data).payload, iids, process, decode)

    from perf_tests._figures import best_seconds
    return 400 * 256 / best_seconds(run, repeat=3)


def test_feed_rate_over_the_socket():
    rate, _ = asyncio.run(_socket_rate())
    baseline = _memory_rate()
    record("live.feed_rate", rate, "quotes/s", baseline=baseline, ratio=rate / baseline,
           target="value >= 200000")
    print(f"\nlive.feed_rate: {rate:,.0f} quotes/s over the socket; in memory {baseline:,.0f}")
    assert rate >= 200_000


# -- through the board ---------------------------------------------------------------------

N_SYMBOLS = 1024


def _produce(name: str, stop) -> None:
    from hft.core.conflate import QuoteBoard

    board = QuoteBoard.attach(name)
    # a forked child shares the parent's resource tracker, which attach just told to forget
    # the block: tell it again so the creator's unlink stays quiet (cpython#82300)
    from multiprocessing import resource_tracker
    resource_tracker.register(board.shm._name, "shared_memory")
    chunk = _quotes(1 << 14, N_SYMBOLS)
    while not stop.is_set():
        board.publish_batch(chunk)
    board.close()


def test_feed_rate_through_the_shared_memory_board():
    from hft.core.conflate import QuoteBoard
    from hft.live.shm_data import ShmDataClient
    from hft.model.data import QuoteTick
    from hft.model.identifiers import InstrumentId

    iids = {i: InstrumentId(f"S{i}.SANDBOX") for i in range(1, N_SYMBOLS + 1)}
    name = f"hft-bench-{uuid.uuid4().hex[:10]}"
    board = QuoteBoard.create_shared(name, N_SYMBOLS, range(1, N_SYMBOLS + 1))
    ctx = multiprocessing.get_context("fork")
    stop = ctx.Event()
    proc = ctx.Process(target=_produce, args=(name, stop))
    proc.start()
    try:
        engine = _engine()
        client = ShmDataClient("SANDBOX", name, iids)
        client.engine = engine
        client.board = QuoteBoard.attach(name)
        client._out = np.zeros(N_SYMBOLS, client._out.dtype)
        while board.stats()["writes"] < N_SYMBOLS:     # the producer is running
            pass
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < MEASURE_S:
            client.poll_once()
        elapsed = time.perf_counter() - t0
        rate = client.quotes_received / elapsed
        s = board.stats()
        client.board.close()
    finally:
        stop.set()
        proc.join()
        board.close()
        board.unlink()
    recs = _quotes(N_SYMBOLS, N_SYMBOLS)
    process, decode = engine.process_quote, QuoteTick.from_record
    from perf_tests._figures import best_seconds
    baseline = N_SYMBOLS / best_seconds(
        lambda: _process_payload(recs.tobytes(), iids, process, decode), repeat=20)
    record("live.feed_rate_shm", rate, "quotes/s", baseline=baseline, ratio=rate / baseline,
           target="value >= 2000000")
    print(f"\nlive.feed_rate_shm: {rate:,.0f} quotes/s into the node (producer wrote "
          f"{s['writes']:,}, conflated {s['conflated']:,}); in memory {baseline:,.0f}; "
          f"engine has process_quote_records: {hasattr(engine, 'process_quote_records')}; "
          f"cores {os.cpu_count()}")
    assert rate >= 2_000_000
