// rng.hpp — small deterministic pseudo-random generator (xorshift64*).
//
// Seeded from the mission's --seed so lottery runs are reproducible. The state
// is never zero (xorshift's fixed point); a zero seed is remapped.
#pragma once

#include <cstdint>

namespace dyn {

class Rng {
 public:
  explicit constexpr Rng(std::uint64_t seed) noexcept : state_(seed ? seed : 0x9E3779B97F4A7C15ull) {}

  constexpr std::uint64_t next() noexcept {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545F4914F6CDD1Dull;
  }

  // Uniform in [0, bound) for bound > 0, by multiply-shift of the high 32 bits
  // (bias below 2^-32 per draw for bounds that fit in 32 bits).
  constexpr std::uint32_t below(std::uint32_t bound) noexcept {
    const std::uint64_t r = next() >> 32;
    return static_cast<std::uint32_t>((r * bound) >> 32);
  }

 private:
  std::uint64_t state_;
};

}  // namespace dyn
