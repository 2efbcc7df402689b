/* visibility.c — what a module exports (explicit-exports tests).
 *
 * Every variant carries a private copy of the same "library" (checksum, and
 * a memcpy of its own, as bundled third-party code often does): the SDK
 * builds with -fvisibility=hidden, so these stay each module's own and two
 * modules holding them load side by side. Variant A exports one function,
 * marked DYN_EXPORT. Variant B (-DVISIBILITY_B) exports nothing. Variant DUP
 * (-DVISIBILITY_DUP) exports the same name as A: refused, naming A's task. */
#include <stddef.h>
#include <stdint.h>

#include "dynsched.h"

/* A bundled library: not static, yet not exported (hidden by the SDK's default). */
uint32_t checksum(const uint8_t* data, size_t length) {
  uint32_t sum = 0;
  for (size_t i = 0; i < length; i++) sum = sum * 31u + data[i];
  return sum;
}

void* memcpy(void* to, const void* from, size_t n) {
  uint8_t* t = (uint8_t*)to;
  const uint8_t* f = (const uint8_t*)from;
  while (n--) *t++ = *f++;
  return to;
}

struct state {
  uint32_t runs;
  uint32_t sum;
};

#if !defined(VISIBILITY_B)
DYN_EXPORT uint32_t visibility_answer(void) { return 42; }
#endif

static void run(void* s) {
  struct state* self = (struct state*)s;
  uint8_t bytes[8] = {1, 2, 3, 4, 5, 6, 7, 8}, copy[8];
  memcpy(copy, bytes, sizeof copy);
  self->sum = checksum(copy, sizeof copy);
  self->runs++;
}

#if defined(VISIBILITY_B)
DYN_MODULE(visibility_b, 1, run, sizeof(struct state), NULL, NULL);
#elif defined(VISIBILITY_DUP)
DYN_MODULE(visibility_dup, 1, run, sizeof(struct state), NULL, NULL);
#else
DYN_MODULE(visibility_a, 1, run, sizeof(struct state), NULL, NULL);
#endif
