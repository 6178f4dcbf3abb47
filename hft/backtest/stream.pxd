from libc.stdint cimport int64_t, uint8_t

cdef class DataStream:
    cdef list _sources          # Python iterators of record arrays (64-byte rows)
    cdef list _chunks           # the current chunk of each source, kept alive while read
    cdef object _pending        # the chunk just used up: the last record handed out lives in it
    cdef const uint8_t **_data  # per source: start of its current chunk
    cdef int64_t *_len          # per source: rows in the current chunk
    cdef int64_t *_pos          # per source: next row to read
    cdef int *_heap             # source indexes, a binary min-heap on (ts_event, index)
    cdef int _heap_n
    cdef int _n_sources
    cdef bint _started
    cdef readonly int64_t count

    cdef bint _load(self, int i) except -1
    cdef bint _less(self, int a, int b) noexcept nogil
    cdef void _sift_down(self, int k) noexcept nogil
    cdef int _start(self) except -1
    cdef const uint8_t *next_record(self) except? NULL
    cdef int64_t peek_ts(self) except? -1
