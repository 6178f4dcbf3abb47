from pathlib import Path

import numpy as np
import pytest

DATA = Path(__file__).resolve().parents[2] / "examples" / "data" / "eurusd-histdata-ticks-20200101.csv"


@pytest.fixture(scope="session")
def mids() -> np.ndarray:
    """EUR/USD tick mids of 2020-01-01 (HistData), about 9500 values near 1.12."""
    bid_ask = np.loadtxt(DATA, delimiter=",", usecols=(1, 2))
    return np.ascontiguousarray(bid_ask.mean(axis=1))


@pytest.fixture(scope="session")
def bars(mids) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """High, low, close of consecutive 50-tick bars of the mids."""
    n = len(mids) // 50 * 50
    blocks = mids[:n].reshape(-1, 50)
    return (np.ascontiguousarray(blocks.max(axis=1)), np.ascontiguousarray(blocks.min(axis=1)),
            np.ascontiguousarray(blocks[:, -1]))
