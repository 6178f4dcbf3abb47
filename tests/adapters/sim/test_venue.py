"""SimExecutionClient: model events, fees, balances, latency FIFO and the node factory."""

from decimal import Decimal

import pytest

from hft.adapters.sim import (
    FeeModel, LatencyModel, SimExecutionClient, create_sim_venue, sim_venues,
)
from hft.kernel.clock import TestClock
from hft.kernel.config import VenueConfig, config_from_dict
from hft.model.data import QuoteTick, TradeTick
from hft.model.enums import LiquiditySide, OrderSide, OrderStatus, TimeInForce
from hft.model.identifiers import ClientOrderId, StrategyId, TraderId, TradeId
from hft.model.instruments import Instrument
from hft.model.objects import Currency, Price, Quantity
from hft.model.orders import Order

BUY, SELL = OrderSide.SIDE_BUY, OrderSide.SIDE_SELL


class Engine:
    """Apply every event to its order, as the ExecutionEngine does, and keep them."""

    def __init__(self) -> None:
        self.clock = TestClock()
        self.events = []

    def process_event(self, event) -> None:
        self.events.append(event)
        self.orders[event.client_order_id].apply(event)


def make_venue(**kw):
    inst = Instrument.crypto_spot("BTCUSDT.SIM", Currency.from_str("BTC"), Currency.from_str("USDT"),
                                  price_precision=2, size_precision=3, maker_fee="0.001",
                                  taker_fee="0.002", numeric_id=1)
    venue = SimExecutionClient("SIM", [inst], starting_balances=[(Decimal(10000), "USDT")], **kw)
    engine = Engine()
    engine.orders = {}
    venue.engine = engine
    return venue, engine, inst


def quote(inst, ts, bid, ask, bid_size="1", ask_size="1"):
    return QuoteTick(inst.id, Price.from_str(bid), Price.from_str(ask), Quantity.from_str(bid_size),
                     Quantity.from_str(ask_size), ts, ts)


_n = [0]


def order(engine, inst, side, qty, price=None, **kw):
    _n[0] += 1
    coid = ClientOrderId(f"O-{_n[0]}")
    args = (TraderId("T-1"), StrategyId("S-1"), inst.id, coid, side, inst.make_qty(qty))
    o = Order.limit(*args, Price.from_str(price), **kw) if price else Order.market(*args, **kw)
    from hft.model.events import OrderSubmitted
    o.apply(OrderSubmitted(*args[:4]))
    engine.orders[coid] = o
    return o


def test_market_fill_reports_taker_fee_and_moves_balances():
    venue, engine, inst = make_venue()
    venue.process_quote(quote(inst, 1, "100.00", "101.00", "2", "2"))
    o = order(engine, inst, BUY, "1.500")
    venue.submit_order(o)
    accepted, filled = engine.events
    assert filled.last_px == Price.from_str("101.00") and filled.last_qty == Quantity.from_str("1.500")
    assert filled.liquidity_side == LiquiditySide.LIQUIDITY_SIDE_TAKER
    assert str(filled.commission.as_decimal()) == "0.30300000"  # 151.5 * 0.002
    assert o.status == OrderStatus.ORDER_STATUS_FILLED
    assert venue.balances["USDT"] == Decimal("10000") - Decimal("151.5") - Decimal("0.303")
    assert venue.balances["BTC"] == Decimal("1.500")
    assert venue.fills.array()["qty_raw"].tolist() == [1500]


def test_resting_limit_fills_as_maker_after_its_queue():
    venue, engine, inst = make_venue()
    venue.process_quote(quote(inst, 1, "100.00", "101.00", "2", "2"))
    o = order(engine, inst, BUY, "1", "100.00")
    venue.submit_order(o)
    venue.process_trade(TradeTick(inst.id, Price.from_str("100.00"), Quantity.from_str("2.5"),
                                  SELL, TradeId("1"), 2, 2))
    filled = engine.events[-1]
    assert filled.last_qty == Quantity.from_str("0.500")
    assert filled.liquidity_side == LiquiditySide.LIQUIDITY_SIDE_MAKER
    assert o.status == OrderStatus.ORDER_STATUS_PARTIALLY_FILLED


def test_post_only_rejection_reaches_the_order_with_its_reason():
    venue, engine, inst = make_venue()
    venue.process_quote(quote(inst, 1, "100.00", "101.00"))
    o = order(engine, inst, BUY, "1", "101.00", post_only=True)
    venue.submit_order(o)
    assert o.status == OrderStatus.ORDER_STATUS_REJECTED
    assert "post-only" in engine.events[0].reason


def test_order_latency_holds_the_order_until_it_arrives():
    venue, engine, inst = make_venue(latency=LatencyModel(order_ns=100, report_ns=10))
    venue.process_quote(quote(inst, 0, "100.00", "101.00"))
    o = order(engine, inst, BUY, "1")
    venue.submit_order(o)
    assert engine.events == [] and venue.next_due_ns() == 100
    venue.process_quote(quote(inst, 50, "100.00", "105.00"))  # the market moves first
    engine.clock.set_time(100)
    venue.process_due(100)  # arrives, fills at 105; the reports are due at 110
    assert engine.events == [] and venue.next_due_ns() == 110
    engine.clock.set_time(110)
    venue.process_due(110)
    fill = engine.events[-1]
    assert fill.last_px == Price.from_str("105.00") and fill.ts_event == 100 and fill.ts_init == 110


def test_jittered_commands_never_overtake_each_other():
    venue, engine, inst = make_venue(latency=LatencyModel(order_ns=100, jitter_ns=1000, seed=3))
    venue.process_quote(quote(inst, 0, "100.00", "101.00", "100", "100"))
    orders = [order(engine, inst, BUY, "1", "99.00") for _ in range(20)]
    for o in orders:
        venue.submit_order(o)
    engine.clock.set_time(10_000)
    venue.process_due(10_000)
    accepted = [e.client_order_id for e in engine.events]
    assert accepted == [o.client_order_id for o in orders]


def test_cancel_and_modify_reach_the_order_state_machine():
    venue, engine, inst = make_venue()
    venue.process_quote(quote(inst, 1, "100.00", "101.00"))
    o = order(engine, inst, BUY, "1", "99.00")
    venue.submit_order(o)
    venue.modify_order(o, None, Price.from_str("99.50"), None)
    assert o.price == Price.from_str("99.50")
    venue.cancel_order(o)
    assert o.status == OrderStatus.ORDER_STATUS_CANCELED


def test_fee_model_fixed_and_zero():
    _, _, inst = make_venue()
    assert FeeModel("zero").commission(inst, 10000, 1000, 2).raw == 0
    fee = FeeModel("fixed", maker="-0.0001", taker="0.0005").commission(inst, 10000, 1000, 1)
    assert fee.as_decimal() == Decimal("-0.01")


def test_factory_builds_a_venue_from_the_node_config_and_remembers_it():
    cfg = config_from_dict({
        "instruments": [{"id": "EUR/USD.SIM", "kind": "fx", "price_precision": 5,
                         "size_precision": 0, "taker_fee": "0.00002"}],
        "venues": [{"name": "SIM", "starting_balances": ["100000 USD"], "book_type": "L1",
                    "latency": {"base_ns": 5}}],
    })

    class Node:
        config = cfg

    node = Node()
    venue = create_sim_venue(node, cfg.venues[0])
    assert sim_venues(node) == [venue]
    assert venue.latency.insert_delay() == 5 and venue.balances["USD"] == Decimal(100000)
    assert list(venue.matchers) == [1]
    assert venue.instrument(next(iter(venue._instruments))).quote_currency.code == "USD"


def _fx_venue():
    inst = Instrument.fx("EUR/USD.SIM", numeric_id=1, size_increment=1, taker_fee="0.00002")
    venue = SimExecutionClient("SIM", [inst], starting_balances=[(Decimal(1000), "USD")])
    engine = Engine()
    engine.orders = {}
    venue.engine = engine
    return venue, engine, inst


def test_small_fills_are_charged_their_rounded_running_total_of_fees():
    venue, engine, inst = _fx_venue()
    venue.process_quote(QuoteTick(inst.id, Price.from_str("1.11990"), Price.from_str("1.12000"),
                                  Quantity.from_str("1000000"), Quantity.from_str("1000000"), 1, 1))
    for i in range(1000):
        venue.submit_order(order(engine, inst, BUY if i % 2 == 0 else SELL, "1"))
    fills = [e for e in engine.events if type(e).__name__ == "OrderFilled"]
    assert len(fills) == 1000
    charged = sum(f.commission.as_decimal() for f in fills)
    assert charged == Decimal("0.02")  # round(1000 * 0.0000224) half-even, not 1000 * 0.00
    assert all(f.commission.as_decimal() in (Decimal("0.00"), Decimal("0.01")) for f in fills)
    exact = venue.fills.array()["fee"]
    assert exact.sum() == pytest.approx(500 * (1.12 + 1.1199) * 0.00002)  # 0.022399, kept exact
    buys = sells = 500
    cash = Decimal(1000) - buys * Decimal("1.12000") + sells * Decimal("1.11990") - charged
    assert venue.balances["USD"] == cash


def test_a_single_fill_fee_is_rounded_half_even_to_cents():
    venue, engine, inst = _fx_venue()
    venue.process_quote(QuoteTick(inst.id, Price.from_str("1.11990"), Price.from_str("1.12500"),
                                  Quantity.from_str("1000000"), Quantity.from_str("1000000"), 1, 1))
    venue.submit_order(order(engine, inst, BUY, "1000"))  # 1125 * 0.00002 = 0.0225 -> 0.02
    filled = engine.events[-1]
    assert filled.commission.as_decimal() == Decimal("0.02")
    assert venue.fills.array()["fee"][0] == pytest.approx(0.0225)


def test_equity_marks_a_position_at_its_last_fill_when_there_is_no_quote():
    venue, engine, inst = make_venue(book_type="L2")
    matcher = venue.matchers[1]
    matcher.apply_book_level(1, 1, 10000, 2000)  # bid 100.00 x 2
    matcher.apply_book_level(1, 2, 10100, 2000)  # ask 101.00 x 2
    venue.submit_order(order(engine, inst, BUY, "1.000"))
    cash = Decimal(10000) - Decimal("101.00") - Decimal("0.202")  # USDT has 8 digits
    assert venue.balances["USDT"] == cash
    assert venue.equity("USDT") == cash + Decimal("100.50")  # marked at the mid
    matcher.clear_book(2)
    assert matcher.mid_raw() is None
    assert venue.equity("USDT") == cash + Decimal("101.00")  # the last fill, not dropped


def test_assigning_a_latency_model_changes_the_delays():
    venue, engine, inst = make_venue()
    venue.process_quote(quote(inst, 0, "100.00", "101.00"))
    venue.latency = LatencyModel(order_ns=100, insert_ns=20, report_ns=7)
    venue.submit_order(order(engine, inst, BUY, "1"))
    assert engine.events == [] and venue.next_due_ns() == 120
    engine.clock.set_time(120)
    venue.process_due(120)
    assert venue.next_due_ns() == 127


def test_jittered_delays_are_the_models_seeded_draws_in_order():
    model = LatencyModel(order_ns=100, report_ns=10, jitter_ns=50, seed=7)
    twin = LatencyModel(order_ns=100, report_ns=10, jitter_ns=50, seed=7)
    venue, engine, inst = make_venue(latency=model)
    venue.process_quote(quote(inst, 0, "100.00", "101.00"))
    venue.submit_order(order(engine, inst, BUY, "1"))
    arrive = twin.insert_delay()
    assert venue.next_due_ns() == arrive
    engine.clock.set_time(arrive)
    venue.process_due(arrive)  # accepted and filled: two reports, each its own draw
    accepted_due = arrive + twin.report_delay()
    filled_due = max(accepted_due, arrive + twin.report_delay())
    assert venue.next_due_ns() == accepted_due
    for due in (accepted_due, filled_due):
        engine.clock.set_time(due)
        venue.process_due(due)
    assert [e.ts_init for e in engine.events] == [accepted_due, filled_due]


def test_trade_ids_count_fills_per_venue_and_venue_order_ids_count_orders():
    venue, engine, inst = make_venue()
    venue.process_quote(quote(inst, 1, "100.00", "101.00", "5", "5"))
    for _ in range(2):
        venue.submit_order(order(engine, inst, BUY, "1"))
    fills = engine.events[1::2]  # accepted, filled, accepted, filled
    assert [str(f.trade_id) for f in fills] == ["SIM-1", "SIM-2"]
    assert [str(e.venue_order_id) for e in engine.events] == ["1", "1", "2", "2"]
