"""Type stub for hft.core.pool (Cython extension)."""

import enum
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")

class PoolStatus(enum.IntEnum):
    POOL_OK = 0
    POOL_FOREIGN = 1
    POOL_MISALIGNED = 2
    POOL_NOT_IN_USE = 3

POOL_OK: PoolStatus
POOL_FOREIGN: PoolStatus
POOL_MISALIGNED: PoolStatus
POOL_NOT_IN_USE: PoolStatus
POOL_ERRORS: dict[int, str]

class BlockPool:
    """Hand out fixed-size memory blocks from one allocation made at construction."""

    def __init__(self, block_size: int, capacity: int) -> None: ...
    def acquire(self) -> int | None: ...
    def release(self, address: int) -> None: ...
    def owns(self, address: int) -> bool: ...
    @property
    def block_size(self) -> int: ...
    @property
    def stride(self) -> int: ...
    @property
    def capacity(self) -> int: ...
    @property
    def available(self) -> int: ...
    @property
    def in_use(self) -> int: ...

class ObjectPool(Generic[T]):
    """Keep up to `capacity` reusable objects made by `factory`."""

    capacity: int
    size: int
    hits: int
    misses: int
    discarded: int
    def __init__(
        self, factory: Callable[[], T], capacity: int, reset: Callable[[T], object] | None = None
    ) -> None: ...
    def acquire(self) -> T: ...
    def release(self, obj: T) -> None: ...
    def prefill(self, count: int | None = None) -> int: ...
    def clear(self) -> None: ...
    def __len__(self) -> int: ...
