"""End to end through the TradingNode: quotes in, orders out, fills back, positions and PnL."""

from decimal import Decimal

import pytest

from hft.kernel.config import ConfigError, load_config
from hft.kernel.node import TradingNode
from hft.model.enums import OrderStatus, PositionSide
from kernel_fixtures import EURUSD, Recorder, Watcher, feed, make_node

S = 1_000_000_000


def test_round_trip_long_flip_short_and_close_gives_hand_computed_pnl():
    node, client, s = make_node()
    feed(node, "1.10000", "1.10002", 1 * S)
    buy = s.buy(EURUSD, 1000)                       # market: fills at the ask 1.10002
    assert buy.status == OrderStatus.ORDER_STATUS_FILLED
    pos = s.position(EURUSD)
    assert pos.side == PositionSide.POSITION_SIDE_LONG and pos.signed_qty == 1000

    feed(node, "1.10100", "1.10102", 2 * S)         # mid 1.10101: (1.10101 - 1.10002) * 1000
    assert node.portfolio.unrealized_pnl(EURUSD) == Decimal("0.99")

    s.sell(EURUSD, 3000)                            # at the bid 1.10100: closes 1000, opens -2000
    closed, = node.cache.positions_closed_recent()
    assert closed.realized_pnl_decimal == Decimal("0.98")   # (1.10100 - 1.10002) * 1000
    short = s.position(EURUSD)
    assert short.signed_qty == -2000 and short is not closed
    # opened, then on the flip: the closed one first, then the new one
    assert [id(p) for p in s.named("position")] == [id(closed), id(closed), id(short)]

    feed(node, "1.10050", "1.10052", 3 * S)
    close = s.close_position(EURUSD)                # buy 2000 at 1.10052, reduce-only
    assert close.reduce_only and str(close.quantity) == "2000"
    assert s.position(EURUSD) is None
    # 0.98 + (1.10100 - 1.10052) * 2000 = 0.98 + 0.96
    assert node.portfolio.realized_pnl(EURUSD) == Decimal("1.94")
    assert node.portfolio.unrealized_pnl(EURUSD) == 0
    assert node.portfolio.net_position(EURUSD) == 0
    assert len(s.named("fill")) == 3


def test_every_event_reaches_the_strategy_in_order():
    node, client, s = make_node()
    feed(node, "1.10000", "1.10002", S)
    s.buy(EURUSD, 1000)
    names = [n for n, _ in s.calls if n != "quote" and n != "start"]
    assert names == ["OrderSubmitted", "OrderAccepted", "OrderFilled", "fill", "position"]


def test_risk_denial_reaches_the_strategy_as_order_denied_with_the_reason():
    node, client, s = make_node(risk={"max_order_qty": "5000"})
    feed(node, "1.10000", "1.10002", S)
    order = s.buy(EURUSD, 10000)
    assert order.status == OrderStatus.ORDER_STATUS_DENIED
    denied, = s.named("OrderDenied")
    assert "max_order_qty" in denied.reason and "10000" in denied.reason
    assert client.submitted == []
    assert node.cache.orders_open_count() == 0


def test_instrument_rule_denial_names_the_rule():
    node, client, s = make_node(instrument={"tick_size": "0.00005", "min_qty": "1000"})
    feed(node, "1.10000", "1.10010", S)
    s.buy(EURUSD, 500)
    s.buy(EURUSD, 1000, "1.10002")
    small, off_tick = s.named("OrderDenied")
    assert small.reason == "quantity 500 is below the minimum quantity 1000"
    assert off_tick.reason == "price 1.10002 is not a multiple of the tick size 0.00005"
    assert client.submitted == []


def test_cancel_all_cancels_every_open_order_of_the_strategy():
    node, client, s = make_node()
    feed(node, "1.10000", "1.10002", S)
    a = s.buy(EURUSD, 1000, "1.09000")
    b = s.sell(EURUSD, 1000, "1.11000")
    assert node.cache.orders_open_count(s.id) == 2
    assert s.cancel_all() == 2
    assert a.status == b.status == OrderStatus.ORDER_STATUS_CANCELED
    assert node.cache.orders_open_count() == 0
    assert len(s.named("OrderPendingCancel")) == 2 and len(s.named("OrderCanceled")) == 2


def test_duplicate_fill_never_doubles_the_position():
    node, client, s = make_node()
    feed(node, "1.10000", "1.10002", S)
    order = s.buy(EURUSD, 2000, "1.10000")
    assert client.fill(order, order.quantity.__class__.from_str("1000"),
                       order.price, trade_id="T-X") is True
    assert client.fill(order, order.quantity.__class__.from_str("1000"),
                       order.price, trade_id="T-X") is False
    assert s.position(EURUSD).signed_qty == 1000
    assert node.exec_engine.events_dropped == 1


def test_timers_fire_into_on_timer():
    node, client, s = make_node(timer_interval_ns=S)
    node.clock.advance_time(3 * S)
    assert [e.ts_event for e in s.named("timer")] == [S, 2 * S, 3 * S]
    node.stop()
    node.clock.advance_time(5 * S)
    assert len(s.named("timer")) == 3


def test_bars_built_from_ticks_reach_on_bar():
    node, client, s = make_node(bar_types=["EUR/USD.SIM-1-SECOND-BID", "EUR/USD.SIM-2-TICK-MID"])
    feed(node, "1.10000", "1.10002", S // 2)
    feed(node, "1.10010", "1.10012", S - 1)
    feed(node, "1.09990", "1.09992", S + 10)
    node.clock.advance_time(2 * S)
    bars = s.named("bar")
    tick_bar, time_bar1, time_bar2 = bars
    assert str(tick_bar.bar_type) == "EUR/USD.SIM-2-TICK-MID"
    assert str(tick_bar.open) == "1.100010" and str(tick_bar.close) == "1.100110"
    assert (str(time_bar1.open), str(time_bar1.high), str(time_bar1.close)) == \
        ("1.10000", "1.10010", "1.10010")
    assert time_bar1.ts_event == S and time_bar2.ts_event == 2 * S
    assert str(time_bar2.close) == "1.09990"


def test_actor_receives_quotes_and_cannot_trade():
    node, client, s = make_node()
    w = node.add_strategy(Watcher())
    feed(node, "1.10000", "1.10002", S)
    assert w.quotes == 1
    assert not hasattr(w, "buy")


def test_duplicate_strategy_id_is_refused():
    node, client, s = make_node()
    with pytest.raises(ValueError, match="already used"):
        node.add_strategy(Recorder())


def test_run_names_the_missing_runner(monkeypatch):
    from hft.kernel import node as node_module

    monkeypatch.setitem(node_module.RUNNERS, "backtest", "hft.no_such_module:run_backtest")
    with pytest.raises(RuntimeError, match="hft.no_such_module:run_backtest"):
        TradingNode().runner()


def test_runner_resolves_the_backtest_run_loop():
    from hft.backtest.runner import run_backtest

    assert TradingNode().runner() is run_backtest


def test_node_from_toml_config_loads_strategy_by_path(tmp_path, monkeypatch):
    path = tmp_path / "node.toml"
    path.write_text("""
trader_id = "TESTER-001"
[[instruments]]
id = "EUR/USD.SIM"
kind = "fx"
price_precision = 5
size_precision = 0

[[venues]]
name = "SIM"
kind = "kernel_fixtures:create_filling_venue"
starting_balances = ["100000 USD"]

[[strategies]]
path = "kernel_fixtures:Recorder"
config = { instrument_id = "EUR/USD.SIM", strategy_id = "REC-7", timer_interval_ns = 1000 }
""")
    node = TradingNode(load_config(path))
    s, = node.strategies
    assert isinstance(s, Recorder) and str(s.id) == "REC-7"
    assert s.config.timer_interval_ns == 1000
    node.start()                     # builds the venue from its factory path
    assert node.exec_engine.client("SIM") is not None
    feed(node, "1.10000", "1.10002", S)
    order = s.buy(EURUSD, 1000)
    assert str(order.client_order_id) == "O-TESTER-001-REC-7-1"
    assert order.status == OrderStatus.ORDER_STATUS_FILLED


def test_bad_strategy_config_names_the_key(tmp_path):
    path = tmp_path / "node.toml"
    path.write_text("""
[[strategies]]
path = "kernel_fixtures:Recorder"
config = { timer_interval_ns = "soon" }
""")
    with pytest.raises(ConfigError, match=r"strategies\[0\]\.config\.timer_interval_ns"):
        load_config(path)
