// fault_handlers.cpp — a task's fault stops that task; any other fault
// prints its record on the console and ends the run.
//
// A fault taken in thread mode while a task runs outside the kernel is
// handed to Kernel::fault_from_port() in the task's own context: the
// handler rewrites the exception frame to return into dyn_fault_trampoline
// (inside the kernel's critical section, as the tick does), which calls it.
// If the fault is a module task's (the task manager attributes it by the
// faulting pc), the task is stopped with its record and the others go on;
// if not (the kernel's own code, a plain task), the run ends with the record.
//
// Unprivileged module code (on PSP, isolation.hpp) faults into the same
// trampoline, but on the task's kernel stack: the module stack may be the
// very thing that overflowed. Such a fault is the module's wherever the pc
// is (module_mode: a C library routine it called runs in its domain too).
#include "fault_handlers.hpp"

#include <cstdint>

#include "board.hpp"
#include "dyn/fault.hpp"
#include "dyn/kernel.hpp"

extern "C" {
extern const std::uint32_t __etext[];  // the end of the image's code (linker script)
void dyn_fault_trampoline();
std::uint32_t dyn_port_kernel_depth();
void dyn_port_claim_kernel();
}

namespace {

using namespace dyn::mps2;

// CFSR bits (ARMv7-M ARM, B3.2.15).
constexpr std::uint32_t kSvcallPended = 1u << 15;  // SHCSR (ARMv7-M ARM, B3.2.13)
constexpr std::uint32_t kDfsr = 0xE000ED30;         // debug fault status (a breakpoint's)
constexpr std::uint32_t kMmArValid = 1u << 7, kBfArValid = 1u << 15, kMStkErr = 1u << 4, kMUnstkErr = 1u << 3,
                        kStkErr = 1u << 12;
constexpr std::uint32_t kUndefInstr = 1u << 16, kInvState = 1u << 17, kInvPc = 1u << 18, kNoCp = 1u << 19,
                        kUnaligned = 1u << 24, kDivByZero = 1u << 25;

dyn::FaultRecord g_record;  // the fault being handed to the kernel (one at a time: it runs in its section)

dyn::FaultKind kind_of(std::uint32_t cfsr) {
  if (cfsr & kDivByZero) return dyn::FaultKind::DivideByZero;
  if (cfsr & (kUndefInstr | kInvState | kInvPc | kNoCp)) return dyn::FaultKind::IllegalInstruction;
  if (cfsr & kUnaligned) return dyn::FaultKind::Bus;
  if (cfsr & 0xFFu) return dyn::FaultKind::MemoryAccess;
  if (cfsr & 0xFF00u) return dyn::FaultKind::Bus;
  return dyn::FaultKind::IllegalInstruction;
}

// A module's fault taken pushing its frame, or with its stack pointer in
// the guard at the bottom of its stack or below it, is a stack overflow.
bool overflows_stack(std::uint32_t cfsr, std::uint32_t sp) {
  const dyn::ModuleDomain* d = current_domain();
  if (cfsr & (kMStkErr | kStkErr)) return true;
  return d && d->stack_base && sp < d->stack_base + 32;
}

// Unprivileged module code faulted: the record, then the trampoline on the task's kernel stack.
ExitRecord* hand_module_fault(const std::uint32_t* frame, std::uint32_t msp) {
  const std::uint32_t cfsr = scb::reg(scb::kCfsr);
  scb::reg(scb::kCfsr) = cfsr;  // write one to clear
  std::uint32_t address = 0;
  if (cfsr & kMmArValid) address = scb::reg(scb::kMmfar);
  else if (cfsr & kBfArValid) address = scb::reg(scb::kBfar);
  const bool frame_valid = (cfsr & (kMStkErr | kMUnstkErr | kStkErr)) == 0;
  const dyn::FaultKind kind =
      overflows_stack(cfsr, reinterpret_cast<std::uint32_t>(frame)) ? dyn::FaultKind::StackOverflow : kind_of(cfsr);
  return module_fault_exit(kind, frame_valid ? frame[6] : 0, address, reinterpret_cast<std::uint32_t>(frame), msp);
}

// True if the fault was handed to the task's context (the frame now returns into the trampoline).
bool hand_to_task(std::uint32_t* frame, std::uint32_t exc_return) {
  const dyn::Kernel* k = dyn::Kernel::current();
  if (exc_return != kExcReturnThreadMsp || dyn_port_kernel_depth() != 0 || !k || !k->running()) return false;
  const std::uint32_t cfsr = scb::reg(scb::kCfsr);
  dyn::FaultRecord r;
  r.kind = kind_of(cfsr);
  r.pc = frame[6];
  r.sp = reinterpret_cast<std::uintptr_t>(frame);
  if (cfsr & kMmArValid) r.address = scb::reg(scb::kMmfar);
  else if (cfsr & kBfArValid) r.address = scb::reg(scb::kBfar);
  r.in_kernel_image = r.pc < reinterpret_cast<std::uintptr_t>(__etext);
  g_record = r;
  scb::reg(scb::kCfsr) = cfsr;  // write one to clear: the next fault reads its own cause
  frame[6] = reinterpret_cast<std::uint32_t>(&dyn_fault_trampoline) & ~1u;
  frame[7] = 0x01000000u;  // Thumb; the faulting IT block is not resumed
  dyn_port_claim_kernel();
  return true;
}

}  // namespace

namespace dyn::mps2 {
ExitRecord* module_fault_exit(FaultKind kind, std::uint32_t pc, std::uint32_t address, std::uint32_t sp,
                              std::uint32_t msp) noexcept {
  dyn::FaultRecord r;
  r.kind = kind;
  r.pc = pc;
  r.sp = sp;
  r.address = address;
  r.in_kernel_image = pc < reinterpret_cast<std::uintptr_t>(__etext);
  r.module_mode = true;
  g_record = r;
  // An SVC whose stacking faulted stays pending: it must not fire later in
  // the kernel's code (the task is stopped; its call is void).
  scb::reg(scb::kShcsr) &= ~kSvcallPended;
  dyn_port_claim_kernel();
  return exit_to_kernel(msp, dyn_fault_trampoline);
}
}  // namespace dyn::mps2

// Thread mode, on the faulting task's stack, inside the kernel's section.
extern "C" void dyn_fault_in_thread() {
  if (dyn::Kernel* k = dyn::Kernel::current()) (void)k->fault_from_port(g_record);  // returns only if not a module task's
  uart_write("\nfault: ");
  uart_write(dyn::to_string(g_record.kind));
  uart_write(" at pc ");
  uart_write_hex(static_cast<std::uint32_t>(g_record.pc));
  uart_write(" in ");
  uart_write(g_record.in_kernel_image ? "the kernel's code" : "code no module owns");
  uart_write(": not a module task's fault, the system stops\n");
  exit_with(false);
}

// Any other fault: its record, then the run ends. Called with the stack the
// exception frame was pushed on (EXC_RETURN bit 2 says which).
extern "C" [[noreturn]] void dyn_fault_report(const std::uint32_t* frame, std::uint32_t exc_return) {
  std::uint32_t ipsr;
  asm volatile("mrs %0, ipsr" : "=r"(ipsr));
  const char* names[] = {"?", "?", "?", "HardFault", "MemManage", "BusFault", "UsageFault"};
  const std::uint32_t n = ipsr & 0x1FF;
  uart_write("\nfault: ");
  uart_write(n < 7 ? names[n] : "?");
  uart_write(" pc ");
  uart_write_hex(frame[6]);
  uart_write(" lr ");
  uart_write_hex(frame[5]);
  uart_write(" cfsr ");
  uart_write_hex(scb::reg(scb::kCfsr));
  uart_write(" hfsr ");
  uart_write_hex(scb::reg(scb::kHfsr));
  uart_write(" mmfar ");
  uart_write_hex(scb::reg(scb::kMmfar));
  uart_write(" bfar ");
  uart_write_hex(scb::reg(scb::kBfar));
  uart_write((exc_return & 4) ? " (thread stack)\n" : " (main stack)\n");
  exit_with(false);
}

// A task's fault goes back to it through the trampoline; anything else is
// reported. Returns how the handler leaves (context_armv7m.S).
extern "C" ExitRecord* dyn_fault_dispatch(std::uint32_t* frame, std::uint32_t exc_return, std::uint32_t msp) {
  const dyn::Kernel* k = dyn::Kernel::current();
  if (exc_return == kExcReturnThreadPsp && k && k->running()) return hand_module_fault(frame, msp);
  if (!hand_to_task(frame, exc_return)) dyn_fault_report(frame, exc_return);
  ExitRecord& e = exit_record();  // the frame was rewritten in place: return through it
  e = ExitRecord{exc_return, 0, msp, 0, {}};
  return &e;
}

// A fault the configurable handlers could not take (context_armv7m.S
// enters here). From module code it is still the module's: a breakpoint
// (HFSR.DEBUGEVT, no debugger attached), or a fault escalated while
// stacking; the task is stopped. Anything else ends the run.
extern "C" ExitRecord* dyn_hard_fault_dispatch(std::uint32_t* frame, std::uint32_t exc_return, std::uint32_t msp) {
  const dyn::Kernel* k = dyn::Kernel::current();
  if (exc_return != kExcReturnThreadPsp || !k || !k->running()) dyn_fault_report(frame, exc_return);
  const std::uint32_t hfsr = scb::reg(scb::kHfsr);
  const std::uint32_t cfsr = scb::reg(scb::kCfsr);
  scb::reg(scb::kHfsr) = hfsr;  // write one to clear
  scb::reg(scb::kCfsr) = cfsr;
  scb::reg(kDfsr) = scb::reg(kDfsr);
  const bool frame_valid = (cfsr & (kMStkErr | kMUnstkErr | kStkErr)) == 0;
  return module_fault_exit(dyn::FaultKind::IllegalInstruction, frame_valid ? frame[6] : 0, 0,
                           reinterpret_cast<std::uint32_t>(frame), msp);
}
