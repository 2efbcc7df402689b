// priority_test.cpp — fixed-priority preemptive scheduling with time slicing (FreeRTOS semantics).
#include <gtest/gtest.h>

#include "system_harness.hpp"

namespace dyn {
namespace {

using test::loop;
using test::PolicyChoice;
using test::System;

TEST(Priority, HighestReadyRunsFirst) {
  System sys(PolicyChoice::Priority);
  ASSERT_TRUE(sys.add(loop("low", 1), sys.busy(kMillisecond)));
  ASSERT_TRUE(sys.add(loop("high", 9), sys.busy(kMillisecond)));
  ASSERT_TRUE(sys.add(loop("mid", 5), sys.busy(kMillisecond)));
  sys.kernel().run_until(3 * kMillisecond);
  EXPECT_EQ(sys.recorder.dispatch_order(), (std::vector<std::string>{"high", "mid", "low"}));
}

TEST(Priority, AWakingHigherPriorityTaskPreemptsAtTheNextTick) {
  System sys(PolicyChoice::Priority, test::deterministic_config(0));
  auto low = sys.add(loop("low", 1), sys.busy(kSecond));
  TaskSpec high = test::job("high", 1, 20 * kMillisecond);
  high.priority = 5;
  auto h = sys.add(high, sys.busy(2 * kMillisecond));
  ASSERT_TRUE(low && h);
  sys.kernel().run_until(100 * kMillisecond);
  EXPECT_EQ(sys.recorder.starts("high"),
            (std::vector<Time>{0, 20 * kMillisecond, 40 * kMillisecond, 60 * kMillisecond, 80 * kMillisecond}));
  EXPECT_EQ(sys.task(h.value()).stats.lateness_max, 0);
  EXPECT_EQ(sys.task(low.value()).stats.preemptions, 4u);
  // The low task got everything the high one did not use.
  EXPECT_EQ(sys.task(low.value()).stats.cpu_total, 90 * kMillisecond);
}

TEST(Priority, EqualPrioritiesShareTheCpuOneSliceEach) {
  System sys(PolicyChoice::Priority, test::deterministic_config(5 * kMillisecond));
  ASSERT_TRUE(sys.add(loop("a", 3), sys.busy(kSecond)));
  ASSERT_TRUE(sys.add(loop("b", 3), sys.busy(kSecond)));
  ASSERT_TRUE(sys.add(loop("idle", 0), sys.busy(kSecond)));
  sys.kernel().run_until(20 * kMillisecond);
  EXPECT_EQ(sys.recorder.dispatch_order(), (std::vector<std::string>{"a", "b", "a", "b"}));
  for (const auto& s : sys.recorder.segments) EXPECT_EQ(s.end - s.start, 5 * kMillisecond);
}

TEST(Priority, ATaskPreemptedByAHigherOneResumesBeforeItsEquals) {
  System sys(PolicyChoice::Priority, test::deterministic_config(10 * kMillisecond));
  ASSERT_TRUE(sys.add(loop("a", 3), sys.busy(kSecond)));
  ASSERT_TRUE(sys.add(loop("b", 3), sys.busy(kSecond)));
  TaskSpec high = test::onetime("high", 4 * kMillisecond);
  high.priority = 7;
  ASSERT_TRUE(sys.add(high, sys.busy(2 * kMillisecond)));
  sys.kernel().run_until(20 * kMillisecond);
  // a runs 0-4, high 4-6, a resumes (its slice restarts) 6-16, then b.
  ASSERT_GE(sys.recorder.segments.size(), 4u);
  EXPECT_EQ(sys.recorder.dispatch_order()[0], "a");
  EXPECT_EQ(sys.recorder.dispatch_order()[1], "high");
  EXPECT_EQ(sys.recorder.dispatch_order()[2], "a");
  EXPECT_EQ(sys.recorder.dispatch_order()[3], "b");
  EXPECT_EQ(sys.recorder.segments[2].start, 6 * kMillisecond);
  EXPECT_EQ(sys.recorder.segments[3].start, 16 * kMillisecond);
}

TEST(Priority, LowerPriorityStarvesWhileHigherIsBusyAsInFreeRtos) {
  System sys(PolicyChoice::Priority, test::deterministic_config(kMillisecond));
  ASSERT_TRUE(sys.add(loop("high", 4), sys.busy(kSecond)));
  auto low = sys.add(loop("low", 2), sys.busy(kSecond));
  ASSERT_TRUE(low);
  sys.kernel().run_until(50 * kMillisecond);
  EXPECT_EQ(sys.task(low.value()).stats.runs, 0u);
}

}  // namespace
}  // namespace dyn
