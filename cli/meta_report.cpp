// meta_report.cpp — trace events, plot spans, status lines and counts for the meta-scheduler.
#include "meta_report.hpp"

#include <cstdio>

#include "duration.hpp"
#include "svg_plot.hpp"
#include "trace_writer.hpp"

namespace dyn::cli {

namespace {

int held_index(Reason r) {
  switch (r) {
    case Reason::BatteryLow: return 0;
    case Reason::NoPowerSource: return 1;
    case Reason::BatteryMutex: return 2;
    case Reason::Budget: return 3;
    default: return -1;
  }
}

const char* short_reason(Reason r) {
  switch (r) {
    case Reason::BatteryLow: return "battery low";
    case Reason::NoPowerSource: return "no source";
    case Reason::BatteryMutex: return "mutex taken";
    case Reason::Budget: return "budget spent";
    case Reason::OutOfWindow: return "out of window";
    case Reason::PriorityOff: return "priority off";
    default: return to_string(r);
  }
}

std::string days_of(std::uint8_t mask) {
  if (mask == kAllWeek) return "daily";
  if (mask == 0x1F) return "mon-fri";
  if (mask == 0x60) return "sat-sun";
  std::string out;
  for (int i = 0; i < 7; ++i)
    if (mask & (1u << i)) out += (out.empty() ? "" : ",") + std::string(to_string(static_cast<WeekDay>(i)));
  return out;
}

}  // namespace

std::string describe_settings(const ScenarioConfig& c) {
  char hours[16];
  std::snprintf(hours, sizeof hours, "%02u-%02u", c.hour_start, c.hour_end);
  std::string out = days_of(c.week_mask) + " " + hours + ", ";
  out += c.repeats == 0 ? std::string("once per window")
                        : std::to_string(c.repeats) + "/h (every " + format_duration(repeat_period(c.repeats)) + ")";
  out += std::string(", ") + to_string(c.priority);
  if (c.priority == Priority::WhenFree) out += " " + std::to_string(c.power.budget_percent) + "%";
  std::string sources;
  if (c.power.on_battery) sources += "battery";
  if (c.power.on_solar) sources += std::string(sources.empty() ? "" : "/") + "solar";
  if (c.power.while_charging) sources += std::string(sources.empty() ? "" : "/") + "charging";
  if (!sources.empty()) out += ", on " + sources;
  if (c.power.needs_battery_mutex) out += ", battery mutex";
  if (c.power.override_power) out += ", critical";
  if (c.report != ReportPriority::Off) out += std::string(", report ") + to_string(c.report);
  return out;
}

MetaReport::MetaReport(const Mission& m, Kernel& kernel, TraceWriter* trace, Plot* plot)
    : kernel_(kernel), trace_(trace), plot_(plot), period_(m.meta.period), status_(m.scenarios.size(), 0) {
  for (const MissionScenario& sc : m.scenarios) rows.push_back({sc.task, describe_settings(sc.config)});
}

void MetaReport::settings_changed(std::size_t index, const ScenarioConfig& c) {
  rows[index].settings = describe_settings(c) + " (changed by command)";
}

void MetaReport::on_decision(Time now, const Decision& d, TaskId task, const PowerState& power,
                             bool carried_out) noexcept {
  ScenarioRow& row = rows[d.index];
  const bool was_running = status_[d.index] == 1;
  const int held = d.action == Action::None ? held_index(d.reason) : -1;
  const char* what = "none";
  switch (d.action) {
    case Action::Wake:
      what = "wake";
      // A zero-repeat wake is always a fresh run; an interval task's wake
      // while it runs renews its lease.
      if (carried_out) ++(was_running && d.timeout != kNever ? row.renewals : row.wakes);
      break;
    case Action::Keep: what = "keep"; break;
    case Action::Stop:
      what = "stop";
      if (carried_out) ++row.stops;
      break;
    case Action::None:
      what = held >= 0 ? "held" : "none";
      if (held >= 0) ++row.held[held];
      if (d.reason == Reason::PriorityOff) ++row.off;
      break;
  }
  if (!carried_out) ++row.refused;
  const double charge = power.charge_permille / 10.0;
  const Task* t = kernel_.table().find(task);
  if (trace_ && t) trace_->decision(*t, now, what, d, power, carried_out);
  if (plot_ && held >= 0) plot_->held(row.task, now, now + period_);

  // One log line when the scenario's status changes: running, held (and why),
  // stopped — not one per pass.
  int status = status_[d.index];
  if (d.action == Action::Wake || d.action == Action::Keep) status = 1;
  else if (held >= 0) status = 2 + held;
  else if (d.action == Action::Stop || (d.action == Action::None && d.reason != Reason::OnceDone)) status = 0;
  if (status != status_[d.index] && (status >= 2 || d.action == Action::Wake || d.action == Action::Stop)) {
    // Short enough for the logger's 48-byte entries with a usual task name;
    // the trace has the full reason.
    char line[160];
    std::snprintf(line, sizeof line, "%s %s%s%s (%.0f%% %s)", row.task.c_str(),
                  d.action == Action::Wake ? "woken" : d.action == Action::Stop ? "stopped: " : "held: ",
                  d.action == Action::Wake ? "" : short_reason(d.reason), carried_out ? "" : ", task gone", charge,
                  power.in_sunlight ? "sun" : "eclipse");
    kernel_.log(status >= 2 ? 2 : 1, line);
  }
  status_[d.index] = status;
}

}  // namespace dyn::cli
