"""Parse the timestamp columns of common market-data dumps into int64 ns since the epoch (UTC)."""

from __future__ import annotations

import numpy as np

NS_PER_S = 1_000_000_000
NS_PER_H = 3600 * NS_PER_S

# fmt name -> how the text looks; every parser returns int64 ns UTC, or raises ValueError.
FORMATS = ("iso", "histdata", "epoch_s", "epoch_ms", "epoch_us", "epoch_ns")


class TimestampError(ValueError):
    """A timestamp cell could not be parsed; `index` is its position in the chunk."""

    def __init__(self, index: int, text: str, fmt: str) -> None:
        super().__init__(f"bad timestamp {text!r} (format {fmt})")
        self.index = index


def _split_offset(s: str) -> tuple[str, int]:
    """Split '2013-01-01 22:00:00.295+01:00' into ('2013-01-01 22:00:00.295', 3600 s)."""
    if s.endswith("Z"):
        return s[:-1], 0
    if len(s) > 6 and s[-3] == ":" and s[-6] in "+-":
        sign = 1 if s[-6] == "+" else -1
        return s[:-6], sign * (int(s[-5:-3]) * 3600 + int(s[-2:]) * 60)
    return s, 0


def _iso(cells: list[str]) -> np.ndarray:
    texts, offsets = [], []
    uniform = True
    first_offset = None
    for c in cells:
        t, off = _split_offset(c.strip())
        texts.append(t)
        offsets.append(off)
        if first_offset is None:
            first_offset = off
        elif off != first_offset:
            uniform = False
    ns = np.array(texts, dtype="datetime64[ns]").astype(np.int64)
    # a local time with offset +01:00 is one hour ahead of UTC: subtract the offset
    if uniform:
        if first_offset:
            ns -= first_offset * NS_PER_S
    else:
        ns -= np.asarray(offsets, dtype=np.int64) * NS_PER_S
    return ns


def _histdata(cells: list[str]) -> np.ndarray:
    # HistData ASCII ticks: 'YYYYMMDD HHMMSSfff' in EST, fixed UTC-5 with no DST.
    iso = [f"{c[0:4]}-{c[4:6]}-{c[6:8]}T{c[9:11]}:{c[11:13]}:{c[13:15]}.{c[15:18]}" for c in cells]
    if any(len(c) != 18 or c[8] != " " for c in cells):
        raise ValueError("not YYYYMMDD HHMMSSfff")
    return np.array(iso, dtype="datetime64[ns]").astype(np.int64) + 5 * NS_PER_H


_EPOCH_SCALE = {"epoch_s": NS_PER_S, "epoch_ms": 1_000_000, "epoch_us": 1_000, "epoch_ns": 1}


def _parse_fast(cells: list[str], fmt: str) -> np.ndarray:
    if fmt == "iso":
        return _iso(cells)
    if fmt == "histdata":
        return _histdata(cells)
    return np.array(cells, dtype=np.int64) * _EPOCH_SCALE[fmt]


def parse_timestamps(cells: list[str], fmt: str) -> np.ndarray:
    """Return int64 ns UTC for every cell; raise TimestampError naming the first bad cell."""
    if fmt not in FORMATS:
        raise ValueError(f"timestamp format {fmt!r} unknown, expected one of {', '.join(FORMATS)}")
    try:
        return _parse_fast(cells, fmt)
    except (ValueError, OverflowError, IndexError):
        pass
    for i, c in enumerate(cells):  # slow path, only to name the bad cell
        try:
            _parse_fast([c], fmt)
        except (ValueError, OverflowError, IndexError):
            raise TimestampError(i, c, fmt) from None
    raise TimestampError(0, cells[0] if cells else "", fmt)


def sniff_format(sample: str) -> str:
    """Guess the timestamp format from one cell."""
    s = sample.strip()
    if s.isdigit():
        n = len(s)
        return "epoch_s" if n <= 10 else "epoch_ms" if n <= 13 else "epoch_us" if n <= 16 else "epoch_ns"
    if len(s) == 18 and s[8] == " " and s.replace(" ", "").isdigit():
        return "histdata"
    return "iso"
