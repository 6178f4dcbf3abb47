"""The independent reference: ema_cross through the node equals a plain Python loop.

Market orders fill at the touch with no latency, so on the quote where the fast EMA crosses
the slow one the node must buy at that quote's ask (sell at its bid). The loop below reads the
CSV itself (no hft loader), computes the EMAs and the cross in Python floats with the same
formulas, and books the trades (exact fees per fill, their total charged to the cent, as
docs/fills.md says); fills, fees and PnL must agree.
"""

from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import msgspec
import pytest

from hft.cli import run_backtest_config
from hft.kernel.config import load_config

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "examples" / "ema_cross" / "config.toml"
DATA = ROOT / "examples" / "data" / "eurusd-histdata-ticks-20200101.csv"
EST = timezone(timedelta(hours=-5))  # HistData: EST all year, no DST


def read_histdata(path):
    """Return (ts_ns, bid_raw, ask_raw) lists from a HistData tick CSV at precision 5."""
    ts, bids, asks = [], [], []
    for line in path.read_text().splitlines():
        stamp, bid, ask, _ = line.split(",")
        t = datetime.strptime(stamp[:15], "%Y%m%d %H%M%S").replace(tzinfo=EST)
        ts.append(int(t.timestamp()) * 10**9 + int(stamp[15:18]) * 10**6)
        bids.append(int(Decimal(bid).scaleb(5)))
        asks.append(int(Decimal(ask).scaleb(5)))
    return ts, bids, asks


def reference_trades(ts, bids, asks, fast, slow, size, taker_fee):
    """Run the EMA cross in plain Python; return (fills, pnl), fills as (ts, side, qty, px, fee).

    taker_fee is a Decimal: fees are summed exactly, as the venue does.
    """
    af, as_ = 2.0 / (fast + 1), 2.0 / (slow + 1)
    ef = es = None
    last_sign, side, cash, pos, fees = 0, 0, 0.0, 0, Decimal(0)
    fills = []
    for i, (t, b, a) in enumerate(zip(ts, bids, asks)):
        mid = (b + a) * (0.5 * 10.0 ** -5)
        ef = mid if ef is None else ef + af * (mid - ef)
        es = mid if es is None else es + as_ * (mid - es)
        diff = ef - es
        sign = (diff > 0) - (diff < 0)
        signal = 0
        if sign != 0:
            if last_sign != 0 and sign != last_sign:
                signal = sign
            last_sign = sign
        if signal == 0 or i + 1 < slow:
            continue
        qty = size if side == 0 else 2 * size
        px = (a if signal > 0 else b) / 10**5
        fee = Decimal(a if signal > 0 else b) * qty * taker_fee / 10**5  # exact
        fills.append((t, 1 if signal > 0 else 2, qty, px, float(fee)))
        cash -= signal * qty * px
        fees += fee
        pos += signal * qty
        side = signal
    last_mid = (bids[-1] + asks[-1]) / 2 / 10**5
    # the venue charges the running total of exact fees, rounded to the cent (docs/fills.md)
    charged = float(fees.quantize(Decimal("0.01"), ROUND_HALF_EVEN))
    return fills, cash - charged + pos * last_mid


@pytest.fixture(scope="module")
def node_result():
    config = load_config(CONFIG)
    # no latency: what the reference assumes (the shipped config has none)
    assert config.venues[0].latency.base_ns == 0
    return config, run_backtest_config(config, progress=False)


def test_node_fills_equal_the_plain_python_loop(node_result):
    config, result = node_result
    params = config.strategies[0].config
    fee = config.instruments[0].taker_fee
    expected, _ = reference_trades(*read_histdata(DATA), params["fast"], params["slow"],
                                   int(params["trade_size"]), fee)
    got = [(int(f["ts"]), int(f["side"]), float(f["qty"]), float(f["px"]), float(f["fee"]))
           for f in result.fills]
    assert len(got) == len(expected) > 10
    for g, e in zip(got, expected):
        assert g[:3] == e[:3]
        assert g[3] == pytest.approx(e[3], abs=1e-9)
        assert g[4] == pytest.approx(e[4], abs=1e-9)


def test_node_pnl_equals_the_plain_python_loop(node_result):
    config, result = node_result
    params = config.strategies[0].config
    fee = config.instruments[0].taker_fee
    fills, pnl = reference_trades(*read_histdata(DATA), params["fast"], params["slow"],
                                  int(params["trade_size"]), fee)
    assert result.statistics.pnl == pytest.approx(pnl, abs=1e-6)


@pytest.mark.parametrize("fast, slow", [(5, 20), (20, 60)])
def test_reference_agrees_for_other_periods(fast, slow):
    config = load_config(CONFIG)
    strategies = [msgspec.structs.replace(config.strategies[0], config={
        **config.strategies[0].config, "fast": fast, "slow": slow})]
    config = msgspec.structs.replace(config, strategies=strategies)
    result = run_backtest_config(config, progress=False)
    expected, _ = reference_trades(*read_histdata(DATA), fast, slow, 10000,
                                   config.instruments[0].taker_fee)
    got = [(int(f["ts"]), int(f["side"]), float(f["qty"])) for f in result.fills]
    assert got == [e[:3] for e in expected]
