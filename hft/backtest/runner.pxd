# The backtest loop: one TestClock drives data, timers and the simulated venues; docs/fills.md
# ("Running a backtest") describes the order of events.
from libc.stdint cimport int64_t, uint8_t

cdef enum:
    FEED_RECORD_SIZE = 64


ctypedef struct FeedSlot:          # one record in flight to the strategy (feed latency)
    int64_t due_ns
    uint8_t rec[FEED_RECORD_SIZE]


cdef class FeedQueue:
    # FIFO ring of records whose delivery is delayed; grows by doubling, never shrinks, so it
    # holds at most the records of one latency window.
    cdef FeedSlot *slots
    cdef Py_ssize_t capacity, head, count
    cdef int64_t last_due_ns

    cdef int push(self, int64_t due_ns, const uint8_t *rec) except -1
    cdef int64_t head_due_ns(self) noexcept nogil
    cdef const uint8_t *peek(self) noexcept nogil
    cdef void drop(self) noexcept nogil
