/* crc32c_check.c — CRC-32C (Castagnoli), slicing-by-8, from the crc32c sdist. */
#include <stdlib.h>

#include "corpus.h"

uint32_t _crc32c_sw_slicing_by_8(uint32_t crc, const unsigned char* data, unsigned long length);

/* The library reads this flag; in the sdist the Python extension sets it (the one line of glue). */
int is_big_endian;

enum { kSize = 50 * 1000 };

void corpus_check(void) {
  const uint16_t probe = 1;
  is_big_endian = *(const uint8_t*)&probe == 0;
  uint8_t* input = malloc(kSize);
  corpus_input(input, kSize, 3);
  REPORT("crc32c check value: %08x", (unsigned)(_crc32c_sw_slicing_by_8(0xFFFFFFFFu, (const unsigned char*)"123456789", 9) ^ 0xFFFFFFFFu));
  for (unsigned long length = 1; length <= kSize; length *= 7)
    REPORT("crc32c of %lu bytes: %08x", length,
           (unsigned)(_crc32c_sw_slicing_by_8(0xFFFFFFFFu, input + 1, length - 1) ^ 0xFFFFFFFFu));
  free(input);
}

CORPUS_MODULE(corpus_crc32c);
