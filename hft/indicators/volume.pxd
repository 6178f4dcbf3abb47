# Volume-weighted average price. Formula, warm-up and NaN policy: docs/indicators.md.
#
# Sums are of (price - shift) * volume with shift = the first price, kept with Neumaier
# compensation (core.stats): the rounding then scales with the spread of prices, not their level.
cimport cython
from libc.math cimport NAN
from libc.stdint cimport int64_t

from hft.core.stats cimport neumaier_add


ctypedef struct VwapState:
    int64_t count      # pairs taken (finite price, finite volume >= 0)
    double shift       # first price taken
    double spv, cpv    # sum of (price - shift) * volume, and its compensation
    double sv, cv      # sum of volume, and its compensation


cdef inline void vwap_init(VwapState *v) noexcept nogil:
    v.count = 0
    v.shift = 0.0
    v.spv = 0.0
    v.cpv = 0.0
    v.sv = 0.0
    v.cv = 0.0


@cython.cdivision(True)
cdef inline double vwap_value(const VwapState *v) noexcept nogil:
    cdef double vol = v.sv + v.cv
    if not (vol > 0.0):  # no volume yet: the divisor below is > 0
        return NAN
    return v.shift + (v.spv + v.cpv) / vol


cdef inline double vwap_update(VwapState *v, double price, double volume) noexcept nogil:
    # NaN/inf in either, or a negative volume: skipped (the Python face raises on volume < 0)
    if price - price != 0.0 or volume - volume != 0.0 or volume < 0.0:
        return vwap_value(v)
    if v.count == 0:
        v.shift = price
    v.count += 1
    neumaier_add(&v.spv, &v.cpv, (price - v.shift) * volume)
    neumaier_add(&v.sv, &v.cv, volume)
    return vwap_value(v)


# ---------------------------------------------------------------------------------------------
# Python face (body in volume.pyx)

@cython.final
cdef class VWAP:
    cdef VwapState state
    cpdef double update(self, double price, double volume) except? -1.0
