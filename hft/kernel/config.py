"""Node configuration: msgspec Structs, read from TOML or JSON, with errors that name the key.

    cfg = load_config("examples/backtest.toml")     # -> NodeConfig
    cls, strategy_cfg = load_strategy_config(cfg.strategies[0], index=0)

Every config Struct is frozen, keyword-only and rejects unknown keys. Decimal fields take
a string ("0.01", exact) or a number. A bad file raises `ConfigError` (a ValueError) whose
message is `<file>: <key path>: <what was expected>`, e.g.

    node.toml: risk.max_order_qty: Expected `decimal`, got `bool`
    node.toml: strategies[0].config.fast_period: Expected `int`, got `str`

The field reference with defaults lives in docs/config.md.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import tomllib
import typing
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import msgspec
import msgspec.inspect as mi
from msgspec.structs import force_setattr, replace

from hft.kernel.loader import ResolveError, resolve_path, split_path

__all__ = [
    "ConfigError",
    "DataConfig",
    "FeeConfig",
    "FillModelConfig",
    "ImportableStrategyConfig",
    "InstrumentConfig",
    "InstrumentRiskConfig",
    "LatencyConfig",
    "LoggingConfig",
    "NodeConfig",
    "RiskConfig",
    "StrategyConfig",
    "VenueConfig",
    "config_from_dict",
    "load_config",
    "load_strategy_config",
]


class ConfigError(ValueError):
    """A config file or dict is invalid; the message names the file and the key path.

    Attributes: `source` (file name or "<dict>"), `key_path` ("risk.max_order_qty",
    "" for the whole document) and `detail` (what was expected).
    """

    def __init__(self, source: str, key_path: str, detail: str) -> None:
        where = f"{source}: {key_path}" if key_path else source
        super().__init__(f"{where}: {detail}")
        self.source = source
        self.key_path = key_path
        self.detail = detail


def _invalid(field: str, expected: str) -> ValueError:
    # __post_init__ errors reach us as "<text> - at `$.path`" with the struct's path;
    # this shape lets _convert_error append the field name to it.
    return ValueError(f"Invalid `{field}`: expected {expected}")


def _check_decimal_step(field: str, value: Decimal | None, precision: int) -> None:
    if value is None:
        return
    if value <= 0:
        raise _invalid(field, f"a value > 0, got {value}")
    if (value * (Decimal(10) ** precision)) % 1 != 0:
        raise _invalid(field, f"a multiple of 1e-{precision} (the precision), got {value}")


class StrategyConfig(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """Subclass to declare a strategy's parameters; the node converts `config = {...}` into it.

        class EmaCrossConfig(StrategyConfig):
            fast_period: int = 10
            slow_period: int = 30
            trade_size: Decimal = Decimal("0.01")
    """

    strategy_id: str | None = None
    instrument_id: str | None = None


class ImportableStrategyConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Name a strategy class by import path and give its parameters."""

    path: str  # "package.module:ClassName"
    config: dict[str, Any] = {}

    def __post_init__(self) -> None:
        try:
            split_path(self.path)
        except ResolveError:
            raise _invalid("path", f"'package.module:ClassName', got {self.path!r}") from None


INSTRUMENT_KINDS = ("spot", "perpetual", "future", "fx", "equity")


class InstrumentConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Describe one tradable instrument; prices and sizes are fixed-point at these precisions."""

    id: str  # "BTCUSDT.BINANCE": symbol, dot, venue
    kind: Literal["spot", "perpetual", "future", "fx", "equity"] = "spot"
    price_precision: int
    size_precision: int
    tick_size: Decimal | None = None  # None: 10 ** -price_precision
    lot_size: Decimal | None = None  # None: 10 ** -size_precision
    min_qty: Decimal | None = None
    max_qty: Decimal | None = None
    min_notional: Decimal | None = None
    maker_fee: Decimal = Decimal(0)  # fraction of notional; negative is a rebate
    taker_fee: Decimal = Decimal(0)
    multiplier: Decimal = Decimal(1)
    base_currency: str | None = None
    quote_currency: str | None = None

    def __post_init__(self) -> None:
        symbol, dot, venue = self.id.rpartition(".")
        if not dot or not symbol or not venue:
            raise _invalid("id", f"'SYMBOL.VENUE' like 'BTCUSDT.BINANCE', got {self.id!r}")
        for name in ("price_precision", "size_precision"):
            p = getattr(self, name)
            if not 0 <= p <= 18:
                raise _invalid(name, f"an int in 0..18, got {p}")
        if self.tick_size is None:
            force_setattr(self, "tick_size", Decimal(1).scaleb(-self.price_precision))
        if self.lot_size is None:
            force_setattr(self, "lot_size", Decimal(1).scaleb(-self.size_precision))
        _check_decimal_step("tick_size", self.tick_size, self.price_precision)
        _check_decimal_step("lot_size", self.lot_size, self.size_precision)
        for name in ("min_qty", "max_qty", "min_notional"):
            v = getattr(self, name)
            if v is not None and v < 0:
                raise _invalid(name, f"a value >= 0, got {v}")
        if self.min_qty is not None and self.max_qty is not None and self.min_qty > self.max_qty:
            raise _invalid("max_qty", f"a value >= min_qty {self.min_qty}, got {self.max_qty}")
        if self.multiplier <= 0:
            raise _invalid("multiplier", f"a value > 0, got {self.multiplier}")

    @property
    def symbol(self) -> str:
        """Return the symbol part of the id ("BTCUSDT")."""
        return self.id.rpartition(".")[0]

    @property
    def venue(self) -> str:
        """Return the venue part of the id ("BINANCE")."""
        return self.id.rpartition(".")[2]


class FeeConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Choose how a simulated venue charges fees."""

    model: Literal["instrument", "fixed", "zero"] = "instrument"  # instrument: its maker/taker fee
    maker: Decimal = Decimal(0)  # used by "fixed": fraction of notional
    taker: Decimal = Decimal(0)


class LatencyConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Delay what crosses the venue boundary in a backtest, in ns."""

    feed_ns: int = 0  # market data reaches the strategy this late
    base_ns: int = 0  # every order command and venue event
    insert_ns: int = 0  # added to new orders
    cancel_ns: int = 0  # added to cancels and modifies
    jitter_ns: int = 0  # uniform extra in [0, jitter_ns], drawn from seed
    seed: int = 42

    def __post_init__(self) -> None:
        for name in ("feed_ns", "base_ns", "insert_ns", "cancel_ns", "jitter_ns"):
            if getattr(self, name) < 0:
                raise _invalid(name, f"ns >= 0, got {getattr(self, name)}")


class FillModelConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Decide how a simulated venue fills what a market order takes beyond the touch (L1).

    market_rest: "partial" waits for the next quote's touch (IOC: the rest is canceled),
    "next_level" fills the rest one tick worse, "full" fills everything at the touch.
    See docs/fills.md.
    """

    market_rest: Literal["partial", "next_level", "full"] = "partial"


_BALANCE = re.compile(r"^\s*(-?\d+(\.\d+)?)\s+([A-Za-z0-9]{2,12})\s*$")


class VenueConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Configure one venue: simulated, the loopback sandbox, or a factory by import path."""

    name: str  # "BINANCE"; instrument ids end with it
    kind: str = "sim"  # "sim" | "sandbox" | "package.module:Factory"
    account_type: Literal["cash", "margin"] = "cash"
    # margin accounts: initial margin = |qty| x price x multiplier / leverage (docs/config.md)
    leverage: Decimal = Decimal(1)
    leverages: dict[str, Decimal] = {}  # per-instrument overrides: {"EUR/USD.SIM": "30"}
    starting_balances: list[str] = []  # ["100000 USD", "1.5 BTC"]
    book_type: Literal["L1", "L2"] = "L1"
    fees: FeeConfig = FeeConfig()
    latency: LatencyConfig = LatencyConfig()
    fill: FillModelConfig = FillModelConfig()
    url: str | None = None  # live / sandbox endpoint, e.g. "ws://127.0.0.1:8765"
    api_key_env: str | None = None  # name of the environment variable holding the key
    api_secret_env: str | None = None
    feed: Literal["direct", "shm"] = "direct"  # live quotes: the venue socket or a quote board
    feed_name: str | None = None  # feed = "shm": the board `hft feed --board NAME` creates
    orders_per_second: float = 1000.0  # live: outbound order rate limit (token bucket)
    order_burst: int = 100  # live: orders that may go at once before the rate applies
    # live: an order or cancel the venue has not answered within this long counts as a
    # failure for the circuit breaker and is settled by a reconciliation query (docs/live.md)
    ack_timeout_ms: float = 2000.0

    def __post_init__(self) -> None:
        if not self.name:
            raise _invalid("name", "a non-empty venue name")
        if self.feed == "shm" and not self.feed_name:
            raise _invalid("feed_name", "the quote board's name when feed = \"shm\" (the "
                                        "--board of `hft feed`)")
        if not self.orders_per_second > 0:
            raise _invalid("orders_per_second", f"> 0, got {self.orders_per_second}")
        if self.order_burst < 1:
            raise _invalid("order_burst", f">= 1, got {self.order_burst}")
        if not self.ack_timeout_ms > 0:
            raise _invalid("ack_timeout_ms", f"> 0, got {self.ack_timeout_ms}")
        if self.kind not in ("sim", "sandbox"):
            try:
                split_path(self.kind)
            except ResolveError:
                raise _invalid("kind", f"'sim', 'sandbox' or 'package.module:Factory', "
                                       f"got {self.kind!r}") from None
        self._check_leverage()
        for text in self.starting_balances:
            if not _BALANCE.match(text):
                raise _invalid("starting_balances", f"'<amount> <CURRENCY>' like '100000 USD', "
                                                    f"got {text!r}")

    def _check_leverage(self) -> None:
        margin = self.account_type == "margin"
        if not margin and self.leverage != 1:
            raise _invalid("leverage", f"1 on a cash account (leverage needs account_type = "
                                       f"\"margin\"), got {self.leverage}")
        if not margin and self.leverages:
            raise _invalid("leverages", "no per-instrument leverage on a cash account (set "
                                        "account_type = \"margin\")")
        if not (self.leverage.is_finite() and self.leverage > 0):
            raise _invalid("leverage", f"a leverage > 0, got {self.leverage}")
        for iid, lev in self.leverages.items():
            symbol, dot, venue = iid.rpartition(".")
            if not (symbol and dot and venue == self.name):
                raise _invalid("leverages", f"instrument ids of this venue like "
                                            f"'SYMBOL.{self.name}' as keys, got {iid!r}")
            if not (lev.is_finite() and lev > 0):
                raise _invalid("leverages", f"a leverage > 0 for {iid}, got {lev}")

    def balances(self) -> list[tuple[Decimal, str]]:
        """Return starting_balances parsed as (amount, currency) pairs."""
        out = []
        for text in self.starting_balances:
            m = _BALANCE.match(text)
            assert m is not None  # checked in __post_init__
            out.append((Decimal(m.group(1)), m.group(3).upper()))
        return out


class DataConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Name one market-data file for a backtest and how to read it."""

    path: str  # relative paths are resolved against the config file's directory
    kind: Literal["quotes", "trades", "bars", "book"]
    instrument_id: str
    format: Literal["auto", "csv", "npz", "parquet"] = "auto"  # auto: by extension
    columns: dict[str, str] = {}  # our field name -> the file's column name
    ts_format: Literal["auto", "iso", "histdata", "epoch_s", "epoch_ms", "epoch_us",
                       "epoch_ns"] = "auto"
    on_error: Literal["raise", "skip"] = "raise"  # a bad row: stop, or skip and count
    layout: str = "auto"  # CSV: "auto" (read the header) or a preset: truefx, histdata, ...
    default_size: str = "1000000"  # CSV quotes without size columns: size of each side, units


class InstrumentRiskConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Override the node-wide limits for one instrument (None keeps the node-wide one)."""

    max_order_qty: Decimal | None = None
    max_order_notional: Decimal | None = None
    max_position_qty: Decimal | None = None
    price_band_pct: Decimal | None = None


class RiskConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Set pre-trade limits; None disables a limit."""

    bypass: bool = False  # skip every check (backtests of raw signal only)
    max_order_qty: Decimal | None = None
    max_order_notional: Decimal | None = None  # in the quote currency
    max_position_qty: Decimal | None = None
    max_notional_per_day: Decimal | None = None
    daily_loss_limit: Decimal | None = None  # trips the kill switch when reached
    orders_per_second: float | None = None  # token bucket, burst = one second's worth
    price_band_pct: Decimal | None = None  # deny limit prices further than this % from mid
    instruments: dict[str, InstrumentRiskConfig] = {}  # by instrument id

    def __post_init__(self) -> None:
        for name in ("max_order_qty", "max_order_notional", "max_position_qty",
                     "max_notional_per_day", "daily_loss_limit", "orders_per_second",
                     "price_band_pct"):
            v = getattr(self, name)
            if v is not None and v <= 0:
                raise _invalid(name, f"a value > 0 (or leave it out), got {v}")


class LoggingConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Choose the log level, line format and destination."""

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["text", "json"] = "text"  # json: one JSON object per line
    file: str | None = None  # None: stderr


class LiveConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Tune the live runtime's loop (docs/live.md, "Latency")."""

    busy_poll: bool = False  # poll the sockets with timeout 0 between frames: one core at 100 %
    cpu: int | None = None  # pin the node's process to this CPU (None: leave the affinity)

    def __post_init__(self) -> None:
        if self.cpu is not None and self.cpu < 0:
            raise _invalid("cpu", f"a CPU number >= 0 (or leave it out), got {self.cpu}")


class NodeConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Configure one trading node: what it trades, where, on which data, with which strategies."""

    trader_id: str = "TRADER-001"
    mode: Literal["backtest", "live"] = "backtest"
    instruments: list[InstrumentConfig] = []
    venues: list[VenueConfig] = []
    data: list[DataConfig] = []
    strategies: list[ImportableStrategyConfig] = []
    risk: RiskConfig = RiskConfig()
    logging: LoggingConfig = LoggingConfig()
    live: LiveConfig = LiveConfig()
    output_dir: str | None = None  # results, journal, tearsheet; None: nothing written

    def instrument(self, instrument_id: str) -> InstrumentConfig:
        """Return the instrument with this id; KeyError naming it when not configured."""
        for inst in self.instruments:
            if inst.id == instrument_id:
                return inst
        raise KeyError(f"instrument {instrument_id!r} is not configured")


# ---- reading ---------------------------------------------------------------------------

_AT = re.compile(r"^(?P<detail>.*) - at `\$(?P<path>.*)`$", re.S)
_FIELD_IN_DETAIL = re.compile(
    r"^(?:Object contains unknown field|Object missing required field|Invalid) `(?P<field>[^`]+)`")
_PATH_PART = re.compile(r"\.([^.\[]+)|\[([^\]]*)\]")


def _type_at(root: type, key_path: str) -> Any:
    """Return the msgspec type info at key_path ("a[0].b") below root, or None."""
    t: Any = mi.type_info(root)
    for name, index in _PATH_PART.findall("." + key_path if key_path else ""):
        if isinstance(t, mi.UnionType):
            t = next((m for m in t.types if not isinstance(m, mi.NoneType)), None)
        if name and isinstance(t, mi.StructType):
            t = next((f.type for f in t.fields if f.name == name), None)
        elif not name and isinstance(t, (mi.ListType, mi.DictType)):
            t = t.item_type if isinstance(t, mi.ListType) else t.value_type
        else:
            return None
    if isinstance(t, mi.UnionType):
        t = next((m for m in t.types if not isinstance(m, mi.NoneType)), None)
    return t


def _convert_error(err: msgspec.ValidationError, root: type, source: str,
                   prefix: str = "") -> ConfigError:
    """Turn msgspec's "detail - at `$.a[0].b`" into ConfigError(source, "a[0].b", detail)."""
    text = str(err)
    m = _AT.match(text)
    detail, path = (m["detail"], m["path"].lstrip(".")) if m else (text, "")
    container = path
    f = _FIELD_IN_DETAIL.match(detail)
    if f:
        field = f["field"]
        path = f"{path}.{field}" if path else field
        if detail.startswith("Object contains unknown field"):
            t = _type_at(root, container)
            known = ", ".join(fl.name for fl in t.fields) if isinstance(t, mi.StructType) else ""
            detail = f"unknown key `{field}`" + (f" (expected one of: {known})" if known else "")
        elif detail.startswith("Object missing required field"):
            detail = f"required key `{field}` is missing"
        else:
            detail = detail[f.end():].lstrip(": ") or detail
    elif detail.startswith("Invalid enum value"):
        t = _type_at(root, path)
        if isinstance(t, mi.LiteralType):
            detail += f" (expected one of: {', '.join(repr(v) for v in t.values)})"
    if prefix:
        path = f"{prefix}.{path}" if path and not path.startswith("[") else f"{prefix}{path}"
    return ConfigError(source, path, detail)


def _json_position(text: bytes, detail: str) -> str:
    m = re.search(r"\(byte (\d+)\)", detail)
    if not m:
        return detail
    offset = int(m.group(1))
    line = text.count(b"\n", 0, offset) + 1
    column = offset - (text.rfind(b"\n", 0, offset) + 1) + 1
    return f"{detail[:m.start()].rstrip()} (at line {line}, column {column})"


def _read_document(path: Path, source: str) -> Any:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(source, "", "file not found") from None
    except OSError as e:
        raise ConfigError(source, "", f"cannot read: {e.strerror or e}") from None
    suffix = path.suffix.lower()
    is_json = suffix == ".json" or (suffix != ".toml" and raw.lstrip()[:1] == b"{")
    if is_json:
        try:
            return msgspec.json.decode(raw)
        except msgspec.DecodeError as e:
            raise ConfigError(source, "", f"invalid JSON: {_json_position(raw, str(e))}") from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise ConfigError(source, "", f"not UTF-8 text: {e}") from None
    except tomllib.TOMLDecodeError as e:  # its message ends "(at line 3, column 5)"
        raise ConfigError(source, "", f"invalid TOML: {e}") from None


def _check_references(cfg: NodeConfig, source: str) -> None:
    seen: dict[str, int] = {}
    for i, inst in enumerate(cfg.instruments):
        if inst.id in seen:
            raise ConfigError(source, f"instruments[{i}].id",
                              f"duplicate instrument {inst.id!r} (also instruments[{seen[inst.id]}])")
        seen[inst.id] = i
    names: dict[str, int] = {}
    for i, venue in enumerate(cfg.venues):
        if venue.name in names:
            raise ConfigError(source, f"venues[{i}].name",
                              f"duplicate venue {venue.name!r} (also venues[{names[venue.name]}])")
        names[venue.name] = i
    if cfg.instruments:
        for i, d in enumerate(cfg.data):
            if d.instrument_id not in seen:
                raise ConfigError(source, f"data[{i}].instrument_id",
                                  f"{d.instrument_id!r} is not one of the configured instruments "
                                  f"({', '.join(seen)})")


def _resolve_relative(cfg: NodeConfig, base: Path) -> NodeConfig:
    data = [d if os.path.isabs(d.path) else replace(d, path=str(base / d.path)) for d in cfg.data]
    out = cfg.output_dir
    if out is not None and not os.path.isabs(out):
        out = str(base / out)
    return replace(cfg, data=data, output_dir=out)


def config_from_dict(data: dict[str, Any], source: str = "<dict>",
                     check_strategies: bool = False) -> NodeConfig:
    """Build a NodeConfig from plain Python data (as parsed from TOML/JSON).

    Relative paths are kept as given. With check_strategies, each strategy class is
    imported and its config converted, so bad strategy settings fail here.

    Raises ConfigError naming source and the key path.
    """
    try:
        cfg = msgspec.convert(data, NodeConfig)
    except msgspec.ValidationError as e:
        raise _convert_error(e, NodeConfig, source) from None
    _check_references(cfg, source)
    if check_strategies:
        for i, importable in enumerate(cfg.strategies):
            load_strategy_config(importable, index=i, source=source)
    return cfg


def load_config(path: str | os.PathLike[str], check_strategies: bool = True) -> NodeConfig:
    """Read a NodeConfig from a TOML or JSON file (by extension, else by content).

    Relative `data[].path` and `output_dir` are resolved against the file's directory.
    With check_strategies (the default) every strategy class is imported and its config
    converted, so a bad strategy path or parameter fails at load time.

    Raises
    ------
    ConfigError: missing or unreadable file, TOML/JSON syntax (with line and column),
        unknown key, wrong type, missing required key, bad value, bad strategy path or
        strategy config field; the message names the file and the key path.
    """
    p = Path(path)
    source = str(path)
    document = _read_document(p, source)
    if not isinstance(document, dict):
        raise ConfigError(source, "", f"expected a table/object at the top, got {type(document).__name__}")
    cfg = config_from_dict(document, source, check_strategies=check_strategies)
    return _resolve_relative(cfg, p.resolve().parent)


def _config_type(cls: type) -> type | None:
    declared = getattr(cls, "config_type", None)
    if isinstance(declared, type):
        return declared
    init = getattr(cls, "__init__", None)
    try:
        hints = typing.get_type_hints(init)
    except Exception:  # C-implemented __init__, or annotations naming unknown types
        try:
            hints = {k: p.annotation for k, p in inspect.signature(init).parameters.items()}
        except (TypeError, ValueError):
            return None
    hint = hints.get("config")
    for candidate in typing.get_args(hint) or (hint,):  # `Cfg | None` -> Cfg
        if isinstance(candidate, type) and issubclass(candidate, msgspec.Struct):
            return candidate
    return None


def load_strategy_config(importable: ImportableStrategyConfig, index: int | None = None,
                         source: str = "<config>") -> tuple[type, StrategyConfig]:
    """Import a strategy class and convert its `config` dict to the class's config type.

    The config type is the class attribute `config_type`, else the annotation of the
    `config` parameter of `__init__`, else `StrategyConfig`. index and source only name
    the entry in error messages (`strategies[0].config.fast_period`).

    Raises ConfigError naming source and `strategies[i].path` or `strategies[i].config.<field>`.
    """
    at = "strategies" if index is None else f"strategies[{index}]"
    try:
        cls = resolve_path(importable.path)
    except ResolveError as e:
        raise ConfigError(source, f"{at}.path", str(e)) from None
    if not isinstance(cls, type):
        raise ConfigError(source, f"{at}.path", f"{importable.path!r} is not a class")
    config_type = _config_type(cls) or StrategyConfig
    try:
        config = msgspec.convert(importable.config, config_type)
    except msgspec.ValidationError as e:
        raise _convert_error(e, config_type, source, prefix=f"{at}.config") from None
    return cls, config


def dumps_schema() -> str:
    """Return the JSON Schema of NodeConfig (for editors and docs)."""
    return json.dumps(msgspec.json.schema(NodeConfig), indent=2)
