"""Compute backtest statistics from an equity curve and a fills table: pure numpy, no node.

Every function takes plain arrays, so a test can check it against figures worked out by
hand. Conventions, chosen once and used everywhere (docs/results.md explains each):

- Returns are simple returns `e[i] / e[i-1] - 1` of the equity curve.
- Sharpe and Sortino are annualized from returns over fixed periods: by default the
  equity curve is resampled to calendar days (the last value of each UTC day, carried
  forward over days without a sample) and annualized with 365 periods per year, since a
  backtest clock, like a crypto venue, never closes. Pass `period_ns` to resample to
  another period (an hour, a minute); `periods_per_year` follows from it. The risk-free
  rate is 0.
- Undefined figures are NaN, never 0: Sharpe of a flat curve (zero variance) or of fewer
  than two returns, win rate and profit factor with no closed trade, average holding time
  with no closed trade. Infinite figures are inf: profit factor when every closed trade
  wins, Sortino when no return is negative and the mean is positive.
- A round trip (a "trade") is a position from flat back to flat on one instrument; a fill
  that flips the position closes one trip and opens the next, its quantity and fee split
  pro rata. Win rate and profit factor use each trip's PnL net of its fees.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import msgspec
import numpy as np

__all__ = [
    "DAYS_PER_YEAR",
    "FILL_DTYPE",
    "NS_PER_DAY",
    "ROUND_TRIP_DTYPE",
    "Drawdown",
    "Statistics",
    "annualized_return",
    "average_holding_ns",
    "compute_statistics",
    "drawdown_series",
    "max_drawdown",
    "profit_factor",
    "resample_equity",
    "round_trips",
    "sharpe_ratio",
    "simple_returns",
    "sortino_ratio",
    "total_return",
    "traded_notional",
    "win_rate",
]

NS_PER_DAY = 86_400 * 1_000_000_000
DAYS_PER_YEAR = 365.0  # calendar days: the backtest clock runs every day
NS_PER_YEAR = DAYS_PER_YEAR * NS_PER_DAY

SIDE_BUY = 1  # hft.core.encoding.Side values; repeated so this module needs no extension
SIDE_SELL = 2

# One fill. Floats are for statistics only: the node keeps the fixed-point values.
FILL_DTYPE = np.dtype([
    ("ts", "<i8"),            # ts_event, ns since the epoch
    ("instrument", "U32"),    # "BTCUSDT.BINANCE"
    ("order_id", "<i8"),
    ("side", "u1"),           # SIDE_BUY = 1, SIDE_SELL = 2
    ("qty", "<f8"),           # > 0
    ("px", "<f8"),
    ("fee", "<f8"),           # in the quote currency; negative is a rebate
    ("liquidity", "u1"),      # 1 maker, 2 taker, 0 unknown
])

# One round trip: flat -> open -> flat (or still open at the end: ts_close == 0).
ROUND_TRIP_DTYPE = np.dtype([
    ("instrument", "U32"),
    ("side", "u1"),           # side of the opening fill: SIDE_BUY is a long trip
    ("ts_open", "<i8"),
    ("ts_close", "<i8"),      # 0 while open
    ("peak_qty", "<f8"),      # largest absolute position during the trip
    ("avg_px_open", "<f8"),
    ("avg_px_close", "<f8"),  # NaN until something was closed
    ("pnl", "<f8"),           # realized, before fees
    ("fees", "<f8"),
    ("net_pnl", "<f8"),       # pnl - fees
    ("fill_count", "<i8"),
])


class Drawdown(msgspec.Struct, frozen=True, kw_only=True):
    """Describe the deepest peak-to-trough fall of an equity curve.

    depth is a fraction of the peak (0.25 is a 25 % fall). duration_ns runs from the peak to
    the first sample back at or above it, or to the last sample when it never recovered.
    With no fall at all every field is 0 (indexes -1).
    """

    depth: float = 0.0
    peak_index: int = -1
    trough_index: int = -1
    recovery_index: int = -1  # -1: not recovered by the end
    peak_ts: int = 0
    trough_ts: int = 0
    duration_ns: int = 0
    recovered: bool = True


class Statistics(msgspec.Struct, frozen=True, kw_only=True):
    """Hold every summary figure of one backtest (see the module docstring for conventions)."""

    start_ts: int
    end_ts: int
    starting_equity: float
    ending_equity: float
    pnl: float
    total_return: float
    annualized_return: float
    period_ns: int
    periods_per_year: float
    sharpe: float
    sortino: float
    max_drawdown: float
    max_drawdown_duration_ns: int
    max_drawdown_recovered: bool
    trade_count: int          # closed round trips
    open_trade_count: int     # round trips still open at the end
    win_rate: float
    profit_factor: float
    average_holding_ns: float
    fill_count: int
    fees: float
    traded_notional: float
    turnover: float           # traded_notional / starting_equity

    def to_dict(self) -> dict[str, float | int | bool]:
        """Return the figures as a plain dict (NaN and inf stay floats)."""
        return msgspec.structs.asdict(self)


# ---- equity curve ----------------------------------------------------------------------

def _curve(ts_ns, equity) -> tuple[np.ndarray, np.ndarray]:
    ts = np.asarray(ts_ns, dtype=np.int64)
    eq = np.asarray(equity, dtype=np.float64)
    if ts.ndim != 1 or eq.ndim != 1 or ts.shape != eq.shape:
        raise ValueError(f"equity curve: ts_ns and equity must be 1-d of one length, "
                         f"got shapes {ts.shape} and {eq.shape}")
    if ts.size > 1 and np.any(np.diff(ts) < 0):
        i = int(np.argmax(np.diff(ts) < 0)) + 1
        raise ValueError(f"equity curve: ts_ns must not decrease, ts_ns[{i}] = {ts[i]} "
                         f"< ts_ns[{i - 1}] = {ts[i - 1]}")
    if not np.all(np.isfinite(eq)):
        i = int(np.argmin(np.isfinite(eq)))
        raise ValueError(f"equity curve: equity must be finite, equity[{i}] = {eq[i]}")
    return ts, eq


def simple_returns(equity) -> np.ndarray:
    """Return the simple returns e[i] / e[i-1] - 1 of an equity series (one shorter)."""
    eq = np.asarray(equity, dtype=np.float64)
    if eq.size < 2:
        return np.empty(0, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return eq[1:] / eq[:-1] - 1.0


def resample_equity(ts_ns, equity, period_ns: int = NS_PER_DAY) -> tuple[np.ndarray, np.ndarray]:
    """Resample an equity curve to the close of each period, starting with the first sample.

    Periods are aligned to the epoch (UTC days by default). The result holds the first
    sample, then the last value of every period from the first sample's period to the last
    one's, carried forward over periods without a sample; its returns are one per period.
    Returns (period end ts, equity); the first ts is the first sample's own.
    """
    if period_ns <= 0:
        raise ValueError(f"period_ns must be > 0, got {period_ns}")
    ts, eq = _curve(ts_ns, equity)
    if ts.size == 0:
        return ts.copy(), eq.copy()
    bucket = ts // period_ns
    first, last = int(bucket[0]), int(bucket[-1])
    buckets = np.arange(first, last + 1, dtype=np.int64)
    # index of the last sample at or before the end of each bucket (searchsorted on the
    # bucket numbers, which do not decrease because ts does not)
    idx = np.searchsorted(bucket, buckets, side="right") - 1
    out_ts = np.concatenate(([ts[0]], (buckets + 1) * period_ns - 1))
    out_eq = np.concatenate(([eq[0]], eq[idx]))
    return out_ts, out_eq


def total_return(equity) -> float:
    """Return equity[-1] / equity[0] - 1; NaN for fewer than one sample or a start <= 0."""
    eq = np.asarray(equity, dtype=np.float64)
    if eq.size == 0 or eq[0] <= 0:
        return math.nan
    return float(eq[-1] / eq[0] - 1.0)


def annualized_return(ts_ns, equity) -> float:
    """Return the compound annual growth rate over the curve's span of 365-day years.

    NaN when the span is 0 or the start is <= 0; -1 when the equity ends at or below 0.
    Over a span of hours the figure is an extrapolation (and may overflow to inf).
    """
    ts, eq = _curve(ts_ns, equity)
    if eq.size < 2 or eq[0] <= 0 or ts[-1] == ts[0]:
        return math.nan
    if eq[-1] <= 0:
        return -1.0
    years = (ts[-1] - ts[0]) / NS_PER_YEAR
    with np.errstate(over="ignore"):
        growth = np.float64(eq[-1] / eq[0]) ** (1.0 / years)
    return float(growth - 1.0)


def sharpe_ratio(returns, periods_per_year: float) -> float:
    """Return mean / sample std (ddof=1) of per-period returns, times sqrt(periods_per_year).

    NaN for fewer than two returns or zero variance (a flat curve): undefined, not 0.
    """
    r = np.asarray(returns, dtype=np.float64)
    if r.size < 2:
        return math.nan
    std = float(np.std(r, ddof=1))
    mean = float(np.mean(r))
    # a constant series can leave a std of a few ulps instead of 0
    if std <= 1e-14 * max(1.0, abs(mean)):
        return math.nan
    return mean / std * math.sqrt(periods_per_year)


def sortino_ratio(returns, periods_per_year: float) -> float:
    """Return mean / downside deviation of per-period returns, times sqrt(periods_per_year).

    The downside deviation is sqrt(mean(min(r, 0)**2)) over all returns (target 0). With no
    negative return it is 0: the ratio is inf when the mean is positive, NaN when it is 0.
    NaN for fewer than two returns.
    """
    r = np.asarray(returns, dtype=np.float64)
    if r.size < 2:
        return math.nan
    mean = float(np.mean(r))
    downside = math.sqrt(float(np.mean(np.minimum(r, 0.0) ** 2)))
    if downside == 0.0:
        return math.inf if mean > 0 else math.nan
    return mean / downside * math.sqrt(periods_per_year)


def drawdown_series(equity) -> np.ndarray:
    """Return equity / running peak - 1 at every sample (0 at a new high, negative below)."""
    eq = np.asarray(equity, dtype=np.float64)
    if eq.size == 0:
        return eq.copy()
    peak = np.maximum.accumulate(eq)
    with np.errstate(divide="ignore", invalid="ignore"):
        dd = np.where(peak > 0, eq / peak - 1.0, 0.0)
    return dd


def max_drawdown(ts_ns, equity) -> Drawdown:
    """Find the deepest fall from a running peak, with its peak, trough and recovery.

    Of equal depths the first wins. The peak is the last sample at the high-water mark
    before the trough; recovery is the first later sample at or above it. For
    [100, 120, 90, 130] the depth is 30 / 120 = 0.25, from index 1 to recovery at index 3.
    """
    ts, eq = _curve(ts_ns, equity)
    if eq.size == 0:
        return Drawdown()
    dd = drawdown_series(eq)
    trough = int(np.argmin(dd))
    depth = -float(dd[trough])
    if depth <= 0.0:
        return Drawdown()
    running_peak = np.maximum.accumulate(eq)
    hwm = running_peak[trough]
    peak = int(np.flatnonzero(eq[: trough + 1] == hwm)[-1])
    after = np.flatnonzero(eq[trough + 1:] >= hwm)
    if after.size:
        recovery = trough + 1 + int(after[0])
        end_ts, recovered = int(ts[recovery]), True
    else:
        recovery = -1
        end_ts, recovered = int(ts[-1]), False
    return Drawdown(depth=depth, peak_index=peak, trough_index=trough, recovery_index=recovery,
                    peak_ts=int(ts[peak]), trough_ts=int(ts[trough]),
                    duration_ns=end_ts - int(ts[peak]), recovered=recovered)


# ---- trades ----------------------------------------------------------------------------

def _as_fills(fills) -> np.ndarray:
    arr = np.asarray(fills)
    missing = [n for n in ("ts", "instrument", "side", "qty", "px", "fee") if n not in (arr.dtype.names or ())]
    if missing:
        raise ValueError(f"fills: missing field(s) {', '.join(missing)}; expected FILL_DTYPE fields "
                         f"{', '.join(FILL_DTYPE.names)}")
    bad_side = ~np.isin(arr["side"], (SIDE_BUY, SIDE_SELL))
    if bad_side.any():
        i = int(np.argmax(bad_side))
        raise ValueError(f"fills[{i}]: field 'side' is invalid, expected 1 (buy) or 2 (sell), "
                         f"got {arr['side'][i]}")
    bad_qty = ~(arr["qty"] > 0)
    if bad_qty.any():
        i = int(np.argmax(bad_qty))
        raise ValueError(f"fills[{i}]: field 'qty' is invalid, expected > 0, got {arr['qty'][i]}")
    return arr


def round_trips(fills, multipliers: Mapping[str, float] | float = 1.0) -> np.ndarray:
    """Split fills into round trips per instrument (netting): flat -> open -> flat.

    Fills are taken in time order (stable for equal ts). A fill that crosses zero closes
    the trip with the part that brings the position to flat and opens a new one with the
    rest; its fee is split in proportion. A trip still open at the end has ts_close 0 and
    its realized part (from reductions) in pnl. multipliers maps instrument -> contract
    multiplier (PnL = qty * price move * multiplier); a float applies to all.

    Returns a ROUND_TRIP_DTYPE array ordered by ts_open, then instrument.
    """
    arr = _as_fills(fills)
    order = np.argsort(arr["ts"], kind="stable")
    state: dict[str, dict] = {}
    out: list[tuple] = []

    def mult(inst: str) -> float:
        return float(multipliers) if not isinstance(multipliers, Mapping) else float(multipliers.get(inst, 1.0))

    def close(inst: str, s: dict) -> None:
        avg_close = s["close_value"] / s["closed_qty"] if s["closed_qty"] > 0 else math.nan
        out.append((inst, s["side"], s["ts_open"], s["ts_close"], s["peak"], s["avg_open"],
                    avg_close, s["pnl"], s["fees"], s["pnl"] - s["fees"], s["fills"]))

    # plain Python lists: indexing a structured array row by row is several times slower
    columns = zip(*(arr[name][order].tolist() for name in ("instrument", "ts", "side", "qty", "px", "fee")))
    mult_cache: dict[str, float] = {}
    for inst, ts, side, qty, px, fee in columns:
        sign = 1.0 if side == SIDE_BUY else -1.0
        m = mult_cache.get(inst)
        if m is None:
            m = mult_cache[inst] = mult(inst)
        remaining, fee_left = qty, fee
        while remaining > 0:
            s = state.get(inst)
            if s is None:  # open a trip with everything left of this fill
                state[inst] = {"side": side, "ts_open": ts, "ts_close": 0, "pos": sign * remaining,
                               "peak": remaining, "avg_open": px, "closed_qty": 0.0, "close_value": 0.0,
                               "pnl": 0.0, "fees": fee_left, "fills": 1}
                break
            pos = s["pos"]
            if pos * sign > 0:  # adds to the position
                new = abs(pos) + remaining
                s["avg_open"] = (s["avg_open"] * abs(pos) + px * remaining) / new
                s["pos"] = sign * new
                s["peak"] = max(s["peak"], new)
                s["fees"] += fee_left
                s["fills"] += 1
                break
            take = min(remaining, abs(pos))
            part_fee = fee_left * (take / remaining)
            s["pnl"] += take * (px - s["avg_open"]) * (1.0 if pos > 0 else -1.0) * m
            s["closed_qty"] += take
            s["close_value"] += take * px
            s["fees"] += part_fee
            s["fills"] += 1
            s["pos"] = pos + sign * take
            remaining -= take
            fee_left -= part_fee
            # float quantities: call a remainder below 1e-9 of the peak flat
            if abs(s["pos"]) <= 1e-9 * s["peak"]:
                s["ts_close"] = ts
                close(inst, s)
                del state[inst]
                if remaining <= 1e-9 * qty:
                    break
    for inst, s in state.items():
        close(inst, s)
    trips = np.array(out, dtype=ROUND_TRIP_DTYPE) if out else np.empty(0, dtype=ROUND_TRIP_DTYPE)
    return trips[np.lexsort((trips["instrument"], trips["ts_open"]))] if trips.size else trips


def _closed(trips) -> np.ndarray:
    t = np.asarray(trips)
    return t[t["ts_close"] != 0]


def win_rate(pnl) -> float:
    """Return the share of trades with PnL > 0 (a zero-PnL trade is not a win); NaN if none."""
    p = np.asarray(pnl, dtype=np.float64)
    return float(np.count_nonzero(p > 0) / p.size) if p.size else math.nan


def profit_factor(pnl) -> float:
    """Return gross profit / gross loss of trade PnLs.

    inf when there are gains and no loss (every trade won); NaN with no trades or when
    every PnL is 0; 0 when there are losses and no gain.
    """
    p = np.asarray(pnl, dtype=np.float64)
    gains = float(p[p > 0].sum())
    losses = -float(p[p < 0].sum())
    if losses == 0.0:
        return math.inf if gains > 0 else math.nan
    return gains / losses


def average_holding_ns(ts_open, ts_close) -> float:
    """Return the mean of ts_close - ts_open in ns; NaN with no trades."""
    o = np.asarray(ts_open, dtype=np.int64)
    c = np.asarray(ts_close, dtype=np.int64)
    return float(np.mean(c - o)) if o.size else math.nan


def traded_notional(fills, multipliers: Mapping[str, float] | float = 1.0) -> float:
    """Return the sum of qty * px * multiplier over every fill (both sides count)."""
    arr = _as_fills(fills)
    if arr.size == 0:
        return 0.0
    if isinstance(multipliers, Mapping):
        m = np.array([float(multipliers.get(str(i), 1.0)) for i in arr["instrument"]])
    else:
        m = float(multipliers)
    return float(np.sum(arr["qty"] * arr["px"] * m))


def compute_statistics(ts_ns, equity, fills, *, period_ns: int = NS_PER_DAY,
                       multipliers: Mapping[str, float] | float = 1.0,
                       trips: np.ndarray | None = None) -> Statistics:
    """Compute every figure of Statistics from an equity curve and the fills.

    period_ns sets the return period for Sharpe and Sortino (default a UTC day, 365 per
    year). trips may pass round_trips(fills) when the caller already has them.
    """
    ts, eq = _curve(ts_ns, equity)
    if ts.size == 0:
        raise ValueError("equity curve: empty, expected at least the starting equity")
    fills = _as_fills(fills)
    if trips is None:
        trips = round_trips(fills, multipliers)
    closed = _closed(trips)
    _, period_eq = resample_equity(ts, eq, period_ns)
    rets = simple_returns(period_eq)
    ppy = NS_PER_YEAR / period_ns
    dd = max_drawdown(ts, eq)
    notional = traded_notional(fills, multipliers)
    return Statistics(
        start_ts=int(ts[0]), end_ts=int(ts[-1]),
        starting_equity=float(eq[0]), ending_equity=float(eq[-1]),
        pnl=float(eq[-1] - eq[0]),
        total_return=total_return(eq), annualized_return=annualized_return(ts, eq),
        period_ns=int(period_ns), periods_per_year=ppy,
        sharpe=sharpe_ratio(rets, ppy), sortino=sortino_ratio(rets, ppy),
        max_drawdown=dd.depth, max_drawdown_duration_ns=dd.duration_ns,
        max_drawdown_recovered=dd.recovered,
        trade_count=int(closed.size), open_trade_count=int(trips.size - closed.size),
        win_rate=win_rate(closed["net_pnl"]), profit_factor=profit_factor(closed["net_pnl"]),
        average_holding_ns=average_holding_ns(closed["ts_open"], closed["ts_close"]),
        fill_count=int(fills.size), fees=float(np.sum(fills["fee"])) if fills.size else 0.0,
        traded_notional=notional,
        turnover=notional / float(eq[0]) if eq[0] > 0 else math.nan,
    )
