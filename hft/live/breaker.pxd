# Circuit breaker (closed / open / half-open), callable from C on the order path.
from libc.stdint cimport int64_t

cdef enum:
    BREAKER_CLOSED = 0
    BREAKER_OPEN = 1
    BREAKER_HALF_OPEN = 2


cdef class CircuitBreaker:
    cdef object _clock_ns
    cdef readonly long long failure_threshold
    cdef readonly int64_t reset_timeout_ns
    cdef readonly long long half_open_probes
    cdef public str name
    cdef int _state
    cdef public long long failures       # consecutive, while closed
    cdef public int64_t opened_at_ns
    cdef public long long times_opened
    cdef long long _probes

    cdef int _current(self) except -1
    cpdef bint allow(self) except -1
    cpdef record_success(self)
    cpdef record_failure(self)
    cdef void _open(self) except *
