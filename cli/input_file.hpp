// input_file.hpp — reading a file the user names (modules, logs, packages): checked before it is read.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace dyn::cli {

// Larger than any module, log or package a spacecraft handles; a bigger file
// is refused before it is read (so `/dev/zero` or a huge file cannot exhaust memory).
inline constexpr std::size_t kMaxInputFile = std::size_t{256} << 20;

// Reads a regular file of at most `max_bytes` into *out. On failure *why says
// what is wrong with it — missing, a directory or device, too large, unreadable —
// naming the path, and false is returned.
bool read_file(const std::string& path, std::vector<std::byte>* out, std::string* why,
               std::size_t max_bytes = kMaxInputFile);
// The same, empty on any failure (tests and benchmarks).
std::vector<std::byte> read_file(const std::string& path);

// Bytes as lowercase hex, e.g. a digest in a report.
std::string to_hex(std::span<const std::byte> bytes);

}  // namespace dyn::cli
