// time.hpp — mission time.
//
// Mission time is a signed 64-bit count of microseconds since the mission
// started. It is virtual (advanced by the kernel, deterministic) or real (read
// from the port's monotonic clock); the kernel never mixes the two in one run.
#pragma once

#include <cstdint>
#include <limits>

namespace dyn {

using Time = std::int64_t;  // microseconds of mission time (instants and durations)

inline constexpr Time kNever = std::numeric_limits<Time>::max();
inline constexpr Time kMicrosecond = 1;
inline constexpr Time kMillisecond = 1000;
inline constexpr Time kSecond = 1000 * kMillisecond;
inline constexpr Time kMinute = 60 * kSecond;
inline constexpr Time kHour = 60 * kMinute;

// a + b saturating at kNever, so "never" plus anything stays never.
constexpr Time time_add(Time a, Time b) noexcept {
  return (b > 0 && a > kNever - b) ? kNever : a + b;
}

// a mod b for a >= 0, b > 0 (so: an instant's phase within a period), without
// a 64-bit division instruction: 32-bit CPUs such as the Cortex-M3 have none,
// and the compiler's routine for it is 864 bytes of code. Periods up to
// 65.535 ms (every tick in practice) take three 32-bit divisions; longer
// ones are divided a bit at a time.
constexpr Time time_mod(Time a, Time b) noexcept {
  const auto n = static_cast<std::uint64_t>(a);
  const auto d = static_cast<std::uint64_t>(b);
  if (d <= 0xFFFFu) {
    // Base 2^16 long division: each partial dividend is below d * 2^16 < 2^32.
    const auto d32 = static_cast<std::uint32_t>(d);
    std::uint32_t r = static_cast<std::uint32_t>(n >> 32) % d32;
    r = ((r << 16) | static_cast<std::uint32_t>((n >> 16) & 0xFFFFu)) % d32;
    r = ((r << 16) | static_cast<std::uint32_t>(n & 0xFFFFu)) % d32;
    return static_cast<Time>(r);
  }
  std::uint64_t r = 0;  // stays below d < 2^63, so the shift cannot overflow
  for (int bit = 63; bit >= 0; --bit) {
    r = (r << 1) | ((n >> bit) & 1u);
    if (r >= d) r -= d;
  }
  return static_cast<Time>(r);
}

}  // namespace dyn
