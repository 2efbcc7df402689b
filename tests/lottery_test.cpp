// lottery_test.cpp — lottery scheduling: fairness, reproducibility, no starvation.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <deque>

#include "dyn/sched_lottery.hpp"
#include "system_harness.hpp"

namespace dyn {
namespace {

// A table of ready tasks with the given tickets, drawn `draws` times; each
// winner goes straight back (as if it yielded at once).
struct Draws {
  Draws(std::vector<std::uint32_t> tickets, std::uint64_t seed, std::uint64_t max_wait = 1'000'000)
      : slots(tickets.size()), table(slots), tree(tickets.size(), 0), policy(table, tree, seed, max_wait) {
    for (std::size_t i = 0; i < tickets.size(); ++i) {
      Task& t = *table.allocate().value();
      std::snprintf(t.name, sizeof t.name, "t%zu", i);
      t.tickets = tickets[i];
      t.state = TaskState::Ready;
      policy.make_ready(t, ReadyReason::Released);
    }
  }
  std::vector<std::size_t> run(std::size_t draws, std::vector<std::size_t>* sequence = nullptr) {
    std::vector<std::size_t> wins(slots.size(), 0);
    for (std::size_t i = 0; i < draws; ++i) {
      Task* t = policy.pick(0);
      ++wins[t->id.slot()];
      if (sequence) sequence->push_back(t->id.slot());
      policy.make_ready(*t, ReadyReason::Yielded);
    }
    return wins;
  }
  std::vector<Task> slots;
  TaskTable table;
  std::vector<std::uint64_t> tree;
  LotteryPolicy policy;
};

TEST(Lottery, SharesFollowTicketsWithinStatisticalBounds) {
  Draws d({1, 2, 3, 4}, 42);
  constexpr std::size_t kDraws = 100'000;
  auto wins = d.run(kDraws);
  for (std::size_t i = 0; i < 4; ++i) {
    const double p = static_cast<double>(i + 1) / 10.0;
    const double expected = p * kDraws;
    const double sd = std::sqrt(kDraws * p * (1 - p));
    EXPECT_NEAR(static_cast<double>(wins[i]), expected, 5 * sd) << "task " << i;
  }
  EXPECT_EQ(d.policy.forced_picks(), 0u);  // the starvation guard never needed to step in
}

TEST(Lottery, TheSameSeedGivesTheSameSchedule) {
  std::vector<std::size_t> a, b, c;
  Draws(std::vector<std::uint32_t>{3, 1, 7}, 7).run(1000, &a);
  Draws(std::vector<std::uint32_t>{3, 1, 7}, 7).run(1000, &b);
  Draws(std::vector<std::uint32_t>{3, 1, 7}, 8).run(1000, &c);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(Lottery, NoReadyTaskWaitsLongerThanTheBound) {
  // One ticket against a million: by luck alone it would wait ~10^6 draws.
  Draws d({1, 1'000'000}, 3, /*max_wait=*/50);
  std::vector<std::size_t> seq;
  d.run(10'000, &seq);
  std::size_t gap = 0, worst = 0;
  for (std::size_t s : seq) {
    gap = s == 0 ? 0 : gap + 1;
    worst = std::max(worst, gap);
  }
  EXPECT_LE(worst, 50u);
  EXPECT_GT(d.policy.forced_picks(), 0u);
}

TEST(Lottery, TicketsDefaultToPriority) {
  test::System sys(test::PolicyChoice::Lottery);
  auto a = sys.add(test::loop("a", 5), sys.yield_loop(kMillisecond));
  auto b = sys.add(test::loop("b", 0), sys.yield_loop(kMillisecond));
  ASSERT_TRUE(a && b);
  EXPECT_EQ(sys.task(a.value()).tickets, 5u);
  EXPECT_EQ(sys.task(b.value()).tickets, 1u);  // at least one
}

TEST(Lottery, KernelRunsAreReproducibleWithAFixedSeed) {
  auto run = [](std::uint64_t seed) {
    test::System sys(test::PolicyChoice::Lottery, test::deterministic_config(), 16, seed);
    EXPECT_TRUE(sys.add(test::loop("a", 1, 1), sys.yield_loop(kMillisecond)));
    EXPECT_TRUE(sys.add(test::loop("b", 1, 3), sys.yield_loop(kMillisecond)));
    sys.kernel().run_until(200 * kMillisecond);
    return sys.recorder.dispatch_order();
  };
  EXPECT_EQ(run(11), run(11));
  EXPECT_NE(run(11), run(12));
}

}  // namespace
}  // namespace dyn
