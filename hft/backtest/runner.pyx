"""Run a backtest: one clock drives the data stream, the timers and the simulated venues.

`run_backtest(node)` merges the node config's data files by timestamp (DataStream) and, for
each 64-byte record at time ts:

1. runs everything due at or before ts, in time order: timers (TestClock), venue work
   (orders arriving after their latency, reports coming back, GTD / DAY expiries) and records
   whose feed latency has passed (the strategy's view of the market);
2. sets the clock to ts and shows the record to its instrument's matcher (the venue sees the
   market at ts_event, in C, without building a Python object);
3. hands the strategy a QuoteTick / TradeTick (`data_engine.process_quote/process_trade`) at
   ts + feed latency: at once when the feed latency is zero, else from a C FIFO of records.

L2 book records (RECORD_BOOK_DELTA, venue book_type "L2") take the same path: the matcher sets
the level at ts_event (queues ahead of resting orders shrink with it), the strategy gets a
BookDelta through `data_engine.process_book_delta` after the feed latency. A snapshot (records
from one flagged SNAPSHOT_BEGIN to one flagged SNAPSHOT_END) clears the venue's book or side at
its CLEAR and reaches the strategy once, whole, as a BookSnapshot
(`data_engine.process_book_snapshot`), so `on_book` never sees a half-built book.

At equal times timers run first, then venue work, then delayed market data, then the record.
Memory stays flat: records stream in chunks and only the ones in flight are copied.
docs/fills.md ("Running a backtest") has a worked timeline.
"""

cimport cython
from cpython.mem cimport PyMem_Free, PyMem_Malloc, PyMem_Realloc
from cpython.ref cimport PyObject
from libc.stdint cimport INT64_MAX, int64_t, uint8_t, uint32_t, uint64_t
from libc.string cimport memcpy

import gc
import time

import numpy as np

from hft.adapters.sim.matcher cimport LatencyQueue, SimMatcher
from hft.adapters.sim.venue cimport _SimCore
from hft.backtest.stream cimport DataStream
from hft.core.book cimport book_clear
from hft.core.encoding cimport (
    DELTA_CLEAR, DELTA_DELETE, DELTA_SNAPSHOT_BEGIN, DELTA_SNAPSHOT_END, RECORD_BOOK_DELTA,
    RECORD_QUOTE, RECORD_TRADE, SIDE_BUY, SIDE_NONE, SIDE_SELL, BookDeltaRecord, QuoteRecord,
    TradeRecord,
)
from hft.kernel.clock cimport TestClock
from hft.kernel.data_engine cimport DataEngine
from hft.model.data cimport (
    BookSnapshot, QuoteTick, TradeTick, book_delta_from_record, quote_from_record,
    trade_from_record,
)
from hft.model.identifiers cimport InstrumentId
from hft.model.objects cimport price_new, quantity_new

__all__ = ["BacktestRun", "EQUITY_DTYPE", "FeedQueue", "build_sources", "run_backtest"]

EQUITY_DTYPE = np.dtype([("ts_ns", "<i8"), ("equity", "<f8")])

cdef enum:
    DELAY_BLOCK = 4096         # feed delays are drawn this many at a time
    PROGRESS_CHECK = 65536     # records between looks at the wall clock
    RECORD_TYPE_OFFSET = 1
    INSTRUMENT_OFFSET = 4
    TS_OFFSET = 8

cdef double PROGRESS_AFTER_S = 2.0  # show a progress bar once a run has taken this long


@cython.final
cdef class FeedQueue:
    """Hold market-data records in flight to the strategy, first in first out."""

    def __cinit__(self, Py_ssize_t capacity=64):
        self.capacity = 1
        while self.capacity < capacity:
            self.capacity *= 2
        self.slots = <FeedSlot *>PyMem_Malloc(self.capacity * sizeof(FeedSlot))
        if self.slots == NULL:
            raise MemoryError("FeedQueue: cannot allocate its ring")
        self.last_due_ns = -INT64_MAX

    def __dealloc__(self):
        PyMem_Free(self.slots)

    cdef int push(self, int64_t due_ns, const uint8_t *rec) except -1:
        """Append a copy of one record due at due_ns (raised to the last due time: FIFO)."""
        cdef FeedSlot *grown
        cdef Py_ssize_t i
        if self.count == self.capacity:
            grown = <FeedSlot *>PyMem_Malloc(2 * self.capacity * sizeof(FeedSlot))
            if grown == NULL:
                raise MemoryError("FeedQueue: cannot grow its ring")
            for i in range(self.count):  # unwrap into the new ring, oldest first
                grown[i] = self.slots[(self.head + i) & (self.capacity - 1)]
            PyMem_Free(self.slots)
            self.slots = grown
            self.head = 0
            self.capacity *= 2
        if due_ns < self.last_due_ns:
            due_ns = self.last_due_ns
        self.last_due_ns = due_ns
        cdef FeedSlot *slot = &self.slots[(self.head + self.count) & (self.capacity - 1)]
        slot.due_ns = due_ns
        memcpy(slot.rec, rec, FEED_RECORD_SIZE)
        self.count += 1
        return 0

    cdef int64_t head_due_ns(self) noexcept nogil:
        return self.slots[self.head].due_ns if self.count else INT64_MAX

    cdef const uint8_t *peek(self) noexcept nogil:
        return self.slots[self.head].rec

    cdef void drop(self) noexcept nogil:
        self.head = (self.head + 1) & (self.capacity - 1)
        self.count -= 1

    def __len__(self) -> int:
        return self.count


class BacktestRun:
    """Summarise one run: counts, timings, every fill and the equity samples.

    Attributes
    ----------
    records: market-data records streamed. quotes, trades: of which quotes / trades.
    book_deltas: of which L2 book delta records.
    events: order events the venues reported. start_ns, end_ns: first and last data time.
    elapsed_s: wall time of the loop. ticks_per_s: records / elapsed_s.
    fills: FILL_DTYPE array (hft.adapters.sim.venue) of every venue's fills, in time order.
    equity: EQUITY_DTYPE array: (ts_ns, summed venue equity) every `equity_every` records
        and at the end.
    venues: the simulated venues, for balances and positions.
    """

    def __init__(self, **fields) -> None:
        self.__dict__.update(fields)

    def __repr__(self) -> str:
        return (f"BacktestRun(records={self.records}, fills={len(self.fills)}, "
                f"events={self.events}, elapsed_s={self.elapsed_s:.3f}, "
                f"ticks_per_s={self.ticks_per_s:,.0f})")


def build_sources(config, instruments: dict) -> list:
    """Open one chunked source per `config.data` entry.

    `instruments` maps instrument id strings to Instrument objects (their `numeric_id` goes
    into every record). CSV / CSV.gz, NPZ and Parquet files of quotes or trades, and L2 book
    files (`kind = "book"`: Bybit JSONL .data/.data.zip, Binance depth CSV, generic
    ts_event,side,price,size CSV, NPZ of BOOK_DELTA_DTYPE) are read; bars raise
    NotImplementedError naming the entry.
    """
    import msgspec

    from hft.backtest.loaders import (
        BOOK_LAYOUTS, BookSource, CsvLayout, CsvSource, NpzSource, ParquetSource, PRESETS,
        detect_layout,
    )

    sources = []
    for i, entry in enumerate(config.data):
        try:
            instrument = instruments[entry.instrument_id]
        except KeyError:
            raise ValueError(f"data[{i}].instrument_id: {entry.instrument_id!r} is not traded on "
                             f"any simulated venue") from None
        if entry.kind not in ("quotes", "trades", "book"):
            raise NotImplementedError(f"data[{i}]: kind {entry.kind!r} is not streamed by the "
                                      f"backtest runner yet (quotes, trades and book are)")
        fmt = entry.format
        path = entry.path
        if fmt == "auto":
            lower = path.lower()
            fmt = ("npz" if lower.endswith((".npz", ".npy")) else
                   "parquet" if lower.endswith((".parquet", ".pq")) else "csv")
        num = instrument.numeric_id
        if entry.kind == "book":
            if fmt == "npz":
                sources.append(NpzSource(path, instrument_id=num))
                continue
            if fmt == "parquet":
                raise NotImplementedError(f"data[{i}]: book data in Parquet is not read yet "
                                          f"(Bybit .data, CSV and NPZ are)")
            if entry.layout != "auto" and entry.layout not in BOOK_LAYOUTS:
                raise ValueError(f"data[{i}].layout: {entry.layout!r} unknown for kind 'book', "
                                 f"expected 'auto' or one of {sorted(BOOK_LAYOUTS)}")
            sources.append(BookSource(path, instrument_id=num,
                                      price_precision=instrument.price_precision,
                                      size_precision=instrument.size_precision,
                                      layout=entry.layout, on_error=entry.on_error))
            continue
        if fmt == "npz":
            sources.append(NpzSource(path, instrument_id=num))
        elif fmt == "parquet":
            sources.append(ParquetSource(path, entry.kind, instrument_id=num,
                                         price_precision=instrument.price_precision,
                                         size_precision=instrument.size_precision))
        else:
            layout = entry.layout
            if layout != "auto" and layout not in PRESETS:
                raise ValueError(f"data[{i}].layout: {layout!r} unknown, expected 'auto' or one of "
                                 f"{sorted(PRESETS)}")
            if entry.ts_format != "auto" and not entry.columns:
                base = detect_layout(path, entry.kind) if layout == "auto" else PRESETS[layout]
                layout = msgspec.structs.replace(base, timestamp_format=entry.ts_format)
            if entry.columns:
                layout = CsvLayout(kind=entry.kind, columns=dict(entry.columns),
                                   timestamp_format=entry.ts_format)
            sources.append(CsvSource(path, instrument_id=num, kind=entry.kind,
                                     price_precision=instrument.price_precision,
                                     size_precision=instrument.size_precision,
                                     on_error=entry.on_error, layout=layout,
                                     default_size=entry.default_size))
    return sources


cdef class _Loop:
    """The per-record state of one run (typed, so the hot path stays in C).

    Per-instrument lookups go through C arrays indexed by the record's numeric id (borrowed
    pointers: the lists beside them hold the references for the whole run).
    """

    cdef TestClock clock
    cdef DataStream stream
    cdef FeedQueue feed
    cdef object process_quote, process_trade
    cdef DataEngine engine     # the node's engine: called in C; None for a stand-in (tests)
    cdef list iids             # numeric id -> InstrumentId | None (owns the references)
    cdef list matchers         # numeric id -> SimMatcher | None
    cdef list owners           # numeric id -> venue index | None (builds owner_at)
    cdef list venues           # SimExecutionClient (a _SimCore): checked at the start
    cdef list queues           # every venue's inbound and outbound LatencyQueue
    cdef list all_matchers
    cdef list delay_models     # per venue: LatencyModel
    cdef list delay_blocks     # per venue: int64 array of the next feed delays
    cdef Py_ssize_t n_ids      # length of the id-indexed arrays below
    cdef PyObject **iid_at     # numeric id -> InstrumentId or NULL
    cdef PyObject **matcher_at # numeric id -> SimMatcher or NULL
    cdef PyObject **venue_at   # numeric id -> the owning _SimCore or NULL
    cdef Py_ssize_t *owner_at  # numeric id -> venue index, -1 when no venue trades it
    cdef Py_ssize_t n_due
    cdef const int64_t **due_at  # every LatencyQueue's head_ns and SimMatcher's next_expire_ns
    cdef int64_t *delay_pos    # per venue: next unused index in its block
    cdef bint *delay_zero      # per venue: feed latency is always 0
    cdef object process_book_delta, process_book_snapshot
    cdef dict snapshots        # numeric id -> _Snapshot being assembled for the strategy
    cdef int64_t records, quotes, trades, book_deltas

    def __dealloc__(self):
        PyMem_Free(self.delay_pos)
        PyMem_Free(self.delay_zero)
        PyMem_Free(self.iid_at)
        PyMem_Free(self.matcher_at)
        PyMem_Free(self.venue_at)
        PyMem_Free(self.owner_at)
        PyMem_Free(self.due_at)

    cdef int index(self) except -1:
        """Fill the C arrays from the lists (after the lists are complete)."""
        cdef Py_ssize_t n = len(self.iids), i
        self.n_ids = n
        self.iid_at = <PyObject **>PyMem_Malloc(n * sizeof(PyObject *))
        self.matcher_at = <PyObject **>PyMem_Malloc(n * sizeof(PyObject *))
        self.venue_at = <PyObject **>PyMem_Malloc(n * sizeof(PyObject *))
        self.owner_at = <Py_ssize_t *>PyMem_Malloc(n * sizeof(Py_ssize_t))
        self.n_due = len(self.queues) + len(self.all_matchers)
        self.due_at = <const int64_t **>PyMem_Malloc((self.n_due + 1) * sizeof(int64_t *))
        if (self.iid_at == NULL or self.matcher_at == NULL or self.venue_at == NULL
                or self.owner_at == NULL or self.due_at == NULL):
            raise MemoryError("run_backtest: cannot allocate the instrument tables")
        cdef Py_ssize_t k = 0
        cdef LatencyQueue q
        cdef SimMatcher m
        # the objects live as long as the run (the lists hold them): their due fields stay put
        for q in self.queues:
            self.due_at[k] = &q.head_ns
            k += 1
        for m in self.all_matchers:
            self.due_at[k] = &m.next_expire_ns
            k += 1
        for i in range(n):
            self.iid_at[i] = NULL if self.iids[i] is None else <PyObject *>self.iids[i]
            self.matcher_at[i] = NULL if self.matchers[i] is None else <PyObject *>self.matchers[i]
            self.owner_at[i] = -1 if self.owners[i] is None else <Py_ssize_t>self.owners[i]
            self.venue_at[i] = (NULL if self.owner_at[i] < 0
                                else <PyObject *>self.venues[self.owner_at[i]])
        return 0

    cdef inline int64_t venue_due_ns(self) noexcept:
        cdef int64_t due = INT64_MAX
        cdef Py_ssize_t i
        for i in range(self.n_due):
            if self.due_at[i][0] < due:
                due = self.due_at[i][0]
        return due

    cdef int deliver_book(self, const BookDeltaRecord *rec, uint32_t nid,
                          InstrumentId iid) except -1:
        """Hand one book record to the data engine: a BookDelta, or a whole BookSnapshot at its end."""
        cdef _Snapshot snap = self.snapshots.get(nid)
        if rec.flags & DELTA_SNAPSHOT_BEGIN:
            snap = _Snapshot(rec.price_precision, rec.size_precision)
            self.snapshots[nid] = snap
        if snap is None:
            if self.engine is not None:
                self.engine.process_book_delta(book_delta_from_record(rec, iid))
            else:
                self.process_book_delta(book_delta_from_record(rec, iid))
            return 0
        snap.add(rec)
        if rec.flags & DELTA_SNAPSHOT_END:
            del self.snapshots[nid]
            snapshot = snap.build(iid, rec.sequence, rec.ts_event, rec.ts_init)
            if self.engine is not None:
                self.engine.process_book_snapshot(snapshot)
            else:
                self.process_book_snapshot(snapshot)
        return 0

    cdef int deliver(self, const uint8_t *rec) except -1:
        """Hand one record to the data engine as a QuoteTick / TradeTick / book update."""
        cdef uint32_t nid
        memcpy(&nid, rec + INSTRUMENT_OFFSET, 4)
        cdef InstrumentId iid = <InstrumentId>self.iid_at[nid]  # checked in on_record
        if rec[RECORD_TYPE_OFFSET] == RECORD_BOOK_DELTA:
            return self.deliver_book(<const BookDeltaRecord *>rec, nid, iid)
        if self.engine is not None:
            # a C call into the cpdef entry points: no bound-method call per record
            if rec[RECORD_TYPE_OFFSET] == RECORD_QUOTE:
                self.engine.process_quote_record(<const QuoteRecord *>rec, iid)
            else:
                self.engine.process_trade(trade_from_record(<const TradeRecord *>rec, iid))
        elif rec[RECORD_TYPE_OFFSET] == RECORD_QUOTE:
            self.process_quote(quote_from_record(<const QuoteRecord *>rec, iid))
        else:
            self.process_trade(trade_from_record(<const TradeRecord *>rec, iid))
        return 0

    cdef int advance_to(self, int64_t limit) except -1:
        """Run timers, venue work and delayed records due at or before limit, in time order."""
        cdef int64_t t_timer, t_venue, t_feed, t
        cdef _SimCore venue
        while True:
            t_timer = self.clock.next_due_ns()
            t_venue = self.venue_due_ns()
            t_feed = self.feed.head_due_ns()
            t = t_timer if t_timer < t_venue else t_venue
            if t_feed < t:
                t = t_feed
            if t > limit:
                return 0
            if t == t_timer:
                self.clock.advance_time(t)
            elif t == t_venue:
                self.clock.time_ns = t
                for venue in self.venues:
                    if venue.peek_due_ns() <= t:
                        venue.run_due(t)
            else:
                self.clock.time_ns = t
                self.deliver(self.feed.peek())
                self.feed.drop()

    cdef int64_t feed_delay(self, Py_ssize_t v) except -1:
        # the caller skips venues whose feed latency is always 0 (delay_zero)
        cdef int64_t[::1] block
        if self.delay_pos[v] == DELAY_BLOCK:
            self.delay_blocks[v] = self.delay_models[v].feed_delays(DELAY_BLOCK)
            self.delay_pos[v] = 0
        block = self.delay_blocks[v]
        self.delay_pos[v] += 1
        return block[self.delay_pos[v] - 1]

    cdef int on_record(self, const uint8_t *rec, int64_t ts) except -1:
        """Show one record to its venue at ts, then to the strategy (now or after the feed latency)."""
        cdef uint32_t nid
        cdef const QuoteRecord *q
        cdef const TradeRecord *tr
        cdef const BookDeltaRecord *bd
        cdef SimMatcher m
        cdef Py_ssize_t owner
        cdef int64_t delay = 0
        memcpy(&nid, rec + INSTRUMENT_OFFSET, 4)
        if nid >= self.n_ids or self.iid_at[nid] == NULL:
            raise ValueError(f"data record {self.records}: unknown instrument numeric id {nid}")
        self.records += 1
        self.clock.time_ns = ts
        owner = self.owner_at[nid]
        if owner >= 0:
            m = <SimMatcher>self.matcher_at[nid]
            if rec[RECORD_TYPE_OFFSET] == RECORD_QUOTE:
                q = <const QuoteRecord *>rec
                m.on_quote(ts, q.bid_price, q.ask_price, q.bid_size, q.ask_size)
            elif rec[RECORD_TYPE_OFFSET] == RECORD_BOOK_DELTA:
                if not m.l2:
                    raise ValueError(f"data record {self.records - 1}: a book delta for "
                                     f"{self.iids[nid]}, whose venue has book_type 'L1'; set "
                                     f"book_type = \"L2\" on the venue to replay L2 data")
                bd = <const BookDeltaRecord *>rec
                if bd.action == DELTA_CLEAR:
                    if bd.side == SIDE_NONE:
                        m.on_book_clear(ts)
                    else:
                        book_clear(&m.book, bd.side)
                else:
                    m.on_book_level(ts, bd.side, bd.price, 0 if bd.action == DELTA_DELETE
                                    else bd.size)
            else:
                tr = <const TradeRecord *>rec
                m.on_trade(ts, tr.price, tr.size)
            if m.n_events:
                (<_SimCore>self.venue_at[nid]).drain_events_of(nid)
            if not self.delay_zero[owner]:
                delay = self.feed_delay(owner)
        if rec[RECORD_TYPE_OFFSET] == RECORD_QUOTE:
            self.quotes += 1
        elif rec[RECORD_TYPE_OFFSET] == RECORD_BOOK_DELTA:
            self.book_deltas += 1
        else:
            self.trades += 1
        if delay == 0 and self.feed.count == 0:
            self.deliver(rec)
        else:
            self.feed.push(ts + delay, rec)
        return 0


def run_backtest(node, *, sources=None, venues=None, progress=None,
                 int64_t equity_every=100_000) -> BacktestRun:
    """Run the node over its data; return a BacktestRun (counts, timings, fills, equity).

    Parameters
    ----------
    node:
        A TradingNode in backtest mode (or anything with the same parts): `config`
        (NodeConfig), `clock` (TestClock), `data_engine` (process_quote / process_trade);
        `start()` / `stop()` are called around the run when the node has them and is not
        running yet.
    sources:
        Chunked record sources to use instead of `config.data` (tests, generated data).
    venues:
        The simulated venues; default `hft.adapters.sim.sim_venues(node)`.
    progress:
        True: always show a tqdm bar; False: never; None: once the run passes 2 s (when
        tqdm is installed).
    equity_every:
        Sample the venues' equity every this many records (and at the end).
    """
    from hft.adapters.sim import sim_venues

    if equity_every <= 0:
        raise ValueError(f"run_backtest: field 'equity_every' must be > 0, got {equity_every}")
    if venues is None:
        venues = sim_venues(node)
    clock = node.clock
    if not isinstance(clock, TestClock):
        raise TypeError(f"run_backtest: node.clock must be a TestClock, got {type(clock).__name__}")
    instruments = {}
    for venue in venues:
        if not isinstance(venue, _SimCore):
            raise TypeError(f"run_backtest: venues must be SimExecutionClient, got "
                            f"{type(venue).__name__}")
        for num, instrument in venue._by_num.items():
            instruments[str(instrument.id)] = instrument
    if sources is None:
        sources = build_sources(node.config, instruments)

    cdef _Loop loop = _Loop()
    loop.clock = <TestClock>clock
    loop.stream = DataStream(sources)
    loop.feed = FeedQueue()
    engine = node.data_engine
    loop.process_quote = engine.process_quote
    loop.process_trade = engine.process_trade
    # optional on a stand-in engine: looked up only when book records arrive
    loop.process_book_delta = getattr(engine, "process_book_delta", None)
    loop.process_book_snapshot = getattr(engine, "process_book_snapshot", None)
    loop.snapshots = {}
    if isinstance(engine, DataEngine):
        loop.engine = <DataEngine>engine
    max_num = max((i.numeric_id for i in instruments.values()), default=0)
    loop.iids = [None] * (max_num + 1)
    loop.matchers = [None] * (max_num + 1)
    loop.owners = [None] * (max_num + 1)
    loop.venues = list(venues)
    loop.queues = []
    loop.all_matchers = []
    loop.delay_models = []
    loop.delay_blocks = []
    n = max(len(loop.venues), 1)
    loop.delay_pos = <int64_t *>PyMem_Malloc(n * sizeof(int64_t))
    loop.delay_zero = <bint *>PyMem_Malloc(n * sizeof(bint))
    if loop.delay_pos == NULL or loop.delay_zero == NULL:
        raise MemoryError("run_backtest: cannot allocate per-venue state")
    for v, venue in enumerate(loop.venues):
        loop.queues += [venue.inbound, venue.outbound]
        for num, matcher in venue.matchers.items():
            loop.iids[num] = venue._by_num[num].id
            loop.matchers[num] = matcher
            loop.owners[num] = v
            loop.all_matchers.append(matcher)
        model = venue.latency
        loop.delay_models.append(model)
        loop.delay_blocks.append(None)
        loop.delay_pos[v] = DELAY_BLOCK
        loop.delay_zero[v] = model.feed_ns == 0 and model.jitter_ns == 0
    loop.index()

    equity = np.zeros(1024, dtype=EQUITY_DTYPE)
    cdef Py_ssize_t n_equity = 0
    started = False
    cdef int64_t first_ns = loop.stream.peek_ts()
    if first_ns >= 0 and loop.clock.time_ns < first_ns:
        # start the strategies at the first record's time, not at 1970: a timer set in
        # on_start must count from when the data begins
        loop.clock.set_time(first_ns)
    if hasattr(node, "start") and not getattr(node, "is_running", False):
        node.start()
        started = True
    bar = None
    cdef const uint8_t *rec
    cdef int64_t ts = 0, start_ns = -1, end_ns = -1, next_sample = equity_every
    cdef int64_t next_check = PROGRESS_CHECK, shown = 0
    cdef double t0 = time.perf_counter()
    # Everything alive now (modules, instruments, the node) lives for the whole run: freeze
    # it so the collections the run's orders and events trigger do not walk it again and
    # again. Only the GC's bookkeeping changes; unfrozen after the run.
    cdef bint froze = not gc.get_freeze_count()
    if froze:
        gc.freeze()
    try:
        if progress:
            bar = _progress_bar()
        while True:
            rec = loop.stream.next_record()
            if rec == NULL:
                break
            memcpy(&ts, rec + TS_OFFSET, 8)
            if start_ns < 0:
                start_ns = ts
            end_ns = ts
            loop.advance_to(ts)
            loop.on_record(rec, ts)
            if loop.records == next_sample:
                next_sample += equity_every
                equity, n_equity = _sample(equity, n_equity, ts, loop.venues)
            if loop.records == next_check:
                next_check += PROGRESS_CHECK
                if bar is None and progress is None and time.perf_counter() - t0 > PROGRESS_AFTER_S:
                    bar = _progress_bar()
                if bar is not None:
                    bar.update(loop.records - shown)
                    shown = loop.records
        # the data is over: let what is in flight land (delayed records, venue replies)
        if loop.feed.count:
            end_ns = max(end_ns, loop.feed.last_due_ns)
        loop.advance_to(end_ns)
        if end_ns >= 0:
            equity, n_equity = _sample(equity, n_equity, max(end_ns, loop.clock.time_ns),
                                       loop.venues)
    finally:
        if froze:
            gc.unfreeze()
        if bar is not None:
            bar.update(loop.records - shown)
            bar.close()
        if started and hasattr(node, "stop"):
            node.stop()
    elapsed = time.perf_counter() - t0

    fills = [venue.fills.array() for venue in loop.venues]
    all_fills = np.concatenate(fills) if fills else np.zeros(0, dtype=_fill_dtype())
    if len(fills) > 1:
        all_fills = all_fills[np.argsort(all_fills["ts_ns"], kind="stable")]
    return BacktestRun(
        records=loop.records, quotes=loop.quotes, trades=loop.trades,
        book_deltas=loop.book_deltas,
        events=sum(venue.event_count for venue in loop.venues),
        start_ns=start_ns, end_ns=end_ns, elapsed_s=elapsed,
        ticks_per_s=loop.records / elapsed if elapsed > 0 else float("inf"),
        fills=all_fills, equity=equity[:n_equity].copy(), venues=loop.venues,
    )


@cython.final
cdef class _Snapshot:
    """Collect one snapshot's levels (raw) until its SNAPSHOT_END record."""

    cdef dict bids, asks
    cdef uint8_t pp, sp

    def __cinit__(self, uint8_t pp, uint8_t sp):
        self.bids = {}
        self.asks = {}
        self.pp = pp
        self.sp = sp

    cdef int add(self, const BookDeltaRecord *rec) except -1:
        if rec.price_precision != self.pp or rec.size_precision != self.sp:
            raise ValueError(f"book snapshot: a record at precisions {rec.price_precision}/"
                             f"{rec.size_precision} inside a snapshot at {self.pp}/{self.sp}")
        if rec.action == DELTA_CLEAR:
            if rec.side != SIDE_SELL:
                self.bids.clear()
            if rec.side != SIDE_BUY:
                self.asks.clear()
            return 0
        levels = self.bids if rec.side == SIDE_BUY else self.asks
        if rec.action == DELTA_DELETE:
            levels.pop(rec.price, None)
        else:
            levels[rec.price] = rec.size
        return 0

    cdef object build(self, InstrumentId iid, uint64_t sequence, int64_t ts_event,
                      int64_t ts_init):
        bids = [(price_new(p, self.pp), quantity_new(self.bids[p], self.sp))
                for p in sorted(self.bids, reverse=True)]
        asks = [(price_new(p, self.pp), quantity_new(self.asks[p], self.sp))
                for p in sorted(self.asks)]
        return BookSnapshot(iid, bids, asks, sequence, ts_event, ts_init)


def _fill_dtype():
    from hft.adapters.sim.venue import FILL_DTYPE
    return FILL_DTYPE


def _sample(equity, Py_ssize_t n, int64_t ts, list venues):
    if n == len(equity):
        grown = np.zeros(2 * len(equity), dtype=EQUITY_DTYPE)
        grown[:n] = equity
        equity = grown
    cdef object total = 0.0
    for venue in venues:
        total += (<_SimCore>venue).sum_equity_float()
    equity[n] = (ts, total)
    return equity, n + 1


def _progress_bar():
    try:
        from tqdm import tqdm
    except ImportError:  # optional: no bar without it
        return None
    return tqdm(unit=" rec", unit_scale=True, desc="backtest", leave=False)
