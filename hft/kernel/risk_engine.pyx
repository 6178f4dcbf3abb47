"""Check every order before it leaves the node: instrument rules, then the core risk limits.

`check_order(order)` returns None when the order may go, else the reason text that the
execution engine puts in an `OrderDenied` (the strategy sees it in `on_order_event`; nothing
raises into strategy code); `check_modify(order, quantity, price, trigger_price)` does the same
for an amend, whose refusal becomes an `OrderModifyRejected` (docs/risk.md, "Amends"). Two
layers, in this order:

1. the instrument: known to the cache, price on the tick and at the price precision,
   quantity a lot multiple within min/max, notional above the minimum (`Instrument.check_order`);
2. `hft.core.risk.RiskChecker` (nogil C): kill switch, max order quantity / notional, max
   position, price band around the reference price, daily notional, daily loss, order rate,
   reduce-only. Limits come from `NodeConfig.risk` (`RiskConfig`, per-instrument overrides in
   `risk.instruments`); None leaves a limit off.

State kept in step with the node: the reference price is the last quote mid (else the last
trade) read from the cache at check time, so quotes cost nothing here; positions move on
fills (`on_fill`); open-order counts drop on `on_order_closed`; PnL for the daily loss limit
is pushed by the execution engine after each fill (`update_pnl`).

Margin accounts
---------------
When the order's venue holds a `MarginAccount`, an order that adds exposure must fit the free
margin, checked between the two layers above: its added initial margin = (|net + order| -
|net|) x price x multiplier / leverage, with net the account's net position in the instrument
and price the order's limit (else trigger) price, else the touch it would take (ask for a buy,
bid for a sell; else the last trade). Free margin = equity - margin used, with every open
position valued at its last quote mid (else last trade), refreshed here. A reduce-only order,
or one that does not add exposure, needs no margin. Denied: "margin: order needs <required>
initial margin at leverage <x>, free margin is <free> (equity ..., margin used ...)". A passed
order holds its margin in the account (order margin) until it fills (released pro rata to the
filled quantity) or closes. Cash accounts are not checked here.
"""

from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t

from hft.core.encoding cimport SIDE_BUY, OrderRecord
from hft.core.risk cimport DENY_NONE, RiskChecker, risk_check, risk_check_amend, risk_find
from hft.kernel.cache cimport Cache
from hft.kernel.clock cimport Clock
from hft.model.account cimport MarginAccount, MarginBook, MarginLeg, leg_margin_raw
from hft.model.data cimport QuoteTick, TradeTick
from hft.model.instruments cimport CHECK_OK, Instrument
from hft.model.objects cimport Currency, Price, Quantity, fixed_rescale
from hft.model.orders cimport Order

from decimal import Decimal

__all__ = ["RiskEngine"]


cdef int64_t _raw(object value, int precision, str what) except? -1:
    # a config Decimal as a raw count at precision, exactly
    cdef object scaled = Decimal(value).scaleb(precision)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"risk.{what}: {value} has more decimals than the precision {precision}")
    return int(scaled)


cdef str _money(object raw, Currency cur):
    return f"{Decimal(raw).scaleb(-cur.precision)} {cur.code}"


cdef class RiskEngine:
    """Run the pre-trade checks for every order; keep the checker's state in step.

    Parameters
    ----------
    clock, cache:
        The node's clock (check time) and cache (instruments, last quotes and trades).
    config:
        A `RiskConfig`, or None for no limits beyond the instrument rules.
    """

    def __init__(self, Clock clock not None, Cache cache not None, config=None,
                 int max_instruments=1024):
        self.clock = clock
        self.cache = cache
        self.config = config
        self.bypass = bool(config.bypass) if config is not None else False
        self.checker = RiskChecker(max_instruments)
        self._numeric = {}
        self._next_numeric = 1
        self._held = {}
        self._amends = {}
        self._hold_raw = 0
        if config is not None:
            rate = config.orders_per_second
            self.checker.set_account_limits(
                orders_per_s=float(rate) if rate else 0.0,
                order_burst=max(1, int(rate)) if rate else 0,
                max_daily_notional=float(config.max_notional_per_day or 0),
                daily_loss_limit=float(config.daily_loss_limit or 0),
                now_ns=clock.timestamp_ns(),
            )

    def register_instrument(self, Instrument instrument not None) -> int:
        """Set one instrument's limits from the config; return its numeric id in the checker."""
        self._last_iid = None  # the instrument may be new or replaced: look it up again
        cdef uint32_t num = self.numeric_of(instrument)
        cfg = self.config
        over = cfg.instruments.get(instrument.id.value) if cfg is not None else None

        def pick(name):
            v = getattr(over, name, None) if over is not None else None
            return v if v is not None else (getattr(cfg, name) if cfg is not None else None)

        max_qty = pick("max_order_qty")
        max_notional = pick("max_order_notional")
        max_pos = pick("max_position_qty")
        band = pick("price_band_pct")
        self.checker.set_instrument_limits(
            num,
            max_order_qty=_raw(max_qty, instrument.size_precision, "max_order_qty") if max_qty else 0,
            max_order_notional=float(max_notional) if max_notional else 0.0,
            max_position=_raw(max_pos, instrument.size_precision, "max_position_qty") if max_pos else 0,
            price_band=float(band) / 100.0 if band else 0.0,
            multiplier=instrument.multiplier.as_double(),
            price_precision=instrument.price_precision,
            size_precision=instrument.size_precision,
        )
        return num

    cdef uint32_t numeric_of(self, Instrument instrument) except? 0:
        cdef object found = self._numeric.get(instrument.id)
        if found is not None:
            return <uint32_t>found
        cdef uint32_t num = instrument.numeric_id
        if num == 0 or num in self._numeric.values():
            while self._next_numeric in self._numeric.values():
                self._next_numeric += 1
            num = self._next_numeric
        self._numeric[instrument.id] = num
        return num

    cpdef str check_order(self, Order order):
        """Return None when the order may be sent, else why it is denied."""
        self.checked += 1
        if self.bypass:
            return None
        cdef Instrument ins = self._instrument_of(order)
        if ins is None:
            self.denied += 1
            return f"instrument {order.instrument_id} is not known to the node"
        cdef uint32_t num = self._last_num
        cdef int64_t px = 0, trig = 0, qty = 0
        cdef bint has_px = order.price_raw != 0
        cdef bint has_trig = order.trigger_price_raw != 0
        cdef str reason = None
        if ((has_px and not fixed_rescale(order.price_raw, order.price_precision,
                                          ins.price_precision, &px))
                or (has_trig and not fixed_rescale(order.trigger_price_raw, order.price_precision,
                                                   ins.price_precision, &trig))
                or not fixed_rescale(order.quantity_raw, order.size_precision, ins.size_precision,
                                     &qty)
                or ins.check_raw(px, qty) != CHECK_OK
                or (has_trig and ins.check_raw(trig, qty) != CHECK_OK)
                or (ins.min_notional is not None and has_px)):
            # the slow, wordy path: rare, and it names the rule and the values
            reason = ins.check_order(order.price, order.quantity)
            if reason is None and has_trig:
                reason = ins.check_order(order.trigger_price, order.quantity)
                if reason is not None:
                    reason = "trigger " + reason
            if reason is not None:
                self.denied += 1
                return reason

        cdef object account = self.cache._accounts.get(ins.id.venue.value)
        cdef bint on_margin = account is not None and isinstance(account, MarginAccount)
        if on_margin:
            reason = self._check_margin(order, ins, px, trig, qty, <MarginAccount>account, 0)
            if reason is not None:
                self.denied += 1
                return reason

        self._checker_index(ins, num)
        cdef OrderRecord rec
        order.fill_record(&rec, num, 0, 0)
        rec.price = px
        rec.trigger_price = trig
        rec.quantity = qty
        rec.price_precision = ins.price_precision
        rec.size_precision = ins.size_precision
        cdef int code = risk_check(&self.checker.risk, &rec, self.clock.now_ns())
        if code == DENY_NONE:
            if on_margin and self._hold_raw > 0:
                (<MarginAccount>account).hold_order_margin(self._hold_book, self._hold_raw)
                self._held[order.client_order_id] = [account, self._hold_book, self._hold_raw,
                                                     qty]
            return None
        self.denied += 1
        # the checker knows instruments by number only; name them for the strategy's log
        return self.checker._describe(code, &rec).replace(f"instrument {num}",
                                                          f"instrument {ins.id.value}")

    cpdef str check_modify(self, Order order, Quantity quantity, Price price,
                           Price trigger_price):
        """Return None when the amend may be sent, else why it is refused.

        The order is judged as it would stand: `quantity` (its new total, above what is
        filled), `price` and `trigger_price` (None keeps a field). The instrument's rules and
        every core limit apply as to a new order, but the order is not counted open again;
        the daily notional grows by the amend's increase only; the amend takes a rate token.
        On a margin account the order's added initial margin at its new values must fit the
        free margin plus what the order holds now; the hold moves to the new figure when the
        venue confirms the amend (`on_modify_result`).
        """
        self.checked += 1
        if self.bypass:
            return None
        cdef Instrument ins = self._instrument_of(order)
        if ins is None:
            self.denied += 1
            return f"instrument {order.instrument_id} is not known to the node"
        cdef uint32_t num = self._last_num
        cdef int64_t total = 0, filled = 0, left_before = 0, px = 0, trig = 0
        cdef object new_qty = quantity if quantity is not None else order.quantity
        cdef object new_px = price if price is not None else order.price
        cdef object new_trig = trigger_price if trigger_price is not None \
            else order.trigger_price
        cdef str reason = ins.check_order(new_px, new_qty)
        if reason is None and new_trig is not None:
            reason = ins.check_order(new_trig, new_qty)
            if reason is not None:
                reason = "trigger " + reason
        if reason is None and not (
                fixed_rescale(new_qty.raw, new_qty.precision, ins.size_precision, &total)
                and fixed_rescale(order.filled_qty_raw, order.size_precision,
                                  ins.size_precision, &filled)
                and fixed_rescale(order.quantity_raw, order.size_precision, ins.size_precision,
                                  &left_before)
                and (new_px is None or fixed_rescale(new_px.raw, new_px.precision,
                                                     ins.price_precision, &px))
                and (new_trig is None or fixed_rescale(new_trig.raw, new_trig.precision,
                                                       ins.price_precision, &trig))):
            reason = f"amend does not fit the precisions of {ins.id.value}"
        if reason is None and total <= filled:
            reason = (f"quantity {new_qty} is not above the {order.filled_qty} already filled")
        if reason is not None:
            self.denied += 1
            return reason
        left_before -= filled
        cdef object account = self.cache._accounts.get(ins.id.venue.value)
        cdef bint on_margin = account is not None and isinstance(account, MarginAccount)
        cdef list held = self._held.get(order.client_order_id)
        if on_margin:
            reason = self._check_margin(order, ins, px, trig, total - filled,
                                        <MarginAccount>account, held[2] if held else 0)
            if reason is not None:
                self.denied += 1
                return reason
        self._checker_index(ins, num)
        cdef OrderRecord before, after
        order.fill_record(&before, num, 0, 0)
        before.quantity = left_before
        before.price_precision = ins.price_precision
        before.size_precision = ins.size_precision
        if not (fixed_rescale(order.price_raw, order.price_precision, ins.price_precision,
                              &before.price)
                and fixed_rescale(order.trigger_price_raw, order.price_precision,
                                  ins.price_precision, &before.trigger_price)):
            before.price, before.trigger_price = px, trig  # judged at the new prices then
        after = before
        after.quantity = total - filled
        after.price = px
        after.trigger_price = trig
        cdef int code = risk_check_amend(&self.checker.risk, &before, &after, self.clock.now_ns())
        if code != DENY_NONE:
            self.denied += 1
            return self.checker._describe(code, &after).replace(f"instrument {num}",
                                                                f"instrument {ins.id.value}")
        if on_margin:
            self._amends[order.client_order_id] = [account, self._hold_book, self._hold_raw,
                                                   total - filled]
        return None

    cpdef void on_modify_result(self, Order order, bint accepted) except *:
        """Move the order's held margin to its amended figure (accepted), or keep it."""
        cdef list amend = self._amends.pop(order.client_order_id, None) if self._amends \
            else None
        if amend is None or not accepted:
            return
        cdef list held = self._held.get(order.client_order_id)
        cdef object before = held[2] if held is not None else 0
        if held is not None and held[1] is not amend[1]:
            (<MarginAccount>held[0]).hold_order_margin(<MarginBook>held[1], -before)
            before = 0
        if amend[2] != before:
            (<MarginAccount>amend[0]).hold_order_margin(<MarginBook>amend[1], amend[2] - before)
        if amend[2] > 0:
            self._held[order.client_order_id] = amend
        elif held is not None:
            del self._held[order.client_order_id]

    cdef str _check_margin(self, Order order, Instrument ins, int64_t px, int64_t trig,
                           int64_t qty, MarginAccount account, object credit):
        self._hold_raw = 0
        if order.reduce_only:
            return None
        cdef MarginLeg leg = account._legs.get(ins.id)
        if leg is None:
            if (account.base_currency is not None
                    and ins.settlement_currency != account.base_currency):
                return (f"margin: {ins.id.value} settles in {ins.settlement_currency}, the "
                        f"account holds only {account.base_currency}")
            leg = account.leg_of(ins)
        cdef object net = leg.qty_raw
        cdef object signed = qty if order._side == SIDE_BUY else -qty
        cdef object added = abs(net + signed) - abs(net)
        if added <= 0:
            return None
        # value the order where it would trade: its limit, else its trigger, else the touch
        cdef int64_t value_px = px if px != 0 else trig
        cdef uint8_t value_p = ins.price_precision
        cdef QuoteTick q
        cdef TradeTick t
        if value_px == 0:
            q = self.cache.last_quote(ins.id)
            t = self.cache.last_trade(ins.id)
            if q is not None:
                value_px = q.ask_raw if order._side == SIDE_BUY else q.bid_raw
                value_p = q.price_precision
            elif t is not None:
                value_px = t.price_raw
                value_p = t.price_precision
            else:
                return (f"margin: no quote or trade of {ins.id.value} yet to value the "
                        f"initial margin of a market order")
        self._refresh_marks(account)
        cdef Currency cur = leg.currency
        cdef object need = leg_margin_raw(leg, added, value_px, value_p)
        cdef object free = account.free_margin_raw(leg.book) + credit
        if need > free:
            return (f"margin: order needs {_money(need, cur)} initial margin at leverage "
                    f"{account.leverage_for(ins.id)}, free margin is {_money(free, cur)} "
                    f"(equity {account.equity(cur)}, margin used {account.margin_used(cur)})")
        self._hold_raw = need
        self._hold_book = leg.book
        return None

    cdef int _refresh_marks(self, MarginAccount account) except -1:
        # value every open position at its last quote mid (else last trade): a few legs
        cdef MarginLeg leg
        cdef QuoteTick q
        cdef TradeTick t
        for leg in account._legs.values():
            if leg.qty_raw == 0:
                continue
            q = self.cache.last_quote(leg.instrument.id)
            if q is not None and q.price_precision < 18:
                # the mid, exactly, one digit finer
                account.update_mark(leg.instrument.id, (q.bid_raw + q.ask_raw) * 5,
                                    q.price_precision + 1)
                continue
            t = self.cache.last_trade(leg.instrument.id)
            if t is not None:
                account.update_mark(leg.instrument.id, t.price_raw, t.price_precision)
        return 0

    cdef int _release_held(self, Order order, int64_t filled_qty_raw) except -1:
        # release the order margin pro rata to the filled quantity; all of it on the last fill
        cdef list entry = self._held.get(order.client_order_id)
        if entry is None:
            return 0
        cdef object raw = entry[2], left = entry[3]
        cdef object release = raw if filled_qty_raw >= left else raw * filled_qty_raw // left
        (<MarginAccount>entry[0]).hold_order_margin(<MarginBook>entry[1], -release)
        entry[2] = raw - release
        entry[3] = left - filled_qty_raw
        if entry[3] <= 0:
            del self._held[order.client_order_id]
        return 0

    cdef Instrument _instrument_of(self, Order order):
        # the order's instrument (None when the cache has none) and, in _last_num, its checker
        # number; the last one is kept, so a run of orders in one instrument looks up nothing
        if order.instrument_id is not self._last_iid:
            ins = self.cache.find_instrument(order.instrument_id)
            if ins is None:
                return None
            self._last_iid, self._last_ins, self._last_num = (order.instrument_id, ins,
                                                              self.numeric_of(ins))
        return self._last_ins

    cdef int32_t _checker_index(self, Instrument ins, uint32_t num) except -1:
        # the instrument's slot in the core checker (registered on first use), its reference
        # price refreshed from the cache
        cdef int32_t idx = risk_find(&self.checker.risk, num)
        if idx < 0:
            self.register_instrument(ins)
            idx = risk_find(&self.checker.risk, num)
            if idx < 0:
                raise RuntimeError(f"risk engine: {ins.id.value} could not be registered")
        self._refresh_reference(ins, idx)
        return idx

    cdef void _refresh_reference(self, Instrument ins, int32_t idx) noexcept:
        # the last quote mid, else the last trade, at the instrument's price precision
        cdef QuoteTick q = self.cache.last_quote(ins.id)
        cdef TradeTick t
        cdef int64_t ref
        if q is not None and q.price_precision == ins.price_precision:
            ref = (q.bid_raw + q.ask_raw) // 2
        else:
            t = self.cache.last_trade(ins.id)
            if t is None or t.price_precision != ins.price_precision:
                return
            ref = t.price_raw
        self.checker.risk.instruments[idx].reference_price = ref
        self.checker.risk.instruments[idx].has_reference = 1

    cpdef void on_fill(self, Order order, int64_t qty_raw, int side) except *:
        """Move the checker's position by one fill (qty at the instrument's size precision)."""
        if self._held:
            self._release_held(order, qty_raw)
        cdef object num = self._numeric.get(order.instrument_id)
        if num is not None and risk_find(&self.checker.risk, <uint32_t>num) >= 0:
            self.checker.apply_fill(num, side, qty_raw)

    cpdef void on_order_closed(self, Order order) except *:
        """Count down the open orders of the order's instrument; release its held margin."""
        cdef list entry
        if self._amends:
            self._amends.pop(order.client_order_id, None)
        if self._held:
            entry = self._held.pop(order.client_order_id, None)
            if entry is not None and entry[2] > 0:
                (<MarginAccount>entry[0]).hold_order_margin(<MarginBook>entry[1], -entry[2])
        # only orders that passed check were counted open (a bypass or a denial never was)
        cdef object num = self._numeric.get(order.instrument_id)
        cdef int32_t idx
        if num is None or self.bypass:
            return
        idx = risk_find(&self.checker.risk, <uint32_t>num)
        if idx >= 0 and self.checker.risk.instruments[idx].open_orders > 0:
            self.checker.risk.instruments[idx].open_orders -= 1

    def update_pnl(self, double pnl) -> None:
        """Set the PnL the daily loss limit is judged on (quote currency, as float)."""
        self.checker.update_pnl(pnl)

    def set_trading_state(self, state) -> None:
        """Set ACTIVE, REDUCING or HALTED (the kill switch)."""
        self.checker.set_state(state)

    @property
    def trading_state(self):
        """Return the checker's TradingState."""
        return self.checker.state
