// meta_scheduler_test.cpp — host tests for seed 003's scenarios and
// meta-scheduler. Test names carry the requirement IDs of docs/meta-scheduler.md.
#include "dyn/meta_scheduler.hpp"

#include <gtest/gtest.h>

#include <array>
#include <set>
#include <string>
#include <type_traits>

namespace {

using dyn::Action;
using dyn::Decision;
using dyn::kHour;
using dyn::kMinute;
using dyn::MetaScheduler;
using dyn::PowerState;
using dyn::Priority;
using dyn::Reason;
using dyn::Scenario;
using dyn::ScenarioConfig;
using dyn::ScenarioError;
using dyn::ScenarioRuntime;
using dyn::Time;
using dyn::WeekDay;

constexpr Time kDay = 24 * kHour;

// Mission time of a week day and hour, from the default epoch Monday 00:00.
constexpr Time at(WeekDay d, int hour, int minute = 0) {
  return static_cast<Time>(d) * kDay + hour * kHour + minute * kMinute;
}

ScenarioConfig office_hours(std::uint32_t id, Priority prio = Priority::Always, std::uint8_t repeats = 0) {
  ScenarioConfig c;
  c.id = id;
  c.hour_start = 8;
  c.hour_end = 17;
  c.repeats = repeats;
  c.priority = prio;
  return c;
}

// A table of N scenarios, a meta-scheduler with a one-hour period over it and
// room for the decisions.
template <std::size_t N>
struct Fixture {
  std::array<Scenario, N> table{};
  std::array<Decision, N> out{};
  MetaScheduler meta = MetaScheduler::create(table, kHour).value();

  void set(std::size_t i, const ScenarioConfig& c) { ASSERT_TRUE(meta.ground_command(i, c).has_value()); }
  const Decision& run(Time now, const PowerState& p = {}) {
    auto n = meta.run(now, p, out);
    EXPECT_TRUE(n.has_value());
    EXPECT_EQ(n.value(), N);
    return out[0];
  }
};

// ---------------------------------------------------------------- settings

TEST(ScenarioSettings, DefaultIsValidAndSwitchedOff) {
  ScenarioConfig c;
  EXPECT_TRUE(dyn::validate(c).has_value());
  EXPECT_EQ(c.priority, Priority::Off);
  Fixture<1> f;
  EXPECT_EQ(f.run(at(WeekDay::Mon, 9)).reason, Reason::PriorityOff);
}

void expect_rejected(const ScenarioConfig& c, ScenarioError::Code code, std::uint32_t value) {
  auto r = dyn::validate(c);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, code);
  EXPECT_EQ(r.error().value, value);
  auto s = Scenario::make(c);
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, code);
}

TEST(ScenarioSettings, RejectsEachInvalidField) {
  using Code = ScenarioError::Code;
  ScenarioConfig c;
  c.id = 0x0100'0000;
  expect_rejected(c, Code::IdTooLarge, 0x0100'0000);
  c = {};
  c.week_mask = 0;
  expect_rejected(c, Code::EmptyWeek, 0);
  c.week_mask = 0x80 | 1;
  expect_rejected(c, Code::EmptyWeek, 0x81);
  c = {};
  c.hour_start = 24;
  expect_rejected(c, Code::HourOutOfRange, 24);
  c = {};
  c.hour_end = 25;
  expect_rejected(c, Code::HourOutOfRange, 25);
  c = {};
  c.hour_end = 0;
  expect_rejected(c, Code::HourOutOfRange, 0);
  c = {};
  c.hour_start = 5;
  c.hour_end = 5;
  expect_rejected(c, Code::EmptyWindow, 5);
  c = {};
  c.priority = static_cast<Priority>(0b10);
  expect_rejected(c, Code::PriorityReserved, 0b10);
  c = {};
  c.report = static_cast<dyn::ReportPriority>(4);
  expect_rejected(c, Code::ReportOutOfRange, 4);
  c = {};
  c.power.budget_percent = 101;
  expect_rejected(c, Code::BudgetOutOfRange, 101);
  c = {};
  c.power.on_battery = false;
  expect_rejected(c, Code::NoPowerSource, 0);
}

TEST(ScenarioSettings, AcceptsTheBoundaries) {
  ScenarioConfig c;
  c.id = 0xFF'FFFF;
  c.hour_start = 23;
  c.hour_end = 24;
  c.repeats = 255;
  c.power.budget_percent = 100;
  c.power.on_battery = false;
  c.power.override_power = true;  // override alone is a power source
  c.report = dyn::ReportPriority::Force;
  EXPECT_TRUE(dyn::validate(c).has_value());
  EXPECT_TRUE(Scenario::make(c).has_value());
}

// Access rule: read-only view by own index, written only by ground commands.
static_assert(std::is_same_v<decltype(std::declval<const MetaScheduler&>().settings(
                                 std::declval<dyn::ScenarioToken>())),
                             const ScenarioConfig&>,
              "settings are read-only");
static_assert(!std::is_constructible_v<dyn::ScenarioToken, std::uint32_t>,
              "tokens are issued by the meta-scheduler only");

TEST(ScenarioAccess, TokenReadsOnlyItsOwnScenario) {
  Fixture<2> f;
  f.set(0, office_hours(10));
  f.set(1, office_hours(11));
  auto t1 = f.meta.issue_token(1);
  ASSERT_TRUE(t1.has_value());
  EXPECT_EQ(t1->index(), 1u);
  EXPECT_EQ(f.meta.settings(t1.value()).id, 11u);
  auto t0 = f.meta.issue_token(0);
  ASSERT_TRUE(t0.has_value());
  EXPECT_EQ(f.meta.settings(t0.value()).id, 10u);
  auto bad = f.meta.issue_token(2);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ScenarioError::Code::IndexOutOfRange);
  EXPECT_EQ(bad.error().value, 2u);
}

TEST(ScenarioAccess, GroundCommandValidatesAndChangesNothingOnError) {
  Fixture<1> f;
  f.set(0, office_hours(10));
  auto t = f.meta.issue_token(0).value();
  ScenarioConfig bad = office_hours(99);
  bad.hour_end = 30;
  auto r = f.meta.ground_command(0, bad);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ScenarioError::Code::HourOutOfRange);
  EXPECT_EQ(f.meta.settings(t).id, 10u);  // old settings intact
  EXPECT_EQ(f.meta.settings(t).hour_end, 17u);

  auto oob = f.meta.ground_command(1, office_hours(12));
  ASSERT_FALSE(oob.has_value());
  EXPECT_EQ(oob.error().code, ScenarioError::Code::IndexOutOfRange);

  ASSERT_TRUE(f.meta.ground_command(0, office_hours(12)).has_value());
  EXPECT_EQ(f.meta.settings(t).id, 12u);  // the scenario sees the new settings
}

// ---------------------------------------------------------------- creation

TEST(MetaCreate, PeriodMustBeAtMostOneHour) {
  std::array<Scenario, 1> table{};
  for (Time p : {Time{0}, Time{-1}, kHour + 1}) {
    auto m = MetaScheduler::create(table, p);
    ASSERT_FALSE(m.has_value()) << p;
    EXPECT_EQ(m.error().code, dyn::MetaError::Code::PeriodOutOfRange);
    EXPECT_EQ(m.error().value, p);
  }
  EXPECT_TRUE(MetaScheduler::create(table, kHour).has_value());
  EXPECT_TRUE(MetaScheduler::create(table, 10 * kMinute).has_value());
}

TEST(MetaCreate, EpochMustBeADayAndHour) {
  std::array<Scenario, 1> table{};
  auto d = MetaScheduler::create(table, kHour, {static_cast<WeekDay>(7), 0});
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(d.error().code, dyn::MetaError::Code::EpochOutOfRange);
  auto h = MetaScheduler::create(table, kHour, {WeekDay::Mon, 24});
  ASSERT_FALSE(h.has_value());
  EXPECT_EQ(h.error().code, dyn::MetaError::Code::EpochOutOfRange);
  EXPECT_EQ(h.error().value, 24);
}

TEST(MetaRun, RejectsShortOutputAndBadPowerWithoutSideEffects) {
  std::array<Scenario, 2> table{};
  auto meta = MetaScheduler::create(table, kHour).value();
  ASSERT_TRUE(meta.ground_command(0, office_hours(1)).has_value());
  std::array<Decision, 1> small{};
  auto r = meta.run(at(WeekDay::Mon, 9), {}, small);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, dyn::MetaError::Code::OutputTooSmall);
  EXPECT_EQ(r.error().value, 1);
  EXPECT_EQ(meta.runtime(0).wakes, 0u);

  std::array<Decision, 2> out{};
  PowerState p;
  p.charge_permille = 1001;
  EXPECT_EQ(meta.run(at(WeekDay::Mon, 9), p, out).error().code, dyn::MetaError::Code::PowerOutOfRange);
  p = {};
  p.low_charge_permille = 1001;
  EXPECT_EQ(meta.run(at(WeekDay::Mon, 9), p, out).error().code, dyn::MetaError::Code::PowerOutOfRange);
  p = {};
  p.budget_percent = 101;
  EXPECT_EQ(meta.run(at(WeekDay::Mon, 9), p, out).error().code, dyn::MetaError::Code::PowerOutOfRange);
  EXPECT_EQ(meta.runtime(0).wakes, 0u);
}

// ---------------------------------------------------------------- windows

TEST(Window, MS1_EdgesStartInclusiveEndExclusive) {
  Fixture<1> f;
  f.set(0, office_hours(1));
  EXPECT_EQ(f.run(at(WeekDay::Mon, 7, 59)).reason, Reason::OutOfWindow);
  EXPECT_EQ(f.out[0].action, Action::None);
  EXPECT_EQ(f.run(at(WeekDay::Mon, 8, 0)).action, Action::Wake);
  Fixture<1> g;
  g.set(0, office_hours(1));
  EXPECT_EQ(g.run(at(WeekDay::Mon, 16, 59)).action, Action::Wake);
  Fixture<1> h;
  h.set(0, office_hours(1));
  EXPECT_EQ(h.run(at(WeekDay::Mon, 17, 0)).reason, Reason::OutOfWindow);
}

TEST(Window, MS1_WeekMaskSelectsDays) {
  Fixture<1> f;
  ScenarioConfig c = office_hours(1);
  c.week_mask = dyn::day_bit(WeekDay::Tue) | dyn::day_bit(WeekDay::Sun);
  f.set(0, c);
  EXPECT_EQ(f.run(at(WeekDay::Mon, 9)).reason, Reason::OutOfWindow);
  EXPECT_EQ(f.run(at(WeekDay::Tue, 9)).action, Action::Wake);
  EXPECT_EQ(f.run(at(WeekDay::Wed, 9)).reason, Reason::OutOfWindow);
  EXPECT_EQ(f.run(at(WeekDay::Sun, 9)).action, Action::Wake);
  EXPECT_EQ(f.run(at(WeekDay::Mon, 9) + 7 * kDay).reason, Reason::OutOfWindow);  // next week
  EXPECT_EQ(f.run(at(WeekDay::Tue, 9) + 7 * kDay).action, Action::Wake);
}

TEST(Window, MS2_WrapsMidnightAndBelongsToTheOpeningDay) {
  Fixture<1> f;
  ScenarioConfig c = office_hours(1);
  c.hour_start = 22;
  c.hour_end = 2;
  c.week_mask = dyn::day_bit(WeekDay::Mon);
  f.set(0, c);
  const MetaScheduler& m = f.meta;
  EXPECT_EQ(m.window_open(c, at(WeekDay::Mon, 21, 59)), dyn::kNever);
  EXPECT_EQ(m.window_open(c, at(WeekDay::Mon, 22)), at(WeekDay::Mon, 22));
  EXPECT_EQ(m.window_open(c, at(WeekDay::Mon, 23, 30)), at(WeekDay::Mon, 22));
  EXPECT_EQ(m.window_open(c, at(WeekDay::Tue, 1, 59)), at(WeekDay::Mon, 22));  // same window
  EXPECT_EQ(m.window_open(c, at(WeekDay::Tue, 2)), dyn::kNever);
  EXPECT_EQ(m.window_open(c, at(WeekDay::Tue, 22)), dyn::kNever);  // Tuesday not in the mask
  EXPECT_EQ(m.window_open(c, at(WeekDay::Mon, 1)), dyn::kNever);   // belongs to Sunday's window
  // Sunday's window wraps into the next week's Monday.
  c.week_mask = dyn::day_bit(WeekDay::Sun);
  EXPECT_EQ(m.window_open(c, at(WeekDay::Mon, 1) + 7 * kDay), at(WeekDay::Sun, 22));
}

TEST(Window, MS2_WholeDayIsZeroToTwentyFour) {
  Fixture<1> f;
  ScenarioConfig c = office_hours(1);
  c.hour_start = 0;
  c.hour_end = 24;
  f.set(0, c);
  EXPECT_EQ(f.meta.window_open(c, at(WeekDay::Wed, 0)), at(WeekDay::Wed, 0));
  EXPECT_EQ(f.meta.window_open(c, at(WeekDay::Wed, 23, 59)), at(WeekDay::Wed, 0));
  EXPECT_EQ(f.meta.window_open(c, at(WeekDay::Thu, 0)), at(WeekDay::Thu, 0));  // a new window each day
}

TEST(Window, MS3_EpochSetsDayAndHourOfMissionTimeZero) {
  std::array<Scenario, 1> table{};
  auto m = MetaScheduler::create(table, kHour, {WeekDay::Sat, 12}).value();
  EXPECT_EQ(m.week_day(0), WeekDay::Sat);
  EXPECT_EQ(m.hour_of_day(0), 12u);
  EXPECT_EQ(m.week_day(12 * kHour), WeekDay::Sun);
  EXPECT_EQ(m.hour_of_day(12 * kHour), 0u);
  EXPECT_EQ(m.week_day(36 * kHour), WeekDay::Mon);
  // Before the epoch: floor, not truncation.
  EXPECT_EQ(m.hour_of_day(-1), 11u);
  EXPECT_EQ(m.week_day(-13 * kHour), WeekDay::Fri);
  MetaScheduler d = MetaScheduler::create(table, kHour).value();
  EXPECT_EQ(d.week_day(0), WeekDay::Mon);
  EXPECT_EQ(d.hour_of_day(0), 0u);
}

// ---------------------------------------------------------------- repeats

TEST(Repeats, MS4_PeriodIsAnHourOverRepeatsWithFiveMinuteFloor) {
  EXPECT_EQ(dyn::repeat_period(1), kHour);
  EXPECT_EQ(dyn::repeat_period(2), 30 * kMinute);
  EXPECT_EQ(dyn::repeat_period(4), 15 * kMinute);
  EXPECT_EQ(dyn::repeat_period(7), kHour / 7);
  EXPECT_EQ(dyn::repeat_period(11), kHour / 11);  // 5 min 27 s: above the floor
  EXPECT_EQ(dyn::repeat_period(12), 5 * kMinute);  // exactly the floor
  EXPECT_EQ(dyn::repeat_period(13), 5 * kMinute);  // 4 min 37 s → floored
  EXPECT_EQ(dyn::repeat_period(255), 5 * kMinute);
  EXPECT_EQ(dyn::repeat_period(0), dyn::kNever);
}

TEST(Repeats, MS4_WakeTimeoutMatchesThePeriodAndLeaseEndsAtNextRun) {
  Fixture<1> f;
  f.set(0, office_hours(7, Priority::Always, 4));
  const Decision& d = f.run(at(WeekDay::Mon, 8, 20));
  EXPECT_EQ(d.action, Action::Wake);
  EXPECT_EQ(d.timeout, 15 * kMinute);
  EXPECT_EQ(d.lease_end, at(WeekDay::Mon, 9));
  f.set(0, office_hours(7, Priority::Always, 100));
  const Decision& e = f.run(at(WeekDay::Mon, 9));
  EXPECT_EQ(e.timeout, 5 * kMinute);
}

TEST(Repeats, MS5_ZeroRepeatsRunOncePerWindowThenSleep) {
  Fixture<1> f;
  f.set(0, office_hours(3, Priority::Always, 0));
  const Decision& d = f.run(at(WeekDay::Mon, 8));
  EXPECT_EQ(d.action, Action::Wake);
  EXPECT_EQ(d.timeout, dyn::kNever);  // infinite sleep after the run
  EXPECT_EQ(d.lease_end, dyn::kNever);
  EXPECT_EQ(d.wake.repeats(), 0u);
  for (int h = 9; h < 17; ++h) {
    const Decision& e = f.run(at(WeekDay::Mon, h));
    EXPECT_EQ(e.action, Action::None) << h;  // never stopped: it sleeps on its own
    EXPECT_EQ(e.reason, Reason::OnceDone) << h;
  }
  EXPECT_EQ(f.run(at(WeekDay::Mon, 17)).reason, Reason::OutOfWindow);
  EXPECT_EQ(f.run(at(WeekDay::Tue, 8)).action, Action::Wake);  // the next window
  EXPECT_EQ(f.meta.runtime(0).wakes, 2u);
  EXPECT_EQ(f.meta.runtime(0).last_run, at(WeekDay::Tue, 8));
}

TEST(Repeats, MS5_ZeroRepeatsInAWrappedWindowRunOnceAcrossMidnight) {
  Fixture<1> f;
  ScenarioConfig c = office_hours(3, Priority::Always, 0);
  c.hour_start = 22;
  c.hour_end = 2;
  f.set(0, c);
  EXPECT_EQ(f.run(at(WeekDay::Mon, 23)).action, Action::Wake);
  EXPECT_EQ(f.run(at(WeekDay::Tue, 0)).reason, Reason::OnceDone);
  EXPECT_EQ(f.run(at(WeekDay::Tue, 1)).reason, Reason::OnceDone);
  EXPECT_EQ(f.run(at(WeekDay::Tue, 22)).action, Action::Wake);
}

TEST(Repeats, MS6_IntervalTaskIsRenewedEachRunAndStoppedWhenItMayNotContinue) {
  Fixture<1> f;
  f.set(0, office_hours(5, Priority::Always, 2));
  EXPECT_EQ(f.run(at(WeekDay::Mon, 15)).action, Action::Wake);
  EXPECT_EQ(f.meta.runtime(0).state, ScenarioRuntime::State::Interval);
  const Decision& renew = f.run(at(WeekDay::Mon, 16));
  EXPECT_EQ(renew.action, Action::Wake);
  EXPECT_EQ(renew.timeout, 30 * kMinute);
  const Decision& stop = f.run(at(WeekDay::Mon, 17));
  EXPECT_EQ(stop.action, Action::Stop);
  EXPECT_EQ(stop.reason, Reason::OutOfWindow);
  EXPECT_EQ(f.meta.runtime(0).state, ScenarioRuntime::State::Idle);
  const Decision& after = f.run(at(WeekDay::Mon, 18));
  EXPECT_EQ(after.action, Action::None);  // stopped once, not again
  EXPECT_EQ(f.meta.runtime(0).wakes, 2u);
}

// ---------------------------------------------------------------- idempotence

template <std::size_t N>
void expect_same_runtimes(const MetaScheduler& m, const std::array<ScenarioRuntime, N>& before) {
  for (std::size_t i = 0; i < N; ++i) {
    const ScenarioRuntime& r = m.runtime(i);
    EXPECT_EQ(r.state, before[i].state) << i;
    EXPECT_EQ(r.last_run, before[i].last_run) << i;
    EXPECT_EQ(r.window_open, before[i].window_open) << i;
    EXPECT_EQ(r.woken_slot, before[i].woken_slot) << i;
    EXPECT_EQ(r.wakes, before[i].wakes) << i;
  }
}

TEST(Idempotence, MS7_SecondRunInTheSamePeriodChangesNothing) {
  Fixture<6> f;
  f.set(0, office_hours(1, Priority::Always, 0));
  f.set(1, office_hours(2, Priority::Always, 3));
  ScenarioConfig wf = office_hours(3, Priority::WhenFree, 1);
  wf.power.budget_percent = 50;
  f.set(2, wf);
  wf.id = 4;
  f.set(3, wf);  // no budget left for this one
  wf.id = 5;
  wf.power.budget_percent = 10;
  f.set(4, wf);  // a later, smaller when_free still fits
  f.set(5, office_hours(6, Priority::Off));
  PowerState p;
  p.budget_percent = 60;

  // The previous period leaves an interval task to stop in this one.
  ScenarioConfig early = office_hours(6, Priority::Always, 2);
  early.hour_start = 7;
  early.hour_end = 8;
  f.set(5, early);
  f.run(at(WeekDay::Mon, 7), p);
  f.set(5, office_hours(6, Priority::Off));

  f.run(at(WeekDay::Mon, 8), p);
  EXPECT_EQ(f.out[0].action, Action::Wake);
  EXPECT_EQ(f.out[1].action, Action::Wake);
  EXPECT_EQ(f.out[2].action, Action::Wake);
  EXPECT_EQ(f.out[3].reason, Reason::Budget);
  EXPECT_EQ(f.out[4].action, Action::Wake);
  EXPECT_EQ(f.out[5].action, Action::Stop);
  const std::array<Decision, 6> first = f.out;

  std::array<ScenarioRuntime, 6> before{};
  for (std::size_t i = 0; i < 6; ++i) before[i] = f.meta.runtime(i);
  for (Time again : {at(WeekDay::Mon, 8), at(WeekDay::Mon, 8, 30), at(WeekDay::Mon, 8, 59)}) {
    f.run(again, p);
    for (std::size_t i = 0; i < 6; ++i) {
      EXPECT_NE(f.out[i].action, Action::Wake) << i;
      EXPECT_NE(f.out[i].action, Action::Stop) << i;
      if (first[i].action == Action::Wake) {
        EXPECT_EQ(f.out[i].action, Action::Keep) << i;
        EXPECT_EQ(f.out[i].reason, Reason::AlreadyWoken) << i;
      } else {
        EXPECT_EQ(f.out[i].reason, first[i].reason) << i;
      }
    }
    expect_same_runtimes(f.meta, before);
  }
  // The next period is a new run: interval tasks are renewed, once-only ones sleep.
  f.run(at(WeekDay::Mon, 9), p);
  EXPECT_EQ(f.out[0].reason, Reason::OnceDone);
  EXPECT_EQ(f.out[1].action, Action::Wake);
}

// ---------------------------------------------------------------- priorities

TEST(Priority, MS8_OffNeverRunsAndStopsARunningIntervalTask) {
  Fixture<1> f;
  f.set(0, office_hours(1, Priority::Off));
  EXPECT_EQ(f.run(at(WeekDay::Mon, 9)).reason, Reason::PriorityOff);
  EXPECT_EQ(f.out[0].action, Action::None);
  f.set(0, office_hours(1, Priority::Always, 6));
  EXPECT_EQ(f.run(at(WeekDay::Mon, 10)).action, Action::Wake);
  f.set(0, office_hours(1, Priority::Off, 6));  // ground command switches it off
  const Decision& d = f.run(at(WeekDay::Mon, 11));
  EXPECT_EQ(d.action, Action::Stop);
  EXPECT_EQ(d.reason, Reason::PriorityOff);
}

TEST(Priority, MS8_OffIsReportedBeforeOutOfWindow) {
  Fixture<1> f;
  f.set(0, office_hours(1, Priority::Off));
  EXPECT_EQ(f.run(at(WeekDay::Mon, 3)).reason, Reason::PriorityOff);
}

TEST(Priority, MS9_AlwaysRunsOnAnExhaustedBudget) {
  Fixture<1> f;
  ScenarioConfig c = office_hours(1, Priority::Always);
  c.power.budget_percent = 80;
  f.set(0, c);
  PowerState p;
  p.budget_percent = 0;
  EXPECT_EQ(f.run(at(WeekDay::Mon, 9), p).action, Action::Wake);
}

TEST(Priority, MS10_WhenFreeTakesOnlyWhatIsLeftAfterAlways) {
  Fixture<3> f;
  ScenarioConfig free60 = office_hours(1, Priority::WhenFree);
  free60.power.budget_percent = 60;
  f.set(0, free60);  // listed first, but always ones are charged first
  ScenarioConfig always60 = office_hours(2, Priority::Always);
  always60.power.budget_percent = 60;
  f.set(1, always60);
  ScenarioConfig free40 = office_hours(3, Priority::WhenFree);
  free40.power.budget_percent = 40;
  f.set(2, free40);  // exactly the 40 left: fits
  f.run(at(WeekDay::Mon, 9));
  EXPECT_EQ(f.out[0].action, Action::None);
  EXPECT_EQ(f.out[0].reason, Reason::Budget);
  EXPECT_EQ(f.out[1].action, Action::Wake);
  EXPECT_EQ(f.out[2].action, Action::Wake);
}

TEST(Priority, MS10_WhenFreeRunsWhenTheBudgetAllows) {
  Fixture<1> f;
  ScenarioConfig c = office_hours(1, Priority::WhenFree);
  c.power.budget_percent = 30;
  f.set(0, c);
  PowerState p;
  p.budget_percent = 29;
  EXPECT_EQ(f.run(at(WeekDay::Mon, 9), p).reason, Reason::Budget);
  p.budget_percent = 30;
  EXPECT_EQ(f.run(at(WeekDay::Mon, 10), p).action, Action::Wake);
}

TEST(Priority, MS10_BudgetRefusalStopsARunningIntervalTask) {
  Fixture<1> f;
  ScenarioConfig c = office_hours(1, Priority::WhenFree, 3);
  c.power.budget_percent = 30;
  f.set(0, c);
  EXPECT_EQ(f.run(at(WeekDay::Mon, 9)).action, Action::Wake);
  PowerState p;
  p.budget_percent = 10;
  const Decision& d = f.run(at(WeekDay::Mon, 10), p);
  EXPECT_EQ(d.action, Action::Stop);
  EXPECT_EQ(d.reason, Reason::Budget);
}

TEST(Priority, MS11_ReportPriorityIsPassedThrough) {
  Fixture<4> f;
  const dyn::ReportPriority all[] = {dyn::ReportPriority::Off, dyn::ReportPriority::Pad,
                                     dyn::ReportPriority::ForcePad, dyn::ReportPriority::Force};
  for (std::size_t i = 0; i < 4; ++i) {
    ScenarioConfig c = office_hours(static_cast<std::uint32_t>(i));
    c.report = all[i];
    f.set(i, c);
  }
  f.run(at(WeekDay::Mon, 9));
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(f.out[i].report, all[i]);
  f.run(at(WeekDay::Mon, 2));  // also on refusals
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(f.out[i].report, all[i]);
}

// ---------------------------------------------------------------- power

ScenarioConfig powered(bool battery, bool solar, bool charging, bool override_power,
                       Priority prio = Priority::Always) {
  ScenarioConfig c = office_hours(1, prio);
  c.power.on_battery = battery;
  c.power.on_solar = solar;
  c.power.while_charging = charging;
  c.power.override_power = override_power;
  return c;
}

Decision decide(const ScenarioConfig& c, const PowerState& p) {
  Fixture<1> f;
  f.set(0, c);
  return f.run(at(WeekDay::Mon, 9), p);
}

PowerState state(std::uint16_t charge, bool sun, bool charging, std::uint8_t budget = 100) {
  PowerState p;
  p.charge_permille = charge;
  p.low_charge_permille = 200;
  p.in_sunlight = sun;
  p.charging = charging;
  p.budget_percent = budget;
  return p;
}

TEST(Power, MS12_OnSolarRunsOnlyInSunlight) {
  const ScenarioConfig c = powered(false, true, false, false);
  EXPECT_EQ(decide(c, state(900, true, false)).action, Action::Wake);
  const Decision d = decide(c, state(900, false, false));
  EXPECT_EQ(d.action, Action::None);
  EXPECT_EQ(d.reason, Reason::NoPowerSource);
}

TEST(Power, MS12_WhileChargingRunsOnlyWhileCharging) {
  const ScenarioConfig c = powered(false, false, true, false);
  EXPECT_EQ(decide(c, state(900, false, true)).action, Action::Wake);
  EXPECT_EQ(decide(c, state(900, true, false)).reason, Reason::NoPowerSource);
}

TEST(Power, MS12_OnBatteryRunsInEclipseAboveTheThreshold) {
  const ScenarioConfig c = powered(true, false, false, false);
  EXPECT_EQ(decide(c, state(201, false, false)).action, Action::Wake);
  EXPECT_EQ(decide(c, state(200, false, false)).reason, Reason::BatteryLow);  // at the threshold
}

TEST(Power, MS13_LowChargeHoldsEveryNonCriticalScenario) {
  // Even in sunlight and charging, and even priority always.
  const ScenarioConfig c = powered(true, true, true, false, Priority::Always);
  const Decision d = decide(c, state(150, true, true));
  EXPECT_EQ(d.action, Action::None);
  EXPECT_EQ(d.reason, Reason::BatteryLow);
}

TEST(Power, MS14_CriticalOverrideRunsAtLowCharge) {
  const ScenarioConfig c = powered(false, false, false, true);
  EXPECT_EQ(decide(c, state(0, false, false)).action, Action::Wake);
  EXPECT_EQ(decide(c, state(150, false, false)).action, Action::Wake);
  EXPECT_EQ(decide(c, state(1000, true, true)).action, Action::Wake);
}

TEST(Power, MS14_OverrideDoesNotBypassTheBudgetOfWhenFree) {
  const ScenarioConfig c = [] {
    ScenarioConfig x = powered(false, false, false, true, Priority::WhenFree);
    x.power.budget_percent = 10;
    return x;
  }();
  EXPECT_EQ(decide(c, state(100, false, false, 0)).reason, Reason::Budget);
  EXPECT_EQ(decide(c, state(100, false, false, 10)).action, Action::Wake);
}

TEST(Power, MS14_LowChargeStopsARunningIntervalTaskUnlessCritical) {
  Fixture<2> f;
  ScenarioConfig normal = office_hours(1, Priority::Always, 2);
  ScenarioConfig critical = office_hours(2, Priority::Always, 2);
  critical.power.override_power = true;
  f.set(0, normal);
  f.set(1, critical);
  f.run(at(WeekDay::Mon, 9), state(900, true, false));
  EXPECT_EQ(f.out[0].action, Action::Wake);
  EXPECT_EQ(f.out[1].action, Action::Wake);
  f.run(at(WeekDay::Mon, 10), state(100, false, false));
  EXPECT_EQ(f.out[0].action, Action::Stop);
  EXPECT_EQ(f.out[0].reason, Reason::BatteryLow);
  EXPECT_EQ(f.out[1].action, Action::Wake);
}

TEST(Power, MS15_BatteryMutexGoesToOneScenarioPerPeriod) {
  Fixture<3> f;
  ScenarioConfig a = office_hours(1, Priority::WhenFree);
  a.power.needs_battery_mutex = true;
  ScenarioConfig b = office_hours(2, Priority::Always);
  b.power.needs_battery_mutex = true;
  ScenarioConfig c = office_hours(3, Priority::Always);
  f.set(0, a);
  f.set(1, b);
  f.set(2, c);
  f.run(at(WeekDay::Mon, 9));
  EXPECT_EQ(f.out[0].reason, Reason::BatteryMutex);  // the always one holds it
  EXPECT_EQ(f.out[1].action, Action::Wake);
  EXPECT_EQ(f.out[2].action, Action::Wake);  // no mutex needed
}

// ---------------------------------------------------------------- notification

TEST(Wake, MS16_NotificationPacksScenarioIdAndRepeats) {
  Fixture<2> f;
  f.set(0, office_hours(0xAB'CDEF, Priority::Always, 12));
  f.set(1, office_hours(0xFF'FFFF, Priority::Always, 255));
  f.run(at(WeekDay::Mon, 9));
  EXPECT_EQ(f.out[0].wake.message(), 0xAB'CDEFu);
  EXPECT_EQ(f.out[0].wake.repeats(), 12u);
  EXPECT_EQ(f.out[0].wake.raw, 0x0CAB'CDEFu);
  EXPECT_EQ(f.out[1].wake.raw, 0xFFFF'FFFFu);
  EXPECT_EQ(f.out[1].index, 1u);
}

TEST(Wake, MS17_EveryReasonAndActionIsExplained) {
  std::set<std::string> seen;
  for (int r = 0; r <= static_cast<int>(Reason::Budget); ++r) {
    const std::string s = dyn::to_string(static_cast<Reason>(r));
    EXPECT_FALSE(s.empty());
    EXPECT_NE(s, "?");
    seen.insert(s);
  }
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(Reason::Budget) + 1);
  EXPECT_STREQ(dyn::to_string(Action::Stop), "stop");
  EXPECT_STREQ(dyn::to_string(Reason::OutOfWindow), "out of window");
}

TEST(Wake, MS3_NextRunIsTheNextPeriodBoundary) {
  std::array<Scenario, 1> table{};
  auto m = MetaScheduler::create(table, 20 * kMinute).value();
  EXPECT_EQ(m.next_run(0), 20 * kMinute);
  EXPECT_EQ(m.next_run(20 * kMinute - 1), 20 * kMinute);
  EXPECT_EQ(m.next_run(20 * kMinute), 40 * kMinute);
  EXPECT_EQ(m.next_run(-1), 0);
}

TEST(Wake, MS3_ShorterPeriodIsItsOwnIdempotenceUnit) {
  std::array<Scenario, 1> table{};
  std::array<Decision, 1> out{};
  auto m = MetaScheduler::create(table, 20 * kMinute).value();
  ASSERT_TRUE(m.ground_command(0, office_hours(1, Priority::Always, 1)).has_value());
  ASSERT_TRUE(m.run(at(WeekDay::Mon, 9), {}, out).has_value());
  EXPECT_EQ(out[0].action, Action::Wake);
  EXPECT_EQ(out[0].lease_end, at(WeekDay::Mon, 9, 20));
  ASSERT_TRUE(m.run(at(WeekDay::Mon, 9, 19), {}, out).has_value());
  EXPECT_EQ(out[0].action, Action::Keep);
  ASSERT_TRUE(m.run(at(WeekDay::Mon, 9, 20), {}, out).has_value());
  EXPECT_EQ(out[0].action, Action::Wake);  // renewed
}

}  // namespace
