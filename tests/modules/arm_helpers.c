/* arm_helpers.c — a Cortex-M3 module whose code needs the compiler's helper
 * routines (64-bit division, double and float arithmetic): the kernel
 * exports them, so `dynsched inspect` accepts it (docs/modules.md). */
#include <ctype.h>
#include <stdint.h>

#include "dynsched.h"

struct state {
  uint64_t total;
  double mean;
  float gain;
};

static void run(void* s) {
  struct state* self = (struct state*)s;
  self->total += 1234567890123ull;
  const uint64_t seconds = self->total / (uint64_t)(dyn_now() | 1);
  self->mean = self->mean * 0.9 + (double)seconds / 10.0;
  self->gain = self->gain * 1.5f + 0.25f;
  if (isdigit((unsigned char)('0' + self->total % 10))) self->total++; /* newlib's ctype: _ctype_ */
}

DYN_MODULE(arm_helpers, 1, run, sizeof(struct state), NULL, NULL);
