"""Record latencies in nanoseconds into HDR histograms and read their percentiles.

`LatencyRecorder` keeps an `hdrh.histogram.HdrHistogram` for its layout, percentile walk and
encoding, but records from C: the bucket index of a value is a count-leading-zeros and two
shifts, written straight into the histogram's counts array, so `record` costs one Python call
and `add` (the `cdef` form a Cython caller uses) no Python at all. Count, exact min, max and sum
are kept beside the counts and copied into the histogram before it is read.
"""

import ctypes
import sys

cimport cython
from libc.stdint cimport int64_t, uint64_t, uintptr_t
from libc.string cimport memset

import numpy as np
from hdrh.histogram import HdrHistogram

cdef extern from *:
    """
    static inline int hft_clzll(unsigned long long v) { return __builtin_clzll(v); }
    """
    int hft_clzll(unsigned long long v) noexcept nogil

cdef int64_t _INT64_MAX = 0x7FFFFFFFFFFFFFFF

PERCENTILES = (("p50", 50.0), ("p90", 90.0), ("p99", 99.0), ("p99_9", 99.9))


@cython.final
cdef class LatencyRecorder:
    """Record latencies in ns into an HDR histogram; read p50/p90/p99/p99.9/max/mean.

    Values are kept to `significant_figures` decimal digits between `lowest_ns` and
    `highest_ns`. A negative value is recorded as 0 and one above `highest_ns` as `highest_ns`;
    both are counted in `clamped`, so a clock step never raises on the hot path.

    Not thread-safe: one thread records (the event loop); merge recorders of other threads.
    """

    def __init__(self, str name not None, lowest_ns=1, highest_ns=60e9,
                 int significant_figures=3):
        cdef int64_t lo = int(lowest_ns), hi = int(highest_ns)
        if lo < 1:
            raise ValueError(f"latency recorder {name!r}: lowest_ns is {lo}, expected >= 1")
        if hi < 2 * lo:
            raise ValueError(f"latency recorder {name!r}: highest_ns is {hi}, expected >= "
                             f"2 * lowest_ns = {2 * lo}")
        if not 1 <= significant_figures <= 5:
            raise ValueError(f"latency recorder {name!r}: significant_figures is "
                             f"{significant_figures}, expected 1..5")
        self.name = name
        self.lowest_ns = lo
        self.highest_ns = hi
        self.significant_figures = significant_figures
        hist = HdrHistogram(lo, hi, significant_figures)
        if ctypes.sizeof(hist.counts) != hist.counts_len * 8:
            raise RuntimeError("hdrh counts array is not 64-bit words; cannot record from C")
        self._hist = hist
        self._counts = <uint64_t *><uintptr_t>ctypes.addressof(hist.counts)
        self._counts_len = hist.counts_len
        self._unit_magnitude = hist.unit_magnitude
        self._half_count_magnitude = hist.sub_bucket_half_count_magnitude
        self._sub_bucket_mask = hist.sub_bucket_mask
        self._half_count = hist.sub_bucket_half_count
        self._zero_totals()

    cdef void _zero_totals(self) noexcept nogil:
        self._count = 0
        self._min_ns = _INT64_MAX
        self._max_ns = 0
        self._clamped = 0
        self._sum_ns = 0.0

    cdef void add(self, int64_t ns) noexcept nogil:
        if ns < 0:
            ns = 0
            self._clamped += 1
        elif ns > self.highest_ns:
            ns = self.highest_ns
            self._clamped += 1
        # hdrh's _counts_index_for in C: the mask keeps the clz argument non-zero
        cdef int pow2ceiling = 64 - hft_clzll(<unsigned long long>(ns | self._sub_bucket_mask))
        cdef int bucket = pow2ceiling - self._unit_magnitude - (self._half_count_magnitude + 1)
        cdef int64_t sub_bucket = ns >> (bucket + self._unit_magnitude)
        cdef Py_ssize_t index = ((<Py_ssize_t>(bucket + 1)) << self._half_count_magnitude) \
            + sub_bucket - self._half_count
        if index >= self._counts_len:    # highest_ns rounds into the last bucket; stay inside
            index = self._counts_len - 1
        self._counts[index] += 1
        self._count += 1
        self._sum_ns += <double>ns
        if ns < self._min_ns:
            self._min_ns = ns
        if ns > self._max_ns:
            self._max_ns = ns

    def record(self, int64_t ns) -> None:
        """Record one latency in nanoseconds."""
        self.add(ns)

    @cython.boundscheck(False)
    @cython.wraparound(False)
    def record_many(self, values) -> None:
        """Record every value of an integer array (ns) without holding the GIL."""
        cdef const int64_t[::1] view = np.ascontiguousarray(values, dtype=np.int64)
        cdef Py_ssize_t i
        with nogil:
            for i in range(view.shape[0]):
                self.add(view[i])

    def reset(self) -> None:
        """Forget every recorded value."""
        memset(self._counts, 0, self._counts_len * sizeof(uint64_t))
        self._zero_totals()

    def merge(self, LatencyRecorder other not None) -> None:
        """Add every value recorded by `other` (same lowest_ns, highest_ns and figures)."""
        if (other.lowest_ns != self.lowest_ns or other.highest_ns != self.highest_ns
                or other.significant_figures != self.significant_figures):
            raise ValueError(
                f"latency recorder {self.name!r}: cannot merge {other.name!r}: its "
                f"(lowest_ns, highest_ns, significant_figures) is ({other.lowest_ns}, "
                f"{other.highest_ns}, {other.significant_figures}), expected ({self.lowest_ns}, "
                f"{self.highest_ns}, {self.significant_figures})")
        cdef Py_ssize_t i
        with nogil:
            for i in range(self._counts_len):
                self._counts[i] += other._counts[i]
        self._count += other._count
        self._sum_ns += other._sum_ns
        self._clamped += other._clamped
        self._min_ns = min(self._min_ns, other._min_ns)
        self._max_ns = max(self._max_ns, other._max_ns)

    @property
    def count(self) -> int:
        """Number of values recorded."""
        return self._count

    @property
    def clamped(self) -> int:
        """Number of values recorded as 0 (negative) or as highest_ns (above it)."""
        return self._clamped

    @property
    def histogram(self):
        """Return the underlying HdrHistogram, its totals brought up to date (shares counts)."""
        hist = self._hist
        hist.total_count = self._count
        hist.min_value = self._min_ns if self._count else sys.maxsize  # hdrh's empty value
        hist.max_value = self._max_ns
        return hist

    def value_at_percentile(self, double percentile) -> int:
        """Return the value (ns) at `percentile` in 0..100: the top of its HDR bucket."""
        if not 0.0 <= percentile <= 100.0:
            raise ValueError(f"percentile is {percentile}, expected 0..100")
        if self._count == 0:
            return 0
        return min(self.histogram.get_value_at_percentile(percentile), self._max_ns)

    def percentiles(self) -> dict:
        """Return p50, p90, p99, p99.9, max and mean in ns (`*_ns`) and µs (`*_us`), and count.

        Percentiles are the top of their HDR bucket (never above the exact max); max and mean
        are exact. An empty recorder gives zeros.
        """
        out = {"count": self._count}
        if self._count:
            values = self.histogram.get_percentile_to_value_dict([p for _, p in PERCENTILES])
        for key, p in PERCENTILES:
            ns = min(values[p], self._max_ns) if self._count else 0
            out[key + "_ns"] = ns
            out[key + "_us"] = ns / 1e3
        mean = self._sum_ns / self._count if self._count else 0.0
        out["max_ns"] = self._max_ns
        out["max_us"] = self._max_ns / 1e3
        out["mean_ns"] = mean
        out["mean_us"] = mean / 1e3
        return out

    def summary_line(self) -> str:
        """Return one line: name, count and p50/p90/p99/p99.9/max/mean in µs."""
        p = self.percentiles()
        return (f"{self.name}: n={p['count']} p50={p['p50_us']:.1f}us p90={p['p90_us']:.1f}us "
                f"p99={p['p99_us']:.1f}us p99.9={p['p99_9_us']:.1f}us max={p['max_us']:.1f}us "
                f"mean={p['mean_us']:.1f}us")

    def __repr__(self) -> str:
        return f"LatencyRecorder({self.name!r}, count={self._count})"
