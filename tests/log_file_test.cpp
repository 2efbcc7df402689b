// log_file_test.cpp — `dynsched log FILE` on hostile files: every input gives
// a clear report, nothing crashes, nothing reaches the terminal raw.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
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
  EXPECT_NE(out.find("0 of 0 entries shown"), std::string::npos) << out;
  EXPECT_NE(out.find("damage in the file"), std::string::npos) << out;
  std::filesystem::remove(p);
}

}  // namespace
}  // namespace dyn::cli
