/* programs.h — the ordinary programs of the loaded-vs-linked test.
 *
 * Each program is built twice: linked into the test executable the ordinary
 * way (library dyn_test_programs_linked), and as a relocatable object the
 * loader loads (prog_<name>_pic.o and prog_<name>_nopic.o in
 * DYN_TEST_PROGRAMS_DIR). `prog_<name>()` returns a checksum of what it
 * computed; loaded and linked must agree. Every call returns the same value:
 * a program restores or recomputes whatever state it mutates.
 *
 * Each program exercises one thing GCC -O2 emits and the loader must relocate. */
#ifndef DYN_TEST_PROGRAMS_H
#define DYN_TEST_PROGRAMS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* X(name): one entry per program, in the order of the sources. */
#define DYN_TEST_PROGRAMS(X) \
  X(jumptable)               \
  X(fnptr)                   \
  X(static_ptrs)             \
  X(bss_common)              \
  X(strings)                 \
  X(cxx_virtual)             \
  X(recursion)

#define DYN_TEST_PROGRAM_DECLARE(name) uint64_t prog_##name(void);
DYN_TEST_PROGRAMS(DYN_TEST_PROGRAM_DECLARE)
#undef DYN_TEST_PROGRAM_DECLARE

/* cxx_virtual: the static object's constructor stores this value in
 * prog_cxx_virtual_constructed (read by prog_cxx_virtual, so a loader that
 * skips .init_array gives a different checksum). Its destructor would store
 * PROG_CXX_VIRTUAL_DESTROYED through prog_cxx_virtual_on_destroy if the test
 * pointed that at its own memory; the runtime never runs it (docs/modules.md). */
#define PROG_CXX_VIRTUAL_CONSTRUCTED 0xC0DEC7u
#define PROG_CXX_VIRTUAL_DESTROYED 0xDE57u
extern uint32_t prog_cxx_virtual_constructed;
extern uint32_t* prog_cxx_virtual_on_destroy;

#ifdef __cplusplus
}
#endif

#endif /* DYN_TEST_PROGRAMS_H */
