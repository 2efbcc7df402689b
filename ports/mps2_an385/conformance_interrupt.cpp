// conformance_interrupt.cpp — the conformance suite's interrupt on MPS2
// AN385: IRQ 31 (no device of the image drives it), pended by software.
#include "board.hpp"
#include "../../tests/conformance/conformance_interrupt.hpp"

namespace dyn::conformance {
namespace {
constexpr unsigned kTestIrq = 31;
void (*g_handler)() = nullptr;
void on_irq() { g_handler(); }
}  // namespace

void raise_interrupt(void (*handler)()) noexcept {
  g_handler = handler;
  mps2::irq_attach(kTestIrq, on_irq);
  mps2::irq_trigger(kTestIrq);  // taken before it returns: the task is outside the kernel
}
}  // namespace dyn::conformance
