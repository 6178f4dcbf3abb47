"""The run starts the node at the first record's time, so timers count from the data."""

STRATEGY = '''
from hft import Strategy, StrategyConfig

class TickerConfig(StrategyConfig):
    instrument_id: str

class Ticker(Strategy):
    config_type = TickerConfig

    def on_start(self):
        self.started_ns = self.clock.timestamp_ns()
        self.fired = []
        self.set_timer("minute", 60 * 10**9)

    def on_timer(self, event):
        self.fired.append(event.ts_event)
'''

def test_timer_set_in_on_start_counts_from_the_first_record(run_on_sample):
    node = run_on_sample("runner_ticker", "Ticker", STRATEGY)
    (strategy,) = node.strategies
    first_ns = 1_577_916_000_065_000_000  # 2020-01-01 22:00:00.065 UTC, the file's first row
    assert strategy.started_ns == first_ns
    # the file spans 17:00:00.065 -> 23:00:52.125 EST: 360 whole minutes
    assert len(strategy.fired) == 360
    assert strategy.fired[0] == first_ns + 60 * 10**9
