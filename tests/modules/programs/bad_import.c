/* bad_import — an object the loader must refuse: it imports qsort, which the
 * kernel does not export (only the functions in dynsched.h are). The load
 * error should name the symbol. Not part of the linked reference programs. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

static int compare(const void* a, const void* b) {
  uint32_t x = *(const uint32_t*)a;
  uint32_t y = *(const uint32_t*)b;
  return (x > y) - (x < y);
}

uint64_t prog_bad_import(void) {
  uint32_t values[] = {5, 3, 9, 1};
  qsort(values, sizeof values / sizeof values[0], sizeof values[0], compare);
  return values[0];
}
