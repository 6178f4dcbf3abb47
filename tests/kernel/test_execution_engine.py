"""ExecutionEngine: routing, venue events applied to orders, positions, account, strategy."""

from decimal import Decimal

import pytest

from hft.model.enums import OrderStatus
from hft.model.events import OrderAccepted
from hft.model.identifiers import ClientOrderId, InstrumentId, VenueOrderId
from hft.model.objects import Price, Quantity
from kernel_fixtures import EURUSD, USD, feed, make_node

S = 1_000_000_000


def test_order_for_a_venue_without_client_is_denied():
    node, client, s = make_node()
    order = s.limit(InstrumentId("EUR/USD.OTHER"), 1, Quantity.from_str("1"),
                    Price.from_str("1.1"))
    assert s.submit_order(order) is False
    denied, = s.named("OrderDenied")
    assert denied.reason == "no execution client for venue OTHER"


def test_submitting_an_order_twice_is_a_programming_error():
    node, client, s = make_node()
    feed(node, "1.10000", "1.10002", S)
    order = s.buy(EURUSD, 1000, "1.09000")
    with pytest.raises(ValueError, match="ACCEPTED, expected INITIALIZED"):
        s.submit_order(order)


def test_venue_rejection_closes_the_order_and_reaches_the_strategy():
    node, client, s = make_node()
    client.reject_next = "insufficient margin"
    order = s.buy(EURUSD, 1000, "1.09000")
    assert order.status == OrderStatus.ORDER_STATUS_REJECTED
    rejected, = s.named("OrderRejected")
    assert rejected.reason == "insufficient margin"
    assert node.cache.orders_open_count() == 0
    assert node.risk_engine.checker.open_orders(1) == 0


def test_partial_fills_grow_one_position_and_close_the_order_at_the_end():
    node, client, s = make_node()
    order = s.buy(EURUSD, 3000, "1.10000")
    for n in range(3):
        client.fill(order, Quantity.from_str("1000"), Price.from_str(f"1.1000{n}"))
    assert order.status == OrderStatus.ORDER_STATUS_FILLED
    pos = s.position(EURUSD)
    assert pos.signed_qty == 3000 and pos.avg_px_open_decimal == Decimal("1.10001")
    assert len(s.named("fill")) == 3 and len(set(map(id, s.named("position")))) == 1


def test_event_for_an_unknown_order_is_dropped():
    node, client, s = make_node()
    event = OrderAccepted(node.trader_id, s.id, EURUSD, ClientOrderId("O-nobody"),
                          VenueOrderId("V-1"))
    assert node.exec_engine.process_event(event) is False
    assert node.exec_engine.events_dropped == 1 and s.named("OrderAccepted") == []


def test_modify_goes_pending_then_updated():
    node, client, s = make_node()
    order = s.buy(EURUSD, 1000, "1.09000")
    s.modify_order(order, price="1.09500")
    assert [n for n, _ in s.calls][-2:] == ["OrderPendingUpdate", "OrderUpdated"]
    assert str(order.price) == "1.09500" and order.status == OrderStatus.ORDER_STATUS_ACCEPTED


def test_client_order_ids_are_deterministic_per_strategy():
    ids = []
    for _ in range(2):
        node, client, s = make_node()
        ids.append([str(s.buy(EURUSD, 1000, "1.09000").client_order_id) for _ in range(3)])
    assert ids[0] == ids[1] == [f"O-TRADER-001-Recorder-001-{n}" for n in (1, 2, 3)]


def test_fills_move_the_venue_account():
    node, client, s = make_node(fee="0.00002")
    feed(node, "1.10000", "1.10002", S)
    s.buy(EURUSD, 1000)
    feed(node, "1.10100", "1.10102", 2 * S)
    s.sell(EURUSD, 1000)
    account = node.cache.account("SIM")
    # fx books realized PnL (0.98) less two fees of 0.02
    assert str(account.balance_total(USD)) == "1000000.94 USD"


def test_order_events_go_on_the_bus_when_subscribed():
    node, client, s = make_node()
    seen = []
    node.msgbus.subscribe(f"events.order.{s.id}", lambda e: seen.append(type(e).__name__))
    s.buy(EURUSD, 1000, "1.09000")
    assert seen == ["OrderSubmitted", "OrderAccepted"]


def test_an_amend_past_a_risk_limit_is_refused_before_the_venue():
    node, client, s = make_node(risk={"max_order_qty": "5000"})
    order = s.buy(EURUSD, 1000, "1.09000")
    s.modify_order(order, quantity=6000)
    assert [n for n, _ in s.calls][-2:] == ["OrderPendingUpdate", "OrderModifyRejected"]
    rejected, = s.named("OrderModifyRejected")
    assert "6000" in rejected.reason and "5000" in rejected.reason
    assert client.modified == []
    assert str(order.quantity) == "1000" and order.status == OrderStatus.ORDER_STATUS_ACCEPTED
    assert node.exec_engine.modifies_denied == 1
    s.modify_order(order, quantity=5000)
    assert [n for n, _ in s.calls][-1] == "OrderUpdated" and str(order.quantity) == "5000"


def test_an_amend_to_no_more_than_the_filled_quantity_is_refused():
    node, client, s = make_node()
    order = s.buy(EURUSD, 1000, "1.09000")
    client.fill(order, Quantity.from_str("400"), Price.from_str("1.09000"))
    s.modify_order(order, quantity=400)
    rejected, = s.named("OrderModifyRejected")
    assert rejected.reason == "quantity 400 is not above the 400 already filled"
    assert client.modified == []
