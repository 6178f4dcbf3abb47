"""Clocks and timers: TestClock for backtests, LiveClock on wall time and asyncio."""

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import final

@final
class TimeEvent:
    name: str
    event_id: int
    ts_event: int
    ts_init: int
    def __init__(self, name: str, event_id: int, ts_event: int, ts_init: int) -> None: ...

@final
class Timer:
    name: str
    callback: Callable[[TimeEvent], object] | None
    interval_ns: int
    next_ns: int
    stop_ns: int

class Clock:
    def timestamp_ns(self) -> int: ...
    def utc_now(self) -> datetime: ...
    def register_default_handler(self, handler: Callable[[TimeEvent], object]) -> None: ...
    def set_timer(
        self,
        name: str,
        interval_ns: int,
        start_ns: int | None = None,
        stop_ns: int | None = None,
        callback: Callable[[TimeEvent], object] | None = None,
    ) -> None: ...
    def set_time_alert(
        self,
        name: str,
        alert_time_ns: int,
        callback: Callable[[TimeEvent], object] | None = None,
        allow_past: bool = False,
    ) -> None: ...
    def cancel_timer(self, name: str) -> bool: ...
    def cancel_timers(self) -> None: ...
    @property
    def timer_names(self) -> list[str]: ...
    @property
    def timer_count(self) -> int: ...
    def timer(self, name: str) -> Timer: ...
    def next_time_ns(self, name: str) -> int: ...
    def next_event_ns(self) -> int | None: ...

class TestClock(Clock):
    def __init__(self, time_ns: int = 0) -> None: ...
    def set_time(self, time_ns: int) -> None: ...
    def advance_time(self, to_ns: int, fire: bool = True) -> list[TimeEvent]: ...

class LiveClock(Clock):
    def __init__(self, loop: asyncio.AbstractEventLoop | None = None) -> None: ...
