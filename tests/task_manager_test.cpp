// task_manager_test.cpp — modules installed and uninstalled as tasks, all or nothing.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "dyn/borrowed_scratch.hpp"
#include "dyn/sched_multilevel.hpp"
#include "dyn/task_manager.hpp"
#include "host_module_memory.hpp"
#include "module_report.hpp"
#include "host_port.hpp"
#include "module_test_support.hpp"

#ifndef DYN_TEST_PROGRAMS_DIR
#error "DYN_TEST_PROGRAMS_DIR must name the directory of the test modules"
#endif
#ifndef DYN_MODULES_DIR
#error "DYN_MODULES_DIR must name the directory of the example modules"
#endif

namespace dyn {
namespace {

using test::read_bytes;

std::string example(const char* name) { return std::string(DYN_MODULES_DIR) + "/" + name + "/" + name + ".o"; }
std::string test_module(const char* name) { return std::string(DYN_TEST_PROGRAMS_DIR) + "/" + name + ".o"; }

class Counter final : public EventSink {
 public:
  void on_event(const KernelEvent& e) noexcept override {
    if (e.kind == EventKind::RunSegment && e.task && e.activation_start) runs[e.task->name]++;
    if (e.kind == EventKind::Log && e.value >= 3) errors++;
  }
  std::map<std::string, int> runs;
  int errors = 0;
};

struct System {
  System() {
    KernelConfig c;
    c.preemption_ticks = false;
    c.time_slice = 0;
    kernel.emplace(table, policy, c, &events);
    manager.emplace(*kernel, reg);
    manager->set_tables(&tables.get());
  }
  // Seed 004: the kernel tables hold every invariant after every operation.
  ::testing::AssertionResult tables_consistent() { return tables.consistent(); }
  ~System() { manager->uninstall_all(); }
  Result<RegisterEntry*, InstallError> install(const std::string& path, const char* name, Time interval,
                                               std::vector<std::byte>* keep = nullptr) {
    std::vector<std::byte> image = read_bytes(path);
    auto view = ElfView::open(image);
    syms.assign(view ? view.value().symbol_count() : 0, {});
    secs.assign(view ? view.value().section_count() : 0, {});
    ModuleTaskSpec spec;
    spec.task.name = name;
    spec.task.level = 2;
    spec.task.interval = interval;
    auto r = manager->install(image, spec, LoaderScratch{syms, secs});
    if (keep) *keep = std::move(image);
    return r;
  }
  std::vector<Task> slots{std::vector<Task>(8)};
  TaskTable table{slots};
  MultilevelPolicy policy;
  Counter events;
  std::optional<Kernel> kernel;
  host::HostModuleMemory memory;
  std::vector<RegisterEntry> entries{std::vector<RegisterEntry>(8)};
  TaskRegister reg{entries, memory};
  std::optional<TaskManager> manager;
  std::vector<SymbolSlot> syms;
  std::vector<SectionSlot> secs;
  test::Tables tables{8};
};

TEST(TaskManager, KernelTablesDescribeEveryModuleTaskAndStayConsistent) {
  System s;
  ASSERT_TRUE(s.tables_consistent());
  ASSERT_TRUE(s.install(example("mathlib"), "mathlib", kSecond));
  ASSERT_TRUE(s.tables_consistent());
  auto beacon = s.install(example("beacon"), "beacon", kSecond);
  ASSERT_TRUE(beacon);
  ASSERT_TRUE(s.tables_consistent());
  EXPECT_EQ(s.tables.get().tasks_used(), 2u);
  auto regions = s.tables.get().regions_of(beacon.value()->task);
  ASSERT_TRUE(regions);
  EXPECT_EQ(regions.value().count, 4u) << "code, data, state, stack";
  // A failed install leaves the tables as they were.
  EXPECT_FALSE(s.install(test_module("bad_import"), "bad", kSecond));
  ASSERT_TRUE(s.tables_consistent());
  EXPECT_EQ(s.tables.get().tasks_used(), 2u);
  s.kernel->run_until(3 * kSecond);
  ASSERT_TRUE(s.manager->uninstall("beacon"));
  ASSERT_TRUE(s.tables_consistent());
  ASSERT_TRUE(s.manager->uninstall("mathlib"));
  ASSERT_TRUE(s.tables_consistent());
  EXPECT_EQ(s.tables.get().tasks_used(), 0u);
  EXPECT_EQ(s.tables.get().regions_used(), 1u) << "only the null region is left";
}

// What a module's code may touch (module_domain.hpp): its code and data,
// its task's state and stack, and the code and data of what it imports —
// nothing of another module, nothing of the kernel's.
TEST(TaskManager, ADomainHoldsTheModuleItsTaskAndItsLibrariesOnly) {
  System s;
  auto mathlib = s.install(example("mathlib"), "mathlib", kSecond);
  ASSERT_TRUE(mathlib);
  auto beacon = s.install(example("beacon"), "beacon", kSecond);
  ASSERT_TRUE(beacon);
  auto other = s.install(test_module("leaky"), "leaky", kSecond);
  ASSERT_TRUE(other);
  const ModuleDomain& d = beacon.value()->domain;
  auto holds = [&](const Region& r, DomainAccess a) {
    return domain_allows(d, static_cast<std::uintptr_t>(r.address), r.size, a);
  };
  const RegisterEntry& b = *beacon.value();
  EXPECT_TRUE(holds(b.module.code, DomainAccess::Read));
  EXPECT_FALSE(holds(b.module.code, DomainAccess::Write)) << "code is read and execute only";
  EXPECT_TRUE(holds(b.state, DomainAccess::Write));
  EXPECT_TRUE(holds(b.stack, DomainAccess::Write));
  EXPECT_TRUE(holds(mathlib.value()->module.code, DomainAccess::Read)) << "the library it imports from";
  EXPECT_FALSE(holds(other.value()->state, DomainAccess::Read)) << "another module's state";
  EXPECT_FALSE(holds(other.value()->stack, DomainAccess::Read)) << "another task's stack";
  EXPECT_FALSE(holds(other.value()->module.code, DomainAccess::Read));
  EXPECT_FALSE(domain_allows(d, reinterpret_cast<std::uintptr_t>(&s), sizeof s, DomainAccess::Read))
      << "kernel memory";
  EXPECT_EQ(d.stack_base, b.stack.address);
  EXPECT_EQ(d.stack_top, b.stack.address + b.stack.size);
  // A region is held whole or not at all: a span that runs off its end is refused.
  EXPECT_FALSE(domain_allows(d, static_cast<std::uintptr_t>(b.state.address), b.state.size + 1, DomainAccess::Read));
  EXPECT_EQ(domain_readable_run(d, static_cast<std::uintptr_t>(b.state.address) + 1), b.state.size - 1);
  EXPECT_EQ(domain_readable_run(d, reinterpret_cast<std::uintptr_t>(&s)), 0u);
}

// A version staged by an update runs on the old version's stacks until it
// commits. Its domain is rebuilt while it is in probation (a heap arena
// came or went): the stacks must still be in it, or its first service call
// with a stack buffer is refused and, under an MPU, its first return faults.
TEST(TaskManager, AStagedVersionsRebuiltDomainStillHoldsTheStacksItRunsOn) {
  System s;
  ASSERT_TRUE(s.install(example("mathlib"), "mathlib", kSecond));
  auto beacon = s.install(example("beacon"), "beacon", kSecond);
  ASSERT_TRUE(beacon);
  RegisterEntry& old = *beacon.value();
  const std::vector<std::byte> image = read_bytes(std::string(DYN_MODULES_DIR) + "/beacon/beacon_v2.o");
  auto view = ElfView::open(image);
  ASSERT_TRUE(view);
  s.syms.assign(view.value().symbol_count(), {});
  s.secs.assign(view.value().section_count(), {});
  auto staged = s.manager->stage(image, "~beacon", LoaderScratch{s.syms, s.secs}, &old.module);
  ASSERT_TRUE(staged) << "staging v2";
  RegisterEntry& fresh = *staged.value();
  ASSERT_TRUE(s.manager->build_domain(fresh, old.stack, old.kernel_stack));
  auto holds_stack = [&] {
    return domain_allows(fresh.domain, static_cast<std::uintptr_t>(old.stack.address), old.stack.size,
                         DomainAccess::Write);
  };
  EXPECT_TRUE(holds_stack()) << "built with the old version's stack";
  ASSERT_FALSE(fresh.stack) << "a staged version owns no stack of its own";
  ASSERT_TRUE(s.manager->build_domain(fresh)) << "rebuilt in probation";
  EXPECT_TRUE(holds_stack()) << "the rebuilt domain lost the stack the new version runs on";
  EXPECT_EQ(fresh.domain.stack_base, old.stack.address);
  EXPECT_EQ(fresh.domain.stack_top, old.stack.address + old.stack.size);
  s.manager->discard(fresh);
}

// A flight image keeps no static RAM for the loader's scratch: it borrows
// it from module memory, sized for the one object being linked.
TEST(TaskManager, LoaderScratchBorrowedFromModuleMemoryIsSizedForTheImageAndGivenBack) {
  System s;
  const auto baseline = s.memory.stats();
  const std::vector<std::byte> image = read_bytes(example("mathlib"));
  auto view = ElfView::open(image);
  ASSERT_TRUE(view);
  {
    BorrowedScratch scratch(s.memory);
    const LoaderScratch lent = scratch.for_image(image);
    EXPECT_EQ(lent.symbols.size(), view.value().symbol_count());
    EXPECT_EQ(lent.sections.size(), view.value().section_count());
    EXPECT_GE(scratch.bytes(), lent.symbols.size_bytes() + lent.sections.size_bytes());
    ModuleTaskSpec spec;
    spec.task.name = "mathlib";
    spec.task.level = 2;
    spec.task.interval = kSecond;
    ASSERT_TRUE(s.manager->install(image, spec, lent));
    const std::vector<std::byte> junk(64, std::byte{0x5A});
    const LoaderScratch none = scratch.for_image(junk);  // gives the first back, borrows nothing
    EXPECT_TRUE(none.symbols.empty() && none.sections.empty());
    EXPECT_EQ(scratch.bytes(), 0u);
    (void)scratch.for_image(image);
  }  // the destructor gives the last back
  ASSERT_TRUE(s.manager->uninstall("mathlib"));
  EXPECT_EQ(s.memory.stats().total_bytes(), baseline.total_bytes()) << "every byte, the scratch's too";
  EXPECT_EQ(s.memory.stats().total_regions(), baseline.total_regions());
}

TEST(TaskManager, InstalledModuleRunsAsATaskAndUninstallReturnsEveryByte) {
  System s;
  const auto baseline = s.memory.stats();
  auto e = s.install(test_module("leaky"), "leaky", 10 * kMillisecond);
  ASSERT_TRUE(e);
  s.kernel->run_until(100 * kMillisecond);
  EXPECT_EQ(s.events.runs["leaky"], 10);
  EXPECT_EQ(e.value()->heap.blocks(), 10u) << "ten leaked blocks, all tracked";
  EXPECT_EQ(s.events.errors, 10) << "every foreign dyn_free was refused and logged";
  EXPECT_GT(s.memory.stats().bytes[static_cast<int>(RegionKind::Heap)], 1000u);
  ASSERT_TRUE(s.manager->uninstall("leaky"));
  EXPECT_EQ(s.memory.stats().total_bytes(), baseline.total_bytes());
  EXPECT_EQ(s.memory.stats().total_regions(), baseline.total_regions());
  EXPECT_EQ(s.table.used(), 0u);
  EXPECT_EQ(s.reg.size(), 0u);
}

TEST(TaskManager, AFailedInstallChangesNothing) {
  System s;
  ASSERT_TRUE(s.install(example("mathlib"), "mathlib", kSecond));
  s.kernel->run_until(10 * kMillisecond);
  const auto before = s.memory.stats();
  const std::size_t tasks = s.table.used();
  auto bad = s.install(test_module("bad_import"), "bad", kSecond);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().stage, InstallError::Stage::Link);
  EXPECT_EQ(bad.error().link.code, LinkErrc::UnresolvedSymbol);
  // Garbage is refused by the ELF view before anything is allocated.
  std::vector<std::byte> garbage(4096, std::byte{0x5a});
  ModuleTaskSpec spec;
  spec.task.name = "garbage";
  auto g = s.manager->install(garbage, spec, LoaderScratch{s.syms, s.secs});
  ASSERT_FALSE(g);
  EXPECT_EQ(g.error().stage, InstallError::Stage::Elf);
  EXPECT_EQ(g.error().elf.code, ElfErrc::BadMagic);
  // A plain object without DYN_MODULE is not a module.
  auto plain = s.install(test_module("prog_fnptr_pic"), "plain", kSecond);
  ASSERT_FALSE(plain);
  EXPECT_EQ(plain.error().link.code, LinkErrc::NotAModule);
  // The same name twice.
  auto twice = s.install(example("mathlib"), "mathlib", kSecond);
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().stage, InstallError::Stage::Register);
  EXPECT_EQ(twice.error().reg, RegisterErrc::NameTaken);

  EXPECT_EQ(s.memory.stats().total_bytes(), before.total_bytes());
  EXPECT_EQ(s.memory.stats().total_regions(), before.total_regions());
  EXPECT_EQ(s.table.used(), tasks);
  s.kernel->run_until(2 * kSecond);
  EXPECT_EQ(s.events.runs["mathlib"], 2) << "the installed module kept its schedule";
}

TEST(TaskManager, AModuleOthersImportFromCannotBeUninstalled) {
  System s;
  ASSERT_TRUE(s.install(example("mathlib"), "mathlib", kSecond));
  auto beacon = s.install(example("beacon"), "beacon", kSecond);
  ASSERT_TRUE(beacon);
  ASSERT_EQ(beacon.value()->module.dep_count, 1u);
  auto refused = s.manager->uninstall("mathlib");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().link.code, LinkErrc::InUse);
  EXPECT_EQ(refused.error().link.value, 1u);
  s.kernel->run_until(3 * kSecond);
  EXPECT_EQ(s.events.runs["beacon"], 3);
  ASSERT_TRUE(s.manager->uninstall("beacon"));
  ASSERT_TRUE(s.manager->uninstall("mathlib"));
  EXPECT_EQ(s.memory.stats().total_bytes(), 0u);
}

// Explicit exports (issue 11, part 2): the SDK builds with -fvisibility=hidden.
std::uint32_t state_word(System& s, const char* task, std::size_t index) {
  const auto* e = static_cast<RegisterEntry*>(s.kernel->table().find_by_name(task)->owner);
  std::uint32_t v = 0;
  std::memcpy(&v, e->state.host + 4 * index, 4);
  return v;
}

TEST(TaskManager, AModuleExportsOnlyWhatItMarksAndTwoModulesMayCarryTheSameLibrary) {
  System s;
  auto a = s.install(test_module("visibility_a"), "a", kSecond);
  ASSERT_TRUE(a);
  // Its bundled checksum and memcpy are its own; only the DYN_EXPORT function is exported.
  ASSERT_EQ(a.value()->module.exports.size(), 1u);
  EXPECT_STREQ(a.value()->module.exports[0].name, "visibility_answer");
  auto b = s.install(test_module("visibility_b"), "b", kSecond);
  ASSERT_TRUE(b) << "a second private copy of the same library (and of memcpy) is no clash";
  EXPECT_TRUE(b.value()->module.exports.empty());
  s.kernel->run_until(2500 * kMillisecond);
  EXPECT_EQ(state_word(s, "a", 0), 3u);
  EXPECT_EQ(state_word(s, "b", 0), 3u);
  EXPECT_EQ(state_word(s, "a", 1), state_word(s, "b", 1)) << "each runs its own copy, with the same result";
  EXPECT_NE(state_word(s, "a", 1), 0u);
  EXPECT_TRUE(s.tables_consistent());
}

TEST(TaskManager, ADuplicateOfARealExportNamesTheModuleThatHasIt) {
  System s;
  ASSERT_TRUE(s.install(test_module("visibility_a"), "first", kSecond));
  auto dup = s.install(test_module("visibility_dup"), "second", kSecond);
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().link.code, LinkErrc::DuplicateExport);
  ASSERT_NE(dup.error().link.other, nullptr);
  EXPECT_STREQ(dup.error().link.other, "first");
}

TEST(TaskManager, OneModuleImageMayBackSeveralTasks) {
  System s;
  ASSERT_TRUE(s.install(example("mathlib"), "mathlib", 10 * kSecond));
  for (const char* name : {"beacon", "beacon_b", "beacon_c"}) ASSERT_TRUE(s.install(example("beacon"), name, kSecond)) << name;
  s.kernel->run_until(2500 * kMillisecond);
  for (const char* name : {"beacon", "beacon_b", "beacon_c"}) EXPECT_EQ(state_word(s, name, 0), 3u) << name << ": its own state";
  EXPECT_TRUE(s.tables_consistent());
  EXPECT_EQ(s.manager->uninstall_all(), 4u);
  EXPECT_EQ(s.memory.stats().total_bytes(), 0u);
}

TEST(TaskManager, UninstallAllRemovesImportersBeforeTheirExporters) {
  System s;
  ASSERT_TRUE(s.install(example("mathlib"), "mathlib", kSecond));
  ASSERT_TRUE(s.install(example("beacon"), "beacon", kSecond));
  ASSERT_TRUE(s.install(example("attitude"), "attitude", kSecond));
  EXPECT_EQ(s.manager->uninstall_all(), 3u);
  EXPECT_EQ(s.reg.size(), 0u);
  EXPECT_EQ(s.memory.stats().total_bytes(), 0u);
}

TEST(TaskRegister, HeapFreeRefusesBlocksThatAreNotTheEntrysOwn) {
  host::HostModuleMemory memory;
  std::vector<RegisterEntry> entries(2);
  TaskRegister reg(entries, memory);
  RegisterErrc why{};
  RegisterEntry* a = reg.add("a", &why);
  RegisterEntry* b = reg.add("b", &why);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(reg.add("a", &why), nullptr);
  EXPECT_EQ(why, RegisterErrc::NameTaken);
  EXPECT_EQ(reg.add("c", &why), nullptr);
  EXPECT_EQ(why, RegisterErrc::Full);
  void* pa = reg.heap_allocate(*a, 64);
  void* pb = reg.heap_allocate(*b, 64);
  ASSERT_TRUE(pa && pb);
  EXPECT_EQ(reg.heap_free(*a, pb), HeapFree::NotABlock) << "b's block is not a's to free";
  EXPECT_EQ(reg.heap_free(*a, static_cast<char*>(pa) + 1), HeapFree::NotABlock) << "an interior pointer is not a block";
  EXPECT_EQ(reg.heap_free(*a, pa), HeapFree::Freed);
  EXPECT_EQ(reg.heap_free(*a, pa), HeapFree::NotABlock) << "double free refused";
  a->heap_limit = 100;
  EXPECT_NE(reg.heap_allocate(*a, 60), nullptr);
  EXPECT_EQ(reg.heap_allocate(*a, 60), nullptr) << "over the task's heap limit";
  EXPECT_EQ(reg.find("b"), b);
  reg.remove(*a);
  reg.remove(*b);
  EXPECT_EQ(memory.stats().total_bytes(), 0u);
  EXPECT_EQ(reg.find("b"), nullptr);
}

}  // namespace
}  // namespace dyn
