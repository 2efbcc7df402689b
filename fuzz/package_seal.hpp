// package_seal.hpp — the fuzz key, and sealing fuzzed bytes as an authentic
// package of it (so what lies behind the authentication is reached).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "dyn/hmac_sha256.hpp"
#include "dyn/package.hpp"

namespace dyn::fuzz {

inline constexpr std::byte kPackageKey[32] = {std::byte{0x11}, std::byte{0x22}, std::byte{0x33}, std::byte{0x44}};

// Keeps magic and version, sets the HMAC mode, writes the length the bytes
// have, and recomputes the tag over everything before it.
inline void reseal(std::vector<std::byte>& p) {
  namespace fmt = package_format;
  if (p.size() < fmt::kFixedHeader) return;
  std::size_t old_length = 0;  // the declared length as it was: skipped
  while (fmt::kFixedHeader + old_length < p.size() && old_length < 5 &&
         (static_cast<std::uint8_t>(p[fmt::kFixedHeader + old_length]) & 0x80))
    ++old_length;
  if (fmt::kFixedHeader + old_length < p.size()) ++old_length;
  std::vector<std::byte> rest(p.begin() + static_cast<std::ptrdiff_t>(fmt::kFixedHeader + old_length), p.end());
  if (rest.size() < fmt::kHmacTagSize) rest.resize(fmt::kHmacTagSize);
  std::size_t length_bytes = 1;
  const auto varint_size = [](std::size_t v) {
    std::size_t n = 1;
    for (; v >= 0x80; v >>= 7) ++n;
    return n;
  };
  while (varint_size(fmt::kFixedHeader + length_bytes + rest.size()) != length_bytes) ++length_bytes;
  std::size_t total = fmt::kFixedHeader + length_bytes + rest.size();
  p.resize(fmt::kFixedHeader);
  p[3] = static_cast<std::byte>(AuthMode::HmacSha256);
  for (; total >= 0x80; total >>= 7) p.push_back(static_cast<std::byte>((total & 0x7F) | 0x80));
  p.push_back(static_cast<std::byte>(total));
  p.insert(p.end(), rest.begin(), rest.end());
  const std::size_t body = p.size() - fmt::kHmacTagSize;
  const HmacSha256Tag tag = HmacSha256::of(kPackageKey, std::span(p).first(body));
  std::memcpy(p.data() + body, tag.data(), fmt::kHmacTagSize);
}

}  // namespace dyn::fuzz
