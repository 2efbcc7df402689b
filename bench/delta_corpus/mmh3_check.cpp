// mmh3_check.cpp — MurmurHash3 (x86 32-bit, x86 128-bit, x64 128-bit) from the
// mmh3 sdist (C++ up to mmh3 3.x), called as an application would: the
// update benchmark's C++ third-party module (bench/delta_sizes.sh).
#include <stdlib.h>

#include "MurmurHash3.h"
#include "corpus.h"

enum { kSize = 20 * 1000 };

void corpus_check(void) {
  uint8_t* input = static_cast<uint8_t*>(malloc(kSize));
  corpus_input(input, kSize, 5);
  for (Py_ssize_t length = 1; length <= kSize; length *= 9) {
    uint32_t h32 = 0;
    uint32_t h128[4] = {0, 0, 0, 0};
    uint64_t h64[2] = {0, 0};
    MurmurHash3_x86_32(input, length, 42, &h32);
    MurmurHash3_x86_128(input, length, 42, h128);
    MurmurHash3_x64_128(input, length, 42, h64);
    REPORT("mmh3 of %ld bytes: %08x %08x%08x%08x%08x %016llx%016llx", static_cast<long>(length),
           static_cast<unsigned>(h32), static_cast<unsigned>(h128[0]), static_cast<unsigned>(h128[1]),
           static_cast<unsigned>(h128[2]), static_cast<unsigned>(h128[3]), static_cast<unsigned long long>(h64[0]),
           static_cast<unsigned long long>(h64[1]));
  }
  free(input);
}

CORPUS_MODULE(corpus_mmh3);
