"""Track a netting position: signed quantity, average open price, PnL and fees.

One `Position` per instrument per strategy (netting). `apply(fill)` adds an `OrderFilled`:
fills on the position's side (or on a flat position) open or increase it; fills on the other
side reduce or close it and book realized PnL on the closed part at the average open price.

Exact money
-----------
Prices are rescaled to 18 digits and multiplied by raw quantities in 128-bit ints (Python ints
from the first product that would overflow 128 bits, checked at every step), so the open cost
and realized PnL carry no rounding except one: reducing a position removes
`cost * closed / open` from the open cost, rounded half-even to 10**-18 of a price unit, and
books exactly what it removed to realized PnL. Hence realized + unrealized PnL always equals the
exact cash flows (sum of sells minus buys at fill prices, plus the open quantity at the last
price) times the multiplier. `Money` results are rounded half-even to the quote currency's
precision; the `*_decimal` forms are exact. Realized PnL is gross: commissions are kept apart,
per currency, in `commissions` (a fee need not be paid in the quote currency).

Flipping through zero
---------------------
A fill larger than the open quantity on the other side closes this position and opens a new
one with the remainder. `apply` does both: it splits the fill as `split_fill` does (quantity,
and the commission pro rata; in C, without building the two parts), applies the closing part here (the position is then closed) and
returns a new `Position` holding the remainder, with `position_id` None: the caller (the
execution engine) names it and stores it. Otherwise `apply` returns None. A closed position
takes no more fills.
"""

cimport cython
from libc.stdint cimport int64_t, uint8_t

from hft.core.encoding cimport SIDE_BUY, SIDE_SELL
from hft.model.enums cimport ORDER_EVENT_FILLED, POSITION_SIDE_FLAT, POSITION_SIDE_LONG, POSITION_SIDE_SHORT
from hft.model.events cimport OrderEvent, OrderFilled
from hft.model.identifiers cimport InstrumentId, PositionId, StrategyId
from hft.model.objects cimport (
    Currency, Money, Price, Quantity, fees_by_currency, fixed_rescale, money_new, price_new,
    quantity_new,
)

import decimal
from decimal import Decimal

from hft.model.enums import OrderSide, PositionSide

__all__ = ["Position", "split_fill"]

cdef tuple _POW10 = tuple([10 ** i for i in range(40)])
cdef int _PX_DIGITS = 18
cdef object _EXACT = decimal.Context(prec=120, rounding=decimal.ROUND_HALF_EVEN)

# 10**k as 128-bit ints, k = 0..18: a price raw (< 2**63) times 10**18 (< 2**60) fits 128 bits
cdef hft_i128[19] _POW10_I128
_POW10_I128[0] = 1
for _k in range(1, 19):
    _POW10_I128[_k] = _POW10_I128[_k - 1] * 10


cdef object _div_half_even(object num, object den):
    # round(num / den) half-even on Python ints; den > 0
    q, r = divmod(num, den)
    twice = 2 * r
    if twice > den or (twice == den and q % 2 == 1):
        q += 1
    return q


@cython.cdivision(True)  # den > 0 (a quantity) at every call and a >= 0: C / is floor division
cdef inline hft_i128 _div_half_even128(hft_i128 num, hft_i128 den) noexcept nogil:
    # round(num / den) half-even; den > 0. On |num| then signed: half-even is symmetric, so this
    # equals _div_half_even (which floors first) for every sign.
    cdef bint neg = num < 0
    cdef hft_i128 a = -num if neg else num
    cdef hft_i128 q = a // den
    cdef hft_i128 twice = 2 * (a - q * den)
    if twice > den or (twice == den and (q & 1)):
        q += 1
    return -q if neg else q


cdef object _px18(int64_t raw, uint8_t precision):
    return <object>raw * _POW10[_PX_DIGITS - precision]


@cython.final
@cython.freelist(16)  # a flipping strategy opens one and retires one (from the cache) per fill
@cython.no_gc  # ids, a Currency, a Decimal, ints and a dict of Currency -> int: no cycle
cdef class Position:
    """Hold one netting position of one instrument for one strategy.

    Parameters
    ----------
    instrument_id, strategy_id:
        What the position is in and whose it is; fills for others are refused.
    quote_currency:
        The currency PnL is booked in (the instrument's quote currency).
    size_precision:
        The instrument's size precision; fill quantities must rescale to it exactly.
    multiplier:
        Contract multiplier (int, str or Decimal, > 0); 1 for spot and FX.
    position_id:
        The engine's id, or None; settable later.
    """

    def __init__(self, InstrumentId instrument_id not None, StrategyId strategy_id not None,
                 Currency quote_currency not None, int size_precision, multiplier=1,
                 PositionId position_id=None):
        if size_precision < 0 or size_precision > 18:
            raise ValueError(f"Position: field 'size_precision' must be 0..18, "
                             f"got {size_precision}")
        try:
            mult = Decimal(multiplier) if not isinstance(multiplier, float) else None
        except decimal.InvalidOperation:
            mult = None
        if mult is None or not mult.is_finite() or mult <= 0:
            raise ValueError(f"Position: field 'multiplier' must be a positive int, str or "
                             f"Decimal, got {multiplier!r}")
        sign, digits, exp = mult.as_tuple()
        self._mult_num = int("".join(map(str, digits)))
        if exp >= 0:
            self._mult_num *= 10 ** exp
            self._mult_exp = 0
        else:
            self._mult_exp = -exp
        self.multiplier = mult
        self.instrument_id = instrument_id
        self.strategy_id = strategy_id
        self.quote_currency = quote_currency
        self.size_precision = size_precision
        self.position_id = position_id

    # -- applying fills ----------------------------------------------------------------------

    cpdef object apply(self, OrderFilled fill):
        """Add one fill; return the new Position when the fill flips through zero, else None.

        Raises
        ------
        ValueError
            when the fill is for another instrument or strategy, its quantity does not fit the
            size precision, or the position is already closed.
        """
        if fill is None:
            raise TypeError("Position.apply: expected an OrderFilled, got None")
        if self.ts_closed != 0 or (self.fill_count > 0 and self.signed_qty_raw == 0):
            raise ValueError(f"Position {self._name()}: closed, it takes no more fills "
                             f"(open a new Position)")
        # ids are interned and shared: identity settles the common case without a call
        if (fill.instrument_id is not self.instrument_id
                and fill.instrument_id != self.instrument_id) or \
                (fill.strategy_id is not self.strategy_id and fill.strategy_id != self.strategy_id):
            raise ValueError(
                f"Position {self._name()}: fill for {fill.instrument_id}/{fill.strategy_id} "
                f"does not belong to {self.instrument_id}/{self.strategy_id}"
            )
        cdef int64_t qty
        if not fixed_rescale(fill._qty_raw, fill._size_precision, self.size_precision, &qty):
            raise ValueError(f"Position {self._name()}: fill quantity {fill.last_qty} does not fit "
                             f"size precision {self.size_precision} exactly")
        cdef int64_t signed = qty if fill._order_side == SIDE_BUY else -qty
        cdef int64_t open_qty = self.signed_qty_raw
        cdef int64_t open_size = open_qty if open_qty > 0 else -open_qty
        cdef Money fee = fill._commission
        cdef int64_t close_fee
        cdef Position flipped
        if open_qty != 0 and (open_qty > 0) != (signed > 0) and qty > open_size:
            # close this one and open the next with the rest: split_fill's arithmetic on the
            # fill's fields, without building the two part fills; the fee pro rata
            # (fee * open_size < 2**126: exact in 128 bits)
            close_fee = <int64_t>_div_half_even128(<hft_i128>fee.raw * open_size, qty)
            self._add(fill._px_raw, fill._price_precision, -open_qty, fill._order_side,
                      fill.ts_event)
            self._add_fee(fee.currency, close_fee)
            flipped = position_like(self)
            flipped._add(fill._px_raw, fill._price_precision, signed + open_qty,
                         fill._order_side, fill.ts_event)
            flipped._add_fee(fee.currency, fee.raw - close_fee)
            return flipped
        self._add(fill._px_raw, fill._price_precision, signed, fill._order_side, fill.ts_event)
        self._add_fee(fee.currency, fee.raw)
        return None

    cdef int _add(self, int64_t px_raw, uint8_t price_precision, int64_t signed, uint8_t side,
                  int64_t ts_event) except -1:
        # signed: the fill's quantity at size_precision, > 0 buys; never crosses zero here.
        # Every 128-bit step is checked; the first overflow moves the position to Python ints
        # for good (_big), before anything is committed.
        cdef hft_i128 px = <hft_i128>px_raw * _POW10_I128[_PX_DIGITS - price_precision]
        cdef int64_t open_qty = self.signed_qty_raw
        cdef hft_i128 cost, realized, removed, flow
        cdef bint overflow = False
        if self._big:
            self._add_big(<object>px, signed)
        elif open_qty == 0 or (open_qty > 0) == (signed > 0):
            overflow = hft_i128_mul(px, signed, &flow) or hft_i128_add(self._cost128, flow, &cost)
            if not overflow:
                self._cost128 = cost
        else:
            # reduce: take the closed share of the open cost, book the rest as realized PnL
            if signed == -open_qty:
                removed = self._cost128   # all of it: cost * n / n, no rounding
            else:
                overflow = hft_i128_mul(self._cost128, signed if signed > 0 else -signed,
                                        &removed)
                if not overflow:
                    removed = _div_half_even128(removed, open_qty if open_qty > 0 else -open_qty)
            overflow = overflow or hft_i128_mul(px, -signed, &flow) \
                or hft_i128_sub(flow, removed, &flow) \
                or hft_i128_add(self._realized128, flow, &realized)
            if not overflow:
                self._realized128 = realized
                self._cost128 -= removed
        if overflow:
            self._cost_big = <object>self._cost128
            self._realized_big = <object>self._realized128
            self._big = True
            self._add_big(<object>px, signed)
        if self.fill_count == 0:
            self.ts_opened = ts_event
            self._entry_side = side
        self.signed_qty_raw += signed
        if self.signed_qty_raw == 0:
            self._cost128 = 0
            if self._big:
                self._cost_big = 0
            self.ts_closed = ts_event
        cdef int64_t size = self.signed_qty_raw if self.signed_qty_raw > 0 else -self.signed_qty_raw
        if size > self.peak_qty_raw:
            self.peak_qty_raw = size
        self.fill_count += 1
        self.ts_last = ts_event
        return 0

    cdef int _add_big(self, object px, int64_t signed) except -1:
        # _add's money on Python ints (no quantity bookkeeping)
        cdef int64_t open_qty = self.signed_qty_raw
        cdef object removed
        if open_qty == 0 or (open_qty > 0) == (signed > 0):
            self._cost_big += px * signed
        else:
            removed = _div_half_even(self._cost_big * abs(signed), abs(<object>open_qty))
            self._realized_big += -px * signed - removed
            self._cost_big -= removed
        return 0

    cdef int _add_fee(self, Currency currency, int64_t raw) except -1:
        # the first currency is summed in C; any other (or an int64 overflow) in a dict
        cdef int64_t total
        if self._fee_currency is None:
            self._fee_currency = currency
        if currency is self._fee_currency and not hft_i64_add(self._fee_raw, raw, &total):
            self._fee_raw = total
            return 0
        if self._fees_other is None:
            self._fees_other = {}
        self._fees_other[currency] = self._fees_other.get(currency, 0) + raw
        return 0

    cdef object realized_int(self):
        return self._realized_big if self._big else <object>self._realized128

    cdef object cost_int(self):
        return self._cost_big if self._big else <object>self._cost128

    @property
    def _realized(self) -> int:
        """Return the realized PnL as an exact int: price at 18 digits x raw quantity."""
        # the kernel reads this name (execution_engine, portfolio); realized_int is the C form
        return self.realized_int()

    cdef str _name(self):
        return str(self.position_id) if self.position_id is not None else \
            f"{self.instrument_id}/{self.strategy_id}"

    # -- money ---------------------------------------------------------------------------------

    cdef object _to_decimal(self, object scaled):
        # scaled: Python int at 18 price digits x size_precision quantity digits, per multiplier
        return Decimal(scaled * self._mult_num).scaleb(
            -(_PX_DIGITS + self.size_precision + self._mult_exp), _EXACT)

    cdef Money _to_money(self, object value):
        cdef Currency cur = self.quote_currency
        cdef object q = value.quantize(Decimal(1).scaleb(-cur.precision), context=_EXACT)
        return money_new(int(q.scaleb(cur.precision, _EXACT)), cur)

    @property
    def realized_pnl_decimal(self) -> Decimal:
        """Return the exact realized PnL in quote currency (gross of commissions)."""
        return self._to_decimal(self.realized_int())

    @property
    def realized_pnl(self) -> Money:
        """Return the realized PnL in quote currency, rounded half-even (gross of fees)."""
        return self._to_money(self._to_decimal(self.realized_int()))

    def unrealized_pnl_decimal(self, Price last not None) -> Decimal:
        """Return the exact PnL of the open quantity marked at `last`."""
        return self._to_decimal(_px18(last.raw, last.precision) * self.signed_qty_raw - self.cost_int())

    def unrealized_pnl(self, Price last not None) -> Money:
        """Return the PnL of the open quantity marked at `last`, rounded half-even."""
        return self._to_money(self.unrealized_pnl_decimal(last))

    def total_pnl(self, Price last not None) -> Money:
        """Return realized + unrealized PnL at `last`, rounded once (half-even)."""
        return self._to_money(self._to_decimal(
            self.realized_int() + _px18(last.raw, last.precision) * self.signed_qty_raw
            - self.cost_int()))

    @property
    def commissions(self) -> dict:
        """Return the fees paid on this position's fills: {Currency: Money}."""
        return fees_by_currency(self._fee_currency, self._fee_raw, self._fees_other)

    # -- state ---------------------------------------------------------------------------------

    @property
    def side(self):
        """Return FLAT, LONG or SHORT (a `PositionSide`)."""
        if self.signed_qty_raw > 0:
            return PositionSide(POSITION_SIDE_LONG)
        if self.signed_qty_raw < 0:
            return PositionSide(POSITION_SIDE_SHORT)
        return PositionSide(POSITION_SIDE_FLAT)

    @property
    def entry(self):
        """Return the side of the opening fill (an `OrderSide`), or None before any fill."""
        return OrderSide(self._entry_side) if self.fill_count else None

    @property
    def quantity(self) -> Quantity:
        """Return the open quantity (unsigned)."""
        return quantity_new(abs(self.signed_qty_raw), self.size_precision)

    @property
    def signed_qty(self) -> Decimal:
        """Return the open quantity, negative when short (exact)."""
        return Decimal(self.signed_qty_raw).scaleb(-self.size_precision)

    @property
    def peak_qty(self) -> Quantity:
        """Return the largest open quantity the position reached."""
        return quantity_new(self.peak_qty_raw, self.size_precision)

    @property
    def avg_px_open_decimal(self) -> Decimal | None:
        """Return the average open price of the open quantity (to 120 digits), None when flat."""
        if self.signed_qty_raw == 0:
            return None
        return _EXACT.divide(Decimal(self.cost_int()), Decimal(self.signed_qty_raw)).scaleb(
            -_PX_DIGITS, _EXACT).normalize(_EXACT)

    @property
    def avg_px_open(self) -> float:
        """Return the average open price as a float (correctly rounded); 0.0 when flat."""
        if self.signed_qty_raw == 0:
            return 0.0
        # cost / 10**(18 + S) over qty_raw / 10**S: one exact-int true division
        return self.cost_int() / (<object>self.signed_qty_raw * _POW10[_PX_DIGITS])

    @property
    def is_open(self) -> bool:
        """Return True while the position holds a quantity."""
        return self.signed_qty_raw != 0

    @property
    def is_closed(self) -> bool:
        """Return True once a fill brought the position back to flat."""
        return self.fill_count > 0 and self.signed_qty_raw == 0

    @property
    def duration_ns(self) -> int:
        """Return ts_closed - ts_opened once closed, else 0."""
        return self.ts_closed - self.ts_opened if self.is_closed else 0

    def __repr__(self) -> str:
        side = self.side.name.removeprefix("POSITION_SIDE_")
        qty = "" if self.signed_qty_raw == 0 else f" {self.quantity}"
        return (f"Position({self._name()}, {side}{qty}, "
                f"realized_pnl={self.realized_pnl}, fills={self.fill_count})")


def split_fill(OrderFilled fill not None, int64_t closing_qty_raw) -> tuple:
    """Split a fill into (closing, opening) fills at `closing_qty_raw` (the fill's precision).

    Both parts keep every field of `fill` (ids, trade id, price, timestamps) but quantity and
    commission: the closing part's commission is the pro-rata share rounded half-even to the
    fee currency, the opening part gets the rest, so the two sum to the original exactly.
    `closing_qty_raw` must lie strictly between 0 and the fill's quantity.
    """
    if closing_qty_raw <= 0 or closing_qty_raw >= fill._qty_raw:
        raise ValueError(f"split_fill: closing_qty_raw must be in 1..{fill._qty_raw - 1}, "
                         f"got {closing_qty_raw}")
    cdef Money fee = fill._commission
    cdef int64_t close_fee = _div_half_even(<object>fee.raw * closing_qty_raw, fill._qty_raw)
    return (_part(fill, closing_qty_raw, close_fee),
            _part(fill, fill._qty_raw - closing_qty_raw, fee.raw - close_fee))


cdef OrderFilled _part(OrderFilled fill, int64_t qty_raw, int64_t fee_raw):
    # a copy of a fill that was already checked: only quantity and commission change
    cdef OrderFilled part = OrderFilled.__new__(OrderFilled)
    part._init_common(ORDER_EVENT_FILLED, fill.trader_id, fill.strategy_id, fill.instrument_id,
                      fill.client_order_id, fill.event_id, fill.ts_event, fill.ts_init)
    part._venue_order_id = fill._venue_order_id
    part._trade_id = fill._trade_id
    part._position_id = fill._position_id
    part._commission = money_new(fee_raw, fill._commission.currency)
    part._qty_raw = qty_raw
    part._size_precision = fill._size_precision
    part._px_raw = fill._px_raw
    part._price_precision = fill._price_precision
    part._order_side = fill._order_side
    part._liquidity_side = fill._liquidity_side
    return part


cdef Position position_like(Position like):
    cdef Position pos = Position.__new__(Position)
    pos.instrument_id = like.instrument_id
    pos.strategy_id = like.strategy_id
    pos.quote_currency = like.quote_currency
    pos.size_precision = like.size_precision
    pos.multiplier = like.multiplier
    pos._mult_num = like._mult_num
    pos._mult_exp = like._mult_exp
    return pos
