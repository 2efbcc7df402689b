/* xxhash_check.c — xxHash (XXH32, XXH64, XXH3 64 and 128, one-shot and streaming) from the xxhash sdist. */
#include <stdlib.h>

#include "corpus.h"
#include "xxhash.h"

enum { kSize = 100 * 1000 };

void corpus_check(void) {
  uint8_t* input = malloc(kSize);
  corpus_input(input, kSize, 11);
  REPORT("xxh32: %08x", (unsigned)XXH32(input, kSize, 0));
  REPORT("xxh64: %016llx", (unsigned long long)XXH64(input, kSize, 2026));
  REPORT("xxh3-64: %016llx", (unsigned long long)XXH3_64bits(input, kSize));
  const XXH128_hash_t h = XXH3_128bits_withSeed(input, kSize, 42);
  REPORT("xxh3-128: %016llx%016llx", (unsigned long long)h.high64, (unsigned long long)h.low64);
  XXH3_state_t* state = XXH3_createState();
  XXH3_64bits_reset(state);
  for (size_t at = 0; at < kSize; at += 777) XXH3_64bits_update(state, input + at, at + 777 <= kSize ? 777 : kSize - at);
  REPORT("xxh3-64 streamed: %016llx", (unsigned long long)XXH3_64bits_digest(state));
  XXH3_freeState(state);
  free(input);
}

CORPUS_MODULE(corpus_xxhash);
