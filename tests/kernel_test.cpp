// kernel_test.cpp — the task-facing kernel API: sleep, notifications, suspend,
// exit, the housekeeping task, and real-time mode.
#include <gtest/gtest.h>

#include <csignal>

#include "dyn/housekeeping.hpp"
#include "port.hpp"
#include "system_harness.hpp"

namespace dyn {
namespace {

using test::job;
using test::loop;
using test::PolicyChoice;
using test::System;

TEST(Notification, PacksA24BitMessageAndAn8BitRepeatCount) {
  Notification n;
  ASSERT_TRUE(Notification::pack(0xABCDEF, 7, &n));
  EXPECT_EQ(n.raw, 0x07ABCDEFu);
  EXPECT_EQ(n.message(), 0xABCDEFu);
  EXPECT_EQ(n.repeats(), 7);
  ASSERT_TRUE(Notification::pack(0, 255, &n));
  EXPECT_EQ(n.repeats(), 255);
  EXPECT_EQ(n.message(), 0u);
  Notification untouched{0x1234};
  EXPECT_FALSE(Notification::pack(0x1000000, 0, &untouched));
  EXPECT_EQ(untouched.raw, 0x1234u);
}

TEST(Kernel, SleepingLoopTaskWakesOnTime) {
  System sys(PolicyChoice::RoundRobin);
  Kernel* k = &sys.kernel();
  ASSERT_TRUE(sys.add(loop("s"), [k] {
    for (;;) {
      k->consume(kMillisecond);
      k->sleep(10 * kMillisecond);
    }
  }));
  sys.kernel().run_until(40 * kMillisecond);
  std::vector<Time> starts;
  for (const auto& s : sys.recorder.segments) starts.push_back(s.start);
  EXPECT_EQ(starts, (std::vector<Time>{0, 11 * kMillisecond, 22 * kMillisecond, 33 * kMillisecond}));
}

// A loop task at priority 5 that records each notification it receives, with the time.
Result<TaskId, TaskError> add_recording_waiter(System& sys, std::vector<std::pair<Time, std::uint32_t>>& received) {
  Kernel* k = &sys.kernel();
  return sys.add(loop("waiter", 5), [k, &received] {
    for (;;) {
      Notification n;
      if (k->wait_notification(kNever, &n)) received.push_back({k->now(), n.raw});
    }
  });
}

TEST(Kernel, NotificationWakesAWaiterWithItsValue) {
  System sys(PolicyChoice::Priority);
  Kernel* k = &sys.kernel();
  std::vector<std::pair<Time, std::uint32_t>> received;
  auto waiter = add_recording_waiter(sys, received);
  ASSERT_TRUE(waiter);
  TaskId wid = waiter.value();
  ASSERT_TRUE(sys.add(loop("sender", 1), [k, wid] {
    for (std::uint32_t i = 1;; ++i) {
      k->consume(3 * kMillisecond);
      Notification n;
      (void)Notification::pack(i, 2, &n);
      (void)k->notify(wid, n);
      k->yield();  // lets the now-ready, more important waiter run
    }
  }));
  sys.kernel().run_until(10 * kMillisecond);
  ASSERT_EQ(received.size(), 3u);
  // Each of the waiter's dispatches before the n-th message (its first wait,
  // then one per message) costs the minimum dispatch cost.
  const Time cost = sys.kernel().config().dispatch_cost;
  EXPECT_EQ(received[0], (std::pair<Time, std::uint32_t>{3 * kMillisecond + cost, 0x02000001u}));
  EXPECT_EQ(received[2], (std::pair<Time, std::uint32_t>{9 * kMillisecond + 3 * cost, 0x02000003u}));
}

TEST(Kernel, WaitTimesOutWithoutANotification) {
  System sys(PolicyChoice::RoundRobin);
  Kernel* k = &sys.kernel();
  Time woke = -1;
  bool got = true;
  ASSERT_TRUE(sys.add(loop("w"), [&, k] {
    got = k->wait_notification(7 * kMillisecond, nullptr);
    woke = k->now();
    k->exit_task();
  }));
  sys.kernel().run_until(20 * kMillisecond);
  EXPECT_FALSE(got);
  EXPECT_EQ(woke, 7 * kMillisecond);
}

TEST(Kernel, ANotificationSentBeforeTheWaitIsNotLost) {
  System sys(PolicyChoice::RoundRobin);
  Kernel* k = &sys.kernel();
  std::uint32_t value = 0;
  auto w = sys.add(loop("w"), [&, k] {
    k->consume(5 * kMillisecond);
    Notification n;
    if (k->wait_notification(0, &n)) value = n.raw;
    k->exit_task();
  });
  ASSERT_TRUE(w);
  ASSERT_TRUE(sys.kernel().notify(w.value(), Notification{42}));
  sys.kernel().run_until(10 * kMillisecond);
  EXPECT_EQ(value, 42u);
}

// --- notifications posted from interrupt context (Kernel::post_from_interrupt) ---

namespace posted {
Kernel* g_kernel = nullptr;
TaskId g_to;
std::uint32_t g_value = 0;
bool g_accepted = false;
// The host's interrupt: a signal handler, which may only touch atomics.
void on_signal(int) { g_accepted = g_kernel->post_from_interrupt(g_to, Notification{g_value}); }
}  // namespace posted

TEST(Kernel, APostFromASignalHandlerWakesTheWaiterAtTheKernelsNextStep) {
  System sys(PolicyChoice::Priority);
  Kernel* k = &sys.kernel();
  std::vector<std::pair<Time, std::uint32_t>> received;
  auto waiter = add_recording_waiter(sys, received);
  ASSERT_TRUE(waiter);
  posted::g_kernel = k;
  posted::g_to = waiter.value();
  struct sigaction sa {}, previous{};
  sa.sa_handler = posted::on_signal;
  ASSERT_EQ(sigaction(SIGUSR1, &sa, &previous), 0);
  std::vector<Time> raised;
  ASSERT_TRUE(sys.add(loop("device", 1), [k, &raised] {
    for (std::uint32_t i = 1; i <= 3; ++i) {
      k->consume(2 * kMillisecond);
      posted::g_value = i;
      raised.push_back(k->now());
      raise(SIGUSR1);  // delivered before raise() returns: a real asynchronous handler
      k->consume(kMillisecond);  // the post waits for the kernel's next step (here: the tick)
    }
    k->exit_task();
  }));
  sys.kernel().run_until(20 * kMillisecond);
  sigaction(SIGUSR1, &previous, nullptr);
  EXPECT_TRUE(posted::g_accepted);
  ASSERT_EQ(received.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(received[i].second, i + 1);
    // Delivered at the next tick inside consume(), where the waiter preempts.
    EXPECT_GT(received[i].first, raised[i]);
    EXPECT_LE(received[i].first, raised[i] + kMillisecond + 2 * sys.kernel().config().dispatch_cost);
  }
}

TEST(Kernel, PostsBeforeTheirDeliveryMergeAndTheLastValueWins) {
  System sys(PolicyChoice::RoundRobin);
  Kernel* k = &sys.kernel();
  std::vector<std::uint32_t> received;
  auto w = sys.add(loop("w"), [&, k] {
    for (;;) {
      Notification n;
      if (k->wait_notification(kNever, &n)) received.push_back(n.raw);
    }
  });
  ASSERT_TRUE(w);
  const TaskId wid = w.value();
  ASSERT_TRUE(sys.add(loop("poster"), [&, k, wid] {
    EXPECT_TRUE(k->post_from_interrupt(wid, Notification{7}));  // any context may post, a task too
    EXPECT_TRUE(k->post_from_interrupt(wid, Notification{8}));
    k->yield();  // the kernel's next step delivers: one notification, the last value
    k->exit_task();
  }));
  sys.kernel().run_until(10 * kMillisecond);
  EXPECT_EQ(received, (std::vector<std::uint32_t>{8}));
}

TEST(Kernel, APostToNoSlotIsRefusedAndOneToAStaleIdIsDropped) {
  System sys(PolicyChoice::RoundRobin);
  Kernel* k = &sys.kernel();
  EXPECT_FALSE(k->post_from_interrupt(TaskId{}, Notification{1}));
  EXPECT_FALSE(k->post_from_interrupt(TaskId::make(static_cast<std::uint16_t>(sys.kernel().table().capacity()), 0),
                                      Notification{1}));
  auto old = sys.add(loop("old"), [k] { k->exit_task(); });
  ASSERT_TRUE(old);
  sys.kernel().run_until(kMillisecond);  // "old" is dead; its slot is freed and reused
  ASSERT_EQ(sys.kernel().reap_dead(), 1u);
  int woken = 0;
  auto fresh = sys.add(loop("fresh"), [&, k] {
    for (;;) {
      if (k->wait_notification(kNever, nullptr)) ++woken;
    }
  });
  ASSERT_TRUE(fresh);
  ASSERT_EQ(fresh.value().slot(), old.value().slot());
  EXPECT_TRUE(k->post_from_interrupt(old.value(), Notification{1}));  // the slot exists: accepted
  sys.kernel().run_until(5 * kMillisecond);
  EXPECT_EQ(woken, 0);  // but the id is stale at delivery: the new task is not woken
  EXPECT_TRUE(k->post_from_interrupt(fresh.value(), Notification{2}));
  sys.kernel().run_until(10 * kMillisecond);
  EXPECT_EQ(woken, 1);
}

TEST(Kernel, SuspendHoldsATaskAndResumeKeepsItsSchedule) {
  System sys(PolicyChoice::Multilevel);
  auto t = sys.add(job("t", 2, 10 * kMillisecond), sys.busy(kMillisecond));
  ASSERT_TRUE(t);
  sys.kernel().run_until(5 * kMillisecond);
  ASSERT_TRUE(sys.kernel().suspend(t.value()));
  EXPECT_FALSE(sys.kernel().suspend(t.value())) << "already suspended";
  sys.kernel().run_until(35 * kMillisecond);
  EXPECT_EQ(sys.recorder.starts("t").size(), 1u);
  ASSERT_TRUE(sys.kernel().resume(t.value()));
  EXPECT_FALSE(sys.kernel().resume(t.value())) << "not suspended";
  sys.kernel().run_until(50 * kMillisecond);
  EXPECT_EQ(sys.recorder.starts("t"), (std::vector<Time>{0, 35 * kMillisecond, 45 * kMillisecond}));
}

TEST(Kernel, ALoopTaskThatReturnsIsDeadAndCompleted) {
  System sys(PolicyChoice::RoundRobin);
  auto t = sys.add(loop("brief"), sys.busy(2 * kMillisecond));
  ASSERT_TRUE(t);
  Kernel* k = &sys.kernel();
  ASSERT_TRUE(sys.add(loop("forever"), [k] {
    for (;;) k->sleep(kSecond);
  }));
  sys.kernel().run_until(10 * kMillisecond);
  // A loop task's entry loops by itself; the harness body returns at once, so
  // the kernel ends the task after one pass.
  EXPECT_EQ(sys.task(t.value()).state, TaskState::Dead);
  EXPECT_EQ(sys.task(t.value()).exit_reason, ExitReason::Completed);
  EXPECT_EQ(sys.task(t.value()).stats.cpu_total, 2 * kMillisecond);
}

TEST(Kernel, TasksThatOnlyYieldCannotStallVirtualTime) {
  System sys(PolicyChoice::RoundRobin);
  Kernel* k = &sys.kernel();
  ASSERT_TRUE(sys.add(loop("a"), [k] {
    for (;;) k->yield();
  }));
  sys.kernel().run_until(3 * kMillisecond);  // terminates: the stall guard charges ticks
  EXPECT_GE(sys.kernel().now(), 3 * kMillisecond);
}

TEST(Housekeeping, RunsAsATaskAndStopsATaskThatAlmostOverflowedItsStack) {
  System sys(PolicyChoice::Multilevel);
  HousekeepingStats stats;
  Kernel* k = &sys.kernel();
  auto deep = sys.add(job("deep", 2, 10 * kMillisecond), [k] {
    // Touch the stack to within 128 bytes of its end, as a runaway recursion would.
    volatile std::byte* sp = reinterpret_cast<std::byte*>(__builtin_frame_address(0));
    Task* self = k->running();
    for (std::byte* p = self->stack.data() + 128; p < sp - 512; p += 64) *p = std::byte{0};
    (void)sp;
  });
  ASSERT_TRUE(deep);
  TaskSpec hk = job("os.housekeeping", 6, 5 * kMillisecond);
  ASSERT_TRUE(sys.add(hk, [&stats] { housekeeping_job(&stats); }));
  sys.kernel().run_until(20 * kMillisecond);
  EXPECT_GE(stats.runs, 1u);
  EXPECT_EQ(stats.overflows_stopped, 1u);
  EXPECT_EQ(sys.task(deep.value()).state, TaskState::Dead);
  EXPECT_EQ(sys.task(deep.value()).exit_reason, ExitReason::StackOverflow);
}

TEST(Kernel, RealTimeModeFollowsTheWallClock) {
  KernelConfig c;
  c.clock = ClockMode::Realtime;
  c.tick = kMillisecond;
  c.time_slice = 0;
  System sys(PolicyChoice::Multilevel, c);
  auto t = sys.add(job("t", 1, 10 * kMillisecond), sys.busy(kMillisecond));
  auto spin = sys.add(job("spin", 2, kSecond, 5 * kMillisecond), System::spin());
  ASSERT_TRUE(t && spin);
  const Time before = port::clock_now();
  sys.kernel().run_for(60 * kMillisecond);
  const Time elapsed = port::clock_now() - before;
  EXPECT_GE(elapsed, 60 * kMillisecond);
  EXPECT_LT(elapsed, 2 * kSecond);
  EXPECT_GE(sys.task(t.value()).stats.runs, 4u);
  EXPECT_LE(sys.task(t.value()).stats.runs, 7u);
  EXPECT_EQ(sys.task(spin.value()).stats.watchdog_kills, 1u);  // a real spin, stopped by real ticks
}

}  // namespace
}  // namespace dyn
