// boot_bench.cpp — booting from the store (issue 10): 16 module tasks with
// their checkpoints, and what a degraded boot adds.
//
// A store on RAM flash (64 blocks of 64 KiB, the host's layout) holds
// mathlib and 15 beacon tasks (beacon v2 committed, each with a checkpoint).
// One iteration is a whole boot: check_store() (mount, identity) then
// boot_module_task() for every task (read the image back with its CRCs,
// load, link, stage the checkpoint), then everything is uninstalled again.
// BM_Boot_Degraded: the committed image of one beacon is damaged, so that
// task falls back to the mission's image (and records it) — the figure minus
// BM_Boot is what the fallback costs.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <string>
#include <vector>

#include "dyn/boot.hpp"
#include "dyn/checkpoint.hpp"
#include "host_module_system.hpp"
#include "module_report.hpp"

#ifndef DYN_MODULES_DIR
#error "DYN_MODULES_DIR must name the directory of the example modules"
#endif

namespace {

using namespace dyn;

constexpr int kBeacons = 15;

std::vector<std::byte> module(const char* dir, const char* name) {
  return cli::read_file(std::string(DYN_MODULES_DIR) + "/" + dir + "/" + name + ".o");
}

void boot(benchmark::State& state, bool degraded) {
  const auto mathlib = module("mathlib", "mathlib");
  const auto v1 = module("beacon", "beacon");
  const auto v2 = module("beacon", "beacon_v2");
  const FlashGeometry geometry{64 * 1024, 64, 8};
  std::vector<std::byte> storage(geometry.size(), std::byte{0xFF});
  RamFlash flash(storage, geometry);
  std::vector<StoreEntry> index(1024);
  ModuleStore store(flash, index);
  StoreIdentity ours;
  (void)StoreIdentity::make("DYNSAT-1", "bench", &ours);
  if (!check_store(store, ours, true).boots()) {
    state.SkipWithError("cannot initialise the store");
    return;
  }
  std::vector<std::byte> checkpoint(kCheckpointHeaderSize + 28, std::byte{0});
  (void)seal_checkpoint(checkpoint, "beacon", 2, 2, 28);
  auto record = [&](const std::string& task, const char* name, std::uint32_t version, const std::vector<std::byte>& image) {
    (void)store.put_image(name, version, image);
    (void)store.set_trial(task, name, version);
    (void)store.commit(task);
  };
  record("mathlib", "mathlib", 1, mathlib);
  for (int i = 0; i < kBeacons; ++i) {
    const std::string task = "beacon_" + std::to_string(i);
    record(task, "beacon", 2, v2);
    (void)store.put_checkpoint(task, checkpoint);
  }
  if (degraded) {  // one bit of the (shared) beacon v2 image: every beacon falls back
    auto hit = std::search(storage.begin(), storage.end(), v2.begin() + 512, v2.begin() + 576);
    if (hit == storage.end()) {
      state.SkipWithError("image not found on flash");
      return;
    }
    *(hit + 3) ^= std::byte{1};
  }
  const std::vector<std::byte> start = storage;
  std::vector<std::byte> image_buffer(geometry.size());
  std::vector<std::byte> checkpoint_buffer(64 * 1024);
  KernelConfig config;
  config.preemption_ticks = false;
  std::vector<BootRestore> outcomes(kBeacons + 1);
  std::size_t fallbacks = 0;
  for (auto _ : state) {
    state.PauseTiming();
    storage = start;  // every iteration boots the same flash (a degraded boot rewrites it)
    host::ModuleSystem system(32, config);
    state.ResumeTiming();
    if (!check_store(store, ours, false).boots()) state.SkipWithError("store refused");
    for (int i = -1; i < kBeacons; ++i) {
      const std::string task = i < 0 ? "mathlib" : "beacon_" + std::to_string(i);
      ModuleBootRequest r;
      r.task = task;
      r.spec.task.name = task.c_str();
      r.spec.task.interval = kSecond;
      r.mission_image = i < 0 ? std::span<const std::byte>(mathlib) : std::span<const std::byte>(v1);
      r.image_buffer = image_buffer;
      r.checkpoint_buffer = checkpoint_buffer;
      r.scratch = &system.scratch;
      r.restore_outcome = &outcomes[static_cast<std::size_t>(i + 1)];
      auto b = boot_module_task(*system.tasks, &store, r);
      if (!b) {
        state.SkipWithError("a task did not boot");
        break;
      }
      fallbacks += b.value().fallbacks;
    }
    state.PauseTiming();
    system.tasks->uninstall_all();
    state.ResumeTiming();
  }
  state.counters["tasks"] = kBeacons + 1;
  state.counters["fallbacks_per_boot"] =
      static_cast<double>(fallbacks) / static_cast<double>(state.iterations() ? state.iterations() : 1);
}

void BM_Boot(benchmark::State& state) { boot(state, false); }
void BM_Boot_Degraded(benchmark::State& state) { boot(state, true); }
BENCHMARK(BM_Boot)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Boot_Degraded)->Unit(benchmark::kMillisecond);

}  // namespace
