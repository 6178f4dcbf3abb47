"""Write two synthetic cointegrated quote streams to .npz: `python examples/pairs/generate.py`.

X's mid is a seeded random walk; Y's mid is `beta * X + spread`, where the spread is a
mean-reverting (Ornstein-Uhlenbeck, AR(1)) process: the pair drifts together and the spread
keeps returning to zero, which is what the pairs strategy trades. Prices are whole ticks at
precision 2 (cents); each instrument quotes every `step_ns`, Y half a step after X.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from hft.backtest.synthetic import write_npz
from hft.core.encoding import QUOTE_DTYPE, RECORD_QUOTE
from hft.core.encoding import VERSION as ENCODING_VERSION

HERE = Path(__file__).resolve().parent
START_NS = 1_577_916_000_000_000_000  # 2020-01-01 22:00 UTC


def cointegrated_mids(n: int, *, seed: int = 11, beta: float = 0.8, x0: float = 10_000.0,
                      vol_ticks: float = 2.0, spread_vol_ticks: float = 3.0,
                      reversion: float = 0.02) -> tuple[np.ndarray, np.ndarray]:
    """Return (x, y) mids in ticks: x a random walk, y = beta x + an AR(1) spread."""
    rng = np.random.default_rng(seed)
    x = x0 + np.cumsum(rng.normal(0.0, vol_ticks, n))
    shocks = rng.normal(0.0, spread_vol_ticks, n)
    spread = np.empty(n)
    s = 0.0
    for i in range(n):  # AR(1): s <- (1 - reversion) s + shock
        s = (1.0 - reversion) * s + shocks[i]
        spread[i] = s
    return np.rint(x).astype(np.int64), np.rint(beta * x + spread).astype(np.int64)


def quotes(mids: np.ndarray, *, instrument_id: int, offset_ns: int, step_ns: int,
           spread_ticks: int = 2, size: int = 1_000) -> np.ndarray:
    """Return QUOTE_DTYPE records around the mids (precision 2 prices, whole-unit sizes)."""
    n = len(mids)
    out = np.zeros(n, dtype=QUOTE_DTYPE)
    out["version"] = ENCODING_VERSION
    out["record_type"] = RECORD_QUOTE
    out["price_precision"] = 2
    out["size_precision"] = 0
    out["instrument_id"] = instrument_id
    ts = START_NS + offset_ns + np.arange(n, dtype=np.int64) * step_ns
    out["ts_event"] = ts
    out["ts_init"] = ts
    out["bid_price"] = mids - spread_ticks // 2
    out["ask_price"] = mids - spread_ticks // 2 + spread_ticks
    out["bid_size"] = size
    out["ask_size"] = size
    out["sequence"] = np.arange(n, dtype=np.uint64)
    return out


def write_pair(folder: str | Path, n: int = 20_000, *, seed: int = 11, beta: float = 0.8,
               step_ns: int = 1_000_000_000) -> tuple[Path, Path]:
    """Write x.npz and y.npz (n quotes each) into folder; return their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    x, y = cointegrated_mids(n, seed=seed, beta=beta)
    px, py = folder / "x.npz", folder / "y.npz"
    write_npz(px, quotes(x, instrument_id=1, offset_ns=0, step_ns=step_ns))
    write_npz(py, quotes(y, instrument_id=2, offset_ns=step_ns // 2, step_ns=step_ns))
    return px, py


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(HERE / "data"))
    parser.add_argument("-n", type=int, default=20_000)
    args = parser.parse_args()
    for path in write_pair(args.out, args.n):
        print(path)
