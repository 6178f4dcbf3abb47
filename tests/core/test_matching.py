from collections import defaultdict

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hft.core.encoding import (
    FLAG_POST_ONLY,
    ORDER_TYPE_LIMIT,
    ORDER_TYPE_MARKET,
    ORDER_TYPE_STOP_LIMIT,
    ORDER_TYPE_STOP_MARKET,
    SIDE_BUY,
    SIDE_NONE,
    SIDE_SELL,
    TIF_DAY,
    TIF_FOK,
    TIF_GTC,
    TIF_GTD,
    TIF_IOC,
    OrderMsg,
    encode_order,
)
from hft.core.matching import (
    EVENT_ACCEPTED,
    EVENT_CANCELED,
    EVENT_DTYPE,
    EVENT_EXPIRED,
    EVENT_FILLED,
    EVENT_MODIFIED,
    EVENT_REJECTED,
    EVENT_TRIGGERED,
    LIQUIDITY_MAKER,
    LIQUIDITY_NONE,
    LIQUIDITY_TAKER,
    REJECT_BAD_ORDER,
    REJECT_DUPLICATE_ID,
    REJECT_ENGINE_FULL,
    REJECT_FOK_CANNOT_FILL,
    REJECT_NONE,
    REJECT_NOT_MODIFIABLE,
    REJECT_POST_ONLY,
    REJECT_REASONS,
    REJECT_UNKNOWN_ID,
    MatchingEngine,
)

BUY, SELL = SIDE_BUY, SIDE_SELL
NS_PER_DAY = 86_400 * 10**9


def order(cid, side, qty, price=0, *, type=ORDER_TYPE_LIMIT, tif=TIF_GTC, flags=0, trigger=0,
          ts_init=0, ts_expire=0):
    return OrderMsg(client_order_id=cid, side=side, quantity=qty, price=price, order_type=type,
                    time_in_force=tif, flags=flags, trigger_price=trigger, ts_init=ts_init,
                    ts_expire=ts_expire)


def events(engine):
    """Events of the last call as (kind, id, price, qty, leaves, liquidity, reason) tuples."""
    return [(int(e["kind"]), int(e["client_order_id"]), int(e["price"]), int(e["qty"]),
             int(e["leaves"]), int(e["liquidity"]), int(e["reason"])) for e in engine.events()]


def accepted(cid, price, qty):
    return (EVENT_ACCEPTED, cid, price, qty, qty, LIQUIDITY_NONE, REJECT_NONE)


def rejected(cid, price, qty, reason, leaves=0):
    return (EVENT_REJECTED, cid, price, qty, leaves, LIQUIDITY_NONE, reason)


def taker(cid, price, qty, leaves):
    return (EVENT_FILLED, cid, price, qty, leaves, LIQUIDITY_TAKER, REJECT_NONE)


def maker(cid, price, qty, leaves):
    return (EVENT_FILLED, cid, price, qty, leaves, LIQUIDITY_MAKER, REJECT_NONE)


def canceled(cid, price, qty, reason=REJECT_NONE):
    return (EVENT_CANCELED, cid, price, qty, 0, LIQUIDITY_NONE, reason)


def engine_with(*orders, max_orders=64):
    engine = MatchingEngine(max_orders)
    for o in orders:
        engine.submit(o)
        assert engine.events()["kind"][0] == EVENT_ACCEPTED
    return engine


# ---- limit orders and priority -------------------------------------------------------------

def test_limit_that_does_not_cross_rests_with_one_accepted_event():
    engine = MatchingEngine(8)
    assert engine.submit(order(1, BUY, 10, 100)) == 1
    assert events(engine) == [accepted(1, 100, 10)]
    assert engine.best_bid == 100 and engine.best_ask is None and len(engine) == 1
    assert engine.bids().tolist() == [[100, 10]]


def test_crossing_limit_fills_at_the_maker_price_with_taker_and_maker_events():
    engine = engine_with(order(1, SELL, 10, 100))
    assert engine.submit(order(2, BUY, 4, 101)) == 3
    assert events(engine) == [accepted(2, 101, 4), taker(2, 100, 4, 0), maker(1, 100, 4, 6)]
    assert engine.events()["match_id"].tolist() == [0, 1, 1]
    assert engine.asks().tolist() == [[100, 6]] and engine.best_bid is None


def test_better_price_fills_first_then_arrival_order_within_a_price():
    engine = engine_with(order(1, SELL, 5, 100), order(2, SELL, 5, 100), order(3, SELL, 5, 99))
    engine.submit(order(4, BUY, 12, 100))
    assert events(engine) == [
        accepted(4, 100, 12),
        taker(4, 99, 5, 7), maker(3, 99, 5, 0),
        taker(4, 100, 5, 2), maker(1, 100, 5, 0),
        taker(4, 100, 2, 0), maker(2, 100, 2, 3),
    ]
    assert engine.queue(SELL, 100) == [2] and len(engine) == 1


def test_partially_filled_limit_rests_its_remainder():
    engine = engine_with(order(1, SELL, 4, 100))
    engine.submit(order(2, BUY, 10, 100))
    assert events(engine) == [accepted(2, 100, 10), taker(2, 100, 4, 6), maker(1, 100, 4, 0)]
    assert engine.bids().tolist() == [[100, 6]] and engine.best_ask is None
    assert engine.order(2)["leaves"] == 6 and engine.order(1) is None


def test_match_ids_count_up_from_one_per_fill():
    engine = engine_with(order(1, SELL, 1, 100), order(2, SELL, 1, 101))
    engine.submit(order(3, BUY, 2, 101))
    assert engine.events()["match_id"].tolist() == [0, 1, 1, 2, 2]
    assert engine.last_match_id == 2


def test_submit_takes_an_encoded_record_and_copies_the_owner():
    engine = engine_with(order(1, SELL, 3, 100))
    engine.submit(encode_order(order(2, BUY, 3, 100)), owner=77)
    ev = engine.events()
    assert ev.dtype == EVENT_DTYPE and ev.dtype.itemsize == 48
    assert ev["owner"].tolist() == [77, 77, 0] and ev["side"].tolist() == [BUY, BUY, SELL]


def test_submit_names_a_record_of_the_wrong_length():
    with pytest.raises(ValueError, match="order: 10 bytes, expected"):
        MatchingEngine(4).submit(b"\0" * 10)


# ---- market, IOC, FOK, post-only ------------------------------------------------------------

def test_market_order_takes_levels_until_filled():
    engine = engine_with(order(1, BUY, 2, 99), order(2, BUY, 5, 98))
    engine.submit(order(3, SELL, 4, type=ORDER_TYPE_MARKET, tif=TIF_IOC))
    assert events(engine) == [accepted(3, 0, 4), taker(3, 99, 2, 2), maker(1, 99, 2, 0),
                              taker(3, 98, 2, 0), maker(2, 98, 2, 3)]


def test_market_order_remainder_is_canceled_when_the_book_runs_out():
    engine = engine_with(order(1, SELL, 2, 100))
    engine.submit(order(2, BUY, 5, type=ORDER_TYPE_MARKET, tif=TIF_GTC))
    assert events(engine) == [accepted(2, 0, 5), taker(2, 100, 2, 3), maker(1, 100, 2, 0),
                              canceled(2, 0, 3)]
    assert len(engine) == 0


def test_ioc_limit_cancels_what_it_cannot_fill_at_its_price():
    engine = engine_with(order(1, SELL, 2, 100), order(2, SELL, 5, 101))
    engine.submit(order(3, BUY, 4, 100, tif=TIF_IOC))
    assert events(engine) == [accepted(3, 100, 4), taker(3, 100, 2, 2), maker(1, 100, 2, 0),
                              canceled(3, 100, 2)]
    assert engine.best_bid is None and engine.asks().tolist() == [[101, 5]]


def test_fok_is_rejected_when_the_crossing_levels_hold_too_little():
    engine = engine_with(order(1, SELL, 2, 100), order(2, SELL, 5, 102))
    engine.submit(order(3, BUY, 4, 101, tif=TIF_FOK))
    assert events(engine) == [rejected(3, 101, 4, REJECT_FOK_CANNOT_FILL)]
    assert engine.asks().tolist() == [[100, 2], [102, 5]]


def test_fok_fills_in_full_when_it_can():
    engine = engine_with(order(1, SELL, 2, 100), order(2, SELL, 5, 102))
    engine.submit(order(3, BUY, 4, 102, tif=TIF_FOK))
    assert events(engine) == [accepted(3, 102, 4), taker(3, 100, 2, 2), maker(1, 100, 2, 0),
                              taker(3, 102, 2, 0), maker(2, 102, 2, 3)]


def test_fok_market_counts_every_level():
    engine = engine_with(order(1, BUY, 2, 100), order(2, BUY, 2, 90))
    engine.submit(order(3, SELL, 5, type=ORDER_TYPE_MARKET, tif=TIF_FOK))
    assert events(engine) == [rejected(3, 0, 5, REJECT_FOK_CANNOT_FILL)]
    engine.submit(order(4, SELL, 4, type=ORDER_TYPE_MARKET, tif=TIF_FOK))
    assert [e[0] for e in events(engine)] == [EVENT_ACCEPTED] + [EVENT_FILLED] * 4


def test_post_only_that_would_take_is_rejected_and_one_that_would_not_rests():
    engine = engine_with(order(1, SELL, 2, 100))
    engine.submit(order(2, BUY, 1, 100, flags=FLAG_POST_ONLY))
    assert events(engine) == [rejected(2, 100, 1, REJECT_POST_ONLY)]
    engine.submit(order(3, BUY, 1, 99, flags=FLAG_POST_ONLY))
    assert events(engine) == [accepted(3, 99, 1)]


@pytest.mark.parametrize("bad", [
    dict(side=SIDE_NONE), dict(qty=0), dict(qty=-3), dict(type=9), dict(tif=0), dict(flags=8),
    dict(tif=TIF_GTD, ts_expire=0), dict(type=ORDER_TYPE_MARKET, flags=FLAG_POST_ONLY),
])
def test_bad_orders_are_rejected_with_bad_order(bad):
    args = dict(cid=1, side=BUY, qty=5, price=100)
    args.update(bad)
    engine = MatchingEngine(4)
    assert engine.submit(order(args.pop("cid"), args.pop("side"), args.pop("qty"), args.pop("price"), **args)) == 1
    assert engine.events()["reason"][0] == REJECT_BAD_ORDER and len(engine) == 0


def test_duplicate_open_id_is_rejected_but_a_closed_id_may_be_reused():
    engine = engine_with(order(1, BUY, 5, 100))
    engine.submit(order(1, BUY, 5, 99))
    assert events(engine) == [rejected(1, 99, 5, REJECT_DUPLICATE_ID)]
    engine.cancel(1)
    engine.submit(order(1, BUY, 5, 99))
    assert events(engine) == [accepted(1, 99, 5)]


def test_engine_full_rejects_resting_orders_but_still_matches_ioc():
    engine = engine_with(order(1, SELL, 5, 100), max_orders=1)
    engine.submit(order(2, SELL, 5, 101))
    assert events(engine) == [rejected(2, 101, 5, REJECT_ENGINE_FULL)]
    engine.submit(order(3, BUY, 1, 100, tif=TIF_IOC))
    assert events(engine) == [accepted(3, 100, 1), taker(3, 100, 1, 0), maker(1, 100, 1, 4)]


# ---- cancel and modify -----------------------------------------------------------------------

def test_cancel_removes_a_resting_order_and_reports_its_leaves():
    engine = engine_with(order(1, SELL, 5, 100))
    engine.submit(order(2, BUY, 2, 100))
    engine.cancel(1)
    assert events(engine) == [canceled(1, 100, 3)]
    assert engine.best_ask is None and len(engine) == 0


def test_cancel_of_an_unknown_id_is_rejected():
    engine = MatchingEngine(4)
    assert engine.cancel(42) == 1
    assert events(engine) == [rejected(42, 0, 0, REJECT_UNKNOWN_ID)]
    assert REJECT_REASONS[REJECT_UNKNOWN_ID][0] == "REJECT_UNKNOWN_ID"


def test_quantity_decrease_keeps_priority():
    engine = engine_with(order(1, BUY, 5, 100), order(2, BUY, 5, 100))
    engine.modify(1, 100, 3)
    assert events(engine) == [(EVENT_MODIFIED, 1, 100, 3, 3, LIQUIDITY_NONE, REJECT_NONE)]
    assert engine.queue(BUY, 100) == [1, 2] and engine.bids().tolist() == [[100, 8]]


def test_quantity_increase_loses_priority():
    engine = engine_with(order(1, BUY, 5, 100), order(2, BUY, 5, 100))
    engine.modify(1, 100, 6)
    assert engine.queue(BUY, 100) == [2, 1] and engine.bids().tolist() == [[100, 11]]


def test_price_change_loses_priority_even_when_moved_back():
    engine = engine_with(order(1, BUY, 5, 100), order(2, BUY, 5, 100))
    engine.modify(1, 99, 5)
    assert engine.queue(BUY, 99) == [1] and engine.queue(BUY, 100) == [2]
    engine.modify(1, 100, 5)
    assert engine.queue(BUY, 100) == [2, 1] and engine.bids().tolist() == [[100, 10]]


def test_modify_to_a_crossing_price_matches_at_once():
    engine = engine_with(order(1, SELL, 3, 101), order(2, BUY, 5, 100))
    engine.modify(2, 101, 5)
    assert events(engine) == [(EVENT_MODIFIED, 2, 101, 5, 5, LIQUIDITY_NONE, REJECT_NONE),
                              taker(2, 101, 3, 2), maker(1, 101, 3, 0)]
    assert engine.bids().tolist() == [[101, 2]] and engine.best_ask is None


def test_modify_quantity_is_the_total_and_must_exceed_the_filled_part():
    engine = engine_with(order(1, SELL, 10, 100))
    engine.submit(order(2, BUY, 4, 100))
    engine.modify(1, 100, 4)
    assert events(engine) == [rejected(1, 100, 4, REJECT_BAD_ORDER, leaves=6)]
    engine.modify(1, 100, 7)
    assert events(engine) == [(EVENT_MODIFIED, 1, 100, 7, 3, LIQUIDITY_NONE, REJECT_NONE)]


def test_modify_of_unknown_id_and_of_a_waiting_stop_are_rejected():
    engine = engine_with(order(1, BUY, 1, type=ORDER_TYPE_STOP_MARKET, trigger=110))
    engine.modify(9, 100, 1)
    assert events(engine)[0][-1] == REJECT_UNKNOWN_ID
    engine.modify(1, 100, 1)
    assert events(engine)[0][-1] == REJECT_NOT_MODIFIABLE


def test_post_only_modify_that_would_take_is_rejected_and_keeps_the_order():
    engine = engine_with(order(1, SELL, 3, 101), order(2, BUY, 5, 100, flags=FLAG_POST_ONLY))
    engine.modify(2, 101, 5)
    assert events(engine) == [rejected(2, 101, 5, REJECT_POST_ONLY, leaves=5)]
    assert engine.bids().tolist() == [[100, 5]]


# ---- stops -----------------------------------------------------------------------------------

def test_buy_stop_market_waits_then_triggers_at_or_above_its_trigger():
    engine = engine_with(order(1, SELL, 5, 106),
                         order(2, BUY, 3, type=ORDER_TYPE_STOP_MARKET, trigger=105))
    assert engine.order(2)["state"] == "stop" and engine.best_bid is None
    assert engine.on_trade_price(104) == 0
    assert engine.on_trade_price(105) == 3
    assert events(engine) == [(EVENT_TRIGGERED, 2, 105, 3, 3, LIQUIDITY_NONE, REJECT_NONE),
                              taker(2, 106, 3, 0), maker(1, 106, 3, 2)]
    assert len(engine) == 1


def test_sell_stop_limit_triggers_on_the_bid_and_rests_its_remainder():
    engine = engine_with(order(1, BUY, 2, 95),
                         order(2, SELL, 5, 94, type=ORDER_TYPE_STOP_LIMIT, trigger=95))
    assert engine.on_quote(96, 97) == 0
    engine.on_quote(95, 97)
    assert events(engine) == [(EVENT_TRIGGERED, 2, 95, 5, 5, LIQUIDITY_NONE, REJECT_NONE),
                              taker(2, 95, 2, 3), maker(1, 95, 2, 0)]
    assert engine.asks().tolist() == [[94, 3]] and engine.order(2)["state"] == "resting"


def test_buy_stop_triggers_on_the_ask_not_the_bid():
    engine = engine_with(order(1, BUY, 1, type=ORDER_TYPE_STOP_MARKET, trigger=100))
    assert engine.on_quote(100, 99) == 0  # bid at the trigger does not fire a buy stop
    assert engine.on_quote(98, 100) == 2  # TRIGGERED, then CANCELED: nothing to buy
    assert events(engine)[1] == canceled(1, 0, 1)


def test_stops_fire_in_arrival_order():
    engine = engine_with(order(1, SELL, 10, 110),
                         order(2, BUY, 1, type=ORDER_TYPE_STOP_MARKET, trigger=103),
                         order(3, BUY, 1, type=ORDER_TYPE_STOP_MARKET, trigger=101))
    engine.on_trade_price(105)
    assert [e[1] for e in events(engine) if e[0] == EVENT_TRIGGERED] == [2, 3]


def test_cancel_of_a_waiting_stop():
    engine = engine_with(order(1, SELL, 1, type=ORDER_TYPE_STOP_MARKET, trigger=90))
    engine.cancel(1)
    assert events(engine) == [canceled(1, 0, 1)]
    assert engine.on_trade_price(80) == 0


def test_triggered_post_only_stop_limit_that_would_take_is_canceled_with_the_reason():
    engine = engine_with(order(1, SELL, 1, 100),
                         order(2, BUY, 1, 100, type=ORDER_TYPE_STOP_LIMIT, trigger=100, flags=FLAG_POST_ONLY))
    engine.on_trade_price(100)
    assert events(engine)[1] == canceled(2, 100, 1, REJECT_POST_ONLY)


# ---- expiry ------------------------------------------------------------------------------------

def test_gtd_orders_expire_at_their_time_and_not_before():
    engine = engine_with(order(1, BUY, 5, 100, tif=TIF_GTD, ts_expire=1_000),
                         order(2, BUY, 5, 99, tif=TIF_GTC),
                         order(3, SELL, 2, type=ORDER_TYPE_STOP_MARKET, trigger=50, tif=TIF_GTD, ts_expire=500))
    assert engine.expire(499) == 0
    engine.expire(1_000)
    assert events(engine) == [(EVENT_EXPIRED, 1, 100, 5, 0, LIQUIDITY_NONE, REJECT_NONE),
                              (EVENT_EXPIRED, 3, 0, 2, 0, LIQUIDITY_NONE, REJECT_NONE)]
    assert engine.bids().tolist() == [[99, 5]] and len(engine) == 1


def test_day_orders_expire_at_the_next_utc_midnight():
    ts = 3 * NS_PER_DAY + 12345
    engine = engine_with(order(1, BUY, 5, 100, tif=TIF_DAY, ts_init=ts))
    assert engine.order(1)["expire_ns"] == 4 * NS_PER_DAY
    assert engine.expire(4 * NS_PER_DAY - 1) == 0
    assert engine.expire(4 * NS_PER_DAY) == 1 and len(engine) == 0


def test_filled_gtd_order_leaves_the_expiry_list():
    engine = engine_with(order(1, BUY, 5, 100, tif=TIF_GTD, ts_expire=10))
    engine.submit(order(2, SELL, 5, 100))
    assert engine.expire(10) == 0


# ---- properties ------------------------------------------------------------------------------

op = st.one_of(
    st.tuples(st.just("limit"), st.sampled_from([BUY, SELL]), st.integers(97, 103), st.integers(1, 8),
              st.sampled_from([TIF_GTC, TIF_GTC, TIF_IOC, TIF_FOK, TIF_GTD]), st.booleans()),
    st.tuples(st.just("market"), st.sampled_from([BUY, SELL]), st.integers(1, 15),
              st.sampled_from([TIF_IOC, TIF_FOK])),
    st.tuples(st.just("stop"), st.sampled_from([BUY, SELL]), st.integers(95, 105), st.integers(1, 5),
              st.booleans()),
    st.tuples(st.just("cancel"), st.integers(1, 10)),
    st.tuples(st.just("modify"), st.integers(1, 10), st.integers(97, 103), st.integers(1, 10)),
    st.tuples(st.just("trade"), st.integers(93, 107)),
    st.tuples(st.just("expire"), st.integers(0, 30)),
)


@given(st.lists(op, min_size=10, max_size=80))
def test_random_order_flow_keeps_the_book_uncrossed_and_quantity_conserved(ops):
    engine = MatchingEngine(32)
    quantity, filled, closed = {}, defaultdict(int), defaultdict(int)
    sides = {}
    fills = defaultdict(list)
    next_id = 1
    for o in ops:
        kind = o[0]
        if kind == "limit":
            _, side, price, qty, tif, post = o
            engine.submit(order(next_id, side, qty, price, tif=tif, flags=FLAG_POST_ONLY if post else 0,
                                ts_expire=next_id if tif == TIF_GTD else 0))
        elif kind == "market":
            _, side, qty, tif = o
            engine.submit(order(next_id, side, qty, type=ORDER_TYPE_MARKET, tif=tif))
        elif kind == "stop":
            _, side, trigger, qty, limit = o
            engine.submit(order(next_id, side, qty, trigger, trigger=trigger,
                                type=ORDER_TYPE_STOP_LIMIT if limit else ORDER_TYPE_STOP_MARKET))
        elif kind == "cancel":
            engine.cancel(o[1])
        elif kind == "modify":
            engine.modify(o[1], o[2], o[3])
        elif kind == "trade":
            engine.on_trade_price(o[1])
        else:
            engine.expire(o[1])
        if kind in ("limit", "market", "stop"):
            sides[next_id] = o[1]
            next_id += 1
        for e in engine.events():
            cid, k = int(e["client_order_id"]), int(e["kind"])
            if k == EVENT_ACCEPTED:
                quantity[cid] = int(e["qty"])
            elif k == EVENT_MODIFIED:
                quantity[cid] = int(e["qty"])
            elif k == EVENT_FILLED:
                filled[cid] += int(e["qty"])
                fills[int(e["match_id"])].append((cid, int(e["side"]), int(e["price"]), int(e["qty"]),
                                                  int(e["liquidity"])))
                assert filled[cid] + int(e["leaves"]) == quantity[cid]
            elif k in (EVENT_CANCELED, EVENT_EXPIRED):
                closed[cid] += int(e["qty"])
                assert int(e["leaves"]) == 0
        bid, ask = engine.best_bid, engine.best_ask
        assert bid is None or ask is None or bid < ask
    # every match is one taker and one maker of opposite sides, same price and qty
    for match in fills.values():
        assert len(match) == 2
        (_, s1, p1, q1, l1), (_, s2, p2, q2, l2) = match
        assert {s1, s2} == {BUY, SELL} and p1 == p2 and q1 == q2 and {l1, l2} == {LIQUIDITY_TAKER, LIQUIDITY_MAKER}
    assert sum(q for m in fills.values() for (_, s, _, q, _) in m if s == BUY) == \
           sum(q for m in fills.values() for (_, s, _, q, _) in m if s == SELL)
    # every accepted order: filled + canceled/expired + still open == quantity
    resting = defaultdict(int)
    for cid, qty in quantity.items():
        info = engine.order(cid)
        leaves = info["leaves"] if info else 0
        assert filled[cid] + closed[cid] + leaves == qty
        if info and info["state"] == "resting":
            resting[(info["side"], info["price"])] += leaves
    levels = {(BUY, int(p)): int(q) for p, q in engine.bids()}
    levels.update({(SELL, int(p)): int(q) for p, q in engine.asks()})
    assert levels == dict(resting)
    assert len(engine) == sum(1 for cid in quantity if engine.order(cid) is not None)


class ReferenceEngine:
    """Plain-list price-time matcher for limit/market orders with GTC/IOC/FOK and cancel."""

    def __init__(self):
        self.resting = {BUY: [], SELL: []}  # [price, arrival, cid, leaves]
        self.arrivals = 0

    def submit(self, cid, side, qty, price, market, tif):
        opp = self.resting[SELL if side == BUY else BUY]
        opp.sort(key=lambda o: (o[0] if side == BUY else -o[0], o[1]))

        def crosses(p):
            return market or (price >= p if side == BUY else price <= p)

        shown = 0 if market else price
        if tif == TIF_FOK and sum(o[3] for o in opp if crosses(o[0])) < qty:
            return [rejected(cid, shown, qty, REJECT_FOK_CANNOT_FILL)]
        out, leaves = [accepted(cid, shown, qty)], qty
        for o in list(opp):
            if leaves == 0 or not crosses(o[0]):
                break
            q = min(leaves, o[3])
            leaves -= q
            o[3] -= q
            out += [taker(cid, o[0], q, leaves), maker(o[2], o[0], q, o[3])]
            if o[3] == 0:
                opp.remove(o)
        if leaves and (market or tif != TIF_GTC):
            out.append(canceled(cid, shown, leaves))
        elif leaves:
            self.arrivals += 1
            self.resting[side].append([price, self.arrivals, cid, leaves])
        return out

    def cancel(self, cid):
        for side in (BUY, SELL):
            for o in self.resting[side]:
                if o[2] == cid:
                    self.resting[side].remove(o)
                    return [canceled(cid, o[0], o[3])]
        return [rejected(cid, 0, 0, REJECT_UNKNOWN_ID)]


flow = st.lists(st.one_of(
    st.tuples(st.sampled_from([BUY, SELL]), st.integers(1, 9), st.integers(97, 103), st.booleans(),
              st.sampled_from([TIF_GTC, TIF_GTC, TIF_GTC, TIF_IOC, TIF_FOK])),
    st.integers(1, 30),
), min_size=5, max_size=80)


@given(flow)
def test_events_match_a_plain_list_reference_engine(ops):
    engine, ref = MatchingEngine(128), ReferenceEngine()
    for cid, o in enumerate(ops, start=1):
        if isinstance(o, int):
            engine.cancel(o)
            expected = ref.cancel(o)
        else:
            side, qty, price, market, tif = o
            if market:
                engine.submit(order(cid, side, qty, type=ORDER_TYPE_MARKET, tif=tif))
            else:
                engine.submit(order(cid, side, qty, price, tif=tif))
            expected = ref.submit(cid, side, qty, price, market, tif)
        assert events(engine) == expected
