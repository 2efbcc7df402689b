// power_cut_test.cpp — MCUboot's sweep over the whole system (issue 10, part 4).
//
// module_store_test.cpp sweeps the store's own operations. Here the writes
// are the ones the flight system makes: the update manager's journal during a
// live update, the boot's own writes (dropping an interrupted trial,
// recording a fallback), the first deploy of several tasks on a new store,
// and periodic checkpoints. For each, power is cut before every single flash
// operation in turn (the torn one completes partly, as on NOR), and then the
// spacecraft boots again through the real boot path (check_store, then
// boot_module_task for every task of the mission) and must:
//   - take the store as its own and boot every task from the store's
//     committed version: a power cut alone never needs a degraded boot;
//   - run: every task keeps its schedule, the beacon's state continues from
//     a checkpoint its version accepts, the kernel tables are consistent;
//   - read the same store on a second mount;
//   - finish what was cut (the update resumed, the boot completed) and boot
//     the result.
// Geometries include small ones whose writes have to collect garbage.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "delta_encoder.hpp"
#include "dyn/package_install.hpp"
#include "flight_boot.hpp"

namespace dyn {
namespace {

using test::beacon_v2;
using test::Booted;
using test::Flight;
using test::kMission;
using test::UpdatableSystem;

// What a boot found, for comparison across mounts.
struct StoreView {
  std::string committed[kMission.size()];
  std::string trial[kMission.size()];
  std::vector<std::byte> checkpoint[kMission.size()];
  friend bool operator==(const StoreView&, const StoreView&) = default;
};

std::string describe(Result<ModuleVersion, StoreError> v) {
  return v ? std::string(v.value().name()) + " v" + std::to_string(v.value().version) : "none";
}

StoreView view_of(ModuleStore& store) {
  StoreView v;
  for (std::size_t i = 0; i < kMission.size(); ++i) {
    v.committed[i] = describe(store.committed(kMission[i].task));
    v.trial[i] = describe(store.trial(kMission[i].task));
    std::vector<std::byte> bytes(8192);
    if (auto n = store.last_checkpoint(kMission[i].task, bytes)) v.checkpoint[i].assign(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n.value()));
  }
  return v;
}

// The checks every boot after a power cut must pass. Returns the beacon's version.
std::uint32_t check_boot_after_cut(Flash& flash, const std::string& where) {
  StoreView before;
  std::uint32_t version = 0;
  {
    Booted b(flash, false);
    EXPECT_EQ(b.check.verdict, StoreVerdict::Ours) << where << ": " << describe(b.check.verdict);
    EXPECT_TRUE(b.all_booted()) << where << ": " << b.booted << " of 3 tasks booted";
    if (!b.all_booted()) return 0;
    for (std::size_t i = 0; i < kMission.size(); ++i) {
      EXPECT_EQ(b.reports[i].from, BootFrom::Committed) << where << ": " << kMission[i].task << " was not booted "
                                                        << "from its committed version";
      EXPECT_EQ(b.reports[i].fallbacks, 0u) << where << ": " << kMission[i].task;
      EXPECT_FALSE(b.reports[i].checkpoint_unreadable) << where << ": " << kMission[i].task;
    }
    version = b.beacon().booted.version;
    EXPECT_TRUE(version == 1 || version == 2) << where << ": beacon v" << version;
    before = view_of(b.store);
    UpdatableSystem& s = *b.system;
    s.kernel->run_until(3 * kSecond);
    EXPECT_EQ(s.beacon_version(), version) << where;
    EXPECT_GE(s.beacon_word(0), 3u) << where << ": the beacon does not run";
    if (b.beacon().checkpoint) {
      EXPECT_EQ(b.restores[1], BootRestore::Restored) << where << ": beacon v" << version << " did not take the "
                                                      << "checkpoint the store gave it: " << to_string(b.restores[1]);
    }
    for (std::size_t i = 0; i < kMission.size(); ++i) {
      const Task* t = s.kernel->table().find_by_name(kMission[i].task);
      EXPECT_TRUE(t && t->stats.dispatches > 0) << where << ": " << kMission[i].task << " never ran";
      EXPECT_EQ(t ? t->stats.faults : 1u, 0u) << where << ": " << kMission[i].task;
    }
    EXPECT_TRUE(s.tables_consistent()) << where;
  }
  // A second mount reads the same store (booting wrote nothing: no fallback, no trial to drop).
  std::vector<StoreEntry> index(128);
  ModuleStore again(flash, index);
  EXPECT_TRUE(again.mount()) << where;
  const StoreView second = view_of(again);
  EXPECT_TRUE(second == before) << where << ": a second mount reads another store";
  return version;
}

// Runs an update of the beacon to v2 on a booted system; its outcome.
UpdateOutcome update_beacon(UpdatableSystem& s, ModuleStore& store) {
  s.updates->set_store(&store);
  s.start_worker();
  s.kernel->run_until(s.kernel->now() + 3 * kSecond);
  return s.update_to(beacon_v2(), 2, kMinute);
}

// After the check: the update is finished from whatever the cut left, and the result boots.
void resume_update(Flash& flash, std::uint32_t booted_version, const std::string& where) {
  {
    Booted b(flash, false);
    ASSERT_TRUE(b.all_booted()) << where;
    if (booted_version == 1) {
      ASSERT_EQ(update_beacon(*b.system, b.store), UpdateOutcome::Committed) << where << ": the resumed update";
    }
  }
  EXPECT_EQ(check_boot_after_cut(flash, where + " (resumed)"), 2u) << where;
  std::vector<StoreEntry> index(128);
  ModuleStore store(flash, index);
  ASSERT_TRUE(store.mount());
  std::uint32_t held[4];
  auto n = store.versions("beacon", held);
  ASSERT_TRUE(n) << where;
  ASSERT_GE(n.value(), 1u) << where;
  EXPECT_EQ(held[0], 2u) << where;
  if (booted_version == 1) {
    // The resumed update's commit removes what earlier cuts left behind.
    EXPECT_EQ(n.value(), 1u) << where << ": the store keeps " << n.value() << " beacon images after the update";
  } else {
    // A cut between the commit and the old image's removal leaves v1: a whole older version (a fallback),
    // removed by the next update's commit.
    EXPECT_LE(n.value(), 2u) << where;
    if (n.value() == 2) { EXPECT_EQ(held[1], 1u) << where; }
  }
}

// --- The sweeps -------------------------------------------------------------------

struct Geometry {
  const char* name;
  FlashGeometry geometry;
  std::uint8_t tear;       // fraction/256 of the torn operation that completes
  int filler;              // checkpoints written before the sweep so that its writes must collect garbage
};
void PrintTo(const Geometry& g, std::ostream* os) { *os << g.name; }

constexpr Geometry kGeometries[] = {
    {"roomy_4k_g8", {4096, 16, 8}, 128, 0},
    {"small_1k_g8_collects", {1024, 20, 8}, 40, 24},
    {"small_1k_g16_collects", {1024, 24, 16}, 250, 30},
};

// A new store, initialised, with the mission's first deploy and `filler` checkpoints.
Flight deployed(const Geometry& g) {
  Flight f(g.geometry, g.tear);
  Booted b(f.flash, true);
  EXPECT_EQ(b.check.verdict, StoreVerdict::Initialised);
  EXPECT_TRUE(b.all_booted());
  std::vector<std::byte> object(kCheckpointHeaderSize + 16, std::byte{0});
  EXPECT_TRUE(seal_checkpoint(object, "mathlib", 1, 0, 16));
  for (int i = 0; i < g.filler; ++i) EXPECT_TRUE(b.store.put_checkpoint("mathlib", object));
  return f;
}

class PowerCut : public ::testing::TestWithParam<Geometry> {};

// The update manager's journal: the new image, the trial, the checkpoint, the
// commit, the old image's removal — while the system runs.
TEST_P(PowerCut, ALiveUpdateCutAtAnyFlashOperationBootsTheOldOrTheNewVersionAndCanBeResumed) {
  const Geometry& g = GetParam();
  const Flight base = deployed(g);
  std::uint64_t operations = 0;
  {
    Flight f(base, g.tear, 1);
    Booted b(f.flash, false);
    ASSERT_TRUE(b.all_booted());
    const std::uint64_t before = f.flash.operations();
    ASSERT_EQ(update_beacon(*b.system, b.store), UpdateOutcome::Committed);
    operations = f.flash.operations() - before;
    if (g.filler > 0) { EXPECT_GT(b.store.stats().collections, 0u) << "the update was meant to collect garbage"; }
  }
  ASSERT_GT(operations, 4u);
  std::uint32_t v1 = 0, v2 = 0;
  for (std::uint64_t k = 0; k <= operations; ++k) {
    const std::string where = std::string(g.name) + ": update cut after " + std::to_string(k) + " of " +
                              std::to_string(operations) + " operations";
    Flight f(base, static_cast<std::uint8_t>(g.tear + 37 * k), static_cast<std::uint32_t>(k * 7919 + 1));
    {
      Booted b(f.flash, false);
      ASSERT_TRUE(b.all_booted()) << where;
      f.flash.cut_power_after(static_cast<std::uint32_t>(k));
      (void)update_beacon(*b.system, b.store);  // the cut stops the journal; the system in RAM is lost
    }
    f.flash.power_on();
    const std::uint32_t version = check_boot_after_cut(f.flash, where);
    (version == 2 ? v2 : v1)++;
    resume_update(f.flash, version, where);
    if (::testing::Test::HasFailure()) break;  // one report, not hundreds
  }
  EXPECT_GT(v1, 0u);
  EXPECT_GT(v2, 0u) << "a cut after the commit keeps the new version";
  std::printf("[ sweep    ] %-22s live update: %llu operations, boots into v1 %u, v2 %u\n", g.name,
              static_cast<unsigned long long>(operations), v1, v2);
}

// The boot's own writes. Three stores that make the boot write: an
// interrupted update to drop (revert, remove its image), a damaged committed
// image with an older version to fall back to (set_committed), and one with
// none (the mission's image stored, then set_committed). A cut at any of
// those writes, then a boot without one: it boots, and records what booted.
enum class BootWrites { DropTrial, FallBackToOlder, FallBackToMission };

Flight store_that_makes_boot_write(const Geometry& g, BootWrites kind) {
  Flight f = deployed(g);
  std::vector<StoreEntry> index(128);
  ModuleStore store(f.flash, index);
  EXPECT_TRUE(store.mount());
  EXPECT_TRUE(store.put_image("beacon", 2, beacon_v2()));
  EXPECT_TRUE(store.set_trial("beacon", "beacon", 2));
  if (kind == BootWrites::DropTrial) return f;  // power went before the commit
  EXPECT_TRUE(store.commit("beacon"));
  if (kind == BootWrites::FallBackToMission) {
    EXPECT_TRUE(store.remove_image("beacon", 1));
  }
  EXPECT_TRUE(test::damage(f.storage, beacon_v2(), beacon_v2().size() / 2)) << "v2 is on the flash";
  return f;
}

const char* name_of(BootWrites k) {
  switch (k) {
    case BootWrites::DropTrial: return "drop an interrupted trial";
    case BootWrites::FallBackToOlder: return "fall back to an older version";
    case BootWrites::FallBackToMission: return "fall back to the mission's image";
  }
  return "?";
}

TEST_P(PowerCut, TheBootsOwnWritesCutAtAnyOperationLeaveAStoreThatBoots) {
  const Geometry& g = GetParam();
  for (BootWrites kind : {BootWrites::DropTrial, BootWrites::FallBackToOlder, BootWrites::FallBackToMission}) {
    const Flight base = store_that_makes_boot_write(g, kind);
    std::uint64_t operations = 0;
    {
      Flight f(base, g.tear, 1);
      Booted b(f.flash, false);
      ASSERT_TRUE(b.all_booted()) << name_of(kind);
      EXPECT_EQ(b.beacon().booted.version, 1u) << name_of(kind);
      EXPECT_FALSE(b.beacon().journal_failed) << name_of(kind);
      operations = f.flash.operations();
    }
    ASSERT_GT(operations, 0u) << name_of(kind) << ": this boot was meant to write";
    for (std::uint64_t k = 0; k <= operations; ++k) {
      const std::string where = std::string(g.name) + ": " + name_of(kind) + ", cut after " + std::to_string(k) +
                                " of " + std::to_string(operations);
      // The mount only reads: power is cut at the boot's k-th write. What booted runs in RAM regardless.
      Flight cut(base, static_cast<std::uint8_t>(g.tear + 53 * k), static_cast<std::uint32_t>(k * 104729 + 3));
      cut.flash.cut_power_after(static_cast<std::uint32_t>(k));
      {
        Booted b(cut.flash, false);
        EXPECT_TRUE(b.all_booted()) << where << ": a cut during the boot's writes stopped the boot";
        if (b.all_booted()) { EXPECT_EQ(b.beacon().booted.version, 1u) << where; }
      }
      cut.flash.power_on();
      // The next boot completes what was cut; the one after starts from its committed version.
      {
        Booted b(cut.flash, false);
        ASSERT_TRUE(b.all_booted()) << where << " (next boot)";
        EXPECT_EQ(b.beacon().booted.version, 1u) << where << " (next boot)";
        EXPECT_FALSE(b.beacon().journal_failed) << where << " (next boot)";
        b.system->kernel->run_until(3 * kSecond);
        EXPECT_GE(b.system->beacon_word(0), 3u) << where << " (next boot): the beacon does not run";
      }
      EXPECT_EQ(check_boot_after_cut(cut.flash, where + " (boot after)"), 1u);
      if (::testing::Test::HasFailure()) return;
    }
    std::printf("[ sweep    ] %-22s boot writes to %s: %llu operations\n", g.name, name_of(kind),
                static_cast<unsigned long long>(operations));
  }
}

// A new store: initialised (--store-init), then the first deploy of three tasks.
TEST_P(PowerCut, TheFirstDeployOfSeveralTasksCutAnywhereBootsOnceTheOperatorInitialisesAgain) {
  const Geometry& g = GetParam();
  std::uint64_t operations = 0;
  {
    Flight f(g.geometry, g.tear);
    Booted b(f.flash, true);
    ASSERT_TRUE(b.all_booted());
    for (const auto& r : b.reports) {
      EXPECT_EQ(r.from, BootFrom::FirstDeploy);
      EXPECT_FALSE(r.slot_lost) << "a real first deploy is not a lost record";
    }
    operations = f.flash.operations();
  }
  std::uint32_t refused = 0, taken = 0;
  for (std::uint64_t k = 0; k <= operations; ++k) {
    const std::string where = std::string(g.name) + ": first deploy cut after " + std::to_string(k) + " of " +
                              std::to_string(operations);
    Flight f(g.geometry, static_cast<std::uint8_t>(g.tear + 29 * k));
    f.flash.set_tear(static_cast<std::uint8_t>(g.tear + 29 * k), static_cast<std::uint32_t>(k + 7));
    f.flash.cut_power_after(static_cast<std::uint32_t>(k));
    { Booted b(f.flash, true); }
    f.flash.power_on();
    {
      // The next boot without --store-init: the store is ours, or it is refused (never taken half-made).
      Booted b(f.flash, false);
      if (b.check.verdict != StoreVerdict::Ours) {
        EXPECT_TRUE(b.check.verdict == StoreVerdict::Blank || b.check.verdict == StoreVerdict::Unrecognised ||
                    b.check.verdict == StoreVerdict::NoIdentity)
            << where << ": " << describe(b.check.verdict);
        ++refused;
        Booted init(f.flash, true);  // the operator initialises it again
        ASSERT_EQ(init.check.verdict, StoreVerdict::Initialised) << where;
        ASSERT_TRUE(init.all_booted()) << where;
      } else {
        ++taken;
        ASSERT_TRUE(b.all_booted()) << where;
        for (std::size_t i = 0; i < kMission.size(); ++i) {
          EXPECT_TRUE(b.reports[i].from == BootFrom::FirstDeploy || b.reports[i].from == BootFrom::Committed)
              << where << ": " << kMission[i].task;
          EXPECT_EQ(b.reports[i].booted.version, 1u) << where;
        }
      }
    }
    EXPECT_EQ(check_boot_after_cut(f.flash, where + " (boot after)"), 1u);
    if (::testing::Test::HasFailure()) return;
  }
  EXPECT_GT(refused, 0u) << "a cut during the initialisation leaves a store without identity";
  EXPECT_GT(taken, 0u);
  std::printf("[ sweep    ] %-22s first deploy: %llu operations, %u refused until initialised, %u taken\n", g.name,
              static_cast<unsigned long long>(operations), refused, taken);
}

// Periodic checkpoints outside an update (every 5 s): a cut at any of their
// writes leaves the previous checkpoint or the new one, whole, and the
// beacon continues from it.
TEST_P(PowerCut, APeriodicCheckpointCutAtAnyOperationLeavesTheLastOneOrTheOneBefore) {
  const Geometry& g = GetParam();
  const Flight base = deployed(g);
  auto run_with_checkpoints = [](Booted& b, Time until) {
    b.system->updates->set_store(&b.store);
    b.system->updates->set_checkpoint_period(5 * kSecond);
    b.system->start_worker();
    b.system->kernel->run_until(until);
  };
  // Checkpoints at 5, 10 and 15 s; the sweep cuts the ones at 20 and 25 s.
  Flight warm(base, g.tear, 1);
  std::uint32_t at_15s = 0;
  {
    Booted b(warm.flash, false);
    ASSERT_TRUE(b.all_booted());
    run_with_checkpoints(b, 17 * kSecond);
    at_15s = test::checkpointed_sequence(b.store, "beacon");
  }
  ASSERT_GE(at_15s, 15u);
  std::uint64_t operations = 0;
  std::uint32_t collections = 0;
  {
    Flight f(warm, g.tear, 1);
    Booted b(f.flash, false);
    ASSERT_TRUE(b.all_booted());
    const std::uint64_t before = f.flash.operations();
    run_with_checkpoints(b, 27 * kSecond);
    operations = f.flash.operations() - before;
    collections = b.store.stats().collections;
  }
  ASSERT_GT(operations, 0u);
  for (std::uint64_t k = 0; k <= operations; ++k) {
    const std::string where = std::string(g.name) + ": periodic checkpoints cut after " + std::to_string(k) + " of " +
                              std::to_string(operations);
    Flight f(warm, static_cast<std::uint8_t>(g.tear + 41 * k), static_cast<std::uint32_t>(k * 31 + 5));
    {
      Booted b(f.flash, false);
      ASSERT_TRUE(b.all_booted()) << where;
      f.flash.cut_power_after(static_cast<std::uint32_t>(k));
      run_with_checkpoints(b, 27 * kSecond);
    }
    f.flash.power_on();
    {
      std::vector<StoreEntry> index(128);
      ModuleStore store(f.flash, index);
      ASSERT_TRUE(store.mount()) << where;
      // The boot above restored at_15s's checkpoint, ran from it and checkpointed again: later ones are higher.
      const std::uint32_t seq = test::checkpointed_sequence(store, "beacon");
      EXPECT_GE(seq, at_15s) << where << ": the checkpoint went back";
    }
    EXPECT_EQ(check_boot_after_cut(f.flash, where), 1u);
    if (::testing::Test::HasFailure()) return;
  }
  std::printf("[ sweep    ] %-22s periodic checkpoints: %llu operations, %u collections\n", g.name,
              static_cast<unsigned long long>(operations), collections);
}

// Anti-replay: the number an update package carries, recorded before the
// package is installed (set_accepted_sequence: two records). A cut at any of
// its flash operations — on the collecting geometries the recording has to
// collect garbage first — leaves the old number or the new one, never a lower
// one and never an unreadable counter, the spacecraft boots, and the next
// package's number is taken.
TEST_P(PowerCut, RecordingAnAcceptedPackageNumberCutAtAnyOperationKeepsTheOldOrTheNewNumber) {
  const Geometry& g = GetParam();
  constexpr std::uint64_t kOld = 0x1'0000'0041ull, kNew = kOld + 1;  // wider than 32 bits
  Flight base = deployed(g);
  auto recording = [&](const Flight& from, std::uint32_t* collections) {
    Flight f(from, g.tear, 1);
    std::vector<StoreEntry> index(128);
    ModuleStore store(f.flash, index);
    EXPECT_TRUE(store.mount());
    const std::uint64_t before = f.flash.operations();
    EXPECT_TRUE(store.set_accepted_sequence(kNew));
    *collections = store.stats().collections;
    return f.flash.operations() - before;
  };
  {
    std::vector<StoreEntry> index(128);
    ModuleStore store(base.flash, index);
    ASSERT_TRUE(store.mount());
    ASSERT_TRUE(store.set_accepted_sequence(kOld));
    // On the small geometries: checkpoints until the recording has to collect.
    std::vector<std::byte> object(kCheckpointHeaderSize + 16, std::byte{0});
    ASSERT_TRUE(seal_checkpoint(object, "mathlib", 1, 0, 16));
    std::uint32_t collections = 0;
    for (int i = 0; g.filler > 0 && i < 400; ++i) {
      (void)recording(base, &collections);
      if (collections > 0) break;
      ASSERT_TRUE(store.put_checkpoint("mathlib", object));
    }
  }
  std::uint32_t collections = 0;
  const std::uint64_t operations = recording(base, &collections);
  if (g.filler > 0) { EXPECT_GT(collections, 0u) << "the recording was meant to collect garbage"; }
  ASSERT_GT(operations, 0u);
  std::uint32_t old_number = 0, new_number = 0;
  for (std::uint64_t k = 0; k <= operations; ++k) {
    const std::string where = std::string(g.name) + ": accepted number cut after " + std::to_string(k) + " of " +
                              std::to_string(operations);
    Flight f(base, static_cast<std::uint8_t>(g.tear + 43 * k), static_cast<std::uint32_t>(k * 7 + 11));
    {
      std::vector<StoreEntry> index(128);
      ModuleStore store(f.flash, index);
      ASSERT_TRUE(store.mount()) << where;
      f.flash.cut_power_after(static_cast<std::uint32_t>(k));
      (void)store.set_accepted_sequence(kNew);  // k == operations: nothing is cut
    }
    f.flash.power_on();
    std::uint64_t number = 0;
    {
      std::vector<StoreEntry> index(128);
      ModuleStore store(f.flash, index);
      ASSERT_TRUE(store.mount()) << where;
      auto v = store.accepted_sequence();
      ASSERT_TRUE(v) << where << ": " << describe(v.error().code);
      number = v.value();
      ASSERT_TRUE(number == kOld || number == kNew) << where << ": read " << number;
      (number == kNew ? new_number : old_number)++;
    }
    EXPECT_EQ(check_boot_after_cut(f.flash, where), 1u);
    {
      // The package is sent again (or the next one): refused if it was recorded, taken if not; then the next.
      Booted b(f.flash, false);
      ASSERT_TRUE(b.all_booted()) << where;
      EXPECT_EQ(b.store.accepted_sequence().value(), number) << where << ": the boot changed the number";
      auto again = b.store.set_accepted_sequence(kNew);
      EXPECT_EQ(static_cast<bool>(again), number == kOld) << where;
      if (!again) {
        EXPECT_EQ(again.error().code, StoreErrc::Stale) << where;
        EXPECT_EQ(again.error().sequence, kNew) << where;
      }
      ASSERT_TRUE(b.store.set_accepted_sequence(kNew + 1)) << where;
    }
    std::vector<StoreEntry> index(128);
    ModuleStore store(f.flash, index);
    ASSERT_TRUE(store.mount()) << where;
    EXPECT_EQ(store.accepted_sequence().value(), kNew + 1) << where;
    if (::testing::Test::HasFailure()) return;
  }
  EXPECT_GT(old_number, 0u);
  EXPECT_GT(new_number, 0u);
  std::printf("[ sweep    ] %-22s accepted number: %llu operations, %u collections, old %u / new %u\n", g.name,
              static_cast<unsigned long long>(operations), collections, old_number, new_number);
}

// An update that arrives as a delta package (HMAC): the core's flight
// decision records its sequence number, then the update manager journals the
// new version. A cut at any flash operation of all of it boots v1 or v2,
// with the old or the new number; the ground's next package (the same one,
// if its number was not recorded) completes the update.
const std::vector<std::byte> kPackageKey(32, std::byte{0x3C});

std::vector<std::byte> beacon_delta_package(std::uint64_t sequence) {
  const auto& base = test::mission_image(1);  // beacon v1, what the task runs
  const auto delta = cli::encode_delta(base, beacon_v2());
  PackageManifest m;
  EXPECT_TRUE(m.set_name("beacon"));
  m.kind = PayloadKind::ModuleDelta;
  m.has_base = true;
  m.base_digest = package_digest(base);
  m.result_version = 2;
  m.result_size = static_cast<std::uint32_t>(beacon_v2().size());
  m.result_digest = package_digest(beacon_v2());
  m.sequence = sequence;
  std::vector<std::byte> p(package_size(AuthMode::HmacSha256, m, delta.size()));
  const std::size_t n = write_package_body(AuthMode::HmacSha256, m, delta, p);
  EXPECT_EQ(n, p.size());
  const std::size_t body = n - package_format::kHmacTagSize;
  const HmacSha256Tag tag = HmacSha256::of(kPackageKey, std::span(p).first(body));
  std::memcpy(p.data() + body, tag.data(), package_format::kHmacTagSize);
  return p;
}

// Sends the package to the booted system and runs the update; its outcome (None if refused).
UpdateOutcome package_update_beacon(UpdatableSystem& s, ModuleStore& store, const std::vector<std::byte>& package) {
  s.updates->set_store(&store);
  s.start_worker();
  s.kernel->run_until(s.kernel->now() + 3 * kSecond);
  const HmacPackageVerifier verifier(kPackageKey);
  PackageTarget target;
  target.running_module = "beacon";
  target.base_image = test::mission_image(1);
  std::vector<std::byte> rebuilt(64 * 1024);
  target.result_buffer = rebuilt;
  UpdateRequest r;
  r.task = "beacon";
  r.quiesce_timeout = 30 * kSecond;
  r.probation_points = 2;
  r.probation_time = kMinute;
  host::VectorBootScratch scratch;
  const std::uint64_t before = s.updates->completed();
  if (!request_package_update(*s.updates, &store, package, verifier, target, r, scratch)) return UpdateOutcome::None;
  while (s.updates->completed() == before) s.kernel->run_for(kSecond);
  return s.updates->last().outcome;
}

TEST_P(PowerCut, ADeltaPackageCutAtAnyFlashOperationBootsTheOldOrTheNewVersionAndTheNextPackageCompletesIt) {
  const Geometry& g = GetParam();
  const Flight base = deployed(g);
  constexpr std::uint64_t kSequence = 7;
  const auto package = beacon_delta_package(kSequence);
  std::uint64_t operations = 0;
  {
    Flight f(base, g.tear, 1);
    Booted b(f.flash, false);
    ASSERT_TRUE(b.all_booted());
    const std::uint64_t before = f.flash.operations();
    ASSERT_EQ(package_update_beacon(*b.system, b.store, package), UpdateOutcome::Committed);
    operations = f.flash.operations() - before;
  }
  ASSERT_GT(operations, 4u);
  std::uint32_t v1 = 0, v2 = 0, recorded = 0;
  for (std::uint64_t k = 0; k <= operations; ++k) {
    const std::string where = std::string(g.name) + ": package cut after " + std::to_string(k) + " of " +
                              std::to_string(operations) + " operations";
    Flight f(base, static_cast<std::uint8_t>(g.tear + 29 * k), static_cast<std::uint32_t>(k * 104729 + 3));
    {
      Booted b(f.flash, false);
      ASSERT_TRUE(b.all_booted()) << where;
      f.flash.cut_power_after(static_cast<std::uint32_t>(k));
      (void)package_update_beacon(*b.system, b.store, package);
    }
    f.flash.power_on();
    const std::uint32_t version = check_boot_after_cut(f.flash, where);
    (version == 2 ? v2 : v1)++;
    std::uint64_t number = 0;
    {
      std::vector<StoreEntry> index(128);
      ModuleStore store(f.flash, index);
      ASSERT_TRUE(store.mount()) << where;
      auto v = store.accepted_sequence();
      ASSERT_TRUE(v || v.error().code == StoreErrc::NotFound) << where << ": " << describe(v.error().code);
      number = v ? v.value() : 0;
      ASSERT_TRUE(number == 0 || number == kSequence) << where;
      if (version == 2) { EXPECT_EQ(number, kSequence) << where << ": v2 runs, but its package's number was lost"; }
      recorded += number == kSequence ? 1 : 0;
    }
    if (version == 1) {
      // The ground sends it again: the same package if its number was not recorded, else the next.
      Booted b(f.flash, false);
      ASSERT_TRUE(b.all_booted()) << where;
      const auto next = beacon_delta_package(number == kSequence ? kSequence + 1 : kSequence);
      ASSERT_EQ(package_update_beacon(*b.system, b.store, next), UpdateOutcome::Committed) << where;
    }
    EXPECT_EQ(check_boot_after_cut(f.flash, where + " (completed)"), 2u) << where;
    if (::testing::Test::HasFailure()) break;
  }
  EXPECT_GT(v1, 0u);
  EXPECT_GT(v2, 0u);
  std::printf("[ sweep    ] %-22s delta package: %llu operations, boots into v1 %u, v2 %u; number recorded %u\n",
              g.name, static_cast<unsigned long long>(operations), v1, v2, recorded);
}

INSTANTIATE_TEST_SUITE_P(Geometries, PowerCut, ::testing::ValuesIn(kGeometries),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

}  // namespace
}  // namespace dyn
