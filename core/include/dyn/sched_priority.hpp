// sched_priority.hpp — fixed-priority preemptive scheduling with time slicing.
//
// FreeRTOS semantics: the highest-priority ready task runs; a more important
// task that becomes ready preempts at the next tick; tasks of equal priority
// share the CPU in turn, one time slice each. A task preempted by a higher
// priority resumes first among its equals (it did not use its turn up); a task
// whose slice expired goes to the back. Priorities 0 (lowest) .. 31; a bitmap
// of non-empty levels makes the pick O(1).
#pragma once

#include <cstdint>

#include "dyn/policy.hpp"

namespace dyn {

class PriorityPolicy final : public Policy {
 public:
  const char* name() const noexcept override { return "priority"; }
  bool holds_releases() const noexcept override { return false; }
  void hold_release(Task&, Time) noexcept override {}
  Time next_release() const noexcept override { return kNever; }
  void make_ready(Task& t, ReadyReason why) noexcept override;
  void remove(Task& t) noexcept override;
  bool poll(Time) noexcept override { return ready_bits_ != 0; }
  Task* pick(Time now) noexcept override;
  Preempt should_preempt(const Task& running, bool slice_expired) const noexcept override;

 private:
  int highest_ready() const noexcept;  // -1 if none
  List<Task, SchedTag> ready_[kPriorityCount];
  std::uint32_t ready_bits_ = 0;
};

}  // namespace dyn
