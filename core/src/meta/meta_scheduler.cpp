// meta_scheduler.cpp — one meta-scheduler pass: eligibility, then the shared
// power budget (always before when_free), then the runtime update.
//
// Idempotence comes from one key: the meta period index ("slot") of a
// scenario's last wake. A scenario woken in the current slot is kept as it is
// and its budget share is counted again, so a repeated pass with the same
// inputs recomputes the same allocation and issues no Wake or Stop.
#include "dyn/meta_scheduler.hpp"

namespace dyn {

namespace {

// Floor division for signed mission time (instants before the epoch are legal).
constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
  const std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}
constexpr std::int64_t floor_mod(std::int64_t a, std::int64_t b) noexcept {
  return a - floor_div(a, b) * b;
}

Unexpected<MetaError> fail(MetaError::Code code, std::int64_t value) noexcept {
  return Unexpected<MetaError>{MetaError{code, value}};
}

// The battery-state rule (seed 003, 2.1.4). Override beats everything; below
// the low threshold only overriding scenarios run, whatever the source;
// otherwise one accepted source must be available (the battery always is).
bool battery_allows(const PowerNeeds& n, const PowerState& p, Reason* why) noexcept {
  if (n.override_power) return true;
  if (p.charge_permille <= p.low_charge_permille) {
    *why = Reason::BatteryLow;
    return false;
  }
  if (n.on_battery || (n.on_solar && p.in_sunlight) || (n.while_charging && p.charging)) return true;
  *why = Reason::NoPowerSource;
  return false;
}

}  // namespace

const char* to_string(Reason r) noexcept {
  switch (r) {
    case Reason::Eligible: return "eligible";
    case Reason::AlreadyWoken: return "already woken this period";
    case Reason::PriorityOff: return "priority off";
    case Reason::OutOfWindow: return "out of window";
    case Reason::OnceDone: return "ran once in this window";
    case Reason::BatteryLow: return "battery almost drained";
    case Reason::NoPowerSource: return "no accepted power source";
    case Reason::BatteryMutex: return "battery mutex taken";
    case Reason::Budget: return "power budget exhausted";
  }
  return "?";
}

const char* to_string(Action a) noexcept {
  switch (a) {
    case Action::None: return "none";
    case Action::Wake: return "wake";
    case Action::Keep: return "keep";
    case Action::Stop: return "stop";
  }
  return "?";
}

Result<MetaScheduler, MetaError> MetaScheduler::create(std::span<Scenario> scenarios, Time period,
                                                       Epoch epoch) noexcept {
  if (period <= 0 || period > kHour) return fail(MetaError::Code::PeriodOutOfRange, period);
  if (static_cast<std::uint8_t>(epoch.day) > 6)
    return fail(MetaError::Code::EpochOutOfRange, static_cast<std::uint8_t>(epoch.day));
  if (epoch.hour > 23) return fail(MetaError::Code::EpochOutOfRange, epoch.hour);
  return MetaScheduler{scenarios, period, epoch};
}

Result<void, ScenarioError> MetaScheduler::ground_command(std::size_t index,
                                                          const ScenarioConfig& config) noexcept {
  if (index >= scenarios_.size())
    return Unexpected<ScenarioError>{
        ScenarioError{ScenarioError::Code::IndexOutOfRange, static_cast<std::uint32_t>(index)}};
  if (auto ok = validate(config); !ok) return ok;
  scenarios_[index].config_ = config;
  return {};
}

Result<ScenarioToken, ScenarioError> MetaScheduler::issue_token(std::size_t index) const noexcept {
  if (index >= scenarios_.size())
    return Unexpected<ScenarioError>{
        ScenarioError{ScenarioError::Code::IndexOutOfRange, static_cast<std::uint32_t>(index)}};
  return ScenarioToken{static_cast<std::uint32_t>(index)};
}

Time MetaScheduler::next_run(Time now) const noexcept {
  return time_add((floor_div(now, period_) + 1) * period_, 0);
}

namespace {
std::int64_t epoch_hours(Time now, Epoch e) noexcept {
  return floor_div(now, kHour) + static_cast<std::int64_t>(e.day) * 24 + e.hour;
}
}  // namespace

WeekDay MetaScheduler::week_day(Time now) const noexcept {
  return static_cast<WeekDay>(floor_mod(floor_div(epoch_hours(now, epoch_), 24), 7));
}

std::uint8_t MetaScheduler::hour_of_day(Time now) const noexcept {
  return static_cast<std::uint8_t>(floor_mod(epoch_hours(now, epoch_), 24));
}

namespace {
// The calendar position of one instant, computed once per pass: 64-bit
// divisions are library calls on a Cortex-M3.
struct Clock {
  Time hour_instant;  // start of the hour containing now
  unsigned hour;      // 0..23
  unsigned day;       // 0..6, Monday = 0
};

Clock clock_at(Time now, Epoch e) noexcept {
  const std::int64_t hours = epoch_hours(now, e);
  return Clock{floor_div(now, kHour) * kHour, static_cast<unsigned>(floor_mod(hours, 24)),
               static_cast<unsigned>(floor_mod(floor_div(hours, 24), 7))};
}

Time open_of(const ScenarioConfig& c, const Clock& k) noexcept {
  const auto on = [&](unsigned day) { return (c.week_mask >> day) & 1u; };
  unsigned since = 0;  // whole hours since the window opened
  if (c.hour_start < c.hour_end) {
    if (!on(k.day) || k.hour < c.hour_start || k.hour >= c.hour_end) return kNever;
    since = k.hour - c.hour_start;
  } else if (k.hour >= c.hour_start) {  // wrapped window, evening part: opened today
    if (!on(k.day)) return kNever;
    since = k.hour - c.hour_start;
  } else if (k.hour < c.hour_end) {     // wrapped window, morning part: opened yesterday
    if (!on((k.day + 6) % 7)) return kNever;
    since = k.hour + 24 - c.hour_start;
  } else {
    return kNever;
  }
  return k.hour_instant - static_cast<Time>(since) * kHour;
}
}  // namespace

Time MetaScheduler::window_open(const ScenarioConfig& c, Time now) const noexcept {
  return open_of(c, clock_at(now, epoch_));
}

Result<std::size_t, MetaError> MetaScheduler::run(Time now, const PowerState& power,
                                                  std::span<Decision> out) noexcept {
  const std::size_t n = scenarios_.size();
  if (out.size() < n) return fail(MetaError::Code::OutputTooSmall, static_cast<std::int64_t>(out.size()));
  if (power.charge_permille > 1000) return fail(MetaError::Code::PowerOutOfRange, power.charge_permille);
  if (power.low_charge_permille > 1000)
    return fail(MetaError::Code::PowerOutOfRange, power.low_charge_permille);
  if (power.budget_percent > 100) return fail(MetaError::Code::PowerOutOfRange, power.budget_percent);

  const std::int64_t slot = floor_div(now, period_);
  const Clock clock = clock_at(now, epoch_);
  const Time lease = next_run(now);
  int budget_left = power.budget_percent;  // may go below zero: always runs regardless
  bool mutex_taken = false;

  // A scenario that may not run: an interval task still running is stopped;
  // anything else is left alone.
  const auto refuse = [](Scenario& s, Decision& d, Reason why) {
    d.reason = why;
    if (s.runtime_.state == ScenarioRuntime::State::Interval) {
      d.action = Action::Stop;
      s.runtime_.state = ScenarioRuntime::State::Idle;
    } else {
      d.action = Action::None;
    }
  };

  // Pass 1: everything but the shared resources (budget, battery mutex).
  for (std::size_t i = 0; i < n; ++i) {
    Scenario& s = scenarios_[i];
    const ScenarioConfig& c = s.config_;
    ScenarioRuntime& rt = s.runtime_;
    Decision& d = out[i];
    d = Decision{};
    d.index = static_cast<std::uint32_t>(i);
    d.report = c.report;

    if (rt.state != ScenarioRuntime::State::Idle && rt.woken_slot == slot) {
      d.action = Action::Keep;
      d.reason = Reason::AlreadyWoken;
      d.lease_end = rt.state == ScenarioRuntime::State::Interval ? lease : kNever;
      budget_left -= c.power.budget_percent;
      if (c.power.needs_battery_mutex) mutex_taken = true;
      continue;
    }
    if (c.priority == Priority::Off) {
      refuse(s, d, Reason::PriorityOff);
      continue;
    }
    const Time open = open_of(c, clock);
    if (open == kNever) {
      refuse(s, d, Reason::OutOfWindow);
      continue;
    }
    if (rt.state == ScenarioRuntime::State::OnceDone && rt.window_open == open) {
      refuse(s, d, Reason::OnceDone);
      continue;
    }
    Reason why = Reason::Eligible;
    if (!battery_allows(c.power, power, &why)) {
      refuse(s, d, why);
      continue;
    }
    d.action = Action::Wake;  // provisional: pass 2 grants or refuses the shared resources
    d.reason = Reason::Eligible;
  }

  // Pass 2: always first (they run even on an exhausted budget), then
  // when_free in table order while the budget left covers their share.
  for (const Priority pass : {Priority::Always, Priority::WhenFree}) {
    for (std::size_t i = 0; i < n; ++i) {
      Decision& d = out[i];
      Scenario& s = scenarios_[i];
      const ScenarioConfig& c = s.config_;
      if (d.action != Action::Wake || d.reason != Reason::Eligible || c.priority != pass) continue;
      if (c.power.needs_battery_mutex && mutex_taken) {
        refuse(s, d, Reason::BatteryMutex);
        continue;
      }
      if (pass == Priority::WhenFree && budget_left < c.power.budget_percent) {
        refuse(s, d, Reason::Budget);
        continue;
      }
      budget_left -= c.power.budget_percent;
      if (c.power.needs_battery_mutex) mutex_taken = true;

      // Cannot fail: validate() keeps every stored id within the 24-bit message.
      const bool packed = Notification::pack(c.id, c.repeats, &d.wake);
      (void)packed;
      d.timeout = repeat_period(c.repeats);
      d.lease_end = c.repeats != 0 ? lease : kNever;
      ScenarioRuntime& rt = s.runtime_;
      rt.state = c.repeats != 0 ? ScenarioRuntime::State::Interval : ScenarioRuntime::State::OnceDone;
      rt.last_run = now;
      rt.window_open = open_of(c, clock);
      rt.woken_slot = slot;
      ++rt.wakes;
    }
  }
  return n;
}

}  // namespace dyn
