// mission_fuzz.cpp — libFuzzer target: mission files are untrusted text.
//
// Whatever the bytes, the parser returns exactly one of a mission or an error
// (never both, never neither), never crashes, never leaks, and an error always
// names the file, and what it accepts holds the checks it promises (scenario
// settings valid, each scenario driving an existing triggered task).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mission.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto r = dyn::cli::parse_mission(text, "fuzz.toml");
  if (r.mission.has_value() == r.error.has_value()) __builtin_trap();
  if (r.error && r.error->to_string().rfind("fuzz.toml", 0) != 0) __builtin_trap();
  if (r.mission) {
    if (r.mission->tasks.empty() || r.mission->tasks.size() + 1 > r.mission->max_tasks + 1) __builtin_trap();
    for (const auto& t : r.mission->tasks)
      if (t.name.empty() || t.name.size() > dyn::kTaskNameMax || t.steps.empty() != !t.module.empty() || t.interval < 0)
        __builtin_trap();
    // Scenarios: valid settings, each driving one triggered task; commands point at one.
    for (const auto& sc : r.mission->scenarios) {
      if (!dyn::validate(sc.config)) __builtin_trap();
      bool found = false;
      for (const auto& t : r.mission->tasks) found = found || (t.name == sc.task && t.triggered && t.interval == 0);
      if (!found) __builtin_trap();
    }
    for (const auto& c : r.mission->commands)
      if (c.scenario >= r.mission->scenarios.size() || !dyn::validate(c.config)) __builtin_trap();
    if (r.mission->meta.period <= 0 || r.mission->meta.period > dyn::kHour) __builtin_trap();
  }
  return 0;
}
