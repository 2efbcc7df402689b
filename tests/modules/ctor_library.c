/* ctor_library.c — a library module (no entry) with a static constructor, and
 * (with -DCTOR_LIBRARY_USER) a job module that imports from it. With
 * -DCTOR_LIBRARY_SPINS the constructor never returns. The runtime runs a
 * library's constructors in a job of their own, under a watchdog; a task that
 * imports from it starts only once they completed (fault-containment tests). */
#include "dynsched.h"

#if defined(CTOR_LIBRARY_USER)
uint32_t ctor_library_value(void);

static void user_run(void* state) {
  uint32_t* seen = (uint32_t*)state;
  *seen = ctor_library_value();
}

DYN_MODULE(ctor_library_user, 1, user_run, sizeof(uint32_t), NULL, NULL);
#else
static uint32_t ctor_library_ready;

__attribute__((constructor)) static void ctor_library_construct(void) {
#if defined(CTOR_LIBRARY_SPINS)
  for (volatile uint32_t spin = 0;; spin = spin + 1) {
  }
#endif
  ctor_library_ready = 42;
}

DYN_EXPORT uint32_t ctor_library_value(void) { return ctor_library_ready; }

DYN_MODULE(ctor_library, 1, NULL, 0, NULL, NULL);
#endif
