// attitude — a loop module in C++: polls three attitude sensors through a
// common interface every 100 ms and logs when the body rate exceeds a limit.
//
// Exercises what C++ modules rely on in the loader: virtual calls (vtables in
// .data.rel.ro/.rodata with relocations), a static object with a dynamic
// initialiser (.init_array, run at load), and imports from another module
// (mathlib_isqrt).
#include "dynsched.h"
#include "mathlib.h"

// One source, several versions (update benchmarks: bench/delta_sizes.sh):
//   1  the original;
//   2  the body-rate limit raised from 100 to 120 (a constant change);
//   3  version 1 plus a periodic summary in the log (a new function).
#ifndef ATTITUDE_VERSION
#define ATTITUDE_VERSION 1
#endif

namespace {  // internal linkage: vtables and methods stay local symbols, never exports

struct Vector {
  int32_t x, y, z;
};

uint32_t magnitude(const Vector& v) {
  uint32_t square = static_cast<uint32_t>(v.x * v.x) + static_cast<uint32_t>(v.y * v.y) +
                    static_cast<uint32_t>(v.z * v.z);
  return mathlib_isqrt(square);
}

// Sensors are never deleted through this interface (there is no operator
// delete in a module), so the destructor is protected and non-virtual: a
// virtual one would pull operator delete into the vtable.
class Sensor {
 public:
  virtual Vector read(uint32_t tick) = 0;
  virtual const char* name() const = 0;

 protected:
  ~Sensor() = default;
};

class Gyro final : public Sensor {
 public:
  Vector read(uint32_t tick) override {
    // A slow tumble about z that grows and decays again (simulated).
    int32_t phase = static_cast<int32_t>(tick % 64);
    return {1, -2, phase < 32 ? phase * 4 : (64 - phase) * 4};
  }
  const char* name() const override { return "gyro"; }
};

class Magnetometer final : public Sensor {
 public:
  Vector read(uint32_t tick) override {
    int32_t swing = static_cast<int32_t>(tick % 16) - 8;
    return {200 + swing, -150, 400 - swing};
  }
  const char* name() const override { return "magnetometer"; }
};

class SunSensor final : public Sensor {
 public:
  Vector read(uint32_t tick) override { return {(tick / 32) % 2 == 0 ? 1000 : 0, 0, 0}; }
  const char* name() const override { return "sun sensor"; }
};

#if ATTITUDE_VERSION == 2
constexpr uint32_t rate_limit = 120;
#else
constexpr uint32_t rate_limit = 100;
#endif

// Computed at load: the constructor calls into mathlib, so GCC cannot turn it
// into constant data, and the loader must run .init_array after linking.
struct Limits {
  uint32_t max_rate;
  Limits() : max_rate(mathlib_isqrt(rate_limit * rate_limit)) {}
};

Limits limits;

struct AttitudeState {
  uint32_t tick;
  uint32_t alarms;
  bool rate_alarm;      // the gyro was above the limit at the last poll
  bool sensor_silent[3];  // indexed like `sensors`
};

// The sensors hold no data, so static instances survive a restart unchanged.
Gyro gyro;
Magnetometer magnetometer;
SunSensor sun_sensor;
Sensor* const sensors[] = {&gyro, &magnetometer, &sun_sensor};
constexpr int sensor_count = sizeof sensors / sizeof sensors[0];

void log_silent(const Sensor& sensor) {
  static constexpr char prefix[] = "attitude: reads zero: ";
  char text[sizeof prefix + 24];
  size_t name_length = strlen(sensor.name());
  if (name_length > sizeof text - sizeof prefix) {
    name_length = sizeof text - sizeof prefix;
  }
  memcpy(text, prefix, sizeof prefix - 1);
  memcpy(text + sizeof prefix - 1, sensor.name(), name_length);
  text[sizeof prefix - 1 + name_length] = '\0';
  dyn_log(2, text);
}

#if ATTITUDE_VERSION == 3
// Every minute (600 polls): how many alarms so far, so the ground hears from
// the module even while nothing changes.
void log_summary(const AttitudeState& state) {
  dyn_logf(1, "attitude: %u rate alarms in %u polls", static_cast<unsigned>(state.alarms),
           static_cast<unsigned>(state.tick));
}
#endif

// Logs on changes only: a 100 ms poll would otherwise flood the downlink.
void attitude_loop(void* state) {
  auto* self = static_cast<AttitudeState*>(state);
  for (;;) {
    self->tick++;
    bool rate_alarm = magnitude(gyro.read(self->tick)) > limits.max_rate;
    if (rate_alarm && !self->rate_alarm) {
      self->alarms++;
      dyn_log(2, "attitude: body rate above limit");
    }
    self->rate_alarm = rate_alarm;
    for (int i = 0; i < sensor_count; i++) {
      bool silent = magnitude(sensors[i]->read(self->tick)) == 0;
      if (silent && !self->sensor_silent[i]) {
        log_silent(*sensors[i]);
      }
      self->sensor_silent[i] = silent;
    }
#if ATTITUDE_VERSION == 3
    if (self->tick % 600 == 0) {
      log_summary(*self);
    }
#endif
    dyn_sleep(DYN_MS(100));
  }
}

}  // namespace

// Every version keeps version 1's state layout, so every one declares schema 1.
DYN_MODULE_SCHEMA(attitude, ATTITUDE_VERSION, attitude_loop, sizeof(AttitudeState), nullptr, nullptr, 1);
