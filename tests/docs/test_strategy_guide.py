"""The strategy in docs/strategy_guide.md runs through the node on the shipped sample."""

import re
from pathlib import Path

from hft import TradingNode, load_config

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "strategy_guide.md"


def test_guide_strategy_backtests_on_the_sample(tmp_path, monkeypatch, sample_config):
    code = re.search(r"```python\n(.*?)```", GUIDE.read_text(), re.S).group(1)
    (tmp_path / "guide_strategy.py").write_text(code)
    monkeypatch.syspath_prepend(str(tmp_path))
    cfg = tmp_path / "guide.toml"
    cfg.write_text(sample_config("guide_strategy:EmaCross", ", fast = 10, slow = 30",
                                 balance="1000000 USD", data_extra='layout = "histdata"'))
    node = TradingNode(load_config(cfg))
    run = node.run()
    assert run.records == 9500
    fills = run.fills
    assert len(fills) > 10
    # every order after the first flips the position: 100k, then 200k each
    assert set(fills["qty"][1:].tolist()) <= {200_000.0, 200000}
    (strategy,) = node.strategies
    assert strategy.holding in (1, -1)
