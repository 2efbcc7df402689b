// mission.hpp — a mission file, parsed and checked.
//
// The file format is documented in docs/mission-file.md. Every error names the
// file, the line and the key, so the operator can fix it without guessing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dyn/kernel.hpp"
#include "dyn/meta_scheduler.hpp"
#include "power_model.hpp"
#include "workload.hpp"

namespace dyn::cli {

enum class PolicyKind { Multilevel, RoundRobin, Lottery, Priority };

struct MissionTask {
  std::string name;
  int line = 0;                  // where it was declared, for later errors
  RunModel model = RunModel::Job;
  std::uint8_t level = 1;
  std::uint8_t priority = 1;
  std::uint32_t tickets = 0;
  Time interval = 0;
  Time watchdog = 0;
  std::uint8_t restarts = 0;     // on_fault = "restart": restarts allowed per restart_window (0: held)
  Time restart_window = 0;
  Time delay = 0;
  bool onetime = false;
  bool triggered = false;        // driven by a [[scenario]]: runs when the meta-scheduler wakes it
  std::size_t stack = 0;         // 0 = mission default
  double power_w = 0;            // drawn while the task runs (power model)
  std::string work;              // built-in workload, or
  std::string module;            // a module: a path ending in .o (relative to the mission file) or a name
  std::vector<WorkStep> steps;
  // expect = "watchdog": its watchdog stops are intended (a demonstration, a
  // test of containment); the console and the summary say so, with `note`.
  bool expect_watchdog = false;
  std::string note;              // the mission's word on the task, shown in the summary
};

// A live update commanded at a mission time (until the uplink brings them).
struct MissionUpdate {
  enum class Action { Replace, Add, Remove } action = Action::Replace;
  int line = 0;
  Time at = 0;
  std::string task;
  std::string module;            // as MissionTask::module (replace, add)
  std::string package;           // replace: an update package (docs/packages.md), relative to the mission file
  MissionTask added;             // add: the new task's scheduling (level, priority, interval, ...)
  Time quiesce_timeout = 10 * kSecond;
  std::uint32_t probation_points = 3;
  // Default: a minute, or for a job with an interval, (probation_points + 1)
  // intervals when that is longer (a job reaches one consistent point a run).
  Time probation = kMinute;
  bool probation_given = false;  // `probation` was in the file (checked against the interval, not derived)
  Time task_interval = 0;        // the updated task's interval (0: a loop, onetime or scenario-driven task)
  bool rename = false;           // the new version's descriptor may name another module
};

// How many consistent points a job of `interval` surely reaches within
// `probation` (one per run after the swap, the n-th n intervals later, so a
// probation of exactly n intervals is too short for n); -1 when it does not
// depend on an interval (a loop task, or one woken by notifications).
long long reachable_probation_points(const MissionUpdate& u);

// A seed-003 scenario: when and under which power conditions the
// meta-scheduler wakes its task.
struct MissionScenario {
  int line = 0;
  std::string task;              // a [[task]] with no interval of its own
  ScenarioConfig config;
};

// A ground command at a mission time: new settings for a scenario (the only
// way settings change, seed 003).
struct MissionCommand {
  int line = 0;
  Time at = 0;
  std::size_t scenario = 0;      // index into Mission::scenarios
  ScenarioConfig config;         // the scenario's settings after the command
};

struct MetaConfig {
  Time period = kHour;           // (0, 1h]
  Epoch epoch{};                 // week day and hour of mission time 0
};

struct Mission {
  std::string file;
  std::string name;
  std::string spacecraft = "unnamed";  // with the name, the identity a store is bound to
  bool spacecraft_given = false;       // [mission] spacecraft was in the file (not the default)
  Time duration = 0;             // default length of a run; 0 = must be given with --for
  std::uint64_t seed = 1;
  Time checkpoint_every = 0;     // with --store: periodic checkpoints of module tasks; 0 = at update commits only
  PolicyKind policy = PolicyKind::Multilevel;
  Time tick = kMillisecond;
  Time time_slice = 10 * kMillisecond;
  std::size_t max_tasks = 64;
  std::size_t stack = 64 * 1024;
  Time housekeeping = kSecond;   // interval of the os.housekeeping task; 0 = none
  std::vector<MissionTask> tasks;  // recurring and long-lived tasks, then onetime tasks
  std::vector<MissionUpdate> updates;  // by mission time
  std::optional<host::PowerConfig> power;    // [power]: the spacecraft's power system, simulated
  MetaConfig meta;                     // [meta]
  // [security]: how the spacecraft authenticates update packages.
  struct Security {
    std::string ground_key;            // the ground's Ed25519 public key file (NAME.pub), or
    std::string hmac_key;              // the spacecraft's HMAC-SHA-256 key file (NAME.hmac)
    std::uint64_t sequence_window = 16;  // how far above the last accepted a sequence number may jump
    bool require_packages = false;     // every replacement must come as an authenticated package
  };
  std::optional<Security> security;
  std::vector<MissionScenario> scenarios;  // [[scenario]]: with any, os.meta runs the meta-scheduler
  std::vector<MissionCommand> commands;    // [[command]], by mission time
};

struct MissionError {
  std::string file;
  int line = 0;                  // 0 when the whole file is at fault
  std::string key;               // dotted path, e.g. task[2].interval
  std::string message;
  std::string to_string() const;
};

// Reads and validates a mission. Never throws; never partially succeeds.
struct MissionResult {
  std::optional<Mission> mission;
  std::optional<MissionError> error;
};
MissionResult load_mission(const std::string& path);
// A mission name or spacecraft id, as a store records them: 1..32 printable characters.
bool identity_name(const std::string& s);
MissionResult parse_mission(std::string_view text, const std::string& path);

const char* to_string(PolicyKind p);

}  // namespace dyn::cli
