# cython: boundscheck=False, wraparound=False
"""Encode and decode the fixed-size binary records: order (128 B), quote, trade, book delta (64 B).

The wire form is little-endian and, on a little-endian host, byte-identical to the C structs in
encoding.pxd, so encoding is validate + copy and decoding is copy + validate. Every decoder checks
the length and every enum, flag, precision and reserved byte before trusting a record. Layouts,
enum tables, versioning and the error table: docs/encoding.md.
"""

import sys as _sys

cimport cython
from cpython.buffer cimport PyBUF_SIMPLE, PyBUF_WRITABLE, PyBuffer_Release, PyObject_GetBuffer
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from libc.stdint cimport int64_t, uint8_t, uint32_t, uint64_t
from libc.string cimport memcpy, memset

import numpy as np

if _sys.byteorder != "little":
    raise ImportError(
        "hft.core.encoding needs a little-endian host: its records are the C structs as laid out "
        f"in memory, and this host is {_sys.byteorder}-endian"
    )
if sizeof(OrderRecord) != ORDER_SIZE or sizeof(QuoteRecord) != QUOTE_SIZE \
        or sizeof(TradeRecord) != TRADE_SIZE or sizeof(BookDeltaRecord) != BOOK_DELTA_SIZE:
    raise ImportError("hft.core.encoding: the compiler padded a record struct; layouts are broken")

# cpdef enums declared in a .pxd surface only as classes; export their members by name too
for _enum in (RecordType, Side, OrderType, TimeInForce, OrderFlag, BookDeltaAction,
              BookDeltaFlag, DecodeStatus):
    globals().update(_enum.__members__)
del _enum

VERSION = ENCODING_VERSION
ORDER_RECORD_SIZE = ORDER_SIZE
QUOTE_RECORD_SIZE = QUOTE_SIZE
TRADE_RECORD_SIZE = TRADE_SIZE
BOOK_DELTA_RECORD_SIZE = BOOK_DELTA_SIZE
MAX_PRICE_PRECISION = MAX_PRECISION
ORDER_FLAGS = ORDER_FLAGS_MASK
DELTA_FLAGS = DELTA_FLAGS_MASK

_SIDE_TEXT = "1 (BUY) or 2 (SELL)"
_PRICE_PRECISION_TEXT = f"0..{MAX_PRECISION}"

# code -> (field name, what was expected); docs/encoding.md#decode-errors mirrors this table.
DECODE_ERRORS = {
    DECODE_OK: ("", "nothing: the record is valid"),
    DECODE_BAD_LENGTH: ("length", f"{ORDER_SIZE} bytes for an order, {QUOTE_SIZE} for a quote, "
                                  f"a trade or a book delta"),
    DECODE_BAD_VERSION: ("version", f"{ENCODING_VERSION}"),
    DECODE_BAD_RECORD_TYPE: ("record_type", "the decoder's own type: 1 (ORDER), 2 (QUOTE), "
                                            "3 (TRADE) or 4 (BOOK_DELTA)"),
    DECODE_BAD_SIDE: ("side", _SIDE_TEXT),
    DECODE_BAD_ORDER_TYPE: ("order_type", "1 (MARKET), 2 (LIMIT), 3 (STOP_MARKET) "
                                          "or 4 (STOP_LIMIT)"),
    DECODE_BAD_TIME_IN_FORCE: ("time_in_force", "1 (GTC), 2 (IOC), 3 (FOK), 4 (GTD) or 5 (DAY)"),
    DECODE_BAD_FLAGS: ("flags", "only bits 1 (POST_ONLY) and 2 (REDUCE_ONLY)"),
    DECODE_BAD_PRICE_PRECISION: ("price_precision", _PRICE_PRECISION_TEXT),
    DECODE_BAD_SIZE_PRECISION: ("size_precision", _PRICE_PRECISION_TEXT),
    DECODE_BAD_QUANTITY: ("quantity", "> 0"),
    DECODE_BAD_PRICE: ("price", "> 0 for LIMIT and STOP_LIMIT, 0 for MARKET and STOP_MARKET"),
    DECODE_BAD_TRIGGER_PRICE: ("trigger_price", "> 0 for STOP_MARKET and STOP_LIMIT, "
                                                "0 otherwise"),
    DECODE_BAD_EXPIRE: ("ts_expire", "> 0 for GTD, 0 otherwise"),
    DECODE_BAD_RESERVED: ("reserved", "all reserved bytes zero"),
    DECODE_BAD_AGGRESSOR_SIDE: ("aggressor_side", "0 (NONE), 1 (BUY) or 2 (SELL)"),
    DECODE_BAD_SIZE: ("size", "> 0"),
    DECODE_BAD_POST_ONLY: ("flags", "POST_ONLY (bit 1) only on a LIMIT order"),
    DECODE_BAD_BID_SIZE: ("bid_size", ">= 0"),
    DECODE_BAD_ASK_SIZE: ("ask_size", ">= 0"),
    DECODE_BAD_ACTION: ("action", "1 (ADD), 2 (UPDATE), 3 (DELETE) or 4 (CLEAR)"),
    DECODE_BAD_DELTA_FLAGS: ("flags", "only bits 1 (SNAPSHOT_BEGIN) and 2 (SNAPSHOT_END)"),
    DECODE_BAD_LEVEL_SIZE: ("size", "> 0 on ADD and UPDATE, 0 on DELETE and CLEAR"),
    DECODE_BAD_CLEAR_PRICE: ("price", "0 on CLEAR"),
    DECODE_BAD_DELTA_SIDE: ("side", "1 (BUY, bid) or 2 (SELL, ask) on ADD, UPDATE and DELETE; "
                                    "0 (NONE, both), 1 or 2 on CLEAR"),
}


# ---------------------------------------------------------------------------------------------
# C level
# ---------------------------------------------------------------------------------------------

cdef inline bint _bytes_zero(const uint8_t *p, Py_ssize_t n) noexcept nogil:
    # OR 8-byte words together (n is a multiple of 8 here): one branch instead of n
    cdef uint64_t acc = 0, word
    cdef Py_ssize_t i
    for i in range(0, n, 8):
        memcpy(&word, p + i, 8)
        acc |= word
    return acc == 0


cdef int order_validate(const OrderRecord *rec) noexcept nogil:
    if rec.version != ENCODING_VERSION:
        return DECODE_BAD_VERSION
    if rec.record_type != RECORD_ORDER:
        return DECODE_BAD_RECORD_TYPE
    if rec.side != SIDE_BUY and rec.side != SIDE_SELL:
        return DECODE_BAD_SIDE
    if rec.order_type < ORDER_TYPE_MARKET or rec.order_type > ORDER_TYPE_STOP_LIMIT:
        return DECODE_BAD_ORDER_TYPE
    if rec.time_in_force < TIF_GTC or rec.time_in_force > TIF_DAY:
        return DECODE_BAD_TIME_IN_FORCE
    if rec.flags & ~ORDER_FLAGS_MASK:
        return DECODE_BAD_FLAGS
    if rec.price_precision > MAX_PRECISION:
        return DECODE_BAD_PRICE_PRECISION
    if rec.size_precision > MAX_PRECISION:
        return DECODE_BAD_SIZE_PRECISION
    if rec.quantity <= 0:
        return DECODE_BAD_QUANTITY
    if rec.order_type == ORDER_TYPE_LIMIT or rec.order_type == ORDER_TYPE_STOP_LIMIT:
        if rec.price <= 0:
            return DECODE_BAD_PRICE
    elif rec.price != 0:
        return DECODE_BAD_PRICE
    if rec.order_type == ORDER_TYPE_STOP_MARKET or rec.order_type == ORDER_TYPE_STOP_LIMIT:
        if rec.trigger_price <= 0:
            return DECODE_BAD_TRIGGER_PRICE
    elif rec.trigger_price != 0:
        return DECODE_BAD_TRIGGER_PRICE
    if rec.time_in_force == TIF_GTD:
        if rec.ts_expire <= 0:
            return DECODE_BAD_EXPIRE
    elif rec.ts_expire != 0:
        return DECODE_BAD_EXPIRE
    if (rec.flags & FLAG_POST_ONLY) and rec.order_type != ORDER_TYPE_LIMIT:
        return DECODE_BAD_POST_ONLY
    if rec.reserved0 != 0 or not _bytes_zero(rec.reserved, 48):
        return DECODE_BAD_RESERVED
    return DECODE_OK


cdef int quote_validate(const QuoteRecord *rec) noexcept nogil:
    if rec.version != ENCODING_VERSION:
        return DECODE_BAD_VERSION
    if rec.record_type != RECORD_QUOTE:
        return DECODE_BAD_RECORD_TYPE
    if rec.price_precision > MAX_PRECISION:
        return DECODE_BAD_PRICE_PRECISION
    if rec.size_precision > MAX_PRECISION:
        return DECODE_BAD_SIZE_PRECISION
    # bid <= ask is not required: crossed or locked quotes are a data-policy question
    if rec.bid_size < 0:
        return DECODE_BAD_BID_SIZE
    if rec.ask_size < 0:
        return DECODE_BAD_ASK_SIZE
    return DECODE_OK


cdef int trade_validate(const TradeRecord *rec) noexcept nogil:
    if rec.version != ENCODING_VERSION:
        return DECODE_BAD_VERSION
    if rec.record_type != RECORD_TRADE:
        return DECODE_BAD_RECORD_TYPE
    if rec.price_precision > MAX_PRECISION:
        return DECODE_BAD_PRICE_PRECISION
    if rec.size_precision > MAX_PRECISION:
        return DECODE_BAD_SIZE_PRECISION
    if rec.size <= 0:
        return DECODE_BAD_SIZE
    if rec.aggressor_side > SIDE_SELL:
        return DECODE_BAD_AGGRESSOR_SIDE
    # 7 reserved bytes: check the aligned word at 40 with the aggressor byte masked out
    cdef uint64_t word
    memcpy(&word, &rec.aggressor_side, 8)
    if word >> 8:
        return DECODE_BAD_RESERVED
    return DECODE_OK


cdef int book_delta_validate(const BookDeltaRecord *rec) noexcept nogil:
    if rec.version != ENCODING_VERSION:
        return DECODE_BAD_VERSION
    if rec.record_type != RECORD_BOOK_DELTA:
        return DECODE_BAD_RECORD_TYPE
    if rec.price_precision > MAX_PRECISION:
        return DECODE_BAD_PRICE_PRECISION
    if rec.size_precision > MAX_PRECISION:
        return DECODE_BAD_SIZE_PRECISION
    if rec.action < DELTA_ADD or rec.action > DELTA_CLEAR:
        return DECODE_BAD_ACTION
    if rec.action == DELTA_CLEAR:
        if rec.side > SIDE_SELL:
            return DECODE_BAD_DELTA_SIDE
        if rec.price != 0:
            return DECODE_BAD_CLEAR_PRICE
        if rec.size != 0:
            return DECODE_BAD_LEVEL_SIZE
    else:
        # any price is a level (spreads and some futures trade at or below zero)
        if rec.side != SIDE_BUY and rec.side != SIDE_SELL:
            return DECODE_BAD_DELTA_SIDE
        if (rec.size != 0) if rec.action == DELTA_DELETE else (rec.size <= 0):
            return DECODE_BAD_LEVEL_SIZE
    if rec.flags & ~DELTA_FLAGS_MASK:
        return DECODE_BAD_DELTA_FLAGS
    # 13 reserved bytes: the word at 48 with action, side and flags masked out, and the word at 56
    cdef uint64_t lo, hi
    memcpy(&lo, &rec.action, 8)
    memcpy(&hi, &rec.reserved[5], 8)
    if (lo >> 24) | hi:
        return DECODE_BAD_RESERVED
    return DECODE_OK


cdef inline bint _order_fields_ok(const OrderRecord *rec) noexcept nogil:
    # order_validate's field rules as one OR of comparisons with no early exit, for batch loops
    # that set version, record_type and reserved bytes themselves: one branch per record
    # instead of twenty. On False, order_validate names the rule that failed.
    cdef uint8_t ot = rec.order_type
    cdef bint priced = ot == ORDER_TYPE_LIMIT or ot == ORDER_TYPE_STOP_LIMIT
    cdef bint stop = ot == ORDER_TYPE_STOP_MARKET or ot == ORDER_TYPE_STOP_LIMIT
    cdef bint gtd = rec.time_in_force == TIF_GTD
    cdef bint bad = (
        (<uint8_t>(rec.side - SIDE_BUY) > 1)
        | (<uint8_t>(ot - ORDER_TYPE_MARKET) > 3)
        | (<uint8_t>(rec.time_in_force - TIF_GTC) > 4)
        | ((rec.flags & ~ORDER_FLAGS_MASK) != 0)
        | (rec.price_precision > MAX_PRECISION)
        | (rec.size_precision > MAX_PRECISION)
        | (rec.quantity <= 0)
        | ((rec.price <= 0) if priced else (rec.price != 0))
        | ((rec.trigger_price <= 0) if stop else (rec.trigger_price != 0))
        | ((rec.ts_expire <= 0) if gtd else (rec.ts_expire != 0))
        | (((rec.flags & FLAG_POST_ONLY) != 0) & (ot != ORDER_TYPE_LIMIT))
    )
    return not bad


cdef int order_encode(const OrderRecord *rec, uint8_t *out) noexcept nogil:
    cdef int status = order_validate(rec)
    if status == DECODE_OK:
        memcpy(out, rec, ORDER_SIZE)
    return status


cdef int quote_encode(const QuoteRecord *rec, uint8_t *out) noexcept nogil:
    cdef int status = quote_validate(rec)
    if status == DECODE_OK:
        memcpy(out, rec, QUOTE_SIZE)
    return status


cdef int trade_encode(const TradeRecord *rec, uint8_t *out) noexcept nogil:
    cdef int status = trade_validate(rec)
    if status == DECODE_OK:
        memcpy(out, rec, TRADE_SIZE)
    return status


cdef int book_delta_encode(const BookDeltaRecord *rec, uint8_t *out) noexcept nogil:
    cdef int status = book_delta_validate(rec)
    if status == DECODE_OK:
        memcpy(out, rec, BOOK_DELTA_SIZE)
    return status


cdef int order_decode(const uint8_t *buf, Py_ssize_t n, OrderRecord *out) noexcept nogil:
    if n != ORDER_SIZE:
        return DECODE_BAD_LENGTH
    memcpy(out, buf, ORDER_SIZE)
    return order_validate(out)


cdef int quote_decode(const uint8_t *buf, Py_ssize_t n, QuoteRecord *out) noexcept nogil:
    if n != QUOTE_SIZE:
        return DECODE_BAD_LENGTH
    memcpy(out, buf, QUOTE_SIZE)
    return quote_validate(out)


cdef int trade_decode(const uint8_t *buf, Py_ssize_t n, TradeRecord *out) noexcept nogil:
    if n != TRADE_SIZE:
        return DECODE_BAD_LENGTH
    memcpy(out, buf, TRADE_SIZE)
    return trade_validate(out)


cdef int book_delta_decode(const uint8_t *buf, Py_ssize_t n, BookDeltaRecord *out) noexcept nogil:
    if n != BOOK_DELTA_SIZE:
        return DECODE_BAD_LENGTH
    memcpy(out, buf, BOOK_DELTA_SIZE)
    return book_delta_validate(out)


cdef int records_validate(const uint8_t *buf, Py_ssize_t count, int record_type,
                          Py_ssize_t *bad_index) noexcept nogil:
    # copy each record to an aligned local first: `buf` may be any byte offset
    cdef OrderRecord order
    cdef QuoteRecord quote
    cdef TradeRecord trade
    cdef BookDeltaRecord delta
    cdef Py_ssize_t i
    cdef int status = DECODE_OK
    bad_index[0] = -1
    if record_type == RECORD_ORDER:
        for i in range(count):
            memcpy(&order, buf + i * ORDER_SIZE, ORDER_SIZE)
            status = order_validate(&order)
            if status != DECODE_OK:
                bad_index[0] = i
                return status
    elif record_type == RECORD_QUOTE:
        for i in range(count):
            memcpy(&quote, buf + i * QUOTE_SIZE, QUOTE_SIZE)
            status = quote_validate(&quote)
            if status != DECODE_OK:
                bad_index[0] = i
                return status
    elif record_type == RECORD_TRADE:
        for i in range(count):
            memcpy(&trade, buf + i * TRADE_SIZE, TRADE_SIZE)
            status = trade_validate(&trade)
            if status != DECODE_OK:
                bad_index[0] = i
                return status
    elif record_type == RECORD_BOOK_DELTA:
        for i in range(count):
            memcpy(&delta, buf + i * BOOK_DELTA_SIZE, BOOK_DELTA_SIZE)
            status = book_delta_validate(&delta)
            if status != DECODE_OK:
                bad_index[0] = i
                return status
    else:
        return DECODE_BAD_RECORD_TYPE
    return DECODE_OK


# ---------------------------------------------------------------------------------------------
# Python face: error text
# ---------------------------------------------------------------------------------------------

cdef str _invalid_text(str kind, int status, object got):
    field, expected = DECODE_ERRORS[status]
    return f"{kind} record: field '{field}' is invalid: got {got}, expected {expected}"


cdef object _bad_value(object msg, int status, bytes raw):
    # the offending value, read back from the record that failed
    if status == DECODE_BAD_RESERVED:
        return "non-zero bytes " + raw.hex()
    field = DECODE_ERRORS[status][0]
    return getattr(msg, field)


cdef object _order_error(const OrderRecord *rec, int status):
    msg = OrderMsg.__new__(OrderMsg)
    (<OrderMsg>msg).rec = rec[0]
    raw = PyBytes_FromStringAndSize(<const char *>rec, ORDER_SIZE)
    got = _bad_value(msg, status, raw[76:])
    if status == DECODE_BAD_POST_ONLY:
        got = f"{rec.flags} on order_type {rec.order_type}"
    elif status == DECODE_BAD_PRICE or status == DECODE_BAD_TRIGGER_PRICE:
        got = f"{got} on order_type {rec.order_type}"
    elif status == DECODE_BAD_EXPIRE:
        got = f"{got} on time_in_force {rec.time_in_force}"
    return ValueError(_invalid_text("order", status, got))


cdef object _quote_error(const QuoteRecord *rec, int status):
    msg = QuoteMsg.__new__(QuoteMsg)
    (<QuoteMsg>msg).rec = rec[0]
    return ValueError(_invalid_text("quote", status, _bad_value(msg, status, b"")))


cdef object _trade_error(const TradeRecord *rec, int status):
    msg = TradeMsg.__new__(TradeMsg)
    (<TradeMsg>msg).rec = rec[0]
    raw = PyBytes_FromStringAndSize(<const char *>rec, TRADE_SIZE)
    return ValueError(_invalid_text("trade", status, _bad_value(msg, status, raw[41:48])))


cdef object _book_delta_error(const BookDeltaRecord *rec, int status):
    msg = BookDeltaMsg.__new__(BookDeltaMsg)
    (<BookDeltaMsg>msg).rec = rec[0]
    raw = PyBytes_FromStringAndSize(<const char *>rec, BOOK_DELTA_SIZE)
    got = _bad_value(msg, status, raw[51:])
    if status == DECODE_BAD_LEVEL_SIZE or status == DECODE_BAD_DELTA_SIDE \
            or status == DECODE_BAD_CLEAR_PRICE:
        got = f"{got} on action {rec.action}"
    return ValueError(_invalid_text("book_delta", status, got))


cdef inline object _length_error(str kind, Py_ssize_t n, Py_ssize_t size):
    return ValueError(f"{kind} record: {n} bytes, expected {size}")


cdef object _record_error(int record_type, const void *rec, int status):
    if record_type == RECORD_ORDER:
        return _order_error(<const OrderRecord *>rec, status)
    if record_type == RECORD_QUOTE:
        return _quote_error(<const QuoteRecord *>rec, status)
    if record_type == RECORD_BOOK_DELTA:
        return _book_delta_error(<const BookDeltaRecord *>rec, status)
    return _trade_error(<const TradeRecord *>rec, status)


cdef inline int _check_record(int record_type, const void *rec) except -1:
    # the Python face of *_validate for one record: raise the named ValueError, or return 0
    cdef int status
    if record_type == RECORD_ORDER:
        status = order_validate(<const OrderRecord *>rec)
    elif record_type == RECORD_QUOTE:
        status = quote_validate(<const QuoteRecord *>rec)
    elif record_type == RECORD_BOOK_DELTA:
        status = book_delta_validate(<const BookDeltaRecord *>rec)
    else:
        status = trade_validate(<const TradeRecord *>rec)
    if status != DECODE_OK:
        raise _record_error(record_type, rec, status)
    return 0


cdef inline int _decode_raw(const uint8_t *buf, Py_ssize_t n, int record_type,
                            void *out) noexcept nogil:
    if record_type == RECORD_ORDER:
        return order_decode(buf, n, <OrderRecord *>out)
    if record_type == RECORD_QUOTE:
        return quote_decode(buf, n, <QuoteRecord *>out)
    if record_type == RECORD_BOOK_DELTA:
        return book_delta_decode(buf, n, <BookDeltaRecord *>out)
    return trade_decode(buf, n, <TradeRecord *>out)


cdef inline int _decode_into(object buf, int record_type, void *out) except -1:
    # the Python face of *_decode for one record: raise the named ValueError, or return 0
    cdef Py_buffer view
    cdef int status
    cdef Py_ssize_t n
    # bytes is the common case and needs no buffer export; anything else must be contiguous
    if type(buf) is bytes:
        n = PyBytes_GET_SIZE(buf)
        status = _decode_raw(<const uint8_t *>PyBytes_AS_STRING(buf), n, record_type, out)
    else:
        PyObject_GetBuffer(buf, &view, PyBUF_SIMPLE)
        n = view.len
        status = _decode_raw(<const uint8_t *>view.buf, n, record_type, out)
        PyBuffer_Release(&view)
    if status != DECODE_OK:
        if status == DECODE_BAD_LENGTH:
            raise _length_error(_KINDS[record_type], n, _SIZES[record_type])
        raise _record_error(record_type, out, status)
    return 0


# ---------------------------------------------------------------------------------------------
# Python face: message classes
# ---------------------------------------------------------------------------------------------

@cython.final
@cython.freelist(64)
cdef class OrderMsg:
    """Hold one order record; build with keywords, encode with `encode_order`.

    Fields are read-only after construction. The constructor checks only that each value fits
    its C type (OverflowError otherwise); the record rules are checked by `encode_order`,
    `validate()` and every decoder.
    """

    def __init__(self, *, uint8_t side=SIDE_BUY, uint8_t order_type=ORDER_TYPE_LIMIT,
                 uint8_t time_in_force=TIF_GTC, uint8_t flags=0, uint8_t price_precision=0,
                 uint8_t size_precision=0, uint32_t instrument_id=0, uint32_t strategy_id=0,
                 uint64_t client_order_id=0, uint64_t venue_order_id=0, int64_t price=0,
                 int64_t trigger_price=0, int64_t quantity=0, int64_t ts_init=0,
                 int64_t ts_expire=0, uint32_t trader_id=0):
        memset(&self.rec, 0, ORDER_SIZE)
        self.rec.version = ENCODING_VERSION
        self.rec.record_type = RECORD_ORDER
        self.rec.side = side
        self.rec.order_type = order_type
        self.rec.time_in_force = time_in_force
        self.rec.flags = flags
        self.rec.price_precision = price_precision
        self.rec.size_precision = size_precision
        self.rec.instrument_id = instrument_id
        self.rec.strategy_id = strategy_id
        self.rec.client_order_id = client_order_id
        self.rec.venue_order_id = venue_order_id
        self.rec.price = price
        self.rec.trigger_price = trigger_price
        self.rec.quantity = quantity
        self.rec.ts_init = ts_init
        self.rec.ts_expire = ts_expire
        self.rec.trader_id = trader_id

    @property
    def version(self) -> int:
        return self.rec.version

    @property
    def record_type(self) -> int:
        return self.rec.record_type

    @property
    def side(self) -> int:
        return self.rec.side

    @property
    def order_type(self) -> int:
        return self.rec.order_type

    @property
    def time_in_force(self) -> int:
        return self.rec.time_in_force

    @property
    def flags(self) -> int:
        return self.rec.flags

    @property
    def price_precision(self) -> int:
        return self.rec.price_precision

    @property
    def size_precision(self) -> int:
        return self.rec.size_precision

    @property
    def instrument_id(self) -> int:
        return self.rec.instrument_id

    @property
    def strategy_id(self) -> int:
        return self.rec.strategy_id

    @property
    def client_order_id(self) -> int:
        return self.rec.client_order_id

    @property
    def venue_order_id(self) -> int:
        return self.rec.venue_order_id

    @property
    def price(self) -> int:
        return self.rec.price

    @property
    def trigger_price(self) -> int:
        return self.rec.trigger_price

    @property
    def quantity(self) -> int:
        return self.rec.quantity

    @property
    def ts_init(self) -> int:
        return self.rec.ts_init

    @property
    def ts_expire(self) -> int:
        return self.rec.ts_expire

    @property
    def trader_id(self) -> int:
        return self.rec.trader_id

    def validate(self) -> None:
        """Check the record rules; raise ValueError naming the first bad field."""
        _check_record(RECORD_ORDER, &self.rec)

    def to_dict(self) -> dict:
        """Return the constructor keywords as a dict (OrderMsg(**d) rebuilds the message)."""
        return {name: getattr(self, name) for name in _ORDER_FIELDS}

    def __eq__(self, other):
        if type(other) is not OrderMsg:
            return NotImplemented
        return memcmp_eq(&self.rec, &(<OrderMsg>other).rec, ORDER_SIZE)

    def __hash__(self):
        return hash(PyBytes_FromStringAndSize(<const char *>&self.rec, ORDER_SIZE))

    def __repr__(self) -> str:
        return "OrderMsg(" + ", ".join(f"{k}={v!r}" for k, v in self.to_dict().items()) + ")"


@cython.final
@cython.freelist(64)
cdef class QuoteMsg:
    """Hold one top-of-book quote record; build with keywords, encode with `encode_quote`.

    Fields are read-only after construction; sizes must be >= 0 when encoded. Crossed quotes
    (bid > ask) are valid records.
    """

    def __init__(self, *, uint8_t price_precision=0, uint8_t size_precision=0,
                 uint32_t instrument_id=0, int64_t ts_event=0, int64_t ts_init=0,
                 int64_t bid_price=0, int64_t ask_price=0, int64_t bid_size=0,
                 int64_t ask_size=0, uint64_t sequence=0):
        self.rec.version = ENCODING_VERSION
        self.rec.record_type = RECORD_QUOTE
        self.rec.price_precision = price_precision
        self.rec.size_precision = size_precision
        self.rec.instrument_id = instrument_id
        self.rec.ts_event = ts_event
        self.rec.ts_init = ts_init
        self.rec.bid_price = bid_price
        self.rec.ask_price = ask_price
        self.rec.bid_size = bid_size
        self.rec.ask_size = ask_size
        self.rec.sequence = sequence

    @property
    def version(self) -> int:
        return self.rec.version

    @property
    def record_type(self) -> int:
        return self.rec.record_type

    @property
    def price_precision(self) -> int:
        return self.rec.price_precision

    @property
    def size_precision(self) -> int:
        return self.rec.size_precision

    @property
    def instrument_id(self) -> int:
        return self.rec.instrument_id

    @property
    def ts_event(self) -> int:
        return self.rec.ts_event

    @property
    def ts_init(self) -> int:
        return self.rec.ts_init

    @property
    def bid_price(self) -> int:
        return self.rec.bid_price

    @property
    def ask_price(self) -> int:
        return self.rec.ask_price

    @property
    def bid_size(self) -> int:
        return self.rec.bid_size

    @property
    def ask_size(self) -> int:
        return self.rec.ask_size

    @property
    def sequence(self) -> int:
        return self.rec.sequence

    def validate(self) -> None:
        """Check the record rules; raise ValueError naming the first bad field."""
        _check_record(RECORD_QUOTE, &self.rec)

    def to_dict(self) -> dict:
        """Return the constructor keywords as a dict (QuoteMsg(**d) rebuilds the message)."""
        return {name: getattr(self, name) for name in _QUOTE_FIELDS}

    def __eq__(self, other):
        if type(other) is not QuoteMsg:
            return NotImplemented
        return memcmp_eq(&self.rec, &(<QuoteMsg>other).rec, QUOTE_SIZE)

    def __hash__(self):
        return hash(PyBytes_FromStringAndSize(<const char *>&self.rec, QUOTE_SIZE))

    def __repr__(self) -> str:
        return "QuoteMsg(" + ", ".join(f"{k}={v!r}" for k, v in self.to_dict().items()) + ")"


@cython.final
@cython.freelist(64)
cdef class TradeMsg:
    """Hold one trade print record; build with keywords, encode with `encode_trade`.

    Fields are read-only after construction; size must be > 0 when encoded, aggressor_side is
    0 (NONE, unknown), 1 (BUY) or 2 (SELL).
    """

    def __init__(self, *, uint8_t price_precision=0, uint8_t size_precision=0,
                 uint32_t instrument_id=0, int64_t ts_event=0, int64_t ts_init=0,
                 int64_t price=0, int64_t size=0, uint8_t aggressor_side=SIDE_NONE,
                 uint64_t trade_id=0, uint64_t sequence=0):
        memset(&self.rec, 0, TRADE_SIZE)
        self.rec.version = ENCODING_VERSION
        self.rec.record_type = RECORD_TRADE
        self.rec.price_precision = price_precision
        self.rec.size_precision = size_precision
        self.rec.instrument_id = instrument_id
        self.rec.ts_event = ts_event
        self.rec.ts_init = ts_init
        self.rec.price = price
        self.rec.size = size
        self.rec.aggressor_side = aggressor_side
        self.rec.trade_id = trade_id
        self.rec.sequence = sequence

    @property
    def version(self) -> int:
        return self.rec.version

    @property
    def record_type(self) -> int:
        return self.rec.record_type

    @property
    def price_precision(self) -> int:
        return self.rec.price_precision

    @property
    def size_precision(self) -> int:
        return self.rec.size_precision

    @property
    def instrument_id(self) -> int:
        return self.rec.instrument_id

    @property
    def ts_event(self) -> int:
        return self.rec.ts_event

    @property
    def ts_init(self) -> int:
        return self.rec.ts_init

    @property
    def price(self) -> int:
        return self.rec.price

    @property
    def size(self) -> int:
        return self.rec.size

    @property
    def aggressor_side(self) -> int:
        return self.rec.aggressor_side

    @property
    def trade_id(self) -> int:
        return self.rec.trade_id

    @property
    def sequence(self) -> int:
        return self.rec.sequence

    def validate(self) -> None:
        """Check the record rules; raise ValueError naming the first bad field."""
        _check_record(RECORD_TRADE, &self.rec)

    def to_dict(self) -> dict:
        """Return the constructor keywords as a dict (TradeMsg(**d) rebuilds the message)."""
        return {name: getattr(self, name) for name in _TRADE_FIELDS}

    def __eq__(self, other):
        if type(other) is not TradeMsg:
            return NotImplemented
        return memcmp_eq(&self.rec, &(<TradeMsg>other).rec, TRADE_SIZE)

    def __hash__(self):
        return hash(PyBytes_FromStringAndSize(<const char *>&self.rec, TRADE_SIZE))

    def __repr__(self) -> str:
        return "TradeMsg(" + ", ".join(f"{k}={v!r}" for k, v in self.to_dict().items()) + ")"


@cython.final
@cython.freelist(64)
cdef class BookDeltaMsg:
    """Hold one L2 book change record; build with keywords, encode with `encode_book_delta`.

    ADD / UPDATE set a level to `size` (> 0, absolute), DELETE removes it (size 0), CLEAR
    empties one side (side BUY/SELL) or the whole book (side NONE) with price and size 0.
    `flags` marks the first (SNAPSHOT_BEGIN) and last (SNAPSHOT_END) record of a snapshot.
    """

    def __init__(self, *, uint8_t price_precision=0, uint8_t size_precision=0,
                 uint32_t instrument_id=0, int64_t ts_event=0, int64_t ts_init=0,
                 int64_t price=0, int64_t size=0, uint64_t sequence=0,
                 uint8_t action=DELTA_UPDATE, uint8_t side=SIDE_BUY, uint8_t flags=0):
        memset(&self.rec, 0, BOOK_DELTA_SIZE)
        self.rec.version = ENCODING_VERSION
        self.rec.record_type = RECORD_BOOK_DELTA
        self.rec.price_precision = price_precision
        self.rec.size_precision = size_precision
        self.rec.instrument_id = instrument_id
        self.rec.ts_event = ts_event
        self.rec.ts_init = ts_init
        self.rec.price = price
        self.rec.size = size
        self.rec.sequence = sequence
        self.rec.action = action
        self.rec.side = side
        self.rec.flags = flags

    @property
    def version(self) -> int:
        return self.rec.version

    @property
    def record_type(self) -> int:
        return self.rec.record_type

    @property
    def price_precision(self) -> int:
        return self.rec.price_precision

    @property
    def size_precision(self) -> int:
        return self.rec.size_precision

    @property
    def instrument_id(self) -> int:
        return self.rec.instrument_id

    @property
    def ts_event(self) -> int:
        return self.rec.ts_event

    @property
    def ts_init(self) -> int:
        return self.rec.ts_init

    @property
    def price(self) -> int:
        return self.rec.price

    @property
    def size(self) -> int:
        return self.rec.size

    @property
    def sequence(self) -> int:
        return self.rec.sequence

    @property
    def action(self) -> int:
        return self.rec.action

    @property
    def side(self) -> int:
        return self.rec.side

    @property
    def flags(self) -> int:
        return self.rec.flags

    def validate(self) -> None:
        """Check the record rules; raise ValueError naming the first bad field."""
        _check_record(RECORD_BOOK_DELTA, &self.rec)

    def to_dict(self) -> dict:
        """Return the constructor keywords as a dict (BookDeltaMsg(**d) rebuilds the message)."""
        return {name: getattr(self, name) for name in _BOOK_DELTA_FIELDS}

    def __eq__(self, other):
        if type(other) is not BookDeltaMsg:
            return NotImplemented
        return memcmp_eq(&self.rec, &(<BookDeltaMsg>other).rec, BOOK_DELTA_SIZE)

    def __hash__(self):
        return hash(PyBytes_FromStringAndSize(<const char *>&self.rec, BOOK_DELTA_SIZE))

    def __repr__(self) -> str:
        return "BookDeltaMsg(" + ", ".join(f"{k}={v!r}" for k, v in self.to_dict().items()) + ")"


_BOOK_DELTA_FIELDS = (
    "price_precision", "size_precision", "instrument_id", "ts_event", "ts_init", "price", "size",
    "sequence", "action", "side", "flags",
)
_ORDER_FIELDS = (
    "side", "order_type", "time_in_force", "flags", "price_precision", "size_precision",
    "instrument_id", "strategy_id", "client_order_id", "venue_order_id", "price",
    "trigger_price", "quantity", "ts_init", "ts_expire", "trader_id",
)
_QUOTE_FIELDS = (
    "price_precision", "size_precision", "instrument_id", "ts_event", "ts_init", "bid_price",
    "ask_price", "bid_size", "ask_size", "sequence",
)
_TRADE_FIELDS = (
    "price_precision", "size_precision", "instrument_id", "ts_event", "ts_init", "price", "size",
    "aggressor_side", "trade_id", "sequence",
)


cdef extern from "string.h" nogil:
    int memcmp(const void *a, const void *b, size_t n)


cdef inline bint memcmp_eq(const void *a, const void *b, size_t n) noexcept nogil:
    return memcmp(a, b, n) == 0


# ---------------------------------------------------------------------------------------------
# Python face: single records
# ---------------------------------------------------------------------------------------------

def encode_order(OrderMsg msg not None) -> bytes:
    """Validate an order and return its 128-byte record."""
    _check_record(RECORD_ORDER, &msg.rec)
    return PyBytes_FromStringAndSize(<const char *>&msg.rec, ORDER_SIZE)


def encode_quote(QuoteMsg msg not None) -> bytes:
    """Validate a quote and return its 64-byte record."""
    _check_record(RECORD_QUOTE, &msg.rec)
    return PyBytes_FromStringAndSize(<const char *>&msg.rec, QUOTE_SIZE)


def encode_trade(TradeMsg msg not None) -> bytes:
    """Validate a trade and return its 64-byte record."""
    _check_record(RECORD_TRADE, &msg.rec)
    return PyBytes_FromStringAndSize(<const char *>&msg.rec, TRADE_SIZE)


def encode_book_delta(BookDeltaMsg msg not None) -> bytes:
    """Validate a book delta and return its 64-byte record."""
    _check_record(RECORD_BOOK_DELTA, &msg.rec)
    return PyBytes_FromStringAndSize(<const char *>&msg.rec, BOOK_DELTA_SIZE)


cdef inline Py_ssize_t _encode_into(int record_type, const void *rec, object buffer,
                                    Py_ssize_t offset) except -1:
    # the Python face of encode_*_into: validate first, so nothing is written on an error
    cdef Py_buffer view
    cdef Py_ssize_t size = (ORDER_SIZE if record_type == RECORD_ORDER
                            else QUOTE_SIZE if record_type == RECORD_QUOTE else TRADE_SIZE)
    _check_record(record_type, rec)
    PyObject_GetBuffer(buffer, &view, PyBUF_SIMPLE | PyBUF_WRITABLE)
    if offset < 0 or offset > view.len - size:
        n = view.len
        PyBuffer_Release(&view)
        raise ValueError(f"{_KINDS[record_type]} record: offset {offset} leaves no room for "
                         f"{size} bytes in a buffer of {n}")
    memcpy(<uint8_t *>view.buf + offset, rec, size)
    PyBuffer_Release(&view)
    return offset + size


def encode_order_into(OrderMsg msg not None, buffer, Py_ssize_t offset=0) -> int:
    """Validate an order, write its record into a writable buffer at `offset`; return the end offset.

    Raises ValueError when the order is invalid or the record does not fit; nothing is written then.
    """
    return _encode_into(RECORD_ORDER, &msg.rec, buffer, offset)


def encode_quote_into(QuoteMsg msg not None, buffer, Py_ssize_t offset=0) -> int:
    """Validate a quote, write its record into a writable buffer at `offset`; return the end offset."""
    return _encode_into(RECORD_QUOTE, &msg.rec, buffer, offset)


def encode_trade_into(TradeMsg msg not None, buffer, Py_ssize_t offset=0) -> int:
    """Validate a trade, write its record into a writable buffer at `offset`; return the end offset."""
    return _encode_into(RECORD_TRADE, &msg.rec, buffer, offset)


def encode_book_delta_into(BookDeltaMsg msg not None, buffer, Py_ssize_t offset=0) -> int:
    """Validate a book delta, write its record into a writable buffer at `offset`; return the end offset."""
    return _encode_into(RECORD_BOOK_DELTA, &msg.rec, buffer, offset)


def decode_order(buf) -> OrderMsg:
    """Decode exactly one 128-byte order record, checking every field before trusting it.

    `buf` is bytes or any contiguous buffer (bytearray, memoryview slice, numpy uint8 array).
    Raises ValueError naming the bad field and value, or the wrong length.
    """
    cdef OrderMsg msg = OrderMsg.__new__(OrderMsg)
    _decode_into(buf, RECORD_ORDER, &msg.rec)
    return msg


def decode_quote(buf) -> QuoteMsg:
    """Decode exactly one 64-byte quote record, checking every field before trusting it."""
    cdef QuoteMsg msg = QuoteMsg.__new__(QuoteMsg)
    _decode_into(buf, RECORD_QUOTE, &msg.rec)
    return msg


def decode_trade(buf) -> TradeMsg:
    """Decode exactly one 64-byte trade record, checking every field before trusting it."""
    cdef TradeMsg msg = TradeMsg.__new__(TradeMsg)
    _decode_into(buf, RECORD_TRADE, &msg.rec)
    return msg


def decode_book_delta(buf) -> BookDeltaMsg:
    """Decode exactly one 64-byte book delta record, checking every field before trusting it."""
    cdef BookDeltaMsg msg = BookDeltaMsg.__new__(BookDeltaMsg)
    _decode_into(buf, RECORD_BOOK_DELTA, &msg.rec)
    return msg


def record_type_of(buf) -> int:
    """Return the record_type byte (1 order, 2 quote, 3 trade, 4 book delta) of a record without decoding it.

    Only the byte is read: the value is not checked, so decode before trusting the record.
    Raises ValueError when fewer than 2 bytes are given.
    """
    cdef Py_buffer view
    cdef int rtype
    PyObject_GetBuffer(buf, &view, PyBUF_SIMPLE)
    rtype = record_type_peek(<const uint8_t *>view.buf, view.len)
    n = view.len
    PyBuffer_Release(&view)
    if rtype < 0:
        raise ValueError(f"record: {n} bytes, expected at least 2 to read record_type")
    return rtype


# ---------------------------------------------------------------------------------------------
# numpy views and batches
# ---------------------------------------------------------------------------------------------

ORDER_DTYPE = np.dtype({
    "names": ["version", "record_type", "side", "order_type", "time_in_force", "flags",
              "price_precision", "size_precision", "instrument_id", "strategy_id",
              "client_order_id", "venue_order_id", "price", "trigger_price", "quantity",
              "ts_init", "ts_expire", "trader_id", "reserved0", "reserved"],
    "formats": ["u1", "u1", "u1", "u1", "u1", "u1", "u1", "u1", "<u4", "<u4", "<u8", "<u8",
                "<i8", "<i8", "<i8", "<i8", "<i8", "<u4", "<u4", ("u1", (48,))],
    "offsets": [0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 24, 32, 40, 48, 56, 64, 72, 76, 80],
    "itemsize": ORDER_SIZE,
})

QUOTE_DTYPE = np.dtype({
    "names": ["version", "record_type", "price_precision", "size_precision", "instrument_id",
              "ts_event", "ts_init", "bid_price", "ask_price", "bid_size", "ask_size",
              "sequence"],
    "formats": ["u1", "u1", "u1", "u1", "<u4", "<i8", "<i8", "<i8", "<i8", "<i8", "<i8",
                "<u8"],
    "offsets": [0, 1, 2, 3, 4, 8, 16, 24, 32, 40, 48, 56],
    "itemsize": QUOTE_SIZE,
})

TRADE_DTYPE = np.dtype({
    "names": ["version", "record_type", "price_precision", "size_precision", "instrument_id",
              "ts_event", "ts_init", "price", "size", "aggressor_side", "reserved", "trade_id",
              "sequence"],
    "formats": ["u1", "u1", "u1", "u1", "<u4", "<i8", "<i8", "<i8", "<i8", "u1", ("u1", (7,)),
                "<u8", "<u8"],
    "offsets": [0, 1, 2, 3, 4, 8, 16, 24, 32, 40, 41, 48, 56],
    "itemsize": TRADE_SIZE,
})

BOOK_DELTA_DTYPE = np.dtype({
    "names": ["version", "record_type", "price_precision", "size_precision", "instrument_id",
              "ts_event", "ts_init", "price", "size", "sequence", "action", "side", "flags",
              "reserved"],
    "formats": ["u1", "u1", "u1", "u1", "<u4", "<i8", "<i8", "<i8", "<i8", "<u8", "u1", "u1",
                "u1", ("u1", (13,))],
    "offsets": [0, 1, 2, 3, 4, 8, 16, 24, 32, 40, 48, 49, 50, 51],
    "itemsize": BOOK_DELTA_SIZE,
})

_DTYPES = {RECORD_ORDER: ORDER_DTYPE, RECORD_QUOTE: QUOTE_DTYPE, RECORD_TRADE: TRADE_DTYPE,
           RECORD_BOOK_DELTA: BOOK_DELTA_DTYPE}
_SIZES = {RECORD_ORDER: ORDER_SIZE, RECORD_QUOTE: QUOTE_SIZE, RECORD_TRADE: TRADE_SIZE,
          RECORD_BOOK_DELTA: BOOK_DELTA_SIZE}
_KINDS = {RECORD_ORDER: "order", RECORD_QUOTE: "quote", RECORD_TRADE: "trade",
          RECORD_BOOK_DELTA: "book_delta"}


def _struct_layouts() -> dict:
    """Return {record name: (sizeof, {field: offset})} as the C compiler laid the structs out."""
    cdef OrderRecord o
    cdef QuoteRecord q
    cdef TradeRecord t
    cdef BookDeltaRecord d
    cdef char *db = <char *>&d
    cdef char *ob = <char *>&o
    cdef char *qb = <char *>&q
    cdef char *tb = <char *>&t
    return {
        "order": (sizeof(OrderRecord), {
            "version": <char *>&o.version - ob, "record_type": <char *>&o.record_type - ob,
            "side": <char *>&o.side - ob, "order_type": <char *>&o.order_type - ob,
            "time_in_force": <char *>&o.time_in_force - ob, "flags": <char *>&o.flags - ob,
            "price_precision": <char *>&o.price_precision - ob,
            "size_precision": <char *>&o.size_precision - ob,
            "instrument_id": <char *>&o.instrument_id - ob,
            "strategy_id": <char *>&o.strategy_id - ob,
            "client_order_id": <char *>&o.client_order_id - ob,
            "venue_order_id": <char *>&o.venue_order_id - ob, "price": <char *>&o.price - ob,
            "trigger_price": <char *>&o.trigger_price - ob,
            "quantity": <char *>&o.quantity - ob, "ts_init": <char *>&o.ts_init - ob,
            "ts_expire": <char *>&o.ts_expire - ob, "trader_id": <char *>&o.trader_id - ob,
            "reserved0": <char *>&o.reserved0 - ob, "reserved": <char *>&o.reserved[0] - ob,
        }),
        "quote": (sizeof(QuoteRecord), {
            "version": <char *>&q.version - qb, "record_type": <char *>&q.record_type - qb,
            "price_precision": <char *>&q.price_precision - qb,
            "size_precision": <char *>&q.size_precision - qb,
            "instrument_id": <char *>&q.instrument_id - qb, "ts_event": <char *>&q.ts_event - qb,
            "ts_init": <char *>&q.ts_init - qb, "bid_price": <char *>&q.bid_price - qb,
            "ask_price": <char *>&q.ask_price - qb, "bid_size": <char *>&q.bid_size - qb,
            "ask_size": <char *>&q.ask_size - qb, "sequence": <char *>&q.sequence - qb,
        }),
        "trade": (sizeof(TradeRecord), {
            "version": <char *>&t.version - tb, "record_type": <char *>&t.record_type - tb,
            "price_precision": <char *>&t.price_precision - tb,
            "size_precision": <char *>&t.size_precision - tb,
            "instrument_id": <char *>&t.instrument_id - tb, "ts_event": <char *>&t.ts_event - tb,
            "ts_init": <char *>&t.ts_init - tb, "price": <char *>&t.price - tb,
            "size": <char *>&t.size - tb, "aggressor_side": <char *>&t.aggressor_side - tb,
            "reserved": <char *>&t.reserved[0] - tb, "trade_id": <char *>&t.trade_id - tb,
            "sequence": <char *>&t.sequence - tb,
        }),
        "book_delta": (sizeof(BookDeltaRecord), {
            "version": <char *>&d.version - db, "record_type": <char *>&d.record_type - db,
            "price_precision": <char *>&d.price_precision - db,
            "size_precision": <char *>&d.size_precision - db,
            "instrument_id": <char *>&d.instrument_id - db, "ts_event": <char *>&d.ts_event - db,
            "ts_init": <char *>&d.ts_init - db, "price": <char *>&d.price - db,
            "size": <char *>&d.size - db, "sequence": <char *>&d.sequence - db,
            "action": <char *>&d.action - db, "side": <char *>&d.side - db,
            "flags": <char *>&d.flags - db, "reserved": <char *>&d.reserved[0] - db,
        }),
    }


cdef inline bint _is_raw(object dtype):
    # `dtype == ORDER_DTYPE` costs microseconds on a uint8 dtype: test the cheap case first
    return dtype.type is np.uint8


cdef object _as_rows(object records, int record_type, bint writable):
    # accept a structured array of the record's dtype or a C-contiguous (n, size) uint8 array
    cdef Py_ssize_t size = _SIZES[record_type]
    arr = records if type(records) is np.ndarray else np.asarray(records)
    dtype = arr.dtype
    if not _is_raw(dtype):
        if dtype.names is None or dtype != _DTYPES[record_type] or arr.ndim != 1 \
                or not arr.flags.c_contiguous:
            raise ValueError(f"{_KINDS[record_type]} batch: expected a C-contiguous (n, {size}) "
                             f"uint8 array or a 1-D contiguous {_KINDS[record_type].upper()}"
                             f"_DTYPE array, got {dtype} with shape {arr.shape}")
        arr = arr.view(np.uint8).reshape(-1, size)
    elif arr.ndim != 2 or arr.shape[1] != size or not arr.flags.c_contiguous:
        raise ValueError(f"{_KINDS[record_type]} batch: expected a C-contiguous (n, {size}) "
                         f"uint8 array or a 1-D contiguous {_KINDS[record_type].upper()}"
                         f"_DTYPE array, got {dtype} with shape {arr.shape}")
    if writable and not arr.flags.writeable:
        raise ValueError(f"{_KINDS[record_type]} batch: output array is read-only")
    return arr


cdef int _infer_record_type(object records) except -1:
    dtype = getattr(records, "dtype", None)
    shape = getattr(records, "shape", None)
    if dtype is not None and _is_raw(dtype):
        if shape is not None and len(shape) == 2 and shape[1] == ORDER_SIZE:
            return RECORD_ORDER
    elif dtype is not None and dtype.names is not None:
        for rtype, dt in _DTYPES.items():
            if dtype == dt:
                return rtype
    raise ValueError("validate_batch: pass record_type unless records is an ORDER_DTYPE, "
                     "QUOTE_DTYPE, TRADE_DTYPE or BOOK_DELTA_DTYPE array or (n, 128) uint8 rows "
                     "(64-byte rows can be quotes, trades or book deltas)")


def validate_batch(records, int record_type=0) -> tuple[int, int]:
    """Check every record of a batch without the GIL; return (index, code) of the first bad one.

    `records` is an ORDER_DTYPE/QUOTE_DTYPE/TRADE_DTYPE/BOOK_DELTA_DTYPE array or a C-contiguous
    (n, size) uint8 array; `record_type` (RECORD_ORDER/QUOTE/TRADE/BOOK_DELTA) may be left 0 for a structured array or
    128-byte rows. Returns (-1, DECODE_OK) when every record is valid.
    """
    if record_type == 0:
        record_type = _infer_record_type(records)
    elif record_type not in _DTYPES:
        raise ValueError(f"validate_batch: record_type {record_type}, expected 1 (ORDER), "
                         f"2 (QUOTE), 3 (TRADE) or 4 (BOOK_DELTA)")
    cdef const uint8_t[:, ::1] rows = _as_rows(records, record_type, False)
    cdef Py_ssize_t bad = -1
    cdef int status = DECODE_OK
    if rows.shape[0] >= _NOGIL_MIN_ROWS:
        with nogil:
            status = records_validate(&rows[0, 0], rows.shape[0], record_type, &bad)
    elif rows.shape[0] > 0:
        # a few records check in well under a microsecond: handing the GIL to another thread
        # and waiting to get it back would cost more than the check
        status = records_validate(&rows[0, 0], rows.shape[0], record_type, &bad)
    return bad, status


# validate_batch releases the GIL from this many records (below, releasing costs more)
cdef enum:
    _NOGIL_MIN_ROWS = 256


cdef object _decode_batch(object buf, int record_type):
    cdef Py_ssize_t size = _SIZES[record_type]
    kind = _KINDS[record_type]
    arr = np.frombuffer(buf, dtype=np.uint8) if not isinstance(buf, np.ndarray) else buf
    if arr.dtype == np.uint8 and arr.ndim == 1:
        if arr.shape[0] % size:
            raise ValueError(f"{kind} batch: {arr.shape[0]} bytes is not a multiple of {size}")
        arr = arr.reshape(-1, size)
    rows = _as_rows(arr, record_type, False)
    bad, status = validate_batch(rows, record_type)
    if status != DECODE_OK:
        field, expected = DECODE_ERRORS[status]
        got = rows[bad].view(_DTYPES[record_type])[0][field] if field != "reserved" \
            or record_type == RECORD_TRADE else "non-zero reserved bytes"
        raise ValueError(f"{kind} batch: record {bad}: field '{field}' is invalid: got {got}, "
                         f"expected {expected}")
    return rows.reshape(-1).view(_DTYPES[record_type])


def decode_orders_batch(buf):
    """Validate packed order records and return them as an ORDER_DTYPE array view (no copy).

    `buf` is bytes, any contiguous buffer whose length is a multiple of 128, an (n, 128) uint8
    array or an ORDER_DTYPE array. Raises ValueError naming the first bad record and field.
    """
    return _decode_batch(buf, RECORD_ORDER)


def decode_quotes_batch(buf):
    """Validate packed quote records and return them as a QUOTE_DTYPE array view (no copy)."""
    return _decode_batch(buf, RECORD_QUOTE)


def decode_trades_batch(buf):
    """Validate packed trade records and return them as a TRADE_DTYPE array view (no copy)."""
    return _decode_batch(buf, RECORD_TRADE)


def decode_book_deltas_batch(buf):
    """Validate packed book delta records and return them as a BOOK_DELTA_DTYPE array view (no copy)."""
    return _decode_batch(buf, RECORD_BOOK_DELTA)


cdef inline int _check_column(str name, bint given, Py_ssize_t rows, Py_ssize_t n) except -1:
    if given and rows != n:
        raise ValueError(f"order batch: column '{name}' has {rows} rows, expected {n}")
    return 0


def encode_orders_batch(
    out,
    const uint8_t[::1] side,
    const uint8_t[::1] order_type,
    const uint8_t[::1] time_in_force,
    const int64_t[::1] price,
    const int64_t[::1] quantity,
    *,
    const uint8_t[::1] flags=None,
    const uint8_t[::1] price_precision=None,
    const uint8_t[::1] size_precision=None,
    const uint32_t[::1] instrument_id=None,
    const uint32_t[::1] strategy_id=None,
    const uint64_t[::1] client_order_id=None,
    const uint64_t[::1] venue_order_id=None,
    const int64_t[::1] trigger_price=None,
    const int64_t[::1] ts_init=None,
    const int64_t[::1] ts_expire=None,
    const uint32_t[::1] trader_id=None,
) -> int:
    """Encode order records from numpy columns into `out` without the GIL; return the count.

    `out` is a C-contiguous (n, 128) uint8 array or an ORDER_DTYPE array with at least as many
    rows as the columns are long. Every column is a contiguous array of the record field's type
    (uint8 enums and precisions, uint32 ids, uint64 order ids, int64 prices, sizes and times);
    keyword columns left None are zero. Each record is validated as it is written.

    Raises ValueError when columns differ in length, `out` is too small, or a record is invalid
    (naming its index and field; the records before it are written, its row is zeroed and later
    rows are untouched). `out` must be 8-byte aligned, as every numpy allocation is.
    """
    cdef Py_ssize_t n = side.shape[0], i
    cdef uint8_t[:, ::1] rows
    if order_type.shape[0] != n or time_in_force.shape[0] != n or price.shape[0] != n \
            or quantity.shape[0] != n:
        raise ValueError("order batch: side, order_type, time_in_force, price and quantity "
                         "must have the same length")
    # shapes are read in C: wrapping each column as a Python object would cost more than the
    # checks themselves on a 4096-row batch
    cdef bint has_flags = flags is not None, has_pp = price_precision is not None
    cdef bint has_sp = size_precision is not None, has_inst = instrument_id is not None
    cdef bint has_strat = strategy_id is not None, has_coid = client_order_id is not None
    cdef bint has_void = venue_order_id is not None, has_trig = trigger_price is not None
    cdef bint has_init = ts_init is not None, has_exp = ts_expire is not None
    cdef bint has_trader = trader_id is not None
    _check_column("flags", has_flags, flags.shape[0] if has_flags else n, n)
    _check_column("price_precision", has_pp, price_precision.shape[0] if has_pp else n, n)
    _check_column("size_precision", has_sp, size_precision.shape[0] if has_sp else n, n)
    _check_column("instrument_id", has_inst, instrument_id.shape[0] if has_inst else n, n)
    _check_column("strategy_id", has_strat, strategy_id.shape[0] if has_strat else n, n)
    _check_column("client_order_id", has_coid, client_order_id.shape[0] if has_coid else n, n)
    _check_column("venue_order_id", has_void, venue_order_id.shape[0] if has_void else n, n)
    _check_column("trigger_price", has_trig, trigger_price.shape[0] if has_trig else n, n)
    _check_column("ts_init", has_init, ts_init.shape[0] if has_init else n, n)
    _check_column("ts_expire", has_exp, ts_expire.shape[0] if has_exp else n, n)
    _check_column("trader_id", has_trader, trader_id.shape[0] if has_trader else n, n)
    rows = _as_rows(out, RECORD_ORDER, True)
    if rows.shape[0] < n:
        raise ValueError(f"order batch: out has {rows.shape[0]} rows, expected at least {n}")
    cdef OrderRecord rec
    cdef OrderRecord *dst
    cdef int status = DECODE_OK
    if n == 0:
        return 0
    cdef uint8_t *base = &rows[0, 0]
    if (<size_t>base) % 8:
        raise ValueError("order batch: out must be 8-byte aligned (numpy allocations are)")
    # raw pointers, not memoryview fields: the compiler keeps them in registers, while a
    # memoryview's data pointer is reloaded after every byte store (char stores alias anything)
    cdef const uint8_t *p_side = &side[0]
    cdef const uint8_t *p_type = &order_type[0]
    cdef const uint8_t *p_tif = &time_in_force[0]
    cdef const int64_t *p_price = &price[0]
    cdef const int64_t *p_qty = &quantity[0]
    cdef const uint8_t *p_flags = &flags[0] if flags is not None else NULL
    cdef const uint8_t *p_pp = &price_precision[0] if price_precision is not None else NULL
    cdef const uint8_t *p_sp = &size_precision[0] if size_precision is not None else NULL
    cdef const uint32_t *p_inst = &instrument_id[0] if instrument_id is not None else NULL
    cdef const uint32_t *p_strat = &strategy_id[0] if strategy_id is not None else NULL
    cdef const uint64_t *p_coid = &client_order_id[0] if client_order_id is not None else NULL
    cdef const uint64_t *p_void = &venue_order_id[0] if venue_order_id is not None else NULL
    cdef const int64_t *p_trig = &trigger_price[0] if trigger_price is not None else NULL
    cdef const int64_t *p_init = &ts_init[0] if ts_init is not None else NULL
    cdef const int64_t *p_exp = &ts_expire[0] if ts_expire is not None else NULL
    cdef const uint32_t *p_trader = &trader_id[0] if trader_id is not None else NULL
    with nogil:
        for i in range(n):
            # write straight into the row: a stack record copied out with 16-byte loads
            # would stall on store forwarding from its narrow field stores
            dst = <OrderRecord *>(base + i * ORDER_SIZE)
            dst.version = ENCODING_VERSION
            dst.record_type = RECORD_ORDER
            dst.side = p_side[i]
            dst.order_type = p_type[i]
            dst.time_in_force = p_tif[i]
            dst.flags = p_flags[i] if p_flags != NULL else 0
            dst.price_precision = p_pp[i] if p_pp != NULL else 0
            dst.size_precision = p_sp[i] if p_sp != NULL else 0
            dst.instrument_id = p_inst[i] if p_inst != NULL else 0
            dst.strategy_id = p_strat[i] if p_strat != NULL else 0
            dst.client_order_id = p_coid[i] if p_coid != NULL else 0
            dst.venue_order_id = p_void[i] if p_void != NULL else 0
            dst.price = p_price[i]
            dst.trigger_price = p_trig[i] if p_trig != NULL else 0
            dst.quantity = p_qty[i]
            dst.ts_init = p_init[i] if p_init != NULL else 0
            dst.ts_expire = p_exp[i] if p_exp != NULL else 0
            dst.trader_id = p_trader[i] if p_trader != NULL else 0
            dst.reserved0 = 0
            memset(dst.reserved, 0, 48)
            if not _order_fields_ok(dst):
                rec = dst[0]
                memset(dst, 0, ORDER_SIZE)
                status = order_validate(&rec)
                break
    if status != DECODE_OK:
        err = _order_error(&rec, status)
        raise ValueError(f"order batch: record {i}: " + str(err).removeprefix("order record: "))
    return n
