from typing import Any

import numpy as np

EQUITY_DTYPE: np.dtype

class FeedQueue:
    def __init__(self, capacity: int = ...) -> None: ...
    def __len__(self) -> int: ...

class BacktestRun:
    records: int
    quotes: int
    trades: int
    events: int
    start_ns: int
    end_ns: int
    elapsed_s: float
    ticks_per_s: float
    fills: np.ndarray
    equity: np.ndarray
    venues: list[Any]

def build_sources(config: Any, instruments: dict) -> list: ...
def run_backtest(node: Any, *, sources: list | None = ..., venues: list | None = ...,
                 progress: bool | None = ..., equity_every: int = ...) -> BacktestRun: ...
