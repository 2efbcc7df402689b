// port.cpp — the port contract (core/port/port.hpp) on the Cortex-M3 of
// MPS2 AN385: contexts on the process's own stacks (cooperative switches:
// context_armv7m.S), the clock from SysTick at 1 kHz, the kernel's critical
// section as PRIMASK with a nesting depth, sleep with WFI.
//
// Module code runs unprivileged in its MPU domain: isolation.cpp.
#include <cstdint>

#include "board.hpp"
#include "dyn/kernel.hpp"
#include "isolation.hpp"
#include "port.hpp"

extern "C" {
void dyn_arm_context_switch(void** save_sp, void* to_sp);
void dyn_arm_context_start();
void dyn_tick_trampoline_module();
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
  // The write above cleared the counter; until it reloads it reads 0, which
  // clock_now() would take for the end of a period (a first reading 1 ms
  // ahead of the next ones).
  while (scb::reg(scb::kSysTickVal) == 0) {
  }
  g_clock_running = true;
}

}  // namespace

// --- the tick -------------------------------------------------------------------
//
// SysTick keeps time at 1 kHz. While the kernel runs tasks (tick_start), a
// tick is delivered into the running task in thread mode (context_armv7m.S:
// an injected exception frame returns into dyn_tick_trampoline), where
// Kernel::tick_from_port() may preempt the task or stop it. Real time: every
// tick. Virtual time (as on the host): only into code that has run without
// calling the kernel for kRunawayAfter, then one per real_period — ordinary
// code costs nothing, a runaway loop is charged and stopped by its watchdog.
// A tick is not delivered into an exception handler, inside the kernel, or
// where the task cannot be resumed exactly by a branch (inside an IT block
// or a multi-register load/store: the xPSR's IT/ICI bits); the next one is.

namespace {

constexpr dyn::Time kRunawayAfter = 2000;  // us
constexpr std::uint32_t kXpsrItIci = 0x0600FC00u;

bool g_ticking = false;
bool g_virtual_time = true;
dyn::Time g_real_period = 250;
std::uint64_t g_last_stretch = ~std::uint64_t{0};
dyn::Time g_stretch_mark = 0;
bool g_stretch_charged = false;

}  // namespace

extern "C" std::uint32_t dyn_port_kernel_depth() { return g_depth; }

// What a handler that hands work to the interrupted task does first: the
// task then starts inside the kernel's critical section.
extern "C" void dyn_port_claim_kernel() {
  asm volatile("cpsid i" ::: "memory");
  ++g_depth;
}

// 0: no delivery; 1: into kernel code on MSP (the handler injects a frame);
// else the ExitRecord into dyn_tick_trampoline_module (module code on PSP,
// resumed exactly from its own frame whatever its IT state).
extern "C" std::uintptr_t dyn_systick_decide(const std::uint32_t* frame, std::uint32_t exc_return, std::uint32_t msp) {
  g_milliseconds = g_milliseconds + 1;
  const bool module_code = exc_return == kExcReturnThreadPsp;
  if (!g_ticking || g_depth != 0) return 0;
  if (!module_code && (exc_return != kExcReturnThreadMsp || (frame[7] & kXpsrItIci) != 0)) return 0;
  dyn::Kernel* k = dyn::Kernel::current();
  if (!k || !k->running()) return 0;
  if (g_virtual_time) {
    const dyn::Time now = dyn::port::clock_now();
    if (k->stretch() != g_last_stretch) {  // first sighting: maybe ordinary code
      g_last_stretch = k->stretch();
      g_stretch_mark = now;
      g_stretch_charged = false;
      return 0;
    }
    if (now - g_stretch_mark < (g_stretch_charged ? g_real_period : kRunawayAfter)) return 0;
    g_stretch_mark = now;
    g_stretch_charged = true;
  }
  dyn_port_claim_kernel();  // the trampoline starts inside the kernel's critical section
  if (module_code) return reinterpret_cast<std::uintptr_t>(exit_to_kernel(msp, dyn_tick_trampoline_module));
  return 1;
}

extern "C" void dyn_tick_in_thread() {
  if (dyn::Kernel* k = dyn::Kernel::current()) k->tick_from_port();
  dyn::port::kernel_exit();
}

// Rebuilds the task's registers as one block to pop — {lr, r0, r1, r2, r3,
// r12, pc}: Thumb-2 cannot pop lr and pc together — ending where the task's
// stack pointer was before the exception (above the frame, and its padding
// word if the hardware aligned the stack). Returns {block, xPSR}.
extern "C" std::uint64_t dyn_tick_resume_block(std::uint32_t* frame) {
  const std::uint32_t xpsr = frame[7];
  const std::uint32_t r[8] = {frame[5], frame[0], frame[1], frame[2], frame[3], frame[4], frame[6] | 1u, 0};
  std::uint32_t* const end = frame + 8 + ((xpsr & kXpsrPadded) ? 1 : 0);
  std::uint32_t* const block = end - 7;  // overlaps the frame: everything was read first
  for (int i = 0; i < 7; ++i) block[i] = r[i];
  return static_cast<std::uint64_t>(xpsr) << 32 | reinterpret_cast<std::uint32_t>(block);
}

namespace dyn::port {

void* context_init(std::span<std::byte> stack, ContextEntry entry, void* arg) noexcept {
  auto top = reinterpret_cast<std::uintptr_t>(stack.data() + stack.size()) & ~std::uintptr_t{7};
  // A pad word, the domain (none), PSP (0: no module code running), r4-r11, the return address.
  auto* frame = reinterpret_cast<std::uint32_t*>(top) - 12;
  for (int i = 0; i < 12; ++i) frame[i] = 0;
  frame[3] = reinterpret_cast<std::uint32_t>(entry);  // r4
  frame[4] = reinterpret_cast<std::uint32_t>(arg);    // r5
  frame[11] = reinterpret_cast<std::uint32_t>(&dyn_arm_context_start);
  return frame;
}

void context_switch(void** save_sp, void* to_sp, std::span<std::byte>, bool) noexcept {
  dyn_arm_context_switch(save_sp, to_sp);
}

namespace {
// Milliseconds and the cycles of SysTick (40 ns each) since.
struct ClockReading {
  std::uint64_t ms;
  std::uint32_t cycles;
};
ClockReading read_clock() noexcept {
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
  return {ms, kReload - value};
}
}  // namespace

Time clock_now() noexcept {
  const ClockReading r = read_clock();
  return static_cast<Time>(r.ms * 1000 + r.cycles / kCyclesPerMicrosecond);
}

// To one SysTick cycle (40 ns: under QEMU's -icount shift=0, 40 instructions).
std::int64_t clock_now_ns() noexcept {
  const ClockReading r = read_clock();
  return static_cast<std::int64_t>(r.ms * 1'000'000 + r.cycles * (1'000'000'000 / kSystemClockHz));
}

// Returns after any interrupt (port.hpp): one that posted for a task must
// let the dispatcher look again.
void idle_until(Time t) noexcept {
  if (clock_now() < t) asm volatile("wfi");
}

void kernel_enter() noexcept {
  asm volatile("cpsid i" ::: "memory");
  ++g_depth;
}

void kernel_exit() noexcept {
  if (g_depth > 0 && --g_depth == 0) asm volatile("cpsie i" ::: "memory");
}

void tick_start(Time, Time real_period, bool virtual_time) noexcept {
  if (!g_clock_running) start_clock();
  g_virtual_time = virtual_time;
  g_real_period = real_period > 0 ? real_period : 1;
  g_last_stretch = ~std::uint64_t{0};
  g_ticking = true;
}

void tick_stop() noexcept { g_ticking = false; }

TargetArch module_arch() noexcept { return TargetArch::Arm; }

void traps_start() noexcept {}  // the fault handlers are armed from reset
void traps_stop() noexcept {}

}  // namespace dyn::port
