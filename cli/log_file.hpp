// log_file.hpp — the logger's store on the host, and `dynsched log FILE`.
#pragma once

#include <cstdio>
#include <string>

#include "dyn/logger.hpp"

namespace dyn::cli {

// The SD card's log file, on the host: frames appended to a file.
class FileLogSink final : public LogSink {
 public:
  explicit FileLogSink(const std::string& path);
  ~FileLogSink();
  FileLogSink(const FileLogSink&) = delete;
  FileLogSink& operator=(const FileLogSink&) = delete;
  bool ok() const { return file_ != nullptr; }
  Result<void, LogSinkError> append(std::span<const std::byte> bytes) noexcept override;

 private:
  std::FILE* file_ = nullptr;
};

// Source id of the system's own log lines; tasks use their table slot.
inline constexpr std::uint16_t kSystemLogSource = 0xFFFF;
// Prefix of the records that name a source, so a log file describes itself.
inline constexpr const char* kSourceNamePrefix = "source ";

// `dynsched log FILE`: prints a persisted log, oldest first. Filters: at
// least `min_severity`, and only `task` (a name) when not empty. Returns the
// exit code (1 when the file cannot be read; damaged frames are reported and
// skipped).
int print_log(const std::string& path, Severity min_severity, const std::string& task, std::string* out);
// The same for bytes already read (total: any bytes give a report, never an exception).
std::string format_log(std::span<const std::byte> bytes, Severity min_severity, const std::string& task);

}  // namespace dyn::cli
