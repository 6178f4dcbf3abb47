import pickle
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hft.model.objects import (
    BTC, EUR, JPY, MAX_PRECISION, USD, USDT, Currency, Money, Price, Quantity, notional,
)

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

precisions = st.integers(0, 9)


def fixed_str(raw: int, p: int) -> str:
    return f"{Decimal(raw).scaleb(-p):.{p}f}"


@given(st.integers(-(10**15), 10**15), precisions)
def test_price_from_str_agrees_with_decimal(raw, p):
    s = fixed_str(raw, p)
    price = Price(s)
    assert price.as_decimal() == Decimal(s)
    assert price.precision == p
    assert price.raw == raw
    assert str(price) == s


@given(st.integers(-(10**8), 10**8), precisions, precisions)
def test_price_str_round_trips_at_any_precision(raw, p, extra):
    price = Price.from_raw(raw, p)
    assert Price(str(price)) == price
    assert str(Price(str(price))) == str(price)
    wider = price.rescale(p + extra)
    assert wider == price and hash(wider) == hash(price)
    assert wider.rescale(p) == price


@given(st.integers(-(10**8), 10**8), precisions, st.integers(-(10**8), 10**8), precisions)
def test_price_add_sub_compare_agree_with_decimal(ra, pa, rb, pb):
    a, b = Price.from_raw(ra, pa), Price.from_raw(rb, pb)
    da, db = a.as_decimal(), b.as_decimal()
    assert (a + b).as_decimal() == da + db
    assert (a - b).as_decimal() == da - db
    assert (a + b).precision == max(pa, pb)
    assert (a < b) == (da < db) and (a <= b) == (da <= db)
    assert (a > b) == (da > db) and (a >= b) == (da >= db)
    assert (a == b) == (da == db) and (a != b) == (da != db)
    if a == b:
        assert hash(a) == hash(b)


@given(st.integers(INT64_MIN, INT64_MAX), st.integers(0, MAX_PRECISION),
       st.integers(INT64_MIN, INT64_MAX), st.integers(0, MAX_PRECISION))
def test_price_compare_is_exact_across_precisions_at_int64_extremes(ra, pa, rb, pb):
    a, b = Price.from_raw(ra, pa), Price.from_raw(rb, pb)
    da, db = a.as_decimal(), b.as_decimal()
    assert (a < b) == (da < db)
    assert (a == b) == (da == db)


@given(st.integers(0, 10**8), precisions, st.integers(0, 10**8), precisions)
def test_quantity_add_sub_agree_with_decimal(ra, pa, rb, pb):
    a, b = Quantity.from_raw(ra, pa), Quantity.from_raw(rb, pb)
    assert (a + b).as_decimal() == a.as_decimal() + b.as_decimal()
    if a >= b:
        assert (a - b).as_decimal() == a.as_decimal() - b.as_decimal()
    else:
        with pytest.raises(ValueError, match="negative"):
            a - b


@given(st.integers(-(10**9), 10**9), precisions, st.integers(0, 10**9), precisions)
def test_price_times_quantity_is_exact_notional(rp, pp, rq, pq):
    price, qty = Price.from_raw(rp, pp), Quantity.from_raw(rq, pq)
    expected = price.as_decimal() * qty.as_decimal()
    assert price * qty == expected
    assert qty * price == expected
    assert notional(price, qty, 10) == expected * 10


@pytest.mark.parametrize("value, precision", [("1.555", 2), ("0.001", 0), ("1e-3", 2),
                                              (Decimal("0.125"), 1)])
def test_price_with_more_decimals_than_precision_raises(value, precision):
    with pytest.raises(ValueError, match="more decimals than precision"):
        Price(value, precision)


def test_price_accepts_trailing_zeros_beyond_precision():
    assert Price("1.50", 1).raw == 15
    assert Price("1.50", 1).precision == 1


def test_price_precision_defaults_to_digits_after_point():
    assert Price("101.25").precision == 2
    assert Price("100").precision == 0
    assert Price(7).precision == 0
    assert Price(7, 3).raw == 7000


@pytest.mark.parametrize("bad", ["", "abc", "1.2.3", "--1", ".", "NaN", "inf", "1,5"])
def test_price_from_bad_string_names_it(bad):
    with pytest.raises(ValueError, match="Price"):
        Price(bad)


def test_price_precision_out_of_range_raises():
    with pytest.raises(ValueError, match="precision must be 0..18"):
        Price("1", 19)
    with pytest.raises(ValueError, match="maximum precision"):
        Price("0." + "1" * 19)


def test_price_rejects_float_without_precision():
    with pytest.raises(TypeError, match="from_float"):
        Price(1.5)


@pytest.mark.parametrize("x, p, expected", [(2.675, 2, "2.68"), (2.665, 2, "2.66"),
                                            (0.1, 3, "0.100"), (-1.5, 0, "-2"), (0.5, 0, "0")])
def test_from_float_rounds_half_even_on_shortest_repr(x, p, expected):
    assert str(Price.from_float(x, p)) == expected


def test_from_float_rejects_nan():
    with pytest.raises(ValueError, match="finite"):
        Price.from_float(float("nan"), 2)


@pytest.mark.parametrize("s", ["9223372036854775808", "-9223372036854775809", "92233720368547758.08"])
def test_price_outside_int64_raises_overflow(s):
    with pytest.raises(OverflowError, match="int64"):
        Price(s)


def test_price_int64_bounds_are_representable():
    assert Price(str(INT64_MAX)).raw == INT64_MAX
    assert Price(str(INT64_MIN)).raw == INT64_MIN


@pytest.mark.parametrize("op", [
    lambda: Price.from_raw(INT64_MAX, 0) + Price.from_raw(1, 0),
    lambda: Price.from_raw(INT64_MIN, 0) - Price.from_raw(1, 0),
    lambda: Price.from_raw(INT64_MAX // 10 + 1, 0) + Price.from_raw(1, 1),
    lambda: -Price.from_raw(INT64_MIN, 0),
    lambda: Price.from_raw(2**62, 0) * 2,
    lambda: Quantity.from_raw(INT64_MAX, 0) + Quantity.from_raw(1, 0),
    lambda: Price.from_raw(1, 0).rescale(MAX_PRECISION) * 10,
    lambda: Money.from_raw(INT64_MAX, USD) + Money.from_raw(1, USD),
])
def test_arithmetic_overflow_raises(op):
    with pytest.raises(OverflowError):
        op()


def test_negation_and_abs():
    assert -Price("1.25") == Price("-1.25")
    assert abs(Price("-1.25")) == Price("1.25")
    assert abs(Money("-3", USD)) == Money("3", USD)


@pytest.mark.parametrize("value", ["-1", "-0.001", -5, Decimal("-2")])
def test_negative_quantity_is_rejected_naming_the_value(value):
    with pytest.raises(ValueError, match=f"must be >= 0, got {value!r}".replace("(", r"\(")
                       .replace(")", r"\)").replace(".", r"\.")):
        Quantity(value)


def test_negative_raw_quantity_is_rejected():
    with pytest.raises(ValueError, match="-3"):
        Quantity.from_raw(-3, 0)


def test_price_and_quantity_never_compare_equal():
    assert Price("1") != Quantity("1")
    with pytest.raises(TypeError):
        Price("1") < Quantity("1")


def test_float_and_str_and_repr():
    p = Price("-0.05")
    assert float(p) == -0.05 and p.as_double() == -0.05
    assert repr(p) == "Price('-0.05')"
    assert repr(Quantity("3.10")) == "Quantity('3.10')"
    assert repr(Money("1.5", USD)) == "Money('1.50', USD)"
    assert str(Money("1.5", USD)) == "1.50 USD"


@pytest.mark.parametrize("value", [Price("1.25"), Quantity("3.000"), Money("-2.5", EUR), USD])
def test_values_survive_pickle(value):
    assert pickle.loads(pickle.dumps(value)) == value


def test_currency_registry_has_common_currencies():
    assert Currency.from_str("USD") is USD and USD.precision == 2
    assert Currency.from_str("USDT") is USDT and USDT.precision == 8
    assert BTC.precision == 8 and JPY.precision == 0


def test_unknown_currency_is_named():
    with pytest.raises(ValueError, match="'XYZ'"):
        Currency.from_str("XYZ")


def test_currency_register_refuses_a_conflicting_precision():
    with pytest.raises(ValueError, match="already registered"):
        Currency.register(Currency("USD", 4))
    Currency.register(Currency("DOGE", 8))
    assert Currency.from_str("DOGE").precision == 8


def test_money_uses_currency_precision_and_never_rounds():
    assert Money("1.5", USD).raw == 150
    with pytest.raises(ValueError, match="more decimals"):
        Money("1.005", USD)
    assert Money.from_float(1.005, USD).raw == 100  # shortest repr 1.005, half-even -> 1.00


def test_money_arithmetic_requires_one_currency():
    assert Money("1.5", USD) + Money("2", USD) == Money("3.5", USD)
    assert Money("1.5", USD) - Money("2", USD) == Money("-0.5", USD)
    with pytest.raises(ValueError, match="USD and EUR"):
        Money("1", USD) + Money("1", EUR)
    with pytest.raises(ValueError, match="compare"):
        Money("1", USD) < Money("1", EUR)
    assert Money("1", USD) != Money("1", EUR)


def test_money_from_str():
    assert Money.from_str("-12.30 USDT") == Money("-12.3", USDT)
    with pytest.raises(ValueError, match="amount"):
        Money.from_str("USD")
