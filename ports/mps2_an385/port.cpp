// port.cpp — the port contract (core/port/port.hpp) on the Cortex-M3 of
// MPS2 AN385: contexts on the process's own stacks (cooperative switches:
// context_armv7m.S), the clock from SysTick at 1 kHz, the kernel's critical
// section as PRIMASK with a nesting depth, sleep with WFI.
//
// Not yet on this port (issue 13): preemption by the tick (SysTick only
// keeps time; a tick would have to be delivered in thread mode, through
// PendSV, for the kernel to switch away), unprivileged tasks on MPU regions,
// faults stopping only their task. Until then the kernel runs here with
// preemption_ticks off, and a fault ends the run with its record.
#include <cstdint>

#include "board.hpp"
#include "port.hpp"

extern "C" {
void dyn_arm_context_switch(void** save_sp, void* to_sp);
void dyn_arm_context_start();
void dyn_systick_handler();
}

namespace {

using namespace dyn::mps2;

constexpr std::uint32_t kTicksPerSecond = 1000;
constexpr std::uint32_t kReload = kSystemClockHz / kTicksPerSecond - 1;
constexpr std::uint32_t kCyclesPerMicrosecond = kSystemClockHz / 1'000'000;
constexpr std::uint32_t kPendSysTick = 1u << 26;  // ICSR

volatile std::uint64_t g_milliseconds = 0;
std::uint32_t g_depth = 0;  // kernel sections entered and not left (across contexts: one CPU)
bool g_clock_running = false;

void start_clock() noexcept {
  scb::reg(scb::kSysTickLoad) = kReload;
  scb::reg(scb::kSysTickVal) = 0;
  scb::reg(scb::kSysTickCtrl) = 0x7;  // processor clock, interrupt, enable
  g_clock_running = true;
}

}  // namespace

extern "C" void dyn_systick_handler() { g_milliseconds = g_milliseconds + 1; }

namespace dyn::port {

void* context_init(std::span<std::byte> stack, ContextEntry entry, void* arg) noexcept {
  auto top = reinterpret_cast<std::uintptr_t>(stack.data() + stack.size()) & ~std::uintptr_t{7};
  auto* frame = reinterpret_cast<std::uint32_t*>(top) - 9;  // r4-r11, then the return address
  for (int i = 0; i < 9; ++i) frame[i] = 0;
  frame[0] = reinterpret_cast<std::uint32_t>(entry);  // r4
  frame[1] = reinterpret_cast<std::uint32_t>(arg);    // r5
  frame[8] = reinterpret_cast<std::uint32_t>(&dyn_arm_context_start);
  return frame;
}

void context_switch(void** save_sp, void* to_sp, std::span<std::byte>, bool) noexcept {
  dyn_arm_context_switch(save_sp, to_sp);
}

Time clock_now() noexcept {
  if (!g_clock_running) start_clock();
  std::uint64_t ms;
  std::uint32_t value, pending;
  do {
    ms = g_milliseconds;
    value = scb::reg(scb::kSysTickVal);
    pending = scb::reg(scb::kIcsr) & kPendSysTick;
  } while (ms != g_milliseconds);
  // A wrap whose interrupt is held off (inside the kernel) has not counted yet.
  if (pending && value > kReload / 2) ++ms;
  const std::uint32_t elapsed = kReload - value;
  return static_cast<Time>(ms * 1000 + elapsed / kCyclesPerMicrosecond);
}

std::int64_t clock_now_ns() noexcept { return clock_now() * 1000; }

void idle_until(Time t) noexcept {
  while (clock_now() < t) asm volatile("wfi");
}

void kernel_enter() noexcept {
  asm volatile("cpsid i" ::: "memory");
  ++g_depth;
}

void kernel_exit() noexcept {
  if (g_depth > 0 && --g_depth == 0) asm volatile("cpsie i" ::: "memory");
}

void tick_start(Time, Time, bool) noexcept {
  if (!g_clock_running) start_clock();  // time only: no preemption on this port yet
}

void tick_stop() noexcept {}

void traps_start() noexcept {}  // the fault handlers are armed from reset
void traps_stop() noexcept {}

}  // namespace dyn::port
