"""Serve the sandbox venue: binary WebSocket on 127.0.0.1, signed requests, SimMatcher fills.

`SandboxServer(config, secrets)` listens with `websockets` (asyncio; TCP_NODELAY on every
connection), publishes quotes to logged-in clients (a replayed file at a chosen speed, a seeded
random walk at a chosen rate, or whatever a test hands to `publish_quotes`), matches each API
key's orders with the simulated venue's `SimMatcher` (`hft.adapters.sandbox.accounts`), and
answers with execution reports and query replies. Frames are docs/protocol.md's; running it and
the guarantees are in docs/sandbox.md.

A connection's life: the first frame must be a signed HELLO whose version range holds
PROTOCOL_VERSION (else an ERROR and the close); WELCOME names the account. Every ORDER, CANCEL
and QUERY must then be signed by the session's key, fresh and not replayed, or it gets an ERROR
(AUTH) and is not acted on. Each bad frame or auth failure counts; past `max_errors` the
connection gets SESSION_TOO_MANY_ERRORS and is closed. Other connections are not affected.

Each connection has one writer task: replies go out in order, quotes waiting behind them are
sent together, up to `max_batch` per QUOTES frame, so a client that falls behind gets bigger
frames rather than a growing queue (and past `max_pending_quotes` the oldest are dropped and
counted in `stats["quotes_dropped"]`).
"""

from __future__ import annotations

import asyncio
import collections
import ipaddress
import logging
import random
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import msgspec
import numpy as np
from websockets.protocol import State as _WsState

from hft.adapters.sandbox.accounts import Account, Exchange, InstrumentSpec
from hft.adapters.sandbox.auth import DEFAULT_WINDOW_MS, Secret, Verifier
from hft.adapters.sandbox.protocol import (
    AUTH_OK, AUTH_UNKNOWN_KEY, AUTH_UNSIGNED, AUTH_TRAILER_SIZE, ERROR_AUTH, ERROR_FRAME,
    ERROR_SESSION, FRAME_CANCEL, FRAME_ERROR, FRAME_HEADER_SIZE, FRAME_HELLO, FRAME_ORDER,
    FRAME_QUERY, FRAME_QUERY_REPLY, FRAME_QUOTES, FRAME_REPORTS, FRAME_WELCOME,
    MAX_PAYLOAD_SIZE, PROTO_BAD_FRAME_TYPE, PROTO_BAD_FRAME_VERSION, PROTO_UNSIGNED,
    QUERY_FILLS_SINCE, QUERY_OPEN_ORDERS, QUERY_POSITIONS, SESSION_ALREADY_LOGGED_IN,
    SESSION_NOT_LOGGED_IN, SESSION_TOO_MANY_ERRORS, SESSION_VERSION_UNSUPPORTED, VERSION,
    ErrorReply, QueryReply, Welcome, decode_frame, encode_frame, encode_record, frame_header,
    frame_status,
)
from hft.core.encoding import QUOTE_DTYPE, QUOTE_RECORD_SIZE, encode_quote, validate_batch

__all__ = ["FaultConfig", "SandboxServer", "VenueConfig", "check_host", "quote_source"]

log = logging.getLogger("hft.venue")

CLIENT_FRAME_TYPES = frozenset({FRAME_HELLO, FRAME_ORDER, FRAME_CANCEL, FRAME_QUERY})
MAX_FRAME_SIZE = FRAME_HEADER_SIZE + MAX_PAYLOAD_SIZE + AUTH_TRAILER_SIZE
MAX_REPLY_RECORDS = (MAX_PAYLOAD_SIZE - 32) // 128
CLOSE_POLICY = 1008          # WebSocket close code: policy violation
CLOSE_UNSUPPORTED = 1003     # WebSocket close code: unsupported data (wrong version)


class FaultConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Switch on fault injection (for tests); every option is off by default.

    drop_after: abort a connection (no close frame) right after acting on its N-th received
        frame, before that frame's replies are written -- an order placed whose ack is lost.
    drop_times: how many connections get dropped that way (0 = every one).
    drop_unread: with drop_after, abort *before* acting on the N-th frame instead: the venue
        never sees it (an order or cancel lost with the link).
    mute_after: act on the N-th received frame of a connection (and the next mute_count - 1)
        but send none of the execution reports it causes, on a link that stays up (an ack
        lost in transit; the venue's state, and its query answers, still show the effect).
    mute_count: how many frames in a row mute_after mutes.
    delay_ms: hold every reply (welcome, reports, query replies, errors) this long; order kept.
    reject_fraction: reject this fraction of new orders with REJECT_INJECTED (seeded).
    duplicate_fraction: send this fraction of execution reports twice (seeded).
    reorder: swap adjacent execution reports (each report then travels in its own frame;
        one left waiting goes out after `reorder_hold_ms`).
    seed: seeds the reject and duplicate draws.
    """
    drop_after: int = 0
    drop_times: int = 1
    drop_unread: bool = False
    mute_after: int = 0
    mute_count: int = 1
    delay_ms: float = 0.0
    reject_fraction: float = 0.0
    duplicate_fraction: float = 0.0
    reorder: bool = False
    reorder_hold_ms: float = 20.0
    seed: int = 0


class VenueConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Configure a sandbox venue: address, instrument, market data source, limits, faults.

    Market data: `data` (an .npz / .csv / .parquet quotes file replayed at `speed` times its
    recorded pace), or `synthetic` (a random walk seeded by `seed` at `rate` quotes/s), or
    neither (quotes come only from `SandboxServer.publish_quotes`). With `start_on_login`
    (default) the feed starts when the first client logs in, so it misses nothing.
    """
    instrument_id: int = 1
    price_precision: int = 5
    size_precision: int = 0
    host: str = "127.0.0.1"
    port: int = 0
    allow_remote: bool = False
    data: str | None = None
    speed: float = 1.0
    synthetic: bool = False
    seed: int = 7
    rate: float = 1_000.0
    price0: float = 1.1
    window_ms: int = DEFAULT_WINDOW_MS
    max_errors: int = 16
    max_batch: int = 256
    max_pending_quotes: int = 16_384
    start_on_login: bool = True
    maker_fee_bps: float = 0.0
    taker_fee_bps: float = 0.0
    faults: FaultConfig = FaultConfig()


def check_host(host: str, allow_remote: bool) -> None:
    """Refuse a non-loopback host unless allow_remote; raise ValueError naming the host."""
    if allow_remote:
        return
    try:
        ok = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"venue: host {host!r} is not a loopback address; the sandbox serves "
                         f"127.0.0.1 only unless allow_remote (--allow-remote) is given")


def quote_source(config: VenueConfig) -> Iterator[np.ndarray] | None:
    """Return an iterator of QUOTE_DTYPE chunks for the config's data, or None (manual)."""
    if config.data and config.synthetic:
        raise ValueError("venue: give data or synthetic, not both")
    if config.synthetic:
        from hft.backtest.synthetic import quote_chunks

        return quote_chunks(1 << 62, seed=config.seed, instrument_id=config.instrument_id,
                            price_precision=config.price_precision,
                            size_precision=config.size_precision, price0=config.price0,
                            chunk_rows=1 << 14)
    if config.data:
        from hft.backtest import loaders

        path = Path(config.data)
        name = path.name.lower()
        if name.endswith((".npz", ".npy")):
            src = loaders.NpzSource(path, instrument_id=config.instrument_id)
        elif name.endswith(".parquet"):
            src = loaders.ParquetSource(path, "quotes", instrument_id=config.instrument_id,
                                        price_precision=config.price_precision,
                                        size_precision=config.size_precision)
        else:
            src = loaders.CsvSource(path, instrument_id=config.instrument_id,
                                    price_precision=config.price_precision,
                                    size_precision=config.size_precision)
        return iter(src)
    return None


def _now_ns() -> int:
    return time.time_ns()


class _Session:
    """One client connection: login state, error count, and its ordered outbound queues."""

    def __init__(self, server: SandboxServer, ws, number: int) -> None:
        self.server = server
        self.ws = ws
        self.number = number
        self.account: Account | None = None
        self.errors = 0
        self.received = 0
        self.out: collections.deque[bytes] = collections.deque()
        self.delayed: collections.deque[tuple[float, bytes]] = collections.deque()
        self.quotes = bytearray()
        self.wake = asyncio.Event()
        self.closing = False
        self.close_code = 1000
        self.close_reason = ""
        self.held_report: bytes | None = None
        self.held_handle: asyncio.TimerHandle | None = None
        self.pump_handle: asyncio.TimerHandle | None = None

    # -- outbound ------------------------------------------------------------------------------

    def send(self, frame: bytes) -> None:
        """Queue one reply frame (after the configured delay, if any)."""
        delay = self.server._delay_s
        if delay > 0:
            loop = asyncio.get_running_loop()
            self.delayed.append((loop.time() + delay, frame))
            if self.pump_handle is None:
                self.pump_handle = loop.call_at(self.delayed[0][0], self._pump)
            return
        self.out.append(frame)
        self.wake.set()

    def _pump(self) -> None:
        self.pump_handle = None
        loop = asyncio.get_running_loop()
        now = loop.time()
        while self.delayed and self.delayed[0][0] <= now:
            self.out.append(self.delayed.popleft()[1])
        if self.delayed:
            self.pump_handle = loop.call_at(self.delayed[0][0], self._pump)
        self.wake.set()

    def send_reports(self, reports: list) -> None:
        """Queue execution reports, applying the duplicate / reorder faults."""
        server = self.server
        faults = server.config.faults
        if not (faults.reorder or faults.duplicate_fraction > 0):
            self.send(encode_frame(FRAME_REPORTS, reports))
            return
        for rep in reports:
            frame = encode_frame(FRAME_REPORTS, [rep])
            copies = 2 if server._fault_rng.random() < faults.duplicate_fraction else 1
            for _ in range(copies):
                if not faults.reorder:
                    self.send(frame)
                elif self.held_report is None:
                    self.held_report = frame
                    loop = asyncio.get_running_loop()
                    self.held_handle = loop.call_later(faults.reorder_hold_ms / 1000,
                                                       self._release_held)
                else:
                    self.send(frame)
                    self._release_held()
            if copies == 2:
                server.stats["reports_duplicated"] += 1

    def _release_held(self) -> None:
        if self.held_handle is not None:
            self.held_handle.cancel()
            self.held_handle = None
        if self.held_report is not None:
            frame, self.held_report = self.held_report, None
            self.send(frame)

    def push_quotes(self, payload: bytes) -> None:
        """Append quote records for the writer, dropping the oldest past the cap."""
        if not self.quotes and not self.out and self._write_now(payload):
            return
        q = self.quotes
        q += payload
        cap = self.server.config.max_pending_quotes * QUOTE_RECORD_SIZE
        if len(q) > cap:
            extra = len(q) - cap
            del q[:extra]
            self.server.stats["quotes_dropped"] += extra // QUOTE_RECORD_SIZE
        self.wake.set()

    def _write_now(self, payload: bytes) -> bool:
        # nothing queued and the socket's buffer empty: frame and write now, in this call,
        # instead of waking the writer task (a loop turn and a task step per frame); anything
        # else (a reply waiting, back-pressure, closing, a big batch) goes through the writer
        ws = self.ws
        if self.closing or len(payload) > self.server.config.max_batch * QUOTE_RECORD_SIZE:
            return False
        transport = ws.transport
        if (transport is None or transport.get_write_buffer_size()
                or ws.protocol.state is not _WsState.OPEN):
            return False
        ws.protocol.send_binary(frame_header(FRAME_QUOTES, len(payload)) + payload)
        ws.send_data()
        self._count_sent(payload)
        return True

    def _count_sent(self, payload: bytes) -> None:
        # one QUOTES frame of these records has been written
        stats = self.server.stats
        stats["quote_frames"] += 1
        stats["quotes_sent"] += len(payload) // QUOTE_RECORD_SIZE

    def close(self, code: int, reason: str) -> None:
        """Close after the queued replies are written."""
        self.closing = True
        self.close_code, self.close_reason = code, reason
        self.wake.set()

    async def writer(self) -> None:
        ws = self.ws
        batch = self.server.config.max_batch * QUOTE_RECORD_SIZE
        try:
            while True:
                if not self.out and not self.quotes:
                    if self.closing:
                        break
                    self.wake.clear()
                    await self.wake.wait()
                    continue
                while self.out:
                    await ws.send(self.out.popleft())
                if self.quotes and not self.closing:
                    n = min(len(self.quotes), batch)
                    payload = bytes(self.quotes[:n])
                    del self.quotes[:n]
                    await ws.send(frame_header(FRAME_QUOTES, n) + payload)
                    self._count_sent(payload)
                elif self.closing:
                    self.quotes.clear()
            await ws.close(self.close_code, self.close_reason)
        except Exception:  # the connection went away; the reader sees it too
            pass

    # -- errors --------------------------------------------------------------------------------

    def error(self, kind: int, detail: int, frame_type: int = 0, context_id: int = 0,
              *, fatal: bool = False) -> None:
        """Reply with an ERROR frame; close when fatal or past the error threshold."""
        self.errors += 1
        server = self.server
        server.stats["errors"] += 1
        too_many = self.errors > server.config.max_errors
        if not 0 <= frame_type <= 255:
            frame_type = 0
        self.send(encode_frame(FRAME_ERROR, [ErrorReply(
            error_kind=kind, detail=detail, frame_type=frame_type, context_id=context_id,
            ts_event=_now_ns(), error_count=self.errors)]))
        log.info("venue: connection %d key %s: error kind %d detail %d frame type %d (%d so far)",
                 self.number, self.account.key_id if self.account else "-", kind, detail,
                 frame_type, self.errors)
        if too_many and not fatal:
            self.send(encode_frame(FRAME_ERROR, [ErrorReply(
                error_kind=ERROR_SESSION, detail=SESSION_TOO_MANY_ERRORS, frame_type=0,
                context_id=0, ts_event=_now_ns(), error_count=self.errors)]))
            self.close(CLOSE_POLICY, "too many errors")
        elif fatal:
            self.close(CLOSE_UNSUPPORTED if detail in (SESSION_VERSION_UNSUPPORTED,
                                                       PROTO_BAD_FRAME_VERSION)
                       else CLOSE_POLICY, "protocol error")

    # -- inbound -------------------------------------------------------------------------------

    def on_message(self, msg) -> None:
        """Check and act on one inbound message."""
        if isinstance(msg, str):
            self.error(ERROR_FRAME, PROTO_BAD_FRAME_TYPE)
            return
        status, _bad = frame_status(msg)
        ft = msg[3] if len(msg) > 3 else 0
        if status == PROTO_UNSIGNED:
            self.error(ERROR_AUTH, AUTH_UNSIGNED, ft)
            return
        if status:
            fatal = status == PROTO_BAD_FRAME_VERSION and self.account is None
            self.error(ERROR_FRAME, status, ft if 1 <= ft <= FRAME_ERROR else 0, fatal=fatal)
            return
        if ft not in CLIENT_FRAME_TYPES:
            self.error(ERROR_FRAME, PROTO_BAD_FRAME_TYPE, ft)
            return
        frame = decode_frame(msg)
        record = frame.records()[0]
        context = getattr(record, "client_order_id", 0) or getattr(record, "request_id", 0)
        server = self.server
        if ft == FRAME_HELLO:
            if self.account is not None:
                self.error(ERROR_SESSION, SESSION_ALREADY_LOGGED_IN, ft, record.session_id)
                return
            reason = server.verifier.verify_frame(frame)
            if reason != AUTH_OK:
                self.error(ERROR_AUTH, reason, ft, record.session_id)
                return
            if not record.min_version <= VERSION <= record.max_version:
                self.error(ERROR_SESSION, SESSION_VERSION_UNSUPPORTED, ft, record.session_id,
                           fatal=True)
                return
            self.account = server.exchange.accounts[frame.key_id]
            if server._first_login is not None:
                server._first_login.set()
            server._sessions_by_key.setdefault(frame.key_id, set()).add(self)
            server.exchange.matcher(self.account, server.config.instrument_id)
            self.send(encode_frame(FRAME_WELCOME, [Welcome(
                accepted_version=VERSION, trader_id=self.account.trader_id,
                session_id=record.session_id, ts_event=_now_ns())]))
            log.info("venue: connection %d logged in as key %s (trader %d)", self.number,
                     frame.key_id, self.account.trader_id)
            return
        if self.account is None:
            self.error(ERROR_SESSION, SESSION_NOT_LOGGED_IN, ft, context)
            return
        reason = server.verifier.verify_frame(frame)
        if reason == AUTH_OK and frame.key_id != self.account.key_id:
            reason = AUTH_UNKNOWN_KEY  # another key's signature is no good on this session
        if reason != AUTH_OK:
            self.error(ERROR_AUTH, reason, ft, context)
            return
        if ft == FRAME_ORDER:
            server.stats["orders"] += 1
            reports = server.exchange.submit(self.account, record, server.data_now(), _now_ns())
            server._deliver_reports({self.account: reports})
        elif ft == FRAME_CANCEL:
            server.stats["cancels"] += 1
            reports = server.exchange.cancel(self.account, record.client_order_id,
                                             record.venue_order_id, server.data_now(),
                                             _now_ns())
            server._deliver_reports({self.account: reports})
        else:
            self._answer_query(record)

    def _answer_query(self, q) -> None:
        ex = self.server.exchange
        acc = self.account
        if q.query_kind == QUERY_OPEN_ORDERS:
            records = ex.open_order_records(acc, q.instrument_id)
        elif q.query_kind == QUERY_FILLS_SINCE:
            records = [msgspec.structs.replace(f, request_id=q.request_id)
                       for f in acc.fills_since(q.since_ts_ns, q.instrument_id)]
        elif q.query_kind == QUERY_POSITIONS:
            records = ex.positions(acc, q.instrument_id)
        else:  # pragma: no cover - the decoder refuses other kinds
            return
        # one frame holds at most MAX_REPLY_RECORDS; a longer answer keeps the newest
        records = records[-MAX_REPLY_RECORDS:]
        head = QueryReply(query_kind=q.query_kind, request_id=q.request_id,
                          count=len(records), ts_event=_now_ns())
        payload = encode_record(head) + b"".join([encode_record(r) for r in records])
        self.send(frame_header(FRAME_QUERY_REPLY, len(payload)) + payload)


class SandboxServer:
    """Run the sandbox venue inside an asyncio loop (tests) or from `hft venue`.

    Parameters
    ----------
    config : VenueConfig
    secrets : key id -> secret (`auth.load_secrets`); each key is one account
    clock_ms : the verifier's clock (a test clock in tests)

    `await start()` returns the bound port (config.port 0 = ephemeral); `await stop()` closes
    every connection and stops the market data.
    """

    def __init__(self, config: VenueConfig | None = None,
                 secrets: Mapping[str, Secret | bytes | str] | None = None, *,
                 clock_ms=None, **overrides) -> None:
        if config is None:
            config = VenueConfig(**overrides)
        elif overrides:
            config = msgspec.structs.replace(config, **overrides)
        check_host(config.host, config.allow_remote)
        for name in ("max_errors", "max_batch", "max_pending_quotes"):
            if getattr(config, name) < 1:
                raise ValueError(f"venue: {name} is {getattr(config, name)}, expected >= 1")
        if config.speed <= 0 or config.rate <= 0:
            raise ValueError(f"venue: speed {config.speed} and rate {config.rate} must be > 0")
        f = config.faults
        for name in ("reject_fraction", "duplicate_fraction"):
            if not 0.0 <= getattr(f, name) <= 1.0:
                raise ValueError(f"venue: faults.{name} is {getattr(f, name)}, expected 0..1")
        if not secrets:
            raise ValueError("venue: no API secrets: set HFT_API_SECRET_<KEY> or give a "
                             "secrets file")
        self.config = config
        kw = {} if clock_ms is None else {"clock_ms": clock_ms}
        self.verifier = Verifier(secrets, window_ms=config.window_ms, **kw)
        reject_rng = random.Random(f.seed)
        reject = (lambda _acc, _order: reject_rng.random() < f.reject_fraction) \
            if f.reject_fraction > 0 else None
        self.exchange = Exchange(
            [InstrumentSpec(config.instrument_id, config.price_precision, config.size_precision,
                            maker_fee_bps=config.maker_fee_bps,
                            taker_fee_bps=config.taker_fee_bps)],
            secrets.keys(), reject=reject)
        self._fault_rng = random.Random(f.seed + 1)
        self._delay_s = f.delay_ms / 1000.0
        self._drops_left = f.drop_times if f.drop_times > 0 else -1
        self._muting = False
        self._sessions: set[_Session] = set()
        self._sessions_by_key: dict[str, set[_Session]] = {}
        self._server = None
        self._publisher: asyncio.Task | None = None
        self._data_now = 0
        self._connections = 0
        self._first_login: asyncio.Event | None = None
        self.port: int | None = None
        self.stats: collections.Counter[str] = collections.Counter()

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> int:
        """Listen; start the market data; return the bound port."""
        from websockets.asyncio.server import serve

        self._server = await serve(
            self._handle, self.config.host, self.config.port, compression=None,
            max_size=MAX_FRAME_SIZE, server_header=None, ping_interval=20, ping_timeout=20)
        self.port = self._server.sockets[0].getsockname()[1]
        self._first_login = asyncio.Event()
        if not self.config.start_on_login:
            self._first_login.set()
        source = quote_source(self.config)
        if source is not None:
            self._publisher = asyncio.create_task(self._publish_loop(source))
        log.info("venue: listening on %s:%d", self.config.host, self.port)
        return self.port

    async def stop(self) -> None:
        """Stop the market data and close every connection."""
        if self._publisher is not None:
            self._publisher.cancel()
            try:
                await self._publisher
            except (asyncio.CancelledError, Exception):
                pass
            self._publisher = None
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def serve_forever(self) -> None:
        """Start, then serve until cancelled."""
        await self.start()
        try:
            await asyncio.Event().wait()
        finally:
            await self.stop()

    async def __aenter__(self) -> SandboxServer:
        await self.start()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        """Return the ws:// URL clients connect to."""
        return f"ws://{self.config.host}:{self.port}"

    # -- connections ---------------------------------------------------------------------------

    async def _handle(self, ws) -> None:
        sock = ws.transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._connections += 1
        self.stats["connections"] += 1
        sess = _Session(self, ws, self._connections)
        self._sessions.add(sess)
        writer = asyncio.create_task(sess.writer())
        drop_after = self.config.faults.drop_after
        try:
            async for msg in ws:
                sess.received += 1
                if self._drop_unread(sess):
                    ws.transport.abort()
                    break
                self._muting = self._mutes(sess.received)
                try:
                    sess.on_message(msg)
                except Exception:  # a bug must cost one connection, never the server
                    log.exception("venue: connection %d: frame handling failed", sess.number)
                    sess.error(ERROR_FRAME, PROTO_BAD_FRAME_TYPE, fatal=True)
                finally:
                    self._muting = False
                if drop_after and sess.received == drop_after and self._drops_left != 0 \
                        and not self.config.faults.drop_unread:
                    self._drops_left -= 1
                    self.stats["drops"] += 1
                    log.info("venue: connection %d: dropped after %d frames (fault injection)",
                             sess.number, drop_after)
                    ws.transport.abort()
                    break
                if sess.closing:
                    break
        except Exception:  # ConnectionClosed and friends: the client went away
            pass
        finally:
            sess.closing = True
            sess.wake.set()
            try:
                await asyncio.wait_for(writer, timeout=5)
            except (asyncio.TimeoutError, asyncio.CancelledError):
                writer.cancel()
            for h in (sess.held_handle, sess.pump_handle):
                if h is not None:
                    h.cancel()
            self._sessions.discard(sess)
            if sess.account is not None:
                self._sessions_by_key.get(sess.account.key_id, set()).discard(sess)

    def _drop_unread(self, sess: _Session) -> bool:
        # fault injection: the N-th frame is lost with the link, the venue never acts on it
        f = self.config.faults
        if not (f.drop_unread and f.drop_after and sess.received == f.drop_after
                and self._drops_left != 0):
            return False
        self._drops_left -= 1
        self.stats["drops"] += 1
        log.info("venue: connection %d: dropped on frame %d, unread (fault injection)",
                 sess.number, f.drop_after)
        return True

    def _mutes(self, received: int) -> bool:
        f = self.config.faults
        return f.mute_after > 0 and f.mute_after <= received < f.mute_after + f.mute_count

    def set_faults(self, faults: FaultConfig) -> None:
        """Switch fault injection while serving (a test turns a slow venue healthy again)."""
        for name in ("reject_fraction", "duplicate_fraction"):
            if not 0.0 <= getattr(faults, name) <= 1.0:
                raise ValueError(f"venue: faults.{name} is {getattr(faults, name)}, "
                                 f"expected 0..1")
        self.config = msgspec.structs.replace(self.config, faults=faults)
        self._delay_s = faults.delay_ms / 1000.0
        self._drops_left = faults.drop_times if faults.drop_times > 0 else -1

    def _deliver_reports(self, by_account: dict[Account, list]) -> None:
        for account, reports in by_account.items():
            if not reports:
                continue
            if self._muting:  # fault injection: acted on, reports lost in transit
                self.stats["reports_muted"] += len(reports)
                continue
            self.stats["reports"] += len(reports)
            for sess in self._sessions_by_key.get(account.key_id, ()):
                if not sess.closing:
                    sess.send_reports(reports)

    # -- market data ---------------------------------------------------------------------------

    def data_now(self) -> int:
        """Return the venue's market-data time in ns (the last quote's ts_event, or wall time)."""
        return self._data_now or _now_ns()

    def publish_quotes(self, quotes) -> None:
        """Match and publish a batch of quotes now (a QUOTE_DTYPE array, bytes or QuoteMsgs)."""
        if isinstance(quotes, (bytes, bytearray, memoryview)):
            arr = np.frombuffer(bytes(quotes), dtype=QUOTE_DTYPE)
        elif isinstance(quotes, np.ndarray):
            arr = np.ascontiguousarray(quotes)
        else:
            arr = np.frombuffer(b"".join(encode_quote(q) for q in quotes), dtype=QUOTE_DTYPE)
        if len(arr) == 0:
            return
        index, status = validate_batch(arr)
        if status:
            raise ValueError(f"publish_quotes: record {index} is invalid (status {status})")
        now = _now_ns()
        self._data_now = int(arr["ts_event"][-1])
        self._deliver_reports(self.exchange.apply_quotes(arr, now))
        self._deliver_reports(self.exchange.expire(self._data_now, now))
        payload = arr.tobytes()
        self.stats["quotes_published"] += len(arr)
        for sess in self._sessions:
            if sess.account is not None and not sess.closing:
                sess.push_quotes(payload)

    async def _publish_loop(self, source: Iterator[np.ndarray]) -> None:
        cfg = self.config
        loop = asyncio.get_running_loop()
        synthetic = cfg.synthetic
        chunk = np.empty(0, dtype=QUOTE_DTYPE)
        pos = 0
        # time.monotonic, not loop.time: uvloop's loop time is cached in whole milliseconds
        t0 = time.monotonic()
        data_t0 = None
        sent = 0
        pacer = None
        try:
            await self._first_login.wait()
            t0 = time.monotonic()
            if synthetic and cfg.rate <= _PACED_MAX_RATE:
                pacer = _Pacer(loop, 1.0 / cfg.rate)
            while True:
                if pos >= len(chunk):
                    try:
                        chunk = next(source)
                    except StopIteration:
                        log.info("venue: replay finished after %d quotes", sent)
                        return
                    pos = 0
                    continue
                elapsed = time.monotonic() - t0
                if synthetic:
                    due = int(elapsed * cfg.rate) - sent
                    wait = (sent + 1) / cfg.rate - elapsed
                else:
                    if data_t0 is None:
                        data_t0 = int(chunk["ts_event"][pos])
                    horizon = data_t0 + int(elapsed * cfg.speed * 1e9)
                    end = int(np.searchsorted(chunk["ts_event"][pos:], horizon, "right")) + pos
                    due = end - pos
                    wait = (int(chunk["ts_event"][end]) - horizon) / cfg.speed / 1e9 \
                        if end < len(chunk) else 0.0
                if due <= 0:
                    if pacer is not None:
                        await pacer.wait()  # sub-ms: the loop's timers tick in whole ms
                    else:
                        await asyncio.sleep(max(wait, 0.0))
                    continue
                n = min(due, len(chunk) - pos, cfg.max_batch)
                batch = chunk[pos:pos + n].copy()
                pos += n
                sent += n
                now = _now_ns()
                if synthetic:
                    batch["ts_event"] = now
                batch["ts_init"] = now
                self.publish_quotes(batch)
                # let the writers run before the next batch (the loop stays responsive)
                await asyncio.sleep(0)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("venue: market data stopped")
        finally:
            if pacer is not None:
                pacer.stop()


# Synthetic quotes up to this rate leave one per QUOTES frame at a steady pace (a thread wakes
# the loop each period); above it they leave in the batches the loop's 1 ms timers allow.
_PACED_MAX_RATE = 20_000.0


class _Pacer:
    """Wake an asyncio loop every `period_s` from a thread, finer than the loop's 1 ms timers.

    uvloop (libuv) timers have millisecond resolution, so a 10 k/s random walk sleeping on the
    loop leaves in bursts of ~10 quotes per frame; a client's tick-to-order latency would then
    measure the burst, not the client. The thread sleeps to absolute deadlines (no drift) and
    sets an asyncio.Event through `call_soon_threadsafe`.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, period_s: float) -> None:
        self._loop = loop
        self._period_s = period_s
        self._event = asyncio.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="venue-pacer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        deadline = time.monotonic()
        while not self._stop.is_set():
            deadline += self._period_s
            delay = deadline - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            else:
                deadline -= delay  # fell behind (a loaded machine): restart the grid from now
            try:
                self._loop.call_soon_threadsafe(self._event.set)
            except RuntimeError:  # the loop closed under us
                return

    async def wait(self) -> None:
        """Wait for the next period's wake-up."""
        self._event.clear()
        await self._event.wait()

    def stop(self) -> None:
        """Stop the thread (it ends within one period)."""
        self._stop.set()


def _spin(loop: asyncio.AbstractEventLoop) -> None:
    # re-armed every turn: the loop's ready queue is never empty, so it polls its sockets with
    # a zero timeout instead of sleeping in epoll (`hft venue --busy-poll`)
    loop.call_soon(_spin, loop)


def run_cli(args) -> int:
    """Run `hft venue` from parsed arguments until SIGINT / SIGTERM; return the exit code."""
    import signal
    import sys

    from hft.adapters.sandbox.auth import load_secrets

    try:
        secrets = load_secrets(args.secrets)
        config = VenueConfig(
            instrument_id=args.instrument, price_precision=args.price_precision,
            size_precision=args.size_precision, host=args.host, port=args.port,
            allow_remote=args.allow_remote, data=args.data, speed=args.speed,
            synthetic=args.synthetic, seed=args.seed, rate=args.rate,
            window_ms=args.window_ms, max_errors=args.max_errors,
            maker_fee_bps=args.maker_fee_bps, taker_fee_bps=args.taker_fee_bps,
            faults=FaultConfig(drop_after=args.drop_after, drop_times=args.drop_times,
                               drop_unread=args.drop_unread, mute_after=args.mute_after,
                               mute_count=args.mute_count, delay_ms=args.delay_ms,
                               reject_fraction=args.reject_fraction,
                               duplicate_fraction=args.duplicate_fraction,
                               reorder=args.reorder, seed=args.fault_seed))
        server = SandboxServer(config, secrets)
        if config.data:
            quote_source(config)  # a missing or unreadable file fails now, not in the loop
    except (ValueError, OSError) as e:
        print(f"hft venue: {e}", file=sys.stderr)
        return 1 if isinstance(e, OSError) else 2

    async def main() -> None:
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        if getattr(args, "busy_poll", False):
            _spin(loop)
        port = await server.start()
        print(f"hft venue: serving {server.url} (port {port}), keys {sorted(secrets)}, "
              f"{'synthetic' if config.synthetic else config.data}", flush=True)
        await stop.wait()
        await server.stop()
        s = server.stats
        print(f"hft venue: stopped: {s['connections']} connections, {s['orders']} orders, "
              f"{s['reports']} reports, {s['quotes_published']} quotes published, "
              f"{s['quotes_sent']} sent in {s['quote_frames']} frames, "
              f"{s['errors']} errors", flush=True)

    try:
        import uvloop
        uvloop.run(main())
    except ImportError:  # pragma: no cover - uvloop is a dependency on Linux
        asyncio.run(main())
    except OSError as e:
        print(f"hft venue: {e}", file=sys.stderr)
        return 1
    return 0
