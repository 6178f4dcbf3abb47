from enum import IntEnum

import numpy as np

class SimEventKind(IntEnum):
    SIM_ACCEPTED = 1
    SIM_REJECTED = 2
    SIM_FILLED = 3
    SIM_CANCELED = 4
    SIM_EXPIRED = 5
    SIM_TRIGGERED = 6
    SIM_UPDATED = 7
    SIM_CANCEL_REJECTED = 8
    SIM_MODIFY_REJECTED = 9

class MarketRest(IntEnum):
    REST_PARTIAL = 0
    REST_NEXT_LEVEL = 1
    REST_FULL = 2

SIM_EVENT_DTYPE: np.dtype
SIM_REASONS: dict[int, str]

class SimMatcher:
    l2: bool
    rest_policy: int
    tick: int
    position: int
    bid: int
    ask: int
    bid_size: int
    ask_size: int
    has_bid: bool
    has_ask: bool
    n_events: int
    next_expire_ns: int
    def __init__(self, l2: bool = ..., rest_policy: int = ..., tick: int = ...) -> None: ...
    def submit_order(self, order_id: int, side: int, order_type: int, quantity: int,
                     price: int = ..., trigger: int = ..., *, tif: int = ..., expire_ns: int = ...,
                     post_only: bool = ..., reduce_only: bool = ..., now: int = ...) -> int: ...
    def cancel_order(self, order_id: int, now: int = ...) -> int: ...
    def modify_order(self, order_id: int, quantity: int = ..., price: int = ...,
                     trigger: int = ..., now: int = ...) -> int: ...
    def apply_quote(self, now: int, bid: int, ask: int, bid_size: int, ask_size: int) -> int: ...
    def apply_trade(self, now: int, price: int, size: int) -> int: ...
    def apply_book_level(self, now: int, side: int, price: int, size: int) -> int: ...
    def clear_book(self, now: int = ...) -> None: ...
    def expire_orders(self, now: int) -> int: ...
    def drain(self) -> np.ndarray: ...
    def drain_list(self) -> list[tuple[int, int, int, int, int, int, int, int, int]]: ...
    def mid_raw(self) -> float | None: ...
    def touch(self) -> tuple[int | None, int | None]: ...
    def open_orders(self) -> list[dict]: ...
    def __len__(self) -> int: ...

class LatencyQueue:
    head_ns: int
    last_ns: int
    def push(self, due_ns: int, item: object) -> int: ...
    def pop(self) -> tuple[int, object]: ...
    def __len__(self) -> int: ...
