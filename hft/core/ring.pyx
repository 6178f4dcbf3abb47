# cython: boundscheck=False, wraparound=False
"""Lock-free rings of fixed-size records: SpscRing and MpmcRing, owned or in shared memory.

A ring never allocates after construction, never loses or duplicates a record, and reports
full and empty: `push` returns False on a full ring, `pop` returns None on an empty one, and
`push_wait`/`pop_wait` raise `RingFull`/`RingEmpty` after their timeout. The header layout
and the memory-ordering argument are in docs/ring.md.
"""

cimport cython
from cpython.buffer cimport (
    PyBUF_C_CONTIGUOUS, PyBUF_SIMPLE, PyBUF_WRITABLE, PyBuffer_Release, PyObject_GetBuffer,
)
from cpython.bytes cimport (
    PyBytes_AS_STRING, PyBytes_CheckExact, PyBytes_FromStringAndSize, PyBytes_GET_SIZE,
)
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from cpython.ref cimport PyObject
from libc.stdint cimport int64_t, uint64_t, uint32_t, uint8_t, uintptr_t
from libc.string cimport memcpy, memset
from posix.time cimport CLOCK_MONOTONIC, clock_gettime, nanosleep, timespec

from hft.core.atomic cimport hft_cpu_relax, hft_load_acquire, hft_store_release

import sys
from multiprocessing import resource_tracker
from multiprocessing.shared_memory import SharedMemory

__all__ = ["MpmcRing", "RingEmpty", "RingError", "RingFull", "RingKind", "SpscRing",
           "RING_MAGIC", "LAYOUT_VERSION", "HEADER_SIZE", "PRODUCER_OFFSET", "CONSUMER_OFFSET",
           "SLOTS_OFFSET"]

cdef extern from "<sched.h>" nogil:
    int sched_yield()

cdef extern from *:
    """
    /* pop() may rewrite its previous bytes result when the ring holds the only reference:
     * nobody can observe that object, so reusing it is indistinguishable from a new one and
     * saves an allocation and a free per record. Off on free-threaded builds, where another
     * thread may take a reference between the check and the write. */
    #ifdef Py_GIL_DISABLED
    static inline int hft_bytes_unshared(PyObject *b) { (void)b; return 0; }
    #else
    static inline int hft_bytes_unshared(PyObject *b) { return Py_REFCNT(b) == 1; }
    #endif
    #if defined(__GNUC__)
    #pragma GCC diagnostic push
    #pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    #endif
    /* the bytes' content changes, so its cached hash must go (ob_shash: deprecated, present) */
    static inline void hft_bytes_forget_hash(PyObject *b) { ((PyBytesObject *)b)->ob_shash = -1; }
    #if defined(__GNUC__)
    #pragma GCC diagnostic pop
    #endif
    """
    bint hft_bytes_unshared(PyObject *b)
    void hft_bytes_forget_hash(PyObject *b)

cdef uint64_t MAGIC = 0x00474E4952544648ULL   # b"HFTRING\0" read as a little-endian uint64
RING_MAGIC = MAGIC
LAYOUT_VERSION = RING_LAYOUT_VERSION
HEADER_SIZE = RING_HEADER_SIZE
PRODUCER_OFFSET = RING_PRODUCER_OFFSET
CONSUMER_OFFSET = RING_CONSUMER_OFFSET
SLOTS_OFFSET = RING_SLOTS_OFFSET

# Limits that keep every size computation far from int64 overflow.
cdef int64_t MAX_CAPACITY = 1 << 40
cdef int64_t MAX_SLOT_SIZE = 1 << 30
cdef int64_t MAX_REGION = 1 << 50

# Back-off while waiting: spin with PAUSE, then yield the core, then sleep briefly.
cdef int64_t SPIN_RELAX = 256
cdef int64_t SPIN_YIELD = 512
cdef long SLEEP_NS = 50000

KIND_NAMES = {RING_KIND_SPSC: "SPSC", RING_KIND_MPMC: "MPMC"}


class RingError(Exception):
    """Signal that a ring operation could not complete."""


class RingFull(RingError):
    """Signal that a ring stayed full until the push timed out."""


class RingEmpty(RingError):
    """Signal that a ring stayed empty until the pop timed out."""


# ---- C helpers shared by both kinds ------------------------------------------------------

cdef inline bint ring_try_push(RingView *v, int kind, const void *record) noexcept nogil:
    if kind == RING_KIND_SPSC:
        return spsc_try_push(v, record)
    return mpmc_try_push(v, record)

cdef inline bint ring_try_pop(RingView *v, int kind, void *out) noexcept nogil:
    if kind == RING_KIND_SPSC:
        return spsc_try_pop(v, out)
    return mpmc_try_pop(v, out)

cdef inline int64_t monotonic_ns() noexcept nogil:
    cdef timespec ts
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return <int64_t>ts.tv_sec * 1000000000 + ts.tv_nsec

cdef void back_off(int64_t *spins) noexcept nogil:
    cdef timespec ts
    spins[0] += 1
    if spins[0] < SPIN_RELAX:
        hft_cpu_relax()
    elif spins[0] < SPIN_YIELD:
        sched_yield()
    else:
        ts.tv_sec = 0
        ts.tv_nsec = SLEEP_NS
        nanosleep(&ts, NULL)

cdef bint wait_push(RingView *v, int kind, const void *record, int64_t deadline_ns) noexcept nogil:
    cdef int64_t spins = 0
    while not ring_try_push(v, kind, record):
        if deadline_ns >= 0 and monotonic_ns() >= deadline_ns:
            return False
        back_off(&spins)
    return True

cdef bint wait_pop(RingView *v, int kind, void *out, int64_t deadline_ns) noexcept nogil:
    cdef int64_t spins = 0
    while not ring_try_pop(v, kind, out):
        if deadline_ns >= 0 and monotonic_ns() >= deadline_ns:
            return False
        back_off(&spins)
    return True

cdef int64_t deadline_from(timeout_s) except -2:
    """Return the monotonic deadline in ns for timeout_s, or -1 to wait forever."""
    if timeout_s is None:
        return -1
    cdef double t = timeout_s
    if not t >= 0.0:
        raise ValueError(f"timeout_s: {timeout_s!r}, expected a number >= 0 or None")
    if t > 1e9:
        return -1
    return monotonic_ns() + <int64_t>(t * 1e9)

cdef int64_t stride_of(int kind, int64_t slot_size) noexcept nogil:
    return slot_size if kind == RING_KIND_SPSC else RING_SEQ_SIZE + slot_size

cdef int64_t region_size(int kind, int64_t capacity, int64_t slot_size) noexcept nogil:
    return RING_SLOTS_OFFSET + capacity * stride_of(kind, slot_size)

cdef int check_geometry(capacity, slot_size) except -1:
    if not isinstance(capacity, int) or isinstance(capacity, bool):
        raise TypeError(f"capacity: expected an int, got {type(capacity).__name__}")
    if not isinstance(slot_size, int) or isinstance(slot_size, bool):
        raise TypeError(f"slot_size: expected an int, got {type(slot_size).__name__}")
    if capacity <= 0 or capacity & (capacity - 1) or capacity > MAX_CAPACITY:
        raise ValueError(f"capacity: {capacity}, expected a power of two in 1..{MAX_CAPACITY}")
    if slot_size <= 0 or slot_size % 8 or slot_size > MAX_SLOT_SIZE:
        raise ValueError(f"slot_size: {slot_size}, expected a positive multiple of 8 "
                         f"up to {MAX_SLOT_SIZE}")
    if capacity * (slot_size + RING_SEQ_SIZE) > MAX_REGION:
        raise ValueError(f"capacity * slot_size: {capacity} * {slot_size} bytes, expected at "
                         f"most {MAX_REGION}")
    return 0

cdef int get_record(object record, Py_buffer *buf, int flags, int64_t slot_size) except -1:
    """Fill buf with record's bytes, checking it holds exactly one record."""
    try:
        PyObject_GetBuffer(record, buf, flags)
    except (BufferError, ValueError) as exc:
        need = "writable contiguous" if flags & PyBUF_WRITABLE else "contiguous"
        raise ValueError(f"record: {exc}, expected a {need} buffer") from exc
    if buf.len != slot_size:
        n = buf.len
        PyBuffer_Release(buf)
        raise ValueError(f"record: {n} bytes, expected {slot_size} (the ring's slot_size)")
    return 0

cdef int64_t get_records(object records, Py_buffer *buf, int flags, int64_t slot_size) except -1:
    """Fill buf with a C-contiguous array of records and return how many it holds."""
    try:
        PyObject_GetBuffer(records, buf, flags | PyBUF_C_CONTIGUOUS)
    except (BufferError, ValueError) as exc:
        need = "writable C-contiguous" if flags & PyBUF_WRITABLE else "C-contiguous"
        raise ValueError(f"records: {exc}, expected a {need} array") from exc
    if buf.ndim == 1 and buf.itemsize == slot_size:
        return buf.shape[0]
    if buf.ndim == 2 and buf.itemsize == 1 and buf.shape[1] == slot_size:
        return buf.shape[0]
    shape = tuple(buf.shape[i] for i in range(buf.ndim))
    itemsize = buf.itemsize
    PyBuffer_Release(buf)
    raise ValueError(f"records: shape {shape} of {itemsize}-byte items, expected a 1-D array "
                     f"of {slot_size}-byte records or a 2-D (n, {slot_size}) uint8 array")

cdef int raise_closed() except -1:
    raise ValueError("ring is closed")


# ---- the classes -------------------------------------------------------------------------

cdef class _RingBase:
    """Hold a ring's memory and implement the Python face shared by both kinds."""

    def __cinit__(self):
        self.region = NULL
        self.owned = NULL
        self.has_shm_view = False
        self.shm = None

    def __init__(self, capacity, slot_size) -> None:
        """Allocate an owned ring of `capacity` slots (a power of two) of `slot_size` bytes."""
        if self.region != NULL or self.owned != NULL:
            raise ValueError("ring is already initialised")
        check_geometry(capacity, slot_size)
        cdef int64_t total = region_size(self.kind, capacity, slot_size)
        self.owned = PyMem_Malloc(total + RING_LINE_SIZE - 1)
        if self.owned == NULL:
            raise MemoryError(f"ring: cannot allocate {total} bytes")
        # align the region so each index line starts a cache line of its own
        cdef uintptr_t at = (<uintptr_t>self.owned + RING_LINE_SIZE - 1) & ~(<uintptr_t>RING_LINE_SIZE - 1)
        self._setup(<uint8_t *>at, capacity, slot_size, True)

    def __dealloc__(self):
        if self.has_shm_view:
            PyBuffer_Release(&self.shm_view)
            self.has_shm_view = False
        if self.owned != NULL:
            PyMem_Free(self.owned)
            self.owned = NULL

    cdef int _setup(self, uint8_t *region, int64_t capacity, int64_t slot_size,
                    bint initialise) except -1:
        cdef RingHeader *h = <RingHeader *>region
        cdef int64_t i, stride = stride_of(self.kind, slot_size)
        self.region = region
        self.view.slots = region + RING_SLOTS_OFFSET
        self.view.prod = <int64_t *>(region + RING_PRODUCER_OFFSET)
        self.view.cons = <int64_t *>(region + RING_CONSUMER_OFFSET)
        self.view.capacity = capacity
        self.view.mask = capacity - 1
        self.view.slot_size = slot_size
        self.view.stride = stride
        self.spare = PyBytes_FromStringAndSize(NULL, slot_size)
        if initialise:
            memset(region, 0, region_size(self.kind, capacity, slot_size))
            if self.kind == RING_KIND_MPMC:
                for i in range(capacity):
                    (<int64_t *>(self.view.slots + i * stride))[0] = i
            h.version = RING_LAYOUT_VERSION
            h.kind = self.kind
            h.capacity = capacity
            h.slot_size = slot_size
            h.total_size = region_size(self.kind, capacity, slot_size)
            # release: an attacher that reads the magic with acquire sees every field above
            hft_store_release(<int64_t *>&h.magic, <int64_t>MAGIC)
        return 0

    cdef int _check_open(self) except -1:
        if self.region == NULL:
            raise_closed()
        return 0

    cdef int _adopt(self, shm, capacity, slot_size, bint initialise) except -1:
        PyObject_GetBuffer(shm.buf, &self.shm_view, PyBUF_SIMPLE | PyBUF_WRITABLE)
        self.has_shm_view = True
        self.shm = shm
        self._setup(<uint8_t *>self.shm_view.buf, capacity, slot_size, initialise)
        return 0

    @classmethod
    def create_shared(cls, name, capacity, slot_size):
        """Create a ring in a new shared-memory block called `name` (None: a fresh name).

        The creating handle is the one that should `unlink()` the block when every process
        is done with it; `close()` (or leaving a `with` block) only detaches this handle.
        """
        cdef _RingBase ring = cls.__new__(cls)
        check_geometry(capacity, slot_size)
        shm = SharedMemory(name=name, create=True,
                           size=region_size(ring.kind, capacity, slot_size))
        try:
            ring._adopt(shm, capacity, slot_size, True)
        except BaseException:
            ring.close()
            shm.unlink()
            raise
        return ring

    @classmethod
    def attach(cls, name, capacity=None, slot_size=None):
        """Attach to a ring another handle created with `create_shared(name, ...)`.

        Raises ValueError naming the header field that does not match this ring kind, the
        layout version, or the given `capacity`/`slot_size`.
        """
        cdef _RingBase ring = cls.__new__(cls)
        if sys.version_info >= (3, 13):
            shm = SharedMemory(name=name, track=False)
        else:
            shm = SharedMemory(name=name)
            # Python < 3.13 registers attached blocks too, and the resource tracker unlinks
            # them when this process exits: leave unlinking to the creator (cpython#82300).
            resource_tracker.unregister(shm._name, "shared_memory")
        try:
            capacity, slot_size = check_header(shm, ring.kind, capacity, slot_size)
            ring._adopt(shm, capacity, slot_size, False)
        except BaseException:
            ring.close()
            shm.close()
            raise
        return ring

    def close(self) -> None:
        """Detach from the ring's memory; free it if owned. Calling it again does nothing."""
        if self.has_shm_view:
            PyBuffer_Release(&self.shm_view)
            self.has_shm_view = False
        self.region = NULL
        self.view.slots = NULL
        self.view.prod = NULL
        self.view.cons = NULL
        if self.owned != NULL:
            PyMem_Free(self.owned)
            self.owned = NULL
        if self.shm is not None:
            self.shm.close()

    def unlink(self) -> None:
        """Remove the shared-memory block's name; processes attached keep their mapping."""
        if self.shm is None:
            raise ValueError("unlink: the ring is not in shared memory")
        self.shm.unlink()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    @property
    def capacity(self) -> int:
        """Return the number of slots."""
        return self.view.capacity

    @property
    def slot_size(self) -> int:
        """Return the size in bytes of every record."""
        return self.view.slot_size

    @property
    def name(self) -> str | None:
        """Return the shared-memory block's name, or None for an owned ring."""
        return None if self.shm is None else self.shm.name

    @property
    def closed(self) -> bool:
        """Return True once close() was called."""
        return self.region == NULL

    def __len__(self) -> int:
        if self.region == NULL:
            raise_closed()
        if self.kind == RING_KIND_SPSC:
            return spsc_size(&self.view)
        return mpmc_size(&self.view)

    def __repr__(self) -> str:
        where = "closed" if self.region == NULL else (
            "owned" if self.shm is None else f"shared {self.shm.name!r}")
        return (f"{type(self).__name__}(capacity={self.view.capacity}, "
                f"slot_size={self.view.slot_size}, {where})")

    # binding=False and no keywords: a plain METH_O builtin method, the cheapest call there is
    @cython.binding(False)
    @cython.always_allow_keywords(False)
    def push(self, record) -> bool:
        """Push one record (bytes-like, exactly slot_size bytes); return False when full."""
        cdef Py_buffer buf
        cdef bint ok
        if self.region == NULL:
            raise_closed()
        if PyBytes_CheckExact(record):
            if PyBytes_GET_SIZE(record) != self.view.slot_size:
                raise ValueError(f"record: {PyBytes_GET_SIZE(record)} bytes, expected "
                                 f"{self.view.slot_size} (the ring's slot_size)")
            if self.kind == RING_KIND_SPSC:
                return spsc_try_push(&self.view, PyBytes_AS_STRING(record))
            return mpmc_try_push(&self.view, PyBytes_AS_STRING(record))
        get_record(record, &buf, PyBUF_SIMPLE, self.view.slot_size)
        ok = ring_try_push(&self.view, self.kind, buf.buf)
        PyBuffer_Release(&buf)
        return ok

    @cython.binding(False)
    @cython.always_allow_keywords(False)
    def pop(self) -> bytes | None:
        """Pop the oldest record as bytes; return None when the ring is empty."""
        cdef void *slot
        cdef char *dst
        if self.region == NULL:
            raise_closed()
        if self.kind == RING_KIND_SPSC:
            slot = spsc_front(&self.view)
            if slot == NULL:
                return None
            dst = take_spare(self)
            memcpy(dst, slot, self.view.slot_size)
            spsc_release(&self.view)
            return self.spare
        if mpmc_size(&self.view) == 0:
            return None
        dst = take_spare(self)
        if mpmc_try_pop(&self.view, dst):
            return self.spare
        return None

    @cython.always_allow_keywords(False)
    def pop_into(self, buffer) -> bool:
        """Pop the oldest record into a writable buffer of slot_size bytes; False when empty."""
        cdef Py_buffer buf
        cdef bint ok
        if self.region == NULL:
            raise_closed()
        get_record(buffer, &buf, PyBUF_SIMPLE | PyBUF_WRITABLE, self.view.slot_size)
        ok = ring_try_pop(&self.view, self.kind, buf.buf)
        PyBuffer_Release(&buf)
        return ok

    def push_batch(self, records) -> int:
        """Push as many records of a numpy array as fit; return how many were pushed.

        `records` is C-contiguous: 1-D of a structured dtype whose itemsize is slot_size, or
        2-D uint8 of shape (n, slot_size). Records go in array order; a return value below
        len(records) means the ring filled up.
        """
        cdef Py_buffer buf
        cdef int64_t n, pushed
        if self.region == NULL:
            raise_closed()
        n = get_records(records, &buf, PyBUF_SIMPLE, self.view.slot_size)
        with nogil:
            if self.kind == RING_KIND_SPSC:
                pushed = spsc_try_push_batch(&self.view, buf.buf, n)
            else:
                pushed = mpmc_try_push_batch(&self.view, buf.buf, n)
        PyBuffer_Release(&buf)
        return pushed

    def pop_batch(self, out) -> int:
        """Pop up to len(out) records into a writable numpy array; return how many.

        `out` has the same shapes as push_batch accepts; records land in order from out[0].
        """
        cdef Py_buffer buf
        cdef int64_t n, popped
        if self.region == NULL:
            raise_closed()
        n = get_records(out, &buf, PyBUF_WRITABLE, self.view.slot_size)
        with nogil:
            if self.kind == RING_KIND_SPSC:
                popped = spsc_try_pop_batch(&self.view, buf.buf, n)
            else:
                popped = mpmc_try_pop_batch(&self.view, buf.buf, n)
        PyBuffer_Release(&buf)
        return popped

    def push_wait(self, record, timeout_s: float | None = None) -> None:
        """Push one record, waiting while the ring is full; raise RingFull after timeout_s.

        The wait spins (PAUSE), then yields the core, then sleeps 50 us per try, without the
        GIL. timeout_s=None waits forever.
        """
        cdef Py_buffer buf
        cdef bint ok
        cdef int64_t deadline
        if self.region == NULL:
            raise_closed()
        get_record(record, &buf, PyBUF_SIMPLE, self.view.slot_size)
        try:
            if ring_try_push(&self.view, self.kind, buf.buf):
                return
            deadline = deadline_from(timeout_s)
            with nogil:
                ok = wait_push(&self.view, self.kind, buf.buf, deadline)
        finally:
            PyBuffer_Release(&buf)
        if not ok:
            raise RingFull(f"ring full for {timeout_s} s ({self.view.capacity} records)")

    def pop_wait(self, timeout_s: float | None = None) -> bytes:
        """Pop the oldest record, waiting while the ring is empty; raise RingEmpty after timeout_s.

        The wait backs off like push_wait, without the GIL. timeout_s=None waits forever.
        """
        cdef bint ok
        cdef int64_t deadline
        cdef char *dst
        if self.region == NULL:
            raise_closed()
        out = PyBytes_FromStringAndSize(NULL, self.view.slot_size)
        dst = PyBytes_AS_STRING(out)
        if ring_try_pop(&self.view, self.kind, dst):
            return out
        deadline = deadline_from(timeout_s)
        with nogil:
            ok = wait_pop(&self.view, self.kind, dst, deadline)
        if not ok:
            raise RingEmpty(f"ring empty for {timeout_s} s")
        return out


cdef inline char *take_spare(_RingBase ring) except NULL:
    # reuse pop()'s last result if the caller dropped it, else let it go and make a new one
    if hft_bytes_unshared(<PyObject *>ring.spare):
        hft_bytes_forget_hash(<PyObject *>ring.spare)
    else:
        ring.spare = PyBytes_FromStringAndSize(NULL, ring.view.slot_size)
    return PyBytes_AS_STRING(ring.spare)


cdef tuple check_header(shm, int kind, capacity, slot_size):
    """Return (capacity, slot_size) from a block's ring header, checking every field."""
    cdef Py_buffer buf
    cdef RingHeader h
    cdef uint64_t magic
    size = shm.size
    if size < RING_HEADER_SIZE:
        raise ValueError(f"ring header in {shm.name!r}: block is {size} bytes, smaller than "
                         f"the {RING_HEADER_SIZE}-byte header")
    PyObject_GetBuffer(shm.buf, &buf, PyBUF_SIMPLE)
    # acquire on the magic: pairs with the creator's release, so the other fields are set
    magic = <uint64_t>hft_load_acquire(<int64_t *>buf.buf)
    memcpy(&h, buf.buf, sizeof(RingHeader))
    PyBuffer_Release(&buf)
    where = f"ring header in {shm.name!r}"
    if magic != MAGIC:
        raise ValueError(f"{where}: field 'magic' is 0x{magic:016x}, expected "
                         f"0x{MAGIC:016x} (b'HFTRING\\0'): not an hft ring")
    if h.version != RING_LAYOUT_VERSION:
        raise ValueError(f"{where}: field 'version' is {h.version}, expected "
                         f"{RING_LAYOUT_VERSION}")
    if h.kind != <uint32_t>kind:
        raise ValueError(f"{where}: field 'kind' is {h.kind} "
                         f"({KIND_NAMES.get(h.kind, 'unknown')}), expected {kind} "
                         f"({KIND_NAMES[kind]})")
    if h.capacity <= 0 or h.capacity & (h.capacity - 1) or h.capacity > MAX_CAPACITY:
        raise ValueError(f"{where}: field 'capacity' is {h.capacity}, expected a power of "
                         f"two in 1..{MAX_CAPACITY}")
    if capacity is not None and h.capacity != capacity:
        raise ValueError(f"{where}: field 'capacity' is {h.capacity}, expected {capacity}")
    if h.slot_size <= 0 or h.slot_size % 8 or h.slot_size > MAX_SLOT_SIZE:
        raise ValueError(f"{where}: field 'slot_size' is {h.slot_size}, expected a positive "
                         f"multiple of 8 up to {MAX_SLOT_SIZE}")
    if slot_size is not None and h.slot_size != slot_size:
        raise ValueError(f"{where}: field 'slot_size' is {h.slot_size}, expected {slot_size}")
    expected = region_size(kind, h.capacity, h.slot_size)
    if h.total_size != expected:
        raise ValueError(f"{where}: field 'total_size' is {h.total_size}, expected {expected} "
                         f"for capacity {h.capacity} and slot_size {h.slot_size}")
    if size < expected:
        raise ValueError(f"{where}: block is {size} bytes, smaller than the ring's "
                         f"total_size {expected}")
    return h.capacity, h.slot_size


@cython.final
cdef class SpscRing(_RingBase):
    """Hold a single-producer single-consumer ring of fixed-size records.

    Exactly one thread (or process) pushes and exactly one pops; each may be a different
    one. Constructors: `SpscRing(capacity, slot_size)` (owned memory),
    `SpscRing.create_shared(name, capacity, slot_size)` and `SpscRing.attach(name)`.
    """

    def __cinit__(self):
        self.kind = RING_KIND_SPSC

    cdef bint try_push(self, const void *record) noexcept nogil:
        return spsc_try_push(&self.view, record)

    cdef bint try_pop(self, void *out) noexcept nogil:
        return spsc_try_pop(&self.view, out)

    cdef int64_t try_push_batch(self, const void *records, int64_t n) noexcept nogil:
        return spsc_try_push_batch(&self.view, records, n)

    cdef int64_t try_pop_batch(self, void *out, int64_t max_n) noexcept nogil:
        return spsc_try_pop_batch(&self.view, out, max_n)

    cdef int64_t size(self) noexcept nogil:
        return spsc_size(&self.view)


@cython.final
cdef class MpmcRing(_RingBase):
    """Hold a bounded multi-producer multi-consumer ring of fixed-size records (Vyukov).

    Any number of threads or processes push and pop. Each consumer sees the records of any
    one producer in that producer's order. Constructors as for SpscRing.
    """

    def __cinit__(self):
        self.kind = RING_KIND_MPMC

    cdef bint try_push(self, const void *record) noexcept nogil:
        return mpmc_try_push(&self.view, record)

    cdef bint try_pop(self, void *out) noexcept nogil:
        return mpmc_try_pop(&self.view, out)

    cdef int64_t try_push_batch(self, const void *records, int64_t n) noexcept nogil:
        return mpmc_try_push_batch(&self.view, records, n)

    cdef int64_t try_pop_batch(self, void *out, int64_t max_n) noexcept nogil:
        return mpmc_try_pop_batch(&self.view, out, max_n)

    cdef int64_t size(self) noexcept nogil:
        return mpmc_size(&self.view)
