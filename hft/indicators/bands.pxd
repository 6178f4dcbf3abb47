# Bollinger bands and the rolling z-score, on core.stats RollingWindow.
# Formulas, warm-up and NaN policy: docs/indicators.md.
cimport cython
from libc.math cimport NAN, sqrt

from hft.core.stats cimport (RollingWindow, rolling_add, rolling_mean, rolling_variance,
                             rolling_population_variance, rolling_zscore)


cdef inline double bands_width(const RollingWindow *w, double k, int ddof) noexcept nogil:
    """k times the window std (ddof 0 or 1); NaN during warm-up or with a NaN in the window."""
    if w.count < w.window:
        return NAN
    if ddof == 0:
        return k * sqrt(rolling_population_variance(w))
    return k * sqrt(rolling_variance(w))


cdef inline double zscore_update(RollingWindow *w, double x) noexcept nogil:
    rolling_add(w, x)
    if w.count < w.window:
        return NAN
    return rolling_zscore(w, x)  # NaN when the std is 0 or a NaN is in the window


# ---------------------------------------------------------------------------------------------
# Python faces (bodies in bands.pyx)

@cython.final
cdef class Bollinger:
    cdef RollingWindow win
    cdef double k
    cdef int ddof
    cpdef double update(self, double x) noexcept


@cython.final
cdef class ZScore:
    cdef RollingWindow win
    cdef double last_value
    cpdef double update(self, double x) noexcept
