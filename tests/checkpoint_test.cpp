// checkpoint_test.cpp — checkpoint objects: sealing, validating, and every refusal.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "dyn/checkpoint.hpp"
#include "dyn/crc32.hpp"

namespace dyn {
namespace {

std::vector<std::byte> sealed(std::string_view module, std::uint32_t version, std::uint32_t schema,
                              std::vector<std::byte> payload) {
  std::vector<std::byte> out(kCheckpointHeaderSize + payload.size());
  if (!payload.empty()) std::memcpy(out.data() + kCheckpointHeaderSize, payload.data(), payload.size());
  auto n = seal_checkpoint(out, module, version, schema, payload.size());
  EXPECT_TRUE(n);
  EXPECT_EQ(n.value(), out.size());
  return out;
}

std::vector<std::byte> payload(std::size_t n) {
  std::vector<std::byte> p(n);
  for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<std::byte>(i * 7 + 1);
  return p;
}

CheckpointErrc refusal(const std::vector<std::byte>& b) {
  auto r = CheckpointView::open(b);
  EXPECT_FALSE(r);
  return r ? CheckpointErrc::NoRoom : r.error().code;
}

TEST(Checkpoint, RoundTripsNameVersionSchemaAndPayload) {
  const auto p = payload(100);
  const auto b = sealed("beacon", 3, 2, p);
  auto v = CheckpointView::open(b);
  ASSERT_TRUE(v);
  EXPECT_EQ(v.value().module, "beacon");
  EXPECT_EQ(v.value().version, 3u);
  EXPECT_EQ(v.value().schema, 2u);
  ASSERT_EQ(v.value().payload.size(), p.size());
  EXPECT_EQ(std::memcmp(v.value().payload.data(), p.data(), p.size()), 0);
}

TEST(Checkpoint, AnEmptyPayloadIsAValidObject) {
  auto v = CheckpointView::open(sealed("m", 1, 1, {}));
  ASSERT_TRUE(v);
  EXPECT_TRUE(v.value().payload.empty());
}

TEST(Checkpoint, EveryDamageIsRefusedWithItsReason) {
  const auto good = sealed("beacon", 2, 2, payload(64));
  EXPECT_EQ(refusal(std::vector<std::byte>(good.begin(), good.begin() + 20)), CheckpointErrc::TooSmall);
  auto b = good;
  b[0] = std::byte{'X'};
  EXPECT_EQ(refusal(b), CheckpointErrc::BadMagic);
  b = good;
  b[4] = std::byte{9};  // format
  EXPECT_EQ(refusal(b), CheckpointErrc::BadFormat);
  b = good;
  b[40] ^= std::byte{1};  // version, under the header CRC
  EXPECT_EQ(refusal(b), CheckpointErrc::BadHeaderCrc);
  b = good;
  b[kCheckpointHeaderSize + 5] ^= std::byte{0x80};
  EXPECT_EQ(refusal(b), CheckpointErrc::BadPayloadCrc);
  EXPECT_EQ(refusal(std::vector<std::byte>(good.begin(), good.end() - 1)), CheckpointErrc::LengthPastEnd);
}

TEST(Checkpoint, BadNamesAreRefusedBothWays) {
  std::vector<std::byte> out(kCheckpointHeaderSize + 4);
  auto empty = seal_checkpoint(out, "", 1, 1, 4);
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, CheckpointErrc::BadName);
  auto tooLong = seal_checkpoint(out, "a_name_of_exactly_thirty_two_byt", 1, 1, 4);
  ASSERT_FALSE(tooLong);
  EXPECT_EQ(tooLong.error().code, CheckpointErrc::BadName);
  // A stored object whose name field has no NUL (32 bytes of name), with a
  // header CRC that matches: only the name is wrong, and it is refused.
  auto b = sealed("ok", 1, 1, payload(4));
  std::memset(b.data() + 8, 'n', 32);
  const std::uint32_t crc = crc32(std::span<const std::byte>(b).first(56));
  std::memcpy(b.data() + 56, &crc, 4);
  EXPECT_EQ(refusal(b), CheckpointErrc::BadName);
  std::memset(b.data() + 8, 0, 32);  // and an empty name
  const std::uint32_t crc2 = crc32(std::span<const std::byte>(b).first(56));
  std::memcpy(b.data() + 56, &crc2, 4);
  EXPECT_EQ(refusal(b), CheckpointErrc::BadName);
}

TEST(Checkpoint, APayloadThatDoesNotFitIsRefusedWhenSealing) {
  std::vector<std::byte> out(kCheckpointHeaderSize + 10);
  auto r = seal_checkpoint(out, "m", 1, 1, 11);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, CheckpointErrc::NoRoom);
  EXPECT_EQ(r.error().detail, kCheckpointHeaderSize + 11);
}

TEST(Checkpoint, TheInRamHandoffChecksTheHeaderButNotThePayloadAgain) {
  auto b = sealed("beacon", 2, 2, payload(32));
  b[kCheckpointHeaderSize] ^= std::byte{1};
  EXPECT_TRUE(CheckpointView::open(b, CheckpointView::Verify::Header));
  EXPECT_FALSE(CheckpointView::open(b, CheckpointView::Verify::Everything));
  b[0] = std::byte{0};
  EXPECT_FALSE(CheckpointView::open(b, CheckpointView::Verify::Header)) << "the header is always checked";
}

}  // namespace
}  // namespace dyn
