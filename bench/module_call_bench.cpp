// module_call_bench.cpp — what a module's call into the kernel costs, with fault containment on.
//
// Issue 9 asks for the cost that containment adds to a module call. A job
// module (bench/caller.c) makes 10 000 calls per run; each benchmark
// iteration is one run (one dispatch, amortised over the calls):
//  - dyn_now: a call that touches no kernel state (the floor: trampoline + call);
//  - dyn_malloc + dyn_free of 64 bytes: the heap's critical sections, the
//    out-of-band records and the guard bytes written and checked;
//  - memcpy of 64 bytes: a kernel export that runs in the task's context.
#include <benchmark/benchmark.h>

#include <cstring>
#include <string>
#include <vector>

#include "host_module_system.hpp"
#include "module_report.hpp"

#ifndef DYN_CALLER_MODULE
#error "DYN_CALLER_MODULE must name bench/caller.c's object"
#endif

namespace {

using namespace dyn;

constexpr std::uint32_t kCallsPerRun = 10'000;

void module_calls(benchmark::State& state, std::uint32_t kind) {
  const std::vector<std::byte> image = cli::read_file(DYN_CALLER_MODULE);
  KernelConfig config;
  config.preemption_ticks = false;
  host::ModuleSystem system(4, config);
  ModuleTaskSpec spec;
  spec.task.name = "caller";
  spec.task.interval = kSecond;
  auto installed = system.tasks->install(image, spec, system.scratch_for(image));
  if (!installed) {
    state.SkipWithError("cannot install the caller module");
    return;
  }
  RegisterEntry& e = *installed.value();
  const std::uint32_t setup[2] = {kind, kCallsPerRun};
  std::memcpy(e.state.host, setup, sizeof setup);
  for (auto _ : state) system.kernel->run_for(kSecond);  // exactly one run
  state.SetItemsProcessed(state.iterations() * kCallsPerRun);
  state.counters["ns_per_call"] = benchmark::Counter(static_cast<double>(state.iterations()) * kCallsPerRun,
                                                     benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  (void)system.tasks->uninstall("caller");
}

void BM_ModuleCall_Now(benchmark::State& state) { module_calls(state, 0); }
void BM_ModuleCall_MallocFree64(benchmark::State& state) { module_calls(state, 1); }
void BM_ModuleCall_Memcpy64(benchmark::State& state) { module_calls(state, 2); }
BENCHMARK(BM_ModuleCall_Now);
BENCHMARK(BM_ModuleCall_MallocFree64);
BENCHMARK(BM_ModuleCall_Memcpy64);

}  // namespace
