"""Base classes for venue clients: DataClient feeds market data, ExecutionClient trades.

A venue adapter (the simulated venue in backtests, the sandbox or a live exchange client)
subclasses these. The kernel never imports an adapter: the node loads a client from a
factory path and registers it with `node.add_execution_client(client)`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hft.kernel.logging import get_logger

if TYPE_CHECKING:
    from hft.model.identifiers import InstrumentId
    from hft.model.objects import Price, Quantity
    from hft.model.orders import Order

__all__ = ["DataClient", "ExecutionClient"]


class DataClient:
    """Feed market data for one venue into the node's DataEngine.

    The client calls `self.engine.process_quote(quote)`, `process_trade(trade)`,
    `process_bar(bar)` or `process_book_delta(delta)` with `hft.model.data` objects, in
    timestamp order, on the node's thread (live: the event loop). `engine` is set when the
    node registers the client.
    """

    def __init__(self, venue: str) -> None:
        if not venue:
            raise ValueError("DataClient: field 'venue' must be a non-empty venue name")
        self.venue = venue
        self.engine: Any = None
        self.is_connected = False
        self.log = get_logger(f"{type(self).__name__}[{venue}]")

    def connect(self) -> None:
        """Open the feed (a socket, a file); the base class only marks the client connected."""
        self.is_connected = True

    def disconnect(self) -> None:
        """Close the feed; the base class only marks the client disconnected."""
        self.is_connected = False

    def subscribe(self, instrument_id: InstrumentId, kind: str) -> None:
        """Ask the venue for one stream ("quotes", "trades", "book"); the base does nothing."""


class ExecutionClient:
    """Send orders to one venue and report what the venue did back to the ExecutionEngine.

    Contract (the simulated venue and every live client implement it the same way):

    - `venue` is the venue name; the engine routes an order to the client whose venue equals
      `order.instrument_id.venue.value`. `engine` is set by `ExecutionEngine.register_client`.
    - The engine calls `submit_order(order)` after the order passed the risk engine and the
      engine has applied `OrderSubmitted` to it; `cancel_order(order)` after applying
      `OrderPendingCancel`; `modify_order(order, quantity, price, trigger_price)` after applying
      `OrderPendingUpdate` (None means unchanged). These methods must not raise for venue-side
      refusals: report them as events instead.
    - The client reports every venue outcome by calling `self.engine.process_event(event)`
      with an `hft.model.events` object for the order: `OrderAccepted` (with the venue order
      id), `OrderRejected`, `OrderFilled` (one per execution, unique `trade_id` per order, with
      commission and liquidity side), `OrderCanceled`, `OrderExpired`, `OrderTriggered`,
      `OrderUpdated`, `OrderModifyRejected`, `OrderCancelRejected`. Events for one order come in
      the order they happened; fills before the cancel confirmation. `ts_event` is the venue's
      time, `ts_init` the node clock's (`self.timestamp_ns()`).
    - A client may report synchronously from inside `submit_order` (the engine is re-entrant
      for that) or later from its own loop; a repeated fill (same trade id) is ignored by the
      engine, so a reconnecting client may replay.
    - Wire first (optional, for live clients where the time to the socket counts): a client
      that defines both `send_new(order) -> int` and `after_submit(order, status)` gets, in
      place of `submit_order`, `send_new` right after the risk check -- it writes the order
      now if its own checks pass and returns a status, emitting nothing -- then, once the
      engine has cached the order and applied `OrderSubmitted`, `after_submit(order, status)`,
      which does the bookkeeping, or the reject or hold that `send_new` decided. The strategy
      sees the same events in the same order either way; only the write comes earlier.
    - `connect()` / `disconnect()` open and close the session; the node calls them on
      `start()` / `stop()`.
    """

    def __init__(self, venue: str) -> None:
        if not venue:
            raise ValueError("ExecutionClient: field 'venue' must be a non-empty venue name")
        self.venue = venue
        self.engine: Any = None
        self.is_connected = False
        self.log = get_logger(f"{type(self).__name__}[{venue}]")

    def timestamp_ns(self) -> int:
        """Return the node clock's time (0 before the client is registered)."""
        return self.engine.clock.timestamp_ns() if self.engine is not None else 0

    def connect(self) -> None:
        """Open the session; the base class only marks the client connected."""
        self.is_connected = True

    def disconnect(self) -> None:
        """Close the session; the base class only marks the client disconnected."""
        self.is_connected = False

    def submit_order(self, order: Order) -> None:
        """Send a new order to the venue; report the outcome with `engine.process_event`."""
        raise NotImplementedError(f"{type(self).__name__}.submit_order")

    def cancel_order(self, order: Order) -> None:
        """Ask the venue to cancel an open order; report OrderCanceled or OrderCancelRejected."""
        raise NotImplementedError(f"{type(self).__name__}.cancel_order")

    def modify_order(self, order: Order, quantity: Quantity | None, price: Price | None,
                     trigger_price: Price | None) -> None:
        """Ask the venue to amend an open order; report OrderUpdated or OrderModifyRejected."""
        raise NotImplementedError(f"{type(self).__name__}.modify_order")
