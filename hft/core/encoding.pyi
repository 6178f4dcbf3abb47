"""Type stub for hft.core.encoding (fixed-size binary records; docs/encoding.md)."""

from enum import IntEnum
from typing import Final, TypeAlias

import numpy as np
import numpy.typing as npt

# any contiguous buffer; collections.abc.Buffer once Python 3.12 is the floor
_Buffer: TypeAlias = bytes | bytearray | memoryview | npt.NDArray[np.generic]

class RecordType(IntEnum):
    RECORD_ORDER = 1
    RECORD_QUOTE = 2
    RECORD_TRADE = 3
    RECORD_BOOK_DELTA = 4

class Side(IntEnum):
    SIDE_NONE = 0
    SIDE_BUY = 1
    SIDE_SELL = 2

class OrderType(IntEnum):
    ORDER_TYPE_MARKET = 1
    ORDER_TYPE_LIMIT = 2
    ORDER_TYPE_STOP_MARKET = 3
    ORDER_TYPE_STOP_LIMIT = 4

class TimeInForce(IntEnum):
    TIF_GTC = 1
    TIF_IOC = 2
    TIF_FOK = 3
    TIF_GTD = 4
    TIF_DAY = 5

class OrderFlag(IntEnum):
    FLAG_POST_ONLY = 1
    FLAG_REDUCE_ONLY = 2

class BookDeltaAction(IntEnum):
    DELTA_ADD = 1
    DELTA_UPDATE = 2
    DELTA_DELETE = 3
    DELTA_CLEAR = 4

class BookDeltaFlag(IntEnum):
    DELTA_SNAPSHOT_BEGIN = 1
    DELTA_SNAPSHOT_END = 2

class DecodeStatus(IntEnum):
    DECODE_OK = 0
    DECODE_BAD_LENGTH = 1
    DECODE_BAD_VERSION = 2
    DECODE_BAD_RECORD_TYPE = 3
    DECODE_BAD_SIDE = 4
    DECODE_BAD_ORDER_TYPE = 5
    DECODE_BAD_TIME_IN_FORCE = 6
    DECODE_BAD_FLAGS = 7
    DECODE_BAD_PRICE_PRECISION = 8
    DECODE_BAD_SIZE_PRECISION = 9
    DECODE_BAD_QUANTITY = 10
    DECODE_BAD_PRICE = 11
    DECODE_BAD_TRIGGER_PRICE = 12
    DECODE_BAD_EXPIRE = 13
    DECODE_BAD_RESERVED = 14
    DECODE_BAD_AGGRESSOR_SIDE = 15
    DECODE_BAD_SIZE = 16
    DECODE_BAD_POST_ONLY = 17
    DECODE_BAD_BID_SIZE = 18
    DECODE_BAD_ASK_SIZE = 19
    DECODE_BAD_ACTION = 20
    DECODE_BAD_DELTA_FLAGS = 21
    DECODE_BAD_LEVEL_SIZE = 22
    DECODE_BAD_CLEAR_PRICE = 23
    DECODE_BAD_DELTA_SIDE = 24

RECORD_ORDER: Final = RecordType.RECORD_ORDER
RECORD_QUOTE: Final = RecordType.RECORD_QUOTE
RECORD_TRADE: Final = RecordType.RECORD_TRADE
RECORD_BOOK_DELTA: Final = RecordType.RECORD_BOOK_DELTA
SIDE_NONE: Final = Side.SIDE_NONE
SIDE_BUY: Final = Side.SIDE_BUY
SIDE_SELL: Final = Side.SIDE_SELL
ORDER_TYPE_MARKET: Final = OrderType.ORDER_TYPE_MARKET
ORDER_TYPE_LIMIT: Final = OrderType.ORDER_TYPE_LIMIT
ORDER_TYPE_STOP_MARKET: Final = OrderType.ORDER_TYPE_STOP_MARKET
ORDER_TYPE_STOP_LIMIT: Final = OrderType.ORDER_TYPE_STOP_LIMIT
TIF_GTC: Final = TimeInForce.TIF_GTC
TIF_IOC: Final = TimeInForce.TIF_IOC
TIF_FOK: Final = TimeInForce.TIF_FOK
TIF_GTD: Final = TimeInForce.TIF_GTD
TIF_DAY: Final = TimeInForce.TIF_DAY
FLAG_POST_ONLY: Final = OrderFlag.FLAG_POST_ONLY
FLAG_REDUCE_ONLY: Final = OrderFlag.FLAG_REDUCE_ONLY
DELTA_ADD: Final = BookDeltaAction.DELTA_ADD
DELTA_UPDATE: Final = BookDeltaAction.DELTA_UPDATE
DELTA_DELETE: Final = BookDeltaAction.DELTA_DELETE
DELTA_CLEAR: Final = BookDeltaAction.DELTA_CLEAR
DELTA_SNAPSHOT_BEGIN: Final = BookDeltaFlag.DELTA_SNAPSHOT_BEGIN
DELTA_SNAPSHOT_END: Final = BookDeltaFlag.DELTA_SNAPSHOT_END
DECODE_OK: Final = DecodeStatus.DECODE_OK
DECODE_BAD_LENGTH: Final = DecodeStatus.DECODE_BAD_LENGTH
DECODE_BAD_VERSION: Final = DecodeStatus.DECODE_BAD_VERSION
DECODE_BAD_RECORD_TYPE: Final = DecodeStatus.DECODE_BAD_RECORD_TYPE
DECODE_BAD_SIDE: Final = DecodeStatus.DECODE_BAD_SIDE
DECODE_BAD_ORDER_TYPE: Final = DecodeStatus.DECODE_BAD_ORDER_TYPE
DECODE_BAD_TIME_IN_FORCE: Final = DecodeStatus.DECODE_BAD_TIME_IN_FORCE
DECODE_BAD_FLAGS: Final = DecodeStatus.DECODE_BAD_FLAGS
DECODE_BAD_PRICE_PRECISION: Final = DecodeStatus.DECODE_BAD_PRICE_PRECISION
DECODE_BAD_SIZE_PRECISION: Final = DecodeStatus.DECODE_BAD_SIZE_PRECISION
DECODE_BAD_QUANTITY: Final = DecodeStatus.DECODE_BAD_QUANTITY
DECODE_BAD_PRICE: Final = DecodeStatus.DECODE_BAD_PRICE
DECODE_BAD_TRIGGER_PRICE: Final = DecodeStatus.DECODE_BAD_TRIGGER_PRICE
DECODE_BAD_EXPIRE: Final = DecodeStatus.DECODE_BAD_EXPIRE
DECODE_BAD_RESERVED: Final = DecodeStatus.DECODE_BAD_RESERVED
DECODE_BAD_AGGRESSOR_SIDE: Final = DecodeStatus.DECODE_BAD_AGGRESSOR_SIDE
DECODE_BAD_SIZE: Final = DecodeStatus.DECODE_BAD_SIZE
DECODE_BAD_POST_ONLY: Final = DecodeStatus.DECODE_BAD_POST_ONLY
DECODE_BAD_BID_SIZE: Final = DecodeStatus.DECODE_BAD_BID_SIZE
DECODE_BAD_ASK_SIZE: Final = DecodeStatus.DECODE_BAD_ASK_SIZE
DECODE_BAD_ACTION: Final = DecodeStatus.DECODE_BAD_ACTION
DECODE_BAD_DELTA_FLAGS: Final = DecodeStatus.DECODE_BAD_DELTA_FLAGS
DECODE_BAD_LEVEL_SIZE: Final = DecodeStatus.DECODE_BAD_LEVEL_SIZE
DECODE_BAD_CLEAR_PRICE: Final = DecodeStatus.DECODE_BAD_CLEAR_PRICE
DECODE_BAD_DELTA_SIDE: Final = DecodeStatus.DECODE_BAD_DELTA_SIDE

VERSION: Final[int]
ORDER_RECORD_SIZE: Final[int]
QUOTE_RECORD_SIZE: Final[int]
TRADE_RECORD_SIZE: Final[int]
BOOK_DELTA_RECORD_SIZE: Final[int]
MAX_PRICE_PRECISION: Final[int]
ORDER_FLAGS: Final[int]
DELTA_FLAGS: Final[int]
DECODE_ERRORS: dict[int, tuple[str, str]]
ORDER_DTYPE: np.dtype[np.void]
QUOTE_DTYPE: np.dtype[np.void]
TRADE_DTYPE: np.dtype[np.void]
BOOK_DELTA_DTYPE: np.dtype[np.void]

class OrderMsg:
    def __init__(
        self, *, side: int = ..., order_type: int = ..., time_in_force: int = ...,
        flags: int = 0, price_precision: int = 0, size_precision: int = 0,
        instrument_id: int = 0, strategy_id: int = 0, client_order_id: int = 0,
        venue_order_id: int = 0, price: int = 0, trigger_price: int = 0, quantity: int = 0,
        ts_init: int = 0, ts_expire: int = 0, trader_id: int = 0,
    ) -> None: ...
    @property
    def version(self) -> int: ...
    @property
    def record_type(self) -> int: ...
    @property
    def side(self) -> int: ...
    @property
    def order_type(self) -> int: ...
    @property
    def time_in_force(self) -> int: ...
    @property
    def flags(self) -> int: ...
    @property
    def price_precision(self) -> int: ...
    @property
    def size_precision(self) -> int: ...
    @property
    def instrument_id(self) -> int: ...
    @property
    def strategy_id(self) -> int: ...
    @property
    def client_order_id(self) -> int: ...
    @property
    def venue_order_id(self) -> int: ...
    @property
    def price(self) -> int: ...
    @property
    def trigger_price(self) -> int: ...
    @property
    def quantity(self) -> int: ...
    @property
    def ts_init(self) -> int: ...
    @property
    def ts_expire(self) -> int: ...
    @property
    def trader_id(self) -> int: ...
    def validate(self) -> None: ...
    def to_dict(self) -> dict[str, int]: ...
    def __eq__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...

class QuoteMsg:
    def __init__(
        self, *, price_precision: int = 0, size_precision: int = 0, instrument_id: int = 0,
        ts_event: int = 0, ts_init: int = 0, bid_price: int = 0, ask_price: int = 0,
        bid_size: int = 0, ask_size: int = 0, sequence: int = 0,
    ) -> None: ...
    @property
    def version(self) -> int: ...
    @property
    def record_type(self) -> int: ...
    @property
    def price_precision(self) -> int: ...
    @property
    def size_precision(self) -> int: ...
    @property
    def instrument_id(self) -> int: ...
    @property
    def ts_event(self) -> int: ...
    @property
    def ts_init(self) -> int: ...
    @property
    def bid_price(self) -> int: ...
    @property
    def ask_price(self) -> int: ...
    @property
    def bid_size(self) -> int: ...
    @property
    def ask_size(self) -> int: ...
    @property
    def sequence(self) -> int: ...
    def validate(self) -> None: ...
    def to_dict(self) -> dict[str, int]: ...
    def __eq__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...

class TradeMsg:
    def __init__(
        self, *, price_precision: int = 0, size_precision: int = 0, instrument_id: int = 0,
        ts_event: int = 0, ts_init: int = 0, price: int = 0, size: int = 0,
        aggressor_side: int = 0, trade_id: int = 0, sequence: int = 0,
    ) -> None: ...
    @property
    def version(self) -> int: ...
    @property
    def record_type(self) -> int: ...
    @property
    def price_precision(self) -> int: ...
    @property
    def size_precision(self) -> int: ...
    @property
    def instrument_id(self) -> int: ...
    @property
    def ts_event(self) -> int: ...
    @property
    def ts_init(self) -> int: ...
    @property
    def price(self) -> int: ...
    @property
    def size(self) -> int: ...
    @property
    def aggressor_side(self) -> int: ...
    @property
    def trade_id(self) -> int: ...
    @property
    def sequence(self) -> int: ...
    def validate(self) -> None: ...
    def to_dict(self) -> dict[str, int]: ...
    def __eq__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...

class BookDeltaMsg:
    def __init__(
        self, *, price_precision: int = 0, size_precision: int = 0, instrument_id: int = 0,
        ts_event: int = 0, ts_init: int = 0, price: int = 0, size: int = 0, sequence: int = 0,
        action: int = 2, side: int = 1, flags: int = 0,
    ) -> None: ...
    @property
    def version(self) -> int: ...
    @property
    def record_type(self) -> int: ...
    @property
    def price_precision(self) -> int: ...
    @property
    def size_precision(self) -> int: ...
    @property
    def instrument_id(self) -> int: ...
    @property
    def ts_event(self) -> int: ...
    @property
    def ts_init(self) -> int: ...
    @property
    def price(self) -> int: ...
    @property
    def size(self) -> int: ...
    @property
    def sequence(self) -> int: ...
    @property
    def action(self) -> int: ...
    @property
    def side(self) -> int: ...
    @property
    def flags(self) -> int: ...
    def validate(self) -> None: ...
    def to_dict(self) -> dict[str, int]: ...
    def __eq__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...

def encode_order(msg: OrderMsg) -> bytes: ...
def encode_quote(msg: QuoteMsg) -> bytes: ...
def encode_trade(msg: TradeMsg) -> bytes: ...
def encode_book_delta(msg: BookDeltaMsg) -> bytes: ...
def encode_order_into(msg: OrderMsg, buffer: _Buffer, offset: int = 0) -> int: ...
def encode_quote_into(msg: QuoteMsg, buffer: _Buffer, offset: int = 0) -> int: ...
def encode_trade_into(msg: TradeMsg, buffer: _Buffer, offset: int = 0) -> int: ...
def encode_book_delta_into(msg: BookDeltaMsg, buffer: _Buffer, offset: int = 0) -> int: ...
def decode_order(buf: _Buffer) -> OrderMsg: ...
def decode_quote(buf: _Buffer) -> QuoteMsg: ...
def decode_trade(buf: _Buffer) -> TradeMsg: ...
def decode_book_delta(buf: _Buffer) -> BookDeltaMsg: ...
def record_type_of(buf: _Buffer) -> int: ...
def validate_batch(records: npt.ArrayLike, record_type: int = 0) -> tuple[int, int]: ...
def decode_orders_batch(buf: _Buffer) -> npt.NDArray[np.void]: ...
def decode_quotes_batch(buf: _Buffer) -> npt.NDArray[np.void]: ...
def decode_trades_batch(buf: _Buffer) -> npt.NDArray[np.void]: ...
def decode_book_deltas_batch(buf: _Buffer) -> npt.NDArray[np.void]: ...
def encode_orders_batch(
    out: npt.NDArray[np.uint8] | npt.NDArray[np.void],
    side: npt.NDArray[np.uint8],
    order_type: npt.NDArray[np.uint8],
    time_in_force: npt.NDArray[np.uint8],
    price: npt.NDArray[np.int64],
    quantity: npt.NDArray[np.int64],
    *,
    flags: npt.NDArray[np.uint8] | None = None,
    price_precision: npt.NDArray[np.uint8] | None = None,
    size_precision: npt.NDArray[np.uint8] | None = None,
    instrument_id: npt.NDArray[np.uint32] | None = None,
    strategy_id: npt.NDArray[np.uint32] | None = None,
    client_order_id: npt.NDArray[np.uint64] | None = None,
    venue_order_id: npt.NDArray[np.uint64] | None = None,
    trigger_price: npt.NDArray[np.int64] | None = None,
    ts_init: npt.NDArray[np.int64] | None = None,
    ts_expire: npt.NDArray[np.int64] | None = None,
    trader_id: npt.NDArray[np.uint32] | None = None,
) -> int: ...
