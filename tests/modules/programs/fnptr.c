/* fnptr — calls through a static table of function pointers (absolute
 * addresses in .data.rel.ro with -fPIC, .rodata with -fno-pic: R_X86_64_64),
 * and through a global, writable function pointer reached via the GOT with
 * -fPIC (R_X86_64_REX_GOTPCRELX). */
#include "programs.h"

typedef uint64_t (*prog_fnptr_op)(uint64_t);

static uint64_t op_add(uint64_t x) { return x + 0x9E3779B9u; }
static uint64_t op_xor(uint64_t x) { return x ^ (x >> 17); }
static uint64_t op_mul(uint64_t x) { return x * 0x2545F4914F6CDD1Du; }
static uint64_t op_rot(uint64_t x) { return (x << 23) | (x >> 41); }
static uint64_t op_neg(uint64_t x) { return 0 - x; }

static const prog_fnptr_op ops[] = {op_add, op_xor, op_mul, op_rot, op_neg};

/* Global and writable: the program swaps it and puts it back. */
prog_fnptr_op prog_fnptr_selected = op_mul;

uint64_t prog_fnptr(void) {
  uint64_t acc = 7;
  uint32_t lcg = 1;
  for (int i = 0; i < 1000; i++) {
    lcg = lcg * 1664525u + 1013904223u;
    acc = ops[(lcg >> 24) % (sizeof ops / sizeof ops[0])](acc);
    if ((lcg & 0x70) == 0) {
      acc = prog_fnptr_selected(acc);
    }
  }
  prog_fnptr_op saved = prog_fnptr_selected;
  prog_fnptr_selected = op_rot;
  acc = prog_fnptr_selected(acc);
  prog_fnptr_selected = saved;
  return acc;
}
