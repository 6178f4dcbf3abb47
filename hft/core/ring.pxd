# Lock-free rings over one contiguous region: a 128-byte header, the producer's and the
# consumer's index lines, then the slots. Layout and ordering argument in docs/ring.md
# (keep both in step). The ring functions live here as `cdef inline` so every cimporter
# (the test loops, the journal, the feed) inlines them instead of calling through a vtable.
cimport cython
from libc.stdint cimport int64_t, uint64_t, uint32_t, uint8_t
from libc.string cimport memcpy
from cpython.buffer cimport Py_buffer

from hft.core.atomic cimport (
    hft_cas_weak, hft_cpu_relax, hft_load_acquire, hft_load_relaxed, hft_store_release,
    hft_store_relaxed,
)

cdef enum:
    RING_LAYOUT_VERSION = 1
    RING_HEADER_SIZE = 128      # the header, padded to two cache lines
    RING_LINE_SIZE = 128        # index lines 128 apart: the adjacent-line prefetcher pulls pairs
    RING_PRODUCER_OFFSET = 128
    RING_CONSUMER_OFFSET = 256
    RING_SLOTS_OFFSET = 384
    RING_SEQ_SIZE = 8           # MPMC: the sequence number in front of each slot's record

cpdef enum RingKind:
    RING_KIND_SPSC = 1
    RING_KIND_MPMC = 2

ctypedef struct RingHeader:     # 128 bytes at offset 0, docs/ring.md#header
    uint64_t magic              # 0   RING_MAGIC, written last by the creator (release)
    uint32_t version            # 8   RING_LAYOUT_VERSION
    uint32_t kind               # 12  RingKind
    int64_t capacity            # 16  slots, a power of two
    int64_t slot_size           # 24  record bytes, a multiple of 8
    int64_t total_size          # 32  bytes of the whole region (header + lines + slots)
    uint8_t reserved[88]        # 40  zero

ctypedef struct RingView:       # process-local pointers into a region; fixed after setup
    uint8_t *slots
    int64_t *prod               # [0] write position, [1] producer's copy of the read position
    int64_t *cons               # [0] read position, [1] consumer's copy of the write position
    int64_t capacity
    int64_t mask
    int64_t slot_size
    int64_t stride              # SPSC: slot_size; MPMC: RING_SEQ_SIZE + slot_size


# ---- SPSC: one producer thread/process, one consumer; positions only ever grow ----------

cdef inline void *spsc_reserve(RingView *r) noexcept nogil:
    """Return the slot the next push fills, or NULL when the ring is full (producer only)."""
    cdef int64_t w = hft_load_relaxed(&r.prod[0])
    if w - r.prod[1] >= r.capacity:
        # acquire: the consumer finished reading a slot before it published its release
        r.prod[1] = hft_load_acquire(&r.cons[0])
        if w - r.prod[1] >= r.capacity:
            return NULL
    return r.slots + (w & r.mask) * r.stride

cdef inline void spsc_commit(RingView *r) noexcept nogil:
    # release after the slot write: a consumer that sees this position also sees the record
    hft_store_release(&r.prod[0], hft_load_relaxed(&r.prod[0]) + 1)

cdef inline void *spsc_front(RingView *r) noexcept nogil:
    """Return the oldest record's slot, or NULL when the ring is empty (consumer only)."""
    cdef int64_t p = hft_load_relaxed(&r.cons[0])
    if p == r.cons[1]:
        # acquire: pairs with spsc_commit's release, so the record bytes are visible
        r.cons[1] = hft_load_acquire(&r.prod[0])
        if p == r.cons[1]:
            return NULL
    return r.slots + (p & r.mask) * r.stride

cdef inline void spsc_release(RingView *r) noexcept nogil:
    # release after the slot read: the producer may overwrite it once it sees this position
    hft_store_release(&r.cons[0], hft_load_relaxed(&r.cons[0]) + 1)

cdef inline bint spsc_try_push(RingView *r, const void *record) noexcept nogil:
    cdef void *slot = spsc_reserve(r)
    if slot == NULL:
        return False
    memcpy(slot, record, r.slot_size)
    spsc_commit(r)
    return True

cdef inline bint spsc_try_pop(RingView *r, void *out) noexcept nogil:
    cdef void *slot = spsc_front(r)
    if slot == NULL:
        return False
    memcpy(out, slot, r.slot_size)
    spsc_release(r)
    return True

cdef inline int64_t spsc_try_push_batch(RingView *r, const void *records, int64_t n) noexcept nogil:
    cdef int64_t w = hft_load_relaxed(&r.prod[0])
    cdef int64_t room = r.capacity - (w - r.prod[1])
    if room < n:
        r.prod[1] = hft_load_acquire(&r.cons[0])
        room = r.capacity - (w - r.prod[1])
    cdef int64_t k = n if n < room else room
    if k <= 0:
        return 0
    cdef int64_t idx = w & r.mask
    cdef int64_t first = k if k < r.capacity - idx else r.capacity - idx
    memcpy(r.slots + idx * r.stride, records, first * r.stride)
    memcpy(r.slots, <const uint8_t *>records + first * r.stride, (k - first) * r.stride)
    hft_store_release(&r.prod[0], w + k)   # one release publishes all k records
    return k

cdef inline int64_t spsc_try_pop_batch(RingView *r, void *out, int64_t max_n) noexcept nogil:
    cdef int64_t p = hft_load_relaxed(&r.cons[0])
    cdef int64_t avail = r.cons[1] - p
    if avail < max_n:
        r.cons[1] = hft_load_acquire(&r.prod[0])
        avail = r.cons[1] - p
    cdef int64_t k = max_n if max_n < avail else avail
    if k <= 0:
        return 0
    cdef int64_t idx = p & r.mask
    cdef int64_t first = k if k < r.capacity - idx else r.capacity - idx
    memcpy(out, r.slots + idx * r.stride, first * r.stride)
    memcpy(<uint8_t *>out + first * r.stride, r.slots, (k - first) * r.stride)
    hft_store_release(&r.cons[0], p + k)
    return k

cdef inline int64_t spsc_size(RingView *r) noexcept nogil:
    # read position first: the write position loaded after it is never smaller
    cdef int64_t p = hft_load_acquire(&r.cons[0])
    return hft_load_acquire(&r.prod[0]) - p


# ---- MPMC: Vyukov's bounded queue; a slot's sequence number says whose turn it is --------
# seq == pos: free for the producer that claims position pos
# seq == pos + 1: holds the record of position pos, for the consumer that claims it
# after the pop: seq = pos + capacity, free for the producer of the next lap

cdef inline bint mpmc_try_push(RingView *r, const void *record) noexcept nogil:
    cdef int64_t pos = hft_load_relaxed(&r.prod[0])
    cdef uint8_t *cell
    cdef int64_t dif
    while True:
        cell = r.slots + (pos & r.mask) * r.stride
        dif = hft_load_acquire(<int64_t *>cell) - pos
        if dif == 0:
            if hft_cas_weak(&r.prod[0], &pos, pos + 1):
                break
        elif dif < 0:
            return False        # the slot of the previous lap is not consumed yet: full
        else:
            pos = hft_load_relaxed(&r.prod[0])
    memcpy(cell + RING_SEQ_SIZE, record, r.slot_size)
    hft_store_release(<int64_t *>cell, pos + 1)
    return True

cdef inline bint mpmc_try_pop(RingView *r, void *out) noexcept nogil:
    cdef int64_t pos = hft_load_relaxed(&r.cons[0])
    cdef uint8_t *cell
    cdef int64_t dif
    while True:
        cell = r.slots + (pos & r.mask) * r.stride
        dif = hft_load_acquire(<int64_t *>cell) - (pos + 1)
        if dif == 0:
            if hft_cas_weak(&r.cons[0], &pos, pos + 1):
                break
        elif dif < 0:
            return False        # the record of this position is not published yet: empty
        else:
            pos = hft_load_relaxed(&r.cons[0])
    memcpy(out, cell + RING_SEQ_SIZE, r.slot_size)
    hft_store_release(<int64_t *>cell, pos + r.capacity)
    return True

cdef inline int64_t mpmc_try_push_batch(RingView *r, const void *records, int64_t n) noexcept nogil:
    cdef int64_t i = 0
    while i < n and mpmc_try_push(r, <const uint8_t *>records + i * r.slot_size):
        i += 1
    return i

cdef inline int64_t mpmc_try_pop_batch(RingView *r, void *out, int64_t max_n) noexcept nogil:
    cdef int64_t i = 0
    while i < max_n and mpmc_try_pop(r, <uint8_t *>out + i * r.slot_size):
        i += 1
    return i

cdef inline int64_t mpmc_size(RingView *r) noexcept nogil:
    cdef int64_t p = hft_load_acquire(&r.cons[0])
    cdef int64_t n = hft_load_acquire(&r.prod[0]) - p
    # claimed positions can run ahead of published or consumed records by a few slots
    return 0 if n < 0 else (r.capacity if n > r.capacity else n)


# ---- the classes: memory ownership and the Python face -----------------------------------

cdef class _RingBase:
    cdef RingView view
    cdef uint8_t *region        # the header; NULL once closed
    cdef void *owned            # PyMem_Malloc block of an owned ring, else NULL
    cdef Py_buffer shm_view     # the shared-memory buffer a shared ring holds while open
    cdef bint has_shm_view
    cdef readonly object shm    # multiprocessing.shared_memory.SharedMemory, or None
    cdef readonly int kind
    cdef object spare           # pop()'s last result, rewritten in place once unreferenced

    cdef int _setup(self, uint8_t *region, int64_t capacity, int64_t slot_size,
                    bint initialise) except -1
    cdef int _check_open(self) except -1
    cdef int _adopt(self, shm, capacity, slot_size, bint initialise) except -1

@cython.final
cdef class SpscRing(_RingBase):
    cdef bint try_push(self, const void *record) noexcept nogil
    cdef bint try_pop(self, void *out) noexcept nogil
    cdef int64_t try_push_batch(self, const void *records, int64_t n) noexcept nogil
    cdef int64_t try_pop_batch(self, void *out, int64_t max_n) noexcept nogil
    cdef int64_t size(self) noexcept nogil

@cython.final
cdef class MpmcRing(_RingBase):
    cdef bint try_push(self, const void *record) noexcept nogil
    cdef bint try_pop(self, void *out) noexcept nogil
    cdef int64_t try_push_batch(self, const void *records, int64_t n) noexcept nogil
    cdef int64_t try_pop_batch(self, void *out, int64_t max_n) noexcept nogil
    cdef int64_t size(self) noexcept nogil
