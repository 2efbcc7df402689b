// epitaph.cpp — port::leave_epitaph on the Cortex-M3 (epitaph.hpp).
#include "epitaph.hpp"

#include <cstring>

#include "board.hpp"
#include "dyn/crc32.hpp"
#include "port.hpp"

namespace dyn::mps2 {

namespace {

constexpr std::uint32_t kMagic = 0x45504954;  // "EPIT"
constexpr std::uint32_t kAircr = 0xE000ED0C, kAircrResetRequest = 0x05FA0004;

// .noinit: after .bss, never zeroed (mps2_an385.ld), so it outlives a
// reset. Raw bytes: an object there would be constructed again at boot.
__attribute__((section(".noinit"))) alignas(Epitaph) std::byte g_epitaph[sizeof(Epitaph)];
Epitaph g_last;
bool g_have_last = false;

std::uint32_t checksum(const Epitaph& e) noexcept {
  return crc32({reinterpret_cast<const std::byte*>(&e), offsetof(Epitaph, crc)});
}

}  // namespace

void report_epitaph_at_boot() noexcept {
  Epitaph e;
  std::memcpy(&e, g_epitaph, sizeof e);
  if (e.magic != kMagic || e.crc != checksum(e)) return;  // none, or damaged
  g_last = e;
  g_last.boots += 1;
  g_have_last = true;
  std::memset(g_epitaph, 0, sizeof g_epitaph);  // reported once
  uart_write("epitaph from before the reset: task ");
  uart_write(g_last.task);
  uart_write(" stopped: ");
  uart_write(to_string(g_last.record.kind));
  uart_write(" in module ");
  uart_write(g_last.record.module[0] ? g_last.record.module : "(none)");
  uart_write(" at pc ");
  uart_write_hex(static_cast<std::uint32_t>(g_last.record.pc));
  uart_write(" address ");
  uart_write_hex(static_cast<std::uint32_t>(g_last.record.address));
  uart_write(" (mission time ");
  uart_write_unsigned(static_cast<std::uint64_t>(g_last.record.at));  // no 64-bit division in a flight image
  uart_write(" us)\n");
}

const Epitaph* last_epitaph() noexcept { return g_have_last ? &g_last : nullptr; }

[[noreturn]] void reset_board() noexcept {
  asm volatile("dsb" ::: "memory");
  scb::reg(kAircr) = kAircrResetRequest;
  asm volatile("dsb" ::: "memory");
  for (;;) asm volatile("wfi");
}

}  // namespace dyn::mps2

namespace dyn::port {

void leave_epitaph(const char* task, const FaultRecord& record) noexcept {
  using namespace dyn::mps2;
  Epitaph e{};
  e.magic = kMagic;
  std::size_t n = 0;
  while (task && task[n] && n < kTaskNameMax) {
    e.task[n] = task[n];
    ++n;
  }
  e.record = record;
  e.crc = checksum(e);
  std::memcpy(g_epitaph, &e, sizeof e);  // the last fault wins
}

}  // namespace dyn::port
