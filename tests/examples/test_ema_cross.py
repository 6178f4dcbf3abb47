"""The ema_cross example: its config, its script, and `make demo` (hft.demo) on the sample."""

import json
from pathlib import Path

import pytest

from hft import demo
from hft.cli import run_backtest_config
from hft.kernel.config import ConfigError, config_from_dict, load_config

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "examples" / "ema_cross" / "config.toml"


def test_config_runs_on_the_sample_with_a_known_trade_count_and_a_small_loss():
    result = run_backtest_config(load_config(CONFIG), progress=False)
    stats = result.statistics
    assert result.counts["records"] == 9500
    # EMA(50)/EMA(200) on the 6 hours: 49 crosses past the warm-up, each flip one fill
    assert (stats.fill_count, stats.trade_count, stats.open_trade_count) == (49, 48, 1)
    # a trend follower paying the spread on quiet New Year's Eve quotes loses a little
    assert -100 < stats.pnl < 0
    assert stats.fees > 0


def test_run_script_writes_the_report(tmp_path):
    from examples.ema_cross import run

    assert run.main(["--output", str(tmp_path), "--no-plot"]) == 0
    doc = json.loads((tmp_path / "report.json").read_text())
    assert doc["statistics"]["fill_count"] == 49


def test_demo_runs_the_backtest_then_the_tour(tmp_path, monkeypatch, capsys):
    pytest.importorskip("matplotlib")
    monkeypatch.setattr(demo, "OUTPUT", tmp_path / "demo")
    assert demo.main() == 0
    out = capsys.readouterr().out
    assert "Trades (round trips)" in out and "ring: pushed" in out
    assert out.index("Trades (round trips)") < out.index("== hft core tour ==")
    assert (tmp_path / "demo" / "report.json").exists()
    assert (tmp_path / "demo" / "tearsheet.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("params, field", [
    ({"fast": 30, "slow": 10}, "fast"),
    ({"trade_size": "0"}, "trade_size"),
])
def test_bad_strategy_parameters_name_the_field(params, field):
    from hft.kernel.config import load_strategy_config

    doc = {"strategies": [{"path": "examples.ema_cross.strategy:EmaCross",
                           "config": {"instrument_id": "EUR/USD.SIM", **params}}]}
    with pytest.raises(ConfigError, match=field):
        load_strategy_config(config_from_dict(doc).strategies[0], index=0)


def test_compiled_strategy_makes_the_same_fills_as_the_python_one():
    import msgspec

    config = load_config(CONFIG)
    python = run_backtest_config(config, progress=False)
    compiled_cfg = msgspec.structs.replace(config, strategies=[msgspec.structs.replace(
        config.strategies[0], path="hft.backtest.strategies.ema_cross_cy:EmaCrossCy")])
    compiled = run_backtest_config(compiled_cfg, progress=False)
    assert compiled.fills.tolist() == python.fills.tolist()
    assert compiled.statistics.pnl == python.statistics.pnl
