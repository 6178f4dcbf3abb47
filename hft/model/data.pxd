# Market data: quotes, trades, bars and order book updates. Ticks keep int64 raw values and
# their precisions (Price/Quantity are built on access), so the hot path never allocates them.
from libc.stdint cimport int64_t, uint8_t, uint32_t, uint64_t

from hft.core.encoding cimport BookDeltaRecord, QuoteRecord, TradeRecord
from hft.model.identifiers cimport InstrumentId, TradeId
from hft.model.objects cimport Price, Quantity


cpdef enum BarAggregation:
    BAR_TICK = 1
    BAR_SECOND = 2
    BAR_MINUTE = 3
    BAR_HOUR = 4
    BAR_DAY = 5
    BAR_VOLUME = 6

cpdef enum PriceType:
    PRICE_BID = 1
    PRICE_ASK = 2
    PRICE_MID = 3
    PRICE_LAST = 4

cpdef enum BookAction:
    BOOK_ADD = 1
    BOOK_UPDATE = 2
    BOOK_DELETE = 3
    BOOK_CLEAR = 4


cdef class QuoteTick:
    cdef readonly InstrumentId instrument_id
    cdef readonly int64_t bid_raw
    cdef readonly int64_t ask_raw
    cdef readonly int64_t bid_size_raw
    cdef readonly int64_t ask_size_raw
    cdef readonly uint8_t price_precision
    cdef readonly uint8_t size_precision
    cdef readonly int64_t ts_event
    cdef readonly int64_t ts_init
    cdef readonly uint64_t sequence


cdef class TradeTick:
    cdef readonly InstrumentId instrument_id
    cdef readonly int64_t price_raw
    cdef readonly int64_t size_raw
    cdef readonly uint8_t price_precision
    cdef readonly uint8_t size_precision
    cdef readonly uint8_t aggressor_side     # hft.core.encoding Side: NONE/BUY/SELL
    cdef readonly TradeId trade_id
    cdef readonly int64_t ts_event
    cdef readonly int64_t ts_init
    cdef readonly uint64_t sequence


cdef class BarType:
    cdef readonly InstrumentId instrument_id
    cdef readonly int64_t step
    cdef readonly BarAggregation aggregation
    cdef readonly PriceType price_type


cdef class Bar:
    cdef readonly BarType bar_type
    cdef readonly Price open
    cdef readonly Price high
    cdef readonly Price low
    cdef readonly Price close
    cdef readonly Quantity volume
    cdef readonly int64_t ts_event
    cdef readonly int64_t ts_init


cdef class BookDelta:
    cdef readonly InstrumentId instrument_id
    cdef readonly BookAction action
    cdef readonly uint8_t side               # Side: BUY = bid, SELL = ask; NONE for CLEAR
    cdef readonly int64_t price_raw
    cdef readonly int64_t size_raw
    cdef readonly uint8_t price_precision
    cdef readonly uint8_t size_precision
    cdef readonly uint64_t sequence
    cdef readonly int64_t ts_event
    cdef readonly int64_t ts_init


cdef class BookSnapshot:
    cdef readonly InstrumentId instrument_id
    cdef readonly list bids                  # [(Price, Quantity)], best (highest) first
    cdef readonly list asks                  # [(Price, Quantity)], best (lowest) first
    cdef readonly uint64_t sequence
    cdef readonly int64_t ts_event
    cdef readonly int64_t ts_init


# Hot path: build a tick from a decoded (already validated) record, or fill a record from a
# tick. trade_fill_record raises ValueError when the trade id is not a u64 decimal string.
cdef QuoteTick quote_from_record(const QuoteRecord *rec, InstrumentId instrument_id)
# Set every field of q from rec (a new tick, or one nobody else references: see
# DataEngine.process_quote_record); inline, as it runs once per quote
cdef inline void quote_refill(QuoteTick q, const QuoteRecord *rec,
                              InstrumentId instrument_id) noexcept:
    q.instrument_id = instrument_id
    q.bid_raw = rec.bid_price
    q.ask_raw = rec.ask_price
    q.bid_size_raw = rec.bid_size
    q.ask_size_raw = rec.ask_size
    q.price_precision = rec.price_precision
    q.size_precision = rec.size_precision
    q.ts_event = rec.ts_event
    q.ts_init = rec.ts_init
    q.sequence = rec.sequence
cdef TradeTick trade_from_record(const TradeRecord *rec, InstrumentId instrument_id)
cdef void quote_fill_record(QuoteTick tick, uint32_t numeric_id, QuoteRecord *out) noexcept
cdef int trade_fill_record(TradeTick tick, uint32_t numeric_id, TradeRecord *out) except -1
# A book delta record's CLEAR may name one side; the BookDelta keeps that side (its Python
# constructor only builds whole-book CLEARs with SIDE_NONE).
cdef BookDelta book_delta_from_record(const BookDeltaRecord *rec, InstrumentId instrument_id)
