"""hft.core.stats: agreement with numpy / exact references, stability at large offsets, merges."""

import math
import sys
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from hft.core.stats import Covariance, Ewma, RollingCovariance, RollingStats, RunningStats

EPS = sys.float_info.epsilon
REL = 1e-9
sliding = np.lib.stride_tricks.sliding_window_view

# Moderate floats, and "prices": a large offset plus small noise, where sum-of-squares fails.
finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
noise = st.floats(-10.0, 10.0, allow_nan=False, allow_infinity=False)
values = st.lists(finite, min_size=0, max_size=60)
prices = st.lists(noise, min_size=2, max_size=60).map(lambda xs: [1e9 + v for v in xs])


def exact_mean(xs):
    return sum(map(Fraction, xs)) / len(xs)


def exact_var(xs, ddof=1):
    """Variance of the doubles xs computed in exact rational arithmetic."""
    m = exact_mean(xs)
    return float(sum((Fraction(x) - m) ** 2 for x in xs) / (len(xs) - ddof))


def exact_cov(xs, ys):
    mx, my = exact_mean(xs), exact_mean(ys)
    return float(sum((Fraction(x) - mx) * (Fraction(y) - my) for x, y in zip(xs, ys)) / (len(xs) - 1))


def close(got, ref, scale=1.0, rel=REL):
    """Within `rel` relative, or below the resolution of data of magnitude `scale`."""
    if math.isnan(ref):
        return math.isnan(got)
    return math.isclose(got, ref, rel_tol=rel, abs_tol=1e3 * (EPS * scale) ** 2)


def close_mean(got, ref, scale):
    return math.isclose(got, ref, rel_tol=REL, abs_tol=4 * EPS * scale)


def scale_of(xs):
    return max((abs(x) for x in xs), default=1.0) or 1.0


# --- RunningStats -------------------------------------------------------------------------------


@given(values)
def test_running_stats_agree_with_numpy(xs):
    rs = RunningStats()
    for x in xs:
        rs.add(x)
    a = np.array(xs, dtype=np.float64)
    assert rs.count == len(xs)
    if len(xs) == 0:
        assert all(math.isnan(v) for v in (rs.mean, rs.variance, rs.std, rs.min, rs.max))
        return
    assert close_mean(rs.mean, a.mean(), scale_of(xs))
    assert rs.min == a.min() and rs.max == a.max()
    assert close(rs.population_variance, exact_var(xs, ddof=0), scale_of(xs))
    if len(xs) >= 2:
        assert close(rs.variance, exact_var(xs), scale_of(xs))
        assert close(rs.variance, float(np.var(a, ddof=1)), scale_of(xs), rel=1e-7)
        assert close(rs.std, math.sqrt(exact_var(xs)), scale_of(xs) ** 0.5)
    else:
        assert math.isnan(rs.variance) and math.isnan(rs.std)


@given(prices)
def test_running_variance_stays_exact_at_large_offset(xs):
    rs = RunningStats()
    rs.add_batch(np.array(xs))
    assert close(rs.variance, exact_var(xs), 1e9)
    assert close_mean(rs.mean, float(exact_mean(xs)), 1e9)


def test_naive_sum_of_squares_fails_at_large_offset_where_welford_does_not():
    rng = np.random.default_rng(7)
    xs = 1e9 + rng.normal(0.0, 1.0, 5000)
    n = len(xs)
    naive = (math.fsum(x * x for x in xs) - math.fsum(xs) ** 2 / n) / (n - 1)
    plain_welford = RunningStats()  # the shift is what rescues Welford here; show the full class
    plain_welford.add_batch(xs)
    ref = exact_var(xs.tolist())
    assert abs(naive / ref - 1) > 1e-3  # catastrophic cancellation (even with fsum)
    assert abs(plain_welford.variance / ref - 1) < 1e-12


@given(values)
def test_add_batch_equals_adding_one_by_one(xs):
    one, batch = RunningStats(), RunningStats()
    for x in xs:
        one.add(x)
    batch.add_batch(np.array(xs, dtype=np.float64))
    assert repr(one) == repr(batch)
    assert one.variance == batch.variance or (math.isnan(one.variance) and math.isnan(batch.variance))


@given(st.one_of(values, prices), st.integers(0, 60))
def test_merge_equals_one_pass(xs, cut):
    cut = min(cut, len(xs))
    whole, left, right = RunningStats(), RunningStats(), RunningStats()
    whole.add_batch(np.array(xs, dtype=np.float64))
    left.add_batch(np.array(xs[:cut], dtype=np.float64))
    right.add_batch(np.array(xs[cut:], dtype=np.float64))
    merged = RunningStats.merged(left, right)
    left.merge(right)
    s = scale_of(xs)
    for m in (merged, left):
        assert m.count == whole.count
        if xs:
            assert close_mean(m.mean, whole.mean, s)
            assert m.min == whole.min and m.max == whole.max
        if len(xs) >= 2:
            assert close(m.variance, exact_var(xs), s)


def test_merged_leaves_its_inputs_unchanged():
    a, b = RunningStats(), RunningStats()
    a.add_batch(np.array([1.0, 2.0]))
    b.add_batch(np.array([10.0, 20.0, 30.0]))
    before = (repr(a), repr(b))
    m = RunningStats.merged(a, b)
    assert (repr(a), repr(b)) == before
    assert m.count == 5 and m.mean == pytest.approx(12.6)


def test_merge_rejects_none():
    with pytest.raises(TypeError):
        RunningStats().merge(None)


def test_zscore_is_distance_from_mean_in_std():
    rs = RunningStats()
    rs.add_batch(np.array([1.0, 2.0, 3.0, 4.0]))
    assert rs.zscore(5.0) == pytest.approx((5.0 - 2.5) / np.std([1, 2, 3, 4], ddof=1))


@pytest.mark.parametrize("data", [[], [3.0], [2.0, 2.0, 2.0]], ids=["empty", "one", "constant"])
def test_zscore_is_nan_below_two_values_or_zero_std(data):
    rs = RunningStats()
    rs.add_batch(np.array(data, dtype=np.float64))
    assert math.isnan(rs.zscore(1.0))


def test_reset_forgets_every_value():
    rs = RunningStats()
    rs.add_batch(np.arange(10.0))
    rs.reset()
    assert rs.count == 0 and math.isnan(rs.mean)
    rs.add_batch(np.array([1e9, 1e9 + 2]))
    assert rs.mean == 1e9 + 1 and rs.variance == 2.0


def test_add_batch_rejects_a_non_float64_array():
    with pytest.raises(ValueError):
        RunningStats().add_batch(np.arange(3, dtype=np.int64))


# --- RollingStats -------------------------------------------------------------------------------


@given(st.lists(finite, min_size=1, max_size=80), st.integers(1, 12))
def test_rolling_stats_match_numpy_sliding_windows(xs, window):
    a = np.array(xs, dtype=np.float64)
    rs = RollingStats(window)
    means, stds = np.empty_like(a), np.empty_like(a)
    rs.update_batch(a, means, stds)
    if len(xs) < window:
        return
    w = sliding(a, window)
    s = scale_of(xs)
    for i, row in enumerate(w):
        j = i + window - 1
        assert close_mean(means[j], row.mean(), s)
        if window >= 2:
            assert close(stds[j] ** 2, exact_var(row.tolist()), s)
    assert rs.min == w[-1].min() and rs.max == w[-1].max()
    assert rs.is_ready and rs.count == window and rs.total_count == len(xs)


@given(st.lists(finite, min_size=1, max_size=80), st.integers(1, 12))
def test_rolling_min_max_equal_sliding_min_max(xs, window):
    rs = RollingStats(window)
    for i, x in enumerate(xs):
        rs.add(x)
        held = xs[max(0, i + 1 - window): i + 1]
        assert rs.min == min(held) and rs.max == max(held)


@given(prices, st.integers(2, 12))
def test_rolling_variance_stays_exact_at_large_offset(xs, window):
    rs = RollingStats(window)
    for i, x in enumerate(xs):
        rs.add(x)
        held = xs[max(0, i + 1 - window): i + 1]
        if len(held) >= 2:
            assert close(rs.variance, exact_var(held), 1e9)


def _regime_series(n, rng):
    """1e9 + a random walk with calm stretches, volatility bursts and level jumps."""
    vol = np.where((np.arange(n) // 5000) % 3 == 1, 50.0, 0.5)
    x = 1e9 + np.cumsum(rng.normal(0.0, 1.0, n) * vol)
    x[n // 2:] += 3e7  # a jump: the window straddles two very different levels for a while
    return x


@pytest.mark.parametrize("window", [2, 50, 1000])
def test_rolling_agrees_with_sliding_windows_over_a_long_run(window):
    rng = np.random.default_rng(window)
    x = _regime_series(60_000, rng)
    rs = RollingStats(window)
    means, stds = np.empty_like(x), np.empty_like(x)
    rs.update_batch(x, means, stds)
    # the reference in 80-bit long double: numpy's float64 var itself drifts past 1e-9 here
    w = sliding(x.astype(np.longdouble), window)
    ref_var = w.var(axis=1, ddof=1).astype(np.float64)
    ref_mean = w.mean(axis=1).astype(np.float64)
    got_var = stds[window - 1:] ** 2
    assert np.max(np.abs(got_var / ref_var - 1)) < REL
    assert np.max(np.abs(means[window - 1:] / ref_mean - 1)) < 1e-15
    # and against plain float64 numpy where it is well conditioned (noise ~ 1 at 1e9)
    noisy = 1e9 + rng.normal(0.0, 1.0, 20_000)
    rs.reset()
    rs.update_batch(noisy, means[:20_000], stds[:20_000])
    got_var = stds[window - 1:20_000] ** 2
    ref_var = sliding(noisy.astype(np.longdouble), window).var(axis=1, ddof=1).astype(np.float64)
    assert np.max(np.abs(got_var / ref_var - 1)) < REL
    if window >= 50:  # two nearly equal values at 1e9: numpy's own mean rounding dominates
        np_var = sliding(noisy, window).var(axis=1, ddof=1)
        assert np.max(np.abs(got_var / np_var - 1)) < REL
    # re-centring (an O(window) pass) stays rare: amortised O(1) per add
    assert rs.recentres <= 20_000 // window + 2


def test_rolling_recentres_rarely_on_a_trend():
    rs = RollingStats(100)
    rs.add_batch(np.arange(100_000, dtype=np.float64) * 3.0 + 1e9)
    assert rs.recentres < 100_000 // 100
    assert rs.variance == pytest.approx(9.0 * 100 * 101 / 12, rel=REL)


def test_update_batch_writes_what_the_properties_say_after_each_add():
    rng = np.random.default_rng(3)
    x = rng.normal(5.0, 2.0, 40)
    batch, one = RollingStats(7), RollingStats(7)
    means, stds = np.empty_like(x), np.empty_like(x)
    batch.update_batch(x, means, stds)
    for i, v in enumerate(x):
        one.add(v)
        assert means[i] == one.mean
        assert stds[i] == one.std or (math.isnan(stds[i]) and math.isnan(one.std))
    assert math.isnan(stds[0])  # one value: no sample std yet


def test_update_batch_skips_outputs_given_as_none():
    rs = RollingStats(3)
    out = np.full(4, -1.0)
    rs.update_batch(np.arange(4.0), out_std=out)
    assert out[-1] == 1.0 and rs.mean == 2.0


@pytest.mark.parametrize("name", ["out_mean", "out_std"])
def test_update_batch_names_the_output_of_wrong_length(name):
    with pytest.raises(ValueError, match=name):
        RollingStats(3).update_batch(np.arange(4.0), **{name: np.empty(3)})


@pytest.mark.parametrize("window", [0, -5])
def test_rolling_rejects_a_window_below_one(window):
    with pytest.raises(ValueError, match="window"):
        RollingStats(window)


def test_rolling_is_ready_once_the_window_is_full():
    rs = RollingStats(3)
    for i, ready in enumerate([False, False, True, True]):
        rs.add(float(i))
        assert rs.is_ready is ready
    assert rs.count == 3 and rs.total_count == 4 and rs.window == 3


def test_rolling_zscore_defaults_to_the_latest_value():
    rs = RollingStats(4)
    rs.add_batch(np.array([100.0, 1.0, 2.0, 3.0, 6.0]))
    mean, std = np.mean([1, 2, 3, 6]), np.std([1, 2, 3, 6], ddof=1)
    assert rs.last == 6.0
    assert rs.zscore() == pytest.approx((6.0 - mean) / std)
    assert rs.zscore(2.0) == pytest.approx((2.0 - mean) / std)


def test_rolling_zscore_is_nan_for_a_constant_window():
    rs = RollingStats(3)
    rs.add_batch(np.array([5.0, 5.0, 5.0]))
    assert rs.variance == 0.0 and math.isnan(rs.zscore())


def test_rolling_stats_are_nan_while_a_nan_is_in_the_window_and_recover_after():
    rs = RollingStats(3)
    rs.add_batch(np.array([1.0, float("nan"), 2.0]))
    assert all(math.isnan(v) for v in (rs.mean, rs.variance, rs.min, rs.max))
    rs.add_batch(np.array([3.0, 4.0]))  # the NaN has left
    assert (rs.mean, rs.variance, rs.min, rs.max) == (3.0, 1.0, 2.0, 4.0)


def test_rolling_reset_empties_the_window():
    rs = RollingStats(2)
    rs.add_batch(np.array([1.0, 2.0, 3.0]))
    rs.reset()
    assert rs.count == 0 and not rs.is_ready and math.isnan(rs.mean) and math.isnan(rs.min)
    rs.add_batch(np.array([7.0, 9.0]))
    assert (rs.mean, rs.variance, rs.min, rs.max) == (8.0, 2.0, 7.0, 9.0)


def test_rolling_window_of_one_has_a_mean_but_no_variance():
    rs = RollingStats(1)
    rs.add_batch(np.array([4.0, 8.0]))
    assert rs.mean == 8.0 and rs.population_variance == 0.0 and math.isnan(rs.variance)


# --- Ewma ---------------------------------------------------------------------------------------


def ewm_reference(xs, alpha):
    """pandas-style ewm(alpha, adjust=False): weighted mean, bias-corrected and plain variance."""
    t = len(xs) - 1
    w = [(1 - alpha) ** t] + [alpha * (1 - alpha) ** (t - i) for i in range(1, t + 1)]
    sw = math.fsum(w)
    mean = math.fsum(wi * x for wi, x in zip(w, xs)) / sw
    biased = math.fsum(wi * (x - mean) ** 2 for wi, x in zip(w, xs)) / sw
    sw2 = math.fsum(wi * wi for wi in w)
    unbiased = biased * sw * sw / (sw * sw - sw2) if len(xs) > 1 else math.nan
    return mean, unbiased, biased


@given(st.one_of(values, prices).filter(len), st.floats(0.01, 0.99))
def test_ewma_agrees_with_a_plain_python_weighted_reference(xs, alpha):
    e = Ewma(alpha=alpha)
    e.add_batch(np.array(xs))
    mean, var, biased = ewm_reference(xs, alpha)
    s = scale_of(xs)
    assert close_mean(e.mean, mean, s)
    assert close(e.population_variance, biased, s, rel=1e-8)
    assert close(e.variance, var, s, rel=1e-8)


def test_ewma_stays_exact_on_a_drifting_series_at_large_offset():
    rng = np.random.default_rng(11)
    x = 1e9 + np.cumsum(rng.normal(0.0, 1.0, 3000)) + np.arange(3000) * 50.0
    e = Ewma(alpha=0.05)
    e.add_batch(x)
    mean, var, _ = ewm_reference(x.tolist(), 0.05)
    assert e.mean == pytest.approx(mean, rel=1e-15)
    assert e.variance == pytest.approx(var, rel=REL)


@pytest.mark.parametrize(
    "kwargs, alpha",
    [({"alpha": 0.3}, 0.3), ({"span": 9}, 0.2), ({"halflife": 1.0}, 0.5),
     ({"halflife": 10.0}, 1 - 0.5 ** 0.1)],
)
def test_ewma_derives_alpha_from_span_or_halflife(kwargs, alpha):
    assert Ewma(**kwargs).alpha == pytest.approx(alpha, rel=1e-15)


@pytest.mark.parametrize(
    "kwargs, name",
    [({"alpha": 0.0}, "alpha"), ({"alpha": 1.5}, "alpha"), ({"alpha": float("nan")}, "alpha"),
     ({"halflife": 0.0}, "halflife"), ({"halflife": -1.0}, "halflife"),
     ({"span": 0.5}, "span"), ({}, "exactly one"), ({"alpha": 0.5, "span": 3}, "exactly one")],
)
def test_ewma_names_the_bad_parameter(kwargs, name):
    with pytest.raises(ValueError, match=name):
        Ewma(**kwargs)


def test_ewma_update_batch_matches_adding_one_by_one():
    x = np.random.default_rng(5).normal(100.0, 3.0, 50)
    one, batch = Ewma(span=10), Ewma(span=10)
    means, stds = np.empty_like(x), np.empty_like(x)
    batch.update_batch(x, means, stds)
    for i, v in enumerate(x):
        one.add(v)
        assert means[i] == one.mean
        assert stds[i] == one.std or (math.isnan(stds[i]) and math.isnan(one.std))


def test_ewma_first_value_seeds_the_mean_and_reset_forgets_it():
    e = Ewma(alpha=0.5)
    e.add(10.0)
    assert e.mean == 10.0 and e.population_variance == 0.0 and math.isnan(e.variance)
    e.add(20.0)
    assert e.mean == 15.0 and e.population_variance == 25.0
    e.reset()
    assert e.count == 0 and math.isnan(e.mean) and e.alpha == 0.5


# --- Covariance ---------------------------------------------------------------------------------

pairs = st.lists(st.tuples(finite, finite), min_size=2, max_size=60)


@given(pairs)
def test_covariance_agrees_with_numpy_cov_and_corrcoef(ps):
    xs, ys = [p[0] for p in ps], [p[1] for p in ps]
    c = Covariance()
    for x, y in ps:
        c.add(x, y)
    sx, sy = scale_of(xs), scale_of(ys)
    assert math.isclose(c.covariance, exact_cov(xs, ys), rel_tol=REL, abs_tol=1e3 * EPS * EPS * sx * sy)
    assert close(c.variance_x, exact_var(xs), sx) and close(c.variance_y, exact_var(ys), sy)
    assert close_mean(c.mean_x, float(exact_mean(xs)), sx)
    vx, vy = exact_var(xs), exact_var(ys)
    assume(vx > 1e6 * (EPS * sx) ** 2 and vy > 1e6 * (EPS * sy) ** 2)  # correlation defined
    ref = np.corrcoef(xs, ys)[0, 1]
    assert c.correlation == pytest.approx(ref, rel=1e-7, abs=1e-9)
    assert -1.0 <= c.correlation <= 1.0


@given(st.lists(st.tuples(noise, noise), min_size=2, max_size=60))
def test_covariance_stays_exact_at_large_offset(ps):
    xs, ys = [1e9 + p[0] for p in ps], [5e8 + p[1] for p in ps]
    c = Covariance()
    c.add_batch(np.array(xs), np.array(ys))
    assert math.isclose(c.covariance, exact_cov(xs, ys), rel_tol=REL, abs_tol=1e3 * (EPS * 1e9) ** 2)


@given(pairs, st.integers(0, 60))
def test_covariance_merge_equals_one_pass(ps, cut):
    x = np.array([p[0] for p in ps])
    y = np.array([p[1] for p in ps])
    cut = min(cut, len(ps))
    whole, left, right = Covariance(), Covariance(), Covariance()
    whole.add_batch(x, y)
    left.add_batch(x[:cut], y[:cut])
    right.add_batch(x[cut:], y[cut:])
    merged = Covariance.merged(left, right)
    left.merge(right)
    ref = exact_cov(x.tolist(), y.tolist())
    tol = 1e3 * EPS * EPS * scale_of(x.tolist()) * scale_of(y.tolist())
    for m in (merged, left):
        assert m.count == len(ps)
        assert math.isclose(m.covariance, ref, rel_tol=REL, abs_tol=tol)


def test_covariance_names_y_when_lengths_differ():
    with pytest.raises(ValueError, match="y has 2 values, expected 3"):
        Covariance().add_batch(np.zeros(3), np.zeros(2))


def test_correlation_is_nan_when_one_side_is_constant():
    c = Covariance()
    c.add_batch(np.array([1.0, 2.0, 3.0]), np.array([4.0, 4.0, 4.0]))
    assert c.covariance == 0.0 and math.isnan(c.correlation)


def test_correlation_of_a_line_at_large_offset_is_minus_one():
    x = np.linspace(1e9, 1e9 + 1.0, 1001)
    c = Covariance()
    c.add_batch(x, -3.0 * x)
    assert -1.0 <= c.correlation < -1.0 + 1e-13
    c.reset()
    assert c.count == 0 and math.isnan(c.covariance) and math.isnan(c.mean_x)


# --- RollingCovariance --------------------------------------------------------------------------


@given(st.lists(st.tuples(noise, noise), min_size=2, max_size=50), st.integers(2, 10),
       st.sampled_from([0.0, 1e9]))
def test_rolling_covariance_matches_exact_windows(ps, window, offset):
    xs, ys = [offset + p[0] for p in ps], [offset / 2 + p[1] for p in ps]
    rc = RollingCovariance(window)
    tol = 1e3 * (EPS * max(offset, 10.0)) ** 2
    for i, (x, y) in enumerate(zip(xs, ys)):
        rc.add(x, y)
        lo = max(0, i + 1 - window)
        hx, hy = xs[lo: i + 1], ys[lo: i + 1]
        if len(hx) >= 2:
            assert math.isclose(rc.covariance, exact_cov(hx, hy), rel_tol=REL, abs_tol=tol)


def test_rolling_covariance_agrees_with_sliding_windows_over_a_long_run():
    rng = np.random.default_rng(17)
    x = _regime_series(30_000, rng)
    y = 0.5 * x + rng.normal(0.0, 3.0, x.size) - 2e8
    window = 200
    rc = RollingCovariance(window)
    cov, corr = np.empty(x.size - window + 1), np.empty(x.size - window + 1)
    for i in range(x.size):
        rc.add(x[i], y[i])
        if i >= window - 1:
            cov[i - window + 1], corr[i - window + 1] = rc.covariance, rc.correlation
    wx, wy = sliding(x.astype(np.longdouble), window), sliding(y.astype(np.longdouble), window)
    dx = wx - wx.mean(axis=1, keepdims=True)
    dy = wy - wy.mean(axis=1, keepdims=True)
    ref_cov = ((dx * dy).sum(axis=1) / (window - 1)).astype(np.float64)
    ref_corr = ((dx * dy).sum(axis=1) / np.sqrt((dx * dx).sum(axis=1) * (dy * dy).sum(axis=1)))
    assert np.max(np.abs(cov / ref_cov - 1)) < REL
    assert np.max(np.abs(corr - ref_corr.astype(np.float64))) < 1e-12
    assert rc.recentres <= x.size // window + 4


def test_rolling_covariance_add_batch_equals_adding_pairs_and_checks_lengths():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=30), rng.normal(size=30)
    one, batch = RollingCovariance(8), RollingCovariance(8)
    for a, b in zip(x, y):
        one.add(a, b)
    batch.add_batch(x, y)
    assert repr(one) == repr(batch) and batch.is_ready and batch.count == 8
    assert batch.mean_x == pytest.approx(x[-8:].mean(), rel=1e-12)
    with pytest.raises(ValueError, match="y has 3 values, expected 4"):
        batch.add_batch(np.zeros(4), np.zeros(3))
    with pytest.raises(ValueError, match="window"):
        RollingCovariance(0)
    batch.reset()
    assert batch.count == 0 and math.isnan(batch.covariance)
