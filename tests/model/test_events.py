"""Order events: fields, kinds, validation and reprs."""

import pytest

from hft.model.enums import LiquiditySide, OrderEventKind, OrderSide
from hft.model.events import (
    OrderAccepted, OrderCanceled, OrderCancelRejected, OrderDenied, OrderEvent, OrderExpired,
    OrderFilled, OrderModifyRejected, OrderPendingCancel, OrderPendingUpdate, OrderRejected,
    OrderSubmitted, OrderTriggered, OrderUpdated,
)
from hft.model.identifiers import (
    ClientOrderId, InstrumentId, PositionId, StrategyId, TradeId, TraderId, VenueOrderId,
)
from hft.model.objects import Currency, Money, Price, Quantity

USD = Currency.from_str("USD")
IDS = (TraderId("T-001"), StrategyId("S-001"), InstrumentId("EUR/USD.SIM"), ClientOrderId("O-1"))
V = VenueOrderId("V-1")

EVENTS = [
    (lambda: OrderDenied(*IDS, "max qty"), OrderEventKind.ORDER_EVENT_DENIED),
    (lambda: OrderSubmitted(*IDS), OrderEventKind.ORDER_EVENT_SUBMITTED),
    (lambda: OrderAccepted(*IDS, V), OrderEventKind.ORDER_EVENT_ACCEPTED),
    (lambda: OrderRejected(*IDS, "margin"), OrderEventKind.ORDER_EVENT_REJECTED),
    (lambda: OrderPendingUpdate(*IDS, V), OrderEventKind.ORDER_EVENT_PENDING_UPDATE),
    (lambda: OrderPendingCancel(*IDS, V), OrderEventKind.ORDER_EVENT_PENDING_CANCEL),
    (lambda: OrderUpdated(*IDS, price=Price.from_str("1.1")), OrderEventKind.ORDER_EVENT_UPDATED),
    (lambda: OrderModifyRejected(*IDS, "late"), OrderEventKind.ORDER_EVENT_MODIFY_REJECTED),
    (lambda: OrderCancelRejected(*IDS, "late"), OrderEventKind.ORDER_EVENT_CANCEL_REJECTED),
    (lambda: OrderCanceled(*IDS, V), OrderEventKind.ORDER_EVENT_CANCELED),
    (lambda: OrderExpired(*IDS, V), OrderEventKind.ORDER_EVENT_EXPIRED),
    (lambda: OrderTriggered(*IDS, V), OrderEventKind.ORDER_EVENT_TRIGGERED),
    (lambda: OrderFilled(*IDS, V, TradeId("E-1"), OrderSide.SIDE_BUY, Quantity.from_str("1"),
                         Price.from_str("1.1"), Money("0", USD)), OrderEventKind.ORDER_EVENT_FILLED),
]


@pytest.mark.parametrize(("make", "kind"), EVENTS, ids=[k.name for _, k in EVENTS])
def test_each_event_has_its_kind_and_the_common_fields(make, kind):
    ev = make()
    assert ev.kind == kind and isinstance(ev, OrderEvent)
    assert (ev.trader_id, ev.strategy_id, ev.instrument_id, ev.client_order_id) == IDS
    assert (ev.event_id, ev.ts_event, ev.ts_init) == (0, 0, 0)
    assert repr(ev).startswith(f"{type(ev).__name__}(client_order_id=O-1, ")


def test_every_event_kind_has_one_event_class():
    assert sorted(k for _, k in EVENTS) == sorted(OrderEventKind)


def test_timestamps_and_event_id_are_kept():
    ev = OrderSubmitted(*IDS, event_id=7, ts_event=1_000, ts_init=1_001)
    assert (ev.event_id, ev.ts_event, ev.ts_init) == (7, 1_000, 1_001)


def test_filled_exposes_quantities_sides_and_ids():
    fill = OrderFilled(*IDS, V, TradeId("E-9"), OrderSide.SIDE_SELL, Quantity.from_str("2.50"),
                       Price.from_str("1.23456"), Money("-0.10", USD),
                       LiquiditySide.LIQUIDITY_SIDE_MAKER, PositionId("P-1"), ts_event=5)
    assert fill.last_qty == Quantity.from_str("2.50") and fill.last_qty_raw == 250
    assert fill.last_px == Price.from_str("1.23456") and fill.last_px_raw == 123456
    assert fill.order_side == OrderSide.SIDE_SELL and not fill.is_buy
    assert fill.liquidity_side == LiquiditySide.LIQUIDITY_SIDE_MAKER
    assert fill.commission == Money("-0.10", USD)
    assert (fill.trade_id, fill.venue_order_id, fill.position_id) == \
        (TradeId("E-9"), V, PositionId("P-1"))
    assert repr(fill) == (
        "OrderFilled(client_order_id=O-1, venue_order_id=V-1, trade_id=E-9, side=SELL, "
        "last_qty=2.50, last_px=1.23456, commission=-0.10 USD, liquidity=MAKER, "
        "position_id=P-1, instrument_id=EUR/USD.SIM, strategy_id=S-001, event_id=0, ts_event=5)"
    )


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"order_side": 0}, "order_side"),
    ({"last_qty": Quantity.from_str("0")}, "last_qty"),
    ({"liquidity_side": 3}, "liquidity_side"),
])
def test_filled_rejects_bad_fields_by_name(kwargs, field):
    args = {"order_side": OrderSide.SIDE_BUY, "last_qty": Quantity.from_str("1"),
            "liquidity_side": LiquiditySide.LIQUIDITY_SIDE_TAKER} | kwargs
    with pytest.raises(ValueError, match=f"field '{field}'"):
        OrderFilled(*IDS, V, TradeId("E-1"), args["order_side"], args["last_qty"],
                    Price.from_str("1"), Money("0", USD), args["liquidity_side"])


def test_updated_keeps_only_the_given_fields():
    ev = OrderUpdated(*IDS, quantity=Quantity.from_str("3"), trigger_price=Price.from_str("1.05"))
    assert ev.quantity == Quantity.from_str("3") and ev.price is None
    assert ev.trigger_price == Price.from_str("1.05")
    assert "quantity=3, trigger_price=1.05" in repr(ev)


def test_updated_needs_a_change_and_a_positive_quantity():
    with pytest.raises(ValueError, match="at least one"):
        OrderUpdated(*IDS)
    with pytest.raises(ValueError, match="field 'quantity'"):
        OrderUpdated(*IDS, quantity=Quantity.from_str("0"))


def test_reasons_are_kept_and_shown():
    ev = OrderRejected(*IDS, "insufficient margin")
    assert ev.reason == "insufficient margin" and "reason='insufficient margin'" in repr(ev)
    assert OrderCancelRejected(*IDS, "unknown", V).venue_order_id == V


def test_missing_identity_is_a_type_error():
    with pytest.raises(TypeError, match="required"):
        OrderSubmitted(None, *IDS[1:])


def test_the_base_class_cannot_be_built():
    with pytest.raises(TypeError, match="abstract"):
        OrderEvent()


def test_venue_order_id_is_none_until_known():
    assert OrderSubmitted(*IDS).venue_order_id is None
    assert OrderAccepted(*IDS, V).venue_order_id == V
