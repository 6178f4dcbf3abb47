import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view

from hft.indicators import EMA, SMA, Crossover

NAN = float("nan")
finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
maybe_nan = st.one_of(finite, st.just(NAN), st.just(math.inf))


def sma_reference(x: np.ndarray, period: int) -> np.ndarray:
    out = np.full(len(x), NAN)
    if len(x) >= period:
        out[period - 1:] = sliding_window_view(x, period).mean(axis=1)
    return out


def ema_reference(x: np.ndarray, alpha: float) -> np.ndarray:
    """pandas ewm(alpha=alpha, adjust=False) in closed form: explicit weights, no recursion."""
    out = np.empty(len(x))
    for t in range(len(x)):
        w = alpha * (1.0 - alpha) ** (t - np.arange(t + 1))
        w[0] = (1.0 - alpha) ** t
        out[t] = np.dot(w, x[: t + 1])
    return out


def cross_reference(fast: list[float], slow: list[float]) -> list[int]:
    side, out = 0, []
    for f, s in zip(fast, slow):
        d = f - s
        if math.isnan(d) or d == 0:
            out.append(0)
            continue
        sign = 1 if d > 0 else -1
        out.append(sign if side and sign != side else 0)
        side = sign
    return out


# --- SMA -------------------------------------------------------------------------------------

@pytest.mark.parametrize("period", [1, 2, 7, 50])
def test_sma_matches_numpy_mean_of_each_window(period):
    x = 100.0 + np.random.default_rng(period).normal(0.0, 1.0, 500)
    np.testing.assert_allclose(SMA(period).update_batch(x), sma_reference(x, period),
                               rtol=1e-13, atol=0)


@pytest.mark.parametrize("period", [10, 200])
def test_sma_matches_numpy_on_eurusd_mids(mids, period):
    np.testing.assert_allclose(SMA(period).update_batch(mids), sma_reference(mids, period),
                               rtol=1e-13, atol=0)


def test_sma_is_nan_until_period_values_then_initialized():
    sma = SMA(3)
    assert math.isnan(sma.update(1.0)) and math.isnan(sma.update(2.0)) and not sma.initialized
    assert sma.update(6.0) == 3.0 and sma.initialized and sma.value == 3.0 and sma.count == 3


def test_sma_is_nan_while_a_nan_is_in_the_window():
    out = SMA(2).update_batch(np.array([1.0, NAN, 3.0, 5.0]))
    np.testing.assert_array_equal(out, [NAN, NAN, NAN, 4.0])


# --- EMA -------------------------------------------------------------------------------------

@pytest.mark.parametrize("period", [1, 2, 10, 30])
def test_ema_matches_pandas_adjust_false_weights(period):
    x = 1.1 + np.random.default_rng(period).normal(0.0, 1e-3, 300)
    np.testing.assert_allclose(EMA(period).update_batch(x), ema_reference(x, 2.0 / (period + 1)),
                               rtol=1e-13, atol=0)


def test_ema_matches_the_recursion_on_eurusd_mids(mids):
    alpha = 2.0 / 21.0
    expected, y = [], mids[0]
    for x in mids:
        y += alpha * (x - y)
        expected.append(y)
    np.testing.assert_allclose(EMA(20).update_batch(mids), expected, rtol=1e-15, atol=0)


def test_ema_is_seeded_with_the_first_value_and_initialized_after_period():
    ema = EMA(3)
    assert math.isnan(ema.value) and not ema.initialized
    assert ema.update(10.0) == 10.0
    assert ema.update(20.0) == 15.0  # alpha = 2 / (3 + 1)
    assert not ema.initialized
    assert ema.update(20.0) == 17.5 and ema.initialized and ema.count == 3


def test_ema_skips_nan_and_inf_inputs():
    ema = EMA(alpha=0.5)
    out = ema.update_batch(np.array([NAN, 2.0, NAN, math.inf, 4.0]))
    np.testing.assert_array_equal(out, [NAN, 2.0, 2.0, 2.0, 3.0])
    assert ema.count == 2


@pytest.mark.parametrize("alpha, period", [(1.0, 1), (2.0 / 11.0, 10), (0.1, 19), (0.5, 3)])
def test_ema_from_alpha_warms_up_for_its_span(alpha, period):
    ema = EMA(alpha=alpha)
    assert ema.alpha == alpha and ema.period == period


# --- Crossover -------------------------------------------------------------------------------

def test_crossover_signals_each_cross_once():
    fast = [1.0, 2.0, 3.0, 3.0, 2.0, 1.0, 2.0]
    slow = [2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0]
    cross = Crossover()
    assert [cross.update(f, s) for f, s in zip(fast, slow)] == [0, 0, 1, 0, 0, -1, 0]


def test_crossover_treats_a_touch_and_turn_back_as_no_cross():
    cross = Crossover()
    assert [cross.update(f, 0.0) for f in (1.0, 0.0, 1.0, 0.0, -1.0)] == [0, 0, 0, 0, -1]
    assert cross.side == -1 and cross.value == -1


def test_crossover_on_two_emas_of_eurusd_mids(mids):
    fast, slow = EMA(10).update_batch(mids), EMA(50).update_batch(mids)
    signals = Crossover().update_batch(fast, slow)
    assert signals.dtype == np.int8
    assert signals.tolist() == cross_reference(fast.tolist(), slow.tolist())
    crosses = signals[signals != 0]
    assert len(crosses) > 10 and np.all(crosses[1:] != crosses[:-1])  # they alternate


@given(st.lists(st.tuples(maybe_nan, maybe_nan), max_size=60))
def test_crossover_matches_reference_and_batch_equals_updates(pairs):
    fast = np.array([p[0] for p in pairs], dtype=np.float64)
    slow = np.array([p[1] for p in pairs], dtype=np.float64)
    one = Crossover()
    by_one = [one.update(f, s) for f, s in zip(fast, slow)]
    with np.errstate(invalid="ignore"):
        assert by_one == cross_reference(fast.tolist(), slow.tolist())
    batch = Crossover()
    assert batch.update_batch(fast, slow).tolist() == by_one
    assert (batch.side, batch.count, batch.value) == (one.side, one.count, one.value)


def test_crossover_batch_names_mismatched_lengths():
    with pytest.raises(ValueError, match="slow has 2 values, expected 3"):
        Crossover().update_batch(np.zeros(3), np.zeros(2))


# --- common behaviour ------------------------------------------------------------------------

MAKERS = [lambda: SMA(5), lambda: EMA(5), lambda: EMA(alpha=0.3)]


@pytest.mark.parametrize("make", MAKERS, ids=["sma", "ema", "ema-alpha"])
@given(st.lists(maybe_nan, max_size=40), st.integers(0, 40))
def test_update_batch_equals_repeated_update(make, values, split):
    x = np.array(values, dtype=np.float64)
    one, batch = make(), make()
    by_one = [one.update(v) for v in x]
    out = np.concatenate([batch.update_batch(x[:split]), batch.update_batch(x[split:])])
    np.testing.assert_array_equal(out, by_one)
    assert (batch.count, batch.initialized) == (one.count, one.initialized)
    np.testing.assert_array_equal(batch.value, one.value)


@pytest.mark.parametrize("make", MAKERS + [Crossover], ids=["sma", "ema", "ema-alpha", "cross"])
def test_reset_behaves_like_a_fresh_indicator(make):
    x = 1.0 + np.random.default_rng(1).normal(0.0, 0.1, 30)
    used, fresh = make(), make()
    args = (x, x[::-1].copy()) if isinstance(used, Crossover) else (x,)
    used.update_batch(*args)
    used.reset()
    assert used.count == 0 and not used.initialized
    np.testing.assert_array_equal(used.update_batch(*args), fresh.update_batch(*args))


@pytest.mark.parametrize("make, message", [
    (lambda: SMA(0), "period must be an integer >= 1, got 0"),
    (lambda: SMA(2.5), "period must be an integer >= 1, got 2.5"),
    (lambda: SMA(True), "period must be an integer >= 1, got True"),
    (lambda: EMA(), "give exactly one of period and alpha"),
    (lambda: EMA(3, alpha=0.5), "give exactly one of period and alpha"),
    (lambda: EMA(-1), "period must be an integer >= 1, got -1"),
    (lambda: EMA(alpha=0.0), r"alpha must be a number in \(0, 1\], got 0.0"),
    (lambda: EMA(alpha=1.5), r"alpha must be a number in \(0, 1\], got 1.5"),
    (lambda: EMA(alpha=NAN), r"alpha must be a number in \(0, 1\], got nan"),
    (lambda: EMA(alpha="x"), r"alpha must be a number in \(0, 1\], got 'x'"),
])
def test_bad_parameters_raise_value_error_naming_them(make, message):
    with pytest.raises(ValueError, match=message):
        make()
