// module_delta_test.cpp — module deltas (issue 12, part 3): the ground's
// encoder and the on-board one-pass decoder agree on real version pairs and
// on edited random data; the decoder's memory is bounded; a damaged,
// truncated, overlong or foreign delta is refused or rebuilds something
// else (which the manifest digest refuses), and never writes outside the result.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "delta_encoder.hpp"
#include "range_encoder.hpp"
#include "dyn/module_delta.hpp"
#include "example_modules.hpp"
#include "module_test_support.hpp"


namespace dyn {
namespace {

std::vector<std::byte> module(const std::string& dir, const std::string& name) {
  return test::read_bytes(test::example_module(dir, name));
}

// Decodes `delta`; the result, or the error. A guard after the result
// catches a write past it.
Result<std::vector<std::byte>, DeltaError> apply(std::span<const std::byte> base, std::span<const std::byte> delta,
                                                 std::size_t result_size) {
  std::vector<std::byte> out(result_size + 16, std::byte{0xEE});
  DeltaDecoder d(base, std::span(out).first(result_size));
  auto r = d.apply(delta);
  for (std::size_t g = result_size; g < out.size(); ++g)
    if (out[g] != std::byte{0xEE}) ADD_FAILURE() << "wrote past the result";
  if (!r) return Unexpected{r.error()};
  EXPECT_EQ(r.value(), result_size);
  out.resize(result_size);
  return out;
}

// The refusal of a crafted delta (or success, as a sentinel value).
DeltaErrc refusal(std::span<const std::byte> base, std::span<const std::byte> delta, std::size_t size) {
  auto r = apply(base, delta, size);
  return r ? DeltaErrc{} : r.error().code;
}

TEST(ModuleDelta, RealVersionPairsRoundTripInAnySplit) {
  const std::pair<std::string, std::string> pairs[] = {{"beacon", "beacon"}, {"beacon", "beacon_v2"},
                                                       {"beacon", "beacon_v3"}, {"beacon", "beacon_v4"},
                                                       {"mathlib", "mathlib"}, {"mathlib", "mathlib_v2"},
                                                       {"mathlib", "mathlib_v3"}, {"mathlib", "mathlib_v4"}};
  std::vector<std::pair<std::string, std::string>> all(std::begin(pairs), std::end(pairs));
  if (DYN_CORTEX_M3_MODULES)  // the same versions for Cortex-M3 (Thumb code, REL relocations)
    for (const auto& [dir, name] : pairs) all.emplace_back(dir, name + "_m3");
  for (const auto& [dir, name] : all) {
    const bool arm = name.ends_with("_m3");
    const auto base = module(dir, arm ? dir + "_m3" : dir);
    const auto target = module(dir, name);
    const auto delta = cli::encode_delta(base, target);
    EXPECT_LT(delta.size(), target.size()) << name;
    auto rebuilt = apply(base, delta, target.size());
    ASSERT_TRUE(rebuilt) << name << ": " << describe(rebuilt.error().code);
    EXPECT_EQ(rebuilt.value(), target) << name;
    // Reverse direction too (a rollback package).
    const auto back = cli::encode_delta(target, base);
    auto rebuilt_back = apply(target, back, base.size());
    ASSERT_TRUE(rebuilt_back);
    EXPECT_EQ(rebuilt_back.value(), base) << name << " back";
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
    auto rebuilt = apply(base, delta, target.size());
    ASSERT_TRUE(rebuilt) << round;
    EXPECT_EQ(rebuilt.value(), target) << round;
  }
}

// A relocation table (24-byte entries) whose offsets all moved by 0xA0 and
// whose symbol indices all moved by 2 — the carries change a different
// set of bytes in each entry — is two facts in fields mode, not a byte
// difference per entry.
TEST(ModuleDelta, ATableWhoseFieldsShiftedAlikeIsAFewBytes) {
  std::vector<std::byte> base(64, std::byte{0}), target(64, std::byte{0});
  const auto put = [](std::vector<std::byte>& v, std::uint64_t x) {
    for (int k = 0; k < 8; ++k) v.push_back(static_cast<std::byte>(x >> (8 * k)));
  };
  std::mt19937 rng(12);
  std::uint64_t offset = 0x20;
  for (int i = 0; i < 200; ++i) {
    offset += 4 + rng() % 60;
    const std::uint64_t sym = 5 + rng() % 40, type = 1 + rng() % 4, addend = rng();  // no entry like another
    put(base, offset);
    put(base, sym << 32 | type);
    put(base, addend);
    put(target, offset + 0xA0);
    put(target, (sym + 2) << 32 | type);
    put(target, addend);
  }
  const auto delta = cli::encode_delta(base, target);
  EXPECT_LE(delta.size(), 24u) << "200 entries, each shifted alike";
  auto rebuilt = apply(base, delta, target.size());
  ASSERT_TRUE(rebuilt) << describe(rebuilt.error().code);
  EXPECT_EQ(rebuilt.value(), target);
}

// x86-64 code in which every call's rel32 displacement moved by -0x40 (the
// callee is before inserted code, the callers after it): one fact, not a
// few changed bytes per call.
TEST(ModuleDelta, CallsWhoseDisplacementsMovedAlikeAreOneFact) {
  std::mt19937 rng(5);
  std::vector<std::byte> base, target;
  for (int i = 0; i < 150; ++i) {
    for (int k = 0; k < 7; ++k) {  // other instructions: the same in both
      const auto b = static_cast<std::byte>(0x40 + rng() % 0x40);
      base.push_back(b);
      target.push_back(b);
    }
    const std::uint32_t displacement = 0x1000 + rng() % 0x4000;
    base.push_back(std::byte{0xE8});
    target.push_back(std::byte{0xE8});
    for (int k = 0; k < 4; ++k) {
      base.push_back(static_cast<std::byte>(displacement >> (8 * k)));
      target.push_back(static_cast<std::byte>((displacement - 0x40) >> (8 * k)));
    }
  }
  const auto delta = cli::encode_delta(base, target);
  EXPECT_LE(delta.size(), 40u) << "150 calls, each moved by the same amount";
  auto rebuilt = apply(base, delta, target.size());
  ASSERT_TRUE(rebuilt) << describe(rebuilt.error().code);
  EXPECT_EQ(rebuilt.value(), target);
}

// The coder stays in step through long runs of a well-predicted bit broken
// by the rare other one: a rare bit narrows the range by up to 2^13, more
// than one byte of renormalisation.
TEST(ModuleDelta, TheRangeCoderSurvivesRareBitsAfterLongRuns) {
  std::mt19937 rng(3);
  std::vector<unsigned> bits;
  for (int i = 0; i < 200000; ++i) bits.push_back(rng() % 5000 == 0 ? 1u : 0u);
  cli::RangeEncoder enc;
  Prob p[4];
  reset_probs(p);
  for (std::size_t i = 0; i < bits.size(); ++i) enc.bit(p[i % 4], bits[i]);
  const auto stream = enc.finish();
  EXPECT_LT(stream.size(), 400u) << "a well-predicted bit costs a small fraction of a bit";
  RangeDecoder dec(stream);
  reset_probs(p);
  for (std::size_t i = 0; i < bits.size(); ++i) ASSERT_EQ(dec.bit(p[i % 4]), bits[i]) << i;
  EXPECT_FALSE(dec.overran());
}

// Probabilities learn fast while they are fresh (1/(n + 2) of the error for
// the n-th bit) and settle to 1/16 after: both sides apply the same steps.
TEST(ModuleDelta, AFreshProbabilityLearnsFasterThanASeasonedOne) {
  Prob fresh = range_coder::kProbInit;
  range_coder::adapt(fresh, 0);
  EXPECT_EQ(range_coder::probability(fresh), range_coder::kProbOne * 3 / 4) << "the first bit moves it half way";
  Prob p = range_coder::kProbInit;
  for (int i = 0; i < 1000; ++i) range_coder::adapt(p, 0);
  EXPECT_LT(range_coder::probability(p), range_coder::kProbOne);
  EXPECT_GT(range_coder::probability(p), range_coder::kProbOne - 32);
  for (int i = 0; i < 1000; ++i) range_coder::adapt(p, 1);
  EXPECT_GT(range_coder::probability(p), 0u);
  EXPECT_LT(range_coder::probability(p), 32u);
}

TEST(ModuleDelta, TheDecodersMemoryBesidesTheOutputIsBounded) {
  static_assert(sizeof(DeltaDecoder) <= 4096, "issue 12's goal: at most 4 KiB of working memory");
  EXPECT_LE(sizeof(DeltaDecoder), 4096u) << sizeof(DeltaDecoder) << " B";
}

// A delta written operation by operation with the shared model, as a
// hostile ground tool could.
class Crafted {
 public:
  Crafted() { rc_.direct(1, 0); }  // the literal-context bit every delta starts with
  Crafted& kind(std::uint32_t k) {
    code_kind(rc_, m_, k);
    return *this;
  }
  Crafted& seek(std::int64_t s) {
    EXPECT_TRUE(code_seek(rc_, m_, s));
    return *this;
  }
  Crafted& number(DeltaNumberModel DeltaModel::*which, std::uint64_t v) {
    EXPECT_TRUE(code_number(rc_, m_.*which, v));
    return *this;
  }
  Crafted& width(DeltaNumberModel DeltaModel::*which, std::uint32_t w) {  // a number's width, however large
    code_tree(rc_, (m_.*which).width, delta_format::kWidthBits, w - 1);
    return *this;
  }
  Crafted& distance(std::uint64_t d) {
    (void)code_distance(rc_, m_, d);
    return *this;
  }
  Crafted& stride(std::uint32_t index) {
    EXPECT_TRUE(code_stride(rc_, m_, index));
    return *this;
  }
  Crafted& fields(bool on) {
    code_fields(rc_, m_, on);
    return *this;
  }
  Crafted& word(std::uint32_t base, std::uint32_t out) {
    code_match_word(rc_, m_, base, out);
    return *this;
  }
  Crafted& literal(std::size_t at, std::uint8_t previous, std::uint8_t b) {
    code_literal(rc_, m_, at, previous, b);
    return *this;
  }
  std::vector<std::byte> bytes() { return rc_.finish(); }

 private:
  cli::RangeEncoder rc_;
  DeltaModel m_;
};

TEST(ModuleDelta, DamagedTruncatedAndForeignDeltasAreRefusedWithoutWritingOutside) {
  const auto base = module("beacon", "beacon");
  const auto target = module("beacon", "beacon_v2");
  const auto delta = cli::encode_delta(base, target);
  // Every truncation: refused, or another image the digest refuses; never a write outside.
  std::size_t truncations_refused = 0;
  for (std::size_t n = 0; n < delta.size(); ++n) {
    auto out = apply(base, std::span(delta).first(n), target.size());
    EXPECT_TRUE(!out || out.value() != target) << n;
    if (!out) ++truncations_refused;
  }
  EXPECT_GE(truncations_refused, delta.size() - 8) << "only the last bytes may decode to something";
  // Bytes after the end of the stream (past the zeros the encoder may have dropped).
  auto longer = delta;
  longer.insert(longer.end(), range_coder::kTrimmedZerosMax + 2, std::byte{0x41});
  EXPECT_NE(refusal(base, longer, target.size()), DeltaErrc{});
  // Every byte flipped: refused, or a wrong result the digest check catches — never a write outside.
  std::size_t refused = 0, wrong = 0;
  for (std::size_t i = 0; i < delta.size(); ++i) {
    auto damaged = delta;
    damaged[i] ^= std::byte{0x5A};
    auto out = apply(base, damaged, target.size());
    if (!out) ++refused;
    else if (out.value() != target) ++wrong;
    else if (i + range_coder::kTrimmedZerosMax < delta.size())  // the last bytes hold the coder's slack
      ADD_FAILURE() << "a flipped byte " << i << " rebuilt the same image";
  }
  EXPECT_GT(refused, 0u);
  // Another base: copies land outside it or rebuild something else (the digest refuses it).
  const auto other = module("mathlib", "mathlib");
  auto foreign = apply(other, delta, target.size());
  EXPECT_TRUE(!foreign || foreign.value() != target);
  // Crafted operations, each refused for its own reason.
  using M = DeltaModel;
  EXPECT_EQ(refusal(base, Crafted().kind(3).bytes(), 10), DeltaErrc::BadOperation);
  EXPECT_EQ(refusal(base, Crafted().kind(delta_format::kRepeat).distance(5).number(&M::repeat_length, 3).bytes(), 10),
            DeltaErrc::OutsideOutput) << "a repeat from before the start";
  EXPECT_EQ(refusal(base, Crafted().kind(delta_format::kRepeat).distance(0).number(&M::repeat_length, 3).bytes(), 10),
            DeltaErrc::BadNumber) << "the last distance again, before any";
  EXPECT_EQ(refusal(base, Crafted().kind(delta_format::kMatch).seek(static_cast<std::int64_t>(base.size()) - 4).number(&M::match_length, 8).bytes(), 10),
            DeltaErrc::OutsideBase) << "a match past the base's end";
  EXPECT_EQ(refusal(base, Crafted().kind(delta_format::kMatch).seek(-1).number(&M::match_length, 0).bytes(), 10),
            DeltaErrc::OutsideBase) << "a match before the base's start";
  EXPECT_EQ(refusal(base, Crafted().kind(delta_format::kLiteral).number(&M::literal_length, 10).bytes(), 10),
            DeltaErrc::OutsideOutput) << "a literal longer than the result";
  EXPECT_EQ(refusal(base, Crafted().kind(delta_format::kLiteral).width(&M::literal_length, 40).bytes(), 10),
            DeltaErrc::BadNumber) << "a number wider than 33 bits";
  EXPECT_EQ(refusal(base, Crafted().kind(delta_format::kLiteral).number(&M::literal_length, 1).literal(0, 0, 'a').literal(1, 'a', 'b').bytes(), 2),
            DeltaErrc{}) << "the crafting itself works";
  EXPECT_EQ(refusal(base, {}, 10), DeltaErrc::Incomplete) << "an empty delta for a non-empty result";
  // Fields: two words of the base, each changed, as a hostile tool could write them.
  const std::uint32_t w0 = load_le32(std::span(base).first(4)), w1 = load_le32(std::span(base).subspan(4, 4));
  const auto fields = Crafted().kind(delta_format::kMatch).seek(0).number(&M::match_length, 7).stride(4).fields(true)
                          .word(w0, w0 + 0x1234).word(w1, w1 - 7).bytes();
  auto crafted = apply(base, fields, 8);
  ASSERT_TRUE(crafted) << describe(crafted.error().code);
  EXPECT_EQ(load_le32(std::span(crafted.value()).first(4)), w0 + 0x1234);
  EXPECT_EQ(load_le32(std::span(crafted.value()).subspan(4, 4)), w1 - 7);
  EXPECT_EQ(refusal(base, Crafted().kind(delta_format::kMatch).seek(static_cast<std::int64_t>(base.size()) - 4)
                              .number(&M::match_length, 7).stride(4).fields(true).bytes(), 10),
            DeltaErrc::OutsideBase) << "fields past the base's end";
}

}  // namespace
}  // namespace dyn
