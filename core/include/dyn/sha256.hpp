// sha256.hpp — SHA-256 (FIPS 180-4), streaming, no heap: the digest that
// identifies a module image (the store checks it at every read; packages
// name the base they apply to by it).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace dyn {

using Sha256Digest = std::array<std::byte, 32>;

class Sha256 {
 public:
  Sha256() noexcept;
  void update(std::span<const std::byte> data) noexcept;
  [[nodiscard]] Sha256Digest finish() noexcept;  // the object is spent afterwards

  static Sha256Digest of(std::span<const std::byte> data) noexcept;

 private:
  void block(const std::byte* p) noexcept;
  std::uint32_t h_[8];
  std::byte buffer_[64];
  std::size_t buffered_ = 0;
  std::uint64_t length_ = 0;  // bytes hashed
};

}  // namespace dyn
