// startup.cpp — vector table and reset for the Cortex-M3 of MPS2 AN385:
// copy .data, zero .bss, run the static constructors, enable the
// configurable fault handlers, call main(), exit through semihosting with
// its verdict.
#include <cstdint>

#include "board.hpp"
#include "epitaph.hpp"
#include "fault_handlers.hpp"

extern "C" {
extern std::uint32_t __data_start[], __data_end[], __data_load[], __bss_start[], __bss_end[];
extern void (*__init_array_start[])();
extern void (*__init_array_end[])();
extern std::uint32_t __stack_top[];
int main();
[[noreturn]] void dyn_reset();
void dyn_systick_handler();
void dyn_pendsv_handler();
void dyn_svc_handler();
void dyn_unexpected_handler();
}

namespace {
using Handler = void (*)();
}

// The first 16 entries are the core's; the board's 32 interrupts follow, all
// unexpected until a driver attaches a handler (irq_attach moves the table to RAM).
__attribute__((section(".vectors"), used)) const Handler g_vectors[16 + 32] = {
    reinterpret_cast<Handler>(__stack_top),
    dyn_reset,
    dyn_unexpected_handler,  // NMI
    dyn_hard_fault_handler,
    dyn_mem_manage_handler,
    dyn_bus_fault_handler,
    dyn_usage_fault_handler,
    nullptr, nullptr, nullptr, nullptr,
    dyn_svc_handler,         // SVC: the gates and returns of module code (isolation.cpp)
    dyn_unexpected_handler,  // debug monitor
    nullptr,
    dyn_pendsv_handler,      // the kernel entry interrupts ask for (interrupts.cpp)
    dyn_systick_handler,
    // IRQ 0..31
    dyn_unexpected_handler, dyn_unexpected_handler, dyn_unexpected_handler, dyn_unexpected_handler,
    dyn_unexpected_handler, dyn_unexpected_handler, dyn_unexpected_handler, dyn_unexpected_handler,
    dyn_unexpected_handler, dyn_unexpected_handler, dyn_unexpected_handler, dyn_unexpected_handler,
    dyn_unexpected_handler, dyn_unexpected_handler, dyn_unexpected_handler, dyn_unexpected_handler,
    dyn_unexpected_handler, dyn_unexpected_handler, dyn_unexpected_handler, dyn_unexpected_handler,
    dyn_unexpected_handler, dyn_unexpected_handler, dyn_unexpected_handler, dyn_unexpected_handler,
    dyn_unexpected_handler, dyn_unexpected_handler, dyn_unexpected_handler, dyn_unexpected_handler,
    dyn_unexpected_handler, dyn_unexpected_handler, dyn_unexpected_handler, dyn_unexpected_handler,
};

extern "C" [[noreturn]] void dyn_reset() {
  for (std::uint32_t *from = __data_load, *to = __data_start; to < __data_end;) *to++ = *from++;
  for (std::uint32_t* p = __bss_start; p < __bss_end;) *p++ = 0;
  using namespace dyn::mps2;
  // MemManage, BusFault and UsageFault get their own handlers; divide by zero traps.
  scb::reg(scb::kShcsr) |= (1u << 16) | (1u << 17) | (1u << 18);
  scb::reg(scb::kCcr) |= 1u << 4;  // DIV_0_TRP
  scb::reg(scb::kShpr3) |= 0xFFu << 16;  // PendSV at the lowest priority: after every handler
  uart_init();
  for (auto f = __init_array_start; f < __init_array_end; ++f) (*f)();
  dyn::mps2::report_epitaph_at_boot();  // after the constructors: its copy is a constructed object
  exit_with(main() == 0);
}

extern "C" void dyn_unexpected_handler() {
  std::uint32_t ipsr;
  asm volatile("mrs %0, ipsr" : "=r"(ipsr));
  dyn::mps2::uart_write("\nunexpected exception ");
  dyn::mps2::uart_write_unsigned(ipsr & 0x1FF);
  dyn::mps2::uart_write("\n");
  dyn::mps2::exit_with(false);
}
