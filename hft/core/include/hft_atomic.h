/* C11 atomics for Cython: the few operations the rings and counters need.
 * The casts assume _Atomic int64_t is laid out like int64_t, true for gcc/clang on
 * every 64-bit target we build for; hft_atomic_is_lock_free() lets a test confirm it. */
#pragma once
#include <stdatomic.h>
#include <stdint.h>

static inline int64_t hft_load_relaxed(int64_t *p)
{ return atomic_load_explicit((_Atomic int64_t *)p, memory_order_relaxed); }

static inline int64_t hft_load_acquire(int64_t *p)
{ return atomic_load_explicit((_Atomic int64_t *)p, memory_order_acquire); }

static inline void hft_store_relaxed(int64_t *p, int64_t v)
{ atomic_store_explicit((_Atomic int64_t *)p, v, memory_order_relaxed); }

static inline void hft_store_release(int64_t *p, int64_t v)
{ atomic_store_explicit((_Atomic int64_t *)p, v, memory_order_release); }

/* Return the value before the add. */
static inline int64_t hft_fetch_add(int64_t *p, int64_t v)
{ return atomic_fetch_add_explicit((_Atomic int64_t *)p, v, memory_order_acq_rel); }

/* Weak CAS: may fail spuriously, so call it in a loop. On failure *expected holds the
 * current value. Returns 1 on success. */
static inline int hft_cas_weak(int64_t *p, int64_t *expected, int64_t desired)
{
    return atomic_compare_exchange_weak_explicit((_Atomic int64_t *)p, expected, desired,
                                                 memory_order_acq_rel, memory_order_acquire);
}

static inline int hft_cas_strong(int64_t *p, int64_t *expected, int64_t desired)
{
    return atomic_compare_exchange_strong_explicit((_Atomic int64_t *)p, expected, desired,
                                                   memory_order_acq_rel, memory_order_acquire);
}

static inline void hft_fence_seq_cst(void) { atomic_thread_fence(memory_order_seq_cst); }

/* Fences for seqlocks (Boehm, "Can seqlocks get along with programming language memory
 * models?", 2012): the writer's release fence keeps the odd sequence store ahead of the
 * payload stores; the reader's acquire fence keeps the payload loads ahead of the second
 * sequence load. On x86 both are compiler barriers only. */
static inline void hft_fence_acquire(void) { atomic_thread_fence(memory_order_acquire); }
static inline void hft_fence_release(void) { atomic_thread_fence(memory_order_release); }

/* A spin-wait hint: tells the core we are busy-waiting (x86 PAUSE, arm YIELD). */
static inline void hft_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

static inline int hft_atomic_is_lock_free(void)
{ int64_t x = 0; return atomic_is_lock_free((_Atomic int64_t *)&x); }
