// interrupts.cpp — the kernel entry that interrupts ask for.
//
// A device's handler (irq_attach, irq_vectors.cpp) that wakes a task calls
// Kernel::post_from_interrupt(), which calls port::request_kernel_entry():
// PendSV is pended at the lowest priority, so it runs when every handler is
// done; if it finds a task interrupted in thread mode outside the kernel
// (and not inside an IT block or a multi-register transfer, which a branch
// could not resume), it injects an exception frame below the task's, as the
// tick does, whose return enters the kernel in the task's own context
// (interrupt_entry_armv7m.S: dyn_interrupt_trampoline), where
// Kernel::interrupt_from_port() delivers the posts and preempts the task if
// a more important one is now ready. Otherwise (the kernel's own context
// was interrupted, e.g. idle, or the task was inside the kernel) the posts
// are delivered at the kernel's next step.
#include <cstdint>

#include "board.hpp"
#include "dyn/kernel.hpp"
#include "isolation.hpp"
#include "port.hpp"

extern "C" {
std::uint32_t dyn_port_kernel_depth();
void dyn_port_claim_kernel();
void dyn_interrupt_trampoline_module();
}

namespace {

using namespace dyn::mps2;

constexpr std::uint32_t kPendSvSet = 1u << 28;  // ICSR
constexpr std::uint32_t kXpsrItIci = 0x0600FC00u;

}  // namespace

// PendSV (interrupt_entry_armv7m.S): 0 = nothing; 1 = inject the frame into
// the task (kernel code on MSP); else the ExitRecord into the task's kernel
// side (module code on PSP: it resumes from its own frame, isolation.hpp).
extern "C" std::uintptr_t dyn_pendsv_decide(const std::uint32_t* frame, std::uint32_t exc_return, std::uint32_t msp) {
  const bool module_code = exc_return == kExcReturnThreadPsp;
  if (dyn_port_kernel_depth() != 0) return 0;
  if (!module_code && (exc_return != kExcReturnThreadMsp || (frame[7] & kXpsrItIci) != 0)) return 0;
  dyn::Kernel* k = dyn::Kernel::current();
  if (!k || !k->running()) return 0;
  dyn_port_claim_kernel();  // the trampoline starts inside the kernel's critical section
  if (module_code)
    return reinterpret_cast<std::uintptr_t>(exit_to_kernel(pendsv_exit_record(), msp, dyn_interrupt_trampoline_module));
  return 1;
}

extern "C" void dyn_interrupt_in_thread() {
  if (dyn::Kernel* k = dyn::Kernel::current()) k->interrupt_from_port();
  dyn::port::kernel_exit();
}

namespace dyn::port {

void request_kernel_entry() noexcept { scb::reg(scb::kIcsr) = kPendSvSet; }

}  // namespace dyn::port
