# Clocks and timers: one interface for backtest (TestClock) and live (LiveClock).
cimport cython
from libc.stdint cimport int64_t


cdef struct TimerEntry:
    # One scheduled firing; (ts_ns, seq) orders the heap, slot finds the timer.
    int64_t ts_ns
    int64_t seq      # the timer's creation number: ties fire in creation order
    Py_ssize_t slot  # index into Clock._slots; a stale entry's seq no longer matches


@cython.final
cdef class TimeEvent:
    cdef readonly str name
    cdef readonly int64_t event_id
    cdef readonly int64_t ts_event
    cdef readonly int64_t ts_init


@cython.final
cdef class Timer:
    cdef readonly str name
    cdef readonly object callback
    cdef readonly int64_t interval_ns  # 0 for a one-shot alert
    cdef readonly int64_t next_ns
    cdef readonly int64_t stop_ns      # INT64_MAX when the timer repeats forever
    cdef int64_t seq
    cdef Py_ssize_t slot


cdef class Clock:
    cdef TimerEntry *heap
    cdef Py_ssize_t heap_len, heap_cap, stale
    cdef int64_t next_seq, next_event_id
    cdef dict _timers      # name -> Timer, active timers only
    cdef list _slots       # slot -> Timer | None
    cdef list _free_slots
    cdef object _default_handler
    cdef bint needs_callback  # LiveClock: an event nobody handles is a bug

    cdef int64_t now_ns(self) noexcept
    cdef int64_t next_due_ns(self) noexcept
    cdef Timer pop_due(self, int64_t to_ns)
    cdef TimeEvent fire_next(self, Timer timer, int64_t ts_init)
    cdef void schedule(self, Timer timer) except *
    cdef void discard(self, Timer timer) noexcept
    cdef void compact(self)
    cdef Timer add_timer(self, str name, int64_t interval_ns, int64_t next_ns,
                         int64_t stop_ns, object callback)
    cdef void on_schedule(self) except *
    cdef void prepare(self) except *


cdef class TestClock(Clock):
    cdef int64_t time_ns

    cpdef list advance_time(self, int64_t to_ns, bint fire=*)


cdef class LiveClock(Clock):
    cdef object _loop
    cdef object _handle
    cdef int64_t armed_ns
    cdef bint dispatching  # inside _wake: it re-arms once at the end
