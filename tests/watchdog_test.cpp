// watchdog_test.cpp — a runaway task is stopped at its watchdog limit and the
// rest of the system keeps its schedule.
#include <gtest/gtest.h>

#include "system_harness.hpp"

namespace dyn {
namespace {

using test::job;
using test::loop;
using test::PolicyChoice;
using test::System;

KernelConfig with_preemption_ticks(Time slice = 0) {
  KernelConfig c = test::deterministic_config(slice);
  c.preemption_ticks = true;  // real signals stop code that never calls the kernel
  return c;
}

TEST(Watchdog, StopsASpinningJobAndTheOtherTaskKeepsItsSchedule) {
  System sys(PolicyChoice::Multilevel, with_preemption_ticks());
  auto beacon = sys.add(job("beacon", 1, 50 * kMillisecond), sys.busy(kMillisecond));
  auto runaway = sys.add(job("runaway", 3, 100 * kMillisecond, 20 * kMillisecond), System::spin());
  ASSERT_TRUE(beacon && runaway);
  sys.kernel().run_until(kSecond);

  const Task& r = sys.task(runaway.value());
  EXPECT_EQ(r.stats.watchdog_kills, 10u);     // every run stopped...
  EXPECT_EQ(r.stats.runs, 10u);               // ...and the next one still released
  EXPECT_EQ(r.state, TaskState::Sleeping);
  ASSERT_EQ(sys.recorder.kills.size(), 10u);
  for (const auto& s : sys.recorder.segments) {
    if (s.task == "runaway") {
      EXPECT_EQ(s.end - s.start, 20 * kMillisecond) << "stopped exactly at its limit";
    }
  }

  // beacon: every run happened, none later than one runaway limit.
  const Task& b = sys.task(beacon.value());
  EXPECT_EQ(b.stats.runs, 20u);
  EXPECT_LE(b.stats.lateness_max, 20 * kMillisecond);
}

TEST(Watchdog, AKilledLoopTaskIsDeadAndOthersGoOn) {
  System sys(PolicyChoice::Priority, with_preemption_ticks(kMillisecond));
  TaskSpec bad = loop("bad", 5);
  bad.watchdog = 5 * kMillisecond;
  auto b = sys.add(bad, System::spin());
  auto good = sys.add(loop("good", 1), sys.yield_loop(kMillisecond));
  ASSERT_TRUE(b && good);
  sys.kernel().run_until(50 * kMillisecond);
  EXPECT_EQ(sys.task(b.value()).state, TaskState::Dead);
  EXPECT_EQ(sys.task(b.value()).exit_reason, ExitReason::Watchdog);
  EXPECT_EQ(sys.task(good.value()).stats.cpu_total, 45 * kMillisecond);
}

TEST(Watchdog, CountsCpuAcrossPreemptionsNotWallTime) {
  // Two equal-priority tasks slice the CPU; the watched one uses 1 ms per 2 ms
  // of wall time and is stopped when its own CPU reaches 10 ms (at ~20 ms).
  System sys(PolicyChoice::Priority, test::deterministic_config(kMillisecond));
  TaskSpec watched = loop("watched", 3);
  watched.watchdog = 10 * kMillisecond;
  auto w = sys.add(watched, sys.busy(kSecond));
  ASSERT_TRUE(w);
  ASSERT_TRUE(sys.add(loop("other", 3), sys.busy(kSecond)));
  sys.kernel().run_until(40 * kMillisecond);
  ASSERT_EQ(sys.recorder.kills.size(), 1u);
  EXPECT_EQ(sys.recorder.kills[0].end, 19 * kMillisecond);
  EXPECT_EQ(sys.task(w.value()).stats.cpu_total, 10 * kMillisecond);
}

TEST(Watchdog, AJobThatOverrunsInBusyWorkIsStoppedAtItsLimitDeterministically) {
  System sys(PolicyChoice::Multilevel);
  ASSERT_TRUE(sys.add(job("slow", 2, 100 * kMillisecond, 7 * kMillisecond), sys.busy(30 * kMillisecond)));
  sys.kernel().run_until(250 * kMillisecond);
  ASSERT_EQ(sys.recorder.kills.size(), 3u);
  EXPECT_EQ(sys.recorder.kills[0].end, 7 * kMillisecond);
  EXPECT_EQ(sys.recorder.kills[1].end, 107 * kMillisecond);
  EXPECT_EQ(sys.recorder.kills[2].end, 207 * kMillisecond);
}

TEST(Watchdog, ALoopTaskThatGivesTheCpuBackIsNeverStoppedByItsTotal) {
  // 1 ms of CPU per cycle, a 5 ms limit: the limit bounds CPU between two
  // points where the task gives the CPU back, not its lifetime total.
  System sys(PolicyChoice::RoundRobin);
  Kernel* k = &sys.kernel();
  TaskSpec spec = loop("cycler");
  spec.watchdog = 5 * kMillisecond;
  auto t = sys.add(spec, [k] {
    for (;;) {
      k->consume(kMillisecond);
      k->sleep(10 * kMillisecond);
    }
  });
  ASSERT_TRUE(t);
  sys.kernel().run_until(kSecond);
  EXPECT_TRUE(sys.recorder.kills.empty());
  EXPECT_EQ(sys.task(t.value()).stats.cpu_total, 91 * kMillisecond);
}

TEST(Watchdog, ATaskWithoutAWatchdogIsNeverStopped) {
  System sys(PolicyChoice::Multilevel);
  ASSERT_TRUE(sys.add(job("long", 2, kSecond), sys.busy(300 * kMillisecond)));
  sys.kernel().run_until(kSecond);
  EXPECT_TRUE(sys.recorder.kills.empty());
}

}  // namespace
}  // namespace dyn
