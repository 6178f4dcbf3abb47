import asyncio
import heapq
from datetime import datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hft.kernel import clock as clk

TestClock = clk.TestClock  # aliased so pytest does not try to collect it


def recorder(clock, log):
    def on_event(event):
        log.append((event.name, event.ts_event, clock.timestamp_ns()))
    return on_event


def test_timers_and_alerts_fire_in_time_order_with_ties_by_creation():
    clock, log = TestClock(0), []
    cb = recorder(clock, log)
    clock.set_timer("t10", 10, callback=cb, stop_ns=40)
    clock.set_time_alert("a20", 20, callback=cb)
    clock.set_timer("t20", 20, callback=cb, stop_ns=40)
    clock.set_time_alert("a5", 5, callback=cb)
    events = clock.advance_time(100)
    expected = [("a5", 5), ("t10", 10), ("t10", 20), ("a20", 20), ("t20", 20),
                ("t10", 30), ("t10", 40), ("t20", 40)]
    assert [(e.name, e.ts_event) for e in events] == expected
    assert [(name, ts) for name, ts, _ in log] == expected


def test_callback_sees_the_clock_at_the_event_time_and_clock_ends_at_target():
    clock, log = TestClock(0), []
    clock.set_timer("t", 7, callback=recorder(clock, log), stop_ns=21)
    clock.advance_time(50)
    assert all(ts == now for _, ts, now in log)
    assert clock.timestamp_ns() == 50


def test_each_firing_happens_exactly_once_across_advances():
    clock, log = TestClock(0), []
    clock.set_timer("t", 10, callback=recorder(clock, log))
    for to in (5, 10, 10, 15, 29, 30, 30):
        clock.advance_time(to)
    assert [ts for _, ts, _ in log] == [10, 20, 30]


def test_event_ids_increase_and_ts_init_equals_ts_event_on_test_clock():
    clock = TestClock(0)
    clock.set_timer("t", 1, stop_ns=3)
    events = clock.advance_time(3)
    assert [e.event_id for e in events] == [0, 1, 2]
    assert all(e.ts_init == e.ts_event for e in events)


def test_repeating_timer_stops_after_stop_ns_inclusive_and_frees_its_name():
    clock = TestClock(100)
    clock.set_timer("t", 10, stop_ns=130)
    assert [e.ts_event for e in clock.advance_time(1000)] == [110, 120, 130]
    assert clock.timer_names == []
    clock.set_timer("t", 10)  # the name is free again


def test_cancel_timer_stops_future_firings():
    clock, log = TestClock(0), []
    cb = recorder(clock, log)
    clock.set_timer("keep", 10, callback=cb)
    clock.set_timer("drop", 10, callback=cb)
    clock.advance_time(10)
    assert clock.cancel_timer("drop") is True
    assert clock.cancel_timer("drop") is False
    clock.advance_time(30)
    assert [n for n, _, _ in log] == ["keep", "drop", "keep", "keep"]


def test_cancel_timers_removes_everything():
    clock = TestClock(0)
    clock.set_timer("a", 10)
    clock.set_time_alert("b", 5)
    clock.cancel_timers()
    assert clock.timer_names == [] and clock.next_event_ns() is None
    assert clock.advance_time(100) == []


def test_callback_may_cancel_a_timer_due_at_the_same_time():
    clock, log = TestClock(0), []
    cb = recorder(clock, log)
    clock.set_time_alert("first", 10, callback=lambda e: (cb(e), clock.cancel_timer("second")))
    clock.set_time_alert("second", 10, callback=cb)
    clock.advance_time(10)
    assert [n for n, _, _ in log] == ["first"]


def test_alert_set_by_a_callback_fires_in_the_same_advance():
    clock, log = TestClock(0), []
    cb = recorder(clock, log)
    clock.set_time_alert("outer", 10, callback=lambda e: (cb(e), clock.set_time_alert("inner", 15, cb)))
    clock.advance_time(20)
    assert log == [("outer", 10, 10), ("inner", 15, 15)]


def test_reusing_an_active_name_raises_naming_it():
    clock = TestClock(0)
    clock.set_timer("bar-timer", 10)
    with pytest.raises(ValueError, match="'bar-timer' is already set"):
        clock.set_time_alert("bar-timer", 50)


def test_alert_in_the_past_raises_unless_allowed():
    clock = TestClock(100)
    with pytest.raises(ValueError, match="'late'.*before the clock's time 100"):
        clock.set_time_alert("late", 99)
    clock.set_time_alert("late", 99, allow_past=True)
    assert clock.next_time_ns("late") == 100
    assert [e.ts_event for e in clock.advance_time(100)] == [100]


def test_alert_at_the_current_time_fires_at_the_next_advance():
    clock = TestClock(100)
    clock.set_time_alert("now", 100)
    assert [e.name for e in clock.advance_time(100)] == ["now"]


def test_timer_start_in_the_past_rolls_forward_by_whole_intervals():
    clock = TestClock(1000)
    clock.set_timer("t", 30, start_ns=5)  # firings at 35, 65, ... 995, 1025
    assert clock.next_time_ns("t") == 1025


@pytest.mark.parametrize("kwargs, match", [
    ({"interval_ns": 0}, "interval_ns must be > 0"),
    ({"interval_ns": 10, "stop_ns": 5}, "stop_ns 5 is before the first firing at 10"),
])
def test_set_timer_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TestClock(0).set_timer("t", **kwargs)


def test_advancing_backwards_raises():
    clock = TestClock(100)
    with pytest.raises(ValueError, match="before the clock's time 100"):
        clock.advance_time(99)


def test_advance_without_fire_returns_events_but_runs_no_callback():
    clock, log = TestClock(0), []
    clock.set_timer("t", 10, callback=recorder(clock, log))
    assert [e.ts_event for e in clock.advance_time(25, fire=False)] == [10, 20]
    assert log == [] and clock.timestamp_ns() == 25


def test_default_handler_receives_events_of_timers_without_callback():
    clock, got = TestClock(0), []
    clock.register_default_handler(got.append)
    clock.set_time_alert("a", 3)
    clock.advance_time(3)
    assert [e.name for e in got] == ["a"]


def test_next_event_ns_and_next_time_ns_report_the_schedule():
    clock = TestClock(0)
    assert clock.next_event_ns() is None
    clock.set_timer("t", 10)
    clock.set_time_alert("a", 4)
    assert clock.next_event_ns() == 4 and clock.next_time_ns("t") == 10
    clock.cancel_timer("a")
    assert clock.next_event_ns() == 10
    with pytest.raises(KeyError, match="'a'"):
        clock.next_time_ns("a")


def test_utc_now_and_set_time():
    clock = TestClock(0)
    clock.set_time(1_700_000_000_123_456_789)
    assert clock.utc_now() == datetime(2023, 11, 14, 22, 13, 20, 123456, tzinfo=timezone.utc)


def test_many_cancellations_keep_the_heap_consistent():
    clock = TestClock(0)
    for i in range(500):
        clock.set_time_alert(f"a{i}", 1000 + i)
    for i in range(0, 500, 2):
        clock.cancel_timer(f"a{i}")
    for i in range(500):  # grows and compacts the heap
        clock.set_time_alert(f"b{i}", 2000 + i)
    events = clock.advance_time(5000)
    assert [e.name for e in events] == [f"a{i}" for i in range(1, 500, 2)] + [f"b{i}" for i in range(500)]


@given(st.lists(st.tuples(st.integers(1, 50), st.integers(0, 60), st.booleans()), max_size=20),
       st.lists(st.integers(0, 200), max_size=8))
def test_firings_agree_with_a_heapq_reference(specs, stops):
    clock, fired = TestClock(0), []
    expected = []
    for i, (interval, start, is_alert) in enumerate(specs):
        name = f"t{i}"
        if is_alert:
            clock.set_time_alert(name, start, callback=lambda e: fired.append((e.ts_event, e.name)))
            expected.append((start, i, name))
        else:
            clock.set_timer(name, interval, start_ns=start, stop_ns=start + 4 * interval,
                            callback=lambda e: fired.append((e.ts_event, e.name)))
            expected += [(start + k * interval, i, name) for k in range(1, 5)]
    heapq.heapify(expected)
    for to in sorted(stops) + [1000]:
        clock.advance_time(max(to, clock.timestamp_ns()))
    assert fired == [(ts, name) for ts, _, name in sorted(expected)]


# ---- LiveClock on a real asyncio loop ---------------------------------------------------

def test_live_clock_reads_wall_time():
    import time
    before = time.time_ns()
    now = clk.LiveClock().timestamp_ns()
    assert before <= now <= time.time_ns()


def test_live_clock_fires_timers_once_each_in_order():
    async def main():
        loop = asyncio.get_running_loop()
        clock = clk.LiveClock()
        got, done = [], loop.create_future()

        def on_event(event):
            got.append((event.name, event.ts_event))
            assert event.ts_init >= event.ts_event
            if len(got) == 6:
                done.set_result(None)

        t0 = clock.timestamp_ns()
        clock.set_timer("rep", 2_000_000, start_ns=t0, stop_ns=t0 + 6_000_000, callback=on_event)
        clock.set_time_alert("b", t0 + 4_000_000, callback=on_event)
        clock.set_time_alert("a", t0 + 4_000_000, callback=on_event)  # tie: after "b"
        clock.set_time_alert("early", t0 + 1_000_000, callback=on_event)
        await asyncio.wait_for(done, 5)
        assert clock.timer_names == []
        return t0, got

    t0, got = asyncio.run(main())
    assert got == [("early", t0 + 1_000_000), ("rep", t0 + 2_000_000), ("rep", t0 + 4_000_000),
                   ("b", t0 + 4_000_000), ("a", t0 + 4_000_000), ("rep", t0 + 6_000_000)]


def test_live_clock_cancelled_alert_never_fires_and_failing_callback_is_isolated(caplog):
    async def main():
        loop = asyncio.get_running_loop()
        clock, got, done = clk.LiveClock(loop), [], loop.create_future()
        t0 = clock.timestamp_ns()
        clock.set_time_alert("cancelled", t0 + 1_000_000, callback=got.append)
        clock.set_time_alert("boom", t0 + 1_500_000, callback=lambda e: 1 / 0)
        clock.set_time_alert("last", t0 + 2_000_000, callback=lambda e: done.set_result(e.name))
        clock.cancel_timer("cancelled")
        return await asyncio.wait_for(done, 5), got

    assert asyncio.run(main()) == ("last", [])
    assert "timer callback failed timer=boom" in caplog.text
    assert "ZeroDivisionError" in caplog.text


def test_live_clock_without_callback_or_loop_raises():
    clock = clk.LiveClock()
    with pytest.raises(ValueError, match="no callback"):
        clock.set_time_alert("x", clock.timestamp_ns() + 10**9)
    with pytest.raises(RuntimeError, match="no running asyncio loop"):
        clock.set_time_alert("y", clock.timestamp_ns() + 10**9, callback=print)
