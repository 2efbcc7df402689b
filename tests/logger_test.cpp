// logger_test.cpp — host tests for the Logger (seed 003, 2.1.6) and the
// persisted-log reader. Requirement ids refer to docs/logger.md.
#include "dyn/logger.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "dyn/crc32.hpp"

namespace {

using dyn::FlushStatus;
using dyn::LogEntry;
using dyn::Logger;
using dyn::LogReadErrc;
using dyn::LogReader;
using dyn::Severity;

constexpr dyn::PowerState power_at(std::uint16_t percent, bool charging) {
  return {.charge_permille = static_cast<std::uint16_t>(percent * 10), .charging = charging};
}
constexpr dyn::PowerState kGoodPower = power_at(90, false);

// A store whose next write can be made to fail, to inject the SD fault.
class FaultySink final : public dyn::LogSink {
 public:
  dyn::Result<void, dyn::LogSinkError> append(std::span<const std::byte> bytes) noexcept override {
    ++calls;
    if (fail_after >= 0 && writes >= fail_after) return dyn::Unexpected{dyn::LogSinkError{dyn::LogSinkErrc::Io, 5}};
    bytes_.insert(bytes_.end(), bytes.begin(), bytes.end());
    ++writes;
    return {};
  }
  std::span<const std::byte> bytes() const { return bytes_; }
  int fail_after = -1;  // writes that succeed before every later one fails; -1 never
  int writes = 0;
  int calls = 0;

 private:
  std::vector<std::byte> bytes_;
};

// Per-severity storage of `n` slots each, and a logger over it.
template <std::size_t N>
struct Fixture {
  std::array<std::array<LogEntry, N>, dyn::kSeverityCount> slots{};
  FaultySink sink;
  dyn::PersistPolicy policy{50, 20, 10 * dyn::kSecond, 64};
  Logger::Queues queues() {
    Logger::Queues q;
    for (std::size_t i = 0; i < dyn::kSeverityCount; ++i) q[i] = std::span<LogEntry>(slots[i]);
    return q;
  }
};

std::string text(const LogEntry& e) { return std::string(reinterpret_cast<const char*>(e.data), e.length()); }

std::vector<LogEntry> read_all(std::span<const std::byte> bytes) {
  std::vector<LogEntry> out;
  LogReader r(bytes);
  while (!r.at_end()) {
    auto f = r.next();
    EXPECT_TRUE(f.has_value()) << "offset " << f.error().offset << ": " << dyn::describe(f.error().code);
    if (f) out.push_back(f.value());
  }
  return out;
}

std::vector<std::byte> frame_of(const LogEntry& e) {
  std::array<std::byte, dyn::kLogFrameMaxSize> buf{};
  const std::size_t n = dyn::encode_log_frame(e, buf);
  return {buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n)};
}

LogEntry sample_entry() {
  LogEntry e{};
  e.timestamp = 0x0102030405060708;
  e.sequence = 0xA1B2C3D4;
  e.source = 0x1234;
  e.severity = Severity::Warning;
  e.size_and_part = 3;
  e.data[0] = std::byte{'a'};
  e.data[1] = std::byte{'b'};
  e.data[2] = std::byte{'c'};
  return e;
}

void restamp_crc(std::vector<std::byte>& f) {
  const std::size_t body = f.size() - 4;
  const std::uint32_t c = dyn::crc32(std::span<const std::byte>(f).first(body));
  for (std::size_t i = 0; i < 4; ++i) f[body + i] = static_cast<std::byte>((c >> (8 * i)) & 0xFF);
}

// ---- ring behaviour (LOG-1, LOG-2) -------------------------------------------

TEST(Logger, LogKeepsEntryWithTimestampSourceAndData) {  // LOG-1
  Fixture<4> f;
  Logger log(f.queues(), &f.sink, f.policy);
  EXPECT_TRUE(log.log(7, Severity::Info, 1234, "hello"));
  const auto& q = log.queue(Severity::Info);
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q.at(0).timestamp, 1234);
  EXPECT_EQ(q.at(0).source, 7u);
  EXPECT_EQ(q.at(0).severity, Severity::Info);
  EXPECT_EQ(text(q.at(0)), "hello");
  EXPECT_EQ(q.at(0).data[5], std::byte{0});  // bytes past length are zero
  EXPECT_EQ(log.accepted(Severity::Info), 1u);
}

TEST(Logger, SeveritiesHaveSeparateQueues) {  // LOG-2
  Fixture<2> f;
  Logger log(f.queues(), &f.sink, f.policy);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(log.log(1, Severity::Debug, i, "d"));
  EXPECT_TRUE(log.log(1, Severity::Error, 9, "e"));
  EXPECT_EQ(log.queue(Severity::Debug).size(), 2u);
  EXPECT_EQ(log.overwritten(Severity::Debug), 3u);
  // Debug chatter did not push out the error.
  ASSERT_EQ(log.queue(Severity::Error).size(), 1u);
  EXPECT_EQ(text(log.queue(Severity::Error).at(0)), "e");
  EXPECT_EQ(log.overwritten(Severity::Error), 0u);
  EXPECT_EQ(log.pending(), 3u);
}

TEST(Logger, FullRingReusesOldestAndCountsIt) {  // LOG-2
  Fixture<3> f;
  Logger log(f.queues(), &f.sink, f.policy);
  for (int i = 0; i < 7; ++i) {
    const char msg[2] = {static_cast<char>('0' + i), 0};
    EXPECT_TRUE(log.log(1, Severity::Warning, i, msg));
  }
  const auto& q = log.queue(Severity::Warning);
  ASSERT_EQ(q.size(), 3u);
  EXPECT_EQ(text(q.at(0)), "4");
  EXPECT_EQ(text(q.at(1)), "5");
  EXPECT_EQ(text(q.at(2)), "6");
  EXPECT_EQ(log.overwritten(Severity::Warning), 4u);
  EXPECT_EQ(log.accepted(Severity::Warning), 7u);
  EXPECT_EQ(q.at(2).sequence, 6u);
}

// ---- long messages as parts (LOG-8) -------------------------------------------

std::string pattern(std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += static_cast<char>('a' + i % 26);
  return s;
}

TEST(Logger, LongMessageBecomesConsecutivePartsOfOneRing) {  // LOG-1, LOG-8
  Fixture<8> f;
  Logger log(f.queues(), &f.sink, f.policy);
  (void)log.log(9, Severity::Debug, 1, "before");  // another ring: does not come between the parts
  const std::string msg = pattern(100);
  EXPECT_TRUE(log.log(7, Severity::Warning, 555, msg.c_str()));
  const auto& q = log.queue(Severity::Warning);
  ASSERT_EQ(q.size(), 3u);
  EXPECT_EQ(text(q.at(0)) + text(q.at(1)) + text(q.at(2)), msg);
  EXPECT_EQ(q.at(0).length(), dyn::kLogDataSize);
  EXPECT_EQ(q.at(1).length(), dyn::kLogDataSize);
  EXPECT_EQ(q.at(2).length(), 4u);
  EXPECT_FALSE(q.at(0).continues());
  EXPECT_TRUE(q.at(0).follows());
  EXPECT_TRUE(q.at(1).continues());
  EXPECT_TRUE(q.at(1).follows());
  EXPECT_TRUE(q.at(2).continues());
  EXPECT_FALSE(q.at(2).follows());
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(q.at(i).sequence, 1 + i);
    EXPECT_EQ(q.at(i).timestamp, 555);
    EXPECT_EQ(q.at(i).source, 7u);
    EXPECT_EQ(q.at(i).severity, Severity::Warning);
    EXPECT_FALSE(q.at(i).cut());
  }
  EXPECT_EQ(q.at(2).data[4], std::byte{0});  // bytes past length are zero in the last part too
  EXPECT_EQ(log.truncated(), 0u);
  EXPECT_EQ(log.accepted(Severity::Warning), 3u);  // entries, not messages
}

TEST(Logger, OneBlobIsOneEntryAndOneByteMoreIsTwo) {  // LOG-1, LOG-8
  Fixture<4> f;
  Logger log(f.queues(), &f.sink, f.policy);
  EXPECT_TRUE(log.log(1, Severity::Info, 0, std::string(dyn::kLogDataSize, 'y').c_str()));
  ASSERT_EQ(log.queue(Severity::Info).size(), 1u);
  EXPECT_EQ(log.queue(Severity::Info).at(0).size_and_part, dyn::kLogDataSize);  // no part flags
  EXPECT_TRUE(log.log(1, Severity::Info, 0, std::string(dyn::kLogDataSize + 1, 'z').c_str()));
  ASSERT_EQ(log.queue(Severity::Info).size(), 3u);
  EXPECT_EQ(log.queue(Severity::Info).at(2).length(), 1u);
  EXPECT_TRUE(log.queue(Severity::Info).at(2).continues());
  EXPECT_TRUE(log.log(1, Severity::Info, 0, ""));  // an empty message is one empty entry
  EXPECT_EQ(log.queue(Severity::Info).at(3).size_and_part, 0u);
  EXPECT_EQ(log.truncated(), 0u);
}

TEST(Logger, MessageOverTheCapIsCutVisiblyAndCounted) {  // LOG-8
  Fixture<16> f;
  Logger log(f.queues(), &f.sink, f.policy);
  // Exactly the limit: whole, 8 parts, the last one byte short and final.
  const std::string limit = pattern(dyn::kLogMessageMax);
  EXPECT_TRUE(log.log(1, Severity::Info, 0, limit.c_str()));
  const auto& q = log.queue(Severity::Info);
  ASSERT_EQ(q.size(), dyn::kLogMaxParts);
  EXPECT_FALSE(q.at(dyn::kLogMaxParts - 1).follows());
  EXPECT_EQ(log.truncated(), 0u);
  // Longer (span form, 10 000 bytes): cut at the limit, marked in its last part.
  const std::string big = pattern(10000);
  EXPECT_TRUE(log.log(2, Severity::Error, 0, std::as_bytes(std::span(big.data(), big.size()))));
  const auto& e = log.queue(Severity::Error);
  ASSERT_EQ(e.size(), dyn::kLogMaxParts);
  std::string kept;
  for (std::size_t i = 0; i < e.size(); ++i) kept += text(e.at(i));
  EXPECT_EQ(kept, big.substr(0, dyn::kLogMessageMax));
  const LogEntry& last = e.at(dyn::kLogMaxParts - 1);
  EXPECT_TRUE(last.follows());
  EXPECT_TRUE(last.cut());
  for (std::size_t i = 0; i + 1 < e.size(); ++i) EXPECT_FALSE(e.at(i).cut()) << i;
  EXPECT_EQ(log.truncated(), 1u);
  // Text form: one byte over the limit is cut too.
  EXPECT_TRUE(log.log(3, Severity::Warning, 0, pattern(dyn::kLogMessageMax + 1).c_str()));
  EXPECT_TRUE(log.queue(Severity::Warning).at(dyn::kLogMaxParts - 1).cut());
  EXPECT_EQ(log.truncated(), 2u);
}

TEST(Logger, RingReuseTakesTheOldestPartsOfAMessageFirst) {  // LOG-2, LOG-8
  Fixture<4> f;
  Logger log(f.queues(), &f.sink, f.policy);
  const std::string msg = pattern(130);  // 3 parts
  (void)log.log(1, Severity::Info, 0, msg.c_str());
  (void)log.log(1, Severity::Info, 1, "x");
  (void)log.log(1, Severity::Info, 2, "y");
  const auto& q = log.queue(Severity::Info);
  ASSERT_EQ(q.size(), 4u);
  EXPECT_EQ(log.overwritten(Severity::Info), 1u);
  EXPECT_TRUE(q.at(0).continues());  // the first part went; what is left still says it is a continuation
  EXPECT_EQ(text(q.at(0)) + text(q.at(1)), msg.substr(dyn::kLogDataSize));
  // A message longer than the ring keeps only its newest parts.
  Fixture<2> g;
  Logger small(g.queues(), &g.sink, g.policy);
  (void)small.log(1, Severity::Info, 0, pattern(200).c_str());  // 5 parts into 2 slots
  EXPECT_EQ(small.overwritten(Severity::Info), 3u);
  EXPECT_TRUE(small.queue(Severity::Info).at(0).continues());
  EXPECT_EQ(text(small.queue(Severity::Info).at(1)), pattern(200).substr(4 * dyn::kLogDataSize));
}

TEST(Logger, FlushBudgetSplitsAMessageButKeepsItsPartsInOrder) {  // LOG-4, LOG-8
  Fixture<16> f;
  f.policy.max_frames_per_flush = 2;
  Logger log(f.queues(), &f.sink, f.policy);
  const std::string msg = pattern(200);  // 5 parts
  (void)log.log(4, Severity::Info, 0, msg.c_str());
  dyn::Time t = 0;
  std::vector<std::size_t> per_flush;
  while (log.pending() > 0) {
    per_flush.push_back(log.flush(t, kGoodPower).frames);
    t += 10 * dyn::kSecond;
  }
  EXPECT_EQ(per_flush, (std::vector<std::size_t>{2, 2, 1}));
  const auto got = read_all(f.sink.bytes());
  ASSERT_EQ(got.size(), 5u);
  std::string back;
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].sequence, i);
    back += text(got[i]);
  }
  EXPECT_EQ(back, msg);
}

TEST(Logger, PartsAreVersion2FramesAndReadBackExactly) {  // LOG-5, LOG-8
  Fixture<8> f;
  Logger log(f.queues(), &f.sink, f.policy);
  (void)log.log(1, Severity::Info, 3, "short");
  (void)log.log(2, Severity::Info, 4, pattern(60).c_str());
  std::vector<LogEntry> kept;
  for (std::size_t i = 0; i < 3; ++i) kept.push_back(log.queue(Severity::Info).at(i));
  ASSERT_EQ(log.flush(5, kGoodPower).frames, 3u);
  const auto bytes = f.sink.bytes();
  const std::size_t first = dyn::kLogFrameHeaderSize + 5 + 4;
  const std::size_t second = dyn::kLogFrameHeaderSize + dyn::kLogDataSize + 4;
  EXPECT_EQ(bytes[4], std::byte{1});  // a whole message: the version-1 frame earlier releases wrote
  EXPECT_EQ(bytes[first + 4], std::byte{2});
  EXPECT_EQ(bytes[first + 20], std::byte{dyn::kLogDataSize | dyn::kLogPartFollows});
  EXPECT_EQ(bytes[first + second + 4], std::byte{2});
  EXPECT_EQ(bytes[first + second + 20], std::byte{12 | dyn::kLogPartContinues});
  const auto got = read_all(bytes);
  ASSERT_EQ(got.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(std::memcmp(&got[i], &kept[i], sizeof(LogEntry)), 0) << i;
}

TEST(Logger, APartOfASystemLineIsNotALoggerRecord) {  // LOG-8
  Fixture<4> f;
  Logger log(f.queues(), &f.sink, f.policy);
  std::string line = pattern(60);
  line[0] = '\x01';  // looks like an Overwritten record's kind byte
  (void)log.log(dyn::kLoggerSource, Severity::Info, 0, line.c_str());
  EXPECT_EQ(dyn::logger_event(log.queue(Severity::Info).at(0)).kind, dyn::LoggerEventKind::None);
}

TEST(Logger, RefusesBadSeverityAndEmptyRing) {
  Fixture<2> f;
  auto q = f.queues();
  q[static_cast<std::size_t>(Severity::Debug)] = {};
  Logger log(q, &f.sink, f.policy);
  EXPECT_FALSE(log.log(1, Severity::Debug, 0, "x"));
  EXPECT_FALSE(log.log(1, static_cast<Severity>(5), 0, "x"));
  EXPECT_EQ(log.refused(), 2u);
  EXPECT_EQ(log.pending(), 0u);
}

// ---- persistence policy (LOG-3, LOG-4) ------------------------------------------

TEST(Logger, FlushNeedsEnoughPower) {  // LOG-3
  Fixture<4> f;
  Logger log(f.queues(), &f.sink, f.policy);
  (void)log.log(1, Severity::Info, 0, "x");
  EXPECT_EQ(log.flush(0, power_at(49, false)).status, FlushStatus::LowPower);
  EXPECT_EQ(log.flush(0, power_at(19, true)).status, FlushStatus::LowPower);
  EXPECT_EQ(f.sink.calls, 0);
  EXPECT_EQ(log.pending(), 1u);
  // Charging lowers the bar.
  auto r = log.flush(0, power_at(20, true));
  EXPECT_EQ(r.status, FlushStatus::Written);
  EXPECT_EQ(r.frames, 1u);
  EXPECT_EQ(log.pending(), 0u);
}

TEST(Logger, FlushWaitsMinIntervalSinceLastWrite) {  // LOG-3
  Fixture<4> f;
  Logger log(f.queues(), &f.sink, f.policy);
  (void)log.log(1, Severity::Info, 0, "a");
  EXPECT_EQ(log.flush(100, kGoodPower).status, FlushStatus::Written);  // first write: no wait
  (void)log.log(1, Severity::Info, 200, "b");
  EXPECT_EQ(log.flush(100 + 10 * dyn::kSecond - 1, kGoodPower).status, FlushStatus::TooSoon);
  EXPECT_EQ(f.sink.calls, 1);
  EXPECT_EQ(log.flush(100 + 10 * dyn::kSecond, kGoodPower).status, FlushStatus::Written);
  EXPECT_EQ(f.sink.calls, 2);
  EXPECT_EQ(log.persisted(), 2u);
}

TEST(Logger, EmptyFlushDoesNotRestartTheInterval) {  // LOG-3
  Fixture<4> f;
  Logger log(f.queues(), &f.sink, f.policy);
  EXPECT_EQ(log.flush(0, kGoodPower).status, FlushStatus::NothingPending);
  (void)log.log(1, Severity::Info, 1, "a");
  EXPECT_EQ(log.flush(2, kGoodPower).status, FlushStatus::Written);
}

TEST(Logger, FlushWritesMostSevereFirst) {  // LOG-4
  Fixture<4> f;
  Logger log(f.queues(), &f.sink, f.policy);
  (void)log.log(1, Severity::Debug, 1, "d");
  (void)log.log(2, Severity::Fatal, 2, "f");
  (void)log.log(3, Severity::Info, 3, "i1");
  (void)log.log(3, Severity::Info, 4, "i2");
  (void)log.log(4, Severity::Error, 5, "e");
  (void)log.log(5, Severity::Warning, 6, "w");
  ASSERT_EQ(log.flush(10, kGoodPower).frames, 6u);
  const auto got = read_all(f.sink.bytes());
  std::vector<std::string> order;
  for (const auto& e : got) order.push_back(text(e));
  EXPECT_EQ(order, (std::vector<std::string>{"f", "e", "w", "i1", "i2", "d"}));
}

TEST(Logger, FlushBudgetLeavesTheRestForLater) {
  Fixture<8> f;
  f.policy.max_frames_per_flush = 2;
  Logger log(f.queues(), &f.sink, f.policy);
  for (int i = 0; i < 3; ++i) (void)log.log(1, Severity::Info, i, "x");
  (void)log.log(1, Severity::Error, 9, "e");
  EXPECT_EQ(log.flush(0, kGoodPower).frames, 2u);
  EXPECT_EQ(log.pending(), 2u);
  EXPECT_EQ(text(read_all(f.sink.bytes()).front()), "e");
  EXPECT_EQ(log.flush(10 * dyn::kSecond, kGoodPower).frames, 2u);
  EXPECT_EQ(log.pending(), 0u);
}

TEST(Logger, PersistedBytesReadBackExactly) {  // LOG-5
  Fixture<4> f;
  Logger log(f.queues(), &f.sink, f.policy);
  const std::byte blob[4] = {std::byte{0}, std::byte{0xFF}, std::byte{0x80}, std::byte{0x01}};
  (void)log.log(0xBEEF, Severity::Error, -5, blob);
  const LogEntry kept = log.queue(Severity::Error).at(0);
  ASSERT_EQ(log.flush(0, kGoodPower).status, FlushStatus::Written);
  // Byte-exact frame: header, data, CRC.
  const std::vector<std::byte> expect = frame_of(kept);
  ASSERT_EQ(expect.size(), dyn::kLogFrameHeaderSize + 4 + 4);
  EXPECT_EQ(std::vector<std::byte>(f.sink.bytes().begin(), f.sink.bytes().end()), expect);
  EXPECT_EQ(expect[0], std::byte{'D'});
  EXPECT_EQ(expect[5], std::byte{3});
  EXPECT_EQ(expect[6], std::byte{0xEF});
  EXPECT_EQ(expect[7], std::byte{0xBE});
  const auto got = read_all(f.sink.bytes());
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(std::memcmp(&got[0], &kept, sizeof(LogEntry)), 0);
}

TEST(Logger, OverwrittenEntriesAreReportedInTheStore) {  // LOG-2, LOG-5
  Fixture<2> f;
  Logger log(f.queues(), &f.sink, f.policy);
  for (int i = 0; i < 5; ++i) (void)log.log(1, Severity::Info, i, "x");
  ASSERT_EQ(log.flush(100, kGoodPower).frames, 3u);
  const auto got = read_all(f.sink.bytes());
  ASSERT_EQ(got.size(), 3u);
  const auto ev = dyn::logger_event(got[0]);
  EXPECT_EQ(got[0].source, dyn::kLoggerSource);
  EXPECT_EQ(got[0].severity, Severity::Info);
  EXPECT_EQ(ev.kind, dyn::LoggerEventKind::Overwritten);
  EXPECT_EQ(ev.count, 3u);
  EXPECT_EQ(dyn::logger_event(got[1]).kind, dyn::LoggerEventKind::None);
  // Reported once: a later flush with new entries carries no second gap record.
  (void)log.log(1, Severity::Info, 200, "y");
  ASSERT_EQ(log.flush(100 + 10 * dyn::kSecond, kGoodPower).frames, 1u);
}

TEST(Logger, NoSinkKeepsEntriesInRam) {
  Fixture<2> f;
  Logger log(f.queues(), nullptr, f.policy);
  EXPECT_TRUE(log.log(1, Severity::Info, 0, "x"));
  EXPECT_EQ(log.flush(0, kGoodPower).status, FlushStatus::NoStore);
  EXPECT_FALSE(log.persistence_enabled());
  EXPECT_EQ(log.pending(), 1u);
}

TEST(Logger, SpanSinkFullIsAStoreFault) {  // LOG-6
  Fixture<2> f;
  std::array<std::byte, 40> store{};  // room for one 28-byte frame
  dyn::SpanLogSink sink(store);
  Logger log(f.queues(), &sink, f.policy);
  (void)log.log(1, Severity::Info, 0, "one");
  (void)log.log(1, Severity::Error, 0, "two");
  const auto r = log.flush(0, kGoodPower);
  EXPECT_EQ(r.status, FlushStatus::StoreFault);
  EXPECT_EQ(r.frames, 1u);
  ASSERT_NE(log.store_fault(), nullptr);
  EXPECT_EQ(log.store_fault()->error.code, dyn::LogSinkErrc::Full);
  EXPECT_EQ(log.store_fault()->error.detail, 28u - 12u);
  const auto got = read_all(sink.written());
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(text(got[0]), "two");  // the error went first and made it
  EXPECT_EQ(text(log.queue(Severity::Info).at(0)), "one");
}

// ---- store fault (LOG-6) -----------------------------------------------------------

TEST(Logger, StoreFaultDisablesPersistenceWithARecord) {  // LOG-6
  Fixture<4> f;
  f.sink.fail_after = 1;
  Logger log(f.queues(), &f.sink, f.policy);
  (void)log.log(1, Severity::Error, 1, "e");
  (void)log.log(2, Severity::Info, 2, "i");
  const auto r = log.flush(50, kGoodPower);
  EXPECT_EQ(r.status, FlushStatus::StoreFault);
  EXPECT_EQ(r.frames, 1u);
  EXPECT_FALSE(log.persistence_enabled());
  ASSERT_NE(log.store_fault(), nullptr);
  EXPECT_EQ(log.store_fault()->at, 50);
  EXPECT_EQ(log.store_fault()->error.code, dyn::LogSinkErrc::Io);
  EXPECT_EQ(log.store_fault()->error.detail, 5u);
  EXPECT_EQ(log.store_fault()->frames_before, 1u);
  // The entry whose write failed is still in RAM.
  ASSERT_EQ(log.queue(Severity::Info).size(), 1u);
  // The record is in the fatal queue too.
  ASSERT_EQ(log.queue(Severity::Fatal).size(), 1u);
  const LogEntry& rec = log.queue(Severity::Fatal).at(0);
  EXPECT_EQ(rec.source, dyn::kLoggerSource);
  EXPECT_EQ(rec.timestamp, 50);
  const auto ev = dyn::logger_event(rec);
  EXPECT_EQ(ev.kind, dyn::LoggerEventKind::StoreFault);
  EXPECT_EQ(ev.code, static_cast<std::uint8_t>(dyn::LogSinkErrc::Io));
  EXPECT_EQ(ev.detail, 5u);
}

TEST(Logger, AfterFaultLogsStayInRamAndAreNeverRetried) {  // LOG-6
  Fixture<2> f;
  f.sink.fail_after = 0;
  Logger log(f.queues(), &f.sink, f.policy);
  (void)log.log(1, Severity::Info, 0, "a");
  EXPECT_EQ(log.flush(0, kGoodPower).status, FlushStatus::StoreFault);
  EXPECT_EQ(f.sink.calls, 1);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(log.log(1, Severity::Warning, 100 + i, "w"));
  EXPECT_EQ(log.logged_while_disabled(), 3u);
  EXPECT_EQ(log.overwritten(Severity::Warning), 1u);
  EXPECT_EQ(log.queue(Severity::Warning).size(), 2u);
  for (int k = 1; k < 5; ++k)
    EXPECT_EQ(log.flush(k * 100 * dyn::kSecond, kGoodPower).status, FlushStatus::Disabled);
  EXPECT_EQ(f.sink.calls, 1);  // the broken store is not touched again
  EXPECT_EQ(log.persisted(), 0u);
}

TEST(Logger, FaultRecordSurvivesAFullFatalRing) {  // LOG-6
  Fixture<1> f;
  f.sink.fail_after = 0;
  Logger log(f.queues(), &f.sink, f.policy);
  (void)log.log(1, Severity::Fatal, 0, "boom");
  EXPECT_EQ(log.flush(7, kGoodPower).status, FlushStatus::StoreFault);
  EXPECT_EQ(dyn::logger_event(log.queue(Severity::Fatal).at(0)).kind, dyn::LoggerEventKind::StoreFault);
  (void)log.log(1, Severity::Fatal, 8, "again");  // reuses the record's slot
  ASSERT_NE(log.store_fault(), nullptr);       // the epitaph outside the rings stays
  EXPECT_EQ(log.store_fault()->at, 7);
}

TEST(Logger, GroundCanReenableAfterFault) {  // LOG-6
  Fixture<4> f;
  f.sink.fail_after = 0;
  Logger log(f.queues(), &f.sink, f.policy);
  (void)log.log(1, Severity::Info, 0, "a");
  EXPECT_EQ(log.flush(0, kGoodPower).status, FlushStatus::StoreFault);
  f.sink.fail_after = -1;
  log.reenable_persistence();
  EXPECT_TRUE(log.persistence_enabled());
  const auto r = log.flush(1, kGoodPower);
  EXPECT_EQ(r.status, FlushStatus::Written);
  EXPECT_EQ(r.frames, 2u);  // the fault record (fatal) first, then the kept entry
  const auto got = read_all(f.sink.bytes());
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(dyn::logger_event(got[0]).kind, dyn::LoggerEventKind::StoreFault);
  EXPECT_EQ(text(got[1]), "a");
}

// ---- reader refusals (LOG-7) -------------------------------------------------------

TEST(LogReader, EmptyInputIsAtEnd) {
  LogReader r({});
  EXPECT_TRUE(r.at_end());
  auto e = r.next();
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().code, LogReadErrc::EndOfLog);
}

TEST(LogReader, RefusesTruncatedFrame) {
  auto f = frame_of(sample_entry());
  f.pop_back();
  LogReader r(f);
  auto e = r.next();
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().code, LogReadErrc::Truncated);
  EXPECT_EQ(e.error().offset, 0u);
  EXPECT_EQ(e.error().detail, 1u);
  EXPECT_TRUE(r.at_end());
}

TEST(LogReader, RefusesTruncatedHeaderAndShortMagic) {
  const auto full = frame_of(sample_entry());
  for (std::size_t n : {2u, 4u, 10u}) {
    std::vector<std::byte> f(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    LogReader r(f);
    auto e = r.next();
    ASSERT_FALSE(e.has_value());
    EXPECT_EQ(e.error().code, LogReadErrc::Truncated) << n;
  }
  const std::byte junk[2] = {std::byte{'D'}, std::byte{'X'}};
  LogReader r(junk);
  EXPECT_EQ(r.next().error().code, LogReadErrc::BadMagic);
}

TEST(LogReader, RefusesBadCrc) {
  auto f = frame_of(sample_entry());
  f[dyn::kLogFrameHeaderSize] ^= std::byte{0x01};  // flip a data bit
  LogReader r(f);
  auto e = r.next();
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().code, LogReadErrc::BadCrc);
}

TEST(LogReader, RefusesBadMagic) {
  auto f = frame_of(sample_entry());
  f[0] = std::byte{'X'};
  LogReader r(f);
  auto e = r.next();
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().code, LogReadErrc::BadMagic);
  EXPECT_EQ(e.error().resume, f.size());
  EXPECT_TRUE(r.at_end());
}

TEST(LogReader, RefusesBadLength) {
  auto f = frame_of(sample_entry());
  f[20] = std::byte{dyn::kLogDataSize + 1};
  LogReader r(f);
  auto e = r.next();
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().code, LogReadErrc::BadLength);
  EXPECT_EQ(e.error().detail, dyn::kLogDataSize + 1);
}

TEST(LogReader, RefusesOtherVersionWithValidCrc) {
  auto f = frame_of(sample_entry());
  f[4] = std::byte{3};
  restamp_crc(f);
  LogReader r(f);
  auto e = r.next();
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().code, LogReadErrc::BadVersion);
  EXPECT_EQ(e.error().detail, 3u);
}

TEST(LogReader, RefusesBadSeverityWithValidCrc) {
  auto f = frame_of(sample_entry());
  f[5] = std::byte{5};
  restamp_crc(f);
  LogReader r(f);
  auto e = r.next();
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().code, LogReadErrc::BadSeverity);
  EXPECT_EQ(e.error().detail, 5u);
}

LogEntry sample_part() {
  LogEntry e = sample_entry();
  e.size_and_part = 3 | dyn::kLogPartContinues | dyn::kLogPartFollows;
  return e;
}

TEST(LogReader, ReadsVersion1FramesAsEarlierReleasesWroteThem) {  // LOG-5
  // Built byte by byte, not with the encoder: the version-1 layout is a promise.
  std::vector<std::byte> f;
  for (const char c : {'D', 'L', 'O', 'G'}) f.push_back(std::byte(c));
  for (const int b : {1, 2, 0x34, 0x12, 7, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 2, int{'h'}, int{'i'}}) f.push_back(std::byte(b));
  f.resize(f.size() + 4);
  restamp_crc(f);
  LogReader r(f);
  auto e = r.next();
  ASSERT_TRUE(e.has_value()) << dyn::describe(e.error().code);
  EXPECT_EQ(e.value().severity, Severity::Warning);
  EXPECT_EQ(e.value().source, 0x1234u);
  EXPECT_EQ(e.value().sequence, 7u);
  EXPECT_EQ(e.value().timestamp, 9);
  EXPECT_EQ(text(e.value()), "hi");
  EXPECT_FALSE(e.value().continues());
  EXPECT_FALSE(e.value().follows());
  EXPECT_EQ(frame_of(e.value()), f);
}

TEST(LogReader, ReadsVersion2PartFrames) {  // LOG-5, LOG-8
  const LogEntry part = sample_part();
  const auto f = frame_of(part);
  EXPECT_EQ(f[4], std::byte{2});
  LogReader r(f);
  auto e = r.next();
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(std::memcmp(&e.value(), &part, sizeof(LogEntry)), 0);
  EXPECT_TRUE(r.at_end());
}

TEST(LogReader, RefusesVersion2FrameWithoutPartFlags) {  // LOG-7
  auto f = frame_of(sample_entry());
  f[4] = std::byte{2};  // intact, but an entry without parts is always written as version 1
  restamp_crc(f);
  LogReader r(f);
  auto e = r.next();
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().code, LogReadErrc::BadPart);
  EXPECT_EQ(e.error().detail, 3u);
  EXPECT_TRUE(r.at_end());
}

TEST(LogReader, RefusesVersion2LengthAboveTheBlob) {  // LOG-7
  auto f = frame_of(sample_part());
  f[20] = std::byte{(dyn::kLogDataSize + 1) | dyn::kLogPartFollows};
  LogReader r(f);
  auto e = r.next();
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().code, LogReadErrc::BadLength);
  EXPECT_EQ(e.error().detail, dyn::kLogDataSize + 1);
}

TEST(LogReader, AFlippedVersionByteIsDamageNotAMisreadFrame) {  // LOG-7
  auto v1 = frame_of(sample_entry());
  v1[4] = std::byte{2};  // the length reads the same; the CRC catches it
  LogReader r1(v1);
  EXPECT_EQ(r1.next().error().code, LogReadErrc::BadCrc);
  auto v2 = frame_of(sample_part());
  v2[4] = std::byte{1};  // byte 20 with part flags is no version-1 length
  LogReader r2(v2);
  auto e = r2.next();
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().code, LogReadErrc::BadLength);
  EXPECT_EQ(e.error().detail, 3u | dyn::kLogPartContinues | dyn::kLogPartFollows);
}

TEST(LogReader, SkipsCorruptFrameToTheNextValidOne) {
  const LogEntry a = sample_entry();
  LogEntry b = sample_entry();
  b.sequence = 99;
  std::vector<std::byte> log = {std::byte{0x00}, std::byte{0x11}};  // leading garbage
  auto fa = frame_of(a);
  fa[fa.size() - 1] ^= std::byte{0xFF};  // corrupt a's CRC
  const std::size_t a_at = log.size();
  log.insert(log.end(), fa.begin(), fa.end());
  const std::size_t b_at = log.size();
  const auto fb = frame_of(b);
  log.insert(log.end(), fb.begin(), fb.end());

  LogReader r(log);
  auto e1 = r.next();
  ASSERT_FALSE(e1.has_value());
  EXPECT_EQ(e1.error().code, LogReadErrc::BadMagic);
  EXPECT_EQ(e1.error().offset, 0u);
  EXPECT_EQ(e1.error().resume, a_at);
  auto e2 = r.next();
  ASSERT_FALSE(e2.has_value());
  EXPECT_EQ(e2.error().code, LogReadErrc::BadCrc);
  EXPECT_EQ(e2.error().offset, a_at);
  EXPECT_EQ(e2.error().resume, b_at);
  auto e3 = r.next();
  ASSERT_TRUE(e3.has_value());
  EXPECT_EQ(e3.value().sequence, 99u);
  EXPECT_TRUE(r.at_end());
}

TEST(LogReader, TornLastWriteLeavesEarlierFramesReadable) {
  Fixture<4> f;
  Logger log(f.queues(), &f.sink, f.policy);
  (void)log.log(1, Severity::Error, 1, "first");
  (void)log.log(1, Severity::Info, 2, "second");
  ASSERT_EQ(log.flush(3, kGoodPower).frames, 2u);
  std::vector<std::byte> bytes(f.sink.bytes().begin(), f.sink.bytes().end() - 3);
  LogReader r(bytes);
  auto e1 = r.next();
  ASSERT_TRUE(e1.has_value());
  EXPECT_EQ(text(e1.value()), "first");
  auto e2 = r.next();
  ASSERT_FALSE(e2.has_value());
  EXPECT_EQ(e2.error().code, LogReadErrc::Truncated);
  EXPECT_EQ(e2.error().detail, 3u);
  EXPECT_TRUE(r.at_end());
}

TEST(LogNames, DescribeEverything) {
  EXPECT_STREQ(dyn::severity_name(Severity::Warning), "warning");
  EXPECT_STREQ(dyn::severity_name(static_cast<Severity>(9)), "?");
  for (int c = 0; c <= 7; ++c) EXPECT_NE(std::string(dyn::describe(static_cast<LogReadErrc>(c))), "unknown log read error");
  for (int c = 0; c <= 6; ++c) EXPECT_NE(std::string(dyn::describe(static_cast<FlushStatus>(c))), "unknown flush status");
  EXPECT_NE(std::string(dyn::describe(dyn::LogSinkErrc::Full)), "unknown log store error");
}

}  // namespace
