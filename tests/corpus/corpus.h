/* corpus.h — what the real-library checks share (tests/corpus/run.sh).
 *
 * Each check is one C file that calls a third-party library exactly as an
 * application would and reports what it computed, one line per result. It is
 * built twice from the same source: as a dynsched module (the library's own
 * files built with dynsched_add_module, untouched), where a report is a
 * dyn_log line; and natively (-DCORPUS_NATIVE), where it is a line on stdout.
 * The test compares the two. */
#ifndef CORPUS_H
#define CORPUS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#if defined(CORPUS_NATIVE)
#define REPORT(...)                          \
  do {                                       \
    char report_line_[200];                  \
    snprintf(report_line_, sizeof report_line_, __VA_ARGS__); \
    puts(report_line_);                      \
  } while (0)
#else
#include "dynsched.h"
#define REPORT(...)                          \
  do {                                       \
    char report_line_[200];                  \
    snprintf(report_line_, sizeof report_line_, __VA_ARGS__); \
    dyn_log(1, report_line_);                \
  } while (0)
#endif

/* Deterministic, somewhat compressible input: words from a small vocabulary
 * chosen by a xorshift generator, so every build sees the same bytes. */
static inline void corpus_input(uint8_t* out, size_t n, uint32_t seed) {
  static const char* const words[] = {"beacon ", "attitude ", "sun sensor ", "telemetry ", "0x3f ", "mode=safe\n",
                                      "battery 7.4V ", "orbit 5423 ", "ack ", "nack "};
  uint32_t x = seed ? seed : 1;
  size_t at = 0;
  while (at < n) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    const char* w = words[x % 10];
    for (size_t i = 0; w[i] && at < n; i++) out[at++] = (uint8_t)(w[i] ^ ((x >> 8) % 7 == 0 ? (x >> 16) : 0));
  }
}

/* FNV-1a: a fingerprint of an output buffer, so a line can stand for it. */
static inline uint32_t corpus_fingerprint(const uint8_t* p, size_t n) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
  return h;
}

void corpus_check(void);

#if defined(CORPUS_NATIVE)
int main(void) {
  corpus_check();
  return 0;
}
#define CORPUS_MODULE(NAME) /* native: main() runs the check */
#else
static void corpus_entry(void* state) {
  (void)state;
  corpus_check();
}
#define CORPUS_MODULE(NAME) DYN_MODULE(NAME, 1, corpus_entry, 0, NULL, NULL)
#endif

#endif /* CORPUS_H */
