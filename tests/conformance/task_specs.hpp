// task_specs.hpp — the task specs and kernel configuration the kernel tests
// use, shared by the host-only tests (system_harness.hpp) and the conformance
// suite every port runs (conformance_system.hpp). No heap, no I/O.
#pragma once

#include <cstdint>

#include "dyn/kernel.hpp"

namespace dyn::specs {

inline KernelConfig deterministic_config(Time time_slice = 0) {
  KernelConfig c;
  c.clock = ClockMode::Virtual;
  c.tick = kMillisecond;
  c.time_slice = time_slice;
  c.preemption_ticks = false;  // only consume() ticks: fully deterministic
  return c;
}

inline TaskSpec job(const char* name, std::uint8_t level, Time interval, Time watchdog = 0) {
  TaskSpec s;
  s.name = name;
  s.model = RunModel::Job;
  s.level = level;
  s.interval = interval;
  s.watchdog = watchdog;
  return s;
}

// A scenario's task (seed 003): a job released only by Kernel::wake.
inline TaskSpec triggered(const char* name, std::uint8_t level = 2, Time watchdog = 0) {
  TaskSpec s = job(name, level, 0, watchdog);
  s.triggered = true;
  return s;
}

inline TaskSpec onetime(const char* name, Time delay) {
  TaskSpec s;
  s.name = name;
  s.model = RunModel::Job;
  s.onetime = true;
  s.delay = delay;
  return s;
}

inline TaskSpec loop(const char* name, std::uint8_t priority = 1, std::uint32_t tickets = 0) {
  TaskSpec s;
  s.name = name;
  s.model = RunModel::Loop;
  s.priority = priority;
  s.tickets = tickets;
  return s;
}

}  // namespace dyn::specs
