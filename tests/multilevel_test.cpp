// multilevel_test.cpp — seed 001's multi-level scheduler, point by point.
//
// Requirement IDs (docs/scheduling.md): ML-1 interval is a minimum wait
// between starts; ML-2 the profile is scanned in descending priority (level 1
// first); ML-3 the execute list is FIFO, priority ignored once queued; ML-4
// onetime tasks are scanned after the levels and removed once queued; ML-5
// onetime tasks may be delayed; ML-6 the scheduler is passive (poll answers
// whether anything is ready); ML-7 same-level tasks due together keep
// profile order.
#include <gtest/gtest.h>

#include <cstdio>
#include <deque>

#include "dyn/sched_multilevel.hpp"
#include "system_harness.hpp"

namespace dyn {
namespace {

using test::job;
using test::onetime;
using test::PolicyChoice;
using test::System;

// --- policy alone: the scan itself ------------------------------------------------

class Profile : public ::testing::Test {
 protected:
  Task& task(const char* name, std::uint8_t level, bool is_onetime = false) {
    Task& t = tasks_.emplace_back();
    std::snprintf(t.name, sizeof t.name, "%s", name);
    t.level = level;
    t.onetime = is_onetime;
    t.seq = tasks_.size();
    return t;
  }
  std::vector<std::string> drain() {
    std::vector<std::string> out;
    while (Task* t = policy_.pick(0)) out.push_back(t->name);
    return out;
  }
  MultilevelPolicy policy_;
  std::deque<Task> tasks_;
};

TEST_F(Profile, ML2_ScanTakesLevelsInDescendingPriority) {
  policy_.hold_release(task("l3", 3), 0);
  policy_.hold_release(task("l1", 1), 0);
  policy_.hold_release(task("l6", 6), 0);
  policy_.hold_release(task("l2", 2), 0);
  ASSERT_TRUE(policy_.poll(0));
  EXPECT_EQ(drain(), (std::vector<std::string>{"l1", "l2", "l3", "l6"}));
}

TEST_F(Profile, ML7_SameLevelKeepsProfileOrderEvenWithDifferentDueTimes) {
  // b joined the profile after a but became due earlier; both are due at the
  // scan, so the scan (a list walk in the seed) queues a first.
  Task& a = task("a", 2);
  Task& b = task("b", 2);
  policy_.hold_release(a, 5);
  policy_.hold_release(b, 1);
  policy_.hold_release(task("c", 2), 3);
  ASSERT_TRUE(policy_.poll(10));
  EXPECT_EQ(drain(), (std::vector<std::string>{"a", "b", "c"}));
}

TEST_F(Profile, ML3_QueuedTasksKeepFifoOrderWhateverTheirLevel) {
  policy_.hold_release(task("low", 6), 0);
  ASSERT_TRUE(policy_.poll(0));
  policy_.hold_release(task("high", 1), 0);
  ASSERT_TRUE(policy_.poll(0));
  EXPECT_EQ(drain(), (std::vector<std::string>{"low", "high"}));
}

TEST_F(Profile, ML4_OnetimeScannedAfterLevelsAndRemovedOnceQueued) {
  policy_.hold_release(task("once", 1, true), 0);
  policy_.hold_release(task("l6", 6), 0);
  ASSERT_TRUE(policy_.poll(0));
  EXPECT_EQ(policy_.next_release(), kNever);  // nothing left in profile or onetime list
  EXPECT_EQ(drain(), (std::vector<std::string>{"l6", "once"}));
  EXPECT_FALSE(policy_.poll(1000));  // a second scan finds nothing to queue again
}

TEST_F(Profile, ML5_DelayedOnetimeIsNotQueuedBeforeItsTime) {
  policy_.hold_release(task("later", 1, true), 30);
  EXPECT_FALSE(policy_.poll(29));
  EXPECT_EQ(policy_.next_release(), 30);
  EXPECT_TRUE(policy_.poll(30));
  EXPECT_EQ(drain(), (std::vector<std::string>{"later"}));
}

TEST_F(Profile, ML6_PollIsPassiveAndAnswersWhetherAnythingIsReady) {
  EXPECT_FALSE(policy_.poll(0));
  policy_.hold_release(task("t", 4), 100);
  EXPECT_FALSE(policy_.poll(99));
  EXPECT_EQ(policy_.execute_list_size(), 0u);
  EXPECT_TRUE(policy_.poll(100));
  EXPECT_EQ(policy_.execute_list_size(), 1u);
  EXPECT_TRUE(policy_.poll(100));  // idempotent: still one queued, not two
  EXPECT_EQ(policy_.execute_list_size(), 1u);
}

TEST_F(Profile, RemoveTakesATaskOutOfEveryList) {
  Task& a = task("a", 2);
  Task& b = task("b", 3);
  policy_.hold_release(a, 0);
  policy_.hold_release(b, 50);
  ASSERT_TRUE(policy_.poll(0));
  policy_.remove(a);  // from the execute list
  policy_.remove(b);  // from its level
  EXPECT_EQ(policy_.pick(0), nullptr);
  EXPECT_EQ(policy_.next_release(), kNever);
}

// --- with the kernel: time semantics ------------------------------------------------

TEST(Multilevel, ML1_IntervalIsAMinimumWaitNotADeadline) {
  System sys(PolicyChoice::Multilevel);
  // `hog` keeps the CPU for 25 ms at t=0; `periodic` (interval 10 ms) is held
  // back, and afterwards waits a full interval after each start: no burst of
  // catch-up runs at 10 and 20.
  ASSERT_TRUE(sys.add(job("hog", 1, 100 * kMillisecond), sys.busy(25 * kMillisecond)));
  ASSERT_TRUE(sys.add(job("periodic", 2, 10 * kMillisecond), sys.busy(1 * kMillisecond)));
  sys.kernel().run_until(60 * kMillisecond);
  EXPECT_EQ(sys.recorder.starts("periodic"),
            (std::vector<Time>{25 * kMillisecond, 35 * kMillisecond, 45 * kMillisecond, 55 * kMillisecond}));
}

TEST(Multilevel, ML1_NextRunIsDueAnIntervalAfterTheLastStart) {
  System sys(PolicyChoice::Multilevel);
  ASSERT_TRUE(sys.add(job("t", 3, 10 * kMillisecond), sys.busy(4 * kMillisecond)));
  sys.kernel().run_until(35 * kMillisecond);
  EXPECT_EQ(sys.recorder.starts("t"), (std::vector<Time>{0, 10 * kMillisecond, 20 * kMillisecond, 30 * kMillisecond}));
}

TEST(Multilevel, ML3_PriorityIgnoredOnceInTheExecuteList) {
  System sys(PolicyChoice::Multilevel);
  // At t=0 the scan queues x (L2) then y (L5). While x runs, z (L1) becomes
  // due at 5 ms; the next scan (at 10 ms) appends z after y.
  ASSERT_TRUE(sys.add(job("x", 2, kSecond), sys.busy(10 * kMillisecond)));
  ASSERT_TRUE(sys.add(job("y", 5, kSecond), sys.busy(1 * kMillisecond)));
  TaskSpec z = onetime("z", 5 * kMillisecond);
  z.level = 1;
  ASSERT_TRUE(sys.add(z, sys.busy(1 * kMillisecond)));
  sys.kernel().run_until(20 * kMillisecond);
  EXPECT_EQ(sys.recorder.run_order(), (std::vector<std::string>{"x", "y", "z"}));
}

TEST(Multilevel, ML4_OnetimeRunsExactlyOnceAndIsThenDone) {
  System sys(PolicyChoice::Multilevel);
  ASSERT_TRUE(sys.add(job("tick", 1, 5 * kMillisecond), sys.busy(1 * kMillisecond)));
  auto once = sys.add(onetime("once", 0), sys.busy(2 * kMillisecond));
  ASSERT_TRUE(once);
  sys.kernel().run_until(100 * kMillisecond);
  EXPECT_EQ(sys.recorder.starts("once").size(), 1u);
  EXPECT_EQ(sys.task(once.value()).state, TaskState::Dead);
  EXPECT_EQ(sys.task(once.value()).exit_reason, ExitReason::Completed);
  EXPECT_EQ(sys.recorder.starts("tick").size(), 20u);
}

TEST(Multilevel, ML5_DelayedOnetimeStartsAtItsDelay) {
  System sys(PolicyChoice::Multilevel);
  ASSERT_TRUE(sys.add(onetime("deploy", 30 * kMillisecond), sys.busy(2 * kMillisecond)));
  sys.kernel().run_until(100 * kMillisecond);
  EXPECT_EQ(sys.recorder.starts("deploy"), (std::vector<Time>{30 * kMillisecond}));
}

TEST(Multilevel, NonPreemptiveALongJobIsNotInterruptedByAHigherLevel) {
  System sys(PolicyChoice::Multilevel);
  ASSERT_TRUE(sys.add(job("long", 6, kSecond), sys.busy(20 * kMillisecond)));
  TaskSpec urgent = onetime("urgent", 5 * kMillisecond);
  urgent.level = 1;
  ASSERT_TRUE(sys.add(urgent, sys.busy(1 * kMillisecond)));
  sys.kernel().run_until(50 * kMillisecond);
  ASSERT_EQ(sys.recorder.segments.size(), 2u);
  EXPECT_EQ(sys.recorder.segments[0].task, "long");
  EXPECT_EQ(sys.recorder.segments[0].end, 20 * kMillisecond);  // one segment: never preempted
  EXPECT_EQ(sys.recorder.starts("urgent"), (std::vector<Time>{20 * kMillisecond}));
}

TEST(Multilevel, LatenessIsMeasuredFromWhenTheRunBecameDue) {
  System sys(PolicyChoice::Multilevel);
  ASSERT_TRUE(sys.add(job("first", 1, kSecond), sys.busy(7 * kMillisecond)));
  auto second = sys.add(job("second", 2, kSecond), sys.busy(1 * kMillisecond));
  ASSERT_TRUE(second);
  sys.kernel().run_until(10 * kMillisecond);
  EXPECT_EQ(sys.task(second.value()).stats.lateness_max, 7 * kMillisecond);
  EXPECT_EQ(sys.task(second.value()).stats.runs, 1u);
}

}  // namespace
}  // namespace dyn
