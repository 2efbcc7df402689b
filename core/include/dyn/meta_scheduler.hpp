// meta_scheduler.hpp — seed 003's meta-scheduler: which scenarios to wake,
// keep, or stop for the coming period, and why.
//
// Pure decision logic. The caller runs it once per period (at most one hour)
// with the time and the power state, and carries the decisions out (MetaTask,
// dyn/meta_task.hpp): a Wake is the scenario task's wake (24-bit scenario id
// + 8-bit repeats) leased to the next run, a Stop ends an interval task's
// repeats. Semantics, point by point, with the tests that pin them:
// docs/meta-scheduler.md.
//
// Mission time 0 is the configured epoch (default Monday 00:00); week day and
// hour of an instant are counted from it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "dyn/notification.hpp"
#include "dyn/power_state.hpp"
#include "dyn/result.hpp"
#include "dyn/scenario.hpp"
#include "dyn/time.hpp"

namespace dyn {

// The power state is sampled at the start of each meta period (dyn/power_state.hpp).

enum class Action : std::uint8_t {
  None,  // leave the task as it is (it is not running): see the reason
  Wake,  // notify (Decision::wake) with Decision::timeout; renews an interval task already running
  Keep,  // already woken in this meta period: a repeated run changes nothing
  Stop,  // an interval task woken at an earlier run that may not continue: stop it
};

// Why — one per decision, the first rule that applies in this order.
enum class Reason : std::uint8_t {
  Eligible,      // Wake: in window, allowed by priority, power and budget
  AlreadyWoken,  // Keep: woken earlier in the same meta period
  PriorityOff,   // priority 00
  OutOfWindow,   // week day not in the mask or hour outside the window
  OnceDone,      // zero repeats and already woken in this window
  BatteryLow,    // charge at or below the low threshold and no power override
  NoPowerSource, // none of the power sources it accepts is available now
  BatteryMutex,  // needs the battery mutex, already given to another scenario this period
  Budget,        // when_free and the period's power budget left is below its share
};

const char* to_string(Reason r) noexcept;
const char* to_string(Action a) noexcept;

struct Decision {
  std::uint32_t index = 0;  // into the scenario table
  Action action = Action::None;
  Reason reason = Reason::Eligible;
  ReportPriority report = ReportPriority::Off;  // passed through for the reporter
  Notification wake{};      // Wake only: message = scenario id, repeats = configured repeats
  Time timeout = kNever;    // Wake only: the repeat period (kNever for zero repeats)
  Time lease_end = kNever;  // Wake/Keep of an interval task: the next meta run, where it is renewed or stopped
};

struct MetaError {
  enum class Code : std::uint8_t {
    PeriodOutOfRange,  // the meta period must be in (0, 1 h]: the seed runs it at least hourly
    EpochOutOfRange,   // epoch week day above Sunday or epoch hour above 23
    OutputTooSmall,    // the decision span is shorter than the scenario table
    PowerOutOfRange,   // charge or threshold above 1000 per mille, or budget above 100 %
  };
  Code code;
  std::int64_t value;
};

struct Epoch {
  WeekDay day = WeekDay::Mon;
  std::uint8_t hour = 0;  // 0..23
};

// A scenario's capability to read its own settings. Issued by the system when
// it creates the scenario's task; a task that holds token i can read scenario
// i's settings and nothing else. There is no writable view.
class ScenarioToken {
 public:
  std::uint32_t index() const noexcept { return index_; }

 private:
  friend class MetaScheduler;
  explicit constexpr ScenarioToken(std::uint32_t index) noexcept : index_(index) {}
  std::uint32_t index_;
};

class MetaScheduler {
 public:
  [[nodiscard]] static Result<MetaScheduler, MetaError> create(std::span<Scenario> scenarios,
                                                               Time period, Epoch epoch = {}) noexcept;

  // One pass. Writes one decision per scenario, in table order, and returns
  // how many. Invariant: a second call within the same meta period and with
  // the same power state issues no Wake and no Stop, and leaves every
  // runtime as it was.
  [[nodiscard]] Result<std::size_t, MetaError> run(Time now, const PowerState& power,
                                                   std::span<Decision> out) noexcept;

  // The only way to change settings: validated first; on error nothing changes.
  // The runtime is kept; the new settings apply from the next run.
  [[nodiscard]] Result<void, ScenarioError> ground_command(std::size_t index,
                                                           const ScenarioConfig& config) noexcept;

  [[nodiscard]] Result<ScenarioToken, ScenarioError> issue_token(std::size_t index) const noexcept;
  // Read-only, and only the holder's own scenario.
  const ScenarioConfig& settings(ScenarioToken self) const noexcept {
    return scenarios_[self.index_].config_;
  }
  const ScenarioRuntime& runtime(std::size_t index) const noexcept { return scenarios_[index].runtime_; }

  Time period() const noexcept { return period_; }
  std::size_t size() const noexcept { return scenarios_.size(); }
  // Start of the meta period after the one `now` falls in.
  Time next_run(Time now) const noexcept;

  // Calendar helpers, from the epoch: day 0 = Monday.
  WeekDay week_day(Time now) const noexcept;
  std::uint8_t hour_of_day(Time now) const noexcept;
  // Opening instant of the window instance that contains `now`, or kNever if
  // `now` is outside the window. Identifies "this window" for zero repeats.
  Time window_open(const ScenarioConfig& config, Time now) const noexcept;

 private:
  MetaScheduler(std::span<Scenario> scenarios, Time period, Epoch epoch) noexcept
      : scenarios_(scenarios), period_(period), epoch_(epoch) {}

  std::span<Scenario> scenarios_;
  Time period_;
  Epoch epoch_;
};

}  // namespace dyn
