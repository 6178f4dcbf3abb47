# Moving averages and the crossover signal. Formulas, warm-up and NaN policy: docs/indicators.md.
#
# The structs and inline functions are the C form: a Cython strategy may cimport them (or hold
# an SMA/EMA/Crossover and call its cpdef `update`: a C call through the vtable, no Python).
cimport cython
from libc.math cimport NAN
from libc.stdint cimport int64_t

from hft.core.stats cimport RollingWindow, rolling_add, rolling_mean


# ---------------------------------------------------------------------------------------------
# SMA: the mean of the last `period` values, on core.stats RollingWindow (window == period)

cdef inline double sma_update(RollingWindow *w, double x) noexcept nogil:
    rolling_add(w, x)
    if w.count < w.window:
        return NAN
    return rolling_mean(w)  # NaN while a non-finite value is in the window


# ---------------------------------------------------------------------------------------------
# EMA: y0 = x0, y = y + alpha (x - y); pandas ewm(span=period, adjust=False, ignore_na=True)

ctypedef struct EmaState:
    double alpha
    double value       # NaN before the first finite value
    int64_t count      # finite values taken
    int64_t warmup     # count at which `initialized` turns true (the period)


cdef inline void ema_init(EmaState *e, double alpha, int64_t warmup) noexcept nogil:
    e.alpha = alpha
    e.value = NAN
    e.count = 0
    e.warmup = warmup


cdef inline double ema_update(EmaState *e, double x) noexcept nogil:
    if x - x != 0.0:  # NaN or inf: skipped, as pandas ignore_na=True does
        return e.value
    if e.count == 0:
        e.value = x
    else:
        # y + a (x - y) rather than (1 - a) y + a x: one rounding less, and y stays within
        # [min, max] of the inputs
        e.value += e.alpha * (x - e.value)
    e.count += 1
    return e.value


# ---------------------------------------------------------------------------------------------
# Crossover: +1 when fast crosses above slow, -1 when it crosses below, else 0

ctypedef struct CrossState:
    int side           # sign of the last non-zero (fast - slow); 0 before one was seen
    int signal         # what the last update returned
    int64_t count      # pairs taken (NaN pairs are skipped)


cdef inline void cross_init(CrossState *c) noexcept nogil:
    c.side = 0
    c.signal = 0
    c.count = 0


cdef inline int cross_update(CrossState *c, double fast, double slow) noexcept nogil:
    cdef double diff = fast - slow
    cdef int s
    c.signal = 0
    if diff != diff:  # a NaN on either side: no information, state kept
        return 0
    c.count += 1
    s = (diff > 0.0) - (diff < 0.0)
    # equality is a touch, not a cross: the sign is compared with the last non-zero one
    if s != 0:
        if c.side != 0 and s != c.side:
            c.signal = s
        c.side = s
    return c.signal


# ---------------------------------------------------------------------------------------------
# Python faces (bodies in moving.pyx)

@cython.final
cdef class SMA:
    cdef RollingWindow win
    cdef double last_value
    cpdef double update(self, double x) noexcept


@cython.final
cdef class EMA:
    cdef EmaState state
    cpdef double update(self, double x) noexcept


@cython.final
cdef class Crossover:
    cdef CrossState state
    cpdef int update(self, double fast, double slow) noexcept
