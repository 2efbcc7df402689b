/* stateful.c — a job module with STATE_BYTES of state, for the update
 * unavailability benchmark: its hooks copy the whole state, as a module that
 * keeps everything it knows would. Two versions: the benchmark alternates. */
#include "dynsched.h"

#ifndef STATE_BYTES
#error "STATE_BYTES must be defined"
#endif
#ifndef STATEFUL_VERSION
#define STATEFUL_VERSION 1
#endif

struct state {
  uint32_t runs;
  uint8_t data[STATE_BYTES - 4];
};

static void run(void* s) {
  struct state* st = (struct state*)s;
  st->data[st->runs % sizeof st->data] ^= (uint8_t)st->runs;
  st->runs++;
}

static int32_t checkpoint(const void* state, void* out, uint32_t capacity) {
  if (capacity < sizeof(struct state)) return -1;
  memcpy(out, state, sizeof(struct state));
  return (int32_t)sizeof(struct state);
}

static int32_t restore(void* state, const void* in, uint32_t length, uint32_t from_schema) {
  (void)from_schema;
  if (length != sizeof(struct state)) return -1;
  memcpy(state, in, length);
  return 0;
}

DYN_MODULE(stateful, STATEFUL_VERSION, run, sizeof(struct state), checkpoint, restore);
