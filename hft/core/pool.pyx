"""Reuse objects and fixed-size memory blocks instead of allocating on the hot path.

``ObjectPool`` keeps up to `capacity` Python objects in a fixed C array; ``BlockPool`` is the
Python face of the nogil ``FreeList`` (``pool_acquire`` / ``pool_release`` in pool.pxd).
"""

cimport cython
from cpython.mem cimport PyMem_Malloc, PyMem_Free
from cpython.ref cimport PyObject, Py_INCREF, Py_DECREF

# cpdef enums declared in a .pxd surface only as a class; export the members by name too
globals().update(PoolStatus.__members__)

# PoolStatus code -> why pool_release refused the block
POOL_ERRORS = {
    POOL_FOREIGN: "is not a block of this pool",
    POOL_MISALIGNED: "points inside a block, not at its start",
    POOL_NOT_IN_USE: "is already free (double release)",
}


@cython.final
cdef class BlockPool:
    """Hand out fixed-size memory blocks from one allocation made at construction.

    From Cython use the nogil C form on `.blocks`: ``pool_acquire(&bp.blocks)`` returns a
    ``void *`` or NULL when exhausted, ``pool_release(&bp.blocks, p)`` returns a PoolStatus.
    From Python, blocks are integer addresses. Blocks are 16-byte aligned and not zeroed.
    Not thread-safe: use one pool per thread.

    Raises:
        ValueError: block_size or capacity < 1.
        MemoryError: the blocks cannot be allocated.
    """

    def __cinit__(self, Py_ssize_t block_size, Py_ssize_t capacity):
        self.blocks.memory = NULL
        self.blocks.free_stack = NULL
        self.blocks.in_use = NULL
        if block_size < 1:
            raise ValueError(f"block_size must be >= 1, got {block_size}")
        if capacity < 1:
            raise ValueError(f"capacity must be >= 1, got {capacity}")
        if pool_init(&self.blocks, block_size, capacity) != 0:
            raise MemoryError(f"BlockPool: cannot allocate {capacity} blocks of {block_size} bytes")

    def __dealloc__(self):
        pool_free(&self.blocks)

    def acquire(self) -> int | None:
        """Take a free block and return its address; None when every block is out."""
        cdef void *p = pool_acquire(&self.blocks)
        if p == NULL:
            return None
        return <size_t>p

    def release(self, size_t address) -> None:
        """Give the block at address back.

        Raises:
            ValueError: the address is not the start of a block of this pool, or the block is
                already free.
        """
        cdef int status = pool_release(&self.blocks, <void *>address)
        if status != POOL_OK:
            raise ValueError(f"release: address {address:#x} {POOL_ERRORS[status]}")

    def owns(self, size_t address) -> bool:
        """Return whether address is the start of one of this pool's blocks."""
        cdef size_t start = <size_t>self.blocks.memory
        cdef size_t end = start + <size_t>(self.blocks.stride * self.blocks.capacity)
        return start <= address < end and (address - start) % <size_t>self.blocks.stride == 0

    @property
    def block_size(self) -> int:
        """Bytes per block as asked for."""
        return self.blocks.block_size

    @property
    def stride(self) -> int:
        """Distance between consecutive blocks (block_size rounded up to 16)."""
        return self.blocks.stride

    @property
    def capacity(self) -> int:
        """Number of blocks."""
        return self.blocks.capacity

    @property
    def available(self) -> int:
        """Number of free blocks."""
        return pool_available(&self.blocks)

    @property
    def in_use(self) -> int:
        """Number of blocks handed out and not yet released."""
        return self.blocks.capacity - pool_available(&self.blocks)

    def __repr__(self) -> str:
        return (f"BlockPool(block_size={self.block_size}, capacity={self.capacity}, "
                f"available={self.available})")


@cython.final
cdef class ObjectPool:
    """Keep up to `capacity` reusable objects made by `factory`.

    acquire() returns a pooled object (a hit) or a new one from factory() (a miss). release(obj)
    calls reset(obj) when given and puts obj back, or drops it when the pool is full (counted in
    `discarded`). The pool remembers the type of the first object factory() made and refuses
    others; releasing an object that is already in the pool is refused too.
    The free objects sit in a fixed C array of owned references: no list grows or shrinks.

    Raises:
        TypeError: factory or reset is not callable.
        ValueError: capacity < 1.
    """

    def __cinit__(self, factory, Py_ssize_t capacity, reset=None):
        self.items = NULL
        if not callable(factory):
            raise TypeError(f"factory must be callable, got {type(factory).__name__}")
        if reset is not None and not callable(reset):
            raise TypeError(f"reset must be callable or None, got {type(reset).__name__}")
        if capacity < 1:
            raise ValueError(f"capacity must be >= 1, got {capacity}")
        self.items = <void **>PyMem_Malloc(<size_t>capacity * sizeof(void *))
        if self.items == NULL:
            raise MemoryError(f"ObjectPool: cannot allocate {capacity} slots")
        self.factory = factory
        self.reset_fn = reset
        self.item_type = None
        self.capacity = capacity
        self.size = 0
        self.hits = 0
        self.misses = 0
        self.discarded = 0

    def __dealloc__(self):
        cdef Py_ssize_t i
        if self.items != NULL:
            for i in range(self.size):
                Py_DECREF(<object>self.items[i])
            PyMem_Free(self.items)

    cdef object _make(self):
        obj = self.factory()
        if self.item_type is None:
            self.item_type = type(obj)
        return obj

    cpdef object acquire(self):
        """Return a pooled object, or a new one from factory() when the pool is empty."""
        cdef PyObject *p
        if self.size > 0:
            self.size -= 1
            p = <PyObject *>self.items[self.size]
            self.hits += 1
            obj = <object>p  # takes a new reference ...
            Py_DECREF(obj)   # ... so drop the one the array owned
            return obj
        self.misses += 1
        return self._make()

    cpdef void release(self, object obj) except *:
        """Put obj back for reuse (after reset(obj)); drop it when the pool is full.

        Raises:
            TypeError: obj is not of the type the factory makes.
            ValueError: obj is already in the pool.
        """
        cdef Py_ssize_t i
        cdef void *p = <void *><PyObject *>obj
        if self.item_type is not None and type(obj) is not self.item_type:
            raise TypeError(f"release: expected a {self.item_type.__name__} from this pool's "
                            f"factory, got {type(obj).__name__}")
        for i in range(self.size):  # bounded by capacity; pointer compares only
            if self.items[i] == p:
                raise ValueError("release: object is already in the pool (double release)")
        if self.size == self.capacity:
            self.discarded += 1
            return
        if self.reset_fn is not None:
            self.reset_fn(obj)  # before it is stored: a failing reset leaves the pool unchanged
        Py_INCREF(obj)
        self.items[self.size] = p
        self.size += 1

    def prefill(self, count: int | None = None) -> int:
        """Fill the pool with new objects from factory (up to count, default capacity).

        Returns how many were made; they count as neither hits nor misses.
        """
        cdef Py_ssize_t want = self.capacity if count is None else min(<Py_ssize_t>count,
                                                                         self.capacity)
        cdef Py_ssize_t made = 0
        while self.size < want:
            obj = self._make()
            Py_INCREF(obj)
            self.items[self.size] = <void *><PyObject *>obj
            self.size += 1
            made += 1
        return made

    def clear(self) -> None:
        """Drop every pooled object (counters are kept)."""
        cdef void *p
        while self.size > 0:
            # pop before the DECREF: a __del__ it runs may re-enter release()
            self.size -= 1
            p = self.items[self.size]
            Py_DECREF(<object>p)

    def __len__(self) -> int:
        return self.size

    def __repr__(self) -> str:
        return (f"ObjectPool(size={self.size}, capacity={self.capacity}, hits={self.hits}, "
                f"misses={self.misses}, discarded={self.discarded})")
