"""Render a backtest tearsheet PNG: equity, drawdown and position panels (matplotlib, Agg).

Matplotlib is the optional extra `plot` (`pip install hft[plot]`). The figure is drawn on
an Agg canvas of its own, without pyplot, so rendering never touches the caller's
backend or global figure state.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from hft.backtest.results import BacktestResult, _fmt, format_duration_ns

__all__ = ["DEFAULT_DPI", "DEFAULT_SIZE_IN", "render_tearsheet"]

DEFAULT_SIZE_IN = (12.0, 9.0)  # inches; at DEFAULT_DPI: 1200 x 900 pixels
DEFAULT_DPI = 100


def _times(ts_ns: np.ndarray) -> np.ndarray:
    return np.asarray(ts_ns, dtype=np.int64).astype("datetime64[ns]")


def render_tearsheet(result: BacktestResult, path: str | os.PathLike[str], *,
                     title: str = "Backtest", size_in: tuple[float, float] = DEFAULT_SIZE_IN,
                     dpi: int = DEFAULT_DPI) -> Path:
    """Draw equity, drawdown and positions of a result into a PNG; return its path.

    Raises
    ------
    ImportError: matplotlib is not installed (the optional extra `plot`).
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError("the tearsheet needs matplotlib: pip install 'hft[plot]' "
                          "(or run `hft backtest --no-plot`)") from None

    stats = result.statistics
    ts = _times(result.equity["ts"])
    equity = result.equity["equity"]

    fig = Figure(figsize=size_in, dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    grid = fig.add_gridspec(3, 1, height_ratios=(3, 1.3, 1.3))
    ax_eq = fig.add_subplot(grid[0])
    ax_dd = fig.add_subplot(grid[1], sharex=ax_eq)
    ax_pos = fig.add_subplot(grid[2], sharex=ax_eq)

    fig.suptitle(title, fontsize=14, fontweight="bold")
    ax_eq.set_title(
        f"PnL {_fmt(stats.pnl, 'money')}   return {_fmt(stats.total_return, 'pct')}   "
        f"Sharpe {_fmt(stats.sharpe, 'ratio')}   Sortino {_fmt(stats.sortino, 'ratio')}   "
        f"max DD {_fmt(stats.max_drawdown, 'pct')} ({format_duration_ns(stats.max_drawdown_duration_ns)})   "
        f"trades {stats.trade_count}   win {_fmt(stats.win_rate, 'pct')}   fees {_fmt(stats.fees, 'money')}",
        fontsize=9, loc="left")

    ax_eq.plot(ts, equity, color="#1f5fa8", linewidth=1.2, drawstyle="steps-post")
    ax_eq.axhline(equity[0], color="grey", linewidth=0.8, linestyle="--")
    ax_eq.set_ylabel("equity")
    ax_eq.ticklabel_format(axis="y", useOffset=False, style="plain")  # no "+1e5" offset label
    ax_eq.grid(True, alpha=0.3)

    dd = result.drawdown() * 100.0
    ax_dd.fill_between(ts, dd, 0.0, step="post", color="#c0392b", alpha=0.35, linewidth=0)
    ax_dd.plot(ts, dd, color="#c0392b", linewidth=0.8, drawstyle="steps-post")
    ax_dd.set_ylabel("drawdown %")
    ax_dd.set_ylim(top=0.0, bottom=min(float(dd.min()) * 1.1, -0.01))
    ax_dd.grid(True, alpha=0.3)

    instruments = result.instruments
    for inst in instruments:
        pts, pos = result.position_series(inst)
        pts = np.append(pts, result.equity["ts"][-1])  # hold the last position to the end
        pos = np.append(pos, pos[-1])
        ax_pos.plot(_times(pts), pos, drawstyle="steps-post", linewidth=1.0, label=inst)
    ax_pos.axhline(0.0, color="grey", linewidth=0.8)
    ax_pos.set_ylabel("position")
    ax_pos.grid(True, alpha=0.3)
    if instruments:
        ax_pos.legend(loc="best", fontsize=8, ncols=min(len(instruments), 4))
    else:
        ax_pos.text(0.5, 0.5, "no fills", transform=ax_pos.transAxes, ha="center",
                    va="center", color="grey")
    for ax in (ax_eq, ax_dd):
        ax.tick_params(labelbottom=False)
    ax_pos.set_xlabel("time (UTC)")

    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, format="png", dpi=dpi)
    return out
