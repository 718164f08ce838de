/*
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) for Node.js, as an N-API addon.
 *
 * Every produced record batch has its CRC checked on the broker's append path, so this runs over
 * every byte a producer sends. On x86-64 with SSE4.2 the crc32 instruction does 8 bytes per
 * instruction but has a latency of 3 cycles, so one dependent chain reaches only a third of the
 * instruction's throughput. The buffer is therefore cut into three equal blocks whose CRCs are
 * computed in parallel chains, then joined: the CRC of A||B is the CRC of A "shifted" past
 * len(B) zero bytes, XORed with the CRC of B computed from a zero state. The shift is a linear map
 * over GF(2); for the two fixed block sizes used it is precomputed as four 256-entry tables, so a
 * join costs four look-ups (Mark Adler's technique).
 *
 * On CPUs with VPCLMULQDQ and AVX-512, inputs of FOLD_MIN_BYTES and more are first folded with
 * carry-less multiplication (crc32c_fold.c), about four times faster again; the three chains then
 * only finish the last few bytes. Without SSE4.2 (checked with cpuid at load) a slicing-by-8 table
 * version computes the same value.
 *
 * Exports: calculate(view) -> uint32 CRC of a Buffer/Uint8Array (honouring its offset and length),
 * calculateSse42(view) and calculateSoftware(view) -> the same by the slower paths (for tests),
 * hardware -> boolean (SSE4.2), accelerator -> "vpclmulqdq", "sse4.2" or "software".
 */
#include <node_api.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "crc32c_fold.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define CRC32C_X86 1
#include <cpuid.h>
#include <nmmintrin.h>
#endif

#define POLY 0x82f63b78u

/* ------------------------------------------------------------------ software (slicing-by-8) */

static uint32_t sw_table[8][256];

static void sw_init(void) {
  for (uint32_t n = 0; n < 256; n++) {
    uint32_t crc = n;
    for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (POLY & (0u - (crc & 1)));
    sw_table[0][n] = crc;
  }
  for (uint32_t n = 0; n < 256; n++) {
    uint32_t crc = sw_table[0][n];
    for (int k = 1; k < 8; k++) {
      crc = sw_table[0][crc & 0xff] ^ (crc >> 8);
      sw_table[k][n] = crc;
    }
  }
}

static uint32_t load_le32(const unsigned char *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint32_t crc32c_sw(uint32_t crc, const unsigned char *next, size_t len) {
  crc = ~crc;
  while (len >= 8) {
    uint32_t lo = load_le32(next) ^ crc;
    uint32_t hi = load_le32(next + 4);
    crc = sw_table[7][lo & 0xff] ^ sw_table[6][(lo >> 8) & 0xff] ^ sw_table[5][(lo >> 16) & 0xff] ^ sw_table[4][lo >> 24] ^
          sw_table[3][hi & 0xff] ^ sw_table[2][(hi >> 8) & 0xff] ^ sw_table[1][(hi >> 16) & 0xff] ^ sw_table[0][hi >> 24];
    next += 8;
    len -= 8;
  }
  while (len--) crc = sw_table[0][(crc ^ *next++) & 0xff] ^ (crc >> 8);
  return ~crc;
}

/* ------------------------------------------------------------------ hardware (SSE4.2, 3 streams) */

#ifdef CRC32C_X86

/*
 * Block sizes of the two interleaved loops: LONG for the bulk, SHORT for what is left after it.
 * Measured here (gcc 12, Xeon, shared machine): 4096/256 gives about 18-19 GB/s on 16 KiB and
 * 20 GB/s on 1 MiB; LONG of 1024, 2048 or 8192 was within noise on 16 KiB and no faster on 1 MiB.
 * (Overridable with -D for such measurements.)
 */
#ifndef LONG_BLOCK
#define LONG_BLOCK 4096
#endif
#ifndef SHORT_BLOCK
#define SHORT_BLOCK 256
#endif

/* Tables applying the shift past LONG_BLOCK / SHORT_BLOCK zero bytes to a CRC, one per CRC byte. */
static uint32_t shift_long[4][256];
static uint32_t shift_short[4][256];
static int have_sse42;
static int have_fold;

/* mat (32 columns, column k = image of bit k) applied to vec, over GF(2). */
static uint32_t gf2_times(const uint32_t *mat, uint32_t vec) {
  uint32_t sum = 0;
  while (vec) {
    if (vec & 1) sum ^= *mat;
    vec >>= 1;
    mat++;
  }
  return sum;
}

static void gf2_square(uint32_t *square, const uint32_t *mat) {
  for (int n = 0; n < 32; n++) square[n] = gf2_times(mat, mat[n]);
}

/* The operator that feeds `bytes` zero bytes (a power of two) through a CRC state. */
static void zeros_operator(uint32_t *out, size_t bytes) {
  uint32_t a[32], b[32];
  /* one zero bit: shift right, folding the polynomial in when the low bit falls out */
  a[0] = POLY;
  for (int n = 1; n < 32; n++) a[n] = 1u << (n - 1);
  gf2_square(b, a); /* 2 bits */
  gf2_square(a, b); /* 4 bits */
  gf2_square(b, a); /* 8 bits = 1 byte */
  uint32_t *cur = b, *other = a;
  for (size_t n = 1; n < bytes; n <<= 1) {
    gf2_square(other, cur);
    uint32_t *t = cur;
    cur = other;
    other = t;
  }
  memcpy(out, cur, sizeof(a));
}

static void shift_tables(uint32_t table[4][256], size_t bytes) {
  uint32_t op[32];
  zeros_operator(op, bytes);
  for (uint32_t n = 0; n < 256; n++) {
    table[0][n] = gf2_times(op, n);
    table[1][n] = gf2_times(op, n << 8);
    table[2][n] = gf2_times(op, n << 16);
    table[3][n] = gf2_times(op, n << 24);
  }
}

static inline uint32_t shift(const uint32_t table[4][256], uint32_t crc) {
  return table[0][crc & 0xff] ^ table[1][(crc >> 8) & 0xff] ^ table[2][(crc >> 16) & 0xff] ^ table[3][crc >> 24];
}

static inline uint64_t load64(const unsigned char *p) {
  uint64_t v;
  memcpy(&v, p, 8); /* unaligned-safe; compiles to one mov */
  return v;
}

/* Three chains over consecutive blocks of `block` bytes while 3 blocks remain, joined by `table`. */
#define INTERLEAVE(block, table)                                        \
  while (len >= 3 * (block)) {                                          \
    uint64_t c1 = 0, c2 = 0;                                            \
    const unsigned char *end = next + (block);                          \
    do {                                                                \
      c0 = _mm_crc32_u64(c0, load64(next));                             \
      c1 = _mm_crc32_u64(c1, load64(next + (block)));                   \
      c2 = _mm_crc32_u64(c2, load64(next + 2 * (block)));               \
      next += 8;                                                        \
    } while (next < end);                                               \
    c0 = shift(table, (uint32_t)c0) ^ (uint32_t)c1;                     \
    c0 = shift(table, (uint32_t)c0) ^ (uint32_t)c2;                     \
    next += 2 * (block);                                                \
    len -= 3 * (block);                                                 \
  }

__attribute__((target("sse4.2"))) static uint32_t crc32c_hw(uint32_t crc, const unsigned char *next, size_t len, int fold) {
  uint64_t c0 = ~crc;
  if (fold && len >= FOLD_MIN_BYTES) c0 = crc32c_fold(c0, &next, &len);
  /* Byte steps up to an 8-byte boundary, so the wide loads are aligned. */
  while (len > 0 && ((uintptr_t)next & 7) != 0) {
    c0 = _mm_crc32_u8((uint32_t)c0, *next++);
    len--;
  }
  INTERLEAVE(LONG_BLOCK, shift_long)
  INTERLEAVE(SHORT_BLOCK, shift_short)
  while (len >= 8) {
    c0 = _mm_crc32_u64(c0, load64(next));
    next += 8;
    len -= 8;
  }
  while (len > 0) {
    c0 = _mm_crc32_u8((uint32_t)c0, *next++);
    len--;
  }
  return ~(uint32_t)c0;
}

static void hw_init(void) {
  unsigned int eax, ebx, ecx, edx;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || (ecx & bit_SSE4_2) == 0) return;
  shift_tables(shift_long, LONG_BLOCK);
  shift_tables(shift_short, SHORT_BLOCK);
  have_sse42 = 1; /* only once the tables are ready */
  have_fold = crc32c_fold_init();
}

#endif /* CRC32C_X86 */

static uint32_t crc32c_auto(const unsigned char *data, size_t len) {
#ifdef CRC32C_X86
  if (have_sse42) return crc32c_hw(0, data, len, have_fold);
#endif
  return crc32c_sw(0, data, len);
}

/* The three-chain SSE4.2 path without folding (the software one without SSE4.2), for tests. */
static uint32_t crc32c_sse42_only(const unsigned char *data, size_t len) {
#ifdef CRC32C_X86
  if (have_sse42) return crc32c_hw(0, data, len, 0);
#endif
  return crc32c_sw(0, data, len);
}

/* ------------------------------------------------------------------ N-API glue */

/* The bytes of the first argument, which must be a Uint8Array (Buffer included). */
static int view_bytes(napi_env env, napi_callback_info info, const unsigned char **data, size_t *len) {
  size_t argc = 1;
  napi_value arg;
  if (napi_get_cb_info(env, info, &argc, &arg, NULL, NULL) != napi_ok) return 0;
  /* One call both checks the argument and reads it (this runs for every produced batch):
     napi_get_typedarray_info fails on anything that is not a typed array. */
  napi_typedarray_type type;
  void *ptr = NULL;
  if (argc < 1 || napi_get_typedarray_info(env, arg, &type, len, &ptr, NULL, NULL) != napi_ok || type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, "crc32c expects a Buffer or Uint8Array");
    return 0;
  }
  /* ptr already points at the view's first byte (offset applied); an empty view may have none. */
  *data = *len > 0 ? (const unsigned char *)ptr : (const unsigned char *)"";
  return 1;
}

static napi_value calculate(napi_env env, napi_callback_info info) {
  const unsigned char *data;
  size_t len;
  if (!view_bytes(env, info, &data, &len)) return NULL;
  napi_value out;
  napi_create_uint32(env, crc32c_auto(data, len), &out);
  return out;
}

static napi_value calculate_sse42(napi_env env, napi_callback_info info) {
  const unsigned char *data;
  size_t len;
  if (!view_bytes(env, info, &data, &len)) return NULL;
  napi_value out;
  napi_create_uint32(env, crc32c_sse42_only(data, len), &out);
  return out;
}

static napi_value calculate_software(napi_env env, napi_callback_info info) {
  const unsigned char *data;
  size_t len;
  if (!view_bytes(env, info, &data, &len)) return NULL;
  napi_value out;
  napi_create_uint32(env, crc32c_sw(0, data, len), &out);
  return out;
}

/*
 * The tables are process-wide and shared by every worker thread that loads the addon, so they are
 * filled once when the shared library is loaded (the dynamic loader serialises that), not in the
 * per-environment init below.
 */
static void tables_init(void) {
  sw_init();
#ifdef CRC32C_X86
  hw_init();
#endif
}

#if defined(__GNUC__) || defined(__clang__)
__attribute__((constructor)) static void on_load(void) { tables_init(); }
#define TABLES_READY() ((void)0)
#else
static int tables_ready;
#define TABLES_READY() (tables_ready ? (void)0 : (tables_init(), (void)(tables_ready = 1)))
#endif

static napi_value init(napi_env env, napi_value exports) {
  TABLES_READY();
  int hw = 0, fold = 0;
#ifdef CRC32C_X86
  hw = have_sse42;
  fold = have_sse42 && have_fold;
#endif
  const char *accel = fold ? "vpclmulqdq" : hw ? "sse4.2" : "software";
  napi_value fn_calculate, fn_sse42, fn_software, hardware, accelerator;
  if (napi_create_function(env, "calculate", NAPI_AUTO_LENGTH, calculate, NULL, &fn_calculate) != napi_ok ||
      napi_create_function(env, "calculateSse42", NAPI_AUTO_LENGTH, calculate_sse42, NULL, &fn_sse42) != napi_ok ||
      napi_create_function(env, "calculateSoftware", NAPI_AUTO_LENGTH, calculate_software, NULL, &fn_software) != napi_ok ||
      napi_get_boolean(env, hw != 0, &hardware) != napi_ok ||
      napi_create_string_utf8(env, accel, NAPI_AUTO_LENGTH, &accelerator) != napi_ok ||
      napi_set_named_property(env, exports, "calculateSse42", fn_sse42) != napi_ok ||
      napi_set_named_property(env, exports, "accelerator", accelerator) != napi_ok ||
      napi_set_named_property(env, exports, "calculate", fn_calculate) != napi_ok ||
      napi_set_named_property(env, exports, "calculateSoftware", fn_software) != napi_ok ||
      napi_set_named_property(env, exports, "hardware", hardware) != napi_ok) {
    return NULL;
  }
  return exports;
}

NAPI_MODULE_INIT() {
  return init(env, exports);
}
