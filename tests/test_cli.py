"""The `hft` command line: backtest outputs, errors, version and the not-yet commands."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import hft
from hft import cli
from hft.backtest.results import EQUITY_DTYPE, BacktestResult
from hft.backtest.statistics import FILL_DTYPE

T0 = 1_577_836_800 * 10**9

CONFIG = """
trader_id = "TEST"
[[instruments]]
id = "X.SIM"
price_precision = 2
size_precision = 3
"""


def canned_result(config, progress=True, period_ns=0):
    fills = np.array([(T0 + 1, "X.SIM", 1, 1, 1.0, 100.0, 0.05, 2),
                      (T0 + 2 * 10**9, "X.SIM", 2, 2, 1.0, 101.0, 0.05, 2)], dtype=FILL_DTYPE)
    equity = np.array([(T0, 1000.0), (T0 + 10**9, 1000.5), (T0 + 2 * 10**9, 1000.9)],
                      dtype=EQUITY_DTYPE)
    return BacktestResult(fills=fills, equity=equity, timings={"run": 0.01},
                          data_reports=[{"file": "x.csv", "rows_read": 3, "rows_kept": 3, "skipped": {}}])


@pytest.fixture
def config_file(tmp_path, monkeypatch):
    monkeypatch.setattr(cli, "run_backtest_config", canned_result)
    path = tmp_path / "tiny.toml"
    path.write_text(CONFIG)
    return path


def test_backtest_prints_summary_and_writes_report_and_tearsheet(config_file, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out = tmp_path / "out"
    assert cli.main(["backtest", str(config_file), "--output", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Sharpe" in printed and "Profit factor" in printed and "report.json" in printed
    doc = json.loads((out / "report.json").read_text())
    assert doc["config"]["trader_id"] == "TEST"
    assert doc["statistics"]["trade_count"] == 1
    assert doc["data"][0]["file"] == "x.csv"
    assert (out / "tearsheet.png").read_bytes()[:4] == b"\x89PNG"


def test_backtest_no_plot_and_quiet_write_only_the_report_silently(config_file, tmp_path, capsys):
    out = tmp_path / "out"
    assert cli.main(["backtest", str(config_file), "-o", str(out), "--no-plot", "--quiet"]) == 0
    assert capsys.readouterr().out == ""
    assert sorted(p.name for p in out.iterdir()) == ["report.json"]


def test_backtest_output_defaults_to_the_configs_output_dir(config_file, tmp_path):
    config_file.write_text('output_dir = "here"\n' + CONFIG)
    assert cli.main(["backtest", str(config_file), "--no-plot", "-q"]) == 0
    assert (tmp_path / "here" / "report.json").exists()  # relative to the config file


def test_backtest_config_error_names_file_and_key_and_exits_1(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(CONFIG.replace("price_precision = 2", 'price_precision = "two"'))
    assert cli.main(["backtest", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "bad.toml" in err and "instruments[0].price_precision" in err


def test_backtest_missing_config_exits_1(tmp_path, capsys):
    assert cli.main(["backtest", str(tmp_path / "nope.toml")]) == 1
    assert "file not found" in capsys.readouterr().err


def test_backtest_rejects_a_live_config(tmp_path, capsys):
    path = tmp_path / "live.toml"
    path.write_text('mode = "live"\n' + CONFIG)
    assert cli.main(["backtest", str(path)]) == 1
    assert "mode: expected 'backtest'" in capsys.readouterr().err


def test_bench_outside_a_checkout_says_where_the_benchmarks_are(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if not (Path(p) / "perf_tests").is_dir()])
    monkeypatch.delitem(sys.modules, "perf_tests", raising=False)
    monkeypatch.delitem(sys.modules, "perf_tests.report", raising=False)
    assert cli.main(["bench"]) == 2
    assert "source tree" in capsys.readouterr().err


def test_bench_runs_the_report_with_its_options(monkeypatch):
    from perf_tests import report

    seen = []
    monkeypatch.setattr(report, "main", lambda argv: seen.append(argv) or 0)
    assert cli.main(["bench", "--json", "-k", "ring"]) == 0
    assert seen == [["--json", "-k", "ring"]]



def test_version_flag_prints_the_package_version():
    done = subprocess.run([sys.executable, "-m", "hft.cli", "--version"], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0
    assert done.stdout.strip() == f"hft {hft.__version__}"


FLIPPER = '''
from hft.kernel.config import StrategyConfig
from hft.kernel.strategy import Strategy


class FlipperConfig(StrategyConfig):
    every: int = 200


class Flipper(Strategy):
    """Buy 1 on every other `every`-th quote, sell 1 on the ones between."""

    config_type = FlipperConfig

    def on_start(self):
        self.n = 0
        self.subscribe_quotes(self.config.instrument_id)

    def on_quote(self, quote):
        self.n += 1
        if self.n % self.config.every == 0:
            side = self.buy if (self.n // self.config.every) % 2 else self.sell
            side(self.config.instrument_id, "1")
'''


def _flipper_config(sample_config, data) -> str:
    return sample_config("cli_flipper:Flipper", ", every = 200", data=data)


def test_backtest_runs_a_real_config_end_to_end(tmp_path, monkeypatch, capsys, sample_config,
                                                sample_csv):
    data = sample_csv
    (tmp_path / "cli_flipper.py").write_text(FLIPPER)
    monkeypatch.syspath_prepend(str(tmp_path))
    cfg = tmp_path / "flip.toml"
    cfg.write_text(_flipper_config(sample_config, data))
    out = tmp_path / "out"
    assert cli.main(["backtest", str(cfg), "-o", str(out), "--no-plot", "--period", "hour"]) == 0
    doc = json.loads((out / "report.json").read_text())
    assert doc["counts"]["records"] == 9500
    assert doc["data"] == [{"file": str(data), "rows_read": 9500, "rows_kept": 9500, "skipped": {}}]
    # 47 signals, buy and sell alternating, size 1: 23 round trips and one open at the end
    assert doc["statistics"]["fill_count"] == 47
    assert (doc["statistics"]["trade_count"], doc["statistics"]["open_trade_count"]) == (23, 1)
    assert doc["statistics"]["period_ns"] == 3_600 * 10**9
    assert "Trades (round trips)" in capsys.readouterr().out


@pytest.mark.parametrize("rows, message", [
    ("20200101 170000065,1.121200,1.121720,0\n20200101 165900000,1.121200,1.121720,0\n", "line 2"),
    ("20200101 170000065,1.121200,1.121720,0\n20200101 170000066,nan,1.121720,0\n", "line 2"),
])
def test_backtest_bad_data_names_the_file_and_row_and_exits_1(tmp_path, monkeypatch, capsys, rows,
                                                             message, sample_config):
    data = tmp_path / "bad.csv"
    data.write_text(rows)
    (tmp_path / "cli_flipper.py").write_text(FLIPPER)
    monkeypatch.syspath_prepend(str(tmp_path))
    cfg = tmp_path / "flip.toml"
    cfg.write_text(_flipper_config(sample_config, data))
    assert cli.main(["backtest", str(cfg), "--no-plot", "-q", "-o", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "bad.csv" in err and message in err
