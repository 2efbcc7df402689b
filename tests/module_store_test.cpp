// module_store_test.cpp — flash rules, the module store, and the power-cut
// sweeps that hold the store's one promise (issue 4, part 5): an update
// interrupted at any single flash operation boots into the old or the new
// committed version — never neither, never a mix.
//
// The sweep follows MCUboot's simulator: run the scenario once and count its
// flash operations N; then for every k in 0..N start from the same flash,
// let k operations complete, tear operation k+1 (RamFlash models a torn
// write and a torn erase), power on, mount, and check the state. It runs over
// several geometries (write granules 4..32, a roomy flash and a small one
// where garbage collection runs inside the update) and tear shapes.
#include "dyn/module_store.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "dyn/crc32.hpp"
#include "dyn/flash.hpp"
#include "file_flash.hpp"

namespace {

using dyn::FlashErrc;
using dyn::FlashGeometry;
using dyn::ModuleStore;
using dyn::RamFlash;
using dyn::StoreEntry;
using dyn::StoreIdentity;
using dyn::StoreErrc;
using Bytes = std::vector<std::byte>;
namespace fmt = dyn::store_format;

Bytes pattern(std::size_t size, std::uint32_t seed) {
  Bytes b(size);
  std::uint32_t x = seed * 2654435761u + 1;
  for (auto& v : b) {
    x = x * 1103515245u + 12345u;
    v = static_cast<std::byte>(x >> 23);
  }
  return b;
}

// A flash device whose bytes the test can inspect and bend.
struct Device {
  explicit Device(FlashGeometry g, Bytes initial = {})
      : mem(initial.empty() ? Bytes(g.size(), std::byte{0xFF}) : std::move(initial)), flash(mem, g) {}
  Bytes mem;
  RamFlash flash;
};

struct Store {
  explicit Store(dyn::Flash& flash, std::size_t entries = 64) : index(entries), store(flash, index) {}
  std::vector<StoreEntry> index;
  ModuleStore store;
};

constexpr FlashGeometry kRoomy{4096, 8, 8};
constexpr FlashGeometry kSmall{512, 7, 8};

std::string committed_of(ModuleStore& s, std::string_view task) {
  auto c = s.committed(task);
  if (!c) return c.error().code == StoreErrc::NotFound ? "none" : "error";
  return std::string(c->name()) + "@" + std::to_string(c->version);
}

Bytes read_image(ModuleStore& s, std::string_view name, std::uint32_t version, StoreErrc* error = nullptr) {
  Bytes out(64 * 1024);
  auto n = s.read_image(name, version, out);
  if (!n) {
    if (error) *error = n.error().code;
    return {};
  }
  out.resize(*n);
  return out;
}

Bytes checkpoint_of(ModuleStore& s, std::string_view task) {
  Bytes out(4096);
  auto n = s.last_checkpoint(task, out);
  if (!n) return {};
  out.resize(*n);
  return out;
}

// ===========================================================================
// CRC-32

TEST(Crc32, CheckValueAndIncremental) {
  const char* text = "123456789";
  std::span<const std::byte> b{reinterpret_cast<const std::byte*>(text), 9};
  EXPECT_EQ(dyn::crc32(b), 0xCBF43926u);
  EXPECT_EQ(dyn::crc32_final(dyn::crc32_update(dyn::crc32_update(dyn::kCrc32Init, b.first(4)), b.subspan(4))),
            0xCBF43926u);
  EXPECT_EQ(dyn::crc32({}), 0u);
}

// The table size is a build choice (DYN_CRC32_TABLE); every size must give
// the same CRC, for every length (slicing by four has a tail of 0..3 bytes)
// and split anywhere.
TEST(Crc32, EveryTableSizeAgrees) {
  std::vector<std::byte> data(1031);
  std::uint32_t x = 12345;
  for (auto& b : data) {
    x = x * 1103515245u + 12345u;
    b = static_cast<std::byte>(x >> 24);
  }
  const std::span<const std::byte> all(data);
  const char* text = "123456789";
  const std::span<const std::byte> check{reinterpret_cast<const std::byte*>(text), 9};
  for (auto* update : {&dyn::crc32_update_slice4, &dyn::crc32_update_bytewise, &dyn::crc32_update_nibbles})
    EXPECT_EQ(dyn::crc32_final(update(dyn::kCrc32Init, check)), 0xCBF43926u);
  for (std::size_t length : {0u, 1u, 2u, 3u, 4u, 5u, 7u, 8u, 255u, 1031u}) {
    const auto piece = all.first(length);
    const std::uint32_t expected = dyn::crc32_update_bytewise(dyn::kCrc32Init, piece);
    EXPECT_EQ(dyn::crc32_update_slice4(dyn::kCrc32Init, piece), expected) << length;
    EXPECT_EQ(dyn::crc32_update_nibbles(dyn::kCrc32Init, piece), expected) << length;
    EXPECT_EQ(dyn::crc32_update(dyn::kCrc32Init, piece), expected) << length;
    const std::size_t half = length / 2;
    EXPECT_EQ(dyn::crc32_update_nibbles(dyn::crc32_update_slice4(dyn::kCrc32Init, piece.first(half)), piece.subspan(half)),
              expected)
        << length;
  }
}

// ===========================================================================
// Flash rules (RamFlash; FileFlash reruns them further down)

template <typename F>
void check_flash_rules(F& flash) {
  const FlashGeometry g = flash.geometry();
  Bytes granule(g.write_size, std::byte{0x5A});
  ASSERT_TRUE(flash.write(0, granule));
  // Programming twice is refused: flash can only clear bits, and the refusal names the byte.
  auto again = flash.write(0, granule);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, FlashErrc::NotErased);
  EXPECT_EQ(again.error().offset, 0u);
  // Misaligned start, length not a multiple of the granule.
  auto misaligned = flash.write(g.write_size / 2, granule);
  ASSERT_FALSE(misaligned);
  EXPECT_EQ(misaligned.error().code, FlashErrc::Misaligned);
  auto short_write = flash.write(g.write_size, std::span<const std::byte>(granule).first(g.write_size / 2));
  ASSERT_FALSE(short_write);
  EXPECT_EQ(short_write.error().code, FlashErrc::Misaligned);
  // Outside the device.
  const auto end = static_cast<std::uint32_t>(g.size());
  EXPECT_EQ(flash.write(end, granule).error().code, FlashErrc::OutOfRange);
  std::byte one[1];
  EXPECT_EQ(flash.read(end, one).error().code, FlashErrc::OutOfRange);
  Bytes huge(16);
  EXPECT_EQ(flash.read(end - 8, huge).error().code, FlashErrc::OutOfRange);
  EXPECT_EQ(flash.erase(g.block_count).error().code, FlashErrc::OutOfRange);
  // A write over partly programmed bytes changes nothing.
  Bytes two(2 * g.write_size, std::byte{0x11});
  auto partly = flash.write(0, two);
  ASSERT_FALSE(partly);
  Bytes back(2 * g.write_size);
  ASSERT_TRUE(flash.read(0, back));
  EXPECT_EQ(back[0], std::byte{0x5A});
  EXPECT_EQ(back[g.write_size], std::byte{0xFF});
  // Erase brings the block back.
  ASSERT_TRUE(flash.erase(0));
  ASSERT_TRUE(flash.read(0, back));
  for (std::byte b : back) EXPECT_EQ(b, std::byte{0xFF});
  ASSERT_TRUE(flash.write(0, granule));
}

TEST(RamFlash, EnforcesFlashRules) {
  Device d({1024, 4, 8});
  check_flash_rules(d.flash);
}

TEST(RamFlash, GeometryChecks) {
  EXPECT_EQ(dyn::check_geometry({1024, 4, 3}).error().code, FlashErrc::BadGeometry);
  EXPECT_EQ(dyn::check_geometry({1024, 4, 128}).error().code, FlashErrc::BadGeometry);
  EXPECT_EQ(dyn::check_geometry({1028, 4, 8}).error().code, FlashErrc::BadGeometry);
  EXPECT_EQ(dyn::check_geometry({1024, 0, 8}).error().code, FlashErrc::BadGeometry);
  EXPECT_EQ(dyn::check_geometry({0x10000, 0x10000, 8}).error().code, FlashErrc::BadGeometry);  // 4 GiB
  EXPECT_TRUE(dyn::check_geometry({1024, 4, 1}));
}

TEST(RamFlash, TornWriteKeepsPrefixAndGarblesOneGranule) {
  Device d({1024, 4, 8});
  d.flash.set_tear(128, 7);
  d.flash.cut_power_after(1);
  const Bytes first = pattern(64, 1), data(64, std::byte{0x00});
  ASSERT_TRUE(d.flash.write(0, first));
  auto torn = d.flash.write(128, data);
  ASSERT_FALSE(torn);
  EXPECT_EQ(torn.error().code, FlashErrc::PowerLost);
  EXPECT_FALSE(d.flash.powered());
  // Every operation fails until power comes back, reads included.
  std::byte one[1];
  EXPECT_EQ(d.flash.read(0, one).error().code, FlashErrc::PowerLost);
  EXPECT_EQ(d.flash.erase(1).error().code, FlashErrc::PowerLost);
  EXPECT_EQ(d.flash.write(512, std::span<const std::byte>(data).first(8)).error().code, FlashErrc::PowerLost);
  d.flash.power_on();
  // 4 of 8 granules written; the 5th half-programmed (neither erased nor the data); the rest erased.
  for (std::size_t i = 0; i < 32; ++i) EXPECT_EQ(d.mem[128 + i], std::byte{0x00});
  bool all_old = true, all_new = true;
  for (std::size_t i = 32; i < 40; ++i) {
    all_old = all_old && d.mem[128 + i] == std::byte{0xFF};
    all_new = all_new && d.mem[128 + i] == std::byte{0x00};
  }
  EXPECT_FALSE(all_old);
  EXPECT_FALSE(all_new);
  for (std::size_t i = 40; i < 64; ++i) EXPECT_EQ(d.mem[128 + i], std::byte{0xFF});
  EXPECT_TRUE(std::equal(first.begin(), first.end(), d.mem.begin()));
  // The device works again after power_on; the counter saw every write and erase attempted (reads don't count).
  EXPECT_TRUE(d.flash.write(512, std::span<const std::byte>(data).first(8)));
  EXPECT_EQ(d.flash.operations(), 5u);
}

TEST(RamFlash, TornEraseLeavesHalfErasedGarbage) {
  Device d({1024, 4, 8});
  Bytes zeros(1024, std::byte{0});
  ASSERT_TRUE(d.flash.write(1024, zeros));
  d.flash.set_tear(64, 3);
  d.flash.cut_power_after(0);
  ASSERT_EQ(d.flash.erase(1).error().code, FlashErrc::PowerLost);
  d.flash.power_on();
  for (std::size_t i = 0; i < 256; ++i) ASSERT_EQ(d.mem[1024 + i], std::byte{0xFF});
  std::size_t erased = 0, zero = 0;
  for (std::size_t i = 256; i < 1024; ++i) {
    erased += d.mem[1024 + i] == std::byte{0xFF};
    zero += d.mem[1024 + i] == std::byte{0x00};
  }
  EXPECT_LT(erased, 100u);  // neither erased ...
  EXPECT_LT(zero, 100u);    // ... nor the old contents
}

TEST(RamFlash, TearAtZeroWritesNothingWhole) {
  Device d({1024, 4, 8});
  d.flash.set_tear(0, 11);
  d.flash.cut_power_after(0);
  ASSERT_FALSE(d.flash.write(0, Bytes(32, std::byte{0})));
  for (std::size_t i = 8; i < 32; ++i) EXPECT_EQ(d.mem[i], std::byte{0xFF});
}

// ===========================================================================
// Store basics

TEST(ModuleStore, FreshFlashMountsEmpty) {
  Device d(kRoomy);
  Store s(d.flash);
  ASSERT_TRUE(s.store.mount());
  EXPECT_EQ(s.store.committed("nav").error().code, StoreErrc::NotFound);
  EXPECT_EQ(s.store.trial("nav").error().code, StoreErrc::NotFound);
  EXPECT_EQ(s.store.image_size("nav", 1).error().code, StoreErrc::NotFound);
  Bytes out(16);
  EXPECT_EQ(s.store.last_checkpoint("nav", out).error().code, StoreErrc::NotFound);
  EXPECT_EQ(d.flash.operations(), 0u);  // mount never writes
}

TEST(ModuleStore, RefusesBeforeMountAndBadGeometry) {
  Device d(kRoomy);
  Store s(d.flash);
  EXPECT_EQ(s.store.put_image("a", 1, Bytes(4)).error().code, StoreErrc::NotMounted);
  EXPECT_EQ(s.store.committed("a").error().code, StoreErrc::NotMounted);
  EXPECT_EQ(s.store.compact().error().code, StoreErrc::NotMounted);
  Device two({4096, 2, 8});
  Store t(two.flash);
  EXPECT_EQ(t.store.mount().error().code, StoreErrc::BadGeometry);
  Device tiny({256, 8, 8});
  Store u(tiny.flash);
  EXPECT_EQ(u.store.mount().error().code, StoreErrc::BadGeometry);
}

TEST(ModuleStore, ImageRoundTripAcrossChunksAndRemount) {
  Device d(kSmall);
  Store s(d.flash);
  ASSERT_TRUE(s.store.mount());
  const Bytes img = pattern(1000, 5);  // three chunks on 512-byte blocks
  ASSERT_GT(img.size(), 2 * s.store.max_record_data());
  ASSERT_TRUE(s.store.put_image("beacon", 7, img));
  EXPECT_EQ(*s.store.image_size("beacon", 7), 1000u);
  EXPECT_EQ(read_image(s.store, "beacon", 7), img);
  Bytes small(999);
  auto too_small = s.store.read_image("beacon", 7, small);
  ASSERT_FALSE(too_small);
  EXPECT_EQ(too_small.error().code, StoreErrc::OutputTooSmall);
  EXPECT_EQ(too_small.error().detail, 1000u);
  EXPECT_EQ(s.store.put_image("beacon", 7, img).error().code, StoreErrc::AlreadyExists);
  Bytes other = img;
  other[999] ^= std::byte{1};
  EXPECT_EQ(s.store.put_image("beacon", 7, other).error().code, StoreErrc::Conflict)
      << "a version never changes its bytes";
  EXPECT_EQ(read_image(s.store, "beacon", 7), img);
  ASSERT_TRUE(s.store.put_image("empty", 1, {}));
  EXPECT_EQ(*s.store.image_size("empty", 1), 0u);

  Store again(d.flash);
  ASSERT_TRUE(again.store.mount());
  EXPECT_EQ(read_image(again.store, "beacon", 7), img);
  EXPECT_EQ(*again.store.image_size("empty", 1), 0u);
}

TEST(ModuleStore, NamesAreChecked) {
  Device d(kRoomy);
  Store s(d.flash);
  ASSERT_TRUE(s.store.mount());
  const std::string long_name(33, 'x');
  EXPECT_EQ(s.store.put_image("", 1, Bytes(4)).error().code, StoreErrc::BadName);
  auto e = s.store.put_image(long_name, 1, Bytes(4));
  EXPECT_EQ(e.error().code, StoreErrc::BadName);
  EXPECT_EQ(e.error().detail, 33u);
  EXPECT_EQ(s.store.put_checkpoint(long_name, Bytes(4)).error().code, StoreErrc::BadName);
  EXPECT_EQ(s.store.committed("").error().code, StoreErrc::BadName);
  ASSERT_TRUE(s.store.put_image(std::string(32, 'y'), 1, Bytes(4)));
  ASSERT_TRUE(s.store.set_trial(std::string(32, 't'), std::string(32, 'y'), 1));
  EXPECT_EQ(s.store.trial(std::string(32, 't'))->name(), std::string(32, 'y'));
}

TEST(ModuleStore, TrialCommitRevert) {
  Device d(kRoomy);
  Store s(d.flash);
  ASSERT_TRUE(s.store.mount());
  ASSERT_TRUE(s.store.put_image("nav", 1, pattern(100, 1)));
  ASSERT_TRUE(s.store.put_image("nav", 2, pattern(120, 2)));
  EXPECT_EQ(s.store.commit("t").error().code, StoreErrc::NoTrial);
  EXPECT_EQ(s.store.revert("t").error().code, StoreErrc::NoTrial);
  EXPECT_EQ(s.store.set_trial("t", "nav", 9).error().code, StoreErrc::NotFound);
  ASSERT_TRUE(s.store.set_trial("t", "nav", 1));
  EXPECT_EQ(committed_of(s.store, "t"), "none");
  ASSERT_TRUE(s.store.commit("t"));
  EXPECT_EQ(committed_of(s.store, "t"), "nav@1");
  EXPECT_EQ(s.store.trial("t").error().code, StoreErrc::NotFound);
  ASSERT_TRUE(s.store.set_trial("t", "nav", 2));
  EXPECT_EQ(s.store.trial("t")->version, 2u);
  ASSERT_TRUE(s.store.revert("t"));
  EXPECT_EQ(committed_of(s.store, "t"), "nav@1");
  EXPECT_EQ(s.store.trial("t").error().code, StoreErrc::NotFound);
  ASSERT_TRUE(s.store.set_trial("t", "nav", 2));
  // Neither the committed nor the trial version can be removed.
  EXPECT_EQ(s.store.remove_image("nav", 1).error().code, StoreErrc::InUse);
  EXPECT_EQ(s.store.remove_image("nav", 2).error().code, StoreErrc::InUse);
  ASSERT_TRUE(s.store.commit("t"));
  ASSERT_TRUE(s.store.remove_image("nav", 1));
  EXPECT_EQ(s.store.remove_image("nav", 1).error().code, StoreErrc::NotFound);
  StoreErrc why{};
  EXPECT_TRUE(read_image(s.store, "nav", 1, &why).empty());
  EXPECT_EQ(why, StoreErrc::NotFound);

  Store again(d.flash);
  ASSERT_TRUE(again.store.mount());
  EXPECT_EQ(committed_of(again.store, "t"), "nav@2");
  EXPECT_EQ(again.store.image_size("nav", 1).error().code, StoreErrc::NotFound);
  // A removed version may be uploaded again (e.g. after a bad transfer), with new content.
  ASSERT_TRUE(again.store.put_image("nav", 1, pattern(90, 9)));
  Store third(d.flash);
  ASSERT_TRUE(third.store.mount());
  EXPECT_EQ(read_image(third.store, "nav", 1), pattern(90, 9));
}

TEST(ModuleStore, CheckpointsReplaceAndAreBounded) {
  Device d(kSmall);
  Store s(d.flash);
  ASSERT_TRUE(s.store.mount());
  ASSERT_TRUE(s.store.put_checkpoint("t", pattern(40, 1)));
  ASSERT_TRUE(s.store.put_checkpoint("t", pattern(50, 2)));
  ASSERT_TRUE(s.store.put_checkpoint("u", {}));
  EXPECT_EQ(checkpoint_of(s.store, "t"), pattern(50, 2));
  Bytes small(49);
  EXPECT_EQ(s.store.last_checkpoint("t", small).error().code, StoreErrc::OutputTooSmall);
  auto big = s.store.put_checkpoint("t", Bytes(s.store.max_record_data() + 1));
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, StoreErrc::TooLarge);
  EXPECT_EQ(big.error().detail, s.store.max_record_data());
  ASSERT_TRUE(s.store.put_checkpoint("t", Bytes(s.store.max_record_data(), std::byte{3})));
  Store again(d.flash);
  ASSERT_TRUE(again.store.mount());
  EXPECT_EQ(checkpoint_of(again.store, "t"), Bytes(again.store.max_record_data(), std::byte{3}));
  EXPECT_TRUE(checkpoint_of(again.store, "u").empty());
}

// Finds the record whose header has this type and sequence number; returns its offset.
std::size_t find_record(const Bytes& mem, fmt::RecordType type, std::uint32_t nth) {
  for (std::size_t at = 0; at + 64 <= mem.size(); at += 8) {
    std::uint32_t magic;
    std::memcpy(&magic, &mem[at], 4);
    if (magic != fmt::kRecordMagic || mem[at + fmt::kHdrType] != static_cast<std::byte>(type)) continue;
    if (nth-- == 0) return at;
  }
  ADD_FAILURE() << "record not found";
  return 0;
}

// Sets up nav@1 committed and nav@2 on trial; returns the offset of the second slot record.
std::size_t committed_then_trial(Device& d) {
  Store s(d.flash);
  EXPECT_TRUE(s.store.mount());
  EXPECT_TRUE(s.store.put_image("nav", 1, pattern(100, 1)));
  EXPECT_TRUE(s.store.put_image("nav", 2, pattern(100, 2)));
  EXPECT_TRUE(s.store.set_trial("t", "nav", 1));
  EXPECT_TRUE(s.store.commit("t"));
  EXPECT_TRUE(s.store.set_trial("t", "nav", 2));
  return find_record(d.mem, fmt::RecordType::Slot, 2);
}

TEST(ModuleStore, RecordWithBadDataCrcIsIgnoredOnMount) {
  Device d(kRoomy);
  const std::size_t slot = committed_then_trial(d);
  d.mem[slot + 64 + 10] ^= std::byte{0x01};  // one bit of the slot's data
  Store s(d.flash);
  ASSERT_TRUE(s.store.mount());
  EXPECT_EQ(committed_of(s.store, "t"), "nav@1");
  EXPECT_EQ(s.store.trial("t").error().code, StoreErrc::NotFound);
}

TEST(ModuleStore, RecordWithoutCommitMarkerIsIgnored) {
  Device d(kRoomy);
  const std::size_t slot = committed_then_trial(d);
  const std::size_t marker = slot + 64 + 80;  // 76 data bytes padded to 80
  std::uint32_t magic;
  std::memcpy(&magic, &d.mem[marker], 4);
  ASSERT_EQ(magic, fmt::kCommitMagic);
  std::memset(&d.mem[marker], 0xFF, 8);  // as if power went before the marker
  Store s(d.flash);
  ASSERT_TRUE(s.store.mount());
  EXPECT_EQ(s.store.trial("t").error().code, StoreErrc::NotFound);
  // The half-written record is skipped, and the store appends after it.
  ASSERT_TRUE(s.store.set_trial("t", "nav", 2));
  Store again(d.flash);
  ASSERT_TRUE(again.store.mount());
  EXPECT_EQ(again.store.trial("t")->version, 2u);
}

TEST(ModuleStore, RecordWithBadHeaderCrcEndsTheBlockScan) {
  Device d(kRoomy);
  const std::size_t slot = committed_then_trial(d);
  d.mem[slot + fmt::kHdrVersion] ^= std::byte{0x80};
  Store s(d.flash);
  ASSERT_TRUE(s.store.mount());
  EXPECT_EQ(committed_of(s.store, "t"), "nav@1");
  EXPECT_EQ(s.store.trial("t").error().code, StoreErrc::NotFound);
  // Nothing is appended after a damaged header: the next record opens a new block.
  const auto live_before = s.store.stats().live_blocks;
  ASSERT_TRUE(s.store.set_trial("t", "nav", 2));
  EXPECT_EQ(s.store.stats().live_blocks, live_before + 1);
  Store again(d.flash);
  ASSERT_TRUE(again.store.mount());
  EXPECT_EQ(again.store.trial("t")->version, 2u);
}

TEST(ModuleStore, ADamagedHeaderCostsOnlyItsRecordNotTheRestOfTheBlock) {
  Device d(kRoomy);
  {
    Store s(d.flash);
    ASSERT_TRUE(s.store.mount());
    ASSERT_TRUE(s.store.put_image("first", 1, pattern(200, 1)));  // the record to damage
    ASSERT_TRUE(s.store.put_image("nav", 1, pattern(300, 2)));
    ASSERT_TRUE(s.store.set_trial("t", "nav", 1));
    ASSERT_TRUE(s.store.commit("t"));
    ASSERT_TRUE(s.store.put_checkpoint("t", pattern(40, 3)));
  }
  const std::size_t first = find_record(d.mem, fmt::RecordType::Chunk, 0);
  for (std::size_t field : {fmt::kHdrDataLen, fmt::kHdrMagic, fmt::kHdrCrc}) {
    Bytes damaged = d.mem;
    damaged[first + field + 1] ^= std::byte{0x04};  // the length, the magic, the CRC itself
    Device again(kRoomy, damaged);
    Store s(again.flash);
    ASSERT_TRUE(s.store.mount());
    EXPECT_EQ(s.store.image_size("first", 1).error().code, StoreErrc::Corrupt) << field << ": its chunk is lost";
    EXPECT_EQ(committed_of(s.store, "t"), "nav@1") << field << ": the records after it in the block still count";
    EXPECT_EQ(read_image(s.store, "nav", 1), pattern(300, 2)) << field;
    EXPECT_EQ(checkpoint_of(s.store, "t"), pattern(40, 3)) << field;
  }
}

TEST(ModuleStore, TheIdentitySurvivesTheLossOfOneOfItsTwoCopies) {
  Device d(kRoomy);
  StoreIdentity id;
  ASSERT_TRUE(StoreIdentity::make("sat", "mission", &id));
  {
    Store s(d.flash);
    ASSERT_TRUE(s.store.mount());
    ASSERT_TRUE(s.store.set_identity(id));
  }
  for (std::uint32_t copy : {0u, 1u}) {
    for (std::size_t at : {std::size_t{fmt::kHdrSeq}, std::size_t{fmt::kRecordHeaderBytes + 7}}) {  // header or data
      Bytes damaged = d.mem;
      damaged[find_record(d.mem, fmt::RecordType::Identity, copy) + at] ^= std::byte{0x10};
      Device again(kRoomy, damaged);
      Store s(again.flash);
      ASSERT_TRUE(s.store.mount());
      auto got = s.store.identity();
      ASSERT_TRUE(got) << "copy " << copy << " damaged at " << at;
      EXPECT_EQ(got->spacecraft(), "sat");
      EXPECT_EQ(got->mission(), "mission");
    }
  }
  Bytes both = d.mem;
  both[find_record(d.mem, fmt::RecordType::Identity, 0) + fmt::kRecordHeaderBytes + 7] ^= std::byte{0x10};
  both[find_record(d.mem, fmt::RecordType::Identity, 1) + fmt::kRecordHeaderBytes + 7] ^= std::byte{0x10};
  Device again(kRoomy, both);
  Store s(again.flash);
  ASSERT_TRUE(s.store.mount());
  EXPECT_EQ(s.store.identity().error().code, StoreErrc::NotFound) << "both lost: no identity (refused at boot)";
}

TEST(ModuleStore, DecayAfterMountIsReportedOnRead) {
  Device d(kRoomy);
  Store s(d.flash);
  ASSERT_TRUE(s.store.mount());
  ASSERT_TRUE(s.store.put_image("nav", 1, pattern(300, 1)));
  ASSERT_TRUE(s.store.put_checkpoint("t", pattern(30, 1)));
  d.mem[find_record(d.mem, fmt::RecordType::Chunk, 0) + 64 + 5] ^= std::byte{0x04};
  d.mem[find_record(d.mem, fmt::RecordType::Checkpoint, 0) + 64 + 5] ^= std::byte{0x04};
  StoreErrc why{};
  EXPECT_TRUE(read_image(s.store, "nav", 1, &why).empty());
  EXPECT_EQ(why, StoreErrc::Corrupt);
  Bytes out(64);
  EXPECT_EQ(s.store.last_checkpoint("t", out).error().code, StoreErrc::Corrupt);
}

TEST(ModuleStore, MountLeavesFlashUntouched) {
  Device d(kSmall);
  committed_then_trial(d);
  const Bytes before = d.mem;
  const auto ops = d.flash.operations();
  Store s(d.flash);
  ASSERT_TRUE(s.store.mount());
  ASSERT_TRUE(s.store.mount());
  EXPECT_EQ(d.mem, before);
  EXPECT_EQ(d.flash.operations(), ops);
}

TEST(ModuleStore, CompactionPreservesEverythingLive) {
  Device d(kSmall);
  Store s(d.flash);
  ASSERT_TRUE(s.store.mount());
  ASSERT_TRUE(s.store.put_image("nav", 1, pattern(500, 1)));
  ASSERT_TRUE(s.store.put_image("nav", 2, pattern(200, 2)));
  ASSERT_TRUE(s.store.put_image("old", 1, pattern(200, 3)));
  ASSERT_TRUE(s.store.set_trial("t", "nav", 1));
  ASSERT_TRUE(s.store.commit("t"));
  ASSERT_TRUE(s.store.set_trial("t", "nav", 2));
  ASSERT_TRUE(s.store.put_checkpoint("t", pattern(60, 4)));
  ASSERT_TRUE(s.store.put_checkpoint("t", pattern(60, 5)));
  ASSERT_TRUE(s.store.remove_image("old", 1));
  const auto before = s.store.stats();
  ASSERT_TRUE(s.store.compact());
  const auto after = s.store.stats();
  EXPECT_GT(after.collections, before.collections);
  EXPECT_LE(after.live_blocks, before.live_blocks);
  EXPECT_EQ(after.live_records, before.live_records);
  for (ModuleStore* st : {&s.store}) {
    EXPECT_EQ(read_image(*st, "nav", 1), pattern(500, 1));
    EXPECT_EQ(read_image(*st, "nav", 2), pattern(200, 2));
    EXPECT_EQ(committed_of(*st, "t"), "nav@1");
    EXPECT_EQ(st->trial("t")->version, 2u);
    EXPECT_EQ(checkpoint_of(*st, "t"), pattern(60, 5));
  }
  Store again(d.flash);
  ASSERT_TRUE(again.store.mount());
  EXPECT_EQ(read_image(again.store, "nav", 1), pattern(500, 1));
  EXPECT_EQ(read_image(again.store, "nav", 2), pattern(200, 2));
  EXPECT_EQ(committed_of(again.store, "t"), "nav@1");
  EXPECT_EQ(again.store.trial("t")->version, 2u);
  EXPECT_EQ(checkpoint_of(again.store, "t"), pattern(60, 5));
  EXPECT_EQ(again.store.image_size("old", 1).error().code, StoreErrc::NotFound);  // stays removed
  EXPECT_EQ(again.store.stats().live_records, after.live_records);
}

TEST(ModuleStore, GarbageIsCollectedWhenSpaceRunsOut) {
  Device d(kSmall);
  Store s(d.flash);
  ASSERT_TRUE(s.store.mount());
  ASSERT_TRUE(s.store.put_image("nav", 1, pattern(600, 1)));
  ASSERT_TRUE(s.store.set_trial("t", "nav", 1));
  ASSERT_TRUE(s.store.commit("t"));
  // Far more checkpoint bytes than the flash holds: older ones are garbage.
  for (std::uint32_t i = 0; i < 300; ++i) ASSERT_TRUE(s.store.put_checkpoint("t", pattern(100, i))) << i;
  EXPECT_GT(s.store.stats().collections, 20u);
  Store again(d.flash);
  ASSERT_TRUE(again.store.mount());
  EXPECT_EQ(checkpoint_of(again.store, "t"), pattern(100, 299));
  EXPECT_EQ(read_image(again.store, "nav", 1), pattern(600, 1));
  EXPECT_EQ(committed_of(again.store, "t"), "nav@1");
}

TEST(ModuleStore, NoSpaceWhenLiveDataDoesNotFit) {
  Device d(kSmall);
  Store s(d.flash);
  ASSERT_TRUE(s.store.mount());
  std::uint32_t stored = 0;
  for (;; ++stored) {
    auto r = s.store.put_image("img", stored, pattern(300, stored));
    if (!r) {
      EXPECT_EQ(r.error().code, StoreErrc::NoSpace);
      break;
    }
    ASSERT_LT(stored, 100u);
  }
  EXPECT_GE(stored, 3u);
  // An image larger than the whole store is refused without touching the flash.
  const auto ops = d.flash.operations();
  auto huge = s.store.put_image("huge", 1, Bytes(kSmall.size()));
  ASSERT_FALSE(huge);
  EXPECT_EQ(huge.error().code, StoreErrc::NoSpace);
  EXPECT_EQ(d.flash.operations(), ops);
  // What was stored stays intact, and freeing an image makes room again.
  for (std::uint32_t v = 0; v < stored; ++v) EXPECT_EQ(read_image(s.store, "img", v), pattern(300, v));
  ASSERT_TRUE(s.store.remove_image("img", 0));
  ASSERT_TRUE(s.store.put_image("img", 100, pattern(300, 100)));
  Store again(d.flash);
  ASSERT_TRUE(again.store.mount());
  for (std::uint32_t v = 1; v < stored; ++v) EXPECT_EQ(read_image(again.store, "img", v), pattern(300, v));
  EXPECT_EQ(read_image(again.store, "img", 100), pattern(300, 100));
}

TEST(ModuleStore, IndexFullIsRefusedBeforeWriting) {
  Device d(kRoomy);
  Store s(d.flash, 4);
  ASSERT_TRUE(s.store.mount());
  ASSERT_TRUE(s.store.put_image("a", 1, pattern(10, 1)));  // chunk + manifest
  ASSERT_TRUE(s.store.put_checkpoint("t", pattern(10, 1)));
  const auto ops = d.flash.operations();
  auto full = s.store.put_image("b", 1, pattern(10, 2));
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().code, StoreErrc::IndexFull);
  EXPECT_EQ(full.error().detail, 4u);
  EXPECT_EQ(d.flash.operations(), ops);
  ASSERT_TRUE(s.store.put_checkpoint("t", pattern(10, 2)));  // same key: fits
  // Removed images still hold index entries on flash (a mount would see them) until collected:
  // the store collects to make room rather than writing what a later mount could not index.
  ASSERT_TRUE(s.store.remove_image("a", 1));
  const auto collections = s.store.stats().collections;
  ASSERT_TRUE(s.store.put_image("b", 1, pattern(10, 2)));
  EXPECT_GT(s.store.stats().collections, collections);
  Store again(d.flash, 4);
  ASSERT_TRUE(again.store.mount());
  EXPECT_EQ(checkpoint_of(again.store, "t"), pattern(10, 2));
  EXPECT_EQ(read_image(again.store, "b", 1), pattern(10, 2));
  EXPECT_EQ(again.store.image_size("a", 1).error().code, StoreErrc::NotFound);
}

// Rewrites a record's sequence number (header CRC and marker included), as a
// store that had used up its numbers would have left it.
void set_sequence(Bytes& mem, std::size_t record, std::uint32_t data_bytes_padded, std::uint32_t seq) {
  std::memcpy(&mem[record + fmt::kHdrSeq], &seq, 4);
  const std::uint32_t crc = dyn::crc32({&mem[record], fmt::kHdrCrc});
  std::memcpy(&mem[record + fmt::kHdrCrc], &crc, 4);
  std::memcpy(&mem[record + 64 + data_bytes_padded + 4], &seq, 4);
}

TEST(ModuleStore, SequenceNumbersNeverWrap) {
  Device d(kRoomy);
  {
    Store s(d.flash);
    ASSERT_TRUE(s.store.mount());
    ASSERT_TRUE(s.store.put_checkpoint("t", pattern(16, 1)));
  }
  set_sequence(d.mem, find_record(d.mem, fmt::RecordType::Checkpoint, 0), 16, fmt::kSeqMax);
  Store s(d.flash);
  ASSERT_TRUE(s.store.mount());
  EXPECT_EQ(checkpoint_of(s.store, "t"), pattern(16, 1));  // still readable ...
  const auto ops = d.flash.operations();
  EXPECT_EQ(s.store.put_checkpoint("t", pattern(16, 2)).error().code, StoreErrc::SequenceExhausted);  // ... not writable
  EXPECT_EQ(s.store.put_image("a", 1, Bytes(8)).error().code, StoreErrc::SequenceExhausted);
  EXPECT_EQ(d.flash.operations(), ops);
  EXPECT_EQ(s.store.stats().next_seq, 0xFFFFFFFFu);
}

TEST(ModuleStore, ErrorsAreDescribed) {
  for (int e = 0; e <= static_cast<int>(StoreErrc::Corrupt); ++e)
    EXPECT_GT(std::strlen(dyn::describe(static_cast<StoreErrc>(e))), 20u);
  for (int e = 0; e <= static_cast<int>(FlashErrc::Io); ++e)
    EXPECT_GT(std::strlen(dyn::describe(static_cast<FlashErrc>(e))), 20u);
}

TEST(ModuleStore, ADamagedStoredVersionIsReplacedWhenItIsSentAgain) {
  Device d(kSmall);
  Store s(d.flash);
  ASSERT_TRUE(s.store.mount());
  const Bytes img = pattern(1000, 9);
  ASSERT_TRUE(s.store.put_image("beacon", 2, img));
  const std::size_t at = find_record(d.mem, fmt::RecordType::Chunk, 1);
  d.mem[at + fmt::kRecordHeaderBytes + 17] ^= std::byte{0x40};  // one bit of the second chunk decays
  StoreErrc why{};
  EXPECT_TRUE(read_image(s.store, "beacon", 2, &why).empty());
  EXPECT_EQ(why, StoreErrc::Corrupt);
  ASSERT_TRUE(s.store.put_image("beacon", 2, img)) << "the ground sends v2 again: the damaged copy is replaced";
  EXPECT_EQ(read_image(s.store, "beacon", 2), img);
  Store again(d.flash);
  ASSERT_TRUE(again.store.mount());
  EXPECT_EQ(read_image(again.store, "beacon", 2), img) << "and the replacement is what the next boot reads";
}

TEST(ModuleStore, APowerCutWhileADamagedCopyIsReplacedNeverLeavesAWrongImage) {
  // The replacement is a tombstone, the new chunks, the manifest: cut at each
  // operation, the version is still damaged (refused), absent, or whole — and
  // sending it once more always completes.
  Device base(kSmall);
  const Bytes img = pattern(1000, 9);
  {
    Store s(base.flash);
    ASSERT_TRUE(s.store.mount());
    ASSERT_TRUE(s.store.put_image("beacon", 2, img));
  }
  base.mem[find_record(base.mem, fmt::RecordType::Chunk, 1) + fmt::kRecordHeaderBytes + 17] ^= std::byte{0x40};
  std::uint64_t n = 0;
  {
    Device d(kSmall, base.mem);
    Store s(d.flash);
    ASSERT_TRUE(s.store.mount());
    ASSERT_TRUE(s.store.put_image("beacon", 2, img));
    n = d.flash.operations();
  }
  ASSERT_GT(n, 2u);
  for (std::uint64_t k = 0; k < n; ++k) {
    Device d(kSmall, base.mem);
    d.flash.set_tear(static_cast<std::uint8_t>(77 * k), static_cast<std::uint32_t>(k + 1));
    {
      Store s(d.flash);
      ASSERT_TRUE(s.store.mount());
      d.flash.cut_power_after(static_cast<std::uint32_t>(k));
      EXPECT_FALSE(s.store.put_image("beacon", 2, img)) << k;
    }
    d.flash.power_on();
    Store after(d.flash);
    ASSERT_TRUE(after.store.mount()) << k;
    StoreErrc why{};
    const Bytes got = read_image(after.store, "beacon", 2, &why);
    if (!got.empty()) {
      EXPECT_EQ(got, img) << "cut after " << k;
    } else {
      EXPECT_TRUE(why == StoreErrc::Corrupt || why == StoreErrc::NotFound) << "cut after " << k;
    }
    ASSERT_TRUE(after.store.put_image("beacon", 2, img) || got == img) << "cut after " << k << ": sent again";
    EXPECT_EQ(read_image(after.store, "beacon", 2), img) << "cut after " << k;
  }
}

TEST(ModuleStore, SetCommittedNamesTheCommittedVersionAndDropsTheTrialInOneRecord) {
  Device d(kSmall);
  Store s(d.flash);
  ASSERT_TRUE(s.store.mount());
  ASSERT_TRUE(s.store.put_image("beacon", 1, pattern(300, 1)));
  ASSERT_TRUE(s.store.put_image("beacon", 2, pattern(300, 2)));
  ASSERT_TRUE(s.store.set_trial("t", "beacon", 2));
  EXPECT_EQ(s.store.set_committed("t", "beacon", 3).error().code, StoreErrc::NotFound) << "needs a complete image";
  const Bytes base = d.mem;
  const std::uint64_t before = d.flash.operations();
  ASSERT_TRUE(s.store.set_committed("t", "beacon", 1));
  const std::uint64_t n = d.flash.operations() - before;
  EXPECT_EQ(committed_of(s.store, "t"), "beacon@1");
  EXPECT_EQ(s.store.trial("t").error().code, StoreErrc::NotFound);
  // One record: a cut at any of its flash operations leaves the old slot or the new one.
  for (std::uint64_t k = 0; k < n; ++k) {
    Device cut(kSmall, base);
    cut.flash.set_tear(static_cast<std::uint8_t>(60 * k), static_cast<std::uint32_t>(k + 1));
    Store c(cut.flash);
    ASSERT_TRUE(c.store.mount());
    cut.flash.cut_power_after(static_cast<std::uint32_t>(k));
    EXPECT_FALSE(c.store.set_committed("t", "beacon", 1));
    cut.flash.power_on();
    Store after(cut.flash);
    ASSERT_TRUE(after.store.mount());
    const std::string committed = committed_of(after.store, "t");
    auto trial = after.store.trial("t");
    const bool old_slot = committed == "none" && trial && trial->version == 2;
    const bool new_slot = committed == "beacon@1" && !trial;
    EXPECT_TRUE(old_slot || new_slot) << "cut after " << k << ": committed " << committed;
  }
}

// ===========================================================================
// Anti-replay counter (accepted_sequence / set_accepted_sequence; docs/store.md "Anti-replay")

std::uint64_t accepted(ModuleStore& s) {
  auto v = s.accepted_sequence();
  EXPECT_TRUE(v) << "accepted_sequence: error " << static_cast<int>(v.error().code);
  return v ? *v : 0;
}

TEST(ModuleStore, TheAcceptedSequenceIsNotFoundUntilRecordedAndThenOnlyGrows) {
  Device d(kRoomy);
  Store s(d.flash);
  EXPECT_EQ(s.store.accepted_sequence().error().code, StoreErrc::NotMounted);
  EXPECT_EQ(s.store.set_accepted_sequence(1).error().code, StoreErrc::NotMounted);
  ASSERT_TRUE(s.store.mount());
  EXPECT_EQ(s.store.accepted_sequence().error().code, StoreErrc::NotFound) << "a new store has accepted nothing";
  ASSERT_TRUE(s.store.set_accepted_sequence(0)) << "any first number, 0 included";
  EXPECT_EQ(accepted(s.store), 0u);
  ASSERT_TRUE(s.store.set_accepted_sequence(5));
  EXPECT_EQ(accepted(s.store), 5u);
  for (std::uint64_t again : {5u, 4u, 0u}) {
    auto r = s.store.set_accepted_sequence(again);
    ASSERT_FALSE(r) << again;
    EXPECT_EQ(r.error().code, StoreErrc::Stale) << again;
    EXPECT_EQ(r.error().detail, 5u) << again;
    EXPECT_EQ(r.error().sequence, 5u) << again;
  }
  EXPECT_EQ(accepted(s.store), 5u) << "a refusal writes nothing";
  // 64-bit numbers: detail is the low 32 bits, StoreError::sequence the whole number.
  const std::uint64_t big = 0x1'0000'0007ull;
  ASSERT_TRUE(s.store.set_accepted_sequence(big));
  auto stale = s.store.set_accepted_sequence(0x8);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, StoreErrc::Stale);
  EXPECT_EQ(stale.error().detail, 7u);
  EXPECT_EQ(stale.error().sequence, big);
  ASSERT_TRUE(s.store.set_accepted_sequence(~0ull));
  EXPECT_EQ(s.store.set_accepted_sequence(~0ull).error().code, StoreErrc::Stale) << "the top: nothing is newer";
  EXPECT_STRNE(dyn::describe(StoreErrc::Stale), "unknown store error");
  // Kept across mounts; a refused number stays refused after a reboot.
  Store again(d.flash);
  ASSERT_TRUE(again.store.mount());
  EXPECT_EQ(accepted(again.store), ~0ull);
  EXPECT_EQ(again.store.set_accepted_sequence(big).error().code, StoreErrc::Stale);
}

TEST(ModuleStore, TheAcceptedSequenceIsCarriedForwardByEveryCollection) {
  Device d(kSmall);
  Store s(d.flash);
  ASSERT_TRUE(s.store.mount());
  ASSERT_TRUE(s.store.put_image("nav", 1, pattern(600, 1)));
  ASSERT_TRUE(s.store.set_trial("t", "nav", 1));
  ASSERT_TRUE(s.store.commit("t"));
  std::uint64_t last = 0;
  for (std::uint32_t i = 0; i < 300; ++i) {
    ASSERT_TRUE(s.store.put_checkpoint("t", pattern(100, i))) << i;
    if (i % 37 == 0) {
      last = 1000 + i;
      ASSERT_TRUE(s.store.set_accepted_sequence(last)) << i;
    }
    EXPECT_EQ(accepted(s.store), last) << i;
  }
  EXPECT_GT(s.store.stats().collections, 20u);
  ASSERT_TRUE(s.store.compact());
  ASSERT_TRUE(s.store.compact());
  EXPECT_EQ(accepted(s.store), last);
  Store again(d.flash);
  ASSERT_TRUE(again.store.mount());
  EXPECT_EQ(accepted(again.store), last);
  EXPECT_EQ(again.store.set_accepted_sequence(last).error().code, StoreErrc::Stale);
  EXPECT_EQ(read_image(again.store, "nav", 1), pattern(600, 1));
}

// Three pairs recorded (3, 7, 9): the newest pair is records 4 and 5 of type Counter.
Bytes counters_3_7_9() {
  Device d(kRoomy);
  Store s(d.flash);
  EXPECT_TRUE(s.store.mount());
  EXPECT_TRUE(s.store.set_accepted_sequence(3));
  EXPECT_TRUE(s.store.put_checkpoint("t", pattern(40, 1)));
  EXPECT_TRUE(s.store.set_accepted_sequence(7));
  EXPECT_TRUE(s.store.set_accepted_sequence(9));
  EXPECT_TRUE(s.store.put_checkpoint("t", pattern(40, 2)));
  return d.mem;
}

dyn::Result<std::uint64_t, dyn::StoreError> accepted_after(const Bytes& mem) {
  Device d(kRoomy, mem);
  Store s(d.flash);
  EXPECT_TRUE(s.store.mount());
  return s.store.accepted_sequence();
}

constexpr std::size_t kCounterHeaderByte = fmt::kHdrSeq, kCounterDataByte = fmt::kRecordHeaderBytes + 2;

TEST(ModuleStore, TheAcceptedSequenceSurvivesTheLossOfEitherCopyOfAnyPair) {
  const Bytes mem = counters_3_7_9();
  for (std::uint32_t record = 0; record < 6; ++record) {
    for (std::size_t at : {kCounterHeaderByte, kCounterDataByte, std::size_t{fmt::kRecordHeaderBytes + 8}}) {
      Bytes damaged = mem;
      damaged[find_record(mem, fmt::RecordType::Counter, record) + at] ^= std::byte{0x20};  // header, data, marker
      auto v = accepted_after(damaged);
      ASSERT_TRUE(v) << "record " << record << " damaged at " << at;
      EXPECT_EQ(*v, 9u) << "record " << record << " damaged at " << at;
    }
  }
}

TEST(ModuleStore, BothCopiesLostIsCorruptNeverAnOlderNumberNorNone) {
  const Bytes mem = counters_3_7_9();
  const std::size_t first = find_record(mem, fmt::RecordType::Counter, 4), copy = find_record(mem, fmt::RecordType::Counter, 5);
  // Data of both; data of one and the other's header (that record is then unreadable as a whole).
  for (auto [a, b] : {std::pair{kCounterDataByte, kCounterDataByte}, std::pair{kCounterDataByte, kCounterHeaderByte},
                      std::pair{kCounterHeaderByte, kCounterDataByte}}) {
    Bytes damaged = mem;
    damaged[first + a] ^= std::byte{0x01};
    damaged[copy + b] ^= std::byte{0x01};
    Device d(kRoomy, damaged);
    Store s(d.flash);
    ASSERT_TRUE(s.store.mount());
    auto v = s.store.accepted_sequence();
    ASSERT_FALSE(v) << a << "/" << b << ": read " << *v << ", the older pair's number";
    EXPECT_EQ(v.error().code, StoreErrc::Corrupt) << a << "/" << b;
    EXPECT_EQ(s.store.set_accepted_sequence(100).error().code, StoreErrc::Corrupt)
        << "no number can be shown to be new";
    // Collections keep it lost: the proof is carried forward, not the older copies alone.
    for (std::uint32_t i = 0; i < 60; ++i) ASSERT_TRUE(s.store.put_checkpoint("t", pattern(900, i)));
    ASSERT_TRUE(s.store.compact());
    EXPECT_GT(s.store.stats().collections, 8u);
    EXPECT_EQ(s.store.accepted_sequence().error().code, StoreErrc::Corrupt) << a << "/" << b << " after collections";
    Store again(d.flash);
    ASSERT_TRUE(again.store.mount());
    EXPECT_EQ(again.store.accepted_sequence().error().code, StoreErrc::Corrupt) << a << "/" << b << " remounted";
  }
  // The only pair ever written, both lost: Corrupt, not NotFound (which would accept any package).
  Device d(kRoomy);
  {
    Store s(d.flash);
    ASSERT_TRUE(s.store.mount());
    ASSERT_TRUE(s.store.set_accepted_sequence(9));
  }
  d.mem[find_record(d.mem, fmt::RecordType::Counter, 0) + kCounterDataByte] ^= std::byte{0x04};
  d.mem[find_record(d.mem, fmt::RecordType::Counter, 1) + kCounterDataByte] ^= std::byte{0x04};
  EXPECT_EQ(accepted_after(d.mem).error().code, StoreErrc::Corrupt);
}

TEST(ModuleStore, ACounterCopyThatDecaysAfterMountIsNeverReadAsAnOlderNumber) {
  const Bytes mem = counters_3_7_9();
  Device d(kRoomy, mem);
  Store s(d.flash);
  ASSERT_TRUE(s.store.mount());
  const std::size_t first = find_record(mem, fmt::RecordType::Counter, 4), copy = find_record(mem, fmt::RecordType::Counter, 5);
  d.mem[first + kCounterDataByte] ^= std::byte{0x02};
  EXPECT_EQ(accepted(s.store), 9u) << "one copy is enough";
  d.mem[copy + kCounterDataByte] ^= std::byte{0x02};
  EXPECT_EQ(s.store.accepted_sequence().error().code, StoreErrc::Corrupt);
}

// Gives a block a new block sequence number (both header copies, CRCs recomputed).
void set_block_sequence(Bytes& mem, FlashGeometry g, std::uint32_t block, std::uint32_t seq) {
  for (std::size_t c = 0; c < 32; c += 16) {
    std::byte* h = &mem[block * g.block_size + c];
    for (int i = 0; i < 4; ++i) h[4 + i] = static_cast<std::byte>(seq >> (8 * i));
    const std::uint32_t crc = dyn::crc32({h, 12});
    for (int i = 0; i < 4; ++i) h[12 + i] = static_cast<std::byte>(crc >> (8 * i));
  }
}

// Two live blocks with the same block sequence number (a damaged image that
// was resealed; the store itself never writes one): a collection retires
// everything below a threshold, so it must copy every live block at or
// below it, not one block per number. It used to take block 0 and skip
// block 1, then retire both: the counter (and "a") in block 1 were gone.
TEST(ModuleStore, ACollectionNeverRetiresALiveBlockItDidNotCopy) {
  constexpr FlashGeometry g{512, 8, 8};
  Device d(g);
  {
    Store s(d.flash);
    ASSERT_TRUE(s.store.mount());
    ASSERT_TRUE(s.store.put_checkpoint("a", pattern(320, 1)));  // fills block 0
    ASSERT_TRUE(s.store.set_accepted_sequence(5));             // block 1
    ASSERT_TRUE(s.store.put_checkpoint("a", pattern(40, 2)));   // block 1; block 0 holds nothing live
    ASSERT_TRUE(s.store.put_checkpoint("b", pattern(300, 3)));  // block 2
    ASSERT_EQ(s.store.stats().live_blocks, 3u);
    ASSERT_EQ(find_record(d.mem, fmt::RecordType::Counter, 0) / g.block_size, 1u);
  }
  set_block_sequence(d.mem, g, 1, 0);
  Store s(d.flash);
  ASSERT_TRUE(s.store.mount());
  ASSERT_EQ(accepted(s.store), 5u);
  ASSERT_TRUE(s.store.compact());
  EXPECT_GT(s.store.stats().collections, 0u);
  EXPECT_EQ(accepted(s.store), 5u) << "a collection lost the counter";
  EXPECT_EQ(checkpoint_of(s.store, "a"), pattern(40, 2));
  EXPECT_EQ(checkpoint_of(s.store, "b"), pattern(300, 3));
  for (std::uint32_t i = 0; i < 40; ++i) ASSERT_TRUE(s.store.put_checkpoint("c", pattern(200, i))) << i;
  EXPECT_EQ(accepted(s.store), 5u);
  Store again(d.flash);
  ASSERT_TRUE(again.store.mount());
  EXPECT_EQ(accepted(again.store), 5u);
  EXPECT_EQ(checkpoint_of(again.store, "a"), pattern(40, 2));
  EXPECT_EQ(checkpoint_of(again.store, "b"), pattern(300, 3));
  EXPECT_EQ(again.store.set_accepted_sequence(5).error().code, StoreErrc::Stale);
}

// A cut at every flash operation of set_accepted_sequence, on granules 4..32,
// roomy and collecting: the old number or the new one, never lower, never
// Corrupt, and the store takes the next number.
TEST(ModuleStore, RecordingTheAcceptedSequenceCutAtAnyOperationKeepsTheOldOrTheNewNumber) {
  struct Case {
    FlashGeometry geometry;
    bool collects;  // checkpoints first, until the recording has to collect
  };
  // Whether recording 42 on this flash collects garbage.
  auto recording_collects = [](const FlashGeometry& g, const Bytes& mem) {
    Device once(g, mem);
    Store s(once.flash);
    return s.store.mount() && s.store.set_accepted_sequence(42) && s.store.stats().collections > 0;
  };
  for (const Case& c : {Case{{4096, 8, 8}, false}, Case{{4096, 8, 4}, false}, Case{{512, 7, 8}, true},
                        Case{{1024, 6, 32}, true}, Case{{512, 8, 16}, true}}) {
    Device d(c.geometry);
    std::uint32_t filler = 0;
    {
      Store s(d.flash);
      ASSERT_TRUE(s.store.mount());
      ASSERT_TRUE(s.store.set_accepted_sequence(41));
      while (c.collects && !recording_collects(c.geometry, d.mem) && filler < 200)
        ASSERT_TRUE(s.store.put_checkpoint("t", pattern(100, filler++)));
    }
    const Bytes base = d.mem;
    std::uint64_t n = 0;
    std::uint32_t collected = 0;
    {
      Device once(c.geometry, base);
      Store s(once.flash);
      ASSERT_TRUE(s.store.mount());
      ASSERT_TRUE(s.store.set_accepted_sequence(42));
      n = once.flash.operations();
      collected = s.store.stats().collections;
    }
    EXPECT_EQ(collected > 0, c.collects) << c.geometry.block_size << ": meant to collect";
    std::uint32_t old_number = 0, new_number = 0;
    for (std::uint64_t k = 0; k <= n; ++k) {
      const std::string where = std::to_string(c.geometry.block_size) + "x" + std::to_string(c.geometry.block_count) +
                                " g" + std::to_string(c.geometry.write_size) + ", cut after " + std::to_string(k) +
                                " of " + std::to_string(n);
      Device cut(c.geometry, base);
      cut.flash.set_tear(static_cast<std::uint8_t>(47 * k + 13), static_cast<std::uint32_t>(k + 1));
      {
        Store s(cut.flash);
        ASSERT_TRUE(s.store.mount());
        cut.flash.cut_power_after(static_cast<std::uint32_t>(k));
        (void)s.store.set_accepted_sequence(42);  // k == n: nothing torn, the recording completes
      }
      cut.flash.power_on();
      Store after(cut.flash);
      ASSERT_TRUE(after.store.mount()) << where;
      auto v = after.store.accepted_sequence();
      ASSERT_TRUE(v) << where << ": error " << static_cast<int>(v.error().code);
      ASSERT_TRUE(*v == 41 || *v == 42) << where << ": " << *v;
      (*v == 42 ? new_number : old_number)++;
      Store again(cut.flash);
      ASSERT_TRUE(again.store.mount());
      EXPECT_EQ(accepted(again.store), *v) << where << ": a second mount reads another number";
      if (*v == 41) { ASSERT_TRUE(after.store.set_accepted_sequence(42)) << where << ": the retry"; }
      EXPECT_EQ(after.store.set_accepted_sequence(42).error().code, StoreErrc::Stale) << where;
      ASSERT_TRUE(after.store.set_accepted_sequence(43)) << where;
      Store last(cut.flash);
      ASSERT_TRUE(last.store.mount());
      EXPECT_EQ(accepted(last.store), 43u) << where;
      EXPECT_EQ(checkpoint_of(last.store, "t"), filler > 0 ? pattern(100, filler - 1) : Bytes{}) << where;
    }
    EXPECT_GT(old_number, 0u);
    EXPECT_GT(new_number, 0u);
    std::printf("[ sweep    ] %ux%u g%u: set_accepted_sequence %llu operations (%u collections), old %u / new %u\n",
                c.geometry.block_size, c.geometry.block_count, c.geometry.write_size,
                static_cast<unsigned long long>(n), collected, old_number, new_number);
  }
}

// ===========================================================================
// Power-cut sweeps

struct SweepCase {
  const char* name;
  FlashGeometry geometry;
  std::size_t image1, image2;
  std::uint8_t tear;        // fraction/256 of the torn operation that completes
  int filler_checkpoints;   // dead records written before the update, so that it has to collect
};

void PrintTo(const SweepCase& c, std::ostream* os) { *os << c.name; }

constexpr std::string_view kTask = "beacon-task";

// First install: nav@1 committed, with a checkpoint.
void install_v1(ModuleStore& s, const SweepCase& c) {
  ASSERT_TRUE(s.put_image("beacon", 1, pattern(c.image1, 1)));
  ASSERT_TRUE(s.put_checkpoint(kTask, pattern(48, 100)));
  ASSERT_TRUE(s.set_trial(kTask, "beacon", 1));
  ASSERT_TRUE(s.commit(kTask));
  for (int i = 0; i < c.filler_checkpoints; ++i) ASSERT_TRUE(s.put_checkpoint(kTask, pattern(48, 100)));
}

// The update; stops at the first failure (the power cut).
bool update_to_v2(ModuleStore& s, const SweepCase& c) {
  return s.put_image("beacon", 2, pattern(c.image2, 2)) && s.put_checkpoint(kTask, pattern(64, 200)) &&
         s.set_trial(kTask, "beacon", 2) && s.commit(kTask) && s.remove_image("beacon", 1);
}

struct Outcome {
  std::uint32_t committed = 0;
  bool v1_present = false, v2_present = false;
  Bytes checkpoint;
  std::string trial;
  friend bool operator==(const Outcome&, const Outcome&) = default;
};

// The boot-time check after a power cut. Returns the state seen.
Outcome check_boot(RamFlash& flash, const SweepCase& c, const std::string& where) {
  Outcome o;
  Store s(flash);
  auto m = s.store.mount();
  EXPECT_TRUE(m) << where;
  if (!m) return o;
  auto committed = s.store.committed(kTask);
  EXPECT_TRUE(committed) << where << ": no committed version";
  if (!committed) return o;
  EXPECT_EQ(committed->name(), "beacon") << where;
  o.committed = committed->version;
  EXPECT_TRUE(o.committed == 1 || o.committed == 2) << where << ": committed " << o.committed;
  // The committed image is complete and byte-identical.
  EXPECT_EQ(read_image(s.store, "beacon", o.committed), pattern(o.committed == 1 ? c.image1 : c.image2, o.committed))
      << where;
  // Any other version present is complete too (never half an image).
  for (std::uint32_t v : {1u, 2u}) {
    StoreErrc why{};
    const Bytes img = read_image(s.store, "beacon", v, &why);
    const bool present = !img.empty();
    if (present) { EXPECT_EQ(img, pattern(v == 1 ? c.image1 : c.image2, v)) << where << " v" << v; }
    else EXPECT_EQ(why, StoreErrc::NotFound) << where << " v" << v;
    (v == 1 ? o.v1_present : o.v2_present) = present;
  }
  // The checkpoint is the old one or the new one, whole; v2 is never committed without the new one.
  o.checkpoint = checkpoint_of(s.store, kTask);
  const bool old_ck = o.checkpoint == pattern(48, 100), new_ck = o.checkpoint == pattern(64, 200);
  EXPECT_TRUE(old_ck || new_ck) << where << ": checkpoint of " << o.checkpoint.size() << " bytes";
  if (o.committed == 2) { EXPECT_TRUE(new_ck) << where; }
  if (o.committed == 1) { EXPECT_TRUE(o.v1_present) << where; }
  auto trial = s.store.trial(kTask);
  o.trial = trial ? std::string(trial->name()) + "@" + std::to_string(trial->version) : "none";
  if (trial) { EXPECT_TRUE(o.committed == 1 && trial->version == 2) << where; }
  return o;
}

// Finishes the update from whatever state power left; stops at the first failure.
bool resume_update(ModuleStore& s, const SweepCase& c, const Outcome& from) {
  if (!from.v2_present && !s.put_image("beacon", 2, pattern(c.image2, 2))) return false;
  if (from.checkpoint != pattern(64, 200) && !s.put_checkpoint(kTask, pattern(64, 200))) return false;
  if (from.committed != 2 && !(s.set_trial(kTask, "beacon", 2) && s.commit(kTask))) return false;
  return !from.v1_present || static_cast<bool>(s.remove_image("beacon", 1));
}

// After the check: the same answer from a second mount, and the update can be
// finished from whatever state power left.
void check_second_mount_and_resume(RamFlash& flash, const SweepCase& c, const Outcome& first, const std::string& where) {
  Store s(flash);
  ASSERT_TRUE(s.store.mount()) << where;
  EXPECT_EQ(committed_of(s.store, kTask), "beacon@" + std::to_string(first.committed)) << where;
  EXPECT_EQ(checkpoint_of(s.store, kTask), first.checkpoint) << where;
  ASSERT_TRUE(resume_update(s.store, c, first)) << where;
  Store after(flash);
  ASSERT_TRUE(after.store.mount()) << where;
  EXPECT_EQ(committed_of(after.store, kTask), "beacon@2") << where;
  EXPECT_EQ(read_image(after.store, "beacon", 2), pattern(c.image2, 2)) << where;
  EXPECT_EQ(after.store.image_size("beacon", 1).error().code, StoreErrc::NotFound) << where;
}

Bytes installed_state(const SweepCase& c) {
  Device d(c.geometry);
  Store s(d.flash);
  EXPECT_TRUE(s.store.mount());
  install_v1(s.store, c);
  return d.mem;
}

struct SweepResult {
  std::uint64_t operations = 0;      // N
  std::uint32_t collections = 0;     // in the uninterrupted run
  std::uint32_t booted_v1 = 0, booted_v2 = 0;
};

SweepResult sweep_update(const SweepCase& c) {
  SweepResult result;
  const Bytes base = installed_state(c);
  {
    Device d(c.geometry, base);
    Store s(d.flash);
    EXPECT_TRUE(s.store.mount());
    EXPECT_TRUE(update_to_v2(s.store, c));
    result.operations = d.flash.operations();
    result.collections = s.store.stats().collections;
  }
  for (std::uint64_t k = 0; k <= result.operations; ++k) {
    const std::string where = std::string(c.name) + " cut after " + std::to_string(k) + " of " +
                              std::to_string(result.operations);
    Device d(c.geometry, base);
    d.flash.set_tear(c.tear, static_cast<std::uint32_t>(k * 7919 + 1));
    Store s(d.flash);
    EXPECT_TRUE(s.store.mount()) << where;
    d.flash.cut_power_after(static_cast<std::uint32_t>(k));
    const bool finished = update_to_v2(s.store, c);
    EXPECT_EQ(finished, k == result.operations) << where;
    d.flash.power_on();
    const Outcome o = check_boot(d.flash, c, where);
    (o.committed == 2 ? result.booted_v2 : result.booted_v1)++;
    check_second_mount_and_resume(d.flash, c, o, where);
    if (::testing::Test::HasFailure()) break;  // one report, not hundreds
  }
  return result;
}

class UpdatePowerCut : public ::testing::TestWithParam<SweepCase> {};

TEST_P(UpdatePowerCut, EveryCutBootsOldOrNewNeverNeither) {
  const SweepCase& c = GetParam();
  const SweepResult r = sweep_update(c);
  EXPECT_GT(r.booted_v1, 0u);
  EXPECT_GT(r.booted_v2, 0u);
  if (c.filler_checkpoints > 0) { EXPECT_GT(r.collections, 0u) << "the update was meant to collect garbage"; }
  RecordProperty("operations", static_cast<int>(r.operations));
  std::printf("[ sweep    ] %-24s N=%3llu collections=%u booted v1=%u v2=%u\n", c.name,
              static_cast<unsigned long long>(r.operations), r.collections, r.booted_v1, r.booted_v2);
}

INSTANTIATE_TEST_SUITE_P(
    Geometries, UpdatePowerCut,
    ::testing::Values(SweepCase{"roomy_g8_half", {4096, 8, 8}, 3000, 3500, 128, 0},
                      SweepCase{"roomy_g4_nothing", {4096, 8, 4}, 3000, 3500, 0, 0},
                      SweepCase{"roomy_g16_most", {4096, 8, 16}, 3000, 3500, 250, 0},
                      SweepCase{"small_g8_collects", {512, 7, 8}, 500, 600, 128, 6},
                      SweepCase{"small_g16_collects", {512, 8, 16}, 500, 600, 40, 9},
                      SweepCase{"small_g32_collects", {1024, 6, 32}, 1200, 900, 200, 8}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

// An interrupted compact(): the state after the update (v1 removed, old slot
// and checkpoint records dead) is compacted with a cut at every operation.
class CompactPowerCut : public ::testing::TestWithParam<SweepCase> {};

TEST_P(CompactPowerCut, EveryCutKeepsTheCommittedStateAndNothingResurrects) {
  const SweepCase& c = GetParam();
  Bytes base;
  {
    Device d(c.geometry, installed_state(c));
    Store s(d.flash);
    ASSERT_TRUE(s.store.mount());
    ASSERT_TRUE(update_to_v2(s.store, c));
    base = d.mem;
  }
  std::uint64_t n = 0;
  {
    Device d(c.geometry, base);
    Store s(d.flash);
    ASSERT_TRUE(s.store.mount());
    ASSERT_TRUE(s.store.compact());
    n = d.flash.operations();
    EXPECT_GT(s.store.stats().collections, 0u);
  }
  for (std::uint64_t k = 0; k <= n; ++k) {
    const std::string where = std::string(c.name) + " compact cut after " + std::to_string(k) + " of " + std::to_string(n);
    Device d(c.geometry, base);
    d.flash.set_tear(c.tear, static_cast<std::uint32_t>(k * 104729 + 3));
    Store s(d.flash);
    ASSERT_TRUE(s.store.mount());
    d.flash.cut_power_after(static_cast<std::uint32_t>(k));
    EXPECT_EQ(static_cast<bool>(s.store.compact()), k == n) << where;
    d.flash.power_on();
    const Outcome o = check_boot(d.flash, c, where);
    EXPECT_EQ(o.committed, 2u) << where;
    EXPECT_FALSE(o.v1_present) << where << ": removed image came back";
    EXPECT_EQ(o.checkpoint, pattern(64, 200)) << where;
    Store again(d.flash);
    ASSERT_TRUE(again.store.mount());
    ASSERT_TRUE(again.store.compact()) << where;  // and a later compaction completes
    const Outcome o2 = check_boot(d.flash, c, where + " (recompacted)");
    EXPECT_EQ(o2, o) << where;
    if (::testing::Test::HasFailure()) break;
  }
  std::printf("[ sweep    ] %-24s compact N=%llu\n", c.name, static_cast<unsigned long long>(n));
}

INSTANTIATE_TEST_SUITE_P(Geometries, CompactPowerCut,
                         ::testing::Values(SweepCase{"small_g8", {512, 7, 8}, 500, 600, 128, 6},
                                           SweepCase{"small_g16", {512, 8, 16}, 500, 600, 250, 9},
                                           SweepCase{"roomy_g8", {4096, 8, 8}, 3000, 3500, 0, 20}),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

// Two faults: power is cut during the update, and again, at every operation,
// while the next boot finishes it. The committed version never goes back.
TEST(UpdatePowerCutTwice, CutAgainWhileResuming) {
  const SweepCase c{"twice", {512, 7, 8}, 500, 600, 128, 6};
  const Bytes base = installed_state(c);
  std::uint64_t n = 0;
  {
    Device d(c.geometry, base);
    Store s(d.flash);
    ASSERT_TRUE(s.store.mount());
    ASSERT_TRUE(update_to_v2(s.store, c));
    n = d.flash.operations();
  }
  std::uint64_t cases = 0;
  for (std::uint64_t k = 0; k < n; ++k) {
    Device first(c.geometry, base);
    first.flash.set_tear(128, static_cast<std::uint32_t>(k + 5));
    {
      Store s(first.flash);
      ASSERT_TRUE(s.store.mount());
      first.flash.cut_power_after(static_cast<std::uint32_t>(k));
      (void)update_to_v2(s.store, c);  // fails: the cut
    }
    first.flash.power_on();
    const Outcome o1 = check_boot(first.flash, c, "first cut " + std::to_string(k));
    std::uint64_t m = 0;
    {
      Device d(c.geometry, first.mem);
      Store s(d.flash);
      ASSERT_TRUE(s.store.mount());
      ASSERT_TRUE(resume_update(s.store, c, o1));
      m = d.flash.operations();
    }
    for (std::uint64_t j = 0; j <= m; ++j, ++cases) {
      const std::string where = "cut after " + std::to_string(k) + ", then after " + std::to_string(j);
      Device d(c.geometry, first.mem);
      d.flash.set_tear(static_cast<std::uint8_t>(j * 37), static_cast<std::uint32_t>(j + 11));
      Store s(d.flash);
      ASSERT_TRUE(s.store.mount());
      d.flash.cut_power_after(static_cast<std::uint32_t>(j));
      EXPECT_EQ(resume_update(s.store, c, o1), j == m) << where;
      d.flash.power_on();
      const Outcome o2 = check_boot(d.flash, c, where);
      EXPECT_GE(o2.committed, o1.committed) << where;
      if (::testing::Test::HasFailure()) return;
    }
  }
  std::printf("[ sweep    ] twice: N=%llu first cuts, %llu second cuts\n", static_cast<unsigned long long>(n),
              static_cast<unsigned long long>(cases));
}

// A first install interrupted anywhere: nothing committed, or v1 complete.
TEST(InstallPowerCut, FirstInstallIsAllOrNothing) {
  const SweepCase c{"install", {512, 7, 8}, 700, 0, 128, 0};
  std::uint64_t n = 0;
  {
    Device d(c.geometry);
    Store s(d.flash);
    ASSERT_TRUE(s.store.mount());
    install_v1(s.store, c);
    n = d.flash.operations();
  }
  for (std::uint64_t k = 0; k <= n; ++k) {
    Device d(c.geometry);
    d.flash.set_tear(c.tear, static_cast<std::uint32_t>(k + 1));
    Store s(d.flash);
    ASSERT_TRUE(s.store.mount());
    d.flash.cut_power_after(static_cast<std::uint32_t>(k));
    const bool done = s.store.put_image("beacon", 1, pattern(c.image1, 1)) &&
                      s.store.put_checkpoint(kTask, pattern(48, 100)) && s.store.set_trial(kTask, "beacon", 1) &&
                      s.store.commit(kTask);
    EXPECT_EQ(done, k == n);
    d.flash.power_on();
    Store b(d.flash);
    ASSERT_TRUE(b.store.mount());
    const std::string committed = committed_of(b.store, kTask);
    EXPECT_TRUE(committed == "none" || committed == "beacon@1") << k;
    if (committed == "beacon@1") { EXPECT_EQ(read_image(b.store, "beacon", 1), pattern(c.image1, 1)) << k; }
    StoreErrc why{};
    if (read_image(b.store, "beacon", 1, &why).empty()) { EXPECT_EQ(why, StoreErrc::NotFound) << k; }
  }
}

// ===========================================================================
// FileFlash (host port)

std::string temp_path(const char* tag) {
  return ::testing::TempDir() + "dyn_store_" + tag + "_" + std::to_string(::getpid()) + ".flash";
}

TEST(FileFlash, EnforcesFlashRules) {
  const std::string path = temp_path("rules");
  ::unlink(path.c_str());
  dyn::host::FileFlash f;
  ASSERT_TRUE(f.open(path.c_str(), {1024, 4, 8}));
  check_flash_rules(f);
  f.close();
  ::unlink(path.c_str());
}

TEST(FileFlash, StorePersistsAcrossCloseAndReopen) {
  const std::string path = temp_path("persist");
  ::unlink(path.c_str());
  const FlashGeometry g{4096, 8, 8};
  {
    dyn::host::FileFlash f;
    ASSERT_TRUE(f.open(path.c_str(), g, dyn::host::Durability::Sync));
    Bytes block(4096);
    ASSERT_TRUE(f.read(0, block));
    for (std::byte b : block) ASSERT_EQ(b, std::byte{0xFF});  // created erased
    Store s(f);
    ASSERT_TRUE(s.store.mount());
    ASSERT_TRUE(s.store.put_image("beacon", 3, pattern(5000, 3)));
    ASSERT_TRUE(s.store.set_trial(kTask, "beacon", 3));
    ASSERT_TRUE(s.store.commit(kTask));
    ASSERT_TRUE(s.store.put_checkpoint(kTask, pattern(77, 3)));
  }
  {
    dyn::host::FileFlash f;
    ASSERT_TRUE(f.open(path.c_str(), g));
    Store s(f);
    ASSERT_TRUE(s.store.mount());
    EXPECT_EQ(committed_of(s.store, kTask), "beacon@3");
    EXPECT_EQ(read_image(s.store, "beacon", 3), pattern(5000, 3));
    EXPECT_EQ(checkpoint_of(s.store, kTask), pattern(77, 3));
  }
  {
    dyn::host::FileFlash f;  // same file, other geometry: refused, not reformatted
    auto r = f.open(path.c_str(), {4096, 16, 8});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, FlashErrc::WrongSize);
    EXPECT_EQ(r.error().detail, 8u * 4096u);
  }
  dyn::host::FileFlash f;
  auto bad = f.open("/nonexistent-dir/x.flash", g);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, FlashErrc::Io);
  std::byte one[1];
  EXPECT_EQ(f.read(0, one).error().code, FlashErrc::Io);
  ::unlink(path.c_str());
}

}  // namespace

namespace {

TEST(ModuleStore, AnImageIsReadOnlyIfItsDigestMatchesEvenWhenEveryCrcDoes) {
  // A forged manifest: its SHA-256 changed and every CRC recomputed, as a
  // damage that happens to pass the checksums (or a tampering) would leave it.
  Device d(kRoomy);
  Store s(d.flash);
  ASSERT_TRUE(s.store.mount());
  const Bytes img = pattern(2000, 9);
  ASSERT_TRUE(s.store.put_image("beacon", 3, img));
  Bytes head(8);
  const std::uint32_t size = 2000, crc = dyn::crc32(img);
  std::memcpy(head.data(), &size, 4);
  std::memcpy(head.data() + 4, &crc, 4);
  // The manifest: a record whose data starts with the image's size and CRC.
  std::size_t data = 0;
  for (auto at = d.mem.begin(); (at = std::search(at, d.mem.end(), head.begin(), head.end())) != d.mem.end(); ++at) {
    const auto offset = static_cast<std::size_t>(at - d.mem.begin());
    std::uint32_t magic = 0;
    if (offset >= fmt::kRecordHeaderBytes) std::memcpy(&magic, d.mem.data() + offset - fmt::kRecordHeaderBytes, 4);
    if (magic == fmt::kRecordMagic) data = offset;
  }
  ASSERT_NE(data, 0u);
  const std::size_t header = data - fmt::kRecordHeaderBytes;
  d.mem[data + 8] ^= std::byte{1};  // first digest byte
  const std::uint32_t data_crc = dyn::crc32(std::span<const std::byte>(d.mem).subspan(data, 40));
  std::memcpy(d.mem.data() + header + fmt::kHdrDataCrc, &data_crc, 4);
  const std::uint32_t header_crc = dyn::crc32(std::span<const std::byte>(d.mem).subspan(header, fmt::kHdrCrc));
  std::memcpy(d.mem.data() + header + fmt::kHdrCrc, &header_crc, 4);
  Store again(d.flash);
  ASSERT_TRUE(again.store.mount());
  StoreErrc why{};
  EXPECT_TRUE(read_image(again.store, "beacon", 3, &why).empty());
  EXPECT_EQ(why, StoreErrc::Corrupt);
}

}  // namespace

namespace {

// FileFlash, with the process killed before its k-th write or erase: what
// the file holds then is exactly the operations before it (a kill loses no
// completed pwrite, and a store never depends on more).
class KillBefore final : public dyn::Flash {
 public:
  KillBefore(dyn::Flash& inner, std::uint64_t k) : inner_(inner), left_(k) {}
  FlashGeometry geometry() const noexcept override { return inner_.geometry(); }
  dyn::Result<void, dyn::FlashError> read(std::uint32_t offset, std::span<std::byte> out) noexcept override {
    return inner_.read(offset, out);
  }
  dyn::Result<void, dyn::FlashError> write(std::uint32_t offset, std::span<const std::byte> bytes) noexcept override {
    tick();
    return inner_.write(offset, bytes);
  }
  dyn::Result<void, dyn::FlashError> erase(std::uint32_t block) noexcept override {
    tick();
    return inner_.erase(block);
  }

 private:
  void tick() noexcept {
    if (left_-- == 0) ::kill(::getpid(), SIGKILL);
  }
  dyn::Flash& inner_;
  std::uint64_t left_;
};

TEST(FileFlash, AProcessKilledAtEveryWriteOfAnUpdateBootsTheOldOrTheNewVersion) {
  const std::string path = temp_path("killed");
  const FlashGeometry g{4096, 16, 8};
  const Bytes v1 = pattern(6000, 1), v2 = pattern(7000, 2), cp = pattern(120, 3);
  std::size_t old_boots = 0, new_boots = 0;
  for (std::uint64_t k = 0;; ++k) {
    ::unlink(path.c_str());
    {  // v1 committed, on a file of its own
      dyn::host::FileFlash f;
      ASSERT_TRUE(f.open(path.c_str(), g));
      Store s(f);
      ASSERT_TRUE(s.store.mount());
      ASSERT_TRUE(s.store.put_image("beacon", 1, v1));
      ASSERT_TRUE(s.store.set_trial(kTask, "beacon", 1));
      ASSERT_TRUE(s.store.commit(kTask));
    }
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {  // the update manager's journal for v1 -> v2, killed before write k
      dyn::host::FileFlash f;
      if (!f.open(path.c_str(), g)) ::_exit(2);
      KillBefore flash(f, k);
      std::vector<StoreEntry> index(64);
      ModuleStore store(flash, index);
      const bool ok = store.mount() && store.put_image("beacon", 2, v2) && store.set_trial(kTask, "beacon", 2) &&
                      store.put_checkpoint(kTask, cp) && store.commit(kTask) && store.remove_image("beacon", 1);
      ::_exit(ok ? 0 : 3);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    const bool killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
    ASSERT_TRUE(killed || (WIFEXITED(status) && WEXITSTATUS(status) == 0)) << "k " << k << " status " << status;
    dyn::host::FileFlash f;
    ASSERT_TRUE(f.open(path.c_str(), g));
    Store s(f);
    ASSERT_TRUE(s.store.mount()) << k;
    const std::string c = committed_of(s.store, kTask);
    ASSERT_TRUE(c == "beacon@1" || c == "beacon@2") << "kill before write " << k << ": " << c;
    EXPECT_EQ(read_image(s.store, "beacon", c == "beacon@1" ? 1 : 2), c == "beacon@1" ? v1 : v2) << k;
    (c == "beacon@1" ? old_boots : new_boots)++;
    if (!killed) break;  // the whole update ran: every write was swept
    ASSERT_LT(k, 1000u);
  }
  EXPECT_GT(old_boots, 0u);
  EXPECT_GT(new_boots, 0u);
  ::unlink(path.c_str());
}

}  // namespace
