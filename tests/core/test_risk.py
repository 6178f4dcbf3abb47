"""Pre-trade risk checks (hft.core.risk): one test per reason code, token bucket, state."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hft.core.encoding import ORDER_DTYPE
from hft.core.risk import (
    DENY_DAILY_LOSS,
    DENY_DAILY_NOTIONAL,
    DENY_HALTED,
    DENY_INVALID_ORDER,
    DENY_MAX_OPEN_ORDERS,
    DENY_MAX_ORDER_NOTIONAL,
    DENY_MAX_ORDER_QTY,
    DENY_MAX_POSITION,
    DENY_NO_REFERENCE_PRICE,
    DENY_NONE,
    DENY_PRECISION_MISMATCH,
    DENY_PRICE_BAND,
    DENY_RATE_LIMIT,
    DENY_REDUCE_ONLY,
    DENY_REDUCING,
    DENY_UNKNOWN_INSTRUMENT,
    REASONS,
    TRADING_ACTIVE,
    TRADING_HALTED,
    TRADING_REDUCING,
    DenyReason,
    RiskChecker,
    TokenBucket,
    TradingState,
    reason_text,
)

BUY, SELL = 1, 2
MARKET, LIMIT, STOP_MARKET, STOP_LIMIT = 1, 2, 3, 4
REDUCE_ONLY = 2
INST = 3
S = 1_000_000_000  # ns per second
DAY = 86_400 * S
T0 = 1_700_000_000 * S  # 2023-11-14 22:13:20 UTC


def _checker(**limits) -> RiskChecker:
    """A checker with instrument INST at price precision 2, size precision 0, ref 100.00."""
    checker = RiskChecker(max_instruments=8)
    checker.set_instrument_limits(INST, price_precision=2, size_precision=0, **limits)
    checker.set_reference_price(INST, 10_000)
    return checker


def _limit(checker, side=BUY, qty=1, price=10_000, ts=T0, flags=0, instrument_id=INST):
    return checker.check(side, LIMIT, qty, price, instrument_id, ts, flags)


# ---- one test per reason code ---------------------------------------------------------------

def _unknown_instrument():
    return _limit(_checker(), instrument_id=99)


def _halted():
    checker = _checker()
    checker.set_state("HALTED")
    return _limit(checker)


def _reducing():
    checker = _checker()
    checker.set_state(TRADING_REDUCING)
    return _limit(checker)


def _max_order_qty():
    return _limit(_checker(max_order_qty=10), qty=11)


def _max_order_notional():
    return _limit(_checker(max_order_notional=1_000.0), qty=11)  # 11 * 100.00 = 1100


def _max_position():
    checker = _checker(max_position=10)
    checker.set_position(INST, 8)
    return _limit(checker, qty=3)


def _price_band():
    return _limit(_checker(price_band=0.05), price=10_501)  # 5.01 % above 100.00


def _no_reference_price():
    checker = RiskChecker()
    checker.set_instrument_limits(INST, price_band=0.05, price_precision=2)
    return _limit(checker)


def _max_open_orders():
    checker = _checker(max_open_orders=2)
    assert _limit(checker)[0] == DENY_NONE
    assert _limit(checker)[0] == DENY_NONE
    return _limit(checker)


def _rate_limit():
    checker = _checker()
    checker.set_account_limits(orders_per_s=2, order_burst=2, now_ns=T0)
    assert _limit(checker)[0] == DENY_NONE
    assert _limit(checker)[0] == DENY_NONE
    return _limit(checker)


def _daily_notional():
    checker = _checker()
    checker.set_account_limits(max_daily_notional=1_000.0)
    assert _limit(checker, qty=6)[0] == DENY_NONE
    return _limit(checker, qty=5)  # 600 + 500 > 1000


def _daily_loss():
    checker = _checker()
    checker.set_account_limits(daily_loss_limit=500.0)
    checker.update_pnl(-500.0)
    return _limit(checker)


def _reduce_only():
    checker = _checker()
    checker.set_position(INST, 5)
    return _limit(checker, side=BUY, flags=REDUCE_ONLY)


def _invalid_order():
    return _limit(_checker(), qty=0)


def _precision_mismatch():
    checker = _checker()
    record = _record(price_precision=3)
    return checker.check_record(record.tobytes(), T0)


CASES = {
    DENY_UNKNOWN_INSTRUMENT: (_unknown_instrument, "instrument 99 has no risk limits set"),
    DENY_HALTED: (_halted, "trading is HALTED"),
    DENY_REDUCING: (_reducing, "would not reduce position 0 for instrument 3"),
    DENY_MAX_ORDER_QTY: (_max_order_qty, "order quantity 11 exceeds max_order_qty 10 for instrument 3"),
    DENY_MAX_ORDER_NOTIONAL: (_max_order_notional, "order notional 1100.00 exceeds max_order_notional 1000.00"),
    DENY_MAX_POSITION: (_max_position, "position 11 after buy 3 exceeds max_position 10 for instrument 3"),
    DENY_PRICE_BAND: (_price_band, "order price 105.01 is 5.0100% from reference 100.00"),
    DENY_NO_REFERENCE_PRICE: (_no_reference_price, "instrument 3 has no reference price"),
    DENY_MAX_OPEN_ORDERS: (_max_open_orders, "open orders 2 reached max_open_orders 2"),
    DENY_RATE_LIMIT: (_rate_limit, "order rate limit 2/s (burst 2) reached"),
    DENY_DAILY_NOTIONAL: (_daily_notional, "today's notional 600.00 + order 500.00 exceeds max_daily_notional"),
    DENY_DAILY_LOSS: (_daily_loss, "daily loss limit 500 reached (pnl -500)"),
    DENY_REDUCE_ONLY: (_reduce_only, "reduce-only buy 1 would increase or flip position 5"),
    DENY_INVALID_ORDER: (_invalid_order, "quantity 0"),
    DENY_PRECISION_MISMATCH: (_precision_mismatch, "order precisions (price 3, size 0) differ"),
}


@pytest.mark.parametrize("code", list(CASES), ids=lambda c: DenyReason(c).name)
def test_each_reason_code_is_returned_with_a_reason_naming_the_values(code):
    make, text = CASES[code]
    got_code, got_text = make()
    assert got_code == code
    assert text in got_text


def test_every_deny_reason_has_a_case_and_a_text():
    codes = {int(c) for c in DenyReason if c != DENY_NONE}
    assert codes == set(CASES)
    assert set(REASONS) == codes | {DENY_NONE}
    for code, (name, text) in REASONS.items():
        assert DenyReason(code).name == name
        assert reason_text(code) == text


def test_reason_text_rejects_an_unknown_code():
    with pytest.raises(ValueError, match="reason code: 99 is unknown"):
        reason_text(99)


def test_passing_order_returns_code_zero_and_empty_reason():
    checker = _checker(max_order_qty=10, max_position=10, price_band=0.05, max_open_orders=5,
                       max_order_notional=10_000.0)
    checker.set_account_limits(orders_per_s=100, max_daily_notional=1e6, daily_loss_limit=1e3)
    assert _limit(checker, qty=10, price=10_500) == (DENY_NONE, "")


def test_limit_at_exactly_the_bound_passes():
    checker = _checker(max_order_qty=10, max_position=10, price_band=0.05, max_order_notional=1_000.0)
    assert _limit(checker, qty=10)[0] == DENY_NONE
    assert _limit(checker, qty=10, price=9_500, side=SELL)[0] == DENY_NONE
    assert _limit(checker, qty=10, price=10_501)[0] == DENY_PRICE_BAND


def test_zero_limits_mean_no_limit():
    checker = _checker()  # every limit 0
    checker.set_position(INST, 2**61)
    assert _limit(checker, qty=2**61, price=10**12)[0] == DENY_NONE


# ---- counters, open orders, commits ---------------------------------------------------------

def test_counters_count_checks_and_denials_per_code():
    checker = _checker(max_order_qty=10)
    _limit(checker, qty=5)
    _limit(checker, qty=50)
    _limit(checker, qty=50)
    _limit(checker, instrument_id=7)
    assert checker.checked == 4
    assert checker.denied == {DENY_MAX_ORDER_QTY: 2, DENY_UNKNOWN_INSTRUMENT: 1}


def test_passed_check_counts_as_open_until_closed():
    checker = _checker(max_open_orders=1)
    assert _limit(checker)[0] == DENY_NONE
    assert checker.open_orders(INST) == 1
    assert _limit(checker)[0] == DENY_MAX_OPEN_ORDERS
    checker.on_order_closed(INST)
    assert _limit(checker)[0] == DENY_NONE
    checker.on_order_closed(INST)
    with pytest.raises(ValueError, match="instrument_id: 3 has no open orders to close"):
        checker.on_order_closed(INST)
    checker.on_order_opened(INST)
    assert _limit(checker)[0] == DENY_MAX_OPEN_ORDERS


def test_denied_orders_do_not_consume_rate_tokens_or_daily_notional():
    checker = _checker(max_order_qty=10)
    checker.set_account_limits(orders_per_s=1, order_burst=1, max_daily_notional=1_000.0, now_ns=T0)
    for _ in range(5):
        assert _limit(checker, qty=11)[0] == DENY_MAX_ORDER_QTY
    assert checker.rate_tokens(T0) == 1
    assert checker.daily_notional == 0.0
    assert _limit(checker, qty=10)[0] == DENY_NONE  # 1000 notional: exactly the daily limit
    assert checker.daily_notional == 1_000.0


def test_order_denied_by_daily_notional_does_not_take_a_token():
    checker = _checker()
    checker.set_account_limits(orders_per_s=1, order_burst=1, max_daily_notional=100.0, now_ns=T0)
    assert _limit(checker, qty=2)[0] == DENY_DAILY_NOTIONAL
    assert checker.rate_tokens(T0) == 1


def test_rate_limit_refills_over_the_fake_clock():
    checker = _checker()
    checker.set_account_limits(orders_per_s=10, order_burst=1, now_ns=T0)
    assert _limit(checker, ts=T0)[0] == DENY_NONE
    assert _limit(checker, ts=T0 + S // 10 - 1)[0] == DENY_RATE_LIMIT
    assert _limit(checker, ts=T0 + S // 10)[0] == DENY_NONE


def test_daily_notional_resets_at_utc_midnight():
    checker = _checker()
    checker.set_account_limits(max_daily_notional=1_000.0)
    midnight = (T0 // DAY + 1) * DAY
    assert _limit(checker, qty=10, ts=midnight - 1)[0] == DENY_NONE
    assert _limit(checker, qty=1, ts=midnight - 1)[0] == DENY_DAILY_NOTIONAL
    assert _limit(checker, qty=10, ts=midnight)[0] == DENY_NONE
    assert checker.daily_notional == 1_000.0
    # A late timestamp from the previous day does not roll the day back.
    assert _limit(checker, qty=1, ts=midnight - 1)[0] == DENY_DAILY_NOTIONAL


def test_market_order_uses_the_reference_price_for_notional():
    checker = _checker(max_order_notional=1_000.0)
    assert checker.check(BUY, MARKET, 10, 0, INST, T0)[0] == DENY_NONE
    checker.set_reference_price(INST, 10_001)
    code, text = checker.check(BUY, MARKET, 10, 0, INST, T0)
    assert code == DENY_MAX_ORDER_NOTIONAL and "1000.10" in text


def test_market_order_without_reference_is_denied_only_when_a_notional_limit_needs_it():
    checker = RiskChecker()
    checker.set_instrument_limits(INST, price_band=0.05)
    assert checker.check(BUY, MARKET, 1, 0, INST, T0)[0] == DENY_NONE  # band skips market orders
    checker.set_account_limits(max_daily_notional=1e6)
    assert checker.check(BUY, MARKET, 1, 0, INST, T0)[0] == DENY_NO_REFERENCE_PRICE


def test_stop_market_band_uses_the_trigger_price():
    checker = _checker(price_band=0.05)
    assert checker.check(SELL, STOP_MARKET, 1, 0, INST, T0, 0, 9_000)[0] == DENY_PRICE_BAND
    assert checker.check(SELL, STOP_MARKET, 1, 0, INST, T0, 0, 9_600)[0] == DENY_NONE


def test_multiplier_and_precisions_scale_notional():
    checker = RiskChecker()
    checker.set_instrument_limits(INST, max_order_notional=5_000.0, multiplier=50.0,
                                  price_precision=2, size_precision=1)
    checker.set_reference_price(INST, 10_000)
    # 2.0 contracts * 50 * 100.00 = 10000 > 5000; 1.0 contract = 5000 passes.
    assert checker.check(BUY, LIMIT, 20, 10_000, INST, T0)[0] == DENY_MAX_ORDER_NOTIONAL
    assert checker.check(BUY, LIMIT, 10, 10_000, INST, T0)[0] == DENY_NONE


# ---- trading state, reduce-only, daily loss -------------------------------------------------

@pytest.mark.parametrize("position", [5, -5])
def test_reducing_passes_reducing_orders_and_denies_increase_and_flip(position):
    checker = _checker()
    checker.set_position(INST, position)
    checker.set_state(TRADING_REDUCING)
    reduce = SELL if position > 0 else BUY
    increase = BUY if position > 0 else SELL
    assert _limit(checker, side=reduce, qty=5)[0] == DENY_NONE  # to flat
    assert _limit(checker, side=reduce, qty=2)[0] == DENY_NONE
    assert _limit(checker, side=reduce, qty=6)[0] == DENY_REDUCING  # flip
    assert _limit(checker, side=increase, qty=1)[0] == DENY_REDUCING
    checker.set_position(INST, 0)
    assert _limit(checker, side=BUY)[0] == DENY_REDUCING


def test_halted_denies_every_order_even_a_reducing_one():
    checker = _checker()
    checker.set_position(INST, 5)
    checker.set_state(TradingState.TRADING_HALTED)
    assert checker.state == TRADING_HALTED
    assert _limit(checker, side=SELL, qty=1)[0] == DENY_HALTED
    assert _limit(checker, side=SELL, qty=1, flags=REDUCE_ONLY)[0] == DENY_HALTED
    checker.set_state("active")
    assert checker.state == TRADING_ACTIVE
    assert _limit(checker, side=SELL, qty=1)[0] == DENY_NONE


def test_reduce_only_order_passes_when_it_reduces_and_is_denied_on_flip():
    checker = _checker()
    checker.set_position(INST, -3)
    assert _limit(checker, side=BUY, qty=3, flags=REDUCE_ONLY)[0] == DENY_NONE
    assert _limit(checker, side=BUY, qty=4, flags=REDUCE_ONLY)[0] == DENY_REDUCE_ONLY
    assert _limit(checker, side=SELL, qty=1, flags=REDUCE_ONLY)[0] == DENY_REDUCE_ONLY


def test_daily_loss_limit_still_lets_reducing_orders_through():
    checker = _checker()
    checker.set_account_limits(daily_loss_limit=100.0)
    checker.set_position(INST, 4)
    checker.update_pnl(-99.99)
    assert _limit(checker, side=BUY)[0] == DENY_NONE
    checker.update_pnl(-150.0)
    assert _limit(checker, side=BUY)[0] == DENY_DAILY_LOSS
    assert _limit(checker, side=SELL, qty=4)[0] == DENY_NONE


def test_max_position_does_not_block_an_order_that_reduces_an_oversized_position():
    checker = _checker(max_position=10)
    checker.set_position(INST, 15)
    assert _limit(checker, side=SELL, qty=2)[0] == DENY_NONE
    assert _limit(checker, side=BUY, qty=1)[0] == DENY_MAX_POSITION


def test_apply_fill_moves_the_position():
    checker = _checker()
    checker.apply_fill(INST, BUY, 7)
    checker.apply_fill(INST, SELL, 10)
    assert checker.position(INST) == -3
    with pytest.raises(ValueError, match="side: 0 is invalid"):
        checker.apply_fill(INST, 0, 1)


def test_set_state_rejects_an_unknown_state():
    checker = _checker()
    with pytest.raises(ValueError, match="state: 'PAUSED' is unknown"):
        checker.set_state("PAUSED")
    with pytest.raises(ValueError, match="state: 7 is unknown"):
        checker.set_state(7)


# ---- setters ---------------------------------------------------------------------------------

def test_feeding_an_unknown_instrument_names_it():
    checker = RiskChecker()
    with pytest.raises(ValueError, match="instrument_id: 5 has no risk limits"):
        checker.set_reference_price(5, 100)


@pytest.mark.parametrize("kwargs, match", [
    ({"max_order_qty": -1}, "max_order_qty: -1 is out of range"),
    ({"max_order_notional": float("nan")}, "max_order_notional: nan is invalid"),
    ({"price_band": -0.1}, "price_band: -0.1 is invalid"),
    ({"multiplier": 0.0}, "multiplier: 0.0 is invalid"),
    ({"price_precision": 19}, "price_precision: 19 is out of range"),
])
def test_set_instrument_limits_names_the_bad_limit(kwargs, match):
    with pytest.raises(ValueError, match=match):
        RiskChecker().set_instrument_limits(INST, **kwargs)


def test_instrument_table_is_full_after_max_instruments():
    checker = RiskChecker(max_instruments=2)
    checker.set_instrument_limits(1)
    checker.set_instrument_limits(2)
    checker.set_instrument_limits(1, max_order_qty=5)  # replacing does not need a new slot
    with pytest.raises(ValueError, match="all 2 instruments"):
        checker.set_instrument_limits(3)


def test_replacing_limits_keeps_position_and_reference():
    checker = _checker(max_order_qty=10)
    checker.set_position(INST, 4)
    checker.set_instrument_limits(INST, max_order_qty=20, price_precision=2, price_band=0.01)
    assert checker.position(INST) == 4
    assert _limit(checker, qty=15)[0] == DENY_NONE  # reference 100.00 still set


@given(st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=64, unique=True))
def test_instrument_index_finds_every_registered_id_and_no_other(ids):
    checker = RiskChecker(max_instruments=64)
    for i in ids:
        checker.set_instrument_limits(i, max_order_qty=i % 1000 + 1)
    for i in ids:
        assert checker.check(BUY, MARKET, i % 1000 + 1, 0, i, T0)[0] == DENY_NONE
        assert checker.check(BUY, MARKET, i % 1000 + 2, 0, i, T0)[0] == DENY_MAX_ORDER_QTY
    missing = (max(ids) + 1) % 2**32
    if missing not in ids:
        assert checker.check(BUY, MARKET, 1, 0, missing, T0)[0] == DENY_UNKNOWN_INSTRUMENT


# ---- encoded records -------------------------------------------------------------------------

def _record(side=BUY, order_type=LIMIT, qty=1, price=10_000, flags=0, price_precision=2,
            instrument_id=INST):
    rec = np.zeros(1, dtype=ORDER_DTYPE)
    rec["version"], rec["record_type"], rec["time_in_force"] = 1, 1, 1
    rec["side"], rec["order_type"], rec["flags"] = side, order_type, flags
    rec["price_precision"], rec["size_precision"] = price_precision, 0
    rec["instrument_id"], rec["quantity"], rec["price"] = instrument_id, qty, price
    return rec


def test_check_record_agrees_with_check():
    a, b = _checker(max_order_qty=10), _checker(max_order_qty=10)
    for qty in (5, 11):
        assert a.check_record(_record(qty=qty).tobytes(), T0) == _limit(b, qty=qty)


def test_check_record_rejects_a_malformed_record_by_field():
    rec = _record()
    rec["time_in_force"] = 9
    with pytest.raises(ValueError, match="field 'time_in_force' is invalid"):
        _checker().check_record(rec.tobytes(), T0)
    with pytest.raises(ValueError, match="127 bytes, expected 128"):
        _checker().check_record(rec.tobytes()[:127], T0)


@given(st.lists(st.tuples(st.sampled_from([BUY, SELL]), st.integers(1, 15), st.integers(9_000, 11_000)),
                max_size=40))
def test_check_batch_matches_one_check_per_order(orders):
    batch, single = _checker(max_order_qty=12, max_position=20, price_band=0.05), \
        _checker(max_order_qty=12, max_position=20, price_band=0.05)
    for c in (batch, single):
        c.set_account_limits(orders_per_s=5, order_burst=3, now_ns=T0)
    records = np.concatenate([_record(side=s, qty=q, price=p) for s, q, p in orders] or [_record()[:0]])
    ts = np.arange(len(orders), dtype=np.int64) * (S // 20) + T0
    codes = batch.check_batch(records.view(np.uint8).reshape(-1, 128), ts)
    expected = [_limit(single, side=s, qty=q, price=p, ts=t)[0] for (s, q, p), t in zip(orders, ts.tolist())]
    assert codes.tolist() == expected
    assert batch.checked == single.checked and batch.denied == single.denied


def test_check_batch_validates_records_before_checking_any():
    checker = _checker()
    records = np.concatenate([_record(), _record(qty=0)])
    with pytest.raises(ValueError, match=r"records\[1\]: field 'quantity' is invalid"):
        checker.check_batch(records.view(np.uint8).reshape(-1, 128), np.full(2, T0, dtype=np.int64))
    assert checker.checked == 0


# ---- token bucket ----------------------------------------------------------------------------

def test_bucket_starts_full_and_refills_at_the_rate():
    bucket = TokenBucket(rate_per_s=2.0, burst=3)
    assert [bucket.try_take(0) for _ in range(4)] == [True, True, True, False]
    assert not bucket.try_take(S // 2 - 1)
    assert bucket.try_take(S // 2)
    assert bucket.available(10 * S) == 3  # capped at burst


def test_bucket_refill_is_exact_over_many_small_steps():
    bucket = TokenBucket(rate_per_s=0.001, burst=1)  # one token per 1000 s
    assert bucket.try_take(0)
    for t in range(1, 1000):
        assert not bucket.try_take(t * S - 1)
    assert bucket.try_take(1000 * S)


def test_bucket_takes_n_tokens_or_none():
    bucket = TokenBucket(rate_per_s=1.0, burst=5)
    assert not bucket.try_take(0, 6)
    assert bucket.try_take(0, 4)
    assert not bucket.try_take(0, 2)
    assert bucket.available(0) == 1
    with pytest.raises(ValueError, match="n: 0 is invalid"):
        bucket.try_take(0, 0)


def test_bucket_earns_nothing_when_the_clock_steps_back():
    bucket = TokenBucket(rate_per_s=1.0, burst=1, now_ns=10 * S)
    assert bucket.try_take(10 * S)
    assert not bucket.try_take(5 * S)
    assert not bucket.try_take(11 * S - 1)
    assert bucket.try_take(11 * S)


def test_bucket_survives_a_long_gap_without_overflow():
    bucket = TokenBucket(rate_per_s=1_000_000.0, burst=1_000_000)
    assert bucket.try_take(0, 1_000_000)
    assert bucket.available(2**62) == 1_000_000


def test_bucket_with_zero_rate_never_refills():
    bucket = TokenBucket(rate_per_s=0.0, burst=1)
    assert bucket.try_take(0)
    assert not bucket.try_take(2**62)


@pytest.mark.parametrize("rate, burst, match", [
    (-1.0, 1, "rate_per_s: -1.0 is out of range"),
    (1.0, 0, "burst: 0 is out of range"),
    (1.0, 10**7, "burst: 10000000 is out of range"),
])
def test_bucket_rejects_bad_parameters(rate, burst, match):
    with pytest.raises(ValueError, match=match):
        TokenBucket(rate, burst)


def test_bucket_reports_the_kept_rate_and_burst():
    bucket = TokenBucket(rate_per_s=2.5, burst=4)
    assert (bucket.rate_per_s, bucket.burst) == (2.5, 4)


@given(
    rate_milli=st.integers(0, 10_000_000),
    burst=st.integers(1, 50),
    steps=st.lists(st.tuples(st.integers(0, 2 * S), st.integers(1, 3)), max_size=60),
)
def test_bucket_never_allows_more_than_burst_plus_rate_times_elapsed(rate_milli, burst, steps):
    rate = rate_milli / 1000
    bucket = TokenBucket(rate, burst)
    now = taken = 0
    for dt, n in steps:
        now += dt
        if bucket.try_take(now, n):
            taken += n
        # integer form of taken <= burst + rate * now / 1e9
        assert taken * 1000 * S <= burst * 1000 * S + rate_milli * now


# ---- amends of an open order ----------------------------------------------------------------

def _amend(checker, before_qty=1, after_qty=1, before_px=10_000, after_px=10_000, ts=T0,
           side=BUY, flags=0):
    return checker.check_amend(side, LIMIT, INST, before_qty, before_px, after_qty, after_px, ts,
                               flags)


def test_an_amend_meets_the_rules_of_a_new_order_at_its_new_values():
    assert _amend(_checker(max_order_qty=10), after_qty=11)[0] == DENY_MAX_ORDER_QTY
    assert _amend(_checker(max_order_qty=10), after_qty=10)[0] == DENY_NONE
    assert _amend(_checker(price_band=0.05), after_px=10_501)[0] == DENY_PRICE_BAND
    assert _amend(_checker(max_order_notional=1_000.0), after_qty=11)[0] == \
        DENY_MAX_ORDER_NOTIONAL
    checker = _checker(max_position=10)
    checker.set_position(INST, 8)
    assert _amend(checker, before_qty=2, after_qty=3)[0] == DENY_MAX_POSITION
    halted = _checker()
    halted.set_state(TRADING_HALTED)
    assert _amend(halted)[0] == DENY_HALTED
    code, reason = _amend(_checker(max_order_qty=10), after_qty=11)
    assert "11" in reason and "10" in reason


def test_an_amend_is_not_one_more_open_order():
    checker = _checker(max_open_orders=1)
    assert _limit(checker)[0] == DENY_NONE
    assert _limit(checker)[0] == DENY_MAX_OPEN_ORDERS   # a second order would be too many
    assert _amend(checker, after_qty=5)[0] == DENY_NONE   # amending the first is not
    assert checker.open_orders(INST) == 1


def test_an_amend_adds_only_its_increase_to_the_daily_notional():
    checker = _checker()
    checker.set_account_limits(max_daily_notional=2_000.0, now_ns=T0)
    assert _limit(checker, qty=5)[0] == DENY_NONE                  # 500.00
    assert checker.daily_notional == pytest.approx(500.0)
    assert _amend(checker, before_qty=5, after_qty=8)[0] == DENY_NONE    # +300.00
    assert checker.daily_notional == pytest.approx(800.0)
    assert _amend(checker, before_qty=8, after_qty=2)[0] == DENY_NONE    # shrinks: +0
    assert checker.daily_notional == pytest.approx(800.0)
    assert _amend(checker, before_qty=2, after_qty=15)[0] == DENY_DAILY_NOTIONAL  # +1300.00
    assert checker.daily_notional == pytest.approx(800.0)


def test_an_amend_takes_a_rate_token_and_a_denied_one_takes_none():
    checker = _checker(max_order_qty=10)
    checker.set_account_limits(orders_per_s=1, order_burst=2, now_ns=T0)
    assert _amend(checker, after_qty=11)[0] == DENY_MAX_ORDER_QTY   # no token taken
    assert _limit(checker)[0] == DENY_NONE
    assert _amend(checker, after_qty=2)[0] == DENY_NONE
    assert _amend(checker, after_qty=3)[0] == DENY_RATE_LIMIT


@given(before=st.integers(1, 10_000), after=st.integers(1, 10_000),
       px=st.integers(9_600, 10_400))
def test_an_amend_passes_exactly_when_a_new_order_of_its_values_would(before, after, px):
    # with no open-order or daily limit in play, the amend's verdict is the new order's
    limits = dict(max_order_qty=5_000, max_order_notional=400_000.0, price_band=0.03)
    amend = _amend(_checker(**limits), before_qty=before, after_qty=after, after_px=px)
    fresh = _limit(_checker(**limits), qty=after, price=px)
    assert amend == fresh
