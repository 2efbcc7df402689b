/* bad_import — an object the loader must refuse: it imports getenv, which
 * the kernel does not export (a module has no environment; docs/modules.md
 * lists the C library subset it gets). The load error should name the
 * symbol. Not part of the linked reference programs. */
#include <stdint.h>
#include <stdlib.h>

uint64_t prog_bad_import(void) {
  const char* home = getenv("HOME");
  return home ? (uint64_t)home[0] : 0;
}
