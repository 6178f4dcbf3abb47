"""Order terms, the order state machine, fills and the binary record."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hft.model.enums import OrderEventKind, OrderSide, OrderStatus, OrderType, TimeInForce
from hft.model.events import (
    OrderAccepted, OrderCanceled, OrderCancelRejected, OrderDenied, OrderExpired, OrderFilled,
    OrderModifyRejected, OrderPendingCancel, OrderPendingUpdate, OrderRejected, OrderSubmitted,
    OrderTriggered, OrderUpdated,
)
from hft.model.identifiers import (
    ClientOrderId, InstrumentId, StrategyId, TradeId, TraderId, VenueOrderId,
)
from hft.model.objects import Currency, Money, Price, Quantity
from hft.model.orders import InvalidStateTransition, Order, transition_table

BUY, SELL = OrderSide.SIDE_BUY, OrderSide.SIDE_SELL
S = OrderStatus
K = OrderEventKind
USD = Currency.from_str("USD")
IDS = (TraderId("T-001"), StrategyId("S-001"), InstrumentId("BTCUSD.SIM"), ClientOrderId("O-1"))


def q(s: str) -> Quantity:
    return Quantity.from_str(s)


def p(s: str) -> Price:
    return Price.from_str(s)


def fill(qty="1", px="100.00", trade="T1", side=BUY, fee="0.01", ids=IDS) -> OrderFilled:
    return OrderFilled(*ids, VenueOrderId("V-1"), TradeId(trade), side, q(qty), p(px),
                       Money(fee, USD), ts_event=5)


def event(kind: OrderEventKind):
    """Build one event of each kind for order IDS (the fill is a partial fill of 1)."""
    return {
        K.ORDER_EVENT_DENIED: lambda: OrderDenied(*IDS, "max qty"),
        K.ORDER_EVENT_SUBMITTED: lambda: OrderSubmitted(*IDS),
        K.ORDER_EVENT_ACCEPTED: lambda: OrderAccepted(*IDS, VenueOrderId("V-1")),
        K.ORDER_EVENT_REJECTED: lambda: OrderRejected(*IDS, "no margin"),
        K.ORDER_EVENT_PENDING_UPDATE: lambda: OrderPendingUpdate(*IDS),
        K.ORDER_EVENT_PENDING_CANCEL: lambda: OrderPendingCancel(*IDS),
        K.ORDER_EVENT_UPDATED: lambda: OrderUpdated(*IDS, quantity=q("20")),
        K.ORDER_EVENT_MODIFY_REJECTED: lambda: OrderModifyRejected(*IDS, "too late"),
        K.ORDER_EVENT_CANCEL_REJECTED: lambda: OrderCancelRejected(*IDS, "too late"),
        K.ORDER_EVENT_CANCELED: lambda: OrderCanceled(*IDS),
        K.ORDER_EVENT_EXPIRED: lambda: OrderExpired(*IDS),
        K.ORDER_EVENT_TRIGGERED: lambda: OrderTriggered(*IDS),
        K.ORDER_EVENT_FILLED: lambda: fill("1", trade="T-NEW"),
    }[kind]()


def stop_limit() -> Order:
    return Order.stop_limit(*IDS, BUY, q("10"), p("100.00"), p("99.00"))


# how to reach each status from INITIALIZED
PATHS = {
    S.ORDER_STATUS_INITIALIZED: [],
    S.ORDER_STATUS_DENIED: [K.ORDER_EVENT_DENIED],
    S.ORDER_STATUS_SUBMITTED: [K.ORDER_EVENT_SUBMITTED],
    S.ORDER_STATUS_ACCEPTED: [K.ORDER_EVENT_SUBMITTED, K.ORDER_EVENT_ACCEPTED],
    S.ORDER_STATUS_REJECTED: [K.ORDER_EVENT_SUBMITTED, K.ORDER_EVENT_REJECTED],
    S.ORDER_STATUS_CANCELED: [K.ORDER_EVENT_SUBMITTED, K.ORDER_EVENT_ACCEPTED,
                              K.ORDER_EVENT_CANCELED],
    S.ORDER_STATUS_EXPIRED: [K.ORDER_EVENT_SUBMITTED, K.ORDER_EVENT_ACCEPTED,
                             K.ORDER_EVENT_EXPIRED],
    S.ORDER_STATUS_TRIGGERED: [K.ORDER_EVENT_SUBMITTED, K.ORDER_EVENT_ACCEPTED,
                               K.ORDER_EVENT_TRIGGERED],
    S.ORDER_STATUS_PENDING_UPDATE: [K.ORDER_EVENT_SUBMITTED, K.ORDER_EVENT_ACCEPTED,
                                    K.ORDER_EVENT_PENDING_UPDATE],
    S.ORDER_STATUS_PENDING_CANCEL: [K.ORDER_EVENT_SUBMITTED, K.ORDER_EVENT_ACCEPTED,
                                    K.ORDER_EVENT_PENDING_CANCEL],
    S.ORDER_STATUS_PARTIALLY_FILLED: [K.ORDER_EVENT_SUBMITTED, K.ORDER_EVENT_ACCEPTED, "fill1"],
    S.ORDER_STATUS_FILLED: [K.ORDER_EVENT_SUBMITTED, K.ORDER_EVENT_ACCEPTED, "fill10"],
}


def order_in(status: OrderStatus) -> Order:
    order = stop_limit()
    for step in PATHS[status]:
        if step == "fill1":
            order.apply(fill("1", trade="T-PATH"))
        elif step == "fill10":
            order.apply(fill("10", trade="T-PATH"))
        else:
            order.apply(event(step))
    assert order.status == status
    return order


# (status, event kind) -> status after applying event(kind); every pair not listed is invalid.
# Pending orders reached ACCEPTED first, so "back to the prior open status" means ACCEPTED.
PU, PC, PF = S.ORDER_STATUS_PENDING_UPDATE, S.ORDER_STATUS_PENDING_CANCEL, \
    S.ORDER_STATUS_PARTIALLY_FILLED
ACC, TRG = S.ORDER_STATUS_ACCEPTED, S.ORDER_STATUS_TRIGGERED
EXPECTED = {
    S.ORDER_STATUS_INITIALIZED: {K.ORDER_EVENT_DENIED: S.ORDER_STATUS_DENIED,
                                 K.ORDER_EVENT_SUBMITTED: S.ORDER_STATUS_SUBMITTED},
    S.ORDER_STATUS_SUBMITTED: {K.ORDER_EVENT_ACCEPTED: ACC,
                               K.ORDER_EVENT_REJECTED: S.ORDER_STATUS_REJECTED,
                               K.ORDER_EVENT_CANCELED: S.ORDER_STATUS_CANCELED,
                               K.ORDER_EVENT_FILLED: PF,
                               K.ORDER_EVENT_PENDING_UPDATE: PU,
                               K.ORDER_EVENT_PENDING_CANCEL: PC},
    ACC: {K.ORDER_EVENT_PENDING_UPDATE: PU, K.ORDER_EVENT_PENDING_CANCEL: PC,
          K.ORDER_EVENT_CANCELED: S.ORDER_STATUS_CANCELED,
          K.ORDER_EVENT_EXPIRED: S.ORDER_STATUS_EXPIRED, K.ORDER_EVENT_TRIGGERED: TRG,
          K.ORDER_EVENT_FILLED: PF, K.ORDER_EVENT_UPDATED: ACC,
          K.ORDER_EVENT_MODIFY_REJECTED: ACC, K.ORDER_EVENT_CANCEL_REJECTED: ACC},
    TRG: {K.ORDER_EVENT_PENDING_UPDATE: PU, K.ORDER_EVENT_PENDING_CANCEL: PC,
          K.ORDER_EVENT_CANCELED: S.ORDER_STATUS_CANCELED,
          K.ORDER_EVENT_EXPIRED: S.ORDER_STATUS_EXPIRED,
          K.ORDER_EVENT_REJECTED: S.ORDER_STATUS_REJECTED,
          K.ORDER_EVENT_FILLED: PF, K.ORDER_EVENT_UPDATED: TRG,
          K.ORDER_EVENT_MODIFY_REJECTED: TRG, K.ORDER_EVENT_CANCEL_REJECTED: TRG},
    PF: {K.ORDER_EVENT_PENDING_UPDATE: PU, K.ORDER_EVENT_PENDING_CANCEL: PC,
         K.ORDER_EVENT_CANCELED: S.ORDER_STATUS_CANCELED,
         K.ORDER_EVENT_EXPIRED: S.ORDER_STATUS_EXPIRED,
         K.ORDER_EVENT_FILLED: PF, K.ORDER_EVENT_UPDATED: PF,
         K.ORDER_EVENT_MODIFY_REJECTED: PF, K.ORDER_EVENT_CANCEL_REJECTED: PF},
    PU: {K.ORDER_EVENT_ACCEPTED: PU, K.ORDER_EVENT_TRIGGERED: PU, K.ORDER_EVENT_FILLED: PU,
         K.ORDER_EVENT_REJECTED: S.ORDER_STATUS_REJECTED,
         K.ORDER_EVENT_CANCELED: S.ORDER_STATUS_CANCELED,
         K.ORDER_EVENT_EXPIRED: S.ORDER_STATUS_EXPIRED,
         K.ORDER_EVENT_PENDING_UPDATE: PU, K.ORDER_EVENT_PENDING_CANCEL: PC,
         K.ORDER_EVENT_UPDATED: ACC, K.ORDER_EVENT_MODIFY_REJECTED: ACC},
    PC: {K.ORDER_EVENT_ACCEPTED: PC, K.ORDER_EVENT_TRIGGERED: PC, K.ORDER_EVENT_FILLED: PC,
         K.ORDER_EVENT_REJECTED: S.ORDER_STATUS_REJECTED,
         K.ORDER_EVENT_CANCELED: S.ORDER_STATUS_CANCELED,
         K.ORDER_EVENT_EXPIRED: S.ORDER_STATUS_EXPIRED,
         K.ORDER_EVENT_PENDING_CANCEL: PC, K.ORDER_EVENT_UPDATED: PC,
         K.ORDER_EVENT_MODIFY_REJECTED: PC, K.ORDER_EVENT_CANCEL_REJECTED: ACC},
}

ALL_PAIRS = [(s, k) for s in OrderStatus for k in OrderEventKind]
VALID = [(s, k) for s, k in ALL_PAIRS if k in EXPECTED.get(s, {})]
INVALID = [(s, k) for s, k in ALL_PAIRS if k not in EXPECTED.get(s, {})]


def _name(status: OrderStatus) -> str:
    return status.name.removeprefix("ORDER_STATUS_")


@pytest.mark.parametrize(("status", "kind"), VALID, ids=[f"{_name(s)}-{k.name}" for s, k in VALID])
def test_every_allowed_transition_moves_to_the_expected_status(status, kind):
    order = order_in(status)
    order.apply(event(kind))
    assert order.status == EXPECTED[status][kind]


@pytest.mark.parametrize(("status", "kind"), INVALID,
                         ids=[f"{_name(s)}-{k.name}" for s, k in INVALID])
def test_every_other_transition_raises_naming_state_and_event(status, kind):
    order = order_in(status)
    ev = event(kind)
    count = order.event_count
    with pytest.raises(InvalidStateTransition) as err:
        order.apply(ev)
    assert f"cannot apply {type(ev).__name__} to order O-1 in state {_name(status)}" \
        in str(err.value)
    assert order.status == status and order.event_count == count


def test_transition_table_lists_exactly_the_expected_pairs():
    assert set(transition_table()) == set(VALID)


def test_invalid_transition_is_a_value_error():
    assert issubclass(InvalidStateTransition, ValueError)


# -- pending requests ---------------------------------------------------------------------------

def test_cancel_rejected_returns_a_partially_filled_order_to_partially_filled():
    order = order_in(PF)
    order.apply(OrderPendingCancel(*IDS))
    assert order.is_inflight and order.is_pending_cancel
    order.apply(OrderCancelRejected(*IDS, "too late"))
    assert order.status == PF and not order.is_inflight


def test_partial_fill_while_pending_update_keeps_pending_then_returns_to_partially_filled():
    order = order_in(PU)
    order.apply(fill("2", trade="T2"))
    assert order.status == PU and order.filled_qty == q("2")
    order.apply(OrderUpdated(*IDS, quantity=q("12")))
    assert order.status == PF and order.leaves_qty == q("10")


def test_full_fill_while_pending_cancel_fills_the_order():
    order = order_in(PC)
    order.apply(fill("10", trade="T2"))
    assert order.status == S.ORDER_STATUS_FILLED and order.is_closed


def test_cancel_before_accept_returns_to_submitted_when_rejected():
    order = order_in(S.ORDER_STATUS_SUBMITTED)
    order.apply(OrderPendingCancel(*IDS))
    order.apply(OrderCancelRejected(*IDS, "unknown order"))
    assert order.status == S.ORDER_STATUS_SUBMITTED


def test_accept_while_pending_cancel_returns_to_accepted_when_rejected():
    order = order_in(S.ORDER_STATUS_SUBMITTED)
    order.apply(OrderPendingCancel(*IDS))
    order.apply(OrderAccepted(*IDS, VenueOrderId("V-9")))
    assert order.status == PC and order.venue_order_id == VenueOrderId("V-9")
    order.apply(OrderCancelRejected(*IDS, "too late"))
    assert order.status == ACC


def test_trigger_while_pending_update_returns_to_triggered():
    order = order_in(PU)
    order.apply(OrderTriggered(*IDS))
    order.apply(OrderModifyRejected(*IDS, "no"))
    assert order.status == TRG


def test_trigger_on_a_limit_order_is_invalid():
    order = Order.limit(*IDS, BUY, q("1"), p("100.00"))
    order.apply(OrderSubmitted(*IDS))
    order.apply(OrderAccepted(*IDS, VenueOrderId("V-1")))
    with pytest.raises(InvalidStateTransition, match="LIMIT order has no trigger"):
        order.apply(OrderTriggered(*IDS))
    assert order.status == ACC


def test_event_of_another_order_is_rejected():
    order = order_in(ACC)
    other = (*IDS[:3], ClientOrderId("O-2"))
    with pytest.raises(ValueError, match="for order O-2 to order O-1"):
        order.apply(OrderCanceled(*other))


# -- fills ---------------------------------------------------------------------------------------

def test_partial_fills_update_filled_leaves_and_volume_weighted_avg_px():
    order = order_in(ACC)
    order.apply(fill("3", "100.00", "T1"))
    order.apply(fill("1", "104.00", "T2"))
    assert order.filled_qty == q("4") and order.leaves_qty == q("6")
    assert order.avg_px == 101.0  # (3 * 100 + 1 * 104) / 4
    assert order.status == PF
    order.apply(fill("6", "99.00", "T3"))
    assert order.status == S.ORDER_STATUS_FILLED and order.leaves_qty == q("0")


def test_avg_px_of_three_fills_matches_hand_computation():
    order = order_in(ACC)
    for i, (qty, px) in enumerate([("3", "100.00"), ("1", "104.00"), ("6", "99.00")]):
        order.apply(fill(qty, px, f"T{i}"))
    assert order.avg_px == 99.8  # (300 + 104 + 594) / 10


def test_overfill_is_rejected_and_leaves_the_order_unchanged():
    order = order_in(PF)  # 1 of 10 filled
    with pytest.raises(ValueError, match=r"overfill, last_qty 10 exceeds leaves_qty 9"):
        order.apply(fill("10", trade="T2"))
    assert order.filled_qty == q("1") and order.status == PF and order.event_count == 3


def test_duplicate_trade_id_is_rejected():
    order = order_in(ACC)
    order.apply(fill("1", trade="T7"))
    with pytest.raises(ValueError, match="duplicate trade_id T7"):
        order.apply(fill("1", trade="T7"))
    assert order.filled_qty == q("1")


def test_orders_and_events_are_left_out_of_the_cyclic_gc():
    import gc

    order = order_in(ACC)
    assert not gc.is_tracked(order)
    order.apply(fill("1", trade="T1"))
    order.apply(fill("2", trade="T2"))
    assert not gc.is_tracked(order) and order.filled_qty == q("3")
    assert not gc.is_tracked(fill("1", trade="T3"))


def test_fill_on_the_other_side_is_rejected():
    order = order_in(ACC)
    with pytest.raises(ValueError, match="fill side SIDE_SELL differs"):
        order.apply(fill("1", side=SELL))


def test_commissions_sum_per_currency():
    btc = Currency.from_str("BTC")
    order = order_in(ACC)
    order.apply(fill("1", trade="T1", fee="0.25"))
    order.apply(fill("1", trade="T2", fee="0.50"))
    order.apply(OrderFilled(*IDS, VenueOrderId("V-1"), TradeId("T3"), BUY, q("1"), p("100.00"),
                            Money("0.00000100", btc)))
    assert order.commissions == {USD: Money("0.75", USD), btc: Money("0.00000100", btc)}


@given(st.lists(st.tuples(st.integers(1, 50), st.integers(1, 10**6)), min_size=1, max_size=20))
def test_avg_px_equals_the_decimal_volume_weighted_price(fills):
    total = sum(n for n, _ in fills)
    order = Order.limit(*IDS, BUY, Quantity.from_raw(total, 0), p("1.00"))
    order.apply(OrderSubmitted(*IDS))
    for i, (n, px_raw) in enumerate(fills):
        order.apply(OrderFilled(*IDS, None, TradeId(f"T{i}"), BUY, Quantity.from_raw(n, 0),
                                Price.from_raw(px_raw, 2), Money("0", USD)))
    notional = sum(Decimal(n) * Decimal(px) / 100 for n, px in fills)
    assert order.avg_px == float(notional / total)
    assert order.filled_qty.raw == total and order.leaves_qty.raw == 0
    assert order.status == S.ORDER_STATUS_FILLED


# -- updates ---------------------------------------------------------------------------------

def test_update_changes_quantity_price_and_trigger():
    order = order_in(PU)
    order.apply(OrderUpdated(*IDS, quantity=q("5"), price=p("101.5"), trigger_price=p("100.25")))
    assert order.quantity == q("5") and order.leaves_qty == q("5")
    assert order.price == p("101.50") and order.trigger_price == p("100.25")
    assert order.price_precision == 2


def test_update_below_filled_qty_is_rejected():
    order = order_in(PF)
    order.apply(OrderPendingUpdate(*IDS))
    with pytest.raises(ValueError, match="must exceed filled_qty 1"):
        order.apply(OrderUpdated(*IDS, quantity=q("1")))
    assert order.status == PU and order.quantity == q("10")


def test_update_price_of_a_market_order_is_rejected():
    order = Order.market(*IDS, BUY, q("1"))
    order.apply(OrderSubmitted(*IDS))
    order.apply(OrderAccepted(*IDS, VenueOrderId("V-1")))
    with pytest.raises(ValueError, match="has no limit price"):
        order.apply(OrderUpdated(*IDS, price=p("1.00")))


# -- construction ------------------------------------------------------------------------------

@pytest.mark.parametrize(("make", "field"), [
    (lambda: Order(*IDS, BUY, OrderType.ORDER_TYPE_LIMIT, q("1")), "price"),
    (lambda: Order(*IDS, BUY, OrderType.ORDER_TYPE_MARKET, q("1"), p("1.0")), "price"),
    (lambda: Order(*IDS, BUY, OrderType.ORDER_TYPE_STOP_MARKET, q("1")), "trigger_price"),
    (lambda: Order(*IDS, BUY, OrderType.ORDER_TYPE_LIMIT, q("1"), p("1"), p("1")),
     "trigger_price"),
    (lambda: Order(*IDS, BUY, OrderType.ORDER_TYPE_STOP_LIMIT, q("1"), p("1"), p("1"),
                   post_only=True), "post_only"),
    (lambda: Order.limit(*IDS, BUY, q("1"), p("1"), time_in_force=TimeInForce.TIF_GTD),
     "expire_time_ns"),
    (lambda: Order.limit(*IDS, BUY, q("1"), p("1"), expire_time_ns=5), "expire_time_ns"),
    (lambda: Order.market(*IDS, BUY, q("1"), time_in_force=TimeInForce.TIF_GTD),
     "time_in_force"),
    (lambda: Order.market(*IDS, BUY, q("0")), "quantity"),
    (lambda: Order.limit(*IDS, BUY, q("1"), p("-1")), "price"),
    (lambda: Order.market(*IDS, 3, q("1")), "side"),
    (lambda: Order(*IDS, BUY, 9, q("1")), "order_type"),
    (lambda: Order.market(*IDS, BUY, q("1"), time_in_force=0), "time_in_force"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_invalid_terms_raise_naming_the_field(make, field):
    with pytest.raises(ValueError, match=f"field '{field}'"):
        make()


def test_factories_build_each_type_with_its_flags():
    gtd = Order.limit(*IDS, SELL, q("2"), p("10.5"), time_in_force=TimeInForce.TIF_GTD,
                      expire_time_ns=99, post_only=True, reduce_only=True, tags=["a"])
    assert (gtd.order_type, gtd.side, gtd.time_in_force) == \
        (OrderType.ORDER_TYPE_LIMIT, SELL, TimeInForce.TIF_GTD)
    assert gtd.post_only and gtd.reduce_only and gtd.expire_time_ns == 99 and gtd.tags == ("a",)
    assert gtd.is_sell and not gtd.is_buy and gtd.is_passive
    assert Order.market(*IDS, BUY, q("1"), tags="entry").tags == ("entry",)
    sm = Order.stop_market(*IDS, BUY, q("1"), p("99.5"))
    assert sm.price is None and sm.trigger_price == p("99.5")
    sl = Order.stop_limit(*IDS, BUY, q("1"), p("100"), p("99.25"))
    assert sl.price == p("100.00") and sl.price_precision == 2
    mk = Order.market(*IDS, BUY, q("1"), time_in_force=TimeInForce.TIF_IOC)
    assert mk.price is None and mk.trigger_price is None and not mk.is_passive
    assert mk.status == S.ORDER_STATUS_INITIALIZED
    assert not (mk.is_open or mk.is_closed or mk.is_inflight)


def test_status_predicates_follow_the_status():
    order = order_in(ACC)
    assert order.is_open and not order.is_closed and not order.is_inflight
    order.apply(OrderCanceled(*IDS))
    assert order.is_closed and not order.is_open


def test_repr_shows_terms_and_status():
    order = Order.limit(*IDS, BUY, q("1.5"), p("100.25"))
    assert repr(order) == ("Order(O-1, BTCUSD.SIM, BUY 1.5 LIMIT @ 100.25 GTC, "
                           "status=INITIALIZED, filled=0.0)")


# -- binary record -----------------------------------------------------------------------------

order_terms = st.builds(
    lambda kind, side, qty, px, trig, tif, exp, reduce, post: (
        kind, side, Quantity.from_raw(qty, 3),
        Price.from_raw(px, 2) if kind in (2, 4) else None,
        Price.from_raw(trig, 2) if kind in (3, 4) else None,
        tif if not (kind == 1 and tif == 4) else 1, exp, reduce, post and kind == 2),
    st.integers(1, 4), st.sampled_from([BUY, SELL]), st.integers(1, 2**62),
    st.integers(1, 2**62), st.integers(1, 2**62), st.integers(1, 5), st.integers(1, 2**62),
    st.booleans(), st.booleans(),
)


@given(order_terms, st.integers(0, 2**32 - 1), st.integers(0, 2**64 - 1))
def test_record_round_trip_keeps_every_term(terms, instrument_num, coid_num):
    kind, side, qty, px, trig, tif, exp, reduce, post = terms
    order = Order(*IDS, side, kind, qty, px, trig, time_in_force=tif,
                  expire_time_ns=exp if tif == 4 else 0, post_only=post, reduce_only=reduce,
                  ts_init=7, client_order_num=coid_num)
    rec = order.to_record(instrument_num=instrument_num, trader_num=3, strategy_num=4)
    assert len(rec) == 128 and rec[8:12] == instrument_num.to_bytes(4, "little")
    back = Order.from_record(rec, *IDS)
    for name in ("side", "order_type", "time_in_force", "quantity", "price", "trigger_price",
                 "expire_time_ns", "post_only", "reduce_only", "ts_init", "client_order_num"):
        assert getattr(back, name) == getattr(order, name), name
    assert back.to_record(instrument_num=instrument_num, trader_num=3, strategy_num=4) == rec


def test_record_carries_a_numeric_venue_order_id():
    order = order_in(ACC)
    order.apply(OrderUpdated(*IDS, quantity=q("11"), venue_order_id=VenueOrderId("12345")))
    back = Order.from_record(order.to_record(instrument_num=1), *IDS)
    assert back.venue_order_id == VenueOrderId("12345")


def test_from_record_names_the_bad_field():
    rec = bytearray(Order.market(*IDS, BUY, q("1")).to_record(instrument_num=1))
    rec[2] = 7  # side
    with pytest.raises(ValueError, match="field 'side'"):
        Order.from_record(bytes(rec), *IDS)
    with pytest.raises(ValueError, match="field 'length'"):
        Order.from_record(bytes(rec[:100]), *IDS)


def test_order_enums_are_the_core_record_enums_and_members_are_exported():
    import hft.core.encoding as encoding
    import hft.model.enums as enums
    assert enums.OrderSide is encoding.Side and enums.OrderType is encoding.OrderType
    assert enums.TimeInForce is encoding.TimeInForce
    assert enums.ORDER_STATUS_FILLED == S.ORDER_STATUS_FILLED == 12
    assert enums.POSITION_SIDE_SHORT == 2 and enums.LIQUIDITY_SIDE_MAKER == 1


@given(st.lists(st.tuples(st.integers(1, 10**12), st.integers(1, 2**62), st.integers(0, 18)),
                min_size=1, max_size=8))
def test_avg_px_is_the_correctly_rounded_exact_average_at_any_size(fills):
    """Mixed price precisions and products past 128 bits give the correctly rounded ratio."""
    total = sum(n for n, _, _ in fills)
    order = Order.market(*IDS, BUY, Quantity.from_raw(total, 0))
    order.apply(OrderSubmitted(*IDS))
    for i, (n, px_raw, precision) in enumerate(fills):
        order.apply(OrderFilled(*IDS, None, TradeId(f"T{i}"), BUY, Quantity.from_raw(n, 0),
                                Price.from_raw(px_raw, precision), Money("0", USD)))
    exact = sum(Fraction(n * px_raw, 10**precision) for n, px_raw, precision in fills) / total
    assert order.avg_px == float(exact)


def test_a_repeated_trade_id_is_refused_on_the_first_and_later_fills():
    order = order_in(ACC)
    order.apply(fill("1", trade="T1"))
    with pytest.raises(ValueError, match="duplicate trade_id"):
        order.apply(fill("1", trade="T1"))
    order.apply(fill("1", trade="T2"))
    with pytest.raises(ValueError, match="duplicate trade_id"):
        order.apply(fill("1", trade="T1"))
    assert order.filled_qty == q("2")
