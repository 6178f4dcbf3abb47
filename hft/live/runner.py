"""Run a TradingNode live on uvloop until it is told to stop; stop gracefully.

    node = TradingNode(load_config("examples/ema_cross/live.toml"))   # mode = "live"
    run = node.run()          # -> run_live(node): blocks until SIGINT/SIGTERM or duration

What `run_live` does, in order:

1. builds a uvloop loop (`asyncio.Runner(loop_factory=uvloop.new_event_loop)`; plain asyncio
   when uvloop is missing) and installs SIGINT/SIGTERM handlers on it;
2. starts the node (clients open their connection tasks, strategies start) and waits until
   every client that can say so (`wait_live`) is connected and reconciled;
3. freezes what start built out of the GC's sight, moves collections off the tick path
   (`IdleCollector`) and, with `busy_poll`, keeps the loop spinning (`BusyPoll`); runs until
   the first signal, `stop()` or `duration_s`; prints the latency table every
   `report_every_s` seconds if asked;
4. graceful stop: optionally cancels every open order, waits for the venues' answers up to
   `stop_timeout_s`, stops the node (strategies, then clients), closes the links, prints the
   summary (orders, fills, positions, PnL) and the latency percentiles.

A second signal during the graceful stop cancels it: the links are dropped at once.
Per-strategy handler time (`handler.<strategy_id>`) is measured by wrapping each strategy's
quote handler in the data engine once the node has started.
"""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

from hft.kernel.logging import get_logger
from hft.telemetry import Telemetry

__all__ = ["BusyPoll", "IdleCollector", "LiveRun", "run_live", "run_live_async"]


class LiveRun:
    """Hold what a live run did: timings, whether it stopped cleanly, the telemetry."""

    def __init__(self, telemetry: Telemetry) -> None:
        self.telemetry = telemetry
        self.started_ns = time.time_ns()
        self.stopped_ns = 0
        self.reason = ""
        self.graceful = True
        self.orders_left_open = 0
        self.live_ns = 0   # when every client was live (or the connect wait ended)
        self.busy_poll_turns = 0   # idle turns of the loop under busy_poll

    @property
    def duration_s(self) -> float:
        """Return the wall time of the run in seconds."""
        end = self.stopped_ns or time.time_ns()
        return (end - self.started_ns) / 1e9

    def __repr__(self) -> str:
        return (f"LiveRun(duration_s={self.duration_s:.3f}, reason={self.reason!r}, "
                f"graceful={self.graceful}, orders_left_open={self.orders_left_open})")


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop]:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency; asyncio still works
        return asyncio.new_event_loop
    return uvloop.new_event_loop


class IdleCollector:
    """Run the cyclic GC between frames instead of inside whichever allocation trips it.

    With automatic collection a gen-0 pass (and every 10th, gen 1) starts inside the tick
    that makes the 700th container object: in the middle of a strategy's `on_quote` or an
    order's path. `start()` turns automatic collection off; `collect()` (called by `BusyPoll`
    on an idle turn once `young_limit` objects are waiting, or every `period_s` by a loop
    timer when not busy-polling) runs the same generational schedule as CPython's default
    (gen 1 every 10th pass, gen 2 every 10th gen-1 pass) from a loop callback, where no frame
    is being handled. `stop()` restores automatic collection.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, young_limit: int = 2000,
                 period_s: float = 0.01) -> None:
        self.loop = loop
        self.young_limit = young_limit
        self.period_s = period_s
        self.passes = [0, 0, 0]          # collections run, per generation
        self._was_enabled = False
        self._timer: asyncio.TimerHandle | None = None
        self._young = 0

    def start(self, timer: bool = True) -> None:
        """Turn automatic collection off; with timer, check every period_s on the loop."""
        self._was_enabled = gc.isenabled()
        gc.disable()
        if timer:
            self._timer = self.loop.call_later(self.period_s, self._tick)

    def stop(self) -> None:
        """Stop the timer and give collection back to the interpreter."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._was_enabled:
            gc.enable()

    def collect(self) -> None:
        """Collect the young generation now (and older ones on CPython's schedule)."""
        self._young += 1
        generation = 0
        if self._young % 10 == 0:
            generation = 2 if self._young % 100 == 0 else 1
        gc.collect(generation)
        self.passes[generation] += 1

    def _tick(self) -> None:
        if gc.get_count()[0] >= self.young_limit:
            self.collect()
        self._timer = self.loop.call_later(self.period_s, self._tick)


class BusyPoll:
    """Keep a loop polling its sockets with a zero timeout instead of sleeping in epoll.

    At 10 k frames/s the loop thread otherwise blocks in epoll_wait between frames: the CPU
    may drop to a low-power state and the caches and branch predictors go cold, so each frame
    pays a wake-up (~20-30 us here). A callback that re-arms itself with `call_soon` keeps the
    loop's ready queue non-empty, which makes uvloop (and asyncio) poll with timeout 0. Cost:
    one core at 100 % for the whole run, and each idle turn is a Python call plus one
    epoll_wait syscall (~1 us), which is the most a frame waits before it is read.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop,
                 collector: IdleCollector | None = None) -> None:
        self.loop = loop
        self.collector = collector   # runs its collections on idle turns
        self.turns = 0
        self._running = False

    def start(self) -> None:
        """Start spinning (idempotent)."""
        if not self._running:
            self._running = True
            self.loop.call_soon(self._spin)

    def stop(self) -> None:
        """Stop spinning: the loop blocks in epoll again once the last turn has run."""
        self._running = False

    def _spin(self) -> None:
        if self._running:
            self.turns += 1
            collector = self.collector
            if collector is not None and gc.get_count()[0] >= collector.young_limit:
                collector.collect()
            self.loop.call_soon(self._spin)


def _config_live(node: Any, name: str, default: Any) -> Any:
    live = getattr(getattr(node, "config", None), "live", None)
    return getattr(live, name, default)


def _config_busy_poll(node: Any) -> bool:
    return bool(_config_live(node, "busy_poll", False))


def _pin_to_cpu(cpu: int) -> set[int]:
    """Pin this process to cpu; return the affinity it had (ValueError naming a bad cpu)."""
    before = os.sched_getaffinity(0)
    if cpu not in before:
        raise ValueError(f"live.cpu: {cpu} is not one of this process's CPUs {sorted(before)}")
    os.sched_setaffinity(0, {cpu})
    return before


def _telemetry_of(node: Any) -> Telemetry:
    telemetry = getattr(node, "telemetry", None)
    if telemetry is None:
        telemetry = node.telemetry = Telemetry()
    return telemetry


def _wrap_handlers(node: Any, telemetry: Telemetry) -> None:
    """Time each strategy's quote handler into `handler.<strategy_id>`."""
    engine = node.data_engine
    for strategy in node.strategies:
        recorder = telemetry.handler(str(strategy.id))
        handler = strategy.on_quote
        for ins in node.cache.instruments():
            if not engine.unsubscribe_quotes(ins.id, handler):
                continue

            def timed(quote: Any, _h: Any = handler, _rec: Any = recorder,
                      _now: Callable[[], int] = time.perf_counter_ns) -> None:
                t0 = _now()
                _h(quote)
                _rec.record(_now() - t0)

            engine.subscribe_quotes(ins.id, timed)


def _summary(node: Any, run: LiveRun) -> str:
    lines = [f"live run: {run.duration_s:.1f} s, stopped by {run.reason}"
             + ("" if run.graceful else " (forced)")]
    counters = run.telemetry.counters
    lines.append("orders {orders}  fills {fills}  rejects {rejects}  reconnects {reconnects}"
                 .format(**{k: counters.get(k, 0) for k in
                            ("orders", "fills", "rejects", "reconnects")}))
    if run.orders_left_open:
        lines.append(f"orders still open at stop: {run.orders_left_open}")
    for pos in node.cache.positions_open():
        lines.append(f"position {pos.instrument_id.value} {pos.strategy_id.value}: "
                     f"{pos.signed_qty} (realized {pos.realized_pnl})")
    try:
        lines.append(f"total pnl: {node.portfolio.total_pnl_float():.6g}")
    except Exception:  # a portfolio without prices yet
        pass
    lines.append("")
    lines.append(run.telemetry.format_table())
    return "\n".join(lines)


async def _wait_clients_live(node: Any, stop: asyncio.Event, timeout_s: float,
                             log: Any) -> None:
    # until every client is connected and reconciled, a stop is asked for, or timeout_s;
    # clients still down after that keep reconnecting while the run goes on
    clients = [c for c in node.exec_engine.clients() if hasattr(c, "wait_live")]
    if not clients or stop.is_set():
        return
    loop = asyncio.get_running_loop()
    waits = [loop.create_task(c.wait_live()) for c in clients]
    all_live = asyncio.gather(*waits)
    stopped = loop.create_task(stop.wait())
    try:
        await asyncio.wait([all_live, stopped], timeout=timeout_s,
                           return_when=asyncio.FIRST_COMPLETED)
    finally:
        down = [getattr(c, "venue", c) for c, w in zip(clients, waits)
                if not w.done() or w.cancelled() or w.exception() is not None]
        for fut in (all_live, stopped, *waits):
            fut.cancel()
        await asyncio.gather(all_live, stopped, *waits, return_exceptions=True)
    if down and not stop.is_set():
        log.warning("clients not live within the connect timeout: the run goes on while "
                    "they reconnect", venues=",".join(map(str, down)), timeout_s=timeout_s)


async def run_live_async(node: Any, *, duration_s: float | None = None,
                         report_every_s: float | None = None, cancel_on_stop: bool = True,
                         stop_timeout_s: float = 5.0, connect_timeout_s: float = 30.0,
                         stop_event: asyncio.Event | None = None,
                         install_signals: bool = True, out: TextIO | None = sys.stdout,
                         time_handlers: bool = True, busy_poll: bool | None = None,
                         cpu: int | None = None) -> LiveRun:
    """Run node on the running loop until stop_event, a signal or duration_s; return a LiveRun.

    Tests call this inside their own loop with `install_signals=False` and set `stop_event`.
    `busy_poll` (default: the config's `live.busy_poll`, else False) keeps the loop thread
    spinning instead of sleeping in epoll between frames: see `BusyPoll`. `cpu` (default: the
    config's `live.cpu`, else None = any) pins the process to that CPU for the run, so the
    loop never migrates to a core with cold caches; the previous affinity is restored after.
    """
    loop = asyncio.get_running_loop()
    if cpu is None:
        cpu = _config_live(node, "cpu", None)
    # before anything starts: a bad cpu fails the run here, with nothing to undo
    affinity = _pin_to_cpu(cpu) if cpu is not None else None
    log = get_logger("LiveRunner", node.clock)
    telemetry = _telemetry_of(node)
    run = LiveRun(telemetry)
    stop = stop_event if stop_event is not None else asyncio.Event()
    main_task = asyncio.current_task()
    signals_seen = 0

    def on_signal(signum: int) -> None:
        nonlocal signals_seen
        signals_seen += 1
        if signals_seen == 1:
            run.reason = signal.Signals(signum).name
            log.info("stop requested: stopping gracefully (again to stop at once)",
                     signal=run.reason)
            stop.set()
        else:
            log.warning("second signal: stopping at once", signal=signal.Signals(signum).name)
            run.graceful = False
            if main_task is not None:
                main_task.cancel()

    installed = []
    if install_signals:
        for signum in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(signum, on_signal, signum)
                installed.append(signum)
            except (NotImplementedError, RuntimeError):  # not the main thread
                pass
    node.run_stop = stop.set   # lets a strategy or a test end the run
    reporter: asyncio.Task | None = None
    spinner: BusyPoll | None = None
    collector: IdleCollector | None = None
    try:
        node.start()
        if time_handlers:
            _wrap_handlers(node, telemetry)
        t0 = loop.time()
        await _wait_clients_live(node, stop, connect_timeout_s if duration_s is None
                                 else min(connect_timeout_s, duration_s), log)
        run.live_ns = time.time_ns()
        # what the node built to start (config, instruments, strategies, links) lives for the
        # whole run: move it out of the collector's sight so a full collection on the hot path
        # walks only what the run allocates
        gc.collect()
        gc.freeze()
        if busy_poll is None:
            busy_poll = _config_busy_poll(node)
        collector = IdleCollector(loop)
        collector.start(timer=not busy_poll)
        if busy_poll:
            spinner = BusyPoll(loop, collector)
            spinner.start()
        if report_every_s and out is not None:
            async def report() -> None:
                while True:
                    await asyncio.sleep(report_every_s)  # a period, not synchronisation
                    print(telemetry.format_table(), file=out, flush=True)
            reporter = loop.create_task(report())
        try:
            left = None if duration_s is None else max(0.0, duration_s - (loop.time() - t0))
            await asyncio.wait_for(stop.wait(), left)
            run.reason = run.reason or "stop()"
        except TimeoutError:
            run.reason = f"duration ({duration_s:g} s)"
        await _graceful_stop(node, run, cancel_on_stop, stop_timeout_s, log)
    except asyncio.CancelledError:
        run.graceful = False
        run.reason = run.reason or "cancel"
        _hard_stop(node)
    finally:
        if spinner is not None:
            spinner.stop()
            run.busy_poll_turns = spinner.turns
        if collector is not None:
            collector.stop()
        if affinity is not None:
            os.sched_setaffinity(0, affinity)
        gc.unfreeze()
        if reporter is not None:
            reporter.cancel()
        for signum in installed:
            loop.remove_signal_handler(signum)
        run.stopped_ns = time.time_ns()
    if out is not None:
        print(_summary(node, run), file=out, flush=True)
    return run


async def _graceful_stop(node: Any, run: LiveRun, cancel_on_stop: bool, timeout_s: float,
                         log: Any) -> None:
    clients = node.exec_engine.clients()
    if cancel_on_stop:
        for strategy in node.strategies:
            for order in node.cache.orders_open(strategy.id):
                node.exec_engine.cancel_order(order)
        waits = [c.wait_orders_closed(timeout_s) for c in clients
                 if hasattr(c, "wait_orders_closed")]
        if waits:
            results = await asyncio.gather(*waits)
            if not all(results):
                log.warning("venues did not confirm every cancel in time", timeout_s=timeout_s)
    run.orders_left_open = sum(len(c.open_orders()) for c in clients if hasattr(c, "open_orders"))
    node.stop()  # strategies first, then clients (disconnect drops the links)
    for client in clients:
        close = getattr(client, "close", None)
        if close is not None:
            await close()


def _hard_stop(node: Any) -> None:
    for client in node.exec_engine.clients():
        try:
            client.disconnect()
        except Exception:
            pass
    node.is_running = False


def run_live(node: Any, *, duration_s: float | None = None, report_every_s: float | None = None,
             cancel_on_stop: bool = True, stop_timeout_s: float = 5.0,
             out: TextIO | None = sys.stdout, busy_poll: bool | None = None,
             cpu: int | None = None) -> LiveRun:
    """Run node live on a new uvloop loop until SIGINT/SIGTERM or duration_s; return a LiveRun."""
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        return runner.run(run_live_async(
            node, duration_s=duration_s, report_every_s=report_every_s,
            cancel_on_stop=cancel_on_stop, stop_timeout_s=stop_timeout_s, out=out,
            busy_poll=busy_poll, cpu=cpu))
