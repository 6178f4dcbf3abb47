"""The live runner's hot-loop helpers: BusyPoll keeps the loop turning, IdleCollector moves GC."""

from __future__ import annotations

import asyncio
import gc

from hft.live.runner import BusyPoll, IdleCollector


def test_busy_poll_turns_every_loop_iteration_until_stopped():
    async def main() -> tuple[int, int]:
        spinner = BusyPoll(asyncio.get_running_loop())
        spinner.start()
        spinner.start()  # idempotent: one callback in flight, not two
        for _ in range(5):
            await asyncio.sleep(0)
        running = spinner.turns
        spinner.stop()
        for _ in range(5):
            await asyncio.sleep(0)
        return running, spinner.turns

    running, after = asyncio.run(main())
    assert 4 <= running <= 6
    assert after - running <= 1  # the turn already queued may run once more


def test_idle_collector_turns_automatic_gc_off_and_back_on():
    async def main() -> tuple[bool, bool]:
        collector = IdleCollector(asyncio.get_running_loop())
        collector.start(timer=False)
        during = gc.isenabled()
        collector.stop()
        return during, gc.isenabled()

    assert gc.isenabled()
    during, after = asyncio.run(main())
    assert (during, after) == (False, True)


def test_idle_collector_keeps_cpythons_generation_schedule():
    async def main() -> list[int]:
        collector = IdleCollector(asyncio.get_running_loop())
        collector.start(timer=False)
        try:
            for _ in range(100):
                collector.collect()
        finally:
            collector.stop()
        return collector.passes

    assert asyncio.run(main()) == [90, 9, 1]


def test_busy_poll_collects_on_an_idle_turn_once_young_objects_pile_up():
    async def main() -> list[int]:
        loop = asyncio.get_running_loop()
        collector = IdleCollector(loop, young_limit=0)  # any count is enough
        collector.start(timer=False)
        spinner = BusyPoll(loop, collector)
        spinner.start()
        try:
            for _ in range(3):
                await asyncio.sleep(0)
        finally:
            spinner.stop()
            collector.stop()
        return collector.passes

    assert sum(asyncio.run(main())) >= 2


def test_idle_collector_timer_collects_without_busy_poll():
    async def main() -> int:
        loop = asyncio.get_running_loop()
        collector = IdleCollector(loop, young_limit=0, period_s=0.0)
        collector.start(timer=True)
        try:
            for _ in range(3):
                await asyncio.sleep(0)
        finally:
            collector.stop()
        return sum(collector.passes)

    assert asyncio.run(main()) >= 1


def test_pin_to_cpu_pins_and_returns_the_previous_affinity():
    import os

    from hft.live.runner import _pin_to_cpu

    before = os.sched_getaffinity(0)
    cpu = max(before)
    try:
        assert _pin_to_cpu(cpu) == before
        assert os.sched_getaffinity(0) == {cpu}
    finally:
        os.sched_setaffinity(0, before)


def test_pin_to_a_cpu_the_process_cannot_use_names_it():
    import os

    import pytest

    from hft.live.runner import _pin_to_cpu

    with pytest.raises(ValueError, match=r"live.cpu: 4096 is not one of this process's CPUs"):
        _pin_to_cpu(4096)
    assert len(os.sched_getaffinity(0)) >= 1
