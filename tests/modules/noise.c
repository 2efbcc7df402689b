/* noise.c — a module whose version 2 adds 128 KiB of data no base predicts
 * (random bytes): a delta of it costs more than the module itself, and
 * `dynsched pack --base` must write the full package instead
 * (tests/e2e/package.sh). */
#include "dynsched.h"

#ifndef NOISE_VERSION
#define NOISE_VERSION 1
#endif

struct noise_state {
  uint32_t runs;
  uint32_t sum;
};

#if NOISE_VERSION >= 2
/* 128 KiB of random bytes (tests/modules/CMakeLists.txt writes them with a
 * fixed seed): initialised data, so they travel in the package. */
#include "noise_table.h"
#endif

static void noise_job(void* state) {
  struct noise_state* self = (struct noise_state*)state;
  self->runs++;
#if NOISE_VERSION >= 2
  self->sum += noise_table[self->runs % sizeof noise_table];
#endif
}

/* One state layout in both versions (schema 1): the update copies it. */
DYN_MODULE_SCHEMA(noise, NOISE_VERSION, noise_job, sizeof(struct noise_state), NULL, NULL, 1);
