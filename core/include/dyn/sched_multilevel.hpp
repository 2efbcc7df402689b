// sched_multilevel.hpp — seed 001's multi-level non-preemptive scheduler.
//
// Six stacked lists of recurring tasks, a list of onetime tasks and a FIFO
// execute list. poll() moves due tasks to the execute list: levels in
// descending priority (1 first), then the onetime list; within a level, tasks
// that are due together keep the order in which they were added to the
// profile. Once queued, priority is ignored: the execute list is FIFO.
//
// Unlike the seed's full scan, each level keeps its tasks in a red-black tree
// ordered by due time, so a poll costs O(levels + k log n) for k due tasks,
// independent of the number of idle tasks.
#pragma once

#include <cstddef>

#include "dyn/policy.hpp"

namespace dyn {

class MultilevelPolicy final : public Policy {
 public:
  const char* name() const noexcept override { return "multilevel"; }
  bool holds_releases() const noexcept override { return true; }
  void hold_release(Task& t, Time due) noexcept override;
  Time next_release() const noexcept override;
  void make_ready(Task& t, ReadyReason why) noexcept override;
  void remove(Task& t) noexcept override;
  bool poll(Time now) noexcept override;
  Task* pick(Time now) noexcept override;
  Preempt should_preempt(const Task&, bool) const noexcept override { return Preempt::Stay; }

  std::size_t execute_list_size() const noexcept { return execute_.size(); }
  const Task* execute_list_front() const noexcept { return execute_.front(); }

  // Orders held releases by due time, then by the order tasks joined the profile.
  struct DueOrder {
    bool operator()(const Task& a, const Task& b) const noexcept {
      return a.due != b.due ? a.due < b.due : a.seq < b.seq;
    }
  };
  struct SeqOrder {
    bool operator()(const Task& a, const Task& b) const noexcept { return a.seq < b.seq; }
  };

 private:
  using DueTree = RbTree<Task, SchedTag, DueOrder>;
  DueTree levels_[kLevelCount];
  DueTree onetime_;
  List<Task, SchedTag> execute_;
};

}  // namespace dyn
