"""Simulate one venue for backtests: an ExecutionClient whose exchange is the market data.

`SimExecutionClient` keeps one `SimMatcher` per instrument (own orders against quotes / trades
or book levels), puts order commands and venue reports through a `LatencyModel` (FIFO per
channel), charges fees with a `FeeModel`, keeps cash balances and a venue-side net position
per instrument, and logs every fill into growable numpy arrays (`fills`). docs/fills.md has the
rules and worked examples.

Time: the venue reads the node clock (`timestamp_ns()`); the backtest runner moves it and calls
`process_due(now)` whenever `next_due_ns()` has come, and feeds market data straight into the
matchers (C level) before the strategy sees it. Tests may drive a venue by hand with
`process_quote` / `process_trade` / `process_book_delta` and `process_due`.
"""

from __future__ import annotations

cimport cython
from cpython.mem cimport PyMem_Free, PyMem_Malloc, PyMem_Realloc
from libc.stdint cimport INT64_MAX, int64_t, uint8_t, uint32_t, uint64_t
from libc.string cimport memcpy

from hft.adapters.sim.matcher cimport LatencyQueue, SimEvent, SimMatcher
from hft.core.encoding cimport SIDE_BUY
from hft.kernel.clock cimport Clock
from hft.kernel.execution_engine cimport ExecutionEngine
from hft.model.enums cimport ORDER_EVENT_ACCEPTED, ORDER_EVENT_FILLED
from hft.model.events cimport OrderEvent
from hft.model.identifiers cimport TradeId, VenueOrderId, identifier_new
from hft.model.objects cimport Currency, Money, Price, Quantity, money_new, price_new, quantity_new
from hft.model.orders cimport Order

import collections
import decimal
from decimal import Decimal
from typing import Any, Iterable

import numpy as np

from hft.adapters.sim.matcher import (
    SIM_ACCEPTED, SIM_CANCEL_REJECTED, SIM_CANCELED, SIM_EXPIRED, SIM_FILLED,
    SIM_MODIFY_REJECTED, SIM_REASONS, SIM_REJECTED, SIM_TRIGGERED, SIM_UPDATED,
)
from hft.adapters.sim.models import FeeModel, FillModel, LatencyModel
from hft.kernel.clients import ExecutionClient
from hft.model.enums import LiquiditySide, OrderSide
from hft.model.events import (
    OrderAccepted, OrderCanceled, OrderCancelRejected, OrderExpired, OrderFilled,
    OrderModifyRejected, OrderRejected, OrderTriggered, OrderUpdated,
)
from hft.model.instruments import Instrument, InstrumentKind
from hft.model.objects import Currency

__all__ = ["FILL_DTYPE", "FillLog", "SimExecutionClient", "instrument_from_config"]

FILL_DTYPE = np.dtype([
    ("ts_ns", "<i8"), ("instrument_id", "<u4"), ("side", "u1"), ("liquidity", "u1"),
    ("qty", "<f8"), ("px", "<f8"), ("fee", "<f8"), ("qty_raw", "<i8"), ("px_raw", "<i8"),
    ("order_num", "<u8"), ("client_order_num", "<u8"),
])


assert FILL_DTYPE.itemsize == sizeof(FillRow)


@cython.final
cdef class FillLog:
    """Append fills to a growable C array of FILL_DTYPE rows (capacity doubles)."""

    def __cinit__(self, Py_ssize_t capacity=1024):
        self.capacity = capacity if capacity > 0 else 1
        self.rows = <FillRow *>PyMem_Malloc(self.capacity * sizeof(FillRow))
        if self.rows == NULL:
            raise MemoryError("FillLog: cannot allocate its rows")

    def __dealloc__(self):
        PyMem_Free(self.rows)

    cdef FillRow *next_row(self) except NULL:
        """Return the row to fill next (growing the array when full)."""
        cdef FillRow *grown
        if self.count == self.capacity:
            grown = <FillRow *>PyMem_Realloc(self.rows, 2 * self.capacity * sizeof(FillRow))
            if grown == NULL:
                raise MemoryError("FillLog: cannot grow its rows")
            self.rows = grown
            self.capacity *= 2
        self.count += 1
        return &self.rows[self.count - 1]

    def append(self, int64_t ts_ns, uint32_t instrument_id, uint8_t side, uint8_t liquidity,
               double qty, double px, double fee, int64_t qty_raw, int64_t px_raw,
               uint64_t order_num, uint64_t client_order_num) -> None:
        """Record one fill."""
        cdef FillRow *row = self.next_row()
        row.ts_ns = ts_ns
        row.instrument_id = instrument_id
        row.side = side
        row.liquidity = liquidity
        row.qty = qty
        row.px = px
        row.fee = fee
        row.qty_raw = qty_raw
        row.px_raw = px_raw
        row.order_num = order_num
        row.client_order_num = client_order_num

    def array(self) -> np.ndarray:
        """Return a copy of the fills so far, in the order they happened."""
        out = np.zeros(self.count, dtype=FILL_DTYPE)
        cdef uint8_t[::1] view
        if self.count:
            view = out.view(np.uint8)
            memcpy(&view[0], self.rows, self.count * sizeof(FillRow))
        return out

    def __len__(self) -> int:
        return self.count


_BUY = int(OrderSide.SIDE_BUY)
_CASH_KINDS = (InstrumentKind.INSTRUMENT_SPOT, InstrumentKind.INSTRUMENT_FX)

_QUOTE_SUFFIXES = ("USDT", "USDC", "BUSD", "USD", "EUR", "GBP", "JPY", "CHF", "BTC", "ETH")
_KINDS = {"spot": InstrumentKind.INSTRUMENT_SPOT, "perpetual": InstrumentKind.INSTRUMENT_PERPETUAL,
          "future": InstrumentKind.INSTRUMENT_FUTURE, "fx": InstrumentKind.INSTRUMENT_FX,
          "equity": InstrumentKind.INSTRUMENT_SPOT}


def _currency(code: str) -> Currency:
    try:
        return Currency.from_str(code)
    except ValueError:
        return Currency.register(Currency(code, 8))


def instrument_from_config(cfg: Any, numeric_id: int = 0) -> Instrument:
    """Build an Instrument from an `InstrumentConfig` (currencies read from the symbol if not given).

    "EUR/USD" splits at the slash; "BTCUSDT" ends with a known quote currency; otherwise the
    quote currency is USD and there is no base currency.
    """
    symbol = cfg.symbol.split("-")[0]
    base, quote = cfg.base_currency, cfg.quote_currency
    if quote is None:
        if "/" in symbol:
            base, _, quote = symbol.partition("/")
        else:
            quote = next((q for q in _QUOTE_SUFFIXES if symbol.endswith(q) and symbol != q), "USD")
            base = base or (symbol[: -len(quote)] if symbol.endswith(quote) else None)
    return Instrument(
        cfg.id, _KINDS[cfg.kind], quote_currency=_currency(quote),
        base_currency=_currency(base) if base else None, price_precision=cfg.price_precision,
        size_precision=cfg.size_precision, price_increment=str(cfg.tick_size),
        size_increment=str(cfg.lot_size),
        min_quantity=str(cfg.min_qty) if cfg.min_qty is not None else None,
        max_quantity=str(cfg.max_qty) if cfg.max_qty is not None else None,
        maker_fee=cfg.maker_fee, taker_fee=cfg.taker_fee, multiplier=str(cfg.multiplier),
        numeric_id=numeric_id,
    )


def _raw_at(value: Price | Quantity, precision: int, what: str) -> int:
    """Return value's raw count at precision, exactly; ValueError when it does not fit."""
    shift = precision - value.precision
    if shift >= 0:
        return value.raw * 10**shift
    div = 10**-shift
    if value.raw % div:
        raise ValueError(f"{what} {value} has more decimals than the instrument's {precision}")
    return value.raw // div


def _raw_rescaled(raw: int, from_p: int, to_p: int, what: str) -> int:
    """Return a raw count at from_p as a raw count at to_p, exactly; ValueError when it does not fit."""
    if from_p == to_p:
        return raw
    if to_p > from_p:
        return raw * 10 ** (to_p - from_p)
    div = 10 ** (from_p - to_p)
    if raw % div:
        raise ValueError(f"{what} {Decimal(raw).scaleb(-from_p)} has more decimals than the instrument's {to_p}")
    return raw // div


def _round_half_even(num: int, den: int) -> int:
    """Return num / den (den > 0) rounded half to even, in exact integer arithmetic."""
    q, r = divmod(num, den)
    twice = 2 * r
    if twice > den or (twice == den and q & 1):
        q += 1
    return q


FEE_DIGITS = 36  # exact fees are summed as integers of 10**-36 of a currency unit
cdef tuple _POW10 = tuple([10 ** i for i in range(80)])
cdef tuple _POW10F = tuple([10.0 ** i for i in range(40)])
cdef object _EXACT = decimal.Context(prec=120)  # balances: no rounding when read


def _rescaled(raw: int, from_p: int, to_p: int) -> int:
    # market data at another precision than the instrument's: exact up, truncated down
    if from_p == to_p:
        return raw
    return raw * 10 ** (to_p - from_p) if to_p > from_p else raw // 10 ** (from_p - to_p)


cdef object _venue_id(int64_t num):
    # decimal digits: valid by construction, so no check
    return <VenueOrderId>identifier_new(VenueOrderId, str(num)) if num else None



cdef object _half_even(object num, object den):
    # num / den (den > 0) rounded half to even, on Python ints
    q, r = divmod(num, den)
    twice = 2 * r
    if twice > den or (twice == den and q & 1):
        q += 1
    return q


cdef object _IDS_UNSET = object()


cdef class _SimCore:
    """The per-order state and path of SimExecutionClient, in C (typed attributes, cdef calls).

    SimExecutionClient subclasses this and ExecutionClient; nothing here is public API beyond
    the methods SimExecutionClient documents.
    """

    def __cinit__(self, *args, **kwargs):
        self.inbound = LatencyQueue()
        self.outbound = LatencyQueue()
        self.fills = FillLog()
        self.matchers = {}
        self._instruments = {}
        self._by_num = {}
        self._orders = {}
        self._num_of = {}
        self._cash = {}
        self._cash_plans = {}
        self._fee_plans = {}
        self._fee_exact = {}
        self._fee_charged = {}
        self._last_px = {}
        self._outbox = collections.deque()
        self._next_order_num = 1
        self._next_trade = 1
        self._next_event_id = 1

    cdef int64_t _now(self) except? -1:
        # ExecutionClient.timestamp_ns in C when the engine is the kernel's
        cdef object engine = self.engine
        if engine is None:
            return 0
        if type(engine) is ExecutionEngine:
            return (<ExecutionEngine>engine).clock.now_ns()
        return engine.clock.timestamp_ns()

    # -- commands from the node (ExecutionClient contract) ------------------------------------

    def submit_order(self, Order order not None) -> None:
        """Send a new order; it reaches the venue after the order latency."""
        self._send(self.latency.insert_delay(), ("submit", order, None))

    def cancel_order(self, Order order not None) -> None:
        """Ask to cancel an open order; it reaches the venue after the order latency."""
        self._send(self.latency.cancel_delay(), ("cancel", order, None))

    def modify_order(self, Order order not None, quantity: Quantity | None = None,
                     price: Price | None = None, trigger_price: Price | None = None) -> None:
        """Ask to amend an open order (None = unchanged); it reaches the venue after the latency."""
        self._send(self.latency.cancel_delay(), ("modify", order, (quantity, price, trigger_price)))

    cdef int _send(self, int64_t delay, tuple command) except -1:
        cdef int64_t now = self._now()
        if delay == 0 and len(self.inbound) == 0:
            self._arrive(command, now)
        else:
            self.inbound.push(now + delay, command)
        return 0

    # -- the venue side -----------------------------------------------------------------------

    cdef int _arrive(self, tuple command, int64_t now) except -1:
        cdef str kind = command[0]
        cdef Order order = <Order?>command[1]
        cdef object args = command[2]
        instrument = self._instruments.get(order.instrument_id)
        if instrument is None:
            self._report(now, OrderRejected, order, None,
                         (f"instrument {order.instrument_id} is not traded on {self.venue}",))
            return 0
        cdef SimMatcher matcher = <SimMatcher>self.matchers[instrument.numeric_id]
        cdef uint64_t num
        if kind == "submit":
            self._arrive_submit(order, instrument, matcher, now)
        elif kind == "cancel":
            num = self._num_of.get(order.client_order_id, 0)
            matcher.cancel(num, now)
            self._drain(matcher, instrument, order if num == 0 else None, None)
        else:
            self._arrive_modify(order, args, instrument, matcher, now)
        return 0

    cdef int _arrive_submit(self, Order order, object instrument, SimMatcher matcher,
                            int64_t now) except -1:
        cdef int pp = order.price_precision
        cdef int ipp = instrument.price_precision
        cdef int isp = instrument.size_precision
        try:
            # raw fields, not Price / Quantity objects: this runs once per order
            qty = order.quantity_raw if order.size_precision == isp else _raw_rescaled(
                order.quantity_raw, order.size_precision, isp, "quantity")
            price = (order.price_raw if pp == ipp else _raw_rescaled(
                order.price_raw, pp, ipp, "price")) if order.price_raw else 0
            trigger = (order.trigger_price_raw if pp == ipp else _raw_rescaled(
                order.trigger_price_raw, pp, ipp, "trigger price")) \
                if order.trigger_price_raw else 0
        except ValueError as e:
            self._report(now, OrderRejected, order, None, (str(e),))
            return 0
        cdef int64_t num = self._next_order_num
        self._next_order_num += 1
        self._orders[num] = order
        self._num_of[order.client_order_id] = num
        # the checked Python face: a bad side / type / quantity raises as before
        matcher.submit_order(num, order._side, order._order_type, qty, price, trigger,
                             tif=order._time_in_force, expire_ns=order.expire_time_ns,
                             post_only=order.post_only, reduce_only=order.reduce_only, now=now)
        self._drain(matcher, instrument, None, None)
        return 0

    def _arrive_modify(self, Order order, tuple args, instrument: Instrument,
                       SimMatcher matcher, int64_t now) -> None:
        quantity, price, trigger = args
        num = self._num_of.get(order.client_order_id, 0)
        try:
            q = _raw_at(quantity, instrument.size_precision, "quantity") if quantity is not None else 0
            p = _raw_at(price, instrument.price_precision, "price") if price is not None else 0
            t = _raw_at(trigger, instrument.price_precision, "trigger price") \
                if trigger is not None else 0
        except ValueError as e:
            self._report(now, OrderModifyRejected, order, _venue_id(num), (str(e),))
            return
        matcher.modify_order(num, q, p, t, now)
        self._drain(matcher, instrument, order if num == 0 else None, args)

    cdef int _drain(self, SimMatcher matcher, object instrument, object unknown,
                    object update) except -1:
        """Turn the matcher's buffered events into order events and report them."""
        cdef Py_ssize_t n = matcher.n_events, i
        if n == 0 and not matcher.no_memory:
            return 0
        # copy out first: reports may trade, and the matcher buffers (and drains) anew
        cdef SimEvent one
        cdef SimEvent *events = &one
        if n > 1:
            events = <SimEvent *>PyMem_Malloc(n * sizeof(SimEvent))
            if events == NULL:
                raise MemoryError("SimExecutionClient: cannot copy the matcher's events")
        if n:
            memcpy(events, matcher.events, n * sizeof(SimEvent))
        matcher.n_events = 0
        try:
            if matcher.no_memory:
                matcher.no_memory = False
                raise MemoryError("SimMatcher: events were lost: out of memory")
            for i in range(n):
                self._drain_one(matcher, instrument, unknown, update, &events[i])
        finally:
            if events != &one:
                PyMem_Free(events)
        return 0

    cdef int _drain_one(self, SimMatcher matcher, object instrument, object unknown,
                        object update, const SimEvent *e) except -1:
        cdef int64_t num = <int64_t>e.order_id
        cdef int64_t now = e.ts_ns
        cdef int kind = e.kind
        order = self._orders.get(num, unknown)
        if order is None:
            return 0
        vid = _venue_id(num)
        if kind == SIM_FILLED:
            self._on_fill(<Order>order, instrument, num, e, vid)
        elif kind == SIM_ACCEPTED:
            self._report(now, OrderAccepted, order, vid, ())
        elif kind == SIM_REJECTED:
            self._close(num, order)
            self._report(now, OrderRejected, order, None, (SIM_REASONS[e.reason],))
        elif kind == SIM_CANCELED:
            self._close(num, order)
            self._report(now, OrderCanceled, order, vid, ())
        elif kind == SIM_EXPIRED:
            self._close(num, order)
            self._report(now, OrderExpired, order, vid, ())
        elif kind == SIM_TRIGGERED:
            self._report(now, OrderTriggered, order, vid, ())
        elif kind == SIM_UPDATED:
            if update is None:  # a reduce-only order trimmed on arrival
                fields = (Quantity.from_raw(e.qty, instrument.size_precision), None, None)
            else:
                fields = update
            self._report(now, OrderUpdated, order, vid, tuple(fields))
        elif kind == SIM_CANCEL_REJECTED:
            self._report(now, OrderCancelRejected, order, None, (SIM_REASONS[e.reason],))
        elif kind == SIM_MODIFY_REJECTED:
            self._report(now, OrderModifyRejected, order, vid if num else None,
                         (SIM_REASONS[e.reason],))
        return 0

    cdef int _close(self, int64_t num, object order) except -1:
        self._orders.pop(num, None)
        self._num_of.pop((<Order>order).client_order_id, None)
        return 0

    def _fee_plan(self, instrument: Instrument, int liquidity) -> tuple:
        # (rate as integer, 10**k turning px*qty*mult*rate into 10**-36 units, currency):
        # worked out once per instrument and liquidity side
        key = (instrument.numeric_id, liquidity)
        plan = self._fee_plans.get(key)
        if plan is None:
            rate = Decimal(self.fee_model.rate(instrument, liquidity))
            exp = rate.as_tuple().exponent
            rate_int = int(rate.scaleb(-exp))
            mult = instrument.multiplier
            digits = instrument.price_precision + instrument.size_precision + mult.precision - exp
            if digits > FEE_DIGITS:
                raise ValueError(f"venue {self.venue}: fee rate {rate} of {instrument.id} has "
                                 f"too many digits for exact fee sums")
            plan = (rate_int * mult.raw * 10 ** (FEE_DIGITS - digits), instrument.quote_currency,
                    digits)
            self._fee_plans[key] = plan
        return plan

    cdef tuple _charge_fee(self, object instrument, int64_t px_raw, int64_t qty_raw,
                           int liquidity):
        """Return (commission charged now, exact fee as a float); see docs/fills.md "Fees".

        The exact fees of a currency are summed as integers; each fill is charged the change
        of that sum rounded half-even to the currency's digits, so the charges add up to the
        rounded exact total and small fills are not lost to rounding.
        """
        key = (instrument.numeric_id, liquidity)
        plan = self._fee_plans.get(key)
        if plan is None:
            plan = self._fee_plan(instrument, liquidity)
        factor, currency, digits = <tuple>plan
        if factor == 0:
            return money_new(0, currency), 0.0
        exact = px_raw * qty_raw * factor
        cdef str code = (<Currency>currency).code
        total = self._fee_exact.get(code, 0) + exact
        self._fee_exact[code] = total
        charged = _half_even(total, _POW10[FEE_DIGITS - (<Currency>currency).precision])
        raw = charged - self._fee_charged.get(code, 0)
        self._fee_charged[code] = charged
        return money_new(raw, currency), exact / 1e36

    cdef int _on_fill(self, Order order, object instrument, int64_t num, const SimEvent *e,
                      object vid) except -1:
        cdef int64_t now = e.ts_ns, px_raw = e.price, qty_raw = e.qty
        cdef int side = e.side, liquidity = e.liquidity
        fee, fee_exact = self._charge_fee(instrument, px_raw, qty_raw, liquidity)
        num_id = instrument.numeric_id
        self._last_px[num_id] = px_raw
        plan = self._cash_plans.get(num_id)
        if plan is None:
            plan = self._cash_plan(instrument)
        pp, sp, mult_raw, quote_code, quote_prec, base_code, scale = <tuple>plan
        # cash moves as exact ints at the currency's scale (see _cash_add); a Decimal only
        # when somebody reads `balances`
        notional = px_raw * qty_raw * mult_raw
        self._cash_add(quote_code, -notional if side == SIDE_BUY else notional, scale)
        if (<Money>fee).raw:
            self._cash_add(quote_code, -(<Money>fee).raw, quote_prec)
        if base_code is not None:
            self._cash_add(base_code, qty_raw if side == SIDE_BUY else -qty_raw, sp)
        cdef FillRow *row = self.fills.next_row()
        row.ts_ns = now
        row.instrument_id = num_id
        row.side = side
        row.liquidity = liquidity
        row.qty = qty_raw / <double>_POW10F[sp]
        row.px = px_raw / <double>_POW10F[pp]
        row.fee = fee_exact
        row.qty_raw = qty_raw
        row.px_raw = px_raw
        row.order_num = num
        row.client_order_num = order.client_order_num
        trade_id = <TradeId>identifier_new(TradeId, f"{self.venue}-{self._next_trade}")
        self._next_trade += 1
        if e.leaves == 0:
            self._close(num, order)
        # OrderFilled built in C from checked parts (the order's ids, the matcher's fill);
        # ts_init is set on delivery
        cdef OrderEvent event = <OrderEvent>OrderFilled.__new__(OrderFilled)
        event._init_common(ORDER_EVENT_FILLED, order.trader_id, order.strategy_id,
                           order.instrument_id, order.client_order_id, self._take_event_id(),
                           now, 0)
        event._venue_order_id = vid
        event._trade_id = trade_id
        event._order_side = side
        event._qty_raw = qty_raw
        event._size_precision = sp
        event._px_raw = px_raw
        event._price_precision = pp
        event._commission = fee
        event._liquidity_side = liquidity
        self._post(now, event)
        return 0

    cdef uint64_t _take_event_id(self) noexcept:
        self._next_event_id += 1
        return self._next_event_id - 1

    def _cash_plan(self, instrument: Instrument) -> tuple:
        # what a fill of this instrument moves: worked out once per instrument
        mult = instrument.multiplier
        quote = instrument.quote_currency
        base = instrument.base_currency
        base_code = base.code if base is not None and instrument.kind in _CASH_KINDS else None
        plan = (instrument.price_precision, instrument.size_precision, mult.raw, quote.code,
                quote.precision, base_code,
                instrument.price_precision + instrument.size_precision + mult.precision)
        self._cash_plans[instrument.numeric_id] = plan
        return plan

    cpdef _cash_add(self, str code, object raw, int scale):
        # balance of code = _cash[code][0] / 10**_cash[code][1]; the scale only grows
        cdef list entry = self._cash.get(code)
        cdef int have
        if entry is None:
            self._cash[code] = [raw, scale]
            return None
        have = entry[1]
        if have >= scale:
            entry[0] += raw * _POW10[have - scale]
        else:
            entry[0] = entry[0] * _POW10[scale - have] + raw
            entry[1] = scale
        return None

    # -- reports ------------------------------------------------------------------------------

    cdef int _report(self, int64_t ts_event, type cls, object order, object vid,
                     tuple args) except -1:
        """Build one event (ts_init at delivery) and send it back through the report latency."""
        cdef uint64_t event_id = self._take_event_id()
        cdef OrderEvent event
        cdef Order o = <Order>order
        if cls is OrderAccepted:
            # every order's first event: built in C from the order's checked ids
            event = <OrderEvent>OrderAccepted.__new__(OrderAccepted)
            event._init_common(ORDER_EVENT_ACCEPTED, o.trader_id, o.strategy_id,
                               o.instrument_id, o.client_order_id, event_id, ts_event, 0)
            event._venue_order_id = vid
            self._post(ts_event, event)
            return 0
        ids = (o.trader_id, o.strategy_id, o.instrument_id, o.client_order_id)
        if cls is OrderRejected or cls is OrderCancelRejected:
            args = (*ids, *args)
        elif cls is OrderModifyRejected:
            args = (*ids, args[0], vid)
        elif cls is OrderUpdated:
            args = (*ids, *args, vid)
        else:  # Canceled, Expired, Triggered
            args = (*ids, vid)
        self._post(ts_event, cls(*args, event_id=event_id, ts_event=ts_event))
        return 0

    cdef int _post(self, int64_t ts_event, object event) except -1:
        cdef int64_t delay = self.latency.report_delay()
        if delay == 0 and len(self.outbound) == 0:
            self._deliver(event)
        else:
            self.outbound.push(ts_event + delay, event)
        return 0

    cdef int _deliver(self, object event) except -1:
        # A strategy may trade from inside a report (on_fill -> submit_order); with no latency
        # that reports again before this call returns. Queue instead of nesting, so the node
        # sees every event in the order the venue made them.
        self._outbox.append(event)
        if self._delivering:
            return 0
        self._delivering = True
        cdef OrderEvent e
        cdef object engine
        try:
            while self._outbox:
                e = self._outbox.popleft()
                e.ts_init = self._now()  # the delivery time
                self.event_count += 1
                engine = self.engine
                if engine is None:
                    continue
                if type(engine) is ExecutionEngine:
                    (<ExecutionEngine>engine).process_event(e)
                else:
                    engine.process_event(e)
        finally:
            self._delivering = False
        return 0

    # -- time ---------------------------------------------------------------------------------

    cdef int64_t c_next_due_ns(self) except? -1:
        cdef int64_t due = self.inbound.head_ns
        cdef SimMatcher m
        if self.outbound.head_ns < due:
            due = self.outbound.head_ns
        for m in self.matchers.values():
            if m.next_expire_ns < due:
                due = m.next_expire_ns
        return due

    def next_due_ns(self) -> int:
        """Return when the venue next has work (a command, a report, an expiry); INT64_MAX if none."""
        return self.c_next_due_ns()

    cdef int c_process_due(self, int64_t now) except -1:
        cdef int64_t t_out, t_in, t_exp, t
        cdef SimMatcher m
        while True:
            t_out, t_in = self.outbound.head_ns, self.inbound.head_ns
            t_exp = t_in if not self.matchers else INT64_MAX
            for m in self.matchers.values():
                if m.next_expire_ns < t_exp:
                    t_exp = m.next_expire_ns
            t = min(t_out, t_in, t_exp)
            if t > now:
                return 0
            if t_out == t:
                self._deliver(self.outbound.pop()[1])
            elif t_exp == t:
                for num, matcher in self.matchers.items():
                    m = <SimMatcher>matcher
                    if m.next_expire_ns <= t:
                        m.expire_orders(t)
                        self._drain(m, self._by_num[num], None, None)
            else:
                self._arrive(<tuple>self.inbound.pop()[1], t)

    def process_due(self, int64_t now) -> None:
        """Run everything due at or before now, in time order: reports, expiries, commands.

        The runner calls this with the clock already at `now`; an item due earlier is
        handled at its own due time as the event time.
        """
        self.c_process_due(now)

    cdef int c_drain_matcher(self, uint32_t numeric_id) except -1:
        self._drain(<SimMatcher>self.matchers[numeric_id], self._by_num[numeric_id], None, None)
        return 0

    def drain_matcher(self, numeric_id: int) -> None:
        """Report what a matcher buffered while the runner fed it market data."""
        self.c_drain_matcher(numeric_id)

    cdef object c_equity_float(self):
        """Return equity() as a float, summed as exact ints (no Decimal): the runner's samples."""
        cdef SimMatcher m
        cdef int s2
        currency = next(iter(self.starting_balances), None)
        if currency is None:
            return 0.0
        entry = self._cash.get(currency)
        num, scale = (entry[0], entry[1]) if entry is not None else (0, 0)
        for n, matcher in self.matchers.items():
            m = <SimMatcher>matcher
            if m.position == 0:
                continue
            ins = self._by_num[n]
            if ins.quote_currency.code != currency:
                continue
            mid = m.mid_raw()
            if mid is not None:
                mark2 = int(mid * 2.0)   # exact: (bid + ask) / 2.0 with bid + ask < 2**53
            else:
                mark2 = self._last_px.get(n)
                if mark2 is None:
                    continue
                mark2 = 2 * mark2
            mult = ins.multiplier
            # position x mark x multiplier at one more digit: mark2 / 2 == mark2 * 5 / 10
            s2 = ins.size_precision + ins.price_precision + mult.precision + 1
            v = m.position * mark2 * mult.raw * 5
            if s2 > scale:
                num = num * _POW10[s2 - scale]
                scale = s2
            else:
                v = v * _POW10[scale - s2]
            num += v
        return num / _POW10[scale]   # int / int: correctly rounded

    def _drain_py(self, SimMatcher matcher, instrument, unknown=None, update=None) -> None:
        self._drain(matcher, instrument, unknown, update)


class SimExecutionClient(_SimCore, ExecutionClient):
    """Fill orders against the backtest's market data, with latency, fees and balances.

    Parameters
    ----------
    venue:
        The venue name; instrument ids routed here end with it.
    instruments:
        The venue's instruments (each with a non-zero `numeric_id`, the id in data records).
    book_type:
        "L1" (quotes and trades) or "L2" (book levels and trades).
    fill_model, latency, fee_model:
        Defaults: FillModel("partial"), no latency, FeeModel("instrument").
    starting_balances:
        (amount, currency code) pairs, e.g. [(Decimal("100000"), "USD")].
    """

    def __init__(self, venue: str, instruments: Iterable[Instrument] = (), *,
                 book_type: str = "L1", fill_model: FillModel | None = None,
                 latency: LatencyModel | None = None, fee_model: FeeModel | None = None,
                 starting_balances: Iterable[tuple[Decimal, str]] = (),
                 account_type: str = "cash") -> None:
        super().__init__(venue)
        if book_type not in ("L1", "L2"):
            raise ValueError(f"SimExecutionClient: field 'book_type' must be 'L1' or 'L2', "
                             f"got {book_type!r}")
        self.book_type = book_type
        self.fill_model = fill_model or FillModel()
        self.latency = latency or LatencyModel()
        self.fee_model = fee_model or FeeModel()
        self.account_type = account_type
        starting = collections.defaultdict(Decimal)
        for amount, code in starting_balances:
            starting[code] += Decimal(amount)
        for code, amount in starting.items():
            sign, digits, exp = amount.as_tuple()
            raw = int("".join(map(str, digits)) or "0") * (-1 if sign else 1)
            if exp > 0:
                raw *= 10 ** exp
            self._cash_add(code, raw, max(-exp, 0))
        self.starting_balances = dict(starting)
        for instrument in instruments:
            self.add_instrument(instrument)

    @classmethod
    def from_config(cls, config: Any, instruments: Iterable[Instrument] = ()) -> SimExecutionClient:
        """Build a venue from a `VenueConfig` and its instruments."""
        return cls(config.name, instruments, book_type=config.book_type,
                   fill_model=FillModel.from_config(config.fill),
                   latency=LatencyModel.from_config(config.latency),
                   fee_model=FeeModel.from_config(config.fees),
                   starting_balances=config.balances(), account_type=config.account_type)

    # -- instruments ------------------------------------------------------------------------

    def add_instrument(self, instrument: Instrument) -> SimMatcher:
        """Trade this instrument here; return its matcher."""
        if instrument.numeric_id == 0:
            raise ValueError(f"SimExecutionClient: instrument {instrument.id} needs a non-zero "
                             f"numeric_id (the id in its data records)")
        matcher = SimMatcher(l2=self.book_type == "L2", rest_policy=self.fill_model.rest_policy,
                             tick=instrument.price_increment.raw)
        self._instruments[instrument.id] = instrument
        self._by_num[instrument.numeric_id] = instrument
        self.matchers[instrument.numeric_id] = matcher
        return matcher

    def instrument(self, instrument_id: Any) -> Instrument:
        """Return the venue's instrument with this id; KeyError naming it otherwise."""
        try:
            return self._instruments[instrument_id]
        except KeyError:
            raise KeyError(f"venue {self.venue}: instrument {instrument_id} is not traded here") from None

    @property
    def balances(self):
        """Return the cash balances, exact: {currency code: Decimal}."""
        out = collections.defaultdict(Decimal)
        for code, (raw, scale) in self._cash.items():
            out[code] = Decimal(raw).scaleb(-scale, _EXACT)
        return out

    # -- market data by hand (tests; the runner feeds the matchers directly) -----------------

    def process_quote(self, tick: Any) -> None:
        """Show the venue a quote (bid/ask raw at the instrument's precisions)."""
        instrument = self.instrument(tick.instrument_id)
        matcher = self.matchers[instrument.numeric_id]
        pp, sp = tick.price_precision, tick.size_precision
        matcher.apply_quote(tick.ts_event, _rescaled(tick.bid_raw, pp, instrument.price_precision),
                            _rescaled(tick.ask_raw, pp, instrument.price_precision),
                            _rescaled(tick.bid_size_raw, sp, instrument.size_precision),
                            _rescaled(tick.ask_size_raw, sp, instrument.size_precision))
        self._drain_py(matcher, instrument)

    def process_trade(self, tick: Any) -> None:
        """Show the venue a market trade."""
        instrument = self.instrument(tick.instrument_id)
        matcher = self.matchers[instrument.numeric_id]
        matcher.apply_trade(tick.ts_event,
                            _rescaled(tick.price_raw, tick.price_precision, instrument.price_precision),
                            _rescaled(tick.size_raw, tick.size_precision, instrument.size_precision))
        self._drain_py(matcher, instrument)

    def process_book_delta(self, delta: Any) -> None:
        """Show the venue one L2 book change (ADD / UPDATE set the level, DELETE removes it)."""
        instrument = self.instrument(delta.instrument_id)
        matcher = self.matchers[instrument.numeric_id]
        action = int(delta.action)
        if action == 4:  # BOOK_CLEAR
            matcher.clear_book(delta.ts_event)
        else:
            size = 0 if action == 3 else _rescaled(delta.size_raw, delta.size_precision,
                                                  instrument.size_precision)
            matcher.apply_book_level(delta.ts_event, int(delta.side),
                                     _rescaled(delta.price_raw, delta.price_precision,
                                               instrument.price_precision), size)
        self._drain_py(matcher, instrument)

    # -- account ------------------------------------------------------------------------------

    def position_raw(self, instrument_id: Any) -> int:
        """Return the venue-side net position of an instrument, raw at its size precision."""
        return self.matchers[self.instrument(instrument_id).numeric_id].position

    def equity(self, currency: str | None = None) -> Decimal:
        """Return cash in currency plus every position in instruments quoted in it, at the mid.

        The currency defaults to the first starting balance's. A position is marked at the
        mid of the last quote (the touch in L2), else its last fill price.
        """
        if currency is None:
            currency = next(iter(self.starting_balances), None)
            if currency is None:
                return Decimal(0)
        total = self.balances.get(currency, Decimal(0))
        for num, matcher in self.matchers.items():
            instrument = self._by_num[num]
            if matcher.position == 0 or instrument.quote_currency.code != currency:
                continue
            mark = matcher.mid_raw()
            if mark is None:
                # no quote (or an empty touch): the last fill price, as documented; skipping
                # the position would drop its value from equity
                mark = self._last_px.get(num)
                if mark is None:
                    continue
            total += (Decimal(matcher.position).scaleb(-instrument.size_precision)
                      * Decimal(mark).scaleb(-instrument.price_precision)
                      * instrument.multiplier.as_decimal())
        return total
