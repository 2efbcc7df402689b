// task_create_bench.cpp — creating n tasks: seed 000's Task Register is a tree by name.
//
// Issue 9: task creation used to search every task by name (8 000 tasks took
// 8 s, 65 000 never finished); with the name index it is O(log n) per task.
// Goal: 65 535 tasks "well under a second". Each iteration creates n job
// tasks (4 KiB stacks from one buffer, so the stack fill is in the figure)
// into a fresh table and then removes them all.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <vector>

#include "dyn/kernel.hpp"
#include "dyn/sched_round_robin.hpp"

namespace {

using namespace dyn;

void entry(void*) noexcept {}

void BM_CreateTasks(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  constexpr std::size_t kStack = 4096;
  std::vector<std::byte> stacks(n * kStack);
  std::vector<char> names(n * 16);
  for (std::size_t i = 0; i < n; ++i) std::snprintf(&names[i * 16], 16, "t%05u", static_cast<unsigned>(i % 100000));
  std::vector<TaskId> ids(n);
  for (auto _ : state) {
    std::vector<Task> slots(n);
    TaskTable table(slots);
    RoundRobinPolicy policy;
    KernelConfig config;
    config.preemption_ticks = false;
    config.min_stack = kStack;
    Kernel kernel(table, policy, config, nullptr);
    for (std::size_t i = 0; i < n; ++i) {
      TaskSpec spec;
      spec.name = &names[i * 16];
      spec.entry = entry;
      spec.interval = kSecond;
      spec.stack = {&stacks[i * kStack], kStack};
      auto id = kernel.create(spec);
      if (!id) {
        state.SkipWithError("create failed");
        return;
      }
      ids[i] = id.value();
    }
    benchmark::DoNotOptimize(table.find_by_name(&names[(n / 2) * 16]));
    state.PauseTiming();
    for (TaskId id : ids) (void)kernel.remove(id);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
  state.counters["ns_per_task"] = benchmark::Counter(static_cast<double>(state.iterations() * n),
                                                     benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_CreateTasks)->Arg(1000)->Arg(10000)->Arg(65535)->Unit(benchmark::kMillisecond);

}  // namespace
