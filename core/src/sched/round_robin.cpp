// round_robin.cpp — seed 002's round robin: next ready slot after the last one run.
#include "dyn/sched_round_robin.hpp"

namespace dyn {

void RoundRobinPolicy::make_ready(Task& t, ReadyReason) noexcept { ready_.insert(t); }

void RoundRobinPolicy::remove(Task& t) noexcept {
  if (static_cast<RbHook<SchedTag>&>(t).rb_linked()) ready_.erase(t);
}

Task* RoundRobinPolicy::pick(Time) noexcept {
  const int after = last_slot_;
  Task* t = ready_.upper_bound(after, [](int slot, const Task& e) {
    return slot < static_cast<int>(e.id.slot()) ? -1 : (slot == static_cast<int>(e.id.slot()) ? 0 : 1);
  });
  if (!t) t = ready_.first();  // wrap around the table
  if (!t) return nullptr;
  ready_.erase(*t);
  last_slot_ = t->id.slot();
  return t;
}

}  // namespace dyn
