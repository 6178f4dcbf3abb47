/* SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104) for signing small frames without Python.
 * Portable C; on x86-64 CPUs with the SHA extensions the block function uses them (checked once
 * with cpuid). HMAC keeps the two keyed midstates so a signature costs the message's blocks plus
 * one outer block. hft_sha256_blocks/finish work on a state that has already absorbed
 * `prefix_bytes` (a multiple of 64), so the midstates continue where the key block left them. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    uint32_t inner[8];   /* state after the (key ^ ipad) block */
    uint32_t outer[8];   /* state after the (key ^ opad) block */
} hft_hmac_sha256_key;

static const uint32_t hft_sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static const uint32_t hft_sha256_iv[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

#define HFT_ROTR32(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static inline uint32_t hft_load_be32(const uint8_t *p)
{ return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3]; }

static inline void hft_store_be32(uint8_t *p, uint32_t v)
{ p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v; }

static void hft_sha256_blocks_portable(uint32_t h[8], const uint8_t *p, size_t nblocks)
{
    uint32_t w[64];
    for (; nblocks; nblocks--, p += 64) {
        for (int i = 0; i < 16; i++) w[i] = hft_load_be32(p + 4 * i);
        for (int i = 16; i < 64; i++) {
            uint32_t s0 = HFT_ROTR32(w[i - 15], 7) ^ HFT_ROTR32(w[i - 15], 18) ^ (w[i - 15] >> 3);
            uint32_t s1 = HFT_ROTR32(w[i - 2], 17) ^ HFT_ROTR32(w[i - 2], 19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
        for (int i = 0; i < 64; i++) {
            uint32_t t1 = k + (HFT_ROTR32(e, 6) ^ HFT_ROTR32(e, 11) ^ HFT_ROTR32(e, 25))
                          + ((e & f) ^ (~e & g)) + hft_sha256_k[i] + w[i];
            uint32_t t2 = (HFT_ROTR32(a, 2) ^ HFT_ROTR32(a, 13) ^ HFT_ROTR32(a, 22))
                          + ((a & b) ^ (a & c) ^ (b & c));
            k = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
        }
        h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += k;
    }
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>

/* The SHA-NI block function: the usual two-rounds-per-sha256rnds2 schedule (state kept as
 * ABEF/CDGH, message words byte-swapped with pshufb). */
__attribute__((target("sha,sse4.1")))
static void hft_sha256_blocks_shani(uint32_t h[8], const uint8_t *p, size_t nblocks)
{
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i tmp = _mm_loadu_si128((const __m128i *)&h[0]);       /* DCBA */
    __m128i s1 = _mm_loadu_si128((const __m128i *)&h[4]);        /* HGFE */
    tmp = _mm_shuffle_epi32(tmp, 0xB1);                          /* CDAB */
    s1 = _mm_shuffle_epi32(s1, 0x1B);                            /* EFGH */
    __m128i s0 = _mm_alignr_epi8(tmp, s1, 8);                    /* ABEF */
    s1 = _mm_blend_epi16(s1, tmp, 0xF0);                         /* CDGH */
    for (; nblocks; nblocks--, p += 64) {
        __m128i a0 = s0, c0 = s1, msg, m[4];
        for (int i = 0; i < 4; i++)
            m[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * i)), bswap);
        for (int r = 0; r < 16; r++) {
            __m128i mr = m[r & 3];
            msg = _mm_add_epi32(mr, _mm_loadu_si128((const __m128i *)&hft_sha256_k[4 * r]));
            s1 = _mm_sha256rnds2_epu32(s1, s0, msg);
            msg = _mm_shuffle_epi32(msg, 0x0E);
            s0 = _mm_sha256rnds2_epu32(s0, s1, msg);
            if (r < 12) {
                /* next schedule words: W[16+4r..] from the four preceding groups */
                __m128i t = _mm_sha256msg1_epu32(m[r & 3], m[(r + 1) & 3]);
                t = _mm_add_epi32(t, _mm_alignr_epi8(m[(r + 3) & 3], m[(r + 2) & 3], 4));
                m[r & 3] = _mm_sha256msg2_epu32(t, m[(r + 3) & 3]);
            }
        }
        s0 = _mm_add_epi32(s0, a0);
        s1 = _mm_add_epi32(s1, c0);
    }
    tmp = _mm_shuffle_epi32(s0, 0x1B);                           /* FEBA */
    s1 = _mm_shuffle_epi32(s1, 0xB1);                            /* DCHG */
    s0 = _mm_blend_epi16(tmp, s1, 0xF0);                         /* DCBA */
    s1 = _mm_alignr_epi8(s1, tmp, 8);                            /* HGFE */
    _mm_storeu_si128((__m128i *)&h[0], s0);
    _mm_storeu_si128((__m128i *)&h[4], s1);
}

static inline int hft_cpu_has_sha(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    int sha = (b >> 29) & 1;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    return sha && ((c >> 19) & 1) && ((c >> 9) & 1);   /* SHA, SSE4.1, SSSE3 */
}
#endif

/* use_shani: the result of hft_sha256_accelerated() (the caller checks the CPU once) */
static inline void hft_sha256_blocks(uint32_t h[8], const uint8_t *p, size_t nblocks,
                                     int use_shani)
{
#if defined(__x86_64__) && defined(__GNUC__)
    if (use_shani) { hft_sha256_blocks_shani(h, p, nblocks); return; }
#endif
    (void)use_shani;
    hft_sha256_blocks_portable(h, p, nblocks);
}

static inline int hft_sha256_accelerated(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    return hft_cpu_has_sha();
#else
    return 0;
#endif
}

/* Absorb msg[0:n] into h (which has absorbed prefix_bytes already), pad, write the digest. */
static inline void hft_sha256_finish(uint32_t h[8], const uint8_t *msg, size_t n,
                                     uint64_t prefix_bytes, uint8_t out[32], int use_shani)
{
    uint8_t tail[128];
    size_t full = n / 64, rest = n % 64, tail_len = rest + 9 <= 64 ? 64 : 128;
    uint64_t bits = (prefix_bytes + n) * 8;
    hft_sha256_blocks(h, msg, full, use_shani);
    memset(tail, 0, sizeof tail);
    memcpy(tail, msg + 64 * full, rest);
    tail[rest] = 0x80;
    for (int i = 0; i < 8; i++) tail[tail_len - 1 - i] = (uint8_t)(bits >> (8 * i));
    hft_sha256_blocks(h, tail, tail_len / 64, use_shani);
    for (int i = 0; i < 8; i++) hft_store_be32(out + 4 * i, h[i]);
}

/* Key the two midstates; a key longer than a block is hashed first (RFC 2104). */
static inline void hft_hmac_sha256_init(hft_hmac_sha256_key *k, const uint8_t *key, size_t n,
                                        int use_shani)
{
    uint8_t block[64], ipad[64], opad[64];
    uint32_t h[8];
    memset(block, 0, sizeof block);
    if (n > 64) {
        memcpy(h, hft_sha256_iv, sizeof h);
        hft_sha256_finish(h, key, n, 0, block, use_shani);
    } else {
        memcpy(block, key, n);
    }
    for (int i = 0; i < 64; i++) { ipad[i] = block[i] ^ 0x36; opad[i] = block[i] ^ 0x5c; }
    memcpy(k->inner, hft_sha256_iv, sizeof k->inner);
    hft_sha256_blocks(k->inner, ipad, 1, use_shani);
    memcpy(k->outer, hft_sha256_iv, sizeof k->outer);
    hft_sha256_blocks(k->outer, opad, 1, use_shani);
    memset(block, 0, sizeof block);
    memset(ipad, 0, sizeof ipad);
    memset(opad, 0, sizeof opad);
}

static inline void hft_hmac_sha256(const hft_hmac_sha256_key *k, const uint8_t *msg, size_t n,
                                   uint8_t out[32], int use_shani)
{
    uint32_t h[8];
    uint8_t inner[32];
    memcpy(h, k->inner, sizeof h);
    hft_sha256_finish(h, msg, n, 64, inner, use_shani);
    memcpy(h, k->outer, sizeof h);
    hft_sha256_finish(h, inner, 32, 64, out, use_shani);
}
