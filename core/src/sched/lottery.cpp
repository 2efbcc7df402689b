// lottery.cpp — lottery scheduling with a Fenwick tree of tickets and a
// hard bound on how long a ready task can wait.
#include "dyn/sched_lottery.hpp"

namespace dyn {

void LotteryPolicy::add(std::size_t slot, std::int64_t delta) noexcept {
  for (std::size_t i = slot + 1; i <= tree_.size(); i += i & (~i + 1))
    tree_[i - 1] = static_cast<std::uint64_t>(static_cast<std::int64_t>(tree_[i - 1]) + delta);
  total_ = static_cast<std::uint64_t>(static_cast<std::int64_t>(total_) + delta);
}

std::size_t LotteryPolicy::find(std::uint64_t ticket) const noexcept {
  // Descend the implicit tree: the largest prefix whose sum is <= ticket.
  std::size_t pos = 0;
  std::size_t step = 1;
  while (step * 2 <= tree_.size()) step *= 2;
  for (; step; step /= 2) {
    if (pos + step <= tree_.size() && tree_[pos + step - 1] <= ticket) {
      pos += step;
      ticket -= tree_[pos - 1];
    }
  }
  return pos;  // 0-based slot
}

void LotteryPolicy::make_ready(Task& t, ReadyReason) noexcept {
  t.ready_mark = draws_;
  waiting_.push_back(t);
  add(t.id.slot(), t.tickets);
}

void LotteryPolicy::remove(Task& t) noexcept {
  if (!t.list_linked()) return;
  waiting_.erase(t);
  add(t.id.slot(), -static_cast<std::int64_t>(t.tickets));
}

Task* LotteryPolicy::pick(Time) noexcept {
  if (waiting_.empty()) return nullptr;
  Task* chosen = waiting_.front();
  if (draws_ - chosen->ready_mark < max_wait_draws_) {
    const std::uint64_t ticket = rng_.next() % total_;  // bias < total/2^64: negligible
    chosen = &table_.at(find(ticket));
  } else {
    ++forced_;
  }
  ++draws_;
  remove(*chosen);
  return chosen;
}

}  // namespace dyn
