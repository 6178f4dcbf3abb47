"""Hand-built fill scenarios for SimMatcher: each order type and TIF with its fills written out.

Prices and sizes are raw integers. Events are read as (kind, order_id, price, qty, leaves,
liquidity) tuples; M / T = MAKER / TAKER.
"""

import re

import pytest
from hypothesis import given, strategies as st

from hft.adapters.sim.matcher import (
    REST_FULL, REST_NEXT_LEVEL, REST_PARTIAL, SIM_ACCEPTED, SIM_CANCEL_REJECTED, SIM_CANCELED,
    SIM_EXPIRED, SIM_FILLED, SIM_MODIFY_REJECTED, SIM_REASON_FOK, SIM_REASON_IOC,
    SIM_REASON_NO_MARKET, SIM_REASON_POST_ONLY, SIM_REASON_REDUCE_ONLY, SIM_REJECTED,
    SIM_TRIGGERED, SIM_UPDATED, SimMatcher,
)
from hft.core.encoding import OrderType, Side, TimeInForce

BUY, SELL = Side.SIDE_BUY, Side.SIDE_SELL
MKT, LMT = OrderType.ORDER_TYPE_MARKET, OrderType.ORDER_TYPE_LIMIT
STOP, STOP_LMT = OrderType.ORDER_TYPE_STOP_MARKET, OrderType.ORDER_TYPE_STOP_LIMIT
IOC, FOK, GTD, DAY = (TimeInForce.TIF_IOC, TimeInForce.TIF_FOK, TimeInForce.TIF_GTD,
                      TimeInForce.TIF_DAY)
M, T = 1, 2
DAY_NS = 86_400_000_000_000


def events(m):
    return [(int(e["kind"]), int(e["order_id"]), int(e["price"]), int(e["qty"]),
             int(e["leaves"]), int(e["liquidity"])) for e in m.drain()]


def fills(m):
    return [(e[2], e[3], e[5]) for e in events(m) if e[0] == SIM_FILLED]


def quoted(bid=100, ask=102, bid_size=5, ask_size=3, **kw):
    m = SimMatcher(**kw)
    m.apply_quote(1, bid, ask, bid_size, ask_size)
    return m


def test_market_buy_takes_the_touch_size_and_waits_for_the_next_quote():
    m = quoted()
    m.submit_order(1, BUY, MKT, 5, now=2)
    assert events(m) == [(SIM_ACCEPTED, 1, 0, 5, 5, 0), (SIM_FILLED, 1, 102, 3, 2, T)]
    m.apply_quote(3, 100, 103, 5, 10)
    assert fills(m) == [(103, 2, T)]
    assert m.position == 5 and len(m) == 0


def test_market_ioc_cancels_what_the_touch_cannot_fill():
    m = quoted()
    m.submit_order(1, BUY, MKT, 5, tif=IOC, now=2)
    ev = events(m)
    assert ev[1] == (SIM_FILLED, 1, 102, 3, 2, T)
    assert ev[2][:4] == (SIM_CANCELED, 1, 0, 2)


@pytest.mark.parametrize("policy, expected", [
    (REST_NEXT_LEVEL, [(102, 3, T), (103, 2, T)]),
    (REST_FULL, [(102, 3, T), (102, 2, T)]),
])
def test_market_rest_policy_fills_beyond_the_touch(policy, expected):
    m = quoted(rest_policy=policy, tick=1)
    m.submit_order(1, BUY, MKT, 5, now=2)
    assert fills(m) == expected


def test_market_order_without_a_quote_is_rejected():
    m = SimMatcher()
    m.submit_order(1, SELL, MKT, 1, now=1)
    ev = m.drain()
    assert ev["kind"][0] == SIM_REJECTED and ev["reason"][0] == SIM_REASON_NO_MARKET


def test_crossing_limit_takes_the_touch_and_rests_the_rest():
    m = quoted()
    m.submit_order(1, BUY, LMT, 5, 102, now=2)
    assert fills(m) == [(102, 3, T)]
    assert m.open_orders()[0]["leaves"] == 2
    # the rest rests at 102: a trade through 102 fills it as maker at its price
    m.apply_trade(3, 101, 1)
    assert fills(m) == [(102, 2, M)]


def test_resting_order_is_not_filled_before_the_size_ahead_has_traded():
    m = quoted()  # bid 100 x 5
    m.submit_order(1, BUY, LMT, 10, 100, now=2)
    assert m.open_orders()[0]["queue_ahead"] == 5
    events(m)
    m.apply_trade(3, 100, 4)
    assert fills(m) == [] and m.open_orders()[0]["queue_ahead"] == 1
    m.apply_trade(4, 100, 3)  # 1 ahead, then 2 for us
    assert fills(m) == [(100, 2, M)]
    m.apply_trade(5, 100, 3)
    assert fills(m) == [(100, 3, M)]
    assert m.open_orders()[0]["leaves"] == 5


def test_shrinking_quote_size_shrinks_the_queue_ahead():
    m = quoted()
    m.submit_order(1, BUY, LMT, 2, 100, now=2)
    m.apply_quote(3, 100, 102, 1, 3)  # 4 of the 5 ahead canceled
    assert m.open_orders()[0]["queue_ahead"] == 1
    m.apply_quote(4, 100, 102, 7, 3)  # size joining behind does not move us back
    assert m.open_orders()[0]["queue_ahead"] == 1


def test_trade_through_the_price_fills_fully_as_maker():
    m = quoted()
    m.submit_order(1, BUY, LMT, 10, 100, now=2)
    events(m)
    m.apply_trade(3, 99, 1)
    assert fills(m) == [(100, 10, M)]


def test_opposite_quote_reaching_the_price_fills_fully_as_maker():
    m = quoted()
    m.submit_order(1, SELL, LMT, 4, 103, now=2)
    events(m)
    m.apply_quote(3, 103, 104, 1, 1)
    assert fills(m) == [(103, 4, M)]


def test_order_behind_the_touch_learns_its_queue_when_its_price_becomes_the_touch():
    m = quoted()
    m.submit_order(1, BUY, LMT, 1, 99, now=2)
    assert m.open_orders()[0]["queue_ahead"] is None
    m.apply_quote(3, 99, 101, 8, 3)
    assert m.open_orders()[0]["queue_ahead"] == 8


def test_own_orders_at_one_price_share_a_trade_in_arrival_order():
    m = quoted(bid=100, bid_size=2)
    m.submit_order(1, BUY, LMT, 3, 100, now=2)
    m.submit_order(2, BUY, LMT, 3, 100, now=2)
    events(m)
    m.apply_trade(3, 100, 6)  # 2 ahead of each; 4 left: 3 to order 1, 1 to order 2
    assert [(e[1], e[3]) for e in events(m) if e[0] == SIM_FILLED] == [(1, 3), (2, 1)]


def test_post_only_is_rejected_when_it_would_take():
    m = quoted()
    m.submit_order(1, BUY, LMT, 1, 102, post_only=True, now=2)
    ev = m.drain()
    assert list(ev["kind"]) == [SIM_REJECTED] and ev["reason"][0] == SIM_REASON_POST_ONLY
    m.submit_order(2, BUY, LMT, 1, 101, post_only=True, now=2)
    assert events(m)[0][0] == SIM_ACCEPTED


def test_fok_fills_all_or_nothing():
    m = quoted(ask_size=3)
    m.submit_order(1, BUY, LMT, 4, 102, tif=FOK, now=2)
    ev = m.drain()
    assert list(ev["kind"]) == [SIM_ACCEPTED, SIM_CANCELED] and ev["reason"][1] == SIM_REASON_FOK
    m.submit_order(2, BUY, LMT, 3, 102, tif=FOK, now=2)
    assert fills(m) == [(102, 3, T)]


def test_ioc_limit_that_does_not_cross_is_canceled():
    m = quoted()
    m.submit_order(1, BUY, LMT, 1, 101, tif=IOC, now=2)
    ev = m.drain()
    assert list(ev["kind"]) == [SIM_ACCEPTED, SIM_CANCELED] and ev["reason"][1] == SIM_REASON_IOC


def test_gtd_order_expires_at_its_time_and_day_order_at_midnight():
    m = quoted()
    m.submit_order(1, BUY, LMT, 1, 99, tif=GTD, expire_ns=50, now=2)
    m.submit_order(2, BUY, LMT, 1, 99, tif=DAY, now=2)
    events(m)
    assert m.next_expire_ns == 50
    m.expire_orders(49)
    assert events(m) == []
    m.expire_orders(50)
    assert [e[:2] for e in events(m)] == [(SIM_EXPIRED, 1)]
    assert m.next_expire_ns == DAY_NS
    m.expire_orders(DAY_NS)
    assert [e[:2] for e in events(m)] == [(SIM_EXPIRED, 2)]


def test_stop_market_triggers_on_a_trade_and_fills_at_the_touch():
    m = quoted()
    m.submit_order(1, BUY, STOP, 2, 0, 105, now=2)
    events(m)
    m.apply_trade(3, 104, 1)
    assert events(m) == []
    m.apply_quote(4, 104, 106, 1, 5)  # ask 106 >= 105: triggers on the quote too
    ev = events(m)
    assert [e[0] for e in ev] == [SIM_TRIGGERED, SIM_FILLED] and ev[1][2:4] == (106, 2)


def test_sell_stop_limit_triggers_then_rests_at_its_limit():
    m = quoted()
    m.submit_order(1, SELL, STOP_LMT, 2, 99, 98, now=2)
    events(m)
    m.apply_quote(3, 97, 98, 1, 1)  # bid 97 <= trigger 98; limit 99 is above the bid: rests
    assert [e[0] for e in events(m)] == [SIM_TRIGGERED]
    o = m.open_orders()[0]
    # behind the ask (98): L1 does not show its level, so the queue ahead is unknown
    assert (o["price"], o["leaves"], o["queue_ahead"], o["stop_waiting"]) == (99, 2, None, False)
    m.apply_trade(4, 99, 1)  # its level trades: assumed all ahead of it, queue now 0
    assert fills(m) == [] and m.open_orders()[0]["queue_ahead"] == 0
    m.apply_trade(5, 99, 1)
    assert fills(m) == [(99, 1, M)]


def test_triggered_stop_limit_crossing_takes_the_bid():
    m = quoted()
    m.submit_order(1, SELL, STOP_LMT, 2, 97, 98, now=2)
    events(m)
    m.apply_quote(3, 98, 99, 1, 1)  # bid 98 <= trigger: triggers; limit 97 crosses bid 98
    ev = events(m)
    assert [e[0] for e in ev] == [SIM_TRIGGERED, SIM_FILLED] and ev[1][2:] == (98, 1, 1, T)
    assert m.open_orders()[0]["price"] == 97 and m.open_orders()[0]["leaves"] == 1


def test_reduce_only_is_rejected_without_a_position_and_trimmed_to_it():
    m = quoted()
    m.submit_order(1, SELL, MKT, 1, reduce_only=True, now=2)
    ev = m.drain()
    assert ev["kind"][0] == SIM_REJECTED and ev["reason"][0] == SIM_REASON_REDUCE_ONLY
    m.submit_order(2, BUY, MKT, 2, now=2)
    events(m)
    m.submit_order(3, SELL, LMT, 5, 100, reduce_only=True, now=3)
    ev = events(m)
    assert [e[0] for e in ev] == [SIM_ACCEPTED, SIM_UPDATED, SIM_FILLED]
    assert ev[1][3] == 2 and ev[2][2:4] == (100, 2) and m.position == 0


def test_cancel_and_modify_answer_with_the_expected_events():
    m = quoted()
    m.submit_order(1, BUY, LMT, 3, 100, now=2)
    events(m)
    m.modify_order(1, quantity=2, now=3)  # smaller: keeps its place
    assert events(m)[0][:4] == (SIM_UPDATED, 1, 100, 2)
    assert m.open_orders()[0]["queue_ahead"] == 5
    m.modify_order(1, price=101, now=4)  # new price: new queue (better than the bid: 0)
    events(m)
    assert m.open_orders()[0]["queue_ahead"] == 0
    m.modify_order(1, quantity=0, price=102, now=5)  # now crosses: takes the ask
    assert fills(m) == [(102, 2, T)]
    m.cancel_order(1, now=6)
    assert events(m)[0][0] == SIM_CANCEL_REJECTED
    m.modify_order(7, price=1, now=6)
    assert events(m)[0][0] == SIM_MODIFY_REJECTED
    m.submit_order(2, BUY, LMT, 1, 99, now=7)
    m.cancel_order(2, now=8)
    assert [e[0] for e in events(m)] == [SIM_ACCEPTED, SIM_CANCELED]


def test_l2_market_order_walks_the_book():
    m = SimMatcher(l2=True)
    for price, size in ((101, 2), (102, 3), (104, 10)):
        m.apply_book_level(1, SELL, price, size)
    m.apply_book_level(1, BUY, 100, 4)
    m.submit_order(1, BUY, MKT, 6, now=2)
    assert fills(m) == [(101, 2, T), (102, 3, T), (104, 1, T)]


def test_l2_limit_walks_to_its_price_and_level_decrease_shrinks_the_queue():
    m = SimMatcher(l2=True)
    m.apply_book_level(1, SELL, 101, 2)
    m.apply_book_level(1, SELL, 103, 5)
    m.apply_book_level(1, BUY, 99, 6)
    m.submit_order(1, BUY, LMT, 4, 102, now=2)
    assert fills(m) == [(101, 2, T)]
    assert m.touch() == (99, 103)  # the level we took is gone from the venue's view
    m.submit_order(2, BUY, LMT, 1, 99, now=2)
    assert m.open_orders()[1]["queue_ahead"] == 6
    m.apply_book_level(3, BUY, 99, 2)
    assert m.open_orders()[1]["queue_ahead"] == 2


@given(st.lists(st.tuples(st.integers(95, 105), st.integers(1, 5)), max_size=30),
       st.integers(1, 20))
def test_a_resting_order_never_fills_more_than_traded_beyond_its_queue(trades, qty):
    m = quoted(bid=100, bid_size=4)
    m.submit_order(1, BUY, LMT, qty, 100, now=2)
    events(m)
    traded_at, filled = 0, 0
    for i, (px, size) in enumerate(trades):
        m.apply_trade(3 + i, px, size)
        got = sum(f[1] for f in fills(m))
        filled += got
        if px == 100:
            traded_at += size
            assert filled <= max(0, traded_at - 4) or filled == qty
        assert filled <= qty


@pytest.mark.parametrize("args, kw, field", [
    ((1, 3, MKT, 5), {}, "'side' must be 1 (BUY) or 2 (SELL), got 3"),
    ((1, BUY, 9, 5), {}, "'order_type' must be 1..4, got 9"),
    ((1, BUY, MKT, 5), {"tif": 0}, "'tif' must be 1..5, got 0"),
    ((1, BUY, MKT, 0), {}, "'quantity' must be > 0, got 0"),
])
def test_submit_order_names_the_bad_field_and_buffers_nothing(args, kw, field):
    m = quoted()
    with pytest.raises(ValueError, match=re.escape(f"submit_order: field {field}")):
        m.submit_order(*args, now=2, **kw)
    assert m.n_events == 0 and len(m) == 0
