// isolation.cpp — module code runs unprivileged in its domain (port.hpp's
// isolation contract on the Cortex-M3; the layout is in isolation.hpp).
//
// call_module() pushes the kernel's registers and the old PSP on the
// task's kernel stack (MSP), points PSP at the module stack, drops to
// unprivileged thread mode and branches to the module's function with lr =
// dyn_arm_module_return. Everything that comes back is an SVC:
//  - the function returns: `svc 0xF0` at dyn_arm_module_return; the handler
//    (only from that address) resumes the kernel where call_module left it;
//  - a gate (`svc N; bx lr`, N < 64: the export table's service N): the
//    handler runs the service privileged on the kernel stack through
//    dyn_arm_service_trampoline, whose `svc 0xF2` hands r0/r1 back to the
//    module and drops privilege again. A gate called by kernel code is a
//    plain tail call to the service.
// Nothing the module controls is trusted: its stack holds none of the
// kernel's state, the SVC number is read from the instruction it executed,
// a service index is checked against the table, and the return SVC is
// honoured only from its one address. Any other SVC from module code is an
// illegal instruction: the task is stopped with its record.
#include "isolation.hpp"

#include "board.hpp"
#include "dyn/kernel.hpp"
#include "dyn/symbol_table.hpp"
#include "fault_handlers.hpp"
#include "mpu.hpp"
#include "mpu_layout.hpp"
#include "port.hpp"

extern "C" {
extern const std::uint32_t __code_end[];  // the end of the image's code and constants (linker script)
extern const std::uint16_t dyn_arm_gates[];
// What the MPU holds (nullptr: off); the context switch saves and compares it.
const dyn::mps2::Mapping* dyn_port_mapping = nullptr;
extern const std::uint16_t dyn_arm_module_return_end[];  // the address after its svc
// The addresses after the privileged SVCs: 0xF1 and 0xF2 are honoured from there only.
extern const std::uint16_t dyn_tick_trampoline_module_svc_end[], dyn_interrupt_trampoline_module_svc_end[],
    dyn_arm_service_trampoline_svc_end[];
void dyn_arm_module_return();
void dyn_arm_module_returned();
void dyn_arm_service_trampoline();
std::uint32_t dyn_arm_enter_module(const void* fn, const std::uintptr_t* args, std::uint32_t psp);
}

namespace dyn::mps2 {

namespace {

ExitRecord g_exit;

dyn::Task* running_task() noexcept {
  dyn::Kernel* k = dyn::Kernel::current();
  return k ? k->running() : nullptr;
}

// The kernel's service table, known once module code runs (call_module):
// an image that runs none links none of it.
std::uintptr_t (*g_service)(std::size_t) = nullptr;

std::uintptr_t service_code(std::uint32_t number) noexcept { return g_service ? g_service(number) : 0; }

// How the context switch reprograms the MPU: set by the first module call,
// so an image that never runs module code links no MPU code.
void (*g_resume_mapping)(const Mapping*) = nullptr;

void apply(const Mapping* m) noexcept {
  if (m) mpu_program(m->domain, m->lent, m->kernel_stack);
  else mpu_program(nullptr, {});
  dyn_port_mapping = m;
}

std::uint32_t psp() noexcept {
  std::uint32_t v;
  asm volatile("mrs %0, psp" : "=r"(v));
  return v;
}

std::uint32_t word(const void* p) noexcept { return reinterpret_cast<std::uint32_t>(p); }

// An exception frame (8 words) the hardware pushed on the running module's
// stack, wholly above its 32-byte guard.
bool frame_on_module_stack(const std::uint32_t* frame) noexcept {
  const ModuleDomain* d = current_domain();
  const std::uint32_t at = word(frame);
  return d && at >= d->stack_base + 32 && at <= d->stack_top && d->stack_top - at >= 32;
}

// The MSP after the frame at `frame` is unstacked (with its alignment word).
std::uint32_t above(const std::uint32_t* frame) noexcept {
  return word(frame + 8 + ((frame[7] & kXpsrPadded) ? 1 : 0));
}

}  // namespace

ExitRecord& exit_record() noexcept { return g_exit; }
ExitRecord& pendsv_exit_record() noexcept {
  static ExitRecord record;
  return record;
}
const ModuleDomain* current_domain() noexcept { return dyn_port_mapping ? dyn_port_mapping->domain : nullptr; }
std::uint32_t code_end() noexcept { return word(__code_end); }

ExitRecord* exit_to_kernel(ExitRecord& record, std::uint32_t msp, void (*to)()) noexcept {
  record = ExitRecord{kExcReturnThreadMsp, 0, msp, 1, {0, 0, 0, 0, 0, 0, word(reinterpret_cast<const void*>(to)) & ~1u, kXpsrThumb}};
  return &record;
}

ExitRecord* exit_to_kernel(std::uint32_t msp, void (*to)(), std::uint32_t r0, std::uint32_t r1) noexcept {
  ExitRecord* e = exit_to_kernel(g_exit, msp, to);
  e->frame[0] = r0;
  e->frame[1] = r1;
  return e;
}

ExitRecord* exit_to_module(const std::uint32_t* frame) noexcept {
  g_exit = ExitRecord{kExcReturnThreadPsp, 1, above(frame), 0, {}};
  return &g_exit;
}

}  // namespace dyn::mps2

using namespace dyn::mps2;

// The SVC handler's decision (context_armv7m.S: dyn_svc_handler). `frame`
// is the caller's exception frame, on PSP (module code) or MSP (kernel).
extern "C" ExitRecord* dyn_svc_dispatch(std::uint32_t* frame, std::uint32_t exc_return, std::uint32_t msp) {
  const std::uint32_t pc = frame[6];
  const std::uint32_t number = *reinterpret_cast<const std::uint16_t*>(pc - 2) & 0xFFu;
  if (exc_return == kExcReturnThreadPsp) {  // module code, unprivileged
    // Its frame must lie in its own stack, above the guard: the kernel will
    // write the service's result there, and the stack region cannot leave
    // the domain while the task lives (a heap arena, which a service may
    // drop, could).
    if (!frame_on_module_stack(frame))
      return module_fault_exit(dyn::FaultKind::StackOverflow, 0, word(frame), word(frame), msp);
    if (number < kServiceGates) {
      if (const std::uintptr_t service = service_code(number)) {
        // The module's call site (its lr at the SVC), kept in its task:
        // what the service's fault record names, even if another task's
        // gate runs while this service is preempted.
        if (dyn::Task* t = running_task()) t->service_caller = frame[5] & ~1u;
        ExitRecord* e = exit_to_kernel(msp, dyn_arm_service_trampoline, frame[0], frame[1]);
        e->frame[2] = frame[2];
        e->frame[3] = frame[3];
        e->frame[4] = service;  // r12: the trampoline calls it
        return e;
      }
    } else if (number == kSvcModuleReturn && pc == word(dyn_arm_module_return_end)) {
      return exit_to_kernel(msp, dyn_arm_module_returned, frame[0], frame[1]);
    }
    return module_fault_exit(dyn::FaultKind::IllegalInstruction, pc - 2, 0, word(frame), msp);
  }
  if (exc_return == kExcReturnThreadMsp) {  // kernel code, privileged: only from the port's own call sites
    if (number < kServiceGates && pc == word(dyn_arm_gates) + 4 * number + 2) {
      if (const std::uintptr_t service = service_code(number)) {
        frame[6] = service & ~1u;  // a tail call: the service returns to the gate's caller (lr)
        g_exit = ExitRecord{kExcReturnThreadMsp, 0, msp, 0, {}};
        return &g_exit;
      }
    } else if (number == kSvcResumeModule && (pc == word(dyn_tick_trampoline_module_svc_end) ||
                                               pc == word(dyn_interrupt_trampoline_module_svc_end))) {
      return exit_to_module(frame);
    } else if (number == kSvcServiceReturn && pc == word(dyn_arm_service_trampoline_svc_end) &&
               frame_on_module_stack(reinterpret_cast<const std::uint32_t*>(psp()))) {
      auto* module_frame = reinterpret_cast<std::uint32_t*>(psp());
      module_frame[0] = frame[0];
      module_frame[1] = frame[1];
      return exit_to_module(frame);
    }
  }
  dyn_fault_report(frame, exc_return);  // the kernel's own bad SVC, or one from a handler: a bug
}

namespace dyn::port {

std::size_t kernel_stack_bytes() noexcept { return 4096; }

std::uintptr_t call_module(const void* fn, const std::uintptr_t (&args)[4], const ModuleDomain& domain,
                           std::span<const DomainRegion> lent) noexcept {
  g_resume_mapping = apply;
  g_service = &dyn::kernel_service;  // module code runs from here on: its gates need the table
  // The mapping lives on this (kernel) stack for the call: a context switch
  // in the middle saves a pointer to it and restores it, lent regions too.
  // Below the module's frame if its code is already running in this
  // context (a hook called from a service it asked for), else its stack's top.
  const std::uint32_t here = psp();
  const bool module_running = here > domain.stack_base && here <= domain.stack_top;
  const std::uint32_t sp = module_running ? here : static_cast<std::uint32_t>(domain.stack_top) & ~7u;
  // Neither on the module's stack nor on its task's kernel stack: another
  // task calls the hook (the update's checkpoint), and the domain's
  // kernel-stack guard watches a stack nobody runs on during the call.
  const bool own_kernel_stack = domain.kernel_stack_base && here > domain.kernel_stack_base &&
                                here - domain.kernel_stack_base <= kernel_stack_bytes();
  const Mapping mapping{&domain, lent, module_running || own_kernel_stack ? KernelStack::InUse : KernelStack::Idle};
  const Mapping* outer = dyn_port_mapping;
  apply(&mapping);
  const std::uintptr_t result = dyn_arm_enter_module(fn, args, sp);
  apply(outer);  // what held before the call (the caller's module call, or nothing)
  return result;
}

bool domain_fits(const ModuleDomain& domain, LentFrom lent) noexcept {
  return mpu_fits(domain, lent == LentFrom::OwnTask ? KernelStack::InUse : KernelStack::Idle);
}

void domain_changed(ModuleDomain& domain) noexcept {
  write_domain_cache(domain, code_end());
  if (dyn_port_mapping && dyn_port_mapping->domain == &domain) mpu_program(&domain, dyn_port_mapping->lent, dyn_port_mapping->kernel_stack);
}

bool in_module_code() noexcept {
  std::uint32_t control;
  asm volatile("mrs %0, control" : "=r"(control));
  return (control & 1u) != 0;
}

std::size_t shared_readable_run(std::uintptr_t address) noexcept {
  return address < code_end() ? code_end() - address : 0;
}

std::uintptr_t service_caller(std::uintptr_t return_address) noexcept {
  const std::uintptr_t trampoline = reinterpret_cast<std::uintptr_t>(dyn_arm_service_trampoline) & ~std::uintptr_t{1};
  const std::uintptr_t end = reinterpret_cast<std::uintptr_t>(dyn_arm_service_trampoline_svc_end);
  if (return_address < trampoline || return_address > end) return return_address;  // called from kernel code
  const dyn::Task* t = running_task();
  return t ? t->service_caller : return_address;
}

std::uint64_t service_entry(std::size_t index, std::uint64_t function) noexcept {
  if (index >= kServiceGates) return function;  // never: the table has fewer services (a test checks)
  return (reinterpret_cast<std::uintptr_t>(dyn_arm_gates) + 4 * index) | 1u;
}

}  // namespace dyn::port

// The context switch (context_armv7m.S) saves each context's domain and
// PSP with its registers and calls this when the one it resumes runs in
// another domain than the MPU holds.
extern "C" void dyn_port_resume_mapping(const dyn::mps2::Mapping* mapping) {
  if (g_resume_mapping) g_resume_mapping(mapping);  // set before any context had a mapping of its own
}
