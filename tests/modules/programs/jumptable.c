/* jumptable — a dense switch over 20 cases with distinct bodies, which GCC -O2
 * compiles to a jump table in .rodata: with -fno-pic absolute entries
 * (R_X86_64_64) indexed by an R_X86_64_32S address, with -fPIC 32-bit
 * offsets between .rodata and .text (R_X86_64_PC32 in .rodata). */
#include "programs.h"

/* noinline: with the caller's constants in view GCC could fold the switch away. */
__attribute__((noinline)) static uint64_t step(unsigned op, uint64_t acc) {
  switch (op) {
    case 0: return acc + 0x9E3779B97F4A7C15u;
    case 1: return acc ^ (acc >> 29);
    case 2: return acc * 0xBF58476D1CE4E5B9u;
    case 3: return (acc << 7) | (acc >> 57);
    case 4: return acc - 12345;
    case 5: return ~acc;
    case 6: return acc ^ 0x5555555555555555u;
    case 7: return acc + (acc << 3);
    case 8: return (acc >> 13) ^ (acc << 11);
    case 9: return acc * 31 + 7;
    case 10: return acc ^ (acc << 17);
    case 11: return acc + 0x0123456789ABCDEFu;
    case 12: return (acc & 0xFFFFFFFFu) * 3 + (acc >> 32);
    case 13: return acc - (acc >> 5);
    case 14: return acc ^ 0xDEADBEEFu;
    case 15: return (acc << 1) ^ (acc >> 63);
    case 16: return acc * 0x94D049BB133111EBu;
    case 17: return acc + 0x1000193;
    case 18: return acc ^ (acc >> 41);
    case 19: return (acc | 0x80) - 3;
    default: return acc;
  }
}

uint64_t prog_jumptable(void) {
  uint64_t acc = 1;
  uint32_t lcg = 12345;
  for (int i = 0; i < 2000; i++) {
    lcg = lcg * 1103515245u + 12345u;
    acc = step((lcg >> 16) % 21u, acc); /* 20 is the default case */
  }
  return acc;
}
