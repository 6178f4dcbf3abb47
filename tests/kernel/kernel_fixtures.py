"""Shared pieces for the kernel engine tests: instruments, quotes, a filling venue client."""

from __future__ import annotations

from hft.core.encoding import SIDE_BUY, SIDE_SELL
from hft.kernel.clients import ExecutionClient
from hft.model.data import QuoteTick, TradeTick
from hft.model.events import (
    OrderAccepted, OrderCanceled, OrderFilled, OrderModifyRejected, OrderRejected, OrderUpdated,
)
from hft.model.identifiers import InstrumentId, TradeId, VenueOrderId
from hft.model.instruments import Instrument
from hft.model.objects import Currency, Money, Price, Quantity

EURUSD = InstrumentId("EUR/USD.SIM")
USD = Currency.from_str("USD")


def eurusd(**kw) -> Instrument:
    """Return EUR/USD.SIM: 5 price digits, size lots of 1, numeric id 1."""
    return Instrument.fx("EUR/USD.SIM", size_increment=1, numeric_id=1, **kw)


def quote(bid: str, ask: str, ts: int = 0, size: str = "1000000",
          iid: InstrumentId = EURUSD) -> QuoteTick:
    """Build a quote with equal sizes on both sides."""
    return QuoteTick(iid, Price.from_str(bid), Price.from_str(ask), Quantity.from_str(size),
                     Quantity.from_str(size), ts, ts)


def trade(px: str, size: str, ts: int = 0, tid: str = "1", iid: InstrumentId = EURUSD) -> TradeTick:
    """Build a trade with a buyer as aggressor."""
    return TradeTick(iid, Price.from_str(px), Quantity.from_str(size), SIDE_BUY, TradeId(tid),
                     ts, ts)


class FillingClient(ExecutionClient):
    """Accept every order; fill market orders at once at the last quote (ask for buys).

    Limit orders rest (accepted, unfilled) unless `fill_limits` is set, then they fill at
    their own price. `fee_per_unit` charges a commission in USD per unit filled.
    """

    def __init__(self, venue: str = "SIM", fill_limits: bool = False, fee: str = "0") -> None:
        super().__init__(venue)
        self.fill_limits = fill_limits
        self.fee = fee
        self.submitted: list = []
        self.canceled: list = []
        self.modified: list = []
        self.reject_next: str | None = None
        self._n = 0

    def _ids(self, order):
        return (order.trader_id, order.strategy_id, order.instrument_id, order.client_order_id)

    def submit_order(self, order) -> None:
        self.submitted.append(order)
        ts = self.timestamp_ns()
        if self.reject_next is not None:
            reason, self.reject_next = self.reject_next, None
            self.engine.process_event(OrderRejected(*self._ids(order), reason, ts_event=ts,
                                                    ts_init=ts))
            return
        self._n += 1
        voi = VenueOrderId(f"V-{self._n}")
        self.engine.process_event(OrderAccepted(*self._ids(order), voi, ts_event=ts, ts_init=ts))
        if order.price is None or self.fill_limits:
            q = self.engine.cache.quote(order.instrument_id)
            px = order.price if order.price is not None else (
                q.ask_price if order.side == SIDE_BUY else q.bid_price)
            self.fill(order, order.quantity, px)

    def fill(self, order, qty: Quantity, px: Price, trade_id: str | None = None) -> bool:
        """Report one fill of order; return what process_event returned."""
        ts = self.timestamp_ns()
        self._n += 1
        fee = Money(str(self.fee), USD) if self.fee == "0" else \
            Money(str(qty.as_decimal() * __import__("decimal").Decimal(self.fee)), USD)
        return self.engine.process_event(OrderFilled(
            *self._ids(order), order.venue_order_id, TradeId(trade_id or f"T-{self._n}"),
            int(order.side), qty, px, fee, ts_event=ts, ts_init=ts))

    def cancel_order(self, order) -> None:
        self.canceled.append(order)
        ts = self.timestamp_ns()
        self.engine.process_event(OrderCanceled(*self._ids(order), order.venue_order_id,
                                                ts_event=ts, ts_init=ts))

    def modify_order(self, order, quantity, price, trigger_price) -> None:
        self.modified.append((order, quantity, price, trigger_price))
        ts = self.timestamp_ns()
        if quantity is None and price is None and trigger_price is None:
            self.engine.process_event(OrderModifyRejected(*self._ids(order), "nothing to do",
                                                          order.venue_order_id))
            return
        self.engine.process_event(OrderUpdated(*self._ids(order), quantity, price, trigger_price,
                                               order.venue_order_id, ts_event=ts, ts_init=ts))


__all__ = ["EURUSD", "USD", "eurusd", "quote", "trade", "FillingClient", "SIDE_BUY", "SIDE_SELL",
           "Recorder", "RecorderConfig", "Watcher"]


# -- strategies loaded by import path in the node tests ------------------------------------

from hft.kernel.config import StrategyConfig  # noqa: E402
from hft.kernel.strategy import Actor, Strategy  # noqa: E402


class RecorderConfig(StrategyConfig):
    """Config of Recorder: what to subscribe to."""

    bar_types: list[str] = []
    timer_interval_ns: int = 0
    trade_size: str = "1000"


class Recorder(Strategy):
    """Record every callback as (name, argument) in self.calls."""

    config_type = RecorderConfig

    def __init__(self, config: RecorderConfig | None = None) -> None:
        super().__init__(config or RecorderConfig(instrument_id="EUR/USD.SIM"))
        self.calls: list = []

    def on_start(self) -> None:
        self.calls.append(("start", None))
        if self.config.instrument_id:
            self.subscribe_quotes(self.config.instrument_id)
            self.subscribe_trades(self.config.instrument_id)
        for bt in self.config.bar_types:
            self.subscribe_bars(bt)
        if self.config.timer_interval_ns:
            self.set_timer("tick", self.config.timer_interval_ns)

    def on_stop(self) -> None:
        self.calls.append(("stop", None))

    def on_quote(self, quote) -> None:
        self.calls.append(("quote", quote))

    def on_trade(self, trade) -> None:
        self.calls.append(("trade", trade))

    def on_bar(self, bar) -> None:
        self.calls.append(("bar", bar))

    def on_timer(self, event) -> None:
        self.calls.append(("timer", event))

    def on_order_event(self, event) -> None:
        self.calls.append((type(event).__name__, event))

    def on_fill(self, fill) -> None:
        self.calls.append(("fill", fill))

    def on_position_changed(self, position) -> None:
        self.calls.append(("position", position))

    def named(self, name: str) -> list:
        """Return the arguments of every recorded call of this name."""
        return [arg for n, arg in self.calls if n == name]


class Watcher(Actor):
    """An Actor that counts quotes."""

    def __init__(self, config: StrategyConfig | None = None) -> None:
        super().__init__(config or StrategyConfig(strategy_id="Watcher-001"))
        self.quotes = 0

    def on_start(self) -> None:
        self.subscribe_quotes("EUR/USD.SIM")

    def on_quote(self, quote) -> None:
        self.quotes += 1


def make_node(risk: dict | None = None, balances: list[str] | None = None,
              instrument: dict | None = None, **recorder_kw):
    """Return (node, client, recorder): EUR/USD.SIM, venue SIM with a FillingClient, started."""
    from hft.kernel.config import config_from_dict
    from hft.kernel.node import TradingNode

    cfg = config_from_dict({
        "instruments": [{"id": "EUR/USD.SIM", "kind": "fx", "price_precision": 5,
                         "size_precision": 0, **(instrument or {})}],
        "venues": [{"name": "SIM", "starting_balances": balances or ["1000000 USD"]}],
        "risk": risk or {},
    })
    node = TradingNode(cfg)
    client = FillingClient(fill_limits=recorder_kw.pop("fill_limits", False),
                           fee=recorder_kw.pop("fee", "0"))
    node.add_execution_client(client)
    recorder_kw.setdefault("instrument_id", "EUR/USD.SIM")
    strategy = node.add_strategy(Recorder(RecorderConfig(**recorder_kw)))
    node.start()
    return node, client, strategy


def feed(node, bid: str, ask: str, ts: int) -> None:
    """Advance the node's TestClock to ts (firing timers), then process one quote."""
    node.clock.advance_time(ts)
    node.data_engine.process_quote(quote(bid, ask, ts))


__all__ += ["make_node", "feed"]


def create_filling_venue(node, venue_config) -> FillingClient:
    """Venue factory (`kind = "kernel_fixtures:create_filling_venue"`): a FillingClient."""
    return FillingClient(venue_config.name)
