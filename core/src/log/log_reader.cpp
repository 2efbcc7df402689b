// log_reader.cpp — validating reader for persisted log frames (logger.hpp).
// The bytes come from an SD card that may hold torn writes, bit flips or
// foreign data: every field is bounds-checked before use, and after a
// refusal the reader resynchronises on the next magic. Versions 1 (a whole
// message) and 2 (a part of a longer one) differ only in byte 20.
#include "dyn/crc32.hpp"
#include "dyn/error_text.hpp"
#include "dyn/logger.hpp"

namespace dyn {

namespace {

std::uint64_t read_le(const std::byte* p, std::size_t n) noexcept {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v |= std::uint64_t{std::to_integer<std::uint8_t>(p[i])} << (8 * i);
  return v;
}

bool magic_at(std::span<const std::byte> bytes, std::size_t at) noexcept {
  if (bytes.size() - at < 4) return false;
  for (std::size_t i = 0; i < 4; ++i)
    if (bytes[at + i] != kLogMagic[i]) return false;
  return true;
}

}  // namespace

const char* describe(LogReadErrc e) noexcept {
  switch (e) {
    case LogReadErrc::EndOfLog: return DYN_ERROR_TEXT("EndOfLog", "end of log");
    case LogReadErrc::BadMagic:
      return DYN_ERROR_TEXT("BadMagic",
          "no log frame here (bad magic): garbage or a torn write; skipped to the next frame");
    case LogReadErrc::Truncated:
      return DYN_ERROR_TEXT("Truncated", "log frame cut short by the end of the file: the last write was torn");
    case LogReadErrc::BadLength:
      return DYN_ERROR_TEXT("BadLength", "log frame length above the data size: corrupted header");
    case LogReadErrc::BadCrc:
      return DYN_ERROR_TEXT("BadCrc", "log frame CRC mismatch: the frame was corrupted on the card");
    case LogReadErrc::BadVersion:
      return DYN_ERROR_TEXT("BadVersion", "log frame of another format version: read it with a matching dynsched");
    case LogReadErrc::BadPart:
      return DYN_ERROR_TEXT("BadPart",
          "version-2 log frame without part flags: dynsched writes such an entry as version 1; written by a "
          "foreign tool");
    case LogReadErrc::BadSeverity:
      return DYN_ERROR_TEXT("BadSeverity", "log frame severity out of range (0..4): written by a foreign tool");
  }
  return "unknown log read error";
}

Result<LogEntry, LogReadError> LogReader::refuse(LogReadErrc code, std::uint32_t detail) noexcept {
  const std::size_t at = offset_;
  // Resume at the next magic strictly after `at`: progress on every call.
  std::size_t next = at + 1;
  while (next < bytes_.size() && !magic_at(bytes_, next)) ++next;
  if (next > bytes_.size()) next = bytes_.size();
  offset_ = next;
  return Unexpected{LogReadError{code, at, detail, next}};
}

Result<LogEntry, LogReadError> LogReader::next() noexcept {
  if (at_end()) return Unexpected{LogReadError{LogReadErrc::EndOfLog, offset_, 0, offset_}};
  const std::size_t left = bytes_.size() - offset_;
  const std::byte* p = bytes_.data() + offset_;

  if (left < 4) {
    // A short tail that starts like a frame is a torn write; anything else is garbage.
    for (std::size_t i = 0; i < left; ++i)
      if (p[i] != kLogMagic[i]) return refuse(LogReadErrc::BadMagic, 0);
    return refuse(LogReadErrc::Truncated, static_cast<std::uint32_t>(kLogFrameHeaderSize + 4 - left));
  }
  if (!magic_at(bytes_, offset_)) return refuse(LogReadErrc::BadMagic, static_cast<std::uint32_t>(read_le(p, 4)));
  if (left < kLogFrameHeaderSize)
    return refuse(LogReadErrc::Truncated, static_cast<std::uint32_t>(kLogFrameHeaderSize + 4 - left));
  // Byte 20 is the length in version 1 and size_and_part in version 2. The
  // version is trusted here only to find the CRC; a flipped version byte
  // then fails the CRC (or the length check), never reads out of bounds.
  const std::uint8_t version = std::to_integer<std::uint8_t>(p[4]);
  const std::uint8_t size_and_part = std::to_integer<std::uint8_t>(p[20]);
  const std::uint8_t length =
      version == kLogPartFormatVersion ? static_cast<std::uint8_t>(size_and_part & kLogLengthMask) : size_and_part;
  if (length > kLogDataSize) return refuse(LogReadErrc::BadLength, length);
  const std::size_t frame = kLogFrameHeaderSize + length + 4;
  if (left < frame) return refuse(LogReadErrc::Truncated, static_cast<std::uint32_t>(frame - left));

  const std::size_t body = kLogFrameHeaderSize + length;
  const auto stored = static_cast<std::uint32_t>(read_le(p + body, 4));
  if (crc32(bytes_.subspan(offset_, body)) != stored) return refuse(LogReadErrc::BadCrc, stored);
  // Checked after the CRC: an intact frame with these values is not damage
  // but a format this reader does not know.
  if (version != kLogFormatVersion && version != kLogPartFormatVersion)
    return refuse(LogReadErrc::BadVersion, version);
  // Canonical encoding: an entry without part flags is always a version-1 frame.
  if (version == kLogPartFormatVersion && size_and_part == length) return refuse(LogReadErrc::BadPart, size_and_part);
  const std::uint8_t severity = std::to_integer<std::uint8_t>(p[5]);
  if (severity >= kSeverityCount) return refuse(LogReadErrc::BadSeverity, severity);

  LogEntry e{};
  e.severity = static_cast<Severity>(severity);
  e.source = static_cast<std::uint16_t>(read_le(p + 6, 2));
  e.sequence = static_cast<std::uint32_t>(read_le(p + 8, 4));
  e.timestamp = static_cast<Time>(read_le(p + 12, 8));
  e.size_and_part = size_and_part;
  for (std::size_t i = 0; i < length; ++i) e.data[i] = p[kLogFrameHeaderSize + i];
  offset_ += frame;
  return e;
}

}  // namespace dyn
