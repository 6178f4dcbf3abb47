"""Shared by the backtest tests: run a strategy module over the bundled EUR/USD sample."""

import pytest

from hft import TradingNode, load_config


@pytest.fixture
def run_on_sample(tmp_path, monkeypatch, sample_config):
    """Return run(module, class_name, source, extra="") -> the node after a backtest of the sample.

    The strategy's source is written as `module.py` in tmp_path and loaded by import path
    from a TOML config, as a user's would be; its config gets `instrument_id`. `extra` is
    TOML appended to the config (a `[risk]` table, say).
    """
    def run(module: str, class_name: str, source: str, extra: str = "") -> TradingNode:
        (tmp_path / f"{module}.py").write_text(source)
        monkeypatch.syspath_prepend(str(tmp_path))
        cfg = tmp_path / f"{module}.toml"
        cfg.write_text(sample_config(f"{module}:{class_name}") + extra)
        node = TradingNode(load_config(cfg))
        node.run()
        return node

    return run
