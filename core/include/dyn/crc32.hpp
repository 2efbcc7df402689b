// crc32.hpp — CRC-32/IEEE 802.3 (reflected polynomial 0xEDB88320, init and
// final xor 0xFFFFFFFF; check value crc32("123456789") == 0xCBF43926).
//
// Used by the module store to tell a record that was written completely from
// one torn by a power cut. Table-driven; the tables are built at compile time
// and live in flash (.rodata) on the target. Their size is a build choice
// (CMake DYN_CRC32_TABLE): slicing by four (4 KiB, the host's default: about
// 4x faster than a byte at a time), a byte at a time (1 KiB) or a nibble at a
// time (64 B, the Cortex-M3 preset's: images and checkpoints there are a few
// KiB). All three give the same CRC; the tests check them against each other.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace dyn {

// Running form: start with kCrc32Init, feed any number of pieces through
// crc32_update, finish with crc32_final. crc32() does all three at once.
inline constexpr std::uint32_t kCrc32Init = 0xFFFFFFFFu;
[[nodiscard]] std::uint32_t crc32_update(std::uint32_t state, std::span<const std::byte> bytes) noexcept;
// The three table sizes, each callable whichever crc32_update uses.
[[nodiscard]] std::uint32_t crc32_update_slice4(std::uint32_t state, std::span<const std::byte> bytes) noexcept;
[[nodiscard]] std::uint32_t crc32_update_bytewise(std::uint32_t state, std::span<const std::byte> bytes) noexcept;
[[nodiscard]] std::uint32_t crc32_update_nibbles(std::uint32_t state, std::span<const std::byte> bytes) noexcept;
[[nodiscard]] constexpr std::uint32_t crc32_final(std::uint32_t state) noexcept { return state ^ 0xFFFFFFFFu; }
[[nodiscard]] inline std::uint32_t crc32(std::span<const std::byte> bytes) noexcept {
  return crc32_final(crc32_update(kCrc32Init, bytes));
}

}  // namespace dyn
