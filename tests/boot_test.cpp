// boot_test.cpp — the store always boots something (issue 10, part 2).
//
// A committed image that no longer reads back, that does not load, or that is
// not the module the mission runs: the task boots the next good version the
// store holds, else the mission's own image — loudly, and recorded so the
// next boot starts from it. The rest of the system boots as usual.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "dyn/boot.hpp"
#include "host_boot_scratch.hpp"
#include "updatable_system.hpp"

namespace dyn {
namespace {

using test::damage;
using test::module_image;
using test::UpdatableSystem;

struct Boot {
  Boot() { EXPECT_TRUE(ram.store.mount()); }
  Result<ModuleBootReport, ModuleBootError> run(UpdatableSystem& s, const char* task, const std::vector<std::byte>& mission) {
    ModuleBootRequest r;
    r.task = task;
    r.spec.task.name = task;
    r.spec.task.priority = 2;
    r.spec.task.interval = kSecond;
    r.mission_image = mission;
    r.image_buffer = image_buffer;
    r.checkpoint_buffer = checkpoint_buffer;
    r.scratch = &scratch;
    r.restore_outcome = &outcome;
    return boot_module_task(*s.tasks, &ram.store, r);
  }
  test::RamStore ram{FlashGeometry{4096, 64, 8}};
  std::vector<std::byte> image_buffer = std::vector<std::byte>(256 * 1024);
  std::vector<std::byte> checkpoint_buffer = std::vector<std::byte>(8192);
  host::VectorBootScratch scratch;
  BootRestore outcome = BootRestore::None;
};

void commit(ModuleStore& store, const char* task, const char* name, std::uint32_t v, const std::vector<std::byte>& image) {
  ASSERT_TRUE(store.put_image(name, v, image));
  ASSERT_TRUE(store.set_trial(task, name, v));
  ASSERT_TRUE(store.commit(task));
}

// A checkpoint of beacon `version`: a 24-byte state of `fill` bytes.
void put_beacon_checkpoint(ModuleStore& store, std::uint32_t version, std::byte fill) {
  std::vector<std::byte> object(kCheckpointHeaderSize + 24, fill);
  ASSERT_TRUE(seal_checkpoint(object, "beacon", version, 1, 24));
  ASSERT_TRUE(store.put_checkpoint("beacon", object));
}

// Flips bit `mask` at byte `at` of the one slot record whose data says
// "committed beacon `version`, no trial" (docs/store.md's 76-byte layout).
void flip_in_committed_slot(std::vector<std::byte>& flash, std::uint32_t version, std::size_t at, std::byte mask) {
  std::vector<std::byte> slot(76, std::byte{0});
  slot[0] = std::byte{1};
  slot[1] = std::byte{6};
  slot[4] = static_cast<std::byte>(version);
  std::memcpy(slot.data() + 12, "beacon", 6);
  auto hit = std::search(flash.begin(), flash.end(), slot.begin(), slot.end());
  ASSERT_NE(hit, flash.end());
  ASSERT_EQ(std::search(hit + 1, flash.end(), slot.begin(), slot.end()), flash.end()) << "one such record";
  *(hit + static_cast<std::ptrdiff_t>(at)) ^= mask;
}

TEST(DegradedBoot, ADamagedCommittedImageBootsTheNextGoodVersionLoudlyAndRecordsIt) {
  Boot b;
  const auto v1 = module_image("beacon", "beacon");
  const auto v2 = module_image("beacon", "beacon_v2");
  ASSERT_TRUE(b.ram.store.put_image("beacon", 1, v1));
  commit(b.ram.store, "beacon", "beacon", 2, v2);
  ASSERT_TRUE(damage(b.ram.storage, v2, v2.size() / 2));
  UpdatableSystem s;
  ASSERT_NE(s.install("mathlib", "mathlib", "mathlib", 3, 10 * kSecond, 0), nullptr);
  auto r = b.run(s, "beacon", v1);
  ASSERT_TRUE(r);
  EXPECT_EQ(r.value().from, BootFrom::OtherVersion);
  EXPECT_EQ(r.value().booted.version, 1u);
  EXPECT_EQ(r.value().fallbacks, 1u);
  EXPECT_TRUE(std::equal(r.value().image.begin(), r.value().image.end(), v1.begin(), v1.end()))
      << "the report's image is the one that booted (what a delta package applies to)";
  EXPECT_EQ(b.ram.store.committed("beacon").value().version, 1u) << "the next boot starts from what booted";
  s.kernel->run_until(3 * kSecond);
  EXPECT_EQ(s.beacon_version(), 1u);
  EXPECT_GE(s.beacon_word(0), 2u) << "it runs";
}

// Scratch whose n-th loan finds no memory (a passing shortage); the others lend.
class ShortOnceScratch final : public BootScratch {
 public:
  explicit ShortOnceScratch(int short_call) : short_call_(short_call) {}
  LoaderScratch for_image(std::span<const std::byte> image) noexcept override {
    short_ = calls_++ == short_call_;
    return short_ ? LoaderScratch{} : inner_.for_image(image);
  }
  bool short_of_memory() const noexcept override { return short_; }

 private:
  host::VectorBootScratch inner_;
  int short_call_;
  int calls_ = 0;
  bool short_ = false;
};

// A committed version that could not be loaded for want of memory is no
// fault of its own: what boots instead is not recorded, and the next boot
// tries the committed version again.
TEST(DegradedBoot, AShortageOfMemoryBootsAnotherVersionWithoutDemotingTheCommittedOne) {
  Boot b;
  ShortOnceScratch scratch(1);  // loan 0: the mission image's name (module_in); loan 1: the committed version
  const auto v1 = module_image("beacon", "beacon");
  const auto v2 = module_image("beacon", "beacon_v2");
  ASSERT_TRUE(b.ram.store.put_image("beacon", 1, v1));
  commit(b.ram.store, "beacon", "beacon", 2, v2);
  UpdatableSystem s;
  ASSERT_NE(s.install("mathlib", "mathlib", "mathlib", 3, 10 * kSecond, 0), nullptr);
  ModuleBootRequest r;
  r.task = "beacon";
  r.spec.task.name = "beacon";
  r.spec.task.priority = 2;
  r.spec.task.interval = kSecond;
  r.mission_image = v1;
  r.image_buffer = b.image_buffer;
  r.checkpoint_buffer = b.checkpoint_buffer;
  r.scratch = &scratch;
  r.restore_outcome = &b.outcome;
  auto booted = boot_module_task(*s.tasks, &b.ram.store, r);
  ASSERT_TRUE(booted);
  EXPECT_EQ(booted.value().from, BootFrom::OtherVersion);
  EXPECT_EQ(booted.value().booted.version, 1u) << "it runs, on the version that could be loaded";
  EXPECT_TRUE(booted.value().short_of_memory);
  EXPECT_EQ(b.ram.store.committed("beacon").value().version, 2u) << "not demoted for a passing shortage";
  s.kernel->run_until(2 * kSecond);
  EXPECT_EQ(s.beacon_version(), 1u);
}

TEST(DegradedBoot, WhenNoStoredVersionBootsTheMissionsImageDoes) {
  Boot b;
  const auto v1 = module_image("beacon", "beacon");
  const auto v2 = module_image("beacon", "beacon_v2");
  commit(b.ram.store, "beacon", "beacon", 2, v2);
  ASSERT_TRUE(damage(b.ram.storage, v2, 100));
  UpdatableSystem s;
  ASSERT_NE(s.install("mathlib", "mathlib", "mathlib", 3, 10 * kSecond, 0), nullptr);
  auto r = b.run(s, "beacon", v1);
  ASSERT_TRUE(r);
  EXPECT_EQ(r.value().from, BootFrom::MissionImage);
  EXPECT_EQ(r.value().booted.version, 1u);
  EXPECT_EQ(r.value().image.data(), v1.data()) << "the mission's own image";
  EXPECT_FALSE(r.value().journal_failed);
  EXPECT_EQ(b.ram.store.committed("beacon").value().version, 1u);
  // The next boot finds the mission's image committed and whole.
  ASSERT_TRUE(b.ram.store.mount());
  UpdatableSystem again;
  ASSERT_NE(again.install("mathlib", "mathlib", "mathlib", 3, 10 * kSecond, 0), nullptr);
  auto second = b.run(again, "beacon", v1);
  ASSERT_TRUE(second);
  EXPECT_EQ(second.value().from, BootFrom::Committed);
}

TEST(DegradedBoot, AStoredVersionOfAnotherModuleIsNotBootedAsTheTask) {
  // The store's task "beacon" runs module attitude; the mission says beacon.
  Boot b;
  const auto attitude = module_image("attitude", "attitude");
  const auto v1 = module_image("beacon", "beacon");
  commit(b.ram.store, "beacon", "attitude", 1, attitude);
  UpdatableSystem s;
  ASSERT_NE(s.install("mathlib", "mathlib", "mathlib", 3, 10 * kSecond, 0), nullptr);
  auto r = b.run(s, "beacon", v1);
  ASSERT_TRUE(r);
  EXPECT_EQ(r.value().from, BootFrom::MissionImage);
  EXPECT_EQ(std::string(r.value().booted.name()), "beacon");
  EXPECT_EQ(std::string(b.ram.store.committed("beacon").value().name()), "beacon");
}

TEST(DegradedBoot, AnInterruptedUpdateIsDroppedAndTheCommittedVersionBoots) {
  Boot b;
  const auto v1 = module_image("beacon", "beacon");
  const auto v2 = module_image("beacon", "beacon_v2");
  commit(b.ram.store, "beacon", "beacon", 1, v1);
  ASSERT_TRUE(b.ram.store.put_image("beacon", 2, v2));
  ASSERT_TRUE(b.ram.store.set_trial("beacon", "beacon", 2));  // the power went before the commit
  UpdatableSystem s;
  ASSERT_NE(s.install("mathlib", "mathlib", "mathlib", 3, 10 * kSecond, 0), nullptr);
  auto r = b.run(s, "beacon", v1);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r.value().dropped_trial);
  EXPECT_EQ(r.value().trial.version, 2u);
  EXPECT_EQ(r.value().from, BootFrom::Committed);
  EXPECT_FALSE(b.ram.store.trial("beacon"));
  EXPECT_FALSE(b.ram.store.image_size("beacon", 2)) << "the dropped trial's image is removed";
}

// The newest slot record ("committed v2") decays after v1 was removed: the
// older record ("committed v1, trial v2") wins. That is no interrupted
// update to roll back: v1 is gone, so v2 is kept and boots, recorded as
// committed, with its state (a review's single flipped bit lost both).
TEST(DegradedBoot, ADamagedNewestSlotDoesNotRemoveTheCommittedVersionAnOlderSlotCallsATrial) {
  Boot b;
  const auto v1 = module_image("beacon", "beacon");
  const auto v2 = module_image("beacon", "beacon_v2");
  commit(b.ram.store, "beacon", "beacon", 1, v1);
  commit(b.ram.store, "beacon", "beacon", 2, v2);  // the update: trial v2, then commit
  ASSERT_TRUE(b.ram.store.remove_image("beacon", 1));  // as the update manager does after the commit
  ASSERT_NO_FATAL_FAILURE(put_beacon_checkpoint(b.ram.store, 2, std::byte{0}));
  // The newest slot: one bit of its name's padding.
  ASSERT_NO_FATAL_FAILURE(flip_in_committed_slot(b.ram.storage, 2, 30, std::byte{0x01}));
  ASSERT_TRUE(b.ram.store.mount());
  ASSERT_EQ(b.ram.store.committed("beacon").value().version, 1u) << "the older record wins";
  UpdatableSystem s;
  ASSERT_NE(s.install("mathlib", "mathlib", "mathlib", 3, 10 * kSecond, 0), nullptr);
  auto r = b.run(s, "beacon", v1);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r.value().dropped_trial);
  EXPECT_TRUE(r.value().kept_trial);
  EXPECT_EQ(r.value().booted.version, 2u) << "v2, the version that was committed, boots";
  EXPECT_EQ(r.value().from, BootFrom::OtherVersion);
  EXPECT_TRUE(r.value().checkpoint) << "with its state";
  EXPECT_EQ(b.ram.store.committed("beacon").value().version, 2u) << "and is recorded as committed again";
  EXPECT_TRUE(b.ram.store.image_size("beacon", 2));
}

// The task's only slot record decays: the store no longer says what it ran,
// but holds its module and its checkpoint. That is no first deploy: it is
// said, and the state comes back.
TEST(DegradedBoot, ALostSlotRecordIsSaidAndTheTasksCheckpointStillComesBack) {
  Boot b;
  const auto v1 = module_image("beacon", "beacon");
  commit(b.ram.store, "beacon", "beacon", 1, v1);
  ASSERT_NO_FATAL_FAILURE(put_beacon_checkpoint(b.ram.store, 1, std::byte{0x33}));
  ASSERT_NO_FATAL_FAILURE(flip_in_committed_slot(b.ram.storage, 1, 40, std::byte{0x04}));
  ASSERT_TRUE(b.ram.store.mount());
  ASSERT_FALSE(b.ram.store.committed("beacon")) << "the record is gone";
  UpdatableSystem s;
  ASSERT_NE(s.install("mathlib", "mathlib", "mathlib", 3, 10 * kSecond, 0), nullptr);
  auto r = b.run(s, "beacon", v1);
  ASSERT_TRUE(r);
  EXPECT_EQ(r.value().from, BootFrom::FirstDeploy);
  EXPECT_TRUE(r.value().slot_lost);
  EXPECT_TRUE(r.value().checkpoint) << "its checkpoint is handed over";
  EXPECT_EQ(b.ram.store.committed("beacon").value().version, 1u) << "and the record written again";
  s.kernel->run_until(500 * kMillisecond);
  EXPECT_EQ(s.beacon_word(0), 0x33333333u + 1) << "the stored state, run once";
}

TEST(DegradedBoot, AnUnreadableCheckpointStartsTheTaskFreshAndSaysSo) {
  Boot b;
  const auto v1 = module_image("beacon", "beacon");
  commit(b.ram.store, "beacon", "beacon", 1, v1);
  std::vector<std::byte> object(kCheckpointHeaderSize + 24, std::byte{0x33});
  ASSERT_TRUE(seal_checkpoint(object, "beacon", 1, 1, 24));
  ASSERT_TRUE(b.ram.store.put_checkpoint("beacon", object));
  ASSERT_TRUE(damage(b.ram.storage, object, kCheckpointHeaderSize - 40));
  UpdatableSystem s;
  ASSERT_NE(s.install("mathlib", "mathlib", "mathlib", 3, 10 * kSecond, 0), nullptr);
  auto r = b.run(s, "beacon", v1);
  ASSERT_TRUE(r);
  EXPECT_EQ(r.value().from, BootFrom::Committed);
  EXPECT_TRUE(r.value().checkpoint_unreadable);
  EXPECT_FALSE(r.value().checkpoint);
  s.kernel->run_until(500 * kMillisecond);
  EXPECT_EQ(s.beacon_word(0), 1u) << "a fresh state, run once";
}

}  // namespace
}  // namespace dyn
