# Fixed-size binary records; byte layouts in docs/encoding.md (keep both in step).
# Little-endian on the wire; the structs are laid out so that on a little-endian host the
# struct *is* the wire form (no padding: every field sits at a multiple of its size).
from libc.stdint cimport int64_t, uint64_t, uint32_t, uint16_t, uint8_t

cdef enum:
    ENCODING_VERSION = 1
    ORDER_SIZE = 128
    QUOTE_SIZE = 64
    TRADE_SIZE = 64

cpdef enum RecordType:
    RECORD_ORDER = 1
    RECORD_QUOTE = 2
    RECORD_TRADE = 3

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

cdef enum:
    ORDER_FLAGS_MASK = 3
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
