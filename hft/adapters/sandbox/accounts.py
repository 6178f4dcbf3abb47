"""Keep the sandbox venue's accounts: orders, fills and positions per API key.

Each API key is one account (its `trader_id` is fixed when the venue starts). An account owns a
`SimMatcher` per instrument -- the matching engine of the simulated venue, so a live run against
the sandbox fills exactly as a backtest on the same data would (docs/fills.md). Own orders never
move the market, so accounts do not see each other's orders: every account's matcher sees the
same quotes. `Exchange` turns matcher events into `ExecReport` messages, charges fees, books
fills into positions and answers the three queries. It knows nothing of sockets; the server
(`hft.adapters.sandbox.server`) calls it and puts the reports on the wire.

Idempotency: an order is stored under (key, client_order_id) before it reaches the matcher. A
retry with the same id and the same content gets the order's latest report again, a retry with
different content is rejected with DUPLICATE_CLIENT_ORDER_ID; neither reaches the matcher.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from fractions import Fraction

import numpy as np

from hft.adapters.sandbox.protocol import (
    LIQUIDITY_NONE, REJECT_DUPLICATE_CLIENT_ORDER_ID, REJECT_FOK_NOT_FILLABLE, REJECT_INJECTED,
    REJECT_INVALID_ORDER, REJECT_NO_MARKET, REJECT_ORDER_CLOSED, REJECT_POST_ONLY_WOULD_TAKE,
    REJECT_REDUCE_ONLY, REJECT_UNKNOWN_INSTRUMENT, REJECT_UNKNOWN_ORDER, REPORT_ACCEPTED,
    REPORT_CANCEL_REJECTED, REPORT_CANCELED, REPORT_EXPIRED, REPORT_FILLED, REPORT_REJECTED,
    REPORT_TRIGGERED, REPORT_UPDATED, ExecReport, Position,
)
from hft.adapters.sim.matcher import (
    SIM_ACCEPTED, SIM_CANCEL_REJECTED, SIM_CANCELED, SIM_EXPIRED, SIM_FILLED, SIM_REASON_FOK,
    SIM_REASON_NO_MARKET, SIM_REASON_POST_ONLY, SIM_REASON_REDUCE_ONLY, SIM_REASON_UNKNOWN_ORDER,
    SIM_REJECTED, SIM_TRIGGERED, SIM_UPDATED, SimMatcher,
)
from hft.core.encoding import (
    FLAG_POST_ONLY, FLAG_REDUCE_ONLY, ORDER_TYPE_MARKET, SIDE_BUY, OrderMsg,
)

__all__ = ["Account", "Exchange", "InstrumentSpec", "OrderState", "PositionState"]

# matcher reject reason -> wire RejectReason (the rest: INVALID_ORDER)
_SIM_TO_REJECT = {
    SIM_REASON_POST_ONLY: REJECT_POST_ONLY_WOULD_TAKE,
    SIM_REASON_FOK: REJECT_FOK_NOT_FILLABLE,
    SIM_REASON_REDUCE_ONLY: REJECT_REDUCE_ONLY,
    SIM_REASON_UNKNOWN_ORDER: REJECT_UNKNOWN_ORDER,
    SIM_REASON_NO_MARKET: REJECT_NO_MARKET,
}
_CLOSING = {SIM_CANCELED: REPORT_CANCELED, SIM_EXPIRED: REPORT_EXPIRED,
            SIM_REJECTED: REPORT_REJECTED}


def _round_half_even(x: Fraction) -> int:
    return round(x)  # Fraction.__round__ rounds half to even


class InstrumentSpec:
    """Describe one instrument the venue trades: numeric id, precisions and fee rates.

    Fees are `price x quantity x rate` in the quote currency, at the price precision, rounded
    half to even; rates are in basis points (negative = rebate).
    """

    __slots__ = ("instrument_id", "price_precision", "size_precision", "maker_rate",
                 "taker_rate", "_size_scale")

    def __init__(self, instrument_id: int, price_precision: int, size_precision: int, *,
                 maker_fee_bps: float | str = 0, taker_fee_bps: float | str = 0) -> None:
        for name, v in (("price_precision", price_precision), ("size_precision", size_precision)):
            if not 0 <= v <= 18:
                raise ValueError(f"instrument: field '{name}' is invalid: got {v}, expected 0..18")
        if not 0 < instrument_id < 2**32:
            raise ValueError(f"instrument: field 'instrument_id' is invalid: got {instrument_id}, "
                             f"expected 1..2**32-1")
        self.instrument_id = instrument_id
        self.price_precision = price_precision
        self.size_precision = size_precision
        self.maker_rate = Fraction(str(maker_fee_bps)) / 10_000
        self.taker_rate = Fraction(str(taker_fee_bps)) / 10_000
        self._size_scale = 10 ** size_precision

    def fee(self, price: int, quantity: int, liquidity: int) -> int:
        """Return the fee of one fill, raw at the price precision."""
        rate = self.maker_rate if liquidity == 1 else self.taker_rate
        return _round_half_even(Fraction(price * quantity, self._size_scale) * rate)


class OrderState:
    """Hold one order the venue has seen: the request, its fills so far and its last report."""

    __slots__ = ("order", "venue_order_id", "cum_qty", "leaves_qty", "quantity", "is_open",
                 "last_report", "fingerprint")

    def __init__(self, order: OrderMsg, venue_order_id: int) -> None:
        self.order = order
        self.venue_order_id = venue_order_id
        self.cum_qty = 0
        self.quantity = order.quantity
        self.leaves_qty = order.quantity
        self.is_open = False
        self.last_report: ExecReport | None = None
        self.fingerprint = _fingerprint(order)


def _fingerprint(o: OrderMsg) -> tuple:
    # what makes a retry "the same order": everything but the client's send time
    return (o.side, o.order_type, o.time_in_force, o.flags, o.price_precision,
            o.size_precision, o.instrument_id, o.strategy_id, o.price, o.trigger_price,
            o.quantity, o.ts_expire)


class PositionState:
    """Hold a net position: signed quantity, exact cost of the open part, realized PnL."""

    __slots__ = ("quantity", "cost", "realized", "ts_last")

    def __init__(self) -> None:
        self.quantity = 0
        self.cost = Fraction(0)        # sum of signed qty x price of the open part, raw units
        self.realized = Fraction(0)    # raw at price precision x size scale
        self.ts_last = 0

    def apply(self, signed_qty: int, price: int, ts: int) -> None:
        """Book one fill of signed_qty at price."""
        q = self.quantity
        if q == 0 or (q > 0) == (signed_qty > 0):
            self.quantity = q + signed_qty
            self.cost += signed_qty * price
        else:
            closing = min(abs(signed_qty), abs(q))
            avg = self.cost / q
            sign = 1 if q > 0 else -1
            self.realized += closing * (price - avg) * sign
            self.cost -= avg * closing * sign
            self.quantity = q + signed_qty
            rest = abs(signed_qty) - closing
            if self.quantity == 0:
                self.cost = Fraction(0)
            elif rest:  # flipped: the rest opens a new position at this price
                self.cost = Fraction(self.quantity * price)
        self.ts_last = ts

    def avg_price(self) -> int:
        """Return the average open price, raw, rounded half to even (0 when flat)."""
        return _round_half_even(self.cost / self.quantity) if self.quantity else 0


class Account:
    """Hold one API key's orders (by client and venue id), fills and positions."""

    def __init__(self, key_id: str, trader_id: int) -> None:
        self.key_id = key_id
        self.trader_id = trader_id
        self.matchers: dict[int, SimMatcher] = {}
        self.orders: dict[int, OrderState] = {}         # client_order_id -> state
        self.by_venue_id: dict[int, OrderState] = {}    # venue_order_id -> state
        self.fills: list[ExecReport] = []               # FILLED reports, in time order
        self.positions: dict[int, PositionState] = {}

    def open_orders(self, instrument_id: int = 0) -> list[OrderState]:
        """Return the open orders, by venue order id (arrival order), of one or all instruments."""
        return [s for vid, s in sorted(self.by_venue_id.items())
                if s.is_open and (not instrument_id or s.order.instrument_id == instrument_id)]

    def fills_since(self, since_ts_ns: int, instrument_id: int = 0) -> list[ExecReport]:
        """Return FILLED reports with ts_event >= since_ts_ns (inclusive: dedupe by trade_id)."""
        return [f for f in self.fills if f.ts_event >= since_ts_ns
                and (not instrument_id or f.instrument_id == instrument_id)]

    def __repr__(self) -> str:
        return (f"Account(key_id={self.key_id!r}, trader_id={self.trader_id}, "
                f"orders={len(self.orders)}, fills={len(self.fills)})")


class Exchange:
    """Match every account's orders against the venue's market data and report the outcome.

    Parameters
    ----------
    instruments : the instruments traded (one `SimMatcher` per account and instrument)
    key_ids : API key ids; trader ids are 1, 2, ... in sorted key order
    reject : optional hook `reject(account, order) -> bool`; True rejects a new order with
        REJECT_INJECTED before it reaches the matcher (fault injection)
    """

    def __init__(self, instruments: Iterable[InstrumentSpec], key_ids: Iterable[str], *,
                 reject: Callable[[Account, OrderMsg], bool] | None = None) -> None:
        self.instruments: dict[int, InstrumentSpec] = {i.instrument_id: i for i in instruments}
        self.accounts: dict[str, Account] = {
            k: Account(k, n) for n, k in enumerate(sorted(key_ids), 1)}
        self._reject = reject
        self._next_venue_id = 1
        self._next_trade_id = 1
        self._last_quote: dict[int, tuple] = {}

    # -- market data ---------------------------------------------------------------------------

    def matcher(self, account: Account, instrument_id: int) -> SimMatcher:
        """Return the account's matcher for an instrument, seeded with the last quote."""
        m = account.matchers.get(instrument_id)
        if m is None:
            m = account.matchers[instrument_id] = SimMatcher()
            last = self._last_quote.get(instrument_id)
            if last is not None:
                m.apply_quote(*last)
                m.drain()
        return m

    def apply_quotes(self, quotes: np.ndarray, now: int) -> dict[Account, list[ExecReport]]:
        """Show a batch of QUOTE_DTYPE records (one instrument each) to every account's matcher.

        A matcher with no open orders only needs the touch, so it sees the batch's last quote
        for its instrument; one with open orders sees every quote in order (queue position).
        `now` stamps the reports' ts_init. Returns the reports per account.
        """
        out: dict[Account, list[ExecReport]] = {}
        if len(quotes) == 0:
            return out
        ids = quotes["instrument_id"]
        single = bool(ids[0] == ids[-1]) and bool((ids == ids[0]).all())
        for iid in ([int(ids[0])] if single else np.unique(ids).tolist()):
            spec = self.instruments.get(iid)
            if spec is None:
                continue
            mine = quotes if single else quotes[ids == iid]
            cols = [mine[c].tolist() for c in
                    ("ts_event", "bid_price", "ask_price", "bid_size", "ask_size")]
            rows = list(zip(*cols))
            self._last_quote[iid] = rows[-1]
            for account in self.accounts.values():
                m = account.matchers.get(iid)
                if m is None:
                    continue
                if len(m) == 0:
                    m.apply_quote(*rows[-1])
                else:
                    for row in rows:
                        m.apply_quote(*row)
                reports = self._drain(account, spec, m, now)
                if reports:
                    out.setdefault(account, []).extend(reports)
        return out

    def expire(self, now_data: int, now: int) -> dict[Account, list[ExecReport]]:
        """Expire GTD / DAY orders due at data time now_data; return the reports per account."""
        out: dict[Account, list[ExecReport]] = {}
        for account in self.accounts.values():
            for iid, m in account.matchers.items():
                if m.next_expire_ns <= now_data:
                    m.expire_orders(now_data)
                    reports = self._drain(account, self.instruments[iid], m, now)
                    if reports:
                        out.setdefault(account, []).extend(reports)
        return out

    # -- orders --------------------------------------------------------------------------------

    def submit(self, account: Account, order: OrderMsg, now_data: int, now: int) -> list[ExecReport]:
        """Place one order for an account (or answer a retry); return the reports it caused."""
        cid = order.client_order_id
        known = account.orders.get(cid)
        if known is not None:
            if known.fingerprint == _fingerprint(order) and known.last_report is not None:
                return [known.last_report]
            return [self._bare(REPORT_REJECTED, order, account, 0, now,
                               reason=REJECT_DUPLICATE_CLIENT_ORDER_ID)]
        vid = self._next_venue_id
        self._next_venue_id += 1
        state = OrderState(order, vid)
        spec = self.instruments.get(order.instrument_id)
        reason = 0
        if cid == 0:
            # not stored: no id to be idempotent on
            return [self._bare(REPORT_REJECTED, order, account, vid, now,
                               reason=REJECT_INVALID_ORDER)]
        account.orders[cid] = state
        account.by_venue_id[vid] = state
        if spec is None:
            reason = REJECT_UNKNOWN_INSTRUMENT
        elif (order.price_precision != spec.price_precision
              or order.size_precision != spec.size_precision
              or (order.order_type != ORDER_TYPE_MARKET and order.price <= 0)):
            reason = REJECT_INVALID_ORDER
        elif self._reject is not None and self._reject(account, order):
            reason = REJECT_INJECTED
        if reason:
            rep = self._bare(REPORT_REJECTED, order, account, vid, now, reason=reason)
            state.last_report = rep
            state.leaves_qty = 0
            return [rep]
        m = self.matcher(account, order.instrument_id)
        m.submit_order(vid, order.side, order.order_type, order.quantity, order.price,
                       order.trigger_price, tif=order.time_in_force, expire_ns=order.ts_expire,
                       post_only=bool(order.flags & FLAG_POST_ONLY),
                       reduce_only=bool(order.flags & FLAG_REDUCE_ONLY), now=now_data)
        return self._drain(account, spec, m, now)

    def cancel(self, account: Account, client_order_id: int, venue_order_id: int,
               now_data: int, now: int) -> list[ExecReport]:
        """Cancel one order named by client or venue id; return the reports it caused."""
        state = (account.orders.get(client_order_id) if client_order_id
                 else account.by_venue_id.get(venue_order_id))
        if state is None:
            return [ExecReport(
                report_kind=REPORT_CANCEL_REJECTED, side=SIDE_BUY, liquidity=LIQUIDITY_NONE,
                price_precision=0, size_precision=0, fee_precision=0, instrument_id=0,
                reason=REJECT_UNKNOWN_ORDER, strategy_id=0, trader_id=account.trader_id,
                client_order_id=client_order_id, venue_order_id=venue_order_id, trade_id=0,
                price=0, quantity=0, leaves_qty=0, cum_qty=0, fee=0, ts_event=now_data,
                ts_init=now, request_id=0)]
        if not state.is_open:
            return [self._report(REPORT_CANCEL_REJECTED, state, account, now_data, now,
                                 reason=REJECT_ORDER_CLOSED)]
        spec = self.instruments[state.order.instrument_id]
        m = self.matcher(account, state.order.instrument_id)
        m.cancel_order(state.venue_order_id, now_data)
        return self._drain(account, spec, m, now)

    # -- reports -------------------------------------------------------------------------------

    def _bare(self, kind: int, o: OrderMsg, account: Account, vid: int, now: int, *,
              reason: int = 0) -> ExecReport:
        return ExecReport(
            report_kind=kind, side=o.side, liquidity=LIQUIDITY_NONE,
            price_precision=o.price_precision, size_precision=o.size_precision,
            fee_precision=o.price_precision, instrument_id=o.instrument_id, reason=reason,
            strategy_id=o.strategy_id, trader_id=account.trader_id,
            client_order_id=o.client_order_id, venue_order_id=vid, trade_id=0, price=o.price,
            quantity=o.quantity, leaves_qty=0, cum_qty=0, fee=0, ts_event=now, ts_init=now,
            request_id=0)

    def _report(self, kind: int, s: OrderState, account: Account, ts_event: int, now: int, *,
                reason: int = 0, price: int | None = None, quantity: int | None = None,
                liquidity: int = LIQUIDITY_NONE, trade_id: int = 0, fee: int = 0) -> ExecReport:
        o = s.order
        return ExecReport(
            report_kind=kind, side=o.side, liquidity=liquidity,
            price_precision=o.price_precision, size_precision=o.size_precision,
            fee_precision=o.price_precision, instrument_id=o.instrument_id, reason=reason,
            strategy_id=o.strategy_id, trader_id=account.trader_id,
            client_order_id=o.client_order_id, venue_order_id=s.venue_order_id,
            trade_id=trade_id, price=o.price if price is None else price,
            quantity=s.quantity if quantity is None else quantity, leaves_qty=s.leaves_qty,
            cum_qty=s.cum_qty, fee=fee, ts_event=ts_event, ts_init=now, request_id=0)

    def _drain(self, account: Account, spec: InstrumentSpec, m: SimMatcher,
               now: int) -> list[ExecReport]:
        out = []
        for e in m.drain().tolist():
            vid, ts, price, qty, leaves, _trigger, kind, _side, liq, sim_reason = e[:10]
            s = account.by_venue_id.get(vid)
            if s is None:  # cannot happen: every matcher order id is a stored venue id
                continue
            if kind == SIM_ACCEPTED:
                s.is_open = True
                s.leaves_qty = leaves
                rep = self._report(REPORT_ACCEPTED, s, account, ts, now)
            elif kind == SIM_FILLED:
                s.cum_qty += qty
                s.leaves_qty = leaves
                if leaves == 0:
                    s.is_open = False
                trade_id = self._next_trade_id
                self._next_trade_id += 1
                fee = spec.fee(price, qty, liq)
                rep = self._report(REPORT_FILLED, s, account, ts, now, price=price,
                                   quantity=qty, liquidity=liq, trade_id=trade_id, fee=fee)
                pos = account.positions.get(spec.instrument_id)
                if pos is None:
                    pos = account.positions[spec.instrument_id] = PositionState()
                pos.apply(qty if s.order.side == SIDE_BUY else -qty, price, ts)
                account.fills.append(rep)
            elif kind in _CLOSING:
                s.is_open = False
                s.leaves_qty = 0
                reason = _SIM_TO_REJECT.get(sim_reason, REJECT_INVALID_ORDER) \
                    if kind == SIM_REJECTED else 0
                rep = self._report(_CLOSING[kind], s, account, ts, now, reason=reason)
            elif kind == SIM_TRIGGERED:
                rep = self._report(REPORT_TRIGGERED, s, account, ts, now)
            elif kind == SIM_UPDATED:
                s.quantity = qty
                s.leaves_qty = leaves
                rep = self._report(REPORT_UPDATED, s, account, ts, now)
            elif kind == SIM_CANCEL_REJECTED:
                rep = self._report(REPORT_CANCEL_REJECTED, s, account, ts, now,
                                   reason=_SIM_TO_REJECT.get(sim_reason, REJECT_ORDER_CLOSED))
                out.append(rep)
                continue  # the order's own state is unchanged
            else:
                continue
            s.last_report = rep
            out.append(rep)
        return out

    # -- queries -------------------------------------------------------------------------------

    def positions(self, account: Account, instrument_id: int = 0) -> list[Position]:
        """Return the account's Position records (every instrument it traded, or one)."""
        out = []
        for iid, p in sorted(account.positions.items()):
            if instrument_id and iid != instrument_id:
                continue
            spec = self.instruments[iid]
            out.append(Position(
                price_precision=spec.price_precision, size_precision=spec.size_precision,
                instrument_id=iid, quantity=p.quantity, avg_price=p.avg_price(),
                realized_pnl=_round_half_even(p.realized / spec._size_scale),
                ts_last=p.ts_last, trader_id=account.trader_id))
        return out

    def open_order_records(self, account: Account, instrument_id: int = 0) -> list[OrderMsg]:
        """Return the open orders as order records carrying their venue order id and leaves.

        `quantity` is the order's current quantity (after any update); what is left to fill is
        quantity minus the fills the client can ask for with FILLS_SINCE.
        """
        out = []
        for s in account.open_orders(instrument_id):
            o = s.order
            out.append(OrderMsg(
                side=o.side, order_type=o.order_type, time_in_force=o.time_in_force,
                flags=o.flags, price_precision=o.price_precision,
                size_precision=o.size_precision, instrument_id=o.instrument_id,
                strategy_id=o.strategy_id, client_order_id=o.client_order_id,
                venue_order_id=s.venue_order_id, price=o.price, trigger_price=o.trigger_price,
                quantity=s.quantity, ts_init=o.ts_init, ts_expire=o.ts_expire,
                trader_id=account.trader_id))
        return out


def secrets_key_ids(secrets: Mapping[str, object]) -> list[str]:
    """Return the key ids of a secrets mapping in trader-id order."""
    return sorted(secrets)
