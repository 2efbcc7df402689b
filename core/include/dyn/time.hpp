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

}  // namespace dyn
