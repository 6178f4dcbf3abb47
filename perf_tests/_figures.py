"""Record benchmark figures so `python -m perf_tests.report` can print them all.

Every perf test measures its figure and a baseline in the same run, then calls `record`.
Figures go to the JSON-lines file named by HFT_FIGURES_FILE (the report sets it), or to
perf_tests/.figures.jsonl when a perf test runs on its own.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

DEFAULT_FILE = Path(__file__).with_name(".figures.jsonl")


def record(
    name: str,
    value: float,
    unit: str,
    baseline: float | None = None,
    ratio: float | None = None,
    target: str | None = None,
) -> None:
    """Append one figure; `target` is a human note such as 'ratio >= 0.7'."""
    path = Path(os.environ.get("HFT_FIGURES_FILE", DEFAULT_FILE))
    row = {
        "name": name,
        "value": float(value),
        "unit": unit,
        "baseline": None if baseline is None else float(baseline),
        "ratio": None if ratio is None else float(ratio),
        "target": target,
    }
    with path.open("a") as f:
        f.write(json.dumps(row) + "\n")


def best_seconds(fn: Callable[[], object], repeat: int = 5, warmup: int = 1) -> float:
    """Return the fastest of `repeat` timed calls of fn (after `warmup` untimed ones)."""
    for _ in range(warmup):
        fn()
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def pedantic_min(benchmark, fn: Callable[[], object], rounds: int = 5) -> float:
    """Run fn under pytest-benchmark and return its fastest round in seconds.

    Under --benchmark-disable pytest-benchmark runs fn once and keeps no stats; time it here.
    """
    benchmark.pedantic(fn, rounds=rounds, iterations=1, warmup_rounds=1)
    if benchmark.stats is None:
        return best_seconds(fn, repeat=rounds)
    return benchmark.stats.stats.min
