"""Hold what a backtest produced: orders, fills, positions, the equity curve and statistics.

    result = BacktestResult(fills=fills, equity=equity, orders=orders)
    result.statistics.sharpe          # see hft.backtest.statistics for the conventions
    print(result.summary())
    frames = result.to_pandas()       # {"orders": DataFrame, ...} when pandas is installed

Tables are numpy structured arrays (FILL_DTYPE, ORDER_DTYPE, ROUND_TRIP_DTYPE, EQUITY_DTYPE),
floats for display and statistics; the node itself keeps fixed-point values. Pandas is not a
dependency: `to_pandas()` imports it when called.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from typing import Any

import numpy as np

from hft.backtest.statistics import (
    FILL_DTYPE,
    NS_PER_DAY,
    ROUND_TRIP_DTYPE,
    SIDE_BUY,
    Statistics,
    compute_statistics,
    drawdown_series,
    round_trips,
)

__all__ = [
    "EQUITY_DTYPE",
    "FILL_DTYPE",
    "ORDER_DTYPE",
    "ROUND_TRIP_DTYPE",
    "BacktestResult",
    "format_duration_ns",
    "orders_table",
]

EQUITY_DTYPE = np.dtype([("ts", "<i8"), ("equity", "<f8")])

# One order as it ended. Enum fields hold hft.core.encoding / hft.model.enums values.
ORDER_DTYPE = np.dtype([
    ("ts_init", "<i8"),
    ("ts_last", "<i8"),
    ("client_order_id", "U40"),
    ("instrument", "U32"),
    ("side", "u1"),           # SIDE_BUY = 1, SIDE_SELL = 2
    ("order_type", "u1"),     # ORDER_TYPE_MARKET = 1, LIMIT, STOP_MARKET, STOP_LIMIT
    ("time_in_force", "u1"),  # TIF_GTC = 1, IOC, FOK, GTD, DAY
    ("status", "u1"),         # ORDER_STATUS_*, e.g. FILLED = 12
    ("qty", "<f8"),
    ("price", "<f8"),         # NaN for market and stop-market orders
    ("filled_qty", "<f8"),
    ("avg_px", "<f8"),        # NaN when nothing filled
])

_TABLES = ("orders", "fills", "positions", "equity")


def _table(value: Any, dtype: np.dtype, name: str) -> np.ndarray:
    if value is None:
        return np.empty(0, dtype=dtype)
    arr = np.asarray(value)
    if arr.dtype == dtype:
        return arr
    missing = [n for n in dtype.names if n not in (arr.dtype.names or ())]
    if missing:
        raise ValueError(f"{name}: missing field(s) {', '.join(missing)}, "
                         f"expected the fields {', '.join(dtype.names)}")
    out = np.empty(arr.shape[0], dtype=dtype)
    for field in dtype.names:
        out[field] = arr[field]
    return out


def orders_table(orders: Iterable[Any]) -> np.ndarray:
    """Return an ORDER_DTYPE table of hft.model.orders.Order objects (in the given order)."""
    rows = []
    for o in orders:
        size_scale = 10.0 ** -o.size_precision
        px_scale = 10.0 ** -o.price_precision
        has_price = o.price is not None
        filled = o.filled_qty_raw * size_scale
        rows.append((o.ts_init, o.ts_last, str(o.client_order_id), str(o.instrument_id),
                     int(o.side), int(o.order_type), int(o.time_in_force), int(o.status),
                     o.quantity_raw * size_scale, o.price_raw * px_scale if has_price else math.nan,
                     filled, float(o.avg_px) if filled > 0 else math.nan))
    return np.array(rows, dtype=ORDER_DTYPE) if rows else np.empty(0, dtype=ORDER_DTYPE)


def format_duration_ns(ns: float) -> str:
    """Format a duration in ns as '2d 03:04:05', '03:04:05.250' or 'n/a' for NaN."""
    if ns is None or not math.isfinite(ns):
        return "n/a"
    total_ms = int(round(ns / 1e6))
    days, rem = divmod(total_ms, 86_400_000)
    h, rem = divmod(rem, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, ms = divmod(rem, 1000)
    text = f"{h:02d}:{m:02d}:{s:02d}" + (f".{ms:03d}" if ms and not days else "")
    return f"{days}d {text}" if days else text


def _fmt(value: float, kind: str) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if kind == "pct":
        pct = value * 100
        # keep two significant digits of a small nonzero figure instead of "0.00 %"
        return f"{pct:.2g} %" if 0 < abs(pct) < 0.01 else f"{pct:.2f} %"
    if kind == "ratio":
        return f"{value:.3f}"
    if kind == "money":
        return f"{value:,.2f}"
    if kind == "duration":
        return format_duration_ns(value)
    return str(value)


# (label, Statistics field, format)
SUMMARY_ROWS: tuple[tuple[str, str, str], ...] = (
    ("Starting equity", "starting_equity", "money"),
    ("Ending equity", "ending_equity", "money"),
    ("PnL", "pnl", "money"),
    ("Total return", "total_return", "pct"),
    ("Annualized return", "annualized_return", "pct"),
    ("Sharpe", "sharpe", "ratio"),
    ("Sortino", "sortino", "ratio"),
    ("Max drawdown", "max_drawdown", "pct"),
    ("Max drawdown duration", "max_drawdown_duration_ns", "duration"),
    ("Trades (round trips)", "trade_count", "int"),
    ("Open trades at end", "open_trade_count", "int"),
    ("Win rate", "win_rate", "pct"),
    ("Profit factor", "profit_factor", "ratio"),
    ("Average holding time", "average_holding_ns", "duration"),
    ("Fills", "fill_count", "int"),
    ("Fees", "fees", "money"),
    ("Traded notional", "traded_notional", "money"),
    ("Turnover (x start)", "turnover", "ratio"),
)


def _get(obj: Any, name: str) -> Any:
    value = obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)
    return value() if callable(value) and not isinstance(value, np.ndarray) else value


def _fills_from_run(fills: Any, by_num: Mapping[int, tuple[str, int, int]]) -> np.ndarray:
    """Convert the runner's fills; by_num maps a numeric instrument id to (id, size, price precision)."""
    if fills is None:
        return np.empty(0, dtype=FILL_DTYPE)
    arr = np.asarray(fills)
    names = arr.dtype.names or ()
    out = np.zeros(arr.shape[0], dtype=FILL_DTYPE)
    inst = arr["instrument"] if "instrument" in names else arr["instrument_id"]
    if inst.dtype.kind in "iu":  # numeric ids, as in the core records
        unknown = sorted({int(n) for n in np.unique(inst)} - set(by_num))
        if unknown:
            raise ValueError(f"fills: numeric instrument id {unknown[0]} is not one of the node's "
                             f"instruments ({', '.join(f'{n}={v[0]}' for n, v in by_num.items())})")
        out["instrument"] = [by_num[int(n)][0] for n in inst]
        precisions = np.array([by_num[int(n)][1:] for n in inst]).reshape(-1, 2)
    else:
        out["instrument"] = inst
        by_id = {v[0]: v[1:] for v in by_num.values()}
        precisions = np.array([by_id.get(str(x), (0, 0)) for x in inst]).reshape(-1, 2)
    for field, alts in (("ts", ("ts_ns", "ts_event")), ("order_id", ("client_order_num", "order_num")),
                        ("side", ()), ("fee", ("commission",)), ("liquidity", ()) ):
        for name in (field, *alts):
            if name in names:
                out[field] = arr[name]
                break
    for field, raw, col in (("qty", "qty_raw", 0), ("px", "px_raw", 1)):
        if field in names:
            out[field] = arr[field]
        else:  # fixed point: scale by the instrument's precision
            out[field] = arr[raw] * 10.0 ** -precisions[:, col]
    return out


def _equity_from_run(equity: Any) -> np.ndarray:
    arr = np.asarray(equity)
    out = np.empty(arr.shape[0], dtype=EQUITY_DTYPE)
    out["ts"] = arr["ts"] if "ts" in (arr.dtype.names or ()) else arr["ts_ns"]
    out["equity"] = arr["equity"]
    return out


def _starting_equity(config: Any) -> float:
    # a sim venue values itself in its first starting balance's currency
    total = 0.0
    for venue in getattr(config, "venues", []) or []:
        balances = venue.balances()
        if balances:
            total += float(balances[0][0])
    return total


def _instrument_numbers(node: Any, config: Any) -> dict[int, tuple[str, int, int]]:
    cache = getattr(node, "cache", None)
    found = cache.instruments() if cache is not None and hasattr(cache, "instruments") else []
    out = {int(i.numeric_id): (str(i.id), int(i.size_precision), int(i.price_precision))
           for i in found if getattr(i, "numeric_id", 0)}
    if not out:  # the node numbers config instruments from 1 in order
        out = {k + 1: (i.id, i.size_precision, i.price_precision)
               for k, i in enumerate(getattr(config, "instruments", []) or [])}
    return out


def _fallback_equity(node: Any, run: Any, config: Any, fills: np.ndarray) -> np.ndarray:
    start = _starting_equity(config)
    portfolio = getattr(node, "portfolio", None)
    pnl = float(portfolio.total_pnl_float()) if portfolio is not None else 0.0
    t0 = _get(run, "start_ns") or (int(fills["ts"].min()) if fills.size else 0)
    t1 = _get(run, "end_ns") or (int(fills["ts"].max()) if fills.size else t0)
    return np.array([(t0, start), (t1, start + pnl)], dtype=EQUITY_DTYPE)


def _accounts_from_node(node: Any, config: Any) -> list[dict[str, Any]]:
    """Describe each venue's account: kind, and for a margin account leverage and peak margin."""
    cache = getattr(node, "cache", None)
    if cache is None or not hasattr(cache, "account"):
        return []
    out = []
    for venue in getattr(config, "venues", []) or []:
        acc = cache.account(venue.name)
        if acc is None:
            continue
        kind = getattr(acc, "kind", getattr(venue, "account_type", "cash"))
        entry: dict[str, Any] = {"venue": venue.name, "kind": kind}
        if kind == "margin":
            entry["leverage"] = float(acc.leverage)
            entry["peak_margin_used"] = {cur.code: float(acc.peak_margin_used(cur).as_decimal())
                                         for cur in acc.margin_currencies}
        out.append(entry)
    return out


def _orders_from_cache(cache: Any) -> list[Any] | None:
    # the cache keeps open orders and a bounded deque of recently closed ones
    if not hasattr(cache, "orders_open"):
        return None
    orders = list(cache.orders_open())
    if hasattr(cache, "orders_closed_recent"):
        orders += list(cache.orders_closed_recent())
    return sorted(orders, key=lambda o: (o.ts_init, str(o.client_order_id)))


class BacktestResult:
    """Collect the tables of one backtest and compute its statistics on first use.

    Parameters
    ----------
    fills: FILL_DTYPE array (or any structured array with its fields), one row per fill.
    equity: EQUITY_DTYPE array (ts, equity) sampled during the run, first row the start.
    orders: ORDER_DTYPE array, one row per order, or None.
    multipliers: instrument id -> contract multiplier for PnL and notional (default 1).
    period_ns: return period for Sharpe and Sortino (default one UTC day, 365 a year).
    config: a JSON-able summary of the run's config (the report writes it out).
    data_reports: `source.report()` of each data source (rows read, kept, skipped).
    timings: seconds per phase ({"load": ..., "run": ..., "total": ...}).
    counts: other counters of the run ({"records": ..., "orders": ...}).
    accounts: one dict per venue account: {"venue", "kind": "cash" | "margin"} and, for a
        margin account, "leverage" and "peak_margin_used" ({currency code: amount}).
    """

    def __init__(self, *, fills: Any = None, equity: Any, orders: Any = None,
                 multipliers: Mapping[str, float] | float = 1.0, period_ns: int = NS_PER_DAY,
                 config: Mapping[str, Any] | None = None,
                 data_reports: Sequence[Mapping[str, Any]] = (),
                 timings: Mapping[str, float] | None = None,
                 counts: Mapping[str, int] | None = None,
                 accounts: Sequence[Mapping[str, Any]] = ()) -> None:
        self.fills = _table(fills, FILL_DTYPE, "fills")
        self.equity = _table(equity, EQUITY_DTYPE, "equity")
        if self.equity.size == 0:
            raise ValueError("equity: empty, expected at least one (ts, equity) row: the start")
        self.orders = _table(orders, ORDER_DTYPE, "orders")
        self.multipliers = multipliers
        self.period_ns = int(period_ns)
        self.config = dict(config or {})
        self.data_reports = [dict(r) for r in data_reports]
        self.timings = dict(timings or {})
        self.counts = dict(counts or {})
        self.accounts = [dict(a) for a in accounts]

    @classmethod
    def from_node(cls, node: Any, run: Any, *, config: Any = None,
                  period_ns: int = NS_PER_DAY,
                  data_reports: Sequence[Mapping[str, Any]] | None = None) -> BacktestResult:
        """Collect a result from a TradingNode after `run = node.run()` (backtest runner).

        Reads from run: `fills` (FILL_DTYPE-like, or the sim venue's fills with `ts_ns`,
        numeric `instrument_id`, `client_order_num`), `equity` ((ts or ts_ns, equity) rows;
        a starting-balance row at `start_ns` is put first), `orders` (ORDER_DTYPE-like or
        Order objects; else the node cache's open and recently closed orders, bounded),
        `data_reports` (or `sources`, each with `report()`; data_reports overrides),
        counters and timings. A run
        without equity samples gets a two-point curve: the starting balance at the first
        fill and starting balance + the portfolio's total PnL at the last.
        """
        config = config if config is not None else getattr(node, "config", None)
        instruments = list(getattr(config, "instruments", []) or [])
        multipliers = {i.id: float(i.multiplier) for i in instruments}
        fills = _fills_from_run(_get(run, "fills"), _instrument_numbers(node, config))
        equity = _get(run, "equity")
        if equity is None or len(equity) == 0:
            equity = _fallback_equity(node, run, config, fills)
        else:
            equity = _equity_from_run(equity)
            start_ns = _get(run, "start_ns")
            if isinstance(start_ns, int) and 0 <= start_ns < equity["ts"][0]:
                # the runner samples during the run: the curve starts at the starting balance
                start = np.array([(start_ns, _starting_equity(config))], dtype=EQUITY_DTYPE)
                equity = np.concatenate((start, equity))
        orders = _get(run, "orders")
        if orders is None:
            cache = getattr(node, "cache", None)
            orders = _orders_from_cache(cache) if cache is not None else None
        if orders is not None and not (isinstance(orders, np.ndarray) and orders.dtype.names):
            orders = orders_table(orders)
        reports = data_reports if data_reports is not None else _get(run, "data_reports")
        if reports is None:
            reports = [src.report() for src in (_get(run, "sources") or ()) if hasattr(src, "report")]
        counts = {}
        for name in ("records", "quotes", "trades", "events", "bars", "book_deltas",
                     "orders_submitted", "orders_denied", "timers_fired"):
            value = _get(run, name)
            if isinstance(value, (int, np.integer)):
                counts[name] = int(value)
        timings = {}
        for name, key in (("elapsed_s", "run"), ("load_s", "load"), ("ticks_per_s", None)):
            value = _get(run, name)
            if isinstance(value, (int, float)):
                if key is None:
                    counts[name] = int(value)
                else:
                    timings[key] = float(value)
        from hft.backtest.report import config_summary

        return cls(fills=fills, equity=equity, orders=orders, multipliers=multipliers,
                   period_ns=period_ns, config=config_summary(config), data_reports=reports,
                   timings=timings, counts=counts, accounts=_accounts_from_node(node, config))

    @cached_property
    def positions(self) -> np.ndarray:
        """Return the round trips (ROUND_TRIP_DTYPE), closed and still open, by ts_open."""
        return round_trips(self.fills, self.multipliers)

    @cached_property
    def statistics(self) -> Statistics:
        """Return every summary figure (computed once)."""
        return compute_statistics(self.equity["ts"], self.equity["equity"], self.fills,
                                  period_ns=self.period_ns, multipliers=self.multipliers,
                                  trips=self.positions)

    @property
    def instruments(self) -> list[str]:
        """Return the instrument ids that have fills, sorted."""
        return sorted({str(i) for i in self.fills["instrument"]})

    def drawdown(self) -> np.ndarray:
        """Return the drawdown (equity / running peak - 1) at every equity sample."""
        return drawdown_series(self.equity["equity"])

    def position_series(self, instrument: str) -> tuple[np.ndarray, np.ndarray]:
        """Return (ts, signed position after each fill) of one instrument, starting flat.

        The first point is (first equity ts, 0) so a plot starts at the run's start.
        """
        f = self.fills[self.fills["instrument"] == instrument]
        f = f[np.argsort(f["ts"], kind="stable")]
        signed = np.where(f["side"] == SIDE_BUY, f["qty"], -f["qty"])
        ts = np.concatenate(([self.equity["ts"][0]], f["ts"]))
        return ts, np.concatenate(([0.0], np.cumsum(signed)))

    def counts_summary(self) -> dict[str, int]:
        """Return row counts of every table plus the run's own counters."""
        out = {"orders": int(self.orders.size), "fills": int(self.fills.size),
               "positions": int(self.positions.size), "equity_samples": int(self.equity.size)}
        out.update({k: int(v) for k, v in self.counts.items()})
        return out

    def summary(self) -> str:
        """Return the statistics as an aligned two-column text table."""
        stats = self.statistics
        rows = [(label, _fmt(getattr(stats, field), kind)) for label, field, kind in SUMMARY_ROWS]
        rows += self._account_rows()
        width = max(len(label) for label, _ in rows)
        vwidth = max(len(v) for _, v in rows)
        line = "-" * (width + vwidth + 3)
        return "\n".join([line] + [f"{label:<{width}}   {v:>{vwidth}}" for label, v in rows] + [line])

    def _account_rows(self) -> list[tuple[str, str]]:
        rows = []
        for acc in self.accounts:
            if acc.get("kind") != "margin":
                rows.append((f"Account {acc.get('venue')}", str(acc.get("kind"))))
                continue
            rows.append((f"Account {acc.get('venue')}", f"margin, leverage {acc['leverage']:g}"))
            for code, amount in sorted(acc.get("peak_margin_used", {}).items()):
                rows.append((f"Peak margin used {acc.get('venue')}",
                             f"{_fmt(float(amount), 'money')} {code}"))
        return rows

    def to_pandas(self, table: str | None = None) -> Any:
        """Return one table ("orders", "fills", "positions", "equity") as a DataFrame, or all in a dict.

        Timestamp columns (ts, ts_*) become UTC datetimes, ts_close 0 becomes NaT.

        Raises
        ------
        ImportError: pandas is not installed (it is not a dependency of hft).
        ValueError: table is not one of the four names.
        """
        if table is not None and table not in _TABLES:
            raise ValueError(f"table must be one of {', '.join(_TABLES)}, got {table!r}")
        try:
            import pandas as pd
        except ImportError:
            raise ImportError("BacktestResult.to_pandas() needs pandas, which hft does not "
                              "install: pip install pandas") from None

        def frame(name: str):
            arr = getattr(self, name)
            df = pd.DataFrame({f: arr[f] for f in arr.dtype.names})
            for col in df.columns:
                if col == "ts" or col.startswith("ts_"):
                    ts = df[col].where(df[col] != 0) if col == "ts_close" else df[col]
                    df[col] = pd.to_datetime(ts, unit="ns", utc=True)
            return df

        if table is not None:
            return frame(table)
        return {name: frame(name) for name in _TABLES}

    def __repr__(self) -> str:
        s = self.statistics
        return (f"BacktestResult(fills={self.fills.size}, trades={s.trade_count}, "
                f"pnl={s.pnl:.2f}, sharpe={s.sharpe:.3f})")
