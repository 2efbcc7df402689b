/* service_race.c — two modules that meet inside the kernel's services on
 * the Cortex-M3 (ports/mps2_an385/service_race_demo.cpp):
 *   SERVICE_RACE_SLOW ("slow"): hands strndup a string that runs to the end
 *     of its state without a NUL; the service reads the whole 512 KiB before
 *     it refuses the pointer, long enough for ticks to preempt it;
 *   SERVICE_RACE_TICKER ("ticker", more important): wakes every 200 us and
 *     calls the kernel, so its gates run while the slow service is preempted.
 * The slow task's fault record must name its own call site, not the
 * ticker's latest gate. */
#include "dynsched.h"

#if defined(SERVICE_RACE_SLOW)
struct slow_state {
  char text[512 * 1024];
};

static void slow_job(void* state) {
  struct slow_state* self = (struct slow_state*)state;
  memset(self->text, 'A', sizeof self->text);
  char* copy = strndup(self->text, (size_t)-1); /* refused: the string leaves its region */
  dyn_logf(1, "strndup returned %p: the refusal did not happen", (void*)copy);
}
DYN_MODULE(slow, 1, slow_job, sizeof(struct slow_state), 0, 0);
#elif defined(SERVICE_RACE_TICKER)
struct ticker_state {
  uint32_t calls;
};

static void ticker_job(void* state) {
  struct ticker_state* self = (struct ticker_state*)state;
  for (int i = 0; i < 40; i++) {
    dyn_sleep(DYN_US(200));
    (void)dyn_now();
    self->calls++;
  }
}
DYN_MODULE(ticker, 1, ticker_job, sizeof(struct ticker_state), 0, 0);
#else
#error "define SERVICE_RACE_SLOW or SERVICE_RACE_TICKER"
#endif
