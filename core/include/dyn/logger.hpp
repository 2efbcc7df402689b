// logger.hpp — the best-effort logging service every task may use (seed 003,
// section 2.1.6), its persisted frame format, and a validating reader for it.
//
// A task logs into one fixed ring per severity; a full ring reuses its oldest
// entry and counts the loss, so log() is O(message length), never blocks and
// never fails the caller. A message longer than one entry's blob becomes
// consecutive entries (parts) that the reader's side joins back together. flush() copies the queues to the SD store (a LogSink), most
// severe first, but only when the power allows and at least min_interval has
// passed since the last write. A store fault disables persistence for good
// (until the ground re-enables it) and leaves a record that survives the
// rings: logging continues in RAM, nothing is written, nothing is retried.
//
// Portable core code: no heap, no exceptions; the rings' storage is handed in.
// See docs/logger.md for the format and the requirement list.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "dyn/power_state.hpp"
#include "dyn/result.hpp"
#include "dyn/ring_buffer.hpp"
#include "dyn/time.hpp"

namespace dyn {

// Severities, least to most severe; the value is what the frame stores.
enum class Severity : std::uint8_t { Debug = 0, Info = 1, Warning = 2, Error = 3, Fatal = 4 };
inline constexpr std::size_t kSeverityCount = 5;
const char* severity_name(Severity s) noexcept;  // "debug" .. "fatal"; "?" if out of range

inline constexpr std::size_t kLogDataSize = 48;  // bytes of payload per entry
// Source id the logger uses for its own records (gaps, store fault).
inline constexpr std::uint16_t kLoggerSource = 0xFFFF;

// A message longer than kLogDataSize is kept as up to kLogMaxParts entries of
// one source and severity with consecutive sequence numbers; every part but
// the last is full. A longer message keeps its first kLogMessageMax bytes:
// its last part is one byte short of full and still says "follows", which is
// how a reader tells a cut message from one whose end was lost.
inline constexpr std::size_t kLogMaxParts = 8;
inline constexpr std::size_t kLogMessageMax = kLogMaxParts * kLogDataSize - 1;  // 383 bytes
// LogEntry::size_and_part: the length in the low bits, the part flags above.
inline constexpr std::uint8_t kLogLengthMask = 0x3F;
inline constexpr std::uint8_t kLogPartContinues = 0x40;  // continues the message of entry sequence - 1
inline constexpr std::uint8_t kLogPartFollows = 0x80;    // the message goes on in entry sequence + 1
static_assert(kLogDataSize <= kLogLengthMask, "the length fits below the part flags");

// One log record, fixed size, no pointers: it is copied into a ring slot and
// out to the store by value. Invariants: length() <= kLogDataSize and the
// bytes of data past length() are zero (so equal entries compare equal
// bytewise); an entry with follows() is full unless it is the cut end of a
// message (cut()).
struct LogEntry {
  Time timestamp;            // mission time at log(); every part of a message has the same
  std::uint32_t sequence;    // logger-wide order of acceptance; queues are persisted out of order
  std::uint16_t source;      // task or scenario id; kLoggerSource for the logger's own records
  Severity severity;
  std::uint8_t size_and_part;  // length | kLogPartContinues | kLogPartFollows; read with the accessors
  std::byte data[kLogDataSize];

  // Bytes used in data.
  [[nodiscard]] constexpr std::size_t length() const noexcept { return size_and_part & kLogLengthMask; }
  // This entry is a continuation: the message began in an earlier entry.
  [[nodiscard]] constexpr bool continues() const noexcept { return (size_and_part & kLogPartContinues) != 0; }
  // The message goes on after this entry (or was cut here, see cut()).
  [[nodiscard]] constexpr bool follows() const noexcept { return (size_and_part & kLogPartFollows) != 0; }
  // The logger cut the message here at kLogMessageMax bytes; the rest was dropped.
  [[nodiscard]] constexpr bool cut() const noexcept { return follows() && length() < kLogDataSize; }
};
static_assert(sizeof(LogEntry) == 64, "LogEntry is one 64-byte slot");

// ---- the logger's own records ---------------------------------------------

enum class LoggerEventKind : std::uint8_t {
  None = 0,        // not a logger record: an entry some task logged
  Overwritten = 1, // `count` older entries of this severity were reused before reaching the store
  StoreFault = 2,  // persistence disabled after the store failed with `code`/`detail` at timestamp
};
struct LoggerEvent {
  LoggerEventKind kind = LoggerEventKind::None;
  std::uint64_t count = 0;   // Overwritten: entries lost
  std::uint8_t code = 0;     // StoreFault: LogSinkErrc value
  std::uint32_t detail = 0;  // StoreFault: LogSinkError::detail
};
// Decodes an entry written by the logger itself (source == kLoggerSource);
// kind None for any other entry, a part of a longer message, or one too
// short to be a logger record.
[[nodiscard]] LoggerEvent logger_event(const LogEntry& e) noexcept;

// ---- the SD store ------------------------------------------------------------

enum class LogSinkErrc : std::uint8_t {
  Full = 1,  // no room left on the store; detail = bytes that did not fit
  Io = 2,    // the device or file refused the write; detail = driver code or errno
};
struct LogSinkError {
  LogSinkErrc code = LogSinkErrc::Io;
  std::uint32_t detail = 0;
};
const char* describe(LogSinkErrc e) noexcept;

// Where persisted frames go: an append-only byte stream (a file on the host,
// the SD card's log file on the target). append() writes all bytes or fails;
// the logger treats any failure as a hardware fault of the store.
class LogSink {
 public:
  [[nodiscard]] virtual Result<void, LogSinkError> append(std::span<const std::byte> bytes) noexcept = 0;

 protected:
  ~LogSink() = default;
};

// A sink over a caller-owned byte span (RAM store, tests, the host before it
// writes the bytes to a file). Fails with Full once the span cannot take a frame.
class SpanLogSink final : public LogSink {
 public:
  explicit SpanLogSink(std::span<std::byte> storage) noexcept : storage_(storage) {}
  Result<void, LogSinkError> append(std::span<const std::byte> bytes) noexcept override;
  [[nodiscard]] std::span<const std::byte> written() const noexcept { return storage_.first(used_); }

 private:
  std::span<std::byte> storage_;
  std::size_t used_ = 0;  // invariant: used_ <= storage_.size()
};

// ---- persisted frame format (all integers little-endian) -------------------
//
//   off size field
//     0   4  magic "DLOG" (0x44 0x4C 0x4F 0x47)
//     4   1  format version: 1, or 2 for a part of a longer message
//     5   1  severity (0..4)
//     6   2  source
//     8   4  sequence
//    12   8  timestamp (signed microseconds)
//    20   1  v1: length n (<= kLogDataSize); v2: size_and_part, n = low 6 bits
//    21   n  data
//  21+n   4  CRC-32 of bytes 0 .. 21+n-1
//
// The encoding is canonical: an entry without part flags is a version-1
// frame (byte for byte what earlier releases wrote, so their readers still
// read every short message), one with part flags is version 2 (which those
// readers refuse as another format rather than misread as a bad length).
inline constexpr std::uint8_t kLogFormatVersion = 1;       // a whole message in one entry
inline constexpr std::uint8_t kLogPartFormatVersion = 2;   // one part of a longer message
inline constexpr std::size_t kLogFrameHeaderSize = 21;
inline constexpr std::size_t kLogFrameMaxSize = kLogFrameHeaderSize + kLogDataSize + 4;
inline constexpr std::byte kLogMagic[4] = {std::byte{'D'}, std::byte{'L'}, std::byte{'O'}, std::byte{'G'}};

// Frame of `e` into `out`; returns the frame's size. Precondition: e.length() <= kLogDataSize.
std::size_t encode_log_frame(const LogEntry& e, std::span<std::byte, kLogFrameMaxSize> out) noexcept;

// ---- the logger ----------------------------------------------------------------

struct PersistPolicy {
  std::uint8_t min_charge_percent = 50;           // battery level needed to write
  std::uint8_t min_charge_percent_charging = 20;  // lower bar while the battery is charging
  Time min_interval = 60 * kSecond;               // since the last write to the store
  std::size_t max_frames_per_flush = 64;          // bounds the time one flush takes
};

enum class FlushStatus : std::uint8_t {
  Written,         // `frames` frames appended (maybe fewer than pending: budget)
  NothingPending,  // queues empty and no loss to report; the store was not touched
  LowPower,        // power below the policy's threshold; nothing written
  TooSoon,         // less than min_interval since the last write; nothing written
  NoStore,         // the logger was built without a sink
  StoreFault,      // the sink failed during this flush; persistence is now disabled
  Disabled,        // persistence was disabled by an earlier store fault; store not touched
};
const char* describe(FlushStatus s) noexcept;

struct FlushReport {
  FlushStatus status;
  std::size_t frames;  // frames appended by this call (before the fault, for StoreFault)
};

// Why persistence stopped. Kept outside the rings, so later logs cannot
// overwrite it (the copy in the fatal ring may be reused).
struct StoreFaultRecord {
  Time at;                          // the flush that failed
  LogSinkError error;
  std::uint64_t frames_before;      // frames persisted before the fault
};

// Rings: one span per severity, indexed by Severity, each handed in by the
// owner (static arrays); a zero-size ring refuses every entry of its severity.
// Not synchronised: callers in different contexts serialise log()/flush().
class Logger {
 public:
  using Queues = std::array<std::span<LogEntry>, kSeverityCount>;

  // sink may be null: entries are then kept in RAM only (flush says NoStore).
  Logger(const Queues& queues, LogSink* sink, const PersistPolicy& policy) noexcept;
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  // Keeps `data` in the severity's ring as one entry, or as consecutive parts
  // when longer than kLogDataSize (cut to kLogMessageMax bytes, counted in
  // truncated()), reusing the oldest entries if full. Returns whether the
  // message was kept: false only for an out-of-range severity or a
  // zero-size ring (counted in refused()).
  bool log(std::uint16_t source, Severity severity, Time now, std::span<const std::byte> data) noexcept;
  // Text form: the bytes of a NUL-terminated string, without the NUL.
  bool log(std::uint16_t source, Severity severity, Time now, const char* text) noexcept;

  // A store that already holds entries (the log of earlier boots): this
  // logger's sequence numbers go on after `last`, so every entry of the
  // store has its own number and a reader orders and joins them across
  // boots. Call before the first log().
  void continue_after(std::uint32_t last) noexcept { next_sequence_ = last + 1; }

  // Persists pending entries if the policy allows; see FlushStatus.
  [[nodiscard]] FlushReport flush(Time now, PowerState power) noexcept;

  // Ground command after the card was replaced: clears the fault, writing resumes.
  void reenable_persistence() noexcept { fault_active_ = false; }

  [[nodiscard]] bool persistence_enabled() const noexcept { return sink_ != nullptr && !fault_active_; }
  // The last store fault, or nullptr if the store never failed.
  [[nodiscard]] const StoreFaultRecord* store_fault() const noexcept { return has_fault_ ? &fault_ : nullptr; }

  [[nodiscard]] const RingBuffer<LogEntry>& queue(Severity s) const noexcept {
    return rings_[static_cast<std::size_t>(s)];
  }
  [[nodiscard]] std::size_t pending() const noexcept;
  // Counters of entries (a long message is several), except refused() and
  // truncated(), which count messages.
  [[nodiscard]] std::uint64_t accepted(Severity s) const noexcept { return accepted_[index(s)]; }
  [[nodiscard]] std::uint64_t overwritten(Severity s) const noexcept { return rings_[index(s)].overwritten(); }
  [[nodiscard]] std::uint64_t refused() const noexcept { return refused_; }
  [[nodiscard]] std::uint64_t truncated() const noexcept { return truncated_; }
  [[nodiscard]] std::uint64_t persisted() const noexcept { return persisted_; }
  // Entries accepted while persistence was disabled by a fault: they stay in
  // RAM (for downlink) but will not reach the store.
  [[nodiscard]] std::uint64_t logged_while_disabled() const noexcept { return logged_while_disabled_; }

 private:
  static std::size_t index(Severity s) noexcept { return static_cast<std::size_t>(s); }
  LogEntry make_entry(std::uint16_t source, Severity severity, Time now) noexcept;
  // Appends one frame; on failure records the fault and disables persistence.
  bool write_frame(const LogEntry& e, Time now) noexcept;
  void record_fault(Time now, LogSinkError error) noexcept;

  RingBuffer<LogEntry> rings_[kSeverityCount];
  LogSink* sink_;
  PersistPolicy policy_;
  std::uint32_t next_sequence_ = 0;
  bool has_written_ = false;
  Time last_write_ = 0;
  bool fault_active_ = false;
  bool has_fault_ = false;
  StoreFaultRecord fault_{};
  std::uint64_t accepted_[kSeverityCount] = {};
  std::uint64_t reported_overwritten_[kSeverityCount] = {};  // losses already written as Overwritten records
  std::uint64_t refused_ = 0;
  std::uint64_t truncated_ = 0;
  std::uint64_t persisted_ = 0;
  std::uint64_t logged_while_disabled_ = 0;
};

// ---- reading a persisted log (untrusted bytes from the card) ----------------

enum class LogReadErrc : std::uint8_t {
  EndOfLog,     // next() called with nothing left
  BadMagic,     // no frame starts at offset; detail = the 4 bytes found (LE), or 0 if fewer remain
  Truncated,    // the frame at offset runs past the end; detail = bytes missing
  BadLength,    // length field above kLogDataSize; detail = the length
  BadCrc,       // stored CRC differs from the computed one; detail = stored CRC
  BadVersion,   // frame is intact but of another format version; detail = the version
  BadSeverity,  // frame is intact but its severity is not 0..4; detail = the severity
  BadPart,      // frame is intact, version 2, but has no part flags (not canonical); detail = byte 20
};
struct LogReadError {
  LogReadErrc code;
  std::size_t offset;       // where the refused frame (or garbage) starts
  std::uint32_t detail = 0;
  std::size_t resume = 0;   // where the reader continues: the next magic, or the end
};
const char* describe(LogReadErrc e) noexcept;

// Walks the frames of a persisted log. After an error it skips to the next
// occurrence of the magic past the refused position, so a torn or corrupted
// frame costs only itself; every call makes progress, so
//   while (!r.at_end()) { auto f = r.next(); ... }
// terminates on any input. Frames are returned in file order (most severe
// first within a flush); sort by sequence for acceptance order. The reader
// checks each frame alone: joining parts into messages is the caller's.
// Reads format versions 1 and 2.
class LogReader {
 public:
  explicit LogReader(std::span<const std::byte> bytes) noexcept : bytes_(bytes) {}
  [[nodiscard]] bool at_end() const noexcept { return offset_ >= bytes_.size(); }
  [[nodiscard]] std::size_t offset() const noexcept { return offset_; }
  [[nodiscard]] Result<LogEntry, LogReadError> next() noexcept;

 private:
  Result<LogEntry, LogReadError> refuse(LogReadErrc code, std::uint32_t detail) noexcept;
  std::span<const std::byte> bytes_;
  std::size_t offset_ = 0;  // invariant: offset_ <= bytes_.size()
};

}  // namespace dyn
