"""Pre-trade risk check cost: in C without the GIL, and called once per order from Python.

Both run a passing limit order against every instrument limit that needs work (quantity,
notional, position, price band) plus the account-wide daily notional and a refilling rate
bucket, so the figure is the full pass path including the commit.
"""

import numpy as np

from hft.core.encoding import ORDER_DTYPE
from hft.core.risk import DENY_NONE, RiskChecker
from perf_tests._figures import pedantic_min, record

BUY, LIMIT = 1, 2
INST = 7
N = 20_000              # 2.5 MB of records: the batch stays in cache, as a live burst would
T0 = 1_700_000_000 * 10**9
STEP_NS = 1_000         # 1 us apart at 1e6 orders/s: the bucket earns a token per order


def _checker() -> RiskChecker:
    checker = RiskChecker(max_instruments=64)
    checker.set_instrument_limits(INST, max_order_qty=1_000, max_order_notional=1e9,
                                  max_position=10_000, price_band=0.05, multiplier=1.0,
                                  price_precision=2, size_precision=0)
    checker.set_reference_price(INST, 10_000)
    checker.set_account_limits(orders_per_s=1_000_000, order_burst=16, max_daily_notional=1e18,
                               now_ns=T0)
    return checker


def test_check_nogil(benchmark):
    records = np.zeros(N, dtype=ORDER_DTYPE)
    records["version"], records["record_type"], records["time_in_force"] = 1, 1, 1
    records["side"], records["order_type"], records["price_precision"] = BUY, LIMIT, 2
    records["instrument_id"], records["quantity"], records["price"] = INST, 10, 10_010
    rows = records.view(np.uint8).reshape(N, 128)
    checker = _checker()
    clock = [T0]

    def run():
        ts = np.arange(N, dtype=np.int64) * STEP_NS + clock[0]
        clock[0] += N * STEP_NS
        codes = checker.check_batch(rows, ts, validate=False)
        assert not codes.any(), "every order must pass"

    ns = pedantic_min(benchmark, run, rounds=10) * 1e9 / N
    record("risk.check_nogil", ns, "ns", baseline=None, ratio=None, target="value <= 50")
    assert ns <= 50


def test_check_python(benchmark):
    checker = _checker()
    check = checker.check
    clock = [T0]

    def run():
        t = clock[0]
        for _ in range(N):
            t += STEP_NS
            if check(BUY, LIMIT, 10, 10_010, INST, t)[0] != DENY_NONE:
                raise AssertionError("every order must pass")
        clock[0] = t

    ns = pedantic_min(benchmark, run, rounds=10) * 1e9 / N
    record("risk.check_python", ns, "ns", baseline=None, ratio=None, target="value <= 300")
    assert ns <= 300
