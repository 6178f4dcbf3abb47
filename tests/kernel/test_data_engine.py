"""DataEngine: cache, subscriber order, bus publishing on demand, bars built from ticks."""

from hft.core.encoding import SIDE_BUY, SIDE_SELL
from hft.kernel.cache import Cache
from hft.kernel.clock import TestClock
from hft.kernel.data_engine import DataEngine
from hft.kernel.msgbus import MessageBus
from hft.model.data import BarType, BookAction, BookDelta
from hft.model.objects import Price, Quantity
from kernel_fixtures import EURUSD, quote, trade

S = 1_000_000_000


def _engine():
    clock = TestClock()
    bus = MessageBus()
    return DataEngine(clock, Cache(), bus), clock, bus


def test_quote_reaches_cache_then_handlers_in_subscription_order():
    engine, clock, bus = _engine()
    seen = []
    engine.subscribe_quotes(EURUSD, lambda q: seen.append(("a", engine.cache.quote(EURUSD) is q)))
    engine.subscribe_quotes(EURUSD, lambda q: seen.append(("b", True)))
    engine.process_quote(quote("1.10000", "1.10002"))
    assert seen == [("a", True), ("b", True)]
    assert engine.quotes_processed == 1


def test_unsubscribed_handler_is_no_longer_called():
    engine, clock, bus = _engine()
    seen = []
    handler = seen.append
    engine.subscribe_quotes(EURUSD, handler)
    assert engine.unsubscribe_quotes(EURUSD, handler) is True
    assert engine.unsubscribe_quotes(EURUSD, handler) is False
    engine.process_quote(quote("1.10000", "1.10002"))
    assert seen == []


def test_bus_gets_quotes_only_on_a_matching_topic_after_the_handlers():
    engine, clock, bus = _engine()
    order = []
    bus.subscribe("data.trades.*", lambda m: order.append("trade-topic"))
    engine.process_quote(quote("1.10000", "1.10002"))
    assert bus.published == 0                   # a subscription exists, but not for quotes
    engine.subscribe_quotes(EURUSD, lambda q: order.append("handler"))
    bus.subscribe("data.quotes.*", lambda m: order.append("bus"))
    engine.process_quote(quote("1.10000", "1.10002"))
    assert order == ["handler", "bus"]
    assert bus.published == 1


def test_tick_bars_close_every_step_ticks_with_exact_mid():
    engine, clock, bus = _engine()
    bars = []
    engine.subscribe_bars(BarType.from_str("EUR/USD.SIM-3-TICK-MID"), bars.append)
    for i, (b, a) in enumerate([("1.0", "1.2"), ("1.4", "1.6"), ("0.8", "1.0"), ("1.1", "1.1")]):
        engine.process_quote(quote(b, a, ts=i))
    bar, = bars
    assert [str(x) for x in (bar.open, bar.high, bar.low, bar.close)] == \
        ["1.10", "1.50", "0.90", "0.90"]
    assert bar.ts_event == 2
    assert engine.cache.bar(bar.bar_type) is bar


def test_volume_bars_split_the_tick_that_crosses_the_threshold():
    engine, clock, bus = _engine()
    bars = []
    engine.subscribe_bars(BarType.from_str("EUR/USD.SIM-10-VOLUME-LAST"), bars.append)
    engine.process_trade(trade("100", "4", ts=1))
    engine.process_trade(trade("101", "25", ts=2))    # 6 close bar 1, 10 make bar 2, 9 stay
    engine.process_trade(trade("99", "1", ts=3))      # bar 3 completes at 10
    assert [str(b.volume) for b in bars] == ["10", "10", "10"]
    assert [(str(b.open), str(b.close)) for b in bars] == \
        [("100", "101"), ("101", "101"), ("101", "99")]


def test_time_bars_close_on_the_boundary_and_skip_empty_intervals():
    engine, clock, bus = _engine()
    bars = []
    engine.subscribe_bars(BarType.from_str("EUR/USD.SIM-1-SECOND-ASK"), bars.append)
    for ts, ask in ((S // 4, "1.2"), (S // 2, "1.5"), (S, "1.1"), (3 * S + 1, "1.3")):
        clock.advance_time(ts)
        engine.process_quote(quote("1.0", ask, ts))
    clock.advance_time(5 * S)
    assert [(b.ts_event, str(b.open), str(b.high), str(b.close)) for b in bars] == [
        (S, "1.2", "1.5", "1.5"),        # the quote at exactly 1 s starts the next bar
        (2 * S, "1.1", "1.1", "1.1"),
        (4 * S, "1.3", "1.3", "1.3"),    # nothing between 2 s and 3 s: no bar at 3 s
    ]


def test_last_bars_are_built_from_trades_only():
    engine, clock, bus = _engine()
    bars = []
    engine.subscribe_bars(BarType.from_str("EUR/USD.SIM-2-TICK-LAST"), bars.append)
    engine.process_quote(quote("1.0", "1.2"))
    engine.process_quote(quote("1.0", "1.2"))
    assert bars == []
    engine.process_trade(trade("1.1", "3"))
    engine.process_trade(trade("1.3", "2"))
    assert len(bars) == 1 and str(bars[0].volume) == "5"


def test_unsubscribing_the_last_bar_handler_stops_the_time_aggregator():
    engine, clock, bus = _engine()
    bt = BarType.from_str("EUR/USD.SIM-1-MINUTE-BID")
    handler = [].append
    engine.subscribe_bars(bt, handler)
    assert clock.timer_count == 0                 # armed by the first tick
    engine.process_quote(quote("1.0", "1.2"))
    assert clock.timer_count == 1
    engine.unsubscribe_bars(bt, handler)
    assert clock.timer_count == 0 and engine.aggregator(bt) is None


def test_book_deltas_build_the_cached_book():
    engine, clock, bus = _engine()
    books = []
    engine.subscribe_book(EURUSD, books.append)
    px, qty = Price.from_str("1.10000"), Quantity.from_str("5")
    engine.process_book_delta(BookDelta(EURUSD, BookAction.BOOK_ADD, SIDE_BUY, px, qty, 1, 0, 0))
    book = engine.cache.book(EURUSD)
    assert books == [book] and book.best_bid == 110000 and book.best_bid_size == 5
    engine.process_book_delta(BookDelta(EURUSD, BookAction.BOOK_DELETE, SIDE_BUY, px,
                                        Quantity.from_str("0"), 2, 0, 0))
    assert book.best_bid is None


def test_time_bars_start_at_the_first_tick_not_at_the_epoch():
    engine, clock, bus = _engine()
    bars = []
    engine.subscribe_bars(BarType.from_str("EUR/USD.SIM-1-MINUTE-BID"), bars.append)
    t0 = 1_577_916_000 * S + 5 * S               # 2020-01-01 22:00:05 UTC
    fired = clock.advance_time(t0)
    engine.process_quote(quote("1.1", "1.2", t0))
    clock.advance_time(t0 + 60 * S)
    assert fired == [] and [b.ts_event for b in bars] == [t0 - 5 * S + 60 * S]


def test_a_one_side_clear_keeps_the_other_side():
    engine, clock, bus = _engine()
    bid, ask, qty = Price.from_str("1.10000"), Price.from_str("1.10002"), Quantity.from_str("5")
    engine.process_book_delta(BookDelta(EURUSD, BookAction.BOOK_ADD, SIDE_BUY, bid, qty, 1, 0, 0))
    engine.process_book_delta(BookDelta(EURUSD, BookAction.BOOK_ADD, SIDE_SELL, ask, qty, 2, 0, 0))
    engine.process_book_delta(BookDelta(EURUSD, BookAction.BOOK_CLEAR, SIDE_SELL, None, None,
                                        3, 0, 0))
    book = engine.cache.book(EURUSD)
    assert book.best_ask is None and book.best_bid == 110000


def test_quote_records_are_decoded_and_processed_in_order_skipping_unknown_ids():
    import numpy as np

    from hft.model.data import QuoteTick
    from hft.model.identifiers import InstrumentId

    engine, clock, bus = _engine()
    other = InstrumentId("GBPUSD.SIM")
    seen = []
    engine.subscribe_quotes(EURUSD, seen.append)
    engine.subscribe_quotes(other, seen.append)
    ticks = [quote("1.10000", "1.10002"), quote("1.10001", "1.10003")]
    recs = [ticks[0].to_record(1), ticks[0].to_record(9), ticks[1].to_record(2),
            ticks[1].to_record(1)]
    rows = np.frombuffer(b"".join(recs), np.uint8).reshape(-1, 64)
    done = engine.process_quote_records(rows, {1: EURUSD, 2: other})
    assert done == 3                             # numeric id 9 is not known: skipped
    expected = [QuoteTick.from_record(r, {1: EURUSD, 2: other}) for r in (recs[0], recs[2], recs[3])]
    assert seen == expected
    assert engine.cache.quote(EURUSD) == expected[2]
    assert engine.quotes_processed == 3


def test_quote_records_of_the_wrong_width_raise_value_error():
    import numpy as np
    import pytest

    engine, clock, bus = _engine()
    with pytest.raises(ValueError, match="expected 64"):
        engine.process_quote_records(np.zeros((2, 32), np.uint8), {})
