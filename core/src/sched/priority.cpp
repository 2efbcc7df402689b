// priority.cpp — fixed-priority preemptive scheduling with time slicing.
#include "dyn/sched_priority.hpp"

#include <bit>

namespace dyn {

int PriorityPolicy::highest_ready() const noexcept {
  return ready_bits_ ? 31 - std::countl_zero(ready_bits_) : -1;
}

void PriorityPolicy::make_ready(Task& t, ReadyReason why) noexcept {
  const unsigned p = t.priority;  // read once: the list's stores may alias a byte of t
  List<Task, SchedTag>& list = ready_[p];
  if (why == ReadyReason::PreemptedByHigher) list.push_front(t);
  else list.push_back(t);
  ready_bits_ |= 1u << p;
}

void PriorityPolicy::remove(Task& t) noexcept {
  if (!t.list_linked()) return;
  ready_[t.priority].erase(t);
  if (ready_[t.priority].empty()) ready_bits_ &= ~(1u << t.priority);
}

Task* PriorityPolicy::pick(Time) noexcept {
  if (ready_bits_ == 0) return nullptr;
  const int p = 31 - std::countl_zero(ready_bits_);
  List<Task, SchedTag>& list = ready_[p];
  Task* t = list.pop_front();
  if (list.empty()) ready_bits_ &= ~(1u << p);
  return t;
}

Preempt PriorityPolicy::should_preempt(const Task& running, bool slice_expired) const noexcept {
  const int p = highest_ready();
  if (p > running.priority) return Preempt::ByHigher;
  if (p == running.priority && slice_expired) return Preempt::SliceExpired;
  return Preempt::Stay;
}

}  // namespace dyn
