// checkpoint.cpp — sealing and validating checkpoint objects.
#include "dyn/checkpoint.hpp"

#include <cstring>

#include "dyn/crc32.hpp"
#include "dyn/error_text.hpp"

namespace dyn {

namespace {
template <typename T>
T get(std::span<const std::byte> b, std::size_t at) noexcept {
  T v;
  std::memcpy(&v, b.data() + at, sizeof v);
  return v;
}
template <typename T>
void put(std::span<std::byte> b, std::size_t at, T v) noexcept {
  std::memcpy(b.data() + at, &v, sizeof v);
}
}  // namespace

const char* describe(CheckpointErrc e) noexcept {
  switch (e) {
    case CheckpointErrc::TooSmall: return DYN_ERROR_TEXT("TooSmall", "checkpoint shorter than its header: truncated");
    case CheckpointErrc::BadMagic: return DYN_ERROR_TEXT("BadMagic", "not a checkpoint object (bad magic)");
    case CheckpointErrc::BadFormat: return DYN_ERROR_TEXT("BadFormat", "checkpoint format this runtime does not know");
    case CheckpointErrc::BadHeaderCrc:
      return DYN_ERROR_TEXT("BadHeaderCrc", "checkpoint header corrupt (CRC mismatch)");
    case CheckpointErrc::BadName: return DYN_ERROR_TEXT("BadName", "checkpoint module name missing or not terminated");
    case CheckpointErrc::LengthPastEnd:
      return DYN_ERROR_TEXT("LengthPastEnd", "checkpoint payload longer than the object: truncated");
    case CheckpointErrc::BadPayloadCrc:
      return DYN_ERROR_TEXT("BadPayloadCrc", "checkpoint payload corrupt (CRC mismatch)");
    case CheckpointErrc::NoRoom: return DYN_ERROR_TEXT("NoRoom", "checkpoint does not fit its buffer");
  }
  return "bad checkpoint";
}

Result<std::size_t, CheckpointError> seal_checkpoint(std::span<std::byte> out, std::string_view module,
                                                     std::uint32_t version, std::uint32_t schema,
                                                     std::size_t length) noexcept {
  if (out.size() < kCheckpointHeaderSize || length > out.size() - kCheckpointHeaderSize)
    return Unexpected{CheckpointError{CheckpointErrc::NoRoom, kCheckpointHeaderSize + length}};
  if (module.empty() || module.size() > 31) return Unexpected{CheckpointError{CheckpointErrc::BadName}};
  put<std::uint32_t>(out, 0, kCheckpointMagic);
  put<std::uint16_t>(out, 4, 1);
  put<std::uint16_t>(out, 6, static_cast<std::uint16_t>(kCheckpointHeaderSize));
  std::memset(out.data() + 8, 0, 32);
  std::memcpy(out.data() + 8, module.data(), module.size());
  put<std::uint32_t>(out, 40, version);
  put<std::uint32_t>(out, 44, schema);
  put<std::uint32_t>(out, 48, static_cast<std::uint32_t>(length));
  put<std::uint32_t>(out, 52, crc32(out.subspan(kCheckpointHeaderSize, length)));
  put<std::uint32_t>(out, 56, crc32(out.first(56)));
  return kCheckpointHeaderSize + length;
}

Result<CheckpointView, CheckpointError> CheckpointView::open(std::span<const std::byte> b, Verify verify) noexcept {
  if (b.size() < kCheckpointHeaderSize) return Unexpected{CheckpointError{CheckpointErrc::TooSmall, b.size()}};
  if (get<std::uint32_t>(b, 0) != kCheckpointMagic) return Unexpected{CheckpointError{CheckpointErrc::BadMagic}};
  if (get<std::uint16_t>(b, 4) != 1 || get<std::uint16_t>(b, 6) != kCheckpointHeaderSize)
    return Unexpected{CheckpointError{CheckpointErrc::BadFormat, get<std::uint16_t>(b, 4)}};
  if (get<std::uint32_t>(b, 56) != crc32(b.first(56))) return Unexpected{CheckpointError{CheckpointErrc::BadHeaderCrc}};
  std::size_t name_len = 0;
  while (name_len < 32 && b[8 + name_len] != std::byte{0}) ++name_len;
  if (name_len == 0 || name_len == 32) return Unexpected{CheckpointError{CheckpointErrc::BadName}};
  const std::uint32_t length = get<std::uint32_t>(b, 48);
  if (length > b.size() - kCheckpointHeaderSize)
    return Unexpected{CheckpointError{CheckpointErrc::LengthPastEnd, length}};
  const auto payload = b.subspan(kCheckpointHeaderSize, length);
  if (verify == Verify::Everything && get<std::uint32_t>(b, 52) != crc32(payload))
    return Unexpected{CheckpointError{CheckpointErrc::BadPayloadCrc}};
  return CheckpointView{{reinterpret_cast<const char*>(b.data() + 8), name_len}, get<std::uint32_t>(b, 40),
                        get<std::uint32_t>(b, 44), payload};
}

}  // namespace dyn
