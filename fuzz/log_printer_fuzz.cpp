// log_printer_fuzz.cpp — libFuzzer target for `dynsched log`: the printer
// behind the reader's checks. The harness turns the input into frames with
// valid CRCs (so every entry reaches the printer: source records, names,
// text, timestamps), with raw bytes between them where the input says so.
// The printer must never throw or crash, and nothing it prints may be a
// control byte other than the newline that ends each line.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "dyn/logger.hpp"
#include "log_file.hpp"

namespace {

// Input, repeated: kind u8 | source u16 | severity u8 | timestamp i64 | length u8 | bytes.
// kind & 3 == 3: `length` raw bytes, not a frame; kind & 4: a "source N = " prefix is prepended;
// kind bits 4, 5: the part flags (continues, follows), so long messages are joined, split and orphaned;
// kind & 0x40: the same sequence as the frame before (duplicates).
std::vector<std::byte> frames_from(const std::uint8_t* data, std::size_t size) {
  std::vector<std::byte> out;
  std::size_t at = 0;
  std::uint32_t sequence = 0;
  while (at + 13 <= size) {
    const std::uint8_t kind = data[at];
    std::uint16_t source;
    std::memcpy(&source, data + at + 1, 2);
    const std::uint8_t severity = data[at + 3];
    std::int64_t timestamp;
    std::memcpy(&timestamp, data + at + 4, 8);
    std::size_t length = data[at + 12];
    at += 13;
    if (length > size - at) length = size - at;
    if ((kind & 3) == 3) {
      for (std::size_t i = 0; i < length; ++i) out.push_back(static_cast<std::byte>(data[at + i]));
      at += length;
      continue;
    }
    std::string text;
    if (kind & 4) text = "source " + std::to_string(source % 70000) + " = ";
    text.append(reinterpret_cast<const char*>(data + at), length);
    at += length;
    dyn::LogEntry e{};
    e.timestamp = timestamp;
    e.sequence = (kind & 8) ? static_cast<std::uint32_t>(timestamp) : (kind & 0x40) && sequence > 0 ? sequence - 1 : sequence++;
    e.source = (kind & 4) ? dyn::cli::kSystemLogSource : source;
    e.severity = static_cast<dyn::Severity>(severity % dyn::kSeverityCount);
    const std::size_t n = text.size() < dyn::kLogDataSize ? text.size() : dyn::kLogDataSize;
    const std::uint8_t flags = static_cast<std::uint8_t>((kind & 0x30) << 2);  // bits 4, 5 -> 6, 7
    e.size_and_part = static_cast<std::uint8_t>(n | flags);
    std::memcpy(e.data, text.data(), n);
    std::array<std::byte, dyn::kLogFrameMaxSize> frame{};
    const std::size_t framed = dyn::encode_log_frame(e, frame);
    out.insert(out.end(), frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(framed));
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<std::byte> bytes = frames_from(data, size);
  for (const char* task : {"", "beacon", "system"}) {
    const std::string out = dyn::cli::format_log(bytes, dyn::Severity::Debug, task);
    for (const char c : out)
      if ((static_cast<unsigned char>(c) < 0x20 && c != '\n') || static_cast<unsigned char>(c) >= 0x7F)
        __builtin_trap();  // a control byte reached the terminal
  }
  return 0;
}
