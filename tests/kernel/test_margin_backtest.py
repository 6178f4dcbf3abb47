"""A backtest from a config file on a margin account: leverage decides what trades."""

import json
from pathlib import Path

from hft.backtest.report import write_report
from hft.cli import run_backtest_config
from hft.kernel.config import load_config
from hft.model.enums import OrderStatus

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "examples" / "data" / "eurusd-histdata-ticks-20200101.csv"

CONFIG = """
trader_id = "MARGIN-001"
mode = "backtest"

[[instruments]]
id = "EUR/USD.SIM"
kind = "fx"
price_precision = 5
size_precision = 0
base_currency = "EUR"
quote_currency = "USD"
taker_fee = "0.00002"

[[venues]]
name = "SIM"
account_type = "margin"
leverage = {leverage}
starting_balances = ["100000 USD"]

[[data]]
path = "{data}"
kind = "quotes"
instrument_id = "EUR/USD.SIM"

[[strategies]]
path = "examples.ema_cross.strategy:EmaCross"
config = {{ instrument_id = "EUR/USD.SIM", fast = 50, slow = 200, trade_size = "500000" }}
"""


def run(tmp_path: Path, leverage: str):
    path = tmp_path / f"margin-{leverage}.toml"
    path.write_text(CONFIG.format(leverage=leverage, data=DATA.as_posix()))
    config = load_config(path)
    return config, run_backtest_config(config, progress=False)


def denied(result) -> int:
    return int((result.orders["status"] == int(OrderStatus.ORDER_STATUS_DENIED)).sum())


def test_leverage_10_carries_a_position_five_times_the_balance(tmp_path):
    config, result = run(tmp_path, "10")
    # the same 49 fills as the cash example: 500k EUR (~560k USD) needs ~56k USD of margin
    assert result.statistics.fill_count == 49
    assert denied(result) == 0
    account, = result.accounts
    assert account["venue"] == "SIM" and account["kind"] == "margin"
    assert account["leverage"] == 10
    assert 55_000 < account["peak_margin_used"]["USD"] < 57_000
    summary = result.summary()
    assert "margin, leverage 10" in summary and "Peak margin used SIM" in summary
    report = json.loads(write_report(result, tmp_path / "report.json").read_text())
    venue, = report["config"]["venues"]
    assert venue["account_type"] == "margin" and venue["leverage"] == "10"
    reported, = report["accounts"]
    assert reported["kind"] == "margin" and 55_000 < float(reported["peak_margin_used"]["USD"]) < 57_000


def test_leverage_1_denies_every_order_the_balance_cannot_carry(tmp_path):
    config, result = run(tmp_path, "1")
    assert result.statistics.fill_count == 0
    assert denied(result) == 49
    assert result.accounts[0]["peak_margin_used"] == {}
