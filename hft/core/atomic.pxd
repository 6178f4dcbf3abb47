# Declarations of hft/core/include/hft_atomic.h: C11 atomics on 64-bit ints in any memory.
from libc.stdint cimport int64_t

cdef extern from "hft_atomic.h" nogil:
    int64_t hft_load_relaxed(int64_t *p)
    int64_t hft_load_acquire(int64_t *p)
    void hft_store_relaxed(int64_t *p, int64_t v)
    void hft_store_release(int64_t *p, int64_t v)
    int64_t hft_fetch_add(int64_t *p, int64_t v)
    int hft_cas_weak(int64_t *p, int64_t *expected, int64_t desired)
    int hft_cas_strong(int64_t *p, int64_t *expected, int64_t desired)
    void hft_fence_seq_cst()
    void hft_fence_acquire()
    void hft_fence_release()
    void hft_cpu_relax()
    int hft_atomic_is_lock_free()
