/* recursion — recursive functions (non-tail, so they stay recursive at -O2)
 * with function-local statics: a memo table in .bss and a counter in .data. */
#include "programs.h"

#include <stddef.h>

static uint64_t fib(unsigned n) {
  static uint64_t memo[94]; /* fib(93) is the largest that fits in 64 bits */
  if (n < 2) {
    return n;
  }
  if (memo[n] == 0) {
    memo[n] = fib(n - 1) + fib(n - 2);
  }
  return memo[n];
}

struct tree {
  uint32_t key;
  int left, right; /* indices into the pool; -1: none */
};

static int insert(struct tree* pool, int root, int node) {
  if (root < 0) {
    return node;
  }
  if (pool[node].key < pool[root].key) {
    pool[root].left = insert(pool, pool[root].left, node);
  } else {
    pool[root].right = insert(pool, pool[root].right, node);
  }
  return root;
}

static uint64_t walk(const struct tree* pool, int root, uint64_t h, unsigned depth) {
  static unsigned deepest = 1; /* initialised: .data, not .bss */
  if (depth == 1) {
    deepest = 1; /* each walk starts over, so every call returns the same */
  }
  if (root < 0) {
    return h;
  }
  if (depth > deepest) {
    deepest = depth;
  }
  h = walk(pool, pool[root].left, h, depth + 1);
  h = (h ^ pool[root].key) * 0x100000001B3u + deepest;
  return walk(pool, pool[root].right, h, depth + 1);
}

static unsigned ackermann(unsigned m, unsigned n) {
  if (m == 0) {
    return n + 1;
  }
  if (n == 0) {
    return ackermann(m - 1, 1);
  }
  return ackermann(m - 1, ackermann(m, n - 1));
}

uint64_t prog_recursion(void) {
  struct tree pool[200];
  uint32_t lcg = 99;
  int root = -1;
  for (int i = 0; i < 200; i++) {
    lcg = lcg * 1664525u + 1013904223u;
    pool[i].key = lcg >> 8;
    pool[i].left = pool[i].right = -1;
    root = insert(pool, root, i);
  }
  uint64_t h = walk(pool, root, 0xCBF29CE484222325u, 1);
  h = (h ^ fib(90)) * 0x100000001B3u;
  return (h ^ ackermann(2, 9)) * 0x100000001B3u;
}
