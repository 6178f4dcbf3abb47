"""L2 book update cost in a nogil batch, and matching-engine submit cost in a steady state.

book.update_ns replays the real Bybit XRPUSDT stream (snapshot + 49 deltas, 500 levels a
side) over and over through `OrderBook.apply_batch`, so the updates land where a live feed's
do. matching.submit_ns submits crossing limit orders that each fill one lot against the
best of 100 deep ask levels (ACCEPTED + two FILLED events), from a C loop without the GIL.
The issue gives no baseline or target for either: both are recorded only.
"""

import json
import zipfile
from decimal import Decimal
from pathlib import Path

import numpy as np

from hft.core._baseline_book import submit_loop
from hft.core.book import OrderBook
from hft.core.encoding import ORDER_TYPE_LIMIT, SIDE_BUY, SIDE_SELL, TIF_GTC, OrderMsg
from hft.core.matching import MatchingEngine
from perf_tests._figures import pedantic_min, record

BYBIT_OB = Path("/work/shared/data/xrpusdt-bybit-ob500-20241201.data.zip")
REPEAT = 40            # replays of the delta stream per timed batch (~120k updates)
N_SUBMITS = 200_000


def _bybit_updates():
    with zipfile.ZipFile(BYBIT_OB) as z:
        lines = z.read(z.namelist()[0]).decode().splitlines()
    snap, deltas = [], []
    for line in lines:
        msg = json.loads(line)
        rows = snap if msg["type"] == "snapshot" else deltas
        for key, side in (("b", SIDE_BUY), ("a", SIDE_SELL)):
            for price, size in msg["data"][key]:
                rows.append((side, int(Decimal(price).scaleb(4)), int(size)))

    def arrays(rows):
        a = np.array(rows, dtype=np.int64)
        return a[:, 0].astype(np.uint8), np.ascontiguousarray(a[:, 1]), np.ascontiguousarray(a[:, 2])

    return arrays(snap), arrays(deltas)


def test_book_update(benchmark):
    (ss, sp, sq), (ds, dp, dq) = _bybit_updates()
    sides, prices, sizes = np.tile(ds, REPEAT), np.tile(dp, REPEAT), np.tile(dq, REPEAT)
    book = OrderBook(4, 0)
    book.apply_batch(ss, sp, sq)

    def run():
        book.apply_batch(sides, prices, sizes)

    ns = pedantic_min(benchmark, run, rounds=10) * 1e9 / len(sides)
    assert not book.is_crossed and book.depth(SIDE_BUY) >= 500
    record("book.update_ns", ns, "ns", baseline=None, ratio=None, target=None)


def test_matching_submit(benchmark):
    engine = MatchingEngine(max_orders=1024)
    for i in range(100):
        engine.submit(OrderMsg(client_order_id=1 + i, side=SIDE_SELL, order_type=ORDER_TYPE_LIMIT,
                               time_in_force=TIF_GTC, price=10_000 + i, quantity=10**15))
    taker = OrderMsg(side=SIDE_BUY, order_type=ORDER_TYPE_LIMIT, time_in_force=TIF_GTC,
                     price=10_000, quantity=1)
    next_id = [1_000]

    def run():
        events = submit_loop(engine, taker, N_SUBMITS, next_id[0])
        next_id[0] += N_SUBMITS
        assert events == 3 * N_SUBMITS, "every submit must fill in full against the best ask"

    ns = pedantic_min(benchmark, run, rounds=10) * 1e9 / N_SUBMITS
    assert len(engine) == 100 and engine.best_ask == 10_000
    record("matching.submit_ns", ns, "ns", baseline=None, ratio=None, target=None)
