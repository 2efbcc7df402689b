// log_file_test.cpp — `dynsched log FILE` on hostile files: every input gives
// a clear report, nothing crashes, nothing reaches the terminal raw.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "dyn/logger.hpp"
#include "log_file.hpp"

namespace dyn::cli {
namespace {

LogEntry entry(std::uint32_t sequence, std::uint16_t source, Time timestamp, const std::string& text) {
  LogEntry e{};
  e.timestamp = timestamp;
  e.sequence = sequence;
  e.source = source;
  e.severity = Severity::Info;
  e.size_and_part = static_cast<std::uint8_t>(text.size() < kLogDataSize ? text.size() : kLogDataSize);
  std::memcpy(e.data, text.data(), e.length());
  return e;
}

// A part of a long message, as a crafted or damaged file may hold it.
LogEntry part(std::uint32_t sequence, std::uint16_t source, const std::string& text, std::uint8_t flags,
              Severity severity = Severity::Info) {
  LogEntry e = entry(sequence, source, 0, text);
  e.severity = severity;
  e.size_and_part = static_cast<std::uint8_t>(e.size_and_part | flags);
  return e;
}
constexpr std::uint8_t kFirst = kLogPartFollows;
constexpr std::uint8_t kMiddle = kLogPartContinues | kLogPartFollows;
constexpr std::uint8_t kLast = kLogPartContinues;

std::string letters(std::size_t n, char from = 'a') {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += static_cast<char>(from + i % 26);
  return s;
}

// A logger writing into memory, as the run's logger writes the file.
struct MemoryLog {
  explicit MemoryLog(std::size_t slots_per_ring, std::size_t frames_per_flush = 64) : slots(kSeverityCount * slots_per_ring) {
    Logger::Queues q;
    for (std::size_t i = 0; i < kSeverityCount; ++i) q[i] = std::span(slots).subspan(i * slots_per_ring, slots_per_ring);
    logger.emplace(q, &sink, PersistPolicy{50, 20, kSecond, frames_per_flush});
  }
  // Flushes until nothing is pending, one flush per mission second.
  void flush_all() {
    while (logger->pending() > 0) {
      const FlushReport r = logger->flush(now, PowerState{.charge_permille = 900, .charging = false});
      ASSERT_EQ(r.status, FlushStatus::Written);
      now += kSecond;
    }
  }
  std::string print(Severity min = Severity::Debug, const std::string& task = "") const {
    return format_log(std::span(storage).first(used()), min, task);
  }
  std::size_t used() const { return sink.written().size(); }
  std::vector<LogEntry> slots;
  std::vector<std::byte> storage = std::vector<std::byte>(1 << 20);
  SpanLogSink sink{storage};
  std::optional<Logger> logger;
  Time now = 0;
};

// The lines of a printout that are log lines (not the summary or damage list).
std::vector<std::string> log_lines(const std::string& out) {
  std::vector<std::string> lines;
  std::size_t at = 0;
  while (at < out.size()) {
    const std::size_t nl = out.find('\n', at);
    const std::string line = out.substr(at, nl - at);
    if (line.rfind("[", 0) == 0) lines.push_back(line);
    if (nl == std::string::npos) break;
    at = nl + 1;
  }
  return lines;
}

// Frames with valid CRCs (as the logger writes them), in a file of their own.
struct LogFile {
  explicit LogFile(const std::vector<LogEntry>& entries) {
    path = std::filesystem::temp_directory_path() / ("dyn-log-test-" + std::to_string(::getpid()) + "-" +
                                                     std::to_string(counter++) + ".log");
    std::FILE* f = std::fopen(path.c_str(), "wb");
    for (const LogEntry& e : entries) {
      std::array<std::byte, kLogFrameMaxSize> buf{};
      const std::size_t n = encode_log_frame(e, buf);
      std::fwrite(buf.data(), 1, n, f);
    }
    std::fclose(f);
  }
  ~LogFile() { std::filesystem::remove(path); }
  std::string print(int* rc = nullptr) const {
    std::string out;
    const int status = print_log(path.string(), Severity::Debug, "", &out);
    if (rc) *rc = status;
    return out;
  }
  std::filesystem::path path;
  static inline int counter = 0;
};

TEST(LogPrinter, SourceRecordsThatAreNotNumbersInRangeAreReportedNotTrusted) {
  const LogFile f({entry(0, kSystemLogSource, 0, "source x = evil"),
                   entry(1, kSystemLogSource, 0, "source 99999999999999999999 = x"),
                   entry(2, kSystemLogSource, 0, "source 65537 = beacon"),
                   entry(3, kSystemLogSource, 0, "source 65535 = system2"),
                   entry(4, kSystemLogSource, 0, "source 2 = "),
                   entry(5, kSystemLogSource, 0, "source 1 = attitude"),
                   entry(6, 1, kSecond, "hello"),
                   entry(7, 2, kSecond, "from two")});
  int rc = -1;
  const std::string out = f.print(&rc);
  EXPECT_EQ(rc, 0);
  EXPECT_NE(out.find("] info attitude: hello"), std::string::npos) << out;
  EXPECT_NE(out.find("] info source 2: from two"), std::string::npos) << "source 2 was never named: " << out;
  EXPECT_EQ(out.find("beacon:"), std::string::npos) << "65537 must not rename source 1: " << out;
  for (const char* bad : {"\"source x = evil\"", "\"source 99999999999999999999 = x\"", "\"source 65537 = beacon\"",
                          "\"source 65535 = system2\"", "\"source 2 = \""})
    EXPECT_NE(out.find(std::string("bad source record")), std::string::npos) << bad;
  EXPECT_NE(out.find("\"source x = evil\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"source 65537 = beacon\""), std::string::npos) << out;
}

TEST(LogPrinter, ControlBytesAreEscapedNotSentToTheTerminal) {
  const LogFile f({entry(0, kSystemLogSource, 0, "source 1 = \x1b]0;owned\x07"),
                   entry(1, 1, 0, "red \x1b[31mALERT\x1b[0m\r\n\xff")});
  const std::string out = f.print();
  EXPECT_EQ(out.find('\x1b'), std::string::npos) << out;
  EXPECT_EQ(out.find('\x07'), std::string::npos);
  EXPECT_EQ(out.find('\r'), std::string::npos);
  EXPECT_NE(out.find("red \\x1b[31mALERT\\x1b[0m\\x0d\\x0a\\xff"), std::string::npos) << out;
  EXPECT_NE(out.find("info \\x1b]0;owned\\x07:"), std::string::npos) << "the name is escaped too: " << out;
}

// What the runner prints while a mission runs (a module's log line, a boot
// line naming what the store holds) goes through the same guard.
TEST(LogPrinter, LiveLinesForTheTerminalHaveTheirControlBytesEscaped) {
  EXPECT_EQ(terminal_safe("the store's \x1b]0;PWNED\x07\x1b[2Jevil v2"), "the store's \\x1b]0;PWNED\\x07\\x1b[2Jevil v2");
  EXPECT_EQ(terminal_safe("sun angle 12.5 \xc2\xb0, path C:\\x"), "sun angle 12.5 \xc2\xb0, path C:\\x")
      << "UTF-8 and backslashes stay as they are";
  EXPECT_EQ(terminal_safe(std::string("a\rb\x7f", 4)), "a\\x0db\\x7f");
}

// A file of nothing but damaged frames lists the first hundred and counts the
// rest: a hostile log cannot make the printer's output (and memory) huge.
TEST(LogPrinter, AFileOfDamagedFramesListsAHundredAndCountsTheRest) {
  std::vector<std::byte> bytes;
  for (int i = 0; i < 20000; ++i)
    for (char c : std::string("DLOG")) bytes.push_back(static_cast<std::byte>(c));
  const std::string out = format_log(bytes, Severity::Debug, "");
  std::size_t lines = 0;
  for (std::size_t at = out.find("damaged frame at offset"); at != std::string::npos;
       at = out.find("damaged frame at offset", at + 1))
    ++lines;
  EXPECT_EQ(lines, 100u);
  EXPECT_NE(out.find("more damaged frames (not listed)"), std::string::npos) << out.substr(0, 400);
  EXPECT_LT(out.size(), 20000u);
}

TEST(LogPrinter, TimestampsOutsideAnyMissionPrintAsWhatTheyAre) {
  const LogFile f({entry(0, 1, std::numeric_limits<Time>::min(), "a"), entry(1, 1, std::numeric_limits<Time>::max(), "b"),
                   entry(2, 1, -1, "c"), entry(3, 1, 90 * kMinute, "d")});
  const std::string out = f.print();
  EXPECT_NE(out.find("[t=-9223372036854775808us] info source 1: a"), std::string::npos) << out;
  EXPECT_NE(out.find("[t=9223372036854775807us] info source 1: b"), std::string::npos) << out;
  EXPECT_NE(out.find("[t=-1us] info source 1: c"), std::string::npos) << out;
  EXPECT_NE(out.find("[01:30:00.000] info source 1: d"), std::string::npos) << out;
}

TEST(LogPrinter, FilesThatAreNotLogsAreRefusedBeforeTheyAreRead) {
  std::string out;
  EXPECT_EQ(print_log("/dev/zero", Severity::Debug, "", &out), 1);
  EXPECT_NE(out.find("not a regular file"), std::string::npos) << out;
  EXPECT_EQ(print_log(std::filesystem::temp_directory_path().string(), Severity::Debug, "", &out), 1);
  EXPECT_NE(out.find("is a directory"), std::string::npos) << out;
  EXPECT_EQ(print_log("/nonexistent/x.log", Severity::Debug, "", &out), 1);
  EXPECT_NE(out.find("cannot open"), std::string::npos) << out;
}

TEST(LogPrinter, GarbageIsADamageReportNotACrash) {
  const std::filesystem::path p = std::filesystem::temp_directory_path() / "dyn-log-test-garbage.log";
  std::FILE* f = std::fopen(p.c_str(), "wb");
  for (int i = 0; i < 4096; ++i) std::fputc((i * 7919) & 0xFF, f);
  std::fclose(f);
  std::string out;
  EXPECT_EQ(print_log(p.string(), Severity::Debug, "", &out), 0);
  EXPECT_NE(out.find("0 of 0 messages shown (0 entries)"), std::string::npos) << out;
  EXPECT_NE(out.find("damage in the file"), std::string::npos) << out;
  std::filesystem::remove(p);
}

// ---- long messages joined (LOG-8) ------------------------------------------------

TEST(LogPrinter, LongSystemAndModuleLinesComeBackWhole) {  // LOG-8
  MemoryLog m(32);
  const std::string update = "update beacon v1 -> v2: rolled back: too few samples in probation (3 of 5), "
                             "the old version runs again with its state restored";
  ASSERT_GT(update.size(), 2 * kLogDataSize);
  const std::string module_line = "beacon: " + letters(150);
  (void)m.logger->log(kSystemLogSource, Severity::Info, 0, "source 3 = beacon");
  (void)m.logger->log(kSystemLogSource, Severity::Warning, kSecond, update.c_str());
  (void)m.logger->log(3, Severity::Info, 2 * kSecond, module_line.c_str());
  m.flush_all();
  const std::string out = m.print();
  const auto lines = log_lines(out);
  ASSERT_EQ(lines.size(), 3u) << out;
  EXPECT_EQ(lines[1], "[00:00:01.000] warning system: " + update);
  EXPECT_EQ(lines[2], "[00:00:02.000] info beacon: " + module_line);
  EXPECT_NE(out.find("3 of 3 messages shown (" + std::to_string(1 + 3 + 4) + " entries)"), std::string::npos) << out;
  EXPECT_EQ(out.find("(start lost)"), std::string::npos);
  EXPECT_EQ(out.find("(end lost)"), std::string::npos);
}

TEST(LogPrinter, AMessageSplitAcrossFlushesIsJoinedNotByFileOrder) {  // LOG-4, LOG-8
  // Budget 3: the first flush writes the error and two parts of the info
  // message; later flushes write a newer error (ahead of the info rest in the
  // file) and then the info message's remaining parts.
  MemoryLog m(32, 3);
  const std::string msg = letters(5 * kLogDataSize - 7);  // 5 parts
  (void)m.logger->log(1, Severity::Error, 0, "first error");
  (void)m.logger->log(1, Severity::Info, 0, msg.c_str());
  ASSERT_EQ(m.logger->flush(0, PowerState{.charge_permille = 900, .charging = false}).frames, 3u);
  (void)m.logger->log(1, Severity::Error, kSecond, "second error");
  m.now = kSecond;
  m.flush_all();
  const auto lines = log_lines(m.print());
  ASSERT_EQ(lines.size(), 3u) << m.print();
  EXPECT_EQ(lines[0], "[00:00:00.000] error source 1: first error");
  EXPECT_EQ(lines[1], "[00:00:00.000] info source 1: " + msg);
  EXPECT_EQ(lines[2], "[00:00:01.000] error source 1: second error");
}

TEST(LogPrinter, OverwrittenFirstPartsShowWhatSurvivesMarked) {  // LOG-2, LOG-8
  MemoryLog m(4);
  // An earlier line and a 5-part message into a ring of 4: the line and the first part are reused.
  const std::string msg = letters(5 * kLogDataSize, 'A');
  (void)m.logger->log(2, Severity::Warning, 0, "earlier line of the same source");
  (void)m.logger->log(2, Severity::Warning, 0, msg.c_str());
  m.flush_all();
  const std::string out = m.print();
  const auto lines = log_lines(out);
  ASSERT_EQ(lines.size(), 2u) << out;
  // The survivors, marked, not glued onto anything; then the logger's gap
  // record (written at the flush, so later in sequence) saying 2 were lost.
  EXPECT_EQ(lines[0], "[00:00:00.000] warning source 2: (start lost) " + msg.substr(kLogDataSize)) << out;
  EXPECT_EQ(lines[1], "[00:00:00.000] warning system: \\x01\\x02\\x00\\x00\\x00\\x00\\x00\\x00\\x00") << out;
  EXPECT_EQ(out.find("earlier line of the same source"), std::string::npos) << "that line was reused: " << out;
}

TEST(LogPrinter, PartsOverwrittenAfterASplitFlushLeaveBothEndsMarked) {  // LOG-8
  // The first flush writes the first two parts; the rest waits in a ring of
  // 4 that newer lines then reuse, taking the middle part: the written start
  // ends "(end lost)", the surviving last part begins "(start lost)".
  MemoryLog m(4, 2);
  const std::string msg = letters(4 * kLogDataSize);  // 4 parts
  (void)m.logger->log(5, Severity::Info, 0, msg.c_str());
  ASSERT_EQ(m.logger->flush(0, PowerState{.charge_permille = 900, .charging = false}).frames, 2u);
  (void)m.logger->log(5, Severity::Info, 1, "x");  // the ring holds parts 3, 4, x; one more reuses part 3
  (void)m.logger->log(5, Severity::Info, 2, "y");
  (void)m.logger->log(5, Severity::Info, 3, "z");
  m.now = kSecond;
  m.flush_all();
  const auto lines = log_lines(m.print());
  ASSERT_EQ(lines.size(), 6u) << m.print();  // start, last part, x, y, z, the gap record
  EXPECT_EQ(lines[0], "[00:00:00.000] info source 5: " + msg.substr(0, 2 * kLogDataSize) + " (end lost)");
  EXPECT_EQ(lines[1], "[00:00:00.000] info source 5: (start lost) " + msg.substr(3 * kLogDataSize));
  EXPECT_EQ(lines[2], "[00:00:00.000] info source 5: x");
  EXPECT_NE(lines[5].find("info system: \\x01\\x01"), std::string::npos) << lines[5];  // Overwritten, 1
}

TEST(LogPrinter, AMessageOverTheCapIsShownCutWithAMarker) {  // LOG-8
  MemoryLog m(16);
  const std::string big = letters(5000);
  (void)m.logger->log(1, Severity::Error, 0, big.c_str());
  m.flush_all();
  const auto lines = log_lines(m.print());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "[00:00:00.000] error source 1: " + big.substr(0, kLogMessageMax) + kCutMarker);
  EXPECT_EQ(m.logger->truncated(), 1u);
}

TEST(LogPrinter, CraftedPartsAreShownMarkedNeverGluedOntoAnotherLine) {  // LOG-8
  const LogFile f({part(10, 1, "orphan continuation", kLast),             // its start is not in the file
                   part(20, 1, letters(kLogDataSize), kFirst),           // a start whose rest never comes
                   entry(21, 1, 0, "next line"),
                   part(30, 1, letters(kLogDataSize, 'A'), kFirst),       // interleaved with source 2's parts
                   part(31, 2, letters(kLogDataSize, 'a'), kFirst),
                   part(32, 1, "A-end", kLast),                           // sequence 31 is not its predecessor
                   part(32, 2, "a-end", kLast),                           // this one is
                   part(40, 3, letters(kLogDataSize), kFirst, Severity::Error),
                   part(41, 3, "other severity", kLast, Severity::Warning),
                   part(50, 4, "\x1b[2J", kMiddle)});  // start lost; not full yet "follows": the cut end
  const std::string out = f.print();
  const auto lines = log_lines(out);
  ASSERT_EQ(lines.size(), 9u) << out;
  EXPECT_EQ(lines[0], "[00:00:00.000] info source 1: (start lost) orphan continuation");
  EXPECT_EQ(lines[1], "[00:00:00.000] info source 1: " + letters(kLogDataSize) + " (end lost)");
  EXPECT_EQ(lines[2], "[00:00:00.000] info source 1: next line");
  EXPECT_EQ(lines[3], "[00:00:00.000] info source 1: " + letters(kLogDataSize, 'A') + " (end lost)");
  EXPECT_EQ(lines[4], "[00:00:00.000] info source 2: " + letters(kLogDataSize, 'a') + "a-end");
  EXPECT_EQ(lines[5], "[00:00:00.000] info source 1: (start lost) A-end");
  EXPECT_EQ(lines[6], "[00:00:00.000] error source 3: " + letters(kLogDataSize) + " (end lost)");
  EXPECT_EQ(lines[7], "[00:00:00.000] warning source 3: (start lost) other severity");
  EXPECT_EQ(lines[8], "[00:00:00.000] info source 4: (start lost) \\x1b[2J" + std::string(kCutMarker));
  EXPECT_EQ(out.find('\x1b'), std::string::npos);
}

TEST(LogPrinter, AHugeChainOfPartsIsShownInBoundedLines) {  // LOG-8
  std::vector<LogEntry> entries{part(0, 1, letters(kLogDataSize), kFirst)};
  constexpr std::uint32_t kParts = 20000;
  for (std::uint32_t i = 1; i < kParts; ++i) entries.push_back(part(i, 1, letters(kLogDataSize), kMiddle));
  const LogFile f(entries);
  const std::string out = f.print();
  const auto lines = log_lines(out);
  // Never more than the logger's part limit in one line: 20 000 parts in 2 500 lines.
  ASSERT_EQ(lines.size(), kParts / kLogMaxParts);
  std::size_t bytes = 0;
  for (const std::string& l : lines) {
    const std::size_t text = l.find(": ") + 2;
    EXPECT_LE(l.size() - text, kLogMaxParts * kLogDataSize + 40) << l.substr(0, 60);
    bytes += l.size() - text;
  }
  EXPECT_GE(bytes, std::size_t{kParts} * kLogDataSize);  // every byte shown
  EXPECT_NE(out.find(std::to_string(kParts / kLogMaxParts) + " of " + std::to_string(kParts / kLogMaxParts) +
                     " messages shown (20000 entries)"),
            std::string::npos);
}

TEST(LogPrinter, FiltersApplyToJoinedMessages) {  // LOG-8
  MemoryLog m(32);
  const std::string warn = "warning: " + letters(120);
  const std::string info = "info: " + letters(100, 'A');
  (void)m.logger->log(kSystemLogSource, Severity::Info, 0, "source 1 = beacon");
  (void)m.logger->log(kSystemLogSource, Severity::Info, 0, "source 2 = attitude");
  (void)m.logger->log(1, Severity::Warning, 0, warn.c_str());
  (void)m.logger->log(2, Severity::Info, 0, info.c_str());
  (void)m.logger->log(kSystemLogSource, Severity::Warning, 0, letters(70).c_str());
  m.flush_all();
  auto lines = log_lines(m.print(Severity::Warning));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "[00:00:00.000] warning beacon: " + warn);
  EXPECT_EQ(lines[1], "[00:00:00.000] warning system: " + letters(70));
  lines = log_lines(m.print(Severity::Debug, "attitude"));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "[00:00:00.000] info attitude: " + info);
}

TEST(LogPrinter, ALongSourceRecordNamesItsSourceOnlyWhenWhole) {  // LOG-8
  const std::string name = letters(60);
  MemoryLog m(32);
  (void)m.logger->log(kSystemLogSource, Severity::Info, 0, ("source 1 = " + name).c_str());
  (void)m.logger->log(1, Severity::Info, 0, "hello");
  m.flush_all();
  EXPECT_NE(m.print().find("] info " + name + ": hello"), std::string::npos) << m.print();
  // A record whose end is lost would name the source with half a name: reported instead.
  const LogFile f({part(0, kSystemLogSource, "source 1 = " + letters(kLogDataSize - 11), kFirst),
                   part(5, kSystemLogSource, "source 2 = evil", kLast), entry(6, 1, 0, "a"), entry(7, 2, 0, "b")});
  const std::string out = f.print();
  EXPECT_NE(out.find("] info source 1: a"), std::string::npos) << out;
  EXPECT_NE(out.find("] info source 2: b"), std::string::npos) << "a continuation is no source record: " << out;
  EXPECT_NE(out.find("bad source record (entry 0)"), std::string::npos) << out;
}

}  // namespace
}  // namespace dyn::cli
