"""Quotes a strategy keeps are never changed by the quotes that follow.

The run refills the cache's last QuoteTick in place when nothing else holds it
(DataEngine.process_quote_record); a strategy that keeps some quotes must see each as it was.
"""
import numpy as np

from hft.backtest.loaders import CsvSource

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

def test_kept_quotes_keep_their_values_and_the_cache_holds_the_last(run_on_sample, sample_csv):
    node = run_on_sample("runner_keeper", "Keeper", STRATEGY)
    (strategy,) = node.strategies
    rows = np.concatenate(list(CsvSource(str(sample_csv), instrument_id=1, kind="quotes",
                                         price_precision=5, size_precision=0)))
    expected = list(zip(rows["bid_price"].tolist(), rows["ask_price"].tolist(),
                        rows["ts_event"].tolist()))
    assert strategy.seen == expected
    kept = [(q.bid_raw, q.ask_raw, q.ts_event) for q in strategy.kept]
    assert kept == expected[2::3] and len(set(map(id, strategy.kept))) == len(kept)
    last = node.cache.quote(strategy.kept[0].instrument_id)
    assert (last.bid_raw, last.ask_raw, last.ts_event) == expected[-1]
