// context_switch_bench.cpp — cooperative task switch on the host.
//
// Goal (issue 2): <= 50 ns per switch, in user space. Two figures:
//  - BM_PortContextSwitch: the port's switch alone (save callee-saved state,
//    swap stacks), ping-ponging with one context; counted per switch.
//  - BM_KernelYield: the whole path a yield takes in the kernel — task to
//    dispatcher, policy bookkeeping, dispatcher to the next task — with two
//    loop tasks that only yield (virtual time, no event sink), under each
//    policy; counted per yield, i.e. per task-to-task switch. FreeRTOS's POSIX port
//    figure for the same thing is in docs/performance.md.
#include <benchmark/benchmark.h>

#include <vector>

#include "dyn/kernel.hpp"
#include "dyn/sched_lottery.hpp"
#include "dyn/sched_multilevel.hpp"
#include "dyn/sched_priority.hpp"
#include "dyn/sched_round_robin.hpp"
#include "host_port.hpp"
#include "port.hpp"

namespace {

using namespace dyn;

void* g_main_sp = nullptr;
void* g_ctx_sp = nullptr;
std::span<std::byte> g_ctx_stack;

void ping_pong(void*) noexcept {
  for (;;) port::context_switch(&g_ctx_sp, g_main_sp, {}, false);
}

void BM_PortContextSwitch(benchmark::State& state) {
  host::TaskStack stack(64 * 1024);
  g_ctx_stack = stack.span();
  g_ctx_sp = port::context_init(g_ctx_stack, ping_pong, nullptr);
  for (auto _ : state) port::context_switch(&g_main_sp, g_ctx_sp, g_ctx_stack, false);  // there and back
  state.SetItemsProcessed(state.iterations() * 2);
  state.counters["ns_per_switch"] =
      benchmark::Counter(static_cast<double>(state.iterations() * 2), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_PortContextSwitch);

void yielder(void*) noexcept {
  Kernel& k = *Kernel::current();
  for (;;) k.yield();
}

template <typename P>
void kernel_yield(benchmark::State& state, P& policy, TaskTable& table) {
  KernelConfig config;
  config.time_slice = 0;
  config.preemption_ticks = false;
  Kernel kernel(table, policy, config, nullptr);
  host::TaskStack s1(64 * 1024), s2(64 * 1024);
  TaskSpec spec;
  spec.model = RunModel::Loop;
  spec.entry = yielder;
  spec.name = "a";
  spec.stack = s1.span();
  (void)kernel.create(spec);
  spec.name = "b";
  spec.stack = s2.span();
  (void)kernel.create(spec);
  std::uint64_t yields = 0;
  for (auto _ : state) {
    // Each dispatch costs KernelConfig::dispatch_cost (1 us) of virtual
    // time, so 100 ms are 100 000 yields (run_until's own set-up, arming the
    // tick and the fault traps, is spread over them).
    const std::uint64_t before = kernel.dispatches();
    kernel.run_for(100 * kMillisecond);
    yields += kernel.dispatches() - before;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(yields));
  state.counters["ns_per_yield"] =
      benchmark::Counter(static_cast<double>(yields), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// Owns the policy and the storage it needs, for each kind.
template <typename P>
struct PolicyFor {
  explicit PolicyFor(TaskTable&, std::size_t) {}
  P policy;
};
template <>
struct PolicyFor<LotteryPolicy> {
  PolicyFor(TaskTable& table, std::size_t capacity) : tree(capacity, 0), policy(table, tree, 1) {}
  std::vector<std::uint64_t> tree;
  LotteryPolicy policy;
};

template <typename P>
void BM_KernelYield(benchmark::State& state) {
  std::vector<Task> slots(4);
  TaskTable table(slots);
  PolicyFor<P> p(table, slots.size());
  kernel_yield(state, p.policy, table);
}
BENCHMARK(BM_KernelYield<PriorityPolicy>)->Name("BM_KernelYield_Priority");
BENCHMARK(BM_KernelYield<RoundRobinPolicy>)->Name("BM_KernelYield_RoundRobin");
BENCHMARK(BM_KernelYield<MultilevelPolicy>)->Name("BM_KernelYield_Multilevel");
BENCHMARK(BM_KernelYield<LotteryPolicy>)->Name("BM_KernelYield_Lottery");

}  // namespace
