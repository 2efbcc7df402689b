// triggered_job_test.cpp — seed 003's scenario tasks in the kernel: jobs
// released by notifications whose repeats byte sets how often they recur,
// stopped by stop_repeats() (the meta-scheduler's wake and stop).
#include <gtest/gtest.h>

#include "system_harness.hpp"

namespace dyn {
namespace {

using test::PolicyChoice;
using test::System;
using test::triggered;

Notification message(std::uint32_t id, std::uint8_t repeats) {
  Notification n;
  EXPECT_TRUE(Notification::pack(id, repeats, &n));
  return n;
}

class TriggeredJob : public ::testing::TestWithParam<PolicyChoice> {};

TEST_P(TriggeredJob, WaitsForItsFirstNotification) {
  System sys(GetParam());
  auto t = sys.add(triggered("scenario"), sys.busy(kMillisecond));
  ASSERT_TRUE(t);
  sys.kernel().run_until(kHour);
  EXPECT_TRUE(sys.recorder.starts("scenario").empty());
  EXPECT_EQ(sys.task(t.value()).state, TaskState::Waiting);
}

TEST_P(TriggeredJob, ZeroRepeatsRunsOnceThenWaitsAgain) {
  System sys(GetParam());
  auto t = sys.add(triggered("scenario"), sys.busy(kMillisecond));
  ASSERT_TRUE(t);
  sys.kernel().run_until(10 * kMinute);
  ASSERT_TRUE(sys.kernel().wake(t.value(), message(7, 0), kNever));
  sys.kernel().run_until(3 * kHour);
  EXPECT_EQ(sys.recorder.starts("scenario"), (std::vector<Time>{10 * kMinute}));
  EXPECT_EQ(sys.task(t.value()).state, TaskState::Waiting);
  EXPECT_TRUE(sys.task(t.value()).awaiting_trigger);
  // The next window's wake runs it once more.
  ASSERT_TRUE(sys.kernel().wake(t.value(), message(7, 0), kNever));
  sys.kernel().run_until(4 * kHour);
  EXPECT_EQ(sys.recorder.starts("scenario"), (std::vector<Time>{10 * kMinute, 3 * kHour}));
}

TEST_P(TriggeredJob, RepeatsRecurEverySixtyMinutesOverRepeatsUntilStopped) {
  System sys(GetParam());
  auto t = sys.add(triggered("scenario"), sys.busy(kMillisecond));
  ASSERT_TRUE(t);
  ASSERT_TRUE(sys.kernel().wake(t.value(), message(1, 4), kNever));  // every 15 min
  sys.kernel().run_until(50 * kMinute);
  EXPECT_EQ(sys.recorder.starts("scenario"), (std::vector<Time>{0, 15 * kMinute, 30 * kMinute, 45 * kMinute}));
  ASSERT_TRUE(sys.kernel().stop_repeats(t.value()));  // the next release (60 min) is withdrawn
  EXPECT_TRUE(sys.task(t.value()).awaiting_trigger);
  sys.kernel().run_until(3 * kHour);
  EXPECT_EQ(sys.recorder.starts("scenario").size(), 4u);
}

TEST_P(TriggeredJob, RepeatsStartOnlyBeforeTheLeaseEndUnlessRenewed) {
  System sys(GetParam());
  auto t = sys.add(triggered("scenario"), sys.busy(kMillisecond));
  ASSERT_TRUE(t);
  ASSERT_TRUE(sys.kernel().wake(t.value(), message(1, 4), kHour));  // every 15 min, lease to 01:00
  sys.kernel().run_until(kHour + 30 * kMinute);
  EXPECT_EQ(sys.recorder.starts("scenario"), (std::vector<Time>{0, 15 * kMinute, 30 * kMinute, 45 * kMinute}))
      << "the 01:00 repeat is the next meta run's to renew";
  EXPECT_TRUE(sys.task(t.value()).awaiting_trigger);
  // A renewal after the lease ran out releases it at once and leases it on.
  ASSERT_TRUE(sys.kernel().wake(t.value(), message(1, 4), 2 * kHour + 30 * kMinute));
  sys.kernel().run_until(3 * kHour);
  EXPECT_EQ(sys.recorder.starts("scenario").size(), 8u);
  EXPECT_EQ(sys.recorder.starts("scenario")[4], kHour + 30 * kMinute);
  EXPECT_EQ(sys.recorder.starts("scenario")[7], 2 * kHour + 15 * kMinute);
}

TEST_P(TriggeredJob, RenewalsShorterThanThePeriodKeepTheCadence) {
  // Hourly repeats, leased half an hour at a time (a 30-minute meta period).
  System sys(GetParam());
  auto t = sys.add(triggered("scenario"), sys.busy(kMillisecond));
  ASSERT_TRUE(t);
  for (Time pass = 0; pass < 3 * kHour; pass += 30 * kMinute) {
    sys.kernel().run_until(pass);
    ASSERT_TRUE(sys.kernel().wake(t.value(), message(1, 1), pass + 30 * kMinute));
  }
  sys.kernel().run_until(3 * kHour);
  EXPECT_EQ(sys.recorder.starts("scenario"), (std::vector<Time>{0, kHour, 2 * kHour}));
}

TEST_P(TriggeredJob, ManyRepeatsAreFlooredAtFiveMinutes) {
  System sys(GetParam());
  auto t = sys.add(triggered("scenario"), sys.busy(kMillisecond));
  ASSERT_TRUE(t);
  ASSERT_TRUE(sys.kernel().wake(t.value(), message(1, 200), kNever));
  sys.kernel().run_until(16 * kMinute);
  EXPECT_EQ(sys.recorder.starts("scenario"),
            (std::vector<Time>{0, 5 * kMinute, 10 * kMinute, 15 * kMinute}));
}

TEST_P(TriggeredJob, ARenewalKeepsTheScheduleAndDeliversTheMessage) {
  System sys(GetParam());
  Kernel* k = &sys.kernel();
  std::vector<std::uint32_t> messages;
  auto t = sys.add(triggered("scenario"), [k, &messages] {
    Notification n;
    if (k->wait_notification(0, &n)) messages.push_back(n.message());
    k->consume(kMillisecond);
  });
  ASSERT_TRUE(t);
  ASSERT_TRUE(k->wake(t.value(), message(5, 2), kNever));  // every 30 min
  k->run_until(20 * kMinute);
  ASSERT_TRUE(k->wake(t.value(), message(6, 2), kNever));  // renewal between runs: no extra run now
  k->run_until(kHour + kMinute);
  EXPECT_EQ(sys.recorder.starts("scenario"), (std::vector<Time>{0, 30 * kMinute, kHour}));
  EXPECT_EQ(messages, (std::vector<std::uint32_t>{5, 6}));
}

TEST_P(TriggeredJob, AWatchdogStopEndsTheRunNotTheScenario) {
  System sys(GetParam());
  auto t = sys.add(triggered("scenario", 2, 2 * kMillisecond), sys.busy(10 * kMillisecond));
  ASSERT_TRUE(t);
  ASSERT_TRUE(sys.kernel().wake(t.value(), message(1, 0), kNever));
  sys.kernel().run_until(kMinute);
  EXPECT_EQ(sys.recorder.kills.size(), 1u);
  EXPECT_EQ(sys.task(t.value()).state, TaskState::Waiting);
  ASSERT_TRUE(sys.kernel().wake(t.value(), message(1, 0), kNever));
  sys.kernel().run_until(2 * kMinute);
  EXPECT_EQ(sys.recorder.starts("scenario").size(), 2u);
}

TEST_P(TriggeredJob, StopDuringARunLetsItFinishWithoutRecurring) {
  System sys(GetParam());
  Kernel* k = &sys.kernel();
  TaskId self;
  auto t = sys.add(triggered("scenario"), [k, &self] {
    k->consume(kMillisecond);
    (void)k->stop_repeats(self);  // as if the meta-scheduler ran mid-run
    k->consume(kMillisecond);
  });
  ASSERT_TRUE(t);
  self = t.value();
  ASSERT_TRUE(k->wake(self, message(1, 12), kNever));
  k->run_until(kHour);
  ASSERT_EQ(sys.recorder.starts("scenario"), (std::vector<Time>{0}));
  EXPECT_EQ(sys.task(self).stats.completions, 1u);
  EXPECT_TRUE(sys.task(self).awaiting_trigger);
}

TEST_P(TriggeredJob, SuspendedWhileWaitingWaitsAgainOnResume) {
  System sys(GetParam());
  auto t = sys.add(triggered("scenario"), sys.busy(kMillisecond));
  ASSERT_TRUE(t);
  ASSERT_TRUE(sys.kernel().suspend(t.value()));
  ASSERT_TRUE(sys.kernel().resume(t.value()));
  sys.kernel().run_until(kHour);
  EXPECT_TRUE(sys.recorder.starts("scenario").empty()) << "resume is not a wake";
  // A wake that arrives while it is held takes effect at the resume.
  ASSERT_TRUE(sys.kernel().suspend(t.value()));
  ASSERT_TRUE(sys.kernel().wake(t.value(), message(1, 0), kNever));
  sys.kernel().run_until(2 * kHour);
  EXPECT_TRUE(sys.recorder.starts("scenario").empty());
  ASSERT_TRUE(sys.kernel().resume(t.value()));
  sys.kernel().run_until(3 * kHour);
  EXPECT_EQ(sys.recorder.starts("scenario"), (std::vector<Time>{2 * kHour}));
}

TEST_P(TriggeredJob, AnotherTasksNotificationIsAMessageNotAWake) {
  // Only the meta-scheduler's wake runs a scenario: a notification from a
  // task (dyn_notify_send) waits for the next run, and cannot start repeats
  // outside the scenario's window or power conditions.
  System sys(GetParam());
  Kernel* k = &sys.kernel();
  std::vector<std::uint32_t> read;
  auto t = sys.add(triggered("scenario"), [k, &read] {
    Notification n;
    if (k->wait_notification(0, &n)) read.push_back(n.message());
  });
  ASSERT_TRUE(t);
  ASSERT_TRUE(k->notify(t.value(), message(77, 12)));
  k->run_until(kHour);
  EXPECT_TRUE(sys.recorder.starts("scenario").empty());
  ASSERT_TRUE(k->wake(t.value(), message(1, 0), kNever));
  k->run_until(2 * kHour);
  EXPECT_EQ(sys.recorder.starts("scenario"), (std::vector<Time>{kHour}));
  EXPECT_EQ(read, (std::vector<std::uint32_t>{1})) << "the wake's value replaced the earlier message";
}

TEST_P(TriggeredJob, WaitingInsideARunIsWokenByAnyNotification) {
  System sys(GetParam());
  Kernel* k = &sys.kernel();
  Time answered = -1;
  TaskId self;
  auto t = sys.add(triggered("scenario"), [k, &answered] {
    Notification n;
    (void)k->wait_notification(0, &n);  // the wake
    if (k->wait_notification(kHour, &n)) answered = k->now();  // a reply from another task
  });
  ASSERT_TRUE(t);
  self = t.value();
  ASSERT_TRUE(k->wake(self, message(1, 0), kNever));
  k->run_until(10 * kMinute);
  ASSERT_TRUE(k->notify(self, message(2, 0)));
  k->run_until(20 * kMinute);
  EXPECT_EQ(answered, 10 * kMinute);
}

INSTANTIATE_TEST_SUITE_P(Policies, TriggeredJob,
                         ::testing::Values(PolicyChoice::Multilevel, PolicyChoice::RoundRobin,
                                           PolicyChoice::Lottery, PolicyChoice::Priority));

TEST(TriggeredJobSpec, OnlyAJobWithoutIntervalOrOnetimeCanBeTriggered) {
  System sys(PolicyChoice::Multilevel);
  TaskSpec with_interval = triggered("a");
  with_interval.interval = kSecond;
  auto r = sys.add(with_interval, sys.busy(1));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, TaskErrc::BadTrigger);
  TaskSpec once = triggered("b");
  once.onetime = true;
  EXPECT_FALSE(sys.add(once, sys.busy(1)));
  TaskSpec looping = test::loop("c");
  looping.triggered = true;
  EXPECT_FALSE(sys.add(looping, sys.busy(1)));
  EXPECT_EQ(sys.table().used(), 0u);
}

TEST(TriggeredJobSpec, WakeAndStopRepeatsRefuseAnOrdinaryTask) {
  System sys(PolicyChoice::Multilevel);
  auto t = sys.add(test::job("plain", 2, kSecond), sys.busy(1));
  ASSERT_TRUE(t);
  auto r = sys.kernel().stop_repeats(t.value());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, TaskErrc::BadState);
  auto w = sys.kernel().wake(t.value(), message(1, 1), kNever);
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code, TaskErrc::BadState);
}

}  // namespace
}  // namespace dyn
