// ram_flash.cpp — RamFlash: flash rules over a byte span, with power cuts
// that tear the interrupted operation the way a NOR part does (flash.hpp).
#include <cstring>

#include "dyn/flash.hpp"

namespace dyn {

RamFlash::RamFlash(std::span<std::byte> storage, FlashGeometry geometry) noexcept
    : storage_(storage), geometry_(geometry) {}

bool RamFlash::begin_operation() noexcept {
  ++operations_;
  if (!powered_) return false;
  if (armed_) {
    if (remaining_ == 0) {
      powered_ = false;  // this operation is the torn one
      return false;
    }
    --remaining_;
  }
  return true;
}

std::uint8_t RamFlash::random_byte() noexcept {
  rng_ ^= rng_ << 13;
  rng_ ^= rng_ >> 17;
  rng_ ^= rng_ << 5;
  return static_cast<std::uint8_t>(rng_ >> 24);
}

Result<void, FlashError> RamFlash::read(std::uint32_t offset, std::span<std::byte> out) noexcept {
  if (!powered_) return Unexpected{FlashError{FlashErrc::PowerLost, offset, 0}};
  if (auto r = check_read(geometry_, offset, out.size()); !r) return r;
  if (!out.empty()) std::memcpy(out.data(), storage_.data() + offset, out.size());
  return {};
}

Result<void, FlashError> RamFlash::write(std::uint32_t offset, std::span<const std::byte> bytes) noexcept {
  const bool was_powered = powered_;
  const bool whole = begin_operation();
  if (!was_powered) return Unexpected{FlashError{FlashErrc::PowerLost, offset, 0}};
  // A refused write changes nothing, power or not: the rules are checked before programming starts.
  if (auto r = check_write(geometry_, offset, bytes.size()); !r) return r;
  for (std::size_t i = 0; i < bytes.size(); ++i)
    if (storage_[offset + i] != kFlashErased)
      return Unexpected{FlashError{FlashErrc::NotErased, static_cast<std::uint32_t>(offset + i), 0}};
  const std::size_t w = geometry_.write_size;
  std::size_t complete = bytes.size();
  if (!whole) complete = (bytes.size() / w) * tear_fraction_ / 256 * w;
  if (complete > 0) std::memcpy(storage_.data() + offset, bytes.data(), complete);
  if (whole) return {};
  // The granule being programmed when power went: each bit that was to be
  // cleared is cleared or not at random.
  for (std::size_t i = complete; i < complete + w && i < bytes.size(); ++i) {
    const auto target = static_cast<std::uint8_t>(bytes[i]);
    storage_[offset + i] = std::byte{static_cast<std::uint8_t>(target | random_byte())};
  }
  return Unexpected{FlashError{FlashErrc::PowerLost, offset, static_cast<std::uint32_t>(bytes.size())}};
}

Result<void, FlashError> RamFlash::erase(std::uint32_t block) noexcept {
  const bool was_powered = powered_;
  const bool whole = begin_operation();
  ++erases_;
  if (!was_powered) return Unexpected{FlashError{FlashErrc::PowerLost, 0, block}};
  if (auto r = check_erase(geometry_, block); !r) return r;
  const std::uint32_t start = block * geometry_.block_size;  // < 4 GiB: check_geometry
  std::byte* base = storage_.data() + start;
  if (whole) {
    std::memset(base, 0xFF, geometry_.block_size);
    return {};
  }
  const std::size_t erased = std::size_t{geometry_.block_size} * tear_fraction_ / 256;
  std::memset(base, 0xFF, erased);
  for (std::size_t i = erased; i < geometry_.block_size; ++i) base[i] |= std::byte{random_byte()};
  return Unexpected{FlashError{FlashErrc::PowerLost, start, block}};
}

}  // namespace dyn
