import pickle  # noqa: F401  (instruments are not pickled; kept for parity with other tests)
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hft.model.identifiers import InstrumentId
from hft.model.instruments import (
    CHECK_REASONS, INSTRUMENT_FX, INSTRUMENT_PERPETUAL, INSTRUMENT_SPOT, CheckResult, Instrument,
    InstrumentRegistry,
)
from hft.model.objects import BTC, EUR, USD, USDT, Money, Price, Quantity


@pytest.fixture
def btcusdt():
    return Instrument.crypto_spot("BTCUSDT.BINANCE", BTC, USDT, price_precision=2,
                                  size_precision=3, price_increment="0.05", size_increment="0.002",
                                  min_quantity="0.004", max_quantity="10", min_notional="5")


def test_order_that_fits_has_no_reason(btcusdt):
    assert btcusdt.check_order(Price("100.05"), Quantity("0.100")) is None
    assert btcusdt.check_code(Price("100.05"), Quantity("0.100")) == CheckResult.CHECK_OK


@pytest.mark.parametrize("price, qty, code, words", [
    ("100.055", "0.100", "CHECK_PRICE_PRECISION", "price 100.055 has more decimals than the price precision 2"),
    ("100.05", "0.1001", "CHECK_SIZE_PRECISION", "quantity 0.1001 has more decimals than the size precision 3"),
    ("100.03", "0.100", "CHECK_PRICE_TICK", "price 100.03 is not a multiple of the tick size 0.05"),
    ("100.05", "0.101", "CHECK_SIZE_LOT", "quantity 0.101 is not a multiple of the lot size 0.002"),
    ("100.05", "0", "CHECK_QTY_NOT_POSITIVE", "quantity 0 is not positive"),
    ("2000.00", "0.002", "CHECK_BELOW_MIN_QTY", "quantity 0.002 is below the minimum quantity 0.004"),
    ("100.05", "10.002", "CHECK_ABOVE_MAX_QTY", "quantity 10.002 is above the maximum quantity 10.000"),
    ("100.00", "0.048", "CHECK_BELOW_MIN_NOTIONAL", "notional 4.80000 USDT is below the minimum notional 5.00000000 USDT"),
])
def test_check_order_names_each_reason(btcusdt, price, qty, code, words):
    assert btcusdt.check_code(Price(price), Quantity(qty)) == getattr(CheckResult, code)
    assert btcusdt.check_order(Price(price), Quantity(qty)) == words


def test_every_check_code_has_a_reason_text():
    assert set(CHECK_REASONS) == set(CheckResult)


def test_min_notional_is_exact_at_the_boundary(btcusdt):
    assert btcusdt.check_order(Price("100.00"), Quantity("0.050")) is None  # exactly 5


def test_lower_precision_inputs_are_rescaled_exactly(btcusdt):
    assert btcusdt.check_order(Price("100"), Quantity("0.1")) is None
    assert btcusdt.check_order(Price("100.050"), Quantity("0.1000")) is None


def test_market_order_skips_price_and_notional(btcusdt):
    assert btcusdt.check_order(None, Quantity("0.004")) is None


def test_min_notional_uses_the_multiplier():
    perp = Instrument.perpetual("ETHUSD-PERP.SIM", BTC, USD, price_precision=2, size_precision=0,
                                multiplier=10, min_notional="100")
    assert perp.kind == INSTRUMENT_PERPETUAL and perp.settlement_currency is USD
    assert perp.notional(Price("9.99"), Quantity(1)) == Decimal("99.90")
    assert perp.check_code(Price("9.99"), Quantity(1)) == CheckResult.CHECK_BELOW_MIN_NOTIONAL
    assert perp.check_order(Price("10.00"), Quantity(1)) is None


def test_fx_reads_currencies_from_symbol():
    fx = Instrument.fx("EUR/USD.SIM")
    assert fx.kind == INSTRUMENT_FX and fx.base_currency is EUR and fx.quote_currency is USD
    assert fx.price_increment == Price("0.00001") and fx.size_increment == Quantity(1000)
    assert fx.check_order(Price("1.10001"), Quantity(1500)) == \
        "quantity 1500 is not a multiple of the lot size 1000"


def test_fx_symbol_without_slash_is_named():
    with pytest.raises(ValueError, match="'EURUSD'"):
        Instrument.fx("EURUSD.SIM")


def test_make_price_and_qty_use_the_instrument_precisions(btcusdt):
    assert btcusdt.make_price("101.5") == Price("101.50") and btcusdt.make_price("101.5").precision == 2
    assert btcusdt.make_price(101.255).raw == 10126  # floats round half-even on their repr
    assert btcusdt.make_qty(1).precision == 3
    with pytest.raises(ValueError, match="more decimals"):
        btcusdt.make_price("101.255")


def test_fees_are_decimals_read_from_float_repr():
    inst = Instrument.crypto_spot("X/Y.SIM", BTC, USDT, maker_fee=0.0002, taker_fee="-0.0001")
    assert inst.maker_fee == Decimal("0.0002") and inst.taker_fee == Decimal("-0.0001")
    assert inst.kind == INSTRUMENT_SPOT


@pytest.mark.parametrize("kwargs, words", [
    (dict(price_increment="0"), "price_increment must be > 0"),
    (dict(min_quantity="5", max_quantity="1"), "max_quantity 1.000000 is below min_quantity"),
    (dict(min_notional=Money("1", USD)), "min_notional must be in USDT"),
    (dict(price_precision=19), "price_precision must be 0..18"),
])
def test_bad_instrument_fields_are_named(kwargs, words):
    with pytest.raises(ValueError, match=words):
        Instrument.crypto_spot("BTCUSDT.BINANCE", BTC, USDT, **kwargs)


def test_registry_assigns_numeric_ids_and_maps_them_back(btcusdt):
    fx = Instrument.fx("EUR/USD.SIM", numeric_id=7)
    reg = InstrumentRegistry([btcusdt, fx])
    assert btcusdt.numeric_id == 1 and fx.numeric_id == 7
    assert reg[1] == InstrumentId("BTCUSDT.BINANCE") and reg.by_numeric(7) is fx
    assert reg.get(InstrumentId("EUR/USD.SIM")) is fx and len(reg) == 2
    with pytest.raises(KeyError, match="numeric id 3"):
        reg.by_numeric(3)


def test_registry_refuses_duplicates(btcusdt):
    reg = InstrumentRegistry([btcusdt])
    with pytest.raises(ValueError, match="already registered"):
        reg.add(btcusdt)
    with pytest.raises(ValueError, match="numeric id 1"):
        reg.add(Instrument.fx("EUR/USD.SIM", numeric_id=1))


@given(st.integers(min_value=-(2 ** 70), max_value=2 ** 70), st.integers(0, 18))
def test_make_qty_of_an_int_equals_the_parsed_quantity(value, precision):
    # whole units take a C shortcut; it must agree with the general path, errors included
    inst = Instrument.crypto_spot("X/Y.SIM", BTC, USDT, size_precision=precision)
    try:
        expected = Quantity(value, precision)  # the general path
    except (ValueError, OverflowError) as e:
        with pytest.raises(type(e)):
            inst.make_qty(value)
        return
    got = inst.make_qty(value)
    assert got == expected and got.precision == precision and got.raw == expected.raw


def test_make_qty_refuses_bool_and_negative_ints():
    inst = Instrument.crypto_spot("X/Y.SIM", BTC, USDT, size_precision=2)
    with pytest.raises(TypeError, match="bool"):
        inst.make_qty(True)
    with pytest.raises(ValueError, match=">= 0"):
        inst.make_qty(-1)
