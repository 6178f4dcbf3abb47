# cython: boundscheck=False, wraparound=False
"""Merge many sources of 64-byte core records (quotes, trades) into one stream by timestamp.

Each source is an iterator of numpy arrays whose rows are 64-byte records with the int64
`ts_event` at byte 8 (QUOTE_DTYPE, TRADE_DTYPE). The stream keeps one chunk per source and a
binary heap of sources keyed on (ts_event, source index), so equal timestamps come out in the
order the sources were given, and the same inputs always give the same sequence. Python runs
only when a source's chunk is used up; the per-record path reads C memory.
"""

from cpython.mem cimport PyMem_Malloc, PyMem_Free
from libc.stdint cimport int64_t, uint8_t, uint32_t
from libc.string cimport memcpy

import numpy as np

cdef enum:
    RECORD_SIZE = 64
    INSTRUMENT_OFFSET = 4
    TS_OFFSET = 8


cdef inline int64_t _ts_at(const uint8_t *rec) noexcept nogil:
    cdef int64_t ts
    memcpy(&ts, rec + TS_OFFSET, 8)
    return ts


cdef class DataStream:
    """Merge chunked sources of 64-byte records into one timestamp-ordered stream.

    Parameters
    ----------
    sources: iterables, each yielding numpy arrays of 64-byte records (a structured core
        dtype or uint8 of shape (n, 64)), each in non-decreasing ts_event order.
    """

    def __cinit__(self, sources):
        self._sources = [iter(s) for s in sources]
        self._n_sources = len(self._sources)
        self._chunks = [None] * self._n_sources
        n = max(self._n_sources, 1)
        self._data = <const uint8_t **>PyMem_Malloc(n * sizeof(uint8_t *))
        self._len = <int64_t *>PyMem_Malloc(n * sizeof(int64_t))
        self._pos = <int64_t *>PyMem_Malloc(n * sizeof(int64_t))
        self._heap = <int *>PyMem_Malloc(n * sizeof(int))
        if not self._data or not self._len or not self._pos or not self._heap:
            raise MemoryError("DataStream: cannot allocate per-source state")
        self._heap_n = 0
        self._started = False
        self.count = 0

    def __dealloc__(self):
        PyMem_Free(self._data)
        PyMem_Free(self._len)
        PyMem_Free(self._pos)
        PyMem_Free(self._heap)

    cdef bint _load(self, int i) except -1:
        """Load the next non-empty chunk of source i; return False when it is exhausted."""
        cdef const uint8_t[:, ::1] view
        while True:
            try:
                chunk = next(self._sources[i])
            except StopIteration:
                self._chunks[i] = None
                return False
            arr = np.ascontiguousarray(chunk)
            if arr.dtype.itemsize != RECORD_SIZE and not (arr.ndim == 2 and arr.shape[1] == RECORD_SIZE):
                raise ValueError(f"source {i}: rows must be 64-byte records, got dtype {arr.dtype} "
                                 f"shape {arr.shape}")
            if len(arr) == 0:
                continue
            flat = arr.view(np.uint8).reshape(-1, RECORD_SIZE)
            view = flat
            self._chunks[i] = flat
            self._data[i] = &view[0, 0]
            self._len[i] = flat.shape[0]
            self._pos[i] = 0
            return True

    cdef bint _less(self, int a, int b) noexcept nogil:
        cdef int64_t ta = _ts_at(self._data[a] + self._pos[a] * RECORD_SIZE)
        cdef int64_t tb = _ts_at(self._data[b] + self._pos[b] * RECORD_SIZE)
        return ta < tb or (ta == tb and a < b)

    cdef void _sift_down(self, int k) noexcept nogil:
        cdef int n = self._heap_n, child, tmp
        while True:
            child = 2 * k + 1
            if child >= n:
                return
            if child + 1 < n and self._less(self._heap[child + 1], self._heap[child]):
                child += 1
            if not self._less(self._heap[child], self._heap[k]):
                return
            tmp = self._heap[k]
            self._heap[k] = self._heap[child]
            self._heap[child] = tmp
            k = child

    cdef int _start(self) except -1:
        cdef int i
        for i in range(self._n_sources):
            if self._load(i):
                self._heap[self._heap_n] = i
                self._heap_n += 1
        for i in range(self._heap_n // 2 - 1, -1, -1):
            self._sift_down(i)
        self._started = True
        return 0

    cdef const uint8_t *next_record(self) except? NULL:
        """Return the next record (valid until the next call), or NULL at the end."""
        cdef int src
        cdef const uint8_t *rec
        if not self._started:
            self._start()
        if self._heap_n == 0:
            return NULL
        src = self._heap[0]
        rec = self._data[src] + self._pos[src] * RECORD_SIZE
        self._pos[src] += 1
        self.count += 1
        if self._pos[src] == self._len[src]:
            # the chunk is used up; `rec` points into it, so keep it alive until the next call
            old = self._chunks[src]
            if not self._load(src):
                self._heap_n -= 1
                self._heap[0] = self._heap[self._heap_n]
            self._pending = old
        if self._heap_n > 1:  # one source left: nothing to reorder
            self._sift_down(0)
        return rec

    cdef int64_t peek_ts(self) except? -1:
        """Return the next record's ts_event, or -1 at the end."""
        cdef int src
        if not self._started:
            self._start()
        if self._heap_n == 0:
            return -1
        src = self._heap[0]
        return _ts_at(self._data[src] + self._pos[src] * RECORD_SIZE)

    def next_ts(self) -> int | None:
        """Return the next record's ts_event without consuming it, or None at the end."""
        cdef int64_t ts = self.peek_ts()
        return None if ts == -1 and self._heap_n == 0 else ts

    def read(self, Py_ssize_t max_rows=-1):
        """Consume up to max_rows records (all when -1) into a new uint8 array of shape (n, 64)."""
        cdef const uint8_t *rec
        cdef Py_ssize_t n = 0
        out = bytearray()
        while max_rows < 0 or n < max_rows:
            rec = self.next_record()
            if rec == NULL:
                break
            out += (<const char *>rec)[:RECORD_SIZE]
            n += 1
        return np.frombuffer(bytes(out), dtype=np.uint8).reshape(-1, RECORD_SIZE)


def scan_chunk(records, int64_t last_ts, int64_t instrument_id=-1) -> tuple[int, bool, int]:
    """Check one chunk of 64-byte records in a single C pass; return (bad, renumber, last_ts).

    bad: the index of the first record whose ts_event is before the previous one (the first
    record is compared with `last_ts`, the previous chunk's last), else -1. renumber: some
    record's instrument id differs from `instrument_id` (always False when it is -1). last_ts:
    the chunk's last ts_event (`last_ts` when the chunk is empty).
    """
    cdef const uint8_t[:, ::1] rows = np.ascontiguousarray(records).view(np.uint8).reshape(
        len(records), RECORD_SIZE)
    cdef Py_ssize_t i, bad = -1, n = rows.shape[0]
    cdef int64_t ts
    cdef uint32_t nid
    cdef bint renumber = False
    with nogil:
        for i in range(n):
            ts = _ts_at(&rows[i, 0])
            if ts < last_ts:
                bad = i
                break
            last_ts = ts
            if instrument_id >= 0:
                memcpy(&nid, &rows[i, INSTRUMENT_OFFSET], 4)
                if nid != instrument_id:
                    renumber = True
    return bad, renumber, last_ts
