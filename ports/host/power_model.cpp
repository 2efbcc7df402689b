// power_model.cpp — piecewise-exact energy balance over sunlight and eclipse.
#include "power_model.hpp"

namespace dyn::host {

const char* validate(const PowerConfig& c) noexcept {
  if (c.orbit_period <= 0) return "orbit_period must be positive";
  if (c.eclipse < 0 || c.eclipse >= c.orbit_period) return "eclipse must be shorter than the orbit";
  if (!(c.solar_w >= 0)) return "solar_w must not be negative";
  if (!(c.battery_wh > 0)) return "battery_wh must be positive";
  if (!(c.initial_charge >= 0 && c.initial_charge <= 1)) return "initial_charge must be 0..100 %";
  if (!(c.charge_efficiency > 0 && c.charge_efficiency <= 1)) return "charge_efficiency must be in (0, 1]";
  if (!(c.discharge_efficiency > 0 && c.discharge_efficiency <= 1)) return "discharge_efficiency must be in (0, 1]";
  if (!(c.base_load_w >= 0)) return "base_load_w must not be negative";
  if (!(c.low_charge >= 0 && c.low_charge <= 1)) return "low_charge must be 0..100 %";
  return nullptr;
}

PowerModel::PowerModel(const PowerConfig& c) noexcept
    : config_(c), charge_wh_(c.initial_charge * c.battery_wh), min_charge_(c.initial_charge),
      max_charge_(c.initial_charge) {}

bool PowerModel::in_sunlight(Time t) const noexcept {
  const Time phase = t % config_.orbit_period;
  return phase < config_.orbit_period - config_.eclipse;
}

std::uint8_t PowerModel::charge_percent() const noexcept {
  const double p = charge() * 100.0 + 0.5;
  return static_cast<std::uint8_t>(p < 0 ? 0 : p > 100 ? 100 : p);
}

PowerState PowerModel::state() const noexcept {
  auto permille = [](double fraction) {
    const double v = fraction * 1000.0 + 0.5;
    return static_cast<std::uint16_t>(v < 0 ? 0 : v > 1000 ? 1000 : v);
  };
  PowerState s;
  s.charge_permille = permille(charge());
  s.low_charge_permille = permille(config_.low_charge);
  s.in_sunlight = in_sunlight(now_);
  s.charging = charging_;
  if (s.in_sunlight) {
    s.budget_percent = 100;
  } else {
    const double above = config_.low_charge < 1 ? (charge() - config_.low_charge) / (1 - config_.low_charge) : 0;
    const double pct = above * 100.0 + 0.5;
    s.budget_percent = static_cast<std::uint8_t>(pct < 0 ? 0 : pct > 100 ? 100 : pct);
  }
  return s;
}

void PowerModel::integrate(Time from, Time to, double load_w) noexcept {
  const double hours = static_cast<double>(to - from) / static_cast<double>(kHour);
  const double net_w = (in_sunlight(from) ? config_.solar_w : 0.0) - load_w;
  charging_ = net_w > 0;
  charge_wh_ += net_w > 0 ? net_w * hours * config_.charge_efficiency : net_w * hours / config_.discharge_efficiency;
  if (charge_wh_ > config_.battery_wh) charge_wh_ = config_.battery_wh;
  if (charge_wh_ < 0) charge_wh_ = 0;
  const double c = charge();
  if (c < min_charge_) min_charge_ = c;
  if (c > max_charge_) max_charge_ = c;
}

void PowerModel::advance(Time t, double task_load_w) noexcept {
  while (now_ < t) {
    // The next sunlight/eclipse boundary, so each piece has one solar input.
    const Time orbit_start = now_ - now_ % config_.orbit_period;
    const Time sunset = orbit_start + config_.orbit_period - config_.eclipse;
    const Time boundary = now_ < sunset ? sunset : orbit_start + config_.orbit_period;
    const Time to = t < boundary ? t : boundary;
    integrate(now_, to, config_.base_load_w + task_load_w);
    now_ = to;
  }
}

void PowerModel::draw(double watts, Time duration) noexcept {
  if (watts <= 0 || duration <= 0) return;
  charge_wh_ -= watts * (static_cast<double>(duration) / static_cast<double>(kHour)) / config_.discharge_efficiency;
  if (charge_wh_ < 0) charge_wh_ = 0;
  const double c = charge();
  if (c < min_charge_) min_charge_ = c;
}

}  // namespace dyn::host
