"""Kernel engines: quote dispatch to a Python handler, and order submission through risk."""

from perf_tests._figures import best_seconds, record

from hft.kernel.clients import ExecutionClient
from hft.kernel.config import config_from_dict
from hft.kernel.node import TradingNode
from hft.kernel.strategy import Strategy
from hft.model.data import QuoteTick
from hft.model.identifiers import InstrumentId
from hft.model.objects import Price, Quantity

N = 200_000
EURUSD = InstrumentId("EUR/USD.SIM")


class NoOp(Strategy):
    def on_start(self):
        self.subscribe_quotes(EURUSD)

    def on_quote(self, quote):
        pass


class EmaCross(Strategy):
    """Two EMAs in plain Python on the mid; trades nothing in the benchmark (no crossing)."""

    def on_start(self):
        self.fast = self.slow = None
        self.subscribe_quotes(EURUSD)

    def on_quote(self, quote):
        mid = (quote.bid_raw + quote.ask_raw) * 0.5
        if self.fast is None:
            self.fast = self.slow = mid
            return
        self.fast += 0.2 * (mid - self.fast)
        self.slow += 0.05 * (mid - self.slow)


class Sink(ExecutionClient):
    """Accept orders and do nothing (no events)."""

    def submit_order(self, order):
        pass


def _node(strategy):
    cfg = config_from_dict({"instruments": [{"id": "EUR/USD.SIM", "kind": "fx",
                                             "price_precision": 5, "size_precision": 0}]})
    node = TradingNode(cfg)
    node.add_execution_client(Sink("SIM"))
    node.add_strategy(strategy)
    node.start()
    return node


def _quotes(n):
    one = Quantity.from_str("1000000")
    return [QuoteTick(EURUSD, Price.from_raw(110000 + i % 7, 5), Price.from_raw(110002 + i % 7, 5),
                      one, one, i, i) for i in range(n)]


def test_dispatch_overhead():
    strategy = NoOp()
    node = _node(strategy)
    quotes = _quotes(N)
    handler = strategy.on_quote
    engine = node.data_engine

    def bare():
        for q in quotes:
            handler(q)

    def through_engine():
        engine.process_quotes(quotes)

    t_bare = best_seconds(bare) / N
    t_engine = best_seconds(through_engine) / N
    ratio = t_engine / t_bare
    record("kernel.dispatch_overhead", t_engine * 1e9, "ns/quote", baseline=t_bare * 1e9,
           ratio=ratio, target="ratio <= 3")
    assert ratio <= 3


def test_node_quotes_per_second_with_python_ema_cross():
    node = _node(EmaCross())
    quotes = _quotes(N)
    engine = node.data_engine
    t = best_seconds(lambda: engine.process_quotes(quotes)) / N
    record("kernel.ema_cross_quotes", 1 / t, "quotes/s", target=">= 1e6 (later, whole node)")


def test_order_submit():
    strategy = NoOp()
    node = _node(strategy)
    price = Price.from_str("1.10000")
    qty = Quantity.from_str("1000")
    n = 50_000

    def submit():
        node.cache.__init__()            # fresh indexes each round: memory stays flat
        node.cache.add_instrument(node_instrument)
        for _ in range(n):
            strategy.buy(EURUSD, qty, price)

    node_instrument = node.cache.instrument(EURUSD)
    t = best_seconds(submit, repeat=3) / n
    rate = 1 / t
    record("kernel.order_submit", rate, "orders/s", target="value >= 300000")
    assert rate >= 300_000
