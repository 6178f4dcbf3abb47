"""The engine's wire-first client protocol: send_new after risk, bookkeeping after the write."""

import pytest

from hft.core.encoding import SIDE_BUY
from hft.model.enums import OrderStatus
from hft.model.events import OrderAccepted, OrderRejected
from hft.model.identifiers import VenueOrderId
from hft.model.objects import Price, Quantity
from hft.model.orders import Order
from kernel_fixtures import EURUSD, FillingClient, feed, make_node

S = 1_000_000_000


class WireFirstClient(FillingClient):
    """Record what the order looked like when send_new and after_submit were called."""

    def __init__(self, refuse: str | None = None) -> None:
        super().__init__()
        self.refuse = refuse
        self.seen: list[tuple] = []

    def send_new(self, order) -> int:
        cached = self.engine.cache.order(order.client_order_id) is not None
        self.seen.append(("send_new", order.status, cached))
        return 2 if self.refuse else 0

    def after_submit(self, order, status: int) -> None:
        cached = self.engine.cache.order(order.client_order_id) is not None
        self.seen.append(("after_submit", order.status, cached, status))
        ts = self.timestamp_ns()
        if status:
            self.engine.process_event(OrderRejected(*self._ids(order), self.refuse,
                                                    ts_event=ts, ts_init=ts))
        else:
            self.engine.process_event(OrderAccepted(*self._ids(order), VenueOrderId("V-1"),
                                                    ts_event=ts, ts_init=ts))

    def submit_order(self, order) -> None:
        raise AssertionError("a wire-first client gets send_new / after_submit")


def _node(client, **risk):
    node, _, s = make_node(risk=risk)
    node.add_execution_client(client)
    feed(node, "1.10000", "1.10002", S)
    return node, s


def test_the_order_is_written_before_the_node_books_it():
    client = WireFirstClient()
    node, s = _node(client)
    order = s.buy(EURUSD, 1000, "1.09000")
    initialized, submitted = (OrderStatus.ORDER_STATUS_INITIALIZED,
                              OrderStatus.ORDER_STATUS_SUBMITTED)
    assert client.seen == [("send_new", initialized, False),
                           ("after_submit", submitted, True, 0)]
    assert order.status == OrderStatus.ORDER_STATUS_ACCEPTED
    # the strategy sees the same events as with submit_order: submitted, then accepted
    assert [n for n, _ in s.calls if n.startswith("Order")] == ["OrderSubmitted",
                                                                 "OrderAccepted"]
    assert node.cache.orders_open_count() == 1


def test_a_refusal_decided_in_send_new_is_reported_after_submitted():
    client = WireFirstClient(refuse="rate limited")
    node, s = _node(client)
    order = s.buy(EURUSD, 1000, "1.09000")
    assert order.status == OrderStatus.ORDER_STATUS_REJECTED
    assert [n for n, _ in s.calls if n.startswith("Order")] == ["OrderSubmitted",
                                                                 "OrderRejected"]
    assert s.named("OrderRejected")[0].reason == "rate limited"
    assert node.cache.orders_open_count() == 0


def test_a_denied_order_never_reaches_the_client_and_is_cached():
    client = WireFirstClient()
    node, s = _node(client, max_order_qty="500")
    order = s.buy(EURUSD, 1000, "1.09000")
    assert order.status == OrderStatus.ORDER_STATUS_DENIED
    assert client.seen == []
    assert node.cache.order(order.client_order_id) is order


def test_a_client_order_id_used_twice_raises_before_anything_is_sent():
    client = WireFirstClient()
    node, s = _node(client)
    first = s.buy(EURUSD, 1000, "1.09000")
    again = Order.limit(first.trader_id, s.id, EURUSD, first.client_order_id, SIDE_BUY,
                        Quantity.from_str("1000"), Price.from_str("1.09000"))
    with pytest.raises(ValueError, match="already used"):
        s.submit_order(again)
    assert len(client.seen) == 2  # the first order's two calls only
    assert again.status == OrderStatus.ORDER_STATUS_INITIALIZED


def test_a_client_with_only_one_of_the_pair_gets_submit_order():
    class Half(FillingClient):
        def send_new(self, order) -> int:
            raise AssertionError("send_new alone is not the wire-first protocol")

    client = Half()
    node, s = _node(client)
    order = s.buy(EURUSD, 1000)
    assert client.submitted == [order]
    assert order.status == OrderStatus.ORDER_STATUS_FILLED
