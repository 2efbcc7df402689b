// housekeeping.hpp — the operating system's own housekeeping, run as a task.
//
// Seed 002's "OS as a first-class citizen": the system's periodic chores are a
// job like any other, scheduled by the mission's policy (lowest level /
// priority). Each run measures every task's stack high-water mark and stops a
// task whose stack came within the guard margin of its end, before it
// corrupts anything.
#pragma once

#include <cstddef>

#include "dyn/kernel.hpp"

namespace dyn {

inline constexpr std::size_t kStackGuardMargin = 256;  // bytes at the stack's low end that must stay untouched

// Bytes of `stack` ever used, judged by how much of the fill pattern written
// at creation has been overwritten (stacks grow down).
std::size_t stack_high_water(const Task& t) noexcept;

struct HousekeepingStats {
  std::size_t runs = 0;
  std::size_t overflows_stopped = 0;
};

// Task entry; arg is a HousekeepingStats* (Kernel::current() is the kernel).
void housekeeping_job(void* arg) noexcept;

// os.housekeeping every `interval` (first run one interval in), below every
// mission task on each policy; the caller gives the stack.
TaskSpec housekeeping_task(HousekeepingStats* stats, Time interval) noexcept;

}  // namespace dyn
