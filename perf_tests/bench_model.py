"""Model value types against decimal.Decimal, the exact Python alternative.

Figures (ratio = Decimal time / hft time, so > 1 means hft is faster):
  model.price_add          Price + Price (same precision) vs Decimal + Decimal
  model.price_from_str     Price("101.25") vs Decimal("101.25")
  model.quote_from_record  QuoteTick.from_record(64 B) vs struct.unpack + 4 Decimals
No target is asserted: these are informational (the hot path uses raw int64 fields).
"""

import struct
from decimal import Decimal

from hft.model.data import QuoteTick
from hft.model.identifiers import InstrumentId
from hft.model.objects import Price, Quantity
from perf_tests._figures import best_seconds, pedantic_min, record

N = 100_000


def _loop_add(a, b):
    def run():
        for _ in range(N):
            a + b
    return run


def test_price_add(benchmark):
    t = pedantic_min(benchmark, _loop_add(Price("101.25"), Price("0.05"))) / N
    base = best_seconds(_loop_add(Decimal("101.25"), Decimal("0.05"))) / N
    record("model.price_add", t * 1e9, "ns/op", baseline=base * 1e9, ratio=base / t)


def test_price_from_str(benchmark):
    def hft():
        for _ in range(N):
            Price("101.25")

    def dec():
        for _ in range(N):
            Decimal("101.25")

    t = pedantic_min(benchmark, hft) / N
    base = best_seconds(dec) / N
    record("model.price_from_str", t * 1e9, "ns/op", baseline=base * 1e9, ratio=base / t)


def test_quote_from_record(benchmark):
    iid = InstrumentId("BTCUSDT.BINANCE")
    buf = QuoteTick(iid, Price("101.25"), Price("101.30"), Quantity("1.5"), Quantity("2.0"),
                    1, 2).to_record(1)
    layout = struct.Struct("<BBBBIqqqqqqQ")

    def hft():
        for _ in range(N):
            QuoteTick.from_record(buf, iid)

    def baseline():
        for _ in range(N):
            f = layout.unpack(buf)
            (iid, Decimal(f[7]).scaleb(-f[2]), Decimal(f[8]).scaleb(-f[2]),
             Decimal(f[9]).scaleb(-f[3]), Decimal(f[10]).scaleb(-f[3]), f[5], f[6])

    t = pedantic_min(benchmark, hft) / N
    base = best_seconds(baseline) / N
    record("model.quote_from_record", t * 1e9, "ns/op", baseline=base * 1e9, ratio=base / t)
