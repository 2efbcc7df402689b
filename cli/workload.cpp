// workload.cpp — parse and run built-in workloads.
#include "workload.hpp"

#include <charconv>

#include "duration.hpp"

namespace dyn::cli {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

template <typename Int>
bool parse_uint(std::string_view s, Int* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc{} && p == s.data() + s.size() && !s.empty();
}

std::optional<WorkStep> parse_step(std::string_view text, std::string* why) {
  WorkStep step;
  step.kind = WorkStep::Kind::Busy;
  if (auto x = text.rfind(" x"); x != std::string_view::npos) {
    if (!parse_uint(trim(text.substr(x + 2)), &step.repeat) || step.repeat == 0) {
      *why = "bad repeat count in '" + std::string(text) + "' (expected ' xN' with N >= 1)";
      return std::nullopt;
    }
    text = trim(text.substr(0, x));
  }
  const auto colon = text.find(':');
  const std::string_view verb = text.substr(0, colon);
  const std::string_view rest = colon == std::string_view::npos ? std::string_view{} : text.substr(colon + 1);
  auto duration = [&](bool required, Time fallback) -> std::optional<Time> {
    if (rest.empty()) {
      if (required) *why = "'" + std::string(verb) + "' needs a duration, e.g. " + std::string(verb) + ":2ms";
      return required ? std::nullopt : std::optional<Time>(fallback);
    }
    auto d = parse_duration(rest);
    if (!d) *why = "bad duration '" + std::string(rest) + "' in '" + std::string(text) + "'";
    return d;
  };
  if (verb == "busy") {
    step.kind = WorkStep::Kind::Busy;
    auto d = duration(true, 0);
    if (!d) return std::nullopt;
    step.duration = *d;
  } else if (verb == "yield") {
    step.kind = WorkStep::Kind::Yield;
    auto d = duration(false, 0);
    if (!d) return std::nullopt;
    step.duration = *d;
  } else if (verb == "sleep") {
    step.kind = WorkStep::Kind::Sleep;
    auto d = duration(true, 0);
    if (!d) return std::nullopt;
    step.duration = *d;
  } else if (verb == "wait") {
    step.kind = WorkStep::Kind::Wait;
    auto d = duration(false, kNever);
    if (!d) return std::nullopt;
    step.duration = *d;
  } else if (verb == "spin") {
    step.kind = WorkStep::Kind::Spin;
    if (!rest.empty()) {
      *why = "'spin' takes no argument";
      return std::nullopt;
    }
  } else if (verb == "notify") {
    step.kind = WorkStep::Kind::Notify;
    std::string_view r = rest;
    const auto c1 = r.find(':');
    step.target = std::string(r.substr(0, c1));
    if (step.target.empty()) {
      *why = "'notify' needs a task name, e.g. notify:logger:42";
      return std::nullopt;
    }
    if (c1 != std::string_view::npos) {
      r = r.substr(c1 + 1);
      const auto c2 = r.find(':');
      if (!parse_uint(r.substr(0, c2), &step.message) || step.message > Notification::kMessageMax) {
        *why = "notification message must be 0..16777215 (24 bits) in '" + std::string(text) + "'";
        return std::nullopt;
      }
      if (c2 != std::string_view::npos && !parse_uint(r.substr(c2 + 1), &step.repeats)) {
        *why = "notification repeats must be 0..255 (8 bits) in '" + std::string(text) + "'";
        return std::nullopt;
      }
    }
  } else {
    *why = "unknown work step '" + std::string(verb) +
           "' (expected busy, yield, sleep, wait, notify or spin)";
    return std::nullopt;
  }
  return step;
}

}  // namespace

std::optional<std::vector<WorkStep>> parse_work(std::string_view text, std::string* why) {
  std::vector<WorkStep> steps;
  while (true) {
    const auto comma = text.find(',');
    const std::string_view part = trim(text.substr(0, comma));
    if (part.empty()) {
      *why = "empty work step";
      return std::nullopt;
    }
    auto step = parse_step(part, why);
    if (!step) return std::nullopt;
    steps.push_back(std::move(*step));
    if (comma == std::string_view::npos) break;
    text = text.substr(comma + 1);
  }
  return steps;
}

std::vector<PlanStep> plan_steps(const std::vector<WorkStep>& steps) {
  std::vector<PlanStep> plan;
  plan.reserve(steps.size());
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const WorkStep& s = steps[i];
    PlanStep p;
    p.kind = static_cast<PlanStep::Kind>(s.kind);  // the same order (static_asserts below)
    p.repeats = s.repeats;
    p.target = static_cast<std::uint16_t>(i);
    p.repeat = s.repeat;
    p.message = s.message;
    p.duration = s.duration;
    plan.push_back(p);
  }
  return plan;
}
static_assert(static_cast<int>(WorkStep::Kind::Spin) == static_cast<int>(PlanStep::Kind::Spin) &&
              static_cast<int>(WorkStep::Kind::Notify) == static_cast<int>(PlanStep::Kind::Notify) &&
              static_cast<int>(WorkStep::Kind::Busy) == static_cast<int>(PlanStep::Kind::Busy));

void run_workload(void* arg) noexcept {
  auto& w = *static_cast<Workload*>(arg);
  run_plan_steps(*w.kernel, w.plan, w.targets, w.loop, &w.notifications_received);
}

}  // namespace dyn::cli
