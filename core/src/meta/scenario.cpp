// scenario.cpp — the validity rules of scenario settings (one place, used by
// the boot path and by ground commands alike).
#include "dyn/scenario.hpp"

#include "dyn/notification.hpp"

namespace dyn {

namespace {
Unexpected<ScenarioError> fail(ScenarioError::Code code, std::uint32_t value) noexcept {
  return Unexpected<ScenarioError>{ScenarioError{code, value}};
}
}  // namespace

Result<void, ScenarioError> validate(const ScenarioConfig& c) noexcept {
  using Code = ScenarioError::Code;
  if (c.id > Notification::kMessageMax) return fail(Code::IdTooLarge, c.id);
  if (c.week_mask == 0 || (c.week_mask & ~kAllWeek) != 0) return fail(Code::EmptyWeek, c.week_mask);
  if (c.hour_start > 23) return fail(Code::HourOutOfRange, c.hour_start);
  if (c.hour_end < 1 || c.hour_end > 24) return fail(Code::HourOutOfRange, c.hour_end);
  if (c.hour_start == c.hour_end) return fail(Code::EmptyWindow, c.hour_start);
  const auto prio = static_cast<std::uint8_t>(c.priority);
  if (prio != 0b00 && prio != 0b01 && prio != 0b11) return fail(Code::PriorityReserved, prio);
  const auto report = static_cast<std::uint8_t>(c.report);
  if (report > 0b11) return fail(Code::ReportOutOfRange, report);
  if (c.power.budget_percent > 100) return fail(Code::BudgetOutOfRange, c.power.budget_percent);
  const PowerNeeds& p = c.power;
  if (!p.on_battery && !p.on_solar && !p.while_charging && !p.override_power)
    return fail(Code::NoPowerSource, 0);
  return {};
}

const char* describe(ScenarioError::Code code) noexcept {
  using Code = ScenarioError::Code;
  switch (code) {
    case Code::IdTooLarge: return "scenario id does not fit the 24-bit notification message (max 16777215)";
    case Code::EmptyWeek: return "the week has no day to run on";
    case Code::HourOutOfRange: return "window hours must be 0..23 for the start and 1..24 for the end";
    case Code::EmptyWindow: return "the window opens and closes at the same hour (the whole day is 00-24)";
    case Code::PriorityReserved: return "priority 0b10 is reserved; use off, when_free or always";
    case Code::ReportOutOfRange: return "report priority must be off, pad, force_pad or force";
    case Code::BudgetOutOfRange: return "budget must be 0..100 % of the power budget";
    case Code::NoPowerSource: return "no power condition lets it run; use priority = \"off\" instead";
    case Code::IndexOutOfRange: return "no such scenario";
  }
  return "?";
}

const char* to_string(WeekDay d) noexcept {
  static const char* const kNames[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  const auto i = static_cast<unsigned>(d);
  return i < 7 ? kNames[i] : "?";
}

const char* to_string(Priority p) noexcept {
  switch (p) {
    case Priority::Off: return "off";
    case Priority::WhenFree: return "when_free";
    case Priority::Always: return "always";
  }
  return "?";
}

const char* to_string(ReportPriority r) noexcept {
  switch (r) {
    case ReportPriority::Off: return "off";
    case ReportPriority::Pad: return "pad";
    case ReportPriority::ForcePad: return "force_pad";
    case ReportPriority::Force: return "force";
  }
  return "?";
}

Result<Scenario, ScenarioError> Scenario::make(const ScenarioConfig& config) noexcept {
  if (auto ok = validate(config); !ok) return Unexpected<ScenarioError>{ok.error()};
  return Scenario{config};
}

}  // namespace dyn
