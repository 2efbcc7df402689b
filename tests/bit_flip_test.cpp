// bit_flip_test.cpp — one flipped bit anywhere in the store never stops the
// spacecraft (issue 10: "one flipped bit stops the whole spacecraft").
//
// A store as a flight leaves it after a day: initialised, the mission's first
// deploy, a live update of the beacon to v2 committed, periodic checkpoints.
// Then, for every fourth byte of the part of the flash that was written (a
// whole sweep of every byte passes too, in 100 s under ASan: too long for
// every test run), one bit of it is flipped (a different bit from byte to
// byte, and the offset moves by one on each pass over a 32-byte stretch, so
// every field of every header is hit) and the spacecraft boots:
// the store is still its own (the identity is kept twice), and every task of
// the mission boots — from the store where what it needs reads back, else
// from the mission's image, loudly — and runs.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "flight_boot.hpp"

namespace dyn {
namespace {

using test::Booted;
using test::Flight;
using test::kMission;

// The flash after a day: first deploy, beacon v1 → v2 committed, checkpoints every 5 s.
Flight a_day_in_orbit() {
  Flight f(FlashGeometry{1024, 24, 8}, 128);
  Booted b(f.flash, true);
  EXPECT_TRUE(b.all_booted());
  test::UpdatableSystem& s = *b.system;
  s.updates->set_store(&b.store);
  s.updates->set_checkpoint_period(5 * kSecond);
  s.start_worker();
  s.kernel->run_until(3 * kSecond);
  EXPECT_EQ(s.update_to(test::beacon_v2(), 2, kMinute), UpdateOutcome::Committed);
  s.kernel->run_until(s.kernel->now() + 12 * kSecond);
  return f;
}

std::size_t written_bytes(const std::vector<std::byte>& flash) {
  std::size_t end = flash.size();
  while (end > 0 && flash[end - 1] == std::byte{0xFF}) --end;
  return end;
}

TEST(BitFlip, OneFlippedBitAnywhereInTheStoreNeverStopsATask) {
  const Flight day = a_day_in_orbit();
  const std::size_t used = written_bytes(day.storage);
  ASSERT_GT(used, 8000u);
  std::size_t from_store = 0, degraded = 0;
  std::size_t flips = 0;
  for (std::size_t k = 0;; ++k, ++flips) {
    const std::size_t at = 4 * k + (k / 8) % 4;  // every fourth byte, shifted by one every 32 bytes
    if (at >= used) break;
    Flight f(day, 128, 1);
    f.storage[at] ^= std::byte{static_cast<std::uint8_t>(1u << (at % 8))};
    const std::string where = "bit " + std::to_string(at % 8) + " of byte " + std::to_string(at);
    Booted b(f.flash, false);
    ASSERT_EQ(b.check.verdict, StoreVerdict::Ours) << where << ": " << describe(b.check.verdict);
    ASSERT_TRUE(b.all_booted()) << where << ": " << b.booted << " of 3 tasks booted";
    bool all_committed = true;
    for (std::size_t i = 0; i < kMission.size(); ++i) {
      EXPECT_EQ(b.reports[i].booted.name(), kMission[i].module) << where;
      all_committed = all_committed && b.reports[i].from == BootFrom::Committed;
    }
    (all_committed ? from_store : degraded)++;
    if (flips % 25 == 0) {  // and they run (checked on a sample: booting is what a flip can break)
      b.system->kernel->run_until(2 * kSecond);
      for (const auto& t : kMission) {
        const Task* task = b.system->kernel->table().find_by_name(t.task);
        ASSERT_TRUE(task && task->stats.dispatches > 0 && task->stats.faults == 0) << where << ": " << t.task;
      }
    }
  }
  EXPECT_GT(from_store, 0u);
  std::printf("[ flips    ] %zu bytes written, %zu single-bit flips: %zu boots from the committed versions, "
              "%zu with a task falling back (said in the log)\n", used, flips, from_store, degraded);
}

// The anti-replay counter (docs/store.md, "Anti-replay"): the day in orbit
// with package numbers 10, 11 and 12 accepted. Every bit of every Counter
// record (all six, the older pairs too) is flipped in turn: the number read
// is still 12 — one flip never loses it and never lowers it — and the store
// still boots. Then two flips, one in each copy of the newest pair: 12 or
// Corrupt (the package code then refuses every package), never a silent 11 —
// except when the flips leave no trace of the pair at all: the copy's header,
// and the first record's header or commit marker (each alone looks like a
// power cut before that record was finished): the residual risk
// docs/store.md states; counted.
TEST(BitFlip, FlipsInTheAntiReplayCounterNeverLowerTheAcceptedNumber) {
  Flight day = a_day_in_orbit();
  {
    std::vector<StoreEntry> index(128);
    ModuleStore store(day.flash, index);
    ASSERT_TRUE(store.mount());
    ASSERT_TRUE(store.set_accepted_sequence(10));
    ASSERT_TRUE(store.put_checkpoint("mathlib", std::vector<std::byte>(40, std::byte{7})));
    ASSERT_TRUE(store.set_accepted_sequence(11));
    ASSERT_TRUE(store.set_accepted_sequence(12));
  }
  namespace fmt = store_format;
  constexpr std::size_t kRecord = fmt::kRecordHeaderBytes + 8 + 8;  // header, the u64, the marker (granule 8)
  std::vector<std::size_t> counters;
  for (std::size_t at = 0; at + kRecord <= day.storage.size(); at += 8) {
    std::uint32_t magic;
    std::memcpy(&magic, &day.storage[at], 4);
    if (magic == fmt::kRecordMagic && day.storage[at + fmt::kHdrType] == std::byte{8}) counters.push_back(at);
  }
  ASSERT_EQ(counters.size(), 8u) << "the pair the initialisation wrote (0), then 10, 11 and 12";
  auto read_after = [](Flight& f) -> Result<std::uint64_t, StoreError> {
    std::vector<StoreEntry> index(128);
    ModuleStore store(f.flash, index);
    if (auto m = store.mount(); !m) return Unexpected{m.error()};
    return store.accepted_sequence();
  };
  std::size_t flips = 0;
  for (std::size_t record : counters) {
    for (std::size_t byte = 0; byte < kRecord; ++byte) {
      for (unsigned bit = 0; bit < 8; ++bit, ++flips) {
        Flight f(day, 128, 1);
        f.storage[record + byte] ^= std::byte{static_cast<std::uint8_t>(1u << bit)};
        const std::string where = "bit " + std::to_string(bit) + " of byte " + std::to_string(byte) +
                                  " of the counter record at " + std::to_string(record);
        auto v = read_after(f);
        ASSERT_TRUE(v) << where << ": " << describe(v.error().code);
        ASSERT_EQ(v.value(), 12u) << where;
        if (byte % 16 == 0 && bit == 0) {  // and the spacecraft boots (on a sample: the store code is what a flip hits)
          Booted b(f.flash, false);
          ASSERT_EQ(b.check.verdict, StoreVerdict::Ours) << where;
          ASSERT_TRUE(b.all_booted()) << where;
        }
      }
    }
  }
  // Two flips, one in each copy of the newest pair (12).
  const std::size_t first = counters[6], copy = counters[7];
  std::size_t still = 0, corrupt = 0, traceless = 0, pairs = 0;
  for (std::size_t a = 0; a < kRecord; ++a) {
    for (std::size_t step = 0; step < kRecord; step += 7, ++pairs) {
      const std::size_t b = (a * 13 + step) % kRecord;
      Flight f(day, 128, 1);
      f.storage[first + a] ^= std::byte{static_cast<std::uint8_t>(1u << (a % 8))};
      f.storage[copy + b] ^= std::byte{static_cast<std::uint8_t>(1u << ((b + 3) % 8))};
      const std::string where = "bytes " + std::to_string(a) + " and " + std::to_string(b) + " of the two copies";
      auto v = read_after(f);
      if (!v) {
        ASSERT_EQ(v.error().code, StoreErrc::Corrupt) << where;
        ++corrupt;
      } else if (v.value() == 12u) {
        ++still;
      } else {
        ASSERT_EQ(v.value(), 11u) << where;
        // Only a pair without a trace: the copy's header gone, and the first record's header or its
        // marker (which alone look like a cut before each record was finished).
        ASSERT_TRUE(b < fmt::kRecordHeaderBytes && (a < fmt::kRecordHeaderBytes || a >= fmt::kRecordHeaderBytes + 8))
            << where << ": a silently lower number although the pair left a trace";
        ++traceless;
      }
    }
  }
  EXPECT_GT(corrupt, 0u);
  std::printf("[ flips    ] anti-replay counter: %zu single flips in 6 records, all read 12; %zu double flips in the "
              "newest pair: %zu read 12, %zu Corrupt, %zu without a trace of the pair read 11\n",
              flips, pairs, still, corrupt, traceless);
}

}  // namespace
}  // namespace dyn
