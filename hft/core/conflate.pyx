# cython: boundscheck=False, wraparound=False
"""A conflating quote board in shared memory: the latest quote per symbol, for one reader.

The feed process publishes every quote it decodes into its symbol's slot (a seqlock, so a
write never waits for the reader); the node polls the symbols that changed since it last
looked. A reader that falls behind gets the newest quote of each symbol, never a queue of
stale ones, and the quotes it never saw are counted as conflated: once the reader has
caught up, reads + conflated == writes. Layout and the ordering argument: docs/feed.md.
"""

cimport cython
from cpython.buffer cimport (
    PyBUF_C_CONTIGUOUS, PyBUF_SIMPLE, PyBUF_WRITABLE, PyBuffer_Release, PyObject_GetBuffer,
)
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from libc.stdint cimport int64_t, uint64_t, uint32_t, uint8_t, uintptr_t
from libc.string cimport memcpy, memset

from hft.core.atomic cimport (
    hft_cas_strong, hft_cpu_relax, hft_fence_acquire, hft_fence_release, hft_fetch_add,
    hft_load_acquire, hft_load_relaxed, hft_store_relaxed, hft_store_release,
)
from hft.core.encoding cimport (
    DECODE_OK, QUOTE_SIZE, RECORD_QUOTE, QuoteRecord, quote_validate, records_validate,
)
from hft.core.ring cimport spsc_try_pop, spsc_try_push

import sys
from multiprocessing import resource_tracker
from multiprocessing.shared_memory import SharedMemory

from hft.core.encoding import DECODE_ERRORS

__all__ = ["BOARD_MAGIC", "BoardStatus", "LAYOUT_VERSION", "QuoteBoard", "SLOT_SIZE",
           "board_layout"]

cdef extern from "<sched.h>" nogil:
    int sched_yield()

cdef uint64_t MAGIC = 0x0044524F42544648ULL    # b"HFTBORD\0" read as a little-endian uint64
BOARD_MAGIC = MAGIC
LAYOUT_VERSION = BOARD_LAYOUT_VERSION
SLOT_SIZE = BOARD_SLOT_SIZE

cdef int64_t RECORD_WORDS = BOARD_RECORD_SIZE // 8
cdef int64_t SPINS_BEFORE_YIELD = 1024

PUBLISH_ERRORS = {
    BOARD_OK: "published",
    BOARD_FULL: "every slot is taken by another symbol",
    BOARD_BAD_RECORD: "not a valid quote record",
}


# ---- geometry ---------------------------------------------------------------------------

cdef inline int64_t pow2_at_least(int64_t n) noexcept nogil:
    cdef int64_t p = 1
    while p < n:
        p <<= 1
    return p

cdef inline int64_t round_up(int64_t n, int64_t to) noexcept nogil:
    return (n + to - 1) & ~(to - 1)     # `to` is a power of two

cdef void layout_of(int64_t n_slots, int64_t *notify_capacity, int64_t *table_size,
                    int64_t *table_offset, int64_t *slots_offset, int64_t *total) noexcept nogil:
    notify_capacity[0] = pow2_at_least(n_slots)
    table_size[0] = pow2_at_least(2 * n_slots)
    table_offset[0] = BOARD_NOTIFY_OFFSET + notify_capacity[0] * 8
    slots_offset[0] = round_up(table_offset[0] + table_size[0] * 8, BOARD_LINE_SIZE)
    total[0] = slots_offset[0] + n_slots * BOARD_SLOT_SIZE

def board_layout(n_slots: int) -> dict[str, int]:
    """Return the byte offsets and sizes of a board with n_slots symbols (see docs/feed.md)."""
    check_slots(n_slots)
    cdef int64_t cap, tsize, toff, soff, total
    layout_of(n_slots, &cap, &tsize, &toff, &soff, &total)
    return {"notify_capacity": cap, "notify_offset": BOARD_NOTIFY_OFFSET, "table_size": tsize,
            "table_offset": toff, "slots_offset": soff, "total_size": total}

cdef int check_slots(n_slots) except -1:
    if not isinstance(n_slots, int) or isinstance(n_slots, bool):
        raise TypeError(f"n_slots: expected an int, got {type(n_slots).__name__}")
    if not 1 <= n_slots <= BOARD_MAX_SLOTS:
        raise ValueError(f"n_slots: {n_slots}, expected 1..{BOARD_MAX_SLOTS}")
    return 0


# ---- the C API ---------------------------------------------------------------------------

cdef inline uint64_t hash_id(uint32_t instrument_id) noexcept nogil:
    return (<uint64_t>instrument_id * 0x9E3779B97F4A7C15ULL) >> 32

cdef int64_t board_find(BoardView *b, uint32_t instrument_id) noexcept nogil:
    cdef uint64_t at = hash_id(instrument_id)
    cdef int64_t entry
    while True:
        entry = hft_load_acquire(&b.table[at & b.table_mask])
        if entry == 0:
            return -1
        if <uint32_t>entry == instrument_id:
            return (entry >> 32) - 1
        at += 1

cdef int64_t board_claim(BoardView *b, uint32_t instrument_id) noexcept nogil:
    """Return the slot of instrument_id, claiming the next free one (producer only); -1: full."""
    cdef uint64_t at = hash_id(instrument_id)
    cdef int64_t entry, slot
    while True:
        # the producer is the only writer of the table: relaxed reads see its own stores
        entry = hft_load_relaxed(&b.table[at & b.table_mask])
        if entry == 0:
            break
        if <uint32_t>entry == instrument_id:
            return (entry >> 32) - 1
        at += 1
    slot = hft_load_relaxed(&b.prod[1])
    if slot >= b.n_slots:
        return -1   # the table has 2 n_slots entries, so a free one was always found above
    hft_store_relaxed(&b.slots[slot].instrument_id, instrument_id)
    hft_store_release(&b.prod[1], slot + 1)
    # release: a reader that finds the entry also sees the slot's instrument_id
    hft_store_release(&b.table[at & b.table_mask], ((slot + 1) << 32) | instrument_id)
    return slot

cdef inline void slot_write(BoardSlot *s, const void *record) noexcept nogil:
    cdef int64_t words[8]
    cdef int64_t *dst = <int64_t *>s.record
    cdef int64_t k, seq = hft_load_relaxed(&s.seq)
    memcpy(words, record, BOARD_RECORD_SIZE)    # the source may be unaligned
    hft_store_relaxed(&s.seq, seq + 1)
    hft_fence_release()    # the odd sequence is visible before any record word
    for k in range(RECORD_WORDS):
        hft_store_relaxed(&dst[k], words[k])
    # release: a reader that sees the even sequence sees every word of this record
    hft_store_release(&s.seq, seq + 2)

cdef inline int64_t slot_read(BoardSlot *s, void *out) noexcept nogil:
    """Copy a consistent record out of the slot and return its version (seq / 2)."""
    cdef int64_t words[8]
    cdef int64_t *src = <int64_t *>s.record
    cdef int64_t k, s1, s2, spins = 0
    while True:
        s1 = hft_load_acquire(&s.seq)
        if not (s1 & 1):
            for k in range(RECORD_WORDS):
                words[k] = hft_load_relaxed(&src[k])
            hft_fence_acquire()    # the record loads complete before the re-check
            s2 = hft_load_relaxed(&s.seq)
            if s1 == s2:
                memcpy(out, words, BOARD_RECORD_SIZE)
                return s1 >> 1
        # a write is in flight (tens of ns); yield when the writer looks preempted
        spins += 1
        if spins < SPINS_BEFORE_YIELD:
            hft_cpu_relax()
        else:
            sched_yield()

cdef int board_publish(BoardView *b, const void *record) noexcept nogil:
    cdef uint32_t instrument_id
    memcpy(&instrument_id, <const uint8_t *>record + 4, 4)
    cdef int64_t slot = board_claim(b, instrument_id)
    if slot < 0:
        hft_store_relaxed(&b.prod[2], hft_load_relaxed(&b.prod[2]) + 1)
        return BOARD_FULL
    cdef BoardSlot *s = &b.slots[slot]
    slot_write(s, record)
    hft_store_relaxed(&b.prod[0], hft_load_relaxed(&b.prod[0]) + 1)
    # An RMW with release, after the record's release: either the consumer's clearing RMW
    # reads this increment (and then sees the record), or it ran before, so we read 0 and
    # notify. 0 -> 1 is the only transition that queues the slot, so the ring holds each
    # slot at most once and, having capacity >= n_slots, never fills.
    if hft_fetch_add(&s.pending, 1) == 0:
        spsc_try_push(&b.notify, &slot)
    return BOARD_OK

cdef int64_t board_publish_batch(BoardView *b, const void *records, int64_t n,
                                 int *status) noexcept nogil:
    cdef int64_t i
    cdef int st
    for i in range(n):
        st = board_publish(b, <const uint8_t *>records + i * BOARD_RECORD_SIZE)
        if st != BOARD_OK:
            status[0] = st
            return i
    status[0] = BOARD_OK
    return n

cdef int64_t board_poll(BoardView *b, void *out, int64_t max_n) noexcept nogil:
    cdef int64_t n = 0, slot, version, last, p, skipped
    cdef BoardSlot *s
    cdef uint8_t *dst
    while n < max_n and spsc_try_pop(&b.notify, &slot):
        if slot < 0 or slot >= b.n_slots:
            continue    # never written by a well-behaved producer; do not trust it
        s = &b.slots[slot]
        # clear with an RMW before reading: a publish after this clear reads 0 and queues the
        # slot again, so its record is never missed (at worst it is seen twice, skipped below)
        p = hft_load_relaxed(&s.pending)
        while not hft_cas_strong(&s.pending, &p, 0):
            pass
        dst = <uint8_t *>out + n * BOARD_RECORD_SIZE
        version = slot_read(s, dst)
        last = hft_load_relaxed(&s.read_version)
        if version == last:
            hft_store_relaxed(&b.cons[3], hft_load_relaxed(&b.cons[3]) + 1)
            continue    # delivered by the previous poll already
        skipped = version - last - 1
        hft_store_relaxed(&s.read_version, version)
        hft_store_relaxed(&s.reads, hft_load_relaxed(&s.reads) + 1)
        hft_store_relaxed(&b.cons[0], hft_load_relaxed(&b.cons[0]) + 1)
        if skipped:
            hft_store_relaxed(&s.conflated, hft_load_relaxed(&s.conflated) + skipped)
            hft_store_relaxed(&b.cons[1], hft_load_relaxed(&b.cons[1]) + skipped)
        n += 1
    hft_store_relaxed(&b.cons[2], hft_load_relaxed(&b.cons[2]) + 1)
    return n

cdef int64_t board_read_slot(BoardView *b, int64_t i, void *out) noexcept nogil:
    return slot_read(&b.slots[i], out)


# ---- Python helpers ----------------------------------------------------------------------

cdef int raise_closed() except -1:
    raise ValueError("quote board is closed")

cdef str bad_quote(int status, str where):
    field, expected = DECODE_ERRORS.get(status, ("?", "a valid quote record"))
    return f"{where}: field '{field}' is invalid, expected {expected}"

cdef int64_t get_records(object records, Py_buffer *buf, int flags) except -1:
    """Fill buf with a C-contiguous array of 64-byte records and return how many it holds."""
    try:
        PyObject_GetBuffer(records, buf, flags | PyBUF_C_CONTIGUOUS)
    except (BufferError, ValueError) as exc:
        need = "writable C-contiguous" if flags & PyBUF_WRITABLE else "C-contiguous"
        raise ValueError(f"records: {exc}, expected a {need} array") from exc
    if buf.ndim == 1 and buf.itemsize == BOARD_RECORD_SIZE:
        return buf.shape[0]
    if buf.ndim == 2 and buf.itemsize == 1 and buf.shape[1] == BOARD_RECORD_SIZE:
        return buf.shape[0]
    shape = tuple(buf.shape[i] for i in range(buf.ndim))
    itemsize = buf.itemsize
    PyBuffer_Release(buf)
    raise ValueError(f"records: shape {shape} of {itemsize}-byte items, expected a 1-D "
                     f"QUOTE_DTYPE array or a 2-D (n, {BOARD_RECORD_SIZE}) uint8 array")

def _header_error(name):
    def bad(field, got, expected):
        return ValueError(f"quote board header in '{name}': field '{field}' is {got}, "
                          f"expected {expected}")
    return bad

cdef tuple check_header(shm, n_slots):
    """Check a board header in shm field by field; return its n_slots."""
    cdef Py_buffer buf
    cdef BoardHeader h
    cdef int64_t cap, tsize, toff, soff, total
    name = shm.name
    if shm.size < BOARD_HEADER_SIZE:
        raise ValueError(f"quote board '{name}': block is {shm.size} bytes, smaller than the "
                         f"{BOARD_HEADER_SIZE}-byte header")
    PyObject_GetBuffer(shm.buf, &buf, PyBUF_SIMPLE)
    try:
        h.magic = <uint64_t>hft_load_acquire(<int64_t *>buf.buf)
        memcpy(<uint8_t *>&h + 8, <uint8_t *>buf.buf + 8, BOARD_HEADER_SIZE - 8)
    finally:
        PyBuffer_Release(&buf)
    bad = _header_error(name)
    if h.magic != MAGIC:
        raise bad("magic", hex(h.magic), f"{hex(MAGIC)} (b'HFTBORD\\0'); not a quote board, "
                                         f"or its creator has not finished")
    if h.version != BOARD_LAYOUT_VERSION:
        raise bad("version", h.version, BOARD_LAYOUT_VERSION)
    if h.record_size != BOARD_RECORD_SIZE:
        raise bad("record_size", h.record_size, BOARD_RECORD_SIZE)
    if not 1 <= h.n_slots <= BOARD_MAX_SLOTS:
        raise bad("n_slots", h.n_slots, f"1..{BOARD_MAX_SLOTS}")
    if n_slots is not None and h.n_slots != n_slots:
        raise bad("n_slots", h.n_slots, f"{n_slots} (as given to attach)")
    layout_of(h.n_slots, &cap, &tsize, &toff, &soff, &total)
    for field, got, want in (("notify_capacity", h.notify_capacity, cap),
                             ("table_size", h.table_size, tsize),
                             ("table_offset", h.table_offset, toff),
                             ("slots_offset", h.slots_offset, soff),
                             ("total_size", h.total_size, total)):
        if got != want:
            raise bad(field, got, f"{want} for {h.n_slots} slots")
    if shm.size < total:
        raise bad("total_size", total, f"at most the block's {shm.size} bytes")
    return (h.n_slots,)


# ---- the class ---------------------------------------------------------------------------

@cython.final
cdef class QuoteBoard:
    """Hold the latest 64-byte quote record per symbol for one producer and one consumer.

    Usage::

        board = QuoteBoard.create_shared("md-board", n_slots=64)   # the feed process
        board.publish(record)              # or publish_batch(QUOTE_DTYPE array)
        board = QuoteBoard.attach("md-board")                       # the node
        out = np.empty(64, QUOTE_DTYPE)
        n = board.poll(out)                # out[:n]: the latest quote of each changed symbol
        board.stats()                      # writes, reads, conflated, ...

    Thread-safety: one thread (or process) publishes, one polls; `stats`, `latest` and
    `symbols` may be called from anywhere. A symbol's slot is claimed by its first publish
    (or `register`) and kept for the board's life.
    """

    def __cinit__(self):
        self.region = NULL
        self.owned = NULL
        self.has_shm_view = False
        self.shm = None

    def __init__(self, n_slots) -> None:
        """Allocate an owned board (one process) for up to n_slots symbols."""
        if self.region != NULL or self.owned != NULL:
            raise ValueError("quote board is already initialised")
        check_slots(n_slots)
        cdef int64_t cap, tsize, toff, soff, total
        layout_of(n_slots, &cap, &tsize, &toff, &soff, &total)
        self.owned = PyMem_Malloc(total + BOARD_LINE_SIZE - 1)
        if self.owned == NULL:
            raise MemoryError(f"quote board: cannot allocate {total} bytes")
        cdef uintptr_t at = (<uintptr_t>self.owned + BOARD_LINE_SIZE - 1) & ~(<uintptr_t>BOARD_LINE_SIZE - 1)
        self._setup(<uint8_t *>at, n_slots, True)

    def __dealloc__(self):
        if self.has_shm_view:
            PyBuffer_Release(&self.shm_view)
            self.has_shm_view = False
        if self.owned != NULL:
            PyMem_Free(self.owned)
            self.owned = NULL

    cdef int _setup(self, uint8_t *region, int64_t n_slots, bint initialise) except -1:
        cdef BoardHeader *h = <BoardHeader *>region
        cdef int64_t cap, tsize, toff, soff, total
        layout_of(n_slots, &cap, &tsize, &toff, &soff, &total)
        self.region = region
        self.view.header = h
        self.view.prod = <int64_t *>(region + BOARD_PRODUCER_OFFSET)
        self.view.cons = <int64_t *>(region + BOARD_CONSUMER_OFFSET)
        self.view.notify.slots = region + BOARD_NOTIFY_OFFSET
        self.view.notify.prod = <int64_t *>(region + BOARD_NOTIFY_PROD_OFFSET)
        self.view.notify.cons = <int64_t *>(region + BOARD_NOTIFY_CONS_OFFSET)
        self.view.notify.capacity = cap
        self.view.notify.mask = cap - 1
        self.view.notify.slot_size = 8
        self.view.notify.stride = 8
        self.view.table = <int64_t *>(region + toff)
        self.view.slots = <BoardSlot *>(region + soff)
        self.view.n_slots = n_slots
        self.view.table_mask = tsize - 1
        if initialise:
            memset(region, 0, total)
            h.version = BOARD_LAYOUT_VERSION
            h.record_size = BOARD_RECORD_SIZE
            h.n_slots = n_slots
            h.notify_capacity = cap
            h.table_size = tsize
            h.table_offset = toff
            h.slots_offset = soff
            h.total_size = total
            # release: an attacher that reads the magic with acquire sees every field above
            hft_store_release(<int64_t *>&h.magic, <int64_t>MAGIC)
        return 0

    cdef int _check_open(self) except -1:
        if self.region == NULL:
            raise_closed()
        return 0

    cdef int _adopt(self, shm, int64_t n_slots, bint initialise) except -1:
        PyObject_GetBuffer(shm.buf, &self.shm_view, PyBUF_SIMPLE | PyBUF_WRITABLE)
        self.has_shm_view = True
        self.shm = shm
        self._setup(<uint8_t *>self.shm_view.buf, n_slots, initialise)
        return 0

    @classmethod
    def create_shared(cls, name, n_slots, symbols=()):
        """Create a board in a new shared-memory block called name (None: a fresh name).

        `symbols` (instrument ids) claim the first slots in that order. The creating handle
        is the one that should `unlink()` the block; `close()` only detaches this handle.
        """
        check_slots(n_slots)
        cdef QuoteBoard board = cls.__new__(cls)
        cdef int64_t cap, tsize, toff, soff, total
        layout_of(n_slots, &cap, &tsize, &toff, &soff, &total)
        shm = SharedMemory(name=name, create=True, size=total)
        try:
            board._adopt(shm, n_slots, True)
            for instrument_id in symbols:
                board.register(instrument_id)
        except BaseException:
            board.close()
            shm.unlink()
            raise
        return board

    @classmethod
    def attach(cls, name, n_slots=None):
        """Attach to a board another handle created with `create_shared(name, ...)`.

        Raises ValueError naming the first header field that is not what this layout
        version (or the given n_slots) expects, FileNotFoundError when there is no block.
        """
        cdef QuoteBoard board = cls.__new__(cls)
        if sys.version_info >= (3, 13):
            shm = SharedMemory(name=name, track=False)
        else:
            shm = SharedMemory(name=name)
            # Python < 3.13 registers attached blocks too, and the resource tracker unlinks
            # them when this process exits: leave unlinking to the creator (cpython#82300).
            resource_tracker.unregister(shm._name, "shared_memory")
        try:
            (found,) = check_header(shm, n_slots)
            board._adopt(shm, found, False)
        except BaseException:
            board.close()
            shm.close()
            raise
        return board

    def close(self) -> None:
        """Detach from the board's memory; free it if owned. Calling it again does nothing."""
        if self.has_shm_view:
            PyBuffer_Release(&self.shm_view)
            self.has_shm_view = False
        self.region = NULL
        memset(&self.view, 0, sizeof(BoardView))
        if self.owned != NULL:
            PyMem_Free(self.owned)
            self.owned = NULL
        if self.shm is not None:
            self.shm.close()

    def unlink(self) -> None:
        """Remove the shared-memory block's name; processes attached keep their mapping."""
        if self.shm is None:
            raise ValueError("unlink: the quote board is not in shared memory")
        self.shm.unlink()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # -- properties ----------------------------------------------------------------------

    @property
    def n_slots(self) -> int:
        """Return how many symbols the board can hold."""
        return self.view.n_slots

    @property
    def name(self) -> str | None:
        """Return the shared-memory block's name, or None for an owned board."""
        return None if self.shm is None else self.shm.name

    @property
    def closed(self) -> bool:
        """Return True once close() was called."""
        return self.region == NULL

    def __repr__(self) -> str:
        where = "closed" if self.region == NULL else (
            "owned" if self.shm is None else f"shared {self.shm.name!r}")
        return f"QuoteBoard(n_slots={self.view.n_slots}, {where})"

    # -- producer ------------------------------------------------------------------------

    def register(self, instrument_id) -> int:
        """Claim a slot for instrument_id (producer only) and return it; idempotent."""
        self._check_open()
        if not isinstance(instrument_id, int) or not 0 <= instrument_id < 2 ** 32:
            raise ValueError(f"instrument_id: {instrument_id!r}, expected an int in 0..2**32-1")
        cdef int64_t slot = board_claim(&self.view, instrument_id)
        if slot < 0:
            raise ValueError(f"register: instrument {instrument_id}: {PUBLISH_ERRORS[BOARD_FULL]} "
                             f"(n_slots={self.view.n_slots})")
        return slot

    def publish(self, record) -> None:
        """Publish one 64-byte quote record into its symbol's slot (producer only).

        Raises ValueError when the record is not a valid quote or when its symbol is new
        and every slot is taken.
        """
        cdef Py_buffer buf
        cdef QuoteRecord rec
        cdef int status
        self._check_open()
        try:
            PyObject_GetBuffer(record, &buf, PyBUF_SIMPLE)
        except (BufferError, ValueError) as exc:
            raise ValueError(f"record: {exc}, expected a contiguous buffer") from exc
        try:
            if buf.len != QUOTE_SIZE:
                raise ValueError(f"record: {buf.len} bytes, expected {QUOTE_SIZE} (a quote record)")
            memcpy(&rec, buf.buf, QUOTE_SIZE)
        finally:
            PyBuffer_Release(&buf)
        status = quote_validate(&rec)
        if status != DECODE_OK:
            raise ValueError(bad_quote(status, "quote record"))
        if board_publish(&self.view, &rec) != BOARD_OK:
            raise ValueError(f"publish: instrument {rec.instrument_id}: "
                             f"{PUBLISH_ERRORS[BOARD_FULL]} (n_slots={self.view.n_slots})")

    def publish_batch(self, records) -> int:
        """Publish every record of a QUOTE_DTYPE array (or (n, 64) uint8) in order; return n.

        The batch is validated first, without the GIL; nothing is published when a record
        is invalid. Raises ValueError naming the bad record, or the first record whose new
        symbol found no free slot (the records before it are published).
        """
        cdef Py_buffer buf
        cdef int64_t n, done
        cdef Py_ssize_t bad = -1
        cdef int status = DECODE_OK, full = BOARD_OK
        self._check_open()
        n = get_records(records, &buf, PyBUF_SIMPLE)
        try:
            with nogil:
                status = records_validate(<const uint8_t *>buf.buf, n, RECORD_QUOTE, &bad)
                if status == DECODE_OK:
                    done = board_publish_batch(&self.view, buf.buf, n, &full)
        finally:
            PyBuffer_Release(&buf)
        if status != DECODE_OK:
            raise ValueError(bad_quote(status, f"quote batch: record {bad}"))
        if full != BOARD_OK:
            raise ValueError(f"publish_batch: record {done}: {PUBLISH_ERRORS[full]} "
                             f"(n_slots={self.view.n_slots}); {done} records published")
        return n

    # -- consumer ------------------------------------------------------------------------

    def poll(self, out) -> int:
        """Copy the latest quote of each symbol changed since the last poll into out; return n.

        `out` is a writable QUOTE_DTYPE array (or (m, 64) uint8); at most len(out) symbols
        are taken, the rest stay queued for the next poll. Consumer only.
        """
        cdef Py_buffer buf
        cdef int64_t n, max_n
        self._check_open()
        max_n = get_records(out, &buf, PyBUF_WRITABLE)
        try:
            with nogil:
                n = board_poll(&self.view, buf.buf, max_n)
        finally:
            PyBuffer_Release(&buf)
        return n

    def latest(self, instrument_id) -> bytes | None:
        """Return a consistent copy of a symbol's latest record (None: never published).

        Reading this way does not count as a delivery: poll still reports the symbol.
        """
        self._check_open()
        if not isinstance(instrument_id, int) or not 0 <= instrument_id < 2 ** 32:
            raise ValueError(f"instrument_id: {instrument_id!r}, expected an int in 0..2**32-1")
        cdef int64_t slot = board_find(&self.view, instrument_id)
        if slot < 0:
            return None
        out = PyBytes_FromStringAndSize(NULL, BOARD_RECORD_SIZE)
        if board_read_slot(&self.view, slot, PyBytes_AS_STRING(out)) == 0:
            return None
        return out

    # -- statistics ----------------------------------------------------------------------

    def symbols(self) -> list[int]:
        """Return the instrument ids that hold a slot, in slot order."""
        self._check_open()
        cdef int64_t i, n = hft_load_acquire(&self.view.prod[1])
        return [hft_load_relaxed(&self.view.slots[i].instrument_id) for i in range(n)]

    def stats(self) -> dict[str, int]:
        """Return the board's counters (read while the others run: each is a snapshot).

        writes: records published; reads: records delivered by poll; conflated: records
        overwritten before a poll saw them, counted when the poll that skips them runs;
        unread: versions written since each symbol's last delivery (so reads + conflated +
        unread == writes whenever the writer is between publishes);
        symbols: slots claimed; refused: publishes refused because every slot was taken;
        polls: poll calls; duplicates: notifications skipped because poll had already
        delivered that version.
        """
        self._check_open()
        cdef BoardView *b = &self.view
        cdef int64_t i, n = hft_load_acquire(&b.prod[1]), unread = 0
        for i in range(n):
            unread += (hft_load_acquire(&b.slots[i].seq) >> 1) - hft_load_acquire(&b.slots[i].read_version)
        return {"writes": hft_load_acquire(&b.prod[0]), "reads": hft_load_acquire(&b.cons[0]),
                "conflated": hft_load_acquire(&b.cons[1]), "unread": unread,
                "symbols": n, "refused": hft_load_acquire(&b.prod[2]),
                "polls": hft_load_acquire(&b.cons[2]),
                "duplicates": hft_load_acquire(&b.cons[3])}

    def slot_stats(self, instrument_id) -> dict[str, int] | None:
        """Return one symbol's counters (writes, reads, conflated, slot), or None if unknown."""
        self._check_open()
        if not isinstance(instrument_id, int) or not 0 <= instrument_id < 2 ** 32:
            raise ValueError(f"instrument_id: {instrument_id!r}, expected an int in 0..2**32-1")
        cdef int64_t slot = board_find(&self.view, instrument_id)
        if slot < 0:
            return None
        cdef BoardSlot *s = &self.view.slots[slot]
        return {"slot": slot, "writes": hft_load_acquire(&s.seq) >> 1,
                "reads": hft_load_acquire(&s.reads),
                "conflated": hft_load_acquire(&s.conflated),
                "read_version": hft_load_acquire(&s.read_version)}
