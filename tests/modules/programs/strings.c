/* strings — memcpy/memset/strlen/memcmp on buffers of run-time length, and
 * struct copies large enough that GCC -O2 calls memcpy/memset itself: the
 * module's only libc imports, which the kernel exports. */
#include "programs.h"

#include <string.h>

struct record {
  char label[24];
  /* 16 KiB: above GCC's inline limit for x86-64 (8 KiB with generic tuning,
   * where it uses rep movsq), so copies and clears become memcpy/memset calls. */
  uint32_t samples[4096];
};

static struct record records[3];
static struct record scratch; /* static: 16 KiB is too much for a task's stack */
static const char* const labels[] = {"housekeeping", "payload", "attitude and orbit control"};

static uint64_t mix(uint64_t h, uint64_t v) { return (h ^ v) * 0x100000001B3u; }

/* noinline: keeps the lengths unknown to the caller, so the calls stay calls. */
__attribute__((noinline)) static void fill(struct record* r, const char* label, uint32_t seed) {
  memset(r, 0, sizeof *r);
  size_t length = strlen(label);
  if (length >= sizeof r->label) {
    length = sizeof r->label - 1;
  }
  memcpy(r->label, label, length);
  for (size_t i = 0; i < sizeof r->samples / sizeof r->samples[0]; i++) {
    seed = seed * 1103515245u + 12345u;
    r->samples[i] = seed >> 8;
  }
}

uint64_t prog_strings(void) {
  uint64_t h = 0xCBF29CE484222325u;
  for (uint32_t i = 0; i < 3; i++) {
    fill(&records[i], labels[i], i + 1);
  }
  scratch = records[1]; /* struct copy: a memcpy call */
  h = mix(h, (uint64_t)memcmp(&scratch, &records[1], sizeof scratch));
  scratch.samples[4095] ^= 1;
  h = mix(h, memcmp(&scratch, &records[1], sizeof scratch) != 0);
  records[0] = scratch;
  h = mix(h, (uint64_t)strlen(records[0].label));
  h = mix(h, (uint64_t)strlen(records[2].label));
  memmove(records[2].samples + 1, records[2].samples, 100 * sizeof(uint32_t));
  for (size_t r = 0; r < 3; r++) {
    for (size_t i = 0; i < sizeof records[r].samples / sizeof records[r].samples[0]; i += 37) {
      h = mix(h, records[r].samples[i]);
    }
    for (const char* c = records[r].label; *c != '\0'; c++) {
      h = mix(h, (uint8_t)*c);
    }
  }
  return h;
}
