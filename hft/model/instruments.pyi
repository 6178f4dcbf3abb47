from decimal import Decimal
from enum import IntEnum
from typing import Final, Iterable, Iterator

from hft.model.identifiers import InstrumentId
from hft.model.objects import Currency, Money, Price, Quantity

class InstrumentKind(IntEnum):
    INSTRUMENT_SPOT = 1
    INSTRUMENT_PERPETUAL = 2
    INSTRUMENT_FUTURE = 3
    INSTRUMENT_FX = 4

INSTRUMENT_SPOT: Final[InstrumentKind]
INSTRUMENT_PERPETUAL: Final[InstrumentKind]
INSTRUMENT_FUTURE: Final[InstrumentKind]
INSTRUMENT_FX: Final[InstrumentKind]

class CheckResult(IntEnum):
    CHECK_OK = 0
    CHECK_PRICE_PRECISION = 1
    CHECK_SIZE_PRECISION = 2
    CHECK_PRICE_TICK = 3
    CHECK_SIZE_LOT = 4
    CHECK_QTY_NOT_POSITIVE = 5
    CHECK_BELOW_MIN_QTY = 6
    CHECK_ABOVE_MAX_QTY = 7
    CHECK_BELOW_MIN_NOTIONAL = 8

CHECK_OK: Final[CheckResult]
CHECK_PRICE_PRECISION: Final[CheckResult]
CHECK_SIZE_PRECISION: Final[CheckResult]
CHECK_PRICE_TICK: Final[CheckResult]
CHECK_SIZE_LOT: Final[CheckResult]
CHECK_QTY_NOT_POSITIVE: Final[CheckResult]
CHECK_BELOW_MIN_QTY: Final[CheckResult]
CHECK_ABOVE_MAX_QTY: Final[CheckResult]
CHECK_BELOW_MIN_NOTIONAL: Final[CheckResult]
CHECK_REASONS: dict[CheckResult, str]

_Num = str | int | Decimal

class Instrument:
    id: InstrumentId
    kind: InstrumentKind
    base_currency: Currency | None
    quote_currency: Currency
    settlement_currency: Currency
    price_precision: int
    size_precision: int
    price_increment: Price
    size_increment: Quantity
    min_quantity: Quantity
    max_quantity: Quantity | None
    min_notional: Money | None
    maker_fee: Decimal
    taker_fee: Decimal
    multiplier: Quantity
    numeric_id: int
    expiry_ns: int
    def __init__(self, instrument_id: InstrumentId | str, kind: InstrumentKind, *,
                 quote_currency: Currency, price_precision: int, size_precision: int,
                 base_currency: Currency | None = None,
                 settlement_currency: Currency | None = None,
                 price_increment: Price | _Num | None = None,
                 size_increment: Quantity | _Num | None = None,
                 min_quantity: Quantity | _Num | None = None,
                 max_quantity: Quantity | _Num | None = None,
                 min_notional: Money | _Num | None = None,
                 maker_fee: _Num | float = 0, taker_fee: _Num | float = 0,
                 multiplier: Quantity | _Num = 1, numeric_id: int = 0,
                 expiry_ns: int = 0) -> None: ...
    @staticmethod
    def fx(instrument_id: InstrumentId | str, *, price_precision: int = 5,
           size_precision: int = 0, size_increment: Quantity | _Num = 1000,
           min_quantity: Quantity | _Num | None = None, max_quantity: Quantity | _Num | None = None,
           maker_fee: _Num | float = 0, taker_fee: _Num | float = 0,
           numeric_id: int = 0) -> Instrument: ...
    @staticmethod
    def crypto_spot(instrument_id: InstrumentId | str, base: Currency, quote: Currency, *,
                    price_precision: int = 2, size_precision: int = 6,
                    price_increment: Price | _Num | None = None,
                    size_increment: Quantity | _Num | None = None,
                    min_quantity: Quantity | _Num | None = None,
                    max_quantity: Quantity | _Num | None = None,
                    min_notional: Money | _Num | None = None, maker_fee: _Num | float = "0.001",
                    taker_fee: _Num | float = "0.001", numeric_id: int = 0) -> Instrument: ...
    @staticmethod
    def perpetual(instrument_id: InstrumentId | str, base: Currency, quote: Currency, *,
                  settlement: Currency | None = None, price_precision: int = 1,
                  size_precision: int = 3, price_increment: Price | _Num | None = None,
                  size_increment: Quantity | _Num | None = None,
                  min_quantity: Quantity | _Num | None = None,
                  max_quantity: Quantity | _Num | None = None,
                  min_notional: Money | _Num | None = None, maker_fee: _Num | float = "0.0002",
                  taker_fee: _Num | float = "0.0004", multiplier: Quantity | _Num = 1,
                  numeric_id: int = 0) -> Instrument: ...
    @staticmethod
    def future(instrument_id: InstrumentId | str, base: Currency, quote: Currency,
               expiry_ns: int, *, price_precision: int = 2, size_precision: int = 0,
               price_increment: Price | _Num | None = None,
               size_increment: Quantity | _Num | None = None,
               min_quantity: Quantity | _Num | None = None,
               max_quantity: Quantity | _Num | None = None, maker_fee: _Num | float = 0,
               taker_fee: _Num | float = 0, multiplier: Quantity | _Num = 1,
               numeric_id: int = 0) -> Instrument: ...
    def make_price(self, value: Price | _Num | float) -> Price: ...
    def make_qty(self, value: Quantity | _Num | float) -> Quantity: ...
    def notional(self, price: Price, quantity: Quantity) -> Decimal: ...
    def check_code(self, price: Price | None, quantity: Quantity) -> CheckResult: ...
    def check_order(self, price: Price | None, quantity: Quantity) -> str | None: ...
    def __hash__(self) -> int: ...

class InstrumentRegistry:
    def __init__(self, instruments: Iterable[Instrument] = ()) -> None: ...
    def add(self, instrument: Instrument) -> int: ...
    def get(self, instrument_id: InstrumentId) -> Instrument: ...
    def by_numeric(self, numeric_id: int) -> Instrument: ...
    def __getitem__(self, numeric_id: int) -> InstrumentId: ...
    def __contains__(self, instrument_id: object) -> bool: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[Instrument]: ...
