"""Model value types against decimal.Decimal, the exact Python alternative.

Figures (ratio = Decimal time / hft time, so > 1 means hft is faster):
  model.price_add          Price + Price (same precision) vs Decimal + Decimal
  model.price_from_str     Price("101.25") vs Decimal("101.25")
  model.quote_from_record  QuoteTick.from_record(64 B) vs struct.unpack + 4 Decimals
  model.position_apply_ns  Position.apply of a fill that flips the position (close + open a
                           new one, as EmaCross does on every order) vs the same netting in
                           Decimal on a plain Python object
  model.order_fill_ns      Order.apply(OrderFilled) filling an accepted order at once vs the
                           same fill bookkeeping (qty, Decimal notional, avg, fees, trade ids)
                           in plain Python
No target is asserted: these are informational (the hot path uses raw int64 fields).
"""

import struct
from decimal import Decimal

from hft.model.data import QuoteTick
from hft.model.enums import OrderSide
from hft.model.events import OrderAccepted, OrderFilled, OrderSubmitted
from hft.model.identifiers import (
    ClientOrderId, InstrumentId, StrategyId, TradeId, TraderId, VenueOrderId,
)
from hft.model.objects import Currency, Money, Price, Quantity
from hft.model.orders import Order
from hft.model.position import Position
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


BUY, SELL = OrderSide.SIDE_BUY, OrderSide.SIDE_SELL
USD = Currency.from_str("USD")
TRADER, STRATEGY, EURUSD = TraderId("T-001"), StrategyId("S-001"), InstrumentId("EURUSD.SIM")


def _fill(n: int, side, qty: str, px: str) -> OrderFilled:
    return OrderFilled(TRADER, STRATEGY, EURUSD, ClientOrderId(f"O-{n}"), VenueOrderId(f"V-{n}"),
                       TradeId(f"E-{n}"), side, Quantity.from_str(qty), Price.from_str(px),
                       Money("0.20", USD))


class _DecimalPosition:
    """Net fills at the average open price in Decimal: the exact Python alternative."""

    def __init__(self):
        self.qty, self.avg, self.realized, self.fees = Decimal(0), Decimal(0), Decimal(0), {}

    def apply(self, side, qty, px, fee, cur):
        signed = qty if side == BUY else -qty
        self.fees[cur] = self.fees.get(cur, 0) + fee
        if self.qty == 0 or (self.qty > 0) == (signed > 0):
            self.avg = (self.avg * self.qty + px * signed) / (self.qty + signed)
            self.qty += signed
            return None
        closing = min(abs(signed), abs(self.qty))
        self.realized += (px - self.avg) * closing * (1 if self.qty > 0 else -1)
        if abs(signed) > abs(self.qty):
            new = _DecimalPosition()
            new.apply(side, abs(signed) - closing, px, fee, cur)
            self.qty = Decimal(0)
            return new
        self.qty += signed
        return None


def test_position_apply(benchmark):
    # every fill after the first flips: the position closes and a new one opens (EmaCross)
    flips = [_fill(i, SELL if i % 2 else BUY, "20000", "1.10%03d" % (i % 1000))
             for i in range(1, 1001)]
    first = _fill(0, BUY, "10000", "1.10000")

    def hft():
        for _ in range(N // 1000):
            pos = Position(EURUSD, STRATEGY, USD, 0)
            pos.apply(first)
            for f in flips:
                pos = pos.apply(f)

    dec = [(f.order_side, Decimal(f.last_qty_raw), f.last_px.as_decimal(), f.commission.raw,
            USD) for f in flips]
    dec_first = (BUY, Decimal(10000), Decimal("1.10000"), 20, USD)

    def baseline():
        for _ in range(N // 1000):
            pos = _DecimalPosition()
            pos.apply(*dec_first)
            for args in dec:
                pos = pos.apply(*args)

    t = pedantic_min(benchmark, hft) / N
    base = best_seconds(baseline) / N
    record("model.position_apply_ns", t * 1e9, "ns/fill", baseline=base * 1e9, ratio=base / t)


def _accepted_orders(count: int) -> list:
    out = []
    for i in range(count):
        coid = ClientOrderId(f"O-{i}")
        order = Order.market(TRADER, STRATEGY, EURUSD, coid, BUY, Quantity.from_str("10000"))
        order.apply(OrderSubmitted(TRADER, STRATEGY, EURUSD, coid))
        order.apply(OrderAccepted(TRADER, STRATEGY, EURUSD, coid, VenueOrderId(f"V-{i}")))
        fill = OrderFilled(TRADER, STRATEGY, EURUSD, coid, VenueOrderId(f"V-{i}"),
                           TradeId(f"E-{i}"), BUY, Quantity.from_str("10000"),
                           Price.from_str("1.10%03d" % (i % 1000)), Money("0.20", USD))
        out.append((order, fill))
    return out


class _PyOrder:
    """Fill bookkeeping in plain Python with an exact Decimal notional."""

    def __init__(self):
        self.filled, self.notional, self.avg_px, self.fees, self.trades = 0, Decimal(0), 0.0, {}, set()

    def apply_fill(self, trade_id, qty, px, cur, fee):
        if trade_id in self.trades:
            raise ValueError(trade_id)
        self.trades.add(trade_id)
        self.filled += qty
        self.notional += px * qty
        self.avg_px = float(self.notional / self.filled)
        self.fees[cur] = self.fees.get(cur, 0) + fee


def test_order_fill(benchmark):
    count = 5_000
    batches = [_accepted_orders(count) for _ in range(13)]   # one fresh batch per timed call

    def hft():
        for order, fill in batches.pop():
            order.apply(fill)

    py = [(_PyOrder(), f.trade_id, f.last_qty_raw, f.last_px.as_decimal(), USD, 20)
          for _, f in _accepted_orders(count)]

    def baseline():
        for order, *args in py:
            order.trades.clear()
            order.apply_fill(*args)

    t = pedantic_min(benchmark, hft) / count
    base = best_seconds(baseline) / count
    record("model.order_fill_ns", t * 1e9, "ns/fill", baseline=base * 1e9, ratio=base / t)
