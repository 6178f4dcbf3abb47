"""run_backtest on L2 book records: the venue matches against the replayed book, the strategy
sees whole snapshots and every delta."""

from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from hft.adapters.sim import LatencyModel, SimExecutionClient
from hft.backtest.loaders import BookSource
from hft.backtest.runner import run_backtest
from hft.core import encoding as enc
from hft.core.book import OrderBook
from hft.kernel.clock import TestClock
from hft.model.events import OrderSubmitted
from hft.model.identifiers import ClientOrderId, StrategyId, TraderId
from hft.model.instruments import Instrument
from hft.model.orders import Order

BYBIT = Path(__file__).resolve().parents[2] / "examples" / "data" / \
    "xrpusdt-bybit-ob500-20241201.data.zip"
T0 = 1_733_011_200_000_000_000
BUY, SELL = enc.SIDE_BUY, enc.SIDE_SELL


class Node:
    """The parts of a TradingNode the runner uses, keeping its own copy of the book."""

    def __init__(self, price_precision: int, on_book=None, book_type: str = "L2") -> None:
        self.inst = Instrument.fx("EUR/USD.SIM", numeric_id=1, price_precision=price_precision,
                                  size_increment=1)
        self.clock = TestClock()
        self.data_engine = self
        self.venue = SimExecutionClient("SIM", [self.inst], latency=LatencyModel(),
                                        starting_balances=[(Decimal(10_000_000), "USD")],
                                        book_type=book_type)
        self.venue.engine = self
        self.book = OrderBook(price_precision, 0)
        self.on_book = on_book
        self.snapshots, self.deltas, self.events, self.orders = 0, 0, [], {}

    def process_book_snapshot(self, snapshot) -> None:
        self.snapshots += 1
        self.book.clear()
        for side, levels in ((BUY, snapshot.bids), (SELL, snapshot.asks)):
            for price, size in levels:
                self.book.update(side, price.raw, size.raw)
        if self.on_book is not None:
            self.on_book(self)

    def process_book_delta(self, delta) -> None:
        self.deltas += 1
        if delta.action == enc.DELTA_CLEAR:
            self.book.clear(delta.side)
        else:
            self.book.update(delta.side, delta.price_raw, delta.size_raw)
        if self.on_book is not None:
            self.on_book(self)

    def process_quote(self, q) -> None:
        pass

    def process_trade(self, t) -> None:
        pass

    def process_event(self, event) -> None:
        self.events.append(event)
        self.orders[event.client_order_id].apply(event)

    def submit(self, kind: str, side: int, qty: int, price=None) -> None:
        ids = (TraderId("T-1"), StrategyId("S-1"), self.inst.id,
               ClientOrderId(f"O-{len(self.orders)}"))
        if kind == "market":
            order = Order.market(*ids, side, self.inst.make_qty(qty))
        else:
            order = Order.limit(*ids, side, self.inst.make_qty(qty), self.inst.make_price(price))
        order.apply(OrderSubmitted(*ids))
        self.orders[order.client_order_id] = order
        self.venue.submit_order(order)


def _delta(ts: int, action: int, side: int = 0, price: int = 0, size: int = 0,
           flags: int = 0) -> bytes:
    return enc.encode_book_delta(enc.BookDeltaMsg(
        price_precision=2, instrument_id=1, ts_event=ts, ts_init=ts, price=price, size=size,
        action=action, side=side, flags=flags))


def _trade(ts: int, price: int, size: int) -> bytes:
    return enc.encode_trade(enc.TradeMsg(price_precision=2, instrument_id=1, ts_event=ts,
                                         ts_init=ts, price=price, size=size, trade_id=ts))


def _snapshot(ts: int, bids: list, asks: list) -> list[bytes]:
    levels = [(BUY, p, s) for p, s in bids] + [(SELL, p, s) for p, s in asks]
    out = [_delta(ts, enc.DELTA_CLEAR, flags=enc.DELTA_SNAPSHOT_BEGIN)]
    for i, (side, p, s) in enumerate(levels):
        out.append(_delta(ts, enc.DELTA_ADD, side, p, s,
                          enc.DELTA_SNAPSHOT_END if i == len(levels) - 1 else 0))
    return out


def _source(records: list[bytes]):
    return [np.frombuffer(b"".join(records), dtype=np.uint8).reshape(-1, 64)]


def _once(action):
    done = []

    def on_book(node):
        if not done:
            done.append(True)
            action(node)
    return on_book


def test_a_market_order_walks_the_replayed_book():
    node = Node(2, on_book=_once(lambda n: n.submit("market", BUY, 12)))
    records = _snapshot(T0, bids=[(9900, 5)], asks=[(10100, 5), (10200, 5), (10300, 10)])
    records.append(_delta(T0 + 1, enc.DELTA_UPDATE, BUY, 9900, 6))
    result = run_backtest(node, sources=[_source(records)], venues=[node.venue])
    assert result.book_deltas == 6 and node.snapshots == 1 and node.deltas == 1
    assert [(int(f["px_raw"]), int(f["qty_raw"])) for f in result.fills] == [
        (10100, 5), (10200, 5), (10300, 2)]


def test_a_resting_limit_fills_by_queue_position_after_a_level_decrease_and_trades():
    node = Node(2, on_book=_once(lambda n: n.submit("limit", BUY, 3, "100.00")))
    records = _snapshot(T0, bids=[(10000, 10)], asks=[(10100, 5)])
    records += [
        _delta(T0 + 1, enc.DELTA_UPDATE, BUY, 10000, 4),  # 6 ahead of us left: queue 10 -> 4
        _trade(T0 + 2, 10000, 5),                          # 4 ahead, then 1 of ours
        _trade(T0 + 3, 10000, 5),                          # the other 2
    ]
    result = run_backtest(node, sources=[_source(records)], venues=[node.venue])
    assert [(int(f["ts_ns"]), int(f["px_raw"]), int(f["qty_raw"])) for f in result.fills] == [
        (T0 + 2, 10000, 1), (T0 + 3, 10000, 2)]


def test_a_snapshot_reaches_the_strategy_once_and_whole():
    seen = []
    node = Node(2, on_book=lambda n: seen.append((n.book.best_bid, n.book.best_ask)))
    records = _snapshot(T0, bids=[(9900, 5), (9800, 1)], asks=[(10100, 5)])
    records += _snapshot(T0 + 5, bids=[(9700, 2)], asks=[(9900, 3)])
    run_backtest(node, sources=[_source(records)], venues=[node.venue])
    assert seen == [(9900, 10100), (9700, 9900)]
    assert node.deltas == 0


def test_an_l1_venue_rejects_book_records_by_name():
    node = Node(2, book_type="L1")
    with pytest.raises(ValueError, match="book_type 'L1'.*L2"):
        run_backtest(node, sources=[_source(_snapshot(T0, [(9900, 5)], [(10100, 5)]))],
                     venues=[node.venue])


def _bybit(node):
    return BookSource(BYBIT, instrument_id=1, price_precision=4, size_precision=0)


def test_the_bybit_replay_ends_at_the_documented_top_of_book_for_venue_and_strategy():
    node = Node(4)
    result = run_backtest(node, sources=[_bybit(node)], venues=[node.venue])
    assert node.snapshots == 1 and node.deltas == 2_966
    assert (node.book.best_bid, node.book.best_ask) == (19537, 19538)
    assert len(node.book.bids()) == 500 and len(node.book.asks()) == 500
    assert node.venue.matchers[1].mid_raw() == pytest.approx(19537.5)
    assert result.book_deltas == 3_967 and len(result.fills) == 0


def test_a_market_order_on_the_bybit_book_takes_levels_from_the_touch_outwards():
    node = Node(4, on_book=_once(lambda n: n.submit("market", BUY, 200_000)))
    result = run_backtest(node, sources=[_bybit(node)], venues=[node.venue])
    px = result.fills["px_raw"]
    assert px[0] == 19532 and (np.diff(px) > 0).all() and len(px) > 1
    assert int(result.fills["qty_raw"].sum()) == 200_000
