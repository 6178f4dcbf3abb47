"""Portfolio: net position, exposure and PnL per instrument and in total."""

from decimal import Decimal

from kernel_fixtures import EURUSD, Recorder, RecorderConfig, feed, make_node, trade

S = 1_000_000_000


def test_net_position_and_exposure_sum_strategies():
    node, client, a = make_node()
    b = node.add_strategy(Recorder(RecorderConfig(strategy_id="B", instrument_id="EUR/USD.SIM")))
    feed(node, "1.10000", "1.10002", S)
    a.buy(EURUSD, 3000)
    b.sell(EURUSD, 1000)
    assert node.portfolio.net_position(EURUSD) == 2000
    assert node.portfolio.exposure(EURUSD) == Decimal("2000") * Decimal("1.10001")
    assert not node.portfolio.is_flat(EURUSD)


def test_unrealized_pnl_marks_to_the_last_trade_without_quotes():
    node, client, s = make_node()
    order = s.buy(EURUSD, 1000, "1.10000")
    client.fill(order, order.quantity, order.price)
    assert node.portfolio.unrealized_pnl(EURUSD) == 0          # no mark price yet
    node.data_engine.process_trade(trade("1.10500", "1"))
    assert node.portfolio.unrealized_pnl(EURUSD) == Decimal("5")


def test_realized_pnl_survives_closed_positions_leaving_the_cache():
    node, client, s = make_node()
    for n in range(5):                           # five round trips of +0.10 each
        feed(node, "1.10000", "1.10000", (2 * n + 1) * S)
        s.buy(EURUSD, 1000)
        feed(node, "1.10010", "1.10010", (2 * n + 2) * S)
        s.sell(EURUSD, 1000)
    assert node.cache.positions_closed == 5
    assert node.portfolio.realized_pnl(EURUSD) == Decimal("0.5")
    assert node.portfolio.realized_pnl() == node.portfolio.total_pnl() == Decimal("0.5")


def test_total_pnl_adds_realized_and_unrealized():
    node, client, s = make_node()
    feed(node, "1.00000", "1.00000", S)
    s.buy(EURUSD, 2000)
    feed(node, "1.00100", "1.00100", 2 * S)
    s.sell(EURUSD, 1000)                     # realized 1.00
    feed(node, "1.00300", "1.00300", 3 * S)  # unrealized (1.003 - 1.000) * 1000 = 3.00
    assert node.portfolio.realized_pnl(EURUSD) == Decimal("1")
    assert node.portfolio.unrealized_pnl(EURUSD) == Decimal("3")
    assert node.portfolio.total_pnl() == Decimal("4")
    assert node.portfolio.total_pnl_float() == 4.0


from hypothesis import given, settings, strategies as st  # noqa: E402

_TRADES = st.lists(st.tuples(st.booleans(), st.integers(1, 5000), st.integers(90000, 110000)),
                   min_size=1, max_size=15)


@settings(max_examples=60)
@given(_TRADES, st.integers(90000, 110000))
def test_total_pnl_equals_the_cash_flows_of_any_fill_sequence(trades, mark_raw):
    node, client, s = make_node()
    cash, net = Decimal(0), 0
    for n, (is_buy, qty, px_raw) in enumerate(trades):
        px = f"{Decimal(px_raw).scaleb(-5):.5f}"
        feed(node, px, px, (n + 1) * S)              # bid = ask: market orders fill at px
        (s.buy if is_buy else s.sell)(EURUSD, qty)
        signed = qty if is_buy else -qty
        cash -= signed * Decimal(px)
        net += signed
    mark = f"{Decimal(mark_raw).scaleb(-5):.5f}"
    feed(node, mark, mark, (len(trades) + 1) * S)
    assert node.portfolio.net_position(EURUSD) == net
    assert node.portfolio.total_pnl() == cash + net * Decimal(mark)
    # netting: at most one open position, and closed ones were closed by a flip or a flat fill
    assert len(node.cache.positions_open()) == (1 if net else 0)
