/* hostile.c — modules that misbehave, for the fault-containment tests.
 *
 * Each is built with -DHOSTILE_<MODE> into hostile_<mode>.o. They pose as
 * version 9 of the beacon module (same name, same checkpoint format as
 * beacon v2-v4: sequence u32 | updates survived u32 | frame[20]) so that a
 * live update from the real beacon to them reaches the point where each one
 * fails. Outside the failure they do what the beacon does to its state. The
 * `volatile` reads stop the compiler from proving the faults away. */
#include "dynsched.h"

enum { FRAME = 20 };

#ifndef HOSTILE_VERSION
#define HOSTILE_VERSION 9
#endif

struct hostile_state {
  uint32_t sequence;
  uint32_t updates_survived;
  uint32_t runs;
  uint8_t frame[FRAME];
#if defined(HOSTILE_BIG_STATE)
  uint8_t bulk[4u << 20]; /* 4 MiB: sealing its checkpoint takes a while */
#endif
};

static volatile uintptr_t hostile_null = 0;
static volatile int hostile_zero = 0;

__attribute__((unused)) static void hostile_spin(void) {
  for (volatile uint32_t spin = 0;; spin = spin + 1) {
  }
}

__attribute__((unused)) static void hostile_write_null(void) { *(volatile uint32_t*)hostile_null = 0xDEAD; }

static int32_t hostile_checkpoint(const void* state, void* out, uint32_t capacity) {
  const struct hostile_state* self = (const struct hostile_state*)state;
  if (capacity < 8 + FRAME) return -1;
#if defined(HOSTILE_CHECKPOINT_OVERSIZED)
  return (int32_t)capacity + 1; /* claims more than it was given */
#elif defined(HOSTILE_CHECKPOINT_OVERRUNS) /* Cortex-M3 only: on the host nothing would stop the write */
  memset((uint8_t*)out + capacity, 0xEE, 64); /* past the buffer it was lent */
#elif defined(HOSTILE_CHECKPOINT_SPINS)
  hostile_spin();
#elif defined(HOSTILE_CHECKPOINT_SLOW)
  dyn_busy(DYN_MS(20)); /* a slow hook, well inside its budget: other tasks run meanwhile */
#elif defined(HOSTILE_BIG_STATE)
  memcpy(out, state, capacity < sizeof *self ? capacity : sizeof *self);
  return (int32_t)(capacity < sizeof *self ? capacity : sizeof *self);
#endif
  memcpy(out, &self->sequence, 4);
  memcpy((uint8_t*)out + 4, &self->updates_survived, 4);
  memcpy((uint8_t*)out + 8, self->frame, FRAME);
  return 8 + FRAME;
}

__attribute__((unused)) static int32_t hostile_restore(void* state, const void* in, uint32_t length, uint32_t from_schema) {
  struct hostile_state* self = (struct hostile_state*)state;
#if defined(HOSTILE_RESTORE_SPINS)
  hostile_spin();
#elif defined(HOSTILE_RESTORE_FAULTS)
  hostile_write_null();
#endif
#if defined(HOSTILE_RESTORE_SLEEPS)
  for (;;) dyn_sleep(DYN_MS(100)); /* blocks: neither CPU for a watchdog nor an end */
#endif
#if defined(HOSTILE_BIG_STATE)
  if (length == sizeof *self) {
    memcpy(self, in, length);
    return 0;
  }
#endif
  if (from_schema < 2 || length != 8 + FRAME) return -1;
  memcpy(&self->sequence, in, 4);
  memcpy(&self->updates_survived, (const uint8_t*)in + 4, 4);
  memcpy(self->frame, (const uint8_t*)in + 8, FRAME);
  self->updates_survived++;
  return 0;
}

#if defined(HOSTILE_CTOR_SPINS) || defined(HOSTILE_CTOR_FAULTS)
__attribute__((constructor)) static void hostile_constructor(void) {
#if defined(HOSTILE_CTOR_SPINS)
  hostile_spin();
#else
  hostile_write_null();
#endif
}
#endif

#if defined(HOSTILE_STACK_OVERFLOW)
static volatile uint32_t hostile_depth_limit = 0xFFFFFFFFu; /* never reached: the stack ends first */
static uint32_t hostile_recurse(uint32_t depth) {
  volatile uint8_t frame[1024];
  frame[0] = (uint8_t)depth;
  if (depth == hostile_depth_limit) return frame[0];
  return hostile_recurse(depth + 1) + frame[0];
}
#endif

#if defined(HOSTILE_DEEP_CALLS)
static volatile uint32_t hostile_deep_limit = 0xFFFFFFFFu;
static uint32_t hostile_deep(uint32_t depth) {
  volatile uint8_t pad[16];
  pad[0] = (uint8_t)depth;
  dyn_yield();
  if (depth == hostile_deep_limit) return pad[0];
  return hostile_deep(depth + 1) + pad[0];
}
#endif

#if defined(HOSTILE_EXPORTS_DYN_MALLOC)
/* Tries to take over the kernel's allocator for every module linked after it. */
DYN_EXPORT void* dyn_malloc(size_t size) {
  (void)size;
  return NULL;
}
#endif

#if defined(HOSTILE_EXPORTS_MEMCPY)
DYN_EXPORT void* memcpy(void* to, const void* from, size_t n) {
  uint8_t* t = (uint8_t*)to;
  const uint8_t* f = (const uint8_t*)from;
  while (n--) *t++ = *f++;
  return to;
}
#endif

__attribute__((unused)) static void hostile_job(void* state) {
  struct hostile_state* self = (struct hostile_state*)state;
  self->runs++;
  self->sequence++;
#if defined(HOSTILE_FIRST_RUN_FAULTS)
  hostile_write_null();
#elif defined(HOSTILE_DIVIDES_BY_ZERO)
  self->sequence = self->sequence / (uint32_t)hostile_zero;
#elif defined(HOSTILE_ILLEGAL_INSTRUCTION)
  __builtin_trap();
#elif defined(HOSTILE_STACK_OVERFLOW)
  self->sequence += hostile_recurse(0);
#elif defined(HOSTILE_WRITES_ITS_CODE)
  *(volatile uint8_t*)(uintptr_t)&hostile_job = 0xC3;
#elif defined(HOSTILE_BAD_LOG_POINTER)
  dyn_log(1, (const char*)(uintptr_t)8);
#elif defined(HOSTILE_LOGS_KERNEL_MEMORY)
  dyn_log(1, (const char*)(uintptr_t)&dyn_yield); /* readable, but the kernel's: not the module's to show */
#elif defined(HOSTILE_WRITES_KERNEL_RAM) /* Cortex-M3 (MPS2): 0x20000000 is the kernel's .data */
  *(volatile uint32_t*)(uintptr_t)0x20000000u = 0xBAD;
#elif defined(HOSTILE_READS_KERNEL_RAM)
  self->sequence += *(volatile uint32_t*)(uintptr_t)0x20000000u;
#elif defined(HOSTILE_BAD_SVC) /* Thumb: an SVC number no gate uses */
  __asm__ volatile("svc #0xEE");
#elif defined(HOSTILE_SVC_BAD_STACK) /* Thumb: a gate called with the stack pointer in kernel RAM */
  __asm__ volatile("mov r0, sp\n mov r1, #0x20000000\n add r1, r1, #0x100\n mov sp, r1\n svc #3\n mov sp, r0" ::: "r0", "r1", "memory");
#elif defined(HOSTILE_BREAKPOINT) /* no debugger: a HardFault */
  __asm__ volatile("bkpt #0");
#elif defined(HOSTILE_WAIT_INTO_GUARD) /* its 16 KiB stack is aligned to its size; the lowest 32 bytes are the guard */
  uintptr_t here = (uintptr_t)&self;
  dyn_notify_wait(DYN_MS(1), (uint32_t*)((here & ~(uintptr_t)(16 * 1024 - 1)) + 8), 0);
#elif defined(HOSTILE_EXECUTES_DATA)
  static uint16_t hostile_data_code[4] = {0x4770, 0x4770, 0x4770, 0x4770}; /* bx lr, in writable data */
  ((void (*)(void))((uintptr_t)hostile_data_code | 1u))();
#elif defined(HOSTILE_WAIT_WRITES_KERNEL)
  dyn_notify_wait(DYN_MS(1), (uint32_t*)(uintptr_t)&dyn_sleep, 0); /* the kernel would write its code */
#elif defined(HOSTILE_STATE_OVERRUN)
  for (uint32_t i = 0; i < (1u << 24); i++) ((volatile uint8_t*)state)[i] = 0x44; /* off its state's end */
#elif defined(HOSTILE_DEEP_CALLS)
  self->sequence += hostile_deep(0); /* small frames, a kernel call in each: runs out inside the kernel API */
#elif defined(HOSTILE_BIG_STATE)
  dyn_busy(DYN_MS(29)); /* with the 1 ms below, a run ends 30 ms after it starts */
#elif defined(HOSTILE_MEMCPY_BAD_SOURCE)
  static volatile size_t length = 64; /* not a constant: the call to the kernel's memcpy stays */
  memcpy(self->frame, (const void*)hostile_null, length);
#elif defined(HOSTILE_HEAP_UNDERWRITE)
  uint8_t* block = (uint8_t*)dyn_malloc(64);
  if (block) {
    for (int i = 1; i <= 8; i++) *(volatile uint8_t*)(block - i) = 0x41; /* where an in-band header would be */
    dyn_free(block);
  }
#elif defined(HOSTILE_HEAP_OVERFLOW)
  uint8_t* block = (uint8_t*)dyn_malloc(64);
  if (block) {
    for (int i = 0; i < 64 + 1024; i++) ((volatile uint8_t*)block)[i] = 0x42;
    dyn_free(block);
  }
#elif defined(HOSTILE_HEAP_RUNS_OFF)
  uint8_t* block = (uint8_t*)dyn_malloc(64);
  for (uint32_t i = 0; block && i < (1u << 24); i++) ((volatile uint8_t*)block)[i] = 0x43; /* off its arena's end */
#endif
  dyn_busy(DYN_MS(1));
}

#if defined(HOSTILE_YIELD_LOOP) || defined(HOSTILE_WAIT_ZERO_LOOP)
static void hostile_loop(void* state) {
  struct hostile_state* self = (struct hostile_state*)state;
  for (;;) {
    self->runs++;
#if defined(HOSTILE_YIELD_LOOP)
    dyn_yield();
#else
    (void)dyn_notify_wait(0, NULL, NULL);
#endif
  }
}
#define HOSTILE_ENTRY hostile_loop
#else
#define HOSTILE_ENTRY hostile_job
#endif

#if defined(HOSTILE_HOOK_INTO_DATA)
/* A "hook" that is data: the kernel would jump into a writable page. */
static uint8_t hostile_not_code[64];
DYN_MODULE(beacon, HOSTILE_VERSION, HOSTILE_ENTRY, sizeof(struct hostile_state), hostile_checkpoint,
           (dyn_restore_fn)(uintptr_t)hostile_not_code);
#elif defined(HOSTILE_HUGE_STATE)
DYN_MODULE(beacon, HOSTILE_VERSION, HOSTILE_ENTRY, 1u << 30, hostile_checkpoint, hostile_restore); /* 1 GiB of "state" */
#else
DYN_MODULE(beacon, HOSTILE_VERSION, HOSTILE_ENTRY, sizeof(struct hostile_state), hostile_checkpoint, hostile_restore);
#endif
