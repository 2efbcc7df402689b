// log_file.hpp — the logger's store on the host, and `dynsched log FILE`.
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

// One message as the printer shows it: the parts of a long message joined
// back together. Parts join when they have the same source and severity and
// consecutive sequence numbers, the later one says it continues and the
// earlier one that another follows; file adjacency plays no part (a file is
// ordered by severity within a flush, and a flush budget can split a
// message). What cannot be joined is shown with a marker, never glued on.
struct LogMessage {
  enum class End : std::uint8_t {
    Whole,  // the last part says nothing follows
    Lost,   // the last part says more follows, and no part in the file continues it
    Cut,    // the logger cut the message at kLogMessageMax bytes
  };
  std::uint16_t source = 0;
  Severity severity = Severity::Debug;
  Time timestamp = 0;             // of its first surviving part
  std::uint32_t sequence = 0;     // of its first surviving part
  std::uint32_t last_sequence = 0;
  std::size_t parts = 0;          // 1..kLogMaxParts
  bool start_lost = false;        // the first surviving part is a continuation (earlier parts reused or damaged)
  End end = End::Whole;
  std::string text;               // the parts' bytes, raw (escape before printing)
};
// Joins entries sorted by sequence into messages, in the order of their first part.
std::vector<LogMessage> join_log_parts(std::span<const LogEntry> entries);

// Markers around a message that is not whole (ASCII: printed as they are).
inline constexpr const char* kStartLostMarker = "(start lost) ";
inline constexpr const char* kEndLostMarker = " (end lost)";
inline constexpr const char* kCutMarker = " (cut: longer than 383 bytes)";
static_assert(kLogMessageMax == 383, "kCutMarker names the limit");

// `dynsched log FILE`: prints a persisted log, oldest first, long messages
// joined. Filters: at
// least `min_severity`, and only `task` (a name) when not empty. Returns the
// exit code (1 when the file cannot be read; damaged frames are reported and
// skipped).
int print_log(const std::string& path, Severity min_severity, const std::string& task, std::string* out);
// The same for bytes already read (total: any bytes give a report, never an exception).
std::string format_log(std::span<const std::byte> bytes, Severity min_severity, const std::string& task);

// The highest sequence number of the log file's readable entries, if any:
// where a run that appends to it continues (Logger::continue_after).
std::optional<std::uint32_t> last_log_sequence(const std::string& path);

// A text from the spacecraft (a module's log line, a name its store holds)
// for the operator's terminal: control bytes (ESC, BEL, CR, ...) shown as
// \xNN, so no escape sequence drives the terminal; the rest, UTF-8
// included, as it is.
std::string terminal_safe(std::string_view text);

}  // namespace dyn::cli
