/* libc_wild.c — a module that hands a wild pointer to one of the runtime's
 * own C functions (they run in the kernel's image, on the task's behalf):
 * the fault must be the task's, not the kernel's. One object per function:
 * -DWILD_STRTOD, -DWILD_QSORT, -DWILD_STRSTR, -DWILD_CLOCK_GETTIME, -DWILD_STRDUP,
 * and the kernel's own logging: -DWILD_DYN_LOG, -DWILD_DYN_LOGF (a wild %s argument). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dynsched.h"

static int compare(const void* a, const void* b) { return *(const char*)a - *(const char*)b; }

static void run(void* s) {
  (void)compare;
  char* volatile wild = (char*)24; /* volatile: the call stays */
  uint32_t* runs = (uint32_t*)s;
  if (++*runs < 2) return;
#if defined(WILD_STRTOD)
  *runs += (uint32_t)strtod(wild, NULL);
#elif defined(WILD_QSORT)
  qsort(wild, 8, 4, compare);
#elif defined(WILD_STRSTR)
  *runs += strstr(wild, "beacon") != NULL;
#elif defined(WILD_CLOCK_GETTIME)
  clock_gettime(CLOCK_MONOTONIC, (struct timespec*)(void*)wild);
#elif defined(WILD_STRDUP)
  free(strdup(wild));
#elif defined(WILD_DYN_LOG)
  dyn_log(1, wild);
#elif defined(WILD_DYN_LOGF)
  dyn_logf(1, "sun at %s", wild);
#endif
}

DYN_MODULE(libc_wild, 1, run, sizeof(uint32_t), NULL, NULL);
