"""Tick-to-order latency of a live node against the sandbox venue over loopback.

The venue (`hft venue --synthetic --rate 10000`, a separate process) sends quotes; the node's
strategy sends a market order on every 10th quote (alternating buy and sell of 1 unit so the
position stays flat). The node records, inside the process, the time from the quote frame's
arrival to the order frame written (`tick_to_order`, hdrhistogram). Figures:
`live.tick_to_order_p50_us` (target <= 30) and `live.tick_to_order_p99_us` (target <= 100).

The node runs with `busy_poll` on (HFT_BENCH_BUSY_POLL=0 turns it off): its loop thread spins
instead of sleeping in epoll between frames, which costs one core for the run; it is pinned to
the last CPU and the venue to the others (HFT_BENCH_PIN=0 turns that off). Beside the
figures: `live.loopback_send_p50_us`, the floor of the order write -- a raw TCP_NODELAY
loopback `send()` of an order frame's bytes, one every millisecond as in the run (cold), and
`live.loopback_send_hot_p50_us`, the same back to back.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hft import Strategy, StrategyConfig
from hft.model.identifiers import InstrumentId
from perf_tests._figures import record

ROOT = Path(__file__).resolve().parent.parent
RATE = 10_000
DURATION_S = 10.0
BUSY_POLL = os.environ.get("HFT_BENCH_BUSY_POLL", "1") != "0"
# HFT_BENCH_VENUE_BUSY_POLL=1: the venue polls too, as an exchange gateway would, so the node's
# order write never wakes a venue asleep in epoll. Off by default: with the node spinning too,
# both cores spin and four alternated pairs gave a worse tail (p99 93-118 us against 39-61).
VENUE_BUSY_POLL = (os.environ.get("HFT_BENCH_VENUE_BUSY_POLL", "0") == "1"
                   and len(os.sched_getaffinity(0)) >= 2)
# the node on the last CPU, the venue on the others (HFT_BENCH_PIN=0: let the scheduler choose)
CPUS = sorted(os.sched_getaffinity(0))
PIN = os.environ.get("HFT_BENCH_PIN", "1") != "0" and len(CPUS) >= 2
NODE_CPU = CPUS[-1] if PIN else None
KEY, SECRET = "BENCH", "bench-secret"


class EveryTenthConfig(StrategyConfig):
    instrument_id: str
    every: int = 10


class EveryTenth(Strategy):
    """Send a 1-unit market order on every `every`-th quote, alternating sides.

    Written as a latency-minded Python strategy is: the instrument id and the quantity are
    made once in on_start, so on_quote does only its own arithmetic and the order call.
    """

    config_type = EveryTenthConfig

    def on_start(self) -> None:
        self.n = 0
        self.every = self.config.every
        self.iid = InstrumentId(self.config.instrument_id)
        self.one = self.cache.instrument(self.iid).make_qty(1)
        self.subscribe_quotes(self.iid)

    def on_quote(self, quote) -> None:
        n = self.n = self.n + 1
        if n % self.every == 0:
            if (n // self.every) % 2:
                self.buy(self.iid, self.one)
            else:
                self.sell(self.iid, self.one)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _config(port: int, strategy: str = "perf_tests.bench_live:EveryTenth"):
    from hft.kernel.config import config_from_dict

    return config_from_dict({
        "trader_id": "BENCH-001",
        "mode": "live",
        "instruments": [{"id": "EUR/USD.SANDBOX", "kind": "fx", "price_precision": 5,
                         "size_precision": 0, "quote_currency": "USD"}],
        "venues": [{"name": "SANDBOX", "kind": "sandbox", "url": f"ws://127.0.0.1:{port}",
                    "api_key_env": "HFT_API_KEY", "starting_balances": ["100000000 USD"],
                    # the strategy sends 1,000 orders/s: keep the default limit out of the way
                    "orders_per_second": 10_000.0, "order_burst": 1_000}],
        "strategies": [{"path": strategy, "config": {"instrument_id": "EUR/USD.SANDBOX"}}],
    }, check_strategies=True)


def test_tick_to_order_latency_over_loopback(monkeypatch):
    p = _tick_to_order(monkeypatch, "perf_tests.bench_live:EveryTenth")
    record("live.tick_to_order_p50_us", p["p50_us"], "us", target="<= 30")
    record("live.tick_to_order_p99_us", p["p99_us"], "us", target="<= 100")
    print(f"\ntick_to_order: {p}")
    assert p["p50_us"] <= 30
    assert p["p99_us"] <= 100


def test_tick_to_order_with_a_compiled_strategy(monkeypatch):
    # the same run with the strategy as a cdef class (hft.backtest.strategies.every_nth): what
    # the framework's own path costs when the strategy's on_quote is C; no target of its own
    p = _tick_to_order(monkeypatch, "hft.backtest.strategies.every_nth:EveryNth")
    record("live.tick_to_order_compiled_p50_us", p["p50_us"], "us")
    record("live.tick_to_order_compiled_p99_us", p["p99_us"], "us")
    print(f"\ntick_to_order, compiled strategy: {p}")


def _tick_to_order(monkeypatch, strategy: str) -> dict:
    uvloop = pytest.importorskip("uvloop")
    from hft.kernel.node import TradingNode
    from hft.live.runner import run_live_async

    port = _free_port()
    env = dict(os.environ, HFT_API_KEY=KEY, **{f"HFT_API_SECRET_{KEY}": SECRET})
    monkeypatch.setenv("HFT_API_KEY", KEY)
    monkeypatch.setenv(f"HFT_API_SECRET_{KEY}", SECRET)
    venue = subprocess.Popen(
        [sys.executable, "-u", "-m", "hft.cli", "venue", "--port", str(port), "--synthetic",
         "--rate", str(RATE), "--instrument", "1", "--price-precision", "5",
         "--size-precision", "0", *(["--busy-poll"] if VENUE_BUSY_POLL else [])], env=env, cwd=ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
        preexec_fn=(lambda: os.sched_setaffinity(0, CPUS[:-1])) if PIN else None)
    try:
        seen = []
        while not seen or "serving" not in seen[-1]:  # skip warnings printed before it
            seen.append(venue.stdout.readline())
            assert seen[-1], "".join(seen) + venue.stdout.read()
        node = TradingNode(_config(port, strategy))
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            run = runner.run(run_live_async(node, duration_s=DURATION_S, install_signals=False,
                                            out=None, time_handlers=False,
                                            busy_poll=BUSY_POLL, cpu=NODE_CPU))
    finally:
        venue.terminate()
        try:
            venue.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            venue.kill()
    p = run.telemetry.recorder("tick_to_order").percentiles()
    assert p["count"] > 0.5 * RATE * DURATION_S / 10, p  # most quotes arrived, most orders sent
    return p


def _loopback_pair() -> tuple[socket.socket, socket.socket]:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        client = socket.create_connection(listener.getsockname())
        server, _ = listener.accept()
    for s in (client, server):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    server.setblocking(False)
    return client, server


def _send_times_ns(gap_s: float, n: int) -> list[int]:
    # a masked client WebSocket frame of one signed order: 4-byte header, 4-byte mask, 208 bytes
    data = bytes(216)
    client, server = _loopback_pair()
    now = time.perf_counter_ns
    out = []
    try:
        for _ in range(n):
            t0 = now()
            client.send(data)
            out.append(now() - t0)
            try:
                while server.recv(65536):
                    pass
            except BlockingIOError:
                pass
            if gap_s:
                time.sleep(gap_s)  # pacing like the run's 1,000 orders/s, not synchronisation
    finally:
        client.close()
        server.close()
    return sorted(out[n // 10:])


def test_loopback_send_floor():
    cold = _send_times_ns(0.001, 1000)
    hot = _send_times_ns(0.0, 5000)
    cold_us, hot_us = cold[len(cold) // 2] / 1e3, hot[len(hot) // 2] / 1e3
    record("live.loopback_send_p50_us", cold_us, "us")
    record("live.loopback_send_hot_p50_us", hot_us, "us")
    print(f"\nraw loopback send p50: {cold_us:.1f} us paced 1 ms, {hot_us:.1f} us back to back")
    assert hot_us > 0
