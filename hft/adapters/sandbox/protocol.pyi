"""Type stub for hft.adapters.sandbox.protocol (Cython extension; docs/protocol.md)."""

from enum import IntEnum
from typing import Any, Final, TypeAlias

import msgspec
import numpy as np
import numpy.typing as npt

_Buffer: TypeAlias = bytes | bytearray | memoryview

class FrameType(IntEnum):
    FRAME_HELLO = 1
    FRAME_WELCOME = 2
    FRAME_QUOTES = 3
    FRAME_TRADES = 4
    FRAME_ORDER = 5
    FRAME_CANCEL = 6
    FRAME_QUERY = 7
    FRAME_REPORTS = 8
    FRAME_QUERY_REPLY = 9
    FRAME_ERROR = 10

class FrameFlag(IntEnum):
    FRAME_FLAG_SIGNED = 1

class ProtoRecordType(IntEnum):
    RECORD_HELLO = 16
    RECORD_WELCOME = 17
    RECORD_CANCEL = 18
    RECORD_QUERY = 19
    RECORD_EXEC_REPORT = 20
    RECORD_ERROR = 21
    RECORD_POSITION = 22
    RECORD_QUERY_REPLY = 23

class QueryKind(IntEnum):
    QUERY_OPEN_ORDERS = 1
    QUERY_FILLS_SINCE = 2
    QUERY_POSITIONS = 3

class ReportKind(IntEnum):
    REPORT_ACCEPTED = 1
    REPORT_REJECTED = 2
    REPORT_FILLED = 3
    REPORT_CANCELED = 4
    REPORT_EXPIRED = 5
    REPORT_TRIGGERED = 6
    REPORT_UPDATED = 7
    REPORT_CANCEL_REJECTED = 8

class Liquidity(IntEnum):
    LIQUIDITY_NONE = 0
    LIQUIDITY_MAKER = 1
    LIQUIDITY_TAKER = 2

class RejectReason(IntEnum):
    REJECT_UNKNOWN_INSTRUMENT = 1
    REJECT_INVALID_ORDER = 2
    REJECT_DUPLICATE_CLIENT_ORDER_ID = 3
    REJECT_UNKNOWN_ORDER = 4
    REJECT_POST_ONLY_WOULD_TAKE = 5
    REJECT_FOK_NOT_FILLABLE = 6
    REJECT_INSUFFICIENT_MARGIN = 7
    REJECT_RISK_LIMIT = 8
    REJECT_RATE_LIMITED = 9
    REJECT_NOT_LOGGED_IN = 10
    REJECT_INJECTED = 11
    REJECT_ORDER_CLOSED = 12
    REJECT_NO_MARKET = 13
    REJECT_REDUCE_ONLY = 14

class ErrorKind(IntEnum):
    ERROR_FRAME = 1
    ERROR_AUTH = 2
    ERROR_SESSION = 3

class AuthReason(IntEnum):
    AUTH_OK = 0
    AUTH_UNSIGNED = 1
    AUTH_UNKNOWN_KEY = 2
    AUTH_BAD_SIGNATURE = 3
    AUTH_REPLAYED = 4
    AUTH_STALE = 5

class SessionError(IntEnum):
    SESSION_NOT_LOGGED_IN = 1
    SESSION_VERSION_UNSUPPORTED = 2
    SESSION_ALREADY_LOGGED_IN = 3
    SESSION_TOO_MANY_ERRORS = 4

class ProtocolStatus(IntEnum):
    PROTO_BAD_MAGIC = 100
    PROTO_BAD_FRAME_VERSION = 101
    PROTO_BAD_FRAME_TYPE = 102
    PROTO_BAD_FLAGS = 103
    PROTO_BAD_FRAME_RESERVED = 104
    PROTO_BAD_FRAME_LENGTH = 105
    PROTO_UNSIGNED = 106
    PROTO_UNEXPECTED_SIGNATURE = 107
    PROTO_BAD_PAYLOAD_LENGTH = 108
    PROTO_BAD_KEY_ID = 109
    PROTO_BAD_TIMESTAMP = 110
    PROTO_BAD_VERSION_RANGE = 111
    PROTO_BAD_ACCEPTED_VERSION = 112
    PROTO_BAD_ORDER_ID = 113
    PROTO_BAD_QUERY_KIND = 114
    PROTO_BAD_REQUEST_ID = 115
    PROTO_BAD_SINCE = 116
    PROTO_BAD_REPORT_KIND = 117
    PROTO_BAD_LIQUIDITY = 118
    PROTO_BAD_REASON = 119
    PROTO_BAD_REPORT_QTY = 120
    PROTO_BAD_LEAVES = 121
    PROTO_BAD_CUM = 122
    PROTO_BAD_FEE = 123
    PROTO_BAD_TRADE_ID = 124
    PROTO_BAD_FEE_PRECISION = 125
    PROTO_BAD_ERROR_KIND = 126
    PROTO_BAD_DETAIL = 127
    PROTO_BAD_COUNT = 128

FRAME_HELLO: Final = FrameType.FRAME_HELLO
FRAME_WELCOME: Final = FrameType.FRAME_WELCOME
FRAME_QUOTES: Final = FrameType.FRAME_QUOTES
FRAME_TRADES: Final = FrameType.FRAME_TRADES
FRAME_ORDER: Final = FrameType.FRAME_ORDER
FRAME_CANCEL: Final = FrameType.FRAME_CANCEL
FRAME_QUERY: Final = FrameType.FRAME_QUERY
FRAME_REPORTS: Final = FrameType.FRAME_REPORTS
FRAME_QUERY_REPLY: Final = FrameType.FRAME_QUERY_REPLY
FRAME_ERROR: Final = FrameType.FRAME_ERROR
FRAME_FLAG_SIGNED: Final = FrameFlag.FRAME_FLAG_SIGNED
RECORD_HELLO: Final = ProtoRecordType.RECORD_HELLO
RECORD_WELCOME: Final = ProtoRecordType.RECORD_WELCOME
RECORD_CANCEL: Final = ProtoRecordType.RECORD_CANCEL
RECORD_QUERY: Final = ProtoRecordType.RECORD_QUERY
RECORD_EXEC_REPORT: Final = ProtoRecordType.RECORD_EXEC_REPORT
RECORD_ERROR: Final = ProtoRecordType.RECORD_ERROR
RECORD_POSITION: Final = ProtoRecordType.RECORD_POSITION
RECORD_QUERY_REPLY: Final = ProtoRecordType.RECORD_QUERY_REPLY
QUERY_OPEN_ORDERS: Final = QueryKind.QUERY_OPEN_ORDERS
QUERY_FILLS_SINCE: Final = QueryKind.QUERY_FILLS_SINCE
QUERY_POSITIONS: Final = QueryKind.QUERY_POSITIONS
REPORT_ACCEPTED: Final = ReportKind.REPORT_ACCEPTED
REPORT_REJECTED: Final = ReportKind.REPORT_REJECTED
REPORT_FILLED: Final = ReportKind.REPORT_FILLED
REPORT_CANCELED: Final = ReportKind.REPORT_CANCELED
REPORT_EXPIRED: Final = ReportKind.REPORT_EXPIRED
REPORT_TRIGGERED: Final = ReportKind.REPORT_TRIGGERED
REPORT_UPDATED: Final = ReportKind.REPORT_UPDATED
REPORT_CANCEL_REJECTED: Final = ReportKind.REPORT_CANCEL_REJECTED
LIQUIDITY_NONE: Final = Liquidity.LIQUIDITY_NONE
LIQUIDITY_MAKER: Final = Liquidity.LIQUIDITY_MAKER
LIQUIDITY_TAKER: Final = Liquidity.LIQUIDITY_TAKER
REJECT_UNKNOWN_INSTRUMENT: Final = RejectReason.REJECT_UNKNOWN_INSTRUMENT
REJECT_INVALID_ORDER: Final = RejectReason.REJECT_INVALID_ORDER
REJECT_DUPLICATE_CLIENT_ORDER_ID: Final = RejectReason.REJECT_DUPLICATE_CLIENT_ORDER_ID
REJECT_UNKNOWN_ORDER: Final = RejectReason.REJECT_UNKNOWN_ORDER
REJECT_POST_ONLY_WOULD_TAKE: Final = RejectReason.REJECT_POST_ONLY_WOULD_TAKE
REJECT_FOK_NOT_FILLABLE: Final = RejectReason.REJECT_FOK_NOT_FILLABLE
REJECT_INSUFFICIENT_MARGIN: Final = RejectReason.REJECT_INSUFFICIENT_MARGIN
REJECT_RISK_LIMIT: Final = RejectReason.REJECT_RISK_LIMIT
REJECT_RATE_LIMITED: Final = RejectReason.REJECT_RATE_LIMITED
REJECT_NOT_LOGGED_IN: Final = RejectReason.REJECT_NOT_LOGGED_IN
REJECT_INJECTED: Final = RejectReason.REJECT_INJECTED
REJECT_ORDER_CLOSED: Final = RejectReason.REJECT_ORDER_CLOSED
REJECT_NO_MARKET: Final = RejectReason.REJECT_NO_MARKET
REJECT_REDUCE_ONLY: Final = RejectReason.REJECT_REDUCE_ONLY
ERROR_FRAME: Final = ErrorKind.ERROR_FRAME
ERROR_AUTH: Final = ErrorKind.ERROR_AUTH
ERROR_SESSION: Final = ErrorKind.ERROR_SESSION
AUTH_OK: Final = AuthReason.AUTH_OK
AUTH_UNSIGNED: Final = AuthReason.AUTH_UNSIGNED
AUTH_UNKNOWN_KEY: Final = AuthReason.AUTH_UNKNOWN_KEY
AUTH_BAD_SIGNATURE: Final = AuthReason.AUTH_BAD_SIGNATURE
AUTH_REPLAYED: Final = AuthReason.AUTH_REPLAYED
AUTH_STALE: Final = AuthReason.AUTH_STALE
SESSION_NOT_LOGGED_IN: Final = SessionError.SESSION_NOT_LOGGED_IN
SESSION_VERSION_UNSUPPORTED: Final = SessionError.SESSION_VERSION_UNSUPPORTED
SESSION_ALREADY_LOGGED_IN: Final = SessionError.SESSION_ALREADY_LOGGED_IN
SESSION_TOO_MANY_ERRORS: Final = SessionError.SESSION_TOO_MANY_ERRORS
PROTO_BAD_MAGIC: Final = ProtocolStatus.PROTO_BAD_MAGIC
PROTO_BAD_FRAME_VERSION: Final = ProtocolStatus.PROTO_BAD_FRAME_VERSION
PROTO_BAD_FRAME_TYPE: Final = ProtocolStatus.PROTO_BAD_FRAME_TYPE
PROTO_BAD_FLAGS: Final = ProtocolStatus.PROTO_BAD_FLAGS
PROTO_BAD_FRAME_RESERVED: Final = ProtocolStatus.PROTO_BAD_FRAME_RESERVED
PROTO_BAD_FRAME_LENGTH: Final = ProtocolStatus.PROTO_BAD_FRAME_LENGTH
PROTO_UNSIGNED: Final = ProtocolStatus.PROTO_UNSIGNED
PROTO_UNEXPECTED_SIGNATURE: Final = ProtocolStatus.PROTO_UNEXPECTED_SIGNATURE
PROTO_BAD_PAYLOAD_LENGTH: Final = ProtocolStatus.PROTO_BAD_PAYLOAD_LENGTH
PROTO_BAD_KEY_ID: Final = ProtocolStatus.PROTO_BAD_KEY_ID
PROTO_BAD_TIMESTAMP: Final = ProtocolStatus.PROTO_BAD_TIMESTAMP
PROTO_BAD_VERSION_RANGE: Final = ProtocolStatus.PROTO_BAD_VERSION_RANGE
PROTO_BAD_ACCEPTED_VERSION: Final = ProtocolStatus.PROTO_BAD_ACCEPTED_VERSION
PROTO_BAD_ORDER_ID: Final = ProtocolStatus.PROTO_BAD_ORDER_ID
PROTO_BAD_QUERY_KIND: Final = ProtocolStatus.PROTO_BAD_QUERY_KIND
PROTO_BAD_REQUEST_ID: Final = ProtocolStatus.PROTO_BAD_REQUEST_ID
PROTO_BAD_SINCE: Final = ProtocolStatus.PROTO_BAD_SINCE
PROTO_BAD_REPORT_KIND: Final = ProtocolStatus.PROTO_BAD_REPORT_KIND
PROTO_BAD_LIQUIDITY: Final = ProtocolStatus.PROTO_BAD_LIQUIDITY
PROTO_BAD_REASON: Final = ProtocolStatus.PROTO_BAD_REASON
PROTO_BAD_REPORT_QTY: Final = ProtocolStatus.PROTO_BAD_REPORT_QTY
PROTO_BAD_LEAVES: Final = ProtocolStatus.PROTO_BAD_LEAVES
PROTO_BAD_CUM: Final = ProtocolStatus.PROTO_BAD_CUM
PROTO_BAD_FEE: Final = ProtocolStatus.PROTO_BAD_FEE
PROTO_BAD_TRADE_ID: Final = ProtocolStatus.PROTO_BAD_TRADE_ID
PROTO_BAD_FEE_PRECISION: Final = ProtocolStatus.PROTO_BAD_FEE_PRECISION
PROTO_BAD_ERROR_KIND: Final = ProtocolStatus.PROTO_BAD_ERROR_KIND
PROTO_BAD_DETAIL: Final = ProtocolStatus.PROTO_BAD_DETAIL
PROTO_BAD_COUNT: Final = ProtocolStatus.PROTO_BAD_COUNT

VERSION: Final[int]
MAGIC: Final[int]
FRAME_HEADER_SIZE: Final[int]
AUTH_TRAILER_SIZE: Final[int]
MAX_PAYLOAD_SIZE: Final[int]
SIGNED_FRAME_TYPES: Final[frozenset[int]]
RECORD_SIZES: Final[dict[int, int]]
PROTOCOL_ERRORS: Final[dict[int, tuple[str, str]]]

class Hello(msgspec.Struct, frozen=True, kw_only=True):
    """Open a session: the protocol versions the client speaks (its key id is in the trailer)."""
    min_version: int
    max_version: int
    session_id: int
    ts_init: int

class Welcome(msgspec.Struct, frozen=True, kw_only=True):
    """Accept a session: the version chosen and the account (trader id) of the key."""
    accepted_version: int
    trader_id: int
    session_id: int
    ts_event: int

class Cancel(msgspec.Struct, frozen=True, kw_only=True):
    """Ask the venue to cancel one order, named by client or venue order id."""
    instrument_id: int
    client_order_id: int
    venue_order_id: int
    ts_init: int
    strategy_id: int
    trader_id: int

class Query(msgspec.Struct, frozen=True, kw_only=True):
    """Ask for open orders, fills since a time, or positions (instrument_id 0 = all)."""
    query_kind: int
    request_id: int
    instrument_id: int
    since_ts_ns: int
    ts_init: int

class ExecReport(msgspec.Struct, frozen=True, kw_only=True):
    """Report what happened to an order: accepted, rejected, filled, canceled, expired ..."""
    report_kind: int
    side: int
    liquidity: int
    price_precision: int
    size_precision: int
    fee_precision: int
    instrument_id: int
    reason: int
    strategy_id: int
    trader_id: int
    client_order_id: int
    venue_order_id: int
    trade_id: int
    price: int
    quantity: int
    leaves_qty: int
    cum_qty: int
    fee: int
    ts_event: int
    ts_init: int
    request_id: int

class Position(msgspec.Struct, frozen=True, kw_only=True):
    """Report the venue's net position of one account in one instrument."""
    price_precision: int
    size_precision: int
    instrument_id: int
    quantity: int
    avg_price: int
    realized_pnl: int
    ts_last: int
    trader_id: int

class QueryReply(msgspec.Struct, frozen=True, kw_only=True):
    """Head a query's answer: its kind, request id and how many records follow."""
    query_kind: int
    request_id: int
    count: int
    ts_event: int

class ErrorReply(msgspec.Struct, frozen=True, kw_only=True):
    """Tell a client why a frame was refused: kind, detail code and the offending frame type."""
    error_kind: int
    detail: int
    frame_type: int
    context_id: int
    ts_event: int
    error_count: int

class Frame(msgspec.Struct, frozen=True, kw_only=True):
    """Hold one checked frame: its type, payload bytes, record count and auth trailer fields."""
    frame_type: int
    payload: bytes
    count: int
    key_id: str | None
    ts_ms: int
    nonce: int
    signature: bytes | None
    signed_part: bytes | None
    def records(self) -> list[Any]: ...
    def quotes(self) -> npt.NDArray[np.void]: ...

def encode_record(msg: Any) -> bytes: ...
def decode_record(buf: _Buffer) -> Any: ...
def frame_header(frame_type: int, length: int, signed: bool = False) -> bytes: ...
def encode_payload(records: Any) -> bytes: ...
def encode_key_id(key_id: str) -> bytes: ...
def signed_frame_body(frame_type: int, records: Any, key_id: str, ts_ms: int, nonce: int) -> bytes: ...
def encode_frame(frame_type: int, records: Any) -> bytes: ...
def frame_status(buf: _Buffer) -> tuple[int, int]: ...
def check_frame(buf: _Buffer) -> None: ...
def decode_frame(buf: _Buffer) -> Frame: ...

def dispatch_quotes(buf: _Buffer, instruments: dict[int, Any], handler: Any) -> int: ...

def hmac_sha256(key: bytes, msg: bytes, portable: bool = False) -> bytes: ...
def sha256_accelerated() -> bool: ...

class HmacKey:
    """Compute HMAC-SHA256 under one key in C, keeping only the key's two midstates."""

    def __init__(self, key: bytes) -> None: ...
    def digest(self, msg: bytes) -> bytes: ...

class OrderFrameWriter:
    """Encode one key id's ORDER frames in a reused buffer, checked in C, and sign them."""

    key_id: str
    nonce: int
    def __init__(self, key_id: str) -> None: ...
    def next_nonce(self) -> int: ...
    def set_secret(self, secret: bytes) -> None: ...
    def body(self, order: Any, instrument_num: int, price_precision: int, size_precision: int,
             trader_num: int, ts_ms: int, nonce: int) -> bytes: ...
    def frame(self, order: Any, instrument_num: int, price_precision: int, size_precision: int,
              trader_num: int, ts_ms: int, nonce: int) -> bytes: ...
