"""Margin accounts through the node: config builds one, risk denies what the margin cannot carry."""

import pytest

from hft.kernel.config import ConfigError, config_from_dict
from hft.kernel.node import TradingNode
from hft.model.account import CashAccount, MarginAccount
from hft.model.enums import OrderStatus
from hft.model.objects import Money
from kernel_fixtures import EURUSD, USD, FillingClient, Recorder, RecorderConfig, feed

S = 1_000_000_000


def margin_node(leverage="10", balance="10000 USD", account_type="margin", **venue):
    cfg = config_from_dict({
        "instruments": [{"id": "EUR/USD.SIM", "kind": "fx", "price_precision": 5,
                         "size_precision": 0}],
        "venues": [{"name": "SIM", "account_type": account_type, "starting_balances": [balance],
                    **({"leverage": leverage} if account_type == "margin" else {}), **venue}],
    })
    node = TradingNode(cfg)
    client = FillingClient()
    node.add_execution_client(client)
    strategy = node.add_strategy(Recorder(RecorderConfig(instrument_id="EUR/USD.SIM")))
    node.start()
    feed(node, "1.10000", "1.10002", S)
    return node, client, strategy


def test_margin_venue_builds_a_margin_account_with_its_leverage():
    node, _, _ = margin_node(leverages={"EUR/USD.SIM": "30"})
    account = node.cache.account("SIM")
    assert isinstance(account, MarginAccount)
    assert account.leverage == 10 and account.leverage_for(EURUSD) == 30


def test_an_order_too_big_for_the_leverage_is_denied_with_the_margins():
    node, client, s = margin_node()
    order = s.buy(EURUSD, 100_000)                  # 100000 x 1.10002 / 10 = 11000.20
    assert order.status == OrderStatus.ORDER_STATUS_DENIED
    denied, = s.named("OrderDenied")
    assert denied.reason.startswith("margin: order needs 11000.20 USD initial margin at "
                                    "leverage 10, free margin is 10000.00 USD")
    assert client.submitted == []


def test_an_order_within_the_margin_fills_and_holds_position_margin():
    node, client, s = margin_node()
    order = s.buy(EURUSD, 90_000)                   # 9900.18 of 10000 free
    assert order.status == OrderStatus.ORDER_STATUS_FILLED
    account = node.cache.account("SIM")
    assert account.position_margin(USD) == Money("9900.18", USD)
    assert account.order_margin(USD) == Money("0", USD)
    assert account.balance_total(USD) == Money("10000", USD)


def test_a_reducing_order_needs_no_margin():
    node, client, s = margin_node()
    s.buy(EURUSD, 90_000)
    feed(node, "1.09000", "1.09002", 2 * S)          # a loss: free margin goes negative
    assert s.buy(EURUSD, 1000).status == OrderStatus.ORDER_STATUS_DENIED
    account = node.cache.account("SIM")                # the check marked it at the mid:
    assert account.unrealized_pnl(USD) == Money("-900.90", USD)  # 90000 x (1.09001 - 1.10002)
    assert account.free_margin(USD) == Money("-710.99", USD)     # - 90000 x 1.09001 / 10
    closing = s.sell(EURUSD, 90_000)
    assert closing.status == OrderStatus.ORDER_STATUS_FILLED
    assert account.balance_total(USD) == Money("9098.20", USD)  # 10000 - 90000 x 0.01002


def test_open_orders_hold_margin_until_they_close():
    node, client, s = margin_node()
    first = s.buy(EURUSD, 50_000, "1.09000")        # rests: holds 5450.00
    account = node.cache.account("SIM")
    assert account.order_margin(USD) == Money("5450", USD)
    second = s.buy(EURUSD, 50_000, "1.09000")
    assert second.status == OrderStatus.ORDER_STATUS_DENIED
    assert "free margin is 4550.00 USD" in s.named("OrderDenied")[0].reason
    s.cancel_order(first)
    assert account.order_margin(USD) == Money("0", USD)
    assert s.buy(EURUSD, 50_000, "1.09000").status == OrderStatus.ORDER_STATUS_ACCEPTED
    assert account.peak_margin_used(USD) == Money("5450", USD)


def test_a_partial_fill_moves_held_margin_to_the_position():
    node, client, s = margin_node()
    order = s.buy(EURUSD, 50_000, "1.09000")
    client.fill(order, order.quantity.__class__.from_str("20000"),
                order.price.__class__.from_str("1.09000"))
    account = node.cache.account("SIM")
    assert account.order_margin(USD) == Money("3270", USD)     # 30000 x 1.09 / 10
    assert account.position_margin(USD) == Money("2180", USD)  # 20000 x 1.09 / 10


def test_a_cash_account_is_not_margin_checked():
    node, client, s = margin_node(account_type="cash")
    assert isinstance(node.cache.account("SIM"), CashAccount)
    assert s.buy(EURUSD, 100_000).status == OrderStatus.ORDER_STATUS_FILLED


@pytest.mark.parametrize("venue, path, detail", [
    ({"account_type": "margin", "leverage": 0}, "venues[0].leverage", "a leverage > 0, got 0"),
    ({"account_type": "margin", "leverage": "-5"}, "venues[0].leverage", "> 0, got -5"),
    ({"account_type": "margin", "leverage": True}, "venues[0].leverage", "decimal"),
    ({"leverage": 10}, "venues[0].leverage", "needs account_type = \"margin\""),
    ({"leverages": {"EUR/USD.SIM": 5}}, "venues[0].leverages", "on a cash account"),
    ({"account_type": "margin", "leverages": {"EUR/USD.OTHER": 5}}, "venues[0].leverages",
     "'SYMBOL.SIM'"),
    ({"account_type": "margin", "leverages": {"EUR/USD.SIM": 0}}, "venues[0].leverages",
     "> 0 for EUR/USD.SIM"),
])
def test_bad_leverage_settings_name_the_field(venue, path, detail):
    with pytest.raises(ConfigError) as e:
        config_from_dict({"venues": [{"name": "SIM", **venue}]}, source="node.toml")
    assert e.value.key_path == path and detail in str(e.value)
    assert str(e.value).startswith(f"node.toml: {path}: ")


def test_an_amend_reprices_the_margin_its_order_holds():
    node, client, s = margin_node()
    order = s.buy(EURUSD, 50_000, "1.09000")             # holds 5450.00
    account = node.cache.account("SIM")
    s.modify_order(order, quantity=80_000)                # 80000 x 1.09 / 10
    assert len(s.named("OrderUpdated")) == 1
    assert account.order_margin(USD) == Money("8720", USD)
    s.modify_order(order, quantity=20_000, price="1.08000")   # 20000 x 1.08 / 10
    assert account.order_margin(USD) == Money("2160", USD)
    s.cancel_order(order)
    assert account.order_margin(USD) == Money("0", USD)


def test_an_amend_past_the_free_margin_is_refused_and_the_order_stays_as_it_was():
    node, client, s = margin_node()
    order = s.buy(EURUSD, 50_000, "1.09000")             # holds 5450.00 of 10000
    account = node.cache.account("SIM")
    s.modify_order(order, quantity=95_000)                # needs 10355.00: free 4550 + 5450 held
    rejected, = s.named("OrderModifyRejected")
    assert rejected.reason.startswith("margin: order needs 10355.00 USD initial margin at "
                                      "leverage 10, free margin is 10000.00 USD")
    assert client.modified == []
    assert str(order.quantity) == "50000" and order.status == OrderStatus.ORDER_STATUS_ACCEPTED
    assert account.order_margin(USD) == Money("5450", USD)
    s.modify_order(order, quantity=91_000)                # 9919.00 fits
    assert account.order_margin(USD) == Money("9919", USD)


def test_a_venue_refusal_of_an_amend_leaves_the_held_margin():
    node, client, s = margin_node()
    order = s.buy(EURUSD, 50_000, "1.09000")
    account = node.cache.account("SIM")
    refuse = client.modify_order

    def venue_refuses(o, quantity, price, trigger_price):   # passes risk, the venue says no
        refuse(o, None, None, None)

    client.modify_order = venue_refuses
    s.modify_order(order, quantity=80_000)
    assert len(s.named("OrderModifyRejected")) == 1
    assert account.order_margin(USD) == Money("5450", USD)
