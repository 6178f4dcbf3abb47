# HDR latency recorder: values go straight into an hdrhistogram counts array from C.
from libc.stdint cimport int64_t, uint64_t


cdef class LatencyRecorder:
    cdef readonly str name
    cdef readonly int64_t lowest_ns, highest_ns
    cdef readonly int significant_figures
    cdef object _hist                 # hdrh.histogram.HdrHistogram owning the counts array
    cdef uint64_t *_counts            # _hist.counts, seen as C memory
    cdef Py_ssize_t _counts_len
    cdef int _unit_magnitude, _half_count_magnitude
    cdef int64_t _sub_bucket_mask, _half_count
    cdef int64_t _count, _min_ns, _max_ns, _clamped
    cdef double _sum_ns

    # record one latency; a negative value counts as 0 and one above highest_ns as highest_ns
    # (both also counted in `clamped`). Single writer: call from one thread at a time.
    cdef void add(self, int64_t ns) noexcept nogil
    cdef void _zero_totals(self) noexcept nogil
