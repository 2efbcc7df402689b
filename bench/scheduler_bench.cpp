// scheduler_bench.cpp — cost of one scheduling decision as the task count grows.
//
// Goal (issue 2): <= 100 ns, flat in n, and >= 20x faster than seed 001's full
// scan at 10 000 tasks. In every case a few tasks are due and the rest idle.
// One "decision" = the passive poll (move due tasks to the execute list),
// taking the next task, and releasing it again (its next run due at once, so
// every iteration decides something).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <deque>
#include <vector>

#include "dyn/sched_lottery.hpp"
#include "dyn/sched_multilevel.hpp"
#include "dyn/sched_priority.hpp"
#include "dyn/sched_round_robin.hpp"

namespace {

using namespace dyn;

constexpr Time kNow = 1'000'000;
constexpr int kDue = 4;  // tasks due at every decision

// Ours: n recurring tasks over six levels; kDue of them due, the others due far in the future.
void BM_MultilevelDecision(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  std::deque<Task> tasks(n);
  MultilevelPolicy policy;
  for (std::size_t i = 0; i < n; ++i) {
    Task& t = tasks[i];
    t.level = static_cast<std::uint8_t>(1 + i % kLevelCount);
    t.seq = i;
    t.interval = 1;
    policy.hold_release(t, i < kDue ? kNow : kNow + 1'000'000'000 + static_cast<Time>(i));
  }
  for (auto _ : state) {
    policy.poll(kNow);
    Task* t = policy.pick(kNow);
    benchmark::DoNotOptimize(t);
    policy.hold_release(*t, kNow);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MultilevelDecision)->Arg(10)->Arg(1000)->Arg(10000);

// Baseline: seed 001 as written — six lists scanned in full on every call.
struct SeedTask {
  Time last_run;
  Time interval;
  bool queued;
};
struct SeedScheduler {
  std::vector<SeedTask> levels[kLevelCount];
  std::deque<SeedTask*> execute;
  bool poll(Time now) {
    for (auto& level : levels)
      for (SeedTask& t : level)
        if (!t.queued && now - t.last_run >= t.interval) {
          t.queued = true;
          execute.push_back(&t);
        }
    return !execute.empty();
  }
};

void BM_SeedFullScanDecision(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  SeedScheduler s;
  for (std::size_t i = 0; i < n; ++i) {
    const bool due = i < kDue;
    s.levels[i % kLevelCount].push_back({due ? 0 : kNow, due ? 1 : 1'000'000'000, false});
  }
  for (auto _ : state) {
    s.poll(kNow);
    SeedTask* t = s.execute.front();
    s.execute.pop_front();
    benchmark::DoNotOptimize(t);
    t->queued = false;  // ran; due again at once
    t->last_run = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SeedFullScanDecision)->Arg(10)->Arg(1000)->Arg(10000);

// The other policies: n tasks in the table, kDue of them ready.
template <typename MakePolicy>
void ready_policy_decision(benchmark::State& state, MakePolicy make) {
  const auto n = static_cast<std::size_t>(state.range(0));
  std::vector<Task> slots(n);
  TaskTable table(slots);
  std::vector<std::uint64_t> tree(n, 0);
  auto policy = make(table, tree);
  std::vector<Task*> all;
  for (std::size_t i = 0; i < n; ++i) {
    Task& t = *table.allocate().value();
    t.priority = static_cast<std::uint8_t>(i % 8);
    t.tickets = static_cast<std::uint32_t>(1 + i % 10);
    t.seq = i;
    all.push_back(&t);
  }
  for (std::size_t i = 0; i < static_cast<std::size_t>(kDue); ++i) policy.make_ready(*all[i * (n / kDue)], ReadyReason::Released);
  for (auto _ : state) {
    policy.poll(kNow);
    Task* t = policy.pick(kNow);
    benchmark::DoNotOptimize(t);
    policy.make_ready(*t, ReadyReason::Yielded);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_RoundRobinDecision(benchmark::State& state) {
  ready_policy_decision(state, [](TaskTable&, std::vector<std::uint64_t>&) { return RoundRobinPolicy{}; });
}
BENCHMARK(BM_RoundRobinDecision)->Arg(10)->Arg(1000)->Arg(10000);

void BM_PriorityDecision(benchmark::State& state) {
  ready_policy_decision(state, [](TaskTable&, std::vector<std::uint64_t>&) { return PriorityPolicy{}; });
}
BENCHMARK(BM_PriorityDecision)->Arg(10)->Arg(1000)->Arg(10000);

void BM_LotteryDecision(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  std::vector<Task> slots(n);
  TaskTable table(slots);
  std::vector<std::uint64_t> tree(n, 0);
  LotteryPolicy policy(table, tree, 1);
  std::vector<Task*> all;
  for (std::size_t i = 0; i < n; ++i) {
    Task& t = *table.allocate().value();
    t.tickets = static_cast<std::uint32_t>(1 + i % 10);
    all.push_back(&t);
  }
  for (std::size_t i = 0; i < static_cast<std::size_t>(kDue); ++i) policy.make_ready(*all[i * (n / kDue)], ReadyReason::Released);
  for (auto _ : state) {
    Task* t = policy.pick(kNow);
    benchmark::DoNotOptimize(t);
    policy.make_ready(*t, ReadyReason::Yielded);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LotteryDecision)->Arg(10)->Arg(1000)->Arg(10000);

}  // namespace
