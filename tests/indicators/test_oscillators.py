import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hft.indicators import ATR, RSI

NAN = float("nan")
maybe_nan = st.one_of(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
                      st.just(NAN), st.just(math.inf))


def wilder(x: np.ndarray, period: int) -> np.ndarray:
    """Seed with the mean of the first `period` inputs, then avg = (avg (period - 1) + v) / period."""
    out = np.full(len(x), NAN)
    if len(x) >= period:
        out[period - 1] = x[:period].mean()
        for i in range(period, len(x)):
            out[i] = (out[i - 1] * (period - 1) + x[i]) / period
    return out


def rsi_reference(prices: np.ndarray, period: int) -> np.ndarray:
    change = np.diff(prices)
    gain, loss = wilder(np.maximum(change, 0.0), period), wilder(np.maximum(-change, 0.0), period)
    with np.errstate(invalid="ignore", divide="ignore"):
        rsi = np.where(gain + loss > 0, 100.0 * gain / (gain + loss), 50.0)
    rsi[np.isnan(gain)] = NAN
    return np.concatenate([[NAN], rsi])


def atr_reference(high, low, close, period):
    prev = np.concatenate([[NAN], close[:-1]])
    with np.errstate(invalid="ignore"):
        tr = np.fmax(high - low, np.fmax(np.abs(high - prev), np.abs(low - prev)))
    return wilder(tr, period)


def random_bars(n, seed):
    rng = np.random.default_rng(seed)
    close = 100.0 + np.cumsum(rng.normal(0.0, 1.0, n))
    high = close + rng.uniform(0.0, 1.0, n)
    low = close - rng.uniform(0.0, 1.0, n)
    return high, low, close


# --- RSI -------------------------------------------------------------------------------------

@pytest.mark.parametrize("period", [1, 2, 14, 50])
def test_rsi_matches_wilder_reference(period):
    x = 100.0 + np.cumsum(np.random.default_rng(period).normal(0.0, 1.0, 400))
    np.testing.assert_allclose(RSI(period).update_batch(x), rsi_reference(x, period),
                               rtol=1e-12, atol=1e-10)


def test_rsi_matches_wilder_reference_on_eurusd_mids(mids):
    np.testing.assert_allclose(RSI(14).update_batch(mids), rsi_reference(mids, 14),
                               rtol=1e-9, atol=1e-9)


def test_rsi_is_nan_until_period_changes_then_initialized():
    rsi = RSI(3)
    for x in (1.0, 2.0, 3.0):
        assert math.isnan(rsi.update(x)) and not rsi.initialized
    assert rsi.update(2.0) == pytest.approx(100.0 * 2 / 3)  # gains 1, 1, 0; losses 0, 0, 1
    assert rsi.initialized and rsi.count == 4
    assert rsi.average_gain == pytest.approx(2 / 3) and rsi.average_loss == pytest.approx(1 / 3)


@pytest.mark.parametrize("prices, expected", [
    (np.arange(20.0), 100.0), (np.arange(20.0)[::-1].copy(), 0.0), (np.full(20, 3.0), 50.0),
])
def test_rsi_is_100_when_rising_0_when_falling_50_when_flat(prices, expected):
    assert RSI(5).update_batch(prices)[-1] == expected


def test_rsi_skips_nan_prices():
    with_nan = RSI(2).update_batch(np.array([1.0, 2.0, NAN, 1.5, math.inf, 3.0]))
    without = RSI(2).update_batch(np.array([1.0, 2.0, 1.5, 3.0]))
    np.testing.assert_array_equal(with_nan[[0, 1, 3, 5]], without)
    assert math.isnan(with_nan[2]) and with_nan[4] == with_nan[3]


@given(st.lists(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), min_size=1,
                max_size=50))
def test_rsi_stays_within_0_and_100(values):
    out = RSI(3).update_batch(np.array(values))
    ok = out[~np.isnan(out)]
    assert np.all((ok >= 0.0) & (ok <= 100.0))


# --- ATR -------------------------------------------------------------------------------------

@pytest.mark.parametrize("period", [1, 3, 14])
def test_atr_matches_wilder_reference(period):
    high, low, close = random_bars(300, period)
    np.testing.assert_allclose(ATR(period).update_batch(high, low, close),
                               atr_reference(high, low, close, period), rtol=1e-13, atol=0)


def test_atr_matches_wilder_reference_on_eurusd_bars(bars):
    high, low, close = bars
    np.testing.assert_allclose(ATR(14).update_batch(high, low, close),
                               atr_reference(high, low, close, 14), rtol=1e-12, atol=0)


def test_atr_true_range_reaches_to_the_previous_close():
    atr = ATR(2)
    assert math.isnan(atr.update(11.0, 10.0, 10.5)) and atr.true_range == 1.0
    assert atr.update(14.0, 13.0, 13.5) == pytest.approx(2.25)  # tr = 14 - 10.5 (gap up)
    assert atr.true_range == 3.5 and atr.initialized
    atr.update(9.0, 8.0, 8.5)  # gap down: tr = 13.5 - 8
    assert atr.true_range == 5.5 and atr.value == pytest.approx((2.25 + 5.5) / 2)


def test_atr_update_names_a_bar_with_high_below_low():
    atr = ATR(3)
    with pytest.raises(ValueError, match="high must be >= low, got high=1.0 < low=2.0"):
        atr.update(1.0, 2.0, 1.5)
    assert atr.count == 0


def test_atr_batch_names_the_bad_row_and_adds_nothing():
    atr = ATR(3)
    with pytest.raises(ValueError, match=r"high\[1\]=1.0 < low\[1\]=2.0"):
        atr.update_batch(np.array([3.0, 1.0]), np.array([2.0, 2.0]), np.array([2.5, 1.5]))
    assert atr.count == 0


def test_atr_batch_names_mismatched_lengths():
    with pytest.raises(ValueError, match="close has 1 values, expected 2"):
        ATR(3).update_batch(np.ones(2), np.ones(2), np.ones(1))


# --- common behaviour ------------------------------------------------------------------------

@given(st.lists(maybe_nan, max_size=40), st.integers(0, 40))
def test_rsi_update_batch_equals_repeated_update(values, split):
    x = np.array(values, dtype=np.float64)
    one, batch = RSI(3), RSI(3)
    by_one = [one.update(v) for v in x]
    out = np.concatenate([batch.update_batch(x[:split]), batch.update_batch(x[split:])])
    np.testing.assert_array_equal(out, by_one)
    assert (batch.count, batch.initialized) == (one.count, one.initialized)


@given(st.lists(st.tuples(maybe_nan, st.floats(0.0, 10.0), maybe_nan), max_size=40),
       st.integers(0, 40))
def test_atr_update_batch_equals_repeated_update(rows, split):
    low = np.array([r[0] for r in rows], dtype=np.float64)
    with np.errstate(invalid="ignore"):
        high = low + np.array([r[1] for r in rows], dtype=np.float64)
    close = np.array([r[2] for r in rows], dtype=np.float64)
    one, batch = ATR(3), ATR(3)
    by_one = [one.update(h, lo, c) for h, lo, c in zip(high, low, close)]
    out = np.concatenate([batch.update_batch(high[:split], low[:split], close[:split]),
                          batch.update_batch(high[split:], low[split:], close[split:])])
    np.testing.assert_array_equal(out, by_one)
    assert (batch.count, batch.initialized) == (one.count, one.initialized)
    np.testing.assert_array_equal(batch.true_range, one.true_range)


@pytest.mark.parametrize("cls", [RSI, ATR])
def test_reset_behaves_like_a_fresh_indicator(cls):
    args = random_bars(40, 3) if cls is ATR else (random_bars(40, 3)[2],)
    used, fresh = cls(5), cls(5)
    used.update_batch(*args)
    used.reset()
    assert used.count == 0 and not used.initialized and math.isnan(used.value)
    np.testing.assert_array_equal(used.update_batch(*args), fresh.update_batch(*args))


@pytest.mark.parametrize("cls", [RSI, ATR])
@pytest.mark.parametrize("period", [0, -3, 2.0, "14", None])
def test_bad_period_raises_value_error_naming_it(cls, period):
    with pytest.raises(ValueError, match=f"period must be an integer >= 1, got {period!r}"):
        cls(period)
