import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view

from hft.indicators import Bollinger, ZScore

NAN = float("nan")
maybe_nan = st.one_of(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
                      st.just(NAN), st.just(math.inf))


def bollinger_reference(x: np.ndarray, period: int, k: float, ddof: int) -> np.ndarray:
    out = np.full((len(x), 3), NAN)
    if len(x) >= period:
        win = sliding_window_view(x, period)
        mid, sd = win.mean(axis=1), win.std(axis=1, ddof=ddof)
        out[period - 1:] = np.column_stack([mid + k * sd, mid, mid - k * sd])
    return out


def zscore_reference(x: np.ndarray, period: int) -> np.ndarray:
    out = np.full(len(x), NAN)
    if len(x) >= period:
        win = sliding_window_view(x, period)
        out[period - 1:] = (x[period - 1:] - win.mean(axis=1)) / win.std(axis=1, ddof=1)
    return out


@pytest.mark.parametrize("period, k, ddof", [(2, 2.0, 0), (20, 2.0, 0), (20, 1.5, 1), (5, 3.0, 1)])
def test_bollinger_matches_numpy_mean_and_std(period, k, ddof):
    x = 100.0 + np.random.default_rng(period).normal(0.0, 1.0, 400)
    np.testing.assert_allclose(Bollinger(period, k, ddof).update_batch(x),
                               bollinger_reference(x, period, k, ddof), rtol=1e-12, atol=0)


def test_bollinger_matches_numpy_on_eurusd_mids(mids):
    # the spread of the bands is ~1e-5 on a level of 1.12: compare it with the band width
    got, expected = Bollinger(20).update_batch(mids), bollinger_reference(mids, 20, 2.0, 0)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-13)
    np.testing.assert_allclose(got[:, 0] - got[:, 2], expected[:, 0] - expected[:, 2],
                               rtol=1e-6, atol=1e-14)  # flat windows: ours 0, numpy ~1e-15


def test_bollinger_properties_follow_the_last_update():
    bb = Bollinger(4, k=1.0)
    for x in (1.0, 2.0, 3.0):
        assert math.isnan(bb.update(x))
        assert math.isnan(bb.upper) and math.isnan(bb.lower) and not bb.initialized
    assert bb.update(6.0) == 3.0 and bb.initialized
    sd = np.std([1.0, 2.0, 3.0, 6.0])
    assert bb.middle == bb.value == 3.0
    assert bb.upper == pytest.approx(3.0 + sd) and bb.lower == pytest.approx(3.0 - sd)
    assert bb.width == pytest.approx(2.0 * sd / 3.0)
    assert bb.percent_b == pytest.approx((6.0 - (3.0 - sd)) / (2.0 * sd))


def test_bollinger_percent_b_is_nan_for_a_flat_window():
    bb = Bollinger(3)
    bb.update_batch(np.array([2.0, 2.0, 2.0]))
    assert bb.upper == bb.middle == bb.lower == 2.0 and math.isnan(bb.percent_b)


@pytest.mark.parametrize("period", [2, 10, 50])
def test_zscore_matches_numpy(period):
    x = 1e4 + np.random.default_rng(period).normal(0.0, 1.0, 300)
    np.testing.assert_allclose(ZScore(period).update_batch(x), zscore_reference(x, period),
                               rtol=1e-9, atol=1e-12)


def test_zscore_matches_numpy_on_eurusd_mids(mids):
    got = ZScore(100).update_batch(mids)
    expected = zscore_reference(mids, 100)
    flat = ~np.isfinite(expected)  # a window of equal mids has std 0: both say NaN (or inf)
    assert np.all(np.isnan(got[flat]))
    np.testing.assert_allclose(got[~flat], expected[~flat], rtol=1e-7, atol=1e-9)


def test_zscore_is_nan_for_a_constant_window_and_during_warm_up():
    z = ZScore(3)
    out = z.update_batch(np.array([5.0, 5.0, 5.0, 8.0]))
    assert np.all(np.isnan(out[:3]))
    assert out[3] == pytest.approx(2.0 / math.sqrt(3.0))  # window 5, 5, 8: mean 6, std sqrt(3)
    assert z.mean == 6.0 and z.std == pytest.approx(math.sqrt(3.0)) and z.value == out[3]


MAKERS = [lambda: Bollinger(5), lambda: Bollinger(4, 1.0, 1), lambda: ZScore(5)]
IDS = ["bollinger", "bollinger-ddof1", "zscore"]


def _step(ind, x):
    ind.update(x)
    if isinstance(ind, Bollinger):
        return [ind.upper, ind.middle, ind.lower]
    return ind.value


@pytest.mark.parametrize("make", MAKERS, ids=IDS)
@given(st.lists(maybe_nan, max_size=40), st.integers(0, 40))
def test_update_batch_equals_repeated_update(make, values, split):
    x = np.array(values, dtype=np.float64)
    one, batch = make(), make()
    with np.errstate(invalid="ignore"):
        by_one = np.array([_step(one, v) for v in x], dtype=np.float64)
        out = np.concatenate([batch.update_batch(x[:split]), batch.update_batch(x[split:])])
    np.testing.assert_array_equal(out.reshape(by_one.shape), by_one)
    assert (batch.count, batch.initialized) == (one.count, one.initialized)


@pytest.mark.parametrize("make", MAKERS, ids=IDS)
def test_reset_behaves_like_a_fresh_indicator(make):
    x = 1.0 + np.random.default_rng(2).normal(0.0, 0.1, 30)
    used, fresh = make(), make()
    used.update_batch(x)
    used.reset()
    assert used.count == 0 and not used.initialized and math.isnan(used.value)
    np.testing.assert_array_equal(used.update_batch(x), fresh.update_batch(x))


@pytest.mark.parametrize("make, message", [
    (lambda: Bollinger(0), "period must be an integer >= 1, got 0"),
    (lambda: Bollinger(1, ddof=1), "period must be an integer >= 2, got 1"),
    (lambda: Bollinger("20"), "period must be an integer >= 1, got '20'"),
    (lambda: Bollinger(20, k=0.0), "k must be a finite number > 0, got 0.0"),
    (lambda: Bollinger(20, k=-2), "k must be a finite number > 0, got -2"),
    (lambda: Bollinger(20, k=math.inf), "k must be a finite number > 0, got inf"),
    (lambda: Bollinger(20, ddof=2), "ddof must be 0 or 1, got 2"),
    (lambda: Bollinger(20, ddof=True), "ddof must be 0 or 1, got True"),
    (lambda: ZScore(1), "period must be an integer >= 2, got 1"),
    (lambda: ZScore(None), "period must be an integer >= 2, got None"),
])
def test_bad_parameters_raise_value_error_naming_them(make, message):
    with pytest.raises(ValueError, match=message):
        make()
