"""Quotes a strategy keeps are never changed by the quotes that follow.

The run refills the cache's last QuoteTick in place when nothing else holds it
(DataEngine.process_quote_record); a strategy that keeps some quotes must see each as it was.
"""
from pathlib import Path

import numpy as np

from hft import TradingNode, load_config
from hft.backtest.loaders import CsvSource

DATA = Path(__file__).resolve().parents[2] / "examples" / "data" / "eurusd-histdata-ticks-20200101.csv"

STRATEGY = '''
from hft import Strategy, StrategyConfig

class KeeperConfig(StrategyConfig):
    instrument_id: str

class Keeper(Strategy):
    config_type = KeeperConfig

    def on_start(self):
        self.kept, self.seen = [], []
        self.subscribe_quotes(self.config.instrument_id)

    def on_quote(self, quote):
        self.seen.append((quote.bid_raw, quote.ask_raw, quote.ts_event))
        if len(self.seen) % 3 == 0:
            self.kept.append(quote)
'''

CONFIG = """
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
path = "runner_keeper:Keeper"
config = {{instrument_id = "EURUSD.SIM"}}
"""


def test_kept_quotes_keep_their_values_and_the_cache_holds_the_last(tmp_path, monkeypatch):
    (tmp_path / "runner_keeper.py").write_text(STRATEGY)
    monkeypatch.syspath_prepend(str(tmp_path))
    cfg = tmp_path / "keeper.toml"
    cfg.write_text(CONFIG.format(data=DATA))
    node = TradingNode(load_config(cfg))
    node.run()
    (strategy,) = node.strategies
    rows = np.concatenate(list(CsvSource(str(DATA), instrument_id=1, kind="quotes",
                                         price_precision=5, size_precision=0)))
    expected = list(zip(rows["bid_price"].tolist(), rows["ask_price"].tolist(),
                        rows["ts_event"].tolist()))
    assert strategy.seen == expected
    kept = [(q.bid_raw, q.ask_raw, q.ts_event) for q in strategy.kept]
    assert kept == expected[2::3] and len(set(map(id, strategy.kept))) == len(kept)
    last = node.cache.quote(strategy.kept[0].instrument_id)
    assert (last.bid_raw, last.ask_raw, last.ts_event) == expected[-1]
