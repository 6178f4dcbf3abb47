"""Load quotes, trades and L2 book data as chunks of core records.

Quotes and trades come from CSV (and .csv.gz), NPZ and Parquet; L2 book data (`BookSource`)
from Bybit JSONL history files (.data, .data.zip), Binance depth CSV, a generic
`ts_event,side,price,size[,action]` CSV, or NPZ of BOOK_DELTA_DTYPE (`NpzSource`).

Every source is an iterator of numpy arrays in the core record dtypes (`QUOTE_DTYPE`,
`TRADE_DTYPE`, `BOOK_DELTA_DTYPE`, 64 bytes a row), read a chunk at a time so memory stays flat however large the
file. Prices and sizes become fixed-point int64 at the instrument's precisions; a value with
more decimals than the precision is an error, never rounded.

Bad rows (unparseable, NaN, non-positive price, negative size, crossed quote, timestamp before
the previous row) raise `DataError` naming the file and line by default; `on_error="skip"`
drops them and counts each reason in `source.skipped`.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import mmap
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import msgspec
import numpy as np

from hft.backtest.stream import scan_chunk
from hft.backtest.timestamps import TimestampError, parse_timestamps, sniff_format
from hft.core.encoding import (
    BOOK_DELTA_DTYPE, DECODE_ERRORS, DELTA_ADD, DELTA_CLEAR, DELTA_DELETE, DELTA_SNAPSHOT_BEGIN,
    DELTA_SNAPSHOT_END, DELTA_UPDATE, QUOTE_DTYPE, RECORD_BOOK_DELTA, RECORD_QUOTE,
    RECORD_TRADE, TRADE_DTYPE, validate_batch,
)
from hft.core.encoding import VERSION as ENCODING_VERSION

OnError = Literal["raise", "skip"]
DEFAULT_CHUNK_ROWS = 65_536

SIDE_NONE, SIDE_BUY, SIDE_SELL = 0, 1, 2


class DataError(ValueError):
    """A data row is bad: the message names the file, the line and what is wrong."""


class CsvLayout(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Where each field is in a CSV file: column names (with a header) or 0-based indexes.

    Roles for quotes: ts_event, bid, ask, bid_size, ask_size. For trades: ts_event, price,
    size, trade_id, and either aggressor_side (buy/sell/b/s) or buyer_maker (True = the
    aggressor sold). Missing optional roles take defaults (sizes: `default_size`).
    """

    kind: Literal["quotes", "trades"]
    columns: dict[str, str | int]
    header: bool = True
    timestamp_format: str = "auto"
    delimiter: str = ","


PRESETS: dict[str, CsvLayout] = {
    # TrueFX ticks: timestamp,bid,ask with ISO times in UTC
    "truefx": CsvLayout(kind="quotes", columns={"ts_event": "timestamp", "bid": "bid", "ask": "ask"}),
    # HistData ASCII ticks: no header; 'YYYYMMDD HHMMSSfff' EST (UTC-5, no DST),bid,ask,volume
    "histdata": CsvLayout(kind="quotes", header=False, timestamp_format="histdata",
                          columns={"ts_event": 0, "bid": 1, "ask": 2}),
    # Binance trades: timestamp,trade_id,price,quantity,buyer_maker
    "binance_trades": CsvLayout(kind="trades", columns={
        "ts_event": "timestamp", "trade_id": "trade_id", "price": "price", "size": "quantity",
        "buyer_maker": "buyer_maker"}),
    # the columns this project writes: a header with the record's own names
    "quotes": CsvLayout(kind="quotes", columns={
        "ts_event": "ts_event", "bid": "bid_price", "ask": "ask_price",
        "bid_size": "bid_size", "ask_size": "ask_size"}),
    "trades": CsvLayout(kind="trades", columns={
        "ts_event": "ts_event", "price": "price", "size": "size",
        "aggressor_side": "aggressor_side", "trade_id": "trade_id"}),
}

_ALIASES = {
    "ts_event": ("ts_event", "timestamp", "ts", "time", "datetime", "date", "transact_time"),
    "bid": ("bid_price", "bid", "bid_px", "best_bid"),
    "ask": ("ask_price", "ask", "ask_px", "best_ask"),
    "bid_size": ("bid_size", "bid_qty", "bid_amount", "bid_volume"),
    "ask_size": ("ask_size", "ask_qty", "ask_amount", "ask_volume"),
    "price": ("price", "px", "last", "trade_price"),
    "size": ("size", "quantity", "qty", "amount", "volume"),
    "trade_id": ("trade_id", "id", "tid"),
    "buyer_maker": ("buyer_maker", "is_buyer_maker"),
    "aggressor_side": ("aggressor_side", "side", "aggressor"),
}
_REQUIRED = {"quotes": ("ts_event", "bid", "ask"), "trades": ("ts_event", "price", "size")}
_OPTIONAL = {"quotes": ("bid_size", "ask_size"),
             "trades": ("trade_id", "buyer_maker", "aggressor_side")}


def _open_text(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), newline="")
    return open(path, newline="")


def detect_layout(path: str | Path, kind: Literal["quotes", "trades"]) -> CsvLayout:
    """Guess the layout of a CSV file from its first line: named columns, or positional."""
    path = Path(path)
    with _open_text(path) as f:
        first = next(csv.reader(f), None)
    if not first:
        raise DataError(f"{path}: file is empty")
    names = [c.strip().lower() for c in first]
    try:
        sniff = sniff_format(first[0])
        parse_timestamps([first[0]], sniff)
        has_header = False
    except ValueError:
        has_header = True
    if not has_header:
        if kind == "quotes":
            return CsvLayout(kind="quotes", header=False, columns={"ts_event": 0, "bid": 1, "ask": 2})
        return CsvLayout(kind="trades", header=False, columns={"ts_event": 0, "price": 1, "size": 2})
    columns: dict[str, str | int] = {}
    for role in _REQUIRED[kind] + _OPTIONAL[kind]:
        for alias in _ALIASES[role]:
            if alias in names:
                columns[role] = first[names.index(alias)].strip()
                break
    missing = [r for r in _REQUIRED[kind] if r not in columns]
    if missing:
        raise DataError(f"{path}: cannot tell which column is {', '.join(missing)} among "
                        f"{first}; give a layout with columns={{role: name}}")
    return CsvLayout(kind=kind, columns=columns)


def _to_raw(cells: list[str], precision: int, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Return (raw int64, bad mask) for decimal text at `precision`; bad = unparseable/NaN/
    more decimals than the precision allows."""
    try:
        values = np.array(cells, dtype=np.float64)
        bad = np.zeros(len(cells), dtype=bool)
    except ValueError:
        values = np.empty(len(cells), dtype=np.float64)
        bad = np.zeros(len(cells), dtype=bool)
        for i, c in enumerate(cells):
            try:
                values[i] = float(c)
            except ValueError:
                values[i] = np.nan
                bad[i] = True
    scaled = values * (10.0 ** precision)
    raw = np.rint(scaled)
    # float64 holds 15-16 significant digits: a value written with <= precision decimals
    # lands within 1e-3 of a tick after scaling; anything further has more decimals
    with np.errstate(invalid="ignore"):
        bad |= ~np.isfinite(scaled) | (np.abs(scaled - raw) > 1e-3) | (np.abs(raw) > 2.0**62)
    raw[bad] = 0
    return raw.astype(np.int64), bad


class _Checker:
    """Collect bad rows of a chunk by reason, then raise or drop them."""

    def __init__(self, path: Path, on_error: OnError, skipped: Counter) -> None:
        self.path, self.on_error, self.skipped = path, on_error, skipped

    def apply(self, lines: np.ndarray, checks: list[tuple[str, np.ndarray]]) -> np.ndarray:
        keep = np.ones(len(lines), dtype=bool)
        first_bad: tuple[int, str] | None = None
        for reason, mask in checks:
            mask = mask & keep
            if mask.any():
                i = int(np.argmax(mask))
                if first_bad is None or lines[i] < first_bad[0]:
                    first_bad = (int(lines[i]), reason)
                self.skipped[reason] += int(mask.sum())
                keep &= ~mask
        if first_bad is not None and self.on_error == "raise":
            raise DataError(f"{self.path}: line {first_bad[0]}: {first_bad[1]}")
        return keep


class CsvSource:
    """Iterate a quotes or trades CSV file as chunks of core records.

    Parameters
    ----------
    path: CSV or CSV.gz file.
    instrument_id: numeric instrument id written into each record.
    price_precision, size_precision: the instrument's precisions.
    layout: a preset name (see PRESETS), a CsvLayout, or "auto" to read the header.
    kind: "quotes" or "trades" (used with layout="auto").
    on_error: "raise" (default) or "skip" (count in `skipped`, see `report()`).
    default_size: size used when the file has no size column (quotes), as text.
    """

    def __init__(self, path: str | Path, *, instrument_id: int, price_precision: int,
                 size_precision: int, kind: Literal["quotes", "trades"] = "quotes",
                 layout: str | CsvLayout = "auto", on_error: OnError = "raise",
                 default_size: str = "1", chunk_rows: int = DEFAULT_CHUNK_ROWS) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise FileNotFoundError(f"data file not found: {self.path}")
        if on_error not in ("raise", "skip"):
            raise ValueError(f"on_error must be 'raise' or 'skip', got {on_error!r}")
        if isinstance(layout, str):
            if layout == "auto":
                layout = detect_layout(self.path, kind)
            elif layout in PRESETS:
                layout = PRESETS[layout]
            else:
                raise ValueError(f"layout {layout!r} unknown, expected 'auto' or one of {sorted(PRESETS)}")
        self.layout = layout
        self.kind = layout.kind
        self.instrument_id = instrument_id
        self.price_precision = price_precision
        self.size_precision = size_precision
        self.default_size_raw = int(_to_raw([default_size], size_precision, "size")[0][0])
        self.on_error = on_error
        self.chunk_rows = chunk_rows
        self.skipped: Counter[str] = Counter()
        self.rows_read = 0
        self.rows_kept = 0
        self._last_ts = np.iinfo(np.int64).min

    def report(self) -> dict:
        """Return counts of rows read, kept and skipped (by reason)."""
        return {"file": str(self.path), "rows_read": self.rows_read, "rows_kept": self.rows_kept,
                "skipped": dict(self.skipped)}

    def _column_indexes(self, header: list[str] | None) -> dict[str, int]:
        out = {}
        for role, col in self.layout.columns.items():
            if isinstance(col, int):
                out[role] = col
            else:
                if header is None:
                    raise DataError(f"{self.path}: layout names column {col!r} but the file has no header")
                names = [h.strip() for h in header]
                if col not in names:
                    raise DataError(f"{self.path}: column {col!r} (for {role}) not in header {names}")
                out[role] = names.index(col)
        missing = [r for r in _REQUIRED[self.kind] if r not in out]
        if missing:
            raise DataError(f"{self.path}: layout has no column for {', '.join(missing)}")
        return out

    def __iter__(self) -> Iterator[np.ndarray]:
        checker = _Checker(self.path, self.on_error, self.skipped)
        with _open_text(self.path) as f:
            reader = csv.reader(f, delimiter=self.layout.delimiter)
            header = next(reader, None) if self.layout.header else None
            cols = self._column_indexes(header)
            ts_fmt = self.layout.timestamp_format
            line = 2 if self.layout.header else 1
            width = max(cols.values()) + 1
            while True:
                rows = []
                for row in reader:
                    rows.append(row)
                    if len(rows) == self.chunk_rows:
                        break
                if not rows:
                    return
                lines = np.arange(line, line + len(rows), dtype=np.int64)
                line += len(rows)
                short = np.array([len(r) < width for r in rows])
                if short.any():
                    rows = [r if len(r) >= width else [""] * width for r in rows]
                if ts_fmt == "auto":
                    ts_fmt = sniff_format(rows[0][cols["ts_event"]])
                arr = self._convert(rows, cols, ts_fmt, lines, short, checker)
                self.rows_read += len(rows)
                self.rows_kept += len(arr)
                if len(arr):
                    yield arr

    def _timestamps(self, cells: list[str], fmt: str) -> tuple[np.ndarray, np.ndarray]:
        try:
            return parse_timestamps(cells, fmt), np.zeros(len(cells), dtype=bool)
        except TimestampError:
            ts = np.zeros(len(cells), dtype=np.int64)
            bad = np.zeros(len(cells), dtype=bool)
            for i, c in enumerate(cells):
                try:
                    ts[i] = parse_timestamps([c], fmt)[0]
                except TimestampError:
                    bad[i] = True
            return ts, bad

    def _ordered(self, ts: np.ndarray, valid: np.ndarray) -> np.ndarray:
        """Mask of rows whose timestamp is before an earlier valid row's (carried across chunks)."""
        floor = np.where(valid, ts, np.iinfo(np.int64).min)
        running = np.maximum.accumulate(np.concatenate(([self._last_ts], floor)))
        prev_max = running[:-1]
        unsorted = valid & (ts < prev_max)
        kept = valid & ~unsorted
        if kept.any():
            self._last_ts = max(self._last_ts, int(ts[kept].max()))
        return unsorted

    def _convert(self, rows, cols, ts_fmt, lines, short, checker) -> np.ndarray:
        col = lambda role: [r[cols[role]] for r in rows]  # noqa: E731
        ts, bad_ts = self._timestamps(col("ts_event"), ts_fmt)
        pp, sp = self.price_precision, self.size_precision
        n = len(rows)
        if self.kind == "quotes":
            bid, bad_bid = _to_raw(col("bid"), pp, "bid")
            ask, bad_ask = _to_raw(col("ask"), pp, "ask")
            if "bid_size" in cols:
                bsz, bad_bsz = _to_raw(col("bid_size"), sp, "bid_size")
            else:
                bsz, bad_bsz = np.full(n, self.default_size_raw), np.zeros(n, dtype=bool)
            if "ask_size" in cols:
                asz, bad_asz = _to_raw(col("ask_size"), sp, "ask_size")
            else:
                asz, bad_asz = np.full(n, self.default_size_raw), np.zeros(n, dtype=bool)
            checks = [
                ("row has too few columns", short),
                ("bad timestamp", bad_ts),
                ("bad bid price (not a number, NaN, or more decimals than the precision)", bad_bid),
                ("bad ask price (not a number, NaN, or more decimals than the precision)", bad_ask),
                ("bad bid size", bad_bsz), ("bad ask size", bad_asz),
                ("non-positive bid price", bid <= 0), ("non-positive ask price", ask <= 0),
                ("negative bid size", bsz < 0), ("negative ask size", asz < 0),
                ("crossed quote (bid > ask)", bid > ask),
            ]
            valid = np.ones(n, dtype=bool)
            for _, m in checks:
                valid &= ~m
            checks.append(("timestamp before the previous row's", self._ordered(ts, valid)))
            keep = checker.apply(lines, checks)
            out = np.zeros(int(keep.sum()), dtype=QUOTE_DTYPE)
            out["record_type"] = RECORD_QUOTE
            out["bid_price"], out["ask_price"] = bid[keep], ask[keep]
            out["bid_size"], out["ask_size"] = bsz[keep], asz[keep]
        else:
            price, bad_px = _to_raw(col("price"), pp, "price")
            size, bad_sz = _to_raw(col("size"), sp, "size")
            side = np.zeros(n, dtype=np.uint8)
            bad_side = np.zeros(n, dtype=bool)
            if "buyer_maker" in cols:
                text = np.char.lower(np.array(col("buyer_maker"), dtype=str))
                side[np.isin(text, ("true", "1", "t"))] = SIDE_SELL
                side[np.isin(text, ("false", "0", "f"))] = SIDE_BUY
                bad_side = side == SIDE_NONE
            elif "aggressor_side" in cols:
                text = np.char.lower(np.array(col("aggressor_side"), dtype=str))
                side[np.isin(text, ("buy", "b", "buyer", "1"))] = SIDE_BUY
                side[np.isin(text, ("sell", "s", "seller", "2"))] = SIDE_SELL
                bad_side = ~np.isin(text, ("buy", "b", "buyer", "1", "sell", "s", "seller", "2",
                                           "", "none", "0"))
            if "trade_id" in cols:
                try:
                    tid = np.array(col("trade_id"), dtype=np.uint64)
                    bad_tid = np.zeros(n, dtype=bool)
                except (ValueError, OverflowError):
                    tid = np.zeros(n, dtype=np.uint64)
                    bad_tid = np.zeros(n, dtype=bool)
                    for i, c in enumerate(col("trade_id")):
                        try:
                            tid[i] = int(c)
                        except (ValueError, OverflowError):
                            bad_tid[i] = True
            else:
                tid, bad_tid = lines.astype(np.uint64), np.zeros(n, dtype=bool)
            checks = [
                ("row has too few columns", short),
                ("bad timestamp", bad_ts),
                ("bad price (not a number, NaN, or more decimals than the precision)", bad_px),
                ("bad size (not a number, NaN, or more decimals than the precision)", bad_sz),
                ("bad aggressor side", bad_side), ("bad trade id", bad_tid),
                ("non-positive price", price <= 0), ("non-positive size", size <= 0),
            ]
            valid = np.ones(n, dtype=bool)
            for _, m in checks:
                valid &= ~m
            checks.append(("timestamp before the previous row's", self._ordered(ts, valid)))
            keep = checker.apply(lines, checks)
            out = np.zeros(int(keep.sum()), dtype=TRADE_DTYPE)
            out["record_type"] = RECORD_TRADE
            out["price"], out["size"] = price[keep], size[keep]
            out["aggressor_side"] = side[keep]
            out["trade_id"] = tid[keep]
        out["version"] = ENCODING_VERSION
        out["price_precision"], out["size_precision"] = pp, sp
        out["instrument_id"] = self.instrument_id
        out["ts_event"] = ts[keep]
        out["ts_init"] = ts[keep]
        out["sequence"] = lines[keep]
        return out


class NpzSource:
    """Iterate one structured array of an .npz (or .npy) file in chunks, without loading it all.

    The array must have the core QUOTE_DTYPE, TRADE_DTYPE or BOOK_DELTA_DTYPE layout. An uncompressed member
    (np.savez, `write_npz`) or a plain .npy is memory-mapped: chunks are views of the file, and
    the pages of chunks already consumed are given back to the OS, so resident memory stays at a
    few chunks however large the file. A compressed member streams through zlib. Every chunk is
    checked before it is trusted: record fields (version, type, enums, sizes) by the core
    validator, and timestamps non-decreasing across the whole file.
    """

    def __init__(self, path: str | Path, key: str | None = None,
                 chunk_rows: int = DEFAULT_CHUNK_ROWS, instrument_id: int | None = None) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise FileNotFoundError(f"data file not found: {self.path}")
        self.key = key
        self.chunk_rows = chunk_rows
        self.instrument_id = instrument_id
        self.rows_read = 0
        self.skipped: Counter[str] = Counter()

    def report(self) -> dict:
        """Return counts of rows read."""
        return {"file": str(self.path), "rows_read": self.rows_read, "rows_kept": self.rows_read,
                "skipped": {}}

    def _member_name(self, zf: zipfile.ZipFile) -> str:
        names = [n for n in zf.namelist() if n.endswith(".npy")]
        if not names:
            raise DataError(f"{self.path}: no arrays in the file")
        if self.key is None:
            if len(names) != 1:
                raise DataError(f"{self.path}: holds {len(names)} arrays "
                                f"({', '.join(n[:-4] for n in names)}); name one with key=")
            return names[0]
        name = self.key + ".npy"
        if name not in names:
            raise DataError(f"{self.path}: no array {self.key!r}; it has "
                            f"{', '.join(n[:-4] for n in names)}")
        return name

    def _read_header(self, f) -> tuple[int, np.dtype]:
        try:
            version = np.lib.format.read_magic(f)
        except ValueError as e:
            raise DataError(f"{self.path}: not a .npy array: {e}") from None
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
        else:
            raise DataError(f"{self.path}: .npy format version {version} is not supported")
        if fortran or len(shape) != 1:
            raise DataError(f"{self.path}: expected a 1-D C-ordered record array, got shape {shape}")
        if dtype not in (QUOTE_DTYPE, TRADE_DTYPE, BOOK_DELTA_DTYPE):
            raise DataError(f"{self.path}: array dtype is not QUOTE_DTYPE, TRADE_DTYPE or "
                            f"BOOK_DELTA_DTYPE: {dtype}")
        return int(shape[0]), dtype

    def _data_offset(self) -> tuple[int, int, np.dtype] | None:
        """Return (byte offset, rows, dtype) of the array in the file when it can be mapped."""
        if self.path.suffix == ".npy":
            with open(self.path, "rb") as f:
                total, dtype = self._read_header(f)
                return f.tell(), total, dtype
        with zipfile.ZipFile(self.path) as zf:
            info = zf.getinfo(self._member_name(zf))
            if info.compress_type != zipfile.ZIP_STORED:
                return None
            with open(self.path, "rb") as raw:
                raw.seek(info.header_offset)
                local = raw.read(30)
                if local[:4] != b"PK\x03\x04":
                    raise DataError(f"{self.path}: corrupt zip member header for {info.filename}")
                name_len = int.from_bytes(local[26:28], "little")
                extra_len = int.from_bytes(local[28:30], "little")
                start = info.header_offset + 30 + name_len + extra_len
                raw.seek(start)
                total, dtype = self._read_header(raw)
                end_of_data = raw.tell() + total * dtype.itemsize
                if end_of_data > start + info.file_size:
                    raise DataError(f"{self.path}: array of {total} records is longer than its "
                                    f"zip member ({info.file_size} bytes): truncated file")
                return raw.tell(), total, dtype

    def _check(self, arr: np.ndarray, done: int, last_ts: int) -> tuple[int, bool]:
        """Validate one chunk; return (its last ts_event, whether its instrument ids differ)."""
        kind = (RECORD_QUOTE if arr.dtype == QUOTE_DTYPE else
                RECORD_BOOK_DELTA if arr.dtype == BOOK_DELTA_DTYPE else RECORD_TRADE)
        bad, code = validate_batch(arr, kind)
        if bad >= 0:
            field, expected = DECODE_ERRORS[code]
            raise DataError(f"{self.path}: record {done + bad}: field {field!r} is invalid, "
                            f"expected {expected}")
        want = -1 if self.instrument_id is None else self.instrument_id
        bad, renumber, last_ts = scan_chunk(arr, last_ts, want)
        if bad >= 0:
            raise DataError(f"{self.path}: record {done + bad}: timestamp before the previous record's")
        return last_ts, renumber

    def __iter__(self) -> Iterator[np.ndarray]:
        try:
            located = self._data_offset()
        except (OSError, EOFError, zipfile.BadZipFile) as e:
            raise DataError(f"{self.path}: not a readable .npz/.npy file: {e}") from None
        if located is None:
            yield from self._iter_stream()
        else:
            yield from self._iter_mapped(*located)

    def _iter_mapped(self, offset: int, total: int, dtype: np.dtype) -> Iterator[np.ndarray]:
        if total == 0:
            return
        size = dtype.itemsize
        with open(self.path, "rb") as f:
            mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        if offset + total * size > len(mm):
            mm.close()
            raise DataError(f"{self.path}: truncated: {total} records do not fit the file")
        page = mmap.PAGESIZE
        released = offset - offset % page  # first byte not yet given back
        consumed: list[int] = []  # end offsets of chunks handed out, oldest first
        last_ts = np.iinfo(np.int64).min
        done = 0
        try:
            while done < total:
                n = min(self.chunk_rows, total - done)
                arr = np.frombuffer(mm, dtype=dtype, count=n, offset=offset + done * size)
                last_ts, renumber = self._check(arr, done, last_ts)
                if renumber:
                    # renumber only when the file's ids differ: the common case stays a view
                    arr = arr.copy()
                    arr["instrument_id"] = self.instrument_id
                done += n
                self.rows_read += n
                consumed.append(offset + done * size)
                # the consumer may still read the previous chunk; the one before it is done
                if len(consumed) > 2 and hasattr(mm, "madvise"):
                    upto = consumed.pop(0)
                    upto -= upto % page
                    if upto > released:
                        mm.madvise(mmap.MADV_DONTNEED, released, upto - released)
                        released = upto
                yield arr
                del arr
        finally:
            try:
                mm.close()
            except BufferError:
                pass  # a chunk is still referenced by the caller: the map closes with it

    def _iter_stream(self) -> Iterator[np.ndarray]:
        zf = zipfile.ZipFile(self.path)
        f = zf.open(self._member_name(zf))
        try:
            total, dtype = self._read_header(f)
            last_ts = np.iinfo(np.int64).min
            done = 0
            while done < total:
                n = min(self.chunk_rows, total - done)
                buf = f.read(n * dtype.itemsize)
                if len(buf) != n * dtype.itemsize:
                    raise DataError(f"{self.path}: truncated at record {done + len(buf) // dtype.itemsize}")
                arr = np.frombuffer(buf, dtype=dtype)
                last_ts, renumber = self._check(arr, done, last_ts)
                if renumber:
                    # renumber only when the file's ids differ: the common case stays a view
                    arr = arr.copy()
                    arr["instrument_id"] = self.instrument_id
                done += n
                self.rows_read += n
                yield arr
        finally:
            f.close()
            zf.close()


class ParquetSource:
    """Iterate a Parquet file of records (columns named as the record fields) in row batches.

    Needs the optional `pyarrow` dependency (`pip install hft[parquet]`).
    """

    def __init__(self, path: str | Path, kind: Literal["quotes", "trades"], *, instrument_id: int,
                 price_precision: int, size_precision: int,
                 chunk_rows: int = DEFAULT_CHUNK_ROWS) -> None:
        try:
            import pyarrow.parquet  # noqa: F401
        except ImportError as e:  # pragma: no cover - depends on the install
            raise ImportError("reading Parquet needs pyarrow: pip install 'hft[parquet]'") from e
        self.path = Path(path)
        if not self.path.exists():
            raise FileNotFoundError(f"data file not found: {self.path}")
        self.kind = kind
        self.instrument_id = instrument_id
        self.price_precision, self.size_precision = price_precision, size_precision
        self.chunk_rows = chunk_rows
        self.rows_read = 0
        self.skipped: Counter[str] = Counter()

    def report(self) -> dict:
        """Return counts of rows read."""
        return {"file": str(self.path), "rows_read": self.rows_read, "rows_kept": self.rows_read,
                "skipped": {}}

    def __iter__(self) -> Iterator[np.ndarray]:
        import pyarrow.parquet as pq

        dtype = QUOTE_DTYPE if self.kind == "quotes" else TRADE_DTYPE
        fields = (("ts_event", "bid_price", "ask_price", "bid_size", "ask_size") if self.kind == "quotes"
                  else ("ts_event", "price", "size", "aggressor_side", "trade_id"))
        pf = pq.ParquetFile(self.path)
        missing = [c for c in fields[:3] if c not in pf.schema_arrow.names]
        if missing:
            raise DataError(f"{self.path}: Parquet file lacks column(s) {missing}; has {pf.schema_arrow.names}")
        for batch in pf.iter_batches(batch_size=self.chunk_rows):
            n = batch.num_rows
            out = np.zeros(n, dtype=dtype)
            for name in fields:
                if name in batch.schema.names:
                    out[name] = batch.column(name).to_numpy(zero_copy_only=False)
            out["version"] = ENCODING_VERSION
            out["record_type"] = RECORD_QUOTE if self.kind == "quotes" else RECORD_TRADE
            out["price_precision"], out["size_precision"] = self.price_precision, self.size_precision
            out["instrument_id"] = self.instrument_id
            if "ts_init" in batch.schema.names:
                out["ts_init"] = batch.column("ts_init").to_numpy()
            else:
                out["ts_init"] = out["ts_event"]
            self.rows_read += n
            yield out


# ---------------------------------------------------------------------------------------------
# L2 book data

BOOK_LAYOUTS = {
    # Bybit history "orderbook" files: one v5 WebSocket message per line (snapshot / delta),
    # levels [price, size] as strings, size absolute, "0" deletes; ts in epoch ms
    "bybit": "JSON lines {topic, type, ts, data: {s, b, a, u, seq}, cts} (.data or .data.zip)",
    # Binance USD-M futures depth CSV; update_type 'snap' rows sharing last_update_id are one
    # snapshot, 'set' rows are absolute level sizes (qty 0 deletes); timestamp in epoch ms
    "binance_depth": "symbol,timestamp,first_update_id,last_update_id,side,update_type,price,"
                     "qty,pu",
    # generic: side b/bid/buy/1 or a/ask/sell/2; action add/update/delete/clear, else size 0
    # deletes and any other size sets the level
    "book_csv": "ts_event,side,price,size[,action] with a header",
}

_BOOK_SIDES = {"b": SIDE_BUY, "bid": SIDE_BUY, "bids": SIDE_BUY, "buy": SIDE_BUY, "1": SIDE_BUY,
               "a": SIDE_SELL, "ask": SIDE_SELL, "asks": SIDE_SELL, "sell": SIDE_SELL,
               "2": SIDE_SELL}
_BOOK_ACTIONS = {"": 0, "add": DELTA_ADD, "update": DELTA_UPDATE, "set": DELTA_UPDATE,
                 "delete": DELTA_DELETE, "clear": DELTA_CLEAR,
                 "1": DELTA_ADD, "2": DELTA_UPDATE, "3": DELTA_DELETE, "4": DELTA_CLEAR}
_BAD_SIDE = 255
_BAD_ACTION = 255


def detect_book_layout(path: str | Path) -> str:
    """Name the BOOK_LAYOUTS entry of a book file: Bybit by extension, CSVs by their header."""
    path = Path(path)
    name = path.name.lower()
    if name.endswith((".data", ".data.zip", ".jsonl", ".jsonl.gz")):
        return "bybit"
    with _open_text(path) as f:
        header = [c.strip().lower() for c in next(csv.reader(f), [])]
    if "first_update_id" in header and "update_type" in header:
        return "binance_depth"
    if {"side", "price", "size"} <= set(header):
        return "book_csv"
    raise DataError(f"{path}: cannot tell the book layout from the header {header}; set layout "
                    f"to one of {sorted(BOOK_LAYOUTS)}")


class _BookRows:
    """Rows of one chunk as parallel lists, converted to BOOK_DELTA_DTYPE in one go."""

    def __init__(self) -> None:
        self.line: list[int] = []
        self.ts: list = []          # int ns, or timestamp text (book_csv), or None when bad
        self.side: list[int] = []
        self.price: list[str] = []
        self.size: list[str] = []
        self.action: list[int] = []  # 0: by size (0 deletes, else sets)
        self.flags: list[int] = []
        self.seq: list[int] = []
        self.snap: list[int] = []    # snapshot number, -1 outside a snapshot

    def add(self, line: int, ts, side: int, price: str, size: str, action: int, flags: int,
            seq: int, snap: int = -1) -> None:
        self.line.append(line)
        self.ts.append(ts)
        self.side.append(side)
        self.price.append(price)
        self.size.append(size)
        self.action.append(action)
        self.flags.append(flags)
        self.seq.append(seq)
        self.snap.append(snap)

    def add_snapshot(self, line: int, ts, seq: int, snap: int,
                     levels: list[tuple[int, int, str, str]]) -> None:
        """Add CLEAR (SNAPSHOT_BEGIN) then one ADD per (line, side, price, size); END on the last."""
        self.add(line, ts, 0, "0", "0", DELTA_CLEAR,
                 DELTA_SNAPSHOT_BEGIN | (0 if levels else DELTA_SNAPSHOT_END), seq, snap)
        for i, (lv_line, side, price, size) in enumerate(levels):
            self.add(lv_line, ts, side, price, size, DELTA_ADD,
                     DELTA_SNAPSHOT_END if i == len(levels) - 1 else 0, seq, snap)

    def __len__(self) -> int:
        return len(self.line)


class BookSource:
    """Iterate an L2 book file as chunks of BOOK_DELTA_DTYPE records.

    A snapshot becomes a CLEAR of the whole book flagged SNAPSHOT_BEGIN, then one ADD per level
    (bids, then asks), the last flagged SNAPSHOT_END, all at the snapshot's time; the runner
    hands it to the strategy as one BookSnapshot. A delta level becomes UPDATE (absolute size)
    or DELETE (size 0). Prices and sizes become fixed point at the instrument's precisions;
    more decimals than the precision is an error, never rounded.

    Parameters
    ----------
    path: the file (see BOOK_LAYOUTS for the formats).
    instrument_id: numeric instrument id written into each record.
    price_precision, size_precision: the instrument's precisions.
    layout: "auto" (by extension and header) or a BOOK_LAYOUTS name.
    on_error: "raise" (default: DataError naming the file and line) or "skip" (count each
        reason in `skipped`).
    """

    def __init__(self, path: str | Path, *, instrument_id: int, price_precision: int,
                 size_precision: int, layout: str = "auto", on_error: OnError = "raise",
                 chunk_rows: int = DEFAULT_CHUNK_ROWS) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise FileNotFoundError(f"data file not found: {self.path}")
        if on_error not in ("raise", "skip"):
            raise ValueError(f"on_error must be 'raise' or 'skip', got {on_error!r}")
        if layout == "auto":
            layout = detect_book_layout(self.path)
        elif layout not in BOOK_LAYOUTS:
            raise ValueError(f"book layout {layout!r} unknown, expected 'auto' or one of "
                             f"{sorted(BOOK_LAYOUTS)}")
        self.layout = layout
        self.instrument_id = instrument_id
        self.price_precision, self.size_precision = price_precision, size_precision
        self.on_error = on_error
        self.chunk_rows = chunk_rows
        self.skipped: Counter[str] = Counter()
        self.rows_read = 0
        self.rows_kept = 0
        self._last_ts = np.iinfo(np.int64).min
        self._ts_fmt = "auto"

    def report(self) -> dict:
        """Return counts of level rows read, records kept and rows skipped (by reason)."""
        return {"file": str(self.path), "rows_read": self.rows_read, "rows_kept": self.rows_kept,
                "skipped": dict(self.skipped)}

    def __iter__(self) -> Iterator[np.ndarray]:
        checker = _Checker(self.path, self.on_error, self.skipped)
        groups = {"bybit": self._bybit_groups, "binance_depth": self._binance_groups,
                  "book_csv": self._csv_groups}[self.layout]()
        self._rows = _BookRows()
        for _ in groups:
            # flush between messages / snapshots only: a snapshot never spans two chunks
            if len(self._rows) >= self.chunk_rows:
                out = self._convert(self._rows, checker)
                self._rows = _BookRows()
                if len(out):
                    yield out
        if len(self._rows):
            out = self._convert(self._rows, checker)
            self._rows = _BookRows()
            if len(out):
                yield out

    # -- readers: each adds to self._rows and yields after each message / group -----------------

    def _bad_line(self, line: int, reason: str) -> None:
        self.skipped[reason] += 1
        if self.on_error == "raise":
            raise DataError(f"{self.path}: line {line}: {reason}")

    def _lines(self) -> Iterator[str]:
        if self.path.name.lower().endswith(".zip"):
            with zipfile.ZipFile(self.path) as zf:
                names = [n for n in zf.namelist() if not n.endswith("/")]
                if len(names) != 1:
                    raise DataError(f"{self.path}: expected one member in the zip, got {names}")
                with zf.open(names[0]) as f:
                    yield from io.TextIOWrapper(f, encoding="utf-8")
        else:
            with _open_text(self.path) as f:
                yield from f

    def _bybit_groups(self) -> Iterator[None]:
        snaps = 0
        for line, text in enumerate(self._lines(), start=1):
            if not text.strip():
                continue
            try:
                msg = json.loads(text)
                kind = msg["type"]
                ts = int(msg["ts"]) * 1_000_000
                data = msg["data"]
                seq = int(data.get("u", 0))
                levels = [(line, side, str(p), str(q))
                          for side, key in ((SIDE_BUY, "b"), (SIDE_SELL, "a"))
                          for p, q in data.get(key, ())]
            except (ValueError, KeyError, TypeError, AttributeError) as e:
                self.rows_read += 1
                self._bad_line(line, f"not a Bybit order book message ({type(e).__name__}: {e})")
                continue
            if kind == "snapshot":
                snaps += 1
                self._rows.add_snapshot(line, ts, seq, snaps, levels)
            elif kind == "delta":
                for lv_line, side, p, q in levels:
                    self._rows.add(lv_line, ts, side, p, q, 0, 0, seq)
            else:
                self.rows_read += 1
                self._bad_line(line, f"message type {kind!r}, expected 'snapshot' or 'delta'")
                continue
            self.rows_read += len(levels)
            yield None

    def _csv_rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        with _open_text(self.path) as f:
            reader = csv.reader(f)
            header = [c.strip().lower() for c in next(reader, [])]
            for line, row in enumerate(reader, start=2):
                if not row:
                    continue
                if len(row) < len(header):
                    self.rows_read += 1
                    self._bad_line(line, f"row has {len(row)} columns, expected {len(header)}")
                    continue
                yield line, dict(zip(header, (c.strip() for c in row)))

    def _binance_groups(self) -> Iterator[None]:
        snaps = 0
        pending: list = []  # the snapshot rows being grouped: (line, ts, id, side, price, qty)

        def flush_snapshot():
            nonlocal snaps
            if pending:
                snaps += 1
                first = pending[0]
                self._rows.add_snapshot(first[0], first[1], first[2], snaps,
                                        [(ln, side, p, q) for ln, _, _, side, p, q in pending])
                pending.clear()

        for line, row in self._csv_rows():
            self.rows_read += 1
            try:
                ts = int(row["timestamp"]) * 1_000_000
                uid = int(row["last_update_id"])
                kind = row["update_type"].lower()
            except (KeyError, ValueError) as e:
                self._bad_line(line, f"bad timestamp, last_update_id or update_type ({e})")
                continue
            side = _BOOK_SIDES.get(row.get("side", "").lower(), _BAD_SIDE)
            price, qty = row.get("price", ""), row.get("qty", "")
            if kind == "snap":
                if pending and (pending[-1][2] != uid or pending[-1][1] != ts):
                    flush_snapshot()
                    yield None
                pending.append((line, ts, uid, side, price, qty))
                continue
            if pending:
                flush_snapshot()
                yield None
            if kind != "set":
                self._bad_line(line, f"update_type {kind!r}, expected 'snap' or 'set'")
                continue
            self._rows.add(line, ts, side, price, qty, 0, 0, uid)
            yield None
        flush_snapshot()
        yield None

    def _csv_groups(self) -> Iterator[None]:
        for line, row in self._csv_rows():
            self.rows_read += 1
            try:
                ts, side_text, price, size = row["ts_event"], row["side"], row["price"], row["size"]
            except KeyError as e:
                raise DataError(f"{self.path}: no column {e} in the header; the book_csv layout "
                                f"is {BOOK_LAYOUTS['book_csv']}") from None
            action = _BOOK_ACTIONS.get(row.get("action", "").lower(), _BAD_ACTION)
            side = _BOOK_SIDES.get(side_text.lower(), _BAD_SIDE)
            if action == DELTA_CLEAR:
                side = SIDE_NONE if side_text.lower() in ("", "none", "0", "both") else side
                price, size = "0", "0"
            elif action == DELTA_DELETE and not size:
                size = "0"
            self._rows.add(line, ts, side, price, size, action, 0, line)
            yield None

    # -- conversion ----------------------------------------------------------------------------

    def _timestamps(self, cells: list) -> tuple[np.ndarray, np.ndarray]:
        if self.layout != "book_csv":
            return np.array(cells, dtype=np.int64), np.zeros(len(cells), dtype=bool)
        if self._ts_fmt == "auto":
            self._ts_fmt = sniff_format(cells[0])
        try:
            return parse_timestamps(cells, self._ts_fmt), np.zeros(len(cells), dtype=bool)
        except TimestampError:
            ts = np.zeros(len(cells), dtype=np.int64)
            bad = np.zeros(len(cells), dtype=bool)
            for i, c in enumerate(cells):
                try:
                    ts[i] = parse_timestamps([c], self._ts_fmt)[0]
                except TimestampError:
                    bad[i] = True
            return ts, bad

    def _convert(self, rows: _BookRows, checker: _Checker) -> np.ndarray:
        n = len(rows)
        lines = np.array(rows.line, dtype=np.int64)
        ts, bad_ts = self._timestamps(rows.ts)
        price, bad_px = _to_raw(rows.price, self.price_precision, "price")
        size, bad_sz = _to_raw(rows.size, self.size_precision, "size")
        side = np.array(rows.side, dtype=np.int64)
        action = np.array(rows.action, dtype=np.int64)
        flags = np.array(rows.flags, dtype=np.uint8)
        snap = np.array(rows.snap, dtype=np.int64)
        by_size = action == 0
        action[by_size] = np.where(size[by_size] == 0, DELTA_DELETE, DELTA_UPDATE)
        clear = action == DELTA_CLEAR
        checks = [
            ("bad timestamp", bad_ts),
            ("bad price (not a number, NaN, or more decimals than the precision)", bad_px),
            ("bad size (not a number, NaN, or more decimals than the precision)", bad_sz),
            ("bad action (expected add, update, delete or clear)", action == _BAD_ACTION),
            ("bad side (expected b/bid/buy or a/ask/sell)", (side == _BAD_SIDE) & ~clear),
            ("negative size", size < 0),
            ("size 0 on a snapshot level or an ADD", (size == 0) & (action == DELTA_ADD)),
        ]
        valid = np.ones(n, dtype=bool)
        for _, m in checks:
            valid &= ~m
        floor = np.where(valid, ts, np.iinfo(np.int64).min)
        running = np.maximum.accumulate(np.concatenate(([self._last_ts], floor)))
        unsorted = valid & (ts < running[:-1])
        checks.append(("timestamp before the previous row's", unsorted))
        keep = checker.apply(lines, checks)
        if keep.any():
            self._last_ts = max(self._last_ts, int(ts[keep].max()))
        # a skipped last level of a snapshot: its END flag moves to the last level kept
        for i in np.flatnonzero(~keep & (flags & DELTA_SNAPSHOT_END).astype(bool)):
            same = np.flatnonzero(keep & (snap == snap[i]))
            if len(same):
                flags[same[-1]] |= DELTA_SNAPSHOT_END
        out = np.zeros(int(keep.sum()), dtype=BOOK_DELTA_DTYPE)
        out["version"] = ENCODING_VERSION
        out["record_type"] = RECORD_BOOK_DELTA
        out["price_precision"], out["size_precision"] = self.price_precision, self.size_precision
        out["instrument_id"] = self.instrument_id
        out["ts_event"] = ts[keep]
        out["ts_init"] = ts[keep]
        out["price"] = np.where(clear, 0, price)[keep]
        out["size"] = np.where(clear | (action == DELTA_DELETE), 0, size)[keep]
        out["sequence"] = np.array(rows.seq, dtype=np.uint64)[keep]
        out["action"] = action[keep]
        out["side"] = np.where(clear & (side == _BAD_SIDE), SIDE_NONE, side)[keep]
        out["flags"] = flags[keep]
        bad, code = validate_batch(out, RECORD_BOOK_DELTA)
        if bad >= 0:  # the checks above should make this unreachable
            field, expected = DECODE_ERRORS[code]
            line = int(lines[keep][bad])
            raise DataError(f"{self.path}: line {line}: field {field!r} is invalid, "
                            f"expected {expected}")
        self.rows_kept += len(out)
        return out
