"""An amend through a backtest: the risk check refuses one past a limit before the simulated
venue sees it; the venue confirms one within the limits."""

STRATEGY = '''
from hft import Strategy, StrategyConfig
from hft.model.identifiers import InstrumentId


class AmenderConfig(StrategyConfig):
    instrument_id: str


class Amender(Strategy):
    config_type = AmenderConfig

    def on_start(self):
        self.iid = InstrumentId(self.config.instrument_id)
        self.n = 0
        self.order = None
        self.events = []
        self.subscribe_quotes(self.iid)

    def on_quote(self, quote):
        self.n += 1
        if self.n == 1:   # a bid 100 pips under the market: rests for the whole sample
            self.order = self.buy(self.iid, 1000, round(quote.bid_price.as_double() - 0.01, 5))
        elif self.n == 100:
            self.modify_order(self.order, quantity=6000)          # past max_order_qty
        elif self.n == 200:
            self.modify_order(self.order, quantity=4000,
                              price=round(quote.bid_price.as_double() - 0.02, 5))

    def on_order_event(self, event):
        self.events.append(event)
'''

RISK = '''
[risk]
max_order_qty = 5000
'''


def test_an_amend_past_max_order_qty_is_refused_and_one_within_is_confirmed(run_on_sample):
    node = run_on_sample("runner_amender", "Amender", STRATEGY, RISK)
    (strategy,) = node.strategies
    kinds = [type(e).__name__ for e in strategy.events]
    assert kinds[:6] == ["OrderSubmitted", "OrderAccepted", "OrderPendingUpdate",
                         "OrderModifyRejected", "OrderPendingUpdate", "OrderUpdated"]
    refused = strategy.events[3]
    assert "exceeds max_order_qty 5000" in refused.reason
    assert str(strategy.order.quantity) == "4000"
    assert node.exec_engine.modifies_denied == 1
