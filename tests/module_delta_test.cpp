// module_delta_test.cpp — module deltas (issue 12, part 3): the ground's
// encoder and the on-board streaming decoder agree on real version pairs
// fed in any split; the decoder's memory is bounded; a damaged, truncated,
// overlong or foreign delta is refused and never writes outside the result.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "delta_encoder.hpp"
#include "dyn/module_delta.hpp"
#include "module_test_support.hpp"

#ifndef DYN_MODULES_DIR
#error "DYN_MODULES_DIR must name the directory of the example modules"
#endif

namespace dyn {
namespace {

std::vector<std::byte> module(const std::string& dir, const std::string& name) {
  return test::read_bytes(std::string(DYN_MODULES_DIR) + "/" + dir + "/" + name + ".o");
}

// Decodes `delta` fed in chunks of `chunk` bytes; the result, or the error.
Result<std::vector<std::byte>, DeltaError> apply(std::span<const std::byte> base, std::span<const std::byte> delta,
                                                 std::size_t result_size, std::size_t chunk) {
  std::vector<std::byte> out(result_size + 16, std::byte{0xEE});  // a guard after the result
  DeltaDecoder d(base, std::span(out).first(result_size));
  for (std::size_t at = 0; at < delta.size(); at += chunk) {
    if (auto r = d.feed(delta.subspan(at, std::min(chunk, delta.size() - at))); !r) {
      for (std::size_t g = result_size; g < out.size(); ++g)
        if (out[g] != std::byte{0xEE}) ADD_FAILURE() << "wrote past the result";
      return Unexpected{r.error()};
    }
  }
  if (auto f = d.finish(); !f) return Unexpected{f.error()};
  for (std::size_t g = result_size; g < out.size(); ++g)
    if (out[g] != std::byte{0xEE}) ADD_FAILURE() << "wrote past the result";
  out.resize(result_size);
  return out;
}

// The refusal of a crafted delta (or success, as a sentinel value).
DeltaErrc refusal(std::span<const std::byte> base, std::span<const std::byte> delta, std::size_t size, std::size_t chunk) {
  auto r = apply(base, delta, size, chunk);
  return r ? DeltaErrc{} : r.error().code;
}

TEST(ModuleDelta, RealVersionPairsRoundTripInAnySplit) {
  const std::pair<std::string, std::string> pairs[] = {{"beacon", "beacon"}, {"beacon", "beacon_v2"},
                                                       {"beacon", "beacon_v3"}, {"beacon", "beacon_v4"},
                                                       {"mathlib", "mathlib"}, {"mathlib", "mathlib_v2"},
                                                       {"mathlib", "mathlib_v3"}, {"mathlib", "mathlib_v4"}};
  for (const auto& [dir, name] : pairs) {
    const auto base = module(dir, dir);
    const auto target = module(dir, name);
    const auto delta = cli::encode_delta(base, target);
    EXPECT_LT(delta.size(), target.size()) << name;
    for (std::size_t chunk : {1u, 2u, 3u, 7u, 64u, 100000u}) {
      auto rebuilt = apply(base, delta, target.size(), chunk);
      ASSERT_TRUE(rebuilt) << name << " chunk " << chunk << ": " << describe(rebuilt.error().code);
      EXPECT_EQ(rebuilt.value(), target) << name << " chunk " << chunk;
    }
    // Reverse direction too (a rollback package).
    const auto back = cli::encode_delta(target, base);
    auto rebuilt = apply(target, back, base.size(), 5);
    ASSERT_TRUE(rebuilt);
    EXPECT_EQ(rebuilt.value(), base) << name << " back";
  }
  // An identical version is a few bytes.
  const auto beacon = module("beacon", "beacon");
  EXPECT_LE(cli::encode_delta(beacon, beacon).size(), 8u);
}

TEST(ModuleDelta, EditedRandomDataRoundTrips) {
  std::mt19937 rng(7);
  for (int round = 0; round < 40; ++round) {
    std::vector<std::byte> base(1 + rng() % 3000);
    for (auto& b : base) b = static_cast<std::byte>(rng() % 7);  // repetitive, like code
    std::vector<std::byte> target = base;
    for (int edit = 0; edit < 5; ++edit) {
      const std::size_t at = rng() % (target.size() + 1);
      if (rng() % 2) {
        std::vector<std::byte> insert(rng() % 50, static_cast<std::byte>(rng()));
        target.insert(target.begin() + static_cast<std::ptrdiff_t>(at), insert.begin(), insert.end());
      } else if (!target.empty()) {
        const std::size_t n = std::min<std::size_t>(rng() % 50, target.size() - std::min(at, target.size()));
        target.erase(target.begin() + static_cast<std::ptrdiff_t>(std::min(at, target.size())),
                     target.begin() + static_cast<std::ptrdiff_t>(std::min(at, target.size()) + n));
      }
    }
    const auto delta = cli::encode_delta(base, target);
    auto rebuilt = apply(base, delta, target.size(), 1 + rng() % 9);
    ASSERT_TRUE(rebuilt) << round;
    EXPECT_EQ(rebuilt.value(), target) << round;
  }
}

TEST(ModuleDelta, TheDecodersMemoryBesidesTheOutputIsBounded) {
  static_assert(sizeof(DeltaDecoder) <= 4096, "issue 12's goal: at most 4 KiB of working memory");
  EXPECT_LE(sizeof(DeltaDecoder), 128u) << "a few words of state: " << sizeof(DeltaDecoder) << " B";
}

TEST(ModuleDelta, DamagedTruncatedAndForeignDeltasAreRefusedWithoutWritingOutside) {
  const auto base = module("beacon", "beacon");
  const auto target = module("beacon", "beacon_v2");
  const auto delta = cli::encode_delta(base, target);
  // Every truncation: Incomplete (or an error), never a result.
  for (std::size_t n = 0; n < delta.size(); ++n) EXPECT_FALSE(apply(base, std::span(delta).first(n), target.size(), 3)) << n;
  // A trailing operation after the result.
  auto longer = delta;
  longer.push_back(std::byte{0x00});
  longer.push_back(std::byte{0x41});
  EXPECT_EQ(refusal(base, longer, target.size(), 4), DeltaErrc::Trailing);
  // Every byte flipped: refused, or a wrong result the digest check catches — never a write outside.
  std::size_t refused = 0, wrong = 0;
  for (std::size_t i = 0; i < delta.size(); ++i) {
    auto damaged = delta;
    damaged[i] ^= std::byte{0x5A};
    auto out = apply(base, damaged, target.size(), 16);
    if (!out) ++refused;
    else if (out.value() != target) ++wrong;
  }
  EXPECT_GT(refused, 0u);
  EXPECT_GT(wrong, 0u) << "a flipped literal rebuilds another image: the manifest digest is what refuses it";
  // Another base: copies land outside it or rebuild something else (the digest refuses it).
  const auto other = module("mathlib", "mathlib");
  auto foreign = apply(other, delta, target.size(), 8);
  EXPECT_TRUE(!foreign || foreign.value() != target);
  // Crafted operations.
  const std::byte bad_kind[] = {std::byte{0xC0}};
  EXPECT_EQ(refusal(base, bad_kind, 10, 1), DeltaErrc::BadOperation);
  const std::byte before_start[] = {std::byte{0x80 | 3}, std::byte{5}};  // COPY_OUT 4 from 5 back, nothing written
  EXPECT_EQ(refusal(base, before_start, 10, 1), DeltaErrc::OutsideOutput);
  const std::byte past_base[] = {std::byte{0x40 | 9}, std::byte{0xFE}, std::byte{0xFF}, std::byte{0x7F}};
  EXPECT_EQ(refusal(base, past_base, 10, 2), DeltaErrc::OutsideBase);
  const std::byte too_long[] = {std::byte{0x3F}, std::byte{0xFF}, std::byte{0xFF}, std::byte{0x03}};
  EXPECT_EQ(refusal(base, too_long, 10, 1), DeltaErrc::OutsideOutput);
  const std::byte huge_number[] = {std::byte{0x40}, std::byte{0xFF}, std::byte{0xFF}, std::byte{0xFF}, std::byte{0xFF},
                                   std::byte{0xFF}, std::byte{0xFF}, std::byte{0xFF}, std::byte{0xFF}, std::byte{0xFF},
                                   std::byte{0xFF}, std::byte{0x01}};
  const DeltaErrc huge = refusal(base, huge_number, 10, 1);
  EXPECT_TRUE(huge == DeltaErrc::BadNumber || huge == DeltaErrc::OutsideBase);
}

}  // namespace
}  // namespace dyn
