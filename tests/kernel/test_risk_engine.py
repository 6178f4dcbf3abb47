"""RiskEngine: instrument rules, then core.risk limits from RiskConfig, state kept in step."""

import pytest

from hft.core.encoding import SIDE_BUY, SIDE_SELL
from hft.kernel.cache import Cache
from hft.kernel.clock import TestClock
from hft.kernel.config import RiskConfig, config_from_dict
from hft.kernel.risk_engine import RiskEngine
from hft.model.identifiers import ClientOrderId, InstrumentId, StrategyId, TraderId
from hft.model.objects import Price, Quantity
from hft.model.orders import Order
from kernel_fixtures import EURUSD, eurusd, quote

_n = 0


def _order(side=SIDE_BUY, qty="1000", price=None, iid=EURUSD, reduce_only=False) -> Order:
    global _n
    _n += 1
    args = (TraderId("T-1"), StrategyId("S-1"), iid, ClientOrderId(f"O-{_n}"), side,
            Quantity.from_str(qty))
    if price is None:
        return Order.market(*args, reduce_only=reduce_only)
    return Order.limit(*args, Price.from_str(price), reduce_only=reduce_only)


def _engine(**risk) -> RiskEngine:
    cfg = config_from_dict({"risk": risk}).risk if risk else None
    cache = Cache()
    cache.add_instrument(eurusd(min_quantity=1000))
    engine = RiskEngine(TestClock(), cache, cfg)
    engine.register_instrument(cache.instrument(EURUSD))
    return engine


def test_order_within_limits_passes():
    assert _engine(max_order_qty="5000").check_order(_order()) is None


def test_unknown_instrument_is_denied_by_name():
    reason = _engine().check_order(_order(iid=InstrumentId("XAU/USD.SIM")))
    assert reason == "instrument XAU/USD.SIM is not known to the node"


def test_instrument_rules_come_first_with_their_reason():
    assert _engine().check_order(_order(qty="999")) == \
        "quantity 999 is below the minimum quantity 1000"


@pytest.mark.parametrize("risk, order, words", [
    ({"max_order_qty": "5000"}, dict(qty="6000"), "max_order_qty 5000"),
    ({"max_order_notional": "1000"}, dict(qty="1000", price="1.10000"), "max_order_notional"),
    ({"price_band_pct": "1"}, dict(price="1.20000"), "outside price_band"),
    ({"max_position_qty": "1000"}, dict(qty="2000", price="1.10000"), "exceeds max_position"),
])
def test_config_limits_deny_with_the_named_limit(risk, order, words):
    engine = _engine(**risk)
    engine.cache.add_quote(quote("1.10000", "1.10002"))
    reason = engine.check_order(_order(**order))
    assert words in reason and "EUR/USD.SIM" in reason


def test_price_band_reads_the_last_quote_at_check_time():
    engine = _engine(price_band_pct="1")
    engine.cache.add_quote(quote("1.00000", "1.00002"))
    assert engine.check_order(_order(price="1.05000")) is not None
    engine.cache.add_quote(quote("1.04000", "1.04002"))
    assert engine.check_order(_order(price="1.05000")) is None


def test_fills_move_the_position_the_limit_is_judged_on():
    engine = _engine(max_position_qty="1000")
    order = _order()
    assert engine.check_order(order) is None
    engine.on_fill(order, 1000, SIDE_BUY)
    assert "max_position" in engine.check_order(_order())
    assert engine.check_order(_order(side=SIDE_SELL)) is None
    assert engine.checker.position(1) == 1000


def test_closed_orders_give_back_their_open_count():
    engine = _engine()
    order = _order()
    engine.check_order(order)
    assert engine.checker.open_orders(1) == 1
    engine.on_order_closed(order)
    engine.on_order_closed(order)      # never below zero
    assert engine.checker.open_orders(1) == 0


def test_rate_limit_denies_beyond_the_burst():
    engine = _engine(orders_per_second=2)
    reasons = [engine.check_order(_order()) for _ in range(3)]
    assert reasons[:2] == [None, None] and "rate" in reasons[2]


def test_daily_loss_limit_lets_only_reducing_orders_through():
    engine = _engine(daily_loss_limit="100")
    order = _order()
    engine.check_order(order)
    engine.on_fill(order, 1000, SIDE_BUY)
    engine.update_pnl(-150.0)
    assert "daily loss limit" in engine.check_order(_order())
    assert engine.check_order(_order(side=SIDE_SELL)) is None


def test_kill_switch_halts_every_order():
    engine = _engine()
    engine.set_trading_state("HALTED")
    assert engine.check_order(_order()) == "trading is HALTED: no new orders"


def test_bypass_skips_every_check():
    engine = _engine(bypass=True, max_order_qty="1")
    assert engine.check_order(_order(qty="999")) is None
