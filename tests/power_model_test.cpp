// power_model_test.cpp — the simulated power system: orbit lighting and energy balance.
#include <gtest/gtest.h>

#include "power_model.hpp"

namespace dyn::host {
namespace {

PowerConfig simple() {
  PowerConfig c;
  c.orbit_period = 100 * kMinute;
  c.eclipse = 40 * kMinute;
  c.solar_w = 20;
  c.battery_wh = 100;
  c.initial_charge = 0.5;
  c.charge_efficiency = 1.0;
  c.discharge_efficiency = 1.0;
  c.base_load_w = 5;
  return c;
}

TEST(PowerModel, SunlightThenEclipseEveryOrbit) {
  PowerModel m(simple());
  EXPECT_TRUE(m.in_sunlight(0));
  EXPECT_TRUE(m.in_sunlight(60 * kMinute - 1));
  EXPECT_FALSE(m.in_sunlight(60 * kMinute));
  EXPECT_FALSE(m.in_sunlight(100 * kMinute - 1));
  EXPECT_TRUE(m.in_sunlight(100 * kMinute));
}

TEST(PowerModel, OneOrbitBalancesExactlyHoweverOftenItIsAdvanced) {
  // Sunlight: +15 W for 1 h = +15 Wh; eclipse: -5 W for 40 min = -3.333 Wh.
  PowerModel once(simple());
  once.advance(100 * kMinute, 0);
  PowerModel often(simple());
  for (Time t = kMinute; t <= 100 * kMinute; t += kMinute) often.advance(t, 0);
  EXPECT_NEAR(once.charge() * 100, 50 + 15 - 10.0 / 3, 1e-9);
  EXPECT_NEAR(often.charge(), once.charge(), 1e-12);
}

TEST(PowerModel, EfficienciesApplyToChargeAndDischarge) {
  PowerConfig c = simple();
  c.charge_efficiency = 0.5;
  c.discharge_efficiency = 0.5;
  PowerModel m(c);
  m.advance(60 * kMinute, 0);  // +15 W x 1 h x 0.5
  EXPECT_NEAR(m.charge() * 100, 57.5, 1e-9);
  EXPECT_TRUE(m.charging());
  m.advance(100 * kMinute, 0);  // -5 W x 40 min / 0.5
  EXPECT_NEAR(m.charge() * 100, 57.5 - 20.0 / 3, 1e-9);
  EXPECT_FALSE(m.charging());
}

TEST(PowerModel, TaskDrawAndLimits) {
  PowerModel m(simple());
  m.draw(50, kHour);  // a 50 W payload for an hour
  EXPECT_NEAR(m.charge(), 0.0, 1e-12);
  EXPECT_TRUE(m.low());
  EXPECT_EQ(m.charge_percent(), 0);
  m.advance(60 * kMinute, 0);
  m.advance(6000 * kMinute, -100);  // a negative load cannot overfill: capped at capacity
  EXPECT_LE(m.charge(), 1.0);
  EXPECT_NEAR(m.min_charge(), 0.0, 1e-12);
}

TEST(PowerModel, InvalidConfigurationsAreNamed) {
  PowerConfig c = simple();
  EXPECT_EQ(validate(c), nullptr);
  c.eclipse = c.orbit_period;
  EXPECT_STREQ(validate(c), "eclipse must be shorter than the orbit");
  c = simple();
  c.battery_wh = 0;
  EXPECT_STREQ(validate(c), "battery_wh must be positive");
  c = simple();
  c.initial_charge = 1.5;
  EXPECT_STREQ(validate(c), "initial_charge must be 0..100 %");
  c = simple();
  c.charge_efficiency = 0;
  EXPECT_STREQ(validate(c), "charge_efficiency must be in (0, 1]");
}

TEST(PowerModel, StateForTheMetaSchedulerAndTheLogger) {
  PowerConfig c = simple();
  c.low_charge = 0.2;
  PowerModel m(c);
  m.advance(30 * kMinute, 0);  // sunlight: +15 W for 30 min = +7.5 Wh
  PowerState s = m.state();
  EXPECT_EQ(s.charge_permille, 575);
  EXPECT_EQ(s.low_charge_permille, 200);
  EXPECT_TRUE(s.in_sunlight);
  EXPECT_TRUE(s.charging);
  EXPECT_EQ(s.budget_percent, 100) << "the array powers every task in sunlight";
  m.advance(70 * kMinute, 0);  // 10 min into eclipse: -5 W x 10 min
  s = m.state();
  EXPECT_FALSE(s.in_sunlight);
  EXPECT_FALSE(s.charging);
  const double charge = 0.575 + 0.075 - 5.0 / 6 / 100;
  EXPECT_EQ(s.charge_permille, static_cast<std::uint16_t>(charge * 1000 + 0.5));
  EXPECT_EQ(s.budget_percent, static_cast<std::uint8_t>((charge - 0.2) / 0.8 * 100 + 0.5))
      << "in eclipse: the share the battery gives above its low threshold";
  PowerConfig drained = simple();
  drained.initial_charge = 0.1;
  drained.low_charge = 0.2;
  drained.solar_w = 0;  // a failed array: the base load drains 10 Wh to 4.6 Wh
  PowerModel d(drained);
  d.advance(65 * kMinute, 0);
  EXPECT_FALSE(d.state().in_sunlight);
  EXPECT_EQ(d.state().budget_percent, 0) << "nothing above the low threshold";
}

}  // namespace
}  // namespace dyn::host
