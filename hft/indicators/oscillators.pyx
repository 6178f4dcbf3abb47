"""Compute the relative strength index and the average true range (Wilder smoothing).

Each class is a thin Python face over a struct and the inline ``noexcept nogil`` functions of
``oscillators.pxd``; ``update_batch`` loops without the GIL. Formulas, warm-up and NaN policy:
docs/indicators.md.
"""

cimport cython

import numpy as np

# binding(False) + always_allow_keywords(False): `update` is a builtin method, the cheapest
# call from Python (see moving.pyx).

from hft.indicators._checks import check_period, check_same_length


@cython.final
@cython.binding(False)
cdef class RSI:
    """Measure the strength of recent gains against losses, 0 to 100 (Wilder's RSI).

    Changes between consecutive prices split into gains and losses; their averages are seeded
    with the mean of the first `period` changes, then smoothed as avg = (avg (period - 1) + x)
    / period. RSI = 100 avg_gain / (avg_gain + avg_loss), 50 when both are 0. NaN until
    period + 1 prices arrived; NaN and inf prices are skipped.

    Raises:
        ValueError: period is not an integer >= 1.
    """

    def __cinit__(self, period: object = 14):
        rsi_init(&self.state, check_period("period", period))

    @cython.always_allow_keywords(False)
    cpdef double update(self, double x) noexcept:
        """Add one price; return the RSI (NaN during warm-up)."""
        return rsi_update(&self.state, x)

    @cython.boundscheck(False)
    @cython.wraparound(False)
    def update_batch(self, const double[::1] values) -> np.ndarray:
        """Add every price without holding the GIL; return the RSI after each one."""
        cdef Py_ssize_t i, n = values.shape[0]
        out = np.empty(n, dtype=np.float64)
        cdef double[::1] res = out
        cdef RsiState r = self.state  # a local copy stays in registers (see moving.pyx EMA)
        with nogil:
            for i in range(n):
                res[i] = rsi_update(&r, values[i])
        self.state = r
        return out

    def reset(self) -> None:
        """Forget every price (keeps the period)."""
        rsi_init(&self.state, self.state.period)

    @property
    def period(self) -> int:
        """Number of changes averaged."""
        return self.state.period

    @property
    def value(self) -> float:
        """The latest RSI in [0, 100]; NaN during warm-up."""
        return self.state.value

    @property
    def average_gain(self) -> float:
        """Wilder average of the gains; NaN during warm-up."""
        return self.state.avg_gain if self.state.count > self.state.period else float("nan")

    @property
    def average_loss(self) -> float:
        """Wilder average of the losses (positive); NaN during warm-up."""
        return self.state.avg_loss if self.state.count > self.state.period else float("nan")

    @property
    def count(self) -> int:
        """Number of finite prices added since construction or the last reset."""
        return self.state.count

    @property
    def initialized(self) -> bool:
        """Whether period + 1 prices (period changes) arrived."""
        return self.state.count > self.state.period

    def __repr__(self) -> str:
        return f"RSI(period={self.period}, count={self.count}, value={self.value!r})"


@cython.final
@cython.binding(False)
cdef class ATR:
    """Average the true range of bars over `period` (Wilder's ATR).

    true range = max(high - low, |high - previous close|, |low - previous close|), just
    high - low for the first bar. ATR is seeded with the mean of the first `period` true
    ranges, then avg = (avg (period - 1) + tr) / period. NaN until `period` bars arrived; bars
    with a NaN or inf are skipped.

    Raises:
        ValueError: period is not an integer >= 1; update with high < low.
    """

    def __cinit__(self, period: object = 14):
        atr_init(&self.state, check_period("period", period))

    cpdef double update(self, double high, double low, double close) except? -1.0:
        """Add one bar; return the ATR (NaN during warm-up).

        Raises:
            ValueError: high < low (the bar is not added).
        """
        # except? -1.0 costs a C caller one compare: an ATR is never -1, so it rarely looks up
        # the error indicator. nogil callers use atr_update on the struct and check themselves.
        if high < low:
            raise ValueError(f"high must be >= low, got high={high!r} < low={low!r}")
        return atr_update(&self.state, high, low, close)

    @cython.boundscheck(False)
    @cython.wraparound(False)
    def update_batch(self, const double[::1] high, const double[::1] low,
                     const double[::1] close) -> np.ndarray:
        """Add bars (high[i], low[i], close[i]) without holding the GIL; return the ATR after
        each one.

        Raises:
            ValueError: the arrays differ in length, or some high[i] < low[i] (nothing is
                added then).
        """
        cdef Py_ssize_t i, n = high.shape[0], bad = -1
        check_same_length("high", n, "low", low.shape[0])
        check_same_length("high", n, "close", close.shape[0])
        with nogil:
            for i in range(n):
                if high[i] < low[i]:
                    bad = i
                    break
        if bad >= 0:
            raise ValueError(f"high must be >= low, got high[{bad}]={high[bad]!r} < "
                             f"low[{bad}]={low[bad]!r}")
        out = np.empty(n, dtype=np.float64)
        cdef double[::1] res = out
        cdef AtrState a = self.state
        with nogil:
            for i in range(n):
                res[i] = atr_update(&a, high[i], low[i], close[i])
        self.state = a
        return out

    def reset(self) -> None:
        """Forget every bar (keeps the period)."""
        atr_init(&self.state, self.state.period)

    @property
    def period(self) -> int:
        """Number of bars averaged."""
        return self.state.period

    @property
    def value(self) -> float:
        """The latest ATR; NaN during warm-up."""
        return self.state.value

    @property
    def true_range(self) -> float:
        """True range of the last bar; NaN before the first."""
        return self.state.true_range

    @property
    def count(self) -> int:
        """Number of finite bars added since construction or the last reset."""
        return self.state.count

    @property
    def initialized(self) -> bool:
        """Whether `period` bars arrived."""
        return self.state.count >= self.state.period

    def __repr__(self) -> str:
        return f"ATR(period={self.period}, count={self.count}, value={self.value!r})"
