// sched_round_robin.hpp — seed 002's round robin over the task table.
//
// "Working from the last running PID it searches the PCB table for another
// ready process to run": the next task is the ready task with the smallest
// slot index above the last one that ran, wrapping around. Ready tasks are
// kept in a tree ordered by slot, so the search is O(log n), not a table walk.
// With a time slice the kernel preempts at ticks; without one it is
// cooperative, as in the seed.
#pragma once

#include "dyn/policy.hpp"

namespace dyn {

class RoundRobinPolicy final : public Policy {
 public:
  const char* name() const noexcept override { return "round_robin"; }
  bool holds_releases() const noexcept override { return false; }
  void hold_release(Task&, Time) noexcept override {}
  Time next_release() const noexcept override { return kNever; }
  void make_ready(Task& t, ReadyReason why) noexcept override;
  void remove(Task& t) noexcept override;
  bool poll(Time) noexcept override { return !ready_.empty(); }
  Task* pick(Time now) noexcept override;
  Preempt should_preempt(const Task&, bool slice_expired) const noexcept override {
    return slice_expired && !ready_.empty() ? Preempt::SliceExpired : Preempt::Stay;
  }

  struct SlotOrder {
    bool operator()(const Task& a, const Task& b) const noexcept { return a.id.slot() < b.id.slot(); }
  };

 private:
  RbTree<Task, SchedTag, SlotOrder> ready_;
  int last_slot_ = -1;
};

}  // namespace dyn
