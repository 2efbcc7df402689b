// kernel_conformance.cpp — the kernel's behaviour as every port must show
// it (issue 13, part 3): each policy's seed semantics, yield, sleep,
// notifications, the watchdog, time slicing, slot reuse. Written once;
// built as GoogleTest tests on the host (kernel_conformance_test) and into
// the Cortex-M3 image run under QEMU (conformance_mps2_an385). Deterministic
// virtual time, the same numbers on every port, except the last section,
// which runs on the port's clock and checks bounds.
//
// Most tests run in deterministic virtual time with the port's tick off
// (time moves only by the work tasks declare); the preemption tests turn the
// port's tick on, so code that never calls the kernel is preempted and
// stopped by the tick each port delivers into it.
#include "conformance.hpp"
#include "conformance_interrupt.hpp"
#include "conformance_system.hpp"
#include "port.hpp"

namespace dyn::conformance {
namespace {

// --- round robin (seed 002) ----------------------------------------------------

DYN_CONFORMANCE(ConformanceRoundRobin, CyclesThroughReadyTasksInSlotOrder) {
  System sys(PolicyChoice::RoundRobin);
  for (const char* n : {"a", "b", "c"}) DYN_CHECK(sys.add(loop(n), System::yield_loop, kMillisecond).has_value());
  sys.kernel().run_until(9 * kMillisecond);
  DYN_CHECK(sys.recorder.dispatch_order_is("a b c a b c a b c"));
}

DYN_CONFORMANCE(ConformanceRoundRobin, AFreedSlotIsReusedAndKeepsItsPlaceInTheCycle) {
  System sys(PolicyChoice::RoundRobin);
  auto a = sys.add(loop("a"), System::yield_loop, kMillisecond);
  DYN_CHECK(sys.add(loop("b"), System::yield_loop, kMillisecond).has_value());
  DYN_CHECK(sys.add(loop("c"), System::yield_loop, kMillisecond).has_value());
  DYN_CHECK(a.has_value());
  DYN_CHECK(sys.kernel().remove(a.value()).has_value());
  auto d = sys.add(loop("d"), System::yield_loop, kMillisecond);
  DYN_CHECK(d.has_value());
  DYN_CHECK_EQ(d.value().slot(), 0);
  sys.kernel().run_until(6 * kMillisecond);
  DYN_CHECK(sys.recorder.dispatch_order_is("d b c d b c"));
}

DYN_CONFORMANCE(ConformanceRoundRobin, TimeSlicePreemptsTasksThatNeverYield) {
  System sys(PolicyChoice::RoundRobin, deterministic_config(5 * kMillisecond));
  auto a = sys.add(loop("a"), System::busy, kSecond);
  DYN_CHECK(sys.add(loop("b"), System::busy, kSecond).has_value());
  sys.kernel().run_until(30 * kMillisecond);
  DYN_CHECK_EQ(sys.recorder.count, std::size_t{6});
  DYN_CHECK(sys.recorder.dispatch_order_is("a b a b a b"));
  for (std::size_t i = 0; i < sys.recorder.count; ++i)
    DYN_CHECK_EQ(sys.recorder.segments[i].end - sys.recorder.segments[i].start, 5 * kMillisecond);
  DYN_CHECK_EQ(sys.task(a.value()).stats.preemptions, std::uint64_t{3});
}

DYN_CONFORMANCE(ConformanceRoundRobin, WithoutASliceItIsCooperative) {
  System sys(PolicyChoice::RoundRobin, deterministic_config(0));
  DYN_CHECK(sys.add(loop("hog"), System::busy, 20 * kMillisecond).has_value());
  DYN_CHECK(sys.add(loop("other"), System::busy, kMillisecond).has_value());
  sys.kernel().run_until(20 * kMillisecond);
  DYN_CHECK(sys.recorder.dispatch_order_is("hog"));
}

// --- priority ---------------------------------------------------------------------

DYN_CONFORMANCE(ConformancePriority, HighestReadyRunsFirst) {
  System sys(PolicyChoice::Priority);
  DYN_CHECK(sys.add(loop("low", 1), System::busy, kMillisecond).has_value());
  DYN_CHECK(sys.add(loop("high", 9), System::busy, kMillisecond).has_value());
  DYN_CHECK(sys.add(loop("mid", 5), System::busy, kMillisecond).has_value());
  sys.kernel().run_until(3 * kMillisecond);
  DYN_CHECK(sys.recorder.dispatch_order_is("high mid low"));
}

DYN_CONFORMANCE(ConformancePriority, AWakingHigherPriorityTaskPreemptsAtTheNextTick) {
  System sys(PolicyChoice::Priority, deterministic_config(0));
  auto low = sys.add(loop("low", 1), System::busy, kSecond);
  TaskSpec high = job("high", 1, 20 * kMillisecond);
  high.priority = 5;
  auto h = sys.add(high, System::busy, 2 * kMillisecond);
  DYN_CHECK(low.has_value() && h.has_value());
  sys.kernel().run_until(100 * kMillisecond);
  DYN_CHECK(sys.recorder.starts_are("high", {0, 20 * kMillisecond, 40 * kMillisecond, 60 * kMillisecond, 80 * kMillisecond}));
  DYN_CHECK_EQ(sys.task(h.value()).stats.lateness_max, 0);
  DYN_CHECK_EQ(sys.task(low.value()).stats.preemptions, std::uint64_t{4});
  DYN_CHECK_EQ(sys.task(low.value()).stats.cpu_total, 90 * kMillisecond);
}

DYN_CONFORMANCE(ConformancePriority, EqualPrioritiesShareTheCpuOneSliceEach) {
  System sys(PolicyChoice::Priority, deterministic_config(5 * kMillisecond));
  DYN_CHECK(sys.add(loop("a", 3), System::busy, kSecond).has_value());
  DYN_CHECK(sys.add(loop("b", 3), System::busy, kSecond).has_value());
  DYN_CHECK(sys.add(loop("idle", 0), System::busy, kSecond).has_value());
  sys.kernel().run_until(20 * kMillisecond);
  DYN_CHECK(sys.recorder.dispatch_order_is("a b a b"));
}

// --- multilevel (seed 001) --------------------------------------------------------

DYN_CONFORMANCE(ConformanceMultilevel, IntervalIsAMinimumWaitNotADeadline) {
  System sys(PolicyChoice::Multilevel);
  DYN_CHECK(sys.add(job("hog", 1, 100 * kMillisecond), System::busy, 25 * kMillisecond).has_value());
  DYN_CHECK(sys.add(job("periodic", 2, 10 * kMillisecond), System::busy, kMillisecond).has_value());
  sys.kernel().run_until(60 * kMillisecond);
  DYN_CHECK(sys.recorder.starts_are("periodic", {25 * kMillisecond, 35 * kMillisecond, 45 * kMillisecond, 55 * kMillisecond}));
}

DYN_CONFORMANCE(ConformanceMultilevel, PriorityIgnoredOnceInTheExecuteList) {
  System sys(PolicyChoice::Multilevel);
  DYN_CHECK(sys.add(job("x", 2, kSecond), System::busy, 10 * kMillisecond).has_value());
  DYN_CHECK(sys.add(job("y", 5, kSecond), System::busy, kMillisecond).has_value());
  TaskSpec z = onetime("z", 5 * kMillisecond);
  z.level = 1;
  DYN_CHECK(sys.add(z, System::busy, kMillisecond).has_value());
  sys.kernel().run_until(20 * kMillisecond);
  DYN_CHECK(sys.recorder.run_order_is("x y z"));
}

DYN_CONFORMANCE(ConformanceMultilevel, OnetimeRunsExactlyOnceAndIsThenDone) {
  System sys(PolicyChoice::Multilevel);
  DYN_CHECK(sys.add(job("tick", 1, 5 * kMillisecond), System::busy, kMillisecond).has_value());
  auto once = sys.add(onetime("once", 0), System::busy, 2 * kMillisecond);
  DYN_CHECK(once.has_value());
  sys.kernel().run_until(100 * kMillisecond);
  DYN_CHECK_EQ(sys.recorder.runs_of("once"), std::size_t{1});
  DYN_CHECK(sys.task(once.value()).state == TaskState::Dead);
  DYN_CHECK(sys.task(once.value()).exit_reason == ExitReason::Completed);
  DYN_CHECK_EQ(sys.recorder.runs_of("tick"), std::size_t{20});
}

// --- lottery (seed 002) -----------------------------------------------------------

DYN_CONFORMANCE(ConformanceLottery, TheSameSeedGivesTheSameScheduleAndSharesFollowTickets) {
  Time cpu[2][2] = {};
  for (int round = 0; round < 2; ++round) {
    System sys(PolicyChoice::Lottery, deterministic_config(kMillisecond), 7);
    auto rich = sys.add(loop("rich", 1, 300), System::yield_loop, kMillisecond);
    auto poor = sys.add(loop("poor", 1, 100), System::yield_loop, kMillisecond);
    DYN_CHECK(rich.has_value() && poor.has_value());
    sys.kernel().run_until(400 * kMillisecond);
    cpu[round][0] = sys.task(rich.value()).stats.cpu_total;
    cpu[round][1] = sys.task(poor.value()).stats.cpu_total;
  }
  DYN_CHECK_EQ(cpu[0][0], cpu[1][0]);
  DYN_CHECK_EQ(cpu[0][1], cpu[1][1]);
  // 3:1 tickets: the rich task gets between 2x and 4.5x the poor one's CPU over 400 draws.
  DYN_CHECK(cpu[0][0] > 2 * cpu[0][1] && 2 * cpu[0][0] < 9 * cpu[0][1]);
}

// --- the kernel's services ----------------------------------------------------------

void sleeper(TaskContext& c) noexcept {
  for (;;) {
    c.kernel().consume(c.a);
    c.kernel().sleep(c.b);
  }
}

DYN_CONFORMANCE(ConformanceKernel, SleepingLoopTaskWakesOnTime) {
  System sys(PolicyChoice::RoundRobin);
  DYN_CHECK(sys.add(loop("s"), sleeper, kMillisecond, 10 * kMillisecond).has_value());
  sys.kernel().run_until(40 * kMillisecond);
  DYN_CHECK(sys.recorder.count == 4);
  const Time want[] = {0, 11 * kMillisecond, 22 * kMillisecond, 33 * kMillisecond};
  for (std::size_t i = 0; i < 4 && i < sys.recorder.count; ++i) DYN_CHECK_EQ(sys.recorder.segments[i].start, want[i]);
}

struct Mailbox {
  TaskId waiter{};
  std::uint32_t values[8] = {};
  Time times[8] = {};
  std::size_t count = 0;
};

void waiter(TaskContext& c) noexcept {
  auto& box = *static_cast<Mailbox*>(c.user);
  for (;;) {
    Notification n;
    if (c.kernel().wait_notification(kNever, &n) && box.count < 8) {
      box.values[box.count] = n.raw;
      box.times[box.count++] = c.kernel().now();
    }
  }
}

void sender(TaskContext& c) noexcept {
  auto& box = *static_cast<Mailbox*>(c.user);
  for (std::uint32_t i = 1;; ++i) {
    c.kernel().consume(3 * kMillisecond);
    Notification n;
    (void)Notification::pack(i, 2, &n);
    (void)c.kernel().notify(box.waiter, n);
    c.kernel().yield();
  }
}

DYN_CONFORMANCE(ConformanceKernel, NotificationWakesAWaiterWithItsValue) {
  System sys(PolicyChoice::Priority);
  Mailbox box;
  auto w = sys.add(loop("waiter", 5), waiter, 0, 0, &box);
  DYN_CHECK(w.has_value());
  box.waiter = w.value();
  DYN_CHECK(sys.add(loop("sender", 1), sender, 0, 0, &box).has_value());
  sys.kernel().run_until(10 * kMillisecond);
  DYN_CHECK_EQ(box.count, std::size_t{3});
  const Time cost = sys.kernel().config().dispatch_cost;
  DYN_CHECK_EQ(box.times[0], 3 * kMillisecond + cost);
  DYN_CHECK_EQ(box.values[0], 0x02000001u);
  DYN_CHECK_EQ(box.times[2], 9 * kMillisecond + 3 * cost);
  DYN_CHECK_EQ(box.values[2], 0x02000003u);
}

void timed_waiter(TaskContext& c) noexcept {
  auto* out = static_cast<Time*>(c.user);
  const bool got = c.kernel().wait_notification(c.a, nullptr);
  out[0] = got ? 1 : 0;
  out[1] = c.kernel().now();
  c.kernel().exit_task();
}

DYN_CONFORMANCE(ConformanceKernel, WaitTimesOutWithoutANotification) {
  System sys(PolicyChoice::RoundRobin);
  Time result[2] = {-1, -1};
  DYN_CHECK(sys.add(loop("w"), timed_waiter, 7 * kMillisecond, 0, result).has_value());
  sys.kernel().run_until(20 * kMillisecond);
  DYN_CHECK_EQ(result[0], 0);
  DYN_CHECK_EQ(result[1], 7 * kMillisecond);
}

DYN_CONFORMANCE(ConformanceKernel, TasksThatOnlyYieldCannotStallVirtualTime) {
  System sys(PolicyChoice::RoundRobin);
  DYN_CHECK(sys.add(loop("a"), System::yield_loop, 0).has_value());
  DYN_CHECK(sys.add(loop("b"), System::yield_loop, 0).has_value());
  sys.kernel().run_until(kMillisecond);
  DYN_CHECK(sys.kernel().now() >= kMillisecond);
  DYN_CHECK(sys.kernel().dispatches() >= 2);
}

// --- the watchdog -------------------------------------------------------------------

DYN_CONFORMANCE(ConformanceWatchdog, AJobThatOverrunsIsStoppedAtItsLimitAndRunsAgainNextInterval) {
  System sys(PolicyChoice::Multilevel);
  DYN_CHECK(sys.add(job("slow", 2, 100 * kMillisecond, 7 * kMillisecond), System::busy, 30 * kMillisecond).has_value());
  DYN_CHECK(sys.add(job("steady", 3, 10 * kMillisecond), System::busy, kMillisecond).has_value());
  sys.kernel().run_until(250 * kMillisecond);
  DYN_CHECK_EQ(sys.recorder.kill_count, std::size_t{3});
  DYN_CHECK_EQ(sys.recorder.kills[0].end, 7 * kMillisecond);
  DYN_CHECK_EQ(sys.recorder.kills[1].end, 107 * kMillisecond);
  DYN_CHECK_EQ(sys.recorder.kills[2].end, 207 * kMillisecond);
  DYN_CHECK(sys.recorder.runs_of("steady") >= 20);  // the other task keeps its schedule
}

// --- supervision: restart after a fault, at most so often, else hold -----------------

// A run that faults (as the core stops a task for a fault it found: an abort,
// a refused pointer): the record says Aborted.
void faults(TaskContext& c) noexcept {
  c.kernel().consume(kMillisecond);
  FaultRecord r;
  r.kind = FaultKind::Aborted;
  c.kernel().fault_current(r);
}

DYN_CONFORMANCE(ConformanceSupervision, AFaultingJobIsRestartedUpToItsLimitThenHeld) {
  System sys(PolicyChoice::Multilevel);
  TaskSpec spec = job("flaky", 2, 10 * kMillisecond);
  spec.restarts = 3;  // three restarts over the whole mission, then held
  auto flaky = sys.add(spec, faults);
  DYN_CHECK(flaky.has_value());
  DYN_CHECK(sys.add(job("steady", 3, 10 * kMillisecond), System::busy, kMillisecond).has_value());
  sys.kernel().run_until(200 * kMillisecond);
  const Task& t = sys.task(flaky.value());
  DYN_CHECK_EQ(t.stats.runs, std::uint64_t{4});  // the first run and three restarts, at its interval
  DYN_CHECK_EQ(t.stats.faults, std::uint64_t{4});
  DYN_CHECK_EQ(t.stats.restarts, std::uint64_t{3});
  DYN_CHECK(t.state == TaskState::Dead);
  DYN_CHECK(t.exit_reason == ExitReason::Fault);
  DYN_CHECK(t.fault.kind == FaultKind::Aborted);  // the record of its last fault is kept
  DYN_CHECK(sys.recorder.runs_of("steady") >= 19);  // the other task keeps its schedule
}

DYN_CONFORMANCE(ConformanceSupervision, TheLimitIsPerWindowAndWithoutRestartsATaskIsHeld) {
  System sys(PolicyChoice::Multilevel);
  TaskSpec slow = job("slow_faults", 2, 40 * kMillisecond);
  slow.restarts = 1;
  slow.restart_window = 30 * kMillisecond;  // one restart per 30 ms; it faults every 40 ms
  auto a = sys.add(slow, faults);
  TaskSpec once = job("held", 3, 10 * kMillisecond);  // no supervision: held at its first fault
  auto b = sys.add(once, faults);
  TaskSpec fast = loop("fast_faults", 4);
  fast.restarts = 2;
  fast.restart_window = 100 * kMillisecond;  // a loop restarts at once: two, then held
  auto c = sys.add(fast, faults);
  DYN_CHECK(a.has_value() && b.has_value() && c.has_value());
  sys.kernel().run_until(200 * kMillisecond);
  DYN_CHECK_EQ(sys.task(a.value()).stats.runs, std::uint64_t{5});  // 0, 40, .. 160 ms: every window allows its one
  DYN_CHECK(sys.task(a.value()).state != TaskState::Dead);
  DYN_CHECK_EQ(sys.task(b.value()).stats.runs, std::uint64_t{1});
  DYN_CHECK(sys.task(b.value()).state == TaskState::Dead);
  DYN_CHECK_EQ(sys.task(c.value()).stats.restarts, std::uint64_t{2});
  DYN_CHECK(sys.task(c.value()).state == TaskState::Dead);
}

// --- preemption by the port's tick: code that never calls the kernel ------------------

KernelConfig with_port_ticks(Time slice = 0) {
  KernelConfig c = deterministic_config(slice);
  c.preemption_ticks = true;  // the port delivers ticks into runaway code
  return c;
}

void spin(TaskContext&) noexcept {
  volatile unsigned spins = 0;
  for (;;) spins = spins + 1;
}

DYN_CONFORMANCE(ConformancePreemption, TheWatchdogStopsASpinningJobAndTheOtherTaskKeepsItsSchedule) {
  System sys(PolicyChoice::Multilevel, with_port_ticks());
  auto beacon = sys.add(job("beacon", 1, 50 * kMillisecond), System::busy, kMillisecond);
  auto runaway = sys.add(job("runaway", 3, 100 * kMillisecond, 20 * kMillisecond), spin);
  DYN_CHECK(beacon.has_value() && runaway.has_value());
  sys.kernel().run_until(kSecond);
  const Task& r = sys.task(runaway.value());
  DYN_CHECK_EQ(r.stats.watchdog_kills, std::uint64_t{10});
  DYN_CHECK_EQ(r.stats.runs, std::uint64_t{10});
  DYN_CHECK_EQ(sys.recorder.kill_count, std::size_t{10});
  for (std::size_t i = 0; i < sys.recorder.count; ++i) {
    if (sys.recorder.segments[i].task[0] == 'r') {
      DYN_CHECK_EQ(sys.recorder.segments[i].end - sys.recorder.segments[i].start, 20 * kMillisecond);
    }
  }
  const Task& b = sys.task(beacon.value());
  DYN_CHECK_EQ(b.stats.runs, std::uint64_t{20});
  DYN_CHECK(b.stats.lateness_max <= 20 * kMillisecond);
}

DYN_CONFORMANCE(ConformancePreemption, TimeSlicesPreemptLoopsThatNeverCallTheKernel) {
  System sys(PolicyChoice::RoundRobin, with_port_ticks(5 * kMillisecond));
  auto a = sys.add(loop("a"), spin);
  auto b = sys.add(loop("b"), spin);
  DYN_CHECK(a.has_value() && b.has_value());
  sys.kernel().run_until(30 * kMillisecond);
  DYN_CHECK(sys.recorder.dispatch_order_is("a b a b a b"));
  for (std::size_t i = 0; i < sys.recorder.count; ++i)
    DYN_CHECK_EQ(sys.recorder.segments[i].end - sys.recorder.segments[i].start, 5 * kMillisecond);
  DYN_CHECK_EQ(sys.task(a.value()).stats.preemptions, std::uint64_t{3});
}

// Work that keeps many registers and the flags live across the ticks that preempt it.
std::uint64_t mix(std::uint64_t seed, std::uint32_t rounds) noexcept {
  std::uint64_t x = seed, acc = 0;
  std::uint32_t odd = 0;
  for (std::uint32_t i = 0; i < rounds; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    acc += (x & 1) ? x * 3 : (x >> 3) + i;
    odd += static_cast<std::uint32_t>(x >> 60) > 7 ? 1u : 0u;
  }
  return acc ^ odd;
}

struct Work {
  std::uint64_t seed;
  std::uint64_t result = 0;
  bool done = false;
};

void worker(TaskContext& c) noexcept {
  auto& w = *static_cast<Work*>(c.user);
  w.result = mix(w.seed, static_cast<std::uint32_t>(c.a));
  w.done = true;
  c.kernel().exit_task();
}

DYN_CONFORMANCE(ConformancePreemption, PreemptedWorkComputesWhatItWouldHaveAlone) {
  constexpr std::uint32_t kRounds = 3'000'000;
  System sys(PolicyChoice::RoundRobin, with_port_ticks(kMillisecond));
  Work a{0x9E3779B97F4A7C15ull}, b{0xD1B54A32D192ED03ull};
  auto ta = sys.add(loop("a"), worker, kRounds, 0, &a);
  auto tb = sys.add(loop("b"), worker, kRounds, 0, &b);
  DYN_CHECK(ta.has_value() && tb.has_value());
  sys.kernel().run_until(10 * kSecond);
  DYN_CHECK(a.done && b.done);
  DYN_CHECK(sys.task(ta.value()).stats.preemptions >= 5);  // interrupted many times...
  DYN_CHECK_EQ(a.result, mix(a.seed, kRounds));            // ...and still exact
  DYN_CHECK_EQ(b.result, mix(b.seed, kRounds));
}

// --- interrupts (Kernel::post_from_interrupt) --------------------------------

struct Posts {
  TaskId waiter;
  std::uint32_t values[8] = {};
  std::size_t count = 0;
  std::size_t seen_after_yield[8] = {};
};
Posts* g_posts = nullptr;
std::uint32_t g_post_value = 0;

void post_handler() { (void)Kernel::current()->post_from_interrupt(g_posts->waiter, Notification{g_post_value}); }

void interrupt_waiter(TaskContext& c) noexcept {
  auto& p = *static_cast<Posts*>(c.user);
  for (;;) {
    Notification n;
    if (c.kernel().wait_notification(kNever, &n) && p.count < 8) p.values[p.count++] = n.raw;
  }
}

void interrupting_device(TaskContext& c) noexcept {
  auto& p = *static_cast<Posts*>(c.user);
  for (std::uint32_t i = 0; i < 5; ++i) {
    c.kernel().consume(kMillisecond);
    g_post_value = 0x100 + i;
    raise_interrupt(post_handler);
    // Cortex-M3: the waiter already preempted us (PendSV); host: the posts
    // wait for this kernel step. Either way it has its value after it.
    c.kernel().yield();
    p.seen_after_yield[i] = p.count;
  }
  c.kernel().exit_task();
}

DYN_CONFORMANCE(ConformanceInterrupt, APostFromAnInterruptWakesTheMoreImportantWaiterWithItsValue) {
  System sys(PolicyChoice::Priority);
  Posts posts;
  g_posts = &posts;
  auto w = sys.add(loop("waiter", 5), interrupt_waiter, 0, 0, &posts);
  DYN_CHECK(w.has_value());
  posts.waiter = w.value();
  DYN_CHECK(sys.add(loop("device", 1), interrupting_device, 0, 0, &posts).has_value());
  sys.kernel().run_until(20 * kMillisecond);
  DYN_CHECK_EQ(posts.count, std::size_t{5});
  for (std::size_t i = 0; i < 5; ++i) {
    DYN_CHECK_EQ(posts.values[i], 0x100u + static_cast<std::uint32_t>(i));
    DYN_CHECK_EQ(posts.seen_after_yield[i], i + 1);
  }
  g_posts = nullptr;
}

// --- real time: the schedule follows the port's clock -----------------------
//
// The one section not in virtual time: the kernel reads the port's clock
// and the port's tick comes every millisecond of it, so the figures are
// bounds. Under QEMU with -icount that clock counts instructions (the same
// run every time); on the host it is the wall clock of a machine that may
// be loaded (under sanitizers, beside other tests), hence the looser bound
// on lateness there.
#if DYN_CONFORMANCE_GTEST
constexpr Time kRealtimeLatenessBound = 50 * kMillisecond;
#else
constexpr Time kRealtimeLatenessBound = 2 * kMillisecond;  // at most a tick and the dispatch
#endif

KernelConfig realtime_config() {
  KernelConfig c;
  c.clock = ClockMode::Realtime;
  c.tick = kMillisecond;
  c.time_slice = 0;
  c.preemption_ticks = true;
  return c;
}

DYN_CONFORMANCE(ConformanceRealtime, AJobKeepsItsIntervalOnThePortsClockAndARealSpinIsStoppedByRealTicks) {
  System sys(PolicyChoice::Multilevel, realtime_config());
  auto t = sys.add(job("t", 1, 10 * kMillisecond), System::busy, kMillisecond);  // 1 ms of real CPU a run
  auto runaway = sys.add(job("spin", 2, kSecond, 5 * kMillisecond), spin);      // never calls the kernel
  DYN_CHECK(t.has_value() && runaway.has_value());
  const Time before = port::clock_now();
  sys.kernel().run_for(60 * kMillisecond);
  const Time elapsed = port::clock_now() - before;
  DYN_CHECK(elapsed >= 60 * kMillisecond);
  DYN_CHECK(elapsed < 2 * kSecond);
  const Task& job_t = sys.task(t.value());
  DYN_CHECK(job_t.stats.runs >= 4);  // at 0, 10, .. 50 ms: six on an unloaded clock
  DYN_CHECK(job_t.stats.runs <= 7);
  DYN_CHECK(job_t.stats.lateness_max <= kRealtimeLatenessBound);  // the spin below it never holds it up
  const Task& r = sys.task(runaway.value());
  DYN_CHECK_EQ(r.stats.watchdog_kills, std::uint64_t{1});  // a real spin, stopped by a real tick
  DYN_CHECK_EQ(r.stats.runs, std::uint64_t{1});
}

}  // namespace
}  // namespace dyn::conformance
