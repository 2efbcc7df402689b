// mission_bench.cpp — how fast a whole mission simulates: the 7-day example
// (missions/week.toml: meta-scheduler, power model, 8 tasks) in virtual time.
// Reported as simulated mission seconds per real second (docs/performance.md).
#include <benchmark/benchmark.h>

#include "mission_runner.hpp"

namespace {

void BM_WeekMission(benchmark::State& st) {
  const dyn::cli::MissionResult loaded = dyn::cli::load_mission(DYN_WEEK_MISSION);
  if (!loaded.mission) {
    st.SkipWithError(loaded.error ? loaded.error->to_string().c_str() : "cannot load the mission");
    return;
  }
  dyn::cli::RunOptions options;
  options.log_events = false;  // the terminal is not what is measured
  dyn::Time simulated = 0;
  std::uint64_t holds = 0;
  for (auto _ : st) {
    const dyn::cli::RunReport r = dyn::cli::run_mission(*loaded.mission, options);
    if (!r.error.empty()) st.SkipWithError(r.error.c_str());
    simulated = r.mission_time;
    holds = 0;
    for (const auto& s : r.scenarios) holds += s.held[0] + s.held[1] + s.held[2] + s.held[3];
  }
  // Mission seconds per real second: simulated time per iteration, as a rate.
  st.counters["mission_s_per_s"] = benchmark::Counter(static_cast<double>(simulated) / 1e6,
                                                      benchmark::Counter::kIsIterationInvariantRate);
  st.counters["power_holds"] = static_cast<double>(holds);
}
BENCHMARK(BM_WeekMission)->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace
