"""Instruments: what can be traded and the rules an order must fit.

An `Instrument` carries its identity (`id`, `kind`, currencies, `numeric_id` for the binary
records) and its trading rules: price/size precision, tick size (`price_increment`), lot
size (`size_increment`), quantity bounds, minimum notional and fee rates.
`check_order(price, quantity)` returns the reason an order does not fit, or None.
"""

cimport cython
from cpython.long cimport PyLong_AsLongLongAndOverflow
from libc.stdint cimport INT64_MAX, int64_t, uint8_t, uint32_t

from hft.model.identifiers cimport InstrumentId
from hft.model.objects cimport (
    Currency, Money, Price, Quantity, fixed_rescale, pow10, price_new, quantity_new,
)

from decimal import Decimal

from hft.model.objects import Currency as _Currency

# cpdef enums declared in a .pxd surface only as classes; export their members by name too.
for _enum in (InstrumentKind, CheckResult):
    globals().update(_enum.__members__)
del _enum

CHECK_REASONS = {
    CHECK_OK: "ok",
    CHECK_PRICE_PRECISION: "price has more decimals than the instrument's price precision",
    CHECK_SIZE_PRECISION: "quantity has more decimals than the instrument's size precision",
    CHECK_PRICE_TICK: "price is not a multiple of the tick size",
    CHECK_SIZE_LOT: "quantity is not a multiple of the lot size",
    CHECK_QTY_NOT_POSITIVE: "quantity is not positive",
    CHECK_BELOW_MIN_QTY: "quantity is below the minimum quantity",
    CHECK_ABOVE_MAX_QTY: "quantity is above the maximum quantity",
    CHECK_BELOW_MIN_NOTIONAL: "notional is below the minimum notional",
}


cdef object _rate(str field, object value):
    if isinstance(value, float):
        value = str(value)  # shortest repr: 0.001 means 0.001, not its binary neighbour
    try:
        d = Decimal(value)
    except Exception:
        raise ValueError(f"Instrument: {field} must be a decimal rate, got {value!r}") from None
    if not d.is_finite():
        raise ValueError(f"Instrument: {field} must be finite, got {value!r}")
    return d


cdef Price _as_price(str field, object value, uint8_t precision):
    if isinstance(value, Price):
        return (<Price>value).rescale(precision)
    if isinstance(value, float):
        return Price.from_float(value, precision)
    return Price(value, precision)


cdef Quantity _as_qty(str field, object value, uint8_t precision):
    cdef long long v
    cdef int overflow = 0
    if type(value) is int:  # the common case from a strategy: whole units, exact
        v = PyLong_AsLongLongAndOverflow(value, &overflow)
        if not overflow and 0 <= v <= INT64_MAX // pow10(precision):
            return quantity_new(v * pow10(precision), precision)
    if isinstance(value, Quantity):
        return (<Quantity>value).rescale(precision)
    if isinstance(value, float):
        return Quantity.from_float(value, precision)
    return Quantity(value, precision)


@cython.final
cdef class Instrument:
    """Describe a tradable instrument and the rules an order for it must fit.

    Parameters
    ----------
    instrument_id : InstrumentId | str
        "BTCUSDT.BINANCE".
    kind : InstrumentKind
        INSTRUMENT_SPOT, INSTRUMENT_PERPETUAL, INSTRUMENT_FUTURE or INSTRUMENT_FX.
    quote_currency : Currency
        Prices and notionals are in it; `min_notional` too.
    base_currency, settlement_currency : Currency | None
        Settlement defaults to the quote currency.
    price_precision, size_precision : int
        Decimals of prices and quantities (0..18).
    price_increment, size_increment : Price | str | None
        Tick and lot size; default one unit of the last decimal.
    min_quantity, max_quantity : Quantity | str | None
        min defaults to the lot size; max None means no maximum.
    min_notional : Money | str | None
        Minimum price * quantity * multiplier, in the quote currency.
    maker_fee, taker_fee : Decimal | str | float
        Fee rates on notional (0.001 = 10 bp); negative is a rebate. Floats are read by repr.
    multiplier : Quantity | str | int
        Contract multiplier (1 for spot and fx).
    numeric_id : int
        u32 id used in binary records; assign it yourself or through `InstrumentRegistry`.
    expiry_ns : int
        Futures: expiry in ns since the epoch.
    """

    def __init__(self, instrument_id, InstrumentKind kind, *, Currency quote_currency not None,
                 int price_precision, int size_precision, Currency base_currency=None,
                 Currency settlement_currency=None, price_increment=None, size_increment=None,
                 min_quantity=None, max_quantity=None, min_notional=None, maker_fee=0,
                 taker_fee=0, multiplier=1, uint32_t numeric_id=0, int64_t expiry_ns=0) -> None:
        self.id = instrument_id if isinstance(instrument_id, InstrumentId) else InstrumentId(instrument_id)
        if kind not in (INSTRUMENT_SPOT, INSTRUMENT_PERPETUAL, INSTRUMENT_FUTURE, INSTRUMENT_FX):
            raise ValueError(f"Instrument {self.id}: unknown kind {kind!r}")
        for field, p in (("price_precision", price_precision), ("size_precision", size_precision)):
            if not 0 <= p <= 18:
                raise ValueError(f"Instrument {self.id}: {field} must be 0..18, got {p}")
        self.kind = kind
        self.quote_currency = quote_currency
        self.base_currency = base_currency
        self.settlement_currency = settlement_currency if settlement_currency is not None else quote_currency
        self.price_precision = price_precision
        self.size_precision = size_precision
        self.price_increment = (price_new(1, price_precision) if price_increment is None
                                else _as_price("price_increment", price_increment, price_precision))
        self.size_increment = (quantity_new(1, size_precision) if size_increment is None
                               else _as_qty("size_increment", size_increment, size_precision))
        if self.price_increment.raw <= 0:
            raise ValueError(f"Instrument {self.id}: price_increment must be > 0, got {price_increment!r}")
        if self.size_increment.raw <= 0:
            raise ValueError(f"Instrument {self.id}: size_increment must be > 0, got {size_increment!r}")
        self.min_quantity = (self.size_increment if min_quantity is None
                             else _as_qty("min_quantity", min_quantity, size_precision))
        self.max_quantity = (None if max_quantity is None
                             else _as_qty("max_quantity", max_quantity, size_precision))
        if self.max_quantity is not None and self.max_quantity < self.min_quantity:
            raise ValueError(f"Instrument {self.id}: max_quantity {self.max_quantity} is below "
                             f"min_quantity {self.min_quantity}")
        if min_notional is None or isinstance(min_notional, Money):
            self.min_notional = min_notional
        else:
            self.min_notional = Money(min_notional, quote_currency)
        if self.min_notional is not None and self.min_notional.currency != quote_currency:
            raise ValueError(f"Instrument {self.id}: min_notional must be in {quote_currency.code}, "
                             f"got {self.min_notional}")
        self.maker_fee = _rate("maker_fee", maker_fee)
        self.taker_fee = _rate("taker_fee", taker_fee)
        self.multiplier = multiplier if isinstance(multiplier, Quantity) else Quantity(multiplier)
        if self.multiplier.raw <= 0:
            raise ValueError(f"Instrument {self.id}: multiplier must be > 0, got {multiplier!r}")
        self.numeric_id = numeric_id
        self.expiry_ns = expiry_ns

    # -- convenient constructors --------------------------------------------------------------

    @staticmethod
    def fx(instrument_id, *, int price_precision=5, int size_precision=0, size_increment=1000,
           min_quantity=None, max_quantity=None, maker_fee=0, taker_fee=0,
           uint32_t numeric_id=0) -> Instrument:
        """Make an FX pair from "EUR/USD.SIM": base and quote are read from the symbol."""
        iid = instrument_id if isinstance(instrument_id, InstrumentId) else InstrumentId(instrument_id)
        base, slash, quote = iid.symbol.value.partition("/")
        if not slash or not base or not quote:
            raise ValueError(f"Instrument.fx: symbol must be 'BASE/QUOTE', got {iid.symbol.value!r}")
        return Instrument(iid, INSTRUMENT_FX, base_currency=_Currency.from_str(base),
                          quote_currency=_Currency.from_str(quote), price_precision=price_precision,
                          size_precision=size_precision, size_increment=size_increment,
                          min_quantity=min_quantity, max_quantity=max_quantity, maker_fee=maker_fee,
                          taker_fee=taker_fee, numeric_id=numeric_id)

    @staticmethod
    def crypto_spot(instrument_id, Currency base not None, Currency quote not None, *,
                    int price_precision=2, int size_precision=6, price_increment=None,
                    size_increment=None, min_quantity=None, max_quantity=None, min_notional=None,
                    maker_fee="0.001", taker_fee="0.001", uint32_t numeric_id=0) -> Instrument:
        """Make a spot pair such as BTCUSDT.BINANCE (base BTC, quote USDT)."""
        return Instrument(instrument_id, INSTRUMENT_SPOT, base_currency=base, quote_currency=quote,
                          price_precision=price_precision, size_precision=size_precision,
                          price_increment=price_increment, size_increment=size_increment,
                          min_quantity=min_quantity, max_quantity=max_quantity,
                          min_notional=min_notional, maker_fee=maker_fee, taker_fee=taker_fee,
                          numeric_id=numeric_id)

    @staticmethod
    def perpetual(instrument_id, Currency base not None, Currency quote not None, *,
                  Currency settlement=None, int price_precision=1, int size_precision=3,
                  price_increment=None, size_increment=None, min_quantity=None, max_quantity=None,
                  min_notional=None, maker_fee="0.0002", taker_fee="0.0004", multiplier=1,
                  uint32_t numeric_id=0) -> Instrument:
        """Make a perpetual swap such as BTCUSDT-PERP.BINANCE (settled in quote by default)."""
        return Instrument(instrument_id, INSTRUMENT_PERPETUAL, base_currency=base,
                          quote_currency=quote, settlement_currency=settlement,
                          price_precision=price_precision, size_precision=size_precision,
                          price_increment=price_increment, size_increment=size_increment,
                          min_quantity=min_quantity, max_quantity=max_quantity,
                          min_notional=min_notional, maker_fee=maker_fee, taker_fee=taker_fee,
                          multiplier=multiplier, numeric_id=numeric_id)

    @staticmethod
    def future(instrument_id, Currency base not None, Currency quote not None, int64_t expiry_ns, *,
               int price_precision=2, int size_precision=0, price_increment=None,
               size_increment=None, min_quantity=None, max_quantity=None, maker_fee=0,
               taker_fee=0, multiplier=1, uint32_t numeric_id=0) -> Instrument:
        """Make a dated future (e.g. ESZ5.CME with multiplier 50)."""
        return Instrument(instrument_id, INSTRUMENT_FUTURE, base_currency=base,
                          quote_currency=quote, price_precision=price_precision,
                          size_precision=size_precision, price_increment=price_increment,
                          size_increment=size_increment, min_quantity=min_quantity,
                          max_quantity=max_quantity, maker_fee=maker_fee, taker_fee=taker_fee,
                          multiplier=multiplier, numeric_id=numeric_id, expiry_ns=expiry_ns)

    # -- values ---------------------------------------------------------------------------------

    def make_price(self, value) -> Price:
        """Return value as a Price at the price precision (floats round half-even, others exact)."""
        return _as_price("price", value, self.price_precision)

    def make_qty(self, value) -> Quantity:
        """Return value as a Quantity at the size precision (floats round half-even, others exact)."""
        return _as_qty("quantity", value, self.size_precision)

    cdef Quantity qty_of(self, object value):
        return _as_qty("quantity", value, self.size_precision)

    def notional(self, Price price not None, Quantity quantity not None) -> object:
        """Return price * quantity * multiplier exactly as a Decimal in the quote currency."""
        return price.as_decimal() * quantity.as_decimal() * self.multiplier.as_decimal()

    # -- checks ---------------------------------------------------------------------------------

    @cython.cdivision(True)  # divisors are the tick and lot raws, checked > 0 in __init__
    cdef int check_raw(self, int64_t price_raw, int64_t qty_raw) noexcept nogil:
        if price_raw % self.price_increment.raw != 0:
            return CHECK_PRICE_TICK
        if qty_raw <= 0:
            return CHECK_QTY_NOT_POSITIVE
        if qty_raw % self.size_increment.raw != 0:
            return CHECK_SIZE_LOT
        if qty_raw < self.min_quantity.raw:
            return CHECK_BELOW_MIN_QTY
        if self.max_quantity is not None and qty_raw > self.max_quantity.raw:
            return CHECK_ABOVE_MAX_QTY
        return CHECK_OK

    def check_code(self, Price price, Quantity quantity not None) -> CheckResult:
        """Return the CheckResult code of an order (price None for a market order)."""
        cdef int64_t p_raw = 0, q_raw
        if price is not None and not fixed_rescale(price.raw, price.precision, self.price_precision, &p_raw):
            return CHECK_PRICE_PRECISION
        if not fixed_rescale(quantity.raw, quantity.precision, self.size_precision, &q_raw):
            return CHECK_SIZE_PRECISION
        cdef int code = self.check_raw(p_raw, q_raw)
        if code != CHECK_OK:
            return <CheckResult>code
        if price is not None and self.min_notional is not None:
            # exact in Python ints: price * qty * multiplier easily overflows int64
            if self.notional(price, quantity) < self.min_notional.as_decimal():
                return CHECK_BELOW_MIN_NOTIONAL
        return CHECK_OK

    def check_order(self, Price price, Quantity quantity not None) -> str | None:
        """Return why an order does not fit this instrument, or None when it does.

        `price` None (a market order) skips the price and notional checks. The reason names
        the rule and the values, e.g. "price 101.255 is not a multiple of the tick size 0.01".
        """
        cdef int code = self.check_code(price, quantity)
        if code == CHECK_OK:
            return None
        if code == CHECK_PRICE_PRECISION:
            return f"price {price} has more decimals than the price precision {self.price_precision}"
        if code == CHECK_SIZE_PRECISION:
            return f"quantity {quantity} has more decimals than the size precision {self.size_precision}"
        if code == CHECK_PRICE_TICK:
            return f"price {price} is not a multiple of the tick size {self.price_increment}"
        if code == CHECK_QTY_NOT_POSITIVE:
            return f"quantity {quantity} is not positive"
        if code == CHECK_SIZE_LOT:
            return f"quantity {quantity} is not a multiple of the lot size {self.size_increment}"
        if code == CHECK_BELOW_MIN_QTY:
            return f"quantity {quantity} is below the minimum quantity {self.min_quantity}"
        if code == CHECK_ABOVE_MAX_QTY:
            return f"quantity {quantity} is above the maximum quantity {self.max_quantity}"
        return (f"notional {self.notional(price, quantity)} {self.quote_currency.code} is below "
                f"the minimum notional {self.min_notional}")

    def __eq__(self, other):
        if not isinstance(other, Instrument):
            return NotImplemented
        return self.id == (<Instrument>other).id

    def __hash__(self):
        return hash(self.id)

    def __repr__(self):
        return (f"Instrument({self.id.value!r}, {InstrumentKind(self.kind).name}, "
                f"tick={self.price_increment}, lot={self.size_increment}, "
                f"numeric_id={self.numeric_id})")


@cython.final
cdef class InstrumentRegistry:
    """Map instrument ids to instruments and to the u32 numeric ids of the binary records.

    `add` keeps a non-zero `numeric_id` the instrument already has and otherwise gives it the
    next free one (1, 2, ...). It also works as a mapping numeric id -> InstrumentId, which is
    what `QuoteTick.from_record` and `TradeTick.from_record` accept.
    """

    cdef dict _by_id
    cdef dict _by_numeric
    cdef uint32_t _next

    def __init__(self, instruments=()) -> None:
        self._by_id = {}
        self._by_numeric = {}
        self._next = 1
        for instrument in instruments:
            self.add(instrument)

    def add(self, Instrument instrument not None) -> int:
        """Register an instrument; return its numeric id (assigned when it had none)."""
        if instrument.id in self._by_id:
            raise ValueError(f"InstrumentRegistry: {instrument.id} is already registered")
        if instrument.numeric_id == 0:
            while self._next in self._by_numeric:
                self._next += 1
            instrument.numeric_id = self._next
        elif instrument.numeric_id in self._by_numeric:
            raise ValueError(f"InstrumentRegistry: numeric id {instrument.numeric_id} of "
                             f"{instrument.id} is taken by {self._by_numeric[instrument.numeric_id].id}")
        self._by_id[instrument.id] = instrument
        self._by_numeric[instrument.numeric_id] = instrument
        return instrument.numeric_id

    def get(self, InstrumentId instrument_id not None) -> Instrument:
        """Return the instrument with this id; KeyError naming it otherwise."""
        try:
            return self._by_id[instrument_id]
        except KeyError:
            raise KeyError(f"InstrumentRegistry: no instrument {instrument_id}") from None

    def by_numeric(self, uint32_t numeric_id) -> Instrument:
        """Return the instrument with this numeric id; KeyError naming it otherwise."""
        try:
            return self._by_numeric[numeric_id]
        except KeyError:
            raise KeyError(f"InstrumentRegistry: no instrument with numeric id {numeric_id}") from None

    def __getitem__(self, numeric_id) -> InstrumentId:
        return self.by_numeric(numeric_id).id

    def __contains__(self, instrument_id) -> bool:
        return instrument_id in self._by_id

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self):
        return iter(self._by_id.values())
