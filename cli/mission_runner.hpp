// mission_runner.hpp — builds a system from a mission and runs it on the host port.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "dyn/kernel.hpp"
#include "dyn/update_manager.hpp"
#include "meta_report.hpp"
#include "mission.hpp"

namespace dyn::cli {

struct RunOptions {
  std::optional<Time> duration;        // overrides [mission].duration
  std::optional<std::uint64_t> seed;   // overrides [mission].seed
  bool realtime = false;
  std::string trace_path;              // empty: no trace
  bool log_events = true;              // watchdog stops etc. printed to stderr as they happen
  std::vector<std::string> module_path;  // directories searched for module = "name" (name/name.o or name.o)
  // The spacecraft's persistent store (a file laid out like flash). With one,
  // module tasks boot the version committed in it (and their last stored
  // checkpoint); live updates are journalled in it. Without, every run is a
  // first deploy from the mission's files.
  std::string store_path;
  // The operator allows a store with no identity (erased, wiped, of an older
  // layout) to be erased and initialised for this spacecraft and mission.
  // Without it such a store is refused; another mission's store always is.
  bool store_init = false;
  // The log store (seed 003's SD card): log lines of every task and of the
  // system go through the logger and are persisted here; read it with
  // `dynsched log FILE`. Empty: logs only go to the terminal and trace.
  std::string log_path;
  std::string plot_path;  // SVG: state of charge and a per-task timeline
};

// Where `module` (from a mission file) is: a path ending in ".o" is taken
// relative to the mission file; a bare name is looked up as DIR/name/name.o,
// DIR/name.o, then DIR/*/name.o in each search directory. Empty with *why
// when not found.
std::string resolve_module(const std::string& module, const std::string& mission_file,
                           const std::vector<std::string>& search, std::string* why);

struct TaskRow {
  std::string name;
  std::string placement;  // "L2", "P5", "T10", "onetime"
  Time interval = 0;
  Time watchdog = 0;
  std::size_t stack_size = 0;
  TaskStats stats;
  TaskState state = TaskState::Free;
  ExitReason exit = ExitReason::None;
  std::uint64_t notifications = 0;
  std::string module;     // module name and version, for module tasks
  std::string booted;     // "store (+ checkpoint)" when booted from the store
  std::string fault;      // its last fault record in words, when it was stopped for one
  Time fault_at = 0;
  bool expect_watchdog = false;  // the mission says its watchdog stops are intended
  std::string note;              // the mission's note on the task
};

// A file the run wrote, for the list printed at its end.
struct WrittenFile {
  std::string what;  // "trace", "plot", "log store", "spacecraft store"
  std::string path;
  std::string how;   // how to use it
};

struct UpdateRow {
  Time at = 0;
  std::string task;
  std::string module;
  std::string result;   // outcome, or why the request was refused
  UpdateRecord record;
};

struct CommandRow {
  Time at = 0;
  std::string scenario;
  std::string result;  // "applied: <settings>" or why it was refused
};

struct RunReport {
  std::string mission;
  std::string store_note;       // e.g. the store was initialised for this mission
  std::string policy;
  bool realtime = false;
  Time mission_time = 0;
  double real_seconds = 0;
  std::uint64_t dispatches = 0;
  Time idle = 0;
  std::vector<TaskRow> rows;
  std::vector<UpdateRow> updates;
  bool power = false;           // a power model ran
  double charge_min = 0, charge_max = 0, charge_end = 0;  // fractions of capacity
  std::vector<ScenarioRow> scenarios;  // the meta-scheduler's decisions, per scenario
  std::uint64_t meta_passes = 0;
  Time meta_period = 0;
  std::vector<CommandRow> commands;
  std::string error;  // set when the run could not start (e.g. trace file)
  std::vector<WrittenFile> written;  // every file the run wrote, in the order of the options
};

RunReport run_mission(const Mission& mission, const RunOptions& options);

// The end-of-run table for the terminal, with a legend of its columns.
std::string format_summary(const RunReport& report);

// One line per file the run wrote: what it is, where, how to use it.
std::string format_written(const RunReport& report);

}  // namespace dyn::cli
