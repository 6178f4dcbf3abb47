import json
import math
import zipfile
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hft.core.book import BOOK_BAD_SIDE, BOOK_ERRORS, OrderBook
from hft.core.encoding import SIDE_BUY, SIDE_NONE, SIDE_SELL

BYBIT_OB = Path("/work/shared/data/xrpusdt-bybit-ob500-20241201.data.zip")


class DictBook:
    """Reference book: {price: size} per side, sorted on demand."""

    def __init__(self):
        self.sides = {SIDE_BUY: {}, SIDE_SELL: {}}

    def update(self, side, price, size):
        if size == 0:
            self.sides[side].pop(price, None)
        else:
            self.sides[side][price] = size

    def levels(self, side):
        items = sorted(self.sides[side].items(), reverse=(side == SIDE_BUY))
        return np.array(items, dtype=np.int64).reshape(-1, 2)


def _book(*levels, pp=2, sp=0):
    book = OrderBook(pp, sp)
    for side, price, size in levels:
        book.update(side, price, size)
    return book


def test_empty_book_has_no_best_mid_or_spread():
    book = OrderBook(2, 0)
    assert (book.best_bid, book.best_ask, book.mid, book.spread) == (None, None, None, None)
    assert len(book) == 0 and not book.is_crossed
    assert book.bids().shape == (0, 2) and book.asks(5).shape == (0, 2)


def test_levels_come_best_first_on_each_side():
    book = _book((SIDE_BUY, 100, 5), (SIDE_BUY, 102, 1), (SIDE_BUY, 101, 3),
                 (SIDE_SELL, 105, 9), (SIDE_SELL, 103, 2), (SIDE_SELL, 104, 4))
    assert book.bids().tolist() == [[102, 1], [101, 3], [100, 5]]
    assert book.asks(2).tolist() == [[103, 2], [104, 4]]
    assert (book.best_bid, book.best_ask, book.best_bid_size, book.best_ask_size) == (102, 103, 1, 2)
    assert book.spread == 1 and book.mid == 102.5 and len(book) == 6


def test_update_sets_absolute_size_and_zero_deletes():
    book = _book((SIDE_BUY, 100, 5), (SIDE_BUY, 100, 7))
    assert book.size_at(SIDE_BUY, 100) == 7
    book.update(SIDE_BUY, 100, 0)
    assert book.depth(SIDE_BUY) == 0 and book.size_at(SIDE_BUY, 100) == 0


def test_deleting_an_absent_level_is_a_no_op():
    book = _book((SIDE_SELL, 100, 5))
    book.update(SIDE_SELL, 99, 0)
    assert book.asks().tolist() == [[100, 5]]


def test_update_names_a_bad_side_and_a_negative_size():
    book = OrderBook(2, 0)
    with pytest.raises(ValueError, match="side: 0 is invalid"):
        book.update(SIDE_NONE, 100, 1)
    with pytest.raises(ValueError, match="size_raw: -1 is negative"):
        book.update(SIDE_BUY, 100, -1)
    assert BOOK_ERRORS[BOOK_BAD_SIDE][0] == "BOOK_BAD_SIDE"


def test_clear_one_side_or_both():
    book = _book((SIDE_BUY, 100, 5), (SIDE_SELL, 101, 5))
    book.clear(SIDE_SELL)
    assert book.depth(SIDE_BUY) == 1 and book.depth(SIDE_SELL) == 0
    book.clear()
    assert len(book) == 0


def test_crossed_means_bid_above_ask_not_locked():
    book = _book((SIDE_BUY, 100, 1), (SIDE_SELL, 100, 1))
    assert not book.is_crossed
    book.update(SIDE_BUY, 101, 1)
    assert book.is_crossed


def test_walk_consumes_levels_without_changing_them():
    book = _book((SIDE_SELL, 100, 2), (SIDE_SELL, 101, 3), (SIDE_BUY, 99, 4))
    assert book.walk(SIDE_BUY, 4) == (pytest.approx((100 * 2 + 101 * 2) / 4), 4)
    assert book.walk(SIDE_BUY, 10) == (pytest.approx((100 * 2 + 101 * 3) / 5), 5)
    assert book.walk(SIDE_SELL, 1) == (99.0, 1)
    assert book.asks().tolist() == [[100, 2], [101, 3]]


def test_walk_on_an_empty_side_fills_nothing():
    assert OrderBook(2, 0).walk(SIDE_SELL, 5) == (None, 0)


def test_apply_batch_matches_single_updates_and_grows_past_initial_capacity():
    rng = np.random.default_rng(7)
    n = 5_000
    sides = rng.integers(1, 3, n).astype(np.uint8)
    prices = rng.integers(0, 1_000, n).astype(np.int64)
    sizes = np.where(rng.random(n) < 0.2, 0, rng.integers(1, 100, n)).astype(np.int64)
    batch, single = OrderBook(2, 0, initial_levels=1), OrderBook(2, 0)
    batch.apply_batch(sides, prices, sizes)
    for s, p, q in zip(sides, prices, sizes):
        single.update(int(s), int(p), int(q))
    assert np.array_equal(batch.bids(), single.bids()) and np.array_equal(batch.asks(), single.asks())


def test_apply_batch_names_the_bad_index_and_keeps_earlier_updates():
    book = OrderBook(2, 0)
    with pytest.raises(ValueError, match=r"sizes\[1\]: -5 is negative"):
        book.apply_batch(np.array([1, 1, 1], np.uint8), np.array([1, 2, 3], np.int64),
                         np.array([1, -5, 1], np.int64))
    assert book.bids().tolist() == [[1, 1]]
    with pytest.raises(ValueError, match="lengths differ"):
        book.apply_batch(np.array([1], np.uint8), np.array([1, 2], np.int64), np.array([1], np.int64))


def test_snapshot_returns_independent_copies():
    book = _book((SIDE_BUY, 100, 5), (SIDE_SELL, 101, 5))
    bids, asks = book.snapshot()
    book.update(SIDE_BUY, 100, 0)
    assert bids.tolist() == [[100, 5]] and asks.tolist() == [[101, 5]]


def _raw(text, precision):
    return int(Decimal(text).scaleb(precision))


def test_bybit_xrpusdt_replay_matches_a_dict_book_at_every_step():
    with zipfile.ZipFile(BYBIT_OB) as z:
        lines = z.read(z.namelist()[0]).decode().splitlines()
    book, ref = OrderBook(4, 0), DictBook()
    for line in lines:
        msg = json.loads(line)
        if msg["type"] == "snapshot":
            book.clear()
            ref = DictBook()
        sides, prices, sizes = [], [], []
        for key, side in (("b", SIDE_BUY), ("a", SIDE_SELL)):
            for price, size in msg["data"][key]:
                sides.append(side)
                prices.append(_raw(price, 4))
                sizes.append(_raw(size, 0))
                ref.update(side, prices[-1], sizes[-1])
        book.apply_batch(np.array(sides, np.uint8), np.array(prices, np.int64), np.array(sizes, np.int64))
        assert np.array_equal(book.bids(), ref.levels(SIDE_BUY))
        assert np.array_equal(book.asks(), ref.levels(SIDE_SELL))
        assert not book.is_crossed and book.best_bid < book.best_ask
    assert (book.best_bid, book.best_ask) == (19537, 19538)
    assert book.depth(SIDE_BUY) == 500 and book.depth(SIDE_SELL) == 500
    assert book.mid == 19537.5 and book.spread == 1


updates = st.lists(st.tuples(st.sampled_from([SIDE_BUY, SIDE_SELL]), st.integers(-50, 50),
                             st.integers(0, 20)), max_size=200)


@given(updates, st.integers(1, 60))
def test_book_behaves_like_a_dict_book(ops, walk_qty):
    book, ref = OrderBook(0, 0, initial_levels=2), DictBook()
    for side, price, size in ops:
        book.update(side, price, size)
        ref.update(side, price, size)
        best_bid = max(ref.sides[SIDE_BUY], default=None)
        best_ask = min(ref.sides[SIDE_SELL], default=None)
        assert (book.best_bid, book.best_ask) == (best_bid, best_ask)
    for side in (SIDE_BUY, SIDE_SELL):
        levels = ref.levels(side)
        assert np.array_equal(book.bids() if side == SIDE_BUY else book.asks(), levels)
        assert book.size_at(side, 0) == ref.sides[side].get(0, 0)
        # a BUY walks the asks: compare with a walk over the reference levels
        taken = ref.levels(SIDE_SELL if side == SIDE_BUY else SIDE_BUY)
        left, notional = walk_qty, 0
        for price, size in taken:
            take = min(left, size)
            notional += price * take
            left -= take
        avg, filled = book.walk(side, walk_qty)
        assert filled == walk_qty - left
        assert (avg is None) if filled == 0 else math.isclose(avg, notional / filled)
    assert len(book) == len(ref.sides[SIDE_BUY]) + len(ref.sides[SIDE_SELL])
