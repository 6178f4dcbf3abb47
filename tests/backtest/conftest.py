"""Shared by the backtest tests: run a strategy module over the bundled EUR/USD sample."""

from pathlib import Path

import pytest

from hft import TradingNode, load_config

SAMPLE = (Path(__file__).resolve().parents[2] / "examples" / "data"
          / "eurusd-histdata-ticks-20200101.csv")

_CONFIG = """
[[instruments]]
id = "EURUSD.SIM"
kind = "fx"
price_precision = 5
size_precision = 0
quote_currency = "USD"

[[venues]]
name = "SIM"
starting_balances = ["100000 USD"]

[[data]]
path = "{data}"
kind = "quotes"
instrument_id = "EURUSD.SIM"

[[strategies]]
path = "{path}"
config = {{instrument_id = "EURUSD.SIM"}}
"""


@pytest.fixture
def sample_csv() -> Path:
    """Return the bundled EUR/USD tick sample's path."""
    return SAMPLE


@pytest.fixture
def run_on_sample(tmp_path, monkeypatch):
    """Return run(module, class_name, source, extra="") -> the node after a backtest of the sample.

    The strategy's source is written as `module.py` in tmp_path and loaded by import path
    from a TOML config, as a user's would be; its config gets `instrument_id`. `extra` is
    TOML appended to the config (a `[risk]` table, say).
    """
    def run(module: str, class_name: str, source: str, extra: str = "") -> TradingNode:
        (tmp_path / f"{module}.py").write_text(source)
        monkeypatch.syspath_prepend(str(tmp_path))
        cfg = tmp_path / f"{module}.toml"
        cfg.write_text(_CONFIG.format(data=SAMPLE, path=f"{module}:{class_name}") + extra)
        node = TradingNode(load_config(cfg))
        node.run()
        return node

    return run
