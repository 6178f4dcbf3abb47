"""The pairs example on generated cointegrated quotes."""

from pathlib import Path

import msgspec
import numpy as np
import pytest

from hft.cli import run_backtest_config
from hft.kernel.config import DataConfig, load_config

from examples.pairs.generate import cointegrated_mids, write_pair

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "examples" / "pairs" / "config.toml"


def config_on(folder: Path, **params):
    x, y = write_pair(folder, n=20_000)
    config = load_config(CONFIG)
    s = config.strategies[0]
    return msgspec.structs.replace(
        config,
        data=[DataConfig(path=str(x), kind="quotes", instrument_id="X.SIM"),
              DataConfig(path=str(y), kind="quotes", instrument_id="Y.SIM")],
        strategies=[msgspec.structs.replace(s, config={**s.config, **params})])


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    return run_backtest_config(config_on(tmp_path_factory.mktemp("pairs")), progress=False)


def test_generated_spread_reverts_and_the_legs_move_together():
    x, y = cointegrated_mids(20_000)
    spread = y - 0.8 * x
    assert np.corrcoef(np.diff(x), np.diff(y))[0, 1] > 0.3
    assert abs(spread.mean()) < 5 * spread.std() / np.sqrt(20_000 * 0.02)  # mean about 0
    assert np.std(x) > 5 * np.std(spread)  # x wanders far, the spread does not


def test_trades_both_legs_in_hedged_pairs_with_a_known_count(result):
    counts = {name: (result.fills["instrument"] == name).sum() for name in ("X.SIM", "Y.SIM")}
    assert counts == {"X.SIM": 628, "Y.SIM": 628}
    y = result.fills[result.fills["instrument"] == "Y.SIM"]
    x = result.fills[result.fills["instrument"] == "X.SIM"]
    assert set(y["qty"].tolist()) == {100.0} and set(x["qty"].tolist()) == {80.0}
    assert (x["side"] != y["side"]).all()  # each entry and exit is long one leg, short the other


def test_mean_reversion_is_profitable_on_cointegrated_data(result):
    stats = result.statistics
    assert stats.pnl > 0
    assert stats.open_trade_count == 0 or stats.open_trade_count == 2


def test_a_higher_entry_threshold_trades_less(tmp_path, result):
    fewer = run_backtest_config(config_on(tmp_path, entry_z=3.0), progress=False)
    assert 0 < fewer.statistics.fill_count < result.statistics.fill_count
