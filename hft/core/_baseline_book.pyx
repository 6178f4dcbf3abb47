# cython: boundscheck=False, wraparound=False
"""Timing drivers for perf_tests/bench_book.py: C loops over the matching engine's C API.

Not public API. The issue gives no baseline for the book or the engine, so this module holds
only the loop that times `matching_submit` without Python in between.
"""

from libc.stdint cimport int64_t, uint64_t

from hft.core.encoding cimport OrderMsg, OrderRecord
from hft.core.matching cimport MatchingEngine, matching_submit


def submit_loop(MatchingEngine engine not None, OrderMsg template not None, Py_ssize_t n,
                uint64_t first_id) -> int:
    """Submit n copies of template (ids first_id, first_id + 1, ...) without the GIL; return the events."""
    cdef OrderRecord rec = template.rec
    cdef Py_ssize_t i
    cdef int64_t total = 0
    with nogil:
        for i in range(n):
            rec.client_order_id = first_id + <uint64_t>i
            total += matching_submit(&engine.m, &rec, 0)
    return total
