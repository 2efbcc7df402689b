// hmac_sha256.cpp — HMAC (RFC 2104): H((K ^ opad) || H((K ^ ipad) || m)).
#include "dyn/hmac_sha256.hpp"

#include <cstring>

namespace dyn {

namespace {
constexpr std::size_t kBlock = 64;
constexpr std::byte kInnerPad{0x36};
constexpr std::byte kOuterPad{0x5c};
}  // namespace

void wipe(std::span<std::byte> bytes) noexcept {
  // Safety: writes through a volatile pointer are observable behaviour, so
  // the stores stay even though the bytes are never read again.
  volatile std::byte* p = bytes.data();
  for (std::size_t i = 0; i < bytes.size(); ++i) p[i] = std::byte{0};
}

bool equal_in_constant_time(std::span<const std::byte> a, std::span<const std::byte> b) noexcept {
  if (a.size() != b.size()) return false;
  std::byte diff{0};
  for (std::size_t i = 0; i < a.size(); ++i) diff |= a[i] ^ b[i];
  return diff == std::byte{0};
}

HmacSha256::HmacSha256(std::span<const std::byte> key) noexcept {
  std::byte block[kBlock] = {};
  if (key.size() > kBlock) {
    Sha256Digest hashed = Sha256::of(key);
    std::memcpy(block, hashed.data(), hashed.size());
    wipe(hashed);  // as good as the key
  } else if (!key.empty()) {
    std::memcpy(block, key.data(), key.size());
  }
  std::byte inner_pad[kBlock];
  for (std::size_t i = 0; i < kBlock; ++i) {
    inner_pad[i] = block[i] ^ kInnerPad;
    outer_pad_[i] = block[i] ^ kOuterPad;
  }
  inner_.update(inner_pad);
  wipe(block);
  wipe(inner_pad);
}

HmacSha256::~HmacSha256() { wipe(outer_pad_); }

void HmacSha256::update(std::span<const std::byte> data) noexcept { inner_.update(data); }

HmacSha256Tag HmacSha256::finish() noexcept {
  const Sha256Digest inner = inner_.finish();
  Sha256 outer;
  outer.update(outer_pad_);
  outer.update(inner);
  wipe(outer_pad_);
  const Sha256Digest tag = outer.finish();
  HmacSha256Tag out;
  std::memcpy(out.data(), tag.data(), out.size());
  return out;
}

HmacSha256Tag HmacSha256::of(std::span<const std::byte> key, std::span<const std::byte> data) noexcept {
  HmacSha256 mac(key);
  mac.update(data);
  return mac.finish();
}

}  // namespace dyn
