# Sandbox wire protocol: frame header, auth trailer and the records it adds to hft.core.encoding.
# Byte layouts, enums and status codes: docs/protocol.md (keep both in step).
from libc.stdint cimport int64_t, uint64_t, uint32_t, uint16_t, uint8_t

from hft.core.encoding cimport ORDER_SIZE
from hft.kernel.data_engine cimport DataEngine
from hft.model.orders cimport Order

cdef enum:
    PROTOCOL_VERSION = 1
    FRAME_MAGIC = 0x4648          # bytes b"HF"
    HEADER_SIZE = 16
    TRAILER_SIZE = 64
    KEY_ID_SIZE = 16
    SIGNATURE_SIZE = 32
    MAX_PAYLOAD = 1 << 20         # bytes; bounds what one frame can make a reader buffer
    HELLO_SIZE = 32
    WELCOME_SIZE = 32
    CANCEL_SIZE = 64
    QUERY_SIZE = 64
    REPORT_SIZE = 128
    POSITION_SIZE = 64
    QUERY_REPLY_SIZE = 32
    ERROR_SIZE = 32
    FRAME_FLAGS_MASK = 1

cpdef enum FrameType:
    FRAME_HELLO = 1          # client -> server, signed: one HelloRecord
    FRAME_WELCOME = 2        # server -> client: one WelcomeRecord
    FRAME_QUOTES = 3         # server -> client: one or more QuoteRecords
    FRAME_TRADES = 4         # server -> client: one or more TradeRecords
    FRAME_ORDER = 5          # client -> server, signed: one OrderRecord
    FRAME_CANCEL = 6         # client -> server, signed: one CancelRecord
    FRAME_QUERY = 7          # client -> server, signed: one QueryRecord
    FRAME_REPORTS = 8        # server -> client: one or more ExecReportRecords
    FRAME_QUERY_REPLY = 9    # server -> client: QueryReplyRecord + `count` records
    FRAME_ERROR = 10         # server -> client: one ErrorRecord

cpdef enum FrameFlag:
    FRAME_FLAG_SIGNED = 1

cpdef enum ProtoRecordType:       # continues hft.core.encoding.RecordType (1..3)
    RECORD_HELLO = 16
    RECORD_WELCOME = 17
    RECORD_CANCEL = 18
    RECORD_QUERY = 19
    RECORD_EXEC_REPORT = 20
    RECORD_ERROR = 21
    RECORD_POSITION = 22
    RECORD_QUERY_REPLY = 23

cpdef enum QueryKind:
    QUERY_OPEN_ORDERS = 1
    QUERY_FILLS_SINCE = 2
    QUERY_POSITIONS = 3

cpdef enum ReportKind:
    REPORT_ACCEPTED = 1
    REPORT_REJECTED = 2
    REPORT_FILLED = 3
    REPORT_CANCELED = 4
    REPORT_EXPIRED = 5
    REPORT_TRIGGERED = 6
    REPORT_UPDATED = 7
    REPORT_CANCEL_REJECTED = 8   # a cancel refused; reason says why, the order is unchanged

cpdef enum Liquidity:
    LIQUIDITY_NONE = 0
    LIQUIDITY_MAKER = 1
    LIQUIDITY_TAKER = 2

cpdef enum RejectReason:
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

cpdef enum ErrorKind:
    ERROR_FRAME = 1          # detail: the ProtocolStatus / DecodeStatus of the bad frame
    ERROR_AUTH = 2           # detail: AuthReason
    ERROR_SESSION = 3        # detail: SessionError

cpdef enum AuthReason:
    AUTH_OK = 0
    AUTH_UNSIGNED = 1
    AUTH_UNKNOWN_KEY = 2
    AUTH_BAD_SIGNATURE = 3
    AUTH_REPLAYED = 4
    AUTH_STALE = 5

cpdef enum SessionError:
    SESSION_NOT_LOGGED_IN = 1
    SESSION_VERSION_UNSUPPORTED = 2
    SESSION_ALREADY_LOGGED_IN = 3
    SESSION_TOO_MANY_ERRORS = 4

cdef enum:
    REJECT_LAST = 14
    AUTH_LAST = 5
    SESSION_LAST = 4

# Status codes 0..19 are hft.core.encoding.DecodeStatus (reused for the shared rules);
# the protocol's own start at 100. Append only: codes are stable. docs/protocol.md#status-codes
cpdef enum ProtocolStatus:
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

ctypedef struct FrameHeader:      # 16 bytes, docs/protocol.md#frame-header
    uint16_t magic                # 0   FRAME_MAGIC
    uint8_t version               # 2   PROTOCOL_VERSION
    uint8_t frame_type            # 3   FrameType
    uint8_t flags                 # 4   FrameFlag bits
    uint8_t reserved0             # 5
    uint16_t reserved1            # 6
    uint32_t length               # 8   payload bytes (header and trailer excluded)
    uint32_t reserved2            # 12

ctypedef struct AuthTrailer:      # 64 bytes, docs/protocol.md#auth-trailer
    uint8_t key_id[16]            # 0   ASCII [A-Z0-9_], zero-padded
    int64_t ts_ms                 # 16  ms since epoch
    uint64_t nonce                # 24
    uint8_t signature[32]         # 32  HMAC-SHA256 of every frame byte before it

ctypedef struct HelloRecord:      # 32 bytes
    uint8_t version
    uint8_t record_type
    uint8_t min_version
    uint8_t max_version
    uint32_t reserved0
    uint64_t session_id
    int64_t ts_init
    uint8_t reserved[8]

ctypedef struct WelcomeRecord:    # 32 bytes
    uint8_t version
    uint8_t record_type
    uint8_t accepted_version
    uint8_t reserved0
    uint32_t trader_id
    uint64_t session_id
    int64_t ts_event
    uint8_t reserved[8]

ctypedef struct CancelRecord:     # 64 bytes
    uint8_t version
    uint8_t record_type
    uint16_t reserved0
    uint32_t instrument_id
    uint64_t client_order_id
    uint64_t venue_order_id
    int64_t ts_init
    uint32_t strategy_id
    uint32_t trader_id
    uint8_t reserved[24]

ctypedef struct QueryRecord:      # 64 bytes
    uint8_t version
    uint8_t record_type
    uint8_t query_kind
    uint8_t reserved0
    uint32_t instrument_id
    uint64_t request_id
    int64_t since_ts_ns
    int64_t ts_init
    uint8_t reserved[32]

ctypedef struct ExecReportRecord: # 128 bytes
    uint8_t version
    uint8_t record_type
    uint8_t report_kind
    uint8_t side
    uint8_t liquidity
    uint8_t price_precision
    uint8_t size_precision
    uint8_t fee_precision
    uint32_t instrument_id
    uint16_t reason
    uint16_t reserved0
    uint32_t strategy_id
    uint32_t trader_id
    uint64_t client_order_id
    uint64_t venue_order_id
    uint64_t trade_id
    int64_t price
    int64_t quantity
    int64_t leaves_qty
    int64_t cum_qty
    int64_t fee
    int64_t ts_event
    int64_t ts_init
    uint64_t request_id
    uint8_t reserved[16]

ctypedef struct PositionRecord:   # 64 bytes
    uint8_t version
    uint8_t record_type
    uint8_t price_precision
    uint8_t size_precision
    uint32_t instrument_id
    int64_t quantity
    int64_t avg_price
    int64_t realized_pnl
    int64_t ts_last
    uint32_t trader_id
    uint32_t reserved0
    uint8_t reserved[16]

ctypedef struct QueryReplyRecord: # 32 bytes
    uint8_t version
    uint8_t record_type
    uint8_t query_kind
    uint8_t reserved0
    uint32_t count
    uint64_t request_id
    int64_t ts_event
    uint8_t reserved[8]

ctypedef struct ErrorRecord:      # 32 bytes
    uint8_t version
    uint8_t record_type
    uint8_t error_kind
    uint8_t frame_type
    uint16_t detail
    uint16_t reserved0
    uint64_t context_id
    int64_t ts_event
    uint32_t error_count
    uint32_t reserved1

# C level: never raise; return 0 (DECODE_OK) or a status code.
cdef int hello_validate(const HelloRecord *rec) noexcept nogil
cdef int welcome_validate(const WelcomeRecord *rec) noexcept nogil
cdef int cancel_validate(const CancelRecord *rec) noexcept nogil
cdef int query_validate(const QueryRecord *rec) noexcept nogil
cdef int report_validate(const ExecReportRecord *rec) noexcept nogil
cdef int position_validate(const PositionRecord *rec) noexcept nogil
cdef int query_reply_validate(const QueryReplyRecord *rec) noexcept nogil
cdef int error_validate(const ErrorRecord *rec) noexcept nogil
# Validate a whole frame of n bytes: header, payload size for its type, every payload record and
# (signed frames) the trailer's key id and timestamp -- not the signature, which needs a secret.
# Fills *header; *bad_index is the index of the failing payload record (-1 = header or trailer).
cdef int frame_validate(const uint8_t *buf, Py_ssize_t n, FrameHeader *header,
                        Py_ssize_t *bad_index) noexcept nogil
cdef bint frame_type_signed(int frame_type) noexcept nogil

# HMAC-SHA256 in C (hft/core/include/hft_sha256.h): two keyed midstates, SHA-NI when present.
cdef extern from "hft_sha256.h" nogil:
    ctypedef struct hft_hmac_sha256_key:
        uint32_t inner[8]
        uint32_t outer[8]
    int hft_sha256_accelerated()
    void hft_hmac_sha256_init(hft_hmac_sha256_key *k, const uint8_t *key, size_t n,
                              int use_shani)
    void hft_hmac_sha256(const hft_hmac_sha256_key *k, const uint8_t *msg, size_t n,
                         uint8_t *out, int use_shani)


cdef enum:
    ORDER_FRAME_SIZE = HEADER_SIZE + ORDER_SIZE + TRAILER_SIZE
    ORDER_BODY_SIZE = ORDER_FRAME_SIZE - SIGNATURE_SIZE


cdef class OrderFrameWriter:
    cdef uint8_t buf[ORDER_FRAME_SIZE]
    cdef hft_hmac_sha256_key mac
    cdef bint keyed
    cdef readonly str key_id
    cdef public uint64_t nonce        # the last nonce used (the Signer's counter)
    cdef int _encode(self, Order order, uint32_t instrument_num, int price_precision,
                     int size_precision, uint32_t trader_num, int64_t ts_ms,
                     uint64_t nonce) except -1
    # the next nonce, then the order's whole signed frame (ValueError as `frame`)
    cdef bytes sign_next(self, Order order, uint32_t instrument_num, int price_precision,
                         int size_precision, uint32_t trader_num, int64_t ts_ms)
    cdef bytes _signed(self, Order order, uint32_t instrument_num, int price_precision,
                       int size_precision, uint32_t trader_num, int64_t ts_ms, uint64_t nonce)


# Check a QUOTES frame of n bytes at buf and pass each record to engine.process_quote_record
# (engine not None) or handler(QuoteTick); return the count. ValueError names a bad field;
# nothing is dispatched from a frame that fails its checks.
cdef Py_ssize_t dispatch_quote_frame(const uint8_t *buf, Py_ssize_t n, dict instruments,
                                     DataEngine engine, object handler) except -1
