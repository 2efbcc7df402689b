// multilevel.cpp — seed 001's multi-level profile, onetime list and execute list.
#include "dyn/sched_multilevel.hpp"

namespace dyn {

void MultilevelPolicy::hold_release(Task& t, Time due) noexcept {
  t.due = due;
  if (t.onetime) onetime_.insert(t);
  else levels_[t.level - 1].insert(t);
}

Time MultilevelPolicy::next_release() const noexcept {
  Time next = kNever;
  for (const DueTree& level : levels_)
    if (const Task* t = level.first(); t && t->due < next) next = t->due;
  if (const Task* t = onetime_.first(); t && t->due < next) next = t->due;
  return next;
}

void MultilevelPolicy::make_ready(Task& t, ReadyReason) noexcept {
  // Woken or yielded tasks rejoin at the back: the execute list is FIFO and
  // priority no longer matters once a task is in it.
  execute_.push_back(t);
}

void MultilevelPolicy::remove(Task& t) noexcept {
  if (static_cast<RbHook<SchedTag>&>(t).rb_linked()) {
    if (t.onetime) onetime_.erase(t);
    else levels_[t.level - 1].erase(t);
  }
  if (t.list_linked()) execute_.erase(t);
}

namespace {
// Moves every task of `tree` that is due at `now` to the tail of `out`,
// keeping profile order (seq) among the tasks moved together, as the seed's
// list scan would. k due tasks cost O(k log n) plus an insertion sort over
// the k moved, which is small in steady state.
template <typename Tree>
void move_due(Tree& tree, Time now, List<Task, SchedTag>& out) noexcept {
  Task* batch_first = nullptr;
  while (Task* t = tree.first()) {
    if (t->due > now) break;
    tree.erase(*t);
    t->state = TaskState::Ready;
    if (!batch_first) {
      out.push_back(*t);
      batch_first = t;
      continue;
    }
    Task* pos = out.back();
    while (pos->seq > t->seq && pos != batch_first) pos = out.prev(*pos);
    if (pos->seq > t->seq) {  // pos == batch_first: t goes first in the batch
      out.insert_before(*pos, *t);
      batch_first = t;
    } else {
      out.insert_after(*pos, *t);
    }
  }
}
}  // namespace

bool MultilevelPolicy::poll(Time now) noexcept {
  for (DueTree& level : levels_) move_due(level, now, execute_);
  move_due(onetime_, now, execute_);
  return !execute_.empty();
}

Task* MultilevelPolicy::pick(Time) noexcept { return execute_.pop_front(); }

}  // namespace dyn
