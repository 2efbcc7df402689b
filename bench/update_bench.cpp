// update_bench.cpp — how long a live update makes the updated task unavailable.
//
// Goal (issue 4): p99 < 50 us for 16 KB of state (ConceptOS, a Hubris fork
// with live component update, reports 0.50-1.73 ms on a Cortex-M4). Measured
// in real time on the host, per update, from the task's consistent point to
// the new version being in place with its state restored (the old version's
// checkpoint hook, sealing the checkpoint object, the swap, validating the
// object and the new version's restore hook) — the time spent waiting for the
// consistent point is not counted. Each benchmark runs 300 updates of a job
// module whose hooks copy its whole state, alternating between two versions;
// the counters give p50, p99 and the maximum.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <deque>
#include <string>
#include <vector>

#include "dyn/sched_multilevel.hpp"
#include "dyn/sched_priority.hpp"
#include "dyn/task_manager.hpp"
#include "dyn/update_manager.hpp"
#include "host_module_memory.hpp"
#include "host_port.hpp"
#include "module_report.hpp"

#ifndef DYN_STATEFUL_DIR
#error "DYN_STATEFUL_DIR must name the directory of the stateful_* modules"
#endif

namespace {

using namespace dyn;

std::vector<std::byte> image(const std::string& name) {
  return cli::read_file(std::string(DYN_STATEFUL_DIR) + "/" + name + ".o");
}

void update_unavailability(benchmark::State& state, const char* size) {
  constexpr int kUpdates = 300;
  const std::vector<std::byte> versions[2] = {image(std::string("stateful_") + size + "_v1"),
                                              image(std::string("stateful_") + size + "_v2")};
  std::vector<double> ns;
  for (auto _ : state) {
    std::vector<Task> slots(8);
    TaskTable table(slots);
    MultilevelPolicy policy;
    KernelConfig config;
    config.preemption_ticks = false;
    config.time_slice = 0;
    Kernel kernel(table, policy, config, nullptr);
    host::HostModuleMemory memory;
    std::vector<RegisterEntry> entries(8);
    TaskRegister reg(entries, memory);
    TaskManager tasks(kernel, reg);
    UpdateManager updates(tasks);
    host::TaskStack worker_stack(64 * 1024);
    TaskSpec ws;
    ws.name = "os.update";
    ws.model = RunModel::Loop;
    ws.level = 1;
    ws.entry = UpdateManager::worker_entry;
    ws.arg = &updates;
    ws.stack = worker_stack.span();
    updates.set_worker(kernel.create(ws).value(), kMillisecond);

    std::vector<SymbolSlot> syms(512);
    std::vector<SectionSlot> secs(64);
    ModuleTaskSpec spec;
    spec.task.name = "stateful";
    spec.task.level = 2;
    spec.task.interval = 10 * kMillisecond;
    if (!tasks.install(versions[0], spec, LoaderScratch{syms, secs})) {
      state.SkipWithError("install failed");
      return;
    }
    kernel.run_for(50 * kMillisecond);
    for (int i = 0; i < kUpdates; ++i) {
      UpdateRequest r;
      r.task = "stateful";
      r.image = versions[(i + 1) % 2];
      r.probation_points = 1;
      r.probation_time = kSecond;
      const std::uint64_t before = updates.completed();
      if (!updates.request(r, LoaderScratch{syms, secs})) {
        state.SkipWithError("request refused");
        return;
      }
      while (updates.completed() == before) kernel.run_for(10 * kMillisecond);
      if (updates.last().outcome != UpdateOutcome::Committed) {
        state.SkipWithError("update not committed");
        return;
      }
      ns.push_back(static_cast<double>(updates.last().unavailable_real_ns));
    }
    tasks.uninstall_all();
  }
  std::sort(ns.begin(), ns.end());
  auto pct = [&](double p) { return ns[static_cast<std::size_t>(p * static_cast<double>(ns.size() - 1))] / 1000.0; };
  state.counters["p50_us"] = pct(0.50);
  state.counters["p99_us"] = pct(0.99);
  state.counters["max_us"] = ns.back() / 1000.0;
  state.counters["updates"] = static_cast<double>(ns.size());
}

// The rest of the system during updates, on the real-time clock: two
// higher-priority periodic tasks (every 5 and 20 ms) run for 2 s, once
// without and once with 20 updates of the 16 KiB module; counters give their
// runs and their worst lateness in both (goal: no run lost, no added
// lateness beyond one 1 ms tick). An interval is a minimum wait from the
// previous start, so a run's lateness is its start minus (previous start +
// interval).
struct Periodic {
  Time interval;
  std::vector<Time> starts;
};
void periodic_entry(void* arg) noexcept {
  auto& p = *static_cast<Periodic*>(arg);
  p.starts.push_back(Kernel::current()->now());
  Kernel::current()->consume(200);  // 0.2 ms of work
}

void rest_of_system(benchmark::State& state, bool with_updates, double* runs, double* worst_late_us,
                    double* committed) {
  const std::vector<std::byte> versions[2] = {image("stateful_16k_v1"), image("stateful_16k_v2")};
  std::vector<Task> slots(8);
  TaskTable table(slots);
  PriorityPolicy policy;
  KernelConfig config;
  config.clock = ClockMode::Realtime;
  config.time_slice = 0;
  Kernel kernel(table, policy, config, nullptr);
  host::HostModuleMemory memory;
  std::vector<RegisterEntry> entries(8);
  TaskRegister reg(entries, memory);
  TaskManager tasks(kernel, reg);
  UpdateManager updates(tasks);
  std::deque<host::TaskStack> stacks;
  auto add = [&](const char* name, std::uint8_t prio, TaskEntry entry, void* arg, RunModel model, Time interval) {
    stacks.emplace_back(64 * 1024);
    TaskSpec t;
    t.name = name;
    t.priority = prio;
    t.entry = entry;
    t.arg = arg;
    t.model = model;
    t.interval = interval;
    t.stack = stacks.back().span();
    return kernel.create(t).value();
  };
  Periodic fast{5 * kMillisecond, {}}, slow{20 * kMillisecond, {}};
  add("fast", 20, periodic_entry, &fast, RunModel::Job, fast.interval);
  add("slow", 19, periodic_entry, &slow, RunModel::Job, slow.interval);
  // Update work is not urgent: os.update and the command channel run below
  // the tasks whose schedule matters, so staging and freeing are preempted.
  updates.set_worker(add("os.update", 3, UpdateManager::worker_entry, &updates, RunModel::Loop, 0), kMillisecond);
  std::vector<SymbolSlot> syms(512);
  std::vector<SectionSlot> secs(64);
  ModuleTaskSpec spec;
  spec.task.name = "stateful";
  spec.task.priority = 5;
  spec.task.interval = 10 * kMillisecond;
  if (!tasks.install(versions[0], spec, LoaderScratch{syms, secs})) {
    state.SkipWithError("install failed");
    return;
  }
  struct Ground {
    UpdateManager* updates;
    const std::vector<std::byte>* versions;
    std::vector<SymbolSlot>* syms;
    std::vector<SectionSlot>* secs;
    int sent;
    bool failed;
  } ground{&updates, versions, &syms, &secs, 0, false};
  if (with_updates) {
    // The command channel: a low-priority task asking for an update every 90 ms.
    add("ground", 2, [](void* arg) noexcept {
          auto& g = *static_cast<Ground*>(arg);
          for (; g.sent < 20; ++g.sent) {
            Kernel::current()->sleep(90 * kMillisecond);
            UpdateRequest r;
            r.task = "stateful";
            r.image = g.versions[(g.sent + 1) % 2];
            r.probation_points = 1;
            r.probation_time = kSecond;
            if (!g.updates->request(r, LoaderScratch{*g.syms, *g.secs})) g.failed = true;
          }
        }, &ground, RunModel::Loop, 0);
  }
  kernel.run_until(kernel.now() + 2 * kSecond);
  if (ground.failed) state.SkipWithError("request refused");
  *committed += static_cast<double>(updates.completed());
  for (Periodic* p : {&fast, &slow}) {
    *runs += static_cast<double>(p->starts.size());
    for (std::size_t k = 1; k < p->starts.size(); ++k) {
      const Time late = p->starts[k] - (p->starts[k - 1] + p->interval);
      *worst_late_us = std::max(*worst_late_us, static_cast<double>(late));
    }
  }
  tasks.uninstall_all();
}

void BM_RestOfSystemDuringUpdates(benchmark::State& state) {
  double runs_without = 0, late_without = 0, runs_with = 0, late_with = 0, none = 0, updates = 0;
  for (auto _ : state) {
    rest_of_system(state, false, &runs_without, &late_without, &none);
    rest_of_system(state, true, &runs_with, &late_with, &updates);
  }
  state.counters["updates_done"] = updates;
  state.counters["runs_without"] = runs_without;
  state.counters["runs_with_updates"] = runs_with;
  state.counters["worst_late_us_without"] = late_without;
  state.counters["worst_late_us_with_updates"] = late_with;
}
BENCHMARK(BM_RestOfSystemDuringUpdates)->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_UpdateUnavailability_1KiB(benchmark::State& s) { update_unavailability(s, "1k"); }
void BM_UpdateUnavailability_16KiB(benchmark::State& s) { update_unavailability(s, "16k"); }
void BM_UpdateUnavailability_256KiB(benchmark::State& s) { update_unavailability(s, "256k"); }
BENCHMARK(BM_UpdateUnavailability_1KiB)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_UpdateUnavailability_16KiB)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_UpdateUnavailability_256KiB)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
