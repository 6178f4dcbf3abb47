"""Type stubs for hft.core.ring (a Cython extension): lock-free rings of fixed-size records."""

from enum import IntEnum
from multiprocessing.shared_memory import SharedMemory
from typing import Any, Self

from typing_extensions import Buffer  # collections.abc.Buffer from Python 3.12

RING_MAGIC: int
LAYOUT_VERSION: int
HEADER_SIZE: int
PRODUCER_OFFSET: int
CONSUMER_OFFSET: int
SLOTS_OFFSET: int

class RingKind(IntEnum):
    RING_KIND_SPSC = 1
    RING_KIND_MPMC = 2

RING_KIND_SPSC: RingKind
RING_KIND_MPMC: RingKind

class RingError(Exception):
    """Signal that a ring operation could not complete."""

class RingFull(RingError):
    """Signal that a ring stayed full until the push timed out."""

class RingEmpty(RingError):
    """Signal that a ring stayed empty until the pop timed out."""

class _RingBase:
    @property
    def shm(self) -> SharedMemory | None: ...
    @property
    def kind(self) -> int: ...
    def __init__(self, capacity: int, slot_size: int) -> None:
        """Allocate an owned ring of `capacity` slots (a power of two) of `slot_size` bytes."""
    @classmethod
    def create_shared(cls, name: str | None, capacity: int, slot_size: int) -> Self:
        """Create a ring in a new shared-memory block called `name` (None: a fresh name)."""
    @classmethod
    def attach(cls, name: str, capacity: int | None = None, slot_size: int | None = None) -> Self:
        """Attach to a ring another handle created with `create_shared(name, ...)`."""
    def close(self) -> None:
        """Detach from the ring's memory; free it if owned. Calling it again does nothing."""
    def unlink(self) -> None:
        """Remove the shared-memory block's name; processes attached keep their mapping."""
    def __enter__(self) -> Self: ...
    def __exit__(self, *exc_info: object) -> None: ...
    @property
    def capacity(self) -> int:
        """Return the number of slots."""
    @property
    def slot_size(self) -> int:
        """Return the size in bytes of every record."""
    @property
    def name(self) -> str | None:
        """Return the shared-memory block's name, or None for an owned ring."""
    @property
    def closed(self) -> bool:
        """Return True once close() was called."""
    def __len__(self) -> int: ...
    def push(self, record: Buffer, /) -> bool:
        """Push one record (bytes-like, exactly slot_size bytes); return False when full."""
    def pop(self) -> bytes | None:
        """Pop the oldest record as bytes; return None when the ring is empty."""
    def pop_into(self, buffer: Buffer, /) -> bool:
        """Pop the oldest record into a writable buffer of slot_size bytes; False when empty."""
    def push_batch(self, records: Any) -> int:
        """Push as many records of a numpy array as fit; return how many were pushed."""
    def pop_batch(self, out: Any) -> int:
        """Pop up to len(out) records into a writable numpy array; return how many."""
    def push_wait(self, record: Buffer, timeout_s: float | None = None) -> None:
        """Push one record, waiting while the ring is full; raise RingFull after timeout_s."""
    def pop_wait(self, timeout_s: float | None = None) -> bytes:
        """Pop the oldest record, waiting while the ring is empty; raise RingEmpty after timeout_s."""

class SpscRing(_RingBase):
    """Hold a single-producer single-consumer ring of fixed-size records."""

class MpmcRing(_RingBase):
    """Hold a bounded multi-producer multi-consumer ring of fixed-size records (Vyukov)."""
