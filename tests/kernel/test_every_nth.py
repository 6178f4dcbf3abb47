"""EveryNth, the compiled latency probe: one order per n quotes, sides alternating."""

import pytest

from hft.backtest.strategies.every_nth import EveryNth, EveryNthConfig
from hft.core.encoding import SIDE_BUY, SIDE_SELL
from kernel_fixtures import EURUSD, feed, make_node

S = 1_000_000_000


def test_every_third_quote_sends_one_unit_alternating_buy_and_sell():
    node, client, _ = make_node()
    probe = node.add_strategy(EveryNth(EveryNthConfig(instrument_id="EUR/USD.SIM", every=3,
                                                      strategy_id="EveryNth-001")))
    for i in range(1, 10):
        feed(node, "1.10000", "1.10002", i * S)
    orders = [o for o in client.submitted if o.strategy_id == probe.id]
    assert probe.orders_sent == 3 == len(orders)
    assert [o.side for o in orders] == [SIDE_BUY, SIDE_SELL, SIDE_BUY]
    assert all(o.quantity.as_decimal() == 1 and o.is_closed for o in orders)
    assert probe.position(EURUSD).signed_qty_raw == 1


def test_every_must_be_positive():
    with pytest.raises(ValueError, match="every"):
        EveryNthConfig(instrument_id="EUR/USD.SIM", every=0)
