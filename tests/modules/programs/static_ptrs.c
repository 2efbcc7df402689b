/* static_ptrs — initialised data that holds addresses: pointers to other
 * statics (into the middle of arrays), to string literals in .rodata.str,
 * a linked list in .data, and pointer arithmetic on all of them. Every pointer
 * is an R_X86_64_64 in a data section that the loader must patch. */
#include "programs.h"

#include <stddef.h>

struct node {
  const char* name;
  struct node* next;
  int32_t* value;
};

static int32_t values[8] = {3, 1, 4, 1, 5, 9, 2, 6};
static const char* const names[] = {"alpha", "beta", "gamma", "delta"};
static int32_t* const value_ptrs[] = {&values[3], values, values + 7, &values[5]};

/* A cycle: the list's last node points back to its first. */
static struct node nodes[4] = {
    {"zero", &nodes[1], &values[0]},
    {"one", &nodes[2], &values[2]},
    {"two", &nodes[3], &values[4]},
    {"three", &nodes[0], &values[6]},
};

/* Global: reached through the GOT with -fPIC. */
const char* prog_static_ptrs_motto = "per aspera ad astra";
int32_t* prog_static_ptrs_cursor = &values[2];

static uint64_t mix(uint64_t h, uint64_t v) { return (h ^ v) * 0x100000001B3u; }

uint64_t prog_static_ptrs(void) {
  uint64_t h = 0xCBF29CE484222325u;
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    for (const char* c = names[i]; *c != '\0'; c++) {
      h = mix(h, (uint8_t)*c);
    }
  }
  for (size_t i = 0; i < sizeof value_ptrs / sizeof value_ptrs[0]; i++) {
    h = mix(h, (uint64_t)(value_ptrs[i] - values)); /* where it points */
    h = mix(h, (uint64_t)*value_ptrs[i]);           /* what is there */
  }
  /* Walk the cycle twice, writing through the list and restoring. */
  const struct node* n = &nodes[1];
  for (int step = 0; step < 8; step++) {
    h = mix(h, (uint64_t)(n - nodes));
    h = mix(h, (uint8_t)n->name[0]);
    *n->value += step;
    h = mix(h, (uint64_t)*n->value);
    *n->value -= step;
    n = n->next;
  }
  const char* motto = prog_static_ptrs_motto;
  h = mix(h, (uint64_t)(motto + 4 - prog_static_ptrs_motto));
  h = mix(h, (uint8_t)motto[4]);
  int32_t* cursor = prog_static_ptrs_cursor;
  h = mix(h, (uint64_t)(cursor[3] + cursor[-1]));
  return h;
}
