"""Margin account: balances by realized PnL and fees, margin at leverage, equity, free margin."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hft.model.account import AccountBalanceNegative, CashAccount, MarginAccount
from hft.model.enums import OrderSide
from hft.model.events import OrderFilled
from hft.model.identifiers import (
    AccountId, ClientOrderId, InstrumentId, StrategyId, TradeId, TraderId, VenueOrderId,
)
from hft.model.instruments import Instrument
from hft.model.objects import Currency, Money, Price, Quantity

BUY, SELL = OrderSide.SIDE_BUY, OrderSide.SIDE_SELL
USD, EUR, BTC = (Currency.from_str(c) for c in ("USD", "EUR", "BTC"))
EURUSD = Instrument.fx("EUR/USD.SIM", size_increment=1, numeric_id=1)
ES = Instrument.future("ESZ5.SIM", Currency.from_str("USD"), USD, 0, price_precision=2,
                       multiplier=50, numeric_id=2)
BTCUSD = Instrument("BTC/USD.SIM", 1, base_currency=BTC, quote_currency=USD,
                    price_precision=2, size_precision=0, numeric_id=3)
_n = iter(range(10**9))


def fill(instrument, side, qty, px, fee="0", fee_currency=USD) -> OrderFilled:
    n = next(_n)
    return OrderFilled(TraderId("T-001"), StrategyId("S-001"), instrument.id,
                       ClientOrderId(f"O-{n}"), VenueOrderId(f"V-{n}"), TradeId(f"E-{n}"), side,
                       Quantity.from_str(str(qty)), Price.from_str(str(px)),
                       Money(str(fee), fee_currency))


def margin(balance="10000", leverage=30, **kw) -> MarginAccount:
    return MarginAccount(AccountId("SIM-001"), None, [Money(balance, USD)], leverage=leverage,
                         **kw)


def usd(text: str) -> Money:
    return Money(text, USD)


def test_opening_moves_only_the_fee_and_holds_margin_at_leverage():
    acc = margin()
    acc.apply_fill(fill(EURUSD, BUY, 100_000, "1.10000", fee="2"), EURUSD)
    assert acc.balance_total(USD) == usd("9998")                 # notional moves no cash
    assert acc.position_margin(USD) == usd("3666.67")           # 110000 / 30, half-even
    assert acc.unrealized_pnl(USD) == usd("0")
    assert acc.equity(USD) == usd("9998")
    assert acc.free_margin(USD) == usd("6331.33")
    assert acc.net_quantity(EURUSD.id) == 100_000


def test_a_new_price_moves_unrealized_pnl_margin_and_margin_level():
    acc = margin()
    acc.apply_fill(fill(EURUSD, BUY, 100_000, "1.10000", fee="2"), EURUSD)
    acc.set_mark(EURUSD.id, Price.from_str("1.10500"))
    assert acc.unrealized_pnl(USD) == usd("500")                # 100000 x 0.005
    assert acc.margin_used(USD) == usd("3683.33")               # 110500 / 30
    assert acc.equity(USD) == usd("10498")
    assert acc.free_margin(USD) == usd("6814.67")
    assert acc.margin_level(USD) == Decimal("285.0138")         # 10498 / 3683.33 x 100


def test_reducing_books_realized_pnl_and_a_flip_opens_the_other_side():
    acc = margin()
    acc.apply_fill(fill(EURUSD, BUY, 100_000, "1.10000", fee="2"), EURUSD)
    acc.set_mark(EURUSD.id, Price.from_str("1.10500"))
    acc.apply_fill(fill(EURUSD, SELL, 40_000, "1.10600", fee="0.80"), EURUSD)
    assert acc.balance_total(USD) == usd("10237.20")            # 9998 + 40000 x 0.006 - 0.80
    assert acc.unrealized_pnl(USD) == usd("360")                # 60000 x 0.006 at the fill
    assert acc.position_margin(USD) == usd("2212")              # 60000 x 1.106 / 30
    acc.apply_fill(fill(EURUSD, SELL, 100_000, "1.10400"), EURUSD)
    assert acc.balance_total(USD) == usd("10477.20")            # + 60000 x 0.004
    assert acc.net_quantity(EURUSD.id) == -40_000
    assert acc.position_margin(USD) == usd("1472")              # 40000 x 1.104 / 30
    assert acc.unrealized_pnl(USD) == usd("0")
    assert acc.peak_margin_used(USD) == usd("3683.33")
    assert acc.fill_count == 3


def test_a_future_counts_its_multiplier_and_a_per_instrument_leverage():
    acc = margin("50000", leverage=10, leverages={"ESZ5.SIM": 20})
    acc.apply_fill(fill(ES, BUY, 2, "5000.00"), ES)
    assert acc.leverage_for(ES.id) == 20 and acc.leverage_for(EURUSD.id) == 10
    assert acc.position_margin(USD) == usd("25000")             # 2 x 5000 x 50 / 20
    acc.apply_fill(fill(ES, SELL, 2, "5010.25"), ES)
    assert acc.balance_total(USD) == usd("51025")               # 2 x 10.25 x 50
    assert acc.margin_used(USD) == usd("0") and acc.margin_level(USD) is None


def test_fractional_leverage_is_exact():
    acc = margin(leverage="2.5")
    assert acc.initial_margin(EURUSD, Quantity.from_str("1000"),
                              Price.from_str("1.23457")) == usd("493.83")  # 1234.57 / 2.5


def test_a_loss_beyond_the_balance_goes_negative_without_raising():
    acc = margin("100", leverage=100)
    acc.apply_fill(fill(EURUSD, BUY, 10_000, "1.10000"), EURUSD)
    acc.apply_fill(fill(EURUSD, SELL, 10_000, "1.08000"), EURUSD)
    assert acc.balance_total(USD) == usd("-100")                # lost 200 on 100
    assert acc.free_margin(USD) == usd("-100")


def test_realized_remainders_stay_in_unrealized_so_equity_rounds_once():
    acc = margin()
    acc.apply_fill(fill(BTCUSD, BUY, 1, "1.00"), BTCUSD)
    acc.apply_fill(fill(BTCUSD, BUY, 2, "1.01"), BTCUSD)       # avg 1.00666...
    acc.apply_fill(fill(BTCUSD, SELL, 1, "1.02"), BTCUSD)      # realized 0.01333... -> 0.01
    assert acc.balance_total(USD) == usd("10000.01")
    # exact PnL at 1.02: -1.00 - 2.02 + 1.02 + 2 x 1.02 = 0.04
    assert acc.equity(USD) == usd("10000.04")


def test_order_margin_is_held_and_released():
    acc = margin()
    acc.hold_margin(usd("1000"))
    assert acc.margin_used(USD) == usd("1000") and acc.free_margin(USD) == usd("9000")
    acc.release_margin(usd("1000"))
    assert acc.order_margin(USD) == usd("0") and acc.peak_margin_used(USD) == usd("1000")
    with pytest.raises(ValueError, match="releases more USD order margin than is held"):
        acc.release_margin(usd("0.01"))


def test_withdraw_is_limited_to_the_free_margin():
    acc = margin()
    acc.apply_fill(fill(EURUSD, BUY, 100_000, "1.10000"), EURUSD)
    with pytest.raises(AccountBalanceNegative, match="exceeds the free margin 6333.33 USD"):
        acc.withdraw(usd("7000"))
    acc.withdraw(usd("6000"))
    assert acc.balance_total(USD) == usd("4000")


def test_balance_reports_margin_as_locked():
    acc = margin()
    acc.apply_fill(fill(EURUSD, BUY, 100_000, "1.10000"), EURUSD)
    total, locked, free = acc.balance(USD)
    assert (total, locked, free) == (usd("10000"), usd("3666.67"), usd("6333.33"))
    assert acc.kind == "margin" and CashAccount(AccountId("C-1")).kind == "cash"


@pytest.mark.parametrize("leverage, error", [
    (0, ValueError), (-2, ValueError), ("nan", ValueError), (1.5, TypeError), (True, TypeError),
])
def test_leverage_must_be_an_exact_positive_number(leverage, error):
    with pytest.raises(error, match="leverage"):
        margin(leverage=leverage)


def test_a_single_currency_account_refuses_another_settlement_currency():
    acc = MarginAccount(AccountId("SIM-001"), EUR, [Money("100", EUR)], leverage=10)
    with pytest.raises(ValueError, match="single-currency account in EUR, cannot hold USD"):
        acc.apply_fill(fill(EURUSD, BUY, 1000, "1.10000"), EURUSD)


def test_a_fill_for_another_instrument_is_refused():
    with pytest.raises(ValueError, match="applied with instrument"):
        margin().apply_fill(fill(ES, BUY, 1, "5000.00"), EURUSD)


# -- agreement with a cash account ---------------------------------------------------------

_fills = st.lists(st.tuples(st.booleans(), st.integers(1, 50), st.integers(1, 10_000),
                            st.integers(0, 100)), min_size=1, max_size=30)


@settings(max_examples=150)
@given(_fills, st.integers(1, 10_000))
def test_margin_equity_equals_cash_account_equity_for_the_same_fills(fills, mark_cents):
    # prices at 2 digits, whole units: every notional is exact in USD, so the cash account
    # rounds nothing and the two must agree to the cent
    start_usd, start_btc = Money("10000000", USD), Money("10000", BTC)
    cash = CashAccount(AccountId("C-1"), None, [start_usd, start_btc])
    marg = MarginAccount(AccountId("M-1"), None, [start_usd], leverage=5)
    for is_buy, qty, cents, fee_cents in fills:
        f = fill(BTCUSD, BUY if is_buy else SELL, qty, Decimal(cents).scaleb(-2),
                 fee=Decimal(fee_cents).scaleb(-2))
        cash.apply_fill(f, BTCUSD)
        marg.apply_fill(f, BTCUSD)
    mark = Decimal(mark_cents).scaleb(-2)
    marg.set_mark(BTCUSD.id, Price.from_str(str(mark)))
    held = cash.balance_total(BTC).as_decimal() - start_btc.as_decimal()
    cash_equity = cash.balance_total(USD).as_decimal() + held * mark
    assert marg.equity(USD).as_decimal() == cash_equity
    assert marg.net_quantity(BTCUSD.id) == held
    assert marg.position_margin(USD).as_decimal() == (abs(held) * mark / 5).quantize(
        Decimal("0.01"), rounding="ROUND_HALF_EVEN")
