/* heap_state.c — a job whose state points at a heap block, in two versions
 * of one state layout. Version 2 has no hooks: it takes version 1's state as
 * a plain copy, so from its first run in probation it works through a
 * pointer into version 1's heap (adopted only when the update commits).
 * Each run reads the block (directly: on the Cortex-M3 through the MPU),
 * writes its run count into it, and hands it to the kernel (dyn_log: the
 * kernel's pointer check). Version 3 does the same, then faults: it is
 * rolled back in probation and version 1 goes on with its block. */
#include "dynsched.h"

#ifndef HEAP_STATE_VERSION
#define HEAP_STATE_VERSION 1
#endif

#define HEAP_STATE_TEXT "kept across versions, run "

#if HEAP_STATE_VERSION == 3
static volatile uintptr_t heap_state_null = 8; /* a volatile address: the compiler cannot see the write is bad */
static void heap_state_crash(void) { *(volatile uint32_t*)heap_state_null = 0; }
#endif

struct heap_state {
  char* text; /* a dyn_malloc block, from version 1's first run on */
  uint32_t runs;
  uint32_t damaged; /* runs that found the block's text changed */
};

static void heap_state_run(void* s) {
  struct heap_state* st = (struct heap_state*)s;
  const size_t prefix = sizeof HEAP_STATE_TEXT - 1;
  if (!st->text) {
    st->text = (char*)dyn_malloc(64);
    if (!st->text) {
      dyn_log(3, "heap_state: no memory");
      return;
    }
    memcpy(st->text, HEAP_STATE_TEXT, prefix);
  }
  if (memcmp(st->text, HEAP_STATE_TEXT, prefix) != 0) st->damaged++;
  st->runs++;
  char* digits = st->text + prefix; /* the run count, written into the block */
  uint32_t n = st->runs;
  char reversed[12];
  int count = 0;
  do {
    reversed[count++] = (char)('0' + n % 10);
    n /= 10;
  } while (n);
  for (int i = 0; i < count; i++) digits[i] = reversed[count - 1 - i];
  digits[count] = '\0';
  dyn_log(1, st->text);
  dyn_logf(1, "heap_state v%d: %u runs, %u damaged", HEAP_STATE_VERSION, (unsigned)st->runs, (unsigned)st->damaged);
#if HEAP_STATE_VERSION == 3
  heap_state_crash(); /* version 3's bug: its first run faults, after using the block */
#endif
}

/* Schema 1 in both versions: the layout is the same, so version 2 takes version 1's state as it is. */
DYN_MODULE_SCHEMA(heap_state, HEAP_STATE_VERSION, heap_state_run, sizeof(struct heap_state), 0, 0, 1);
