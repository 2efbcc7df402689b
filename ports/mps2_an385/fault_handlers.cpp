// fault_handlers.cpp — a fault's record on the console, then the run ends.
#include "fault_handlers.hpp"

#include <cstdint>

#include "board.hpp"

namespace {

using namespace dyn::mps2;

// Called with the stack the exception frame was pushed on.
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

}  // namespace

// Finds which stack holds the frame (EXC_RETURN bit 2) and reports.
#define DYN_FAULT_ENTRY(name)                    \
  extern "C" __attribute__((naked)) void name() { \
    asm volatile(                                \
        "tst lr, #4\n"                           \
        "ite eq\n"                               \
        "mrseq r0, msp\n"                        \
        "mrsne r0, psp\n"                        \
        "mov r1, lr\n"                           \
        "b dyn_fault_report\n");                 \
  }

DYN_FAULT_ENTRY(dyn_hard_fault_handler)
DYN_FAULT_ENTRY(dyn_mem_manage_handler)
DYN_FAULT_ENTRY(dyn_bus_fault_handler)
DYN_FAULT_ENTRY(dyn_usage_fault_handler)
