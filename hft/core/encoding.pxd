# Fixed-size binary records; byte layouts in docs/encoding.md (keep both in step).
# Little-endian on the wire; the structs are laid out so that on a little-endian host the
# struct *is* the wire form (no padding: every field sits at a multiple of its size).
from libc.stdint cimport int64_t, uint64_t, uint32_t, uint16_t, uint8_t

cdef enum:
    ENCODING_VERSION = 1
    ORDER_SIZE = 128
    QUOTE_SIZE = 64
    TRADE_SIZE = 64
    BOOK_DELTA_SIZE = 64

cpdef enum RecordType:
    RECORD_ORDER = 1
    RECORD_QUOTE = 2
    RECORD_TRADE = 3
    RECORD_BOOK_DELTA = 4

cpdef enum Side:
    SIDE_NONE = 0      # trades only: aggressor unknown; never valid on an order
    SIDE_BUY = 1
    SIDE_SELL = 2

cpdef enum OrderType:
    ORDER_TYPE_MARKET = 1
    ORDER_TYPE_LIMIT = 2
    ORDER_TYPE_STOP_MARKET = 3
    ORDER_TYPE_STOP_LIMIT = 4

cpdef enum TimeInForce:
    TIF_GTC = 1
    TIF_IOC = 2
    TIF_FOK = 3
    TIF_GTD = 4
    TIF_DAY = 5

cpdef enum OrderFlag:
    FLAG_POST_ONLY = 1
    FLAG_REDUCE_ONLY = 2

cpdef enum BookDeltaAction:       # values equal hft.model.data BookAction
    DELTA_ADD = 1                 # a new level; size is its size
    DELTA_UPDATE = 2              # an existing level's new absolute size
    DELTA_DELETE = 3              # remove the level; size 0
    DELTA_CLEAR = 4               # empty one side (side BUY/SELL) or the book (side NONE)

cpdef enum BookDeltaFlag:
    DELTA_SNAPSHOT_BEGIN = 1      # first record of a snapshot (usually its CLEAR)
    DELTA_SNAPSHOT_END = 2        # last record of a snapshot: the book is whole again

cdef enum:
    ORDER_FLAGS_MASK = 3
    DELTA_FLAGS_MASK = 3
    MAX_PRECISION = 18

ctypedef struct OrderRecord:      # 128 bytes, docs/encoding.md#order-record
    uint8_t version               # 0
    uint8_t record_type           # 1   RECORD_ORDER
    uint8_t side                  # 2   Side (BUY/SELL)
    uint8_t order_type            # 3   OrderType
    uint8_t time_in_force         # 4   TimeInForce
    uint8_t flags                 # 5   OrderFlag bits
    uint8_t price_precision       # 6
    uint8_t size_precision        # 7
    uint32_t instrument_id        # 8
    uint32_t strategy_id          # 12
    uint64_t client_order_id      # 16
    uint64_t venue_order_id       # 24  0 = not yet known
    int64_t price                 # 32  fixed-point, price_precision; 0 for market/stop-market
    int64_t trigger_price         # 40  fixed-point; stop orders only, else 0
    int64_t quantity              # 48  fixed-point, size_precision; > 0
    int64_t ts_init               # 56  ns since epoch
    int64_t ts_expire             # 64  ns; GTD only, else 0
    uint32_t trader_id            # 72
    uint32_t reserved0            # 76  zero
    uint8_t reserved[48]          # 80..127 zero

ctypedef struct QuoteRecord:      # 64 bytes, docs/encoding.md#quote-record
    uint8_t version               # 0
    uint8_t record_type           # 1   RECORD_QUOTE
    uint8_t price_precision       # 2
    uint8_t size_precision        # 3
    uint32_t instrument_id        # 4
    int64_t ts_event              # 8
    int64_t ts_init               # 16
    int64_t bid_price             # 24
    int64_t ask_price             # 32
    int64_t bid_size              # 40
    int64_t ask_size              # 48
    uint64_t sequence             # 56

ctypedef struct TradeRecord:      # 64 bytes, docs/encoding.md#trade-record
    uint8_t version               # 0
    uint8_t record_type           # 1   RECORD_TRADE
    uint8_t price_precision       # 2
    uint8_t size_precision        # 3
    uint32_t instrument_id        # 4
    int64_t ts_event              # 8
    int64_t ts_init               # 16
    int64_t price                 # 24
    int64_t size                  # 32
    uint8_t aggressor_side        # 40  Side (NONE/BUY/SELL)
    uint8_t reserved[7]           # 41..47 zero
    uint64_t trade_id             # 48
    uint64_t sequence             # 56

ctypedef struct BookDeltaRecord:  # 64 bytes, docs/encoding.md#book-delta-record
    uint8_t version               # 0
    uint8_t record_type           # 1   RECORD_BOOK_DELTA
    uint8_t price_precision       # 2
    uint8_t size_precision        # 3
    uint32_t instrument_id        # 4
    int64_t ts_event              # 8
    int64_t ts_init               # 16
    int64_t price                 # 24  0 on CLEAR
    int64_t size                  # 32  new absolute level size; 0 on DELETE and CLEAR
    uint64_t sequence             # 40
    uint8_t action                # 48  BookDeltaAction
    uint8_t side                  # 49  Side: BUY = bid level, SELL = ask level; NONE on CLEAR
    uint8_t flags                 # 50  BookDeltaFlag bits
    uint8_t reserved[13]          # 51..63 zero

# Decode/validate status codes; encoding.pyx DECODE_ERRORS maps each to (field, expected) and
# docs/encoding.md#decode-errors lists them. Append new codes at the end: codes are stable.
cpdef enum DecodeStatus:
    DECODE_OK = 0
    DECODE_BAD_LENGTH = 1
    DECODE_BAD_VERSION = 2
    DECODE_BAD_RECORD_TYPE = 3
    DECODE_BAD_SIDE = 4
    DECODE_BAD_ORDER_TYPE = 5
    DECODE_BAD_TIME_IN_FORCE = 6
    DECODE_BAD_FLAGS = 7
    DECODE_BAD_PRICE_PRECISION = 8
    DECODE_BAD_SIZE_PRECISION = 9
    DECODE_BAD_QUANTITY = 10
    DECODE_BAD_PRICE = 11
    DECODE_BAD_TRIGGER_PRICE = 12
    DECODE_BAD_EXPIRE = 13
    DECODE_BAD_RESERVED = 14
    DECODE_BAD_AGGRESSOR_SIDE = 15
    DECODE_BAD_SIZE = 16
    DECODE_BAD_POST_ONLY = 17
    DECODE_BAD_BID_SIZE = 18
    DECODE_BAD_ASK_SIZE = 19
    DECODE_BAD_ACTION = 20
    DECODE_BAD_DELTA_FLAGS = 21
    DECODE_BAD_LEVEL_SIZE = 22
    DECODE_BAD_CLEAR_PRICE = 23
    DECODE_BAD_DELTA_SIDE = 24

# C level: never raise, return a DecodeStatus. *_encode = *_validate + 64/128-byte copy to `out`
# (nothing written unless valid). *_decode copies exactly ORDER_SIZE/QUOTE_SIZE/TRADE_SIZE bytes
# into `out` (so a caller can report the bad value) and validates; `n` must equal the size.
cdef int order_validate(const OrderRecord *rec) noexcept nogil
cdef int quote_validate(const QuoteRecord *rec) noexcept nogil
cdef int trade_validate(const TradeRecord *rec) noexcept nogil
cdef int book_delta_validate(const BookDeltaRecord *rec) noexcept nogil
cdef int order_encode(const OrderRecord *rec, uint8_t *out) noexcept nogil
cdef int quote_encode(const QuoteRecord *rec, uint8_t *out) noexcept nogil
cdef int trade_encode(const TradeRecord *rec, uint8_t *out) noexcept nogil
cdef int book_delta_encode(const BookDeltaRecord *rec, uint8_t *out) noexcept nogil
cdef int order_decode(const uint8_t *buf, Py_ssize_t n, OrderRecord *out) noexcept nogil
cdef int quote_decode(const uint8_t *buf, Py_ssize_t n, QuoteRecord *out) noexcept nogil
cdef int trade_decode(const uint8_t *buf, Py_ssize_t n, TradeRecord *out) noexcept nogil
cdef int book_delta_decode(const uint8_t *buf, Py_ssize_t n, BookDeltaRecord *out) noexcept nogil
# Validate `count` packed records of one type in place; return the first bad status and store
# its index in *bad_index (-1 when every record is valid). Unknown record_type: DECODE_BAD_RECORD_TYPE.
cdef int records_validate(const uint8_t *buf, Py_ssize_t count, int record_type,
                          Py_ssize_t *bad_index) noexcept nogil


cdef inline int record_type_peek(const uint8_t *buf, Py_ssize_t n) noexcept nogil:
    """Return the record_type byte of a record, or -1 when fewer than 2 bytes are given."""
    return buf[1] if n >= 2 else -1


cdef class OrderMsg:
    cdef OrderRecord rec

cdef class QuoteMsg:
    cdef QuoteRecord rec

cdef class TradeMsg:
    cdef TradeRecord rec

cdef class BookDeltaMsg:
    cdef BookDeltaRecord rec
