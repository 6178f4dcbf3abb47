# A conflating quote board: one seqlock slot per symbol holding its latest 64-byte quote
# record, and an SPSC ring of "slot updated" notifications. Byte layout and the ordering
# argument in docs/feed.md (keep both in step). One producer (the feed process), one
# consumer (the node); the C functions live in conflate.pyx and are `noexcept nogil`.
cimport cython
from libc.stdint cimport int64_t, uint64_t, uint32_t, uint8_t
from cpython.buffer cimport Py_buffer

from hft.core.ring cimport RingView

cdef enum:
    BOARD_LAYOUT_VERSION = 1
    BOARD_RECORD_SIZE = 64          # one QuoteRecord
    BOARD_HEADER_SIZE = 128
    BOARD_LINE_SIZE = 128
    BOARD_PRODUCER_OFFSET = 128     # producer counters
    BOARD_CONSUMER_OFFSET = 256     # consumer counters
    BOARD_NOTIFY_PROD_OFFSET = 384  # notification ring: write position, cached read position
    BOARD_NOTIFY_CONS_OFFSET = 512  # notification ring: read position, cached write position
    BOARD_NOTIFY_OFFSET = 640       # notification ring slots: int64 slot indices
    BOARD_SLOT_SIZE = 128           # per symbol: 64 bytes of state, then the record
    BOARD_SLOT_RECORD_OFFSET = 64
    BOARD_MAX_SLOTS = 1 << 20

# publish status codes; conflate.pyx PUBLISH_ERRORS maps each to its text
cpdef enum BoardStatus:
    BOARD_OK = 0
    BOARD_FULL = 1                  # a new symbol and every slot is taken
    BOARD_BAD_RECORD = 2            # Python face only: the record is not a valid quote

ctypedef struct BoardHeader:        # 128 bytes at offset 0, docs/feed.md#header
    uint64_t magic                  # 0   BOARD_MAGIC, written last by the creator (release)
    uint32_t version                # 8   BOARD_LAYOUT_VERSION
    uint32_t record_size            # 12  BOARD_RECORD_SIZE
    int64_t n_slots                 # 16  symbols the board holds, 1..BOARD_MAX_SLOTS
    int64_t notify_capacity         # 24  ring slots: the power of two >= n_slots
    int64_t table_size              # 32  symbol table entries: the power of two >= 2 n_slots
    int64_t table_offset            # 40  byte offset of the symbol table
    int64_t slots_offset            # 48  byte offset of slot 0 (a multiple of 128)
    int64_t total_size              # 56  bytes of the whole region
    uint8_t reserved[64]            # 64  zero

ctypedef struct BoardSlot:          # 128 bytes per symbol, docs/feed.md#slots
    int64_t seq                     # 0   seqlock: odd while the producer writes; writes = seq / 2
    int64_t pending                 # 8   > 0 while a notification for this slot is queued
    int64_t reads                   # 16  consumer: records delivered from this slot
    int64_t read_version            # 24  consumer: version (seq / 2) of the last delivered record
    int64_t conflated               # 32  consumer: versions overwritten before being read
    int64_t instrument_id           # 40  producer, set once when the slot is claimed
    uint8_t reserved[16]            # 48  zero
    uint8_t record[64]              # 64  the latest quote record

ctypedef struct BoardView:          # process-local pointers into a region; fixed after setup
    BoardHeader *header
    int64_t *prod                   # [0] writes, [1] symbols claimed, [2] refused (board full)
    int64_t *cons                   # [0] reads, [1] conflated, [2] polls, [3] duplicates skipped
    RingView notify                 # SPSC ring of int64 slot indices
    int64_t *table                  # open addressing: 0 empty, else (slot + 1) << 32 | id
    BoardSlot *slots
    int64_t n_slots
    int64_t table_mask

# Publish one 64-byte quote record into its symbol's slot (producer only): BOARD_OK, or
# BOARD_FULL when the symbol is new and every slot is taken. Never blocks, never fails
# otherwise: the ring holds one entry per slot at most, so it cannot fill up.
cdef int board_publish(BoardView *b, const void *record) noexcept nogil
# Publish n packed records in order; return how many were published (stop at the first
# BOARD_FULL and store it in *status, else BOARD_OK).
cdef int64_t board_publish_batch(BoardView *b, const void *records, int64_t n,
                                 int *status) noexcept nogil
# Copy the latest record of each symbol updated since its last delivery into out (at most
# max_n records, each symbol once) and return the count (consumer only).
cdef int64_t board_poll(BoardView *b, void *out, int64_t max_n) noexcept nogil
# Copy a consistent snapshot of slot i's record into out; return its version (0: never written).
cdef int64_t board_read_slot(BoardView *b, int64_t i, void *out) noexcept nogil
# Return the slot of an instrument id, or -1 when the board has not seen it.
cdef int64_t board_find(BoardView *b, uint32_t instrument_id) noexcept nogil


@cython.final
cdef class QuoteBoard:
    cdef BoardView view
    cdef uint8_t *region            # the header; NULL once closed
    cdef void *owned                # PyMem_Malloc block of an owned board, else NULL
    cdef Py_buffer shm_view
    cdef bint has_shm_view
    cdef readonly object shm        # multiprocessing.shared_memory.SharedMemory, or None

    cdef int _setup(self, uint8_t *region, int64_t n_slots, bint initialise) except -1
    cdef int _check_open(self) except -1
    cdef int _adopt(self, shm, int64_t n_slots, bint initialise) except -1
