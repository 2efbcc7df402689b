// meta_task_test.cpp — the meta-scheduler driving real tasks on the kernel:
// wakes by notification, stops at its next run, holds for power, the
// critical override at low charge, idempotent passes.
#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "dyn/meta_task.hpp"
#include "dynsched.h"
#include "system_harness.hpp"

namespace dyn {
namespace {

using test::PolicyChoice;
using test::System;
using test::triggered;

constexpr Time kDay = 24 * kHour;
// A scenario task starts right after the meta pass that woke it, which (like
// every dispatch in virtual time) costs KernelConfig::dispatch_cost.
constexpr Time kAfterPass = KernelConfig{}.dispatch_cost;

class FixedPower final : public PowerSource {
 public:
  PowerState power_state(Time) noexcept override { return state; }
  PowerState state;
};

struct Seen {
  Time at;
  std::uint32_t index;
  Action action;
  Reason reason;
  bool carried_out;
};

class Recorded final : public DecisionSink {
 public:
  void on_decision(Time now, const Decision& d, TaskId, const PowerState&, bool carried_out) noexcept override {
    seen.push_back({now, d.index, d.action, d.reason, carried_out});
  }
  std::vector<Seen> seen;
};

ScenarioConfig scenario(std::uint32_t id, std::uint8_t hour_start, std::uint8_t hour_end, std::uint8_t repeats,
                        Priority priority = Priority::Always) {
  ScenarioConfig c;
  c.id = id;
  c.hour_start = hour_start;
  c.hour_end = hour_end;
  c.repeats = repeats;
  c.priority = priority;
  return c;
}

// A system with N scenario tasks (each a triggered job that records the
// notification it was woken with) and the meta-scheduler's job at level 1.
template <std::size_t N>
struct Mission {
  explicit Mission(PolicyChoice policy = PolicyChoice::Multilevel) : sys(policy) {}

  void start(const std::array<ScenarioConfig, N>& configs, Time period = kHour) {
    for (std::size_t i = 0; i < N; ++i) {
      table[i] = Scenario::make(configs[i]).value();
      auto id = sys.add(triggered(names[i]), [this, i] {
        Notification n;
        if (sys.kernel().wait_notification(0, &n)) received[i].push_back(n.raw);
        sys.kernel().consume(kMillisecond);
      });
      ASSERT_TRUE(id);
      tasks[i] = id.value();
    }
    meta.emplace(MetaScheduler::create(table, period).value());
    driver.emplace(MetaTask::create(sys.kernel(), *meta, tasks, decisions, &power, &sink).value());
    TaskSpec spec = test::job("os.meta", 1, period);
    ASSERT_TRUE(sys.add(spec, [this] { MetaTask::job(&*driver); }));
  }

  System sys;
  const char* names[4] = {"s0", "s1", "s2", "s3"};
  std::array<Scenario, N> table{};
  std::array<TaskId, N> tasks{};
  std::array<Decision, N> decisions{};
  std::array<std::vector<std::uint32_t>, N> received{};
  FixedPower power;
  Recorded sink;
  std::optional<MetaScheduler> meta;
  std::optional<MetaTask> driver;
};

class MetaTaskOnPolicies : public ::testing::TestWithParam<PolicyChoice> {};

TEST_P(MetaTaskOnPolicies, WakesForTheWindowRepeatsAndStopsAtTheNextRunOutsideIt) {
  Mission<1> m(GetParam());
  m.start({scenario(0x42, 1, 2, 4)});  // 01:00-02:00, every 15 min
  m.sys.kernel().run_until(4 * kHour);
  EXPECT_EQ(m.sys.recorder.starts("s0"),
            (std::vector<Time>{kHour + kAfterPass, kHour + 15 * kMinute + kAfterPass, kHour + 30 * kMinute + kAfterPass,
                               kHour + 45 * kMinute + kAfterPass}))
      << "the 02:00 release is withdrawn by the pass at 02:00";
  EXPECT_EQ(m.driver->stats().passes, 4u) << "00:00, 01:00, 02:00, 03:00";
  EXPECT_EQ(m.driver->stats().wakes, 1u);
  EXPECT_EQ(m.driver->stats().stops, 1u);
  ASSERT_FALSE(m.received[0].empty());
  Notification n{m.received[0][0]};
  EXPECT_EQ(n.message(), 0x42u);
  EXPECT_EQ(n.repeats(), 4);
  std::vector<Action> actions;
  for (const Seen& s : m.sink.seen) actions.push_back(s.action);
  EXPECT_EQ(actions, (std::vector<Action>{Action::None, Action::Wake, Action::Stop, Action::None}));
  EXPECT_EQ(m.sink.seen[2].reason, Reason::OutOfWindow);
}

TEST_P(MetaTaskOnPolicies, ZeroRepeatsRunOncePerWindow) {
  Mission<1> m(GetParam());
  m.start({scenario(1, 6, 10, 0)}, 30 * kMinute);  // 06:00-10:00, passes every 30 min
  m.sys.kernel().run_until(kDay + 12 * kHour);
  EXPECT_EQ(m.sys.recorder.starts("s0"), (std::vector<Time>{6 * kHour + kAfterPass, kDay + 6 * kHour + kAfterPass}));
  EXPECT_EQ(m.driver->stats().stops, 0u) << "a zero-repeat task sleeps on its own";
}

TEST_P(MetaTaskOnPolicies, CriticalScenarioRunsAtLowChargeOthersWait) {
  Mission<2> m(GetParam());
  ScenarioConfig critical = scenario(1, 0, 24, 12);
  critical.power.override_power = true;
  ScenarioConfig ordinary = scenario(2, 0, 24, 12);
  m.power.state.charge_permille = 150;  // below the 200 ‰ threshold, in eclipse
  m.power.state.in_sunlight = false;
  m.start({critical, ordinary});
  m.sys.kernel().run_until(kHour);
  EXPECT_EQ(m.sys.recorder.starts("s0").size(), 12u) << "every 5 min";
  EXPECT_TRUE(m.sys.recorder.starts("s1").empty());
  EXPECT_EQ(m.driver->stats().held_for_power, 1u);
  ASSERT_EQ(m.sink.seen.size(), 2u);
  EXPECT_EQ(m.sink.seen[1].reason, Reason::BatteryLow);
  // The battery recovers: the next pass wakes the ordinary one too.
  m.power.state.charge_permille = 600;
  m.sys.kernel().run_until(2 * kHour);
  EXPECT_EQ(m.sys.recorder.starts("s1").size(), 12u);
  // ... and a drained battery again stops it at the next pass, not the critical one.
  m.power.state.charge_permille = 100;
  m.sys.kernel().run_until(3 * kHour);
  EXPECT_EQ(m.sys.recorder.starts("s1").size(), 12u);
  EXPECT_EQ(m.sys.recorder.starts("s0").size(), 36u);
}

INSTANTIATE_TEST_SUITE_P(Policies, MetaTaskOnPolicies,
                         ::testing::Values(PolicyChoice::Multilevel, PolicyChoice::RoundRobin,
                                           PolicyChoice::Lottery, PolicyChoice::Priority));

TEST(MetaTask, APassRepeatedInThePeriodChangesNothing) {
  Mission<2> m;
  m.start({scenario(1, 0, 24, 2), scenario(2, 0, 24, 0)});
  m.sys.kernel().run_until(10 * kMinute);
  const auto runs0 = m.sys.recorder.starts("s0");
  const auto runs1 = m.sys.recorder.starts("s1");
  const MetaStats before = m.driver->stats();
  ASSERT_TRUE(m.driver->pass());  // from the system, mid-period (a ground request)
  ASSERT_TRUE(m.driver->pass());
  EXPECT_EQ(m.driver->stats().wakes, before.wakes);
  EXPECT_EQ(m.driver->stats().stops, before.stops);
  for (const Decision& d : m.driver->last()) EXPECT_TRUE(d.action == Action::Keep || d.action == Action::None);
  m.sys.kernel().run_until(59 * kMinute);
  EXPECT_EQ(m.sys.recorder.starts("s0"), (std::vector<Time>{kAfterPass, 30 * kMinute + kAfterPass}));
  EXPECT_EQ(m.sys.recorder.starts("s1"), runs1);
  EXPECT_EQ(runs0.size(), 1u);
}

TEST(MetaTask, OnSolarScenarioIsHeldInEclipseWithItsReason) {
  Mission<1> m;
  ScenarioConfig camera = scenario(7, 0, 24, 1);
  camera.power.on_battery = false;
  camera.power.on_solar = true;
  m.power.state.in_sunlight = false;
  m.start({camera});
  m.sys.kernel().run_until(kHour - 1);
  EXPECT_TRUE(m.sys.recorder.starts("s0").empty());
  ASSERT_EQ(m.sink.seen.size(), 1u);
  EXPECT_EQ(m.sink.seen[0].reason, Reason::NoPowerSource);
  EXPECT_TRUE(held_for_power(m.sink.seen[0].reason));
  m.power.state.in_sunlight = true;
  m.sys.kernel().run_until(kHour + kAfterPass + 1);
  EXPECT_EQ(m.sys.recorder.starts("s0"), (std::vector<Time>{kHour + kAfterPass}));
}

TEST(MetaTask, AWakeTheKernelRefusesIsReportedNotCarriedOut) {
  Mission<1> m;
  m.start({scenario(1, 0, 24, 0)});
  ASSERT_TRUE(m.sys.kernel().remove(m.tasks[0]));  // e.g. removed by a live update
  m.sys.kernel().run_until(kMinute);
  EXPECT_EQ(m.driver->stats().refused, 1u);
  EXPECT_EQ(m.driver->stats().wakes, 0u);
  ASSERT_EQ(m.sink.seen.size(), 1u);
  EXPECT_FALSE(m.sink.seen[0].carried_out);
}

TEST(MetaTask, AScenarioTaskReadsItsOwnSettingsAndSeesGroundCommands) {
  System sys(PolicyChoice::Multilevel);
  std::array<Scenario, 2> table{};
  ScenarioConfig mine = scenario(0x1234, 0, 24, 12);
  mine.report = ReportPriority::ForcePad;
  mine.power.budget_percent = 30;
  mine.power.on_solar = true;
  mine.power.override_power = true;
  table[0] = Scenario::make(mine).value();
  table[1] = Scenario::make(scenario(0x99, 0, 24, 12)).value();
  std::vector<dyn_scenario> seen;
  int plain_result = 0;
  auto reader = sys.add(triggered("reader"), [&] {
    dyn_scenario s{};
    if (dyn_scenario_settings(&s) == 0) seen.push_back(s);
  });
  auto other = sys.add(triggered("other"), [] {});
  auto plain = sys.add(test::job("plain", 3, kMinute), [&] {
    dyn_scenario s{};
    plain_result = dyn_scenario_settings(&s);
  });
  ASSERT_TRUE(reader && other && plain);
  std::array<TaskId, 2> ids{reader.value(), other.value()};
  std::array<Decision, 2> decisions{};
  auto meta = MetaScheduler::create(table, kHour).value();
  auto driver = MetaTask::create(sys.kernel(), meta, ids, decisions).value();
  ASSERT_TRUE(sys.add(test::job("os.meta", 1, kHour), [&] { MetaTask::job(&driver); }));
  sys.kernel().run_until(kMinute);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].id, 0x1234u) << "its own scenario, not the other one";
  EXPECT_EQ(seen[0].hour_start, 0);
  EXPECT_EQ(seen[0].hour_end, 24);
  EXPECT_EQ(seen[0].week_mask, kAllWeek);
  EXPECT_EQ(seen[0].repeats, 12);
  EXPECT_EQ(seen[0].priority, 3);
  EXPECT_EQ(seen[0].report, 2);
  EXPECT_EQ(seen[0].budget_percent, 30);
  EXPECT_EQ(seen[0].power, DYN_POWER_BATTERY | DYN_POWER_SOLAR | DYN_POWER_OVERRIDE);
  EXPECT_EQ(plain_result, -1) << "a task without a scenario has none to read";
  ScenarioConfig changed = mine;
  changed.repeats = 6;
  ASSERT_TRUE(meta.ground_command(0, changed));
  sys.kernel().run_until(6 * kMinute);
  ASSERT_GE(seen.size(), 2u);
  EXPECT_EQ(seen.back().repeats, 6) << "a ground command is seen at the next read";
  dyn_scenario outside{};
  EXPECT_EQ(dyn_scenario_settings(&outside), -1) << "outside any task";
}

TEST(MetaTask, RefusesATaskMapShorterThanTheTable) {
  System sys(PolicyChoice::Multilevel);
  std::array<Scenario, 3> table{};
  auto meta = MetaScheduler::create(table, kHour).value();
  std::array<TaskId, 2> tasks{};
  std::array<Decision, 3> decisions{};
  auto r = MetaTask::create(sys.kernel(), meta, tasks, decisions);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, MetaError::Code::OutputTooSmall);
  std::array<TaskId, 3> enough{};
  std::array<Decision, 2> short_out{};
  EXPECT_FALSE(MetaTask::create(sys.kernel(), meta, enough, short_out));
}

}  // namespace
}  // namespace dyn
