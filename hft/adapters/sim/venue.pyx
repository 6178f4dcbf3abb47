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
from cpython.unicode cimport PyUnicode_FromStringAndSize
from libc.stdint cimport INT64_MAX, int64_t, uint8_t, uint32_t, uint64_t
from libc.string cimport memcpy

from hft.adapters.sim.matcher cimport (
    SUBMIT_OK, LatencyQueue, SimEvent, SimMatcher, submit_error,
)
from hft.core.encoding cimport SIDE_BUY
from hft.kernel.clock cimport Clock
from hft.kernel.execution_engine cimport ExecutionEngine
from hft.model.enums cimport (
    LIQUIDITY_SIDE_MAKER, ORDER_EVENT_ACCEPTED, ORDER_EVENT_CANCELED, ORDER_EVENT_EXPIRED,
    ORDER_EVENT_FILLED, ORDER_EVENT_TRIGGERED, OrderEventKind,
)
from hft.model.events cimport OrderEvent
from hft.model.identifiers cimport TradeId, VenueOrderId, identifier_new
from hft.model.instruments cimport Instrument
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


cdef object _half_even(object num, object den):
    # num / den (den > 0) rounded half to even, on Python ints
    q, r = divmod(num, den)
    twice = 2 * r
    if twice > den or (twice == den and q & 1):
        q += 1
    return q


cdef extern from *:
    # GCC / Clang builtin: the product in *res, True when it did not fit
    bint _mul_overflow "__builtin_mul_overflow"(int64_t a, int64_t b, int64_t *res) noexcept nogil


cdef inline object _product(int64_t a, int64_t b):
    # a * b as an exact Python int, multiplied in C when it fits in 64 bits
    cdef int64_t p
    if not _mul_overflow(a, b, &p):
        return p
    return (<object>a) * b


cdef inline int _cash_add_to(list entry, object raw, int scale) except -1:
    # entry = [raw int, digits] of one _cash balance; the digits only grow
    cdef int have = entry[1]
    if have == scale:
        entry[0] = entry[0] + raw
    elif have > scale:
        entry[0] = entry[0] + raw * _POW10[have - scale]
    else:
        entry[0] = entry[0] * _POW10[scale - have] + raw
        entry[1] = scale
    return 0


cdef enum:
    ID_BUFFER = 128                # prefix + 20 digits of a uint64 fit for prefixes up to 100 bytes


cdef inline Py_ssize_t _write_decimal(char *out, uint64_t n) noexcept nogil:
    # n in decimal digits at out; return how many (str(n) without a Python int)
    cdef char tmp[20]
    cdef Py_ssize_t k = 0, i
    while True:
        tmp[k] = <char>(48 + n % 10)
        n //= 10
        k += 1
        if n == 0:
            break
    for i in range(k):
        out[i] = tmp[k - 1 - i]
    return k


cdef str _decimal_id(const char *prefix, Py_ssize_t prefix_len, uint64_t n):
    # prefix (UTF-8, < 100 bytes) followed by n in decimal, as a str
    cdef char buf[ID_BUFFER]
    if prefix_len:
        memcpy(buf, prefix, prefix_len)
    return PyUnicode_FromStringAndSize(buf, prefix_len + _write_decimal(buf + prefix_len, n))


cdef enum:                         # what a command tuple asks the venue
    COMMAND_SUBMIT = 1
    COMMAND_CANCEL = 2
    COMMAND_MODIFY = 3
    DRAIN_INLINE = 8               # events copied out on the stack; more take PyMem_Malloc


@cython.final
cdef class _FeeSum:
    """Sum one currency's fees exactly (see _SimCore._charge_fee)."""

    def __cinit__(self, Currency currency not None):
        self.exact = 0
        self.charged = 0
        self.unit = _POW10[FEE_DIGITS - currency.precision]


@cython.final
cdef class _InstrumentPlan:
    """Hold what an order or a fill of one instrument needs, so the per-order path reads C fields."""

    def __cinit__(self, Instrument instrument not None, SimMatcher matcher not None):
        self.instrument = instrument
        self.matcher = matcher
        self.numeric_id = instrument.numeric_id
        self.price_precision = instrument.price_precision
        self.size_precision = instrument.size_precision
        mult = instrument.multiplier
        self.mult_raw = mult.raw
        self.cash_scale = self.price_precision + self.size_precision + mult.precision
        self.quote = instrument.quote_currency
        base = instrument.base_currency
        self.base_code = base.code if base is not None and instrument.kind in _CASH_KINDS else None
        self.zero_fee = money_new(0, self.quote)


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
        self._plans = {}
        self._fee_sums = {}
        self._plans_by_num = {}
        self._outbox = collections.deque()
        self._next_order_num = 1
        self._next_trade = 1
        self._next_event_id = 1
        self._latency_fixed = True  # no model yet: no delays

    @property
    def latency(self):
        """The LatencyModel; assign a new one to change it (its constants are read once)."""
        return self._latency

    @latency.setter
    def latency(self, model):
        # A plain LatencyModel without jitter has constant delays: keep them in C and call no
        # Python per order. Jitter (or a subclass) goes through the model's methods, so seeded
        # draws happen exactly as before.
        self._latency = model
        self._latency_fixed = (type(model) is LatencyModel and model.jitter_ns == 0) or model is None
        if self._latency_fixed and model is not None:
            self._insert_ns = model.order_ns + model.insert_ns
            self._cancel_ns = model.order_ns + model.cancel_ns
            self._report_ns = model.report_ns
        elif model is None:
            self._insert_ns = self._cancel_ns = self._report_ns = 0

    cdef int64_t _now(self) except? -1:
        # ExecutionClient.timestamp_ns in C when the engine is the kernel's
        cdef object engine = self.engine
        if engine is None:
            return 0
        if type(engine) is ExecutionEngine:
            return (<ExecutionEngine>engine).clock.now_ns()
        return engine.clock.timestamp_ns()

    cdef object _venue_id(self, int64_t num):
        # An order's events follow each other (ACCEPTED, FILLED, ...): make its id once.
        # Decimal digits are valid by construction, so no check.
        if num == 0:
            return None
        if num != self._vid_num:
            self._vid = <VenueOrderId>identifier_new(VenueOrderId, _decimal_id(NULL, 0, num))
            self._vid_num = num
        return self._vid

    # -- commands from the node (ExecutionClient contract) ------------------------------------

    def submit_order(self, Order order not None) -> None:
        """Send a new order; it reaches the venue after the order latency."""
        cdef int64_t delay = self._insert_ns if self._latency_fixed else self._latency.insert_delay()
        self._send(delay, COMMAND_SUBMIT, order, None)

    def cancel_order(self, Order order not None) -> None:
        """Ask to cancel an open order; it reaches the venue after the order latency."""
        cdef int64_t delay = self._cancel_ns if self._latency_fixed else self._latency.cancel_delay()
        self._send(delay, COMMAND_CANCEL, order, None)

    def modify_order(self, Order order not None, quantity: Quantity | None = None,
                     price: Price | None = None, trigger_price: Price | None = None) -> None:
        """Ask to amend an open order (None = unchanged); it reaches the venue after the latency."""
        cdef int64_t delay = self._cancel_ns if self._latency_fixed else self._latency.cancel_delay()
        self._send(delay, COMMAND_MODIFY, order, (quantity, price, trigger_price))

    cdef int _send(self, int64_t delay, int kind, Order order, object args) except -1:
        cdef int64_t now = self._now()
        if delay == 0 and self.inbound.head_ns == INT64_MAX:  # nothing in flight to overtake
            self._arrive(kind, order, args, now)
        else:
            self.inbound.push(now + delay, (kind, order, args))
        return 0

    # -- the venue side -----------------------------------------------------------------------

    cdef int _arrive(self, int kind, Order order, object args, int64_t now) except -1:
        cdef _InstrumentPlan plan = self._plans.get(order.instrument_id)
        if plan is None:
            self._report(now, OrderRejected, order, None,
                         (f"instrument {order.instrument_id} is not traded on {self.venue}",))
            return 0
        cdef uint64_t num
        if kind == COMMAND_SUBMIT:
            self._arrive_submit(order, plan, now)
        elif kind == COMMAND_CANCEL:
            num = self._num_of.get(order.client_order_id, 0)
            plan.matcher.cancel(num, now)
            self._drain(plan, order if num == 0 else None, None)
        else:
            self._arrive_modify(order, args, plan, now)
        return 0

    cdef int _arrive_submit(self, Order order, _InstrumentPlan plan, int64_t now) except -1:
        cdef int pp = order.price_precision
        cdef int ipp = plan.price_precision
        cdef int isp = plan.size_precision
        cdef int64_t qty, price, trigger
        if order.size_precision == isp and pp == ipp:
            # raw fields at the instrument's precisions already: the usual case
            qty, price, trigger = order.quantity_raw, order.price_raw, order.trigger_price_raw
        else:
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
        key = num  # boxed once for both maps
        self._orders[key] = order
        self._num_of[order.client_order_id] = key
        # the matcher's checked C entry: a bad side / type / quantity raises as before
        cdef int code = plan.matcher.try_submit(
            num, order._side, order._order_type, qty, price, trigger, order._time_in_force,
            order.expire_time_ns, order.post_only, order.reduce_only, now)
        if code != SUBMIT_OK:
            raise submit_error(code, order._side, order._order_type, order._time_in_force, qty)
        self._drain(plan, None, None)
        return 0

    def _arrive_modify(self, Order order, tuple args, _InstrumentPlan plan, int64_t now) -> None:
        quantity, price, trigger = args
        instrument = plan.instrument
        num = self._num_of.get(order.client_order_id, 0)
        try:
            q = _raw_at(quantity, instrument.size_precision, "quantity") if quantity is not None else 0
            p = _raw_at(price, instrument.price_precision, "price") if price is not None else 0
            t = _raw_at(trigger, instrument.price_precision, "trigger price") \
                if trigger is not None else 0
        except ValueError as e:
            self._report(now, OrderModifyRejected, order, self._venue_id(num), (str(e),))
            return
        plan.matcher.modify_order(num, q, p, t, now)
        self._drain(plan, order if num == 0 else None, args)

    cdef int _drain(self, _InstrumentPlan plan, object unknown, object update) except -1:
        """Turn the matcher's buffered events into order events and report them."""
        cdef SimMatcher matcher = plan.matcher
        cdef Py_ssize_t n = matcher.n_events, i
        if n == 0 and not matcher.no_memory:
            return 0
        # copy out first: reports may trade, and the matcher buffers (and drains) anew
        cdef SimEvent inline_events[DRAIN_INLINE]
        cdef SimEvent *events = inline_events
        if n > DRAIN_INLINE:
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
                self._drain_one(plan, unknown, update, &events[i])
        finally:
            if events != inline_events:
                PyMem_Free(events)
        return 0

    cdef int _drain_one(self, _InstrumentPlan plan, object unknown, object update,
                        const SimEvent *e) except -1:
        cdef int64_t num = <int64_t>e.order_id
        cdef int64_t now = e.ts_ns
        cdef int kind = e.kind
        order = self._orders.get(num, unknown)
        if order is None:
            return 0
        cdef Order o = <Order>order
        vid = self._venue_id(num)
        if kind == SIM_FILLED:
            self._on_fill(o, plan, num, e, vid)
        elif kind == SIM_ACCEPTED:
            self._report(now, OrderAccepted, o, vid, ())
        elif kind == SIM_REJECTED:
            self._close(num, o)
            self._report(now, OrderRejected, o, None, (SIM_REASONS[e.reason],))
        elif kind == SIM_CANCELED:
            self._close(num, o)
            self._report(now, OrderCanceled, o, vid, ())
        elif kind == SIM_EXPIRED:
            self._close(num, o)
            self._report(now, OrderExpired, o, vid, ())
        elif kind == SIM_TRIGGERED:
            self._report(now, OrderTriggered, o, vid, ())
        elif kind == SIM_UPDATED:
            if update is None:  # a reduce-only order trimmed on arrival
                fields = (Quantity.from_raw(e.qty, plan.size_precision), None, None)
            else:
                fields = update
            self._report(now, OrderUpdated, o, vid, tuple(fields))
        elif kind == SIM_CANCEL_REJECTED:
            self._report(now, OrderCancelRejected, o, None, (SIM_REASONS[e.reason],))
        elif kind == SIM_MODIFY_REJECTED:
            self._report(now, OrderModifyRejected, o, vid if num else None,
                         (SIM_REASONS[e.reason],))
        return 0

    cdef int _close(self, int64_t num, Order order) except -1:
        self._orders.pop(num, None)
        self._num_of.pop(order.client_order_id, None)
        return 0

    def _fee_factor(self, _InstrumentPlan plan, int liquidity) -> int:
        # rate as an integer x multiplier raw x 10**k: times px_raw * qty_raw it is the fee in
        # 10**-36 units; worked out once per instrument and liquidity side
        instrument = plan.instrument
        rate = Decimal(self.fee_model.rate(instrument, liquidity))
        exp = rate.as_tuple().exponent
        rate_int = int(rate.scaleb(-exp))
        mult = instrument.multiplier
        digits = instrument.price_precision + instrument.size_precision + mult.precision - exp
        if digits > FEE_DIGITS:
            raise ValueError(f"venue {self.venue}: fee rate {rate} of {instrument.id} has "
                             f"too many digits for exact fee sums")
        factor = rate_int * mult.raw * 10 ** (FEE_DIGITS - digits)
        if liquidity == LIQUIDITY_SIDE_MAKER:
            plan.maker_factor = factor
        else:
            plan.taker_factor = factor
        return factor

    cdef Money _charge_fee(self, _InstrumentPlan plan, object px_qty, int liquidity,
                           double *exact):
        """Return the commission charged now and set *exact to the exact fee; docs/fills.md "Fees".

        The exact fees of a currency are summed as integers; each fill is charged the change
        of that sum rounded half-even to the currency's digits, so the charges add up to the
        rounded exact total and small fills are not lost to rounding.
        """
        factor = plan.maker_factor if liquidity == LIQUIDITY_SIDE_MAKER else plan.taker_factor
        if factor is None:
            factor = self._fee_factor(plan, liquidity)
        if factor == 0:
            exact[0] = 0.0
            return plan.zero_fee
        cdef _FeeSum sums = plan.fees
        if sums is None:
            sums = self._fee_sums.get(plan.quote.code)
            if sums is None:
                sums = _FeeSum(plan.quote)
                self._fee_sums[plan.quote.code] = sums
            plan.fees = sums
        fee = px_qty * factor
        sums.exact = sums.exact + fee
        charged = _half_even(sums.exact, sums.unit)
        cdef int64_t raw = charged - sums.charged
        sums.charged = charged
        exact[0] = fee / 1e36
        return money_new(raw, plan.quote)

    cdef int _on_fill(self, Order order, _InstrumentPlan plan, int64_t num, const SimEvent *e,
                      object vid) except -1:
        cdef int64_t now = e.ts_ns, px_raw = e.price, qty_raw = e.qty
        cdef int side = e.side, liquidity = e.liquidity
        cdef int pp = plan.price_precision, sp = plan.size_precision
        cdef double fee_exact
        px_qty = _product(px_raw, qty_raw)  # px_raw * qty_raw, exact
        cdef Money fee = self._charge_fee(plan, px_qty, liquidity, &fee_exact)
        plan.last_px = px_raw
        plan.has_last_px = True
        if plan.quote_cash is None:
            # the balances a fill moves, made in the order the first fill touches them
            plan.quote_cash = self._cash.get(plan.quote.code)
            if plan.quote_cash is None:
                plan.quote_cash = self._cash[plan.quote.code] = [0, plan.cash_scale]
            if plan.base_code is not None:
                plan.base_cash = self._cash.get(plan.base_code)
                if plan.base_cash is None:
                    plan.base_cash = self._cash[plan.base_code] = [0, sp]
        # cash moves as exact ints at the currency's scale (see _cash_add); a Decimal only
        # when somebody reads `balances`
        notional = px_qty * plan.mult_raw if plan.mult_raw != 1 else px_qty
        _cash_add_to(plan.quote_cash, -notional if side == SIDE_BUY else notional,
                     plan.cash_scale)
        if fee.raw:
            _cash_add_to(plan.quote_cash, -fee.raw, plan.quote.precision)
        if plan.base_cash is not None:
            _cash_add_to(plan.base_cash, qty_raw if side == SIDE_BUY else -qty_raw, sp)
        cdef FillRow *row = self.fills.next_row()
        row.ts_ns = now
        row.instrument_id = plan.numeric_id
        row.side = side
        row.liquidity = liquidity
        row.qty = qty_raw / <double>_POW10F[sp]
        row.px = px_raw / <double>_POW10F[pp]
        row.fee = fee_exact
        row.qty_raw = qty_raw
        row.px_raw = px_raw
        row.order_num = num
        row.client_order_num = order.client_order_num
        if self._trade_prefix is None:
            self._trade_prefix = f"{self.venue}-".encode()
        if len(self._trade_prefix) < ID_BUFFER - 28:
            text = _decimal_id(self._trade_prefix, len(self._trade_prefix), self._next_trade)
        else:
            text = f"{self.venue}-{self._next_trade}"
        trade_id = <TradeId>identifier_new(TradeId, text)
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

    cpdef _cash_add(self, str code, object raw, int scale):
        # balance of code = _cash[code][0] / 10**_cash[code][1]; the scale only grows
        cdef list entry = self._cash.get(code)
        if entry is None:
            self._cash[code] = [raw, scale]
        else:
            _cash_add_to(entry, raw, scale)
        return None

    # -- reports ------------------------------------------------------------------------------

    cdef int _report(self, int64_t ts_event, type cls, Order order, object vid,
                     tuple args) except -1:
        """Build one event (ts_init at delivery) and send it back through the report latency."""
        cdef uint64_t event_id = self._take_event_id()
        cdef OrderEvent event = None
        cdef OrderEventKind kind
        # the events that carry only the venue order id: built in C from the order's checked
        # ids (every order's ACCEPTED; CANCELED, EXPIRED, TRIGGERED), no keyword parsing
        if cls is OrderAccepted:
            event, kind = <OrderEvent>OrderAccepted.__new__(OrderAccepted), ORDER_EVENT_ACCEPTED
        elif cls is OrderCanceled:
            event, kind = <OrderEvent>OrderCanceled.__new__(OrderCanceled), ORDER_EVENT_CANCELED
        elif cls is OrderExpired:
            event, kind = <OrderEvent>OrderExpired.__new__(OrderExpired), ORDER_EVENT_EXPIRED
        elif cls is OrderTriggered:
            event, kind = <OrderEvent>OrderTriggered.__new__(OrderTriggered), ORDER_EVENT_TRIGGERED
        if event is not None:
            event._init_common(kind, order.trader_id, order.strategy_id, order.instrument_id,
                               order.client_order_id, event_id, ts_event, 0)
            event._venue_order_id = vid
            self._post(ts_event, event)
            return 0
        ids = (order.trader_id, order.strategy_id, order.instrument_id, order.client_order_id)
        if cls is OrderRejected or cls is OrderCancelRejected:
            args = (*ids, *args)
        elif cls is OrderModifyRejected:
            args = (*ids, args[0], vid)
        else:  # OrderUpdated
            args = (*ids, *args, vid)
        self._post(ts_event, cls(*args, event_id=event_id, ts_event=ts_event))
        return 0

    cdef int _post(self, int64_t ts_event, object event) except -1:
        cdef int64_t delay = self._report_ns if self._latency_fixed else self._latency.report_delay()
        if delay == 0 and self.outbound.head_ns == INT64_MAX:  # nothing in flight to overtake
            self._deliver(event)
        else:
            self.outbound.push(ts_event + delay, event)
        return 0

    cdef int _deliver(self, object event) except -1:
        # A strategy may trade from inside a report (on_fill -> submit_order); with no latency
        # that reports again before this call returns. Queue instead of nesting, so the node
        # sees every event in the order the venue made them.
        if self._delivering:
            self._outbox.append(event)
            return 0
        if self._outbox:  # left behind by a handler that raised: those go first
            self._outbox.append(event)
            event = self._outbox.popleft()
        self._delivering = True
        cdef OrderEvent e = <OrderEvent?>event
        cdef object engine
        try:
            while True:
                e.ts_init = self._now()  # the delivery time
                self.event_count += 1
                engine = self.engine
                if engine is not None:
                    if type(engine) is ExecutionEngine:
                        (<ExecutionEngine>engine).process_event(e)
                    else:
                        engine.process_event(e)
                if not self._outbox:
                    break
                e = self._outbox.popleft()
        finally:
            self._delivering = False
        return 0

    # -- time ---------------------------------------------------------------------------------

    cdef int64_t peek_due_ns(self) except? -1:
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
        return self.peek_due_ns()

    cdef int run_due(self, int64_t now) except -1:
        cdef int64_t t_out, t_in, t_exp, t
        cdef SimMatcher m
        cdef _InstrumentPlan plan
        cdef tuple command
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
                for plan in self._plans_by_num.values():
                    m = plan.matcher
                    if m.next_expire_ns <= t:
                        m.expire_orders(t)
                        self._drain(plan, None, None)
            else:
                command = <tuple>self.inbound.pop()[1]
                self._arrive(<int>command[0], <Order>command[1], command[2], t)

    def process_due(self, int64_t now) -> None:
        """Run everything due at or before now, in time order: reports, expiries, commands.

        The runner calls this with the clock already at `now`; an item due earlier is
        handled at its own due time as the event time.
        """
        self.run_due(now)

    cdef int drain_events_of(self, uint32_t numeric_id) except -1:
        self._drain(<_InstrumentPlan>self._plans_by_num[numeric_id], None, None)
        return 0

    def drain_matcher(self, numeric_id: int) -> None:
        """Report what a matcher buffered while the runner fed it market data."""
        self.drain_events_of(numeric_id)

    cdef object sum_equity_float(self):
        """Return equity() as a float, summed as exact ints (no Decimal): the runner's samples."""
        cdef SimMatcher m
        cdef _InstrumentPlan plan
        cdef int s2
        currency = next(iter(self.starting_balances), None)
        if currency is None:
            return 0.0
        entry = self._cash.get(currency)
        num, scale = (entry[0], entry[1]) if entry is not None else (0, 0)
        for plan in self._plans_by_num.values():
            m = plan.matcher
            if m.position == 0:
                continue
            ins = plan.instrument
            if ins.quote_currency.code != currency:
                continue
            mid = m.mid_raw()
            if mid is not None:
                mark2 = int(mid * 2.0)   # exact: (bid + ask) / 2.0 with bid + ask < 2**53
            elif plan.has_last_px:
                mark2 = 2 * plan.last_px
            else:
                continue
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

    def _last_fill_px(self, numeric_id: int) -> int | None:
        # the raw price of an instrument's last fill (equity's fallback mark), None before one
        cdef _InstrumentPlan plan = self._plans_by_num[numeric_id]
        return plan.last_px if plan.has_last_px else None


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
        plan = _InstrumentPlan(instrument, matcher)
        self._instruments[instrument.id] = instrument
        self._by_num[instrument.numeric_id] = instrument
        self.matchers[instrument.numeric_id] = matcher
        self._plans[instrument.id] = plan
        self._plans_by_num[instrument.numeric_id] = plan
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
        self.drain_matcher(instrument.numeric_id)

    def process_trade(self, tick: Any) -> None:
        """Show the venue a market trade."""
        instrument = self.instrument(tick.instrument_id)
        matcher = self.matchers[instrument.numeric_id]
        matcher.apply_trade(tick.ts_event,
                            _rescaled(tick.price_raw, tick.price_precision, instrument.price_precision),
                            _rescaled(tick.size_raw, tick.size_precision, instrument.size_precision))
        self.drain_matcher(instrument.numeric_id)

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
        self.drain_matcher(instrument.numeric_id)

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
                mark = self._last_fill_px(num)
                if mark is None:
                    continue
            total += (Decimal(matcher.position).scaleb(-instrument.size_precision)
                      * Decimal(mark).scaleb(-instrument.price_precision)
                      * instrument.multiplier.as_decimal())
        return total
