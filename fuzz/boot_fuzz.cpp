// boot_fuzz.cpp — libFuzzer target: booting from whatever the flash holds.
//
// The input is a store on the boot geometry (16 blocks of 1 KiB); seeds are
// real stores with the example modules' images (fuzz/store_seeds.cpp). Each
// input is booted twice: as it is (mutations mostly break a CRC: the
// fallbacks), and resealed (every CRC and commit marker made to check out
// again: mutated slots, manifests, versions and checkpoints are then taken as
// written and reach the decisions behind them). A boot: check_store, then
// boot_module_task for the mission's two module tasks (mathlib, beacon), as
// dynsched run does. Whatever the store holds:
//   - the boot decides without crashing; if the store is ours every task
//     boots, and it runs the module the mission names for it;
//   - refusing a store writes nothing;
//   - what the boot recorded is what booted, and the store mounts again;
//   - uninstalling everything returns every byte of module memory.
// No module code runs (the loader runs none; the tasks are never dispatched).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "dyn/boot.hpp"
#include "dynsched.h"
#include "fuzz_system.hpp"
#include "store_reseal.hpp"

namespace {

constexpr dyn::FlashGeometry kGeometry = dyn::fuzz::kBootGeometry;

struct MissionTask {
  const char* task;
  std::vector<std::byte> image;
  dyn::Time interval;
};

void boot_once(std::vector<std::byte> storage) {
  static const MissionTask mission[] = {
      {"mathlib", dyn::fuzz::module_object("mathlib", "mathlib"), 10 * dyn::kSecond},
      {"beacon", dyn::fuzz::module_object("beacon", "beacon"), dyn::kSecond},
  };
  const std::vector<std::byte> before = storage;
  dyn::RamFlash flash(storage, kGeometry);
  std::vector<dyn::StoreEntry> index(96);
  dyn::ModuleStore store(flash, index);
  dyn::StoreIdentity ours;
  (void)dyn::StoreIdentity::make("DYNSAT-1", "fuzz", &ours);
  const dyn::StoreCheck check = dyn::check_store(store, ours, false);
  if (!check.boots()) {
    if (storage != before) __builtin_trap();  // a refusal writes nothing
    return;
  }
  dyn::fuzz::System system;
  std::vector<std::byte> image_buffer(32 * 1024), checkpoint_buffer(4096);
  dyn::BootRestore restores[2] = {};
  for (std::size_t i = 0; i < 2; ++i) {
    dyn::ModuleBootRequest r;
    r.task = mission[i].task;
    r.spec.task.name = mission[i].task;
    r.spec.task.interval = mission[i].interval;
    r.spec.task.priority = 3;
    r.mission_image = mission[i].image;
    r.image_buffer = image_buffer;
    r.checkpoint_buffer = checkpoint_buffer;
    r.scratch = &system.scratch;
    r.restore_outcome = &restores[i];
    auto booted = dyn::boot_module_task(*system.tasks, &store, r);
    if (!booted) __builtin_trap();  // the mission's own image always installs
    const dyn::ModuleBootReport& b = booted.value();
    if (!b.entry || std::string_view(b.entry->module.descriptor->name) != mission[i].task) __builtin_trap();
    if (b.booted.name() != mission[i].task) __builtin_trap();
    if (!b.journal_failed && b.from != dyn::BootFrom::Committed) {
      auto c = store.committed(mission[i].task);  // the fallback is what the next boot starts from
      if (!c || !(c.value() == b.booted)) __builtin_trap();
    }
  }
  system.tasks->uninstall_all();
  if (system.memory.stats().total_bytes() != 0) __builtin_trap();
  std::vector<dyn::StoreEntry> again_index(96);
  dyn::ModuleStore again(flash, again_index);
  (void)again.mount();  // whatever the boot wrote, a later mount decides without crashing
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::byte> storage(kGeometry.size(), std::byte{0xFF});
  std::memcpy(storage.data(), data, size < storage.size() ? size : storage.size());
  boot_once(storage);
  dyn::fuzz::reseal(storage, kGeometry);
  boot_once(storage);
  return 0;
}
