// bench_events.cpp — guest instructions per kernel event on the Cortex-M3,
// Thread-Metric style, under `qemu-system-arm -icount shift=0` (one
// instruction per virtual nanosecond: the port's clock counts instructions).
// Run by bench/qemu_events.sh; the method is in docs/performance.md.
//   cooperative: two equal tasks under round robin, each yielding to the other
//   notification: a waiting higher-priority task woken by a lower one's notify and yield, and back
#include <cstdint>

#include "board.hpp"
#include "dyn/kernel.hpp"
#include "dyn/sched_priority.hpp"
#include "dyn/sched_round_robin.hpp"
#include "port.hpp"

namespace {

using namespace dyn;
#ifndef DYN_BENCH_EVENTS
#define DYN_BENCH_EVENTS 20000
#endif
constexpr std::uint32_t kEvents = DYN_BENCH_EVENTS;

Task g_slots[4];
alignas(8) std::byte g_stacks[2][4096];
std::uint32_t g_count = 0;
std::int64_t g_start = 0, g_end = 0;
bool g_started = false, g_ended = false;
TaskId g_waiter{};

KernelConfig config() {
  KernelConfig c;
  c.preemption_ticks = false;  // nothing but the events measured
  c.min_stack = 1024;
  c.time_slice = 0;
  return c;
}

void yielder(void* arg) noexcept {
  auto& k = *static_cast<Kernel*>(arg);
  if (!g_started) {
    g_started = true;
    g_start = port::clock_now_ns();
  }
  while (g_count < kEvents) {
    ++g_count;
    k.yield();
  }
  if (!g_ended) {
    g_ended = true;
    g_end = port::clock_now_ns();
  }
  k.exit_task();
}

void waiter(void* arg) noexcept {
  auto& k = *static_cast<Kernel*>(arg);
  for (;;) {
    Notification n;
    (void)k.wait_notification(kNever, &n);
    if (++g_count == kEvents) {
      g_end = port::clock_now_ns();
      k.exit_task();
    }
  }
}

void sender(void* arg) noexcept {
  auto& k = *static_cast<Kernel*>(arg);
  g_start = port::clock_now_ns();
  while (g_count < kEvents) {
    (void)k.notify(g_waiter, Notification{1});
    k.yield();  // preemption is at ticks and kernel calls: the yield lets the woken, more important waiter run
  }
  k.exit_task();
}

TaskSpec spec(const char* name, void (*entry)(void*) noexcept, Kernel& k, int slot, std::uint8_t priority) {
  TaskSpec s;
  s.name = name;
  s.model = RunModel::Loop;
  s.entry = entry;
  s.arg = &k;
  s.stack = g_stacks[slot];
  s.priority = priority;
  return s;
}

void report(const char* what, std::uint32_t events) {
  const std::int64_t instructions = g_end - g_start;
  mps2::uart_write(what);
  mps2::uart_write(": ");
  mps2::uart_write_unsigned(static_cast<std::uint64_t>(instructions / events));
  mps2::uart_write(".");
  mps2::uart_write_unsigned(static_cast<std::uint64_t>((instructions % events) * 10 / events));
  mps2::uart_write(" instructions per event (");
  mps2::uart_write_unsigned(events);
  mps2::uart_write(" events)\n");
}

}  // namespace

int main() {
  {
    TaskTable table(g_slots);
    RoundRobinPolicy rr;
    Kernel k(table, rr, config());
    if (!k.create(spec("a", yielder, k, 0, 1)) || !k.create(spec("b", yielder, k, 1, 1))) return 1;
    k.run_until(kSecond * 1000);
    report("cooperative yield (task -> task, equal priority)", kEvents);
  }
  g_count = 0;
  g_start = g_end = 0;
  g_started = g_ended = false;
  {
    TaskTable table(g_slots);
    PriorityPolicy priority;
    Kernel k(table, priority, config());
    auto w = k.create(spec("waiter", waiter, k, 0, 5));
    if (!w) return 1;
    g_waiter = w.value();
    if (!k.create(spec("sender", sender, k, 1, 1))) return 1;
    k.run_until(kSecond * 1000);
    report("notification wakes a higher-priority waiter (send, switch, receive, switch back)", kEvents);
  }
  return 0;
}
