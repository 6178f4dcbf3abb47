# Outbound rate limit per venue on core.risk.TokenBucket, callable from C on the order path.
from libc.stdint cimport int64_t

from hft.core.risk cimport TokenBucket


cdef class RateLimiter:
    cdef readonly TokenBucket bucket
    cdef readonly double rate_per_s
    cdef readonly long long burst
    cdef object _queue                 # deque of (item, send), oldest first
    cdef public long long rejected
    cdef public long long queued

    cpdef bint try_acquire(self, int64_t now_ns) except -1
