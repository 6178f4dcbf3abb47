"""Cash account balances after spot buys and sells, derivative PnL, fees and locks."""

import pytest

from hft.model.account import AccountBalance, AccountBalanceNegative, CashAccount
from hft.model.enums import OrderSide
from hft.model.events import OrderFilled
from hft.model.identifiers import (
    AccountId, ClientOrderId, StrategyId, TradeId, TraderId, VenueOrderId,
)
from hft.model.instruments import Instrument
from hft.model.objects import Currency, Money, Price, Quantity
from hft.model.position import Position

BUY, SELL = OrderSide.SIDE_BUY, OrderSide.SIDE_SELL
USD, USDT, BTC, EUR = (Currency.from_str(c) for c in ("USD", "USDT", "BTC", "EUR"))
SPOT = Instrument.crypto_spot("BTCUSDT.BINANCE", BTC, USDT, price_precision=2, size_precision=4)
PERP = Instrument.perpetual("BTCUSDT-PERP.BINANCE", BTC, USDT)
_n = iter(range(10**9))


def fill(instrument, side, qty, px, fee="0", fee_currency=USDT) -> OrderFilled:
    n = next(_n)
    return OrderFilled(TraderId("T-001"), StrategyId("S-001"), instrument.id,
                       ClientOrderId(f"O-{n}"), VenueOrderId(f"V-{n}"), TradeId(f"E-{n}"), side,
                       Quantity.from_str(qty), Price.from_str(px), Money(fee, fee_currency))


def account(*balances: Money, base=None) -> CashAccount:
    return CashAccount(AccountId("SIM-001"), base, list(balances))


def test_spot_buy_pays_quote_plus_fee_and_receives_base():
    acc = account(Money("20000", USDT))
    acc.apply_fill(fill(SPOT, BUY, "0.5", "30000.00", fee="15"), SPOT)
    assert acc.balance_total(USDT) == Money("4985", USDT)    # 20000 - 0.5 * 30000 - 15
    assert acc.balance_total(BTC) == Money("0.5", BTC)


def test_spot_sell_receives_quote_and_pays_a_base_fee():
    acc = account(Money("4985", USDT), Money("0.5", BTC))
    acc.apply_fill(fill(SPOT, SELL, "0.2", "31000.00", fee="0.0001", fee_currency=BTC), SPOT)
    assert acc.balance_total(USDT) == Money("11185", USDT)   # 4985 + 0.2 * 31000
    assert acc.balance_total(BTC) == Money("0.2999", BTC)    # 0.5 - 0.2 - 0.0001


def test_spot_notional_rounds_half_even_to_the_quote_precision():
    eurusd = Instrument("EURUSD.SIM", 1, base_currency=EUR, quote_currency=USD,
                        price_precision=4, size_precision=0)
    acc = account(Money("10", USD))
    acc.apply_fill(fill(eurusd, BUY, "1", "1.0050", fee_currency=USD), eurusd)  # 1.005 -> 1.00
    acc.apply_fill(fill(eurusd, BUY, "1", "1.0150", fee_currency=USD), eurusd)  # 1.015 -> 1.02
    assert acc.balance_total(USD) == Money("7.98", USD)
    assert acc.balance_total(EUR) == Money("2", EUR)


def test_buy_beyond_the_balance_raises_and_changes_nothing():
    acc = account(Money("100", USDT))
    with pytest.raises(AccountBalanceNegative, match=r"free USDT to -200\.0+ .*change -300"):
        acc.apply_fill(fill(SPOT, BUY, "0.01", "30000.00"), SPOT)
    assert acc.balance_total(USDT) == Money("100", USDT)
    assert acc.balance_total(BTC) == Money("0", BTC) and acc.fill_count == 0


def test_sell_of_base_not_held_is_refused():
    acc = account(Money("100", USDT))
    with pytest.raises(AccountBalanceNegative, match="free BTC"):
        acc.apply_fill(fill(SPOT, SELL, "0.001", "30000.00"), SPOT)


def test_derivative_fill_books_realized_pnl_and_fee_only():
    acc = account(Money("1000", USDT))
    pos = Position(PERP.id, StrategyId("S-001"), USDT, PERP.size_precision)
    opening = fill(PERP, BUY, "0.010", "30000.0", fee="0.12")
    pos.apply(opening)
    acc.apply_fill(opening, PERP)
    closing = fill(PERP, SELL, "0.010", "32550.0", fee="0.13")
    pos.apply(closing)
    acc.apply_fill(closing, PERP, realized_pnl=pos.realized_pnl)
    assert pos.realized_pnl == Money("25.5", USDT)           # 0.01 * 2550
    assert acc.balance_total(USDT) == Money("1025.25", USDT)  # 1000 + 25.5 - 0.12 - 0.13
    assert BTC not in acc.currencies


def test_derivative_loss_beyond_the_balance_is_refused():
    acc = account(Money("10", USDT))
    with pytest.raises(AccountBalanceNegative):
        acc.apply_fill(fill(PERP, SELL, "0.010", "30000.0"), PERP,
                       realized_pnl=Money("-10.01", USDT))


def test_realized_pnl_in_the_wrong_currency_is_refused():
    with pytest.raises(ValueError, match="realized_pnl must be in USDT"):
        account(Money("10", USDT)).apply_fill(fill(PERP, SELL, "0.010", "1.0"), PERP,
                                              realized_pnl=Money("1", USD))


def test_realized_pnl_on_a_spot_fill_is_refused():
    with pytest.raises(ValueError, match="realized_pnl is for derivatives"):
        account(Money("1000", USDT)).apply_fill(fill(SPOT, BUY, "0.001", "1.00"), SPOT,
                                                realized_pnl=Money("1", USDT))


def test_lock_reduces_free_and_fill_can_unlock_in_the_same_step():
    acc = account(Money("1000", USDT))
    acc.lock(Money("600", USDT))
    assert acc.balance(USDT) == AccountBalance(Money("1000", USDT), Money("600", USDT),
                                               Money("400", USDT))
    with pytest.raises(AccountBalanceNegative):
        acc.apply_fill(fill(SPOT, BUY, "0.02", "30000.00"), SPOT)   # 600 > 400 free
    acc.apply_fill(fill(SPOT, BUY, "0.02", "30000.00"), SPOT, unlock=Money("600", USDT))
    assert acc.balance(USDT) == AccountBalance(Money("400", USDT), Money("0", USDT),
                                               Money("400", USDT))


def test_lock_beyond_free_and_unlock_beyond_locked_are_refused():
    acc = account(Money("100", USDT))
    with pytest.raises(AccountBalanceNegative):
        acc.lock(Money("100.01", USDT))
    acc.lock(Money("50", USDT))
    with pytest.raises(ValueError, match="unlock more USDT than is locked"):
        acc.unlock(Money("60", USDT))
    with pytest.raises(AccountBalanceNegative):
        acc.withdraw(Money("51", USDT))
    acc.unlock(Money("50", USDT))
    acc.withdraw(Money("100", USDT))
    assert acc.balance_total(USDT) == Money("0", USDT)


def test_deposit_adds_funds_and_negative_amounts_are_refused():
    acc = account()
    acc.deposit(Money("5", USD))
    assert acc.balance_free(USD) == Money("5", USD)
    for move in (acc.deposit, acc.withdraw, acc.lock, acc.unlock):
        with pytest.raises(ValueError, match="must be >= 0"):
            move(Money("-1", USD))


def test_single_currency_account_refuses_other_currencies():
    acc = account(Money("100", USDT), base=USDT)
    with pytest.raises(ValueError, match="single-currency account in USDT, cannot hold BTC"):
        acc.apply_fill(fill(SPOT, BUY, "0.001", "1.00"), SPOT)
    assert acc.balance_total(USDT) == Money("100", USDT)


def test_starting_balances_accept_a_dict_and_refuse_negatives():
    acc = CashAccount(AccountId("A-1"), None, {USD: Money("1", USD), EUR: Money("2", EUR)})
    assert acc.currencies == [EUR, USD]
    assert set(acc.balances()) == {USD, EUR}
    with pytest.raises(AccountBalanceNegative):
        CashAccount(AccountId("A-1"), None, [Money("-1", USD)])
    with pytest.raises(ValueError, match="must be Money in USD"):
        CashAccount(AccountId("A-1"), None, {USD: Money("1", EUR)})


def test_fill_for_another_instrument_is_refused():
    with pytest.raises(ValueError, match="applied with instrument"):
        account(Money("1", USDT)).apply_fill(fill(PERP, BUY, "0.001", "1.0"), SPOT)


def test_repr_lists_totals():
    assert repr(account(Money("1.5", USD))) == "CashAccount(SIM-001, 1.50 USD)"
