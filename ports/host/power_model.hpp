// power_model.hpp — the spacecraft's power system, simulated on the host (seed 003's
// power conditions). Not flight code: on board, the EPS driver reports the
// PowerState; the simulation lives in the host port, with its floating point.
//
// A low Earth orbit alternates sunlight and eclipse: each orbit starts with
// (period − eclipse) of sunlight, then `eclipse` of shadow. In sunlight the
// array delivers `solar_w`; the loads are the base load plus what running
// tasks draw. Surplus charges the battery (times the charge efficiency),
// deficit drains it (divided by the discharge efficiency); the state of
// charge stays within [0, capacity]. Energy is integrated exactly piecewise
// over sunlight/eclipse boundaries, so the result does not depend on how
// often advance() is called.
#pragma once

#include <cstdint>

#include "dyn/power_state.hpp"
#include "dyn/time.hpp"

namespace dyn::host {

struct PowerConfig {
  Time orbit_period = 95 * kMinute;
  Time eclipse = 35 * kMinute;
  double solar_w = 20.0;            // array output in sunlight
  double battery_wh = 40.0;         // capacity
  double initial_charge = 0.8;      // fraction of capacity at mission time 0
  double charge_efficiency = 0.9;
  double discharge_efficiency = 0.95;
  double base_load_w = 3.0;         // always on: radio receiver, OBC, heaters
  double low_charge = 0.2;          // "almost drained" below this fraction
};

// Returns nullptr when valid, else what is wrong (for a mission-file error).
const char* validate(const PowerConfig& c) noexcept;

class PowerModel {
 public:
  explicit PowerModel(const PowerConfig& c) noexcept;

  // Integrates from the last time to `t` with `task_load_w` of task draw on
  // top of the base load over that interval.
  void advance(Time t, double task_load_w) noexcept;
  // Energy (Wh) drawn by task runs in the interval just integrated, added
  // separately when the load is not constant (a run of `w` watts for `d`).
  void draw(double watts, Time duration) noexcept;

  bool in_sunlight(Time t) const noexcept;
  double charge() const noexcept { return charge_wh_ / config_.battery_wh; }  // 0..1
  std::uint8_t charge_percent() const noexcept;
  bool charging() const noexcept { return charging_; }  // the last interval gained energy
  bool low() const noexcept { return charge() < config_.low_charge; }
  // What the meta-scheduler and the logger are told, as of now(): charge and
  // low threshold in per mille, sunlight, charging, and the power budget of
  // the coming period — 100 % in sunlight; in eclipse the share the battery
  // can still give above its low threshold, 100 × (charge − low) / (1 − low).
  PowerState state() const noexcept;
  Time now() const noexcept { return now_; }
  double min_charge() const noexcept { return min_charge_; }
  double max_charge() const noexcept { return max_charge_; }
  const PowerConfig& config() const noexcept { return config_; }

 private:
  void integrate(Time from, Time to, double load_w) noexcept;
  PowerConfig config_;
  Time now_ = 0;
  double charge_wh_;
  bool charging_ = false;
  double min_charge_;
  double max_charge_;
};

}  // namespace dyn::host
