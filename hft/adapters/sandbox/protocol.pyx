"""Frame the sandbox venue's WebSocket messages and encode the records it adds to core.

A frame is a 16-byte header (magic b"HF", version, frame type, flags, payload length), a payload
of fixed-size records, and, on the client's signed frames (hello, order, cancel, query), a 64-byte
auth trailer (key id, ms timestamp, nonce, HMAC-SHA256; see `hft.adapters.sandbox.auth`). Quotes,
trades and orders are hft.core.encoding records; hello, welcome, cancel, query, execution report,
position, query reply and error records are defined here. `frame_validate` checks every length,
version, type, flag, enum and reserved byte before a byte is trusted; the Python face raises
ValueError naming the field. Layouts: docs/protocol.md.
"""

import re as _re
import struct as _struct
import sys as _sys

from libc.stdint cimport INT64_MAX, int64_t, uint8_t, uint32_t, uint64_t
from libc.string cimport memcpy, memset

cimport cython

import msgspec

from hft.core.encoding cimport (
    DECODE_BAD_LENGTH, DECODE_BAD_PRICE_PRECISION, DECODE_BAD_RECORD_TYPE, DECODE_BAD_RESERVED,
    DECODE_BAD_SIDE, DECODE_BAD_SIZE_PRECISION, DECODE_BAD_VERSION, DECODE_OK, ENCODING_VERSION,
    MAX_PRECISION, ORDER_SIZE, QUOTE_SIZE, TRADE_SIZE, OrderRecord, QuoteRecord, TradeRecord,
    order_validate, quote_validate, trade_validate, RECORD_ORDER, RECORD_QUOTE, RECORD_TRADE,
    SIDE_BUY, SIDE_SELL,
)

from hft.kernel.data_engine cimport DataEngine
from hft.model.data cimport QuoteTick, quote_from_record
from hft.model.identifiers cimport InstrumentId
from hft.model.orders cimport Order

from hft.core import encoding as _enc

if _sys.byteorder != "little":
    raise ImportError("hft.adapters.sandbox.protocol needs a little-endian host")
if (sizeof(FrameHeader) != HEADER_SIZE or sizeof(AuthTrailer) != TRAILER_SIZE
        or sizeof(HelloRecord) != HELLO_SIZE or sizeof(WelcomeRecord) != WELCOME_SIZE
        or sizeof(CancelRecord) != CANCEL_SIZE or sizeof(QueryRecord) != QUERY_SIZE
        or sizeof(ExecReportRecord) != REPORT_SIZE or sizeof(PositionRecord) != POSITION_SIZE
        or sizeof(QueryReplyRecord) != QUERY_REPLY_SIZE or sizeof(ErrorRecord) != ERROR_SIZE):
    raise ImportError("hft.adapters.sandbox.protocol: the compiler padded a struct")

for _enum in (FrameType, FrameFlag, ProtoRecordType, QueryKind, ReportKind, Liquidity,
              RejectReason, ErrorKind, AuthReason, SessionError, ProtocolStatus):
    globals().update(_enum.__members__)
del _enum

VERSION = PROTOCOL_VERSION
MAGIC = FRAME_MAGIC
FRAME_HEADER_SIZE = HEADER_SIZE
AUTH_TRAILER_SIZE = TRAILER_SIZE
MAX_PAYLOAD_SIZE = MAX_PAYLOAD
SIGNED_FRAME_TYPES = frozenset({FRAME_HELLO, FRAME_ORDER, FRAME_CANCEL, FRAME_QUERY})

_KEY_ID_TEXT = "1..16 characters of A-Z, 0-9 and '_', zero-padded to 16 bytes"
_QUERY_REPLY_TEXT = "32 + count * record size (128 open orders, 128 fills, 64 positions)"

# code -> (field, expected). 0..19 come from hft.core.encoding; docs/protocol.md mirrors this.
PROTOCOL_ERRORS = dict(_enc.DECODE_ERRORS)
PROTOCOL_ERRORS.update({
    PROTO_BAD_MAGIC: ("magic", f"{FRAME_MAGIC:#06x} (bytes b'HF')"),
    PROTO_BAD_FRAME_VERSION: ("version", f"{PROTOCOL_VERSION}"),
    PROTO_BAD_FRAME_TYPE: ("frame_type", "1..10"),
    PROTO_BAD_FLAGS: ("flags", "only bit 1 (SIGNED)"),
    PROTO_BAD_FRAME_RESERVED: ("reserved", "header bytes 5..7 and 12..15 zero"),
    PROTO_BAD_FRAME_LENGTH: ("length", f"16 + length (+ 64 when signed) bytes, length <= "
                                       f"{MAX_PAYLOAD}"),
    PROTO_UNSIGNED: ("flags", "SIGNED (1) on HELLO, ORDER, CANCEL and QUERY frames"),
    PROTO_UNEXPECTED_SIGNATURE: ("flags", "SIGNED clear on server frames"),
    PROTO_BAD_PAYLOAD_LENGTH: ("length", "the frame type's payload size"),
    PROTO_BAD_KEY_ID: ("key_id", _KEY_ID_TEXT),
    PROTO_BAD_TIMESTAMP: ("ts_ms", "> 0"),
    PROTO_BAD_VERSION_RANGE: ("max_version", "1 <= min_version <= max_version"),
    PROTO_BAD_ACCEPTED_VERSION: ("accepted_version", f"{PROTOCOL_VERSION}"),
    PROTO_BAD_ORDER_ID: ("client_order_id", "client_order_id or venue_order_id non-zero"),
    PROTO_BAD_QUERY_KIND: ("query_kind", "1 (OPEN_ORDERS), 2 (FILLS_SINCE) or 3 (POSITIONS)"),
    PROTO_BAD_REQUEST_ID: ("request_id", "non-zero"),
    PROTO_BAD_SINCE: ("since_ts_ns", ">= 0 for FILLS_SINCE, 0 otherwise"),
    PROTO_BAD_REPORT_KIND: ("report_kind", "1..8 (ACCEPTED .. CANCEL_REJECTED)"),
    PROTO_BAD_LIQUIDITY: ("liquidity", "1 (MAKER) or 2 (TAKER) on FILLED, 0 otherwise"),
    PROTO_BAD_REASON: ("reason", f"1..{REJECT_LAST} on REJECTED and CANCEL_REJECTED, 0 otherwise"),
    PROTO_BAD_REPORT_QTY: ("quantity", "> 0 on FILLED, >= 0 otherwise"),
    PROTO_BAD_LEAVES: ("leaves_qty", ">= 0"),
    PROTO_BAD_CUM: ("cum_qty", ">= 0"),
    PROTO_BAD_FEE: ("fee", "0 unless FILLED"),
    PROTO_BAD_TRADE_ID: ("trade_id", "0 unless FILLED"),
    PROTO_BAD_FEE_PRECISION: ("fee_precision", f"0..{MAX_PRECISION}"),
    PROTO_BAD_ERROR_KIND: ("error_kind", "1 (FRAME), 2 (AUTH) or 3 (SESSION)"),
    PROTO_BAD_DETAIL: ("detail", f"a status code for FRAME, 1..{AUTH_LAST} for AUTH, "
                                 f"1..{SESSION_LAST} for SESSION"),
    PROTO_BAD_COUNT: ("count", _QUERY_REPLY_TEXT),
})
PROTOCOL_ERRORS[DECODE_BAD_RECORD_TYPE] = ("record_type", "the record type the frame carries")


# ---------------------------------------------------------------------------------------------
# C level
# ---------------------------------------------------------------------------------------------

cdef inline bint _zero(const uint8_t *p, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    cdef uint8_t acc = 0
    for i in range(n):
        acc |= p[i]
    return acc == 0


cdef inline int _head(uint8_t version, uint8_t record_type, uint8_t expected) noexcept nogil:
    if version != ENCODING_VERSION:
        return DECODE_BAD_VERSION
    if record_type != expected:
        return DECODE_BAD_RECORD_TYPE
    return DECODE_OK


cdef int hello_validate(const HelloRecord *rec) noexcept nogil:
    cdef int s = _head(rec.version, rec.record_type, RECORD_HELLO)
    if s:
        return s
    if rec.min_version < 1 or rec.min_version > rec.max_version:
        return PROTO_BAD_VERSION_RANGE
    if rec.reserved0 or not _zero(rec.reserved, 8):
        return DECODE_BAD_RESERVED
    return DECODE_OK


cdef int welcome_validate(const WelcomeRecord *rec) noexcept nogil:
    cdef int s = _head(rec.version, rec.record_type, RECORD_WELCOME)
    if s:
        return s
    if rec.accepted_version != PROTOCOL_VERSION:
        return PROTO_BAD_ACCEPTED_VERSION
    if rec.reserved0 or not _zero(rec.reserved, 8):
        return DECODE_BAD_RESERVED
    return DECODE_OK


cdef int cancel_validate(const CancelRecord *rec) noexcept nogil:
    cdef int s = _head(rec.version, rec.record_type, RECORD_CANCEL)
    if s:
        return s
    if rec.client_order_id == 0 and rec.venue_order_id == 0:
        return PROTO_BAD_ORDER_ID
    if rec.reserved0 or not _zero(rec.reserved, 24):
        return DECODE_BAD_RESERVED
    return DECODE_OK


cdef int query_validate(const QueryRecord *rec) noexcept nogil:
    cdef int s = _head(rec.version, rec.record_type, RECORD_QUERY)
    if s:
        return s
    if rec.query_kind < QUERY_OPEN_ORDERS or rec.query_kind > QUERY_POSITIONS:
        return PROTO_BAD_QUERY_KIND
    if rec.request_id == 0:
        return PROTO_BAD_REQUEST_ID
    if rec.query_kind == QUERY_FILLS_SINCE:
        if rec.since_ts_ns < 0:
            return PROTO_BAD_SINCE
    elif rec.since_ts_ns != 0:
        return PROTO_BAD_SINCE
    if rec.reserved0 or not _zero(rec.reserved, 32):
        return DECODE_BAD_RESERVED
    return DECODE_OK


cdef int report_validate(const ExecReportRecord *rec) noexcept nogil:
    cdef int s = _head(rec.version, rec.record_type, RECORD_EXEC_REPORT)
    if s:
        return s
    if rec.report_kind < REPORT_ACCEPTED or rec.report_kind > REPORT_CANCEL_REJECTED:
        return PROTO_BAD_REPORT_KIND
    if rec.side != SIDE_BUY and rec.side != SIDE_SELL:
        return DECODE_BAD_SIDE
    cdef bint filled = rec.report_kind == REPORT_FILLED
    if filled:
        if rec.liquidity != LIQUIDITY_MAKER and rec.liquidity != LIQUIDITY_TAKER:
            return PROTO_BAD_LIQUIDITY
    elif rec.liquidity != LIQUIDITY_NONE:
        return PROTO_BAD_LIQUIDITY
    if rec.price_precision > MAX_PRECISION:
        return DECODE_BAD_PRICE_PRECISION
    if rec.size_precision > MAX_PRECISION:
        return DECODE_BAD_SIZE_PRECISION
    if rec.fee_precision > MAX_PRECISION:
        return PROTO_BAD_FEE_PRECISION
    if rec.report_kind == REPORT_REJECTED or rec.report_kind == REPORT_CANCEL_REJECTED:
        if rec.reason < 1 or rec.reason > REJECT_LAST:
            return PROTO_BAD_REASON
    elif rec.reason != 0:
        return PROTO_BAD_REASON
    if rec.quantity < 0 or (filled and rec.quantity == 0):
        return PROTO_BAD_REPORT_QTY
    if rec.leaves_qty < 0:
        return PROTO_BAD_LEAVES
    if rec.cum_qty < 0:
        return PROTO_BAD_CUM
    if not filled and rec.fee != 0:
        return PROTO_BAD_FEE
    if not filled and rec.trade_id != 0:
        return PROTO_BAD_TRADE_ID
    if rec.reserved0 or not _zero(rec.reserved, 16):
        return DECODE_BAD_RESERVED
    return DECODE_OK


cdef int position_validate(const PositionRecord *rec) noexcept nogil:
    cdef int s = _head(rec.version, rec.record_type, RECORD_POSITION)
    if s:
        return s
    if rec.price_precision > MAX_PRECISION:
        return DECODE_BAD_PRICE_PRECISION
    if rec.size_precision > MAX_PRECISION:
        return DECODE_BAD_SIZE_PRECISION
    if rec.reserved0 or not _zero(rec.reserved, 16):
        return DECODE_BAD_RESERVED
    return DECODE_OK


cdef int query_reply_validate(const QueryReplyRecord *rec) noexcept nogil:
    cdef int s = _head(rec.version, rec.record_type, RECORD_QUERY_REPLY)
    if s:
        return s
    if rec.query_kind < QUERY_OPEN_ORDERS or rec.query_kind > QUERY_POSITIONS:
        return PROTO_BAD_QUERY_KIND
    if rec.request_id == 0:
        return PROTO_BAD_REQUEST_ID
    if rec.reserved0 or not _zero(rec.reserved, 8):
        return DECODE_BAD_RESERVED
    return DECODE_OK


cdef int error_validate(const ErrorRecord *rec) noexcept nogil:
    cdef int s = _head(rec.version, rec.record_type, RECORD_ERROR)
    if s:
        return s
    if rec.error_kind < ERROR_FRAME or rec.error_kind > ERROR_SESSION:
        return PROTO_BAD_ERROR_KIND
    if rec.detail == 0 \
            or (rec.error_kind == ERROR_AUTH and rec.detail > AUTH_LAST) \
            or (rec.error_kind == ERROR_SESSION and rec.detail > SESSION_LAST):
        return PROTO_BAD_DETAIL
    if rec.reserved0 or rec.reserved1:
        return DECODE_BAD_RESERVED
    return DECODE_OK


cdef bint frame_type_signed(int frame_type) noexcept nogil:
    return (frame_type == FRAME_HELLO or frame_type == FRAME_ORDER
            or frame_type == FRAME_CANCEL or frame_type == FRAME_QUERY)


cdef int _record_validate(int record_type, const uint8_t *p) noexcept nogil:
    # copy to an aligned, typed local first: p may sit at any offset of a frame
    cdef OrderRecord order
    cdef QuoteRecord quote
    cdef TradeRecord trade
    cdef HelloRecord hello
    cdef WelcomeRecord welcome
    cdef CancelRecord cancel
    cdef QueryRecord query
    cdef ExecReportRecord report
    cdef PositionRecord position
    cdef QueryReplyRecord reply
    cdef ErrorRecord error
    if record_type == RECORD_QUOTE:
        memcpy(&quote, p, QUOTE_SIZE)
        return quote_validate(&quote)
    if record_type == RECORD_TRADE:
        memcpy(&trade, p, TRADE_SIZE)
        return trade_validate(&trade)
    if record_type == RECORD_ORDER:
        memcpy(&order, p, ORDER_SIZE)
        return order_validate(&order)
    if record_type == RECORD_EXEC_REPORT:
        memcpy(&report, p, REPORT_SIZE)
        return report_validate(&report)
    if record_type == RECORD_HELLO:
        memcpy(&hello, p, HELLO_SIZE)
        return hello_validate(&hello)
    if record_type == RECORD_WELCOME:
        memcpy(&welcome, p, WELCOME_SIZE)
        return welcome_validate(&welcome)
    if record_type == RECORD_CANCEL:
        memcpy(&cancel, p, CANCEL_SIZE)
        return cancel_validate(&cancel)
    if record_type == RECORD_QUERY:
        memcpy(&query, p, QUERY_SIZE)
        return query_validate(&query)
    if record_type == RECORD_POSITION:
        memcpy(&position, p, POSITION_SIZE)
        return position_validate(&position)
    if record_type == RECORD_QUERY_REPLY:
        memcpy(&reply, p, QUERY_REPLY_SIZE)
        return query_reply_validate(&reply)
    if record_type == RECORD_ERROR:
        memcpy(&error, p, ERROR_SIZE)
        return error_validate(&error)
    return DECODE_BAD_RECORD_TYPE


cdef Py_ssize_t _record_size(int record_type) noexcept nogil:
    if record_type == RECORD_ORDER or record_type == RECORD_EXEC_REPORT:
        return 128
    if record_type == RECORD_QUOTE or record_type == RECORD_TRADE or record_type == RECORD_CANCEL \
            or record_type == RECORD_QUERY or record_type == RECORD_POSITION:
        return 64
    if record_type >= RECORD_HELLO and record_type <= RECORD_QUERY_REPLY:
        return 32
    return 0


cdef int _payload_record_type(int frame_type) noexcept nogil:
    if frame_type == FRAME_HELLO:
        return RECORD_HELLO
    if frame_type == FRAME_WELCOME:
        return RECORD_WELCOME
    if frame_type == FRAME_QUOTES:
        return RECORD_QUOTE
    if frame_type == FRAME_TRADES:
        return RECORD_TRADE
    if frame_type == FRAME_ORDER:
        return RECORD_ORDER
    if frame_type == FRAME_CANCEL:
        return RECORD_CANCEL
    if frame_type == FRAME_QUERY:
        return RECORD_QUERY
    if frame_type == FRAME_REPORTS:
        return RECORD_EXEC_REPORT
    if frame_type == FRAME_QUERY_REPLY:
        return RECORD_QUERY_REPLY
    return RECORD_ERROR


cdef int _reply_record_type(int query_kind) noexcept nogil:
    if query_kind == QUERY_OPEN_ORDERS:
        return RECORD_ORDER
    if query_kind == QUERY_FILLS_SINCE:
        return RECORD_EXEC_REPORT
    return RECORD_POSITION


cdef int _key_id_validate(const uint8_t *key) noexcept nogil:
    cdef Py_ssize_t i
    cdef uint8_t c
    cdef bint ended = False
    if key[0] == 0:
        return PROTO_BAD_KEY_ID
    for i in range(KEY_ID_SIZE):
        c = key[i]
        if c == 0:
            ended = True
        elif ended or not ((c >= 65 and c <= 90) or (c >= 48 and c <= 57) or c == 95):
            return PROTO_BAD_KEY_ID
    return DECODE_OK


cdef int _records_validate(int record_type, const uint8_t *p, Py_ssize_t count, Py_ssize_t size,
                           Py_ssize_t first_index, Py_ssize_t *bad_index) noexcept nogil:
    # validate `count` packed records; on the first bad one, store first_index + its position
    cdef Py_ssize_t i
    cdef int status
    for i in range(count):
        status = _record_validate(record_type, p + i * size)
        if status:
            bad_index[0] = first_index + i
            return status
    return DECODE_OK


cdef int frame_validate(const uint8_t *buf, Py_ssize_t n, FrameHeader *header,
                        Py_ssize_t *bad_index) noexcept nogil:
    cdef AuthTrailer trailer
    cdef QueryReplyRecord reply
    cdef Py_ssize_t size, offset = HEADER_SIZE
    cdef int status, record_type
    bad_index[0] = -1
    if n < HEADER_SIZE:
        return PROTO_BAD_FRAME_LENGTH
    memcpy(header, buf, HEADER_SIZE)
    if header.magic != FRAME_MAGIC:
        return PROTO_BAD_MAGIC
    if header.version != PROTOCOL_VERSION:
        return PROTO_BAD_FRAME_VERSION
    if header.frame_type < FRAME_HELLO or header.frame_type > FRAME_ERROR:
        return PROTO_BAD_FRAME_TYPE
    if header.flags & ~FRAME_FLAGS_MASK:
        return PROTO_BAD_FLAGS
    if header.reserved0 or header.reserved1 or header.reserved2:
        return PROTO_BAD_FRAME_RESERVED
    cdef bint signed = frame_type_signed(header.frame_type)
    if signed and not (header.flags & FRAME_FLAG_SIGNED):
        return PROTO_UNSIGNED
    if not signed and (header.flags & FRAME_FLAG_SIGNED):
        return PROTO_UNEXPECTED_SIGNATURE
    if header.length > MAX_PAYLOAD \
            or n != HEADER_SIZE + <Py_ssize_t>header.length + (TRAILER_SIZE if signed else 0):
        return PROTO_BAD_FRAME_LENGTH
    if signed:
        memcpy(&trailer, buf + HEADER_SIZE + header.length, TRAILER_SIZE)
        status = _key_id_validate(trailer.key_id)
        if status:
            return status
        if trailer.ts_ms <= 0:
            return PROTO_BAD_TIMESTAMP
    record_type = _payload_record_type(header.frame_type)
    size = _record_size(record_type)
    if header.frame_type == FRAME_QUERY_REPLY:
        if header.length < QUERY_REPLY_SIZE:
            return PROTO_BAD_PAYLOAD_LENGTH
        memcpy(&reply, buf + offset, QUERY_REPLY_SIZE)
        status = query_reply_validate(&reply)
        if status:
            bad_index[0] = 0
            return status
        record_type = _reply_record_type(reply.query_kind)
        size = _record_size(record_type)
        if <Py_ssize_t>header.length != QUERY_REPLY_SIZE + <Py_ssize_t>reply.count * size:
            return PROTO_BAD_COUNT
        # record indexes count the reply head as record 0
        return _records_validate(record_type, buf + offset + QUERY_REPLY_SIZE, reply.count,
                                 size, 1, bad_index)
    if header.frame_type == FRAME_QUOTES or header.frame_type == FRAME_TRADES \
            or header.frame_type == FRAME_REPORTS:
        # one or more records; size is 64 or 128, so the test is a mask
        if header.length == 0 or header.length & (size - 1):
            return PROTO_BAD_PAYLOAD_LENGTH
    elif header.length != size:
        return PROTO_BAD_PAYLOAD_LENGTH
    return _records_validate(record_type, buf + offset, header.length // size, size, 0,
                             bad_index)


# ---------------------------------------------------------------------------------------------
# Python face: record messages
# ---------------------------------------------------------------------------------------------

class Hello(msgspec.Struct, frozen=True, kw_only=True):
    """Open a session: the protocol versions the client speaks (its key id is in the trailer)."""
    min_version: int = PROTOCOL_VERSION
    max_version: int = PROTOCOL_VERSION
    session_id: int = 0
    ts_init: int = 0


class Welcome(msgspec.Struct, frozen=True, kw_only=True):
    """Accept a session: the version chosen and the account (trader id) of the key."""
    accepted_version: int = PROTOCOL_VERSION
    trader_id: int = 0
    session_id: int = 0
    ts_event: int = 0


class Cancel(msgspec.Struct, frozen=True, kw_only=True):
    """Ask the venue to cancel one order, named by client or venue order id."""
    instrument_id: int = 0
    client_order_id: int = 0
    venue_order_id: int = 0
    ts_init: int = 0
    strategy_id: int = 0
    trader_id: int = 0


class Query(msgspec.Struct, frozen=True, kw_only=True):
    """Ask for open orders, fills since a time, or positions (instrument_id 0 = all)."""
    query_kind: int
    request_id: int
    instrument_id: int = 0
    since_ts_ns: int = 0
    ts_init: int = 0


class ExecReport(msgspec.Struct, frozen=True, kw_only=True):
    """Report what happened to an order: accepted, rejected, filled, canceled, expired ..."""
    report_kind: int
    side: int
    liquidity: int = LIQUIDITY_NONE
    price_precision: int = 0
    size_precision: int = 0
    fee_precision: int = 0
    instrument_id: int = 0
    reason: int = 0
    strategy_id: int = 0
    trader_id: int = 0
    client_order_id: int = 0
    venue_order_id: int = 0
    trade_id: int = 0
    price: int = 0
    quantity: int = 0
    leaves_qty: int = 0
    cum_qty: int = 0
    fee: int = 0
    ts_event: int = 0
    ts_init: int = 0
    request_id: int = 0


class Position(msgspec.Struct, frozen=True, kw_only=True):
    """Report the venue's net position of one account in one instrument."""
    price_precision: int = 0
    size_precision: int = 0
    instrument_id: int = 0
    quantity: int = 0
    avg_price: int = 0
    realized_pnl: int = 0
    ts_last: int = 0
    trader_id: int = 0


class QueryReply(msgspec.Struct, frozen=True, kw_only=True):
    """Head a query's answer: its kind, request id and how many records follow."""
    query_kind: int
    request_id: int
    count: int = 0
    ts_event: int = 0


class ErrorReply(msgspec.Struct, frozen=True, kw_only=True):
    """Tell a client why a frame was refused: kind, detail code and the offending frame type."""
    error_kind: int
    detail: int
    frame_type: int = 0
    context_id: int = 0
    ts_event: int = 0
    error_count: int = 0


# record type -> (name, message class, struct format after version/record_type, field names)
_SPECS = {
    RECORD_HELLO: ("hello", Hello, "<BBBB4xQq8x", ("min_version", "max_version", "session_id",
                                                  "ts_init")),
    RECORD_WELCOME: ("welcome", Welcome, "<BBBxIQq8x", ("accepted_version", "trader_id",
                                                       "session_id", "ts_event")),
    RECORD_CANCEL: ("cancel", Cancel, "<BB2xIQQqII24x", ("instrument_id", "client_order_id",
                                                         "venue_order_id", "ts_init",
                                                         "strategy_id", "trader_id")),
    RECORD_QUERY: ("query", Query, "<BBBxIQqq32x", ("query_kind", "instrument_id", "request_id",
                                                   "since_ts_ns", "ts_init")),
    RECORD_EXEC_REPORT: ("execution report", ExecReport, "<BBBBBBBBIH2xIIQQQqqqqqqqQ16x",
                         ("report_kind", "side", "liquidity", "price_precision",
                          "size_precision", "fee_precision", "instrument_id", "reason",
                          "strategy_id", "trader_id", "client_order_id", "venue_order_id",
                          "trade_id", "price", "quantity", "leaves_qty", "cum_qty", "fee",
                          "ts_event", "ts_init", "request_id")),
    RECORD_POSITION: ("position", Position, "<BBBBIqqqqI4x16x",
                      ("price_precision", "size_precision", "instrument_id", "quantity",
                       "avg_price", "realized_pnl", "ts_last", "trader_id")),
    RECORD_QUERY_REPLY: ("query reply", QueryReply, "<BBBxIQq8x",
                         ("query_kind", "count", "request_id", "ts_event")),
    RECORD_ERROR: ("error", ErrorReply, "<BBBBH2xQqI4x",
                   ("error_kind", "frame_type", "detail", "context_id", "ts_event",
                    "error_count")),
}
_PACKERS = {rt: _struct.Struct(spec[2]) for rt, spec in _SPECS.items()}
# struct code of each named field (pads and the version/record_type bytes dropped)
_FIELD_CODES = {rt: list(_re.sub(r"\d*x", "", spec[2][1:]))[2:] for rt, spec in _SPECS.items()}
_CLASS_TYPE = {spec[1]: rt for rt, spec in _SPECS.items()}
_CORE = {
    RECORD_ORDER: ("order", _enc.OrderMsg, _enc.encode_order, _enc.decode_order, ORDER_SIZE),
    RECORD_QUOTE: ("quote", _enc.QuoteMsg, _enc.encode_quote, _enc.decode_quote, QUOTE_SIZE),
    RECORD_TRADE: ("trade", _enc.TradeMsg, _enc.encode_trade, _enc.decode_trade, TRADE_SIZE),
}
_CORE_CLASS_TYPE = {spec[1]: rt for rt, spec in _CORE.items()}
RECORD_SIZES = {rt: _PACKERS[rt].size for rt in _SPECS}
RECORD_SIZES.update({rt: spec[4] for rt, spec in _CORE.items()})


cdef object _record_error(int record_type, int status, const uint8_t[::1] buf):
    name, _cls, _fmt, names = _SPECS[record_type]
    field, expected = PROTOCOL_ERRORS[status]
    if status == DECODE_BAD_VERSION:
        got = buf[0]
    elif status == DECODE_BAD_RECORD_TYPE:
        got = buf[1]
    elif status == DECODE_BAD_RESERVED:
        got = "non-zero reserved bytes " + bytes(buf).hex()
    else:
        values = dict(zip(names, _PACKERS[record_type].unpack(bytes(buf))[2:]))
        got = values.get(field, "?")
        if field == "max_version":
            got = f"min_version {values['min_version']}, max_version {got}"
        elif field in ("liquidity", "reason", "quantity", "fee", "trade_id"):
            got = f"{got} on report_kind {values['report_kind']}"
        elif field == "since_ts_ns":
            got = f"{got} on query_kind {values['query_kind']}"
        elif field == "detail":
            got = f"{got} on error_kind {values['error_kind']}"
    return ValueError(f"{name} record: field '{field}' is invalid: got {got}, expected {expected}")


def encode_record(msg) -> bytes:
    """Encode one record message (protocol or core) into its bytes, checking every rule."""
    core = _CORE_CLASS_TYPE.get(type(msg))
    if core is not None:
        return _CORE[core][2](msg)
    record_type = _CLASS_TYPE.get(type(msg))
    if record_type is None:
        raise TypeError(f"encode_record: got {type(msg).__name__}, expected a protocol or core "
                        f"record message")
    name, _cls, _fmt, names = _SPECS[record_type]
    packer = _PACKERS[record_type]
    values = [getattr(msg, f) for f in names]
    try:
        raw = packer.pack(ENCODING_VERSION, record_type, *values)
    except _struct.error:
        for f, code, v in zip(names, _FIELD_CODES[record_type], values):
            try:
                _struct.pack("<" + code, v)
            except _struct.error:  # the field that does not fit its C type
                raise ValueError(f"{name} record: field '{f}' is invalid: got {v!r}, expected "
                                 f"an integer that fits struct format '{code}'") from None
        raise
    cdef const uint8_t[::1] view = raw
    cdef int status = _record_validate(record_type, &view[0])
    if status:
        raise _record_error(record_type, status, view)
    return raw


def decode_record(buf):
    """Decode one record (protocol or core) after checking its length and every rule."""
    cdef const uint8_t[::1] view = memoryview(buf).cast("B")
    if view.shape[0] < 2:
        raise ValueError(f"record: {view.shape[0]} bytes, expected at least 2")
    cdef int record_type = view[1]
    core = _CORE.get(record_type)
    if core is not None:
        return core[3](view)
    spec = _SPECS.get(record_type)
    if spec is None:
        raise ValueError(f"record: field 'record_type' is invalid: got {record_type}, expected "
                         f"1..3 or 16..23")
    name, cls, _fmt, names = spec
    packer = _PACKERS[record_type]
    if view.shape[0] != packer.size:
        raise ValueError(f"{name} record: {view.shape[0]} bytes, expected {packer.size}")
    cdef int status = _record_validate(record_type, &view[0])
    if status:
        raise _record_error(record_type, status, view)
    return cls(**dict(zip(names, packer.unpack(view)[2:])))


# ---------------------------------------------------------------------------------------------
# Python face: frames
# ---------------------------------------------------------------------------------------------

_HEADER = _struct.Struct("<HBBBxHII")      # magic, version, type, flags, reserved1, length, r2
_TRAILER_HEAD = _struct.Struct("<16sqQ")   # key id, ts_ms, nonce (the signature follows)
_FRAME_NAMES = {t: n.lower()[6:] for n, t in FrameType.__members__.items()}


class Frame(msgspec.Struct, frozen=True, kw_only=True):
    """Hold one checked frame: its type, payload bytes, record count and auth trailer fields.

    `records()` decodes the payload into messages; `signed_part` is what the signature covers.
    """
    frame_type: int
    payload: bytes
    count: int
    key_id: str | None = None
    ts_ms: int = 0
    nonce: int = 0
    signature: bytes | None = None
    signed_part: bytes | None = None

    def records(self) -> list:
        """Decode every payload record (a query reply gives its head, then its records)."""
        size = RECORD_SIZES[_payload_record_type(self.frame_type)]
        p = self.payload
        if self.frame_type == FRAME_QUERY_REPLY:
            head = decode_record(p[:QUERY_REPLY_SIZE])
            size = RECORD_SIZES[_reply_record_type(head.query_kind)]
            return [head] + [decode_record(p[i:i + size])
                             for i in range(QUERY_REPLY_SIZE, len(p), size)]
        return [decode_record(p[i:i + size]) for i in range(0, len(p), size)]

    def quotes(self):
        """Return the payload of a QUOTES frame as a zero-copy numpy QUOTE_DTYPE array."""
        if self.frame_type != FRAME_QUOTES:
            raise ValueError(f"quotes(): frame_type is {self.frame_type}, expected 3 (QUOTES)")
        return _enc.decode_quotes_batch(self.payload)


def frame_header(int frame_type, Py_ssize_t length, bint signed=False) -> bytes:
    """Return the 16-byte header for a payload of `length` bytes (not checked further)."""
    if not FRAME_HELLO <= frame_type <= FRAME_ERROR:
        raise ValueError(f"frame: field 'frame_type' is invalid: got {frame_type}, expected 1..10")
    if not 0 <= length <= MAX_PAYLOAD:
        raise ValueError(f"frame: field 'length' is invalid: got {length}, expected "
                         f"0..{MAX_PAYLOAD}")
    return _HEADER.pack(FRAME_MAGIC, PROTOCOL_VERSION, frame_type,
                        FRAME_FLAG_SIGNED if signed else 0, 0, length, 0)


def encode_payload(records) -> bytes:
    """Return the payload bytes of a sequence of record messages (or bytes, passed through)."""
    if isinstance(records, (bytes, bytearray, memoryview)):
        return bytes(records)
    return b"".join([encode_record(r) for r in records])


def encode_key_id(str key_id not None) -> bytes:
    """Return a key id as its 16 zero-padded ASCII bytes, checking the allowed characters."""
    raw = key_id.encode("ascii", "replace")
    ok = 1 <= len(raw) <= KEY_ID_SIZE and all(c in b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"
                                              for c in raw)
    if not ok:
        raise ValueError(f"frame: field 'key_id' is invalid: got {key_id!r}, expected "
                         f"{_KEY_ID_TEXT}")
    return raw.ljust(KEY_ID_SIZE, b"\0")


def signed_frame_body(int frame_type, records, str key_id not None, int64_t ts_ms,
                      uint64_t nonce) -> bytes:
    """Return header + payload + key id + ts_ms + nonce: the bytes a signature covers."""
    if not frame_type_signed(frame_type):
        raise ValueError(f"frame: field 'frame_type' is invalid: got {frame_type}, expected a "
                         f"signed type: 1 (HELLO), 5 (ORDER), 6 (CANCEL) or 7 (QUERY)")
    payload = encode_payload(records)
    return (frame_header(frame_type, len(payload), True) + payload
            + _TRAILER_HEAD.pack(encode_key_id(key_id), ts_ms, nonce))


def encode_frame(int frame_type, records) -> bytes:
    """Return a checked server (unsigned) frame carrying the records; sign client frames with
    `auth.Signer`."""
    if frame_type_signed(frame_type):
        raise ValueError(f"frame: frame_type {frame_type} must be signed: use "
                         f"hft.adapters.sandbox.auth.Signer.sign")
    payload = encode_payload(records)
    frame = frame_header(frame_type, len(payload)) + payload
    check_frame(frame)
    return frame


cdef object _frame_error(int status, Py_ssize_t bad_index, const uint8_t[::1] view,
                         FrameHeader *h):
    n = view.shape[0]
    if bad_index >= 0:
        ft = h.frame_type
        payload = bytes(view[HEADER_SIZE:HEADER_SIZE + h.length])
        if ft == FRAME_QUERY_REPLY and bad_index > 0:
            kind = payload[2]
            size = RECORD_SIZES[_reply_record_type(kind)]
            start = QUERY_REPLY_SIZE + (bad_index - 1) * size
        else:
            size = RECORD_SIZES[_payload_record_type(ft)]
            start = bad_index * size
        try:
            decode_record(payload[start:start + size])
            detail = f"status {status}"
        except ValueError as exc:
            detail = str(exc)
        return ValueError(f"{_FRAME_NAMES[ft]} frame: record {bad_index}: {detail}")
    field, expected = PROTOCOL_ERRORS[status]
    if status == PROTO_BAD_FRAME_LENGTH and n < HEADER_SIZE:
        return ValueError(f"frame: {n} bytes, expected at least {HEADER_SIZE}")
    got = {
        PROTO_BAD_MAGIC: f"{h.magic:#06x}",
        PROTO_BAD_FRAME_VERSION: h.version,
        PROTO_BAD_FRAME_TYPE: h.frame_type,
        PROTO_BAD_FLAGS: h.flags,
        PROTO_UNSIGNED: h.flags,
        PROTO_UNEXPECTED_SIGNATURE: h.flags,
        PROTO_BAD_FRAME_RESERVED: bytes(view[:HEADER_SIZE]).hex(),
        PROTO_BAD_FRAME_LENGTH: f"length {h.length} in a {n}-byte frame",
        PROTO_BAD_PAYLOAD_LENGTH: h.length,
    }.get(status)
    if status in (PROTO_BAD_KEY_ID, PROTO_BAD_TIMESTAMP):
        key, ts_ms, _nonce = _TRAILER_HEAD.unpack(bytes(view[n - TRAILER_SIZE:n - 32]))
        got = key if status == PROTO_BAD_KEY_ID else ts_ms
    elif status == PROTO_BAD_COUNT:
        got = f"count {int.from_bytes(bytes(view[HEADER_SIZE + 4:HEADER_SIZE + 8]), 'little')} " \
              f"with length {h.length}"
    name = _FRAME_NAMES.get(h.frame_type, "unknown") if status != PROTO_BAD_FRAME_TYPE \
        else "unknown"
    return ValueError(f"{name} frame: field '{field}' is invalid: got {got}, expected {expected}")


def frame_status(buf) -> tuple[int, int]:
    """Return (status, bad record index) of a frame without raising; (0, -1) when valid."""
    cdef const uint8_t[::1] view = memoryview(buf).cast("B")
    cdef FrameHeader h
    cdef Py_ssize_t bad = -1
    cdef int status = PROTO_BAD_FRAME_LENGTH
    if view.shape[0] > 0:
        status = frame_validate(&view[0], view.shape[0], &h, &bad)
    return status, bad


def check_frame(buf) -> None:
    """Check a whole frame; raise ValueError naming the first bad field."""
    decode_frame(buf)


def decode_frame(buf) -> Frame:
    """Check a whole frame (header, payload records, trailer) and return it as a Frame.

    The signature itself is checked by `auth.Verifier`, which needs the key's secret.
    """
    cdef const uint8_t[::1] view = memoryview(buf).cast("B")
    cdef FrameHeader h
    cdef Py_ssize_t bad = -1, n = view.shape[0]
    cdef int status
    if n < HEADER_SIZE:
        raise ValueError(f"frame: {n} bytes, expected at least {HEADER_SIZE}")
    status = frame_validate(&view[0], n, &h, &bad)
    if status:
        raise _frame_error(status, bad, view, &h)
    payload = bytes(view[HEADER_SIZE:HEADER_SIZE + h.length])
    size = RECORD_SIZES[_payload_record_type(h.frame_type)]
    count = len(payload) // size if h.frame_type != FRAME_QUERY_REPLY \
        else int.from_bytes(payload[4:8], "little")
    if not (h.flags & FRAME_FLAG_SIGNED):
        return Frame(frame_type=h.frame_type, payload=payload, count=count)
    key, ts_ms, nonce = _TRAILER_HEAD.unpack(bytes(view[n - TRAILER_SIZE:n - SIGNATURE_SIZE]))
    return Frame(frame_type=h.frame_type, payload=payload, count=count,
                 key_id=key.rstrip(b"\0").decode("ascii"), ts_ms=ts_ms, nonce=nonce,
                 signature=bytes(view[n - SIGNATURE_SIZE:]),
                 signed_part=bytes(view[:n - SIGNATURE_SIZE]))


# ---------------------------------------------------------------------------------------------
# Hot path: quotes in, signed orders out, without building Frame or message objects
# ---------------------------------------------------------------------------------------------

def dispatch_quotes(buf, dict instruments not None, handler) -> int:
    """Check a QUOTES frame and call handler(QuoteTick) on each record in order; return the count.

    instruments maps a record's numeric instrument id to its InstrumentId. handler is a callable
    or the node's DataEngine itself: then each record goes to `process_quote_record` in C (no
    Python call, and no new QuoteTick while nobody keeps the last one). The whole frame is
    checked before the first call (ValueError naming the bad field, nothing dispatched); an
    unknown instrument id raises ValueError when its record is reached.
    """
    cdef DataEngine engine = handler if type(handler) is DataEngine else None
    cdef const uint8_t[::1] view = buf
    if view.shape[0] == 0:
        decode_frame(buf)  # raises the ValueError naming the length
    return dispatch_quote_frame(&view[0], view.shape[0], instruments, engine, handler)


cdef Py_ssize_t dispatch_quote_frame(const uint8_t *buf, Py_ssize_t n, dict instruments,
                                     DataEngine engine, object handler) except -1:
    cdef Py_ssize_t bad = -1, i, count
    cdef FrameHeader h
    cdef QuoteRecord rec
    cdef int status = PROTO_BAD_FRAME_LENGTH
    if n >= HEADER_SIZE:
        status = frame_validate(buf, n, &h, &bad)
    if status:
        decode_frame((<const char *>buf)[:n])  # raises the ValueError naming the field
    if h.frame_type != FRAME_QUOTES:
        raise ValueError(f"dispatch_quotes: frame_type is {h.frame_type}, expected 3 (QUOTES)")
    count = h.length // QUOTE_SIZE
    for i in range(count):
        # copy to an aligned local: records sit at offset 16 + 64 i of the frame
        memcpy(&rec, buf + HEADER_SIZE + i * QUOTE_SIZE, QUOTE_SIZE)
        iid = instruments.get(rec.instrument_id)
        if iid is None:
            raise ValueError(f"quote record: unknown instrument numeric id {rec.instrument_id}")
        if engine is not None:
            engine.process_quote_record(&rec, <InstrumentId?>iid)
        else:
            handler(quote_from_record(&rec, <InstrumentId?>iid))
    return count


cdef int64_t[MAX_PRECISION + 1] _POW10
_POW10[0] = 1
for _i in range(1, MAX_PRECISION + 1):
    _POW10[_i] = _POW10[_i - 1] * 10

cdef enum:
    RESCALE_OK = 0
    RESCALE_INEXACT = 1       # more decimals than the target precision
    RESCALE_OVERFLOW = 2      # does not fit int64 at the target precision


@cython.cdivision(True)
cdef int _rescale(int64_t *raw, int from_p, int to_p) noexcept nogil:
    # cdivision: every divisor is a power of ten >= 1, and C's truncating division gives the
    # same zero test and the same exact quotient as Python's flooring one.
    # Both precisions are 0..MAX_PRECISION (order_validate / the writer's face check them).
    cdef int64_t m, v = raw[0]
    if to_p >= from_p:
        m = _POW10[to_p - from_p]
        if v > INT64_MAX // m or v < -(INT64_MAX // m):
            return RESCALE_OVERFLOW
        raw[0] = v * m
        return RESCALE_OK
    m = _POW10[from_p - to_p]
    if v % m:
        return RESCALE_INEXACT
    raw[0] = v // m
    return RESCALE_OK


# checked once: the HMAC below uses the CPU's SHA extensions when it has them
cdef int _SHA_ACCELERATED = hft_sha256_accelerated()
# below this many bytes a hash runs with the GIL held (releasing it costs more)
cdef enum:
    _NOGIL_MIN_BYTES = 65536


def hmac_sha256(key, msg, bint portable=False) -> bytes:
    """Return HMAC-SHA256(key, msg) computed in C (the same bytes as `hmac.digest`).

    portable=True uses the plain C block function even where SHA extensions exist (tests).
    """
    cdef int accel = 0 if portable else _SHA_ACCELERATED
    cdef const uint8_t[::1] k = memoryview(key).cast("B")
    cdef const uint8_t[::1] m = memoryview(msg).cast("B")
    cdef hft_hmac_sha256_key state
    cdef uint8_t out[SIGNATURE_SIZE]
    cdef const uint8_t *kp = &k[0] if k.shape[0] else NULL
    cdef const uint8_t *mp = &m[0] if m.shape[0] else NULL
    with nogil:
        hft_hmac_sha256_init(&state, kp, k.shape[0], accel)
        hft_hmac_sha256(&state, mp, m.shape[0], out, accel)
    memset(&state, 0, sizeof(state))
    return (<char *>out)[:SIGNATURE_SIZE]


cdef class HmacKey:
    """Compute HMAC-SHA256 under one key in C, keeping only the key's two midstates.

    `digest(msg)` returns the same 32 bytes as `hmac.digest(key, msg, "sha256")`, without an
    OpenSSL context per call (the venue verifies every signed frame with it).
    """

    cdef hft_hmac_sha256_key state

    def __init__(self, key):
        cdef const uint8_t[::1] k = memoryview(key).cast("B")
        if k.shape[0] == 0:
            raise ValueError("HmacKey: key is empty, expected at least one byte")
        hft_hmac_sha256_init(&self.state, &k[0], k.shape[0], _SHA_ACCELERATED)

    def digest(self, msg) -> bytes:
        """Return HMAC-SHA256(key, msg); the GIL is released only for long messages."""
        cdef const uint8_t[::1] m = memoryview(msg).cast("B")
        cdef uint8_t out[SIGNATURE_SIZE]
        cdef const uint8_t *mp = &m[0] if m.shape[0] else NULL
        if m.shape[0] < _NOGIL_MIN_BYTES:
            # a frame's signed part hashes in ~0.3 us: handing the GIL to another thread and
            # waiting to get it back costs more than that
            hft_hmac_sha256(&self.state, mp, m.shape[0], out, _SHA_ACCELERATED)
        else:
            with nogil:
                hft_hmac_sha256(&self.state, mp, m.shape[0], out, _SHA_ACCELERATED)
        return (<char *>out)[:SIGNATURE_SIZE]

    def __dealloc__(self):
        memset(&self.state, 0, sizeof(self.state))

    def __repr__(self) -> str:
        return "HmacKey(<hidden>)"


def sha256_accelerated() -> bool:
    """Return True when the HMAC here runs on the CPU's SHA extensions."""
    return bool(_SHA_ACCELERATED)


cdef class OrderFrameWriter:
    """Encode one key id's ORDER frames in a reused buffer, checked in C, and sign them.

    `frame(...)` returns the whole 208-byte signed frame: header, the order's 128-byte record at
    the instrument's precisions, key id, ts_ms, nonce, and the HMAC-SHA256 of all that under the
    secret given to `set_secret` (computed in C from two keyed midstates, no Python objects).
    `body(...)` returns the 176 signed bytes alone. The frame is checked with `frame_validate`
    before it is returned, so it is always one a server accepts.
    """

    def __init__(self, str key_id not None):
        cdef bytes key = encode_key_id(key_id)
        cdef FrameHeader h
        memset(self.buf, 0, ORDER_FRAME_SIZE)
        memset(&h, 0, HEADER_SIZE)
        h.magic = FRAME_MAGIC
        h.version = PROTOCOL_VERSION
        h.frame_type = FRAME_ORDER
        h.flags = FRAME_FLAG_SIGNED
        h.length = ORDER_SIZE
        memcpy(self.buf, &h, HEADER_SIZE)
        memcpy(self.buf + HEADER_SIZE + ORDER_SIZE, <const char *>key, KEY_ID_SIZE)
        self.key_id = key_id

    def set_secret(self, secret) -> None:
        """Key the HMAC with secret (bytes); only its two midstates are kept."""
        cdef const uint8_t[::1] k = memoryview(secret).cast("B")
        if k.shape[0] == 0:
            raise ValueError("order frame: secret is empty, expected at least one byte")
        hft_hmac_sha256_init(&self.mac, &k[0], k.shape[0], _SHA_ACCELERATED)
        self.keyed = True

    def body(self, Order order not None, uint32_t instrument_num, int price_precision,
             int size_precision, uint32_t trader_num, int64_t ts_ms, uint64_t nonce) -> bytes:
        """Return the signed part of the order's ORDER frame at the given precisions.

        Raises ValueError when a price or the quantity has more decimals than the instrument's
        precision (or does not fit at it), or names the record field the venue would refuse.
        """
        self._encode(order, instrument_num, price_precision, size_precision, trader_num, ts_ms,
                     nonce)
        return (<char *>self.buf)[:ORDER_BODY_SIZE]

    def frame(self, Order order not None, uint32_t instrument_num, int price_precision,
              int size_precision, uint32_t trader_num, int64_t ts_ms, uint64_t nonce) -> bytes:
        """Return the order's whole signed ORDER frame (needs `set_secret` first).

        Raises ValueError as `body` does, and when no secret was set.
        """
        return self._signed(order, instrument_num, price_precision, size_precision, trader_num,
                            ts_ms, nonce)

    def next_nonce(self) -> int:
        """Add one to `nonce` (wrapping at 2**64) and return it."""
        self.nonce += 1
        return self.nonce

    cdef bytes sign_next(self, Order order, uint32_t instrument_num, int price_precision,
                         int size_precision, uint32_t trader_num, int64_t ts_ms):
        self.nonce += 1
        return self._signed(order, instrument_num, price_precision, size_precision, trader_num,
                            ts_ms, self.nonce)

    cdef bytes _signed(self, Order order, uint32_t instrument_num, int price_precision,
                       int size_precision, uint32_t trader_num, int64_t ts_ms, uint64_t nonce):
        # encode, check and sign into the buffer; the whole frame as bytes
        if not self.keyed:
            raise ValueError("order frame: no secret set, call set_secret first")
        self._encode(order, instrument_num, price_precision, size_precision, trader_num, ts_ms,
                     nonce)
        hft_hmac_sha256(&self.mac, self.buf, ORDER_BODY_SIZE, self.buf + ORDER_BODY_SIZE,
                        _SHA_ACCELERATED)
        return (<char *>self.buf)[:ORDER_FRAME_SIZE]

    cdef int _encode(self, Order order, uint32_t instrument_num, int price_precision,
                     int size_precision, uint32_t trader_num, int64_t ts_ms,
                     uint64_t nonce) except -1:
        cdef OrderRecord rec
        cdef FrameHeader h
        cdef Py_ssize_t bad
        cdef int status
        if not 0 <= price_precision <= MAX_PRECISION or not 0 <= size_precision <= MAX_PRECISION:
            raise ValueError(f"order frame: precisions {price_precision}/{size_precision}, "
                             f"expected 0..{MAX_PRECISION}")
        order.fill_record(&rec, instrument_num, trader_num, 0)
        # the venue wants the instrument's precisions (a market order built without a price
        # carries price precision 0): rescale exactly or refuse
        status = _rescale(&rec.price, rec.price_precision, price_precision)
        if status == RESCALE_OK:
            status = _rescale(&rec.trigger_price, rec.price_precision, price_precision)
            if status:
                what = "trigger price"
        else:
            what = "price"
        if status == RESCALE_OK:
            status = _rescale(&rec.quantity, rec.size_precision, size_precision)
            what = "quantity"
        if status == RESCALE_INEXACT:
            raise ValueError(f"{what} has more decimals than the instrument's "
                             f"{size_precision if what == 'quantity' else price_precision}")
        if status == RESCALE_OVERFLOW:
            raise ValueError(f"{what} does not fit int64 at the instrument's precision")
        rec.price_precision = price_precision
        rec.size_precision = size_precision
        memcpy(self.buf + HEADER_SIZE, &rec, ORDER_SIZE)
        memcpy(self.buf + HEADER_SIZE + ORDER_SIZE + KEY_ID_SIZE, &ts_ms, 8)
        memcpy(self.buf + HEADER_SIZE + ORDER_SIZE + KEY_ID_SIZE + 8, &nonce, 8)
        status = frame_validate(self.buf, ORDER_FRAME_SIZE, &h, &bad)
        if status:
            raise _frame_error(status, bad, (<char *>self.buf)[:ORDER_FRAME_SIZE], &h)
        return 0
