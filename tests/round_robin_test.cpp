// round_robin_test.cpp — seed 002's round robin: by table slot after the last one run.
#include <gtest/gtest.h>

#include "system_harness.hpp"

namespace dyn {
namespace {

using test::loop;
using test::PolicyChoice;
using test::System;

TEST(RoundRobin, CyclesThroughReadyTasksInSlotOrder) {
  System sys(PolicyChoice::RoundRobin);
  for (const char* n : {"a", "b", "c"}) ASSERT_TRUE(sys.add(loop(n), sys.yield_loop(kMillisecond)));
  sys.kernel().run_until(9 * kMillisecond);
  EXPECT_EQ(sys.recorder.dispatch_order(),
            (std::vector<std::string>{"a", "b", "c", "a", "b", "c", "a", "b", "c"}));
}

TEST(RoundRobin, OrderFollowsTheTableNotTheOrderOfBecomingReady) {
  System sys(PolicyChoice::RoundRobin);
  auto a = sys.add(loop("a"), sys.yield_loop(kMillisecond));
  ASSERT_TRUE(sys.add(loop("b"), sys.yield_loop(kMillisecond)));
  ASSERT_TRUE(sys.add(loop("c"), sys.yield_loop(kMillisecond)));
  ASSERT_TRUE(a);
  ASSERT_TRUE(sys.kernel().remove(a.value()));
  // d takes the freed slot 0, so it comes before b although it was created last.
  auto d = sys.add(loop("d"), sys.yield_loop(kMillisecond));
  ASSERT_TRUE(d);
  EXPECT_EQ(d.value().slot(), 0);
  sys.kernel().run_until(6 * kMillisecond);
  EXPECT_EQ(sys.recorder.dispatch_order(), (std::vector<std::string>{"d", "b", "c", "d", "b", "c"}));
}

TEST(RoundRobin, TimeSlicePreemptsTasksThatNeverYield) {
  System sys(PolicyChoice::RoundRobin, test::deterministic_config(5 * kMillisecond));
  auto a = sys.add(loop("a"), sys.busy(kSecond));
  auto b = sys.add(loop("b"), sys.busy(kSecond));
  ASSERT_TRUE(a && b);
  sys.kernel().run_until(30 * kMillisecond);
  ASSERT_EQ(sys.recorder.segments.size(), 6u);
  for (std::size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(sys.recorder.segments[i].task, i % 2 ? "b" : "a");
    EXPECT_EQ(sys.recorder.segments[i].end - sys.recorder.segments[i].start, 5 * kMillisecond);
  }
  EXPECT_EQ(sys.task(a.value()).stats.preemptions, 3u);
}

TEST(RoundRobin, WithoutASliceItIsCooperative) {
  System sys(PolicyChoice::RoundRobin, test::deterministic_config(0));
  ASSERT_TRUE(sys.add(loop("hog"), sys.busy(20 * kMillisecond)));
  ASSERT_TRUE(sys.add(loop("other"), sys.busy(1 * kMillisecond)));
  sys.kernel().run_until(20 * kMillisecond);
  ASSERT_EQ(sys.recorder.segments.size(), 1u);
  EXPECT_EQ(sys.recorder.segments[0].task, "hog");
}

}  // namespace
}  // namespace dyn
