"""Generate synthetic quote streams (seeded random walks) for large runs and benchmarks."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from hft.core.encoding import QUOTE_DTYPE, RECORD_QUOTE
from hft.core.encoding import VERSION as ENCODING_VERSION


def quote_chunks(n: int, *, seed: int = 7, instrument_id: int = 1, start_ns: int = 1_577_916_000_000_000_000,
                 step_ns: int = 100_000_000, price0: float = 1.1, price_precision: int = 5,
                 size_precision: int = 0, spread_ticks: int = 2, vol_ticks: float = 1.0,
                 size: int = 1_000_000, chunk_rows: int = 1 << 20) -> Iterator[np.ndarray]:
    """Yield `n` quotes in chunks: a seeded random walk of the mid in whole ticks.

    Steps are rounded normal draws with std `vol_ticks`, the spread is `spread_ticks` wide,
    timestamps advance by `step_ns`. Same arguments, same bytes.
    """
    rng = np.random.default_rng(seed)
    mid = int(round(price0 * 10**price_precision))
    done = 0
    while done < n:
        m = min(chunk_rows, n - done)
        steps = np.rint(rng.normal(0.0, vol_ticks, m)).astype(np.int64)
        mids = mid + np.cumsum(steps)
        mids = np.maximum(mids, spread_ticks + 1)  # keep prices positive on long walks
        mid = int(mids[-1])
        out = np.zeros(m, dtype=QUOTE_DTYPE)
        out["version"] = ENCODING_VERSION
        out["record_type"] = RECORD_QUOTE
        out["price_precision"] = price_precision
        out["size_precision"] = size_precision
        out["instrument_id"] = instrument_id
        ts = start_ns + (np.arange(done, done + m, dtype=np.int64) * step_ns)
        out["ts_event"] = ts
        out["ts_init"] = ts
        half = spread_ticks // 2
        out["bid_price"] = mids - half
        out["ask_price"] = mids - half + spread_ticks
        out["bid_size"] = size * 10**size_precision
        out["ask_size"] = size * 10**size_precision
        out["sequence"] = np.arange(done, done + m, dtype=np.uint64)
        done += m
        yield out


def write_npz(path: str | Path, chunks: Iterable[np.ndarray] | np.ndarray, key: str = "quotes") -> int:
    """Write record chunks as one array of an uncompressed .npz, streaming; return the row count.

    The .npy header needs the total shape up front, so the rows go to a scratch file first and
    are then copied into the zip member behind the real header; memory stays one chunk.
    """
    if isinstance(chunks, np.ndarray):
        chunks = [chunks]
    path = Path(path)
    scratch = path.with_name(path.name + ".rows.tmp")
    dtype = None
    total = 0
    try:
        with open(scratch, "wb") as f:
            for chunk in chunks:
                if dtype is None:
                    dtype = chunk.dtype
                elif chunk.dtype != dtype:
                    raise ValueError(f"chunk dtype {chunk.dtype} differs from the first chunk's {dtype}")
                f.write(np.ascontiguousarray(chunk).tobytes())
                total += len(chunk)
        if dtype is None:
            raise ValueError("no chunks to write")
        header = {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False, "shape": (total,)}
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
            with zf.open(key + ".npy", "w", force_zip64=True) as member, open(scratch, "rb") as f:
                np.lib.format.write_array_header_1_0(member, header)
                while block := f.read(1 << 22):
                    member.write(block)
    finally:
        scratch.unlink(missing_ok=True)
    return total
