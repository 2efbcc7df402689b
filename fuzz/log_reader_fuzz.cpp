// log_reader_fuzz.cpp — libFuzzer target: a persisted log comes back from the
// SD card as untrusted bytes. On any input the reader makes progress on every
// call and ends; each refusal names an offset inside the input and resumes
// past it; each accepted frame re-encodes to exactly the bytes it came from
// (version 1 for a whole message, version 2 for a part: one encoding each).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "dyn/logger.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  dyn::LogReader r(bytes);
  std::size_t calls = 0;
  while (!r.at_end()) {
    if (++calls > size) __builtin_trap();  // every call consumes at least one byte
    const std::size_t at = r.offset();
    auto f = r.next();
    if (!f) {
      const auto& e = f.error();
      if (e.code == dyn::LogReadErrc::EndOfLog || e.offset != at) __builtin_trap();
      if (e.resume <= at || e.resume > size || r.offset() != e.resume) __builtin_trap();
      continue;
    }
    const dyn::LogEntry& e = f.value();
    if (e.length() > dyn::kLogDataSize || static_cast<std::size_t>(e.severity) >= dyn::kSeverityCount) __builtin_trap();
    // Bytes past the length are zero (the LogEntry invariant), parts or not.
    for (std::size_t i = e.length(); i < dyn::kLogDataSize; ++i)
      if (e.data[i] != std::byte{0}) __builtin_trap();
    std::byte frame[dyn::kLogFrameMaxSize];
    const std::size_t n = dyn::encode_log_frame(e, frame);
    if (r.offset() != at + n || std::memcmp(frame, data + at, n) != 0) __builtin_trap();
    (void)dyn::logger_event(e);
  }
  if (r.next().error().code != dyn::LogReadErrc::EndOfLog) __builtin_trap();
  return 0;
}
