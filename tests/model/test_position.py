"""Netting positions: quantity, average price, realized/unrealized PnL, fees, flips."""

from decimal import Decimal, localcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hft.model.enums import OrderSide, PositionSide
from hft.model.events import OrderFilled
from hft.model.identifiers import (
    ClientOrderId, InstrumentId, PositionId, StrategyId, TradeId, TraderId, VenueOrderId,
)
from hft.model.objects import Currency, Money, Price, Quantity
from hft.model.position import Position, split_fill

BUY, SELL = OrderSide.SIDE_BUY, OrderSide.SIDE_SELL
USD = Currency.from_str("USD")
BTC = Currency.from_str("BTC")
INSTRUMENT, STRATEGY = InstrumentId("ESZ6.CME"), StrategyId("S-001")
_n = iter(range(10**9))


def fill(side, qty: str, px: str, fee: str = "0", ts: int = 0, fee_currency=USD,
         instrument=INSTRUMENT) -> OrderFilled:
    n = next(_n)
    return OrderFilled(TraderId("T-001"), STRATEGY, instrument, ClientOrderId(f"O-{n}"),
                       VenueOrderId(f"V-{n}"), TradeId(f"E-{n}"), side, Quantity.from_str(qty),
                       Price.from_str(px), Money(fee, fee_currency), ts_event=ts)


def position(multiplier=1, size_precision=0) -> Position:
    return Position(INSTRUMENT, STRATEGY, USD, size_precision, multiplier)


def test_new_position_is_flat_with_no_pnl():
    pos = position()
    assert pos.side == PositionSide.POSITION_SIDE_FLAT and not pos.is_open
    assert not pos.is_closed and pos.realized_pnl == Money("0", USD) and pos.entry is None


def test_long_adds_average_the_open_price_and_partial_close_books_pnl():
    pos = position()
    pos.apply(fill(BUY, "10", "100.00", ts=1))
    pos.apply(fill(BUY, "10", "110.00", ts=2))
    assert pos.side == PositionSide.POSITION_SIDE_LONG and pos.quantity == Quantity.from_str("20")
    assert pos.avg_px_open == 105.0 and pos.avg_px_open_decimal == Decimal("105")
    pos.apply(fill(SELL, "5", "120.00", ts=3))
    assert pos.realized_pnl == Money("75.00", USD)          # 5 * (120 - 105)
    assert pos.unrealized_pnl(Price.from_str("100.00")) == Money("-75.00", USD)  # 15 * -5
    assert pos.avg_px_open == 105.0 and pos.signed_qty == Decimal(15)
    assert pos.peak_qty == Quantity.from_str("20") and pos.ts_opened == 1


def test_short_gains_when_price_falls():
    pos = position()
    pos.apply(fill(SELL, "4", "50.00"))
    pos.apply(fill(BUY, "1", "45.00"))
    assert pos.side == PositionSide.POSITION_SIDE_SHORT and pos.signed_qty == Decimal(-3)
    assert pos.realized_pnl == Money("5.00", USD)            # 1 * (50 - 45)
    assert pos.unrealized_pnl(Price.from_str("40")) == Money("30.00", USD)  # 3 * (50 - 40)
    assert pos.avg_px_open == 50.0 and pos.entry == SELL


def test_close_records_timestamps_duration_and_refuses_more_fills():
    pos = position()
    pos.apply(fill(BUY, "2", "10.00", ts=1_000))
    pos.apply(fill(SELL, "2", "12.50", ts=4_000))
    assert pos.is_closed and pos.side == PositionSide.POSITION_SIDE_FLAT
    assert (pos.ts_opened, pos.ts_closed, pos.duration_ns) == (1_000, 4_000, 3_000)
    assert pos.realized_pnl == Money("5.00", USD) and pos.avg_px_open_decimal is None
    with pytest.raises(ValueError, match="closed"):
        pos.apply(fill(BUY, "1", "10.00"))


def test_realized_pnl_of_an_uneven_average_rounds_half_even_to_the_quote_currency():
    pos = position()
    pos.apply(fill(BUY, "1", "100.00"))
    pos.apply(fill(BUY, "2", "100.01"))                      # avg 100.006666...
    pos.apply(fill(SELL, "1", "101.00"))
    assert pos.realized_pnl == Money("0.99", USD)            # 101 - 100.00666.. = 0.99333..
    assert abs(pos.realized_pnl_decimal - Decimal("0.993333333333333333")) < Decimal("1e-17")
    # whatever the split, realized + unrealized is exact: -100 - 200.02 + 101 + 2 * 100.5
    assert pos.realized_pnl_decimal + pos.unrealized_pnl_decimal(Price.from_str("100.5")) \
        == Decimal("1.98")


def test_multiplier_scales_pnl():
    pos = position(multiplier=50)
    pos.apply(fill(BUY, "2", "4000.25"))
    pos.apply(fill(SELL, "2", "4010.50"))
    assert pos.realized_pnl == Money("1025.00", USD)         # 2 * 10.25 * 50


def test_fractional_multiplier_scales_pnl():
    pos = position(multiplier="0.001", size_precision=1)
    pos.apply(fill(SELL, "1.5", "20000"))
    assert pos.unrealized_pnl(Price.from_str("19000")) == Money("1.50", USD)  # 1.5*1000*0.001


def test_commissions_sum_per_currency_apart_from_pnl():
    pos = position()
    pos.apply(fill(BUY, "1", "100", fee="0.10"))
    pos.apply(fill(BUY, "1", "100", fee="0.00000200", fee_currency=BTC))
    pos.apply(fill(SELL, "1", "101", fee="0.15"))
    assert pos.commissions == {USD: Money("0.25", USD), BTC: Money("0.00000200", BTC)}
    assert pos.realized_pnl == Money("1.00", USD)


def test_flip_through_zero_closes_and_returns_a_new_position_with_the_remainder():
    pos = position()
    pos.position_id = PositionId("P-1")
    pos.apply(fill(BUY, "2", "100.00", ts=1))
    new = pos.apply(fill(SELL, "5", "110.00", fee="1.00", ts=2))
    assert pos.is_closed and pos.realized_pnl == Money("20.00", USD)   # 2 * (110 - 100)
    assert pos.commissions == {USD: Money("0.40", USD)}                # 2/5 of the fee
    assert isinstance(new, Position) and new.position_id is None
    assert new.side == PositionSide.POSITION_SIDE_SHORT and new.quantity == Quantity.from_str("3")
    assert new.avg_px_open == 110.0 and new.ts_opened == 2
    assert new.commissions == {USD: Money("0.60", USD)}


def test_apply_returns_none_when_the_position_does_not_flip():
    pos = position()
    assert pos.apply(fill(BUY, "2", "1")) is None
    assert pos.apply(fill(SELL, "2", "1")) is None


def test_split_fill_keeps_quantity_and_commission_sums():
    f = fill(SELL, "7", "3.00", fee="0.05")
    closing, opening = split_fill(f, 3)
    assert (closing.last_qty, opening.last_qty) == (Quantity.from_str("3"), Quantity.from_str("4"))
    assert closing.commission.raw + opening.commission.raw == 5
    assert closing.trade_id == opening.trade_id == f.trade_id and closing.last_px == f.last_px
    with pytest.raises(ValueError, match="closing_qty_raw"):
        split_fill(f, 7)


def test_fill_for_another_instrument_is_refused():
    with pytest.raises(ValueError, match="does not belong"):
        position().apply(fill(BUY, "1", "1", instrument=InstrumentId("NQZ6.CME")))


def test_fill_finer_than_the_size_precision_is_refused():
    with pytest.raises(ValueError, match="size precision 0"):
        position().apply(fill(BUY, "1.5", "1"))


@pytest.mark.parametrize("multiplier", [0, -1, "x", 1.5])
def test_bad_multiplier_is_refused(multiplier):
    with pytest.raises(ValueError, match="field 'multiplier'"):
        position(multiplier=multiplier)


fills = st.lists(
    st.tuples(st.sampled_from([BUY, SELL]), st.integers(1, 10_000), st.integers(1, 10**7)),
    min_size=1, max_size=25,
)


@given(fills, st.integers(1, 10**7), st.sampled_from(["1", "0.001", "25"]))
def test_realized_plus_unrealized_equals_the_decimal_cash_flows(trades, last_raw, multiplier):
    """Follow flips into new positions; the sum over all of them is the Decimal reference."""
    positions = [position(multiplier=multiplier, size_precision=3)]
    cash, qty = Decimal(0), Decimal(0)
    for side, q_raw, px_raw in trades:
        q, px = Decimal(q_raw).scaleb(-3), Decimal(px_raw).scaleb(-2)
        if positions[-1].is_closed:
            positions.append(position(multiplier=multiplier, size_precision=3))
        new = positions[-1].apply(fill(side, str(q), str(px)))
        if new is not None:
            positions.append(new)
        sign = 1 if side == BUY else -1
        cash -= sign * q * px
        qty += sign * q
    last = Price.from_raw(last_raw, 2)
    expected = (cash + qty * Decimal(last_raw).scaleb(-2)) * Decimal(multiplier)
    got = sum(p.realized_pnl_decimal for p in positions) \
        + positions[-1].unrealized_pnl_decimal(last)
    assert got == expected
    assert positions[-1].signed_qty == qty
    assert all(p.is_closed for p in positions[:-1])


huge_fills = st.lists(
    st.tuples(st.sampled_from([BUY, SELL]), st.integers(1, 10**15), st.integers(1, 10**18)),
    min_size=1, max_size=12,
)


@given(huge_fills, st.integers(1, 10**18))
def test_money_past_128_bits_stays_exact(trades, last_raw):
    """Prices near int64 times large quantities overflow 128 bits: Python ints take over."""
    positions = [position(size_precision=3)]
    with localcontext() as ctx:
        ctx.prec = 200
        cash, qty = Decimal(0), Decimal(0)
        for side, q_raw, px_raw in trades:
            q, px = Decimal(q_raw).scaleb(-3), Decimal(px_raw).scaleb(-2)
            if positions[-1].is_closed:
                positions.append(position(size_precision=3))
            new = positions[-1].apply(fill(side, str(q), str(px)))
            if new is not None:
                positions.append(new)
            sign = 1 if side == BUY else -1
            cash -= sign * q * px
            qty += sign * q
        expected = cash + qty * Decimal(last_raw).scaleb(-2)
        got = sum(p.realized_pnl_decimal for p in positions) \
            + positions[-1].unrealized_pnl_decimal(Price.from_raw(last_raw, 2))
    assert got == expected
    assert positions[-1].signed_qty == qty


def test_flip_with_a_coarser_fill_splits_the_fee_at_the_position_precision():
    pos = position(size_precision=2)
    pos.apply(fill(BUY, "1.50", "10"))
    flipped = pos.apply(fill(SELL, "3", "12", fee="0.30"))   # closes 1.50, opens 1.50 short
    assert pos.is_closed and pos.realized_pnl == Money("3.00", USD)
    assert flipped.signed_qty == Decimal("-1.50")
    assert pos.commissions[USD].raw == 15 and flipped.commissions[USD].raw == 15
