/* counter_loop.c — a loop module for live-update tests: it counts cycles,
 * marks a consistent point in every cycle with dyn_checkpoint(), and sleeps.
 * Version 2 counts in steps of ten, so the test can tell which code runs. */
#include "dynsched.h"

#ifndef COUNTER_VERSION
#define COUNTER_VERSION 1
#endif

struct state {
  uint32_t count;
  uint32_t version_seen; /* the version that last ran */
};

static void run(void* s) {
  struct state* st = (struct state*)s;
  for (;;) {
    st->count += COUNTER_VERSION == 1 ? 1 : 10;
    st->version_seen = COUNTER_VERSION;
    dyn_busy(DYN_MS(1));
    dyn_checkpoint(); /* consistent: nothing in flight */
    dyn_sleep(DYN_MS(10));
  }
}

/* Versions 1 and 2 share one layout (schema 1); version 3 declares another
 * layout of the same size and has no restore hook: it cannot take their state. */
#ifndef COUNTER_SCHEMA
#define COUNTER_SCHEMA 1
#endif
/* COUNTER_NAME renames the module (the update test's explicit rename). */
#ifndef COUNTER_NAME
#define COUNTER_NAME counter
#endif
#define COUNTER_DESCRIPTOR(name) DYN_MODULE_SCHEMA(name, COUNTER_VERSION, run, sizeof(struct state), 0, 0, COUNTER_SCHEMA)
COUNTER_DESCRIPTOR(COUNTER_NAME);
