/* many_imports — an object that calls three C library functions the kernel
 * does not export (random numbers and the environment: state a module does
 * not share): `dynsched inspect` must name all three in its verdict, not
 * only the first the loader stops at. */
#include <stdlib.h>

int prog_many_imports(void) {
  srand(7);
  const char* shell = getenv("SHELL");
  return rand() + (shell ? shell[0] : 0);
}
