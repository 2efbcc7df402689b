// meta_report.hpp — the meta-scheduler's decisions made visible: a trace
// event per decision with its reason and power state, "held for power" spans
// in the plot, a log line when a scenario's status changes, and per-scenario
// counts for the end-of-run summary.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dyn/meta_task.hpp"
#include "mission.hpp"

namespace dyn::cli {

class TraceWriter;
class Plot;

// One scenario's figures over a run.
struct ScenarioRow {
  std::string task;
  std::string settings;             // "mon-fri 08-16, 4/h, when_free 30%, solar"
  std::uint64_t wakes = 0;          // first wakes in a window or after a hold
  std::uint64_t renewals = 0;       // an interval task's lease renewed at the next pass
  std::uint64_t stops = 0;
  std::uint64_t held[4] = {};       // passes held for: battery low, no power source, battery mutex, budget
  std::uint64_t off = 0;            // passes with priority off
  std::uint64_t refused = 0;        // wakes/stops the kernel refused (task removed)
  std::uint64_t runs = 0;           // filled in from the task's statistics at the end
  bool task_gone = false;           // the task was removed (its runs are no longer known)
};

// "mon-fri 08-16, 4/h (every 15m), when_free 30%, on solar, critical"
std::string describe_settings(const ScenarioConfig& c);

class MetaReport final : public DecisionSink {
 public:
  MetaReport(const Mission& m, Kernel& kernel, TraceWriter* trace, Plot* plot);
  void on_decision(Time now, const Decision& d, TaskId task, const PowerState& power,
                   bool carried_out) noexcept override;
  // A ground command changed a scenario's settings.
  void settings_changed(std::size_t index, const ScenarioConfig& c);

  std::vector<ScenarioRow> rows;

 private:
  Kernel& kernel_;
  TraceWriter* trace_;
  Plot* plot_;
  Time period_;
  std::vector<int> status_;  // per scenario: what the last log line said (0 none, 1 running, 2.. held reason)
};

}  // namespace dyn::cli
