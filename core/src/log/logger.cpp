// logger.cpp — severity rings, the persistence policy and the store-fault
// path of the Logger (logger.hpp), and the frame encoder the reader mirrors.
#include "dyn/logger.hpp"

#include "dyn/crc32.hpp"

namespace dyn {

namespace {

void put_le(std::byte* p, std::uint64_t v, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<std::byte>((v >> (8 * i)) & 0xFFu);
}

std::uint64_t get_le(const std::byte* p, std::size_t n) noexcept {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v |= std::uint64_t{std::to_integer<std::uint8_t>(p[i])} << (8 * i);
  return v;
}

// Logger record payloads: byte 0 is the LoggerEventKind, then the fields.
constexpr std::size_t kOverwrittenLength = 1 + 8;
constexpr std::size_t kStoreFaultLength = 1 + 1 + 4;

}  // namespace

const char* severity_name(Severity s) noexcept {
  switch (s) {
    case Severity::Debug: return "debug";
    case Severity::Info: return "info";
    case Severity::Warning: return "warning";
    case Severity::Error: return "error";
    case Severity::Fatal: return "fatal";
  }
  return "?";
}

const char* describe(LogSinkErrc e) noexcept {
  switch (e) {
    case LogSinkErrc::Full:
      return "log store full: the SD card (or log file) has no room; downlink and clear it, then re-enable "
             "persistence";
    case LogSinkErrc::Io:
      return "log store write failed: SD card or file I/O error (detail is the driver code or errno); "
             "check or replace the card, then re-enable persistence";
  }
  return "unknown log store error";
}

const char* describe(FlushStatus s) noexcept {
  switch (s) {
    case FlushStatus::Written: return "written";
    case FlushStatus::NothingPending: return "nothing pending";
    case FlushStatus::LowPower: return "not enough power to write the store";
    case FlushStatus::TooSoon: return "too soon since the last write";
    case FlushStatus::NoStore: return "no store configured; entries kept in RAM only";
    case FlushStatus::StoreFault: return "the store failed; persistence disabled";
    case FlushStatus::Disabled: return "persistence disabled after an earlier store fault";
  }
  return "unknown flush status";
}

LoggerEvent logger_event(const LogEntry& e) noexcept {
  LoggerEvent ev;
  // The logger's records are single entries; a part of a message is a task's text.
  if (e.source != kLoggerSource || e.length() == 0 || e.continues() || e.follows()) return ev;
  const auto kind = std::to_integer<std::uint8_t>(e.data[0]);
  if (kind == static_cast<std::uint8_t>(LoggerEventKind::Overwritten) && e.length() >= kOverwrittenLength) {
    ev.kind = LoggerEventKind::Overwritten;
    ev.count = get_le(&e.data[1], 8);
  } else if (kind == static_cast<std::uint8_t>(LoggerEventKind::StoreFault) && e.length() >= kStoreFaultLength) {
    ev.kind = LoggerEventKind::StoreFault;
    ev.code = std::to_integer<std::uint8_t>(e.data[1]);
    ev.detail = static_cast<std::uint32_t>(get_le(&e.data[2], 4));
  }
  return ev;
}

Result<void, LogSinkError> SpanLogSink::append(std::span<const std::byte> bytes) noexcept {
  const std::size_t room = storage_.size() - used_;
  if (bytes.size() > room)
    return Unexpected{LogSinkError{LogSinkErrc::Full, static_cast<std::uint32_t>(bytes.size() - room)}};
  for (std::size_t i = 0; i < bytes.size(); ++i) storage_[used_ + i] = bytes[i];
  used_ += bytes.size();
  return {};
}

std::size_t encode_log_frame(const LogEntry& e, std::span<std::byte, kLogFrameMaxSize> out) noexcept {
  std::byte* p = out.data();
  for (std::size_t i = 0; i < 4; ++i) p[i] = kLogMagic[i];
  const bool part = (e.size_and_part & ~kLogLengthMask) != 0;
  p[4] = std::byte{part ? kLogPartFormatVersion : kLogFormatVersion};
  p[5] = static_cast<std::byte>(e.severity);
  put_le(p + 6, e.source, 2);
  put_le(p + 8, e.sequence, 4);
  put_le(p + 12, static_cast<std::uint64_t>(e.timestamp), 8);
  p[20] = std::byte{e.size_and_part};
  const std::size_t n = e.length();
  for (std::size_t i = 0; i < n; ++i) p[kLogFrameHeaderSize + i] = e.data[i];
  const std::size_t body = kLogFrameHeaderSize + n;
  put_le(p + body, crc32(out.first(body)), 4);
  return body + 4;
}

Logger::Logger(const Queues& queues, LogSink* sink, const PersistPolicy& policy) noexcept
    : rings_{RingBuffer<LogEntry>{queues[0]}, RingBuffer<LogEntry>{queues[1]}, RingBuffer<LogEntry>{queues[2]},
             RingBuffer<LogEntry>{queues[3]}, RingBuffer<LogEntry>{queues[4]}},
      sink_(sink),
      policy_(policy) {}

LogEntry Logger::make_entry(std::uint16_t source, Severity severity, Time now) noexcept {
  LogEntry e{};  // zeroes data past length (LogEntry invariant)
  e.timestamp = now;
  e.sequence = next_sequence_++;
  e.source = source;
  e.severity = severity;
  return e;
}

bool Logger::log(std::uint16_t source, Severity severity, Time now, std::span<const std::byte> data) noexcept {
  const std::size_t s = index(severity);
  if (s >= kSeverityCount || rings_[s].capacity() == 0) {
    ++refused_;
    return false;
  }
  std::size_t n = data.size();
  const bool cut = n > kLogMessageMax;
  if (cut) {
    n = kLogMessageMax;
    ++truncated_;
  }
  // Parts in order, with consecutive sequence numbers (log() is not
  // interleaved with another log() or flush(), so nothing comes between
  // them) and the same timestamp; all in one ring, so they stay adjacent
  // there and a reused slot can only take the oldest part(s) of a message.
  std::size_t done = 0;
  do {
    LogEntry e = make_entry(source, severity, now);
    const std::size_t take = n - done < kLogDataSize ? n - done : kLogDataSize;
    for (std::size_t i = 0; i < take; ++i) e.data[i] = data[done + i];
    std::uint8_t flags = done > 0 ? kLogPartContinues : 0;
    done += take;
    if (done < n || cut) flags = static_cast<std::uint8_t>(flags | kLogPartFollows);
    e.size_and_part = static_cast<std::uint8_t>(take | flags);
    rings_[s].push_overwrite(e);
    ++accepted_[s];
    if (sink_ != nullptr && fault_active_) ++logged_while_disabled_;
  } while (done < n);
  return true;
}

bool Logger::log(std::uint16_t source, Severity severity, Time now, const char* text) noexcept {
  // Count at most one byte past the limit: enough to know it was cut.
  std::size_t n = 0;
  if (text != nullptr)
    while (n <= kLogMessageMax && text[n] != '\0') ++n;
  // Safety: viewing chars as std::byte is allowed aliasing; n bytes were just read.
  return log(source, severity, now, std::span<const std::byte>(reinterpret_cast<const std::byte*>(text), n));
}

std::size_t Logger::pending() const noexcept {
  std::size_t n = 0;
  for (const auto& r : rings_) n += r.size();
  return n;
}

void Logger::record_fault(Time now, LogSinkError error) noexcept {
  fault_active_ = true;
  has_fault_ = true;
  fault_ = StoreFaultRecord{now, error, persisted_};
  // The same fact as an entry in the fatal ring, so it is downlinked with the
  // logs; push_overwrite: the fault must be recorded even if the ring is full.
  auto& ring = rings_[index(Severity::Fatal)];
  if (ring.capacity() == 0) return;
  LogEntry e = make_entry(kLoggerSource, Severity::Fatal, now);
  e.data[0] = std::byte{static_cast<std::uint8_t>(LoggerEventKind::StoreFault)};
  e.data[1] = std::byte{static_cast<std::uint8_t>(error.code)};
  put_le(&e.data[2], error.detail, 4);
  e.size_and_part = static_cast<std::uint8_t>(kStoreFaultLength);
  ring.push_overwrite(e);
  ++accepted_[index(Severity::Fatal)];
}

bool Logger::write_frame(const LogEntry& e, Time now) noexcept {
  std::array<std::byte, kLogFrameMaxSize> frame;
  const std::size_t n = encode_log_frame(e, frame);
  auto r = sink_->append(std::span<const std::byte>(frame).first(n));
  if (!r) {
    record_fault(now, r.error());
    return false;
  }
  ++persisted_;
  return true;
}

FlushReport Logger::flush(Time now, PowerState power) noexcept {
  if (sink_ == nullptr) return {FlushStatus::NoStore, 0};
  if (fault_active_) return {FlushStatus::Disabled, 0};
  const std::uint8_t bar = power.charging ? policy_.min_charge_percent_charging : policy_.min_charge_percent;
  if (power.charge_permille < 10u * bar) return {FlushStatus::LowPower, 0};
  // now - last_write_ could overflow for absurd times; compare against the sum instead.
  if (has_written_ && now < time_add(last_write_, policy_.min_interval)) return {FlushStatus::TooSoon, 0};

  std::size_t frames = 0;
  bool touched = false;
  for (std::size_t k = kSeverityCount; k-- > 0;) {
    auto& ring = rings_[k];
    // Entries of this severity lost to reuse since the last report: say so
    // before the survivors, which are newer than what was lost.
    const std::uint64_t lost = ring.overwritten() - reported_overwritten_[k];
    if (lost > 0 && frames < policy_.max_frames_per_flush) {
      LogEntry gap = make_entry(kLoggerSource, static_cast<Severity>(k), now);
      gap.data[0] = std::byte{static_cast<std::uint8_t>(LoggerEventKind::Overwritten)};
      put_le(&gap.data[1], lost, 8);
      gap.size_and_part = static_cast<std::uint8_t>(kOverwrittenLength);
      touched = true;
      if (!write_frame(gap, now)) return {FlushStatus::StoreFault, frames};
      reported_overwritten_[k] += lost;
      ++frames;
    }
    while (!ring.empty() && frames < policy_.max_frames_per_flush) {
      touched = true;
      // Popped only once written: a failed write leaves the entry in RAM.
      if (!write_frame(*ring.peek(), now)) return {FlushStatus::StoreFault, frames};
      LogEntry done;
      (void)ring.pop(done);  // cannot fail: the ring was not empty
      ++frames;
    }
  }
  if (!touched) return {FlushStatus::NothingPending, 0};
  has_written_ = true;
  last_write_ = now;
  return {FlushStatus::Written, frames};
}

}  // namespace dyn
