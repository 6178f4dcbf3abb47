"""Compute simple and exponential moving averages and the crossover of two series.

Each class is a thin Python face over a struct and the inline ``noexcept nogil`` functions of
``moving.pxd``; ``update_batch`` loops without the GIL and writes one output per input.
Formulas, warm-up and NaN policy: docs/indicators.md.
"""

cimport cython
from libc.math cimport NAN, ceil
from libc.stdint cimport int8_t

import numpy as np

# Every class is binding(False) and its `update` always_allow_keywords(False): `update` is then
# a builtin METH_O/FASTCALL method, ~25 ns a call from Python instead of ~35 ns as a bound
# cyfunction (measured: perf_tests/bench_indicators.py).

from hft.core.stats cimport rolling_init, rolling_free, rolling_reset
from hft.indicators._checks import check_period, check_same_length


@cython.final
@cython.binding(False)
cdef class SMA:
    """Average the last `period` values (simple moving average).

    `value` is NaN until `period` values arrived (`initialized`), and for the `period` updates
    after a NaN or inf input, which is held in the window like any value (pandas
    ``rolling(period).mean()``). Mean kept by compensated sums on core.stats RollingWindow.

    Raises:
        ValueError: period is not an integer >= 1.
    """

    def __cinit__(self, period: object):
        self.win.values = NULL
        cdef Py_ssize_t p = check_period("period", period)
        if rolling_init(&self.win, p) != 0:
            raise MemoryError(f"SMA: cannot allocate a window of {p} values")
        self.last_value = NAN

    def __dealloc__(self):
        if self.win.values != NULL:
            rolling_free(&self.win)

    @cython.always_allow_keywords(False)
    cpdef double update(self, double x) noexcept:
        """Add one value; return the average (NaN during warm-up)."""
        self.last_value = sma_update(&self.win, x)
        return self.last_value

    @cython.boundscheck(False)
    @cython.wraparound(False)
    def update_batch(self, const double[::1] values) -> np.ndarray:
        """Add every value without holding the GIL; return the average after each one."""
        cdef Py_ssize_t i, n = values.shape[0]
        out = np.empty(n, dtype=np.float64)
        cdef double[::1] res = out
        with nogil:
            for i in range(n):
                res[i] = sma_update(&self.win, values[i])
            if n:
                self.last_value = res[n - 1]
        return out

    def reset(self) -> None:
        """Forget every value (keeps the window's memory)."""
        rolling_reset(&self.win)
        self.last_value = NAN

    @property
    def period(self) -> int:
        """Number of values averaged."""
        return self.win.window

    @property
    def value(self) -> float:
        """The latest average; NaN during warm-up."""
        return self.last_value

    @property
    def count(self) -> int:
        """Number of values added since construction or the last reset."""
        return self.win.count

    @property
    def initialized(self) -> bool:
        """Whether `period` values arrived."""
        return self.win.count >= self.win.window

    def __repr__(self) -> str:
        return f"SMA(period={self.period}, count={self.count}, value={self.value!r})"


cdef double _ema_alpha(period, alpha) except -1.0:
    if (period is None) == (alpha is None):
        raise ValueError("give exactly one of period and alpha")
    if period is not None:
        return 2.0 / (check_period("period", period) + 1.0)
    cdef double a
    try:
        a = alpha
    except TypeError:
        raise ValueError(f"alpha must be a number in (0, 1], got {alpha!r}") from None
    if not (0.0 < a <= 1.0):
        raise ValueError(f"alpha must be a number in (0, 1], got {alpha!r}")
    return a


@cython.final
@cython.binding(False)
cdef class EMA:
    """Average exponentially: the first value seeds it, then y += alpha (x - y).

    Give period (alpha = 2 / (period + 1), pandas ``ewm(span=period, adjust=False)``) or alpha
    in (0, 1]. `value` is defined from the first value; `initialized` turns true after `period`
    values (for alpha alone, period = ceil(2 / alpha - 1)). NaN and inf inputs are skipped: the
    value and count stay as they were (pandas ``ignore_na=True``).

    Raises:
        ValueError: neither or both of period and alpha, or one out of range.
    """

    def __cinit__(self, period: object = None, *, alpha: object = None):
        cdef double a = _ema_alpha(period, alpha)
        cdef long warmup
        if period is not None:
            warmup = period
        else:
            # 2 / alpha - 1 inverts alpha = 2 / (period + 1); the slack absorbs its rounding
            warmup = <long>ceil(2.0 / a - 1.0 - 1e-9)
            if warmup < 1:
                warmup = 1
        ema_init(&self.state, a, warmup)

    @cython.always_allow_keywords(False)
    cpdef double update(self, double x) noexcept:
        """Add one value; return the average (unchanged when x is NaN or inf)."""
        return ema_update(&self.state, x)

    @cython.boundscheck(False)
    @cython.wraparound(False)
    def update_batch(self, const double[::1] values) -> np.ndarray:
        """Add every value without holding the GIL; return the average after each one."""
        cdef Py_ssize_t i, n = values.shape[0]
        out = np.empty(n, dtype=np.float64)
        cdef double[::1] res = out
        # a local copy: the compiler keeps it in registers instead of re-reading self.state
        # after every store to res (both are doubles, so they could alias)
        cdef EmaState e = self.state
        with nogil:
            for i in range(n):
                res[i] = ema_update(&e, values[i])
        self.state = e
        return out

    def reset(self) -> None:
        """Forget every value (keeps alpha and the period)."""
        ema_init(&self.state, self.state.alpha, self.state.warmup)

    @property
    def alpha(self) -> float:
        """Weight of the newest value."""
        return self.state.alpha

    @property
    def period(self) -> int:
        """Number of values before `initialized` (the span for a given alpha)."""
        return self.state.warmup

    @property
    def value(self) -> float:
        """The latest average; NaN before the first finite value."""
        return self.state.value

    @property
    def count(self) -> int:
        """Number of finite values added since construction or the last reset."""
        return self.state.count

    @property
    def initialized(self) -> bool:
        """Whether `period` finite values arrived."""
        return self.state.count >= self.state.warmup

    def __repr__(self) -> str:
        return (f"EMA(period={self.period}, alpha={self.alpha!r}, count={self.count}, "
                f"value={self.value!r})")


@cython.final
@cython.binding(False)
cdef class Crossover:
    """Signal +1 when a fast series crosses above a slow one, -1 below, else 0.

    A cross is a change of sign of fast - slow against the last non-zero sign, so touching
    (fast == slow) and turning back is no cross, and the first pair never is. Pairs with a NaN
    are skipped (signal 0, state kept). `side` is the last non-zero sign; `initialized` turns
    true once there is one.
    """

    def __cinit__(self):
        cross_init(&self.state)

    @cython.always_allow_keywords(False)
    cpdef int update(self, double fast, double slow) noexcept:
        """Take one (fast, slow) pair; return +1 on a cross above, -1 below, 0 otherwise."""
        return cross_update(&self.state, fast, slow)

    @cython.boundscheck(False)
    @cython.wraparound(False)
    def update_batch(self, const double[::1] fast, const double[::1] slow) -> np.ndarray:
        """Take pairs (fast[i], slow[i]) without holding the GIL; return the int8 signals.

        Raises:
            ValueError: fast and slow differ in length.
        """
        check_same_length("fast", fast.shape[0], "slow", slow.shape[0])
        cdef Py_ssize_t i, n = fast.shape[0]
        out = np.empty(n, dtype=np.int8)
        cdef int8_t[::1] res = out
        with nogil:
            for i in range(n):
                res[i] = <int8_t>cross_update(&self.state, fast[i], slow[i])
        return out

    def reset(self) -> None:
        """Forget the side and every pair."""
        cross_init(&self.state)

    @property
    def value(self) -> int:
        """The latest signal: +1, -1 or 0."""
        return self.state.signal

    @property
    def side(self) -> int:
        """+1 while fast was last above slow, -1 while below, 0 before either."""
        return self.state.side

    @property
    def count(self) -> int:
        """Number of pairs without NaN taken since construction or the last reset."""
        return self.state.count

    @property
    def initialized(self) -> bool:
        """Whether fast and slow have differed once (so the next sign change is a cross)."""
        return self.state.side != 0

    def __repr__(self) -> str:
        return f"Crossover(side={self.side}, value={self.value}, count={self.count})"
