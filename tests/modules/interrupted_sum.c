/* interrupted_sum.c — a job that computes in its own code for a long time
 * without calling the kernel, then logs the result: interrupts and ticks
 * that land in the middle must leave the computation exact (the Cortex-M3's
 * module_interrupt_mps2_an385 compares it with the same loop run alone). */
#include "dynsched.h"

enum { STEPS = 3000000 };

/* The loop the kernel side repeats to check (an LCG: each step needs the last). */
static uint32_t interrupted_sum_steps(uint32_t x, uint32_t steps) {
  for (uint32_t i = 0; i < steps; i++) x = x * 1664525u + 1013904223u + (x >> 7);
  return x;
}

static void interrupted_sum_job(void* state) {
  (void)state;
  const uint32_t x = interrupted_sum_steps(1, STEPS);
  dyn_logf(1, "sum %08x", (unsigned)x); /* formatted in the module's own domain */
}

DYN_MODULE(interrupted_sum, 1, interrupted_sum_job, 0, NULL, NULL);
