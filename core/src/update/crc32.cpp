// crc32.cpp — the table behind crc32_update (see crc32.hpp).
#include "dyn/crc32.hpp"

#include <array>

namespace dyn {
namespace {

constexpr std::array<std::uint32_t, 256> make_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int bit = 0; bit < 8; ++bit) c = (c & 1u) ? (0xEDB88320u ^ (c >> 1)) : (c >> 1);
    table[i] = c;
  }
  return table;
}

constexpr std::array<std::uint32_t, 256> kTable = make_table();
static_assert(kTable[1] == 0x77073096u && kTable[255] == 0x2D02EF8Du, "CRC-32 table");

}  // namespace

std::uint32_t crc32_update(std::uint32_t state, std::span<const std::byte> bytes) noexcept {
  for (std::byte b : bytes) state = kTable[(state ^ static_cast<std::uint32_t>(b)) & 0xFFu] ^ (state >> 8);
  return state;
}

}  // namespace dyn
