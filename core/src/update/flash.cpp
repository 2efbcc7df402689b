// flash.cpp — the access rules every Flash implementation checks (flash.hpp).
#include "dyn/flash.hpp"

#include "dyn/error_text.hpp"

namespace dyn {

const char* describe(FlashErrc e) noexcept {
  switch (e) {
    case FlashErrc::BadGeometry:
      return DYN_ERROR_TEXT("BadGeometry",
          "flash geometry inconsistent: write_size must be a power of two up to 64, block_size a multiple "
          "of it, and block_size * block_count below 4 GiB; fix the board's flash description");
    case FlashErrc::WrongSize:
      return DYN_ERROR_TEXT("WrongSize",
          "the flash file's size is not the device's (block_count * block_size): it is not this device's "
          "image, or it was truncated");
    case FlashErrc::OutOfRange:
      return DYN_ERROR_TEXT("OutOfRange",
          "flash access outside the device: the caller computed a wrong offset or block index");
    case FlashErrc::Misaligned:
      return DYN_ERROR_TEXT("Misaligned",
          "flash write not aligned to, or not a multiple of, the write granule: pad the write to write_size");
    case FlashErrc::NotErased:
      return DYN_ERROR_TEXT("NotErased",
          "flash write over programmed bytes: flash can only clear bits, erase the block first "
          "(the writer's cursor is wrong, or the part is worn out)");
    case FlashErrc::PowerLost:
      return DYN_ERROR_TEXT("PowerLost",
          "power was lost during or before this flash operation: reboot and mount the store again");
    case FlashErrc::Io:
      return DYN_ERROR_TEXT("Io",
          "the file backing the flash could not be read or written: check the path, free space and "
          "permissions (detail is errno)");
  }
  return "unknown flash error";
}

Result<void, FlashError> check_geometry(const FlashGeometry& g) noexcept {
  const std::uint32_t w = g.write_size;
  if (w == 0 || w > 64 || (w & (w - 1)) != 0) return Unexpected{FlashError{FlashErrc::BadGeometry, 0, w}};
  if (g.block_size == 0 || g.block_size % w != 0) return Unexpected{FlashError{FlashErrc::BadGeometry, 0, g.block_size}};
  if (g.block_count == 0 || g.size() > 0xFFFFFFFFull) return Unexpected{FlashError{FlashErrc::BadGeometry, 0, g.block_count}};
  return {};
}

Result<void, FlashError> check_read(const FlashGeometry& g, std::uint32_t offset, std::size_t length) noexcept {
  // offset + length computed in 64 bits: a length near 4 GiB must not wrap.
  if (std::uint64_t{offset} + length > g.size())
    return Unexpected{FlashError{FlashErrc::OutOfRange, offset, static_cast<std::uint32_t>(length)}};
  return {};
}

Result<void, FlashError> check_write(const FlashGeometry& g, std::uint32_t offset, std::size_t length) noexcept {
  if (auto r = check_read(g, offset, length); !r) return r;
  if (offset % g.write_size != 0 || length % g.write_size != 0)
    return Unexpected{FlashError{FlashErrc::Misaligned, offset, static_cast<std::uint32_t>(length)}};
  return {};
}

Result<void, FlashError> check_erase(const FlashGeometry& g, std::uint32_t block) noexcept {
  if (block >= g.block_count) return Unexpected{FlashError{FlashErrc::OutOfRange, 0, block}};
  return {};
}

}  // namespace dyn
