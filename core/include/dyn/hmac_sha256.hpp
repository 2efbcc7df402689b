// hmac_sha256.hpp — HMAC-SHA-256 (RFC 2104 over FIPS 180-4), streaming, no
// heap: the symmetric authentication of update packages for targets without
// public-key cryptography (a per-spacecraft key, in the style of CCSDS SDLS).
#pragma once

#include <array>
#include <cstddef>
#include <span>

#include "dyn/sha256.hpp"

namespace dyn {

using HmacSha256Tag = std::array<std::byte, 32>;

class HmacSha256 {
 public:
  // Any key length: a key longer than the 64-byte block is hashed first (RFC 2104, section 2).
  explicit HmacSha256(std::span<const std::byte> key) noexcept;
  ~HmacSha256();  // the derived key pads are wiped
  HmacSha256(const HmacSha256&) = delete;
  HmacSha256& operator=(const HmacSha256&) = delete;
  void update(std::span<const std::byte> data) noexcept;
  [[nodiscard]] HmacSha256Tag finish() noexcept;  // the object is spent afterwards

  static HmacSha256Tag of(std::span<const std::byte> key, std::span<const std::byte> data) noexcept;

 private:
  Sha256 inner_;
  std::byte outer_pad_[64];  // key XOR opad, kept for finish()
};

// Compares two byte strings in time that depends only on their lengths (a
// tag check must not say how many leading bytes of a forged tag were right).
[[nodiscard]] bool equal_in_constant_time(std::span<const std::byte> a, std::span<const std::byte> b) noexcept;

// Overwrites `bytes` with zeros in a way the compiler may not drop (key material).
void wipe(std::span<std::byte> bytes) noexcept;

}  // namespace dyn
