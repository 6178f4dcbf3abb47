# RSI and ATR with Wilder smoothing. Formulas, warm-up and NaN policy: docs/indicators.md.
#
# Wilder smoothing is avg = (avg (period - 1) + x) / period after a seed that is the plain mean
# of the first `period` inputs. Every function that divides does so by `period`, which the
# Python face checked to be >= 1, or behind a `> 0` guard: hence cdivision.
cimport cython
from libc.math cimport NAN, fabs
from libc.stdint cimport int64_t


# ---------------------------------------------------------------------------------------------
# RSI: 100 avg_gain / (avg_gain + avg_loss) over price changes; 50 when nothing moved

ctypedef struct RsiState:
    int64_t period
    int64_t count      # finite prices taken; the first only sets `prev`
    double prev        # last price
    double avg_gain    # sum of gains during warm-up, then the Wilder average
    double avg_loss
    double value       # NaN until period + 1 prices


cdef inline void rsi_init(RsiState *r, int64_t period) noexcept nogil:
    r.period = period
    r.count = 0
    r.prev = NAN
    r.avg_gain = 0.0
    r.avg_loss = 0.0
    r.value = NAN


@cython.cdivision(True)
cdef inline double rsi_update(RsiState *r, double x) noexcept nogil:
    cdef double change, gain = 0.0, loss = 0.0, total, p
    if x - x != 0.0:  # NaN or inf: skipped
        return r.value
    r.count += 1
    if r.count == 1:
        r.prev = x
        return r.value
    change = x - r.prev
    r.prev = x
    if change > 0.0:
        gain = change
    else:
        loss = -change
    p = <double>r.period
    if r.count <= r.period:  # warm-up: sum the first period changes
        r.avg_gain += gain
        r.avg_loss += loss
        return r.value
    if r.count == r.period + 1:
        r.avg_gain = (r.avg_gain + gain) / p
        r.avg_loss = (r.avg_loss + loss) / p
    else:
        r.avg_gain = (r.avg_gain * (p - 1.0) + gain) / p
        r.avg_loss = (r.avg_loss * (p - 1.0) + loss) / p
    total = r.avg_gain + r.avg_loss
    # a flat stretch has no direction: 50, not the 0/0 of the textbook formula. Dividing first
    # keeps the value within [0, 100]: fl(g + l) >= g, so g / total <= 1 after rounding too
    r.value = 100.0 * (r.avg_gain / total) if total > 0.0 else 50.0
    return r.value


# ---------------------------------------------------------------------------------------------
# ATR: Wilder average of the true range max(high - low, |high - prev close|, |low - prev close|)

ctypedef struct AtrState:
    int64_t period
    int64_t count      # finite bars taken
    double prev_close  # NaN before the first bar: its true range is high - low
    double true_range  # of the last bar
    double sum         # of the true ranges during warm-up
    double value       # NaN until `period` bars


cdef inline void atr_init(AtrState *a, int64_t period) noexcept nogil:
    a.period = period
    a.count = 0
    a.prev_close = NAN
    a.true_range = NAN
    a.sum = 0.0
    a.value = NAN


@cython.cdivision(True)
cdef inline double atr_update(AtrState *a, double high, double low, double close) noexcept nogil:
    cdef double tr, d, p
    if high - high != 0.0 or low - low != 0.0 or close - close != 0.0:  # a NaN/inf: skipped
        return a.value
    tr = high - low
    if a.count > 0:
        d = fabs(high - a.prev_close)
        if d > tr:
            tr = d
        d = fabs(low - a.prev_close)
        if d > tr:
            tr = d
    a.prev_close = close
    a.true_range = tr
    a.count += 1
    p = <double>a.period
    if a.count < a.period:
        a.sum += tr
    elif a.count == a.period:
        a.value = (a.sum + tr) / p
    else:
        a.value = (a.value * (p - 1.0) + tr) / p
    return a.value


# ---------------------------------------------------------------------------------------------
# Python faces (bodies in oscillators.pyx)

@cython.final
cdef class RSI:
    cdef RsiState state
    cpdef double update(self, double x) noexcept


@cython.final
cdef class ATR:
    cdef AtrState state
    cpdef double update(self, double high, double low, double close) except? -1.0
