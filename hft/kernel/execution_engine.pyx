"""Route orders through risk to venue clients; apply venue events everywhere they matter.

Outbound (`submit_order`): the order enters the cache, passes the RiskEngine (or is denied:
an `OrderDenied` with the reason goes to the order and to the strategy's `on_order_event`,
and nothing raises), then `OrderSubmitted` is applied and the order goes to the
`ExecutionClient` registered for its instrument's venue. A wire-first client (`send_new` and
`after_submit`, see hft.kernel.clients) writes the order right after the risk check; the
cache entry, `OrderSubmitted` and the client's bookkeeping follow in the same call, so no
event can come between them. `cancel_order` / `modify_order`
apply `OrderPendingCancel` / `OrderPendingUpdate` first, then ask the client.

Inbound (`process_event`, called by clients): the event is applied to its order (an event that
does not fit, e.g. a repeated fill with a trade id already seen, is logged, counted in
`events_dropped` and ignored, so a position is never doubled); the cache re-indexes the order.
A fill then moves the strategy's netting position (one per instrument per strategy; a fill
through zero closes it and opens the next, see `hft.model.position`), the risk checker's
position, the venue's account and the portfolio. Last, the strategy is told:
`on_order_event(event)` for every event, `on_fill(fill)` for fills, then
`on_position_changed(position)` for each position the fill touched (opened, changed or
closed; on a flip the closed one first, then the new one).

Client order ids come from one `ClientOrderIdGenerator` per strategy: deterministic, so a
backtest rerun issues the same ids.
"""

cimport cython
from libc.stdint cimport int64_t, uint64_t

from hft.core.encoding cimport SIDE_BUY
from hft.kernel.cache cimport Cache
from hft.kernel.clock cimport Clock
from hft.kernel.msgbus cimport MessageBus
from hft.kernel.portfolio cimport Portfolio
from hft.kernel.risk_engine cimport RiskEngine
from hft.model.account cimport Account, MarginAccount
from hft.model.enums cimport (
    ORDER_EVENT_DENIED, ORDER_EVENT_FILLED, ORDER_EVENT_MODIFY_REJECTED, ORDER_EVENT_PENDING_CANCEL,
    ORDER_EVENT_PENDING_UPDATE, ORDER_EVENT_SUBMITTED, ORDER_EVENT_UPDATED, OrderEventKind,
    ORDER_STATUS_CANCELED, ORDER_STATUS_DENIED, ORDER_STATUS_EXPIRED, ORDER_STATUS_FILLED,
    ORDER_STATUS_INITIALIZED, ORDER_STATUS_PENDING_CANCEL, ORDER_STATUS_REJECTED,
)
from hft.model.events cimport (
    OrderDenied, OrderEvent, OrderFilled, OrderModifyRejected, OrderPendingCancel,
    OrderPendingUpdate, OrderSubmitted,
)
from hft.model.identifiers cimport (
    ClientOrderIdGenerator, InstrumentId, PositionId, StrategyId, TraderId, identifier_new,
)
from hft.model.instruments cimport INSTRUMENT_SPOT, Instrument
from hft.model.objects cimport Currency, Money, Price, Quantity, fixed_rescale, money_new
from hft.model.orders cimport Order
from hft.model.position cimport Position

from hft.kernel.logging import get_logger
from hft.model.orders import InvalidStateTransition

__all__ = ["ExecutionEngine"]

cdef tuple _POW10 = tuple([10 ** i for i in range(80)])
cdef int _PX_DIGITS = 18  # Position's price scale (hft.model.position)


cdef object _div_half_even(object num, object den):
    # round(num / den) half-even on Python ints; den > 0
    q, r = divmod(num, den)
    twice = 2 * r
    if twice > den or (twice == den and q & 1):
        q += 1
    return q


cdef inline bint _is_closed(Order order) noexcept:
    cdef int s = order._status
    return (s == ORDER_STATUS_DENIED or s == ORDER_STATUS_REJECTED or s == ORDER_STATUS_CANCELED
            or s == ORDER_STATUS_EXPIRED or s == ORDER_STATUS_FILLED)


cdef OrderEvent _event(type cls, OrderEventKind kind, Order order, uint64_t event_id,
                       int64_t now):
    # The engine's own events, built without the Python constructor's argument parsing: the
    # ids come from an existing order, so they are valid; cls shares OrderEvent's layout.
    cdef OrderEvent event = <OrderEvent>cls.__new__(cls)
    event._init_common(kind, order.trader_id, order.strategy_id, order.instrument_id,
                       order.client_order_id, event_id, now, now)
    return event


cdef class ExecutionEngine:
    """Send orders to venue clients and apply what the venues report.

    Parameters
    ----------
    clock, cache, portfolio, risk:
        The node's parts; `risk` checks every order.
    msgbus:
        Optional: order events are also published on `events.order.<strategy_id>` when
        somebody subscribed to such a topic.
    trader_id:
        Names the orders' trader in client order ids.
    """

    def __init__(self, Clock clock not None, Cache cache not None, Portfolio portfolio not None,
                 RiskEngine risk not None, MessageBus msgbus=None, TraderId trader_id=None):
        self.clock = clock
        self.cache = cache
        self.portfolio = portfolio
        self.risk = risk
        self.msgbus = msgbus
        self.trader_id = trader_id if trader_id is not None else TraderId("TRADER-001")
        self._clients = {}
        self._client_entries = {}
        self._strategies = {}
        self._generators = {}
        self._position_counts = {}
        self._log = get_logger("ExecutionEngine", clock)
        self._next_event_id = 1

    # -- wiring ---------------------------------------------------------------------------

    def register_client(self, client, bint replace=False) -> None:
        """Route orders for `client.venue` to client and let it report back (client.engine).

        A venue has one client: another one for the same venue raises ValueError unless
        replace is True.
        """
        venue = client.venue
        if not replace and venue in self._clients and self._clients[venue] is not client:
            raise ValueError(f"ExecutionEngine: venue {venue!r} already has a client")
        self._clients[venue] = client
        self._client_entries[venue] = _Client(client)
        self._client_iid = None  # the cached route may name the replaced client
        client.engine = self

    def client(self, str venue not None):
        """Return the client registered for a venue, or None."""
        return self._clients.get(venue)

    def clients(self) -> list:
        """Return every registered client."""
        return list(self._clients.values())

    def register_strategy(self, strategy, int strategy_number=0) -> ClientOrderIdGenerator:
        """Send the events of `strategy.id`'s orders to strategy; return its id generator."""
        cdef StrategyId sid = strategy.id
        cdef _Handlers known = self._strategies.get(sid)
        if known is not None and known.strategy is not strategy:
            raise ValueError(f"ExecutionEngine: strategy id {sid} is already registered")
        self._strategies[sid] = _Handlers(strategy)
        gen = self._generators.get(sid)
        if gen is None:
            gen = ClientOrderIdGenerator(self.trader_id, sid, strategy_number)
            self._generators[sid] = gen
        return gen

    cdef uint64_t _event_id(self) noexcept:
        self._next_event_id += 1
        return self._next_event_id - 1

    # -- outbound -------------------------------------------------------------------------

    cpdef bint submit_order(self, Order order) except -1:
        """Check and send a new order; return False when it was denied (see OrderDenied).

        Raises ValueError only for misuse: an order that is not INITIALIZED, or whose client
        order id is already in the cache.
        """
        if order is None:
            raise TypeError("ExecutionEngine.submit_order: order must not be None")
        if order._status != ORDER_STATUS_INITIALIZED:
            raise ValueError(f"ExecutionEngine.submit_order: order {order.client_order_id} is "
                             f"{order.status.name.removeprefix('ORDER_STATUS_')}, expected "
                             f"INITIALIZED (submit each order once)")
        cdef _Client client = self._client_for(order.instrument_id)
        if client is not None and client.send_new is not None:
            return self._submit_wire_first(order, client)
        self.cache.add_order(order)
        if client is None:
            self._deny(order, f"no execution client for venue {order.instrument_id.venue.value}")
            return False
        cdef str reason = self.risk.check_order(order)
        if reason is not None:
            self._deny(order, reason)
            return False
        self._mark_submitted(order)
        client.submit_order(order)
        return True

    cdef bint _submit_wire_first(self, Order order, _Client client) except -1:
        # the risk check, then the write; what only the node needs comes after the write
        if order.client_order_id in self.cache._orders:
            self.cache.add_order(order)  # raises the ValueError naming the id
        cdef str reason = self.risk.check_order(order)
        if reason is not None:
            self.cache.add_order(order)
            self._deny(order, reason)
            return False
        cdef int status = (client.wire.wire_send(order) if client.wire is not None
                           else client.send_new(order))
        self.cache.add_order(order)
        self._mark_submitted(order)
        if client.wire is not None:
            client.wire.wire_after(order, status)
        else:
            client.after_submit(order, status)
        return True

    cdef int _mark_submitted(self, Order order) except -1:
        # the order passed risk and goes to (or went to) its client: OrderSubmitted, told
        cdef OrderEvent event = _event(OrderSubmitted, ORDER_EVENT_SUBMITTED, order,
                                       self._event_id(), self.clock.now_ns())
        order.apply(event)
        self.orders_submitted += 1
        self._dispatch(self._strategies.get(order.strategy_id), event, None)
        return 0

    cdef _Client _client_for(self, InstrumentId iid):
        # the venue's client and its bound methods; the last instrument's is kept, so a run of
        # orders in one instrument costs no lookup
        if iid is self._client_iid:
            return self._client_last
        cdef _Client found = self._client_entries.get(iid.venue.value)
        if found is not None:
            self._client_iid = iid
            self._client_last = found
        return found

    cdef void _deny(self, Order order, str reason) except *:
        self.orders_denied += 1
        self._refuse(order, OrderDenied, ORDER_EVENT_DENIED, reason, "order denied")

    cdef void _refuse(self, Order order, type cls, OrderEventKind kind, str reason,
                      str what) except *:
        # a request the node itself refused: the event with its reason, logged, to the strategy
        cdef OrderEvent event = _event(cls, kind, order, self._event_id(), self.clock.now_ns())
        event._reason = reason
        event._venue_order_id = order.venue_order_id
        order.apply(event)
        self.cache.update_order(order)
        self._log.warning(what, client_order_id=order.client_order_id.value, reason=reason)
        self._dispatch(self._strategies.get(order.strategy_id), event, None)

    cpdef void cancel_order(self, Order order) except *:
        """Ask the venue to cancel an open order; a closed or unsent order is left alone."""
        if order is None or _is_closed(order) or order._status == ORDER_STATUS_INITIALIZED \
                or order._status == ORDER_STATUS_PENDING_CANCEL:
            return
        cdef _Client client = self._client_for(order.instrument_id)
        if client is None:
            return
        cdef int64_t now = self.clock.now_ns()
        cdef OrderEvent event = _event(OrderPendingCancel, ORDER_EVENT_PENDING_CANCEL, order,
                                       self._event_id(), now)
        event._venue_order_id = order.venue_order_id
        order.apply(event)
        self._dispatch(self._strategies.get(order.strategy_id), event, None)
        client.cancel_order(order)

    def modify_order(self, Order order not None, Quantity quantity=None, Price price=None,
                     Price trigger_price=None) -> None:
        """Ask the venue to amend an open order (None keeps a field); closed orders are ignored.

        The amend is risk-checked first (`RiskEngine.check_modify`): a refused one ends in
        OrderModifyRejected with the reason, right after its OrderPendingUpdate, and never
        reaches the venue.
        """
        if _is_closed(order) or order._status == ORDER_STATUS_INITIALIZED:
            return
        if quantity is None and price is None and trigger_price is None:
            raise ValueError("modify_order: give at least one of quantity, price, trigger_price")
        client = self._clients.get(order.instrument_id.venue.value)
        if client is None:
            return
        cdef int64_t now = self.clock.now_ns()
        cdef OrderEvent event = _event(OrderPendingUpdate, ORDER_EVENT_PENDING_UPDATE, order,
                                       self._event_id(), now)
        event._venue_order_id = order.venue_order_id
        order.apply(event)
        self._dispatch(self._strategies.get(order.strategy_id), event, None)
        cdef str reason = self.risk.check_modify(order, quantity, price, trigger_price)
        if reason is not None:
            self.modifies_denied += 1
            self._refuse(order, OrderModifyRejected, ORDER_EVENT_MODIFY_REJECTED, reason,
                         "amend refused")
            return
        client.modify_order(order, quantity, price, trigger_price)

    # -- inbound --------------------------------------------------------------------------

    cpdef bint process_event(self, OrderEvent event) except -1:
        """Apply one venue event; return False when it was dropped (unknown order, misfit)."""
        if event is None:
            raise TypeError("ExecutionEngine.process_event: event must not be None")
        cdef Order order = self.cache.find_order(event.client_order_id)
        if order is None:
            self.events_dropped += 1
            self._log.warning("event for an unknown order dropped", event=repr(event))
            return False
        cdef bint was_open = not _is_closed(order)
        try:
            order.apply(event)
        except ValueError as e:  # InvalidStateTransition too: a repeated fill, a late reply
            self.events_dropped += 1
            self._log.warning("event does not apply, dropped", event=repr(event), error=str(e))
            return False
        self.events_processed += 1
        self.cache.update_order(order)
        cdef list positions = None
        if event._kind == ORDER_EVENT_FILLED:
            positions = self._apply_fill(order, <OrderFilled>event)
        if event._kind == ORDER_EVENT_UPDATED or event._kind == ORDER_EVENT_MODIFY_REJECTED:
            self.risk.on_modify_result(order, event._kind == ORDER_EVENT_UPDATED)
        if was_open and _is_closed(order):
            self.risk.on_order_closed(order)
        self._dispatch(self._strategies.get(order.strategy_id), event, positions)
        return True

    cdef list _apply_fill(self, Order order, OrderFilled fill):
        cdef Instrument ins = self.cache.find_instrument(order.instrument_id)
        if ins is None:
            self._log.error("fill for an instrument the cache does not know: no position kept",
                            instrument_id=order.instrument_id.value)
            return None
        cdef Position pos = self.cache.position_for(order.instrument_id, order.strategy_id)
        if pos is None:
            pos = self._new_position(ins, order.strategy_id)
        # realized PnL as the position's exact int (Decimal only at the account's edge, below)
        cdef object realized_before = pos.realized_int()
        cdef Position flipped = pos.apply(fill)
        cdef list changed = [pos]
        self.cache.set_position(pos)
        cdef object realized = pos.realized_int() - realized_before
        if pos.fill_count > 0 and pos.signed_qty_raw == 0:
            self.portfolio.on_position_closed(pos)
        if flipped is not None:
            flipped.position_id = self._position_id(order.instrument_id, order.strategy_id)
            self.cache.set_position(flipped)
            changed.append(flipped)
        cdef int64_t qty
        if fixed_rescale(fill._qty_raw, fill._size_precision, ins.size_precision, &qty):
            self.risk.on_fill(order, qty, fill._order_side)
        account = self.cache.find_account(order.instrument_id.venue.value)
        if account is not None:
            self._apply_account(account, ins, pos, fill, realized)
        if self.risk.checker.risk.daily_loss_limit > 0.0:
            self.risk.update_pnl(self.portfolio.total_pnl_float())
        return changed

    cdef void _apply_account(self, object account, Instrument ins, Position pos,
                             OrderFilled fill, object realized) except *:
        cdef Currency cur = ins.settlement_currency
        cdef object raw
        cdef Money pnl = None
        cdef bint margin = isinstance(account, MarginAccount)
        try:
            if ins.kind != INSTRUMENT_SPOT and not margin:
                # realized is pos's exact int: price at 18 digits x raw qty, per multiplier
                # numerator; rounded half-even to the currency's digits, as Position's Money is.
                # (a margin account nets the venue's position and books its own PnL)
                raw = _div_half_even(realized * pos._mult_num * _POW10[cur.precision],
                                     _POW10[_PX_DIGITS + pos.size_precision + pos._mult_exp])
                pnl = money_new(raw, cur)
            if isinstance(account, Account):
                (<Account>account).settle_fill(fill, ins, pnl, None)
            elif pnl is None:
                account.apply_fill(fill, ins)
            else:
                account.apply_fill(fill, ins, realized_pnl=pnl)
        except Exception as e:  # AccountBalanceNegative: report, the fill already happened
            self._log.error("account not moved by fill", account=str(account),
                            fill=repr(fill), error=str(e))

    cdef Position _new_position(self, Instrument ins, StrategyId sid):
        cdef Position pos = Position(ins.id, sid, ins.quote_currency, ins.size_precision,
                                     ins.multiplier.as_decimal())
        pos.position_id = self._position_id(ins.id, sid)
        return pos

    cdef PositionId _position_id(self, InstrumentId iid, StrategyId sid):
        # "P-<instrument>-<strategy>-<n>", n counting the pair's positions from 1
        cdef object by_strategy = self._position_counts.get(iid)
        if by_strategy is None:
            by_strategy = self._position_counts[iid] = {}
        cdef object counter = (<dict>by_strategy).get(sid)
        if counter is None:
            # valid by construction: both ids are checked text without spaces
            counter = (<dict>by_strategy)[sid] = [f"P-{iid.value}-{sid.value}-", 0]
        cdef list c = <list>counter
        c[1] += 1
        return <PositionId>identifier_new(PositionId, <str>c[0] + str(c[1]))

    cdef void _dispatch(self, _Handlers handlers, OrderEvent event, list positions) except *:
        cdef MessageBus bus = self.msgbus
        if bus is not None and bus._subs:
            bus.publish(f"events.order.{event.strategy_id.value}", event)
        if handlers is None:
            return
        if handlers.on_order_event is not None:
            handlers.on_order_event(event)
        if event._kind == ORDER_EVENT_FILLED and handlers.on_fill is not None:
            handlers.on_fill(event)
        if positions is not None and handlers.on_position_changed is not None:
            for pos in positions:
                handlers.on_position_changed(pos)


cdef object _overridden(object strategy, str name):
    # the bound handler, or None when the strategy's class keeps Actor's empty one (nothing
    # to call: a compiled strategy that ignores fills pays nothing for them)
    from hft.kernel.strategy import Actor
    handler = getattr(strategy, name, None)
    if handler is None:
        return None
    if isinstance(strategy, Actor) and getattr(type(strategy), name, None) is getattr(Actor, name):
        return None
    return handler


@cython.final
cdef class _Handlers:
    """A registered strategy and its order callbacks, resolved once at registration."""

    def __cinit__(self, strategy):
        self.strategy = strategy
        self.on_order_event = _overridden(strategy, "on_order_event")
        self.on_fill = _overridden(strategy, "on_fill")
        self.on_position_changed = _overridden(strategy, "on_position_changed")


cdef class WireFirstClient:
    """Base of a live client whose wire-first pair the engine calls in C.

    Subclasses implement `wire_send` / `wire_after` (cdef); `send_new` / `after_submit` are
    the same pair for Python callers (hft.kernel.clients, "Wire first").
    """

    cdef int wire_send(self, Order order) except -1:
        raise NotImplementedError(f"{type(self).__name__}.wire_send")

    cdef int wire_after(self, Order order, int status) except -1:
        raise NotImplementedError(f"{type(self).__name__}.wire_after")

    def send_new(self, Order order not None) -> int:
        """Write a new order now if the client's checks pass; return its status code."""
        return self.wire_send(order)

    def after_submit(self, Order order not None, int status) -> None:
        """Book the order `send_new` wrote, or reject or hold it per status."""
        self.wire_after(order, status)


@cython.final
cdef class _Client:
    """A venue's execution client and its order methods, resolved once at registration."""

    def __cinit__(self, client):
        self.client = client
        self.submit_order = client.submit_order
        self.cancel_order = client.cancel_order
        # wire first (ExecutionClient contract): both methods, or neither is used; a
        # WireFirstClient is called in C
        if isinstance(client, WireFirstClient):
            self.wire = client
        send_new = getattr(client, "send_new", None)
        after_submit = getattr(client, "after_submit", None)
        if send_new is not None and after_submit is not None:
            self.send_new, self.after_submit = send_new, after_submit
