/* bss_common — zero-initialised storage the loader must allocate and clear:
 * large .bss arrays, a COMMON symbol (this file is compiled with -fcommon;
 * SHN_COMMON: the loader allocates st_size bytes aligned to st_value), a weak
 * definition used locally, and a weak undefined symbol whose address must
 * resolve to NULL instead of failing the load. */
#include "programs.h"

#include <stddef.h>

static uint32_t table[16384];    /* 64 KiB of .bss */
uint8_t prog_bss_common_buffer[40000]; /* global .bss */
/* A tentative definition: COMMON under -fcommon. */
uint32_t prog_bss_common_counter;

/* Written only if a symbol that does not exist does: the compiler cannot
 * assume it stays zero, so the checksum sees what the loader left there. */
static uint8_t untouched[4096];

extern int prog_bss_common_missing(void) __attribute__((weak));

__attribute__((weak)) uint64_t prog_bss_common_weak_mix(uint64_t h, uint64_t v) {
  return (h ^ v) * 0x100000001B3u;
}

uint64_t prog_bss_common(void) {
  uint64_t h = 0xCBF29CE484222325u;
  if (prog_bss_common_missing != NULL) {
    untouched[0] = (uint8_t)prog_bss_common_missing();
  }
  h = prog_bss_common_weak_mix(h, prog_bss_common_missing == NULL ? 0x5A : 0xA5);

  uint32_t dirty = 0;
  for (size_t i = 0; i < sizeof untouched; i++) {
    dirty |= untouched[i];
  }
  h = prog_bss_common_weak_mix(h, dirty);

  prog_bss_common_counter = 0;
  for (uint32_t i = 0; i < sizeof table / sizeof table[0]; i++) {
    table[i] = i * 2654435761u;
  }
  for (size_t i = 0; i < sizeof prog_bss_common_buffer; i++) {
    prog_bss_common_buffer[i] = (uint8_t)(table[i % (sizeof table / sizeof table[0])] >> 24);
  }
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i += 97) {
    h = prog_bss_common_weak_mix(h, table[i]);
    prog_bss_common_counter++;
  }
  for (size_t i = 0; i < sizeof prog_bss_common_buffer; i += 101) {
    h = prog_bss_common_weak_mix(h, prog_bss_common_buffer[i]);
    prog_bss_common_counter++;
  }
  return prog_bss_common_weak_mix(h, prog_bss_common_counter);
}
