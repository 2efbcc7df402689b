// sched_lottery.hpp — seed 002's lottery scheduler.
//
// Every ready task holds tickets (by default its priority, at least one); a
// uniformly drawn ticket picks the task. Tickets live in a Fenwick tree over
// the task-table slots, so a draw is O(log n). The seed's claim that no task
// starves holds only in probability; here it is a guarantee: a task that has
// waited through `max_wait_draws` draws is picked next regardless of luck.
#pragma once

#include <cstdint>
#include <span>

#include "dyn/policy.hpp"
#include "dyn/rng.hpp"
#include "dyn/task_table.hpp"

namespace dyn {

class LotteryPolicy final : public Policy {
 public:
  // `tree` needs one entry per task-table slot (table.capacity()), zero-initialised.
  LotteryPolicy(TaskTable& table, std::span<std::uint64_t> tree, std::uint64_t seed,
                std::uint64_t max_wait_draws = 1000) noexcept
      : table_(table), tree_(tree), rng_(seed), max_wait_draws_(max_wait_draws) {}

  const char* name() const noexcept override { return "lottery"; }
  bool holds_releases() const noexcept override { return false; }
  void hold_release(Task&, Time) noexcept override {}
  Time next_release() const noexcept override { return kNever; }
  void make_ready(Task& t, ReadyReason why) noexcept override;
  void remove(Task& t) noexcept override;
  bool poll(Time) noexcept override { return !waiting_.empty(); }
  Task* pick(Time now) noexcept override;
  Preempt should_preempt(const Task&, bool slice_expired) const noexcept override {
    return slice_expired && !waiting_.empty() ? Preempt::SliceExpired : Preempt::Stay;
  }

  std::uint64_t draws() const noexcept { return draws_; }
  std::uint64_t forced_picks() const noexcept { return forced_; }
  std::uint64_t total_tickets() const noexcept { return total_; }

 private:
  void add(std::size_t slot, std::int64_t delta) noexcept;
  std::size_t find(std::uint64_t ticket) const noexcept;  // slot owning the ticket

  TaskTable& table_;
  std::span<std::uint64_t> tree_;  // Fenwick tree, 1-based over slots
  Rng rng_;
  std::uint64_t max_wait_draws_;
  std::uint64_t total_ = 0;
  std::uint64_t draws_ = 0;
  std::uint64_t forced_ = 0;
  List<Task, SchedTag> waiting_;  // ready tasks, longest-waiting first
};

}  // namespace dyn
