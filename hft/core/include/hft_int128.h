/* 128-bit signed ints with overflow checks, for exact money sums (orders, positions).
 * Each function returns 1 when the result overflows 128 bits; *out is then meaningless. */
#ifndef HFT_INT128_H
#define HFT_INT128_H

typedef __int128 hft_i128;

static inline int hft_i128_mul(hft_i128 a, hft_i128 b, hft_i128 *out)
{ return __builtin_mul_overflow(a, b, out); }
static inline int hft_i128_add(hft_i128 a, hft_i128 b, hft_i128 *out)
{ return __builtin_add_overflow(a, b, out); }
static inline int hft_i128_sub(hft_i128 a, hft_i128 b, hft_i128 *out)
{ return __builtin_sub_overflow(a, b, out); }

#endif
