"""Sign and verify the sandbox's client frames with HMAC-SHA256; load API secrets safely.

Every hello, order, cancel and query frame ends in a 64-byte trailer: key id, millisecond
timestamp, nonce and an HMAC-SHA256 over every frame byte before the signature (header, payload,
key id, timestamp, nonce). `Verifier` refuses unsigned, unknown-key, badly signed, stale (outside
the window) and replayed (nonce already seen inside the window) frames with an `AuthReason`, and
forgets nonces once their timestamp leaves the window, so its memory is bounded by the request
rate times twice the window. Secrets come from `HFT_API_SECRET_<KEYID>` environment variables
or a file only its owner can read (mode 0600); no repr or message ever shows one.
"""

from __future__ import annotations

import heapq
import hmac
import os
import secrets as _secrets
import stat
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from hft.adapters.sandbox.protocol import (
    AUTH_BAD_SIGNATURE,
    AUTH_OK,
    AUTH_REPLAYED,
    AUTH_STALE,
    AUTH_UNKNOWN_KEY,
    AUTH_UNSIGNED,
    FRAME_FLAG_SIGNED,
    PROTO_UNSIGNED,
    AuthReason,
    Frame,
    HmacKey,
    OrderFrameWriter,
    decode_frame,
    encode_key_id,
    frame_status,
    signed_frame_body,
)

ENV_PREFIX = "HFT_API_SECRET_"
DEFAULT_WINDOW_MS = 5_000
AUTH_REASONS = {
    AUTH_OK: "signed correctly",
    AUTH_UNSIGNED: "frame is not signed",
    AUTH_UNKNOWN_KEY: "key id is not known",
    AUTH_BAD_SIGNATURE: "signature does not match",
    AUTH_REPLAYED: "nonce already used inside the window",
    AUTH_STALE: "timestamp outside the window",
}


def wall_clock_ms() -> int:
    """Return wall-clock time in milliseconds since the Unix epoch."""
    return time.time_ns() // 1_000_000


class AuthError(ValueError):
    """A frame failed authentication; `reason` is its AuthReason code."""

    def __init__(self, reason: int, key_id: str | None = None) -> None:
        self.reason = AuthReason(reason)
        self.key_id = key_id
        who = f" (key id {key_id!r})" if key_id else ""
        super().__init__(f"auth: {self.reason.name}: {AUTH_REASONS[reason]}{who}")


class Secret:
    """Hold an API secret; its repr and str never show the value."""

    __slots__ = ("_value",)

    def __init__(self, value: bytes | str) -> None:
        raw = value.encode() if isinstance(value, str) else bytes(value)
        if not raw:
            raise ValueError("secret is empty, expected at least one byte")
        self._value = raw

    def reveal(self) -> bytes:
        """Return the secret bytes (for the HMAC only)."""
        return self._value

    def __repr__(self) -> str:
        return "Secret(<hidden>)"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and hmac.compare_digest(self._value, other._value)

    def __hash__(self) -> int:
        return hash(Secret)


def _as_secret(value: Secret | bytes | str) -> Secret:
    return value if isinstance(value, Secret) else Secret(value)


class Signer:
    """Sign a client's frames with one API key.

    Nonces start at a random 63-bit value and count up, so they never repeat within a process
    and two processes with the same key almost surely do not collide.
    """

    def __init__(self, key_id: str, secret: Secret | bytes | str,
                 clock_ms: Callable[[], int] = wall_clock_ms) -> None:
        encode_key_id(key_id)  # refuse a key id the wire cannot carry, now
        self.key_id = key_id
        self._secret = _as_secret(secret)
        self._clock_ms = clock_ms
        # the keyed HMAC state (two midstates in C), made once: no re-keying per frame
        self._mac = HmacKey(self._secret.reveal())
        self._orders = OrderFrameWriter(key_id)
        self._orders.set_secret(self._secret.reveal())  # orders are signed in C
        self._orders.nonce = _secrets.randbits(63)       # the one nonce counter, in C

    @property
    def order_writer(self) -> OrderFrameWriter:
        """Return the C order-frame writer (it holds the nonce counter; the client's hot path)."""
        return self._orders

    @property
    def clock_ms(self) -> Callable[[], int]:
        """Return the millisecond clock that stamps each frame."""
        return self._clock_ms

    def next_nonce(self) -> int:
        """Return a fresh nonce."""
        return self._orders.next_nonce()

    def sign(self, frame_type: int, records, ts_ms: int | None = None,
             nonce: int | None = None) -> bytes:
        """Return the signed frame of type frame_type carrying records (messages or bytes)."""
        body = signed_frame_body(
            frame_type, records, self.key_id,
            self._clock_ms() if ts_ms is None else ts_ms,
            self.next_nonce() if nonce is None else nonce)
        frame = body + self._mac.digest(body)
        decode_frame(frame)  # a frame we sign must be one a server accepts
        return frame

    def sign_order(self, order, instrument_num: int, price_precision: int,
                   size_precision: int, trader_num: int) -> bytes:
        """Return the signed ORDER frame of a model Order at the instrument's precisions.

        The hot path of a live order: the record and frame are built, checked and signed in C
        (`protocol.OrderFrameWriter.frame`: HMAC-SHA256 from keyed midstates, ~0.3 us against
        ~8 us for a copy of OpenSSL 3's HMAC object); ValueError when the venue would refuse it.
        """
        return self._orders.frame(order, instrument_num, price_precision, size_precision,
                                  trader_num, self._clock_ms(), self._orders.next_nonce())

    def __repr__(self) -> str:
        return f"Signer(key_id={self.key_id!r}, secret=<hidden>)"


class Verifier:
    """Check signed frames against known secrets, refusing replays and stale timestamps.

    Parameters
    ----------
    secrets : key id -> secret (bytes, str or Secret)
    window_ms : a frame's ts_ms must be within this many ms of the clock, either side
    clock_ms : returns the current time in ms (a test clock in tests)
    """

    def __init__(self, secrets: Mapping[str, Secret | bytes | str],
                 window_ms: int = DEFAULT_WINDOW_MS,
                 clock_ms: Callable[[], int] = wall_clock_ms) -> None:
        if window_ms <= 0:
            raise ValueError(f"verifier: window_ms is {window_ms}, expected > 0")
        self._secrets = {k: _as_secret(v) for k, v in secrets.items()}
        # one keyed C HMAC per key (two midstates), not an OpenSSL context per frame
        self._macs = {k: HmacKey(s.reveal()) for k, s in self._secrets.items()}
        self.window_ms = window_ms
        self._clock_ms = clock_ms
        self._seen: set[tuple[str, int]] = set()
        self._expiry: list[tuple[int, str, int]] = []   # heap of (ts_ms, key id, nonce)

    def __len__(self) -> int:
        """Return how many nonces are remembered."""
        return len(self._seen)

    def _forget_old(self, now_ms: int) -> None:
        # a frame whose ts_ms is older than now - window is stale anyway, so its nonce can go
        horizon = now_ms - self.window_ms
        heap = self._expiry
        while heap and heap[0][0] < horizon:
            ts, key, nonce = heapq.heappop(heap)
            self._seen.discard((key, nonce))

    def verify_frame(self, frame: Frame) -> int:
        """Return the AuthReason of a decoded frame (AUTH_OK = 0), remembering its nonce."""
        if frame.signature is None:
            return AUTH_UNSIGNED
        mac = self._macs.get(frame.key_id)
        if mac is None:
            return AUTH_UNKNOWN_KEY
        expected = mac.digest(frame.signed_part)
        if not hmac.compare_digest(expected, frame.signature):
            return AUTH_BAD_SIGNATURE
        now = self._clock_ms()
        self._forget_old(now)
        if abs(frame.ts_ms - now) > self.window_ms:
            return AUTH_STALE
        token = (frame.key_id, frame.nonce)
        if token in self._seen:
            return AUTH_REPLAYED
        # remember only authentic, fresh nonces: forged frames cannot fill this memory
        self._seen.add(token)
        heapq.heappush(self._expiry, (frame.ts_ms, frame.key_id, frame.nonce))
        return AUTH_OK

    def verify(self, buf) -> int:
        """Return the AuthReason of a raw frame; a frame that fails to decode raises ValueError.

        A client frame type without the SIGNED flag gives AUTH_UNSIGNED, not a ValueError.
        """
        status, _ = frame_status(buf)
        if status == PROTO_UNSIGNED:
            return AUTH_UNSIGNED
        return self.verify_frame(decode_frame(buf))

    def check(self, buf) -> Frame:
        """Decode and authenticate a frame; raise AuthError (a ValueError) with its reason."""
        status, _ = frame_status(buf)
        if status == PROTO_UNSIGNED:
            raise AuthError(AUTH_UNSIGNED)
        frame = decode_frame(buf)
        reason = self.verify_frame(frame)
        if reason != AUTH_OK:
            raise AuthError(reason, frame.key_id)
        return frame

    def __repr__(self) -> str:
        return (f"Verifier(keys={sorted(self._secrets)}, window_ms={self.window_ms}, "
                f"nonces={len(self._seen)})")


def load_secrets(path: str | os.PathLike | None = None,
                 environ: Mapping[str, str] | None = None) -> dict[str, Secret]:
    """Return key id -> Secret from HFT_API_SECRET_<KEYID> variables and an optional file.

    The file holds `KEYID=secret` lines (blank lines and `#` comments ignored) and must be a
    regular file readable and writable by its owner only (mode 0600 or stricter); any group or
    other permission bit is refused with a ValueError naming the mode, before it is read.
    A key in both places takes the file's value.
    """
    env = os.environ if environ is None else environ
    out: dict[str, Secret] = {}
    for name, value in env.items():
        if name.startswith(ENV_PREFIX) and len(name) > len(ENV_PREFIX):
            key = name[len(ENV_PREFIX):]
            encode_key_id(key)
            out[key] = Secret(value)
    if path is not None:
        p = Path(path)
        st = p.stat()
        if not stat.S_ISREG(st.st_mode):
            raise ValueError(f"secrets file {str(p)!r}: not a regular file")
        mode = stat.S_IMODE(st.st_mode)
        if mode & 0o077:
            raise ValueError(f"secrets file {str(p)!r}: mode is {mode:04o}, expected 0600 "
                             f"(no group or other access); run: chmod 600 {p}")
        for lineno, line in enumerate(p.read_text().splitlines(), 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            key, sep, value = line.partition("=")
            if not sep or not value.strip():
                # never echo the line: it may hold a secret
                raise ValueError(f"secrets file {str(p)!r}: line {lineno}: expected KEYID=secret")
            key = key.strip()
            encode_key_id(key)
            out[key] = Secret(value.strip())
    return out
