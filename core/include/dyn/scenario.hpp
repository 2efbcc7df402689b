// scenario.hpp — one scenario of seed 003: its read-only settings, its
// runtime variables, and the rules that make a set of settings valid.
//
// Seed 003, Figure 2: a scenario has a schedule (week day, hour window,
// repetitions per period), a priority (00 off / 01 when free / 11 always), a
// report priority (00 off / 01 pad / 10 force pad / 11 force) and power
// settings (battery mutex, % of power per run, may run on battery / on solar,
// may override power); its runtime variables are the last run and repeats.
//
// The settings are read-only to everything but ground commands: a Scenario
// exposes them only as `const&`, and the only writer is
// MetaScheduler::ground_command, which validates first (validate()). Pure
// logic: no kernel, no heap.
#pragma once

#include <cstdint>

#include "dyn/notification.hpp"
#include "dyn/result.hpp"
#include "dyn/time.hpp"

namespace dyn {

// Two bits each, exactly as in Figure 2. Priority value 0b10 is "n/a" and is
// rejected by validate(): it is representable only through a cast from raw
// ground-command bytes.
enum class Priority : std::uint8_t { Off = 0b00, WhenFree = 0b01, Always = 0b11 };
enum class ReportPriority : std::uint8_t { Off = 0b00, Pad = 0b01, ForcePad = 0b10, Force = 0b11 };

// Week days are counted from Monday: bit 0 of the week mask is Monday, bit 6
// Sunday.
enum class WeekDay : std::uint8_t { Mon = 0, Tue, Wed, Thu, Fri, Sat, Sun };
inline constexpr std::uint8_t kAllWeek = 0x7F;
constexpr std::uint8_t day_bit(WeekDay d) noexcept {
  return static_cast<std::uint8_t>(1u << static_cast<unsigned>(d));
}

// Power settings. A scenario may run if ONE of the sources it accepts is
// available (see MetaScheduler's battery-state rule):
//   on_battery      — draw on the battery; allowed while charge is above the low threshold
//   on_solar        — run only while the solar array produces (in sunlight)
//   while_charging  — run only while the battery is charging
//   override_power  — critical: runs regardless of the battery state, even
//                     below the low-charge threshold ("can override power")
struct PowerNeeds {
  std::uint8_t budget_percent = 0;  // share of the period's power budget one run takes, 0..100
  bool needs_battery_mutex = false; // at most one such scenario is woken per meta period
  bool on_battery = true;
  bool on_solar = false;
  bool while_charging = false;
  bool override_power = false;
};

// Read-only settings (gray in Figure 2).
//
// Window: hours [hour_start, hour_end) of a day whose bit is set in
// week_mask. hour_start 0..23, hour_end 1..24, never equal. hour_start >
// hour_end wraps midnight ([22,2) = 22:00..02:00); a wrapped window belongs
// to the day it OPENS on, so Monday's [22,2) runs Mon 22:00 – Tue 02:00.
// The whole day is [0,24).
//
// Repeats: 0 = run once in each window, then sleep until the next window;
// 1..255 = an interval of 60 min / repeats, never shorter than 5 min.
struct ScenarioConfig {
  std::uint32_t id = 0;  // sent as the 24-bit wake message, so 0 .. 0xFFFFFF
  std::uint8_t week_mask = kAllWeek;
  std::uint8_t hour_start = 0;
  std::uint8_t hour_end = 24;
  std::uint8_t repeats = 0;
  Priority priority = Priority::Off;
  ReportPriority report = ReportPriority::Off;
  PowerNeeds power{};
};

struct ScenarioError {
  enum class Code : std::uint8_t {
    IdTooLarge,          // id does not fit the 24-bit notification message; use ids <= 0xFFFFFF
    EmptyWeek,           // week_mask has no day (or bits above Sunday); set at least one of bits 0..6
    HourOutOfRange,      // hour_start > 23 or hour_end not in 1..24
    EmptyWindow,         // hour_start == hour_end; the whole day is [0,24)
    PriorityReserved,    // priority 0b10 is "n/a" in the seed; use off, when_free or always
    ReportOutOfRange,    // report priority above 0b11
    BudgetOutOfRange,    // budget_percent above 100
    NoPowerSource,       // no power condition lets it run; set priority off instead
    IndexOutOfRange,     // ground command for a scenario index the table does not have
  };
  Code code;
  std::uint32_t value;  // the offending field's value (or index)
};

[[nodiscard]] Result<void, ScenarioError> validate(const ScenarioConfig& config) noexcept;
// What is wrong, in words, for an operator (the value is in the error).
const char* describe(ScenarioError::Code code) noexcept;

// The names mission files and reports use: "mon".."sun", "off"/"when_free"/
// "always", "off"/"pad"/"force_pad"/"force".
const char* to_string(WeekDay d) noexcept;
const char* to_string(Priority p) noexcept;
const char* to_string(ReportPriority r) noexcept;

// Runtime variables (white in Figure 2), kept by the meta-scheduler.
struct ScenarioRuntime {
  enum class State : std::uint8_t {
    Idle,      // not woken, or stopped
    Interval,  // woken with repeats > 0: runs until the next meta run renews or stops it
    OnceDone,  // woken with zero repeats in the window that opened at window_open
  };
  State state = State::Idle;
  Time last_run = kNever;        // instant of the last wake; kNever = never woken
  Time window_open = kNever;     // opening instant of the window of the last wake
  std::int64_t woken_slot = -1;  // meta period index of the last wake (idempotence key)
  std::uint32_t wakes = 0;       // wakes issued so far ("repeats" counter of Figure 2)
};

class MetaScheduler;

// One entry of the scenario table, storage handed to the meta-scheduler as a
// span. Default-constructed = a valid, switched-off scenario (priority off),
// so a table can be declared as a plain array and filled by ground commands.
class Scenario {
 public:
  Scenario() = default;
  // The boot path from flash: the same validation as a ground command.
  [[nodiscard]] static Result<Scenario, ScenarioError> make(const ScenarioConfig& config) noexcept;

  const ScenarioRuntime& runtime() const noexcept { return runtime_; }

 private:
  friend class MetaScheduler;
  explicit Scenario(const ScenarioConfig& config) noexcept : config_(config) {}
  ScenarioConfig config_{};
  ScenarioRuntime runtime_{};
};

}  // namespace dyn
