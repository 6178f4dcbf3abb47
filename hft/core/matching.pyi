"""Type stub for hft.core.matching (Cython extension)."""

import enum

import numpy as np
import numpy.typing as npt

from hft.core.encoding import OrderMsg

class MatchEventKind(enum.IntEnum):
    EVENT_ACCEPTED = 1
    EVENT_REJECTED = 2
    EVENT_FILLED = 3
    EVENT_CANCELED = 4
    EVENT_TRIGGERED = 5
    EVENT_EXPIRED = 6
    EVENT_MODIFIED = 7

class Liquidity(enum.IntEnum):
    LIQUIDITY_NONE = 0
    LIQUIDITY_MAKER = 1
    LIQUIDITY_TAKER = 2

class RejectReason(enum.IntEnum):
    REJECT_NONE = 0
    REJECT_DUPLICATE_ID = 1
    REJECT_POST_ONLY = 2
    REJECT_FOK_CANNOT_FILL = 3
    REJECT_UNKNOWN_ID = 4
    REJECT_BAD_ORDER = 5
    REJECT_ENGINE_FULL = 6
    REJECT_NOT_MODIFIABLE = 7

EVENT_ACCEPTED: MatchEventKind
EVENT_REJECTED: MatchEventKind
EVENT_FILLED: MatchEventKind
EVENT_CANCELED: MatchEventKind
EVENT_TRIGGERED: MatchEventKind
EVENT_EXPIRED: MatchEventKind
EVENT_MODIFIED: MatchEventKind
LIQUIDITY_NONE: Liquidity
LIQUIDITY_MAKER: Liquidity
LIQUIDITY_TAKER: Liquidity
REJECT_NONE: RejectReason
REJECT_DUPLICATE_ID: RejectReason
REJECT_POST_ONLY: RejectReason
REJECT_FOK_CANNOT_FILL: RejectReason
REJECT_UNKNOWN_ID: RejectReason
REJECT_BAD_ORDER: RejectReason
REJECT_ENGINE_FULL: RejectReason
REJECT_NOT_MODIFIABLE: RejectReason

EVENT_DTYPE: np.dtype
REJECT_REASONS: dict[int, tuple[str, str]]

class MatchingEngine:
    """Match orders for one instrument by price-time priority, as a simulated venue does."""

    def __init__(self, max_orders: int = 65536) -> None: ...
    def submit(self, order: OrderMsg | bytes | bytearray | memoryview, owner: int = 0) -> int: ...
    def cancel(self, client_order_id: int) -> int: ...
    def modify(self, client_order_id: int, price: int, quantity: int) -> int: ...
    def on_trade_price(self, price: int) -> int: ...
    def on_quote(self, bid: int, ask: int) -> int: ...
    def expire(self, now_ns: int) -> int: ...
    def events(self) -> npt.NDArray[np.void]: ...
    def bids(self, n: int | None = None) -> npt.NDArray[np.int64]: ...
    def asks(self, n: int | None = None) -> npt.NDArray[np.int64]: ...
    @property
    def best_bid(self) -> int | None: ...
    @property
    def best_ask(self) -> int | None: ...
    def order(self, client_order_id: int) -> dict | None: ...
    def queue(self, side: int, price: int) -> list[int]: ...
    @property
    def last_match_id(self) -> int: ...
    @property
    def max_orders(self) -> int: ...
    def __len__(self) -> int: ...
