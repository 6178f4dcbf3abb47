import json
import textwrap
from decimal import Decimal

import pytest

from hft.kernel.config import (
    ConfigError,
    InstrumentConfig,
    NodeConfig,
    StrategyConfig,
    config_from_dict,
    load_config,
    load_strategy_config,
)

STRATEGY_MODULE = '''
from decimal import Decimal
from hft.kernel.config import StrategyConfig

class EmaCrossConfig(StrategyConfig):
    fast_period: int = 10
    slow_period: int = 30
    trade_size: Decimal = Decimal("0.01")

class EmaCross:
    def __init__(self, config: EmaCrossConfig) -> None:
        self.config = config

class Declared:
    config_type = EmaCrossConfig
'''

GOOD_TOML = """
trader_id = "TESTER-001"
mode = "backtest"
output_dir = "out"

[[instruments]]
id = "BTCUSDT.BINANCE"
kind = "spot"
price_precision = 2
size_precision = 5
min_qty = "0.00001"
taker_fee = "0.001"
base_currency = "BTC"
quote_currency = "USDT"

[[venues]]
name = "BINANCE"
starting_balances = ["100000 USDT", "1 BTC"]
book_type = "L1"
[venues.latency]
base_ns = 1_000_000

[[data]]
path = "btcusdt-trades.csv"
kind = "trades"
instrument_id = "BTCUSDT.BINANCE"
columns = { ts = "time", price = "px" }

[[strategies]]
path = "kcfg_strategies:EmaCross"
config = { instrument_id = "BTCUSDT.BINANCE", fast_period = 5 }

[risk]
max_order_qty = "2"
orders_per_second = 50
[risk.instruments."BTCUSDT.BINANCE"]
max_order_qty = "0.5"

[logging]
level = "DEBUG"
"""


@pytest.fixture(autouse=True)
def strategy_module(tmp_path, monkeypatch):
    (tmp_path / "kcfg_strategies.py").write_text(STRATEGY_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def test_good_toml_loads_with_defaults_and_resolved_paths(tmp_path):
    cfg = load_config(write(tmp_path, "node.toml", GOOD_TOML))
    assert isinstance(cfg, NodeConfig) and cfg.trader_id == "TESTER-001"
    inst = cfg.instrument("BTCUSDT.BINANCE")
    assert inst.tick_size == Decimal("0.01") and inst.lot_size == Decimal("0.00001")
    assert inst.venue == "BINANCE" and inst.symbol == "BTCUSDT"
    venue = cfg.venues[0]
    assert venue.balances() == [(Decimal(100000), "USDT"), (Decimal(1), "BTC")]
    assert venue.latency.base_ns == 1_000_000 and venue.fill.market_rest == "partial"
    assert cfg.data[0].path == str(tmp_path / "btcusdt-trades.csv")
    assert cfg.data[0].columns == {"ts": "time", "price": "px"}
    assert cfg.output_dir == str(tmp_path / "out")
    assert cfg.risk.max_order_qty == Decimal(2)
    assert cfg.risk.instruments["BTCUSDT.BINANCE"].max_order_qty == Decimal("0.5")
    assert cfg.logging.level == "DEBUG"


def test_json_loads_to_the_same_config_as_toml(tmp_path):
    import tomllib
    doc = tomllib.loads(GOOD_TOML)
    from_json = load_config(write(tmp_path, "node.json", json.dumps(doc)))
    from_toml = load_config(write(tmp_path, "node.toml", GOOD_TOML))
    assert from_json == from_toml


def test_format_is_sniffed_from_content_without_a_known_extension(tmp_path):
    assert load_config(write(tmp_path, "node.conf", '{"trader_id": "J"}')).trader_id == "J"
    assert load_config(write(tmp_path, "node.cfg", 'trader_id = "T"')).trader_id == "T"


def test_config_from_dict_gives_defaults():
    cfg = config_from_dict({})
    assert cfg.mode == "backtest" and cfg.instruments == [] and cfg.risk.max_order_qty is None


BAD = [
    ("unknown key", '[risk]\nmax_order_qtty = 1\n',
     "bad.toml: risk.max_order_qtty: unknown key `max_order_qtty` (expected one of: bypass, max_order_qty"),
    ("wrong type", '[risk]\nmax_order_qty = true\n',
     "bad.toml: risk.max_order_qty: Expected `decimal | null`, got `bool`"),
    ("bad value", '[risk]\nmax_order_qty = -3\n',
     "bad.toml: risk.max_order_qty: expected a value > 0 (or leave it out), got -3"),
    ("missing required", '[[instruments]]\nid = "X.Y"\nprice_precision = 2\n',
     "bad.toml: instruments[0].size_precision: required key `size_precision` is missing"),
    ("nested wrong type", '[[venues]]\nname = "V"\n[venues.latency]\nbase_ns = "fast"\n',
     "bad.toml: venues[0].latency.base_ns: Expected `int`, got `str`"),
    ("bad enum", 'mode = "paper"\n',
     "bad.toml: mode: Invalid enum value 'paper' (expected one of: 'backtest', 'live')"),
    ("bad balance", '[[venues]]\nname = "V"\nstarting_balances = ["USD 100"]\n',
     "bad.toml: venues[0].starting_balances: expected '<amount> <CURRENCY>'"),
    ("unknown instrument in data",
     '[[instruments]]\nid = "A.B"\nprice_precision = 2\nsize_precision = 0\n'
     '[[data]]\npath = "x.csv"\nkind = "quotes"\ninstrument_id = "C.D"\n',
     "bad.toml: data[0].instrument_id: 'C.D' is not one of the configured instruments (A.B)"),
    ("toml syntax", 'trader_id = "T"\n[risk\nmax_order_qty = 1\n',
     "bad.toml: invalid TOML: "),
    ("malformed strategy path", '[[strategies]]\npath = "kcfg_strategies.EmaCross"\n',
     "bad.toml: strategies[0].path: expected 'package.module:ClassName'"),
    ("missing strategy module", '[[strategies]]\npath = "no_such_pkg.strats:EmaCross"\n',
     "bad.toml: strategies[0].path: import path 'no_such_pkg.strats:EmaCross': "
     "module 'no_such_pkg.strats' not found"),
    ("missing strategy class", '[[strategies]]\npath = "kcfg_strategies:Nope"\n',
     "bad.toml: strategies[0].path: import path 'kcfg_strategies:Nope': "
     "module 'kcfg_strategies' has no attribute 'Nope'"),
    ("bad strategy field type",
     '[[strategies]]\npath = "kcfg_strategies:EmaCross"\n[strategies.config]\nfast_period = "ten"\n',
     "bad.toml: strategies[0].config.fast_period: Expected `int`, got `str`"),
    ("unknown strategy field",
     '[[strategies]]\npath = "kcfg_strategies:Declared"\n[strategies.config]\nfast = 1\n',
     "bad.toml: strategies[0].config.fast: unknown key `fast` (expected one of: fast_period, "
     "slow_period, trade_size, strategy_id, instrument_id)"),
    ("negative live cpu", '[live]\ncpu = -1\n', "bad.toml: live.cpu: "),
    ("busy poll not a bool", '[live]\nbusy_poll = "yes"\n',
     "bad.toml: live.busy_poll: Expected `bool`, got `str`"),
]


@pytest.mark.parametrize("text, message", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_toml_names_the_file_and_key_path(tmp_path, text, message):
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, "bad.toml", text))
    assert message in str(info.value).replace(str(tmp_path) + "/", "")


def test_toml_syntax_error_names_the_line(tmp_path):
    with pytest.raises(ConfigError, match=r"invalid TOML: .*line 2"):
        load_config(write(tmp_path, "bad.toml", 'trader_id = "T"\n[risk\n'))


def test_json_syntax_error_names_the_line_and_column(tmp_path):
    with pytest.raises(ConfigError, match=r"bad\.json: invalid JSON: .*\(at line 3, column 1\)"):
        load_config(write(tmp_path, "bad.json", '{\n  "trader_id": "T",\n}\n'))


def test_missing_file_is_named(tmp_path):
    missing = tmp_path / "nowhere.toml"
    with pytest.raises(ConfigError, match=rf"{missing}: file not found"):
        load_config(missing)


def test_config_error_is_a_value_error_with_its_parts(tmp_path):
    with pytest.raises(ValueError) as info:
        config_from_dict({"risk": {"daily_loss_limit": "x"}}, source="inline")
    err = info.value
    assert isinstance(err, ConfigError)
    assert (err.source, err.key_path) == ("inline", "risk.daily_loss_limit")


def test_load_strategy_config_finds_the_config_type_by_annotation_or_attribute():
    from hft.kernel.config import ImportableStrategyConfig
    cls, cfg = load_strategy_config(ImportableStrategyConfig(
        path="kcfg_strategies:EmaCross", config={"fast_period": 3, "trade_size": "0.5"}))
    assert cls.__name__ == "EmaCross" and cfg.fast_period == 3 and cfg.trade_size == Decimal("0.5")
    assert isinstance(cfg, StrategyConfig)
    cls, cfg = load_strategy_config(ImportableStrategyConfig(path="kcfg_strategies:Declared"))
    assert type(cfg).__name__ == "EmaCrossConfig" and cfg.slow_period == 30


def test_load_strategy_config_names_the_index_and_source():
    from hft.kernel.config import ImportableStrategyConfig
    bad = ImportableStrategyConfig(path="kcfg_strategies:EmaCross", config={"slow_period": [1]})
    with pytest.raises(ConfigError, match=r"^node\.toml: strategies\[2\]\.config\.slow_period: "):
        load_strategy_config(bad, index=2, source="node.toml")


@pytest.mark.parametrize("fields, message", [
    ({"id": "BTCUSDT"}, "id: expected 'SYMBOL.VENUE'"),
    ({"tick_size": "0.005"}, "tick_size: expected a multiple of 1e-2"),
    ({"price_precision": 19}, "price_precision: expected an int in 0..18"),
    ({"min_qty": "5", "max_qty": "1"}, "max_qty: expected a value >= min_qty 5"),
])
def test_instrument_checks_name_the_field(fields, message):
    doc = {"id": "A.B", "price_precision": 2, "size_precision": 0, **fields}
    with pytest.raises(ConfigError, match=rf"<dict>: instruments\[0\]\.{message}"):
        config_from_dict({"instruments": [doc]})


def test_configs_are_frozen():
    inst = InstrumentConfig(id="A.B", price_precision=2, size_precision=0)
    with pytest.raises(AttributeError):
        inst.price_precision = 3


def test_venue_order_rate_limit_must_be_positive():
    import pytest as _pytest

    from hft.kernel.config import ConfigError, config_from_dict

    with _pytest.raises(ConfigError, match=r"venues\[0\]\.orders_per_second"):
        config_from_dict({"venues": [{"name": "X", "orders_per_second": 0}]})


def test_live_section_defaults_off_and_reads_busy_poll_and_cpu(tmp_path):
    assert load_config(write(tmp_path, "a.toml", "")).live.busy_poll is False
    config = load_config(write(tmp_path, "b.toml", "[live]\nbusy_poll = true\ncpu = 1\n"))
    assert config.live.busy_poll is True and config.live.cpu == 1
