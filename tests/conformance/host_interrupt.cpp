// host_interrupt.cpp — the conformance suite's interrupt on the host port: a
// signal handler (SIGUSR1) runs the test's handler, synchronously through raise().
#include <csignal>

#include "conformance_interrupt.hpp"

namespace dyn::conformance {
namespace {
void (*g_handler)() = nullptr;
void on_signal(int) { g_handler(); }
}  // namespace

void raise_interrupt(void (*handler)()) noexcept {
  g_handler = handler;
  struct sigaction sa {}, previous{};
  sa.sa_handler = on_signal;
  sigaction(SIGUSR1, &sa, &previous);
  raise(SIGUSR1);
  sigaction(SIGUSR1, &previous, nullptr);
}
}  // namespace dyn::conformance
