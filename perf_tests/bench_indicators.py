"""Indicators: the per-quote EMA.update call from Python against a pure-Python EMA class doing
the same math (what an EMA-cross strategy pays per quote)."""

import math

import numpy as np

from hft.indicators import EMA
from perf_tests._figures import best_seconds, pedantic_min, record

N_CALL = 200_000


class PyEMA:
    """EMA.update in pure Python: skip NaN/inf, seed with the first value, y += a (x - y)."""

    __slots__ = ("alpha", "value", "count")

    def __init__(self, period):
        self.alpha = 2.0 / (period + 1.0)
        self.value = math.nan
        self.count = 0

    def update(self, x):
        if x - x != 0.0:
            return self.value
        if self.count == 0:
            self.value = x
        else:
            self.value += self.alpha * (x - self.value)
        self.count += 1
        return self.value


def _mids(n):
    return (1.12 + np.cumsum(np.random.default_rng(42).normal(0.0, 1e-5, n))).tolist()


def test_ema_update_ns(benchmark):
    values = _mids(N_CALL)

    def drive(update):
        def run():
            for x in values:
                update(x)
        return run

    ours, base = EMA(20), PyEMA(20)
    ours_s = pedantic_min(benchmark, drive(ours.update), rounds=7)
    base_s = best_seconds(drive(base.update), repeat=7)
    # interleave a second pair: on a shared machine a burst of load should hit both sides
    ours_s = min(ours_s, best_seconds(drive(ours.update), repeat=5))
    base_s = min(base_s, best_seconds(drive(base.update), repeat=5))
    ns, base_ns = ours_s / N_CALL * 1e9, base_s / N_CALL * 1e9
    # ratio = baseline / ours, so higher is better as for the throughput figures
    record("indicators.ema_update_ns", ns, "ns", baseline=base_ns, ratio=base_ns / ns,
           target=None)
    check, ref = EMA(20), PyEMA(20)
    drive(check.update)()
    drive(ref.update)()
    assert check.value == ref.value
