// flight_boot.hpp — a spacecraft that boots from its store the way a flight
// port does: the mission (mathlib, beacon and attitude: two jobs and a loop),
// its flash (which outlives every power cut), and one boot through
// check_store and boot_module_task for every task. For the power-cut and
// bit-flip tests.
#pragma once

#include <array>
#include <memory>
#include <vector>

#include "dyn/boot.hpp"
#include "dyn/checkpoint.hpp"
#include "host_boot_scratch.hpp"
#include "updatable_system.hpp"

namespace dyn::test {

// --- The mission: three module tasks --------------------------------------------

struct MissionTask {
  const char* task;
  const char* dir;
  const char* module;
  RunModel model;
  Time interval;
  std::uint8_t priority;
};

constexpr std::array<MissionTask, 3> kMission{{
    {"mathlib", "mathlib", "mathlib", RunModel::Job, 10 * kSecond, 3},
    {"beacon", "beacon", "beacon", RunModel::Job, kSecond, 2},
    {"attitude", "attitude", "attitude", RunModel::Loop, 0, 4},
}};

inline const std::vector<std::byte>& mission_image(std::size_t i) {
  static const std::array<std::vector<std::byte>, 3> images{
      module_image(kMission[0].dir, kMission[0].module), module_image(kMission[1].dir, kMission[1].module),
      module_image(kMission[2].dir, kMission[2].module)};
  return images[i];
}
inline const std::vector<std::byte>& beacon_v2() {
  static const std::vector<std::byte> image = module_image("beacon", "beacon_v2");
  return image;
}

inline StoreIdentity ours() {
  StoreIdentity id;
  EXPECT_TRUE(StoreIdentity::make("sweep-sat", "power-cut", &id));
  return id;
}

// --- The spacecraft's flash: survives every power cut and reboot ---------------------------

struct Flight {
  Flight(FlashGeometry g, std::uint8_t tear) : geometry(g), storage(g.size(), std::byte{0xFF}), flash(storage, g) {
    flash.set_tear(tear, 1);
  }
  // The same flash contents on a new part (the sweep restarts from a snapshot).
  Flight(const Flight& from, std::uint8_t tear, std::uint32_t seed)
      : geometry(from.geometry), storage(from.storage), flash(storage, geometry) {
    flash.set_tear(tear, seed);
  }
  FlashGeometry geometry;
  std::vector<std::byte> storage;
  RamFlash flash;
};

// --- One boot: the store checked, every task booted from it ---------------------

struct Booted {
  Booted(Flash& flash, bool may_initialise) : store(flash, index) {
    check = check_store(store, ours(), may_initialise);
    if (!check.boots()) return;
    system = std::make_unique<UpdatableSystem>();
    for (std::size_t i = 0; i < kMission.size(); ++i) {
      const MissionTask& t = kMission[i];
      ModuleBootRequest r;
      r.task = t.task;
      r.spec.task.name = t.task;
      r.spec.task.model = t.model;
      r.spec.task.interval = t.interval;
      r.spec.task.priority = t.priority;
      r.mission_image = mission_image(i);
      r.image_buffer = image_buffer;
      r.checkpoint_buffer = checkpoint_buffer;
      r.scratch = &scratch;
      r.restore_outcome = &restores[i];
      auto b = boot_module_task(*system->tasks, &store, r);
      if (!b) return;
      reports[i] = b.value();
      ++booted;
    }
  }
  bool all_booted() const { return check.boots() && booted == kMission.size(); }
  const ModuleBootReport& beacon() const { return reports[1]; }

  std::vector<StoreEntry> index = std::vector<StoreEntry>(128);
  ModuleStore store;
  StoreCheck check;
  std::vector<std::byte> image_buffer = std::vector<std::byte>(64 * 1024);
  std::vector<std::byte> checkpoint_buffer = std::vector<std::byte>(8192);
  host::VectorBootScratch scratch;
  std::array<ModuleBootReport, kMission.size()> reports{};
  std::array<BootRestore, kMission.size()> restores{};
  std::size_t booted = 0;
  std::unique_ptr<UpdatableSystem> system;
};

}  // namespace dyn::test
