// update_test.cpp — live update, sixteen times in a row, while the rest of the system runs.
//
// The beacon module is updated v1 -> v2 (new state layout, transformed by the
// restore hook), then repeatedly to v3 (hangs on its second run: stopped by
// its watchdog during probation, rolled back), v4 (refuses the state: rolled
// back at once) and v2 again (same layout, state carried through the hooks),
// then to versions whose restore hook hangs or faults, whose constructors hang
// or fault, or whose first run faults: each rolled back, the old version
// resuming from its checkpoint, never bound to code that was freed.
// Two higher-priority periodic tasks must not miss a run or drift; the
// beacon's state must come through every update exactly; module memory must
// be back at its figure after every commit and every rollback.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <utility>
#include <string>
#include <vector>

#include "dyn/sched_priority.hpp"
#include "dyn/task_manager.hpp"
#include "dyn/flash.hpp"
#include "dyn/module_store.hpp"
#include "dyn/update_manager.hpp"
#include "dynsched.h"
#include "host_module_memory.hpp"
#include "host_port.hpp"
#include "module_report.hpp"
#include "module_test_support.hpp"
#include "updatable_system.hpp"

#ifndef DYN_TEST_PROGRAMS_DIR
#error "DYN_TEST_PROGRAMS_DIR must name the directory of the test modules"
#endif
#ifndef DYN_MODULES_DIR
#error "DYN_MODULES_DIR must name the directory of the example modules"
#endif

namespace dyn {
namespace {

using test::module_image;
using test::UpdatableSystem;

TEST(LiveUpdate, SixteenUpdatesFailingAtEveryPointWhileTheRestKeepsItsSchedule) {
  UpdatableSystem s;
  s.periodic("attitude_loop", 6, 100 * kMillisecond);
  s.periodic("telemetry", 5, 500 * kMillisecond);
  ASSERT_NE(s.install("mathlib", "mathlib", "mathlib", 3, 10 * kSecond, 0), nullptr);
  ASSERT_NE(s.install("beacon", "beacon", "beacon", 2, kSecond, 50 * kMillisecond), nullptr);
  s.start_worker();

  s.kernel->run_until(10 * kSecond);
  EXPECT_EQ(s.beacon_word(0), 10u) << "v1 ran at 0, 1, ..., 9 s";

  struct Step {
    const char* module;
    UpdateOutcome expected;
    std::uint32_t version_after;
  };
  const Step steps[] = {
      {"beacon_v2", UpdateOutcome::Committed, 2},           {"beacon_v3", UpdateOutcome::WatchdogInProbation, 2},
      {"beacon_v4", UpdateOutcome::RestoreRefused, 2},      {"beacon_v2", UpdateOutcome::Committed, 2},
      {"beacon_v3", UpdateOutcome::WatchdogInProbation, 2}, {"beacon_v2", UpdateOutcome::Committed, 2},
      {"beacon_v4", UpdateOutcome::RestoreRefused, 2},      {"beacon_v2", UpdateOutcome::Committed, 2},
      {"beacon_v3", UpdateOutcome::WatchdogInProbation, 2}, {"beacon_v2", UpdateOutcome::Committed, 2},
      // Versions that fail at every other point (tests/modules/hostile.c):
      {"hostile_restore_spins", UpdateOutcome::RestoreStopped, 2},
      {"hostile_first_run_faults", UpdateOutcome::FaultInProbation, 2},
      {"hostile_ctor_spins", UpdateOutcome::ConstructorStopped, 2},
      {"hostile_restore_faults", UpdateOutcome::RestoreStopped, 2},
      {"hostile_ctor_faults", UpdateOutcome::ConstructorStopped, 2},
      {"beacon_v2", UpdateOutcome::Committed, 2},
  };
  auto image_of = [](const std::string& module) {
    return module.starts_with("hostile_") ? test::read_bytes(std::string(DYN_TEST_PROGRAMS_DIR) + "/" + module + ".o")
                                          : module_image("beacon", module);
  };
  std::size_t memory_baseline = 0;
  std::uint32_t survived = 0;
  for (std::size_t i = 0; i < std::size(steps); ++i) {
    const Step& step = steps[i];
    const std::uint32_t seq_before = s.beacon_word(0);
    const std::size_t runs_before = s.events.starts["beacon"].size();
    ASSERT_EQ(s.update_to(image_of(step.module)), step.expected) << "update " << i << " to " << step.module;
    EXPECT_EQ(s.beacon_version(), step.version_after) << "update " << i;
    EXPECT_TRUE(s.tables_consistent()) << "update " << i;
    // The tables describe the version that runs: its entry point is in its code.
    const auto* running = static_cast<RegisterEntry*>(s.kernel->table().find_by_name("beacon")->owner);
    const auto slot = s.tables.get().slot_of(running->task);
    ASSERT_TRUE(slot) << "update " << i;
    const std::uint32_t entry = s.tables.get().task(slot.value()).entry_point & ~1u;
    EXPECT_GE(entry, running->module.code.address) << "update " << i;
    EXPECT_LT(entry, running->module.code.address + running->module.code.size) << "update " << i;
    if (step.expected == UpdateOutcome::Committed) ++survived;
    // v2 layout: [sequence][updates_survived][runs_this_version][frame]
    EXPECT_EQ(s.beacon_word(1), survived) << "update " << i << ": the update counter came through every commit";
    s.kernel->run_for(5 * kSecond);  // settle: frames go on
    // The state came through exactly: every run since the request advanced
    // the sequence once — except the new version's runs when it was rolled
    // back, since the old version resumes from its checkpoint (v3 ran twice:
    // once normally, once until its watchdog stopped it).
    const auto runs = static_cast<std::uint32_t>(s.events.starts["beacon"].size() - runs_before);
    // (A version that faults in its first run: that one run is discarded.)
    const std::uint32_t discarded = step.expected == UpdateOutcome::WatchdogInProbation ? 2
                                    : step.expected == UpdateOutcome::FaultInProbation  ? 1
                                                                                        : 0;
    EXPECT_EQ(s.beacon_word(0), seq_before + runs - discarded) << "update " << i;
    const std::size_t used = s.memory.stats().total_bytes();
    if (i == 0) memory_baseline = used;
    EXPECT_EQ(used, memory_baseline) << "update " << i << ": memory back at its figure";
    EXPECT_EQ(running->heap.blocks(), 0u) << "update " << i << ": no heap block left";
  }

  // The rest of the system: every run, and no run later than that task's
  // usual jitter, measured in the 10 s before the first update.
  for (const auto& [name, interval] : std::map<std::string, Time>{{"attitude_loop", 100 * kMillisecond},
                                                                    {"telemetry", 500 * kMillisecond}}) {
    const auto& st = s.events.starts[name];
    ASSERT_FALSE(st.empty()) << name;
    const Time end = s.kernel->now();
    EXPECT_EQ(st.size(), static_cast<std::size_t>((end - 1) / interval + 1)) << name << ": no run missed";
    Time usual = 0;
    for (std::size_t k = 0; k < st.size() && st[k] < 10 * kSecond; ++k)
      usual = std::max(usual, st[k] - static_cast<Time>(k) * interval);
    for (std::size_t k = 0; k < st.size(); ++k) {
      ASSERT_LE(st[k] - static_cast<Time>(k) * interval, usual) << name << " run " << k << " drifted";
      ASSERT_GE(st[k], static_cast<Time>(k) * interval) << name << " run " << k << " ran early";
    }
  }
}

TEST(LiveUpdate, AVersionWithTooFewConsistentPointsInItsProbationIsRolledBack) {
  // A job every second cannot reach 5 consistent points in 2 s: the old
  // version comes back from its checkpoint, memory back at its figure.
  UpdatableSystem s;
  ASSERT_NE(s.install("mathlib", "mathlib", "mathlib", 3, 10 * kSecond, 0), nullptr);
  ASSERT_NE(s.install("beacon", "beacon", "beacon", 2, kSecond, 50 * kMillisecond), nullptr);
  s.start_worker();
  s.kernel->run_until(5 * kSecond);
  const std::size_t memory = s.memory.stats().total_bytes();
  const std::uint32_t seq = s.beacon_word(0);
  const std::size_t runs_before = s.events.starts["beacon"].size();
  EXPECT_EQ(s.update_to(module_image("beacon", "beacon_v2"), 5, 2 * kSecond), UpdateOutcome::ProbationTimeout);
  EXPECT_EQ(s.beacon_version(), 1u);
  const std::size_t new_runs = s.events.starts["beacon"].size() - runs_before;
  s.kernel->run_for(3 * kSecond);
  const auto old_runs = static_cast<std::uint32_t>(s.events.starts["beacon"].size() - runs_before - new_runs);
  EXPECT_EQ(s.beacon_word(0), seq + 1 + old_runs) << "v1's last run before the swap, then v1 again from its checkpoint";
  EXPECT_EQ(s.memory.stats().total_bytes(), memory);
  EXPECT_TRUE(s.tables_consistent());
  // The verdict gives the counts and the cause: a job every second cannot reach 5 points in 2 s.
  EXPECT_EQ(s.updates->last().probation_required, 5u);
  EXPECT_LT(s.updates->last().probation_reached, 5u);
  ASSERT_FALSE(s.events.updates.empty());
  const auto& verdict = s.events.updates.back();
  EXPECT_EQ(verdict.step, UpdateStep::RolledBack);
  EXPECT_EQ(verdict.task, "beacon");
  EXPECT_EQ(verdict.severity, 2u) << "a rollback is a warning";
  const std::string counts = std::to_string(s.updates->last().probation_reached) + " of 5 consistent points";
  EXPECT_NE(verdict.text.find(counts), std::string::npos) << verdict.text;
  EXPECT_NE(verdict.text.find("probation of 2 s; it runs every 1 s, so 5 points need more than 5 s (give a probation "
                              "of 6 s, or fewer probation_points)"),
            std::string::npos)
      << verdict.text;
}

TEST(LiveUpdate, AVersionOnProbationNeverReachesTheStoresCheckpointSoARollbackKeepsTheOldState) {
  // Periodic checkpoints every 250 ms while v2 is on probation (and reaches
  // consistent points): none of them is v2's, so after the rollback the
  // store's checkpoint is still one v1 can boot from.
  test::RamStore ram;
  UpdatableSystem s;
  ASSERT_NE(s.install("mathlib", "mathlib", "mathlib", 3, 10 * kSecond, 0), nullptr);
  ASSERT_NE(s.install("beacon", "beacon", "beacon", 2, kSecond, 50 * kMillisecond), nullptr);
  s.updates->set_store(&ram.store);
  s.updates->set_checkpoint_period(250 * kMillisecond);
  s.start_worker();
  s.kernel->run_until(5 * kSecond);
  const std::uint64_t stored_before = s.updates->checkpoints_stored();
  ASSERT_EQ(s.update_to(module_image("beacon", "beacon_v2"), 5, 2 * kSecond), UpdateOutcome::ProbationTimeout);
  EXPECT_GE(s.updates->last().probation_reached, 1u) << "v2 did reach consistent points on probation";
  const auto stored_checkpoint = [&] {
    std::vector<std::byte> bytes(4096);
    auto n = ram.store.last_checkpoint("beacon", bytes);
    EXPECT_TRUE(n);
    auto cp = CheckpointView::open({bytes.data(), n ? n.value() : 0});
    EXPECT_TRUE(cp);
    return cp ? std::pair{cp.value().version, cp.value().schema} : std::pair{0u, 0u};
  };
  EXPECT_EQ(stored_checkpoint(), (std::pair{1u, 1u})) << "v1's, not the rolled-back v2's";
  s.kernel->run_for(2 * kSecond);  // the requests left waiting are served by v1 again
  EXPECT_GT(s.updates->checkpoints_stored(), stored_before);
  EXPECT_EQ(stored_checkpoint(), (std::pair{1u, 1u}));
}

TEST(LiveUpdate, EveryStepOfAnUpdateIsAnEventOnTheUpdatedTasksOwnTrack) {
  UpdatableSystem s;
  ASSERT_NE(s.install("mathlib", "mathlib", "mathlib", 3, 10 * kSecond, 0), nullptr);
  ASSERT_NE(s.install("beacon", "beacon", "beacon", 2, kSecond, 50 * kMillisecond), nullptr);
  s.start_worker();
  s.kernel->run_until(3 * kSecond);
  ASSERT_EQ(s.update("beacon_v2"), UpdateOutcome::Committed);
  std::vector<UpdateStep> steps;
  for (const auto& u : s.events.updates) {
    EXPECT_EQ(u.task, "beacon") << u.text;
    EXPECT_EQ(u.severity, 1u) << u.text;
    EXPECT_EQ(u.text.rfind("update beacon v1 -> v2: ", 0), 0u) << u.text;
    steps.push_back(u.step);
  }
  EXPECT_EQ(steps, (std::vector<UpdateStep>{UpdateStep::Staged, UpdateStep::Checkpointed, UpdateStep::Committed}));
  EXPECT_STREQ(to_string(UpdateStep::Committed), "update: committed");
  // A version that hangs: staged, checkpointed, then rolled back with the reason.
  s.events.updates.clear();
  ASSERT_EQ(s.update("beacon_v3"), UpdateOutcome::WatchdogInProbation);
  ASSERT_EQ(s.events.updates.size(), 3u);
  EXPECT_EQ(s.events.updates[2].step, UpdateStep::RolledBack);
  EXPECT_EQ(s.events.updates[2].task, "beacon");
  EXPECT_NE(s.events.updates[2].text.find("watchdog stop during probation"), std::string::npos);
  // v4's restore hook refuses v2's state: the verdict says it was the hook, and which state.
  s.events.updates.clear();
  ASSERT_EQ(s.update("beacon_v4"), UpdateOutcome::RestoreRefused);
  EXPECT_TRUE(s.updates->last().restore_hook_refused);
  ASSERT_FALSE(s.events.updates.empty());
  EXPECT_EQ(s.events.updates.back().step, UpdateStep::RolledBack);
  EXPECT_NE(s.events.updates.back().text.find("restore hook refused the state (schema 2, "), std::string::npos)
      << s.events.updates.back().text;
}

TEST(LiveUpdate, ALoopTaskIsUpdatedAtItsCheckpointAndRestartsInTheNewVersion) {
  UpdatableSystem s;
  std::vector<std::byte> v1;
  std::string why;
  ASSERT_TRUE(cli::read_file(std::string(DYN_TEST_PROGRAMS_DIR) + "/counter_v1.o", &v1, &why)) << why;
  auto view = ElfView::open(v1);
  s.syms.assign(view.value().symbol_count(), {});
  s.secs.assign(view.value().section_count(), {});
  ModuleTaskSpec spec;
  spec.task.name = "counter";
  spec.task.model = RunModel::Loop;
  spec.task.priority = 2;
  spec.task.watchdog = 5 * kMillisecond;
  ASSERT_TRUE(s.tasks->install(v1, spec, LoaderScratch{s.syms, s.secs}));
  s.start_worker();
  s.kernel->run_until(105 * kMillisecond);
  auto word = [&](std::size_t i) {
    const auto* e = static_cast<RegisterEntry*>(s.kernel->table().find_by_name("counter")->owner);
    std::uint32_t v;
    std::memcpy(&v, e->state.host + 4 * i, 4);
    return v;
  };
  const std::uint32_t before = word(0);
  EXPECT_EQ(before, 10u) << "v1: one per 11 ms cycle";
  std::vector<std::byte> v2;
  ASSERT_TRUE(cli::read_file(std::string(DYN_TEST_PROGRAMS_DIR) + "/counter_v2.o", &v2, &why)) << why;
  auto view2 = ElfView::open(v2);
  s.syms.assign(view2.value().symbol_count(), {});
  s.secs.assign(view2.value().section_count(), {});
  UpdateRequest r;
  r.task = "counter";
  r.image = v2;
  r.probation_points = 3;
  r.probation_time = kSecond;
  ASSERT_TRUE(s.updates->request(r, LoaderScratch{s.syms, s.secs}));
  s.kernel->run_until(kSecond);
  EXPECT_EQ(s.updates->last().outcome, UpdateOutcome::Committed);
  EXPECT_EQ(word(1), 2u) << "the new version runs";
  // The count went on from where v1 left it, in v2's steps.
  const std::uint32_t after = word(0);
  EXPECT_GT(after, before);
  EXPECT_EQ((after - (before + 1)) % 10, 0u) << "v1's last cycle, then only v2's steps of ten: " << after;
}

// The heap_state test module (tests/modules/heap_state.c) in version `v`.
std::vector<std::byte> heap_state_image(int v) {
  return test::read_bytes(std::string(DYN_TEST_PROGRAMS_DIR) + "/heap_state_v" + std::to_string(v) + ".o");
}
// Version 1 as the "beacon" job (what update_to() updates), run for three
// seconds: its state points at a heap block it writes each run.
bool start_heap_state(UpdatableSystem& s) {
  ModuleTaskSpec spec;
  spec.task.name = "beacon";
  spec.task.priority = 2;
  spec.task.interval = kSecond;
  spec.task.watchdog = 50 * kMillisecond;
  if (!s.install_image(heap_state_image(1), spec)) return false;
  s.start_worker();
  s.kernel->run_until(3 * kSecond + kMillisecond);
  return true;
}
// The block the running version's state points at.
char* heap_state_text(const RegisterEntry& e) {
  char* text = nullptr;
  std::memcpy(&text, e.state.host, sizeof text);
  return text;
}

// A version whose state is a plain copy of the old one's works, from its
// first run in probation, through the pointers that state holds into the old
// version's heap: it may read and write those blocks and hand them to the
// kernel (tests/modules/heap_state.c); at the commit it adopts them.
TEST(LiveUpdate, ANewVersionInProbationReachesTheHeapBlocksItsRestoredStatePointsAt) {
  UpdatableSystem s;
  ASSERT_TRUE(start_heap_state(s));
  const auto v2 = heap_state_image(2);
  const std::uint64_t faults_before = s.kernel->table().find_by_name("beacon")->stats.faults;
  EXPECT_EQ(s.update_to(v2, 3, kMinute), UpdateOutcome::Committed);
  s.kernel->run_for(3 * kSecond);
  const Task& t = *s.kernel->table().find_by_name("beacon");
  EXPECT_EQ(t.stats.faults, faults_before) << "no run of v2 was stopped";
  EXPECT_EQ(s.beacon_version(), 2u);
  auto* e = static_cast<RegisterEntry*>(t.owner);
  char* text = heap_state_text(*e);
  ASSERT_NE(text, nullptr);
  EXPECT_TRUE(e->heap.find(reinterpret_cast<std::uintptr_t>(text))) << "v2 adopted v1's block at the commit";
  EXPECT_EQ(std::string(text).rfind("kept across versions, run ", 0), 0u) << text;
  EXPECT_EQ(s.beacon_word(sizeof(char*) / 4 + 1), 0u) << "no run found the block changed";
  bool v2_logged = false;
  for (const auto& [task, line] : s.events.logs) v2_logged = v2_logged || line.find("heap_state v2:") != std::string::npos;
  EXPECT_TRUE(v2_logged) << "v2 handed the block's text to the kernel";
}

// A version that faults in probation after working through the old
// version's heap: rolled back, the old version goes on with its block, the
// lending ends, and every byte comes back at the end.
TEST(LiveUpdate, ARollbackEndsTheLendingAndTheOldVersionKeepsItsHeapBlocks) {
  UpdatableSystem s;
  const auto baseline = s.memory.stats();
  ASSERT_TRUE(start_heap_state(s));
  const auto v3 = heap_state_image(3);
  EXPECT_EQ(s.update_to(v3, 3, kMinute), UpdateOutcome::FaultInProbation);
  s.kernel->run_for(3 * kSecond);
  EXPECT_EQ(s.beacon_version(), 1u);
  const Task& t = *s.kernel->table().find_by_name("beacon");
  auto* e = static_cast<RegisterEntry*>(t.owner);
  EXPECT_EQ(e->heap_lender, nullptr);
  char* text = heap_state_text(*e);
  ASSERT_NE(text, nullptr);
  EXPECT_TRUE(e->heap.find(reinterpret_cast<std::uintptr_t>(text))) << "v1's block is still v1's";
  EXPECT_EQ(s.beacon_word(sizeof(char*) / 4 + 1), 0u) << "no run of v1 found its block changed";
  s.reg.for_each([&](RegisterEntry& other) { EXPECT_EQ(other.heap_lender, nullptr) << other.name; });
  ASSERT_TRUE(s.tasks->uninstall("beacon"));
  EXPECT_EQ(s.memory.stats().total_bytes(), baseline.total_bytes()) << "every byte came back";
}

// The counter test module as a loop task (tests/modules/counter_loop.c).
bool install_counter(UpdatableSystem& s, const std::vector<std::byte>& image) {
  ModuleTaskSpec spec;
  spec.task.name = "counter";
  spec.task.model = RunModel::Loop;
  spec.task.priority = 2;
  spec.task.watchdog = 5 * kMillisecond;
  return static_cast<bool>(s.install_image(image, spec));
}

TEST(LiveUpdate, AVersionWithoutARestoreHookTakesOnlyAStateOfItsOwnSchema) {
  // counter v3 declares another state layout of the same size and has no hook: v1's state is not its.
  UpdatableSystem s;
  const auto v1 = test::read_bytes(std::string(DYN_TEST_PROGRAMS_DIR) + "/counter_v1.o");
  const auto v3 = test::read_bytes(std::string(DYN_TEST_PROGRAMS_DIR) + "/counter_v3.o");
  ASSERT_TRUE(install_counter(s, v1));
  s.start_worker();
  s.kernel->run_until(105 * kMillisecond);
  UpdateRequest r;
  r.task = "counter";
  r.image = v3;
  r.probation_time = kSecond;
  ASSERT_TRUE(s.updates->request(r, s.scratch_for(v3)));
  s.kernel->run_until(kSecond);
  EXPECT_EQ(s.updates->last().outcome, UpdateOutcome::StateIncompatible) << "no hook ran: the layouts differ";
  EXPECT_EQ(s.updates->last().old_schema, 1u);
  EXPECT_EQ(s.updates->last().new_schema, 3u);
  EXPECT_EQ(s.updates->last().old_state_bytes, 8u);
  EXPECT_EQ(s.updates->last().new_state_bytes, 8u);
  ASSERT_FALSE(s.events.updates.empty());
  EXPECT_EQ(s.events.updates.back().step, UpdateStep::Aborted) << "nothing was swapped";
  EXPECT_NE(s.events.updates.back().text.find("the old state (schema 1, 8 B) is not of its schema 3 and size 8 B"),
            std::string::npos)
      << s.events.updates.back().text;
  const auto* e = static_cast<RegisterEntry*>(s.kernel->table().find_by_name("counter")->owner);
  EXPECT_EQ(e->module.descriptor->version, 1u) << "v1 goes on";
  EXPECT_TRUE(s.tables_consistent());
}

TEST(LiveUpdate, AVersionNamingAnotherModuleIsRefusedUnlessTheRequestSaysItRenames) {
  test::RamStore ram;
  UpdatableSystem s;
  const auto v1 = test::read_bytes(std::string(DYN_TEST_PROGRAMS_DIR) + "/counter_v1.o");
  const auto tally = test::read_bytes(std::string(DYN_TEST_PROGRAMS_DIR) + "/tally_v2.o");
  ASSERT_TRUE(install_counter(s, v1));
  s.updates->set_store(&ram.store);
  s.start_worker();
  s.kernel->run_until(105 * kMillisecond);
  const std::size_t memory = s.memory.stats().total_bytes();
  UpdateRequest r;
  r.task = "counter";
  r.image = tally;
  r.probation_time = kSecond;
  auto refused = s.updates->request(r, s.scratch_for(tally));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, UpdateErrc::OtherModule);
  EXPECT_STREQ(refused.error().module, "tally") << "the refusal names the module the new version declares";
  EXPECT_FALSE(s.updates->busy());
  EXPECT_EQ(s.memory.stats().total_bytes(), memory);
  EXPECT_FALSE(ram.store.committed("counter")) << "nothing reached the store";

  r.rename = true;
  ASSERT_TRUE(s.updates->request(r, s.scratch_for(tally)));
  s.kernel->run_until(kSecond);
  ASSERT_EQ(s.updates->last().outcome, UpdateOutcome::Committed);
  const auto* e = static_cast<RegisterEntry*>(s.kernel->table().find_by_name("counter")->owner);
  EXPECT_STREQ(e->module.descriptor->name, "tally");
  ASSERT_FALSE(s.events.updates.empty());
  EXPECT_NE(s.events.updates.front().text.find("renaming module counter to tally"), std::string::npos)
      << s.events.updates.front().text;
  // The stored checkpoint is the new module's (a boot restores only a module's own), of the writer's schema.
  auto committed = ram.store.committed("counter");
  ASSERT_TRUE(committed);
  EXPECT_EQ(committed.value().name(), std::string_view("tally"));
  std::vector<std::byte> bytes(4096);
  auto n = ram.store.last_checkpoint("counter", bytes);
  ASSERT_TRUE(n);
  auto cp = CheckpointView::open({bytes.data(), n.value()});
  ASSERT_TRUE(cp);
  EXPECT_EQ(cp.value().module, "tally");
  EXPECT_EQ(cp.value().schema, 1u);
}

// Power cuts at every flash operation of a live update, of the boot's writes, of
// a first deploy and of periodic checkpoints: tests/power_cut_test.cpp.

TEST(LiveUpdate, PeriodicCheckpointsReachTheStoreAtConsistentPoints) {
  test::RamStore ram;
  ModuleStore& store = ram.store;
  UpdatableSystem s;
  ASSERT_NE(s.install("mathlib", "mathlib", "mathlib", 3, 10 * kSecond, 0), nullptr);
  ASSERT_NE(s.install("beacon", "beacon", "beacon", 2, kSecond, 0), nullptr);
  s.updates->set_store(&store);
  s.updates->set_checkpoint_period(5 * kSecond);
  s.start_worker();
  s.kernel->run_until(22 * kSecond);
  EXPECT_GE(s.updates->checkpoints_stored(), 6u) << "two module tasks, every 5 s";
  std::vector<std::byte> bytes(4096);
  auto n = store.last_checkpoint("beacon", bytes);
  ASSERT_TRUE(n);
  auto cp = CheckpointView::open({bytes.data(), n.value()});
  ASSERT_TRUE(cp);
  EXPECT_EQ(cp.value().module, "beacon");
  std::uint32_t sequence = 0;
  std::memcpy(&sequence, cp.value().payload.data(), 4);  // v1 has no hook: the raw state, sequence first
  EXPECT_EQ(sequence, 21u) << "the checkpoint at 20 s, after the run at 20 s (runs at 0..20 s)";
}

TEST(LiveUpdate, TasksWhosePeriodicCheckpointsOverlapEachStoreTheirOwnState) {
  // "slow"'s checkpoint hook takes 20 ms of CPU; "fast", of higher priority,
  // runs every 10 ms and reaches its consistent points while that hook runs.
  // They share the one periodic buffer: fast waits for it instead of taking
  // it (freeing slow's buffer under its hook, or storing slow's half-written
  // bytes under its own name).
  test::RamStore ram;
  UpdatableSystem s;
  const auto image = test::read_bytes(std::string(DYN_TEST_PROGRAMS_DIR) + "/hostile_checkpoint_slow.o");
  ModuleTaskSpec slow;
  slow.task.name = "slow";
  slow.task.priority = 2;
  slow.task.interval = kSecond;
  ModuleTaskSpec fast = slow;
  fast.task.name = "fast";
  fast.task.priority = 3;
  fast.task.interval = 10 * kMillisecond;
  ASSERT_TRUE(s.install_image(image, slow));
  ASSERT_TRUE(s.install_image(image, fast));
  s.updates->set_store(&ram.store);
  s.updates->set_checkpoint_period(25 * kMillisecond);  // requests land inside slow's 20 ms hook
  s.start_worker();
  const std::size_t memory = s.memory.stats().total_bytes();
  s.kernel->run_until(6500 * kMillisecond);
  EXPECT_GE(s.updates->checkpoints_stored(), 100u);
  const auto sequence_stored = [&](const char* task) -> std::uint32_t {
    std::vector<std::byte> bytes(4096);
    auto n = ram.store.last_checkpoint(task, bytes);
    if (!n) return 0;
    auto cp = CheckpointView::open({bytes.data(), n.value()});
    if (!cp || cp.value().payload.size() < 4) return 0;
    std::uint32_t sequence = 0;
    std::memcpy(&sequence, cp.value().payload.data(), 4);
    return sequence;
  };
  const std::uint32_t slow_seq = sequence_stored("slow"), fast_seq = sequence_stored("fast");
  EXPECT_GE(slow_seq, 5u) << "slow's checkpoint holds slow's state (one run a second)";
  EXPECT_LE(slow_seq, 7u);
  EXPECT_GE(fast_seq, 200u) << "fast's holds fast's (up to a hundred runs a second, less its own 20 ms hooks)";
  EXPECT_EQ(s.memory.stats().total_bytes(), memory) << "no buffer left behind";
}

TEST(LiveUpdate, AModuleOthersImportFromIsUpdatedAndItsImportersRelinked) {
  UpdatableSystem s;
  ASSERT_NE(s.install("mathlib", "mathlib", "mathlib", 3, 10 * kSecond, 0), nullptr);
  RegisterEntry* beacon = s.install("beacon", "beacon", "beacon", 2, kSecond, 0);
  ASSERT_NE(beacon, nullptr);
  s.start_worker();
  s.kernel->run_until(5 * kSecond);
  const std::size_t regions_before = s.memory.stats().total_regions();
  const auto v2 = module_image("mathlib", "mathlib_v2");
  auto view = ElfView::open(v2);
  s.syms.assign(view.value().symbol_count(), {});
  s.secs.assign(view.value().section_count(), {});
  UpdateRequest r;
  r.task = "mathlib";
  r.image = v2;
  r.quiesce_timeout = kMinute;
  r.probation_points = 1;
  r.probation_time = kMinute;
  ASSERT_TRUE(s.updates->request(r, LoaderScratch{s.syms, s.secs}));
  while (s.updates->busy()) s.kernel->run_for(kSecond);
  ASSERT_EQ(s.updates->last().outcome, UpdateOutcome::Committed);
  EXPECT_TRUE(s.tables_consistent());
  // beacon now calls the new mathlib: its CRC calls are counted there.
  auto* lib = static_cast<RegisterEntry*>(s.kernel->table().find_by_name("mathlib")->owner);
  ASSERT_EQ(lib->module.descriptor->version, 2u);
  ASSERT_EQ(beacon->module.dep_count, 1u);
  EXPECT_EQ(beacon->module.deps[0], &lib->module) << "the dependency moved to the new version";
  EXPECT_EQ(lib->module.dependents, 1u);
  const auto counter = ModuleLoader::exported(lib->module, "mathlib_crc_calls");
  ASSERT_NE(counter, 0u);
  std::uint32_t before = 0, after = 0;
  std::memcpy(&before, reinterpret_cast<const void*>(counter), 4);
  s.kernel->run_for(10 * kSecond);
  std::memcpy(&after, reinterpret_cast<const void*>(counter), 4);
  // Ten beacon runs and one mathlib self-test in those 10 s: every CRC call,
  // the beacon's included, went to the new code.
  EXPECT_EQ(after - before, 11u);
  EXPECT_EQ(s.memory.stats().total_regions(), regions_before) << "the old mathlib was freed";
  EXPECT_EQ(s.reg.size(), 2u);
}

TEST(LiveUpdate, ARolledBackExporterUpdateRelinksTheImportersToTheOldVersion) {
  UpdatableSystem s;
  RegisterEntry* lib = s.install("mathlib", "mathlib", "mathlib", 3, 2 * kSecond, 20 * kMillisecond);
  ASSERT_NE(lib, nullptr);
  RegisterEntry* beacon = s.install("beacon", "beacon", "beacon", 2, kSecond, 0);
  ASSERT_NE(beacon, nullptr);
  s.start_worker();
  s.kernel->run_until(5 * kSecond);
  const auto v4 = module_image("mathlib", "mathlib_v4");  // hangs in its first run
  auto view = ElfView::open(v4);
  s.syms.assign(view.value().symbol_count(), {});
  s.secs.assign(view.value().section_count(), {});
  UpdateRequest r;
  r.task = "mathlib";
  r.image = v4;
  r.quiesce_timeout = kMinute;
  r.probation_points = 2;
  r.probation_time = kMinute;
  ASSERT_TRUE(s.updates->request(r, LoaderScratch{s.syms, s.secs}));
  while (s.updates->busy()) s.kernel->run_for(kSecond);
  EXPECT_EQ(s.updates->last().outcome, UpdateOutcome::WatchdogInProbation);
  s.kernel->run_for(5 * kSecond);  // the deferred discard happens once importers are between runs
  EXPECT_EQ(static_cast<RegisterEntry*>(s.kernel->table().find_by_name("mathlib")->owner), lib);
  EXPECT_EQ(beacon->module.deps[0], &lib->module) << "beacon relinked back to the old version";
  EXPECT_EQ(lib->module.dependents, 1u);
  EXPECT_EQ(s.reg.size(), 2u) << "the rolled-back version is gone";
  EXPECT_TRUE(s.tables_consistent());
  const std::size_t runs = s.events.starts["beacon"].size();
  s.kernel->run_for(3 * kSecond);
  EXPECT_EQ(s.events.starts["beacon"].size(), runs + 3) << "beacon keeps running on the old mathlib";
}

TEST(LiveUpdate, TasksAreRemovedAtAConsistentPointThroughTheSameMachinery) {
  UpdatableSystem s;
  ASSERT_NE(s.install("mathlib", "mathlib", "mathlib", 3, 10 * kSecond, 0), nullptr);
  ASSERT_NE(s.install("beacon", "beacon", "beacon", 2, kSecond, 0), nullptr);
  const auto counter = test::read_bytes(std::string(DYN_TEST_PROGRAMS_DIR) + "/counter_v1.o");
  auto view = ElfView::open(counter);
  s.syms.assign(view.value().symbol_count(), {});
  s.secs.assign(view.value().section_count(), {});
  ModuleTaskSpec loop_spec;
  loop_spec.task.name = "counter";
  loop_spec.task.model = RunModel::Loop;
  loop_spec.task.priority = 2;
  ASSERT_TRUE(s.tasks->install(counter, loop_spec, LoaderScratch{s.syms, s.secs}));
  s.start_worker();
  s.kernel->run_until(3 * kSecond);
  const std::size_t regions = s.memory.stats().total_regions();

  auto refused = s.updates->request_removal("mathlib", kSecond);
  ASSERT_FALSE(refused) << "beacon imports from mathlib";
  EXPECT_EQ(refused.error().code, UpdateErrc::HasImporters);

  ASSERT_TRUE(s.updates->request_removal("counter", kSecond));  // a loop: parked at dyn_checkpoint
  while (s.updates->busy()) s.kernel->run_for(100 * kMillisecond);
  EXPECT_EQ(s.updates->last().outcome, UpdateOutcome::Removed);
  EXPECT_EQ(s.kernel->table().find_by_name("counter"), nullptr);
  ASSERT_TRUE(s.updates->request_removal("beacon", kSecond));  // a job: between runs
  while (s.updates->busy()) s.kernel->run_for(100 * kMillisecond);
  EXPECT_EQ(s.updates->last().outcome, UpdateOutcome::Removed);
  EXPECT_EQ(s.kernel->table().find_by_name("beacon"), nullptr);
  EXPECT_LT(s.memory.stats().total_regions(), regions);
  EXPECT_EQ(s.reg.size(), 1u) << "only mathlib is left";
  EXPECT_TRUE(s.tables_consistent());
  EXPECT_EQ(s.tables.get().tasks_used(), 1u);
  ASSERT_TRUE(s.updates->request_removal("mathlib", kSecond)) << "no importer left";
  while (s.updates->busy()) s.kernel->run_for(100 * kMillisecond);
  EXPECT_EQ(s.updates->last().outcome, UpdateOutcome::Removed);
  EXPECT_EQ(s.memory.stats().total_bytes(), 0u) << "every module byte returned";
}

TEST(LiveUpdate, AnUpdateThatFindsNoConsistentPointIsAbortedAndChangesNothing) {
  UpdatableSystem s;
  ASSERT_NE(s.install("mathlib", "mathlib", "mathlib", 3, 10 * kSecond, 0), nullptr);
  ASSERT_NE(s.install("beacon", "beacon", "beacon", 2, kMinute, 50 * kMillisecond), nullptr);
  s.start_worker();
  s.kernel->run_until(kSecond);  // the beacon ran at 0; next release at 60 s
  const std::size_t before = s.memory.stats().total_bytes();
  const auto image = module_image("beacon", "beacon_v2");
  auto view = ElfView::open(image);
  s.syms.assign(view.value().symbol_count(), {});
  s.secs.assign(view.value().section_count(), {});
  UpdateRequest r;
  r.task = "beacon";
  r.image = image;
  r.quiesce_timeout = 5 * kSecond;
  ASSERT_TRUE(s.updates->request(r, LoaderScratch{s.syms, s.secs}));
  EXPECT_FALSE(s.updates->request(r, LoaderScratch{s.syms, s.secs})) << "one update in flight at a time";
  s.kernel->run_until(10 * kSecond);
  EXPECT_EQ(s.updates->last().outcome, UpdateOutcome::QuiesceTimeout);
  EXPECT_EQ(s.beacon_version(), 1u);
  EXPECT_EQ(s.memory.stats().total_bytes(), before);
  s.kernel->run_until(2 * kMinute);
  EXPECT_EQ(s.events.starts["beacon"].size(), 2u) << "the old version keeps its schedule";
}

TEST(LiveUpdate, RequestsThatCannotBeHonouredAreRefusedWithAReason) {
  UpdatableSystem s;
  ASSERT_NE(s.install("mathlib", "mathlib", "mathlib", 3, 10 * kSecond, 0), nullptr);
  ASSERT_NE(s.install("beacon", "beacon", "beacon", 2, kSecond, 0), nullptr);
  const auto image = module_image("beacon", "beacon_v2");
  auto view = ElfView::open(image);
  s.syms.assign(view.value().symbol_count(), {});
  s.secs.assign(view.value().section_count(), {});
  UpdateRequest r;
  r.image = image;
  r.task = "nobody";
  auto e = s.updates->request(r, LoaderScratch{s.syms, s.secs});
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, UpdateErrc::NoSuchTask);
  const auto v3 = module_image("mathlib", "mathlib_v3");  // renames mathlib_crc16, which beacon uses
  auto v3view = ElfView::open(v3);
  s.syms.assign(v3view.value().symbol_count(), {});
  s.secs.assign(v3view.value().section_count(), {});
  r.task = "mathlib";
  r.image = v3;
  e = s.updates->request(r, LoaderScratch{s.syms, s.secs});
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, UpdateErrc::ExportGone);
  EXPECT_STREQ(e.error().symbol, "mathlib_crc16");
  EXPECT_STREQ(e.error().importer, "beacon");
  EXPECT_FALSE(s.updates->busy()) << "nothing staged is left behind";
  std::vector<std::byte> garbage(128, std::byte{7});
  r.task = "beacon";
  r.image = garbage;
  e = s.updates->request(r, LoaderScratch{s.syms, s.secs});
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, UpdateErrc::Stage);
  EXPECT_EQ(e.error().install.stage, InstallError::Stage::Elf);
  EXPECT_FALSE(s.updates->busy());
  // Another module (its descriptor names "counter") cannot take over the beacon's task and state.
  const std::size_t memory = s.memory.stats().total_bytes();
  const auto counter = test::read_bytes(std::string(DYN_TEST_PROGRAMS_DIR) + "/counter_v1.o");
  r.image = counter;
  e = s.updates->request(r, s.scratch_for(counter));
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, UpdateErrc::OtherModule);
  EXPECT_FALSE(s.updates->busy());
  EXPECT_EQ(s.memory.stats().total_bytes(), memory) << "the staged version was freed";
  // A library (entry NULL) cannot run the task, even under the task's own module name with a rename.
  const auto library = test::read_bytes(std::string(DYN_TEST_PROGRAMS_DIR) + "/ctor_library.o");
  r.image = library;
  r.rename = true;
  e = s.updates->request(r, s.scratch_for(library));
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, UpdateErrc::NoEntry);
  EXPECT_FALSE(s.updates->busy());
  EXPECT_EQ(s.memory.stats().total_bytes(), memory);
}

// Boots beacon v1 (no hooks: its checkpoint is its raw state) with a checkpoint
// of its size, sequence 41, sealed as `writer` v`version` of `schema`; runs it
// half a second. The restore's outcome and the beacon's sequence after.
std::pair<BootRestore, std::uint32_t> boot_beacon_v1_with(const char* writer, std::uint32_t version,
                                                          std::uint32_t schema) {
  UpdatableSystem s;
  EXPECT_NE(s.install("mathlib", "mathlib", "mathlib", 3, 10 * kSecond, 0), nullptr);
  RegisterEntry* e = s.install("beacon", "beacon", "beacon", 2, kSecond, 0);
  if (!e) return {BootRestore::None, 0};
  std::vector<std::byte> object(kCheckpointHeaderSize + 24, std::byte{0});
  const std::uint32_t sequence = 41;
  std::memcpy(object.data() + kCheckpointHeaderSize, &sequence, 4);
  EXPECT_TRUE(seal_checkpoint(object, writer, version, schema, 24));
  BootRestore outcome = BootRestore::None;
  EXPECT_TRUE(s.tasks->set_boot_checkpoint(*e, object, &outcome));
  EXPECT_EQ(outcome, BootRestore::Pending);
  s.kernel->run_until(500 * kMillisecond);  // its first run restores, then runs once
  EXPECT_FALSE(e->boot_checkpoint) << "the boot checkpoint's buffer is released";
  return {outcome, s.beacon_word(0)};
}

TEST(LiveUpdate, ABootCheckpointIsRestoredOnlyIntoTheModuleThatWroteIt) {
  EXPECT_EQ(boot_beacon_v1_with("beacon", 1, 1), std::make_pair(BootRestore::Restored, 42u)) << "restored, run once";
  EXPECT_EQ(boot_beacon_v1_with("attitude", 1, 1), std::make_pair(BootRestore::Foreign, 1u)) << "fresh, run once";
}

TEST(LiveUpdate, ABootCheckpointOfAnotherSchemaIsNotCopiedIntoAModuleWithoutARestoreHook) {
  EXPECT_EQ(boot_beacon_v1_with("beacon", 2, 1), std::make_pair(BootRestore::Restored, 42u)) << "v1's layout";
  EXPECT_EQ(boot_beacon_v1_with("beacon", 2, 2), std::make_pair(BootRestore::Refused, 1u)) << "another layout";
}

}  // namespace
}  // namespace dyn
