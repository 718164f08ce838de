/* CRC-32C folding with carry-less multiplication (VPCLMULQDQ over AVX-512); see crc32c_fold.c. */
#ifndef TRIBUTARY_CRC32C_FOLD_H
#define TRIBUTARY_CRC32C_FOLD_H
#include <stddef.h>
#include <stdint.h>

/* Bytes below which folding does not pay for its setup and final reduction. */
#define FOLD_MIN_BYTES 256

/* Whether the CPU (and OS) support the folding path; fills its constants. Call once at load. */
int crc32c_fold_init(void);

/*
 * Advances the raw CRC register `reg` (the crc32 instruction's state, i.e. ~crc) over the largest
 * multiple of 16 bytes of the input, at least FOLD_MIN_BYTES; moves *next and *len past them.
 */
uint64_t crc32c_fold(uint64_t reg, const unsigned char **next, size_t *len);

#endif
