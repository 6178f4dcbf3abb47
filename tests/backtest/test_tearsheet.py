"""The tearsheet renders a PNG of the expected size."""

import struct

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from hft.backtest.results import EQUITY_DTYPE, BacktestResult
from hft.backtest.statistics import FILL_DTYPE
from hft.backtest.tearsheet import render_tearsheet

T0 = 1_577_836_800 * 10**9


def png_size(path):
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def result(with_fills=True):
    rng = np.random.default_rng(7)
    n = 200
    ts = T0 + np.arange(n, dtype=np.int64) * 60 * 10**9
    eq = 10_000 + np.concatenate(([0.0], np.cumsum(rng.normal(0, 5, n - 1))))
    fills = np.array([(ts[k], "X.V", k, 1 + (k // 20) % 2, 1.0, 100.0, 0.01, 2)
                      for k in range(0, n, 20)], dtype=FILL_DTYPE) if with_fills else None
    return BacktestResult(fills=fills, equity=np.rec.fromarrays([ts, eq], dtype=EQUITY_DTYPE))


def test_tearsheet_writes_a_png_of_the_requested_pixels(tmp_path):
    path = render_tearsheet(result(), tmp_path / "sub" / "tearsheet.png", title="test")
    assert path.exists() and path.stat().st_size > 10_000
    assert png_size(path) == (1200, 900)


def test_tearsheet_size_follows_inches_and_dpi(tmp_path):
    path = render_tearsheet(result(), tmp_path / "small.png", size_in=(6, 4), dpi=50)
    assert png_size(path) == (300, 200)


def test_tearsheet_renders_a_run_without_fills(tmp_path):
    path = render_tearsheet(result(with_fills=False), tmp_path / "flat.png")
    assert png_size(path) == (1200, 900)
