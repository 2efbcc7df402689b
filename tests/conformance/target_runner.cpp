// target_runner.cpp — runs the conformance tests on a bare-metal port:
// each test's name and verdict on the console, then a summary; main()'s
// result is the run's verdict (the port exits with it).
#include "conformance.hpp"
#include "conformance_console.hpp"

namespace dyn::conformance {

namespace {
TestCase* g_first = nullptr;
TestCase** g_last = &g_first;
std::size_t g_failures_in_test = 0;
}  // namespace

void register_test(TestCase* t) noexcept {
  *g_last = t;
  g_last = &t->next;
}

void check_failed(const char* file, int line, const char* expression) noexcept {
  ++g_failures_in_test;
  console_write("  check failed: ");
  console_write(file);
  console_write(":");
  console_write_unsigned(static_cast<unsigned>(line));
  console_write(": ");
  console_write(expression);
  console_write("\n");
}

}  // namespace dyn::conformance

int main() {
  using namespace dyn::conformance;
  console_write("dynsched conformance suite on ");
  console_write(console_port_name());
  console_write("\n");
  unsigned passed = 0, failed = 0;
  for (TestCase* t = g_first; t; t = t->next) {
    g_failures_in_test = 0;
    t->body();
    console_write(g_failures_in_test ? "[FAILED] " : "[  OK  ] ");
    console_write(t->suite);
    console_write(".");
    console_write(t->name);
    console_write("\n");
    (g_failures_in_test ? failed : passed) += 1;
  }
  console_write_unsigned(passed);
  console_write(" passed, ");
  console_write_unsigned(failed);
  console_write(" failed\n");
  return failed == 0 && passed > 0 ? 0 : 1;
}
