// footprint_kernel.cpp — the smallest firmware that runs the kernel: two
// tasks under one policy (DYN_FOOTPRINT_ALL_POLICIES: the policy chosen at
// run time among all four), for the footprint figures of docs/performance.md
// (arm-none-eabi-size of the linked image, -Os, --gc-sections).
#include <cstddef>
#include <new>

#include "board.hpp"
#include "dyn/kernel.hpp"
#include "dyn/sched_round_robin.hpp"
#if DYN_FOOTPRINT_ALL_POLICIES
#include "dyn/sched_lottery.hpp"
#include "dyn/sched_multilevel.hpp"
#include "dyn/sched_priority.hpp"
#endif

namespace {

dyn::Task g_slots[4];
alignas(8) std::byte g_stacks[2][4096];
int g_runs = 0;

void body(void* arg) noexcept {
  auto& k = *static_cast<dyn::Kernel*>(arg);
  for (;;) {
    ++g_runs;
    k.consume(dyn::kMillisecond);
    k.yield();
  }
}

// The kernel and its policy in static storage (not main's stack), so the
// link map shows their RAM: g_kernel is the Kernel object itself, its event
// queue included (docs/port-cortex-m3.md, DYN_PENDING_EVENTS).
alignas(dyn::Kernel) std::byte g_kernel[sizeof(dyn::Kernel)];
alignas(dyn::TaskTable) std::byte g_table[sizeof(dyn::TaskTable)];

}  // namespace

int main() {
  // Safety: placement new into static storage, once; never destroyed (the run ends by semihosting).
  dyn::TaskTable& table = *::new (g_table) dyn::TaskTable(g_slots);
  static dyn::RoundRobinPolicy round_robin;
  dyn::Policy* policy = &round_robin;
#if DYN_FOOTPRINT_ALL_POLICIES
  static std::uint64_t tree[4];
  static dyn::MultilevelPolicy multilevel;
  static dyn::PriorityPolicy priority;
  static dyn::LotteryPolicy lottery(table, tree, 1);
  dyn::Policy* all[] = {&round_robin, &multilevel, &priority, &lottery};
  volatile unsigned which = 0;  // chosen at run time, so all four are linked
  policy = all[which % 4];
#endif
  dyn::KernelConfig config;
  config.preemption_ticks = false;
  config.min_stack = 1024;
  dyn::Kernel& kernel = *::new (g_kernel) dyn::Kernel(table, *policy, config);
  for (int i = 0; i < 2; ++i) {
    dyn::TaskSpec spec;
    spec.name = i ? "b" : "a";
    spec.model = dyn::RunModel::Loop;
    spec.entry = body;
    spec.arg = &kernel;
    spec.stack = g_stacks[i];
    if (!kernel.create(spec)) return 1;
  }
  kernel.run_until(10 * dyn::kMillisecond);
  dyn::mps2::uart_write(g_runs >= 10 ? "footprint image ran\n" : "footprint image did not run\n");
  return g_runs >= 10 ? 0 : 1;
}
