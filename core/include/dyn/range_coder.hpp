// range_coder.hpp — an adaptive binary range coder: the entropy coding of
// module deltas (module_delta.hpp), small enough for a flight core.
//
// Each coded bit has a probability (13 bits, adapted fast while fresh, then
// by 1/16 of the error after every bit), and the coder narrows a 32-bit
// range in proportion, so a bit the model predicts well costs a small
// fraction of a bit. This is the
// classic carry-less-decoder binary range coder (as in LZMA; written here
// from the algorithm). The decoder below is the on-board half; the ground's
// encoder (cli/range_encoder.hpp) makes the same calls.
//
// Encoder and decoder share their model code: every coding function is a
// template over the coder, whose `bit(prob, b)` encodes `b` and returns it
// (encoder) or ignores `b` and returns the decoded bit (decoder). So the two
// cannot drift apart.
//
// Stream: the encoder's output without its first byte (always 0) and with
// up to four trailing zero bytes dropped; the decoder reads zeros past the
// end for those four and no further.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace dyn {

using Prob = std::uint16_t;

namespace range_coder {
// A Prob is a state: the probability of a 0 in its top kProbBits bits, and
// in the low kCountBits how many bits it has seen, up to kCountMax. A fresh
// state learns fast (the n-th bit moves the probability by 1/(n + 2) of the
// error: the average of what it saw), a seasoned one by 1/2^kAdaptShift:
// a delta's contexts see a few to a few hundred thousand bits each.
// Measured (mean change of the delta over bench/delta_sizes.sh's pairs, from
// plain 11-bit probabilities): 0 count bits (16-bit probabilities) -2 %,
// 2 -8.9 %, 3 -9.3 %, 4 -9.0 %.
inline constexpr unsigned kCountBits = 3;
inline constexpr unsigned kProbBits = 16 - kCountBits;
inline constexpr std::uint32_t kProbOne = std::uint32_t{1} << kProbBits;
inline constexpr unsigned kCountMax = (1u << kCountBits) - 1;
inline constexpr unsigned kAdaptShift = 4;  // faster than LZMA's 5: our streams are short
inline constexpr Prob kProbInit = static_cast<Prob>(kProbOne / 2 << kCountBits);
inline constexpr std::uint32_t kTop = std::uint32_t{1} << 24;
inline constexpr std::size_t kTrimmedZerosMax = 4;

// The probability of a 0, of kProbOne (never 0, never kProbOne).
constexpr std::uint32_t probability(Prob s) noexcept { return s >> kCountBits; }

// The update both sides apply after coding `bit` with state `s`.
constexpr void adapt(Prob& s, unsigned bit) noexcept {
  const unsigned n = s & kCountMax;
  std::uint32_t p = probability(s);
  if (n < kCountMax && (n + 2u) < (1u << kAdaptShift)) {
    if (bit == 0) p += (kProbOne - p) / (n + 2u);
    else p -= p / (n + 2u);
  } else {
    if (bit == 0) p += (kProbOne - p) >> kAdaptShift;
    else p -= p >> kAdaptShift;
  }
  s = static_cast<Prob>(p << kCountBits | (n < kCountMax ? n + 1u : n));
}
}  // namespace range_coder

template <std::size_t N>
constexpr void reset_probs(Prob (&p)[N]) noexcept {
  for (auto& x : p) x = range_coder::kProbInit;
}

class RangeDecoder {
 public:
  explicit RangeDecoder(std::span<const std::byte> in) noexcept : in_(in) {
    for (int i = 0; i < 4; ++i) code_ = code_ << 8 | next();
  }

  unsigned bit(Prob& p, unsigned /*ignored*/ = 0) noexcept {
    const std::uint32_t bound = (range_ >> range_coder::kProbBits) * range_coder::probability(p);
    unsigned b;
    if (code_ < bound) {
      range_ = bound;
      b = 0;
    } else {
      range_ -= bound;
      code_ -= bound;
      b = 1;
    }
    range_coder::adapt(p, b);
    normalize();
    return b;
  }

  // `count` (<= 32) bits of equal probability, high bit first.
  std::uint32_t direct(unsigned count, std::uint32_t /*ignored*/ = 0) noexcept {
    std::uint32_t v = 0;
    for (unsigned i = 0; i < count; ++i) {
      range_ >>= 1;
      std::uint32_t b = 0;
      if (code_ >= range_) {
        code_ -= range_;
        b = 1;
      }
      v = v << 1 | b;
      normalize();
    }
    return v;
  }

  // Bytes of input consumed (the first four at construction).
  std::size_t consumed() const noexcept { return at_; }
  // The stream ended before the decoding did (more zeros read than the encoder can have dropped).
  bool overran() const noexcept { return at_ > in_.size() + range_coder::kTrimmedZerosMax; }
  // Input the decoding never reached.
  bool trailing() const noexcept { return at_ < in_.size(); }

 private:
  std::uint32_t next() noexcept { return at_ < in_.size() ? static_cast<std::uint32_t>(in_[at_++]) : (++at_, 0u); }
  // A loop, not one step: a bit of probability 15/8192 leaves a range
  // under 2^16, two bytes short of kTop.
  void normalize() noexcept {
    while (range_ < range_coder::kTop) {
      range_ <<= 8;
      code_ = code_ << 8 | next();
    }
  }

  std::span<const std::byte> in_;
  std::size_t at_ = 0;
  std::uint32_t range_ = 0xFFFFFFFFu;
  std::uint32_t code_ = 0;
};

// `bits` bits of `v` through a binary tree of 2^bits - 1 probabilities
// (tree[1..]), high bit first: each bit's context is the bits before it.
template <class Coder, std::size_t N>
std::uint32_t code_tree(Coder& c, Prob (&tree)[N], unsigned bits, std::uint32_t v) noexcept {
  static_assert(N >= 2);
  std::uint32_t node = 1;
  for (unsigned i = bits; i-- > 0;) node = node << 1 | c.bit(tree[node], (v >> i) & 1u);
  return node - (std::uint32_t{1} << bits);
}

}  // namespace dyn
