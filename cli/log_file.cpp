// log_file.cpp — file-backed log store and the `dynsched log` printer.
#include "log_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <string>
#include <map>
#include <utility>
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

}  // namespace

std::string terminal_safe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    if (!is_control_byte(ch)) {
      out += ch;
    } else {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02x", static_cast<unsigned char>(ch));
      out += hex;
    }
  }
  return out;
}

namespace {

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

std::optional<std::uint32_t> last_log_sequence(const std::string& path) {
  std::vector<std::byte> bytes;
  std::string why;
  if (!read_file(path, &bytes, &why)) return std::nullopt;
  std::optional<std::uint32_t> last;
  LogReader reader(bytes);
  while (!reader.at_end()) {
    auto e = reader.next();
    if (e && (!last || e.value().sequence > *last)) last = e.value().sequence;
    if (!e && e.error().code == LogReadErrc::EndOfLog) break;
  }
  return last;
}

std::string format_log(std::span<const std::byte> bytes, Severity min_severity, const std::string& task) {
  std::vector<LogEntry> entries;
  // A source's name from its "source N = name" record on: a log that holds
  // several runs (a store across boots, or runs appended) may give slot N
  // another task later, and lines before that record keep their name.
  std::map<std::uint16_t, std::map<std::uint32_t, std::string>> names;
  const auto name_of = [&](std::uint16_t source, std::uint32_t sequence) -> std::string {
    if (source == kSystemLogSource) return "system";
    auto it = names.find(source);
    if (it != names.end()) {
      auto at = it->second.upper_bound(sequence);
      if (at != it->second.begin()) return std::prev(at)->second;
      return it->second.begin()->second;  // a line before any record: the first name it had
    }
    return "source " + std::to_string(source);
  };
  std::string damage;
  // A hostile file can be nothing but damaged frames (millions of them):
  // the first few are shown, the rest counted, so memory stays bounded.
  constexpr std::size_t kDamageShown = 100;
  std::size_t damaged = 0;
  LogReader reader(bytes);
  while (!reader.at_end()) {
    auto e = reader.next();
    if (e) {
      entries.push_back(e.value());
      continue;
    }
    if (e.error().code == LogReadErrc::EndOfLog) break;
    if (++damaged <= kDamageShown)
      damage += "  damaged frame at offset " + std::to_string(e.error().offset) + ": " + describe(e.error().code) + "\n";
  }
  if (damaged > kDamageShown)
    damage += "  ... and " + std::to_string(damaged - kDamageShown) + " more damaged frames (not listed)\n";
  // Entries come in flush order (by severity); messages are shown in log order.
  std::stable_sort(entries.begin(), entries.end(),
                   [](const LogEntry& a, const LogEntry& b) { return a.sequence < b.sequence; });
  const std::vector<LogMessage> messages = join_log_parts(entries);
  // Records "source N = name" name the sources; only a message read whole is trusted as one.
  for (const LogMessage& m : messages) {
    if (m.source != kSystemLogSource || m.start_lost || m.text.rfind(kSourceNamePrefix, 0) != 0) continue;
    std::uint16_t source = 0;
    std::string name;
    if (m.end == LogMessage::End::Whole && parse_source_record(m.text, &source, &name)) {
      names[source][m.sequence] = printable(name.data(), name.size());
    } else {
      damage += "  bad source record (entry " + std::to_string(m.sequence) + "): \"" +
                printable(m.text.data(), m.text.size()) + "\" (expected \"source N = name\", N 0..65534)\n";
    }
  }
  std::string o;
  std::size_t shown = 0;
  for (const LogMessage& m : messages) {
    if (static_cast<std::uint8_t>(m.severity) < static_cast<std::uint8_t>(min_severity)) continue;
    const std::string name = name_of(m.source, m.sequence);
    if (!task.empty() && name != task) continue;
    o += "[" + log_clock(m.timestamp) + "] " + severity_name(m.severity) + " " + name + ": ";
    if (m.start_lost) o += kStartLostMarker;
    o += printable(m.text.data(), m.text.size());
    if (m.end == LogMessage::End::Lost) o += kEndLostMarker;
    if (m.end == LogMessage::End::Cut) o += kCutMarker;
    o += "\n";
    ++shown;
  }
  o += std::to_string(shown) + " of " + std::to_string(messages.size()) + " messages shown (" +
       std::to_string(entries.size()) + " entries)\n";
  if (!damage.empty()) o += "damage in the file (skipped):\n" + damage;
  return o;
}

std::vector<LogMessage> join_log_parts(std::span<const LogEntry> entries) {
  std::vector<LogMessage> messages;
  // Per (source, severity): the message whose last part says another follows.
  std::map<std::uint32_t, std::size_t> open;
  for (const LogEntry& e : entries) {
    const std::uint32_t key = std::uint32_t{e.source} << 8 | static_cast<std::uint8_t>(e.severity);
    const auto it = open.find(key);
    const char* data = reinterpret_cast<const char*>(e.data);
    // Joined only to the part just before it in acceptance order; never past
    // the logger's own part limit, so a crafted chain cannot grow a line
    // without bound (it is shown in lines of at most kLogMaxParts parts).
    if (e.continues() && it != open.end()) {
      LogMessage& m = messages[it->second];
      if (m.last_sequence + 1 == e.sequence && m.parts < kLogMaxParts) {
        m.text.append(data, e.length());
        m.last_sequence = e.sequence;
        ++m.parts;
        m.end = e.cut() ? LogMessage::End::Cut : e.follows() ? LogMessage::End::Lost : LogMessage::End::Whole;
        if (m.end != LogMessage::End::Lost) open.erase(it);
        continue;
      }
    }
    // A new message: its predecessor of this source and severity, if still
    // open, keeps End::Lost.
    LogMessage m;
    m.source = e.source;
    m.severity = e.severity;
    m.timestamp = e.timestamp;
    m.sequence = e.sequence;
    m.last_sequence = e.sequence;
    m.parts = 1;
    m.start_lost = e.continues();
    m.text.assign(data, e.length());
    m.end = e.cut() ? LogMessage::End::Cut : e.follows() ? LogMessage::End::Lost : LogMessage::End::Whole;
    if (m.end == LogMessage::End::Lost) {
      open[key] = messages.size();
    } else if (it != open.end()) {
      open.erase(it);
    }
    messages.push_back(std::move(m));
  }
  return messages;
}

}  // namespace dyn::cli
