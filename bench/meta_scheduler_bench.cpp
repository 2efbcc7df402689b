// meta_scheduler_bench.cpp — one meta-scheduler pass over 1 000 scenarios.
// Goal: < 100 us per pass (docs/meta-scheduler.md, docs/performance.md).
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>

#include <deque>
#include <vector>

#include "dyn/meta_task.hpp"
#include "dyn/sched_multilevel.hpp"
#include "host_port.hpp"

namespace {

constexpr std::size_t kScenarios = 1000;

// A mixed table: every priority, wrapped and plain windows, zero and non-zero
// repeats, every power source, some needing the battery mutex.
dyn::ScenarioConfig mixed(std::uint32_t i) {
  dyn::ScenarioConfig c;
  c.id = i;
  c.week_mask = static_cast<std::uint8_t>(1u + (i * 37u) % 127u);
  c.hour_start = static_cast<std::uint8_t>(i % 24);
  c.hour_end = static_cast<std::uint8_t>(1 + (i * 7u + 5u) % 24);
  if (c.hour_end == c.hour_start) c.hour_end = static_cast<std::uint8_t>(c.hour_start + 1);
  c.repeats = static_cast<std::uint8_t>(i % 5 == 0 ? 0 : i % 20);
  c.priority = (i % 3 == 0) ? dyn::Priority::Always : (i % 3 == 1) ? dyn::Priority::WhenFree : dyn::Priority::Off;
  c.report = static_cast<dyn::ReportPriority>(i % 4);
  c.power.budget_percent = static_cast<std::uint8_t>(i % 7);
  c.power.on_battery = i % 2 == 0 || i % 3 == 0;  // every config keeps a power source
  c.power.on_solar = i % 3 != 0;
  c.power.while_charging = i % 5 == 0;
  c.power.override_power = i % 50 == 0;
  c.power.needs_battery_mutex = i % 97 == 0;
  return c;
}

void BM_MetaSchedulerPass1000(benchmark::State& st) {
  static std::array<dyn::Scenario, kScenarios> table{};
  static std::array<dyn::Decision, kScenarios> out{};
  auto meta = dyn::MetaScheduler::create(table, dyn::kHour).value();
  for (std::uint32_t i = 0; i < kScenarios; ++i)
    if (!meta.ground_command(i, mixed(i)).has_value()) st.SkipWithError("invalid config");
  dyn::PowerState power;
  power.budget_percent = 60;
  dyn::Time now = 0;
  std::size_t woken = 0;
  for (auto _ : st) {
    // A new meta period every pass, so every pass decides afresh (no Keep shortcut).
    auto n = meta.run(now, power, out);
    benchmark::DoNotOptimize(n);
    if (!n.has_value()) st.SkipWithError("run failed");
    for (std::size_t i = 0; i < kScenarios; ++i) woken += out[i].action == dyn::Action::Wake;
    now += dyn::kHour;
    power.in_sunlight = !power.in_sunlight;
  }
  st.counters["wakes/pass"] = benchmark::Counter(static_cast<double>(woken) / static_cast<double>(st.iterations()));
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * kScenarios));
}
BENCHMARK(BM_MetaSchedulerPass1000)->Unit(benchmark::kMicrosecond);

// The same pass carried out on the kernel: 1 000 triggered scenario tasks,
// every Wake a notification (release or renewal), every Stop a withdrawal.
void BM_MetaTaskPass1000(benchmark::State& st) {
  static std::array<dyn::Scenario, kScenarios> table{};
  static std::array<dyn::Decision, kScenarios> out{};
  std::vector<dyn::Task> slots(kScenarios);
  dyn::TaskTable tasks(slots);
  dyn::MultilevelPolicy policy;
  dyn::KernelConfig config;
  config.preemption_ticks = false;
  dyn::Kernel kernel(tasks, policy, config);
  std::deque<dyn::host::TaskStack> stacks;
  std::array<dyn::TaskId, kScenarios> ids{};
  for (std::uint32_t i = 0; i < kScenarios; ++i) {
    stacks.emplace_back(config.min_stack);
    const std::string name = "s" + std::to_string(i);
    dyn::TaskSpec spec;
    spec.name = name.c_str();
    spec.entry = [](void*) noexcept {};
    spec.level = static_cast<std::uint8_t>(1 + i % dyn::kLevelCount);
    spec.triggered = true;
    spec.stack = stacks.back().span();
    ids[i] = kernel.create(spec).value();
  }
  auto meta = dyn::MetaScheduler::create(table, dyn::kHour).value();
  for (std::uint32_t i = 0; i < kScenarios; ++i)
    if (!meta.ground_command(i, mixed(i)).has_value()) st.SkipWithError("invalid config");
  auto driver = dyn::MetaTask::create(kernel, meta, ids, out).value();
  // The kernel's clock only moves when it runs; step it an hour per pass
  // with nothing due (the tasks are never dispatched here).
  dyn::Time now = 0;
  for (auto _ : st) {
    auto n = driver.pass();
    benchmark::DoNotOptimize(n);
    st.PauseTiming();
    for (std::uint32_t i = 0; i < kScenarios; ++i) (void)kernel.suspend(ids[i]);
    now += dyn::kHour;
    kernel.run_until(now);
    for (std::uint32_t i = 0; i < kScenarios; ++i) (void)kernel.resume(ids[i]);
    st.ResumeTiming();
  }
  st.counters["wakes/pass"] = benchmark::Counter(static_cast<double>(driver.stats().wakes) /
                                                 static_cast<double>(st.iterations()));
  st.counters["stops/pass"] = benchmark::Counter(static_cast<double>(driver.stats().stops) /
                                                 static_cast<double>(st.iterations()));
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * kScenarios));
}
BENCHMARK(BM_MetaTaskPass1000)->Unit(benchmark::kMicrosecond);

}  // namespace
