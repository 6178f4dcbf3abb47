"""Cache: open-order indexes kept up to date, bounded memory for closed orders."""

import pytest
from hypothesis import given, strategies as st

from hft.core.encoding import SIDE_BUY
from hft.kernel.cache import Cache
from hft.model.events import OrderAccepted, OrderCanceled, OrderSubmitted
from hft.model.identifiers import ClientOrderId, StrategyId, TraderId, VenueOrderId
from hft.model.objects import Price, Quantity
from hft.model.orders import Order
from kernel_fixtures import EURUSD, eurusd, quote, trade

T, S1, S2 = TraderId("T-1"), StrategyId("S-1"), StrategyId("S-2")
from hft.model.identifiers import InstrumentId  # noqa: E402

GBPUSD = InstrumentId("GBP/USD.SIM")


def _order(n: int, sid=S1, iid=EURUSD) -> Order:
    return Order.limit(T, sid, iid, ClientOrderId(f"O-{n}"), SIDE_BUY, Quantity.from_str("1"),
                       Price.from_str("1.00000"))


def _ids(o: Order) -> tuple:
    return (o.trader_id, o.strategy_id, o.instrument_id, o.client_order_id)


def _open(cache: Cache, o: Order) -> None:
    cache.add_order(o)
    o.apply(OrderSubmitted(*_ids(o)))
    o.apply(OrderAccepted(*_ids(o), VenueOrderId("V")))
    cache.update_order(o)


def _close(cache: Cache, o: Order) -> None:
    o.apply(OrderCanceled(*_ids(o)))
    cache.update_order(o)


def test_open_orders_are_indexed_by_strategy_and_instrument():
    cache = Cache()
    a, b, c = _order(1), _order(2, S2), _order(3, S1, GBPUSD)
    for o in (a, b, c):
        _open(cache, o)
    assert cache.orders_open() == [a, b, c]
    assert cache.orders_open(S1) == [a, c]
    assert cache.orders_open(instrument_id=EURUSD) == [a, b]
    assert cache.orders_open(S1, GBPUSD) == [c]
    assert cache.orders_open_count(S2) == 1


def test_closed_order_leaves_the_open_indexes_but_stays_findable():
    cache = Cache()
    a = _order(1)
    _open(cache, a)
    _close(cache, a)
    assert cache.orders_open() == [] and cache.orders_open(S1) == []
    assert cache.order(a.client_order_id) is a
    assert cache.orders_closed == 1 and not cache.is_order_open(a.client_order_id)


def test_closed_orders_are_forgotten_beyond_the_bound():
    cache = Cache(max_closed_orders=3)
    orders = [_order(n) for n in range(10)]
    for o in orders:
        _open(cache, o)
        _close(cache, o)
    assert cache.orders_total == 10 and cache.orders_closed == 10
    assert cache.orders_closed_recent() == orders[-3:]
    assert cache.order(orders[0].client_order_id) is None
    assert cache.order(orders[-1].client_order_id) is orders[-1]


def test_reusing_a_client_order_id_is_refused():
    cache = Cache()
    cache.add_order(_order(1))
    with pytest.raises(ValueError, match="O-1 is already used"):
        cache.add_order(_order(1))


@given(st.lists(st.tuples(st.integers(0, 19), st.booleans()), max_size=60))
def test_open_index_matches_a_scan_of_all_orders(ops):
    cache = Cache(max_closed_orders=5)
    orders = {}
    for n, close in ops:
        o = orders.get(n)
        if o is None:
            o = orders[n] = _order(n, S1 if n % 2 else S2, EURUSD if n % 3 else GBPUSD)
            _open(cache, o)
        elif close and not o.is_closed:
            _close(cache, o)
    for sid in (S1, S2, None):
        for iid in (EURUSD, GBPUSD, None):
            expected = [o for o in orders.values() if not o.is_closed
                        and (sid is None or o.strategy_id == sid)
                        and (iid is None or o.instrument_id == iid)]
            assert cache.orders_open(sid, iid) == expected
            assert cache.orders_open_count(sid, iid) == len(expected)


def test_last_quote_trade_and_mark_price():
    cache = Cache()
    cache.add_instrument(eurusd())
    assert cache.price(EURUSD) is None
    cache.add_trade(trade("1.20000", "5"))
    assert cache.price(EURUSD) == pytest.approx(1.2)
    q = quote("1.10000", "1.10002")
    cache.add_quote(q)
    assert cache.quote(EURUSD) is q and cache.price(EURUSD) == pytest.approx(1.10001)
    assert cache.instrument(EURUSD).id == EURUSD and len(cache.instruments()) == 1
