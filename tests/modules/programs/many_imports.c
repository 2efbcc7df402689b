/* many_imports — an object that calls three C library functions the kernel
 * does not export: `dynsched inspect` must name all three in its verdict,
 * not only the first the loader stops at. */
#include <stdlib.h>

int prog_many_imports(const char* text) {
  srand(7);
  char* end = NULL;
  long m = strtol(text, &end, 10);
  return rand() + (int)m;
}
