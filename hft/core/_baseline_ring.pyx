# cython: boundscheck=False, wraparound=False
"""Private: a plain C11 SPSC ring (the benchmark baseline) and nogil test loops for the rings.

Nothing here is public API. The `def` helpers release the GIL for their whole loop, so a test
or benchmark runs a producer and a consumer in two `threading.Thread`s truly in parallel.
"""

from cpython.mem cimport PyMem_Free, PyMem_Malloc
from libc.stdint cimport int64_t, uint8_t, uintptr_t
from libc.string cimport memcpy, memset

from hft.core.atomic cimport (
    hft_cpu_relax, hft_fetch_add, hft_load_acquire, hft_load_relaxed, hft_store_release,
)
from hft.core.ring cimport MpmcRing, SpscRing, mpmc_try_pop, mpmc_try_push, spsc_try_pop, spsc_try_push

cdef extern from "<sched.h>" nogil:
    int sched_yield()


cdef inline void pause(int64_t *spins) noexcept nogil:
    # spin briefly, then give the core away: on a loaded 2-core box the peer may need it
    spins[0] += 1
    if spins[0] < 128:
        hft_cpu_relax()
    else:
        sched_yield()


# ---- the baseline: a textbook C11 SPSC ring of 64-byte records ---------------------------

cdef enum:
    PLAIN_RECORD = 64

ctypedef struct PlainRing:
    int64_t head                # consumer's position, on its own cache line
    uint8_t pad0[120]
    int64_t tail                # producer's position
    uint8_t pad1[120]
    uint8_t *slots
    int64_t mask

cdef inline bint plain_push(PlainRing *r, const void *rec) noexcept nogil:
    cdef int64_t t = hft_load_relaxed(&r.tail)
    if t - hft_load_acquire(&r.head) > r.mask:
        return False
    memcpy(r.slots + (t & r.mask) * PLAIN_RECORD, rec, PLAIN_RECORD)
    hft_store_release(&r.tail, t + 1)
    return True

cdef inline bint plain_pop(PlainRing *r, void *out) noexcept nogil:
    cdef int64_t h = hft_load_relaxed(&r.head)
    if h == hft_load_acquire(&r.tail):
        return False
    memcpy(out, r.slots + (h & r.mask) * PLAIN_RECORD, PLAIN_RECORD)
    hft_store_release(&r.head, h + 1)
    return True


cdef class PlainSpscRing:
    """Hold the baseline ring: 64-byte records, no cached indices, nothing but C11 atomics."""
    cdef void *block
    cdef PlainRing *ring

    def __cinit__(self, int64_t capacity):
        if capacity <= 0 or capacity & (capacity - 1):
            raise ValueError(f"capacity: {capacity}, expected a power of two")
        self.block = PyMem_Malloc(sizeof(PlainRing) + capacity * PLAIN_RECORD + 256)
        if self.block == NULL:
            raise MemoryError()
        self.ring = <PlainRing *>((<uintptr_t>self.block + 127) & ~(<uintptr_t>127))
        memset(self.ring, 0, sizeof(PlainRing))
        self.ring.slots = <uint8_t *>self.ring + sizeof(PlainRing)
        self.ring.mask = capacity - 1

    def __dealloc__(self):
        PyMem_Free(self.block)


def plain_produce(PlainSpscRing ring, int64_t n) -> None:
    """Push n sequence-numbered 64-byte records into the baseline ring without the GIL."""
    cdef int64_t rec[8]
    cdef int64_t i, spins
    memset(rec, 0, sizeof(rec))
    with nogil:
        for i in range(n):
            rec[0] = i
            rec[7] = ~i
            spins = 0
            while not plain_push(ring.ring, rec):
                pause(&spins)


def plain_consume(PlainSpscRing ring, int64_t n) -> int:
    """Pop n records from the baseline ring without the GIL; return how many were in order."""
    cdef int64_t rec[8]
    cdef int64_t i, spins, good = 0
    with nogil:
        for i in range(n):
            spins = 0
            while not plain_pop(ring.ring, rec):
                pause(&spins)
            if rec[0] == i and rec[7] == ~i:
                good += 1
    return good


# ---- SPSC loops over SpscRing -----------------------------------------------------------

def spsc_produce(SpscRing ring, int64_t n) -> None:
    """Push n records numbered 0..n-1 (seq in the first and ~seq in the last 8 bytes)."""
    cdef int64_t words = ring.view.slot_size // 8
    cdef int64_t *rec = <int64_t *>PyMem_Malloc(ring.view.slot_size)
    cdef int64_t i, spins
    if rec == NULL:
        raise MemoryError()
    memset(rec, 0, ring.view.slot_size)
    with nogil:
        for i in range(n):
            rec[0] = i
            rec[words - 1] = ~i
            spins = 0
            while not spsc_try_push(&ring.view, rec):
                pause(&spins)
    PyMem_Free(rec)


def spsc_consume(SpscRing ring, int64_t n) -> tuple:
    """Pop n records; return (records in order and intact, first bad seq or -1)."""
    cdef int64_t words = ring.view.slot_size // 8
    cdef int64_t *rec = <int64_t *>PyMem_Malloc(ring.view.slot_size)
    cdef int64_t i, spins, good = 0, bad = -1
    if rec == NULL:
        raise MemoryError()
    with nogil:
        for i in range(n):
            spins = 0
            while not spsc_try_pop(&ring.view, rec):
                pause(&spins)
            if rec[0] == i and rec[words - 1] == ~i:
                good += 1
            elif bad < 0:
                bad = rec[0]
    PyMem_Free(rec)
    return good, bad


# ---- MPMC loops over MpmcRing -----------------------------------------------------------

def mpmc_produce(MpmcRing ring, int64_t producer, int64_t n) -> None:
    """Push n records (producer id, seq 0..n-1, ..., ~seq) without the GIL."""
    cdef int64_t words = ring.view.slot_size // 8
    cdef int64_t *rec = <int64_t *>PyMem_Malloc(ring.view.slot_size)
    cdef int64_t i, spins
    if rec == NULL:
        raise MemoryError()
    if words < 3:
        PyMem_Free(rec)
        raise ValueError("mpmc_produce needs slot_size >= 24")
    memset(rec, 0, ring.view.slot_size)
    rec[0] = producer
    with nogil:
        for i in range(n):
            rec[1] = i
            rec[words - 1] = ~i
            spins = 0
            while not mpmc_try_push(&ring.view, rec):
                pause(&spins)
    PyMem_Free(rec)


def mpmc_consume(MpmcRing ring, uint8_t[:, ::1] seen, int64_t[::1] popped, int64_t total) -> int:
    """Pop until `popped[0]` (shared by all consumers) reaches total; return the error count.

    Counts seen[producer, seq] += 1 per record (give each consumer its own `seen`). An error is a corrupt record, an unknown
    producer or seq, or a seq not above the last one this consumer saw from that producer.
    """
    cdef int64_t n_producers = seen.shape[0], n = seen.shape[1]
    cdef int64_t words = ring.view.slot_size // 8
    cdef int64_t *rec = <int64_t *>PyMem_Malloc(ring.view.slot_size)
    cdef int64_t *last = <int64_t *>PyMem_Malloc(n_producers * sizeof(int64_t))
    cdef int64_t p, seq, spins = 0, errors = 0
    if rec == NULL or last == NULL:
        PyMem_Free(rec)
        PyMem_Free(last)
        raise MemoryError()
    for p in range(n_producers):
        last[p] = -1
    with nogil:
        while hft_load_acquire(&popped[0]) < total:
            if not mpmc_try_pop(&ring.view, rec):
                pause(&spins)
                continue
            spins = 0
            hft_fetch_add(&popped[0], 1)
            p = rec[0]
            seq = rec[1]
            if p < 0 or p >= n_producers or seq < 0 or seq >= n or rec[words - 1] != ~seq:
                errors += 1
                continue
            if seq <= last[p]:
                errors += 1
            last[p] = seq
            seen[p, seq] += 1
    PyMem_Free(rec)
    PyMem_Free(last)
    return errors
