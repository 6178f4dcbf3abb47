"""Market data: QuoteTick, TradeTick, BarType, Bar, BookDelta and BookSnapshot.

Ticks hold int64 raw values with their precisions (`bid_raw`, `price_raw` ...) for hot
code, and Price/Quantity properties for everyone else. They convert to and from the
64-byte core records of `hft.core.encoding` (docs/encoding.md):

* `tick.to_record(numeric_id)` -> bytes: the record's u32 `instrument_id` is the
  instrument's `numeric_id` (see `InstrumentRegistry`), passed in because a tick only
  knows its `InstrumentId`.
* `QuoteTick.from_record(buf, instruments)`: `instruments` is either the `InstrumentId`
  to use, or a mapping numeric id -> InstrumentId (a dict or an `InstrumentRegistry`).
* A trade record's `trade_id` is a u64: `TradeTick.to_record` requires the TradeId to be a
  decimal integer below 2**64, and `from_record` gives TradeId(str(n)).
"""

cimport cython
from libc.stdint cimport int64_t, uint8_t, uint32_t, uint64_t
from libc.string cimport memset

from hft.core.encoding cimport (
    BOOK_DELTA_SIZE, ENCODING_VERSION, QUOTE_SIZE, RECORD_BOOK_DELTA, RECORD_QUOTE, RECORD_TRADE,
    SIDE_BUY, SIDE_NONE, SIDE_SELL, TRADE_SIZE, DECODE_OK, BookDeltaRecord, QuoteRecord,
    TradeRecord, book_delta_decode, book_delta_encode, quote_decode, quote_encode, trade_decode,
    trade_encode,
)
from hft.model.identifiers cimport InstrumentId, TradeId
from hft.model.objects cimport (
    Price, Quantity, fixed_add, fixed_cmp, fixed_rescale, price_new, quantity_new,
)

from hft.core.encoding import DECODE_ERRORS

# cpdef enums declared in a .pxd surface only as classes; export their members by name too.
for _enum in (BarAggregation, PriceType, BookAction):
    globals().update(_enum.__members__)
del _enum

cdef object _U64_MAX = 2**64 - 1


cdef int64_t _rescaled(str what, int64_t raw, uint8_t from_p, uint8_t to_p) except? -1:
    cdef int64_t out
    if not fixed_rescale(raw, from_p, to_p, &out):
        raise OverflowError(f"{what}: {raw} at precision {from_p} does not fit int64 at {to_p}")
    return out


cdef InstrumentId _resolve(object instruments, uint32_t numeric_id):
    if isinstance(instruments, InstrumentId):
        return <InstrumentId>instruments
    try:
        iid = instruments[numeric_id]
    except (KeyError, IndexError):
        raise ValueError(f"record: unknown instrument numeric id {numeric_id}") from None
    if not isinstance(iid, InstrumentId):
        raise TypeError(f"record: instruments[{numeric_id}] is {type(iid).__name__}, "
                        f"expected InstrumentId")
    return <InstrumentId>iid


cdef str _decode_error(str kind, int status):
    field, expected = DECODE_ERRORS[status]
    return f"{kind} record: field '{field}' is invalid, expected {expected}"


# --------------------------------------------------------------------------------------------
# QuoteTick

@cython.final
@cython.freelist(128)
@cython.no_gc  # holds ids only: no cycle; untracked, so a tick costs the GC nothing
cdef class QuoteTick:
    """Hold a top-of-book quote: bid/ask price and size at one instant.

    Bid and ask share one price precision (and sizes one size precision) as in the core
    record: inputs at different precisions are rescaled exactly to the larger one. A crossed
    quote (bid > ask) is accepted: whether to drop it is a data-policy question.
    """

    def __init__(self, InstrumentId instrument_id not None, Price bid_price not None,
                 Price ask_price not None, Quantity bid_size not None, Quantity ask_size not None,
                 int64_t ts_event, int64_t ts_init, uint64_t sequence=0) -> None:
        cdef uint8_t pp = max(bid_price.precision, ask_price.precision)
        cdef uint8_t sp = max(bid_size.precision, ask_size.precision)
        self.instrument_id = instrument_id
        self.bid_raw = _rescaled("QuoteTick bid_price", bid_price.raw, bid_price.precision, pp)
        self.ask_raw = _rescaled("QuoteTick ask_price", ask_price.raw, ask_price.precision, pp)
        self.bid_size_raw = _rescaled("QuoteTick bid_size", bid_size.raw, bid_size.precision, sp)
        self.ask_size_raw = _rescaled("QuoteTick ask_size", ask_size.raw, ask_size.precision, sp)
        self.price_precision = pp
        self.size_precision = sp
        self.ts_event = ts_event
        self.ts_init = ts_init
        self.sequence = sequence

    @property
    def bid_price(self) -> Price:
        """Return the bid price."""
        return price_new(self.bid_raw, self.price_precision)

    @property
    def ask_price(self) -> Price:
        """Return the ask price."""
        return price_new(self.ask_raw, self.price_precision)

    @property
    def bid_size(self) -> Quantity:
        """Return the bid size."""
        return quantity_new(self.bid_size_raw, self.size_precision)

    @property
    def ask_size(self) -> Quantity:
        """Return the ask size."""
        return quantity_new(self.ask_size_raw, self.size_precision)

    def mid_price(self) -> Price:
        """Return (bid + ask) / 2 exactly, at one more decimal than the quote."""
        cdef int64_t s
        cdef uint8_t p
        if self.price_precision >= 18 or not fixed_add(self.bid_raw, self.price_precision,
                                                        self.ask_raw, self.price_precision, &s, &p):
            return Price.from_str(str((self.bid_price.as_decimal() + self.ask_price.as_decimal()) / 2))
        if s > 922337203685477580 or s < -922337203685477580:
            raise OverflowError(f"QuoteTick: mid of {self.bid_price} and {self.ask_price} overflows")
        return price_new(s * 5, p + 1)

    def to_record(self, uint32_t numeric_id=0) -> bytes:
        """Encode as a 64-byte quote record whose instrument_id is `numeric_id`."""
        cdef QuoteRecord rec
        cdef unsigned char out[QUOTE_SIZE]
        quote_fill_record(self, numeric_id, &rec)
        cdef int status = quote_encode(&rec, out)
        if status != DECODE_OK:
            raise ValueError(_decode_error("quote", status))
        return out[:QUOTE_SIZE]

    @staticmethod
    def from_record(const unsigned char[::1] buf not None, instruments) -> QuoteTick:
        """Decode a 64-byte quote record, checking it; see the module doc for `instruments`."""
        cdef QuoteRecord rec
        if buf.shape[0] != QUOTE_SIZE:
            raise ValueError(f"quote record: {buf.shape[0]} bytes, expected {QUOTE_SIZE}")
        cdef int status = quote_decode(&buf[0], buf.shape[0], &rec)
        if status != DECODE_OK:
            raise ValueError(_decode_error("quote", status))
        return quote_from_record(&rec, _resolve(instruments, rec.instrument_id))

    def __eq__(self, other):
        if not isinstance(other, QuoteTick):
            return NotImplemented
        return self._key() == (<QuoteTick>other)._key()

    def __hash__(self):
        return hash(self._key())

    def _key(self):
        return (self.instrument_id, self.bid_price, self.ask_price, self.bid_size, self.ask_size,
                self.ts_event, self.ts_init, self.sequence)

    def __repr__(self):
        return (f"QuoteTick({self.instrument_id.value}, {self.bid_price}/{self.ask_price}, "
                f"{self.bid_size}/{self.ask_size}, ts_event={self.ts_event})")

    def __reduce__(self):
        return (QuoteTick, (self.instrument_id, self.bid_price, self.ask_price, self.bid_size,
                            self.ask_size, self.ts_event, self.ts_init, self.sequence))


cdef QuoteTick quote_from_record(const QuoteRecord *rec, InstrumentId instrument_id):
    cdef QuoteTick q = QuoteTick.__new__(QuoteTick)
    quote_refill(q, rec, instrument_id)
    return q



cdef void quote_fill_record(QuoteTick tick, uint32_t numeric_id, QuoteRecord *out) noexcept:
    memset(out, 0, sizeof(QuoteRecord))
    out.version = ENCODING_VERSION
    out.record_type = RECORD_QUOTE
    out.price_precision = tick.price_precision
    out.size_precision = tick.size_precision
    out.instrument_id = numeric_id
    out.ts_event = tick.ts_event
    out.ts_init = tick.ts_init
    out.bid_price = tick.bid_raw
    out.ask_price = tick.ask_raw
    out.bid_size = tick.bid_size_raw
    out.ask_size = tick.ask_size_raw
    out.sequence = tick.sequence


# --------------------------------------------------------------------------------------------
# TradeTick

@cython.final
@cython.freelist(128)
@cython.no_gc  # holds ids only: no cycle; untracked, so a tick costs the GC nothing
cdef class TradeTick:
    """Hold one trade printed by a venue: price, size (> 0), aggressor side and trade id."""

    def __init__(self, InstrumentId instrument_id not None, Price price not None,
                 Quantity size not None, int aggressor_side, TradeId trade_id not None,
                 int64_t ts_event, int64_t ts_init, uint64_t sequence=0) -> None:
        if aggressor_side not in (SIDE_NONE, SIDE_BUY, SIDE_SELL):
            raise ValueError(f"TradeTick: aggressor_side must be SIDE_NONE, SIDE_BUY or SIDE_SELL, "
                             f"got {aggressor_side!r}")
        if size.raw <= 0:
            raise ValueError(f"TradeTick: size must be > 0, got {size}")
        self.instrument_id = instrument_id
        self.price_raw = price.raw
        self.price_precision = price.precision
        self.size_raw = size.raw
        self.size_precision = size.precision
        self.aggressor_side = aggressor_side
        self.trade_id = trade_id
        self.ts_event = ts_event
        self.ts_init = ts_init
        self.sequence = sequence

    @property
    def price(self) -> Price:
        """Return the trade price."""
        return price_new(self.price_raw, self.price_precision)

    @property
    def size(self) -> Quantity:
        """Return the trade size."""
        return quantity_new(self.size_raw, self.size_precision)

    def to_record(self, uint32_t numeric_id=0) -> bytes:
        """Encode as a 64-byte trade record; ValueError if the trade id is not a u64."""
        cdef TradeRecord rec
        cdef unsigned char out[TRADE_SIZE]
        trade_fill_record(self, numeric_id, &rec)
        cdef int status = trade_encode(&rec, out)
        if status != DECODE_OK:
            raise ValueError(_decode_error("trade", status))
        return out[:TRADE_SIZE]

    @staticmethod
    def from_record(const unsigned char[::1] buf not None, instruments) -> TradeTick:
        """Decode a 64-byte trade record, checking it; see the module doc for `instruments`."""
        cdef TradeRecord rec
        if buf.shape[0] != TRADE_SIZE:
            raise ValueError(f"trade record: {buf.shape[0]} bytes, expected {TRADE_SIZE}")
        cdef int status = trade_decode(&buf[0], buf.shape[0], &rec)
        if status != DECODE_OK:
            raise ValueError(_decode_error("trade", status))
        return trade_from_record(&rec, _resolve(instruments, rec.instrument_id))

    def __eq__(self, other):
        if not isinstance(other, TradeTick):
            return NotImplemented
        return self._key() == (<TradeTick>other)._key()

    def __hash__(self):
        return hash(self._key())

    def _key(self):
        return (self.instrument_id, self.price, self.size, self.aggressor_side, self.trade_id,
                self.ts_event, self.ts_init, self.sequence)

    def __repr__(self):
        side = ("NONE", "BUY", "SELL")[self.aggressor_side]
        return (f"TradeTick({self.instrument_id.value}, {self.size}@{self.price}, {side}, "
                f"{self.trade_id.value}, ts_event={self.ts_event})")

    def __reduce__(self):
        return (TradeTick, (self.instrument_id, self.price, self.size, self.aggressor_side,
                            self.trade_id, self.ts_event, self.ts_init, self.sequence))


cdef TradeTick trade_from_record(const TradeRecord *rec, InstrumentId instrument_id):
    cdef TradeTick t = TradeTick.__new__(TradeTick)
    t.instrument_id = instrument_id
    t.price_raw = rec.price
    t.size_raw = rec.size
    t.price_precision = rec.price_precision
    t.size_precision = rec.size_precision
    t.aggressor_side = rec.aggressor_side
    t.trade_id = TradeId(str(rec.trade_id))
    t.ts_event = rec.ts_event
    t.ts_init = rec.ts_init
    t.sequence = rec.sequence
    return t


cdef int trade_fill_record(TradeTick tick, uint32_t numeric_id, TradeRecord *out) except -1:
    cdef str tid = tick.trade_id.value
    if not (tid.isdigit() and tid.isascii() and int(tid) <= _U64_MAX):
        raise ValueError(f"TradeTick: trade_id must be a decimal integer < 2**64 for the record, "
                         f"got {tid!r}")
    memset(out, 0, sizeof(TradeRecord))
    out.version = ENCODING_VERSION
    out.record_type = RECORD_TRADE
    out.price_precision = tick.price_precision
    out.size_precision = tick.size_precision
    out.instrument_id = numeric_id
    out.ts_event = tick.ts_event
    out.ts_init = tick.ts_init
    out.price = tick.price_raw
    out.size = tick.size_raw
    out.aggressor_side = tick.aggressor_side
    out.trade_id = int(tid)
    out.sequence = tick.sequence
    return 0


# --------------------------------------------------------------------------------------------
# Bars

@cython.final
cdef class BarType:
    """Name a bar series: "<instrument_id>-<step>-<aggregation>-<price type>".

    e.g. BarType.from_str("EURUSD.SIM-1-MINUTE-MID"); aggregation is TICK, SECOND, MINUTE,
    HOUR, DAY or VOLUME, price type BID, ASK, MID or LAST.
    """

    def __init__(self, InstrumentId instrument_id not None, int64_t step,
                 BarAggregation aggregation, PriceType price_type) -> None:
        if step <= 0:
            raise ValueError(f"BarType: step must be > 0, got {step}")
        self.instrument_id = instrument_id
        self.step = step
        self.aggregation = aggregation
        self.price_type = price_type

    @staticmethod
    def from_str(str value not None) -> BarType:
        """Parse "EURUSD.SIM-1-MINUTE-MID"; ValueError naming the string when it is malformed."""
        parts = value.rsplit("-", 3)
        if len(parts) != 4:
            raise ValueError(f"BarType: expected '<instrument>-<step>-<aggregation>-<price type>', "
                             f"got {value!r}")
        iid, step, agg, pt = parts
        try:
            aggregation = BarAggregation["BAR_" + agg]
        except KeyError:
            raise ValueError(f"BarType: unknown aggregation {agg!r} in {value!r}") from None
        try:
            price_type = PriceType["PRICE_" + pt]
        except KeyError:
            raise ValueError(f"BarType: unknown price type {pt!r} in {value!r}") from None
        if not step.isdigit():
            raise ValueError(f"BarType: step must be a positive integer, got {step!r} in {value!r}")
        return BarType(InstrumentId(iid), int(step), aggregation, price_type)

    def __str__(self):
        return (f"{self.instrument_id.value}-{self.step}-{BarAggregation(self.aggregation).name[4:]}"
                f"-{PriceType(self.price_type).name[6:]}")

    def __repr__(self):
        return f"BarType.from_str({str(self)!r})"

    def __eq__(self, other):
        if not isinstance(other, BarType):
            return NotImplemented
        return str(self) == str(other)

    def __hash__(self):
        return hash(str(self))

    def __reduce__(self):
        return (BarType.from_str, (str(self),))


@cython.final
@cython.freelist(64)
cdef class Bar:
    """Hold one OHLCV bar; checks high >= open, close, low and low <= open, close."""

    def __init__(self, BarType bar_type not None, Price open not None, Price high not None,
                 Price low not None, Price close not None, Quantity volume not None,
                 int64_t ts_event, int64_t ts_init) -> None:
        if high < open or high < close or high < low:
            raise ValueError(f"Bar {bar_type}: high {high} is below open {open}, close {close} "
                             f"or low {low}")
        if low > open or low > close:
            raise ValueError(f"Bar {bar_type}: low {low} is above open {open} or close {close}")
        self.bar_type = bar_type
        self.open = open
        self.high = high
        self.low = low
        self.close = close
        self.volume = volume
        self.ts_event = ts_event
        self.ts_init = ts_init

    def __eq__(self, other):
        if not isinstance(other, Bar):
            return NotImplemented
        cdef Bar b = <Bar>other
        return (self.bar_type == b.bar_type and self.open == b.open and self.high == b.high
                and self.low == b.low and self.close == b.close and self.volume == b.volume
                and self.ts_event == b.ts_event and self.ts_init == b.ts_init)

    def __hash__(self):
        return hash((self.bar_type, self.open, self.high, self.low, self.close, self.volume,
                     self.ts_event))

    def __repr__(self):
        return (f"Bar({self.bar_type}, O={self.open} H={self.high} L={self.low} C={self.close} "
                f"V={self.volume}, ts_event={self.ts_event})")

    def __reduce__(self):
        return (Bar, (self.bar_type, self.open, self.high, self.low, self.close, self.volume,
                      self.ts_event, self.ts_init))


# --------------------------------------------------------------------------------------------
# Order book

@cython.final
@cython.freelist(128)
@cython.no_gc  # holds ids only: no cycle; untracked, so a tick costs the GC nothing
cdef class BookDelta:
    """Change one L2 price level: ADD / UPDATE (size is the new level size) / DELETE, or CLEAR.

    `side` is SIDE_BUY for a bid level and SIDE_SELL for an ask; CLEAR takes no price or size
    (pass None) and clears the whole book with SIDE_NONE, or one side with SIDE_BUY/SIDE_SELL
    (as the BOOK_DELTA record allows). DELETE has size 0.
    """

    def __init__(self, InstrumentId instrument_id not None, BookAction action, int side,
                 Price price, Quantity size, uint64_t sequence, int64_t ts_event,
                 int64_t ts_init) -> None:
        if action not in (BOOK_ADD, BOOK_UPDATE, BOOK_DELETE, BOOK_CLEAR):
            raise ValueError(f"BookDelta: unknown action {action!r}")
        if action == BOOK_CLEAR:
            if side not in (SIDE_NONE, SIDE_BUY, SIDE_SELL) or price is not None or size is not None:
                raise ValueError("BookDelta: CLEAR takes side SIDE_NONE (whole book), SIDE_BUY or "
                                 "SIDE_SELL, and no price or size")
        else:
            if side not in (SIDE_BUY, SIDE_SELL):
                raise ValueError(f"BookDelta: side must be SIDE_BUY (bid) or SIDE_SELL (ask), "
                                 f"got {side!r}")
            if price is None or size is None:
                raise ValueError(f"BookDelta: {BookAction(action).name} needs a price and a size")
            if action == BOOK_DELETE and size.raw != 0:
                raise ValueError(f"BookDelta: DELETE has size 0, got {size}")
            if action != BOOK_DELETE and size.raw <= 0:
                raise ValueError(f"BookDelta: {BookAction(action).name} needs size > 0, got {size}")
            self.price_raw = price.raw
            self.price_precision = price.precision
            self.size_raw = size.raw
            self.size_precision = size.precision
        self.instrument_id = instrument_id
        self.action = action
        self.side = side
        self.sequence = sequence
        self.ts_event = ts_event
        self.ts_init = ts_init

    @property
    def price(self) -> Price | None:
        """Return the level price (None for CLEAR)."""
        return None if self.action == BOOK_CLEAR else price_new(self.price_raw, self.price_precision)

    @property
    def size(self) -> Quantity | None:
        """Return the new level size (None for CLEAR)."""
        return None if self.action == BOOK_CLEAR else quantity_new(self.size_raw, self.size_precision)

    def __eq__(self, other):
        if not isinstance(other, BookDelta):
            return NotImplemented
        cdef BookDelta d = <BookDelta>other
        return (self.instrument_id == d.instrument_id and self.action == d.action
                and self.side == d.side and self.price == d.price and self.size == d.size
                and self.sequence == d.sequence and self.ts_event == d.ts_event
                and self.ts_init == d.ts_init)

    def __hash__(self):
        return hash((self.instrument_id, self.action, self.side, self.price, self.size,
                     self.sequence))

    def __repr__(self):
        return (f"BookDelta({self.instrument_id.value}, {BookAction(self.action).name}, "
                f"side={self.side}, {self.size}@{self.price}, seq={self.sequence})")

    def __reduce__(self):
        return (BookDelta, (self.instrument_id, self.action, self.side, self.price, self.size,
                            self.sequence, self.ts_event, self.ts_init))

    def to_record(self, uint32_t numeric_id=0, uint8_t flags=0) -> bytes:
        """Encode as a 64-byte book delta record (instrument_id = numeric_id, snapshot flags)."""
        cdef BookDeltaRecord rec
        cdef unsigned char out[BOOK_DELTA_SIZE]
        memset(&rec, 0, sizeof(BookDeltaRecord))
        rec.version = ENCODING_VERSION
        rec.record_type = RECORD_BOOK_DELTA
        rec.price_precision = self.price_precision
        rec.size_precision = self.size_precision
        rec.instrument_id = numeric_id
        rec.ts_event = self.ts_event
        rec.ts_init = self.ts_init
        rec.price = self.price_raw if self.action != BOOK_CLEAR else 0
        rec.size = self.size_raw if self.action != BOOK_CLEAR else 0
        rec.sequence = self.sequence
        rec.action = <uint8_t>self.action
        rec.side = self.side
        rec.flags = flags
        cdef int status = book_delta_encode(&rec, out)
        if status != DECODE_OK:
            raise ValueError(_decode_error("book_delta", status))
        return out[:BOOK_DELTA_SIZE]

    @staticmethod
    def from_record(const unsigned char[::1] buf not None, instruments) -> BookDelta:
        """Decode a 64-byte book delta record, checking it; see the module doc for `instruments`."""
        cdef BookDeltaRecord rec
        if buf.shape[0] != BOOK_DELTA_SIZE:
            raise ValueError(f"book_delta record: {buf.shape[0]} bytes, expected {BOOK_DELTA_SIZE}")
        cdef int status = book_delta_decode(&buf[0], buf.shape[0], &rec)
        if status != DECODE_OK:
            raise ValueError(_decode_error("book_delta", status))
        return book_delta_from_record(&rec, _resolve(instruments, rec.instrument_id))


cdef BookDelta book_delta_from_record(const BookDeltaRecord *rec, InstrumentId instrument_id):
    cdef BookDelta d = BookDelta.__new__(BookDelta)
    d.instrument_id = instrument_id
    d.action = <BookAction>rec.action
    d.side = rec.side
    d.price_raw = rec.price
    d.size_raw = rec.size
    d.price_precision = rec.price_precision
    d.size_precision = rec.size_precision
    d.sequence = rec.sequence
    d.ts_event = rec.ts_event
    d.ts_init = rec.ts_init
    return d


@cython.final
cdef class BookSnapshot:
    """Hold a full L2 book: bids best (highest) first, asks best (lowest) first.

    Levels are (Price, Quantity) pairs with size > 0 and strictly ordered prices.
    """

    def __init__(self, InstrumentId instrument_id not None, bids, asks, uint64_t sequence,
                 int64_t ts_event, int64_t ts_init) -> None:
        self.bids = _levels("bids", bids, True)
        self.asks = _levels("asks", asks, False)
        self.instrument_id = instrument_id
        self.sequence = sequence
        self.ts_event = ts_event
        self.ts_init = ts_init

    def to_deltas(self) -> list:
        """Return CLEAR then one ADD per level: replaying them rebuilds this book."""
        out = [BookDelta(self.instrument_id, BOOK_CLEAR, SIDE_NONE, None, None, self.sequence,
                         self.ts_event, self.ts_init)]
        for side, levels in ((SIDE_BUY, self.bids), (SIDE_SELL, self.asks)):
            for price, size in levels:
                out.append(BookDelta(self.instrument_id, BOOK_ADD, side, price, size,
                                     self.sequence, self.ts_event, self.ts_init))
        return out

    def __eq__(self, other):
        if not isinstance(other, BookSnapshot):
            return NotImplemented
        cdef BookSnapshot s = <BookSnapshot>other
        return (self.instrument_id == s.instrument_id and self.bids == s.bids
                and self.asks == s.asks and self.sequence == s.sequence
                and self.ts_event == s.ts_event)

    __hash__ = None

    def __repr__(self):
        return (f"BookSnapshot({self.instrument_id.value}, {len(self.bids)} bids, "
                f"{len(self.asks)} asks, seq={self.sequence})")


cdef list _levels(str name, object levels, bint descending):
    cdef list out = []
    cdef Price prev = None
    for i, level in enumerate(levels):
        price, size = level
        if not isinstance(price, Price) or not isinstance(size, Quantity):
            raise TypeError(f"BookSnapshot: {name}[{i}] must be (Price, Quantity), got {level!r}")
        if (<Quantity>size).raw <= 0:
            raise ValueError(f"BookSnapshot: {name}[{i}] size must be > 0, got {size}")
        if prev is not None and (price >= prev if descending else price <= prev):
            raise ValueError(f"BookSnapshot: {name}[{i}] price {price} is out of order after {prev} "
                             f"({'descending' if descending else 'ascending'} expected)")
        prev = price
        out.append((price, size))
    return out
