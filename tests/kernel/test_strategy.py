"""Strategy and Actor: lifecycle, typed config, order factories, helpers, timers."""

import pytest

from hft.core.encoding import SIDE_BUY, SIDE_SELL
from hft.kernel.config import ImportableStrategyConfig, StrategyConfig, load_strategy_config
from hft.kernel.strategy import Actor, Strategy
from hft.model.enums import OrderStatus
from kernel_fixtures import EURUSD, Recorder, RecorderConfig, feed, make_node

S = 1_000_000_000


class Plain(Strategy):
    pass


def test_default_id_is_the_class_name_and_config_is_the_base_config():
    s = Plain()
    assert str(s.id) == "Plain-001" and isinstance(s.config, StrategyConfig)
    assert str(Plain(StrategyConfig(strategy_id="X-9")).id) == "X-9"


def test_typed_config_is_loaded_through_config_type():
    cls, cfg = load_strategy_config(ImportableStrategyConfig(
        path="kernel_fixtures:Recorder", config={"trade_size": "5", "timer_interval_ns": 7}))
    assert cls is Recorder and isinstance(cfg, RecorderConfig) and cfg.timer_interval_ns == 7


def test_an_unregistered_strategy_says_it_needs_a_node():
    with pytest.raises(RuntimeError, match="node.add_strategy"):
        Plain().subscribe_quotes(EURUSD)
    with pytest.raises(RuntimeError, match="node.add_strategy"):
        Plain().buy(EURUSD, 1)


def test_lifecycle_calls_on_start_and_on_stop_and_reset_needs_a_stop():
    node, client, s = make_node()
    assert s.is_running and s.named("start") == [None]
    with pytest.raises(RuntimeError, match="stop before reset"):
        s.reset()
    node.stop()
    assert not s.is_running and s.named("stop") == [None]
    s.reset()


def test_factories_take_text_and_use_the_instrument_precisions():
    node, client, s = make_node()
    order = s.limit(EURUSD, SIDE_BUY, "1000", "1.1")
    assert order.price.precision == 5 and str(order.price) == "1.10000"
    stop = s.stop_limit("EUR/USD.SIM", SIDE_SELL, 2000, "1.09", "1.0905")
    assert str(stop.trigger_price) == "1.09050"
    assert order.status == OrderStatus.ORDER_STATUS_INITIALIZED   # built, not submitted
    assert s.market(EURUSD, SIDE_BUY, 1).price is None


def test_buy_without_price_is_a_market_order_and_with_price_a_limit():
    node, client, s = make_node()
    feed(node, "1.10000", "1.10002", S)
    assert s.buy(EURUSD, 1000).order_type.name == "ORDER_TYPE_MARKET"
    assert s.sell(EURUSD, 1000, "1.20000").order_type.name == "ORDER_TYPE_LIMIT"


def test_cancel_all_limits_itself_to_one_instrument_when_asked():
    node, client, s = make_node()
    s.buy(EURUSD, 1000, "1.09000")
    assert s.cancel_all("GBP/USD.SIM") == 0
    assert s.cancel_all(EURUSD) == 1


def test_close_position_on_a_flat_instrument_does_nothing():
    node, client, s = make_node()
    assert s.close_position(EURUSD) is None and client.submitted == []


def test_submitting_another_strategys_order_is_refused():
    node, client, a = make_node()
    b = node.add_strategy(Plain())
    order = a.limit(EURUSD, SIDE_BUY, 1000, "1.1")
    with pytest.raises(ValueError, match="belongs to Recorder-001"):
        b.submit_order(order)


def test_stop_cancels_the_strategy_timers():
    node, client, s = make_node()
    s.set_time_alert("once", 5 * S)
    s.set_timer("every", S)
    assert sorted(node.clock.timer_names) == ["every", "once"]
    node.stop()
    assert node.clock.timer_names == []


def test_a_subclass_handler_is_the_one_called():
    calls = []

    class Counter(Actor):
        def on_start(self):
            self.subscribe_quotes(EURUSD)

        def on_quote(self, quote):
            calls.append(quote.bid_raw)

    node, client, s = make_node()
    node.add_strategy(Counter())          # added while running: started at once
    feed(node, "1.10000", "1.10002", S)
    assert calls == [110000]


def test_order_record_number_matches_the_generator_mapping():
    node, client, s = make_node()
    order = s.limit(EURUSD, SIDE_BUY, 1000, "1.1")
    gen = node.exec_engine.register_strategy(s)
    assert order.client_order_num == gen.numeric(order.client_order_id)
