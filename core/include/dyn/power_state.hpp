// power_state.hpp — what the power subsystem reports to its users (seed 003):
// the meta-scheduler's power conditions and the logger's persistence rule.
// Fixed point, no floats: charge in per mille of a full battery.
#pragma once

#include <cstdint>

namespace dyn {

struct PowerState {
  std::uint16_t charge_permille = 1000;      // 0..1000
  std::uint16_t low_charge_permille = 200;   // at or below: "almost drained", only overriding scenarios run
  bool in_sunlight = true;                   // the solar array produces
  bool charging = false;                     // the battery is charging
  std::uint8_t budget_percent = 100;         // share of total power available this period, 0..100
};

}  // namespace dyn
