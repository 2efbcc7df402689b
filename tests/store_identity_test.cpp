// store_identity_test.cpp — a store knows whose it is, and boot takes only its own.
//
// Issue 10: a wiped store (zeros, random bytes, an empty file) was taken as a
// fresh one, a silent rollback to the mission's first images; a store of
// another mission booted its code. check_store() decides, per case, with a
// test for each verdict and for power cuts while a store is initialised.
#include <gtest/gtest.h>

#include <vector>

#include "dyn/boot.hpp"
#include "dyn/flash.hpp"
#include "dyn/module_store.hpp"

namespace dyn {
namespace {

using Bytes = std::vector<std::byte>;
constexpr FlashGeometry kGeometry{4096, 8, 8};

struct Device {
  explicit Device(Bytes initial = {})
      : mem(initial.empty() ? Bytes(kGeometry.size(), std::byte{0xFF}) : std::move(initial)), flash(mem, kGeometry),
        index(64), store(flash, index) {}
  Bytes mem;
  RamFlash flash;
  std::vector<StoreEntry> index;
  ModuleStore store;
};

StoreIdentity identity(const char* spacecraft, const char* mission) {
  StoreIdentity id;
  EXPECT_TRUE(StoreIdentity::make(spacecraft, mission, &id));
  return id;
}

const StoreIdentity kOurs = identity("DYNSAT-1", "cubesat-day");

TEST(StoreIdentity, IsKeptAcrossMountsAndGarbageCollection) {
  Device d;
  ASSERT_TRUE(d.store.mount());
  ASSERT_TRUE(d.store.set_identity(kOurs));
  const Bytes image(3000, std::byte{0x5A});
  for (std::uint32_t v = 1; v <= 12; ++v) {  // enough traffic to collect every block more than once
    ASSERT_TRUE(d.store.put_image("beacon", v, image));
    if (v > 1) {
      ASSERT_TRUE(d.store.remove_image("beacon", v - 1));
    }
  }
  EXPECT_GT(d.store.stats().collections, 0u);
  ASSERT_TRUE(d.store.mount());
  auto id = d.store.identity();
  ASSERT_TRUE(id);
  EXPECT_EQ(id.value().spacecraft(), "DYNSAT-1");
  EXPECT_EQ(id.value().mission(), "cubesat-day");
  EXPECT_EQ(id.value().layout, store_format::kLayoutVersion);
}

TEST(StoreIdentity, NamesMustFitTheStore) {
  StoreIdentity id;
  EXPECT_FALSE(StoreIdentity::make("", "m", &id));
  EXPECT_FALSE(StoreIdentity::make("s", std::string(33, 'x'), &id));
  EXPECT_TRUE(StoreIdentity::make("s", std::string(32, 'x'), &id));
}

TEST(CheckStore, OurStoreBoots) {
  Device d;
  ASSERT_TRUE(d.store.mount());
  ASSERT_TRUE(d.store.set_identity(kOurs));
  ASSERT_TRUE(d.store.put_image("beacon", 1, Bytes(100, std::byte{1})));
  const StoreCheck c = check_store(d.store, kOurs, false);
  EXPECT_EQ(c.verdict, StoreVerdict::Ours);
  EXPECT_TRUE(c.boots());
  EXPECT_EQ(d.store.image_size("beacon", 1).value(), 100u) << "nothing was erased";
}

TEST(CheckStore, AnErasedStoreIsInitialisedOnlyWhenAllowed) {
  Device d;
  EXPECT_EQ(check_store(d.store, kOurs, false).verdict, StoreVerdict::Blank);
  EXPECT_FALSE(d.store.identity()) << "a refusal writes nothing";
  const StoreCheck c = check_store(d.store, kOurs, true);
  EXPECT_EQ(c.verdict, StoreVerdict::Initialised);
  EXPECT_EQ(check_store(d.store, kOurs, false).verdict, StoreVerdict::Ours) << "and it is ours from then on";
}

TEST(CheckStore, AWipedStoreIsNeverTakenAsAFreshOne) {
  for (int wipe = 0; wipe < 2; ++wipe) {
    Bytes bytes(kGeometry.size(), std::byte{0});
    if (wipe == 1) {
      std::uint32_t x = 12345;
      for (auto& b : bytes) b = static_cast<std::byte>((x = x * 1103515245u + 12345u) >> 24);
    }
    Device d(bytes);
    EXPECT_EQ(check_store(d.store, kOurs, false).verdict, StoreVerdict::Unrecognised) << wipe;
    EXPECT_EQ(d.mem, bytes) << "refused: not one byte written";
    EXPECT_EQ(check_store(d.store, kOurs, true).verdict, StoreVerdict::Initialised) << wipe;
    EXPECT_EQ(check_store(d.store, kOurs, false).verdict, StoreVerdict::Ours) << wipe;
  }
}

TEST(CheckStore, AStoreWithRecordsButNoIdentityIsNotTakenEither) {
  Device d;
  ASSERT_TRUE(d.store.mount());
  ASSERT_TRUE(d.store.put_image("beacon", 1, Bytes(100, std::byte{1})));
  ASSERT_TRUE(d.store.set_trial("beacon", "beacon", 1));
  ASSERT_TRUE(d.store.commit("beacon"));
  EXPECT_EQ(check_store(d.store, kOurs, false).verdict, StoreVerdict::NoIdentity);
  EXPECT_TRUE(d.store.committed("beacon")) << "left as it was";
}

TEST(CheckStore, AnotherMissionsStoreIsRefusedEvenWhenInitialisationIsAllowed) {
  for (const StoreIdentity& theirs : {identity("DYNSAT-2", "cubesat-day"), identity("DYNSAT-1", "other")}) {
    Device d;
    ASSERT_TRUE(d.store.mount());
    ASSERT_TRUE(d.store.set_identity(theirs));
    ASSERT_TRUE(d.store.put_image("attitude", 1, Bytes(100, std::byte{1})));
    const Bytes before = d.mem;
    for (bool init : {false, true}) {
      const StoreCheck c = check_store(d.store, kOurs, init);
      EXPECT_EQ(c.verdict, StoreVerdict::Foreign);
      EXPECT_FALSE(c.boots());
      EXPECT_EQ(c.found.spacecraft(), theirs.spacecraft());
      EXPECT_EQ(c.found.mission(), theirs.mission());
    }
    EXPECT_EQ(d.mem, before) << "another mission's store is never erased";
  }
}

TEST(CheckStore, AStoreOfAnotherLayoutIsRefused) {
  Device d;
  ASSERT_TRUE(d.store.mount());
  StoreIdentity newer = kOurs;
  newer.layout = store_format::kLayoutVersion + 1;
  ASSERT_TRUE(d.store.set_identity(newer));
  EXPECT_EQ(check_store(d.store, kOurs, true).verdict, StoreVerdict::OtherLayout);
}

TEST(CheckStore, AnInitialisedStoreStartsItsAntiReplayCounterAtZero) {
  // So a store with an identity always has a counter, and one that lost it
  // refuses packages instead of taking any number as the first.
  Device d(Bytes(kGeometry.size(), std::byte{0xFF}));
  ASSERT_EQ(check_store(d.store, kOurs, true).verdict, StoreVerdict::Initialised);
  auto n = d.store.accepted_sequence();
  ASSERT_TRUE(n);
  EXPECT_EQ(n.value(), 0u);
}

TEST(CheckStore, APowerCutWhileInitialisingNeverLeavesAStoreThatLooksOurs) {
  // Cut power at every flash operation of an initialisation over a wiped
  // store; after power returns the store is either ours, complete, or
  // refused — never half-initialised and taken.
  for (std::uint32_t cut = 0;; ++cut) {
    Device d(Bytes(kGeometry.size(), std::byte{0}));
    d.flash.cut_power_after(cut);
    const StoreCheck during = check_store(d.store, kOurs, true);
    const bool finished = during.verdict == StoreVerdict::Initialised;
    d.flash.power_on();
    const StoreCheck after = check_store(d.store, kOurs, false);
    if (finished) {
      EXPECT_EQ(after.verdict, StoreVerdict::Ours) << cut;
      break;
    }
    if (after.verdict == StoreVerdict::Ours) {
      // The cut fell between the identity's two copies: the first is whole, and it is written only after
      // every block was erased and the anti-replay counter recorded, so the store is complete — taken,
      // and the second copy is only redundancy.
      EXPECT_EQ(d.store.stats().unrecognised_blocks, 0u) << cut;
      EXPECT_EQ(d.store.stats().live_records, 3u) << cut << ": the counter's two copies and one identity";
      EXPECT_EQ(d.store.accepted_sequence().value(), 0u) << cut;
      continue;
    }
    EXPECT_FALSE(after.boots()) << cut;
    EXPECT_EQ(check_store(d.store, kOurs, true).verdict, StoreVerdict::Initialised) << "it can be initialised again";
    ASSERT_LT(cut, 100u);
  }
}

}  // namespace
}  // namespace dyn
