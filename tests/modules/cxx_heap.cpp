// cxx_heap.cpp — a C++ module that uses new/delete (scalar and array, with a
// virtual destructor, which makes the compiler call the sized delete) and an
// abstract base: operator new and delete are the task's heap.
#include <stdint.h>

#include "dynsched.h"

namespace {

class Sensor {
 public:
  virtual ~Sensor() = default;
  virtual uint32_t read() const = 0;
};

class SunSensor final : public Sensor {
 public:
  explicit SunSensor(uint32_t gain) : gain_(gain) {}
  uint32_t read() const override { return 7 * gain_; }

 private:
  uint32_t gain_;
};

struct State {
  uint32_t runs;
  uint32_t sum;
};

void run(void* s) {
  auto* self = static_cast<State*>(s);
  Sensor* sensor = new SunSensor(self->runs + 1);
  uint32_t* samples = new uint32_t[16];
  for (uint32_t i = 0; i < 16; i++) samples[i] = sensor->read() + i;
  self->sum += samples[15];
  delete[] samples;
  delete sensor;
  self->runs++;
}

}  // namespace

DYN_MODULE(cxx_heap, 1, run, sizeof(State), nullptr, nullptr);
