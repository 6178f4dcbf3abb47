"""BacktestResult tables, summary, pandas face and the JSON report."""

import json
import math
import sys

import numpy as np
import pytest

from hft.backtest.report import REPORT_VERSION, build_report, write_report
from hft.backtest.results import (
    EQUITY_DTYPE,
    ORDER_DTYPE,
    BacktestResult,
    format_duration_ns,
)
from hft.backtest.statistics import FILL_DTYPE, NS_PER_DAY
from hft.kernel.config import config_from_dict

BUY, SELL = 1, 2
T0 = 1_577_836_800 * 10**9  # 2020-01-01T00:00:00Z


def make_result(**kw):
    fills = np.array([(T0 + 10, "X.V", 1, BUY, 2.0, 100.0, 0.1, 2),
                      (T0 + NS_PER_DAY, "X.V", 2, SELL, 2.0, 105.0, 0.1, 2),
                      (T0 + 2 * NS_PER_DAY, "Y.V", 3, SELL, 1.0, 50.0, 0.05, 1)], dtype=FILL_DTYPE)
    equity = np.array([(T0, 1000.0), (T0 + NS_PER_DAY, 1009.8), (T0 + 2 * NS_PER_DAY, 1005.0),
                       (T0 + 3 * NS_PER_DAY, 1012.0)], dtype=EQUITY_DTYPE)
    orders = np.zeros(3, dtype=ORDER_DTYPE)
    return BacktestResult(fills=fills, equity=equity, orders=orders, **kw)


def test_positions_are_round_trips_of_the_fills():
    r = make_result()
    assert r.positions.size == 2
    assert r.positions[0]["net_pnl"] == pytest.approx(10.0 - 0.2)
    assert r.positions[1]["ts_close"] == 0  # Y.V still open
    assert r.statistics.trade_count == 1 and r.statistics.open_trade_count == 1


def test_position_series_steps_from_flat_at_the_start():
    ts, pos = make_result().position_series("X.V")
    assert list(ts) == [T0, T0 + 10, T0 + NS_PER_DAY]
    assert list(pos) == [0.0, 2.0, 0.0]


def test_tables_accept_structured_arrays_with_extra_fields_and_name_missing_ones():
    eq = np.array([(T0, 1.0, 7)], dtype=[("ts", "<i8"), ("equity", "<f8"), ("x", "<i4")])
    assert BacktestResult(equity=eq).equity.dtype == EQUITY_DTYPE
    with pytest.raises(ValueError, match="equity: missing field"):
        BacktestResult(equity=np.zeros(1, dtype=[("ts", "<i8")]))
    with pytest.raises(ValueError, match="equity: empty"):
        BacktestResult(equity=np.empty(0, EQUITY_DTYPE))


def test_result_without_fills_has_empty_tables_and_nan_ratios():
    r = BacktestResult(equity=np.array([(T0, 100.0), (T0 + 1, 100.0)], dtype=EQUITY_DTYPE))
    assert r.fills.size == r.orders.size == r.positions.size == 0
    assert math.isnan(r.statistics.sharpe)
    assert "NaN" in r.summary()


def test_summary_lists_every_figure_aligned():
    text = make_result().summary()
    for label in ("PnL", "Sharpe", "Sortino", "Max drawdown", "Win rate", "Profit factor",
                  "Average holding time", "Fees", "Turnover"):
        assert label in text
    assert "12.00" in text  # PnL 1012 - 1000
    widths = {len(line) for line in text.splitlines()}
    assert len(widths) == 1


@pytest.mark.parametrize("ns, text", [(float("nan"), "n/a"), (0, "00:00:00"),
                                      (3_723_250_000_000, "01:02:03.250"),
                                      (2 * NS_PER_DAY + 3_600 * 10**9, "2d 01:00:00")])
def test_format_duration(ns, text):
    assert format_duration_ns(ns) == text


def test_to_pandas_says_pandas_is_needed_when_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="needs pandas"):
        make_result().to_pandas()


def test_to_pandas_rejects_an_unknown_table():
    with pytest.raises(ValueError, match="table must be one of"):
        make_result().to_pandas("trades")


def test_to_pandas_gives_frames_with_utc_times():
    pd = pytest.importorskip("pandas")
    frames = make_result().to_pandas()
    assert set(frames) == {"orders", "fills", "positions", "equity"}
    assert len(frames["fills"]) == 3
    assert frames["equity"]["ts"].iloc[0] == pd.Timestamp("2020-01-01", tz="UTC")
    assert pd.isna(frames["positions"]["ts_close"].iloc[1])


def test_report_has_statistics_counts_data_and_timings(tmp_path):
    cfg = config_from_dict({"instruments": [{"id": "X.V", "price_precision": 2, "size_precision": 3,
                                             "taker_fee": "0.0005"}]})
    r = make_result(data_reports=[{"file": "q.csv", "rows_read": 10, "rows_kept": 9,
                                   "skipped": {"crossed quote": 1}}],
                    timings={"run": 0.5}, counts={"records": 10})
    path = write_report(r, tmp_path / "out" / "report.json", config=cfg)
    doc = json.loads(path.read_text())
    assert doc["report_version"] == REPORT_VERSION
    assert doc["config"]["instruments"][0]["taker_fee"] == "0.0005"
    assert doc["statistics"]["pnl"] == pytest.approx(12.0)
    assert doc["statistics"]["profit_factor"] == "inf"  # the one closed trade won
    assert doc["counts"] == {"orders": 3, "fills": 3, "positions": 2, "equity_samples": 4,
                             "records": 10}
    assert doc["data"][0]["skipped"] == {"crossed quote": 1}
    assert doc["timings_s"] == {"run": 0.5}
    assert doc["period"]["start"] == "2020-01-01T00:00:00.000000000Z"


def test_report_is_strict_json_without_nan_literals():
    r = BacktestResult(equity=np.array([(T0, 100.0)], dtype=EQUITY_DTYPE))
    text = json.dumps(build_report(r), allow_nan=False)  # raises on a float NaN
    assert '"sharpe": "NaN"' in text


def test_orders_table_reads_model_orders():
    from hft.core.encoding import SIDE_BUY, SIDE_SELL
    from hft.model.identifiers import ClientOrderId, InstrumentId, StrategyId, TraderId
    from hft.model.objects import Price, Quantity
    from hft.model.orders import Order
    from hft.backtest.results import orders_table

    ids = (TraderId("T-1"), StrategyId("S-1"), InstrumentId.from_str("X.V"))
    limit = Order.limit(*ids, ClientOrderId("O-1"), SIDE_BUY, Quantity("1.500"), Price("101.25"),
                        ts_init=7)
    market = Order.market(*ids, ClientOrderId("O-2"), SIDE_SELL, Quantity("2"), ts_init=8)
    t = orders_table([limit, market])
    assert list(t["client_order_id"]) == ["O-1", "O-2"]
    assert t[0]["qty"] == 1.5 and t[0]["price"] == 101.25 and t[0]["ts_init"] == 7
    assert t[0]["instrument"] == "X.V" and t[1]["side"] == SIDE_SELL
    assert math.isnan(t[1]["price"]) and math.isnan(t[1]["avg_px"]) and t[1]["filled_qty"] == 0


def test_from_node_scales_raw_fills_and_maps_numeric_instrument_ids():
    from types import SimpleNamespace

    cfg = config_from_dict({
        "instruments": [{"id": "A.SIM", "price_precision": 2, "size_precision": 3},
                        {"id": "B.SIM", "price_precision": 1, "size_precision": 0, "multiplier": "10"}],
        "venues": [{"name": "SIM", "starting_balances": ["1000 USD"]}]})
    raw = np.array([(T0 + 1, 2, 5, BUY, 2, 1005, 0.5, 2), (T0 + 9, 2, 6, SELL, 2, 1010, 0.5, 2)],
                   dtype=[("ts", "<i8"), ("instrument", "<i4"), ("order_id", "<i8"), ("side", "u1"),
                          ("qty_raw", "<i8"), ("px_raw", "<i8"), ("fee", "<f8"), ("liquidity", "u1")])
    run = SimpleNamespace(fills=raw, equity=None, records=42, elapsed_s=0.25)
    node = SimpleNamespace(config=cfg, portfolio=SimpleNamespace(total_pnl_float=lambda: 9.0))
    r = BacktestResult.from_node(node, run)
    assert list(r.fills["instrument"]) == ["B.SIM", "B.SIM"]
    assert list(r.fills["px"]) == [100.5, 101.0] and list(r.fills["qty"]) == [2.0, 2.0]
    assert r.positions[0]["pnl"] == pytest.approx(2 * 0.5 * 10)  # multiplier 10
    assert list(r.equity["equity"]) == [1000.0, 1009.0]  # fallback: start, start + PnL
    assert r.counts["records"] == 42 and r.timings["run"] == 0.25


def test_from_node_puts_the_starting_balance_before_the_sampled_equity():
    from types import SimpleNamespace

    cfg = config_from_dict({"instruments": [{"id": "A.SIM", "price_precision": 2, "size_precision": 3}],
                            "venues": [{"name": "SIM", "starting_balances": ["500 USD"]}]})
    sampled = np.array([(T0 + 5, 510.0), (T0 + 9, 505.0)], dtype=[("ts_ns", "<i8"), ("equity", "<f8")])
    run = SimpleNamespace(fills=None, equity=sampled, start_ns=T0)
    r = BacktestResult.from_node(SimpleNamespace(config=cfg), run)
    assert list(r.equity["ts"]) == [T0, T0 + 5, T0 + 9]
    assert list(r.equity["equity"]) == [500.0, 510.0, 505.0]


@pytest.mark.parametrize("value, text", [(0.25, "25.00 %"), (0.0, "0.00 %"), (1.1e-5, "0.0011 %"),
                                         (float("inf"), "inf"), (float("nan"), "NaN")])
def test_summary_percentages_keep_small_figures_visible(value, text):
    from hft.backtest.results import _fmt

    assert _fmt(value, "pct") == text
