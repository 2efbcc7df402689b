/* leaky.c — a module that forgets to free: every run allocates, and it also
 * tries to free a pointer that is not its own. The task register must take
 * every block back when the task is uninstalled, and refuse the foreign free. */
#include "dynsched.h"

struct state {
  uint32_t runs;
  uint32_t foreign_free_attempts;
};

static void run(void* s) {
  struct state* st = (struct state*)s;
  char* block = (char*)dyn_malloc(100 + st->runs);
  if (block) memset(block, 0xAB, 100 + st->runs);
  static uint32_t not_a_heap_block;
  dyn_free(&not_a_heap_block); /* refused, logged, nothing freed */
  st->foreign_free_attempts++;
  st->runs++;
  dyn_busy(DYN_MS(1));
}

DYN_MODULE(leaky, 1, run, sizeof(struct state), 0, 0);
