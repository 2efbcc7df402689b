// bench_events.cpp — guest instructions per kernel event on the Cortex-M3,
// Thread-Metric style, under `qemu-system-arm -icount shift=0` (one
// instruction per virtual nanosecond: the port's clock counts instructions).
// Run by bench/qemu_events.sh; the method is in docs/performance.md.
//   cooperative: two equal tasks, each yielding to the other: under round robin (seed 002),
//     and under the priority policy with equal priorities (FreeRTOS's semantics)
//   preemptive: a waiting higher-priority task woken by a lower one's notify and yield, and back
//   interrupt: a lower task pends an IRQ (NVIC STIR); its handler posts a notification
//     (Kernel::post_from_interrupt); the woken higher-priority waiter preempts at once, receives,
//     waits again, and the interrupted task goes on
//   message: one task sends a notification (to itself) and receives it
//   multilevel decision: N jobs (levels 1..6) released together; instructions per run started,
//     for N = 10, 100, 1 000 (the policy's pick, the dispatch and the run's end)
#include <cstdint>
#include <new>

#include "board.hpp"
#include "dyn/kernel.hpp"
#include "dyn/sched_multilevel.hpp"
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

KernelConfig config(ClockMode clock = ClockMode::Virtual) {
  KernelConfig c;
  c.clock = clock;
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
    k.yield();  // notify() does not switch: the yield lets the woken, more important waiter run
  }
  k.exit_task();
}

constexpr unsigned kBenchIrq = 31;  // no device of the AN385 image drives it

void bench_irq_handler() {
  if (!Kernel::current()->post_from_interrupt(g_waiter, Notification{1})) mps2::uart_write("post refused\n");
}

// Pends the IRQ with the stack pointer one word further down than
// irq_trigger's: one of the two takes the exception on a stack that is not
// 8-byte aligned, so the hardware pads the frame, and the task is resumed
// from both kinds of frame.
[[gnu::noinline]] void trigger_one_word_down() {
  // Safety: sp goes back before the asm ends; the STIR write is irq_trigger's.
  asm volatile("sub sp, sp, #4\n str %0, [%1]\n dsb\n isb\n add sp, sp, #4"
               :
               : "r"(kBenchIrq), "r"(0xE000EF00u)
               : "memory");
}

std::uint32_t g_checksum = 0;

void interrupter(void* arg) noexcept {
  auto& k = *static_cast<Kernel*>(arg);
  g_start = port::clock_now_ns();
  // Bounded: if the waiter were not woken this ends anyway (and the count
  // says so). The checksum lives in registers across the interrupts.
  std::uint32_t sum = 0;
  for (std::uint32_t i = 0; i < kEvents && g_count < kEvents; ++i) {
    if (i & 1) trigger_one_word_down();
    else mps2::irq_trigger(kBenchIrq);
    sum = sum * 31 + i;
  }
  g_checksum = sum;
  k.exit_task();
}

std::uint32_t expected_checksum() {
  std::uint32_t sum = 0;
  for (std::uint32_t i = 0; i < kEvents; ++i) sum = sum * 31 + i;
  return sum;
}

void messenger(void* arg) noexcept {
  auto& k = *static_cast<Kernel*>(arg);
  const TaskId self = k.running()->id;
  g_start = port::clock_now_ns();
  for (std::uint32_t i = 0; i < kEvents; ++i) {
    (void)k.notify(self, Notification{i});
    Notification n;
    if (k.wait_notification(0, &n) && n.raw == i) ++g_count;
  }
  g_end = port::clock_now_ns();
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

bool g_all_counted = true;

void report(const char* what, std::uint32_t events) {
  if (g_count != events) {
    g_all_counted = false;
    mps2::uart_write(what);
    mps2::uart_write(": FAILED, ");
    mps2::uart_write_unsigned(g_count);
    mps2::uart_write(" events of ");
    mps2::uart_write_unsigned(events);
    mps2::uart_write("\n");
    return;
  }
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

// The multilevel decision at scale.
constexpr std::size_t kManyMax = 1000;
constexpr std::size_t kSmallStack = 1024;
Task g_many[kManyMax];
alignas(8) std::byte g_many_stacks[kManyMax][kSmallStack];
char g_many_names[kManyMax][8];  // task names are unique
std::uint32_t g_runs = 0;
std::int64_t g_first_run = 0, g_last_run = 0;

void short_job(void*) noexcept {
  const std::int64_t t = port::clock_now_ns();
  if (g_runs++ == 0) g_first_run = t;
  g_last_run = t;
}

void multilevel_decision(std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) new (&g_many[i]) Task();  // fresh slots (a run before used some)
  TaskTable table(std::span(g_many, n));
  MultilevelPolicy policy;
  KernelConfig c = config();
  c.min_stack = kSmallStack;
  Kernel k(table, policy, c);
  for (std::size_t i = 0; i < n; ++i) {
    TaskSpec s;
    char* name = g_many_names[i];
    name[0] = 'j';
    std::size_t at = 1;
    for (std::size_t d = 1000; d > 0; d /= 10) name[at++] = static_cast<char>('0' + i / d % 10);
    name[at] = '\0';
    s.name = name;
    s.model = RunModel::Job;
    s.level = static_cast<std::uint8_t>(1 + i % 6);
    s.interval = kSecond;
    s.entry = short_job;
    s.stack = g_many_stacks[i];
    if (auto created = k.create(s); !created) {
      mps2::uart_write("multilevel: task not created, error ");
      mps2::uart_write_unsigned(static_cast<unsigned>(created.error().code));
      mps2::uart_write("\n");
      return;
    }
  }
  g_runs = 0;
  k.run_until(kSecond / 2);  // every job runs once: n decisions
  const std::int64_t instructions = g_last_run - g_first_run;
  mps2::uart_write("multilevel decision with ");
  mps2::uart_write_unsigned(n);
  mps2::uart_write(" jobs: ");
  mps2::uart_write_unsigned(static_cast<std::uint64_t>(g_runs > 1 ? instructions / (g_runs - 1) : 0));
  mps2::uart_write(" instructions per run started (");
  mps2::uart_write_unsigned(g_runs);
  mps2::uart_write(" runs)\n");
}

void reset_counts() {
  // Fresh slots: the last run's tasks are dead, not free. Safety: placement
  // new over slots whose table and kernel are gone (no structure links them).
  for (Task& t : g_slots) new (&t) Task();
  g_count = 0;
  g_start = g_end = 0;
  g_started = g_ended = false;
}

// One event's measurement: fresh slots, a kernel with `Policy` on `clock`,
// the tasks `setup` creates, the run, the figure. On the real-time clock the
// run idles from the last task's exit to its end: one second, not a thousand.
template <class Policy, class Setup>
bool measure(const char* label, Setup setup, ClockMode clock = ClockMode::Virtual) {
  reset_counts();
  TaskTable table(g_slots);
  Policy policy;
  Kernel k(table, policy, config(clock));
  if (!setup(k)) return false;
  k.run_until(clock == ClockMode::Virtual ? kSecond * 1000 : kSecond);
  report(label, kEvents);
  return true;
}

bool waiter_and(Kernel& k, const char* name, void (*other)(void*) noexcept) {
  auto w = k.create(spec("waiter", waiter, k, 0, 5));
  if (!w) return false;
  g_waiter = w.value();
  return static_cast<bool>(k.create(spec(name, other, k, 1, 1)));
}

}  // namespace

int main() {
  (void)port::clock_now_ns();  // starts the clock (SysTick) before anything is measured
  auto two_yielders = [](Kernel& k) {
    return k.create(spec("a", yielder, k, 0, 1)) && k.create(spec("b", yielder, k, 1, 1));
  };
  if (!measure<RoundRobinPolicy>("cooperative yield, round robin (task -> task)", two_yielders)) return 1;
  if (!measure<PriorityPolicy>("cooperative yield, priority policy, equal priorities (task -> task)", two_yielders))
    return 1;
  if (!measure<PriorityPolicy>("preemptive: a notification wakes a higher-priority waiter (send, switch, receive, switch back)",
                               [](Kernel& k) { return waiter_and(k, "sender", sender); }))
    return 1;
  // The same two on the port's clock (ClockMode::Realtime, a flight image's
  // mode): every reading of the clock is SysTick's, not a variable's.
  if (!measure<PriorityPolicy>("cooperative yield, priority policy, equal priorities, real-time clock", two_yielders,
                               ClockMode::Realtime))
    return 1;
  if (!measure<PriorityPolicy>("preemptive, real-time clock",
                               [](Kernel& k) { return waiter_and(k, "sender", sender); }, ClockMode::Realtime))
    return 1;
  mps2::irq_attach(kBenchIrq, bench_irq_handler);
  if (!measure<PriorityPolicy>("interrupt: its handler's post wakes a higher-priority waiter (IRQ, preempt, receive, switch back)",
                               [](Kernel& k) { return waiter_and(k, "interrupter", interrupter); }))
    return 1;
  if (g_checksum != expected_checksum()) {
    mps2::uart_write("interrupt: FAILED, the interrupted task's computation went wrong\n");
    g_all_counted = false;
  }
  if (!measure<PriorityPolicy>("message: a notification sent and received (no switch)",
                               [](Kernel& k) { return static_cast<bool>(k.create(spec("messenger", messenger, k, 0, 1))); }))
    return 1;
  for (std::size_t n : {std::size_t{10}, std::size_t{100}, kManyMax}) multilevel_decision(n);
  return g_all_counted ? 0 : 1;
}
