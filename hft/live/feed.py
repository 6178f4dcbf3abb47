"""Run the feed process: venue quotes over WebSocket in, the shared-memory quote board out.

    hft feed --url ws://127.0.0.1:8765 --board md --symbols 1 2
    run_feed("ws://127.0.0.1:8765", "K1", "md", [1, 2])      # blocks until SIGINT/SIGTERM

The feed logs in like the node's client does (a signed HELLO, then WELCOME), decodes every
QUOTES frame (`decode_frame` checks the frame, `Frame.quotes()` every record) and publishes the
quotes into a `hft.core.conflate.QuoteBoard`, which it creates and, on exit, unlinks. It never
sends orders: execution reports and errors for its key are logged and otherwise ignored. A
lost link is retried with exponential back-off; the board keeps the last quote of every
symbol meanwhile. Layout and guarantees of the board: docs/feed.md.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from collections.abc import Iterable
from typing import Any, TextIO

import numpy as np

from hft.adapters.sandbox.auth import Signer, load_secrets
from hft.adapters.sandbox.protocol import (
    FRAME_ERROR, FRAME_HELLO, FRAME_QUOTES, FRAME_WELCOME, Hello, decode_frame,
)
from hft.core.conflate import QuoteBoard
from hft.kernel.logging import get_logger
from hft.live.backoff import Backoff

__all__ = ["Feed", "run_feed", "secret_for"]

DEFAULT_SLOTS = 64


def secret_for(key_id: str, secrets_file: str | None = None) -> Any:
    """Return the secret of key_id from HFT_API_SECRET_<KEYID> or the 0600 secrets file.

    Raises ValueError naming where the secret was looked for (never the secret itself).
    """
    secret = load_secrets(secrets_file or os.environ.get("HFT_API_SECRETS_FILE")).get(key_id)
    if secret is None:
        raise ValueError(f"feed: no secret for key {key_id!r}: set HFT_API_SECRET_{key_id} or "
                         f"HFT_API_SECRETS_FILE (a 0600 file of KEYID=secret lines)")
    return secret


class Feed:
    """Hold one venue connection and publish its quotes into a quote board.

    Parameters
    ----------
    url:
        The venue's WebSocket URL ("ws://127.0.0.1:8765").
    key_id, secret:
        The API key the feed logs in with (the secret signs the HELLO; never logged).
    board:
        The QuoteBoard to publish into (the feed is its only producer).
    symbols:
        Instrument ids to publish; empty: every quote the venue sends. The ids given claim
        the board's first slots in this order.
    backoff:
        Reconnect delays (default Backoff()).
    """

    def __init__(self, url: str, key_id: str, secret: Any, board: QuoteBoard,
                 symbols: Iterable[int] = (), *, backoff: Backoff | None = None,
                 open_timeout_s: float = 5.0) -> None:
        self.url = url
        self.signer = Signer(key_id, secret)
        self.board = board
        self.symbols = np.array(sorted(set(symbols)), dtype=np.uint32)
        for iid in symbols:
            board.register(int(iid))
        self.backoff = backoff if backoff is not None else Backoff()
        self.open_timeout_s = open_timeout_s
        self.log = get_logger("Feed")
        self.frames = 0
        self.quotes = 0
        self.skipped = 0          # quotes of symbols not asked for
        self.sessions = 0
        self.logged_in = asyncio.Event()
        self._stopping = False

    def stop(self) -> None:
        """Ask `run()` to end after the frame it is handling."""
        self._stopping = True

    def on_frame(self, data: bytes) -> None:
        """Decode one frame from the venue and publish its quotes."""
        frame = decode_frame(data)
        ft = frame.frame_type
        if ft == FRAME_QUOTES:
            arr = frame.quotes()
            self.frames += 1
            if len(self.symbols):
                keep = np.isin(arr["instrument_id"], self.symbols)
                self.skipped += len(arr) - int(keep.sum())
                arr = np.ascontiguousarray(arr[keep])
            if len(arr):
                self.quotes += self.board.publish_batch(arr)
        elif ft == FRAME_WELCOME:
            self.sessions += 1
            self.backoff.reset()
            self.log.info("logged in", url=self.url, key_id=self.signer.key_id,
                          trader=frame.records()[0].trader_id, session=self.sessions)
            self.logged_in.set()
        elif ft == FRAME_ERROR:
            err = frame.records()[0]
            self.log.error("venue error", kind=err.error_kind, detail=err.detail,
                           frame_type=err.frame_type)
            if err.error_kind in (2, 3) and not self.logged_in.is_set():  # AUTH, SESSION
                raise ConnectionRefusedError(f"venue refused the feed's login: kind "
                                             f"{err.error_kind}, detail {err.detail}")

    async def run(self) -> None:
        """Connect, log in, publish quotes; reconnect with back-off until stop()."""
        import websockets

        first = True
        while not self._stopping:
            if not first:
                delay = self.backoff.next_delay()
                self.log.warning("reconnecting", url=self.url, delay_s=round(delay, 4))
                await asyncio.sleep(delay)   # back-off wait, not synchronisation
            first = False
            try:
                ws = await asyncio.wait_for(
                    websockets.connect(self.url, compression=None, max_size=2 ** 21,
                                       ping_interval=None, max_queue=None),
                    self.open_timeout_s)
            except (OSError, TimeoutError, websockets.WebSocketException) as e:
                self.log.warning("connect failed", url=self.url, error=str(e))
                continue
            sock = ws.transport.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.logged_in.clear()
            try:
                await ws.send(self.signer.sign(FRAME_HELLO, [Hello(
                    min_version=1, max_version=1,
                    session_id=int.from_bytes(os.urandom(8), "little"),
                    ts_init=time.time_ns())]))
                while not self._stopping:
                    data = await ws.recv()
                    if isinstance(data, str):
                        raise ConnectionError("venue sent a text message, expected binary")
                    self.on_frame(data)
            except ConnectionRefusedError:
                raise
            except (OSError, ConnectionError, websockets.WebSocketException) as e:
                self.log.warning("link lost", url=self.url, error=f"{type(e).__name__}: {e}")
            finally:
                ws.transport.abort()


def run_feed(url: str, key: str, board_name: str, symbols: Iterable[int] = (), *,
             secret: Any = None, n_slots: int = DEFAULT_SLOTS, duration_s: float | None = None,
             out: TextIO | None = sys.stdout) -> int:
    """Create board `board_name`, feed it from the venue until SIGINT/SIGTERM or duration_s.

    The secret comes from `secret`, else HFT_API_SECRET_<KEY> or HFT_API_SECRETS_FILE. The
    board is unlinked on exit. Returns 0, or 1 when the venue refused the login.
    """
    symbols = list(symbols)
    if secret is None:
        secret = secret_for(key)
    board = QuoteBoard.create_shared(board_name, max(n_slots, len(symbols)), symbols)
    feed = Feed(url, key, secret, board, symbols)

    async def main() -> int:
        loop = asyncio.get_running_loop()
        task = loop.create_task(feed.run())
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, task.cancel)
        try:
            await asyncio.wait_for(task, duration_s)
        except (asyncio.CancelledError, TimeoutError):
            pass
        except ConnectionRefusedError as e:
            if out is not None:
                print(f"hft feed: {e}", file=sys.stderr)
            return 1
        return 0

    try:
        try:
            import uvloop
            code = uvloop.run(main())
        except ImportError:  # pragma: no cover - uvloop is a dependency on Linux
            code = asyncio.run(main())
        s = board.stats()
        if out is not None:
            print(f"hft feed: stopped: {feed.frames} frames, {feed.quotes} quotes published, "
                  f"{feed.skipped} skipped; board {board_name!r}: {s['reads']} read, "
                  f"{s['conflated']} conflated", file=out, flush=True)
        return code
    finally:
        board.close()
        board.unlink()
