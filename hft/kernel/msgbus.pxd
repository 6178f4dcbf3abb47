# Message bus: topics with wildcard subscriptions, point-to-point endpoints, request/response.
cimport cython
from libc.stdint cimport int64_t


@cython.final
cdef class Subscription:
    cdef readonly str topic       # a pattern: '*' any sequence, '?' one character
    cdef readonly object handler
    cdef readonly int priority    # higher runs first
    cdef readonly int64_t seq     # subscription order, breaks priority ties


cpdef bint is_matching(str topic, str pattern)


cdef class MessageBus:
    cdef list _subs               # Subscription, in subscription order
    cdef dict _cache              # concrete topic -> tuple of handlers, in dispatch order
    cdef dict _endpoints          # endpoint -> handler
    cdef dict _pending            # correlation id -> response callback
    cdef object _log
    cdef int64_t next_seq
    cdef int64_t next_correlation_id
    cdef readonly int64_t published
    cdef readonly int64_t sent
    cdef readonly int64_t failures
    cdef readonly int64_t requests
    cdef readonly int64_t responses

    cdef tuple resolve(self, str topic)
    cdef void report_failure(self, str kind, str name, object handler, object msg)
    cpdef void publish(self, str topic, object msg) except *
    cpdef void send(self, str endpoint, object msg) except *
