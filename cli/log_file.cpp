// log_file.cpp — file-backed log store and the `dynsched log` printer.
#include "log_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <string>
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

namespace {

// A persisted log is untrusted bytes (it comes off the spacecraft's SD card):
// nothing in it reaches the terminal raw. Control bytes and anything outside
// printable ASCII are shown as \xNN, so escape sequences cannot drive the
// operator's terminal.
std::string printable(const char* data, std::size_t length) {
  std::string out;
  out.reserve(length);
  for (std::size_t i = 0; i < length; ++i) {
    const auto c = static_cast<unsigned char>(data[i]);
    if (c >= 0x20 && c < 0x7F && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  return out;
}

// The mission clock, or the raw value when it is outside any mission (a
// damaged or forged timestamp must still print as what it is).
std::string log_clock(std::int64_t t) {
  constexpr std::int64_t kHundredYears = std::int64_t{100} * 365 * 24 * 3600 * 1'000'000;
  if (t >= 0 && t <= kHundredYears) return format_clock(t);
  return "t=" + std::to_string(t) + "us";
}

// "source N = name": N must be a task slot (0..65534; 65535 is the system).
bool parse_source_record(const std::string& text, std::uint16_t* source, std::string* name) {
  const std::size_t prefix = std::char_traits<char>::length(kSourceNamePrefix);
  const auto eq = text.find(" = ", prefix);
  if (eq == std::string::npos || eq == prefix || eq - prefix > 5) return false;
  std::uint32_t n = 0;
  for (std::size_t i = prefix; i < eq; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    n = n * 10 + static_cast<std::uint32_t>(text[i] - '0');
  }
  if (n >= kSystemLogSource || eq + 3 >= text.size()) return false;
  *source = static_cast<std::uint16_t>(n);
  *name = text.substr(eq + 3);
  return true;
}

}  // namespace

int print_log(const std::string& path, Severity min_severity, const std::string& task, std::string* out) {
  std::vector<std::byte> bytes;
  std::string why;
  if (!read_file(path, &bytes, &why)) {
    *out = why + "\n";
    return 1;
  }
  *out = format_log(bytes, min_severity, task);
  return 0;
}

std::string format_log(std::span<const std::byte> bytes, Severity min_severity, const std::string& task) {
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
    const std::string text(reinterpret_cast<const char*>(e.data), e.length());
    if (e.source != kSystemLogSource || text.rfind(kSourceNamePrefix, 0) != 0) continue;
    std::uint16_t source = 0;
    std::string name;
    if (parse_source_record(text, &source, &name)) {
      names[source] = printable(name.data(), name.size());
    } else {
      damage += "  bad source record (entry " + std::to_string(e.sequence) + "): \"" +
                printable(text.data(), text.size()) + "\" (expected \"source N = name\", N 0..65534)\n";
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
    o += "[" + log_clock(e.timestamp) + "] " + severity_name(static_cast<Severity>(e.severity)) + " " + name + ": " +
         printable(reinterpret_cast<const char*>(e.data), e.length()) + "\n";
    ++shown;
  }
  o += std::to_string(shown) + " of " + std::to_string(entries.size()) + " entries shown\n";
  if (!damage.empty()) o += "damage in the file (skipped):\n" + damage;
  return o;
}

}  // namespace dyn::cli
