"""Same strategy, both modes: the orders a live run sends equal those of a backtest on its data.

The ema_cross example runs live against a sandbox venue replaying a file; a recorder on the
node's message bus keeps every quote the node received. Then the same strategy backtests on
that recording, with the order latency measured live: the sequences of orders (side,
quantity, price, order type) must be equal.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import numpy as np
import pytest


from hft.adapters.sandbox.server import SandboxServer, VenueConfig  # noqa: E402
from hft.backtest.synthetic import quote_chunks, write_npz  # noqa: E402
from hft.core.encoding import QUOTE_DTYPE  # noqa: E402
from hft.kernel.config import config_from_dict  # noqa: E402
from hft.kernel.node import TradingNode  # noqa: E402
from hft.live.runner import run_live_async  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
KEY, SECRET = "PARITY", "parity-secret"
N_QUOTES = 3_000
TIMEOUT_S = 30.0
INSTRUMENT = {"id": "EURUSD.X", "kind": "fx", "price_precision": 5, "size_precision": 0,
              "quote_currency": "USD"}
STRATEGY = {"path": "examples.ema_cross.strategy:EmaCross",
            "config": {"instrument_id": "EURUSD.X", "fast": 5, "slow": 20, "trade_size": "1"}}


def _orders(node) -> list[tuple]:
    """(side, quantity, price, order type) of every order the node's strategies sent."""
    rows = []
    for order in sorted(node.cache.orders_closed_recent() + node.cache.orders_open(),
                        key=lambda o: o.ts_init):
        price = order.price
        rows.append((int(order.side), str(order.quantity), None if price is None else str(price),
                     int(order.order_type)))
    return rows


def _live(tmp_path, monkeypatch) -> tuple[list[tuple], np.ndarray, float]:
    source = tmp_path / "replay.npz"
    write_npz(source, quote_chunks(N_QUOTES, seed=11, step_ns=1_000_000, price0=1.1,
                                   instrument_id=1, size=1_000_000))
    monkeypatch.setenv("HFT_API_KEY", KEY)
    monkeypatch.setenv(f"HFT_API_SECRET_{KEY}", SECRET)
    received: list[bytes] = []

    async def main():
        server = SandboxServer(VenueConfig(data=str(source), speed=2.0), secrets={KEY: SECRET})
        port = await server.start()
        try:
            config = config_from_dict({
                "trader_id": "PARITY-001", "mode": "live", "instruments": [INSTRUMENT],
                "venues": [{"name": "X", "kind": "sandbox", "url": f"ws://127.0.0.1:{port}",
                            "api_key_env": "HFT_API_KEY", "starting_balances": ["1000000 USD"]}],
                "strategies": [STRATEGY]}, check_strategies=True)
            node = TradingNode(config)
            stop = asyncio.Event()

            last_ts = int(np.load(source)["quotes"]["ts_event"][-1])

            def record(quote):
                received.append(quote.to_record(1))
                if quote.ts_event == last_ts:
                    stop.set()

            node.msgbus.subscribe("data.quotes.*", record)
            run = await asyncio.wait_for(
                run_live_async(node, stop_event=stop, install_signals=False, out=None,
                               stop_timeout_s=5.0, connect_timeout_s=10.0), TIMEOUT_S)
            return node, run
        finally:
            await server.stop()

    node, run = asyncio.run(main())
    rt = run.telemetry.recorder("order_round_trip").percentiles()
    return _orders(node), np.frombuffer(b"".join(received), dtype=QUOTE_DTYPE), rt.get("p50_ns", 0)


def test_live_orders_equal_backtest_orders_on_the_recording(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT))
    live_orders, recording, round_trip_ns = _live(tmp_path, monkeypatch)
    # quotes sent before the node was live (login, reconciliation) are not traded on; from
    # then on the node must have received every replayed quote, in order, none twice
    assert len(recording) > 0.9 * N_QUOTES
    steps = np.diff(recording["ts_event"])
    assert (steps == 1_000_000).all(), "the node missed or repeated a quote once live"
    assert len(live_orders) >= 10, "too few crosses to compare"
    recorded = tmp_path / "recorded.npz"
    write_npz(recorded, recording)
    config = config_from_dict({
        "trader_id": "PARITY-001", "mode": "backtest",
        "instruments": [INSTRUMENT],
        "venues": [{"name": "X", "starting_balances": ["1000000 USD"],
                    "latency": {"base_ns": int(round_trip_ns) // 2}}],
        "data": [{"path": str(recorded), "kind": "quotes", "instrument_id": "EURUSD.X"}],
        "strategies": [STRATEGY]}, check_strategies=True)
    node = TradingNode(config)
    node.run()
    assert _orders(node) == live_orders
