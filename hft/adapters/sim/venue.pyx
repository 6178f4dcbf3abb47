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

from libc.stdint cimport int64_t

from hft.model.enums cimport ORDER_EVENT_ACCEPTED, ORDER_EVENT_FILLED
from hft.model.events cimport OrderEvent
from hft.model.identifiers cimport TradeId, VenueOrderId, identifier_new
from hft.model.objects cimport Money, Price, Quantity, money_new, price_new, quantity_new

import collections
import decimal
from decimal import Decimal
from typing import Any, Iterable

import numpy as np

from hft.adapters.sim.matcher import (
    SIM_ACCEPTED, SIM_CANCEL_REJECTED, SIM_CANCELED, SIM_EXPIRED, SIM_FILLED,
    SIM_MODIFY_REJECTED, SIM_REASONS, SIM_REJECTED, SIM_TRIGGERED, SIM_UPDATED, LatencyQueue,
    SimMatcher,
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


class FillLog:
    """Append fills to a growable FILL_DTYPE array (capacity doubles; no list per fill)."""

    def __init__(self, capacity: int = 1024) -> None:
        self._data = np.zeros(max(capacity, 1), dtype=FILL_DTYPE)
        self.count = 0

    def append(self, ts_ns: int, instrument_id: int, side: int, liquidity: int, qty: float,
               px: float, fee: float, qty_raw: int, px_raw: int, order_num: int,
               client_order_num: int) -> None:
        """Record one fill."""
        if self.count == len(self._data):
            grown = np.zeros(2 * len(self._data), dtype=FILL_DTYPE)
            grown[: self.count] = self._data
            self._data = grown
        self._data[self.count] = (ts_ns, instrument_id, side, liquidity, qty, px, fee, qty_raw,
                                  px_raw, order_num, client_order_num)
        self.count += 1

    def array(self) -> np.ndarray:
        """Return a copy of the fills so far, in the order they happened."""
        return self._data[: self.count].copy()

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


class SimExecutionClient(ExecutionClient):
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
        self._cash: dict[str, list] = {}   # code -> [raw int, decimal digits]
        self._cash_plans: dict[int, tuple] = {}
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
        self.inbound = LatencyQueue()   # commands on their way to the venue
        self.outbound = LatencyQueue()  # venue events on their way to the node
        self.fills = FillLog()
        self.matchers: dict[int, SimMatcher] = {}
        self._instruments: dict[Any, Instrument] = {}
        self._by_num: dict[int, Instrument] = {}
        self._orders: dict[int, Any] = {}      # venue order number -> Order, while open
        self._num_of: dict[Any, int] = {}      # ClientOrderId -> venue order number, while open
        self._next_order_num = 1
        self._next_trade = 1
        self._next_event_id = 1
        self._outbox: collections.deque = collections.deque()
        self._last_px: dict[int, int] = {}  # numeric id -> raw price of the last fill
        self._fee_plans: dict[tuple[int, int], tuple] = {}
        self._fee_exact: dict[str, int] = collections.defaultdict(int)    # 10**-36 units
        self._fee_charged: dict[str, int] = collections.defaultdict(int)  # currency raw units
        self._delivering = False
        self.event_count = 0
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

    # -- commands from the node (ExecutionClient contract) ------------------------------------

    def submit_order(self, order: Any) -> None:
        """Send a new order; it reaches the venue after the order latency."""
        self._send(self.latency.insert_delay(), ("submit", order, None))

    def cancel_order(self, order: Any) -> None:
        """Ask to cancel an open order; it reaches the venue after the order latency."""
        self._send(self.latency.cancel_delay(), ("cancel", order, None))

    def modify_order(self, order: Any, quantity: Quantity | None = None, price: Price | None = None,
                     trigger_price: Price | None = None) -> None:
        """Ask to amend an open order (None = unchanged); it reaches the venue after the latency."""
        self._send(self.latency.cancel_delay(), ("modify", order, (quantity, price, trigger_price)))

    def _send(self, delay: int, command: tuple) -> None:
        now = self.timestamp_ns()
        if delay == 0 and len(self.inbound) == 0:
            self._arrive(command, now)
        else:
            self.inbound.push(now + delay, command)

    # -- the venue side -----------------------------------------------------------------------

    def _arrive(self, command: tuple, now: int) -> None:
        kind, order, args = command
        instrument = self._instruments.get(order.instrument_id)
        if instrument is None:
            self._report(now, OrderRejected, order, None,
                         f"instrument {order.instrument_id} is not traded on {self.venue}")
            return
        matcher = self.matchers[instrument.numeric_id]
        if kind == "submit":
            self._arrive_submit(order, instrument, matcher, now)
        elif kind == "cancel":
            num = self._num_of.get(order.client_order_id, 0)
            matcher.cancel_order(num, now)
            self._drain(matcher, instrument, order if num == 0 else None)
        else:
            self._arrive_modify(order, args, instrument, matcher, now)

    def _arrive_submit(self, order: Any, instrument: Instrument, matcher: SimMatcher,
                       now: int) -> None:
        pp = order.price_precision
        try:
            # raw fields, not Price / Quantity objects: this runs once per order
            qty = _raw_rescaled(order.quantity_raw, order.size_precision,
                                instrument.size_precision, "quantity")
            price = _raw_rescaled(order.price_raw, pp, instrument.price_precision, "price") \
                if order.price_raw else 0
            trigger = _raw_rescaled(order.trigger_price_raw, pp, instrument.price_precision,
                                    "trigger price") if order.trigger_price_raw else 0
        except ValueError as e:
            self._report(now, OrderRejected, order, None, str(e))
            return
        num = self._next_order_num
        self._next_order_num += 1
        self._orders[num] = order
        self._num_of[order.client_order_id] = num
        matcher.submit_order(num, int(order.side), int(order.order_type), qty, price, trigger,
                             tif=int(order.time_in_force), expire_ns=order.expire_time_ns,
                             post_only=order.post_only, reduce_only=order.reduce_only, now=now)
        self._drain(matcher, instrument)

    def _arrive_modify(self, order: Any, args: tuple, instrument: Instrument,
                       matcher: SimMatcher, now: int) -> None:
        quantity, price, trigger = args
        num = self._num_of.get(order.client_order_id, 0)
        try:
            q = _raw_at(quantity, instrument.size_precision, "quantity") if quantity is not None else 0
            p = _raw_at(price, instrument.price_precision, "price") if price is not None else 0
            t = _raw_at(trigger, instrument.price_precision, "trigger price") \
                if trigger is not None else 0
        except ValueError as e:
            self._report(now, OrderModifyRejected, order, self._venue_id(num), str(e))
            return
        matcher.modify_order(num, q, p, t, now)
        self._drain(matcher, instrument, order if num == 0 else None, args)

    @staticmethod
    def _venue_id(num: int) -> VenueOrderId | None:
        # decimal digits: valid by construction, so no check
        return <VenueOrderId>identifier_new(VenueOrderId, str(num)) if num else None

    def _drain(self, matcher: SimMatcher, instrument: Instrument, unknown: Any = None,
               update: tuple | None = None) -> None:
        """Turn the matcher's buffered events into order events and report them."""
        for e in matcher.drain_list():
            num, now, kind = e[0], e[1], e[2]
            order = self._orders.get(num, unknown)
            if order is None:
                continue
            vid = self._venue_id(num)
            if kind == SIM_FILLED:
                self._on_fill(order, instrument, matcher, num, e, vid)
            elif kind == SIM_ACCEPTED:
                self._report(now, OrderAccepted, order, vid)
            elif kind == SIM_REJECTED:
                self._close(num, order)
                self._report(now, OrderRejected, order, None, SIM_REASONS[e[8]])
            elif kind == SIM_CANCELED:
                self._close(num, order)
                self._report(now, OrderCanceled, order, vid)
            elif kind == SIM_EXPIRED:
                self._close(num, order)
                self._report(now, OrderExpired, order, vid)
            elif kind == SIM_TRIGGERED:
                self._report(now, OrderTriggered, order, vid)
            elif kind == SIM_UPDATED:
                if update is None:  # a reduce-only order trimmed on arrival
                    fields = (Quantity.from_raw(e[4], instrument.size_precision), None, None)
                else:
                    fields = update
                self._report(now, OrderUpdated, order, vid, *fields)
            elif kind == SIM_CANCEL_REJECTED:
                self._report(now, OrderCancelRejected, order, None, SIM_REASONS[e[8]])
            elif kind == SIM_MODIFY_REJECTED:
                self._report(now, OrderModifyRejected, order, vid if num else None,
                             SIM_REASONS[e[8]])

    def _close(self, num: int, order: Any) -> None:
        self._orders.pop(num, None)
        self._num_of.pop(order.client_order_id, None)

    def _fee_plan(self, instrument: Instrument, liquidity: int) -> tuple:
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

    def _charge_fee(self, instrument: Instrument, px_raw: int, qty_raw: int,
                    liquidity: int) -> tuple[Money, float]:
        """Return (commission charged now, exact fee as a float); see docs/fills.md "Fees".

        The exact fees of a currency are summed as integers; each fill is charged the change
        of that sum rounded half-even to the currency's digits, so the charges add up to the
        rounded exact total and small fills are not lost to rounding.
        """
        key = (instrument.numeric_id, liquidity)
        plan = self._fee_plans.get(key)
        if plan is None:
            plan = self._fee_plan(instrument, liquidity)
        factor, currency, digits = plan
        if factor == 0:
            return money_new(0, currency), 0.0
        exact = px_raw * qty_raw * factor
        code = currency.code
        total = self._fee_exact[code] + exact
        self._fee_exact[code] = total
        charged = _round_half_even(total, _POW10[FEE_DIGITS - currency.precision])
        raw = charged - self._fee_charged[code]
        self._fee_charged[code] = charged
        return money_new(raw, currency), exact / 1e36

    def _on_fill(self, order: Any, instrument: Instrument, matcher: SimMatcher, num: int, e: tuple,
                 vid: VenueOrderId) -> None:
        now, px_raw, qty_raw, leaves, side, liquidity = e[1], e[3], e[4], e[5], e[6], e[7]
        fee, fee_exact = self._charge_fee(instrument, px_raw, qty_raw, liquidity)
        num_id = instrument.numeric_id
        self._last_px[num_id] = px_raw
        plan = self._cash_plans.get(num_id)
        if plan is None:
            plan = self._cash_plan(instrument)
        pp, sp, mult_raw, quote_code, quote_prec, base_code, scale = plan
        # cash moves as exact ints at the currency's scale (see _cash_add); a Decimal only
        # when somebody reads `balances`
        notional = px_raw * qty_raw * mult_raw
        self._cash_add(quote_code, -notional if side == _BUY else notional, scale)
        if (<Money>fee).raw:
            self._cash_add(quote_code, -(<Money>fee).raw, quote_prec)
        if base_code is not None:
            self._cash_add(base_code, qty_raw if side == _BUY else -qty_raw, sp)
        self.fills.append(now, num_id, side, liquidity, qty_raw / _POW10F[sp],
                          px_raw / _POW10F[pp], fee_exact, qty_raw, px_raw, num,
                          order.client_order_num)
        trade_id = <TradeId>identifier_new(TradeId, f"{self.venue}-{self._next_trade}")
        self._next_trade += 1
        if leaves == 0:
            self._close(num, order)
        self._report(now, OrderFilled, order, vid, trade_id, side, quantity_new(qty_raw, sp),
                     price_new(px_raw, pp), fee, liquidity)

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

    def _cash_add(self, code: str, raw: int, scale: int) -> None:
        # balance of code = _cash[code][0] / 10**_cash[code][1]; the scale only grows
        entry = self._cash.get(code)
        if entry is None:
            self._cash[code] = [raw, scale]
        elif entry[1] >= scale:
            entry[0] += raw * _POW10[entry[1] - scale]
        else:
            entry[0] = entry[0] * _POW10[scale - entry[1]] + raw
            entry[1] = scale

    @property
    def balances(self):
        """Return the cash balances, exact: {currency code: Decimal}."""
        out = collections.defaultdict(Decimal)
        for code, (raw, scale) in self._cash.items():
            out[code] = Decimal(raw).scaleb(-scale, _EXACT)
        return out

    # -- reports ------------------------------------------------------------------------------

    def _report(self, ts_event: int, cls: type, order: Any, vid: VenueOrderId | None,
                *args: Any) -> None:
        """Build one event (ts_init at delivery) and send it back through the report latency."""
        event_id = self._next_event_id
        self._next_event_id += 1
        cdef OrderEvent event
        if cls is OrderFilled or cls is OrderAccepted:
            # the two events of every order: built in C from checked parts (the order's ids,
            # the matcher's fill); ts_init is set on delivery
            event = <OrderEvent>cls.__new__(cls)
            event._init_common(ORDER_EVENT_FILLED if cls is OrderFilled else ORDER_EVENT_ACCEPTED,
                               order.trader_id, order.strategy_id, order.instrument_id,
                               order.client_order_id, event_id, ts_event, 0)
            event._venue_order_id = vid
            if cls is OrderFilled:
                trade_id, side, qty, px, fee, liquidity = args
                event._trade_id = trade_id
                event._order_side = side
                event._qty_raw = (<Quantity>qty).raw
                event._size_precision = (<Quantity>qty).precision
                event._px_raw = (<Price>px).raw
                event._price_precision = (<Price>px).precision
                event._commission = fee
                event._liquidity_side = liquidity
            self._post(ts_event, event)
            return
        ids = (order.trader_id, order.strategy_id, order.instrument_id, order.client_order_id)
        if cls is OrderAccepted:
            args = (*ids, vid)
        elif cls in (OrderRejected, OrderCancelRejected):
            args = (*ids, *args)
        elif cls is OrderModifyRejected:
            args = (*ids, args[0], vid)
        elif cls is OrderUpdated:
            args = (*ids, *args, vid)
        elif cls is OrderFilled:
            args = (*ids, vid, *args)
        else:  # Canceled, Expired, Triggered
            args = (*ids, vid)
        self._post(ts_event, cls(*args, event_id=event_id, ts_event=ts_event))

    def _post(self, ts_event: int, event: Any) -> None:
        delay = self.latency.report_delay()
        if delay == 0 and len(self.outbound) == 0:
            self._deliver(event)
        else:
            self.outbound.push(ts_event + delay, event)

    def _deliver(self, event: Any) -> None:
        # A strategy may trade from inside a report (on_fill -> submit_order); with no latency
        # that reports again before this call returns. Queue instead of nesting, so the node
        # sees every event in the order the venue made them.
        self._outbox.append(event)
        if self._delivering:
            return
        self._delivering = True
        cdef OrderEvent e
        try:
            while self._outbox:
                e = self._outbox.popleft()
                e.ts_init = self.timestamp_ns()  # the delivery time
                self.event_count += 1
                if self.engine is not None:
                    self.engine.process_event(e)
        finally:
            self._delivering = False

    # -- time ---------------------------------------------------------------------------------

    def next_due_ns(self) -> int:
        """Return when the venue next has work (a command, a report, an expiry); INT64_MAX if none."""
        due = min(self.inbound.head_ns, self.outbound.head_ns)
        for matcher in self.matchers.values():
            due = min(due, matcher.next_expire_ns)
        return due

    def process_due(self, now: int) -> None:
        """Run everything due at or before now, in time order: reports, expiries, commands.

        The runner calls this with the clock already at `now`; an item due earlier is
        handled at its own due time as the event time.
        """
        while True:
            t_out, t_in = self.outbound.head_ns, self.inbound.head_ns
            t_exp = min((m.next_expire_ns for m in self.matchers.values()), default=t_in)
            t = min(t_out, t_in, t_exp)
            if t > now:
                return
            if t_out == t:
                self._deliver(self.outbound.pop()[1])
            elif t_exp == t:
                for num, matcher in self.matchers.items():
                    if matcher.next_expire_ns <= t:
                        matcher.expire_orders(t)
                        self._drain(matcher, self._by_num[num])
            else:
                self._arrive(self.inbound.pop()[1], t)

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
        self._drain(matcher, instrument)

    def process_trade(self, tick: Any) -> None:
        """Show the venue a market trade."""
        instrument = self.instrument(tick.instrument_id)
        matcher = self.matchers[instrument.numeric_id]
        matcher.apply_trade(tick.ts_event,
                            _rescaled(tick.price_raw, tick.price_precision, instrument.price_precision),
                            _rescaled(tick.size_raw, tick.size_precision, instrument.size_precision))
        self._drain(matcher, instrument)

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
        self._drain(matcher, instrument)

    def drain_matcher(self, numeric_id: int) -> None:
        """Report what a matcher buffered while the runner fed it market data."""
        self._drain(self.matchers[numeric_id], self._by_num[numeric_id])

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
