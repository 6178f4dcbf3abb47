"""Compute Bollinger bands and the rolling z-score of a series.

Both are thin Python faces over core.stats RollingWindow (compensated sums about a shift, so
stable at price-like offsets); ``update_batch`` loops without the GIL. Formulas, warm-up and
NaN policy: docs/indicators.md.
"""

cimport cython
from libc.math cimport NAN

import numpy as np

# binding(False) + always_allow_keywords(False): `update` is a builtin METH_O method, the
# cheapest call from Python (see moving.pyx).

from hft.core.stats cimport rolling_init, rolling_free, rolling_reset, rolling_std
from hft.indicators._checks import check_period, check_positive


@cython.final
@cython.binding(False)
cdef class Bollinger:
    """Keep bands k standard deviations around the simple moving average of `period` values.

    middle = SMA(period), upper/lower = middle +/- k * std of the same window; std is the
    population one (ddof=0, Bollinger's own choice) unless ddof=1. Every band is NaN until
    `period` values arrived, and while a NaN or inf is in the window.

    Raises:
        ValueError: period not an integer >= 1 (>= 2 with ddof=1), k not finite and > 0,
            ddof not 0 or 1.
    """

    def __cinit__(self, period: object, k: object = 2.0, ddof: object = 0):
        self.win.values = NULL
        if ddof not in (0, 1) or isinstance(ddof, bool):
            raise ValueError(f"ddof must be 0 or 1, got {ddof!r}")
        cdef Py_ssize_t p = check_period("period", period, 1 + ddof)
        self.k = check_positive("k", k)
        self.ddof = ddof
        if rolling_init(&self.win, p) != 0:
            raise MemoryError(f"Bollinger: cannot allocate a window of {p} values")

    def __dealloc__(self):
        if self.win.values != NULL:
            rolling_free(&self.win)

    @cython.always_allow_keywords(False)
    cpdef double update(self, double x) noexcept:
        """Add one value; return the middle band (NaN during warm-up)."""
        rolling_add(&self.win, x)
        if self.win.count < self.win.window:
            return NAN
        return rolling_mean(&self.win)

    @cython.boundscheck(False)
    @cython.wraparound(False)
    def update_batch(self, const double[::1] values) -> np.ndarray:
        """Add every value without holding the GIL; return an (n, 3) array of upper, middle,
        lower after each one."""
        cdef Py_ssize_t i, n = values.shape[0]
        out = np.empty((n, 3), dtype=np.float64)
        cdef double[:, ::1] res = out
        cdef double mid, width
        with nogil:
            for i in range(n):
                rolling_add(&self.win, values[i])
                width = bands_width(&self.win, self.k, self.ddof)
                mid = rolling_mean(&self.win) if self.win.count >= self.win.window else NAN
                res[i, 0] = mid + width
                res[i, 1] = mid
                res[i, 2] = mid - width
        return out

    def reset(self) -> None:
        """Forget every value (keeps the window's memory)."""
        rolling_reset(&self.win)

    @property
    def period(self) -> int:
        """Number of values in the window."""
        return self.win.window

    @property
    def k(self) -> float:
        """Width of the bands in standard deviations."""
        return self.k

    @property
    def ddof(self) -> int:
        """Delta degrees of freedom of the std: 0 (population) or 1 (sample)."""
        return self.ddof

    @property
    def middle(self) -> float:
        """The simple moving average; NaN during warm-up."""
        return rolling_mean(&self.win) if self.win.count >= self.win.window else NAN

    @property
    def value(self) -> float:
        """The middle band."""
        return self.middle

    @property
    def upper(self) -> float:
        """middle + k * std; NaN during warm-up."""
        return self.middle + bands_width(&self.win, self.k, self.ddof)

    @property
    def lower(self) -> float:
        """middle - k * std; NaN during warm-up."""
        return self.middle - bands_width(&self.win, self.k, self.ddof)

    @property
    def width(self) -> float:
        """(upper - lower) / middle, the relative band width; NaN during warm-up."""
        return 2.0 * bands_width(&self.win, self.k, self.ddof) / self.middle

    @property
    def percent_b(self) -> float:
        """(last - lower) / (upper - lower): 0 at the lower band, 1 at the upper; NaN when the
        bands have zero width or during warm-up."""
        cdef double w = bands_width(&self.win, self.k, self.ddof)
        if not (w > 0.0):
            return NAN
        return (self.win.last - (self.middle - w)) / (2.0 * w)

    @property
    def count(self) -> int:
        """Number of values added since construction or the last reset."""
        return self.win.count

    @property
    def initialized(self) -> bool:
        """Whether `period` values arrived."""
        return self.win.count >= self.win.window

    def __repr__(self) -> str:
        return (f"Bollinger(period={self.period}, k={self.k!r}, upper={self.upper!r}, "
                f"middle={self.middle!r}, lower={self.lower!r})")


@cython.final
@cython.binding(False)
cdef class ZScore:
    """Score each value against the last `period` values: (x - mean) / std, x included.

    std is the sample one (ddof=1), as core.stats RollingStats.zscore. NaN until `period`
    values arrived, while a NaN or inf is in the window, and when the window is constant.

    Raises:
        ValueError: period is not an integer >= 2.
    """

    def __cinit__(self, period: object):
        self.win.values = NULL
        cdef Py_ssize_t p = check_period("period", period, 2)
        if rolling_init(&self.win, p) != 0:
            raise MemoryError(f"ZScore: cannot allocate a window of {p} values")
        self.last_value = NAN

    def __dealloc__(self):
        if self.win.values != NULL:
            rolling_free(&self.win)

    @cython.always_allow_keywords(False)
    cpdef double update(self, double x) noexcept:
        """Add one value; return its z-score in the window (NaN during warm-up)."""
        self.last_value = zscore_update(&self.win, x)
        return self.last_value

    @cython.boundscheck(False)
    @cython.wraparound(False)
    def update_batch(self, const double[::1] values) -> np.ndarray:
        """Add every value without holding the GIL; return the z-score of each one."""
        cdef Py_ssize_t i, n = values.shape[0]
        out = np.empty(n, dtype=np.float64)
        cdef double[::1] res = out
        with nogil:
            for i in range(n):
                res[i] = zscore_update(&self.win, values[i])
            if n:
                self.last_value = res[n - 1]
        return out

    def reset(self) -> None:
        """Forget every value (keeps the window's memory)."""
        rolling_reset(&self.win)
        self.last_value = NAN

    @property
    def period(self) -> int:
        """Number of values in the window."""
        return self.win.window

    @property
    def value(self) -> float:
        """The latest z-score; NaN during warm-up."""
        return self.last_value

    @property
    def mean(self) -> float:
        """Mean of the window; NaN during warm-up."""
        return rolling_mean(&self.win) if self.win.count >= self.win.window else NAN

    @property
    def std(self) -> float:
        """Sample std (ddof=1) of the window; NaN during warm-up."""
        return rolling_std(&self.win) if self.win.count >= self.win.window else NAN

    @property
    def count(self) -> int:
        """Number of values added since construction or the last reset."""
        return self.win.count

    @property
    def initialized(self) -> bool:
        """Whether `period` values arrived."""
        return self.win.count >= self.win.window

    def __repr__(self) -> str:
        return f"ZScore(period={self.period}, count={self.count}, value={self.value!r})"
