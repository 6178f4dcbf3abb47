"""Trade on the sandbox venue over binary WebSocket: market data in, orders out, reports back.

`SandboxClient` is the node's ExecutionClient for one sandbox venue and also its market-data
feed. Its life, on the node's asyncio loop (uvloop under `hft live`):

    connect() -> task: open ws -> signed Hello -> Welcome -> reconcile -> LIVE -> read frames
                       ^                                                           |
                       +---- back-off (exponential, jitter) <---- link lost -------+

- Quotes (FRAME_QUOTES) are decoded into `QuoteTick`s and fed to the data engine only while
  LIVE: during reconciliation the strategy is not called.
- Orders go through the per-venue `RateLimiter` (a new order past the bucket is rejected at
  once; cancels queue) and the `CircuitBreaker` (open: new orders are rejected locally); the
  order's 128-byte record is signed and written to the socket synchronously, so tick-to-order
  ends when the bytes reach the transport.
- Execution reports become order events for `engine.process_event`. A FILLED report is applied
  once per (client order, trade id); a fill for an order still SUBMITTED is preceded by an
  OrderAccepted (reports may be reordered); a CANCELED or EXPIRED report whose cum_qty is ahead
  of the fills seen is held until those fills arrive (or reconciliation settles them).
- On every (re)connect `Reconciler` plans what the node missed (see hft.live.reconcile); the
  plan is applied before the state turns LIVE. Orders submitted while the link is down stay
  SUBMITTED and are sent then, with their original client order id.
- Ack tracking: every order and cancel written is stamped in a dict (no task, no timer per
  order; one loop timer checks the oldest). One still unanswered after `ack_timeout_ms` is
  logged with its client order id, counts as a circuit-breaker failure, and is settled by a
  reconciliation query on the live link (`check_acks`, docs/live.md "Failures").

Telemetry (`hft.telemetry.Telemetry`, shared with the runner): `tick_to_order` (quote frame
received -> order frame written, for orders sent while the frame's quotes are dispatched),
`order_round_trip` (order written -> first report), counters orders, fills, rejects,
reconnects.

Wire ids: the record's client order id is `order.client_order_num` (unique per node: the
strategy number is in its high bits), the instrument is its `numeric_id`, so node and venue
must number instruments alike (same instrument order in both configs).
"""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from picows import WSError, WSMsgType, ws_connect

from hft.adapters.sandbox.auth import Signer, load_secrets
from hft.adapters.sandbox.hotpath import ClientCore, FrameListener
from hft.adapters.sandbox.protocol import (
    FRAME_CANCEL, FRAME_ERROR, FRAME_HELLO, FRAME_ORDER, FRAME_QUERY, FRAME_QUERY_REPLY,
    FRAME_REPORTS, FRAME_TRADES, FRAME_WELCOME, QUERY_FILLS_SINCE,
    QUERY_OPEN_ORDERS, QUERY_POSITIONS, REPORT_ACCEPTED, REPORT_CANCELED, REPORT_EXPIRED,
    REPORT_FILLED, REPORT_REJECTED, REPORT_TRIGGERED, REPORT_UPDATED, Cancel, Hello, Query,
    RejectReason, decode_frame,
)
from hft.core.encoding import TRADE_RECORD_SIZE
from hft.kernel.clients import ExecutionClient
from hft.kernel.logging import get_logger
from hft.live.backoff import Backoff
from hft.live.breaker import CircuitBreaker
from hft.live.ratelimit import RateLimiter
from hft.live.reconcile import ReconcileReport, Reconciler
from hft.model.data import TradeTick
from hft.model.enums import OrderStatus
from hft.model.events import (
    OrderAccepted, OrderCanceled, OrderCancelRejected, OrderExpired, OrderFilled, OrderRejected,
    OrderTriggered, OrderUpdated,
)
from hft.model.identifiers import TradeId, VenueOrderId
from hft.model.objects import Money, Price, Quantity
from hft.telemetry import ORDER_ROUND_TRIP, TICK_TO_ORDER, Telemetry

__all__ = ["SandboxClient", "create_sandbox_venue", "ClientState", "REPORT_CANCEL_REJECTED"]

REPORT_CANCEL_REJECTED = 8  # protocol.md: answers a cancel the venue refused

# venue-side refusals that say the venue (not the order) is unwell: they count as breaker failures
_BREAKER_REASONS = frozenset({RejectReason.REJECT_RATE_LIMITED, RejectReason.REJECT_INJECTED,
                              RejectReason.REJECT_NOT_LOGGED_IN})
_DUPLICATE = RejectReason.REJECT_DUPLICATE_CLIENT_ORDER_ID
_SUBMITTED = OrderStatus.ORDER_STATUS_SUBMITTED
_PENDING_CANCEL = OrderStatus.ORDER_STATUS_PENDING_CANCEL


class ClientState:
    """Name the client's link states (plain strings, for logs)."""

    DOWN = "down"
    CONNECTING = "connecting"
    RECONCILING = "reconciling"
    LIVE = "live"
    CLOSED = "closed"


def _reason_text(code: int) -> str:
    try:
        return RejectReason(code).name.removeprefix("REJECT_").lower()
    except ValueError:
        return f"reason {code}"


class _PicowsLink:
    """Wrap one picows client connection: synchronous send, frames handled as parsed.

    The order path writes through the transport in C (`ClientCore._write_order`); this object
    serves the rest: signed hello, cancels and queries (`send`), the session's wait (`run`) and
    closing.
    """

    def __init__(self, transport: Any, listener: FrameListener) -> None:
        self.transport = transport
        self.listener = listener

    def send(self, data: bytes) -> bool:
        t = self.transport
        if t.is_disconnected or t.is_close_frame_sent:
            return False
        t.send(WSMsgType.BINARY, data)
        return True

    async def run(self, on_message: Any) -> None:
        self.listener.on_message = on_message
        await asyncio.shield(self.listener.closed)

    async def close(self) -> None:
        t = self.transport
        if not t.is_disconnected:
            if not t.is_close_frame_sent:
                t.send_close()
            t.disconnect()
            await t.wait_disconnected()

    def abort(self) -> None:
        self.transport.disconnect(False)


class SandboxClient(ClientCore, ExecutionClient):
    """Connect one node to a sandbox venue: feed its quotes, send orders, apply its reports.

    Parameters
    ----------
    venue:
        The venue name (instrument ids end with it).
    url:
        The venue's WebSocket URL, e.g. "ws://127.0.0.1:8765".
    key_id, secret:
        The API key; the secret signs every request (never logged).
    instruments:
        The venue's instruments, each with the `numeric_id` the venue uses.
    telemetry:
        Shared latency recorders and counters (default: a new one).
    backoff, breaker, rate_limiter:
        Reconnect back-off, order circuit breaker, outbound throttle (defaults: Backoff(),
        a 5-failure breaker on the node clock, 1000 requests/s with a burst of 100).
    query_timeout_s:
        How long reconciliation waits for each query's reply before the link is dropped.
    ack_timeout_ms:
        How long an order or cancel may go unanswered before it counts as a breaker failure
        and is settled by a query (> 0; the venue config's `ack_timeout_ms`).
    max_closed_orders:
        Closed orders remembered (the most recent); older ones are forgotten with their
        trade ids, so a session's memory follows its open orders, not its history.
    """

    def __init__(self, venue: str, url: str, key_id: str, secret: Any,
                 instruments: Iterable[Any] = (), *, telemetry: Telemetry | None = None,
                 backoff: Backoff | None = None, breaker: CircuitBreaker | None = None,
                 rate_limiter: RateLimiter | None = None, query_timeout_s: float = 5.0,
                 open_timeout_s: float = 5.0, ack_timeout_ms: float = 2000.0,
                 max_closed_orders: int = 10_000) -> None:
        ExecutionClient.__init__(self, venue)
        if not ack_timeout_ms > 0:
            raise ValueError(f"SandboxClient: ack_timeout_ms is {ack_timeout_ms}, expected > 0")
        if max_closed_orders < 0:
            raise ValueError(f"SandboxClient: max_closed_orders is {max_closed_orders}, "
                             f"expected >= 0")
        self.max_closed_orders = max_closed_orders
        self.url = url
        self.signer = Signer(key_id, secret)
        self.telemetry = telemetry if telemetry is not None else Telemetry()
        self.backoff = backoff if backoff is not None else Backoff()
        self.breaker = breaker if breaker is not None else CircuitBreaker(
            self.timestamp_ns, name=venue)
        self.rate_limiter = rate_limiter if rate_limiter is not None else RateLimiter(1000.0, 100)
        self.query_timeout_s = query_timeout_s
        self.open_timeout_s = open_timeout_s
        self.data_engine: Any = None
        self.reconciler = Reconciler()
        self.state = ClientState.DOWN
        self.live = False
        self.trader_num = 0
        self.sessions = 0
        self.last_reconcile: ReconcileReport | None = None
        self.reports_dropped = 0           # duplicates and reports of unknown orders
        self.quotes_received = 0
        self.log = get_logger(f"SandboxClient[{venue}]")
        self._instruments: dict[int, Any] = {}
        self._iids: dict[int, Any] = {}
        self._by_iid: dict[Any, Any] = {}
        for ins in instruments:
            self.add_instrument(ins)
        self._orders: dict[int, Any] = {}          # client order num -> Order: open, in flight
        #                                            or among the last max_closed_orders closed
        self._maybe_open: dict[int, Any] = {}      # the same, less those seen closed
        self._closed: dict[int, None] = {}         # recently closed, oldest first
        self._sent_ns: dict[int, int] = {}         # awaiting a first report (round trip)
        self._held: dict[int, Any] = {}            # terminal reports waiting for fills
        self._resent: set[int] = set()
        self._link: Any = None          # _PicowsLink while connected
        self._task: asyncio.Task | None = None
        self._stopping = False
        self._live = asyncio.Event() if _has_loop() else None
        self.state_listeners: list[Any] = []     # called with the new state on each change
        self._queries: dict[int, tuple[asyncio.Future, list]] = {}
        self._request_ids = itertools.count(1)
        self._welcome: asyncio.Future | None = None
        self._rx_ns = 0                             # perf ns of the quote frame in dispatch
        self._drain_handle: asyncio.TimerHandle | None = None
        self._idle_waiters: list[asyncio.Future] = []
        self._c_orders = self.telemetry.counter("orders")
        self._c_fills = self.telemetry.counter("fills")
        self._c_rejects = self.telemetry.counter("rejects")
        self._c_reconnects = self.telemetry.counter("reconnects")
        self._tick_to_order = self.telemetry.recorder(TICK_TO_ORDER)
        self._round_trip = self.telemetry.recorder(ORDER_ROUND_TRIP)
        # ack tracking (check_acks): client order num -> perf_counter ns the request was
        # written; dict order is send order, so the timer only looks at the oldest entries
        self.ack_timeout_ns = int(ack_timeout_ms * 1_000_000)
        self.ack_timeouts = 0
        self.last_settle: ReconcileReport | None = None
        self._ack_due: dict[int, int] = {}
        self._cancel_due: dict[int, int] = {}
        self._ack_handle: asyncio.TimerHandle | None = None
        self._late_acks: set[int] = set()      # timed out: a late ack is no breaker success
        self._to_settle: set[int] = set()
        self._settle_task: asyncio.Task | None = None
        self._reader: asyncio.Task | None = None
        self._c_ack_timeouts = self.telemetry.counter("ack_timeouts")

    # -- setup ----------------------------------------------------------------------------

    def add_instrument(self, instrument: Any) -> None:
        """Trade an instrument here; its `numeric_id` (non-zero) is its id on the wire."""
        if instrument.numeric_id == 0:
            raise ValueError(f"SandboxClient: instrument {instrument.id} needs a non-zero "
                             f"numeric_id (its id on the wire)")
        self._instruments[instrument.numeric_id] = instrument
        self._iids[instrument.numeric_id] = instrument.id
        self._by_iid[instrument.id] = instrument

    def orders(self) -> dict[int, Any]:
        """Return client order number -> Order for the open and recently closed orders.

        Closed orders beyond the last `max_closed_orders` are forgotten (a late duplicate of
        one of their reports is dropped as unknown), so memory follows what is open.
        """
        return dict(self._orders)

    @property
    def is_live(self) -> bool:
        """Return True when connected, reconciled and passing data to the strategy."""
        return self.state == ClientState.LIVE

    # -- lifecycle ------------------------------------------------------------------------

    def connect(self) -> None:
        """Start the connection task on the running loop (it reconnects until disconnect)."""
        if self._task is not None and not self._task.done():
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError("SandboxClient.connect: needs a running asyncio loop; run the "
                               "node in live mode (hft live CONFIG)") from None
        self._stopping = False
        if self._live is None:
            self._live = asyncio.Event()
        self.is_connected = True
        self._task = loop.create_task(self._run(), name=f"sandbox-{self.venue}")

    def disconnect(self) -> None:
        """Stop reconnecting and drop the link now (`close()` awaits the task)."""
        self._stopping = True
        self.is_connected = False
        if self._link is not None:
            self._link.abort()
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._set_state(ClientState.CLOSED)

    async def close(self) -> None:
        """Close the link gracefully and wait for the connection task to end."""
        self._stopping = True
        link = self._link
        if link is not None:
            try:
                await asyncio.wait_for(link.close(), 1.0)
            except (Exception, asyncio.CancelledError):  # closing anyway
                pass
        task = self._task
        if task is not None and not task.done():
            task.cancel()
            try:
                await task
            except (Exception, asyncio.CancelledError):
                pass
        self.is_connected = False
        self._set_state(ClientState.CLOSED)

    async def wait_live(self, timeout_s: float | None = None) -> None:
        """Wait until the client is connected and reconciled (TimeoutError after timeout_s)."""
        if self._live is None:
            self._live = asyncio.Event()
        await asyncio.wait_for(self._live.wait(), timeout_s)

    def open_orders(self) -> list[Any]:
        """Return the orders of this client that are open or in flight."""
        # scan only orders not yet seen closed (a closed order never reopens): the stop's
        # idle check runs on every event and must not walk every order of the session
        maybe = self._maybe_open
        out, closed = [], []
        for num, o in maybe.items():
            if o.is_open or o.is_inflight:
                out.append(o)
            else:
                closed.append(num)
        for num in closed:
            del maybe[num]
        return out

    async def wait_orders_closed(self, timeout_s: float) -> bool:
        """Wait until no order of this client is open; return False on timeout."""
        if not self.open_orders():
            return True
        fut = asyncio.get_running_loop().create_future()
        self._idle_waiters.append(fut)
        try:
            await asyncio.wait_for(fut, timeout_s)
            return True
        except TimeoutError:
            return False

    def _check_idle(self) -> None:
        if self._idle_waiters and not self.open_orders():
            for fut in self._idle_waiters:
                if not fut.done():
                    fut.set_result(None)
            self._idle_waiters.clear()

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.log.info("link state", venue=self.venue, state=state, previous=self.state)
            self.state = state
        self.live = state == ClientState.LIVE
        if self._live is not None:
            if state == ClientState.LIVE:
                self._live.set()
            else:
                self._live.clear()
        for listener in self.state_listeners:
            listener(state)

    async def _open_link(self) -> Any:
        # picows: the faster reader and writer of the two measured (docs/sandbox.md)
        transport, listener = await asyncio.wait_for(ws_connect(
            lambda: FrameListener(self, self._on_frame), self.url, max_frame_size=2 ** 21,
            websocket_handshake_timeout=self.open_timeout_s), self.open_timeout_s)
        return _PicowsLink(transport, listener)

    async def _run(self) -> None:
        errors = _link_errors()
        first = True
        while not self._stopping:
            if not first:
                self._c_reconnects.inc()
                delay = self.backoff.next_delay()
                self.log.warning("reconnecting", venue=self.venue, delay_s=round(delay, 4),
                                 attempt=self.backoff.attempt)
                await asyncio.sleep(delay)  # back-off wait, not synchronisation
                if self._stopping:
                    break
            first = False
            self._set_state(ClientState.CONNECTING)
            try:
                link = await self._open_link()
            except errors as e:
                self.log.warning("connect failed", venue=self.venue, url=self.url, error=str(e))
                self._set_state(ClientState.DOWN)
                continue
            self._link = link
            try:
                await self._session(link)
            except errors + (ConnectionError,) as e:
                self.log.warning("link lost", venue=self.venue, error=f"{type(e).__name__}: {e}")
            finally:
                self._link = None
                self._on_down()
                try:
                    link.abort()
                except Exception:
                    pass
        self._set_state(ClientState.CLOSED)

    def _on_down(self) -> None:
        if self.state != ClientState.CLOSED:
            self._set_state(ClientState.DOWN)
        for fut, _ in self._queries.values():
            if not fut.done():
                fut.set_exception(ConnectionError("link lost during a query"))
        self._queries.clear()
        if self._welcome is not None and not self._welcome.done():
            self._welcome.set_exception(ConnectionError("link lost before Welcome"))
        # queued cancels are redone by reconciliation (the orders stay PENDING_CANCEL)
        self.rate_limiter.clear()
        self._forget_acks()
        if self._drain_handle is not None:
            self._drain_handle.cancel()
            self._drain_handle = None

    async def _session(self, link: Any) -> None:
        loop = asyncio.get_running_loop()
        reader = loop.create_task(self._read_loop(link))
        self._reader = reader
        try:
            self._welcome = loop.create_future()
            session_id = int.from_bytes(os.urandom(8), "little")
            link.send(self.signer.sign(FRAME_HELLO, [Hello(
                min_version=1, max_version=1, session_id=session_id,
                ts_init=time.time_ns())]))
            welcome = await self._await(self._welcome, reader)
            self.trader_num = welcome.trader_id
            self.sessions += 1
            self.backoff.reset()
            self.log.info("logged in", venue=self.venue, key_id=self.signer.key_id,
                          trader=welcome.trader_id, session=self.sessions)
            self._set_state(ClientState.RECONCILING)
            await self._reconcile(link, reader)
            self._set_state(ClientState.LIVE)
            self._check_idle()
            if self._to_settle:  # acks that timed out during reconciliation
                self._start_settle()
            await reader
        finally:
            self._reader = None
            if not reader.done():
                reader.cancel()
                try:
                    await reader
                except (Exception, asyncio.CancelledError):
                    pass

    async def _await(self, fut: asyncio.Future, reader: asyncio.Task) -> Any:
        # wait for a reply, but fail at once when the reader ends (link lost, bad frame)
        done, _ = await asyncio.wait({fut, reader}, timeout=self.query_timeout_s,
                                     return_when=asyncio.FIRST_COMPLETED)
        if fut in done:
            return fut.result()
        if reader in done:
            exc = reader.exception()
            raise exc if exc is not None else ConnectionError("link closed")
        raise TimeoutError(f"venue {self.venue}: no reply within {self.query_timeout_s} s")

    async def _query(self, link: Any, reader: asyncio.Task, kind: int,
                     since_ts_ns: int = 0) -> list:
        request_id = next(self._request_ids)
        fut = asyncio.get_running_loop().create_future()
        self._queries[request_id] = (fut, [])
        link.send(self.signer.sign(FRAME_QUERY, [Query(
            query_kind=kind, request_id=request_id, instrument_id=0, since_ts_ns=since_ts_ns,
            ts_init=time.time_ns())]))
        try:
            return await self._await(fut, reader)
        finally:
            self._queries.pop(request_id, None)

    # -- reconciliation -------------------------------------------------------------------

    async def _reconcile(self, link: Any, reader: asyncio.Task) -> None:
        since = self.reconciler.last_fill_ts_ns
        open_orders = await self._query(link, reader, QUERY_OPEN_ORDERS)
        fills = await self._query(link, reader, QUERY_FILLS_SINCE, since)
        positions = await self._query(link, reader, QUERY_POSITIONS)
        plan = self.reconciler.plan(self._orders, open_orders, fills, positions,
                                    self._node_positions())
        self._apply_plan(plan)
        for order in plan.resend:
            if order.status == _SUBMITTED:
                self._resend(order)
        for order in plan.cancel_again:
            self.log.info("venue still has an order we cancel: sending the cancel again",
                          venue=self.venue, client_order_id=order.client_order_id.value)
            self._write_cancel(order)
        self.last_reconcile = ReconcileReport.of(plan)
        self.log.info("reconciled", venue=self.venue, **msgspec_to_dict(self.last_reconcile))

    def _apply_plan(self, plan: Any) -> None:
        # emit what the node missed (fills, acks, closes) and log position differences;
        # the sends (resend, cancel_again) are the caller's: they differ on a live link
        for r in plan.fills:
            self._on_report(r)
        for order, venue_num in plan.accepted:
            if order.status == _SUBMITTED:
                self._emit_accepted(order, venue_num, self.timestamp_ns())
        for order in plan.lost:
            if order.is_open or order.is_inflight:
                self.log.warning("venue no longer knows the order: closing it",
                                 venue=self.venue, client_order_id=order.client_order_id.value)
                self._emit(OrderCanceled(*self._ids(order), order.venue_order_id,
                                         ts_event=self.timestamp_ns(),
                                         ts_init=self.timestamp_ns()), order)
        for diff in plan.position_diffs:
            self.log.error("position differs from the venue's after reconciliation",
                           venue=self.venue, instrument=diff.instrument_num,
                           node_qty_raw=diff.node_qty_raw, venue_qty_raw=diff.venue_qty_raw)

    # -- ack tracking ---------------------------------------------------------------------

    def _track(self, due: dict[int, int], num: int, t: int) -> None:
        due.pop(num, None)  # a re-send goes to the back: dict order stays send order
        due[num] = t
        if self._ack_handle is None:
            self._arm_ack_check()

    def _arm_ack_check(self) -> None:
        oldest = min([next(iter(d.values())) for d in (self._ack_due, self._cancel_due) if d],
                     default=None)
        if oldest is None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (a unit test): check_acks is called by hand
            return
        # at most one check per 1/8 of the timeout: with orders flowing, each check takes
        # every request then due, rather than one timer callback per order (a timeout is
        # noticed up to 1/8 late); +1 ms: the loop's timers tick in whole ms
        delay_ns = max(oldest + self.ack_timeout_ns - time.perf_counter_ns(),
                       self.ack_timeout_ns // 8) + 1_000_000
        self._ack_handle = loop.call_later(delay_ns / 1e9, self._on_ack_timer)

    def _on_ack_timer(self) -> None:
        # the loop runs due timers before it reads its sockets: after a stall an ack may be
        # waiting unread; judge on the next turn (a 1 ms timer runs after the loop's poll)
        self._ack_handle = asyncio.get_running_loop().call_later(0.001, self._on_ack_due)

    def _on_ack_due(self) -> None:
        self._ack_handle = None
        self.check_acks()

    def _resend(self, order: Any) -> None:
        # same client order id: a venue that has the first copy refuses this one
        num = order.client_order_num
        self._resent.add(num)
        self._ack_due.pop(num, None)  # re-stamped at the back: dict order stays send order
        self._write_order(order)

    def _forget_acks(self) -> None:
        # the link is gone: reconciliation on the next connect settles every open request
        self._ack_due.clear()
        self._cancel_due.clear()
        self._late_acks.clear()
        self._to_settle.clear()
        if self._ack_handle is not None:
            self._ack_handle.cancel()
            self._ack_handle = None
        if self._settle_task is not None and not self._settle_task.done():
            self._settle_task.cancel()

    def check_acks(self, now_ns: int | None = None) -> int:
        """Fail the orders and cancels unanswered for `ack_timeout_ns`; return how many.

        Each one is logged with its client order id, counted as a circuit-breaker failure
        (a late ack is then not counted as a success) and settled by a reconciliation query
        once the link is live. A loop timer calls this when the oldest request is due; a test
        may call it with a later `now_ns` (time.perf_counter_ns scale) instead of waiting.
        """
        now = time.perf_counter_ns() if now_ns is None else now_ns
        limit = now - self.ack_timeout_ns
        late: list[tuple[Any, str, int]] = []
        for due, request in ((self._ack_due, "order"), (self._cancel_due, "cancel")):
            expired = []
            for num, t in due.items():
                if t > limit:
                    break
                expired.append((num, t))
            for num, t in expired:
                del due[num]
                order = self._orders.get(num)
                if order is None:
                    continue
                if request == "order":
                    unanswered = order.status == _SUBMITTED or (
                        order.venue_order_id is None and order.is_inflight)
                else:
                    unanswered = order.is_pending_cancel
                if unanswered:
                    late.append((order, request, now - t))
        for order, request, waited_ns in late:
            num = order.client_order_num
            self.ack_timeouts += 1
            self._c_ack_timeouts.inc()
            if request == "order":
                self._late_acks.add(num)
            self._to_settle.add(num)
            self.breaker.record_failure()
            self.log.warning("no ack within the timeout: a breaker failure; settling by query",
                             venue=self.venue, client_order_id=order.client_order_id.value,
                             request=request, waited_ms=round(waited_ns / 1e6, 3),
                             timeout_ms=self.ack_timeout_ns / 1e6,
                             breaker=self.breaker.state.name)
        if self._ack_handle is None:
            self._arm_ack_check()
        if late and self.state == ClientState.LIVE:
            self._start_settle()
        return len(late)

    async def wait_settled(self, timeout_s: float | None = None) -> None:
        """Wait until the query settling timed-out requests (if one runs) has been applied."""
        task = self._settle_task
        if task is None or task.done():
            return
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout_s)
        except asyncio.CancelledError:
            if not task.cancelled():  # we were cancelled, not the settling (link lost)
                raise

    def _on_ack(self, num: int) -> None:
        # a first answer from the venue: a breaker success, unless its timeout already counted
        if self._late_acks and num in self._late_acks:
            self._late_acks.discard(num)
            self.log.info("late ack", venue=self.venue, client_order_num=num)
            return
        self.breaker.record_success()

    def _start_settle(self) -> None:
        if self._settle_task is not None and not self._settle_task.done():
            return  # the running one picks up what was added
        self._settle_task = asyncio.get_running_loop().create_task(
            self._settle(), name=f"sandbox-{self.venue}-settle")

    async def _settle(self) -> None:
        # ask the venue what became of requests it never answered; on the live link the
        # plan judges only those orders (others sent after the query are not in its answer)
        while self._to_settle and self.state == ClientState.LIVE:
            link, reader = self._link, self._reader
            if link is None or reader is None:
                return
            nums, self._to_settle = self._to_settle, set()
            try:
                open_orders = await self._query(link, reader, QUERY_OPEN_ORDERS)
                fills = await self._query(link, reader, QUERY_FILLS_SINCE,
                                          self.reconciler.last_fill_ts_ns)
            except (ConnectionError, TimeoutError) as e:
                self.log.warning("settling query failed: dropping the link to reconcile on "
                                 "reconnect", venue=self.venue, error=str(e))
                if self._link is link:
                    link.abort()
                return
            if self._link is not link or self.state != ClientState.LIVE:
                return  # the link changed: the reconnect's reconciliation covers these
            plan = self.reconciler.plan(self._orders, open_orders, fills, (), {}, only=nums)
            self._apply_plan(plan)
            self._late_acks.difference_update(nums)  # any ack on this link came before the reply
            for order in plan.resend:
                if order.status != _SUBMITTED:
                    continue
                if self.breaker.allow():
                    self._resend(order)
                else:  # the venue does not have it: safe to refuse here
                    self._reject_local(order, f"never reached venue {self.venue} and its "
                                              f"circuit breaker is open")
            for order in plan.cancel_again:
                self._write_cancel(order)
            self.last_settle = ReconcileReport.of(plan)
            self.log.info("settled unacknowledged requests", venue=self.venue,
                          **msgspec_to_dict(self.last_settle))
            self._check_idle()

    def _node_positions(self) -> dict[int, tuple[int, int]]:
        out: dict[int, tuple[int, int]] = {}
        if self.engine is None:
            return out
        totals: dict[Any, int] = {}
        for pos in self.engine.cache.positions_open():
            totals[pos.instrument_id] = totals.get(pos.instrument_id, 0) + pos.signed_qty_raw
        for num, ins in self._instruments.items():
            # positions keep the instrument's size precision (ExecutionEngine._new_position)
            out[num] = (totals.get(ins.id, 0), ins.size_precision)
        return out

    # -- inbound --------------------------------------------------------------------------

    async def _read_loop(self, link: Any) -> None:
        # returns or raises when the link ends; frames go to _on_frame with their arrival time
        await link.run(self._on_frame)

    def _on_frame(self, data: bytes, rx_ns: int) -> None:
        # every frame but QUOTES: FrameListener hands those to ClientCore.on_quote_frame
        frame = decode_frame(data)
        ft = frame.frame_type
        if ft == FRAME_REPORTS:
            for r in frame.records():
                if r.request_id:
                    continue
                self._on_report(r)
        elif ft == FRAME_QUERY_REPLY:
            recs = frame.records()
            head = recs[0]
            entry = self._queries.get(head.request_id)
            if entry is not None and not entry[0].done():
                entry[0].set_result(recs[1:])
        elif ft == FRAME_WELCOME:
            if self._welcome is not None and not self._welcome.done():
                self._welcome.set_result(frame.records()[0])
        elif ft == FRAME_TRADES:
            if self.state == ClientState.LIVE and self.data_engine is not None:
                p = frame.payload
                for i in range(0, len(p), TRADE_RECORD_SIZE):
                    self.data_engine.process_trade(
                        TradeTick.from_record(p[i:i + TRADE_RECORD_SIZE], self._iids))
        elif ft == FRAME_ERROR:
            err = frame.records()[0]
            self.log.error("venue error", venue=self.venue, kind=err.error_kind,
                           detail=err.detail, frame_type=err.frame_type,
                           context_id=err.context_id)
            entry = self._queries.get(err.context_id)
            if entry is not None and not entry[0].done():
                entry[0].set_exception(ConnectionError(
                    f"venue refused query {err.context_id}: kind {err.error_kind}, "
                    f"detail {err.detail}"))
            if err.error_kind == 2 or err.error_kind == 3:  # AUTH, SESSION
                if self._welcome is not None and not self._welcome.done():
                    self._welcome.set_exception(ConnectionError(
                        f"venue refused the login: kind {err.error_kind}, detail {err.detail}"))

    def _ids(self, order: Any) -> tuple:
        return (order.trader_id, order.strategy_id, order.instrument_id, order.client_order_id)

    def _emit(self, event: Any, order: Any) -> None:
        if self.engine is not None:
            self.engine.process_event(event)
        if order.is_closed:
            self._retire(order)
        self._check_idle()

    def _retire(self, order: Any) -> None:
        # a closed order is kept among the last `max_closed_orders` closed (late duplicates of
        # its reports are still recognised), then forgotten: memory follows what is open
        num = order.client_order_num
        closed = self._closed
        if num in closed:
            return
        self._maybe_open.pop(num, None)
        closed[num] = None
        if len(closed) > self.max_closed_orders:
            old = next(iter(closed))
            del closed[old]
            self._orders.pop(old, None)
            self.reconciler.forget(old)
            self._held.pop(old, None)
            self._sent_ns.pop(old, None)
            self._resent.discard(old)

    def _emit_accepted(self, order: Any, venue_num: int, ts_event: int) -> None:
        self._emit(OrderAccepted(*self._ids(order), VenueOrderId(str(venue_num or 0)),
                                 ts_event=ts_event, ts_init=self.timestamp_ns()), order)

    def _first_report(self, num: int) -> None:
        sent = self._sent_ns.pop(num, 0)
        if sent:
            self._round_trip.record(time.perf_counter_ns() - sent)

    def _on_report(self, r: Any) -> None:
        num = r.client_order_id
        order = self._orders.get(num)
        if order is None:
            self.reports_dropped += 1
            self.log.warning("report for an order this node did not send or closed long ago",
                             venue=self.venue, client_order_num=num, kind=r.report_kind)
            return
        kind = r.report_kind
        now = self.timestamp_ns()
        if kind == REPORT_FILLED:
            if not self.reconciler.is_new_fill(num, r.trade_id):
                self.reports_dropped += 1
                return
            self._first_report(num)
            self._on_ack(num)
            self.reconciler.note_fill_time(r.ts_event)
            if order.status == _SUBMITTED:  # the ack was lost or comes later: ack first
                self._emit_accepted(order, r.venue_order_id, r.ts_event)
            self._c_fills.inc()
            self._emit(self._fill_event(order, r, now), order)
            held = self._held.get(num)
            if held is not None and self._filled_at(order, held.size_precision) >= held.cum_qty:
                del self._held[num]
                self._on_report(held)
        elif kind == REPORT_ACCEPTED:
            self._first_report(num)
            self._on_ack(num)
            self._resent.discard(num)
            if order.status == _SUBMITTED or (order.venue_order_id is None
                                              and order.is_inflight):
                self._emit_accepted(order, r.venue_order_id, r.ts_event)
            else:
                self.reports_dropped += 1
        elif kind == REPORT_REJECTED:
            self._first_report(num)
            if r.reason == _DUPLICATE and num in self._resent:
                # the first copy did reach the venue: the next reconciliation settles it
                self._resent.discard(num)
                self.log.warning("resent order is known to the venue", venue=self.venue,
                                 client_order_id=order.client_order_id.value)
                return
            if r.reason in _BREAKER_REASONS:
                self.breaker.record_failure()
            self._c_rejects.inc()
            self._emit(OrderRejected(*self._ids(order), _reason_text(r.reason),
                                     ts_event=r.ts_event, ts_init=now), order)
        elif kind == REPORT_CANCELED or kind == REPORT_EXPIRED:
            if self._filled_at(order, r.size_precision) < r.cum_qty:
                self._held[num] = r  # fills still on their way: close after them
                return
            cls = OrderCanceled if kind == REPORT_CANCELED else OrderExpired
            self._emit(cls(*self._ids(order), VenueOrderId(str(r.venue_order_id)),
                           ts_event=r.ts_event, ts_init=now), order)
        elif kind == REPORT_CANCEL_REJECTED:
            if order.is_closed:  # it filled (or closed) before the cancel arrived: no event
                self.reports_dropped += 1
                self.log.info("cancel came too late: the order is closed", venue=self.venue,
                              client_order_id=order.client_order_id.value,
                              status=order.status.name, reason=_reason_text(r.reason))
                self._check_idle()
                return
            self._emit(OrderCancelRejected(*self._ids(order), _reason_text(r.reason),
                                           VenueOrderId(str(r.venue_order_id)),
                                           ts_event=r.ts_event, ts_init=now), order)
        elif kind == REPORT_TRIGGERED:
            self._emit(OrderTriggered(*self._ids(order), VenueOrderId(str(r.venue_order_id)),
                                      ts_event=r.ts_event, ts_init=now), order)
        elif kind == REPORT_UPDATED:
            self._emit(OrderUpdated(*self._ids(order),
                                    Quantity.from_raw(r.quantity, r.size_precision),
                                    Price.from_raw(r.price, r.price_precision), None,
                                    VenueOrderId(str(r.venue_order_id)),
                                    ts_event=r.ts_event, ts_init=now), order)

    @staticmethod
    def _filled_at(order: Any, precision: int) -> int:
        raw, p = order.filled_qty_raw, order.size_precision
        if p == precision:
            return raw
        return raw * 10 ** (precision - p) if precision > p else raw // 10 ** (p - precision)

    def _fill_event(self, order: Any, r: Any, now: int) -> Any:
        ins = self._by_iid.get(order.instrument_id)
        currency = ins.quote_currency
        fee = Decimal(r.fee).scaleb(-r.fee_precision)
        return OrderFilled(
            *self._ids(order), VenueOrderId(str(r.venue_order_id)),
            TradeId(f"{self.venue}-{r.trade_id}"), r.side,
            Quantity.from_raw(r.quantity, r.size_precision),
            Price.from_raw(r.price, r.price_precision),
            Money(fee, currency), r.liquidity, ts_event=r.ts_event, ts_init=now)

    # -- outbound (ExecutionClient contract) ----------------------------------------------

    # submit_order and _write_order: ClientCore (hotpath.pyx) -- breaker, rate limit, signing
    # and the socket write in C; the branches below are the ones it calls back

    def _hold(self, order: Any) -> None:
        # the link is not live: the order stays SUBMITTED; reconciliation sends it once back
        self.log.info("order held until the link is live", venue=self.venue,
                      client_order_id=order.client_order_id.value)

    def _reject_local(self, order: Any, reason: str) -> None:
        self._c_rejects.inc()
        self.log.warning("order rejected locally", venue=self.venue,
                         client_order_id=order.client_order_id.value, reason=reason)
        now = self.timestamp_ns()
        self._emit(OrderRejected(*self._ids(order), reason, ts_event=now, ts_init=now), order)

    def cancel_order(self, order: Any) -> None:
        """Ask the venue to cancel; cancels are queued (never refused) by the rate limiter."""
        if self.state != ClientState.LIVE:
            return  # the order stays PENDING_CANCEL; reconciliation cancels it again
        now = self.timestamp_ns()
        if not self.rate_limiter.submit_or_queue(now, order, self._write_cancel):
            self._arm_drain(now)

    def _arm_drain(self, now: int) -> None:
        if self._drain_handle is not None:
            return
        due = self.rate_limiter.next_ready_ns(now)
        if due is None:
            return
        loop = asyncio.get_running_loop()
        self._drain_handle = loop.call_later(max(0, due - now) / 1e9, self._drain)

    def _drain(self) -> None:
        self._drain_handle = None
        now = self.timestamp_ns()
        self.rate_limiter.drain(now)
        if len(self.rate_limiter):
            self._arm_drain(now)

    def _write_cancel(self, order: Any) -> None:
        ins = self._by_iid.get(order.instrument_id)
        vid = order.venue_order_id
        venue_num = int(vid.value) if vid is not None and vid.value.isdigit() else 0
        frame = self.signer.sign(FRAME_CANCEL, [Cancel(
            instrument_id=ins.numeric_id if ins is not None else 0,
            client_order_id=order.client_order_num, venue_order_id=venue_num,
            ts_init=time.time_ns(), strategy_id=0, trader_id=self.trader_num)])
        link = self._link
        if link is None or not link.send(frame):
            self.breaker.record_failure()
            return  # stays PENDING_CANCEL: reconciliation cancels it again
        self._track(self._cancel_due, order.client_order_num, time.perf_counter_ns())

    def modify_order(self, order: Any, quantity: Any, price: Any, trigger_price: Any) -> None:
        """Refuse: the sandbox protocol has no amend; cancel and resubmit instead."""
        from hft.model.events import OrderModifyRejected
        now = self.timestamp_ns()
        self._emit(OrderModifyRejected(*self._ids(order), "the sandbox venue has no amend",
                                       order.venue_order_id, ts_event=now, ts_init=now), order)

    def __repr__(self) -> str:
        return (f"SandboxClient({self.venue!r}, url={self.url!r}, state={self.state}, "
                f"key_id={self.signer.key_id!r})")


def _link_errors() -> tuple[type[BaseException], ...]:
    return (OSError, TimeoutError, WSError)


def _has_loop() -> bool:
    try:
        asyncio.get_running_loop()
        return True
    except RuntimeError:
        return False


def msgspec_to_dict(obj: Any) -> dict:
    """Return a msgspec Struct's fields as a dict (for structured logs)."""
    import msgspec
    return msgspec.structs.asdict(obj)


def create_sandbox_venue(node: Any, config: Any) -> SandboxClient:
    """Build the SandboxClient of one `kind = "sandbox"` venue and register it as data feed.

    The key id comes from the environment variable named by `api_key_env` (default
    HFT_API_KEY), the secret from `api_secret_env` if set, else from HFT_API_SECRET_<KEYID>
    or the 0600 file named by HFT_API_SECRETS_FILE; never from the config file.
    """
    if not config.url:
        raise ValueError(f"venue {config.name!r}: field 'url' is required for a sandbox venue, "
                         f"e.g. url = \"ws://127.0.0.1:8765\"")
    key_env = config.api_key_env or "HFT_API_KEY"
    key_id = os.environ.get(key_env)
    if not key_id:
        raise ValueError(f"venue {config.name!r}: environment variable {key_env} (the API key "
                         f"id) is not set")
    if config.api_secret_env:
        secret = os.environ.get(config.api_secret_env)
        if not secret:
            raise ValueError(f"venue {config.name!r}: environment variable "
                             f"{config.api_secret_env} (the API secret) is not set")
    else:
        secrets = load_secrets(os.environ.get("HFT_API_SECRETS_FILE"))
        secret = secrets.get(key_id)
        if secret is None:
            raise ValueError(f"venue {config.name!r}: no secret for key {key_id!r}: set "
                             f"HFT_API_SECRET_{key_id} or HFT_API_SECRETS_FILE")
    telemetry = getattr(node, "telemetry", None)
    if telemetry is None:
        telemetry = node.telemetry = Telemetry()
    instruments = [i for i in node.cache.instruments() if i.id.venue.value == config.name]
    client = SandboxClient(config.name, config.url, key_id, secret, instruments,
                           telemetry=telemetry,
                           breaker=CircuitBreaker(node.clock.timestamp_ns, name=config.name),
                           rate_limiter=RateLimiter(config.orders_per_second, config.order_burst),
                           ack_timeout_ms=getattr(config, "ack_timeout_ms", 2000.0))
    client.data_engine = node.data_engine
    if getattr(config, "feed", "direct") == "shm":
        # quotes come from the shared-memory board a separate `hft feed` process fills;
        # this connection then carries orders and reports only
        from hft.live.shm_data import attach_shm_feed

        attach_shm_feed(node, config, client)
    return client
