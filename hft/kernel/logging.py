"""Structured logging for hft components, on the standard library's logging.

    log = get_logger("RiskEngine")
    log.info("order denied", client_order_id="O-1", reason="MAX_QTY")
    # 2026-01-02T03:04:05.000000000Z INFO  RiskEngine: order denied client_order_id=O-1 reason=MAX_QTY

Every component logs through the stdlib logger `hft.<component>`, so pytest's caplog and
any stdlib handler see the records; `record.getMessage()` is the event text followed by
its key=value ids. `configure_logging` installs one handler on the `hft` logger that
renders text lines as above or JSON lines (`{"ts": ..., "level": ..., "component": ...,
"msg": ..., <ids>...}`).

Timestamps come from a clock with `timestamp_ns()` when one is given (per logger, or as
the default for all through `set_clock`), so a backtest's log lines carry simulated time;
otherwise from wall time. A call whose level is disabled costs one `isEnabledFor` check:
ids are formatted only for records that are emitted.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any, Protocol, TextIO

__all__ = ["Logger", "HftFormatter", "configure_logging", "get_logger", "set_clock", "format_ts"]

_ROOT = "hft"
_LEVELS = {"DEBUG": logging.DEBUG, "INFO": logging.INFO, "WARNING": logging.WARNING,
           "ERROR": logging.ERROR, "CRITICAL": logging.CRITICAL}
# five columns wide so the component names line up
_SHORT = {"WARNING": "WARN", "CRITICAL": "CRIT"}


class _HasTime(Protocol):
    def timestamp_ns(self) -> int: ...


_default_clock: _HasTime | None = None


def set_clock(clock: _HasTime | None) -> None:
    """Stamp records of loggers without their own clock with clock.timestamp_ns() (None: wall time)."""
    global _default_clock
    _default_clock = clock


def format_ts(ts_ns: int) -> str:
    """Format ns since the epoch as ISO 8601 UTC with nanoseconds: 2026-01-02T03:04:05.000000001Z."""
    secs, frac = divmod(ts_ns, 1_000_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs)) + f".{frac:09d}Z"


def _kv_text(fields: dict[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in fields.items())


class Logger:
    """Log events with key=value ids for one component; get one with `get_logger`."""

    __slots__ = ("component", "clock", "_logger")

    def __init__(self, component: str, clock: _HasTime | None = None) -> None:
        self.component = component
        self.clock = clock
        self._logger = logging.getLogger(f"{_ROOT}.{component}")

    def is_enabled(self, level: int) -> bool:
        """Return True when a record at this stdlib level would be emitted."""
        return self._logger.isEnabledFor(level)

    def _log(self, level: int, msg: str, fields: dict[str, Any], exc_info: bool = False) -> None:
        clock = self.clock if self.clock is not None else _default_clock
        ts_ns = clock.timestamp_ns() if clock is not None else time.time_ns()
        text = f"{msg} {_kv_text(fields)}" if fields else msg
        # stacklevel 3: the record names the caller of log.info, not this helper
        self._logger.log(level, "%s", text, exc_info=exc_info, stacklevel=3, extra={
            "hft_component": self.component, "hft_event": msg, "hft_fields": fields,
            "hft_ts_ns": ts_ns})

    def debug(self, msg: str, **fields: Any) -> None:
        """Log msg with key=value ids at DEBUG."""
        if self._logger.isEnabledFor(logging.DEBUG):
            self._log(logging.DEBUG, msg, fields)

    def info(self, msg: str, **fields: Any) -> None:
        """Log msg with key=value ids at INFO."""
        if self._logger.isEnabledFor(logging.INFO):
            self._log(logging.INFO, msg, fields)

    def warning(self, msg: str, **fields: Any) -> None:
        """Log msg with key=value ids at WARNING."""
        if self._logger.isEnabledFor(logging.WARNING):
            self._log(logging.WARNING, msg, fields)

    def error(self, msg: str, **fields: Any) -> None:
        """Log msg with key=value ids at ERROR."""
        if self._logger.isEnabledFor(logging.ERROR):
            self._log(logging.ERROR, msg, fields)

    def exception(self, msg: str, **fields: Any) -> None:
        """Log msg with key=value ids at ERROR with the traceback being handled."""
        if self._logger.isEnabledFor(logging.ERROR):
            self._log(logging.ERROR, msg, fields, exc_info=True)


def get_logger(component: str, clock: _HasTime | None = None) -> Logger:
    """Return a structured logger for component (e.g. "RiskEngine"), optionally on a clock."""
    return Logger(component, clock)


class HftFormatter(logging.Formatter):
    """Render records as `<ts> <LEVEL> <component>: <event> k=v ...` or as JSON lines."""

    def __init__(self, json_lines: bool = False) -> None:
        super().__init__()
        self.json_lines = json_lines

    def format(self, record: logging.LogRecord) -> str:
        ts_ns = getattr(record, "hft_ts_ns", None)
        if ts_ns is None:  # a plain stdlib record that reached the hft handler
            ts_ns = int(record.created * 1e9)
        component = getattr(record, "hft_component", record.name)
        level = _SHORT.get(record.levelname, record.levelname)
        exc = self.formatException(record.exc_info) if record.exc_info else None
        if self.json_lines:
            row: dict[str, Any] = {"ts": format_ts(ts_ns), "level": level, "component": component,
                                   "msg": getattr(record, "hft_event", record.getMessage())}
            for k, v in getattr(record, "hft_fields", {}).items():
                row[k] = v if isinstance(v, (int, float, str, bool, type(None))) else str(v)
            if exc:
                row["exc"] = exc
            return json.dumps(row)
        line = f"{format_ts(ts_ns)} {level:<5} {component}: {record.getMessage()}"
        return f"{line}\n{exc}" if exc else line


def configure_logging(level: str = "INFO", fmt: str = "text", stream: TextIO | None = None,
                      file: str | None = None, clock: _HasTime | None = None) -> logging.Handler:
    """Send hft records at level and above to stream (default stderr) or file; return the handler.

    fmt is "text" or "json" (JSON lines). Replaces a handler installed by an earlier call.
    clock, when given, becomes the default clock (see `set_clock`).
    """
    if level.upper() not in _LEVELS:
        raise ValueError(f"logging level {level!r} unknown, expected one of {', '.join(_LEVELS)}")
    if fmt not in ("text", "json"):
        raise ValueError(f"logging format {fmt!r} unknown, expected 'text' or 'json'")
    root = logging.getLogger(_ROOT)
    for h in list(root.handlers):
        if getattr(h, "hft_installed", False):
            root.removeHandler(h)
            h.close()
    handler: logging.Handler
    handler = logging.FileHandler(file) if file else logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(HftFormatter(json_lines=fmt == "json"))
    handler.hft_installed = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(_LEVELS[level.upper()])
    if clock is not None:
        set_clock(clock)
    return handler
