/* caller.c — a job module for the module-call benchmark: each run makes
 * `calls` calls of the kind its state names into the kernel API. */
#include "dynsched.h"

struct state {
  uint32_t kind; /* 0 dyn_now, 1 dyn_malloc + dyn_free of 64 bytes, 2 memcpy of 64 bytes */
  uint32_t calls;
  uint64_t sink;
  uint8_t buffer[2][64];
};

static void run(void* s) {
  struct state* st = (struct state*)s;
  for (uint32_t i = 0; i < st->calls; i++) {
    if (st->kind == 0) {
      st->sink += (uint64_t)dyn_now();
    } else if (st->kind == 1) {
      void* block = dyn_malloc(64);
      st->sink += (uintptr_t)block;
      dyn_free(block);
    } else {
      memcpy(st->buffer[i & 1], st->buffer[(i + 1) & 1], 64);
      st->sink += st->buffer[0][i & 63];
    }
  }
}

DYN_MODULE(caller, 1, run, sizeof(struct state), 0, 0);
