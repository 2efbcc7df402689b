// conformance.hpp — the kernel's behavioural tests, written once and run on
// every port (issue 13, part 3): on the host as GoogleTest tests, on the
// Cortex-M3 image under QEMU by a small runner that prints each result on
// the UART and exits with the verdict (target_runner.cpp).
//
//   DYN_CONFORMANCE(Suite, Name) { ... DYN_CHECK(cond); DYN_CHECK_EQ(a, b); }
//
// The target side has no heap, no exceptions, no I/O library: a failed check
// records the file, line and expression and the test goes on (as EXPECT_*).
#pragma once

#if DYN_CONFORMANCE_GTEST

#include <gtest/gtest.h>
#define DYN_CONFORMANCE(suite, name) TEST(suite, name)
#define DYN_CHECK(cond) EXPECT_TRUE(cond) << #cond
#define DYN_CHECK_EQ(a, b) EXPECT_EQ(a, b)

#else

namespace dyn::conformance {

struct TestCase {
  const char* suite;
  const char* name;
  void (*body)();
  TestCase* next;
};
void register_test(TestCase* t) noexcept;
void check_failed(const char* file, int line, const char* expression) noexcept;

struct Registrar {
  TestCase test;
  Registrar(const char* suite, const char* name, void (*body)()) noexcept : test{suite, name, body, nullptr} {
    register_test(&test);
  }
};

}  // namespace dyn::conformance

#define DYN_CONFORMANCE(suite, name)                                                                   \
  static void dyn_conformance_##suite##_##name();                                                      \
  static ::dyn::conformance::Registrar dyn_conformance_registrar_##suite##_##name{#suite, #name,        \
                                                                                 dyn_conformance_##suite##_##name}; \
  static void dyn_conformance_##suite##_##name()
#define DYN_CHECK(cond) \
  ((cond) ? (void)0 : ::dyn::conformance::check_failed(__FILE__, __LINE__, #cond))
#define DYN_CHECK_EQ(a, b) DYN_CHECK((a) == (b))

#endif
