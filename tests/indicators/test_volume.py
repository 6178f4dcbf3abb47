import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hft.indicators import VWAP

NAN = float("nan")


def vwap_reference(price: np.ndarray, volume: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.cumsum(price * volume) / np.cumsum(volume)
    out[np.cumsum(volume) == 0] = NAN
    return out


def test_vwap_matches_cumulative_sums_on_eurusd_mids(mids):
    volume = np.random.default_rng(7).integers(1, 100, len(mids)).astype(np.float64) * 1e5
    np.testing.assert_allclose(VWAP().update_batch(mids, volume), vwap_reference(mids, volume),
                               rtol=1e-13, atol=0)


def test_vwap_is_exact_to_a_rounding_at_a_large_price_offset():
    rng = np.random.default_rng(3)
    price = 1e9 + rng.normal(0.0, 1e-3, 5000)
    volume = rng.uniform(0.0, 5.0, 5000)
    v = VWAP()
    v.update_batch(price, volume)
    exact = sum(Fraction(p) * Fraction(q) for p, q in zip(price, volume)) / sum(map(Fraction, volume))
    assert abs(v.value - float(exact)) <= 2 * math.ulp(1e9)
    assert v.volume == pytest.approx(volume.sum(), rel=1e-15)


def test_vwap_is_nan_until_volume_then_initialized():
    v = VWAP()
    assert math.isnan(v.update(10.0, 0.0)) and not v.initialized and v.count == 1
    assert v.update(12.0, 2.0) == 12.0 and v.initialized
    assert v.update(9.0, 1.0) == 11.0 and v.volume == 3.0


def test_vwap_skips_nan_and_inf_pairs():
    v = VWAP()
    out = v.update_batch(np.array([10.0, NAN, 20.0, math.inf]), np.array([1.0, 1.0, math.inf, 1.0]))
    np.testing.assert_array_equal(out, [10.0, 10.0, 10.0, 10.0])
    assert v.count == 1


def test_vwap_reset_starts_a_new_session():
    v = VWAP()
    v.update_batch(np.array([10.0, 11.0]), np.array([1.0, 1.0]))
    v.reset()
    assert v.count == 0 and not v.initialized and math.isnan(v.value) and v.volume == 0.0
    assert v.update(20.0, 5.0) == 20.0


def test_vwap_update_names_a_negative_volume():
    v = VWAP()
    with pytest.raises(ValueError, match="volume must be >= 0, got -1.0"):
        v.update(10.0, -1.0)
    assert v.count == 0


def test_vwap_batch_names_the_bad_row_and_adds_nothing():
    v = VWAP()
    with pytest.raises(ValueError, match=r"volume must be >= 0, got volume\[2\]=-0.5"):
        v.update_batch(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, -0.5]))
    assert v.count == 0


def test_vwap_batch_names_mismatched_lengths():
    with pytest.raises(ValueError, match="volume has 1 values, expected 2"):
        VWAP().update_batch(np.ones(2), np.ones(1))


@given(st.lists(st.tuples(st.one_of(st.floats(-1e6, 1e6), st.just(NAN), st.just(math.inf)),
                          st.one_of(st.floats(0.0, 1e6), st.just(NAN))), max_size=40),
       st.integers(0, 40))
def test_vwap_update_batch_equals_repeated_update(pairs, split):
    price = np.array([p[0] for p in pairs], dtype=np.float64)
    volume = np.array([p[1] for p in pairs], dtype=np.float64)
    one, batch = VWAP(), VWAP()
    by_one = [one.update(p, q) for p, q in zip(price, volume)]
    out = np.concatenate([batch.update_batch(price[:split], volume[:split]),
                          batch.update_batch(price[split:], volume[split:])])
    np.testing.assert_array_equal(out, by_one)
    assert (batch.count, batch.initialized) == (one.count, one.initialized)
