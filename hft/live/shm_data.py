"""Feed the node from a shared-memory quote board (written by `hft feed`) instead of a socket.

    [[venues]]
    name = "SANDBOX"
    kind = "sandbox"
    url = "ws://127.0.0.1:8765"
    feed = "shm"            # quotes come from the board, orders still go over the socket
    feed_name = "md"        # the board `hft feed --board md` created

`ShmDataClient` is a DataClient: on `connect()` it attaches the board and polls it on the
node's loop, turning each record into a `QuoteTick` for `DataEngine.process_quote`. Polling
is busy: while quotes come it re-schedules itself with `call_soon` after at most `budget`
quotes (other callbacks, order reports included, run in between); after `spin_polls` empty
polls in a row it sleeps `idle_s` (call_later) so an idle node does not burn a core. Set
`spin_polls` high to spin forever (lowest latency, one core per node).

While `gate()` is False (the execution client is reconnecting or reconciling) the board is not
polled: it keeps the newest quote of every symbol, which the strategy gets when the gate
opens. The quotes the node never saw are the board's `conflated` count, mirrored into the
`conflations` telemetry counter.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from hft.core.conflate import QuoteBoard
from hft.core.encoding import QUOTE_DTYPE
from hft.kernel.clients import DataClient
from hft.model.data import QuoteTick

__all__ = ["ShmDataClient", "attach_shm_feed"]


class ShmDataClient(DataClient):
    """Poll a QuoteBoard on the node's loop and feed its quotes to the data engine.

    Parameters
    ----------
    venue:
        The venue name (instrument ids end with it).
    board_name:
        The shared-memory board to attach (created by `hft feed --board NAME`).
    instruments:
        Numeric id -> InstrumentId, or instruments with `numeric_id` and `id`.
    budget:
        Quotes handled per loop callback before yielding to other callbacks.
    spin_polls, idle_s:
        Empty polls in a row before sleeping, and the sleep.
    attach_timeout_s:
        How long connect() retries attaching while the feed has not created the board yet.
    gate:
        Called before each poll; False holds the quotes in the board (default: always True).
    telemetry:
        A hft.telemetry.Telemetry whose `conflations` counter follows the board's count.
    """

    def __init__(self, venue: str, board_name: str, instruments: Mapping[int, Any] | Iterable[Any],
                 *, budget: int = 4096, spin_polls: int = 256, idle_s: float = 0.0002,
                 attach_timeout_s: float = 5.0, gate: Callable[[], bool] | None = None,
                 telemetry: Any = None) -> None:
        super().__init__(venue)
        if budget < 1 or spin_polls < 1 or idle_s < 0:
            raise ValueError(f"ShmDataClient: budget {budget} and spin_polls {spin_polls} must "
                             f"be >= 1, idle_s {idle_s} >= 0")
        self.board_name = board_name
        if isinstance(instruments, Mapping):
            self._iids = dict(instruments)
        else:
            self._iids = {i.numeric_id: i.id for i in instruments}
        self.budget = budget
        self.spin_polls = spin_polls
        self.idle_s = idle_s
        self.attach_timeout_s = attach_timeout_s
        self.gate = gate
        self.board: QuoteBoard | None = None
        self.quotes_received = 0
        self.unknown = 0                      # records of instruments the node does not know
        self._conflations = telemetry.counter("conflations") if telemetry is not None else None
        self._conflated_seen = 0
        self._handle: asyncio.Handle | None = None
        self._task: asyncio.Task | None = None
        self._out = np.zeros(0, QUOTE_DTYPE)
        self._empty = 0

    # -- lifecycle ------------------------------------------------------------------------

    def connect(self) -> None:
        """Attach the board (retrying until attach_timeout_s) and start polling on the loop."""
        if self._task is not None and not self._task.done() or self._handle is not None:
            return
        loop = asyncio.get_running_loop()
        self.is_connected = True
        self._task = loop.create_task(self._start(), name=f"shm-feed-{self.venue}")

    async def _start(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.attach_timeout_s
        delay = 0.005
        while True:
            try:
                self.board = QuoteBoard.attach(self.board_name)
                break
            except FileNotFoundError:
                if loop.time() >= deadline:
                    self.log.error("no quote board: is `hft feed --board` running?",
                                   board=self.board_name)
                    raise
                await asyncio.sleep(delay)   # back-off while the feed starts, not a sync
                delay = min(delay * 2, 0.1)
        self._out = np.zeros(self.board.n_slots, QUOTE_DTYPE)
        self._conflated_seen = self.board.stats()["conflated"]
        self.log.info("attached quote board", board=self.board_name, slots=self.board.n_slots)
        self._handle = loop.call_soon(self._pump)

    def disconnect(self) -> None:
        """Stop polling and detach the board (the feed process keeps it)."""
        self.is_connected = False
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        if self._task is not None and not self._task.done():
            self._task.cancel()
        if self.board is not None:
            self.board.close()
            self.board = None

    async def wait_attached(self, timeout_s: float | None = None) -> None:
        """Wait until the board is attached (raises what attaching raised)."""
        if self._task is not None:
            await asyncio.wait_for(asyncio.shield(self._task), timeout_s)

    # -- polling --------------------------------------------------------------------------

    def poll_once(self) -> int:
        """Poll the board once and feed what it holds to the engine; return the count."""
        board = self.board
        if board is None or self.gate is not None and not self.gate():
            return 0
        out = self._out
        n = board.poll(out)
        if n:
            self._dispatch(out, n)
        return n

    def _dispatch(self, out: np.ndarray, n: int) -> None:
        engine = self.engine
        iids = self._iids
        batch = getattr(engine, "process_quote_records", None)
        if batch is not None:   # a compiled loop, when the engine has one
            rows = out.view(np.uint8).reshape(-1, 64)[:n]
            done = batch(rows, iids)
            self.quotes_received += done
            self.unknown += n - done
            return
        mv = memoryview(out.view(np.uint8).reshape(-1))
        process, decode = engine.process_quote, QuoteTick.from_record
        done = 0
        try:
            for at in range(0, n * 64, 64):
                try:
                    tick = decode(mv[at:at + 64], iids)
                except ValueError:     # an instrument the node does not trade
                    self.unknown += 1
                    continue
                process(tick)
                done += 1
        finally:
            self.quotes_received += done

    def _pump(self) -> None:
        self._handle = None
        if not self.is_connected or self.board is None:
            return
        loop = asyncio.get_running_loop()
        handled = 0
        while handled < self.budget:
            n = self.poll_once()
            if n == 0:
                break
            handled += n
        if self._conflations is not None:
            c = self.board.stats()["conflated"] if handled else self._conflated_seen
            if c != self._conflated_seen:
                self._conflations.inc(c - self._conflated_seen)
                self._conflated_seen = c
        if handled:
            self._empty = 0
            self._handle = loop.call_soon(self._pump)
            return
        self._empty += 1
        if self._empty < self.spin_polls:
            self._handle = loop.call_soon(self._pump)
        else:
            self._empty = 0
            self._handle = loop.call_later(self.idle_s, self._pump)

    def stats(self) -> dict[str, int]:
        """Return the board's counters plus quotes_received and unknown (records dropped)."""
        s = self.board.stats() if self.board is not None else {}
        s.update(quotes_received=self.quotes_received, unknown=self.unknown)
        return s


def attach_shm_feed(node: Any, config: Any, client: Any = None) -> ShmDataClient:
    """Make a `feed = "shm"` venue's quotes come from its board; return the data client.

    Called by the venue factory after it built its execution client: the client stops
    feeding quotes (its `data_engine` is cleared), and a ShmDataClient on the board named
    `config.feed_name`, gated on the client being live, feeds them instead.
    """
    if not getattr(config, "feed_name", None):
        raise ValueError(f"venue {config.name!r}: field 'feed_name' is required when "
                         f"feed = \"shm\" (the board `hft feed --board NAME` creates)")
    instruments = [i for i in node.cache.instruments() if i.id.venue.value == config.name]
    gate = None
    if client is not None:
        client.data_engine = None
        if hasattr(client, "is_live"):
            gate = lambda: client.is_live   # noqa: E731 - a property read per poll
    data = ShmDataClient(config.name, config.feed_name, instruments, gate=gate,
                         telemetry=getattr(node, "telemetry", None))
    node.add_data_client(data)
    return data
