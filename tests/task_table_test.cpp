// task_table_test.cpp — fixed capacity, first-fit slot reuse, stale ids, task validation.
#include <gtest/gtest.h>

#include "system_harness.hpp"

namespace dyn {
namespace {

using test::job;
using test::loop;
using test::PolicyChoice;
using test::System;

TEST(TaskTable, ReusesTheLowestFreeSlotFirst) {
  System sys(PolicyChoice::RoundRobin, test::deterministic_config(), 8);
  std::vector<TaskId> ids;
  for (const char* n : {"t0", "t1", "t2", "t3", "t4"}) {
    auto id = sys.add(loop(n), sys.yield_loop(kMillisecond));
    ASSERT_TRUE(id);
    ids.push_back(id.value());
  }
  ASSERT_TRUE(sys.kernel().remove(ids[3]));
  ASSERT_TRUE(sys.kernel().remove(ids[1]));
  auto a = sys.add(loop("a"), sys.yield_loop(kMillisecond));
  auto b = sys.add(loop("b"), sys.yield_loop(kMillisecond));
  auto c = sys.add(loop("c"), sys.yield_loop(kMillisecond));
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(a.value().slot(), 1);
  EXPECT_EQ(b.value().slot(), 3);
  EXPECT_EQ(c.value().slot(), 5);
  EXPECT_EQ(sys.table().used(), 6u);
}

TEST(TaskTable, AStaleIdNeverReachesTheSlotsNewOccupant) {
  System sys(PolicyChoice::RoundRobin);
  auto old = sys.add(loop("old"), sys.yield_loop(kMillisecond));
  ASSERT_TRUE(old);
  ASSERT_TRUE(sys.kernel().remove(old.value()));
  auto fresh = sys.add(loop("fresh"), sys.yield_loop(kMillisecond));
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh.value().slot(), old.value().slot());
  EXPECT_NE(fresh.value(), old.value());
  EXPECT_EQ(sys.table().find(old.value()), nullptr);
  auto r = sys.kernel().remove(old.value());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, TaskErrc::NoSuchTask);
  Notification n{};
  EXPECT_FALSE(sys.kernel().notify(old.value(), n));
}

TEST(TaskTable, NamesAreFoundThroughTheIndexLiveBeforeDead) {
  System sys(PolicyChoice::RoundRobin, test::deterministic_config(), 8);
  TaskSpec once = job("worker", 1, 0);
  once.onetime = true;
  auto first = sys.add(once, [] {});
  ASSERT_TRUE(first);
  sys.kernel().run_until(kMillisecond);  // it ran once and is dead, its slot kept
  ASSERT_EQ(sys.table().find(first.value())->state, TaskState::Dead);
  EXPECT_EQ(sys.table().find_by_name("worker"), sys.table().find(first.value())) << "a dead task is still found";
  auto second = sys.add(loop("worker"), sys.yield_loop(kMillisecond));  // the name is free again
  ASSERT_TRUE(second);
  EXPECT_EQ(sys.table().find_by_name("worker"), sys.table().find(second.value())) << "the live one first";
  EXPECT_FALSE(sys.add(loop("worker"), sys.yield_loop(kMillisecond))) << "a live task holds its name";
  ASSERT_TRUE(sys.kernel().remove(second.value()));
  EXPECT_EQ(sys.table().find_by_name("worker"), sys.table().find(first.value()));
  EXPECT_EQ(sys.kernel().reap_dead(), 1u);
  EXPECT_EQ(sys.table().find_by_name("worker"), nullptr) << "a freed slot leaves the index";
  EXPECT_EQ(sys.table().find_by_name("work"), nullptr);
  EXPECT_EQ(sys.table().find_by_name(nullptr), nullptr);
}

TEST(TaskTable, CapacityIsFixedAndAFullTableSaysSo) {
  System sys(PolicyChoice::RoundRobin, test::deterministic_config(), 2);
  ASSERT_TRUE(sys.add(loop("a"), sys.yield_loop(kMillisecond)));
  ASSERT_TRUE(sys.add(loop("b"), sys.yield_loop(kMillisecond)));
  auto c = sys.add(loop("c"), sys.yield_loop(kMillisecond));
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, TaskErrc::TableFull);
  EXPECT_EQ(c.error().detail, 2);
}

TEST(TaskTable, DeadTasksAreReapedAndTheirSlotsReused) {
  System sys(PolicyChoice::Multilevel, test::deterministic_config(), 2);
  ASSERT_TRUE(sys.add(test::onetime("once", 0), sys.busy(kMillisecond)));
  ASSERT_TRUE(sys.add(job("keep", 1, 10 * kMillisecond), sys.busy(kMillisecond)));
  sys.kernel().run_until(5 * kMillisecond);
  EXPECT_FALSE(sys.add(loop("more"), sys.yield_loop(kMillisecond)));
  EXPECT_EQ(sys.kernel().reap_dead(), 1u);
  auto more = sys.add(job("more", 2, 10 * kMillisecond), sys.busy(kMillisecond));
  ASSERT_TRUE(more);
  EXPECT_EQ(more.value().slot(), 0);
}

struct BadSpec {
  const char* what;
  TaskSpec spec;
  TaskErrc expected;
};

TEST(TaskTable, InvalidSpecsAreRefusedWithTheOffendingValue) {
  System sys(PolicyChoice::Multilevel);
  ASSERT_TRUE(sys.add(job("taken", 1, kSecond), sys.busy(1)));
  std::vector<BadSpec> cases;
  {
    TaskSpec s = job("", 1, kSecond);
    cases.push_back({"empty name", s, TaskErrc::NameEmpty});
  }
  {
    TaskSpec s = job("this_name_is_thirty_two_bytes_xx", 1, kSecond);
    cases.push_back({"long name", s, TaskErrc::NameTooLong});
  }
  {
    TaskSpec s = job("lvl", 7, kSecond);
    cases.push_back({"level 7", s, TaskErrc::BadLevel});
  }
  {
    TaskSpec s = job("lvl0", 0, kSecond);
    cases.push_back({"level 0", s, TaskErrc::BadLevel});
  }
  {
    TaskSpec s = job("prio", 1, kSecond);
    s.priority = 32;
    cases.push_back({"priority 32", s, TaskErrc::BadPriority});
  }
  {
    TaskSpec s = job("neg", 1, -5);
    cases.push_back({"negative interval", s, TaskErrc::BadTiming});
  }
  {
    TaskSpec s = job("taken", 1, kSecond);
    cases.push_back({"name taken", s, TaskErrc::NameTaken});
  }
  for (BadSpec& c : cases) {
    auto r = sys.add(c.spec, sys.busy(1));
    ASSERT_FALSE(r) << c.what;
    EXPECT_EQ(r.error().code, c.expected) << c.what;
  }
  EXPECT_EQ(sys.table().used(), 1u) << "a refused task leaves no trace in the table";

  TaskSpec no_entry = job("noentry", 1, kSecond);
  host::TaskStack stack(64 * 1024);
  no_entry.stack = stack.span();
  auto r = sys.kernel().create(no_entry);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, TaskErrc::NoEntry);

  TaskSpec small = job("small", 1, kSecond);
  small.entry = [](void*) noexcept {};
  small.stack = stack.span().first(1024);
  auto r2 = sys.kernel().create(small);
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().code, TaskErrc::StackTooSmall);
  EXPECT_EQ(r2.error().detail, 1024);
}

}  // namespace
}  // namespace dyn
