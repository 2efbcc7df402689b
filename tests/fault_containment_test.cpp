// fault_containment_test.cpp — nothing a module does takes the system down.
//
// Each test installs a module that misbehaves (tests/modules/hostile.c: it
// faults, hangs, spins in a constructor, lies about its checkpoint, or tries
// to take over a kernel name) beside two ordinary periodic tasks, and checks
// that the module's task alone is stopped or refused, with a fault record
// that says what it did, while the others keep every run of their schedule
// and the process lives on.
#include <gtest/gtest.h>

#include <cstring>

#include <string>
#include <vector>

#include "updatable_system.hpp"

#ifndef DYN_TEST_PROGRAMS_DIR
#error "DYN_TEST_PROGRAMS_DIR must name the directory of the test modules"
#endif

namespace dyn {
namespace {

using test::UpdatableSystem;

std::vector<std::byte> hostile(const std::string& mode) {
  return test::read_bytes(std::string(DYN_TEST_PROGRAMS_DIR) + "/hostile_" + mode + ".o");
}

// Two periodic tasks that must never miss a run, whatever the module does.
struct Bystanders {
  explicit Bystanders(UpdatableSystem& s) : sys(s) {
    sys.periodic("attitude_loop", 6, 100 * kMillisecond);
    sys.periodic("telemetry", 5, 500 * kMillisecond);
  }
  ::testing::AssertionResult kept_their_schedule() {
    const Time end = sys.kernel->now();
    for (const auto& [name, interval] :
         std::vector<std::pair<std::string, Time>>{{"attitude_loop", 100 * kMillisecond}, {"telemetry", 500 * kMillisecond}}) {
      const auto& starts = sys.events.starts[name];
      const auto expected = static_cast<std::size_t>((end - 1) / interval + 1);
      if (starts.size() != expected)
        return ::testing::AssertionFailure() << name << ": " << starts.size() << " runs, expected " << expected;
      for (std::size_t k = 0; k < starts.size(); ++k)
        if (starts[k] < static_cast<Time>(k) * interval || starts[k] > static_cast<Time>(k) * interval + 5 * kMillisecond)
          return ::testing::AssertionFailure() << name << " run " << k << " at " << starts[k];
    }
    return ::testing::AssertionSuccess();
  }
  UpdatableSystem& sys;
};

// Installs `image` as the task "beacon" (a job every second, 50 ms watchdog,
// or a loop) and returns its entry, or nullptr with the error in *why.
RegisterEntry* install(UpdatableSystem& s, const std::vector<std::byte>& image, RunModel model = RunModel::Job,
                       Time watchdog = 50 * kMillisecond, InstallError* why = nullptr) {
  ModuleTaskSpec spec;
  spec.task.name = "beacon";
  spec.task.model = model;
  spec.task.priority = 2;
  spec.task.interval = model == RunModel::Job ? kSecond : 0;
  spec.task.watchdog = watchdog;
  auto r = s.install_image(image, spec);
  if (!r && why) *why = r.error();
  return r ? r.value() : nullptr;
}

struct FaultCase {
  const char* mode;
  FaultKind kind;
  bool in_module_code;  // the faulting instruction is the module's own (else a kernel export it called)
};

class AFaultingModule : public ::testing::TestWithParam<FaultCase> {};

TEST_P(AFaultingModule, IsStoppedAloneWithItsFaultRecord) {
  const FaultCase& c = GetParam();
  UpdatableSystem s;
  Bystanders others(s);
  const auto image = hostile(c.mode);
  ASSERT_FALSE(image.empty()) << c.mode;
  RegisterEntry* e = install(s, image);
  ASSERT_NE(e, nullptr);
  s.kernel->run_until(5 * kSecond);

  const Task& t = *s.kernel->table().find_by_name("beacon");
  EXPECT_EQ(t.state, TaskState::Dead);
  EXPECT_EQ(t.exit_reason, ExitReason::Fault);
  EXPECT_EQ(t.stats.runs, 1u) << "stopped at its first run, not released again";
  EXPECT_EQ(t.stats.faults, 1u);
  const FaultRecord& f = t.fault;
  EXPECT_EQ(f.kind, c.kind) << to_string(f.kind);
  EXPECT_STREQ(f.module, "beacon");
  EXPECT_EQ(f.version, 9u);
  EXPECT_NE(f.pc, 0u);
  if (c.in_module_code) {
    ASSERT_NE(f.offset, kNoOffset) << "the faulting instruction is in the module's code";
    EXPECT_LT(f.offset, e->module.code.size);
    EXPECT_EQ(f.pc, e->module.code.address + f.offset);
  } else {
    EXPECT_EQ(f.offset, kNoOffset) << "the fault is in the kernel export the module called";
  }
  const std::string mode = c.mode;
  if (mode == "state_overrun") {
    EXPECT_EQ(f.address, e->state.address + 4096) << "the guard page right after its state's page";
  }
  if (c.kind == FaultKind::HeapCorruption) {
    EXPECT_EQ(e->heap.blocks(), 0u) << "the breached block was freed";
  }
  if (mode == "logs_kernel_memory" || mode == "wait_writes_kernel") {
    EXPECT_FALSE(e->module.code.address <= f.address && f.address < e->module.code.address + e->module.code.size);
    EXPECT_NE(f.address, 0u) << "the refused pointer is in the record";
  } else if (c.kind == FaultKind::MemoryAccess && mode != "writes_its_code" && mode != "heap_runs_off" && mode != "state_overrun") {
    EXPECT_LT(f.address, 4096u) << "a NULL (or near-NULL) access";
  }
  EXPECT_TRUE(others.kept_their_schedule());
}

// Supervision: a module task whose mission says on_fault = "restart" is run
// again after each fault, up to its limit, then held; the others keep going.
TEST(FaultContainment, ASupervisedModuleIsRestartedUpToItsLimitThenHeld) {
  UpdatableSystem s;
  Bystanders others(s);
  const auto image = hostile("divides_by_zero");
  ModuleTaskSpec spec;
  spec.task.name = "beacon";
  spec.task.priority = 2;
  spec.task.interval = kSecond;
  spec.task.watchdog = 50 * kMillisecond;
  spec.task.restarts = 2;
  spec.task.restart_window = 0;  // over the whole mission
  ASSERT_TRUE(s.install_image(image, spec));
  s.kernel->run_until(6 * kSecond);
  const Task& t = *s.kernel->table().find_by_name("beacon");
  EXPECT_EQ(t.stats.runs, 3u) << "its first run and two restarts, each at its interval";
  EXPECT_EQ(t.stats.restarts, 2u);
  EXPECT_EQ(t.state, TaskState::Dead);
  EXPECT_EQ(t.fault.kind, FaultKind::DivideByZero);
  EXPECT_TRUE(others.kept_their_schedule());
}

INSTANTIATE_TEST_SUITE_P(
    Hostile, AFaultingModule,
    ::testing::Values(FaultCase{"first_run_faults", FaultKind::MemoryAccess, true},
                      FaultCase{"divides_by_zero", FaultKind::DivideByZero, true},
                      FaultCase{"illegal_instruction", FaultKind::IllegalInstruction, true},
                      FaultCase{"stack_overflow", FaultKind::StackOverflow, true},
                      FaultCase{"deep_calls", FaultKind::StackOverflow, true},
                      FaultCase{"writes_its_code", FaultKind::MemoryAccess, true},
                      // A pointer the module hands the kernel is checked against its domain
                      // before the kernel touches it: the record names the call in the module.
                      FaultCase{"bad_log_pointer", FaultKind::MemoryAccess, true},
                      FaultCase{"logs_kernel_memory", FaultKind::MemoryAccess, true},
                      FaultCase{"wait_writes_kernel", FaultKind::MemoryAccess, true},
                      FaultCase{"memcpy_bad_source", FaultKind::MemoryAccess, false},
                      FaultCase{"ctor_faults", FaultKind::MemoryAccess, true},
                      FaultCase{"heap_underwrite", FaultKind::HeapCorruption, true},
                      FaultCase{"heap_overflow", FaultKind::HeapCorruption, true},
                      FaultCase{"heap_runs_off", FaultKind::MemoryAccess, true},
                      FaultCase{"state_overrun", FaultKind::MemoryAccess, true}),
    [](const ::testing::TestParamInfo<FaultCase>& p) { return std::string(p.param.mode); });

TEST(FaultContainment, AConstructorThatSpinsIsStoppedByTheWatchdogAndTheTaskHeld) {
  UpdatableSystem s;
  Bystanders others(s);
  ASSERT_NE(install(s, hostile("ctor_spins")), nullptr);
  s.kernel->run_until(5 * kSecond);
  const Task& t = *s.kernel->table().find_by_name("beacon");
  EXPECT_EQ(t.stats.watchdog_kills, 1u) << "its first run, inside the constructor";
  EXPECT_EQ(t.state, TaskState::Dead);
  EXPECT_EQ(t.exit_reason, ExitReason::Fault);
  EXPECT_EQ(t.fault.kind, FaultKind::Constructor) << "the next release found the constructors unfinished";
  EXPECT_TRUE(others.kept_their_schedule());
}

RegisterEntry* install_named(UpdatableSystem& s, const char* object, const char* name, Time interval = kSecond) {
  ModuleTaskSpec spec;
  spec.task.name = name;
  spec.task.priority = 2;
  spec.task.interval = interval;
  spec.task.watchdog = 50 * kMillisecond;
  auto r = s.install_image(test::read_bytes(std::string(DYN_TEST_PROGRAMS_DIR) + "/" + object + ".o"), spec);
  return r ? r.value() : nullptr;
}

std::uint32_t state_word(UpdatableSystem& s, const char* task) {
  const auto* e = static_cast<RegisterEntry*>(s.kernel->table().find_by_name(task)->owner);
  std::uint32_t v = 0;
  std::memcpy(&v, e->state.host, 4);
  return v;
}

TEST(FaultContainment, ModuleCodeTheSystemRunsHasABudgetEvenWithoutAWatchdog) {
  {  // a spinning constructor in a task with no watchdog
    UpdatableSystem s;
    Bystanders others(s);
    ASSERT_NE(install(s, hostile("ctor_spins"), RunModel::Job, 0), nullptr);
    s.kernel->run_until(5 * kSecond);
    const Task& t = *s.kernel->table().find_by_name("beacon");
    EXPECT_EQ(t.stats.watchdog_kills, 1u);
    EXPECT_EQ(t.exit_reason, ExitReason::Fault);
    EXPECT_EQ(t.fault.kind, FaultKind::Constructor);
    EXPECT_LE(t.stats.cpu_total, kModuleCodeBudget + 2 * kMillisecond);
    EXPECT_TRUE(others.kept_their_schedule());
  }
  {  // a hanging restore hook in an update of a task with no watchdog
    UpdatableSystem s;
    ASSERT_NE(s.install("mathlib", "mathlib", "mathlib", 3, 10 * kSecond, 0), nullptr);
    ASSERT_NE(s.install("beacon", "beacon_v2", "beacon", 2, kSecond, 0), nullptr);
    s.start_worker();
    s.kernel->run_until(3 * kSecond);
    EXPECT_EQ(s.update_to(hostile("restore_spins")), UpdateOutcome::RestoreStopped);
    EXPECT_EQ(s.beacon_version(), 2u);
    const Time before = s.kernel->table().find_by_name("beacon")->stats.cpu_total;
    s.kernel->run_for(3 * kSecond);
    EXPECT_EQ(s.kernel->table().find_by_name("beacon")->hook_limit, 0) << "the budget ended with the hook";
    EXPECT_GT(s.kernel->table().find_by_name("beacon")->stats.cpu_total, before) << "v2 runs again";
  }
}

TEST(FaultContainment, ALibraryModulesConstructorsRunInAJobOfTheirOwnBeforeItsImporters) {
  UpdatableSystem s;
  RegisterEntry* lib = install_named(s, "ctor_library", "ctor_library");
  ASSERT_NE(lib, nullptr);
  EXPECT_FALSE(lib->module.constructed) << "install ran no module code";
  ASSERT_TRUE(lib->init_task.valid());
  EXPECT_STREQ(s.kernel->table().find(lib->init_task)->name, "init:ctor_library");
  ASSERT_NE(install_named(s, "ctor_library_user", "user"), nullptr);
  s.kernel->run_until(100 * kMillisecond);
  EXPECT_TRUE(lib->module.constructed);
  EXPECT_EQ(state_word(s, "user"), 42u) << "the importer ran after the library's constructor";
}

TEST(FaultContainment, ALibraryWhoseConstructorSpinsIsStoppedAndItsImportersHeld) {
  UpdatableSystem s;
  Bystanders others(s);
  RegisterEntry* lib = install_named(s, "ctor_library_spins", "ctor_library");
  ASSERT_NE(lib, nullptr);
  ASSERT_NE(install_named(s, "ctor_library_user", "user"), nullptr);
  s.kernel->run_until(3 * kSecond);
  const Task* init = s.kernel->table().find(lib->init_task);
  ASSERT_NE(init, nullptr);
  EXPECT_EQ(init->exit_reason, ExitReason::Watchdog);
  const Task& user = *s.kernel->table().find_by_name("user");
  EXPECT_EQ(user.state, TaskState::Dead);
  EXPECT_EQ(user.exit_reason, ExitReason::Fault);
  EXPECT_EQ(user.fault.kind, FaultKind::Constructor);
  EXPECT_EQ(state_word(s, "user"), 0u) << "it never called into the unconstructed library";
  EXPECT_TRUE(others.kept_their_schedule());
}

TEST(FaultContainment, AModuleMayNotDefineAKernelName) {
  for (const char* mode : {"exports_dyn_malloc", "exports_memcpy"}) {
    UpdatableSystem s;
    const std::size_t before = s.memory.stats().total_bytes();
    InstallError why{};
    EXPECT_EQ(install(s, hostile(mode), RunModel::Job, 0, &why), nullptr) << mode;
    EXPECT_EQ(why.stage, InstallError::Stage::Link) << mode;
    EXPECT_EQ(why.link.code, LinkErrc::KernelName) << mode;
    EXPECT_EQ(s.memory.stats().total_bytes(), before) << mode << ": nothing leaks";
  }
}

TEST(FaultContainment, AModuleWhoseDescriptorLiesIsRefusedBeforeItsCodeRuns) {
  for (const auto& [mode, what] : std::vector<std::pair<const char*, std::uint64_t>>{{"hook_into_data", 4},
                                                                                     {"huge_state", 5}}) {
    UpdatableSystem s;
    const std::size_t before = s.memory.stats().total_bytes();
    InstallError why{};
    EXPECT_EQ(install(s, hostile(mode), RunModel::Job, 0, &why), nullptr) << mode;
    EXPECT_EQ(why.link.code, LinkErrc::BadDescriptor) << mode;
    EXPECT_EQ(why.link.value, what) << mode;
    EXPECT_EQ(s.memory.stats().total_bytes(), before) << mode << ": nothing leaks";
  }
}

// A module name reaches logs, reports and the operator's terminal: one with
// a control byte (an escape sequence) is refused at load, like a malformed one.
TEST(FaultContainment, AModuleNameWithAControlCharacterIsRefused) {
  std::vector<std::byte> image = hostile("first_run_faults");
  const std::string name = "beacon";
  std::size_t patched = 0;
  for (std::size_t i = 1; i + name.size() < image.size(); ++i) {
    if (image[i - 1] != std::byte{0} || image[i + name.size()] != std::byte{0}) continue;
    if (std::memcmp(image.data() + i, name.data(), name.size()) != 0) continue;
    image[i] = std::byte{0x1B};  // "\x1beacon": the descriptor's name (and any symbol spelled the same)
    ++patched;
  }
  ASSERT_GE(patched, 1u);
  UpdatableSystem s;
  const std::size_t before = s.memory.stats().total_bytes();
  InstallError why{};
  EXPECT_EQ(install(s, image, RunModel::Job, 0, &why), nullptr);
  EXPECT_EQ(why.link.code, LinkErrc::BadDescriptor);
  EXPECT_EQ(why.link.value, 2u);
  EXPECT_EQ(s.memory.stats().total_bytes(), before) << "nothing leaks";
}

TEST(FaultContainment, KernelNamesResolveToTheKernelWhateverIsInstalled) {
  UpdatableSystem s;
  ASSERT_NE(s.install("mathlib", "mathlib", "mathlib", 3, 10 * kSecond, 0), nullptr);
  LoadedModule* owner = reinterpret_cast<LoadedModule*>(1);
  const ExportedSymbol* m = s.reg.find("memcpy", &owner);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(owner, nullptr) << "the kernel's, not a module's";
  EXPECT_EQ(m, find_symbol(kernel_exports(), "memcpy"));
}

TEST(FaultContainment, ALoopThatOnlyYieldsMovesTheClockAndItsWatchdogStopsIt) {
  UpdatableSystem s;
  Bystanders others(s);
  ASSERT_NE(install(s, hostile("yield_loop"), RunModel::Loop, 20 * kMillisecond), nullptr);
  s.kernel->run_until(10 * kSecond);  // returns: the clock moved
  EXPECT_EQ(s.kernel->now(), 10 * kSecond);
  const Task& t = *s.kernel->table().find_by_name("beacon");
  EXPECT_EQ(t.state, TaskState::Dead);
  EXPECT_EQ(t.exit_reason, ExitReason::Watchdog);
  EXPECT_TRUE(others.kept_their_schedule());
}

TEST(FaultContainment, ALoopThatOnlyYieldsWithoutAWatchdogCannotFreezeTheMission) {
  UpdatableSystem s;
  Bystanders others(s);
  ASSERT_NE(install(s, hostile("yield_loop"), RunModel::Loop, 0), nullptr);
  s.kernel->run_until(kSecond);
  EXPECT_EQ(s.kernel->now(), kSecond);
  const auto* e = static_cast<RegisterEntry*>(s.kernel->table().find_by_name("beacon")->owner);
  std::uint32_t runs = 0;
  std::memcpy(&runs, e->state.host + 8, 4);
  EXPECT_GT(runs, 1000u) << "it ran, a dispatch cost at a time";
  EXPECT_TRUE(others.kept_their_schedule());
}

TEST(FaultContainment, ALoopPollingTheKernelWithoutSwitchingIsChargedAndStopped) {
  // dyn_notify_wait(0) enters the kernel but never switches: the port still
  // sees one stretch of task code and charges it as a runaway.
  UpdatableSystem s;
  Bystanders others(s);
  ASSERT_NE(install(s, hostile("wait_zero_loop"), RunModel::Loop, 20 * kMillisecond), nullptr);
  s.kernel->run_until(kSecond);
  const Task& t = *s.kernel->table().find_by_name("beacon");
  EXPECT_EQ(t.state, TaskState::Dead);
  EXPECT_EQ(t.exit_reason, ExitReason::Watchdog);
}

TEST(FaultContainment, AnUpdateFromAVersionWhoseCheckpointLiesIsAbortedAndTheOldGoesOn) {
  UpdatableSystem s;
  Bystanders others(s);
  ASSERT_NE(s.install("mathlib", "mathlib", "mathlib", 3, 10 * kSecond, 0), nullptr);
  ASSERT_NE(install(s, hostile("checkpoint_oversized")), nullptr);
  s.start_worker();
  s.kernel->run_until(3 * kSecond);
  EXPECT_EQ(s.update_to(test::module_image("beacon", "beacon_v2")), UpdateOutcome::CheckpointFailed);
  EXPECT_EQ(s.beacon_version(), 9u);
  s.kernel->run_until(s.kernel->now() + 3 * kSecond);
  EXPECT_GT(s.kernel->table().find_by_name("beacon")->stats.completions, 4u);
  EXPECT_TRUE(others.kept_their_schedule());
}

TEST(FaultContainment, AnOversizedPeriodicCheckpointIsReportedAndTheStoredOneKept) {
  test::RamStore ram;
  ModuleStore& store = ram.store;
  UpdatableSystem s;
  ASSERT_NE(install(s, hostile("checkpoint_oversized")), nullptr);
  s.start_worker();
  s.updates->set_store(&store);
  s.updates->set_checkpoint_period(kSecond);
  s.kernel->run_until(5 * kSecond);
  EXPECT_GE(s.updates->checkpoints_refused(), 3u);
  EXPECT_EQ(s.updates->checkpoints_stored(), 0u);
  std::vector<std::byte> read(4096);
  EXPECT_FALSE(store.last_checkpoint("beacon", read)) << "nothing stored from a hook that overran its buffer";
}

TEST(FaultContainment, ARestoreHookThatBlocksIsStoppedAndTheUpdateRolledBack) {
  // Sleeping uses no CPU, so neither a watchdog nor the module-code budget
  // would ever end it: blocking in a hook is a fault.
  UpdatableSystem s;
  ASSERT_NE(s.install("mathlib", "mathlib", "mathlib", 3, 10 * kSecond, 0), nullptr);
  ASSERT_NE(s.install("beacon", "beacon_v2", "beacon", 2, kSecond, 50 * kMillisecond), nullptr);
  s.start_worker();
  s.kernel->run_until(3 * kSecond);
  EXPECT_EQ(s.update_to(hostile("restore_sleeps")), UpdateOutcome::RestoreStopped);
  const Task& t = *s.kernel->table().find_by_name("beacon");
  EXPECT_EQ(t.fault.kind, FaultKind::Blocked);
  EXPECT_EQ(s.beacon_version(), 2u);
  const auto runs = t.stats.runs;
  s.kernel->run_for(3 * kSecond);
  EXPECT_GE(t.stats.runs, runs + 2) << "v2 runs on";
  EXPECT_FALSE(s.updates->busy());
}

TEST(FaultContainment, APeriodicCheckpointHookThatSpinsIsStoppedAndLeaksNothing) {
  test::RamStore ram;
  UpdatableSystem s;
  ASSERT_NE(install(s, hostile("checkpoint_spins"), RunModel::Job, 0), nullptr);
  s.start_worker();
  s.updates->set_store(&ram.store);
  s.updates->set_checkpoint_period(kSecond);
  s.kernel->run_until(2500 * kMillisecond);
  const std::size_t memory = s.memory.stats().total_bytes();
  const Task& t = *s.kernel->table().find_by_name("beacon");
  const auto kills = t.stats.watchdog_kills;
  EXPECT_GE(kills, 1u) << "the hook's budget stopped it";
  s.kernel->run_until(8500 * kMillisecond);
  EXPECT_GE(t.stats.watchdog_kills, kills + 5) << "every periodic checkpoint";
  EXPECT_EQ(s.memory.stats().total_bytes(), memory) << "each stopped hook's buffer was freed";
  EXPECT_EQ(s.updates->checkpoints_stored(), 0u);
}

TEST(FaultContainment, TheQuiesceTimeoutNeverFreesWhatASwapInProgressUses) {
  // 4 MiB of state: the checkpoint and its seal take long; the timeout is
  // shorter than the run the consistent point ends. Under the sanitizer a
  // buffer freed under the swap would be reported.
  UpdatableSystem s;
  ModuleTaskSpec spec;
  spec.task.name = "beacon";
  spec.task.priority = 0;
  spec.task.interval = kSecond;
  spec.task.delay = 990 * kMillisecond;
  ASSERT_TRUE(s.install_image(hostile("big_state"), spec));
  s.start_worker();
  s.kernel->run_until(5 * kSecond);
  const std::size_t memory = s.memory.stats().total_bytes();
  const auto image = test::read_bytes(std::string(DYN_TEST_PROGRAMS_DIR) + "/hostile_big_state_v10.o");
  UpdateRequest r;
  r.task = "beacon";
  r.image = image;
  r.quiesce_timeout = 21 * kMillisecond;
  r.probation_points = 1;
  ASSERT_TRUE(s.updates->request(r, s.scratch_for(image)));
  while (s.updates->busy()) s.kernel->run_for(100 * kMillisecond);
  const UpdateOutcome outcome = s.updates->last().outcome;
  EXPECT_TRUE(outcome == UpdateOutcome::Committed || outcome == UpdateOutcome::QuiesceTimeout) << to_string(outcome);
  const auto runs = s.kernel->table().find_by_name("beacon")->stats.runs;
  s.kernel->run_for(3 * kSecond);
  EXPECT_GE(s.kernel->table().find_by_name("beacon")->stats.runs, runs + 2) << "whichever version it is, it runs";
  if (outcome == UpdateOutcome::QuiesceTimeout) {
    EXPECT_EQ(s.memory.stats().total_bytes(), memory);
  }
}

TEST(FaultContainment, AnUpdateWithNoProbationPointIsRefused) {
  UpdatableSystem s;
  ASSERT_NE(s.install("mathlib", "mathlib", "mathlib", 3, 10 * kSecond, 0), nullptr);
  ASSERT_NE(s.install("beacon", "beacon", "beacon", 2, kSecond, 50 * kMillisecond), nullptr);
  const auto image = test::module_image("beacon", "beacon_v2");
  UpdateRequest r;
  r.task = "beacon";
  r.image = image;
  r.probation_points = 0;
  auto refused = s.updates->request(r, s.scratch_for(image));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, UpdateErrc::BadProbation);
  EXPECT_FALSE(s.updates->busy());
}

}  // namespace
}  // namespace dyn
