"""Run each core component once on real sample data and print what it did.

    python -m hft.tour

A short look at the Cython core: a ring carrying quote records, the binary encodings,
Welford statistics over the EUR/USD sample, a pre-trade risk check, an L2 book and an object
pool. `python -m perf_tests.report` measures them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hft.backtest.loaders import CsvSource
from hft.core.book import OrderBook
from hft.core.encoding import (
    ORDER_TYPE_LIMIT,
    QUOTE_DTYPE,
    SIDE_BUY,
    OrderMsg,
    decode_order,
    decode_quote,
    encode_order,
)
from hft.core.pool import ObjectPool
from hft.core.ring import SpscRing
from hft.core.risk import RiskChecker
from hft.core.stats import RollingStats, RunningStats

SAMPLE = Path(__file__).resolve().parent.parent / "examples" / "data" / "eurusd-histdata-ticks-20200101.csv"


def main() -> None:
    """Print one paragraph per core component."""
    quotes = np.concatenate(list(CsvSource(SAMPLE, instrument_id=1, price_precision=5, size_precision=0,
                                           layout="histdata", default_size="1000000")))
    print(f"loaded {len(quotes):,} EUR/USD quotes from {SAMPLE.name}")

    ring = SpscRing(capacity=1024, slot_size=QUOTE_DTYPE.itemsize)
    pushed = ring.push_batch(quotes[:1000])
    first = decode_quote(ring.pop())
    print(f"ring: pushed {pushed} quote records, {len(ring)} waiting; first popped bid "
          f"{first.bid_price / 1e5:.5f} ask {first.ask_price / 1e5:.5f}")

    order = OrderMsg(side=SIDE_BUY, order_type=ORDER_TYPE_LIMIT, price=112120, quantity=100_000,
                     price_precision=5, instrument_id=1, client_order_id=1)
    wire = encode_order(order)
    print(f"encoding: an order is {len(wire)} bytes; decoded back equal: {decode_order(wire) == order}")

    mids = (quotes["bid_price"] + quotes["ask_price"]) / 2e5
    running = RunningStats()
    running.add_batch(mids)
    rolling = RollingStats(100)
    rolling.add_batch(mids)
    print(f"stats: mid mean {running.mean:.5f} std {running.std:.6f} over {running.count:,}; "
          f"last 100: std {rolling.std:.6f}, z-score of the last mid {rolling.zscore():+.2f}")

    risk = RiskChecker()
    risk.set_instrument_limits(1, max_order_qty=50_000, price_precision=5)
    risk.set_reference_price(1, int(quotes["ask_price"][-1]))
    code, reason = risk.check(SIDE_BUY, ORDER_TYPE_LIMIT, 100_000, 112120, 1, int(quotes["ts_event"][-1]))
    print(f"risk: order of 100,000 denied with code {int(code)}: {reason}")

    book = OrderBook(5, 0)
    for q in quotes[-5:]:
        book.update(1, int(q["bid_price"]), int(q["bid_size"]))
        book.update(2, int(q["ask_price"]), int(q["ask_size"]))
    print(f"book: best bid {book.best_bid} best ask {book.best_ask} spread {book.spread} "
          f"levels {len(book.bids(10))}/{len(book.asks(10))}")

    pool = ObjectPool(dict, capacity=4)
    for _ in range(3):
        pool.release(pool.acquire())
    print(f"pool: hits {pool.hits} misses {pool.misses}")


if __name__ == "__main__":
    main()
