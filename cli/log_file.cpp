// log_file.cpp — file-backed log store and the `dynsched log` printer.
#include "log_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <map>
#include <vector>

#include "duration.hpp"
#include "module_report.hpp"

namespace dyn::cli {

FileLogSink::FileLogSink(const std::string& path) { file_ = std::fopen(path.c_str(), "ab"); }

FileLogSink::~FileLogSink() {
  if (file_) std::fclose(file_);
}

Result<void, LogSinkError> FileLogSink::append(std::span<const std::byte> bytes) noexcept {
  if (!file_) return Unexpected{LogSinkError{LogSinkErrc::Io, 0}};
  if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size() || std::fflush(file_) != 0)
    return Unexpected{LogSinkError{LogSinkErrc::Io, static_cast<std::uint32_t>(errno)}};
  return {};
}

int print_log(const std::string& path, Severity min_severity, const std::string& task, std::string* out) {
  std::vector<std::byte> bytes;
  std::string why;
  if (!read_file(path, &bytes, &why)) {
    *out = why + "\n";
    return 1;
  }
  std::vector<LogEntry> entries;
  std::map<std::uint16_t, std::string> names{{kSystemLogSource, "system"}};
  std::string damage;
  LogReader reader(bytes);
  while (!reader.at_end()) {
    auto e = reader.next();
    if (e) {
      entries.push_back(e.value());
      continue;
    }
    if (e.error().code == LogReadErrc::EndOfLog) break;
    damage += "  damaged frame at offset " + std::to_string(e.error().offset) + ": " + describe(e.error().code) + "\n";
  }
  // Records "source N = name" name the sources; entries come in flush order, show them in log order.
  for (const LogEntry& e : entries) {
    const std::string text(reinterpret_cast<const char*>(e.data), e.length);
    if (e.source == kSystemLogSource && text.rfind(kSourceNamePrefix, 0) == 0) {
      const auto eq = text.find(" = ");
      if (eq != std::string::npos)
        names[static_cast<std::uint16_t>(std::stoul(text.substr(7, eq - 7)))] = text.substr(eq + 3);
    }
  }
  std::stable_sort(entries.begin(), entries.end(),
                   [](const LogEntry& a, const LogEntry& b) { return a.sequence < b.sequence; });
  std::string o;
  std::size_t shown = 0;
  for (const LogEntry& e : entries) {
    if (static_cast<std::uint8_t>(e.severity) < static_cast<std::uint8_t>(min_severity)) continue;
    const auto name = names.count(e.source) ? names[e.source] : "source " + std::to_string(e.source);
    if (!task.empty() && name != task) continue;
    o += "[" + format_clock(e.timestamp) + "] " + severity_name(static_cast<Severity>(e.severity)) + " " + name + ": " +
         std::string(reinterpret_cast<const char*>(e.data), e.length) + "\n";
    ++shown;
  }
  o += std::to_string(shown) + " of " + std::to_string(entries.size()) + " entries shown\n";
  if (!damage.empty()) o += "damage in the file (skipped):\n" + damage;
  *out = o;
  return 0;
}

}  // namespace dyn::cli
