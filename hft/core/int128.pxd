# Declarations of hft/core/include/hft_int128.h: overflow-checked 128-bit ints (gcc __int128).
from libc.stdint cimport int64_t

cdef extern from "hft_int128.h" nogil:
    # Cython sees a long long; C sees __int128 (Cython's int conversions size it at run time)
    ctypedef long long hft_i128
    bint hft_i128_mul(hft_i128 a, hft_i128 b, hft_i128 *out) noexcept
    bint hft_i128_add(hft_i128 a, hft_i128 b, hft_i128 *out) noexcept
    bint hft_i128_sub(hft_i128 a, hft_i128 b, hft_i128 *out) noexcept
    bint hft_i64_add "__builtin_add_overflow"(int64_t a, int64_t b, int64_t *out) noexcept
