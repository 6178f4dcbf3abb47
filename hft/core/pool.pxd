# Object pools and a C free list of fixed-size blocks; usage in docs/stats.md#pools.
#
# FreeList is the nogil form: one allocation at init, then pool_acquire / pool_release are a
# stack pop / push of block indices. A per-block state byte lets pool_release refuse a foreign
# pointer, a pointer into the middle of a block, and a second release of the same block.
# Not thread-safe: one FreeList belongs to one thread (give each thread its own).
cimport cython
from libc.stdint cimport uint8_t, uintptr_t
from libc.stdlib cimport malloc, free

cdef enum:
    BLOCK_ALIGN = 16           # every block starts on a 16-byte boundary

cpdef enum PoolStatus:
    POOL_OK = 0
    POOL_FOREIGN = 1           # the pointer is not inside this pool's memory
    POOL_MISALIGNED = 2        # inside, but not at the start of a block
    POOL_NOT_IN_USE = 3        # the block is already free: a double release


ctypedef struct FreeList:
    char *memory               # capacity * stride bytes, allocated once
    Py_ssize_t *free_stack     # indices of free blocks; the top is free_stack[free_top - 1]
    uint8_t *in_use            # 1 while a block is out of the pool
    Py_ssize_t block_size      # bytes the caller asked for
    Py_ssize_t stride          # block_size rounded up to BLOCK_ALIGN
    Py_ssize_t capacity
    Py_ssize_t free_top        # number of free blocks


cdef inline int pool_init(FreeList *pool, Py_ssize_t block_size, Py_ssize_t capacity) noexcept nogil:
    """Allocate capacity blocks of block_size bytes (both >= 1); return -1 when out of memory."""
    cdef Py_ssize_t i
    pool.block_size = block_size
    pool.stride = (block_size + BLOCK_ALIGN - 1) & ~(<Py_ssize_t>BLOCK_ALIGN - 1)  # power of two
    pool.capacity = capacity
    pool.free_top = 0
    # malloc returns memory aligned for any type (16 bytes on x86-64 glibc): blocks stay aligned
    pool.memory = <char *>malloc(<size_t>(pool.stride * capacity))
    pool.free_stack = <Py_ssize_t *>malloc(<size_t>capacity * sizeof(Py_ssize_t))
    pool.in_use = <uint8_t *>malloc(<size_t>capacity)
    if pool.memory == NULL or pool.free_stack == NULL or pool.in_use == NULL:
        pool_free(pool)
        return -1
    for i in range(capacity):
        # lowest index on top, so a fresh pool hands out blocks in address order
        pool.free_stack[i] = capacity - 1 - i
        pool.in_use[i] = 0
    pool.free_top = capacity
    return 0


cdef inline void pool_free(FreeList *pool) noexcept nogil:
    free(pool.memory)
    free(pool.free_stack)
    free(pool.in_use)
    pool.memory = NULL
    pool.free_stack = NULL
    pool.in_use = NULL
    pool.free_top = 0


cdef inline void *pool_acquire(FreeList *pool) noexcept nogil:
    """Take a free block; NULL when every block is out. Its bytes are what the last user left."""
    cdef Py_ssize_t idx
    if pool.free_top == 0:
        return NULL
    pool.free_top -= 1
    idx = pool.free_stack[pool.free_top]  # LIFO: the most recently released block is cache-warm
    pool.in_use[idx] = 1
    return pool.memory + idx * pool.stride


@cython.cdivision(True)  # stride >= BLOCK_ALIGN > 0
cdef inline int pool_release(FreeList *pool, void *block) noexcept nogil:
    """Give a block back; return POOL_OK or the PoolStatus saying why it was refused."""
    cdef uintptr_t start = <uintptr_t>pool.memory
    cdef uintptr_t p = <uintptr_t>block
    if pool.memory == NULL or p < start or p >= start + <uintptr_t>(pool.stride * pool.capacity):
        return POOL_FOREIGN
    cdef uintptr_t offset = p - start
    if offset % <uintptr_t>pool.stride != 0:
        return POOL_MISALIGNED
    cdef Py_ssize_t idx = <Py_ssize_t>(offset // <uintptr_t>pool.stride)
    if not pool.in_use[idx]:
        return POOL_NOT_IN_USE
    pool.in_use[idx] = 0
    pool.free_stack[pool.free_top] = idx  # cannot overflow: only in-use blocks come back
    pool.free_top += 1
    return POOL_OK


cdef inline Py_ssize_t pool_available(const FreeList *pool) noexcept nogil:
    return pool.free_top


cdef class BlockPool:
    cdef FreeList blocks


cdef class ObjectPool:
    cdef object factory
    cdef object reset_fn
    cdef object item_type        # type of the first object the factory made; None until then
    cdef void **items            # owned references (PyObject *), items[0 .. size) are free
    cdef readonly Py_ssize_t capacity
    cdef readonly Py_ssize_t size
    cdef readonly long long hits
    cdef readonly long long misses
    cdef readonly long long discarded

    cdef object _make(self)
    cpdef object acquire(self)
    cpdef void release(self, object obj) except *
