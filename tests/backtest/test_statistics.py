"""Statistics against figures worked out by hand on tiny curves and trade lists."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hft.backtest.statistics import (
    FILL_DTYPE,
    NS_PER_DAY,
    annualized_return,
    average_holding_ns,
    compute_statistics,
    drawdown_series,
    max_drawdown,
    profit_factor,
    resample_equity,
    round_trips,
    sharpe_ratio,
    simple_returns,
    sortino_ratio,
    total_return,
    traded_notional,
    win_rate,
)

BUY, SELL = 1, 2
DAY = NS_PER_DAY


def fills(*rows):
    """Build a fills table from (ts, instrument, side, qty, px, fee) rows."""
    return np.array([(ts, inst, 0, side, qty, px, fee, 2) for ts, inst, side, qty, px, fee in rows],
                    dtype=FILL_DTYPE)


# ---- equity curve ----

def test_max_drawdown_of_100_120_90_130_is_25_percent_from_120_to_recovery():
    dd = max_drawdown([0, 10, 20, 30], [100, 120, 90, 130])
    assert dd.depth == pytest.approx(0.25)
    assert (dd.peak_index, dd.trough_index, dd.recovery_index) == (1, 2, 3)
    assert dd.duration_ns == 20  # from the 120 peak at t=10 to 130 at t=30
    assert dd.recovered


def test_max_drawdown_duration_runs_to_the_end_when_never_recovered():
    dd = max_drawdown([0, 1, 2, 5], [100, 120, 90, 110])
    assert dd.depth == pytest.approx(0.25)
    assert not dd.recovered and dd.recovery_index == -1
    assert dd.duration_ns == 4


def test_max_drawdown_picks_the_deepest_not_the_longest_fall():
    # fall 1: 100 -> 95 (5 %) lasting long; fall 2: 200 -> 150 (25 %)
    dd = max_drawdown([0, 1, 2, 3, 4, 5, 6], [100, 95, 96, 97, 200, 150, 201])
    assert dd.depth == pytest.approx(0.25)
    assert (dd.peak_ts, dd.trough_ts, dd.duration_ns) == (4, 5, 2)


def test_max_drawdown_starts_at_the_last_sample_on_the_peak():
    dd = max_drawdown([0, 1, 2, 3], [100, 120, 120, 60])
    assert dd.peak_index == 2 and dd.depth == pytest.approx(0.5)


def test_max_drawdown_of_a_rising_or_flat_curve_is_zero():
    assert max_drawdown([0, 1, 2], [100, 100, 100]).depth == 0.0
    assert max_drawdown([0, 1, 2], [1, 2, 3]).duration_ns == 0


def test_drawdown_series_is_fraction_below_running_peak():
    np.testing.assert_allclose(drawdown_series([100, 120, 90, 130]), [0, 0, -0.25, 0])


def test_total_return_and_pnl_basis():
    assert total_return([100, 120, 90, 130]) == pytest.approx(0.30)
    assert math.isnan(total_return([]))


def test_annualized_return_compounds_over_365_day_years():
    assert annualized_return([0, 365 * DAY], [100, 110]) == pytest.approx(0.10)
    assert annualized_return([0, 2 * 365 * DAY], [100, 121]) == pytest.approx(0.10)
    assert annualized_return([0, 365 * DAY // 2], [100, 110]) == pytest.approx(0.21)


def test_annualized_return_is_nan_for_zero_span_and_minus_one_for_ruin():
    assert math.isnan(annualized_return([5, 5], [100, 110]))
    assert annualized_return([0, DAY], [100, -5]) == -1.0


def test_resample_equity_keeps_the_start_then_each_day_close_carried_forward():
    ts = [DAY + 1, DAY + 5, 2 * DAY + 3, 4 * DAY + 7]  # no sample on day 3
    out_ts, out_eq = resample_equity(ts, [100, 101, 99, 104])
    np.testing.assert_array_equal(out_eq, [100, 101, 99, 99, 104])
    assert out_ts[0] == DAY + 1 and out_ts[1] == 2 * DAY - 1


def test_sharpe_matches_hand_computation():
    r = [0.01, -0.02, 0.03]
    mean, std = 0.02 / 3, math.sqrt(((0.01 - 0.02 / 3) ** 2 + (-0.02 - 0.02 / 3) ** 2
                                     + (0.03 - 0.02 / 3) ** 2) / 2)
    assert sharpe_ratio(r, 365) == pytest.approx(mean / std * math.sqrt(365))


def test_sharpe_of_flat_curve_is_nan_not_zero():
    assert math.isnan(sharpe_ratio(simple_returns([100, 100, 100, 100]), 365))
    assert math.isnan(sharpe_ratio([0.01, 0.01, 0.01], 365))  # constant returns: zero variance
    assert math.isnan(sharpe_ratio([0.01], 365))


def test_sortino_uses_downside_deviation_over_all_returns():
    r = [0.02, -0.01, 0.03, -0.02]
    downside = math.sqrt((0.01 ** 2 + 0.02 ** 2) / 4)
    assert sortino_ratio(r, 252) == pytest.approx(0.005 / downside * math.sqrt(252))


def test_sortino_without_losses_is_inf_or_nan():
    assert sortino_ratio([0.01, 0.02], 365) == math.inf
    assert math.isnan(sortino_ratio([0.0, 0.0], 365))


# ---- trades ----

def test_round_trip_long_then_flat_realizes_the_price_move_minus_fees():
    t = round_trips(fills((1, "X.V", BUY, 2, 100, 0.2), (5, "X.V", SELL, 2, 110, 0.22)))
    assert t.size == 1
    trip = t[0]
    assert (trip["side"], trip["ts_open"], trip["ts_close"]) == (BUY, 1, 5)
    assert trip["pnl"] == pytest.approx(20.0)
    assert trip["fees"] == pytest.approx(0.42)
    assert trip["net_pnl"] == pytest.approx(19.58)
    assert (trip["avg_px_open"], trip["avg_px_close"]) == (100, 110)


def test_round_trip_averages_adds_and_partial_exits():
    t = round_trips(fills((1, "X.V", SELL, 1, 100, 0), (2, "X.V", SELL, 3, 104, 0),
                          (3, "X.V", BUY, 2, 90, 0), (4, "X.V", BUY, 2, 95, 0)))
    assert t.size == 1
    assert t[0]["avg_px_open"] == pytest.approx(103.0)
    assert t[0]["peak_qty"] == 4
    assert t[0]["pnl"] == pytest.approx(2 * 13 + 2 * 8)  # short from 103
    assert t[0]["avg_px_close"] == pytest.approx(92.5)


def test_flip_closes_one_trip_and_opens_the_next_with_the_fee_split():
    t = round_trips(fills((1, "X.V", BUY, 1, 100, 0.1), (2, "X.V", SELL, 3, 90, 0.3),
                          (3, "X.V", BUY, 2, 80, 0.2)))
    assert t.size == 2
    assert t[0]["pnl"] == pytest.approx(-10) and t[0]["fees"] == pytest.approx(0.2)
    assert t[1]["side"] == SELL and t[1]["ts_open"] == 2 and t[1]["ts_close"] == 3
    assert t[1]["pnl"] == pytest.approx(20) and t[1]["fees"] == pytest.approx(0.4)


def test_instruments_are_tracked_separately_and_open_trips_have_ts_close_zero():
    t = round_trips(fills((1, "A.V", BUY, 1, 10, 0), (2, "B.V", SELL, 1, 50, 0),
                          (3, "A.V", SELL, 1, 12, 0)), multipliers={"A.V": 10})
    assert list(t["instrument"]) == ["A.V", "B.V"]
    assert t[0]["pnl"] == pytest.approx(20.0)  # 2 points * multiplier 10
    assert t[1]["ts_close"] == 0 and math.isnan(t[1]["avg_px_close"])


def test_win_rate_counts_zero_pnl_as_not_a_win():
    assert win_rate([5, -3, 0, 2]) == 0.5
    assert math.isnan(win_rate([]))


def test_profit_factor_is_gains_over_losses_with_documented_edges():
    assert profit_factor([5, -3, 2, -1]) == pytest.approx(7 / 4)
    assert profit_factor([1, 2]) == math.inf  # all winners
    assert profit_factor([-1]) == 0.0
    assert math.isnan(profit_factor([]))
    assert math.isnan(profit_factor([0.0]))


def test_average_holding_time_and_traded_notional():
    assert average_holding_ns([0, 10], [4, 30]) == 12.0
    assert math.isnan(average_holding_ns([], []))
    f = fills((1, "X.V", BUY, 2, 100, 0), (2, "X.V", SELL, 2, 110, 0))
    assert traded_notional(f) == 420.0


def test_bad_fill_side_is_named():
    f = fills((1, "X.V", BUY, 1, 100, 0))
    f["side"] = 7
    with pytest.raises(ValueError, match=r"fills\[0\]: field 'side'.*got 7"):
        round_trips(f)


def test_decreasing_equity_timestamps_are_named():
    with pytest.raises(ValueError, match=r"ts_ns\[2\] = 1"):
        max_drawdown([0, 5, 1], [1, 2, 3])


# ---- everything together ----

def test_statistics_with_no_trades_are_nan_where_undefined():
    s = compute_statistics([0, DAY, 2 * DAY], [1000.0, 1000.0, 1000.0], np.empty(0, FILL_DTYPE))
    assert s.trade_count == 0 and s.fill_count == 0 and s.fees == 0.0
    assert s.pnl == 0.0 and s.total_return == 0.0 and s.max_drawdown == 0.0
    for name in ("sharpe", "sortino", "win_rate", "profit_factor", "average_holding_ns"):
        assert math.isnan(getattr(s, name)), name


def test_statistics_of_a_small_run_agree_with_the_parts():
    ts = [0, DAY // 2, DAY + 1, 2 * DAY + 1, 3 * DAY + 1]
    eq = [1000.0, 1010.0, 990.0, 1020.0, 1030.0]
    f = fills((10, "X.V", BUY, 1, 100, 0.1), (DAY, "X.V", SELL, 1, 130, 0.1),
              (2 * DAY, "X.V", BUY, 1, 120, 0.1))
    s = compute_statistics(ts, eq, f)
    daily = simple_returns([1000, 1010, 990, 1020, 1030])
    assert s.sharpe == pytest.approx(sharpe_ratio(daily, 365))
    assert s.pnl == 30.0 and s.total_return == pytest.approx(0.03)
    assert s.max_drawdown == pytest.approx(20 / 1010)
    assert (s.trade_count, s.open_trade_count, s.win_rate) == (1, 1, 1.0)
    assert s.profit_factor == math.inf
    assert s.average_holding_ns == DAY - 10
    assert s.fees == pytest.approx(0.3)
    assert s.turnover == pytest.approx(350 / 1000)
    assert s.periods_per_year == 365.0


@given(st.lists(st.floats(1.0, 1e6), min_size=1, max_size=50))
def test_max_drawdown_agrees_with_brute_force(values):
    best = 0.0
    for i in range(len(values)):
        for j in range(i, len(values)):
            best = max(best, 1 - values[j] / values[i])
    assert max_drawdown(np.arange(len(values)), values).depth == pytest.approx(best, abs=1e-12)


@given(st.lists(st.tuples(st.booleans(), st.integers(1, 5), st.integers(90, 110)), max_size=30))
def test_round_trip_pnl_sums_to_cash_flow_when_flat(ops):
    rows, pos = [], 0
    for i, (buy, qty, px) in enumerate(ops):
        rows.append((i + 1, "X.V", BUY if buy else SELL, qty, px, 0.0))
        pos += qty if buy else -qty
    if pos:
        rows.append((len(rows) + 1, "X.V", SELL if pos > 0 else BUY, abs(pos), 100, 0.0))
    f = fills(*rows)
    cash = sum((-1 if r[2] == BUY else 1) * r[3] * r[4] for r in rows)
    t = round_trips(f)
    assert (t["ts_close"] != 0).all()
    assert t["pnl"].sum() == pytest.approx(cash, abs=1e-6)
