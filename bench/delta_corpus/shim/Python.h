/* Python.h for MurmurHash3 from the mmh3 sdist, which includes it for
 * Py_ssize_t alone (the hash functions take their lengths in it): that type,
 * as CPython defines it, and nothing else. */
#ifndef DELTA_CORPUS_PYTHON_SHIM_H
#define DELTA_CORPUS_PYTHON_SHIM_H
#include <stddef.h>
typedef ptrdiff_t Py_ssize_t;
#endif
