from collections.abc import Mapping
from enum import IntEnum
from typing import Final, Iterable

from hft.model.identifiers import InstrumentId, TradeId
from hft.model.objects import Price, Quantity

class BarAggregation(IntEnum):
    BAR_TICK = 1
    BAR_SECOND = 2
    BAR_MINUTE = 3
    BAR_HOUR = 4
    BAR_DAY = 5
    BAR_VOLUME = 6

class PriceType(IntEnum):
    PRICE_BID = 1
    PRICE_ASK = 2
    PRICE_MID = 3
    PRICE_LAST = 4

class BookAction(IntEnum):
    BOOK_ADD = 1
    BOOK_UPDATE = 2
    BOOK_DELETE = 3
    BOOK_CLEAR = 4

BAR_TICK: Final[BarAggregation]
BAR_SECOND: Final[BarAggregation]
BAR_MINUTE: Final[BarAggregation]
BAR_HOUR: Final[BarAggregation]
BAR_DAY: Final[BarAggregation]
BAR_VOLUME: Final[BarAggregation]
PRICE_BID: Final[PriceType]
PRICE_ASK: Final[PriceType]
PRICE_MID: Final[PriceType]
PRICE_LAST: Final[PriceType]
BOOK_ADD: Final[BookAction]
BOOK_UPDATE: Final[BookAction]
BOOK_DELETE: Final[BookAction]
BOOK_CLEAR: Final[BookAction]

_Instruments = InstrumentId | Mapping[int, InstrumentId]

class QuoteTick:
    instrument_id: InstrumentId
    bid_raw: int
    ask_raw: int
    bid_size_raw: int
    ask_size_raw: int
    price_precision: int
    size_precision: int
    ts_event: int
    ts_init: int
    sequence: int
    def __init__(self, instrument_id: InstrumentId, bid_price: Price, ask_price: Price,
                 bid_size: Quantity, ask_size: Quantity, ts_event: int, ts_init: int,
                 sequence: int = 0) -> None: ...
    @property
    def bid_price(self) -> Price: ...
    @property
    def ask_price(self) -> Price: ...
    @property
    def bid_size(self) -> Quantity: ...
    @property
    def ask_size(self) -> Quantity: ...
    def mid_price(self) -> Price: ...
    def to_record(self, numeric_id: int = 0) -> bytes: ...
    @staticmethod
    def from_record(buf: bytes | bytearray | memoryview, instruments: _Instruments) -> QuoteTick: ...
    def __hash__(self) -> int: ...

class TradeTick:
    instrument_id: InstrumentId
    price_raw: int
    size_raw: int
    price_precision: int
    size_precision: int
    aggressor_side: int
    trade_id: TradeId
    ts_event: int
    ts_init: int
    sequence: int
    def __init__(self, instrument_id: InstrumentId, price: Price, size: Quantity,
                 aggressor_side: int, trade_id: TradeId, ts_event: int, ts_init: int,
                 sequence: int = 0) -> None: ...
    @property
    def price(self) -> Price: ...
    @property
    def size(self) -> Quantity: ...
    def to_record(self, numeric_id: int = 0) -> bytes: ...
    @staticmethod
    def from_record(buf: bytes | bytearray | memoryview, instruments: _Instruments) -> TradeTick: ...
    def __hash__(self) -> int: ...

class BarType:
    instrument_id: InstrumentId
    step: int
    aggregation: BarAggregation
    price_type: PriceType
    def __init__(self, instrument_id: InstrumentId, step: int, aggregation: BarAggregation,
                 price_type: PriceType) -> None: ...
    @staticmethod
    def from_str(value: str) -> BarType: ...
    def __hash__(self) -> int: ...

class Bar:
    bar_type: BarType
    open: Price
    high: Price
    low: Price
    close: Price
    volume: Quantity
    ts_event: int
    ts_init: int
    def __init__(self, bar_type: BarType, open: Price, high: Price, low: Price, close: Price,
                 volume: Quantity, ts_event: int, ts_init: int) -> None: ...
    def __hash__(self) -> int: ...

class BookDelta:
    instrument_id: InstrumentId
    action: BookAction
    side: int
    price_raw: int
    size_raw: int
    price_precision: int
    size_precision: int
    sequence: int
    ts_event: int
    ts_init: int
    def __init__(self, instrument_id: InstrumentId, action: BookAction, side: int,
                 price: Price | None, size: Quantity | None, sequence: int, ts_event: int,
                 ts_init: int) -> None: ...
    @property
    def price(self) -> Price | None: ...
    @property
    def size(self) -> Quantity | None: ...
    def to_record(self, numeric_id: int = 0, flags: int = 0) -> bytes: ...
    @staticmethod
    def from_record(buf: bytes | bytearray | memoryview, instruments: _Instruments) -> BookDelta: ...
    def __hash__(self) -> int: ...

class BookSnapshot:
    instrument_id: InstrumentId
    bids: list[tuple[Price, Quantity]]
    asks: list[tuple[Price, Quantity]]
    sequence: int
    ts_event: int
    ts_init: int
    def __init__(self, instrument_id: InstrumentId, bids: Iterable[tuple[Price, Quantity]],
                 asks: Iterable[tuple[Price, Quantity]], sequence: int, ts_event: int,
                 ts_init: int) -> None: ...
    def to_deltas(self) -> list[BookDelta]: ...
