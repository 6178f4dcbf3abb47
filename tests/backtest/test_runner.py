"""run_backtest: clock, latency and determinism through the loop with a small in-test node."""

from decimal import Decimal

import numpy as np

from hft.adapters.sim import LatencyModel, SimExecutionClient
from hft.backtest.runner import run_backtest
from hft.backtest.synthetic import quote_chunks
from hft.kernel.clock import TestClock
from hft.model.enums import OrderSide
from hft.model.events import OrderSubmitted
from hft.model.identifiers import ClientOrderId, StrategyId, TraderId
from hft.model.instruments import Instrument
from hft.model.orders import Order

STEP = 100_000_000  # synthetic quotes are 100 ms apart


class Node:
    """The parts of a TradingNode the runner uses; the strategy trades every `every` quotes."""

    def __init__(self, latency: LatencyModel, every: int = 50) -> None:
        self.inst = Instrument.fx("EUR/USD.SIM", numeric_id=1, size_increment=1)
        self.clock = TestClock()
        self.data_engine = self
        self.venue = SimExecutionClient("SIM", [self.inst], latency=latency,
                                        starting_balances=[(Decimal(100000), "USD")])
        self.venue.engine = self
        self.every, self.n, self.seen, self.events, self.orders = every, 0, [], [], {}

    def process_quote(self, q) -> None:
        self.n += 1
        self.seen.append((self.clock.timestamp_ns(), q.ts_event))
        if self.n % self.every == 0:
            side = OrderSide.SIDE_BUY if (self.n // self.every) % 2 else OrderSide.SIDE_SELL
            ids = (TraderId("T-1"), StrategyId("S-1"), self.inst.id, ClientOrderId(f"O-{self.n}"))
            o = Order.market(*ids, side, self.inst.make_qty(1000))
            o.apply(OrderSubmitted(*ids))
            self.orders[o.client_order_id] = o
            self.venue.submit_order(o)

    def process_trade(self, t) -> None:
        pass

    def process_event(self, event) -> None:
        self.events.append((self.clock.timestamp_ns(), event))
        self.orders[event.client_order_id].apply(event)


def run(latency: LatencyModel, n: int = 2_000):
    node = Node(latency)
    result = run_backtest(node, sources=[quote_chunks(n, seed=11, chunk_rows=333)],
                          venues=[node.venue], equity_every=500)
    return node, result


def test_zero_latency_fills_at_the_quote_the_strategy_saw():
    node, result = run(LatencyModel())
    assert result.records == 2_000 and len(result.fills) == 40
    ts0 = 1_577_916_000_000_000_000
    first = result.fills[0]
    assert first["ts_ns"] == ts0 + 49 * STEP  # the 50th quote
    quotes = np.concatenate(list(quote_chunks(2_000, seed=11)))
    assert first["px_raw"] == quotes["ask_price"][49]


def test_an_order_sent_at_t_fills_against_the_market_at_t_plus_latency():
    latency = 150_000_000  # 1.5 quotes
    node, result = run(LatencyModel(order_ns=latency))
    quotes = np.concatenate(list(quote_chunks(2_000, seed=11)))
    first = result.fills[0]
    assert first["ts_ns"] == quotes["ts_event"][49] + latency
    # at t + 150 ms the venue has seen quote 51 (t + 100 ms), not quote 50 (t)
    assert first["px_raw"] == quotes["ask_price"][50]


def test_feed_latency_delays_what_the_strategy_sees_not_the_venue():
    node, result = run(LatencyModel(feed_ns=30))
    assert all(now == ts + 30 for now, ts in node.seen)
    assert result.fills[0]["ts_ns"] == node.seen[49][0]


def test_reports_come_back_after_the_report_latency():
    node, _ = run(LatencyModel(report_ns=7))
    fill_times = [(now, e.ts_event) for now, e in node.events if type(e).__name__ == "OrderFilled"]
    assert fill_times and all(now == ts + 7 for now, ts in fill_times)


def test_two_runs_with_jitter_give_identical_fills_and_events():
    a_node, a = run(LatencyModel(order_ns=10_000, feed_ns=1_000, jitter_ns=90_000_000, seed=5))
    b_node, b = run(LatencyModel(order_ns=10_000, feed_ns=1_000, jitter_ns=90_000_000, seed=5))
    assert a.fills.tobytes() == b.fills.tobytes() and len(a.fills) > 0
    assert [(t, repr(e)) for t, e in a_node.events] == [(t, repr(e)) for t, e in b_node.events]
    assert a.equity.tobytes() == b.equity.tobytes()


def test_equity_is_sampled_every_n_records_and_at_the_end():
    _, result = run(LatencyModel())
    assert len(result.equity) == 5  # 500, 1000, 1500, 2000 and the end
    assert result.equity["ts_ns"][-1] == result.end_ns


def test_timers_fire_in_time_order_between_records():
    node = Node(LatencyModel(), every=10**9)
    fired = []
    node.clock.set_timer("t", 250_000_000, start_ns=1_577_916_000_000_000_000,
                         callback=lambda e: fired.append((e.ts_event, len(node.seen))))
    run_backtest(node, sources=[quote_chunks(10, seed=11)], venues=[node.venue])
    # quotes at 0, 100, ..., 900 ms: the timer at 250 ms runs after 3 quotes were seen
    assert fired[0] == (1_577_916_000_250_000_000, 3)
    # at 500 ms the timer runs before the quote of the same time: timers first at ties
    assert [f[1] for f in fired] == [3, 5, 8]


def test_equity_samples_equal_the_venues_exact_equity_with_a_position_open():
    node = Node(LatencyModel())
    result = run_backtest(node, sources=[quote_chunks(2_060, seed=11, chunk_rows=333)],
                          venues=[node.venue], equity_every=500)
    assert node.venue.position_raw(node.inst.id) == 1000   # the 41st order, a buy, is open
    assert result.equity["equity"][-1] == float(node.venue.equity())


def test_a_venue_that_is_not_a_sim_venue_is_a_type_error():
    import pytest

    node = Node(LatencyModel())
    with pytest.raises(TypeError, match="SimExecutionClient"):
        run_backtest(node, sources=[quote_chunks(10, seed=11)], venues=[object()])
