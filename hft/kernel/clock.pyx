"""Clocks and timers: one interface for a backtest (TestClock) and live trading (LiveClock).

A strategy sees only `Clock`: `timestamp_ns()`, `utc_now()`, repeating timers
(`set_timer`) and one-shot alerts (`set_time_alert`). Both clocks keep the pending
firings in one binary heap of (ts_ns, creation seq) in a C array, so a firing costs
O(log n) and timers due at the same nanosecond fire in the order they were created.

Rules shared by both clocks:

- Names are unique among active timers and alerts; reusing an active name raises
  ValueError naming it. A name is free again once its timer is cancelled or expired.
- A repeating timer first fires at `start_ns + interval_ns`, then every `interval_ns`,
  up to and including `stop_ns`. A `start_ns` in the past is rolled forward by whole
  intervals, so no firing is ever earlier than the clock's time.
- An alert in the past raises ValueError unless `allow_past=True`, which schedules it
  at the clock's current time (it then fires at the next advance / loop turn). An
  alert exactly at the current time is not in the past.
- A timer without a callback uses the handler given to `register_default_handler`;
  on a TestClock an event with neither is still returned by `advance_time`.
"""

cimport cython
from cpython.mem cimport PyMem_Free, PyMem_Realloc
from libc.stdint cimport INT64_MAX, int64_t
from posix.time cimport CLOCK_REALTIME, clock_gettime, timespec

import asyncio
from datetime import datetime, timedelta, timezone

from hft.kernel.logging import get_logger

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_NS_PER_S = 1_000_000_000
_COMPACT_MIN = 64  # below this many stale entries a rebuild costs more than it saves


# ---- binary min-heap over TimerEntry, ordered by (ts_ns, seq) -------------------------

cdef inline bint entry_before(const TimerEntry *a, const TimerEntry *b) noexcept nogil:
    return a.ts_ns < b.ts_ns or (a.ts_ns == b.ts_ns and a.seq < b.seq)


cdef void heap_sift_up(TimerEntry *heap, Py_ssize_t i) noexcept nogil:
    cdef TimerEntry item = heap[i]
    cdef Py_ssize_t parent
    while i > 0:
        parent = (i - 1) >> 1
        if not entry_before(&item, &heap[parent]):
            break
        heap[i] = heap[parent]
        i = parent
    heap[i] = item


cdef void heap_sift_down(TimerEntry *heap, Py_ssize_t n, Py_ssize_t i) noexcept nogil:
    cdef TimerEntry item = heap[i]
    cdef Py_ssize_t child
    while True:
        child = 2 * i + 1
        if child >= n:
            break
        if child + 1 < n and entry_before(&heap[child + 1], &heap[child]):
            child += 1
        if not entry_before(&heap[child], &item):
            break
        heap[i] = heap[child]
        i = child
    heap[i] = item


cdef void heap_remove_top(TimerEntry *heap, Py_ssize_t n) noexcept nogil:
    # n is the length before removal and is at least 1
    heap[0] = heap[n - 1]
    if n > 2:
        heap_sift_down(heap, n - 1, 0)


# ---- events and timers -----------------------------------------------------------------

@cython.freelist(64)
cdef class TimeEvent:
    """Record one firing of a timer or alert.

    `ts_event` is when the timer was due; `ts_init` is when the clock produced the event
    (equal on a TestClock, wall time at dispatch on a LiveClock).
    """

    def __init__(self, str name not None, int64_t event_id, int64_t ts_event, int64_t ts_init):
        self.name = name
        self.event_id = event_id
        self.ts_event = ts_event
        self.ts_init = ts_init

    def __repr__(self) -> str:
        return (f"TimeEvent(name={self.name!r}, event_id={self.event_id}, "
                f"ts_event={self.ts_event}, ts_init={self.ts_init})")

    def __eq__(self, other) -> bool:
        if not isinstance(other, TimeEvent):
            return NotImplemented
        cdef TimeEvent o = <TimeEvent>other
        return (self.name == o.name and self.event_id == o.event_id
                and self.ts_event == o.ts_event and self.ts_init == o.ts_init)

    def __hash__(self) -> int:
        return hash((self.name, self.event_id, self.ts_event))


cdef class Timer:
    """Hold one scheduled timer or alert; read-only to users (see `Clock.timer`)."""

    def __repr__(self) -> str:
        stop = None if self.stop_ns == INT64_MAX else self.stop_ns
        return (f"Timer(name={self.name!r}, interval_ns={self.interval_ns}, "
                f"next_ns={self.next_ns}, stop_ns={stop})")


cdef str _check_name(object name):
    if not isinstance(name, str) or not name:
        raise ValueError(f"timer name must be a non-empty str, got {name!r}")
    return <str>name


cdef class Clock:
    """Tell the time and run timers; the interface a strategy sees as `self.clock`.

    Not constructed directly: use `TestClock` (backtests, tests) or `LiveClock`.
    Not thread-safe: call it from the thread that runs the node's event loop.
    """

    def __cinit__(self, *args, **kwargs):
        self.heap = NULL
        self.heap_len = 0
        self.heap_cap = 0
        self.stale = 0
        self.next_seq = 0
        self.next_event_id = 0
        self._timers = {}
        self._slots = []
        self._free_slots = []
        self._default_handler = None
        self.needs_callback = False

    def __dealloc__(self):
        PyMem_Free(self.heap)

    # -- C-level core ---------------------------------------------------------------------

    cdef int64_t now_ns(self) noexcept:
        return 0

    cdef void on_schedule(self) except *:
        pass

    cdef void prepare(self) except *:
        # runs before a timer is registered, so a failure leaves no half-set timer
        pass

    cdef int64_t next_due_ns(self) noexcept:
        """Return the earliest pending firing, INT64_MAX when none; drop stale tops."""
        cdef TimerEntry *top
        cdef object timer
        while self.heap_len > 0:
            top = &self.heap[0]
            timer = self._slots[top.slot]
            if timer is not None and (<Timer>timer).seq == top.seq:
                return top.ts_ns
            heap_remove_top(self.heap, self.heap_len)
            self.heap_len -= 1
            self.stale -= 1
        return INT64_MAX

    cdef Timer pop_due(self, int64_t to_ns):
        """Remove and return the timer due first if it is due at or before to_ns."""
        if self.next_due_ns() > to_ns:
            return None
        cdef Timer timer = <Timer>self._slots[self.heap[0].slot]
        heap_remove_top(self.heap, self.heap_len)
        self.heap_len -= 1
        return timer

    cdef TimeEvent fire_next(self, Timer timer, int64_t ts_init):
        """Make the event for the firing just popped, then reschedule or retire the timer."""
        cdef TimeEvent event = TimeEvent.__new__(TimeEvent)
        event.name = timer.name
        event.event_id = self.next_event_id
        event.ts_event = timer.next_ns
        event.ts_init = ts_init
        self.next_event_id += 1
        if (timer.interval_ns > 0 and timer.next_ns <= timer.stop_ns - timer.interval_ns):
            timer.next_ns += timer.interval_ns
            self.schedule(timer)
        else:
            self.discard(timer)
        return event

    cdef void schedule(self, Timer timer) except *:
        cdef Py_ssize_t new_cap
        cdef TimerEntry *grown
        if self.heap_len == self.heap_cap:
            if self.stale >= _COMPACT_MIN and self.stale * 2 >= self.heap_len:
                self.compact()
            if self.heap_len == self.heap_cap:
                new_cap = 16 if self.heap_cap == 0 else self.heap_cap * 2
                grown = <TimerEntry *>PyMem_Realloc(self.heap, new_cap * sizeof(TimerEntry))
                if grown == NULL:
                    raise MemoryError("timer heap")
                self.heap = grown
                self.heap_cap = new_cap
        self.heap[self.heap_len].ts_ns = timer.next_ns
        self.heap[self.heap_len].seq = timer.seq
        self.heap[self.heap_len].slot = timer.slot
        self.heap_len += 1
        heap_sift_up(self.heap, self.heap_len - 1)
        self.on_schedule()

    cdef void compact(self):
        # cancelled timers leave their entry behind; drop them all and re-heapify
        cdef Py_ssize_t i, n = 0
        cdef object timer
        for i in range(self.heap_len):
            timer = self._slots[self.heap[i].slot]
            if timer is not None and (<Timer>timer).seq == self.heap[i].seq:
                self.heap[n] = self.heap[i]
                n += 1
        self.heap_len = n
        self.stale = 0
        for i in range(n // 2 - 1, -1, -1):
            heap_sift_down(self.heap, n, i)

    cdef void discard(self, Timer timer) noexcept:
        if self._timers.get(timer.name) is timer:
            del self._timers[timer.name]
        if timer.slot >= 0:
            self._slots[timer.slot] = None
            self._free_slots.append(timer.slot)
            timer.slot = -1

    cdef Timer add_timer(self, str name, int64_t interval_ns, int64_t next_ns,
                         int64_t stop_ns, object callback):
        if name in self._timers:
            raise ValueError(f"timer {name!r} is already set; cancel it first or use another name")
        if callback is None:
            callback = self._default_handler
        if callback is None and self.needs_callback:
            raise ValueError(f"timer {name!r}: no callback and no default handler registered")
        if callback is not None and not callable(callback):
            raise TypeError(f"timer {name!r}: callback must be callable, got {callback!r}")
        self.prepare()
        cdef Timer timer = Timer.__new__(Timer)
        timer.name = name
        timer.callback = callback
        timer.interval_ns = interval_ns
        timer.next_ns = next_ns
        timer.stop_ns = stop_ns
        timer.seq = self.next_seq
        self.next_seq += 1
        if self._free_slots:
            timer.slot = self._free_slots.pop()
            self._slots[timer.slot] = timer
        else:
            timer.slot = len(self._slots)
            self._slots.append(timer)
        self._timers[name] = timer
        self.schedule(timer)
        return timer

    # -- Python face ----------------------------------------------------------------------

    def timestamp_ns(self) -> int:
        """Return the clock's time in ns since the Unix epoch (UTC)."""
        return self.now_ns()

    def utc_now(self) -> datetime:
        """Return the clock's time as a timezone-aware UTC datetime (microsecond precision)."""
        return _EPOCH + timedelta(microseconds=self.now_ns() // 1000)

    def register_default_handler(self, handler) -> None:
        """Use handler(TimeEvent) for timers and alerts set later without a callback."""
        if not callable(handler):
            raise TypeError(f"default handler must be callable, got {handler!r}")
        self._default_handler = handler

    def set_timer(self, name: str, int64_t interval_ns, start_ns=None, stop_ns=None,
                  callback=None) -> None:
        """Start a repeating timer firing every interval_ns after start_ns, up to stop_ns.

        Parameters
        ----------
        name: unique among active timers and alerts.
        interval_ns: period, > 0.
        start_ns: defaults to now; the first firing is start_ns + interval_ns, rolled
            forward by whole intervals if that is before now.
        stop_ns: last allowed firing time (inclusive); None repeats forever.
        callback: called with each TimeEvent; None uses the default handler.

        Raises
        ------
        ValueError: the name is active, interval_ns <= 0, or stop_ns is before the
            first firing.
        """
        cdef str key = _check_name(name)
        if interval_ns <= 0:
            raise ValueError(f"timer {key!r}: interval_ns must be > 0, got {interval_ns}")
        cdef int64_t now = self.now_ns()
        cdef int64_t start = now if start_ns is None else <int64_t>start_ns
        cdef int64_t stop = INT64_MAX if stop_ns is None else <int64_t>stop_ns
        cdef int64_t first
        if start > INT64_MAX - interval_ns:
            raise OverflowError(f"timer {key!r}: start_ns + interval_ns overflows int64")
        first = start + interval_ns
        if first < now:
            # whole intervals only, so the phase set by start_ns is kept
            first += ((now - first + interval_ns - 1) // interval_ns) * interval_ns
        if stop < first:
            raise ValueError(f"timer {key!r}: stop_ns {stop} is before the first firing at {first}")
        self.add_timer(key, interval_ns, first, stop, callback)

    def set_time_alert(self, name: str, int64_t alert_time_ns, callback=None,
                       bint allow_past=False) -> None:
        """Fire callback(TimeEvent) once at alert_time_ns.

        An alert before the clock's time raises ValueError, unless allow_past is True:
        then it is scheduled at the current time.
        """
        cdef str key = _check_name(name)
        cdef int64_t now = self.now_ns()
        if alert_time_ns < now:
            if not allow_past:
                raise ValueError(f"time alert {key!r}: alert_time_ns {alert_time_ns} is before "
                                 f"the clock's time {now} (pass allow_past=True to fire now)")
            alert_time_ns = now
        self.add_timer(key, 0, alert_time_ns, alert_time_ns, callback)

    def cancel_timer(self, name: str) -> bool:
        """Cancel the named timer or alert; return False when no such one is active."""
        timer = self._timers.get(name)
        if timer is None:
            return False
        self.discard(<Timer>timer)
        self.stale += 1  # its heap entry stays until popped or compacted
        return True

    def cancel_timers(self) -> None:
        """Cancel every timer and alert."""
        for timer in list(self._timers.values()):
            self.discard(<Timer>timer)
        self.heap_len = 0
        self.stale = 0

    @property
    def timer_names(self) -> list:
        """Names of the active timers and alerts, sorted."""
        return sorted(self._timers)

    @property
    def timer_count(self) -> int:
        """Number of active timers and alerts."""
        return len(self._timers)

    def timer(self, name: str) -> Timer:
        """Return the named active Timer; raise KeyError naming it when there is none."""
        timer = self._timers.get(name)
        if timer is None:
            raise KeyError(f"no active timer {name!r}")
        return timer

    def next_time_ns(self, name: str) -> int:
        """Return when the named timer or alert fires next; KeyError naming it if inactive."""
        return self.timer(name).next_ns

    def next_event_ns(self):
        """Return the time of the earliest pending firing, or None when nothing is set.

        A backtest loop calls this to interleave timer events with data.
        """
        cdef int64_t due = self.next_due_ns()
        return None if due == INT64_MAX else due


cdef class TestClock(Clock):
    """Clock whose time moves only when told to: the backtest clock.

    `advance_time(to_ns)` fires every timer and alert due at or before to_ns, each once,
    in (timestamp, creation) order; while a callback runs, the clock reads the event's
    timestamp. Callbacks may set or cancel timers; one set due before to_ns fires in the
    same advance.
    """

    __test__ = False  # not a pytest test class despite its name

    def __init__(self, int64_t time_ns=0):
        self.time_ns = time_ns

    cdef int64_t now_ns(self) noexcept:
        return self.time_ns

    def set_time(self, int64_t time_ns) -> None:
        """Set the clock's time without firing anything (use advance_time to fire)."""
        self.time_ns = time_ns

    cpdef list advance_time(self, int64_t to_ns, bint fire=True):
        """Move the clock to to_ns, firing every timer due on the way; return their events.

        With fire=False the callbacks are not run and the events are only returned, in
        order, for a driver that dispatches them itself. A callback's exception propagates;
        the clock then reads that event's time and later timers stay pending.

        Raises
        ------
        ValueError: to_ns is before the clock's time.
        """
        if to_ns < self.time_ns:
            raise ValueError(f"advance_time: to_ns {to_ns} is before the clock's time {self.time_ns}")
        cdef list events = []
        cdef Timer timer
        cdef TimeEvent event
        cdef object callback
        while True:
            timer = self.pop_due(to_ns)
            if timer is None:
                break
            self.time_ns = timer.next_ns
            callback = timer.callback
            event = self.fire_next(timer, self.time_ns)
            events.append(event)
            if fire and callback is not None:
                callback(event)
        self.time_ns = to_ns
        return events


cdef class LiveClock(Clock):
    """Clock on wall time (CLOCK_REALTIME) whose timers run on an asyncio loop.

    One loop callback is armed, for the earliest pending firing; when it runs it fires
    every timer due by then in (timestamp, creation) order, each once, then re-arms.
    `TimeEvent.ts_event` is the scheduled time, `ts_init` the wall time at dispatch.
    A callback's exception is logged (component "LiveClock") and the others still run.

    Parameters
    ----------
    loop: the asyncio loop for timers; None uses the loop running when a timer is set.
    """

    def __init__(self, loop=None):
        self._loop = loop
        self._handle = None
        self.armed_ns = INT64_MAX
        self.needs_callback = True

    cdef int64_t now_ns(self) noexcept:
        cdef timespec ts
        clock_gettime(CLOCK_REALTIME, &ts)
        return <int64_t>ts.tv_sec * 1_000_000_000 + ts.tv_nsec

    cdef void prepare(self) except *:
        if self._loop is None:
            try:
                self._loop = asyncio.get_running_loop()
            except RuntimeError:
                raise RuntimeError("LiveClock: no running asyncio loop to run timers on; "
                                   "set timers inside the loop or pass LiveClock(loop=...)") from None

    cdef void on_schedule(self) except *:
        if self.dispatching:
            return
        cdef int64_t due = self.next_due_ns()
        if due == INT64_MAX or (self._handle is not None and self.armed_ns <= due):
            return
        if self._handle is not None:
            self._handle.cancel()
        loop = self._loop
        # loop.time() is monotonic, ours is wall time: convert through the current offset
        self._handle = loop.call_at(loop.time() + (due - self.now_ns()) / 1e9, self._wake)
        self.armed_ns = due

    def _wake(self) -> None:
        self._handle = None
        self.armed_ns = INT64_MAX
        cdef int64_t now = self.now_ns()
        cdef Timer timer
        cdef TimeEvent event
        cdef object callback
        self.dispatching = True
        try:
            while True:
                timer = self.pop_due(now)
                if timer is None:
                    break
                callback = timer.callback
                event = self.fire_next(timer, self.now_ns())
                try:
                    callback(event)
                except Exception:
                    get_logger("LiveClock").exception(
                        "timer callback failed", timer=event.name, callback=repr(callback))
        finally:
            self.dispatching = False
            # asyncio may wake us a little early (its clock resolution): re-arm for the rest
            self.on_schedule()

    def cancel_timers(self) -> None:
        """Cancel every timer and alert and the pending loop callback."""
        Clock.cancel_timers(self)
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
            self.armed_ns = INT64_MAX
