import pickle
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hft.core.encoding import SIDE_BUY, SIDE_NONE, SIDE_SELL
from hft.model.data import (
    BAR_MINUTE, BOOK_ADD, BOOK_CLEAR, BOOK_DELETE, PRICE_MID, Bar, BarType, BookDelta,
    BookSnapshot, QuoteTick, TradeTick,
)
from hft.model.identifiers import InstrumentId, TradeId
from hft.model.instruments import Instrument, InstrumentRegistry
from hft.model.objects import BTC, USDT, Price, Quantity

IID = InstrumentId("BTCUSDT.BINANCE")
int64s = st.integers(-(2**63), 2**63 - 1)
sizes = st.integers(0, 2**63 - 1)
precisions = st.integers(0, 18)


def quote(bid="101.25", ask="101.30", bid_size="1.5", ask_size="2.0", ts=10, seq=0):
    return QuoteTick(IID, Price(bid), Price(ask), Quantity(bid_size), Quantity(ask_size), ts, ts + 1, seq)


@given(int64s, int64s, sizes, sizes, precisions, precisions, int64s, int64s,
       st.integers(0, 2**64 - 1), st.integers(0, 2**32 - 1))
def test_quote_record_round_trips(bid, ask, bs, asz, pp, sp, ts_event, ts_init, seq, numeric):
    q = QuoteTick(IID, Price.from_raw(bid, pp), Price.from_raw(ask, pp), Quantity.from_raw(bs, sp),
                  Quantity.from_raw(asz, sp), ts_event, ts_init, seq)
    buf = q.to_record(numeric)
    assert len(buf) == 64 and struct.unpack_from("<I", buf, 4)[0] == numeric
    back = QuoteTick.from_record(buf, {numeric: IID})
    assert back == q
    assert (back.bid_raw, back.ask_raw, back.bid_size_raw, back.ask_size_raw) == (bid, ask, bs, asz)
    assert back.sequence == seq and back.ts_init == ts_init


@given(int64s, st.integers(1, 2**63 - 1), precisions, precisions,
       st.sampled_from([SIDE_NONE, SIDE_BUY, SIDE_SELL]), st.integers(0, 2**64 - 1), int64s)
def test_trade_record_round_trips(price, size, pp, sp, side, trade_id, ts):
    t = TradeTick(IID, Price.from_raw(price, pp), Quantity.from_raw(size, sp), side,
                  TradeId(str(trade_id)), ts, ts, 5)
    back = TradeTick.from_record(t.to_record(9), IID)
    assert back == t and back.trade_id == TradeId(str(trade_id)) and back.aggressor_side == side


def test_from_record_resolves_instrument_through_a_registry():
    inst = Instrument.crypto_spot("BTCUSDT.BINANCE", BTC, USDT)
    reg = InstrumentRegistry([inst])
    buf = quote().to_record(inst.numeric_id)
    assert QuoteTick.from_record(buf, reg).instrument_id == IID


def test_from_record_with_unknown_numeric_id_names_it():
    with pytest.raises(ValueError, match="numeric id 4"):
        QuoteTick.from_record(quote().to_record(4), {})


def test_from_record_checks_length_and_fields():
    with pytest.raises(ValueError, match="63 bytes"):
        QuoteTick.from_record(bytes(63), IID)
    buf = bytearray(quote().to_record(1))
    buf[0] = 99
    with pytest.raises(ValueError, match="field 'version'"):
        QuoteTick.from_record(bytes(buf), IID)
    buf = bytearray(quote().to_record(1))
    buf[1] = 3
    with pytest.raises(ValueError, match="field 'record_type'"):
        QuoteTick.from_record(bytes(buf), IID)


def test_trade_to_record_needs_a_numeric_trade_id():
    t = TradeTick(IID, Price("1"), Quantity("1"), SIDE_BUY, TradeId("abc-1"), 1, 1)
    with pytest.raises(ValueError, match="'abc-1'"):
        t.to_record()


def test_quote_exposes_prices_sizes_and_raw_fields():
    q = quote()
    assert q.bid_price == Price("101.25") and q.ask_price == Price("101.30")
    assert q.bid_size == Quantity("1.5") and q.ask_size == Quantity("2")
    assert (q.bid_raw, q.ask_raw, q.price_precision) == (10125, 10130, 2)
    assert q.mid_price() == Price("101.275")


def test_quote_rescales_mixed_precisions_to_the_larger():
    q = QuoteTick(IID, Price("101.2"), Price("101.255"), Quantity("1"), Quantity("0.5"), 0, 0)
    assert (q.bid_raw, q.ask_raw, q.price_precision) == (101200, 101255, 3)
    assert (q.bid_size_raw, q.size_precision) == (10, 1)


def test_trade_rejects_zero_size_and_bad_side():
    with pytest.raises(ValueError, match="size must be > 0"):
        TradeTick(IID, Price("1"), Quantity("0"), SIDE_BUY, TradeId("1"), 0, 0)
    with pytest.raises(ValueError, match="aggressor_side"):
        TradeTick(IID, Price("1"), Quantity("1"), 7, TradeId("1"), 0, 0)


@pytest.mark.parametrize("value", [quote(seq=3), TradeTick(IID, Price("1"), Quantity("2"), SIDE_SELL, TradeId("x"), 1, 2)])
def test_ticks_survive_pickle(value):
    assert pickle.loads(pickle.dumps(value)) == value


@pytest.mark.parametrize("s", ["EURUSD.SIM-1-MINUTE-MID", "BTCUSDT-PERP.BINANCE-100-TICK-LAST",
                               "X.Y-5-SECOND-BID", "X.Y-1000-VOLUME-ASK", "X.Y-1-DAY-MID"])
def test_bar_type_str_round_trips(s):
    bt = BarType.from_str(s)
    assert str(bt) == s and BarType.from_str(str(bt)) == bt


def test_bar_type_fields():
    bt = BarType.from_str("EURUSD.SIM-1-MINUTE-MID")
    assert bt.instrument_id == InstrumentId("EURUSD.SIM") and bt.step == 1
    assert bt.aggregation == BAR_MINUTE and bt.price_type == PRICE_MID


@pytest.mark.parametrize("s, words", [("EURUSD.SIM-1-MINUTE", "expected"),
                                      ("EURUSD.SIM-1-WEEK-MID", "aggregation 'WEEK'"),
                                      ("EURUSD.SIM-1-MINUTE-OPEN", "price type 'OPEN'"),
                                      ("EURUSD.SIM-x-MINUTE-MID", "step"),
                                      ("EURUSD.SIM-0-MINUTE-MID", "step")])
def test_bad_bar_type_string_is_named(s, words):
    with pytest.raises(ValueError, match=words):
        BarType.from_str(s)


BT = BarType.from_str("EURUSD.SIM-1-MINUTE-MID")


@pytest.mark.parametrize("o, h, l, c, words", [
    ("1.2", "1.1", "1.0", "1.05", "high 1.1 is below"),
    ("1.0", "1.3", "1.1", "1.2", "low 1.1 is above"),
    ("1.0", "1.3", "0.9", "1.4", "high 1.3 is below"),
])
def test_bar_with_inconsistent_prices_is_rejected(o, h, l, c, words):
    with pytest.raises(ValueError, match=words):
        Bar(BT, Price(o), Price(h), Price(l), Price(c), Quantity(1), 0, 0)


def test_valid_bar_keeps_its_fields():
    bar = Bar(BT, Price("1.0"), Price("1.3"), Price("0.9"), Price("1.2"), Quantity(10), 5, 6)
    assert (bar.open, bar.high, bar.low, bar.close, bar.volume) == (
        Price("1.0"), Price("1.3"), Price("0.9"), Price("1.2"), Quantity(10))
    assert pickle.loads(pickle.dumps(bar)) == bar


def test_book_delta_rules():
    d = BookDelta(IID, BOOK_ADD, SIDE_BUY, Price("1.5"), Quantity("2"), 1, 0, 0)
    assert d.price == Price("1.5") and d.size == Quantity("2") and d.price_raw == 15
    assert pickle.loads(pickle.dumps(d)) == d
    assert BookDelta(IID, BOOK_CLEAR, SIDE_NONE, None, None, 2, 0, 0).price is None
    with pytest.raises(ValueError, match="DELETE has size 0"):
        BookDelta(IID, BOOK_DELETE, SIDE_SELL, Price("1"), Quantity("1"), 1, 0, 0)
    with pytest.raises(ValueError, match="side must be"):
        BookDelta(IID, BOOK_ADD, SIDE_NONE, Price("1"), Quantity("1"), 1, 0, 0)
    with pytest.raises(ValueError, match="needs size > 0"):
        BookDelta(IID, BOOK_ADD, SIDE_BUY, Price("1"), Quantity("0"), 1, 0, 0)


def test_book_snapshot_checks_level_order_and_gives_deltas():
    snap = BookSnapshot(IID, [(Price("1.2"), Quantity(1)), (Price("1.1"), Quantity(2))],
                        [(Price("1.3"), Quantity(3))], 7, 0, 0)
    deltas = snap.to_deltas()
    assert deltas[0].action == BOOK_CLEAR and len(deltas) == 4
    assert [(d.side, d.price) for d in deltas[1:]] == [
        (SIDE_BUY, Price("1.2")), (SIDE_BUY, Price("1.1")), (SIDE_SELL, Price("1.3"))]
    with pytest.raises(ValueError, match=r"bids\[1\] price 1.3 is out of order"):
        BookSnapshot(IID, [(Price("1.2"), Quantity(1)), (Price("1.3"), Quantity(1))], [], 0, 0, 0)
    with pytest.raises(ValueError, match=r"asks\[0\] size must be > 0"):
        BookSnapshot(IID, [], [(Price("1.2"), Quantity(0))], 0, 0, 0)
