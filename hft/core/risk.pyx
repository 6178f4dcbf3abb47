# cython: boundscheck=False, wraparound=False
"""Pre-trade risk checks: per-instrument and account-wide limits, token buckets, kill switch.

`risk_check` is the C form: it runs without the GIL, allocates nothing, and returns 0 or a
`DenyReason` code. `RiskChecker` owns the state and is the Python face; `TokenBucket` is
the throttle on its own. Reason codes and limit semantics: docs/risk.md.
"""

cimport cython
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from libc.math cimport fabs
from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t
from libc.string cimport memcpy, memset

import numpy as np

from hft.core.encoding cimport (
    DECODE_OK,
    ENCODING_VERSION,
    FLAG_REDUCE_ONLY,
    MAX_PRECISION,
    ORDER_FLAGS_MASK,
    ORDER_SIZE,
    ORDER_TYPE_LIMIT,
    ORDER_TYPE_MARKET,
    ORDER_TYPE_STOP_LIMIT,
    ORDER_TYPE_STOP_MARKET,
    RECORD_ORDER,
    SIDE_BUY,
    SIDE_SELL,
    TIF_GTC,
    OrderRecord,
    order_decode,
    records_validate,
)

from hft.core.encoding import DECODE_ERRORS

# cpdef enums declared in a .pxd surface only as classes; export their members by name too
for _enum in (DenyReason, TradingState):
    globals().update(_enum.__members__)
del _enum

# code -> (name, text); docs/risk.md#reason-codes has the same table, with when each applies.
REASONS = {
    DENY_NONE: ("DENY_NONE", "passed"),
    DENY_UNKNOWN_INSTRUMENT: ("DENY_UNKNOWN_INSTRUMENT", "no risk limits are set for the instrument"),
    DENY_HALTED: ("DENY_HALTED", "trading is halted: no new orders"),
    DENY_REDUCING: ("DENY_REDUCING", "trading is reducing: only orders that reduce the position"),
    DENY_MAX_ORDER_QTY: ("DENY_MAX_ORDER_QTY", "order quantity exceeds max_order_qty"),
    DENY_MAX_ORDER_NOTIONAL: ("DENY_MAX_ORDER_NOTIONAL", "order notional exceeds max_order_notional"),
    DENY_MAX_POSITION: ("DENY_MAX_POSITION", "resulting position exceeds max_position"),
    DENY_PRICE_BAND: ("DENY_PRICE_BAND", "order price is outside the price band around the reference"),
    DENY_NO_REFERENCE_PRICE: ("DENY_NO_REFERENCE_PRICE", "a limit needs a reference price and none is set"),
    DENY_MAX_OPEN_ORDERS: ("DENY_MAX_OPEN_ORDERS", "open orders would exceed max_open_orders"),
    DENY_RATE_LIMIT: ("DENY_RATE_LIMIT", "order rate limit reached"),
    DENY_DAILY_NOTIONAL: ("DENY_DAILY_NOTIONAL", "today's notional would exceed max_daily_notional"),
    DENY_DAILY_LOSS: ("DENY_DAILY_LOSS", "daily loss limit reached: only orders that reduce the position"),
    DENY_REDUCE_ONLY: ("DENY_REDUCE_ONLY", "reduce-only order would increase or flip the position"),
    DENY_INVALID_ORDER: ("DENY_INVALID_ORDER", "order side, type or quantity is invalid"),
    DENY_PRECISION_MISMATCH: ("DENY_PRECISION_MISMATCH", "order precisions differ from the instrument's"),
}

_CODES = tuple(sorted(DenyReason))  # code -> member without an Enum call on the deny path
_PASSED = (DenyReason.DENY_NONE, "")
_MAX_QTY = 2**62


def reason_text(int code) -> str:
    """Return the short text of a reason code."""
    try:
        return REASONS[code][1]
    except KeyError:
        raise ValueError(f"reason code: {code} is unknown, expected 0..{DENY_REASON_COUNT - 1}") from None


cdef inline bint _reduces(int64_t position, uint8_t side, int64_t qty) noexcept nogil:
    # Reduces: opposite side to a non-zero position and no larger than it, so |position|
    # shrinks without crossing zero (a flip counts as an increase).
    if position > 0:
        return side == SIDE_SELL and qty <= position
    if position < 0:
        return side == SIDE_BUY and qty <= -position
    return False


cdef inline int _deny(RiskState *s, int code) noexcept nogil:
    s.denied[code] += 1
    return code


cdef inline int64_t _own_price(const OrderRecord *o) noexcept nogil:
    # the price an order's band and notional are judged on when it names one: a stop-market
    # order's trigger, else its limit price (0 for a market order: the reference stands in)
    if o.order_type == ORDER_TYPE_STOP_MARKET:
        return o.trigger_price
    return o.price if o.order_type != ORDER_TYPE_MARKET else 0


cdef inline double _notional(const InstrumentRisk *ins, int64_t price, int64_t qty) noexcept nogil:
    return fabs(<double>price * ins.price_scale * <double>qty * ins.size_scale)


# cdivision: the only division is by NS_PER_DAY, a non-zero constant; floor is fixed by hand.
@cython.cdivision(True)
cdef int _judge(RiskState *s, const OrderRecord *order, double *notional_out,
                InstrumentRisk **ins_out, bint amend) noexcept nogil:
    # every rule but the daily notional and the rate token; commits nothing. An amend (the
    # order as it would stand, quantity = what would be left to fill) skips the open-order
    # count: the order is open already.
    cdef int64_t qty = order.quantity
    cdef uint8_t side = order.side
    cdef uint8_t order_type = order.order_type
    cdef int64_t price = 0, position, projected
    cdef double notional = 0.0
    cdef bint has_price, reduces
    cdef int32_t idx
    cdef InstrumentRisk *ins

    s.checked += 1
    # State-free checks first: they need nothing but the record.
    if ((side != SIDE_BUY and side != SIDE_SELL) or qty <= 0 or qty > MAX_QTY_RAW
            or order_type < ORDER_TYPE_MARKET or order_type > ORDER_TYPE_STOP_LIMIT):
        return _deny(s, DENY_INVALID_ORDER)
    if s.trading_state == TRADING_HALTED:
        return _deny(s, DENY_HALTED)
    idx = risk_find(s, order.instrument_id)
    if idx < 0:
        return _deny(s, DENY_UNKNOWN_INSTRUMENT)
    ins = &s.instruments[idx]
    ins_out[0] = ins
    if order.price_precision != ins.price_precision or order.size_precision != ins.size_precision:
        return _deny(s, DENY_PRECISION_MISMATCH)
    if ins.max_order_qty > 0 and qty > ins.max_order_qty:
        return _deny(s, DENY_MAX_ORDER_QTY)

    position = ins.position
    projected = position + qty if side == SIDE_BUY else position - qty
    reduces = _reduces(position, side, qty)
    if not reduces:
        if order.flags & FLAG_REDUCE_ONLY:
            return _deny(s, DENY_REDUCE_ONLY)
        if s.trading_state == TRADING_REDUCING:
            return _deny(s, DENY_REDUCING)
        if s.daily_loss_limit > 0.0 and s.pnl <= -s.daily_loss_limit:
            return _deny(s, DENY_DAILY_LOSS)

    # The price a band and a notional are judged on: the order's own (_own_price), a
    # market order's reference (below).
    has_price = order_type != ORDER_TYPE_MARKET
    price = _own_price(order)
    if has_price and ins.price_band > 0.0:
        if not ins.has_reference:
            return _deny(s, DENY_NO_REFERENCE_PRICE)
        # Multiply instead of dividing by the reference: no division, and a zero reference
        # denies every price but itself.
        if fabs(<double>price - <double>ins.reference_price) > ins.price_band * fabs(<double>ins.reference_price):
            return _deny(s, DENY_PRICE_BAND)
    if not has_price:
        if ins.has_reference:
            price = ins.reference_price
            has_price = True
        elif ins.max_order_notional > 0.0 or s.max_daily_notional > 0.0:
            return _deny(s, DENY_NO_REFERENCE_PRICE)
    if has_price:
        notional = _notional(ins, price, qty)
    if ins.max_order_notional > 0.0 and notional > ins.max_order_notional:
        return _deny(s, DENY_MAX_ORDER_NOTIONAL)
    if ins.max_position > 0 and not reduces and (projected > ins.max_position or projected < -ins.max_position):
        return _deny(s, DENY_MAX_POSITION)
    if not amend and ins.max_open_orders > 0 and ins.open_orders >= ins.max_open_orders:
        return _deny(s, DENY_MAX_OPEN_ORDERS)
    notional_out[0] = notional
    return DENY_NONE


@cython.cdivision(True)
cdef inline int _commit(RiskState *s, double added_notional, int64_t now_ns) noexcept nogil:
    # the daily notional (rolled at the UTC day), then the rate token: the only check that
    # commits, so it is taken only by a request that passed everything else
    cdef int64_t day = now_ns // NS_PER_DAY
    # C truncates toward zero: step back one day for a negative now_ns inside a day.
    if day * NS_PER_DAY > now_ns:
        day -= 1
    if day > s.day:
        s.day = day
        s.daily_notional = 0.0
    if s.max_daily_notional > 0.0 and s.daily_notional + added_notional > s.max_daily_notional:
        return _deny(s, DENY_DAILY_NOTIONAL)
    if s.rate_limited and not bucket_try_take(&s.order_rate, now_ns, 1):
        return _deny(s, DENY_RATE_LIMIT)
    s.daily_notional += added_notional
    return DENY_NONE


cdef int risk_check(RiskState *s, const OrderRecord *order, int64_t now_ns) noexcept nogil:
    """Check one order; on pass commit it (token, daily notional, open order) and return 0.

    A denied order changes nothing but the counters (and rolls the UTC day, a pure function
    of now_ns), so it never eats rate budget or daily notional.
    """
    cdef double notional = 0.0
    cdef InstrumentRisk *ins = NULL
    cdef int code = _judge(s, order, &notional, &ins, False)
    if code == DENY_NONE:
        code = _commit(s, notional, now_ns)
        if code == DENY_NONE:
            ins.open_orders += 1
    return code


cdef int risk_check_amend(RiskState *s, const OrderRecord *before, const OrderRecord *after,
                          int64_t now_ns) noexcept nogil:
    """Check an amend of an open order; on pass commit it (token, notional added) and return 0.

    `after` is the order as it would stand, `before` as it stands, each with quantity = what
    is left to fill. `after` meets every rule a new order meets but the open-order count (the
    order is open already); the daily notional grows by the amend's increase only, and the
    amend takes a rate token (it is one more request to the venue).
    """
    cdef double notional_after = 0.0, notional_before
    cdef InstrumentRisk *ins = NULL
    cdef int code = _judge(s, after, &notional_after, &ins, True)
    if code != DENY_NONE:
        return code
    # what the order stood for, priced as _judge prices (none of the rules: it passed them)
    cdef int64_t price = _own_price(before)
    if before.order_type == ORDER_TYPE_MARKET and ins.has_reference:
        price = ins.reference_price
    notional_before = _notional(ins, price, before.quantity)
    return _commit(s, notional_after - notional_before if notional_after > notional_before
                   else 0.0, now_ns)


cdef inline int64_t _pow10(int n) noexcept nogil:
    cdef int64_t r = 1
    cdef int i
    for i in range(n):
        r *= 10
    return r


def _fmt(int64_t raw, int precision) -> str:
    # Exact decimal text of a fixed-point value: 1500 at precision 2 is "15.00".
    if precision == 0:
        return str(raw)
    sign = "-" if raw < 0 else ""
    digits = str(abs(raw)).rjust(precision + 1, "0")
    return f"{sign}{digits[:-precision]}.{digits[-precision:]}"


def _check_limit(str name, double value):
    if not value >= 0.0 or value == float("inf"):  # also rejects NaN
        raise ValueError(f"{name}: {value} is invalid, expected a finite number >= 0 (0 = no limit)")


def _refill_per_ns(double rate_per_s) -> int:
    if not 0.0 <= rate_per_s <= BUCKET_MAX_TOKENS:
        raise ValueError(f"rate_per_s: {rate_per_s} is out of range, expected 0..{BUCKET_MAX_TOKENS}")
    # 1e-12 tokens per ns == tokens per s * 1000: the rate is kept to the nearest 0.001/s.
    return int(round(rate_per_s * 1000.0))


cdef class TokenBucket:
    """Throttle to `rate_per_s` tokens per second with bursts of up to `burst` tokens.

    The bucket starts full. Time is passed in (`now_ns`), so a backtest clock and a live one
    work alike; arithmetic is exact integers, so any sequence of calls is reproducible. A
    rate is kept to the nearest 0.001 tokens/s. Not thread-safe.
    """

    def __init__(self, double rate_per_s, int64_t burst, int64_t now_ns=0) -> None:
        if not 1 <= burst <= BUCKET_MAX_TOKENS:
            raise ValueError(f"burst: {burst} is out of range, expected 1..{BUCKET_MAX_TOKENS}")
        bucket_init(&self.bucket, _refill_per_ns(rate_per_s), burst, now_ns)

    def try_take(self, int64_t now_ns, int64_t n=1) -> bool:
        """Take n tokens at now_ns; return False, taking none, when fewer are available."""
        if n < 1:
            raise ValueError(f"n: {n} is invalid, expected >= 1")
        return bucket_try_take(&self.bucket, now_ns, n)

    def available(self, int64_t now_ns) -> int:
        """Return the whole tokens available at now_ns."""
        return bucket_available(&self.bucket, now_ns)

    @property
    def rate_per_s(self) -> float:
        """Tokens per second as kept (to 0.001)."""
        return self.bucket.refill_per_ns / 1000.0

    @property
    def burst(self) -> int:
        """Most tokens the bucket holds."""
        return self.bucket.capacity // BUCKET_SCALE


cdef class RiskChecker:
    """Pre-trade risk checks over per-instrument and account-wide limits.

    The kernel feeds state (reference prices, positions, fills, closed orders, PnL) and asks
    `check` (or, from Cython, `risk_check(&checker.risk, &record, now_ns)` without the GIL).
    A passed check counts as an opened order for its instrument; call `on_order_closed` when
    the order reaches a terminal state. Every limit of 0 means "no limit". Not thread-safe:
    one checker per trading node, called from its event loop.

    Parameters
    ----------
    max_instruments : int
        Capacity of the instrument table, allocated once.
    """

    def __cinit__(self, int32_t max_instruments=1024):
        cdef uint32_t n_slots = 2
        if not 1 <= max_instruments <= (1 << 24):
            raise ValueError(f"max_instruments: {max_instruments} is out of range, expected 1..{1 << 24}")
        while n_slots < 2 * <uint32_t>max_instruments:
            n_slots <<= 1
        memset(&self.risk, 0, sizeof(RiskState))
        self.risk.instruments = <InstrumentRisk *>PyMem_Malloc(max_instruments * sizeof(InstrumentRisk))
        self.risk.slots = <int32_t *>PyMem_Malloc(n_slots * sizeof(int32_t))
        if self.risk.instruments == NULL or self.risk.slots == NULL:
            raise MemoryError(f"risk checker: cannot allocate {max_instruments} instruments")
        memset(self.risk.slots, 0xFF, n_slots * sizeof(int32_t))  # every slot -1: empty
        self.risk.slot_mask = n_slots - 1
        self.risk.capacity = max_instruments
        self.risk.trading_state = TRADING_ACTIVE

    def __dealloc__(self):
        PyMem_Free(self.risk.instruments)
        PyMem_Free(self.risk.slots)

    cdef int32_t index_of(self, uint32_t instrument_id) except -1:
        cdef int32_t idx = risk_find(&self.risk, instrument_id)
        if idx < 0:
            raise ValueError(f"instrument_id: {instrument_id} has no risk limits, call set_instrument_limits first")
        return idx

    # ---- limits -------------------------------------------------------------------------

    def set_instrument_limits(
        self,
        uint32_t instrument_id,
        int64_t max_order_qty=0,
        double max_order_notional=0.0,
        int64_t max_position=0,
        double price_band=0.0,
        int64_t max_open_orders=0,
        double multiplier=1.0,
        int price_precision=0,
        int size_precision=0,
    ) -> None:
        """Set (or replace) one instrument's limits; its position, reference and open orders stay.

        Quantities are raw at size_precision; notional is price * quantity * multiplier in
        quote currency; price_band is a fraction of the reference price (0.05 = 5 %).
        """
        cdef InstrumentRisk *ins
        cdef int32_t idx
        cdef uint32_t h
        for name, value in (("max_order_qty", max_order_qty), ("max_position", max_position),
                            ("max_open_orders", max_open_orders)):
            if not 0 <= value <= _MAX_QTY:
                raise ValueError(f"{name}: {value} is out of range, expected 0..{_MAX_QTY} (0 = no limit)")
        _check_limit("max_order_notional", max_order_notional)
        _check_limit("price_band", price_band)
        if not (multiplier > 0.0 and multiplier != float("inf")):
            raise ValueError(f"multiplier: {multiplier} is invalid, expected a finite number > 0")
        for name, value in (("price_precision", price_precision), ("size_precision", size_precision)):
            if not 0 <= value <= MAX_PRECISION:
                raise ValueError(f"{name}: {value} is out of range, expected 0..{MAX_PRECISION}")
        idx = risk_find(&self.risk, instrument_id)
        if idx < 0:
            if self.risk.count == self.risk.capacity:
                raise ValueError(f"instrument_id: {instrument_id} does not fit, all "
                                 f"{self.risk.capacity} instruments (max_instruments) are in use")
            idx = self.risk.count
            self.risk.count += 1
            ins = &self.risk.instruments[idx]
            memset(ins, 0, sizeof(InstrumentRisk))
            ins.instrument_id = instrument_id
            h = (instrument_id * <uint32_t>2654435761u) & self.risk.slot_mask
            while self.risk.slots[h] >= 0:
                h = (h + 1) & self.risk.slot_mask
            self.risk.slots[h] = idx
        ins = &self.risk.instruments[idx]
        ins.max_order_qty = max_order_qty
        ins.max_order_notional = max_order_notional
        ins.max_position = max_position
        ins.price_band = price_band
        ins.max_open_orders = max_open_orders
        ins.price_precision = price_precision
        ins.size_precision = size_precision
        # Precomputed so a check multiplies only; precision <= 18 keeps 10**p exact in int64.
        ins.price_scale = 1.0 / <double>_pow10(price_precision)
        ins.size_scale = multiplier / <double>_pow10(size_precision)

    def set_account_limits(
        self,
        *,
        double orders_per_s=0.0,
        int64_t order_burst=0,
        double max_daily_notional=0.0,
        double daily_loss_limit=0.0,
        int64_t now_ns=0,
    ) -> None:
        """Set the account-wide limits; 0 means no limit.

        orders_per_s with order_burst (default: max(1, orders_per_s)) is the order throttle,
        full again from now_ns; max_daily_notional caps the summed notional of passed orders
        per UTC day; daily_loss_limit (> 0) lets only position-reducing orders through once
        the PnL fed to update_pnl is <= -daily_loss_limit.
        """
        _check_limit("orders_per_s", orders_per_s)
        _check_limit("max_daily_notional", max_daily_notional)
        _check_limit("daily_loss_limit", daily_loss_limit)
        if orders_per_s > 0.0:
            if order_burst == 0:
                order_burst = max(1, int(orders_per_s))
            if not 1 <= order_burst <= BUCKET_MAX_TOKENS:
                raise ValueError(f"order_burst: {order_burst} is out of range, expected 1..{BUCKET_MAX_TOKENS}")
            bucket_init(&self.risk.order_rate, _refill_per_ns(orders_per_s), order_burst, now_ns)
            self.risk.rate_limited = True
        else:
            self.risk.rate_limited = False
        self.risk.max_daily_notional = max_daily_notional
        self.risk.daily_loss_limit = daily_loss_limit

    # ---- state the kernel feeds -----------------------------------------------------------

    def set_reference_price(self, uint32_t instrument_id, int64_t price_raw) -> None:
        """Set the reference price (last mid or trade) the band and market notional use."""
        cdef InstrumentRisk *ins = &self.risk.instruments[self.index_of(instrument_id)]
        ins.reference_price = price_raw
        ins.has_reference = True

    def set_position(self, uint32_t instrument_id, int64_t signed_qty_raw) -> None:
        """Set the signed position (raw, size_precision): > 0 long, < 0 short."""
        if not -_MAX_QTY <= signed_qty_raw <= _MAX_QTY:
            raise ValueError(f"signed_qty_raw: {signed_qty_raw} is out of range, expected |x| <= {_MAX_QTY}")
        self.risk.instruments[self.index_of(instrument_id)].position = signed_qty_raw

    def apply_fill(self, uint32_t instrument_id, int side, int64_t qty_raw) -> None:
        """Move the position by one fill: + qty for SIDE_BUY, - qty for SIDE_SELL."""
        cdef InstrumentRisk *ins = &self.risk.instruments[self.index_of(instrument_id)]
        if side != SIDE_BUY and side != SIDE_SELL:
            raise ValueError(f"side: {side} is invalid, expected SIDE_BUY (1) or SIDE_SELL (2)")
        if not 0 < qty_raw <= _MAX_QTY:
            raise ValueError(f"qty_raw: {qty_raw} is out of range, expected 1..{_MAX_QTY}")
        new = int(ins.position) + (qty_raw if side == SIDE_BUY else -qty_raw)
        if not -_MAX_QTY <= new <= _MAX_QTY:
            raise OverflowError(f"position of instrument {instrument_id}: {new} exceeds |x| <= {_MAX_QTY}")
        ins.position = new

    def on_order_opened(self, uint32_t instrument_id) -> None:
        """Count an open order that did not pass through check (e.g. found at reconciliation)."""
        self.risk.instruments[self.index_of(instrument_id)].open_orders += 1

    def on_order_closed(self, uint32_t instrument_id) -> None:
        """Count down an open order that reached a terminal state (filled, canceled, ...)."""
        cdef InstrumentRisk *ins = &self.risk.instruments[self.index_of(instrument_id)]
        if ins.open_orders == 0:
            raise ValueError(f"instrument_id: {instrument_id} has no open orders to close")
        ins.open_orders -= 1

    def update_pnl(self, double pnl) -> None:
        """Set today's PnL (realized today + unrealized) the daily loss limit is judged on."""
        if pnl != pnl:
            raise ValueError("pnl: nan is invalid, expected a number")
        self.risk.pnl = pnl

    def set_state(self, state) -> None:
        """Set the trading state: ACTIVE, REDUCING (only reducing orders) or HALTED (none)."""
        if isinstance(state, str):
            try:
                state = TradingState[f"TRADING_{state.upper()}"]
            except KeyError:
                raise ValueError(f"state: {state!r} is unknown, expected ACTIVE, REDUCING or HALTED") from None
        if state not in (TRADING_ACTIVE, TRADING_REDUCING, TRADING_HALTED):
            raise ValueError(f"state: {state!r} is unknown, expected ACTIVE, REDUCING or HALTED")
        self.risk.trading_state = state

    @property
    def state(self) -> TradingState:
        """The trading state."""
        return TradingState(self.risk.trading_state)

    # ---- checks ---------------------------------------------------------------------------

    def check(
        self,
        int side,
        int order_type,
        int64_t quantity_raw,
        int64_t price_raw,
        uint32_t instrument_id,
        int64_t ts_ns,
        int flags=0,
        int64_t trigger_price_raw=0,
    ) -> tuple:
        """Check one order at ts_ns; return (0, "") on pass, else (code, readable reason).

        Quantity and prices are raw at the instrument's precisions. A passed order is
        committed: it takes a rate token, adds to today's notional and counts as open.
        """
        cdef OrderRecord rec
        if not (0 <= side <= 255 and 0 <= order_type <= 255 and 0 <= flags <= ORDER_FLAGS_MASK):
            raise ValueError(f"order: side {side}, order_type {order_type} or flags {flags} out of range")
        self._fill(&rec, side, order_type, flags, instrument_id, quantity_raw, price_raw,
                   trigger_price_raw, ts_ns)
        cdef int code = risk_check(&self.risk, &rec, ts_ns)
        if code == DENY_NONE:
            return _PASSED
        return _CODES[code], self._describe(code, &rec)

    def check_amend(self, int side, int order_type, uint32_t instrument_id,
                    int64_t quantity_before, int64_t price_before,
                    int64_t quantity_after, int64_t price_after, int64_t ts_ns, int flags=0,
                    int64_t trigger_before=0, int64_t trigger_after=0) -> tuple:
        """Check an amend of an open order at ts_ns; return (0, "") on pass, else (code, reason).

        Quantities are what is left to fill before and after the amend, raw at the
        instrument's precisions like the prices. The order after the amend meets every rule
        a new order meets but the open-order count; a pass takes a rate token and adds the
        amend's increase of notional (none when it shrinks) to today's.
        """
        cdef OrderRecord before, after
        if not (0 <= side <= 255 and 0 <= order_type <= 255 and 0 <= flags <= ORDER_FLAGS_MASK):
            raise ValueError(f"order: side {side}, order_type {order_type} or flags {flags} out of range")
        self._fill(&before, side, order_type, flags, instrument_id, quantity_before,
                   price_before, trigger_before, ts_ns)
        self._fill(&after, side, order_type, flags, instrument_id, quantity_after, price_after,
                   trigger_after, ts_ns)
        cdef int code = risk_check_amend(&self.risk, &before, &after, ts_ns)
        if code == DENY_NONE:
            return _PASSED
        return _CODES[code], self._describe(code, &after)

    cdef void _fill(self, OrderRecord *rec, int side, int order_type, int flags,
                    uint32_t instrument_id, int64_t quantity, int64_t price, int64_t trigger,
                    int64_t ts_ns) noexcept:
        cdef int32_t idx = risk_find(&self.risk, instrument_id)
        memset(rec, 0, sizeof(OrderRecord))
        rec.version = ENCODING_VERSION
        rec.record_type = RECORD_ORDER
        rec.time_in_force = TIF_GTC
        rec.side = <uint8_t>side
        rec.order_type = <uint8_t>order_type
        rec.flags = <uint8_t>flags
        rec.instrument_id = instrument_id
        rec.price = price
        rec.trigger_price = trigger
        rec.quantity = quantity
        rec.ts_init = ts_ns
        if idx >= 0:
            rec.price_precision = self.risk.instruments[idx].price_precision
            rec.size_precision = self.risk.instruments[idx].size_precision

    def check_record(self, const uint8_t[::1] record, int64_t ts_ns) -> tuple:
        """Check one encoded 128-byte order record at ts_ns; return as `check` does."""
        cdef OrderRecord rec
        if record.shape[0] != ORDER_SIZE:
            raise ValueError(f"order record: {record.shape[0]} bytes, expected {ORDER_SIZE}")
        cdef int code = order_decode(&record[0], ORDER_SIZE, &rec)
        if code != DECODE_OK:
            field, expected = DECODE_ERRORS[code]
            raise ValueError(f"order record: field '{field}' is invalid, expected {expected}")
        code = risk_check(&self.risk, &rec, ts_ns)
        if code == DENY_NONE:
            return _PASSED
        return _CODES[code], self._describe(code, &rec)

    def check_batch(self, const uint8_t[:, ::1] records, const int64_t[::1] ts_ns, bint validate=True):
        """Check encoded order records in order without the GIL; return their codes (uint8).

        Each row is one 128-byte record checked at the matching ts_ns; passed orders commit
        as in `check`, so later rows see earlier ones. With validate (the default) every
        record is decoded-checked first and a bad one raises ValueError before any is
        checked; pass validate=False only for records this process encoded itself.
        """
        cdef Py_ssize_t i, bad = -1, n = records.shape[0]
        cdef OrderRecord rec
        cdef int status = DECODE_OK
        if records.shape[1] != ORDER_SIZE:
            raise ValueError(f"records: rows of {records.shape[1]} bytes, expected {ORDER_SIZE}")
        if ts_ns.shape[0] != n:
            raise ValueError(f"ts_ns: {ts_ns.shape[0]} timestamps for {n} records, expected equal")
        if validate and n > 0:
            with nogil:
                status = records_validate(&records[0, 0], n, RECORD_ORDER, &bad)
            if status != DECODE_OK:
                field, expected = DECODE_ERRORS[status]
                raise ValueError(f"records[{bad}]: field '{field}' is invalid, expected {expected}")
        out = np.zeros(n, dtype=np.uint8)
        cdef uint8_t[::1] codes = out
        with nogil:
            for i in range(n):
                memcpy(&rec, &records[i, 0], ORDER_SIZE)
                codes[i] = <uint8_t>risk_check(&self.risk, &rec, ts_ns[i])
        return out

    cdef str _describe(self, int code, const OrderRecord *o):
        # Runs only for a denied order, so nothing was committed and the state still shows
        # the values the check saw.
        cdef int32_t idx = risk_find(&self.risk, o.instrument_id)
        cdef InstrumentRisk *ins = &self.risk.instruments[idx] if idx >= 0 else NULL
        iid = o.instrument_id
        side = {SIDE_BUY: "buy", SIDE_SELL: "sell"}.get(o.side, str(o.side))
        if code == DENY_INVALID_ORDER:
            return (f"order is invalid: side {o.side} (expected 1 buy, 2 sell), order_type "
                    f"{o.order_type} (expected 1..4), quantity {o.quantity} (expected 1..{_MAX_QTY})")
        if code == DENY_HALTED:
            return "trading is HALTED: no new orders"
        if code == DENY_UNKNOWN_INSTRUMENT:
            return f"instrument {iid} has no risk limits set"
        sp, pp = ins.size_precision, ins.price_precision
        qty = _fmt(o.quantity, sp)
        pos = _fmt(ins.position, sp)
        if code == DENY_PRECISION_MISMATCH:
            return (f"order precisions (price {o.price_precision}, size {o.size_precision}) differ from "
                    f"instrument {iid}'s (price {pp}, size {sp})")
        if code == DENY_MAX_ORDER_QTY:
            return f"order quantity {qty} exceeds max_order_qty {_fmt(ins.max_order_qty, sp)} for instrument {iid}"
        if code == DENY_REDUCE_ONLY:
            return f"reduce-only {side} {qty} would increase or flip position {pos} for instrument {iid}"
        if code == DENY_REDUCING:
            return f"trading is REDUCING: {side} {qty} would not reduce position {pos} for instrument {iid}"
        if code == DENY_DAILY_LOSS:
            return (f"daily loss limit {self.risk.daily_loss_limit:g} reached (pnl {self.risk.pnl:g}): "
                    f"{side} {qty} would not reduce position {pos} for instrument {iid}")
        if code == DENY_NO_REFERENCE_PRICE:
            return f"instrument {iid} has no reference price, needed by its price band or notional limits"
        price = _own_price(o)
        ref = ins.reference_price
        if code == DENY_PRICE_BAND:
            dev = abs(price - ref) / abs(ref) if ref else float("inf")
            return (f"order price {_fmt(price, pp)} is {dev:.4%} from reference {_fmt(ref, pp)}, "
                    f"outside price_band {ins.price_band:.4%} for instrument {iid}")
        if o.order_type == ORDER_TYPE_MARKET:
            price = ref
        notional = _notional(ins, price, o.quantity)
        if code == DENY_MAX_ORDER_NOTIONAL:
            return (f"order notional {notional:.2f} exceeds max_order_notional "
                    f"{ins.max_order_notional:.2f} for instrument {iid}")
        if code == DENY_MAX_POSITION:
            projected = ins.position + (o.quantity if o.side == SIDE_BUY else -o.quantity)
            return (f"position {_fmt(projected, sp)} after {side} {qty} exceeds max_position "
                    f"{_fmt(ins.max_position, sp)} for instrument {iid}")
        if code == DENY_MAX_OPEN_ORDERS:
            return (f"open orders {ins.open_orders} reached max_open_orders {ins.max_open_orders} "
                    f"for instrument {iid}")
        if code == DENY_DAILY_NOTIONAL:
            return (f"today's notional {self.risk.daily_notional:.2f} + order {notional:.2f} exceeds "
                    f"max_daily_notional {self.risk.max_daily_notional:.2f}")
        if code == DENY_RATE_LIMIT:
            return (f"order rate limit {self.risk.order_rate.refill_per_ns / 1000.0:g}/s "
                    f"(burst {self.risk.order_rate.capacity // BUCKET_SCALE}) reached")
        return reason_text(code)

    # ---- counters and state ----------------------------------------------------------------

    @property
    def checked(self) -> int:
        """Orders checked."""
        return self.risk.checked

    @property
    def denied(self) -> dict:
        """Denied orders per reason code, only codes that occurred."""
        return {DenyReason(c): self.risk.denied[c] for c in range(1, DENY_REASON_COUNT) if self.risk.denied[c]}

    @property
    def daily_notional(self) -> float:
        """Summed notional of orders passed this UTC day."""
        return self.risk.daily_notional

    def position(self, uint32_t instrument_id) -> int:
        """Return the signed position (raw) of an instrument."""
        return self.risk.instruments[self.index_of(instrument_id)].position

    def open_orders(self, uint32_t instrument_id) -> int:
        """Return the open-order count of an instrument."""
        return self.risk.instruments[self.index_of(instrument_id)].open_orders

    def rate_tokens(self, int64_t now_ns) -> int:
        """Return the whole order-rate tokens available at now_ns (-1 when not rate limited)."""
        if not self.risk.rate_limited:
            return -1
        return bucket_available(&self.risk.order_rate, now_ns)
