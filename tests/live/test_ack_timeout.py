"""An order or cancel the venue never answers: a breaker failure, then settled by a query.

End to end against a SandboxServer on an ephemeral 127.0.0.1 port (the harness is
test_drop_cancel.py's). The venue's fault injection loses an ack on a link that stays up
(`mute_after`: frame 5 is the first order, 6 its cancel) or holds every reply (`delay_ms`);
the breaker runs on a test clock. One test drives `check_acks` with a later time instead of
waiting; the others let the client's own timer fire after a short `ack_timeout_ms`.
"""

from __future__ import annotations

import importlib.util
import logging
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from hft.adapters.sandbox.server import FaultConfig
from hft.kernel.config import VenueConfig
from hft.live.breaker import BreakerState, CircuitBreaker
from hft.live.reconcile import Reconciler
from hft.model.objects import Quantity


def _harness_module():
    name = "_hft_live_drop_cancel_harness"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, Path(__file__).with_name("test_drop_cancel.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


_h = _harness_module()
Harness, REST, TIMEOUT, run = _h.Harness, _h.REST, _h.TIMEOUT, _h.run


class FakeClock:
    """Give ns that move only when a test says so."""

    def __init__(self) -> None:
        self.ns = 1_000_000_000

    def __call__(self) -> int:
        return self.ns


def test_venue_config_rejects_a_non_positive_ack_timeout():
    with pytest.raises(ValueError, match="ack_timeout_ms"):
        VenueConfig(name="SANDBOX", kind="sandbox", ack_timeout_ms=0)
    assert VenueConfig(name="SANDBOX").ack_timeout_ms == 2000.0


def _order(num: int, status: str = "SUBMITTED", venue_order_id=None):
    return SimpleNamespace(
        client_order_num=num, status=SimpleNamespace(name=f"ORDER_STATUS_{status}"),
        is_open=status != "SUBMITTED", is_inflight=status in ("SUBMITTED", "PENDING_CANCEL"),
        venue_order_id=venue_order_id, filled_qty_raw=0, quantity_raw=100, size_precision=0,
        is_buy=True)


def _fill(num: int, trade_id: int):
    return SimpleNamespace(client_order_id=num, trade_id=trade_id, quantity=40,
                           size_precision=0, instrument_id=1, ts_event=trade_id)


def test_settle_plan_judges_only_the_timed_out_orders_but_applies_every_missed_fill():
    # orders 1 and 2 are SUBMITTED and unknown to the venue; only 1 timed out (2 was sent
    # after the query and is simply not in its answer): only 1 is resent
    orders = {1: _order(1), 2: _order(2), 3: _order(3, "ACCEPTED", "7")}
    plan = Reconciler().plan(orders, [], [_fill(3, 11)], (), {}, only=[1])
    assert [o.client_order_num for o in plan.resend] == [1]
    assert [f.trade_id for f in plan.fills] == [11] and plan.lost == []
    full = Reconciler().plan(orders, [], [], (), {})
    assert [o.client_order_num for o in full.resend] == [1, 2]
    assert [o.client_order_num for o in full.lost] == [3]


def test_settle_plan_closes_a_timed_out_cancel_the_venue_no_longer_has():
    orders = {5: _order(5, "PENDING_CANCEL", "9")}
    plan = Reconciler().plan(orders, [], [], (), {}, only=[5])
    assert [o.client_order_num for o in plan.lost] == [5] and plan.cancel_again == []
    still_open = [SimpleNamespace(client_order_id=5, venue_order_id=9)]
    plan = Reconciler().plan(orders, still_open, [], (), {}, only=[5])
    assert [o.client_order_num for o in plan.cancel_again] == [5] and plan.lost == []


def test_lost_order_ack_is_a_logged_breaker_failure_settled_by_query(monkeypatch, caplog):
    # the venue accepts the order (frame 5) but its ACCEPTED never leaves; the link stays up
    async def main():
        async with Harness(monkeypatch, ack_timeout_ms=20_000, mute_after=5) as h:
            s, client = h.strategy, h.client
            assert client.ack_timeout_ns == 20_000_000_000  # the timer never fires here
            placed = []
            s.script = lambda st, n: n == 1 and placed.append(
                st.buy(st.iid, Quantity("1000", 0), REST))
            h.publish(1)
            await s.waiter.until(lambda: s.quotes == 1, what="quote 1")
            order = placed[0]
            assert order.status.name == "ORDER_STATUS_SUBMITTED"
            # in time: nothing fails; past the timeout (a test time, no waiting): one failure
            assert client.check_acks(time.perf_counter_ns()) == 0
            with caplog.at_level(logging.WARNING):
                assert client.check_acks(time.perf_counter_ns() + client.ack_timeout_ns) == 1
            assert client.breaker.failures == 1
            assert h.node.telemetry.counters["ack_timeouts"] == 1
            warning = [r.getMessage() for r in caplog.records if "no ack" in r.getMessage()]
            assert len(warning) == 1 and order.client_order_id.value in warning[0]
            await s.waiter.until(lambda: s.count("OrderAccepted") == 1, what="settled ack")
            await client.wait_settled(TIMEOUT)
            assert client.last_settle.accepted == 1 and client.last_settle.resent == 0
            assert order.status.name == "ORDER_STATUS_ACCEPTED"
            assert h.venue_open() == [order.client_order_num]
            assert h.server.stats["reports_muted"] == 1
            assert client.check_acks(time.perf_counter_ns() + 10 * client.ack_timeout_ns) == 0

    run(main())


def test_lost_cancel_ack_times_out_and_is_settled_to_canceled_once(monkeypatch):
    # the venue cancels (frame 6) but its CANCELED never leaves: the client's timer fires
    # (the default 2 s timeout: a stalled loop never makes the order's own ack look late)
    async def main():
        async with Harness(monkeypatch, mute_after=6) as h:
            s, client = h.strategy, h.client
            order = await h.rest_one()
            s.cancel_order(order)
            await s.waiter.until(lambda: order.is_closed, what="the settled cancel")
            await client.wait_settled(TIMEOUT)
            assert order.status.name == "ORDER_STATUS_CANCELED"
            assert s.count("OrderCanceled") == 1
            assert client.ack_timeouts == 1 and client.breaker.failures == 1
            assert client.last_settle.lost == 1 and client.last_settle.canceled_again == 0
            assert h.venue_open() == [] and not client.open_orders()
            assert h.node.exec_engine.events_dropped == 0

    run(main())


def test_repeated_ack_timeouts_open_the_breaker_and_a_prompt_probe_closes_it(monkeypatch):
    # once live, every reply is held 800 ms and the ack timeout is 30 ms: two orders time
    # out, which opens a 2-failure breaker; their late acks do not close it; a third order
    # is refused locally; with the venue quick again and the reset time passed, one probe's
    # ack closes it
    async def main():
        async with Harness(monkeypatch, ack_timeout_ms=30) as h:
            s, client = h.strategy, h.client
            h.server.set_faults(FaultConfig(delay_ms=800.0))
            clock = FakeClock()
            breaker = client.breaker = CircuitBreaker(
                clock, failure_threshold=2, reset_timeout_ns=1_000_000_000, name="SANDBOX")

            def script(st, n):
                if n == 1:
                    st.buy(st.iid, Quantity("100", 0), REST)
                    st.buy(st.iid, Quantity("200", 0), REST)
                elif n in (2, 3):
                    st.buy(st.iid, Quantity("300", 0), REST)

            s.script = script
            h.publish(1)
            await s.waiter.until(lambda: s.count("OrderAccepted") == 2, what="late acks")
            assert client.ack_timeouts == 2
            assert breaker.state is BreakerState.OPEN and breaker.times_opened == 1
            h.publish(2)
            await s.waiter.until(lambda: s.count("OrderRejected") == 1, what="local reject")
            assert "circuit breaker open" in s.events[-1].reason
            await client.wait_settled(TIMEOUT)
            assert client.last_settle.accepted == 0 and client.last_settle.resent == 0
            h.server.set_faults(FaultConfig())
            client.ack_timeout_ns = 5_000_000_000  # a healthy venue: a timeout it always meets
            clock.ns += breaker.reset_timeout_ns
            assert breaker.state is BreakerState.HALF_OPEN
            h.publish(3)
            await s.waiter.until(lambda: s.count("OrderAccepted") == 3, what="probe ack")
            assert breaker.state is BreakerState.CLOSED and breaker.failures == 0
            assert client.ack_timeouts == 2
            assert sorted(h.venue_open()) == sorted(
                o.client_order_num for o in client.open_orders())

    run(main())
