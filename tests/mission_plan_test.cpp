// mission_plan_test.cpp — `dynsched compile` (cli/plan_writer.cpp) and the
// system a compiled mission runs on (dyn/mission_plan.hpp), on the host.
#include "dyn/mission_plan.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "example_modules.hpp"
#include "mission.hpp"
#include "plan_writer.hpp"
#include "host_module_memory.hpp"
#include "dyn/sched_priority.hpp"

namespace dyn::cli {
namespace {

Mission parsed(const char* text) {
  MissionResult r = parse_mission(text, "test.toml");
  EXPECT_TRUE(r.mission) << (r.error ? r.error->to_string() : "");
  return *r.mission;
}

constexpr const char* kModuleMission = R"(
[mission]
name = "plan"
duration = "1h"
[scheduler]
policy = "priority"
max_tasks = 8
[[task]]
name = "mathlib"
module = "mathlib"
[[task]]
name = "beacon"
module = "beacon"
interval = "30s"
watchdog = "50ms"
[[task]]
name = "worker"
interval = "1s"
work = "busy:2ms, notify:listener:7:1"
[[task]]
name = "listener"
model = "loop"
work = "wait"
[[update]]
at = "10m"
task = "beacon"
module = "beacon_v2"
)";

PlanOptions m3_modules() {
  PlanOptions o;
  o.modules = {{"mathlib", test::example_module("mathlib", "mathlib_m3")},
               {"beacon", test::example_module("beacon", "beacon_m3")},
               {"beacon_v2", test::example_module("beacon", "beacon_v2_m3")}};
  return o;
}

TEST(CompileMission, WritesTablesForEveryTaskUpdateAndModule) {
  if (!DYN_CORTEX_M3_MODULES) GTEST_SKIP() << "arm-none-eabi-gcc did not build the Cortex-M3 modules";
  std::string why;
  const std::string source = write_mission_plan(parsed(kModuleMission), m3_modules(), &why);
  ASSERT_FALSE(source.empty()) << why;
  EXPECT_NE(source.find("const dyn::MissionPlan dyn::compiled_mission"), std::string::npos);
  EXPECT_NE(source.find("PriorityPolicy"), std::string::npos);
  for (const char* name : {"\"mathlib\"", "\"beacon\"", "\"worker\"", "\"listener\"", "\"beacon_v2\""})
    EXPECT_NE(source.find(name), std::string::npos) << name;
  // The notify step targets the listener by its index (3), with message 7 and repeats 1.
  EXPECT_NE(source.find("{dyn::PlanStep::Kind::Notify, 1, 3, 1, 7, 0}"), std::string::npos);
  EXPECT_NE(source.find(".at = 600000000, .task = 1, .module = 2"), std::string::npos);
  EXPECT_NE(source.find("Task g_slots[8];"), std::string::npos);
}

// The kernel tables take at most 256 regions (a descriptor's 8-bit index):
// the region table written is four a task and the null region up to that,
// so a mission with the default 64 task slots (or more) still starts.
TEST(CompileMission, SizesTheRegionTableWithinWhatTheKernelTablesTake) {
  if (!DYN_CORTEX_M3_MODULES) GTEST_SKIP() << "arm-none-eabi-gcc did not build the Cortex-M3 modules";
  std::string mission = kModuleMission;
  auto with_slots = [&](const char* line) {
    std::string text = mission;
    text.replace(text.find("max_tasks = 8"), 13, line);
    std::string why;
    const std::string source = write_mission_plan(parsed(text.c_str()), m3_modules(), &why);
    EXPECT_FALSE(source.empty()) << why;
    return source;
  };
  EXPECT_NE(with_slots("max_tasks = 8").find("RegionEntry g_table_regions[33];"), std::string::npos);
  EXPECT_NE(with_slots("").find("RegionEntry g_table_regions[256];"), std::string::npos) << "the default, 64 slots";
  EXPECT_NE(with_slots("max_tasks = 1000").find("RegionEntry g_table_regions[256];"), std::string::npos);
}

TEST(CompileMission, EscapesNamesSoTheyCannotBreakTheSource) {
  std::string why;
  const std::string source = write_mission_plan(parsed(R"(
[mission]
name = 'x"\y??='
duration = "1h"
[scheduler]
policy = "priority"
[[task]]
name = "a"
work = "busy:1ms"
)"), {}, &why);
  ASSERT_FALSE(source.empty()) << why;
  EXPECT_NE(source.find(R"(.name = "x\"\\y\077\077=")"), std::string::npos) << source.substr(0, 400);
}

TEST(CompileMission, RefusesAnObjectForAnotherMachine) {
  PlanOptions o = m3_modules();
  o.modules["beacon"] = test::example_module("beacon", "beacon");  // the host's x86-64 build
  std::string why;
  EXPECT_TRUE(write_mission_plan(parsed(kModuleMission), o, &why).empty());
  EXPECT_NE(why.find("not cortex-m3"), std::string::npos) << why;
}

TEST(CompileMission, RefusesAModuleWithoutAnObject) {
  PlanOptions o = m3_modules();
  o.modules.erase("beacon_v2");
  std::string why;
  EXPECT_TRUE(write_mission_plan(parsed(kModuleMission), o, &why).empty());
  EXPECT_NE(why.find("--module beacon_v2=FILE.o"), std::string::npos) << why;
}

TEST(CompileMission, RefusesATargetItDoesNotKnow) {
  PlanOptions o = m3_modules();
  o.target = "x86-64";
  std::string why;
  EXPECT_TRUE(write_mission_plan(parsed(kModuleMission), o, &why).empty());
  EXPECT_NE(why.find("target x86-64"), std::string::npos) << why;
}

}  // namespace
}  // namespace dyn::cli

namespace dyn {
namespace {

// A plan as the tool writes one, by hand: two workload tasks, one notifying the other.
constexpr PlanStep kSteps[] = {
    {PlanStep::Kind::Busy, 0, 0, 1, 0, 2 * kMillisecond},
    {PlanStep::Kind::Notify, 0, 1, 1, 5, 0},
    {PlanStep::Kind::Wait, 0, 0, 1, 0, kNever},
};
Policy& priority_policy(TaskTable&) noexcept {
  static PriorityPolicy policy;
  return policy;
}

struct HostPlan {
  std::vector<PlanTask> tasks;
  std::vector<Task> slots = std::vector<Task>(8);
  std::vector<RegisterEntry> entries = std::vector<RegisterEntry>(8);
  std::vector<TaskDesc> table_tasks = std::vector<TaskDesc>(8);
  std::vector<RegionEntry> regions = std::vector<RegionEntry>(33);
  std::vector<IrqEntry> irqs = std::vector<IrqEntry>(4);
  std::vector<std::byte> stacks = std::vector<std::byte>(3 * 256 * 1024);
  std::vector<TaskId> ids = std::vector<TaskId>(2);
  std::vector<PlanWorkload> workloads = std::vector<PlanWorkload>(2);
  MissionPlan plan;

  HostPlan() {
    PlanTask sender;
    sender.spec.name = "sender";
    sender.spec.interval = kSecond;
    sender.spec.watchdog = 50 * kMillisecond;
    sender.spec.priority = 2;
    sender.stack_size = 256 * 1024;
    sender.first_step = 0;
    sender.step_count = 2;
    PlanTask receiver;
    receiver.spec.name = "receiver";
    receiver.spec.model = RunModel::Loop;
    receiver.stack_size = 256 * 1024;
    receiver.first_step = 2;
    receiver.step_count = 1;
    tasks = {sender, receiver};
    plan.name = "host-plan";
    plan.duration = 10 * kSecond;
    plan.housekeeping = kSecond;
    plan.make_policy = priority_policy;
    plan.tasks = tasks;
    plan.steps = kSteps;
    plan.slots = slots;
    plan.entries = entries;
    plan.table_tasks = table_tasks;
    plan.table_regions = regions;
    plan.table_irqs = irqs;
    plan.stacks = stacks;
    plan.ids = ids;
    plan.workloads = workloads;
    plan.system_stack = 256 * 1024;
  }
};

TEST(MissionSystem, RunsAPlanOnTheHost) {
  HostPlan p;
  host::HostModuleMemory memory;
  MissionSystem sys(p.plan, memory, nullptr);
  ASSERT_TRUE(sys.start());
  sys.run(nullptr);
  const Task* sender = sys.kernel().table().find_by_name("sender");
  const Task* housekeeping = sys.kernel().table().find_by_name("os.housekeeping");
  ASSERT_NE(sender, nullptr);
  ASSERT_NE(housekeeping, nullptr);
  EXPECT_EQ(sender->stats.runs, 10u);  // at 0, 1, ..., 9 s
  EXPECT_EQ(p.workloads[1].received, 10u);  // every notification reached the receiver
  EXPECT_GE(housekeeping->stats.runs, 9u);
  EXPECT_EQ(sys.unexpected_stops(), 0u);
  EXPECT_TRUE(sys.nominal());
  sys.stop();
}

TEST(MissionSystem, RefusesAPlanThatContradictsItself) {
  HostPlan p;
  p.tasks[0].step_count = 9;  // past the steps
  host::HostModuleMemory memory;
  MissionSystem sys(p.plan, memory, nullptr);
  auto started = sys.start();
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().code, PlanError::Code::Malformed);
  EXPECT_STREQ(started.error().task, "sender");
  EXPECT_EQ(sys.kernel().table().find_by_name("receiver"), nullptr);  // nothing started
}

TEST(MissionSystem, CountsAStopTheMissionDidNotExpect) {
  HostPlan p;
  p.tasks[0].spec.watchdog = kMillisecond;  // busy:2ms overruns it every run
  host::HostModuleMemory memory;
  MissionSystem sys(p.plan, memory, nullptr);
  ASSERT_TRUE(sys.start());
  sys.run(nullptr);
  EXPECT_EQ(sys.unexpected_stops(), 10u);
  EXPECT_FALSE(sys.nominal());
  p.tasks[0].expect_watchdog = true;  // the file says the stops are intended
  EXPECT_EQ(sys.unexpected_stops(), 0u);
  sys.stop();
}

}  // namespace
}  // namespace dyn
