# cython: boundscheck=False, wraparound=False
"""Compute running, rolling-window and exponentially weighted statistics.

Each class is a thin Python face over a struct and the inline ``noexcept nogil`` functions of
``stats.pxd``; batch methods take contiguous float64 arrays and loop without the GIL.
Algorithms and their numerical-stability argument: docs/stats.md.
"""

from libc.math cimport NAN, exp, log, isnan

import numpy as np


def check_same_length(name_a: str, a_len: int, name_b: str, b_len: int) -> None:
    """Raise ValueError naming both inputs when two inputs of a batch differ in length."""
    if a_len != b_len:
        raise ValueError(f"{name_b} has {b_len} values, expected {a_len} (the length of {name_a})")


cdef double *_output_column(str name, double[::1] out, Py_ssize_t n) except? NULL:
    # the row pointer of an optional update_batch output; NULL (no error) when out is None or
    # empty, and the batch loop then skips that output
    if out is None:
        return NULL
    check_same_length("values", n, name, out.shape[0])
    return &out[0] if n else NULL


cdef class RunningStats:
    """Keep count, mean, variance, min and max of every value added (Welford).

    Variance is the sample variance (ddof=1, NaN below two values); `population_variance`
    divides by n. Stable at large offsets (1e9 + noise): see docs/stats.md#running.
    """

    def __cinit__(self):
        welford_init(&self.state)

    def add(self, double x) -> None:
        """Add one value."""
        welford_add(&self.state, x)

    def add_batch(self, const double[::1] values) -> None:
        """Add every value of a contiguous float64 array without holding the GIL."""
        cdef Py_ssize_t i, n = values.shape[0]
        # a local copy: the compiler keeps it in registers instead of re-reading self.state
        # after every store (values and state are both double, so they could alias)
        cdef Welford w = self.state
        with nogil:
            for i in range(n):
                welford_add(&w, values[i])
        self.state = w

    def reset(self) -> None:
        """Forget every value."""
        welford_init(&self.state)

    def merge(self, RunningStats other not None) -> None:
        """Fold another RunningStats in, as if its values had been added here."""
        welford_merge(&self.state, &other.state)

    @staticmethod
    def merged(RunningStats a not None, RunningStats b not None) -> RunningStats:
        """Return a new RunningStats equal to one pass over the values of a, then b."""
        cdef RunningStats out = RunningStats.__new__(RunningStats)
        out.state = a.state
        welford_merge(&out.state, &b.state)
        return out

    def zscore(self, double x) -> float:
        """Return (x - mean) / std; NaN below two values or when std is 0."""
        return welford_zscore(&self.state, x)

    @property
    def count(self) -> int:
        """Number of values added."""
        return self.state.n

    @property
    def mean(self) -> float:
        """Mean; NaN when empty."""
        return welford_mean(&self.state)

    @property
    def variance(self) -> float:
        """Sample variance (ddof=1); NaN below two values."""
        return welford_variance(&self.state)

    @property
    def population_variance(self) -> float:
        """Population variance (ddof=0); NaN when empty."""
        return welford_population_variance(&self.state)

    @property
    def std(self) -> float:
        """Sample standard deviation (ddof=1); NaN below two values."""
        return welford_std(&self.state)

    @property
    def min(self) -> float:
        """Smallest value; NaN when empty."""
        return welford_min(&self.state)

    @property
    def max(self) -> float:
        """Largest value; NaN when empty."""
        return welford_max(&self.state)

    def __repr__(self) -> str:
        return (f"RunningStats(count={self.count}, mean={self.mean!r}, std={self.std!r}, "
                f"min={self.min!r}, max={self.max!r})")


cdef class RollingStats:
    """Keep mean, variance, min and max of the last `window` values.

    Memory is allocated once; an add is O(1) amortised (min/max by monotonic deques, mean and
    variance by compensated sums about a shift that is re-centred when the mean drifts).
    Statistics are over the values held so far until the window is full (`is_ready`); while a
    NaN or inf is in the window every statistic is NaN.

    Raises:
        ValueError: window < 1.
    """

    def __cinit__(self, Py_ssize_t window):
        self.win.values = NULL
        if window < 1:
            raise ValueError(f"window must be >= 1, got {window}")
        if rolling_init(&self.win, window) != 0:
            raise MemoryError(f"RollingStats: cannot allocate a window of {window} values")

    def __dealloc__(self):
        if self.win.values != NULL:
            rolling_free(&self.win)

    def add(self, double x) -> None:
        """Add one value, dropping the oldest once the window is full."""
        rolling_add(&self.win, x)

    def add_batch(self, const double[::1] values) -> None:
        """Add every value of a contiguous float64 array without holding the GIL."""
        cdef Py_ssize_t i, n = values.shape[0]
        with nogil:
            for i in range(n):
                rolling_add(&self.win, values[i])

    def update_batch(self, const double[::1] values, double[::1] out_mean=None,
                     double[::1] out_std=None) -> None:
        """Add every value and write the window mean and std after each step.

        out_mean[i] and out_std[i] are what `mean` and `std` would return right after adding
        values[i]; pass None to skip either. Rows before the window fills cover fewer values.

        Raises:
            ValueError: an output array's length differs from len(values).
        """
        cdef Py_ssize_t i, n = values.shape[0]
        cdef double *pm = _output_column("out_mean", out_mean, n)
        cdef double *ps = _output_column("out_std", out_std, n)
        with nogil:
            for i in range(n):
                rolling_add(&self.win, values[i])
                if pm != NULL:
                    pm[i] = rolling_mean(&self.win)
                if ps != NULL:
                    ps[i] = rolling_std(&self.win)

    def reset(self) -> None:
        """Empty the window (keeps its memory)."""
        rolling_reset(&self.win)

    def zscore(self, x: float | None = None) -> float:
        """Return (x - mean) / std of the window, for x or else the latest value.

        NaN below two values, when std is 0, or while a non-finite value is in the window.
        """
        cdef double v = self.win.last if x is None else <double>x
        return rolling_zscore(&self.win, v)

    @property
    def window(self) -> int:
        """Number of values the window holds when full."""
        return self.win.window

    @property
    def count(self) -> int:
        """Number of values in the window now (at most `window`)."""
        return rolling_size(&self.win)

    @property
    def total_count(self) -> int:
        """Number of values added since construction or the last reset."""
        return self.win.count

    @property
    def is_ready(self) -> bool:
        """Whether the window is full."""
        return self.win.count >= self.win.window

    @property
    def last(self) -> float:
        """The latest value added; NaN when empty."""
        return self.win.last

    @property
    def mean(self) -> float:
        """Mean of the window; NaN when empty."""
        return rolling_mean(&self.win)

    @property
    def variance(self) -> float:
        """Sample variance (ddof=1) of the window; NaN below two values."""
        return rolling_variance(&self.win)

    @property
    def population_variance(self) -> float:
        """Population variance (ddof=0) of the window; NaN when empty."""
        return rolling_population_variance(&self.win)

    @property
    def std(self) -> float:
        """Sample standard deviation (ddof=1) of the window; NaN below two values."""
        return rolling_std(&self.win)

    @property
    def min(self) -> float:
        """Smallest value in the window; NaN when empty."""
        return rolling_min(&self.win)

    @property
    def max(self) -> float:
        """Largest value in the window; NaN when empty."""
        return rolling_max(&self.win)

    @property
    def recentres(self) -> int:
        """How many O(window) re-centring passes ran (they are rare; see docs/stats.md)."""
        return self.win.recentres

    def __repr__(self) -> str:
        return (f"RollingStats(window={self.window}, count={self.count}, mean={self.mean!r}, "
                f"std={self.std!r})")


cdef double _alpha_from(alpha, halflife, span) except -1.0:
    given = (alpha is not None) + (halflife is not None) + (span is not None)
    if given != 1:
        raise ValueError(f"give exactly one of alpha, halflife, span; got {given}")
    cdef double v
    if alpha is not None:
        v = alpha
        if not (0.0 < v <= 1.0):
            raise ValueError(f"alpha must be in (0, 1], got {alpha!r}")
        return v
    if halflife is not None:
        v = halflife
        if not (v > 0.0) or v == float("inf"):
            raise ValueError(f"halflife must be > 0 and finite, got {halflife!r}")
        return 1.0 - exp(-log(2.0) / v)
    v = span
    if not (v >= 1.0) or v == float("inf"):
        raise ValueError(f"span must be >= 1 and finite, got {span!r}")
    return 2.0 / (v + 1.0)


cdef class Ewma:
    """Keep an exponentially weighted mean and variance (West's incremental form).

    Give exactly one of alpha in (0, 1], halflife > 0 (alpha = 1 - exp(-ln 2 / halflife)) or
    span >= 1 (alpha = 2 / (span + 1)). Weights are pandas' adjust=False ones: the first value
    seeds the mean and value i of t carries alpha (1 - alpha)^(t - i). `variance` is
    bias-corrected (pandas bias=False), `population_variance` is the plain weighted one.

    Raises:
        ValueError: none or several of alpha/halflife/span, or one out of range.
    """

    def __cinit__(self, alpha: float | None = None, halflife: float | None = None,
                  span: float | None = None):
        ewma_init(&self.state, _alpha_from(alpha, halflife, span))

    def add(self, double x) -> None:
        """Add one value."""
        ewma_add(&self.state, x)

    def add_batch(self, const double[::1] values) -> None:
        """Add every value of a contiguous float64 array without holding the GIL."""
        cdef Py_ssize_t i, n = values.shape[0]
        cdef ExpWeighted e = self.state
        with nogil:
            for i in range(n):
                ewma_add(&e, values[i])
        self.state = e

    def update_batch(self, const double[::1] values, double[::1] out_mean=None,
                     double[::1] out_std=None) -> None:
        """Add every value and write the mean and std after each step (None skips one).

        Raises:
            ValueError: an output array's length differs from len(values).
        """
        cdef Py_ssize_t i, n = values.shape[0]
        cdef double *pm = _output_column("out_mean", out_mean, n)
        cdef double *ps = _output_column("out_std", out_std, n)
        with nogil:
            for i in range(n):
                ewma_add(&self.state, values[i])
                if pm != NULL:
                    pm[i] = ewma_mean(&self.state)
                if ps != NULL:
                    ps[i] = ewma_std(&self.state)

    def reset(self) -> None:
        """Forget every value (keeps alpha)."""
        ewma_init(&self.state, self.state.alpha)

    @property
    def alpha(self) -> float:
        """Weight of the newest value."""
        return self.state.alpha

    @property
    def count(self) -> int:
        """Number of values added."""
        return self.state.n

    @property
    def mean(self) -> float:
        """Weighted mean; NaN when empty."""
        return ewma_mean(&self.state)

    @property
    def variance(self) -> float:
        """Bias-corrected weighted variance; NaN below two values (or with alpha = 1)."""
        return ewma_variance(&self.state)

    @property
    def population_variance(self) -> float:
        """Weighted variance without bias correction; NaN when empty."""
        return ewma_population_variance(&self.state)

    @property
    def std(self) -> float:
        """Square root of `variance`."""
        return ewma_std(&self.state)

    def __repr__(self) -> str:
        return f"Ewma(alpha={self.alpha!r}, count={self.count}, mean={self.mean!r})"


cdef class Covariance:
    """Keep the running covariance and correlation of pairs (x, y) (bivariate Welford).

    Raises:
        ValueError: add_batch with x and y of different lengths.
    """

    def __cinit__(self):
        comoment_init(&self.state)

    def add(self, double x, double y) -> None:
        """Add one pair."""
        comoment_add(&self.state, x, y)

    def add_batch(self, const double[::1] x, const double[::1] y) -> None:
        """Add pairs (x[i], y[i]) of two contiguous float64 arrays without holding the GIL."""
        check_same_length("x", x.shape[0], "y", y.shape[0])
        cdef Py_ssize_t i, n = x.shape[0]
        cdef CoMoment c = self.state
        with nogil:
            for i in range(n):
                comoment_add(&c, x[i], y[i])
        self.state = c

    def reset(self) -> None:
        """Forget every pair."""
        comoment_init(&self.state)

    def merge(self, Covariance other not None) -> None:
        """Fold another Covariance in, as if its pairs had been added here."""
        comoment_merge(&self.state, &other.state)

    @staticmethod
    def merged(Covariance a not None, Covariance b not None) -> Covariance:
        """Return a new Covariance equal to one pass over the pairs of a, then b."""
        cdef Covariance out = Covariance.__new__(Covariance)
        out.state = a.state
        comoment_merge(&out.state, &b.state)
        return out

    @property
    def count(self) -> int:
        """Number of pairs added."""
        return self.state.n

    @property
    def mean_x(self) -> float:
        """Mean of x; NaN when empty."""
        return self.state.shift_x + self.state.mean_x if self.state.n else NAN

    @property
    def mean_y(self) -> float:
        """Mean of y; NaN when empty."""
        return self.state.shift_y + self.state.mean_y if self.state.n else NAN

    @property
    def variance_x(self) -> float:
        """Sample variance of x (ddof=1); NaN below two pairs."""
        return self.state.m2x / (self.state.n - 1) if self.state.n > 1 else NAN

    @property
    def variance_y(self) -> float:
        """Sample variance of y (ddof=1); NaN below two pairs."""
        return self.state.m2y / (self.state.n - 1) if self.state.n > 1 else NAN

    @property
    def covariance(self) -> float:
        """Sample covariance (ddof=1); NaN below two pairs."""
        return comoment_covariance(&self.state)

    @property
    def population_covariance(self) -> float:
        """Population covariance (ddof=0); NaN when empty."""
        return self.state.cxy / self.state.n if self.state.n else NAN

    @property
    def correlation(self) -> float:
        """Pearson correlation in [-1, 1]; NaN below two pairs or when x or y is constant."""
        return comoment_correlation(&self.state)

    def __repr__(self) -> str:
        return (f"Covariance(count={self.count}, covariance={self.covariance!r}, "
                f"correlation={self.correlation!r})")


cdef class RollingCovariance:
    """Keep covariance and correlation of the last `window` pairs (x, y).

    Same technique as RollingStats: memory allocated once, O(1) amortised per pair, stable at
    large offsets. Statistics are over the pairs held so far until the window is full; while a
    pair with a NaN or inf is in the window they are NaN.

    Raises:
        ValueError: window < 1; add_batch with x and y of different lengths.
    """

    def __cinit__(self, Py_ssize_t window):
        self.win.xs = NULL
        if window < 1:
            raise ValueError(f"window must be >= 1, got {window}")
        if rolling_comoment_init(&self.win, window) != 0:
            raise MemoryError(f"RollingCovariance: cannot allocate a window of {window} pairs")

    def __dealloc__(self):
        if self.win.xs != NULL:
            rolling_comoment_free(&self.win)

    def add(self, double x, double y) -> None:
        """Add one pair, dropping the oldest once the window is full."""
        rolling_comoment_add(&self.win, x, y)

    def add_batch(self, const double[::1] x, const double[::1] y) -> None:
        """Add pairs (x[i], y[i]) of two contiguous float64 arrays without holding the GIL."""
        check_same_length("x", x.shape[0], "y", y.shape[0])
        cdef Py_ssize_t i, n = x.shape[0]
        with nogil:
            for i in range(n):
                rolling_comoment_add(&self.win, x[i], y[i])

    def reset(self) -> None:
        """Empty the window (keeps its memory)."""
        rolling_comoment_reset(&self.win)

    @property
    def window(self) -> int:
        """Number of pairs the window holds when full."""
        return self.win.window

    @property
    def count(self) -> int:
        """Number of pairs in the window now (at most `window`)."""
        return rolling_comoment_size(&self.win)

    @property
    def is_ready(self) -> bool:
        """Whether the window is full."""
        return self.win.count >= self.win.window

    @property
    def mean_x(self) -> float:
        """Mean of x over the window; NaN when empty."""
        return rolling_comoment_mean_x(&self.win)

    @property
    def mean_y(self) -> float:
        """Mean of y over the window; NaN when empty."""
        return rolling_comoment_mean_y(&self.win)

    @property
    def covariance(self) -> float:
        """Sample covariance (ddof=1) of the window; NaN below two pairs."""
        return rolling_comoment_covariance(&self.win)

    @property
    def correlation(self) -> float:
        """Pearson correlation of the window; NaN below two pairs or when x or y is constant."""
        return rolling_comoment_correlation(&self.win)

    @property
    def recentres(self) -> int:
        """How many O(window) re-centring passes ran."""
        return self.win.recentres

    def __repr__(self) -> str:
        return (f"RollingCovariance(window={self.window}, count={self.count}, "
                f"covariance={self.covariance!r}, correlation={self.correlation!r})")
