/* libc_user.c — a module that uses the C library subset the kernel gives it,
 * through the C library's own headers, as third-party code does: malloc,
 * calloc, realloc, free, strdup, snprintf (integers, text, doubles), qsort,
 * bsearch, strtol, ctype, assert, clock_gettime and time. Each run records
 * what it computed in its state for the test to compare.
 * -DLIBC_USER_ABORTS: the third run calls abort().
 * -DLIBC_USER_ASSERTS: the third run fails an assertion.
 * -DLIBC_USER_BAD_POINTER: the third run hands snprintf a wild %s pointer
 * (its fault is the task's, though it happens in the kernel's snprintf). */
#include <assert.h>
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dynsched.h"

struct state {
  uint32_t runs;
  uint32_t checks_passed;
  uint32_t checks_failed;
  int64_t mission_seconds;
  char line[96];
};

static int compare_ints(const void* a, const void* b) {
  int x = *(const int*)a, y = *(const int*)b;
  return (x > y) - (x < y);
}

#define CHECK(c) ((c) ? self->checks_passed++ : self->checks_failed++)

static void run(void* s) {
  struct state* self = (struct state*)s;
  self->runs++;

  char* text = malloc(16);
  CHECK(text != NULL);
  memcpy(text, "0123456789abcde", 16);
  text = realloc(text, 4000); /* grows: the old bytes move with it */
  CHECK(text != NULL && memcmp(text, "0123456789abcde", 16) == 0);
  free(text);

  int* zeros = calloc(64, sizeof *zeros);
  int all_zero = zeros != NULL;
  for (int i = 0; all_zero && i < 64; i++) all_zero = zeros[i] == 0;
  CHECK(all_zero);
  free(zeros);

  char* copy = strdup("beacon");
  CHECK(copy != NULL && strcmp(copy, "beacon") == 0);
  for (char* c = copy; c && *c; c++) *c = (char)toupper((unsigned char)*c);
  CHECK(copy != NULL && strcmp(copy, "BEACON") == 0);

  int values[] = {42, -7, 19, 0, 1000, 3};
  qsort(values, 6, sizeof values[0], compare_ints);
  CHECK(values[0] == -7 && values[5] == 1000);
  int key = 19;
  CHECK(bsearch(&key, values, 6, sizeof values[0], compare_ints) != NULL);

  char* end = NULL;
  long parsed = strtol("  -1234xyz", &end, 10);
  CHECK(parsed == -1234 && end && *end == 'x');
  CHECK(isdigit('7') && !isdigit('x') && isspace(' ') && isalpha('q'));

  struct timespec now;
  CHECK(clock_gettime(CLOCK_MONOTONIC, &now) == 0);
  self->mission_seconds = (int64_t)time(NULL);
  CHECK(now.tv_sec == self->mission_seconds);

  snprintf(self->line, sizeof self->line, "%s run %u: %.3f V, %5.1f%% %e|%-4d|%x", copy, self->runs,
           3.3 * self->runs, 12.25, 6.02e23, (int)self->runs, 0xbeefu);
  free(copy);
  dyn_logf(1, "libc_user run %u: %.2f V, %s", self->runs, 3.3 * self->runs, "ok");
  if (self->runs == 1) {
    char longer[300];
    memset(longer, 'x', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    dyn_log(1, longer); /* longer than DYN_LOG_LINE_MAX: cut, and marked */
  }

#if defined(LIBC_USER_ABORTS)
  if (self->runs == 3) abort();
#endif
#if defined(LIBC_USER_BAD_POINTER)
  if (self->runs == 3) {
    static const char* volatile wild = (const char*)16;
    snprintf(self->line, sizeof self->line, "%s", wild);
  }
#endif
#if defined(LIBC_USER_ASSERTS)
  assert(self->runs < 3 && "the third run is one too many");
#endif
}

DYN_MODULE(libc_user, 1, run, sizeof(struct state), NULL, NULL);
