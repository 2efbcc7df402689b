// module_libc_task_test.cpp — the C runtime inside a task (issue 11, part 1).
//
// A module compiled against the C library's own headers (tests/modules/
// libc_user.c) runs as a job: its malloc/realloc/calloc/strdup blocks are
// its task's and every byte comes back when it goes; its snprintf output is
// what the host C library prints; abort() and a failed assert() stop that
// task alone with an Aborted fault record while the rest keeps its schedule.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "dyn/symbol_table.hpp"
#include "dynsched.h"
#include "updatable_system.hpp"

#ifndef DYN_TEST_PROGRAMS_DIR
#error "DYN_TEST_PROGRAMS_DIR must name the directory of the test modules"
#endif

namespace dyn {
namespace {

using test::UpdatableSystem;

struct LibcUserState {
  std::uint32_t runs, checks_passed, checks_failed;
  std::int64_t mission_seconds;
  char line[96];
};

RegisterEntry* install(UpdatableSystem& s, const char* object) {
  ModuleTaskSpec spec;
  spec.task.name = "libc_user";
  spec.task.priority = 2;
  spec.task.interval = kSecond;
  spec.task.watchdog = 50 * kMillisecond;
  auto r = s.install_image(test::read_bytes(std::string(DYN_TEST_PROGRAMS_DIR) + "/" + object + ".o"), spec);
  EXPECT_TRUE(r) << object;
  return r ? r.value() : nullptr;
}

LibcUserState state_of(RegisterEntry* e) {
  LibcUserState st;
  std::memcpy(&st, e->state.host, sizeof st);
  return st;
}

TEST(ModuleLibcInATask, AModuleUsingTheCLibraryRunsWithTheHostsResults) {
  UpdatableSystem s;
  const std::size_t baseline = s.memory.stats().total_bytes();
  RegisterEntry* e = install(s, "libc_user");
  ASSERT_NE(e, nullptr);
  s.kernel->run_until(2500 * kMillisecond);
  const LibcUserState st = state_of(e);
  EXPECT_EQ(st.runs, 3u);
  EXPECT_EQ(st.checks_failed, 0u);
  EXPECT_EQ(st.checks_passed, 3u * 11u);
  EXPECT_EQ(st.mission_seconds, 2) << "time() is mission time: the third run is at 2 s";
  char expected[96];
  std::snprintf(expected, sizeof expected, "%s run %u: %.3f V, %5.1f%% %e|%-4d|%x", "BEACON", 3u, 3.3 * 3, 12.25,
                6.02e23, 3, 0xbeefu);
  EXPECT_STREQ(st.line, expected);
  // dyn_logf formats with the same runtime; a line longer than DYN_LOG_LINE_MAX is cut and says so.
  std::vector<std::string> lines;
  for (const auto& [task, text] : s.events.logs)
    if (task == "libc_user") lines.push_back(text);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], "libc_user run 1: 3.30 V, ok");
  EXPECT_EQ(lines[1].size(), std::size_t{DYN_LOG_LINE_MAX});
  EXPECT_EQ(lines[1].substr(lines[1].size() - 6), " [cut]");
  EXPECT_EQ(lines[1].find_first_not_of('x'), std::size_t{DYN_LOG_LINE_MAX} - 6);
  EXPECT_EQ(lines[3], "libc_user run 3: 9.90 V, ok");
  EXPECT_EQ(e->heap.blocks(), 0u) << "every block it freed is free";
  ASSERT_TRUE(s.tasks->uninstall("libc_user"));
  EXPECT_EQ(s.memory.stats().total_bytes(), baseline);
}

TEST(ModuleLibcInATask, AbortAndAFailedAssertStopOnlyThatTaskWithAnAbortedFault) {
  for (const char* object : {"libc_user_aborts", "libc_user_asserts"}) {
    UpdatableSystem s;
    s.periodic("telemetry", 3, 500 * kMillisecond);
    RegisterEntry* e = install(s, object);
    ASSERT_NE(e, nullptr);
    s.kernel->run_until(5 * kSecond);
    const Task* t = s.kernel->table().find_by_name("libc_user");
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(t->state, TaskState::Dead) << object;
    EXPECT_EQ(t->fault.kind, FaultKind::Aborted) << object;
    EXPECT_EQ(state_of(e).runs, 3u) << object << ": stopped in its third run";
    const Task* other = s.kernel->table().find_by_name("telemetry");
    ASSERT_NE(other, nullptr);
    EXPECT_GE(other->stats.runs, 10u) << object << ": the rest keeps its schedule";
    EXPECT_EQ(other->stats.faults, 0u);
  }
}

TEST(ModuleLibcInATask, ACppModuleUsesNewAndDeleteOverItsOwnHeap) {
  UpdatableSystem s;
  const std::size_t baseline = s.memory.stats().total_bytes();
  ModuleTaskSpec spec;
  spec.task.name = "cxx_heap";
  spec.task.priority = 2;
  spec.task.interval = kSecond;
  auto r = s.install_image(test::read_bytes(std::string(DYN_TEST_PROGRAMS_DIR) + "/cxx_heap.o"), spec);
  ASSERT_TRUE(r);
  s.kernel->run_until(2500 * kMillisecond);
  std::uint32_t st[2];
  std::memcpy(st, r.value()->state.host, sizeof st);
  EXPECT_EQ(st[0], 3u);
  EXPECT_EQ(st[1], (7u * 1 + 15) + (7u * 2 + 15) + (7u * 3 + 15)) << "virtual calls through objects from new";
  EXPECT_EQ(r.value()->heap.blocks(), 0u) << "every new was deleted, back to its task's heap";
  ASSERT_TRUE(s.tasks->uninstall("cxx_heap"));
  EXPECT_EQ(s.memory.stats().total_bytes(), baseline);
}

TEST(ModuleLibcInATask, AWildPointerHandedToSnprintfStopsTheTaskNotTheKernel) {
  UpdatableSystem s;
  s.periodic("telemetry", 3, 500 * kMillisecond);
  RegisterEntry* e = install(s, "libc_user_bad_pointer");
  ASSERT_NE(e, nullptr);
  s.kernel->run_until(5 * kSecond);
  const Task* t = s.kernel->table().find_by_name("libc_user");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->state, TaskState::Dead);
  EXPECT_EQ(t->fault.kind, FaultKind::MemoryAccess);
  EXPECT_EQ(t->fault.address, 16u);
  EXPECT_STREQ(t->fault.module, "libc_user");
  EXPECT_FALSE(copying_for_module(*t)) << "the scope the stopped task was in is forgotten";
  EXPECT_GE(s.kernel->table().find_by_name("telemetry")->stats.runs, 10u);
}

// The scope is the task's own: a task preempted while the kernel works on
// its module's memory is still in its scope when another task is stopped in
// its own (a global count, reset by the other's fault, filed this task's
// next fault as the kernel's and halted the system: found on the Cortex-M3).
TEST(ModuleLibcInATask, AnotherTasksFaultLeavesTheScopeAPreemptedTaskIsIn) {
  UpdatableSystem s;
  struct Seen {
    int rounds = 0;
    int kept = 0;     // still in its scope after sleeping in it while the other task faulted
    int closed = 0;   // out of it once it left
  };
  static Seen seen;
  seen = {};
  s.job("copier", 4, kSecond, [&s] {
    Task* self = s.kernel->running();
    {
      const ModuleMemoryScope scope;
      s.kernel->sleep(300 * kMillisecond);  // the module task runs, faults and is stopped meanwhile
      if (copying_for_module(*self)) ++seen.kept;
    }
    if (!copying_for_module(*self)) ++seen.closed;
    ++seen.rounds;
  });
  RegisterEntry* e = install(s, "libc_user_bad_pointer");
  ASSERT_NE(e, nullptr);
  s.kernel->run_until(3 * kSecond);
  const Task* t = s.kernel->table().find_by_name("libc_user");
  ASSERT_NE(t, nullptr);
  ASSERT_EQ(t->state, TaskState::Dead) << "the module task faulted while the copier slept in its scope";
  EXPECT_EQ(t->fault.kind, FaultKind::MemoryAccess);
  EXPECT_FALSE(copying_for_module(*t));
  EXPECT_EQ(seen.rounds, 3);
  EXPECT_EQ(seen.kept, 3) << "the other task's fault closed this task's scope";
  EXPECT_EQ(seen.closed, 3);
}

// A task the watchdog stops inside a scope is out of it: its count does not
// stay up, to file a later kernel fault in that task as its module's.
TEST(ModuleLibcInATask, AWatchdogStopInsideTheScopeClosesIt) {
  UpdatableSystem s;
  static int entered = 0;
  entered = 0;
  s.job(
      "spinner", 4, kSecond,
      [&s] {
        const ModuleMemoryScope scope;
        ++entered;
        for (;;) s.kernel->consume(kMillisecond);  // until the watchdog stops it, inside the scope
      },
      5 * kMillisecond);
  s.kernel->run_until(2500 * kMillisecond);
  const Task* t = s.kernel->table().find_by_name("spinner");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(entered, 3);
  EXPECT_EQ(t->stats.watchdog_kills, 3u);
  EXPECT_FALSE(copying_for_module(*t)) << "the scope the watchdog stopped it in is still counted";
}

class AWildPointer : public ::testing::TestWithParam<const char*> {};

// Every one of the runtime's own functions that touches memory the module hands it.
TEST_P(AWildPointer, HandedToTheRuntimesOwnFunctionsStopsOnlyTheTask) {
  UpdatableSystem s;
  s.periodic("telemetry", 3, 500 * kMillisecond);
  ModuleTaskSpec spec;
  spec.task.name = "libc_wild";
  spec.task.priority = 2;
  spec.task.interval = kSecond;
  const std::string object = std::string("libc_wild_") + GetParam();
  auto r = s.install_image(test::read_bytes(std::string(DYN_TEST_PROGRAMS_DIR) + "/" + object + ".o"), spec);
  ASSERT_TRUE(r) << object;
  s.kernel->run_until(4 * kSecond);
  const Task* t = s.kernel->table().find_by_name("libc_wild");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->state, TaskState::Dead) << object;
  EXPECT_EQ(t->fault.kind, FaultKind::MemoryAccess) << object;
  EXPECT_LT(t->fault.address, 4096u) << object << ": near the wild pointer (24)";
  EXPECT_FALSE(copying_for_module(*t)) << object;
  EXPECT_GE(s.kernel->table().find_by_name("telemetry")->stats.runs, 8u) << object;
}

INSTANTIATE_TEST_SUITE_P(Functions, AWildPointer,
                         ::testing::Values("strtod", "qsort", "strstr", "clock_gettime", "strdup", "dyn_log",
                                           "dyn_logf"));

}  // namespace
}  // namespace dyn
