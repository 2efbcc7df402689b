// delta_base.hpp — the installed version the fuzzed deltas apply to, and a
// new version made from it (both fixed, so committed seeds stay valid):
// shared by package_fuzz, delta_fuzz and package_seeds.
#pragma once

#include <cstddef>
#include <vector>

namespace dyn::fuzz {

inline const std::vector<std::byte>& delta_base() {
  static const std::vector<std::byte> base = [] {
    std::vector<std::byte> b(2048);
    for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<std::byte>((i * 37) ^ (i >> 3));
    return b;
  }();
  return base;
}

// The base with an insertion, a shifted table and a changed constant: a
// delta between the two uses every operation.
inline std::vector<std::byte> delta_target() {
  std::vector<std::byte> t = delta_base();
  t.insert(t.begin() + 300, 40, std::byte{0x90});
  for (std::size_t i = 1000; i + 8 <= 1400; i += 24) t[i] = static_cast<std::byte>(static_cast<unsigned>(t[i]) + 0x28);
  t[1800] = std::byte{0x42};
  t.insert(t.end(), t.begin() + 100, t.begin() + 160);  // a repeat of the new version's own bytes
  return t;
}

}  // namespace dyn::fuzz
