// mission_file_test.cpp — the mission file parser (cli/mission.cpp), one test
// per error it reports and the values a good file produces.
//
// Every error must name the line and the dotted key of the fault (see
// docs/mission-file.md, "Errors"); the files are written here, line by line,
// so the expected line numbers can be counted in the text.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <string_view>

#include "mission.hpp"

namespace dyn::cli {
namespace {

// Checks that `text` is rejected with exactly this line and key, and a
// message that contains `needle`.
::testing::AssertionResult rejects(std::string_view text, int line, const std::string& key,
                                   const std::string& needle) {
  const MissionResult r = parse_mission(text, "m.toml");
  if (r.mission) return ::testing::AssertionFailure() << "the mission was accepted";
  if (!r.error) return ::testing::AssertionFailure() << "neither a mission nor an error";
  const MissionError& e = *r.error;
  if (e.file != "m.toml" || e.line != line || e.key != key || e.message.find(needle) == std::string::npos)
    return ::testing::AssertionFailure() << "got " << e.to_string() << " (line " << e.line << ", key '" << e.key
                                         << "'), expected line " << line << ", key '" << key << "', message with '"
                                         << needle << "'";
  return ::testing::AssertionSuccess();
}

Mission accepts(std::string_view text) {
  MissionResult r = parse_mission(text, "m.toml");
  EXPECT_FALSE(r.error) << r.error->to_string();
  if (!r.mission) {
    ADD_FAILURE() << "no mission";
    return {};
  }
  return *r.mission;
}

// Two lines; the tests below count from line 3.
constexpr std::string_view kPriority = "[scheduler]\npolicy = \"priority\"\n";

std::string with_priority(std::string_view rest) { return std::string(kPriority) + std::string(rest); }

// --- TOML and the top level ------------------------------------------------------

TEST(MissionFile, TomlSyntaxErrorNamesItsLine) {
  const MissionResult r = parse_mission(with_priority("[[task]]\nname = \"a\"\nwork = busy:2ms\n"), "m.toml");
  ASSERT_TRUE(r.error);
  EXPECT_FALSE(r.mission);
  EXPECT_EQ(r.error->line, 5);
  EXPECT_EQ(r.error->key, "");
  EXPECT_FALSE(r.error->message.empty());
  EXPECT_EQ(r.error->to_string().rfind("m.toml:5: ", 0), 0u) << r.error->to_string();
}

TEST(MissionFile, DuplicateTomlKeyIsASyntaxError) {
  EXPECT_TRUE(rejects("[scheduler]\npolicy = \"priority\"\npolicy = \"lottery\"\n", 3, "", ""));
}

TEST(MissionFile, UnknownTopLevelKey) {
  EXPECT_TRUE(rejects(with_priority("[[task]]\nname = \"a\"\nwork = \"spin\"\n[missoin]\nname = \"x\"\n"), 6,
                      "missoin", "unknown key (allowed here: mission, scheduler, task, onetime, update, power, meta, scenario, command, security)"));
}

TEST(MissionFile, MissionMustBeATable) {
  EXPECT_TRUE(rejects("mission = \"smoke\"\n" + with_priority(""), 1, "mission", "expected a table [mission]"));
}

TEST(MissionFile, UnknownKeyInMission) {
  EXPECT_TRUE(rejects("[mission]\nname = \"x\"\nlength = \"10s\"\n" + with_priority(""), 3, "mission.length",
                      "unknown key"));
}

TEST(MissionFile, SeedMustNotBeNegative) {
  EXPECT_TRUE(rejects("[mission]\nseed = -1\n" + with_priority(""), 2, "mission.seed", "out of range"));
}

TEST(MissionFile, MissionNameMustBeAString) {
  EXPECT_TRUE(rejects("[mission]\nname = 5\n" + with_priority(""), 2, "mission.name", "expected a string"));
}

// --- [scheduler] -------------------------------------------------------------------

TEST(MissionFile, MissingSchedulerIsAWholeFileError) {
  EXPECT_TRUE(rejects("[mission]\nname = \"x\"\n[[task]]\nname = \"a\"\nwork = \"spin\"\n", 0, "scheduler",
                      "missing [scheduler] table"));
}

TEST(MissionFile, SchedulerMustBeATable) {
  EXPECT_TRUE(rejects("scheduler = \"priority\"\n", 1, "scheduler", "expected a table [scheduler]"));
}

TEST(MissionFile, UnknownKeyInScheduler) {
  EXPECT_TRUE(rejects("[scheduler]\npolicy = \"priority\"\nticks = \"1ms\"\n", 3, "scheduler.ticks",
                      "unknown key (allowed here: policy, tick, time_slice, max_tasks, stack, housekeeping)"));
}

TEST(MissionFile, MissingPolicyPointsAtTheSchedulerTable) {
  EXPECT_TRUE(rejects("[mission]\nname = \"x\"\n[scheduler]\ntick = \"1ms\"\n", 3, "scheduler.policy",
                      "missing; choose multilevel"));
}

TEST(MissionFile, UnknownPolicy) {
  EXPECT_TRUE(rejects("[scheduler]\ntick = \"1ms\"\npolicy = \"fifo\"\n", 3, "scheduler.policy",
                      "unknown policy \"fifo\""));
}

TEST(MissionFile, PolicyMustBeAString) {
  EXPECT_TRUE(rejects("[scheduler]\npolicy = 2\n", 2, "scheduler.policy", "expected a string"));
}

TEST(MissionFile, TickOutOfRange) {
  EXPECT_TRUE(rejects(with_priority("tick = \"99us\"\n"), 3, "scheduler.tick", "tick must be 100us..1s"));
  EXPECT_TRUE(rejects(with_priority("tick = \"1001ms\"\n"), 3, "scheduler.tick", "tick must be 100us..1s"));
  const std::string ends = "[[task]]\nname = \"a\"\nwork = \"spin\"\n";
  EXPECT_EQ(accepts(with_priority("tick = \"100us\"\n" + ends)).tick, 100);
  EXPECT_EQ(accepts(with_priority("tick = \"1s\"\n" + ends)).tick, kSecond);
}

TEST(MissionFile, DurationMustBeAString) {
  EXPECT_TRUE(rejects(with_priority("time_slice = 10\n"), 3, "scheduler.time_slice",
                      "expected a duration string such as \"10s\""));
}

TEST(MissionFile, MalformedDuration) {
  EXPECT_TRUE(rejects(with_priority("housekeeping = \"ten\"\n"), 3, "scheduler.housekeeping",
                      "bad duration \"ten\" (use a number and us, ms, s, m, h or d)"));
  EXPECT_TRUE(rejects("[mission]\nduration = \"-1s\"\n" + with_priority(""), 2, "mission.duration",
                      "bad duration \"-1s\""));
  EXPECT_TRUE(rejects("[mission]\nduration = \"-0.5s\"\n" + with_priority(""), 2, "mission.duration",
                      "bad duration \"-0.5s\""));
}

TEST(MissionFile, MaxTasksOutOfRange) {
  EXPECT_TRUE(rejects(with_priority("max_tasks = 0\n"), 3, "scheduler.max_tasks", "value 0 out of range 1..65535"));
  EXPECT_TRUE(rejects(with_priority("max_tasks = 65536\n"), 3, "scheduler.max_tasks", "out of range 1..65535"));
}

TEST(MissionFile, SchedulerStackTooSmallTooLargeOrMalformed) {
  EXPECT_TRUE(rejects(with_priority("stack = \"4KiB\"\n"), 3, "scheduler.stack", "8192 bytes to 64 MiB"));
  EXPECT_TRUE(rejects(with_priority("stack = 9223372036854775807\n"), 3, "scheduler.stack", "8192 bytes to 64 MiB"));
  EXPECT_TRUE(rejects(with_priority("stack = \"12kb\"\n"), 3, "scheduler.stack", "expected a size in bytes"));
  EXPECT_TRUE(rejects(with_priority("stack = 0\n"), 3, "scheduler.stack", "expected a size in bytes"));
  EXPECT_TRUE(rejects(with_priority("stack = 1.5\n"), 3, "scheduler.stack", "expected a size in bytes"));
}

// --- [[task]] and [[onetime]] ------------------------------------------------------

TEST(MissionFile, UnknownKeyInTask) {
  EXPECT_TRUE(rejects(with_priority("[[task]]\nname = \"a\"\nwork = \"spin\"\nperiod = \"1s\"\n"), 6,
                      "task[0].period", "unknown key (allowed here: name, level, priority, tickets, interval"));
}

TEST(MissionFile, UnknownKeyNamesTheTaskIndex) {
  EXPECT_TRUE(rejects(with_priority("[[task]]\nname = \"a\"\nwork = \"spin\"\n"
                                    "[[task]]\nname = \"b\"\nwork = \"spin\"\nlevle = 2\n"),
                      9, "task[1].levle", "unknown key"));
}

TEST(MissionFile, OnetimeTaskTakesNoIntervalOrModel) {
  EXPECT_TRUE(rejects(with_priority("[[onetime]]\nname = \"a\"\nwork = \"spin\"\ninterval = \"1s\"\n"), 6,
                      "onetime[0].interval", "unknown key (allowed here: name, delay, work"));
  EXPECT_TRUE(rejects(with_priority("[[onetime]]\nname = \"a\"\nmodel = \"job\"\nwork = \"spin\"\n"), 5,
                      "onetime[0].model", "unknown key"));
}

TEST(MissionFile, TaskMustBeAnArrayOfTables) {
  // Top-level keys must come before the first table header.
  EXPECT_TRUE(rejects("\ntask = \"beacon\"\n" + std::string(kPriority), 2, "task", "expected [[task]] tables"));
  EXPECT_TRUE(rejects(with_priority("[task]\nname = \"a\"\nwork = \"spin\"\n"), 3, "task",
                      "expected [[task]] tables"));
  EXPECT_TRUE(rejects("task = []\n" + std::string(kPriority), 1, "task", "expected [[task]] tables"));
  EXPECT_TRUE(rejects("onetime = [1, 2]\n" + std::string(kPriority), 1, "onetime", "expected [[onetime]] tables"));
  EXPECT_TRUE(rejects("onetime = [{ name = \"a\", work = \"spin\" }, 3]\n" + std::string(kPriority), 1, "onetime",
                      "expected [[onetime]] tables"));
}

TEST(MissionFile, NoTasksAtAll) {
  EXPECT_TRUE(rejects(kPriority, 0, "task", "declares no [[task]] or [[onetime]]"));
}

TEST(MissionFile, MissingTaskNamePointsAtTheTable) {
  EXPECT_TRUE(rejects(with_priority("\n[[task]]\nwork = \"spin\"\n"), 4, "task[0].name", "every task needs a name"));
}

TEST(MissionFile, TaskNameMustBeAString) {
  EXPECT_TRUE(rejects(with_priority("[[task]]\nname = 7\nwork = \"spin\"\n"), 4, "task[0].name",
                      "expected a string"));
}

TEST(MissionFile, TaskNameLength) {
  const std::string n31(31, 'n');
  const std::string n32(32, 'n');
  EXPECT_TRUE(rejects(with_priority("[[task]]\nwork = \"spin\"\nname = \"" + n32 + "\"\n"), 5, "task[0].name",
                      "name must be 1..31 bytes, got 32"));
  EXPECT_TRUE(rejects(with_priority("[[task]]\nwork = \"spin\"\nname = \"\"\n"), 5, "task[0].name",
                      "name must be 1..31 bytes, got 0"));
  EXPECT_EQ(accepts(with_priority("[[task]]\nwork = \"spin\"\nname = \"" + n31 + "\"\n")).tasks.at(0).name, n31);
}

TEST(MissionFile, OsPrefixIsReserved) {
  EXPECT_TRUE(rejects(with_priority("[[task]]\nwork = \"spin\"\nname = \"os.housekeeping\"\n"), 5, "task[0].name",
                      "reserved for the system's own tasks"));
  EXPECT_TRUE(rejects(with_priority("[[onetime]]\nwork = \"spin\"\nname = \"os.x\"\n"), 5, "onetime[0].name",
                      "reserved"));
  // Only the prefix is reserved.
  EXPECT_EQ(accepts(with_priority("[[task]]\nwork = \"spin\"\nname = \"pos.x\"\n")).tasks.at(0).name, "pos.x");
}

TEST(MissionFile, DuplicateTaskName) {
  EXPECT_TRUE(rejects(with_priority("[[task]]\nname = \"a\"\nwork = \"spin\"\n"
                                    "[[task]]\nwork = \"spin\"\nname = \"a\"\n"),
                      8, "task[1].name", "duplicate task name \"a\""));
  // Names are shared between [[task]] and [[onetime]].
  EXPECT_TRUE(rejects(with_priority("[[task]]\nname = \"a\"\nwork = \"spin\"\n"
                                    "[[onetime]]\nname = \"a\"\nwork = \"spin\"\n"),
                      7, "onetime[0].name", "duplicate task name \"a\""));
}

TEST(MissionFile, MissingWorkPointsAtTheTable) {
  EXPECT_TRUE(rejects(with_priority("[[task]]\nname = \"a\"\n"), 3, "task[0].work", "every task needs a module"));
}

TEST(MissionFile, WorkMustBeAString) {
  EXPECT_TRUE(rejects(with_priority("[[task]]\nname = \"a\"\nwork = [\"spin\"]\n"), 5, "task[0].work",
                      "expected a string"));
}

TEST(MissionFile, BadWorkString) {
  struct Case {
    const char* work;
    const char* needle;
  };
  const Case cases[] = {
      {"jog:2ms", "unknown work step 'jog'"},
      {"busy:2ms x0", "bad repeat count in 'busy:2ms x0'"},
      {"notify:a:16777216", "notification message must be 0..16777215 (24 bits)"},
      {"notify:a:1:256", "notification repeats must be 0..255 (8 bits)"},
      {"spin:1ms", "'spin' takes no argument"},
      {"busy", "'busy' needs a duration"},
      {"busy:2ms,", "empty work step"},
  };
  for (const Case& c : cases)
    EXPECT_TRUE(rejects(with_priority(std::string("[[task]]\nname = \"a\"\n\nwork = \"") + c.work + "\"\n"), 6,
                        "task[0].work", c.needle))
        << c.work;
}

TEST(MissionFile, ModelMustBeJobOrLoop) {
  EXPECT_TRUE(rejects(with_priority("[[task]]\nname = \"a\"\nmodel = \"oneshot\"\nwork = \"spin\"\n"), 5,
                      "task[0].model", "expected \"job\" or \"loop\", got \"oneshot\""));
}

TEST(MissionFile, LoopTaskTakesNoInterval) {
  EXPECT_TRUE(rejects(with_priority("[[task]]\nname = \"a\"\nmodel = \"loop\"\nwork = \"spin\"\ninterval = \"1s\"\n"),
                      7, "task[0].interval", "interval applies to jobs only"));
}

TEST(MissionFile, RecurringMultilevelJobNeedsAnInterval) {
  EXPECT_TRUE(rejects("[scheduler]\npolicy = \"multilevel\"\n[[task]]\nname = \"a\"\nmodel = \"job\"\nwork = \"spin\"\n",
                      3, "task[0].interval", "needs an interval > 0"));
  EXPECT_TRUE(rejects("[scheduler]\npolicy = \"multilevel\"\n[[task]]\nname = \"a\"\nmodel = \"job\"\n"
                      "interval = \"0s\"\nwork = \"spin\"\n",
                      3, "task[0].interval", "needs an interval > 0"));
  // Other policies run a job without an interval once.
  const Mission m = accepts(with_priority("[[task]]\nname = \"a\"\nmodel = \"job\"\nwork = \"spin\"\n"));
  ASSERT_EQ(m.tasks.size(), 1u);
  EXPECT_EQ(m.tasks[0].model, RunModel::Job);
  EXPECT_EQ(m.tasks[0].interval, 0);
}

TEST(MissionFile, NotifyToUnknownTaskNamesTheWorkKey) {
  EXPECT_TRUE(rejects(with_priority("[[task]]\nname = \"a\"\nwork = \"spin\"\n"
                                    "[[onetime]]\nname = \"b\"\nwork = \"busy:1ms, notify:logger:1\"\n"),
                      8, "onetime[0].work", "task \"b\" notifies unknown task \"logger\""));
  // Targets may be declared later in the file, and onetime tasks may be targets.
  const Mission m = accepts(with_priority("[[task]]\nname = \"a\"\nwork = \"notify:b:7:2\"\n"
                                          "[[onetime]]\nname = \"b\"\nwork = \"wait\"\n"));
  ASSERT_EQ(m.tasks.size(), 2u);
  ASSERT_EQ(m.tasks[0].steps.size(), 1u);
  EXPECT_EQ(m.tasks[0].steps[0].target, "b");
}

TEST(MissionFile, IntegersOutOfRange) {
  const std::string head = with_priority("[[task]]\nname = \"a\"\nwork = \"spin\"\n");
  EXPECT_TRUE(rejects(head + "level = 7\n", 6, "task[0].level", "value 7 out of range 1..6"));
  EXPECT_TRUE(rejects(head + "level = 0\n", 6, "task[0].level", "value 0 out of range 1..6"));
  EXPECT_TRUE(rejects(head + "priority = 32\n", 6, "task[0].priority", "value 32 out of range 0..31"));
  EXPECT_TRUE(rejects(head + "priority = -1\n", 6, "task[0].priority", "out of range 0..31"));
  EXPECT_TRUE(rejects(head + "tickets = 0\n", 6, "task[0].tickets", "value 0 out of range 1..1000000"));
  EXPECT_TRUE(rejects(head + "tickets = 1000001\n", 6, "task[0].tickets", "out of range 1..1000000"));
  EXPECT_TRUE(rejects(head + "level = \"2\"\n", 6, "task[0].level", "expected an integer"));
  EXPECT_TRUE(rejects(head + "priority = 1.0\n", 6, "task[0].priority", "expected an integer"));
}

TEST(MissionFile, TaskDurationsAreChecked) {
  const std::string head = with_priority("[[task]]\nname = \"a\"\nwork = \"spin\"\n");
  EXPECT_TRUE(rejects(head + "watchdog = 50\n", 6, "task[0].watchdog", "expected a duration string"));
  EXPECT_TRUE(rejects(head + "delay = \"ten\"\n", 6, "task[0].delay", "bad duration \"ten\""));
  EXPECT_TRUE(rejects(head + "interval = \"1.s\"\n", 6, "task[0].interval", "bad duration"));
}

// expect = "watchdog" with a note: the task's watchdog stops are intended.
TEST(MissionFile, IntendedWatchdogStops) {
  const std::string head = with_priority("[[task]]\nname = \"a\"\nwork = \"spin\"\ninterval = \"1s\"\n");  // lines 3-6
  const Mission m = accepts(head + "watchdog = \"5ms\"\nexpect = \"watchdog\"\nnote = \"spins on purpose\"\n");
  EXPECT_TRUE(m.tasks[0].expect_watchdog);
  EXPECT_EQ(m.tasks[0].note, "spins on purpose");
  EXPECT_FALSE(accepts(head).tasks[0].expect_watchdog);
  EXPECT_EQ(accepts(head + "note = \"a reminder\"\n").tasks[0].note, "a reminder");  // a note alone is a note
  const Mission once = accepts(with_priority(
      "[[onetime]]\nname = \"o\"\nwork = \"spin\"\nwatchdog = \"5ms\"\nexpect = \"watchdog\"\nnote = \"n\"\n"));
  EXPECT_TRUE(once.tasks[0].expect_watchdog);

  EXPECT_TRUE(rejects(head + "watchdog = \"5ms\"\nexpect = \"fault\"\nnote = \"n\"\n", 8, "task[0].expect",
                      "expected \"watchdog\" (its watchdog stops are intended), got \"fault\""));
  EXPECT_TRUE(rejects(head + "watchdog = \"5ms\"\nexpect = true\n", 8, "task[0].expect", "expected a string"));
  EXPECT_TRUE(rejects(head + "expect = \"watchdog\"\nnote = \"n\"\n", 7, "task[0].expect",
                      "the task has no watchdog"));
  EXPECT_TRUE(rejects(head + "watchdog = \"5ms\"\nexpect = \"watchdog\"\n", 8, "task[0].note",
                      "needs a note saying why"));
  EXPECT_TRUE(rejects(head + "note = \"\"\n", 7, "task[0].note", "one line of 1..200 printable"));
  EXPECT_TRUE(rejects(head + "note = \"" + std::string(201, 'n') + "\"\n", 7, "task[0].note", "got 201"));
  EXPECT_TRUE(rejects(head + "note = \"two\\nlines\"\n", 7, "task[0].note", "with a control character"));
  EXPECT_TRUE(rejects(head + "note = 5\n", 7, "task[0].note", "expected a string"));
}

TEST(MissionFile, TooManyTasksForMaxTasks) {
  const std::string tasks = "[[task]]\nname = \"a\"\nwork = \"spin\"\n[[onetime]]\nname = \"b\"\nwork = \"spin\"\n";
  // Two tasks plus os.housekeeping do not fit in two slots.
  EXPECT_TRUE(rejects(with_priority("max_tasks = 2\n" + tasks), 3, "scheduler.max_tasks",
                      "the mission has 2 tasks plus 1 system task(s) but max_tasks is 2"));
  EXPECT_EQ(accepts(with_priority("max_tasks = 3\n" + tasks)).max_tasks, 3u);
  // Without housekeeping there is no system task to make room for.
  EXPECT_EQ(accepts(with_priority("max_tasks = 2\nhousekeeping = \"0s\"\n" + tasks)).max_tasks, 2u);
  EXPECT_TRUE(rejects(with_priority("housekeeping = \"0s\"\nmax_tasks = 1\n" + tasks), 4, "scheduler.max_tasks",
                      "the mission has 2 tasks but max_tasks is 1"));
}

TEST(MissionFile, NamesAreCheckedForWhatTheyWillBeUsedFor) {
  const std::string task = "[[task]]\nname = \"a\"\nwork = \"spin\"\n";
  // A NUL would cut the name short in every message; ESC would drive the operator's terminal.
  EXPECT_TRUE(rejects(with_priority("[[task]]\nname = \"a\\u0000b\"\nwork = \"spin\"\n"), 4, "task[0].name",
                      "printable ASCII"));
  EXPECT_TRUE(rejects(with_priority("[[task]]\nname = \"\\u001b[2J\"\nwork = \"spin\"\n"), 4, "task[0].name",
                      "printable ASCII"));
  EXPECT_TRUE(rejects("[mission]\nname = \"" + std::string(33, 'm') + "\"\n" + with_priority(task), 2,
                      "mission.name", "1..32 printable"));
  EXPECT_TRUE(rejects("[mission]\nspacecraft = \"\"\n" + with_priority(task), 2, "mission.spacecraft",
                      "1..32 printable"));
  const Mission m = accepts("[mission]\nname = \"day\"\nspacecraft = \"DYNSAT-1\"\n" + with_priority(task));
  EXPECT_EQ(m.spacecraft, "DYNSAT-1");
  EXPECT_EQ(accepts(with_priority(task)).spacecraft, "unnamed");
}

TEST(MissionFile, TaskStackTooSmallTooLargeOrMalformed) {
  const std::string head = with_priority("[[task]]\nname = \"a\"\nwork = \"spin\"\n");
  EXPECT_TRUE(rejects(head + "stack = 8191\n", 6, "task[0].stack", "stack must be 8192 bytes to 64 MiB"));
  EXPECT_TRUE(rejects(head + "stack = \"4KiB\"\n", 6, "task[0].stack", "8192 bytes to 64 MiB"));
  EXPECT_TRUE(rejects(head + "stack = 9223372036854775807\n", 6, "task[0].stack", "8192 bytes to 64 MiB"));
  EXPECT_TRUE(rejects(head + "stack = \"65MiB\"\n", 6, "task[0].stack", "8192 bytes to 64 MiB"));
  EXPECT_TRUE(rejects(head + "stack = -4096\n", 6, "task[0].stack", "expected a size in bytes"));
  EXPECT_TRUE(rejects(head + "stack = \"8 KiB\"\n", 6, "task[0].stack", "expected a size in bytes"));
  EXPECT_EQ(accepts(head + "stack = 8192\n").tasks.at(0).stack, 8192u);
}

// --- good files ----------------------------------------------------------------------

constexpr std::string_view kFull = R"([mission]
name = "full"
duration = "1.5h"
seed = 42

[scheduler]
policy = "lottery"
tick = "500us"
time_slice = "20ms"
max_tasks = 16
stack = "128KiB"
housekeeping = "2s"

[[onetime]]
name = "deploy"
delay = "3s"
work = "busy:20ms"
level = 2
priority = 4
tickets = 9
watchdog = "100ms"
stack = 16384

[[task]]
name = "beacon"
level = 3
priority = 31
tickets = 500
interval = "1s"
watchdog = "50ms"
delay = "250ms"
work = "busy:2ms, notify:logger:42:3"
model = "job"
stack = "32KiB"

[[task]]
name = "logger"
work = "wait:1s x3, yield"
)";

TEST(MissionFile, FullMissionLandsInTheStruct) {
  const Mission m = accepts(kFull);
  EXPECT_EQ(m.file, "m.toml");
  EXPECT_EQ(m.name, "full");
  EXPECT_EQ(m.duration, 5'400'000'000);
  EXPECT_EQ(m.seed, 42u);
  EXPECT_EQ(m.policy, PolicyKind::Lottery);
  EXPECT_EQ(m.tick, 500);
  EXPECT_EQ(m.time_slice, 20'000);
  EXPECT_EQ(m.max_tasks, 16u);
  EXPECT_EQ(m.stack, 128u * 1024);
  EXPECT_EQ(m.housekeeping, 2'000'000);
  ASSERT_EQ(m.tasks.size(), 3u);

  // [[task]]s first in file order, then [[onetime]]s, although deploy is written first.
  const MissionTask& beacon = m.tasks[0];
  EXPECT_EQ(beacon.name, "beacon");
  EXPECT_EQ(beacon.line, 24);
  EXPECT_EQ(beacon.model, RunModel::Job);
  EXPECT_FALSE(beacon.onetime);
  EXPECT_EQ(beacon.level, 3);
  EXPECT_EQ(beacon.priority, 31);
  EXPECT_EQ(beacon.tickets, 500u);
  EXPECT_EQ(beacon.interval, 1'000'000);
  EXPECT_EQ(beacon.watchdog, 50'000);
  EXPECT_EQ(beacon.delay, 250'000);
  EXPECT_EQ(beacon.stack, 32u * 1024);
  EXPECT_EQ(beacon.work, "busy:2ms, notify:logger:42:3");
  ASSERT_EQ(beacon.steps.size(), 2u);
  EXPECT_EQ(beacon.steps[0].kind, WorkStep::Kind::Busy);
  EXPECT_EQ(beacon.steps[0].duration, 2'000);
  EXPECT_EQ(beacon.steps[1].kind, WorkStep::Kind::Notify);
  EXPECT_EQ(beacon.steps[1].target, "logger");
  EXPECT_EQ(beacon.steps[1].message, 42u);
  EXPECT_EQ(beacon.steps[1].repeats, 3);

  const MissionTask& logger = m.tasks[1];
  EXPECT_EQ(logger.name, "logger");
  EXPECT_EQ(logger.line, 36);
  EXPECT_EQ(logger.model, RunModel::Loop);  // no interval
  EXPECT_FALSE(logger.onetime);
  EXPECT_EQ(logger.level, 1);
  EXPECT_EQ(logger.priority, 1);
  EXPECT_EQ(logger.tickets, 0u);  // 0 = the kernel uses the priority
  EXPECT_EQ(logger.interval, 0);
  EXPECT_EQ(logger.watchdog, 0);
  EXPECT_EQ(logger.delay, 0);
  EXPECT_EQ(logger.stack, 0u);  // 0 = [scheduler].stack
  ASSERT_EQ(logger.steps.size(), 2u);
  EXPECT_EQ(logger.steps[0].kind, WorkStep::Kind::Wait);
  EXPECT_EQ(logger.steps[0].repeat, 3u);
  EXPECT_EQ(logger.steps[1].kind, WorkStep::Kind::Yield);

  const MissionTask& deploy = m.tasks[2];
  EXPECT_EQ(deploy.name, "deploy");
  EXPECT_EQ(deploy.line, 14);
  EXPECT_EQ(deploy.model, RunModel::Job);
  EXPECT_TRUE(deploy.onetime);
  EXPECT_EQ(deploy.delay, 3'000'000);
  EXPECT_EQ(deploy.level, 2);
  EXPECT_EQ(deploy.priority, 4);
  EXPECT_EQ(deploy.tickets, 9u);
  EXPECT_EQ(deploy.watchdog, 100'000);
  EXPECT_EQ(deploy.stack, 16384u);
  EXPECT_EQ(deploy.interval, 0);
}

TEST(MissionFile, DefaultsOfAMinimalMission) {
  const Mission m = accepts("[scheduler]\npolicy = \"multilevel\"\n[[task]]\nname = \"a\"\nwork = \"spin\"\n");
  EXPECT_EQ(m.name, "");
  EXPECT_EQ(m.duration, 0);
  EXPECT_EQ(m.seed, 1u);
  EXPECT_EQ(m.policy, PolicyKind::Multilevel);
  EXPECT_EQ(m.tick, kMillisecond);
  EXPECT_EQ(m.time_slice, 10 * kMillisecond);
  EXPECT_EQ(m.max_tasks, 64u);
  EXPECT_EQ(m.stack, 64u * 1024);
  EXPECT_EQ(m.housekeeping, kSecond);
  ASSERT_EQ(m.tasks.size(), 1u);
  EXPECT_EQ(m.tasks[0].model, RunModel::Loop);  // a multilevel loop task needs no interval
}

TEST(MissionFile, ModelDefaultsToJobWithAnIntervalElseLoop) {
  const Mission m = accepts(with_priority("[[task]]\nname = \"j\"\ninterval = \"1ms\"\nwork = \"busy:1ms\"\n"
                                          "[[task]]\nname = \"l\"\nwork = \"yield\"\n"
                                          "[[task]]\nname = \"explicit\"\nmodel = \"loop\"\nwork = \"yield\"\n"
                                          "[[onetime]]\nname = \"o\"\nwork = \"busy:1ms\"\n"));
  ASSERT_EQ(m.tasks.size(), 4u);
  EXPECT_EQ(m.tasks[0].model, RunModel::Job);
  EXPECT_FALSE(m.tasks[0].onetime);
  EXPECT_EQ(m.tasks[1].model, RunModel::Loop);
  EXPECT_EQ(m.tasks[2].model, RunModel::Loop);
  EXPECT_EQ(m.tasks[3].model, RunModel::Job);
  EXPECT_TRUE(m.tasks[3].onetime);
}

TEST(MissionFile, TasksKeepFileOrderOnetimeLast) {
  const Mission m = accepts(with_priority("[[onetime]]\nname = \"o1\"\nwork = \"spin\"\n"
                                          "[[task]]\nname = \"t1\"\nwork = \"spin\"\n"
                                          "[[onetime]]\nname = \"o2\"\nwork = \"spin\"\n"
                                          "[[task]]\nname = \"t2\"\nwork = \"spin\"\n"));
  ASSERT_EQ(m.tasks.size(), 4u);
  EXPECT_EQ(m.tasks[0].name, "t1");
  EXPECT_EQ(m.tasks[1].name, "t2");
  EXPECT_EQ(m.tasks[2].name, "o1");
  EXPECT_EQ(m.tasks[3].name, "o2");
}

TEST(MissionFile, EveryPolicyName) {
  const std::string tasks = "[[task]]\nname = \"a\"\ninterval = \"1s\"\nwork = \"spin\"\n";
  EXPECT_EQ(accepts("[scheduler]\npolicy = \"multilevel\"\n" + tasks).policy, PolicyKind::Multilevel);
  EXPECT_EQ(accepts("[scheduler]\npolicy = \"round_robin\"\n" + tasks).policy, PolicyKind::RoundRobin);
  EXPECT_EQ(accepts("[scheduler]\npolicy = \"lottery\"\n" + tasks).policy, PolicyKind::Lottery);
  EXPECT_EQ(accepts("[scheduler]\npolicy = \"priority\"\n" + tasks).policy, PolicyKind::Priority);
  EXPECT_STREQ(to_string(PolicyKind::RoundRobin), "round_robin");
  EXPECT_STREQ(to_string(PolicyKind::Multilevel), "multilevel");
}

// --- errors as the operator sees them ---------------------------------------------

TEST(MissionFile, ErrorText) {
  EXPECT_EQ((MissionError{"m.toml", 6, "task[0].level", "value 7 out of range 1..6"}.to_string()),
            "m.toml:6: task[0].level: value 7 out of range 1..6");
  EXPECT_EQ((MissionError{"m.toml", 0, "scheduler", "missing"}.to_string()), "m.toml: scheduler: missing");
  EXPECT_EQ((MissionError{"m.toml", 3, "", "syntax"}.to_string()), "m.toml:3: syntax");
}

TEST(MissionFile, LoadMissingFile) {
  const MissionResult r = load_mission("/nonexistent/dir/m.toml");
  EXPECT_FALSE(r.mission);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->file, "/nonexistent/dir/m.toml");
  EXPECT_EQ(r.error->line, 0);
  EXPECT_EQ(r.error->key, "");
  EXPECT_NE(r.error->message.find("cannot open"), std::string::npos);
}

TEST(MissionFile, LoadFileFromDisk) {
  const std::string path = ::testing::TempDir() + "mission_file_test.toml";
  {
    std::ofstream out(path, std::ios::binary);
    out << kFull;
  }
  const MissionResult r = load_mission(path);
  std::remove(path.c_str());
  ASSERT_TRUE(r.mission) << r.error->to_string();
  EXPECT_EQ(r.mission->file, path);
  EXPECT_EQ(r.mission->tasks.size(), 3u);
}

}  // namespace
}  // namespace dyn::cli

namespace dyn::cli {
namespace {

constexpr const char* kModuleTask =
    "[scheduler]\npolicy = \"multilevel\"\n"           // 1-2
    "[[task]]\nname = \"beacon\"\nmodule = \"beacon\"\ninterval = \"10s\"\n"  // 3-6
    "[[task]]\nname = \"busy\"\nwork = \"busy:1ms\"\ninterval = \"1s\"\n";    // 7-10

TEST(MissionFileUpdate, AnUpdateIsParsedWithItsDefaults) {
  const MissionResult r = parse_mission(std::string(kModuleTask) +
                                            "[[update]]\nat = \"2h\"\ntask = \"beacon\"\nmodule = \"beacon_v2\"\n"
                                            "probation = \"5m\"\n",
                                        "m.toml");
  ASSERT_TRUE(r.mission) << r.error->to_string();
  ASSERT_EQ(r.mission->updates.size(), 1u);
  const MissionUpdate& u = r.mission->updates[0];
  EXPECT_EQ(u.at, 2 * kHour);
  EXPECT_EQ(u.task, "beacon");
  EXPECT_EQ(u.module, "beacon_v2");
  EXPECT_EQ(u.probation, 5 * kMinute);
  EXPECT_EQ(u.probation_points, 3u);
  EXPECT_EQ(u.quiesce_timeout, 10 * kSecond);
}

TEST(MissionFileUpdate, TheProbationDefaultLeavesAJobRoomForItsConsistentPoints) {
  // beacon runs every 10 s: 3 points fit in a minute; a job every minute needs (3 + 1) minutes.
  const std::string slow = std::string(kModuleTask).replace(std::string(kModuleTask).find("\"10s\""), 5, "\"1m\"");
  const MissionResult fast = parse_mission(std::string(kModuleTask) +
                                               "[[update]]\nat = \"2h\"\ntask = \"beacon\"\nmodule = \"v2\"\n",
                                           "m.toml");
  ASSERT_TRUE(fast.mission) << fast.error->to_string();
  EXPECT_EQ(fast.mission->updates[0].probation, kMinute);
  EXPECT_FALSE(fast.mission->updates[0].probation_given);
  EXPECT_EQ(reachable_probation_points(fast.mission->updates[0]), 5) << "the 6th point lands at the very end";
  const MissionResult r = parse_mission(slow + "[[update]]\nat = \"2h\"\ntask = \"beacon\"\nmodule = \"v2\"\n"
                                               "probation_points = 5\n",
                                        "m.toml");
  ASSERT_TRUE(r.mission) << r.error->to_string();
  EXPECT_EQ(r.mission->updates[0].task_interval, kMinute);
  EXPECT_EQ(r.mission->updates[0].probation, 6 * kMinute);
  EXPECT_GE(reachable_probation_points(r.mission->updates[0]), 5);
  // Given explicitly, it is kept as it is, and what it allows is reported (the run warns).
  const MissionResult given = parse_mission(slow + "[[update]]\nat = \"2h\"\ntask = \"beacon\"\nmodule = \"v2\"\n"
                                                   "probation = \"1m\"\n",
                                            "m.toml");
  ASSERT_TRUE(given.mission) << given.error->to_string();
  EXPECT_EQ(given.mission->updates[0].probation, kMinute);
  EXPECT_EQ(reachable_probation_points(given.mission->updates[0]), 0);
}

TEST(MissionFileUpdate, ARenameIsSaidExplicitlyAndOnlyForAReplacement) {
  const MissionResult r = parse_mission(std::string(kModuleTask) +
                                            "[[update]]\nat = \"2h\"\ntask = \"beacon\"\nmodule = \"v2\"\n"
                                            "rename = true\n",
                                        "m.toml");
  ASSERT_TRUE(r.mission) << r.error->to_string();
  EXPECT_TRUE(r.mission->updates[0].rename);
  const MissionResult bad = parse_mission(std::string(kModuleTask) +
                                              "[[update]]\nat = \"2h\"\ntask = \"beacon\"\nmodule = \"v2\"\n"
                                              "rename = \"yes\"\n",
                                          "m.toml");
  ASSERT_FALSE(bad.mission);
  EXPECT_EQ(bad.error->to_string(), "m.toml:15: update[0].rename: expected true or false");
}

TEST(MissionFileUpdate, APackageNeedsTheSecurityKeyAndReplacesTheModuleKey) {
  const std::string upd = "[[update]]\nat = \"2h\"\ntask = \"beacon\"\npackage = \"b7.dsu\"\n";
  const MissionResult r = parse_mission("[security]\nground_key = \"keys/ground.pub\"\nsequence_window = 4\n" +
                                            std::string(kModuleTask) + upd,
                                        "dir/m.toml");
  ASSERT_TRUE(r.mission) << r.error->to_string();
  ASSERT_TRUE(r.mission->security);
  EXPECT_EQ(r.mission->security->ground_key, "dir/keys/ground.pub") << "relative to the mission file";
  EXPECT_EQ(r.mission->security->sequence_window, 4u);
  EXPECT_EQ(r.mission->updates[0].package, "dir/b7.dsu");
  const auto error_of = [](const std::string& text) {
    const MissionResult bad = parse_mission(text, "m.toml");
    return bad.mission ? std::string("accepted") : bad.error->to_string();
  };
  EXPECT_NE(error_of(std::string(kModuleTask) + upd).find("packages are authenticated: name the key in [security]"),
            std::string::npos);
  EXPECT_NE(error_of("[security]\nground_key = \"g.pub\"\nhmac_key = \"s.hmac\"\n" + std::string(kModuleTask))
                .find("name exactly one key"),
            std::string::npos);
  EXPECT_NE(error_of("[security]\nground_key = \"g.pub\"\n" + std::string(kModuleTask) + upd + "module = \"x\"\n")
                .find("give module or package, not both"),
            std::string::npos);
  EXPECT_NE(error_of("[security]\nground_key = \"g.pub\"\nsequence_window = 1048577\n" + std::string(kModuleTask))
                .find("sequence_window"),
            std::string::npos)
      << "a window wider than any package may skip (2^20)";
  const std::string plain = "[[update]]\nat = \"2h\"\ntask = \"beacon\"\nmodule = \"v2\"\n";
  EXPECT_NE(error_of("[security]\nground_key = \"g.pub\"\nrequire_packages = true\n" + std::string(kModuleTask) + plain)
                .find("require_packages = true: a replacement comes as an authenticated package"),
            std::string::npos);
  EXPECT_EQ(error_of("[security]\nground_key = \"g.pub\"\nrequire_packages = true\n" + std::string(kModuleTask) + upd),
            "accepted");
  EXPECT_EQ(error_of("[security]\nground_key = \"g.pub\"\n" + std::string(kModuleTask) + plain), "accepted")
      << "without it, a plain object is still an update (the ground's own test benches)";
}

TEST(MissionFileUpdate, TasksCanBeAddedAndRemovedAtMissionTimes) {
  const MissionResult r = parse_mission(std::string(kModuleTask) +
                                            "[[update]]\nat = \"1h\"\naction = \"add\"\ntask = \"extra\"\n"
                                            "module = \"beacon\"\nlevel = 4\ninterval = \"20s\"\n"
                                            "[[update]]\nat = \"2h\"\naction = \"remove\"\ntask = \"extra\"\n",
                                        "m.toml");
  ASSERT_TRUE(r.mission) << r.error->to_string();
  ASSERT_EQ(r.mission->updates.size(), 2u);
  EXPECT_EQ(r.mission->updates[0].action, MissionUpdate::Action::Add);
  EXPECT_EQ(r.mission->updates[0].added.level, 4);
  EXPECT_EQ(r.mission->updates[0].added.interval, 20 * kSecond);
  EXPECT_EQ(r.mission->updates[0].added.model, RunModel::Job);
  EXPECT_EQ(r.mission->updates[1].action, MissionUpdate::Action::Remove);
  EXPECT_EQ(r.mission->updates[1].task, "extra") << "a task added earlier can be removed later";
}

TEST(MissionFileUpdate, ErrorsNameTheLineAndKey) {
  auto err = [](const std::string& update) {
    const MissionResult r = parse_mission(std::string(kModuleTask) + update, "m.toml");
    return r.error ? r.error->to_string() : std::string("accepted");
  };
  EXPECT_EQ(err("[[update]]\nat = \"1h\"\ntask = \"nobody\"\nmodule = \"x\"\n"),
            "m.toml:13: update[0].task: no task named \"nobody\"");
  EXPECT_EQ(err("[[update]]\nat = \"1h\"\ntask = \"busy\"\nmodule = \"x\"\n"),
            "m.toml:13: update[0].task: task \"busy\" runs a built-in workload; only module tasks can be updated or "
            "removed");
  EXPECT_EQ(err("[[update]]\ntask = \"beacon\"\nmodule = \"x\"\n"), "m.toml:11: update[0].at: when to update, e.g. at = \"2h\"");
  EXPECT_EQ(err("[[update]]\nat = \"1h\"\ntask = \"beacon\"\n"),
            "m.toml:11: update[0].module: the new version, e.g. module = \"beacon_v2\" (or package = \"beacon-7.dsu\")");
  EXPECT_EQ(err("[[update]]\nat = \"2h\"\ntask = \"beacon\"\nmodule = \"x\"\n"
                "[[update]]\nat = \"1h\"\ntask = \"beacon\"\nmodule = \"y\"\n"),
            "m.toml:16: update[1].at: updates must be listed in the order of their times");
  EXPECT_EQ(err("[[update]]\nat = \"1h\"\ntask = \"beacon\"\nmodule = \"x\"\nwhen = 3\n"),
            "m.toml:15: update[0].when: unknown key (allowed here: at, task, module, package, quiesce_timeout, "
            "probation_points, probation, action, rename, level, priority, tickets, interval, watchdog, model, stack)");
  EXPECT_EQ(err("[[update]]\nat = \"1h\"\ntask = \"beacon\"\nmodule = \"x\"\nprobation_points = 0\n"),
            "m.toml:15: update[0].probation_points: value 0 out of range 1..1000000");
  EXPECT_EQ(err("[[update]]\nat = \"1h\"\ntask = \"beacon\"\naction = \"swap\"\n"),
            "m.toml:14: update[0].action: expected \"replace\" (default), \"add\" or \"remove\", got \"swap\"");
  EXPECT_EQ(err("[[update]]\nat = \"1h\"\naction = \"add\"\ntask = \"beacon\"\nmodule = \"x\"\n"),
            "m.toml:14: update[0].task: a task named \"beacon\" already exists");
  EXPECT_EQ(err("[[update]]\nat = \"1h\"\naction = \"add\"\ntask = \"new\"\n"),
            "m.toml:11: update[0].module: the new version, e.g. module = \"beacon_v2\" (or package = \"beacon-7.dsu\")");
  EXPECT_EQ(err("[[update]]\nat = \"1h\"\naction = \"remove\"\ntask = \"busy\"\n"),
            "m.toml:14: update[0].task: task \"busy\" runs a built-in workload; only module tasks can be updated or "
            "removed");
  EXPECT_EQ(err("[update]\nat = \"1h\"\n"), "m.toml:11: update: expected [[update]] tables");
}

}  // namespace
}  // namespace dyn::cli

namespace dyn::cli {
namespace {

TEST(MissionFilePower, ThePowerTableAndTaskDrawAreRead) {
  const MissionResult r = parse_mission(
      "[power]\norbit_period = \"90m\"\neclipse = \"30m\"\nsolar_w = 25\nbattery_wh = 50.5\ninitial_charge = 60\n"
      "low_charge = 15\n[scheduler]\npolicy = \"multilevel\"\n[[task]]\nname = \"cam\"\ninterval = \"1m\"\n"
      "work = \"busy:1ms\"\npower_w = 12.5\n",
      "m.toml");
  ASSERT_TRUE(r.mission) << r.error->to_string();
  ASSERT_TRUE(r.mission->power);
  EXPECT_EQ(r.mission->power->orbit_period, 90 * kMinute);
  EXPECT_EQ(r.mission->power->eclipse, 30 * kMinute);
  EXPECT_DOUBLE_EQ(r.mission->power->solar_w, 25.0);
  EXPECT_DOUBLE_EQ(r.mission->power->battery_wh, 50.5);
  EXPECT_DOUBLE_EQ(r.mission->power->initial_charge, 0.6);
  EXPECT_DOUBLE_EQ(r.mission->power->low_charge, 0.15);
  EXPECT_DOUBLE_EQ(r.mission->tasks[0].power_w, 12.5);
}

TEST(MissionFilePower, ErrorsNameTheLineAndKey) {
  auto err = [](const std::string& power) {
    const MissionResult r =
        parse_mission(power + "[scheduler]\npolicy = \"priority\"\n[[task]]\nname = \"a\"\nwork = \"spin\"\n", "m.toml");
    return r.error ? r.error->to_string() : std::string("accepted");
  };
  EXPECT_EQ(err("[power]\nsolar_w = \"lots\"\n"), "m.toml:2: power.solar_w: expected a number");
  EXPECT_EQ(err("[power]\ninitial_charge = 120\n"),
            "m.toml:2: power.initial_charge: value 120.000000 out of range 0.000000..100.000000");
  EXPECT_EQ(err("[power]\norbit_period = \"90m\"\neclipse = \"2h\"\n"),
            "m.toml:1: power: eclipse must be shorter than the orbit");
  EXPECT_EQ(err("[power]\nsunlight = 3\n"),
            "m.toml:2: power.sunlight: unknown key (allowed here: orbit_period, eclipse, solar_w, battery_wh, "
            "initial_charge, charge_efficiency, discharge_efficiency, base_load_w, low_charge)");
}

}  // namespace
}  // namespace dyn::cli

namespace dyn::cli {
namespace {

// --- scenarios, the meta-scheduler and ground commands (seed 003) ------------------

// Lines 1-6: scheduler and two tasks; "cam" is driven by the scenario that follows.
constexpr std::string_view kScenarioBase =
    "[scheduler]\npolicy = \"multilevel\"\n"
    "[[task]]\nname = \"adcs\"\ninterval = \"1s\"\nwork = \"busy:1ms\"\n"
    "[[task]]\nname = \"cam\"\nwork = \"busy:1ms\"\npower_w = 5\n";  // lines 7-10

std::string scenario_mission(std::string_view rest) { return std::string(kScenarioBase) + std::string(rest); }

TEST(MissionFileScenario, EveryKeyLandsInTheScenarioConfig) {
  const Mission m = accepts(scenario_mission(
      "[meta]\nperiod = \"20m\"\nepoch_day = \"wed\"\nepoch_hour = 6\n"
      "[[scenario]]\ntask = \"cam\"\nid = 0xABCDEF\ndays = [\"mon\", \"fri\", \"sun\"]\nhours = \"22-02\"\n"
      "repeats = 4\npriority = \"when_free\"\nreport = \"force_pad\"\nbudget = 35\nbattery_mutex = true\n"
      "runs_on = [\"solar\", \"charging\"]\ncritical = true\n"));
  EXPECT_EQ(m.meta.period, 20 * kMinute);
  EXPECT_EQ(m.meta.epoch.day, WeekDay::Wed);
  EXPECT_EQ(m.meta.epoch.hour, 6);
  ASSERT_EQ(m.scenarios.size(), 1u);
  const ScenarioConfig& c = m.scenarios[0].config;
  EXPECT_EQ(m.scenarios[0].task, "cam");
  EXPECT_EQ(c.id, 0xABCDEFu);
  EXPECT_EQ(c.week_mask, 0x01 | 0x10 | 0x40);
  EXPECT_EQ(c.hour_start, 22);
  EXPECT_EQ(c.hour_end, 2);
  EXPECT_EQ(c.repeats, 4);
  EXPECT_EQ(c.priority, Priority::WhenFree);
  EXPECT_EQ(c.report, ReportPriority::ForcePad);
  EXPECT_EQ(c.power.budget_percent, 35);
  EXPECT_TRUE(c.power.needs_battery_mutex);
  EXPECT_FALSE(c.power.on_battery);
  EXPECT_TRUE(c.power.on_solar);
  EXPECT_TRUE(c.power.while_charging);
  EXPECT_TRUE(c.power.override_power);
  // The task it drives became a triggered job; the other one did not.
  EXPECT_TRUE(m.tasks[1].triggered);
  EXPECT_EQ(m.tasks[1].model, RunModel::Job);
  EXPECT_FALSE(m.tasks[0].triggered);
}

TEST(MissionFileScenario, DefaultsAndDayShorthands) {
  const Mission m = accepts(scenario_mission(
      "[[scenario]]\ntask = \"cam\"\npriority = \"always\"\n"
      "[[task]]\nname = \"b\"\nwork = \"busy:1ms\"\n[[scenario]]\ntask = \"b\"\npriority = \"off\"\ndays = \"weekend\"\n"));
  EXPECT_EQ(m.meta.period, kHour);
  EXPECT_EQ(m.meta.epoch.day, WeekDay::Mon);
  ASSERT_EQ(m.scenarios.size(), 2u);
  const ScenarioConfig& c = m.scenarios[0].config;
  EXPECT_EQ(c.id, 1u) << "ids default to the scenario's position, from 1";
  EXPECT_EQ(m.scenarios[1].config.id, 2u);
  EXPECT_EQ(c.week_mask, kAllWeek);
  EXPECT_EQ(c.hour_start, 0);
  EXPECT_EQ(c.hour_end, 24);
  EXPECT_EQ(c.repeats, 0);
  EXPECT_TRUE(c.power.on_battery);
  EXPECT_FALSE(c.power.override_power);
  EXPECT_EQ(m.scenarios[1].config.week_mask, 0x60);
}

TEST(MissionFileScenario, ErrorsNameTheLineAndKey) {
  EXPECT_TRUE(rejects(scenario_mission("[[scenario]]\npriority = \"always\"\n"), 11, "scenario[0].task", "[[task]] this"));
  EXPECT_TRUE(rejects(scenario_mission("[[scenario]]\ntask = \"nope\"\npriority = \"always\"\n"), 12, "scenario[0].task",
                      "no [[task]] named \"nope\""));
  EXPECT_TRUE(rejects(scenario_mission("[[scenario]]\ntask = \"cam\"\n"), 11, "scenario[0].priority", "how important"));
  EXPECT_TRUE(rejects(scenario_mission("[[scenario]]\ntask = \"cam\"\npriority = \"sometimes\"\n"), 13,
                      "scenario[0].priority", "\"off\", \"when_free\" or \"always\""));
  EXPECT_TRUE(rejects(scenario_mission("[[scenario]]\ntask = \"cam\"\npriority = \"always\"\nhours = \"8-25\"\n"), 14,
                      "scenario[0].hours", "expected \"HH-HH\""));
  EXPECT_TRUE(rejects(scenario_mission("[[scenario]]\ntask = \"cam\"\npriority = \"always\"\nhours = \"08-08\"\n"), 14,
                      "scenario[0].hours", "got \"08-08\""));
  EXPECT_TRUE(rejects(scenario_mission("[[scenario]]\ntask = \"cam\"\npriority = \"always\"\ndays = [\"moon\"]\n"), 14,
                      "scenario[0].days", "list of mon"));
  EXPECT_TRUE(rejects(scenario_mission("[[scenario]]\ntask = \"cam\"\npriority = \"always\"\ndays = []\n"), 14,
                      "scenario[0].days", "names no day"));
  EXPECT_TRUE(rejects(scenario_mission("[[scenario]]\ntask = \"cam\"\npriority = \"always\"\nrepeats = 256\n"), 14,
                      "scenario[0].repeats", "out of range 0..255"));
  EXPECT_TRUE(rejects(scenario_mission("[[scenario]]\ntask = \"cam\"\npriority = \"always\"\nbudget = 101\n"), 14,
                      "scenario[0].budget", "out of range 0..100"));
  EXPECT_TRUE(rejects(scenario_mission("[[scenario]]\ntask = \"cam\"\npriority = \"always\"\nid = 16777216\n"), 14,
                      "scenario[0].id", "out of range"));
  EXPECT_TRUE(rejects(scenario_mission("[[scenario]]\ntask = \"cam\"\npriority = \"always\"\nruns_on = [\"wind\"]\n"),
                      14, "scenario[0].runs_on", "\"battery\", \"solar\", \"charging\""));
  EXPECT_TRUE(rejects(scenario_mission("[[scenario]]\ntask = \"cam\"\npriority = \"always\"\nruns_on = []\n"), 11,
                      "scenario[0]", "no power condition lets it run"));
  EXPECT_TRUE(rejects(scenario_mission("[[scenario]]\ntask = \"cam\"\npriority = \"always\"\ncritical = 1\n"), 14,
                      "scenario[0].critical", "true or false"));
  EXPECT_TRUE(rejects(scenario_mission("[[scenario]]\ntask = \"cam\"\npriority = \"always\"\nwindow = 3\n"), 14,
                      "scenario[0].window", "unknown key"));
  EXPECT_TRUE(rejects(
      scenario_mission("[[scenario]]\ntask = \"cam\"\npriority = \"always\"\n[[scenario]]\ntask = \"cam\"\npriority = \"off\"\n"),
      15, "scenario[1].task", "already has a scenario (line 11)"));
  EXPECT_TRUE(rejects(scenario_mission("[[scenario]]\ntask = \"cam\"\npriority = \"always\"\nid = 5\n"
                                       "[[task]]\nname = \"b\"\nwork = \"busy:1ms\"\n"
                                       "[[scenario]]\ntask = \"b\"\npriority = \"always\"\nid = 5\n"),
                      21, "scenario[1].id", "already used by the scenario of \"cam\""));
}

TEST(MissionFileScenario, TheDrivenTaskTakesNoScheduleOfItsOwn) {
  const std::string head = "[scheduler]\npolicy = \"multilevel\"\n[[task]]\nname = \"cam\"\nwork = \"busy:1ms\"\n";
  const std::string scen = "[[scenario]]\ntask = \"cam\"\npriority = \"always\"\n";
  EXPECT_TRUE(rejects(head + "interval = \"1m\"\n" + scen, 6, "task[0].interval", "its repeats set how often"));
  EXPECT_TRUE(rejects(head + "delay = \"1m\"\n" + scen, 6, "task[0].delay", "the meta-scheduler wakes it"));
  EXPECT_TRUE(rejects(head + "model = \"loop\"\n" + scen, 6, "task[0].model", "is a job"));
  EXPECT_TRUE(rejects("[scheduler]\npolicy = \"priority\"\n[[onetime]]\nname = \"cam\"\nwork = \"busy:1ms\"\n" + scen, 3,
                      "onetime[0]", "not an [[onetime]]"));
}

TEST(MissionFileScenario, MetaTableErrors) {
  EXPECT_TRUE(rejects(scenario_mission("[meta]\nperiod = \"2h\"\n"), 12, "meta.period", "at least hourly"));
  EXPECT_TRUE(rejects(scenario_mission("[meta]\nepoch_day = \"someday\"\n"), 12, "meta.epoch_day", "mon, tue"));
  EXPECT_TRUE(rejects(scenario_mission("[meta]\nepoch_hour = 24\n"), 12, "meta.epoch_hour", "out of range 0..23"));
  EXPECT_TRUE(rejects(scenario_mission("[meta]\nrate = 1\n"), 12, "meta.rate", "unknown key"));
}

TEST(MissionFileScenario, OsMetaTakesATaskSlot) {
  // Two tasks + os.meta (housekeeping off) do not fit in two slots.
  const std::string text =
      "[scheduler]\npolicy = \"multilevel\"\nmax_tasks = 2\nhousekeeping = \"0s\"\n"
      "[[task]]\nname = \"adcs\"\ninterval = \"1s\"\nwork = \"busy:1ms\"\n"
      "[[task]]\nname = \"cam\"\nwork = \"busy:1ms\"\n[[scenario]]\ntask = \"cam\"\npriority = \"always\"\n";
  EXPECT_TRUE(rejects(text, 3, "scheduler.max_tasks", "plus 1 system task"));
}

TEST(MissionFileCommand, CommandsChangeSettingsCumulatively) {
  const Mission m = accepts(scenario_mission(
      "[[scenario]]\ntask = \"cam\"\npriority = \"when_free\"\nbudget = 20\nrepeats = 2\n"
      "[[command]]\nat = \"1h\"\nscenario = \"cam\"\npriority = \"off\"\n"
      "[[command]]\nat = \"2h\"\nscenario = \"cam\"\nhours = \"06-18\"\n"));
  ASSERT_EQ(m.commands.size(), 2u);
  EXPECT_EQ(m.commands[0].at, kHour);
  EXPECT_EQ(m.commands[0].scenario, 0u);
  EXPECT_EQ(m.commands[0].config.priority, Priority::Off);
  EXPECT_EQ(m.commands[0].config.power.budget_percent, 20) << "untouched settings are kept";
  EXPECT_EQ(m.commands[1].config.priority, Priority::Off) << "the second command builds on the first";
  EXPECT_EQ(m.commands[1].config.hour_start, 6);
  EXPECT_EQ(m.commands[1].config.repeats, 2);
  EXPECT_EQ(m.scenarios[0].config.priority, Priority::WhenFree) << "the boot settings are not changed";
}

TEST(MissionFileCommand, ErrorsNameTheLineAndKey) {
  const std::string scen = scenario_mission("[[scenario]]\ntask = \"cam\"\npriority = \"always\"\n");  // to line 13
  EXPECT_TRUE(rejects(scen + "[[command]]\nscenario = \"cam\"\n", 14, "command[0].at", "when the command arrives"));
  EXPECT_TRUE(rejects(scen + "[[command]]\nat = \"1h\"\n", 14, "command[0].scenario", "the task whose scenario"));
  EXPECT_TRUE(rejects(scen + "[[command]]\nat = \"1h\"\nscenario = \"adcs\"\n", 16, "command[0].scenario",
                      "no [[scenario]] drives a task named \"adcs\""));
  EXPECT_TRUE(rejects(scen + "[[command]]\nat = \"1h\"\nscenario = \"cam\"\nid = 3\n", 17, "command[0].id",
                      "unknown key"));
  EXPECT_TRUE(rejects(scen + "[[command]]\nat = \"1h\"\nscenario = \"cam\"\nruns_on = []\n", 14, "command[0]",
                      "no power condition"));
  EXPECT_TRUE(rejects(scen + "[[command]]\nat = \"2h\"\nscenario = \"cam\"\n[[command]]\nat = \"1h\"\nscenario = \"cam\"\n",
                      18, "command[1].at", "in the order of their times"));
}

}  // namespace
}  // namespace dyn::cli

namespace dyn::cli {
namespace {

TEST(MissionFile, SupervisionRestartsWithALimitPerWindow) {
  const Mission m = accepts(with_priority(
      "[[task]]\nname = \"a\"\nwork = \"busy:1ms\"\ninterval = \"1s\"\non_fault = \"restart\"\nmax_restarts = 2\n"
      "restart_window = \"10s\"\n[[task]]\nname = \"b\"\nwork = \"busy:1ms\"\ninterval = \"1s\"\non_fault = \"restart\"\n"
      "[[task]]\nname = \"c\"\nwork = \"busy:1ms\"\ninterval = \"1s\"\n"));
  ASSERT_EQ(m.tasks.size(), 3u);
  EXPECT_EQ(m.tasks[0].restarts, 2u);
  EXPECT_EQ(m.tasks[0].restart_window, 10 * kSecond);
  EXPECT_EQ(m.tasks[1].restarts, 3u) << "the default limit";
  EXPECT_EQ(m.tasks[1].restart_window, 60 * kSecond) << "the default window";
  EXPECT_EQ(m.tasks[2].restarts, 0u) << "held by default";
}

TEST(MissionFile, SupervisionKeysAreChecked) {
  EXPECT_TRUE(rejects(with_priority("[[task]]\nname = \"a\"\nwork = \"busy:1ms\"\non_fault = \"reboot\"\n"), 6,
                      "task[0].on_fault", "expected \"hold\" or \"restart\""));
  EXPECT_TRUE(rejects(with_priority("[[task]]\nname = \"a\"\nwork = \"busy:1ms\"\nmax_restarts = 2\n"), 6,
                      "task[0].max_restarts", "only a task with on_fault = \"restart\""));
  EXPECT_TRUE(rejects(with_priority("[[task]]\nname = \"a\"\nwork = \"busy:1ms\"\non_fault = \"restart\"\nmax_restarts = 0\n"),
                      7, "task[0].max_restarts", ""));
}

}  // namespace
}  // namespace dyn::cli
