import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hft.model.identifiers import (
    AccountId, ClientOrderId, ClientOrderIdGenerator, InstrumentId, PositionId, StrategyId,
    Symbol, TradeId, TraderId, Venue, VenueOrderId,
)

SIMPLE = [TraderId, StrategyId, Symbol, Venue, ClientOrderId, VenueOrderId, TradeId,
          PositionId, AccountId]


@pytest.mark.parametrize("cls", SIMPLE)
def test_identifier_has_value_semantics(cls):
    a, b = cls("ABC-001"), cls("ABC-001")
    assert a == b and hash(a) == hash(b) and a is not b
    assert str(a) == "ABC-001" and a.value == "ABC-001"
    assert repr(a) == f"{cls.__name__}('ABC-001')"
    assert a != cls("ABC-002")
    assert pickle.loads(pickle.dumps(a)) == a


def test_identifiers_of_different_kinds_are_not_equal():
    assert TraderId("X-1") != StrategyId("X-1")


def test_identifier_values_are_interned():
    assert TraderId("".join(["TR", "ADER"])).value is TraderId("TRADER").value


@pytest.mark.parametrize("cls", SIMPLE + [InstrumentId])
@pytest.mark.parametrize("bad", ["", "A B", "tab\t", "new\nline"])
def test_bad_identifier_value_is_named(cls, bad):
    with pytest.raises(ValueError, match=cls.__name__) as err:
        cls(bad)
    assert repr(bad) in str(err.value)


def test_identifier_rejects_non_str():
    with pytest.raises(TypeError):
        TraderId(1)


def test_instrument_id_splits_symbol_and_venue():
    iid = InstrumentId.from_str("BTCUSDT.BINANCE")
    assert iid.symbol == Symbol("BTCUSDT") and iid.venue == Venue("BINANCE")
    assert InstrumentId.from_parts(Symbol("BTCUSDT"), Venue("BINANCE")) == iid
    assert hash(InstrumentId.from_parts(Symbol("BTCUSDT"), Venue("BINANCE"))) == hash(iid)


def test_instrument_id_venue_is_after_the_last_dot():
    iid = InstrumentId("BRK.B.XNYS")
    assert iid.symbol.value == "BRK.B" and iid.venue.value == "XNYS"
    assert InstrumentId("EUR/USD.SIM").symbol.value == "EUR/USD"


@pytest.mark.parametrize("bad", ["BTCUSDT", ".BINANCE", "BTCUSDT."])
def test_instrument_id_without_symbol_and_venue_names_the_string(bad):
    with pytest.raises(ValueError, match=f"got '{bad}'".replace(".", r"\.")):
        InstrumentId.from_str(bad)


def test_venue_may_not_contain_a_dot():
    with pytest.raises(ValueError, match="'A.B'"):
        Venue("A.B")


def test_generator_makes_documented_ids_in_order():
    gen = ClientOrderIdGenerator(TraderId("TRADER-001"), StrategyId("EMACross-001"))
    assert [gen.generate().value for _ in range(3)] == [
        "O-TRADER-001-EMACross-001-1", "O-TRADER-001-EMACross-001-2", "O-TRADER-001-EMACross-001-3"]
    assert gen.count == 3


def test_generator_is_deterministic_and_resumes_from_start():
    make = lambda start=0: ClientOrderIdGenerator(TraderId("T"), StrategyId("S"), 7, start)
    a, b = make(), make()
    assert [a.generate() for _ in range(5)] == [b.generate() for _ in range(5)]
    assert make(start=5).generate() == a.generate()


@given(st.integers(0, 2**24 - 1), st.integers(0, 2**40 - 2))
def test_generator_numeric_form_round_trips(strategy_number, start):
    gen = ClientOrderIdGenerator(TraderId("T"), StrategyId("S"), strategy_number, start)
    cid = gen.generate()
    n = gen.numeric(cid)
    assert n == (strategy_number << 40) | (start + 1)
    assert n < 2**64
    assert gen.from_numeric(n) == cid


def test_generator_numeric_is_unique_across_strategy_numbers():
    a = ClientOrderIdGenerator(TraderId("T"), StrategyId("A"), 1)
    b = ClientOrderIdGenerator(TraderId("T"), StrategyId("B"), 2)
    assert a.numeric(a.generate()) != b.numeric(b.generate())


def test_generator_numeric_rejects_foreign_ids():
    gen = ClientOrderIdGenerator(TraderId("T"), StrategyId("S"))
    with pytest.raises(ValueError, match="'my-order'"):
        gen.numeric(ClientOrderId("my-order"))
    with pytest.raises(ValueError, match="strategy number"):
        gen.from_numeric((3 << 40) | 1)


def test_generator_rejects_too_large_strategy_number():
    with pytest.raises(ValueError, match="strategy_number"):
        ClientOrderIdGenerator(TraderId("T"), StrategyId("S"), 2**24)


@given(st.integers(0, 2 ** 40 - 2), st.sampled_from(["S-001", "EMA-Cross-7", "Straße-1"]))
def test_generated_ids_are_the_prefix_and_the_count(start, strategy):
    # ASCII prefixes are written in C in one allocation; others take the str path
    gen = ClientOrderIdGenerator(TraderId("TRADER-001"), StrategyId(strategy), 5, start=start)
    cid = gen.generate()
    assert cid.value == f"O-TRADER-001-{strategy}-{start + 1}"
    assert gen.numeric(cid) == (5 << 40) | (start + 1)
