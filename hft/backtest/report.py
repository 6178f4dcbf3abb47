"""Write a backtest's JSON report: config summary, statistics, counts, data quality, timings.

The report is plain JSON (RFC 8259), so NaN and infinities, which JSON cannot spell, are
written as the strings "NaN", "inf" and "-inf" (a profit factor of "inf" means every trade
won; see hft.backtest.statistics). Decimals from the config are strings, exactly as given.
The layout is documented in docs/results.md; `REPORT_VERSION` changes when it does.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import msgspec

from hft.backtest.results import BacktestResult

__all__ = ["REPORT_VERSION", "build_report", "config_summary", "write_report"]

REPORT_VERSION = 1


def _jsonable(value: Any) -> Any:
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return value
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalars
        return _jsonable(value.item())
    return value


def _iso(ts_ns: int) -> str:
    seconds, ns = divmod(int(ts_ns), 1_000_000_000)
    stamp = dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{stamp}.{ns:09d}Z"


def config_summary(config: Any) -> dict[str, Any]:
    """Return a JSON-able summary of a NodeConfig (or any msgspec Struct / dict).

    Venue secrets are never in a NodeConfig (only the names of environment variables),
    so the whole config is kept; Decimals become their exact strings.
    """
    if config is None:
        return {}
    if isinstance(config, Mapping):
        return dict(msgspec.to_builtins(dict(config)))
    return dict(msgspec.to_builtins(config))


def build_report(result: BacktestResult, *, config: Any = None) -> dict[str, Any]:
    """Return the report of one result as a JSON-able dict.

    config overrides result.config (a NodeConfig, a Struct or a dict).
    """
    stats = result.statistics.to_dict()
    report = {
        "report_version": REPORT_VERSION,
        "hft_version": _hft_version(),
        "config": config_summary(config) if config is not None else dict(result.config),
        "period": {"start": _iso(stats["start_ts"]), "end": _iso(stats["end_ts"]),
                   "start_ts": stats["start_ts"], "end_ts": stats["end_ts"]},
        "statistics": stats,
        "instruments": result.instruments,
        "accounts": list(getattr(result, "accounts", None) or []),
        "counts": result.counts_summary(),
        "data": list(result.data_reports),
        "timings_s": dict(result.timings),
    }
    return _jsonable(report)


def write_report(result: BacktestResult, path: str | os.PathLike[str], *,
                 config: Any = None) -> Path:
    """Write build_report(result) as indented JSON to path (folders created); return the path."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(msgspec.json.format(msgspec.json.encode(build_report(result, config=config)),
                                        indent=2) + b"\n")
    return out


def _hft_version() -> str:
    # the package is imported whenever this module is; importing it by name here would be
    # an upward import (tests/test_layering.py)
    return str(getattr(sys.modules.get("hft"), "__version__", "unknown"))
