/*
 * CRC-32C by folding, for CPUs with VPCLMULQDQ and AVX-512 (Intel Ice Lake and later, AMD Zen 4).
 *
 * The crc32 instruction handles 8 bytes per cycle at best. Folding goes four times faster: the
 * CRC of a message only depends on the message polynomial modulo P, so a 128-bit piece L followed
 * by F bytes can be replaced by L * x^(8F) mod P added to the piece F bytes later. With L split
 * into its first and second 8 bytes (Lh, Ll: Lh * x^64 + Ll) that is two carry-less products by
 * constants below 2^32, and VPCLMULQDQ computes four such pairs per instruction. Sixteen 128-bit
 * accumulators (four 512-bit registers) move 256 bytes per step; at the end they are folded into
 * one 128-bit value congruent to everything read, whose CRC the crc32 instruction finishes.
 *
 * Bit order: CRC-32C is reflected, so the first bit of the message (bit 0 of byte 0) is the highest
 * power of x, and a little-endian load puts it in bit 0 of the register. A constant c of degree
 * < 32 is stored with the coefficient of x^d in bit 63 - d; the carry-less product of such
 * operands then lands one power of x short, which the constants absorb: Lh is multiplied by
 * x^(8F+63) mod P and Ll by x^(8F-1) mod P (the usual "minus one" in folding constants).
 * The initial CRC state is XORed into the first four bytes, which is what the crc32 instruction's
 * state means.
 */
#include "crc32c_fold.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define FOLD_TARGET __attribute__((target("avx512f,avx512vl,vpclmulqdq,pclmul,sse4.2")))

/* The CRC-32C polynomial in normal form, x^32 included. */
#define POLY_NORMAL 0x11edc6f41ull

static uint64_t k16_lo, k16_hi, k64_lo, k64_hi, k256_lo, k256_hi;

static uint32_t reflect32(uint32_t v) {
  uint32_t r = 0;
  for (int i = 0; i < 32; i++) {
    if ((v >> i) & 1) r |= 1u << (31 - i);
  }
  return r;
}

/* x^e mod P, in the reflected layout described above. */
static uint64_t fold_constant(unsigned e) {
  uint64_t v = 1;
  for (unsigned i = 0; i < e; i++) {
    v <<= 1;
    if (v >> 32) v ^= POLY_NORMAL;
  }
  return (uint64_t)reflect32((uint32_t)v) << 32;
}

int crc32c_fold_init(void) {
  __builtin_cpu_init();
  /* libgcc reports AVX-512 features only when the OS saves the 512-bit state (XCR0). */
  if (!__builtin_cpu_supports("vpclmulqdq") || !__builtin_cpu_supports("avx512f") ||
      !__builtin_cpu_supports("avx512vl") || !__builtin_cpu_supports("pclmul") || !__builtin_cpu_supports("sse4.2")) {
    return 0;
  }
  k16_lo = fold_constant(8 * 16 + 63);
  k16_hi = fold_constant(8 * 16 - 1);
  k64_lo = fold_constant(8 * 64 + 63);
  k64_hi = fold_constant(8 * 64 - 1);
  k256_lo = fold_constant(8 * 256 + 63);
  k256_hi = fold_constant(8 * 256 - 1);
  return 1;
}

/* Each 128-bit lane of x moved forward by the distance k encodes, added to d. */
FOLD_TARGET static inline __m512i fold512(__m512i x, __m512i k, __m512i d) {
  return _mm512_ternarylogic_epi64(_mm512_clmulepi64_epi128(x, k, 0x00), _mm512_clmulepi64_epi128(x, k, 0x11), d, 0x96);
}

FOLD_TARGET static inline __m128i fold128(__m128i x, __m128i k, __m128i d) {
  return _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00), _mm_clmulepi64_si128(x, k, 0x11)), d);
}

FOLD_TARGET static inline __m512i lanes(uint64_t lo, uint64_t hi) {
  return _mm512_set_epi64((long long)hi, (long long)lo, (long long)hi, (long long)lo, (long long)hi, (long long)lo, (long long)hi, (long long)lo);
}

FOLD_TARGET uint64_t crc32c_fold(uint64_t reg, const unsigned char **pnext, size_t *plen) {
  const unsigned char *next = *pnext;
  size_t len = *plen;
  if (len < FOLD_MIN_BYTES) return reg;
  __m512i x0 = _mm512_loadu_si512(next);
  __m512i x1 = _mm512_loadu_si512(next + 64);
  __m512i x2 = _mm512_loadu_si512(next + 128);
  __m512i x3 = _mm512_loadu_si512(next + 192);
  x0 = _mm512_xor_si512(x0, _mm512_inserti32x4(_mm512_setzero_si512(), _mm_cvtsi32_si128((int)(uint32_t)reg), 0));
  next += 256;
  len -= 256;
  const __m512i k256 = lanes(k256_lo, k256_hi);
  while (len >= 256) {
    x0 = fold512(x0, k256, _mm512_loadu_si512(next));
    x1 = fold512(x1, k256, _mm512_loadu_si512(next + 64));
    x2 = fold512(x2, k256, _mm512_loadu_si512(next + 128));
    x3 = fold512(x3, k256, _mm512_loadu_si512(next + 192));
    next += 256;
    len -= 256;
  }
  const __m512i k64 = lanes(k64_lo, k64_hi);
  x0 = fold512(x0, k64, x1);
  x0 = fold512(x0, k64, x2);
  x0 = fold512(x0, k64, x3);
  const __m128i k16 = _mm_set_epi64x((long long)k16_hi, (long long)k16_lo);
  __m128i r = _mm512_extracti32x4_epi32(x0, 0);
  r = fold128(r, k16, _mm512_extracti32x4_epi32(x0, 1));
  r = fold128(r, k16, _mm512_extracti32x4_epi32(x0, 2));
  r = fold128(r, k16, _mm512_extracti32x4_epi32(x0, 3));
  while (len >= 16) {
    r = fold128(r, k16, _mm_loadu_si128((const __m128i *)next));
    next += 16;
    len -= 16;
  }
  /* r is congruent to everything folded: its CRC from a zero state is the state after it. */
  uint64_t out = _mm_crc32_u64(0, (uint64_t)_mm_cvtsi128_si64(r));
  out = _mm_crc32_u64(out, (uint64_t)_mm_extract_epi64(r, 1));
  *pnext = next;
  *plen = len;
  return out;
}

#else

int crc32c_fold_init(void) {
  return 0;
}

uint64_t crc32c_fold(uint64_t reg, const unsigned char **next, size_t *len) {
  (void)next;
  (void)len;
  return reg;
}

#endif
