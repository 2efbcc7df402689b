// notification.hpp — the 32-bit task notification of seed 003.
//
// "The first 3 bytes are used for custom messages sent to the task, and the
// last byte is used as flags to set repeats." In memory order on a
// little-endian machine the first three bytes are the low 24 bits, so:
//   bits  0..23  message (0 .. 0xFFFFFF)
//   bits 24..31  repeats (0 .. 255)
#pragma once

#include <cstdint>

#include "dyn/time.hpp"

namespace dyn {

struct Notification {
  std::uint32_t raw = 0;

  static constexpr std::uint32_t kMessageMax = 0x00FF'FFFFu;

  // Returns false (and leaves *out alone) if message does not fit in 24 bits.
  [[nodiscard]] static constexpr bool pack(std::uint32_t message, std::uint8_t repeats,
                                           Notification* out) noexcept {
    if (message > kMessageMax) return false;
    out->raw = message | (static_cast<std::uint32_t>(repeats) << 24);
    return true;
  }
  constexpr std::uint32_t message() const noexcept { return raw & kMessageMax; }
  constexpr std::uint8_t repeats() const noexcept { return static_cast<std::uint8_t>(raw >> 24); }
};

static_assert(sizeof(Notification) == 4);

// What the repeats byte means (seed 003, 2.1.5): zero = run once, then sleep
// until notified again; 1..255 = run every 60 min / repeats, never more often
// than every 5 min. kNever for zero repeats.
constexpr Time repeat_period(std::uint8_t repeats) noexcept {
  if (repeats == 0) return kNever;
  const Time p = kHour / repeats;
  return p < 5 * kMinute ? 5 * kMinute : p;
}

}  // namespace dyn
