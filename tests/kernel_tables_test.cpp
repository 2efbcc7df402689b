// kernel_tables_test.cpp — seed 004's task/region/IRQ tables: every refusal names
// its value, verify() catches every broken invariant, failed operations change
// no byte, and thousands of random operations keep the tables consistent.
#include "dyn/kernel_tables.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <vector>

namespace dyn {
namespace {

constexpr std::uint32_t RX = RegionAttr::Read | RegionAttr::Execute;
constexpr std::uint32_t RW = RegionAttr::Read | RegionAttr::Write;
constexpr std::uint32_t RWX = RegionAttr::Read | RegionAttr::Write | RegionAttr::Execute;
constexpr std::uint32_t DEV = RegionAttr::Read | RegionAttr::Write | RegionAttr::Device;

TaskId tid(std::uint16_t n) { return TaskId::make(n, 1); }

template <typename T>
::testing::AssertionResult Fails(const Result<T, TablesError>& r, TablesErrc code, std::uint64_t value,
                                 std::optional<std::uint32_t> index = std::nullopt) {
  if (r) return ::testing::AssertionFailure() << "succeeded, expected " << to_string(code);
  const TablesError& e = r.error();
  if (e.code != code) {
    return ::testing::AssertionFailure() << "error '" << to_string(e.code) << "', expected '" << to_string(code)
                                         << "'";
  }
  if (e.value != value) return ::testing::AssertionFailure() << std::hex << "value 0x" << e.value << ", expected 0x" << value;
  if (index && e.index != *index) return ::testing::AssertionFailure() << "index " << e.index << ", expected " << *index;
  return ::testing::AssertionSuccess();
}

template <typename T>
::testing::AssertionResult Ok(const Result<T, TablesError>& r) {
  if (r) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << to_string(r.error().code) << " index " << r.error().index << " value 0x"
                                       << std::hex << r.error().value;
}

// A task request with its own backing storage for the spans.
struct Spec {
  std::uint32_t entry = 0;
  std::uint32_t stack = 0;
  std::uint8_t priority = 1;
  std::uint32_t flags = TaskFlag::StartAtBoot;
  std::vector<RegionDesc> regions;
  std::vector<IrqBinding> irqs;
  TaskDescSpec view() const { return TaskDescSpec{entry, stack, priority, flags, regions, irqs}; }
};

// Task n: 4 KiB code at 0x0800_0000 + n * 4 KiB, 4 KiB RAM at 0x2000_0000 + n * 4 KiB.
Spec simple_task(std::uint32_t n) {
  Spec s;
  const std::uint32_t code = 0x0800'0000u + n * 0x1000u;
  const std::uint32_t ram = 0x2000'0000u + n * 0x1000u;
  s.regions = {{code, 0x1000, RX}, {ram, 0x1000, RW}};
  s.entry = code + 0x101;
  s.stack = ram + 0x1000;
  return s;
}

template <std::size_t T, std::size_t R, std::size_t I>
struct Storage {
  std::array<TaskDesc, T> tasks{};
  std::array<RegionEntry, R> regions{};
  std::array<IrqEntry, I> irqs{};
  std::optional<KernelTables> kt;

  Storage() {
    auto r = KernelTables::create(tasks, regions, irqs);
    if (!r) std::abort();
    kt.emplace(std::move(r).value());
  }
  KernelTables& operator*() { return *kt; }
  KernelTables* operator->() { return &*kt; }

  struct Snapshot {
    std::vector<unsigned char> bytes;
    std::size_t tasks_used, regions_used, irqs_used;
    bool operator==(const Snapshot&) const = default;
  };
  Snapshot snapshot() const {
    Snapshot s{{}, kt->tasks_used(), kt->regions_used(), kt->irqs_used()};
    auto add = [&](const void* p, std::size_t n) {
      const auto* b = static_cast<const unsigned char*>(p);
      s.bytes.insert(s.bytes.end(), b, b + n);
    };
    add(tasks.data(), sizeof tasks);
    add(regions.data(), sizeof regions);
    add(irqs.data(), sizeof irqs);
    return s;
  }
};
using Small = Storage<8, 32, 16>;

// ---- construction ---------------------------------------------------------

TEST(KernelTables, CreateInstallsTheNullRegionAndFixesCapacities) {
  Small s;
  EXPECT_EQ(s->task_capacity(), 8u);
  EXPECT_EQ(s->region_capacity(), 32u);
  EXPECT_EQ(s->irq_capacity(), 16u);
  EXPECT_EQ(s->regions_used(), 1u);
  EXPECT_EQ(s->region(0).desc, kNullRegion);
  EXPECT_TRUE(Ok(s->verify()));
}

TEST(KernelTables, CreateRefusesCapacitiesTheDescriptorsCannotIndex) {
  std::array<TaskDesc, 2> tasks{};
  std::array<IrqEntry, 2> irqs{};
  std::vector<RegionEntry> too_many(257);
  EXPECT_TRUE(Fails(KernelTables::create(tasks, {}, irqs), TablesErrc::BadCapacity, 0, 1));
  EXPECT_TRUE(Fails(KernelTables::create(tasks, too_many, irqs), TablesErrc::BadCapacity, 257, 1));
  std::vector<TaskDesc> many_tasks(0x1'0001);
  std::array<RegionEntry, 4> regions{};
  EXPECT_TRUE(Fails(KernelTables::create(many_tasks, regions, irqs), TablesErrc::BadCapacity, 0x1'0001, 0));
  std::vector<RegionEntry> max_regions(256);
  EXPECT_TRUE(Ok(KernelTables::create(tasks, max_regions, irqs)));
}

// ---- refusals of add/update/remove, each naming its value -----------------

TEST(KernelTables, RefusesIdsItCannotUse) {
  Small s;
  EXPECT_TRUE(Fails(s->add_task(TaskId{}, simple_task(0).view()), TablesErrc::InvalidTaskId, 0xFFFF'FFFFu));
  ASSERT_TRUE(Ok(s->add_task(tid(3), simple_task(0).view())));
  EXPECT_TRUE(Fails(s->add_task(tid(3), simple_task(1).view()), TablesErrc::TaskIdInUse, tid(3).raw, 0));
  EXPECT_TRUE(Fails(s->update_task(tid(4), simple_task(1).view()), TablesErrc::NoSuchTask, tid(4).raw));
  EXPECT_TRUE(Fails(s->remove_task(tid(4)), TablesErrc::NoSuchTask, tid(4).raw));
  EXPECT_TRUE(Fails(s->irqs_of(tid(4)), TablesErrc::NoSuchTask, tid(4).raw));
  EXPECT_TRUE(Fails(s->regions_of(tid(4)), TablesErrc::NoSuchTask, tid(4).raw));
  EXPECT_TRUE(Fails(s->slot_of(TaskId::make(3, 2)), TablesErrc::NoSuchTask, TaskId::make(3, 2).raw));
  EXPECT_TRUE(Fails(s->lookup_irq(7), TablesErrc::NoSuchIrq, 7));
}

TEST(KernelTables, RefusesBadDescriptorFields) {
  Small s;
  Spec t = simple_task(0);
  t.priority = kPriorityCount;
  EXPECT_TRUE(Fails(s->add_task(tid(0), t.view()), TablesErrc::BadPriority, kPriorityCount));
  t = simple_task(0);
  t.flags = 0x2;
  EXPECT_TRUE(Fails(s->add_task(tid(0), t.view()), TablesErrc::UnknownFlags, 0x2));
  t = simple_task(0);
  t.entry = 0x0800'0100;
  EXPECT_TRUE(Fails(s->add_task(tid(0), t.view()), TablesErrc::EntryNotThumb, 0x0800'0100));
  t.entry = 0x2000'0101;  // in the RAM region, which is not executable
  EXPECT_TRUE(Fails(s->add_task(tid(0), t.view()), TablesErrc::EntryOutsideRegions, 0x2000'0101));
  t.entry = 0x0800'1001;  // just past the code region
  EXPECT_TRUE(Fails(s->add_task(tid(0), t.view()), TablesErrc::EntryOutsideRegions, 0x0800'1001));
  t = simple_task(0);
  t.stack = 0x2000'0ffc;
  EXPECT_TRUE(Fails(s->add_task(tid(0), t.view()), TablesErrc::StackMisaligned, 0x2000'0ffc));
  t.stack = 0x2000'1008;  // beyond just-past
  EXPECT_TRUE(Fails(s->add_task(tid(0), t.view()), TablesErrc::StackOutsideRegions, 0x2000'1008));
  t.stack = 0x0800'0800;  // inside the code region, which is not writable
  EXPECT_TRUE(Fails(s->add_task(tid(0), t.view()), TablesErrc::StackOutsideRegions, 0x0800'0800));
  t = simple_task(0);
  t.regions.clear();
  EXPECT_TRUE(Fails(s->add_task(tid(0), t.view()), TablesErrc::EntryOutsideRegions, t.entry));
  EXPECT_EQ(s->tasks_used(), 0u);
  EXPECT_EQ(s->regions_used(), 1u);
}

TEST(KernelTables, AcceptsTheStackJustPastAndAtTheStartOfAWritableRegion) {
  Small s;
  Spec t = simple_task(0);
  t.stack = 0x2000'1000;
  EXPECT_TRUE(Ok(s->add_task(tid(0), t.view())));
  t = simple_task(1);
  t.stack = 0x2000'1000;
  EXPECT_TRUE(Ok(s->add_task(tid(1), t.view())));
  EXPECT_TRUE(Ok(s->verify()));
}

TEST(KernelTables, RefusesRegionsTheMpuCannotProgram) {
  Small s;
  Spec t = simple_task(0);
  t.regions.push_back({0x3000'0000, 16, RW});
  EXPECT_TRUE(Fails(s->add_task(tid(0), t.view()), TablesErrc::RegionTooSmall, 16, 2));
  t.regions.back() = {0x3000'0000, 0x300, RW};
  EXPECT_TRUE(Fails(s->add_task(tid(0), t.view()), TablesErrc::RegionNotPowerOfTwo, 0x300, 2));
  t.regions.back() = {0x3000'0100, 0x400, RW};
  EXPECT_TRUE(Fails(s->add_task(tid(0), t.view()), TablesErrc::RegionMisaligned, 0x3000'0100, 2));
  t.regions.back() = {0x3000'0000, 0x400, 0};
  EXPECT_TRUE(Fails(s->add_task(tid(0), t.view()), TablesErrc::RegionBadAttributes, 0, 2));
  t.regions.back() = {0x3000'0000, 0x400, RW | 0x20};
  EXPECT_TRUE(Fails(s->add_task(tid(0), t.view()), TablesErrc::RegionBadAttributes, RW | 0x20, 2));
  t.regions.back() = t.regions[1];
  EXPECT_TRUE(Fails(s->add_task(tid(0), t.view()), TablesErrc::RegionListedTwice, 0x2000'0000, 2));
  t = simple_task(0);
  for (std::uint32_t i = 0; i < 7; ++i) t.regions.push_back({0x4000'0000u + i * 0x400u, 0x400, DEV});
  EXPECT_TRUE(Fails(s->add_task(tid(0), t.view()), TablesErrc::TooManyRegions, 9));
  t.regions.pop_back();
  EXPECT_TRUE(Ok(s->add_task(tid(0), t.view())));
  EXPECT_EQ(s->regions_of(tid(0)).value().count, 8);
}

TEST(KernelTables, RefusesOverlapBetweenTasksUnlessBothAreDevice) {
  Small s;
  ASSERT_TRUE(Ok(s->add_task(tid(0), simple_task(0).view())));
  const std::uint32_t ram0_slot = s->task(0).regions[1];
  Spec b = simple_task(1);
  b.regions.push_back({0x2000'0800, 0x800, RW});  // inside task 0's RAM
  EXPECT_TRUE(Fails(s->add_task(tid(1), b.view()), TablesErrc::RegionOverlap, 0x2000'0800, ram0_slot));
  b.regions.back() = {0x2000'0000, 0x1000, RegionAttr::Read};  // same range, other attributes: a different region
  EXPECT_TRUE(Fails(s->add_task(tid(1), b.view()), TablesErrc::RegionOverlap, 0x2000'0000, ram0_slot));
  // Two different DEVICE regions may overlap (a peripheral block and one of its registers).
  ASSERT_TRUE(Ok(s->update_task(tid(0), [] {
    Spec a = simple_task(0);
    a.regions.push_back({0x4000'0000, 0x1000, DEV});
    return a;
  }().view())));
  b = simple_task(1);
  b.regions.push_back({0x4000'0400, 0x400, DEV});
  EXPECT_TRUE(Ok(s->add_task(tid(1), b.view())));
  // A task may overlap its own regions (the MPU's higher region wins).
  Spec c = simple_task(2);
  c.regions.push_back({0x2000'2800, 0x400, RW | RegionAttr::Dma});
  EXPECT_TRUE(Ok(s->add_task(tid(2), c.view())));
  EXPECT_TRUE(Ok(s->verify()));
}

TEST(KernelTables, SharingARegionOneTaskOverlapsItselfWithIsRefused) {
  Small s;
  Spec a = simple_task(0);
  a.regions.push_back({0x2000'0400, 0x400, RW | RegionAttr::Dma});  // overlaps its own RAM: fine, one user
  ASSERT_TRUE(Ok(s->add_task(tid(0), a.view())));
  // Task 1 asking for that very DMA region would make two users of overlapping regions.
  Spec b = simple_task(1);
  b.regions.push_back({0x2000'0400, 0x400, RW | RegionAttr::Dma});
  const auto before = s.snapshot();
  EXPECT_TRUE(Fails(s->add_task(tid(1), b.view()), TablesErrc::RegionOverlap, 0x2000'0400));
  EXPECT_EQ(s.snapshot(), before);
  EXPECT_TRUE(Ok(s->verify()));
}

TEST(KernelTables, RefusesIrqsItCannotBind) {
  Small s;
  Spec t = simple_task(0);
  t.irqs = {{kMaxIrqNumber + 1, 1}};
  EXPECT_TRUE(Fails(s->add_task(tid(0), t.view()), TablesErrc::IrqOutOfRange, kMaxIrqNumber + 1, 0));
  t.irqs = {{5, 1}, {6, 0}};
  EXPECT_TRUE(Fails(s->add_task(tid(0), t.view()), TablesErrc::IrqNoNotification, 6, 1));
  t.irqs = {{5, 1}, {5, 2}};
  EXPECT_TRUE(Fails(s->add_task(tid(0), t.view()), TablesErrc::IrqListedTwice, 5, 1));
  t.irqs.clear();
  for (std::uint32_t i = 0; i < 9; ++i) t.irqs.push_back({i, 1});
  EXPECT_TRUE(Fails(s->add_task(tid(0), t.view()), TablesErrc::TooManyIrqs, 9));
  t.irqs = {{5, 1}};
  ASSERT_TRUE(Ok(s->add_task(tid(0), t.view())));
  Spec u = simple_task(1);
  u.irqs = {{4, 1}, {5, 1}};
  EXPECT_TRUE(Fails(s->add_task(tid(1), u.view()), TablesErrc::IrqAlreadyOwned, 5, 0));
}

// ---- capacity -------------------------------------------------------------

TEST(KernelTables, TaskCapacityIsFixedAtConstruction) {
  Storage<3, 32, 4> s;
  for (std::uint16_t n = 0; n < 3; ++n) ASSERT_TRUE(Ok(s->add_task(tid(n), simple_task(n).view())));
  const auto before = s.snapshot();
  EXPECT_TRUE(Fails(s->add_task(tid(3), simple_task(3).view()), TablesErrc::TaskTableFull, 3));
  EXPECT_EQ(s.snapshot(), before);
  ASSERT_TRUE(Ok(s->remove_task(tid(1))));
  ASSERT_TRUE(Ok(s->add_task(tid(3), simple_task(3).view())));
  EXPECT_EQ(s->slot_of(tid(3)).value(), 1u);  // lowest free slot
  EXPECT_EQ(s->task_capacity(), 3u);
  EXPECT_TRUE(Ok(s->verify()));
}

TEST(KernelTables, RegionAndIrqCapacitiesAreFixedAtConstruction) {
  Storage<4, 4, 1> s;  // the null region + 3
  ASSERT_TRUE(Ok(s->add_task(tid(0), simple_task(0).view())));
  auto before = s.snapshot();
  EXPECT_TRUE(Fails(s->add_task(tid(1), simple_task(1).view()), TablesErrc::RegionTableFull, 4));
  EXPECT_EQ(s.snapshot(), before);
  Spec t = simple_task(0);
  t.irqs = {{1, 1}, {2, 1}};
  EXPECT_TRUE(Fails(s->update_task(tid(0), t.view()), TablesErrc::IrqTableFull, 1));
  EXPECT_EQ(s.snapshot(), before);
}

// ---- sharing --------------------------------------------------------------

TEST(KernelTables, SharedPeripheralRegionIsCountedAndFreedWithItsLastUser) {
  Small s;
  const RegionDesc usart{0x4000'4400, 0x400, DEV};
  for (std::uint16_t n = 0; n < 3; ++n) {
    Spec t = simple_task(n);
    t.regions.push_back(usart);
    ASSERT_TRUE(Ok(s->add_task(tid(n), t.view())));
  }
  const std::size_t slot = s->task(0).regions[2];
  EXPECT_EQ(s->task(1).regions[2], slot);
  EXPECT_EQ(s->task(2).regions[2], slot);
  EXPECT_EQ(s->region(slot).refs, 3u);
  EXPECT_EQ(s->regions_used(), 1u + 6u + 1u);
  ASSERT_TRUE(Ok(s->remove_task(tid(1))));
  EXPECT_EQ(s->region(slot).refs, 2u);
  EXPECT_TRUE(Ok(s->verify()));
  ASSERT_TRUE(Ok(s->remove_task(tid(0))));
  ASSERT_TRUE(Ok(s->remove_task(tid(2))));
  EXPECT_EQ(s->region(slot).refs, 0u);
  EXPECT_EQ(s->region(slot).desc, RegionDesc{});
  EXPECT_EQ(s->regions_used(), 1u);
  EXPECT_EQ(s->tasks_used(), 0u);
  EXPECT_TRUE(Ok(s->verify()));
}

// ---- update atomicity -----------------------------------------------------

TEST(KernelTables, FailedUpdateLeavesTheOldVersionByteForByte) {
  Small s;
  Spec a = simple_task(0);
  a.irqs = {{10, 1}};
  Spec b = simple_task(1);
  b.irqs = {{11, 1}};
  ASSERT_TRUE(Ok(s->add_task(tid(0), a.view())));
  ASSERT_TRUE(Ok(s->add_task(tid(1), b.view())));
  const auto before = s.snapshot();
  // Valid regions and descriptor; only the last IRQ is taken: nothing may change.
  Spec a2 = simple_task(5);
  a2.irqs = {{12, 1}, {11, 2}};
  EXPECT_TRUE(Fails(s->update_task(tid(0), a2.view()), TablesErrc::IrqAlreadyOwned, 11, 1));
  EXPECT_EQ(s.snapshot(), before);
  EXPECT_EQ(s->lookup_irq(10).value().task, tid(0));
  EXPECT_EQ(s->regions_of(tid(0)).value().regions[0], a.regions[0]);
}

TEST(KernelTables, UpdateSwapsDescriptorRegionsAndIrqsInOneStep) {
  Storage<4, 5, 4> s;  // the null region + 4: room for two tasks, none spare
  Spec a = simple_task(0);
  a.irqs = {{10, 1}, {20, 2}};
  ASSERT_TRUE(Ok(s->add_task(tid(0), a.view())));
  ASSERT_TRUE(Ok(s->add_task(tid(1), simple_task(1).view())));
  // Two new regions fit only in the slots the old version gives up.
  Spec a2 = simple_task(7);
  a2.priority = 4;
  a2.irqs = {{20, 8}, {30, 1}};
  ASSERT_TRUE(Ok(s->update_task(tid(0), a2.view())));
  EXPECT_TRUE(Ok(s->verify()));
  EXPECT_EQ(s->slot_of(tid(0)).value(), 0u);
  EXPECT_EQ(s->task(0).priority, 4);
  const TaskRegions r = s->regions_of(tid(0)).value();
  EXPECT_EQ(r.count, 2);
  EXPECT_EQ(r.regions[0], a2.regions[0]);
  EXPECT_EQ(r.regions[1], a2.regions[1]);
  for (std::size_t k = 2; k < kRegionsPerTask; ++k) EXPECT_EQ(r.regions[k], kNullRegion);
  EXPECT_TRUE(Fails(s->lookup_irq(10), TablesErrc::NoSuchIrq, 10));
  EXPECT_EQ(s->lookup_irq(20).value().notification, 8u);
  EXPECT_EQ(s->lookup_irq(30).value().task_slot, 0u);
  const auto irqs = s->irqs_of(tid(0)).value();
  EXPECT_EQ(std::vector<std::uint32_t>(irqs.begin(), irqs.end()), (std::vector<std::uint32_t>{20, 30}));
  // An update may keep a region and add one shared with another task.
  Spec a3 = a2;
  a3.regions[1] = simple_task(1).regions[1];
  a3.stack = a3.regions[1].base + 0x1000;
  ASSERT_TRUE(Ok(s->update_task(tid(0), a3.view())));
  EXPECT_EQ(s->task(0).regions[1], s->task(1).regions[1]);
  EXPECT_EQ(s->region(s->task(1).regions[1]).refs, 2u);
  EXPECT_EQ(s->regions_used(), 4u);
  EXPECT_TRUE(Ok(s->verify()));
}

TEST(KernelTables, UpdatingATaskToItselfChangesNoByte) {
  Small s;
  Spec a = simple_task(0);
  a.regions.push_back({0x4000'0000, 0x400, DEV});
  a.irqs = {{40, 1}, {3, 4}};
  ASSERT_TRUE(Ok(s->add_task(tid(0), a.view())));
  ASSERT_TRUE(Ok(s->add_task(tid(1), simple_task(1).view())));
  const auto before = s.snapshot();
  ASSERT_TRUE(Ok(s->update_task(tid(0), a.view())));
  EXPECT_EQ(s.snapshot(), before);
}

TEST(KernelTables, RemoveReleasesEverythingAndClearsTheSlot) {
  Small s;
  Spec a = simple_task(0);
  a.irqs = {{7, 1}};
  ASSERT_TRUE(Ok(s->add_task(tid(0), a.view())));
  ASSERT_TRUE(Ok(s->remove_task(tid(0))));
  EXPECT_EQ(s->tasks_used(), 0u);
  EXPECT_EQ(s->regions_used(), 1u);
  EXPECT_EQ(s->irqs_used(), 0u);
  Small fresh;
  EXPECT_EQ(s.snapshot(), fresh.snapshot());
}

// ---- verify() catches each broken invariant -------------------------------

// Tasks 0..2 with a shared USART region, three IRQs, a spare RW region on task 1.
struct Corruptible : Small {
  Corruptible() {
    const RegionDesc usart{0x4000'4400, 0x400, DEV};
    Spec a = simple_task(0);
    a.regions.push_back(usart);
    a.irqs = {{16, 0b10}, {38, 0b1}};
    Spec b = simple_task(1);
    b.regions.push_back(usart);
    b.regions.push_back({0x3000'0000, 0x400, RW});
    b.irqs = {{20, 1}};
    Spec c = simple_task(2);
    if (!kt->add_task(tid(0), a.view()) || !kt->add_task(tid(1), b.view()) || !kt->add_task(tid(2), c.view())) {
      std::abort();
    }
  }
};

struct Corruption {
  const char* what;
  std::function<void(Corruptible&)> apply;
  TablesErrc code;
  std::uint32_t index;
  std::uint64_t value;
};

TEST(KernelTablesVerify, CatchesEveryBrokenInvariantAndNamesIt) {
  {
    Corruptible base;
    ASSERT_TRUE(Ok(base->verify()));
    // Layout the corruptions rely on.
    ASSERT_EQ(base->task(0).regions[2], 3);  // usart
    ASSERT_EQ(base->task(1).regions[3], 6);  // spare RW region of task 1
    ASSERT_EQ(base->regions_used(), 9u);
    ASSERT_EQ(base->irq_entry(0).irq, 16u);
    ASSERT_EQ(base->irq_entry(1).irq, 20u);
    ASSERT_EQ(base->irq_entry(2).irq, 38u);
  }
  const TaskId t0 = tid(0);
  const std::vector<Corruption> cases = {
      {"null region base", [](Corruptible& c) { c.regions[0].desc.base = 0x100; }, TablesErrc::NullRegionAltered, 0, 0x100},
      {"null region size", [](Corruptible& c) { c.regions[0].desc.size = 64; }, TablesErrc::NullRegionAltered, 0, 64},
      {"null region attributes", [](Corruptible& c) { c.regions[0].desc.attributes = RW; }, TablesErrc::NullRegionAltered, 0, RW},
      {"null region refs", [](Corruptible& c) { c.regions[0].refs = 2; }, TablesErrc::NullRegionAltered, 0, 2},
      {"region size", [](Corruptible& c) { c.regions[6].desc.size = 0x300; }, TablesErrc::RegionNotPowerOfTwo, 6, 0x300},
      {"region too small", [](Corruptible& c) { c.regions[6].desc.size = 16; }, TablesErrc::RegionTooSmall, 6, 16},
      {"region alignment", [](Corruptible& c) { c.regions[6].desc.base = 0x3000'0200; }, TablesErrc::RegionMisaligned, 6, 0x3000'0200},
      {"region attributes", [](Corruptible& c) { c.regions[6].desc.attributes = 0x40; }, TablesErrc::RegionBadAttributes, 6, 0x40},
      {"stale free region", [](Corruptible& c) { c.regions[20].desc.base = 0x1000; }, TablesErrc::FreeSlotNotClear, 20, 0x1000},
      {"stale free task", [](Corruptible& c) { c.tasks[5].entry_point = 0x1235; }, TablesErrc::FreeSlotNotClear, 5, 0x1235},
      {"stale free task id", [](Corruptible& c) { c.tasks[5].id = tid(9); }, TablesErrc::FreeSlotNotClear, 5, tid(9).raw},
      {"stale free irq entry", [](Corruptible& c) { c.irqs[9].notification = 4; }, TablesErrc::FreeSlotNotClear, 9, 4},
      {"invalid id", [](Corruptible& c) { c.tasks[2].id = TaskId{}; }, TablesErrc::InvalidTaskId, 2, 0xFFFF'FFFFu},
      {"duplicate id", [t0](Corruptible& c) { c.tasks[2].id = t0; }, TablesErrc::DuplicateTaskId, 2, t0.raw},
      {"region count", [](Corruptible& c) { c.tasks[2].region_count = 9; }, TablesErrc::TooManyRegions, 2, 9},
      {"irq count", [](Corruptible& c) { c.tasks[2].irq_count = 9; }, TablesErrc::TooManyIrqs, 2, 9},
      {"dangling free region", [](Corruptible& c) { c.tasks[2].regions[1] = 20; }, TablesErrc::DanglingRegion, 2, 20},
      {"dangling out of range", [](Corruptible& c) { c.tasks[2].regions[1] = 200; }, TablesErrc::DanglingRegion, 2, 200},
      {"null region referenced", [](Corruptible& c) { c.tasks[2].regions[1] = 0; }, TablesErrc::DanglingRegion, 2, 0},
      {"padding", [](Corruptible& c) { c.tasks[2].regions[7] = 1; }, TablesErrc::RegionPaddingNotNull, 2, 1},
      {"region listed twice", [](Corruptible& c) { c.tasks[1].regions[1] = c.tasks[1].regions[0]; }, TablesErrc::RegionListedTwice, 1, 4},
      {"priority", [](Corruptible& c) { c.tasks[1].priority = 40; }, TablesErrc::BadPriority, 1, 40},
      {"flags", [](Corruptible& c) { c.tasks[1].flags = 0x80; }, TablesErrc::UnknownFlags, 1, 0x80},
      {"entry not thumb", [](Corruptible& c) { c.tasks[1].entry_point = 0x0800'1100; }, TablesErrc::EntryNotThumb, 1, 0x0800'1100},
      {"entry outside", [](Corruptible& c) { c.tasks[1].entry_point = 0x0800'0101; }, TablesErrc::EntryOutsideRegions, 1, 0x0800'0101},
      {"stack misaligned", [](Corruptible& c) { c.tasks[1].initial_stack = 0x2000'1004; }, TablesErrc::StackMisaligned, 1, 0x2000'1004},
      {"stack outside", [](Corruptible& c) { c.tasks[1].initial_stack = 0x2000'3000; }, TablesErrc::StackOutsideRegions, 1, 0x2000'3000},
      {"irq listed twice", [](Corruptible& c) { c.tasks[0].irqs[1] = 16; }, TablesErrc::IrqListedTwice, 0, 16},
      {"irq padding", [](Corruptible& c) { c.tasks[2].irqs[3] = 5; }, TablesErrc::IrqPaddingNotClear, 2, 5},
      {"task counter", [](Corruptible& c) {
         c.tasks[5] = c.tasks[2];
         c.tasks[5].id = tid(5);
       }, TablesErrc::TaskCountMismatch, 4, 3},
      {"region counter", [](Corruptible& c) { c.regions[20] = RegionEntry{{0x3100'0000, 0x400, RW}, 1}; }, TablesErrc::RegionCountMismatch, 10, 9},
      {"refcount", [](Corruptible& c) { c.regions[3].refs = 3; }, TablesErrc::RefcountMismatch, 3, 3},
      {"overlap", [](Corruptible& c) { c.regions[6].desc.base = 0x2000'0400; }, TablesErrc::RegionOverlap, 2, 0x2000'0400},
      {"irq counter", [](Corruptible& c) { c.irqs[9] = IrqEntry{50, 1, 0}; }, TablesErrc::IrqCountMismatch, 4, 3},
      {"irq hole", [](Corruptible& c) {
         c.irqs[5] = c.irqs[0];
         c.irqs[0] = IrqEntry{};
       }, TablesErrc::IrqTableUnsorted, 0, kNoIrq},
      {"irq order", [](Corruptible& c) { std::swap(c.irqs[0], c.irqs[1]); }, TablesErrc::IrqTableUnsorted, 1, 16},
      {"irq owned twice", [](Corruptible& c) { c.irqs[1].irq = 16; }, TablesErrc::IrqOwnedTwice, 1, 16},
      {"irq out of range", [](Corruptible& c) { c.irqs[2].irq = 600; }, TablesErrc::IrqOutOfRange, 2, 600},
      {"irq without notification", [](Corruptible& c) { c.irqs[2].notification = 0; }, TablesErrc::IrqNoNotification, 2, 38},
      {"irq owner free", [](Corruptible& c) { c.irqs[1].task_slot = 6; }, TablesErrc::IrqOwnerNotUsed, 1, 20},
      {"irq owner out of range", [](Corruptible& c) { c.irqs[1].task_slot = 60; }, TablesErrc::IrqOwnerNotUsed, 1, 20},
      {"irq owner disagrees", [](Corruptible& c) { c.irqs[1].task_slot = 2; }, TablesErrc::IrqNotListedByOwner, 1, 20},
      {"task lists unowned irq", [](Corruptible& c) {
         c.tasks[2].irqs[0] = 99;
         c.tasks[2].irq_count = 1;
       }, TablesErrc::IrqListedWithoutEntry, 2, 99},
      {"task lists another's irq", [](Corruptible& c) {
         c.tasks[2].irqs[0] = 20;
         c.tasks[2].irq_count = 1;
       }, TablesErrc::IrqListedWithoutEntry, 2, 20},
  };
  for (const Corruption& k : cases) {
    SCOPED_TRACE(k.what);
    Corruptible c;
    k.apply(c);
    EXPECT_TRUE(Fails(c->verify(), k.code, k.value, k.index));
  }
}

// ---- seed 004's example ---------------------------------------------------

TEST(KernelTables, RebuildsSeed004sHubrisTables) {
  // HUBRIS_REGION_DESCS of the seed (index 0 is the null region).
  const RegionDesc seed_regions[17] = {
      {0x00000000, 0x00000020, 0},  {0x40004400, 0x00000400, 11}, {0x40021000, 0x00000400, 11},
      {0x48000000, 0x00000400, 11}, {0x40020000, 0x00000400, 11}, {0x40022000, 0x00000400, 11},
      {0x08040000, 0x00040000, 11}, {0x08005000, 0x00000400, 5},  {0x20000c00, 0x00000400, 7},
      {0x08006000, 0x00002000, 5},  {0x20002000, 0x00000800, 7},  {0x08008000, 0x00008000, 5},
      {0x20004000, 0x00004000, 7},  {0x08010000, 0x00004000, 5},  {0x20001000, 0x00001000, 7},
      {0x08004e80, 0x00000080, 5},  {0x20002800, 0x00000100, 7},
  };
  // HUBRIS_TASK_DESCS of the seed.
  struct SeedTask {
    std::vector<std::uint8_t> regions;
    std::uint32_t entry, stack;
    std::uint8_t priority;
  };
  const SeedTask seed_tasks[5] = {
      {{7, 8, 2}, 0x08005001, 0x20000f80, 0},       {{9, 10, 1, 3, 4}, 0x08006001, 0x20002380, 1},
      {{11, 12, 5, 6}, 0x08008001, 0x20006000, 1},  {{13, 14}, 0x08010001, 0x20001800, 2},
      {{15, 16}, 0x08004e81, 0x20002900, 5},
  };
  ASSERT_EQ(RegionAttr::Read | RegionAttr::Write | RegionAttr::Device, 11u);
  ASSERT_EQ(RWX, 7u);
  ASSERT_EQ(RX, 5u);

  Storage<8, 24, 8> s;
  for (std::uint16_t n = 0; n < 5; ++n) {
    Spec t;
    t.entry = seed_tasks[n].entry;
    t.stack = seed_tasks[n].stack;
    t.priority = seed_tasks[n].priority;
    t.flags = 1;
    for (std::uint8_t r : seed_tasks[n].regions) t.regions.push_back(seed_regions[r]);
    // HUBRIS_IRQ_TASK_LOOKUP: 38 → (task 1, 0b1), 16 → (task 1, 0b10).
    if (n == 1) t.irqs = {{16, 0b10}, {38, 0b1}};
    ASSERT_TRUE(Ok(s->add_task(tid(n), t.view()))) << "task " << n;
    ASSERT_TRUE(Ok(s->verify()));
  }
  EXPECT_EQ(s->tasks_used(), 5u);
  EXPECT_EQ(s->regions_used(), 17u);
  // Same region contents as the build-time table (indices are assigned at run time).
  std::multiset<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t>> want, got;
  for (const RegionDesc& r : seed_regions) want.insert({r.base, r.size, r.attributes});
  for (std::size_t i = 0; i < s->region_capacity(); ++i) {
    const RegionEntry& e = s->region(i);
    if (i == 0 || e.refs != 0) got.insert({e.desc.base, e.desc.size, e.desc.attributes});
  }
  EXPECT_EQ(got, want);
  for (std::uint16_t n = 0; n < 5; ++n) {
    const TaskRegions r = s->regions_of(tid(n)).value();
    ASSERT_EQ(r.count, seed_tasks[n].regions.size());
    for (std::size_t k = 0; k < kRegionsPerTask; ++k) {
      // Unused slots are the null region, like the seed's trailing zeros.
      const std::uint8_t seed_index = k < r.count ? seed_tasks[n].regions[k] : 0;
      EXPECT_EQ(r.regions[k], seed_regions[seed_index]) << "task " << n << " slot " << k;
    }
    EXPECT_EQ(s->task(n).entry_point, seed_tasks[n].entry);
    EXPECT_EQ(s->task(n).initial_stack, seed_tasks[n].stack);
  }
  const IrqOwner i16 = s->lookup_irq(16).value();
  const IrqOwner i38 = s->lookup_irq(38).value();
  EXPECT_EQ(i16.task_slot, 1u);
  EXPECT_EQ(i16.notification, 0b10u);
  EXPECT_EQ(i38.task, tid(1));
  EXPECT_EQ(i38.notification, 0b1u);
  const auto irqs = s->irqs_of(tid(1)).value();
  EXPECT_EQ(std::vector<std::uint32_t>(irqs.begin(), irqs.end()), (std::vector<std::uint32_t>{16, 38}));
  EXPECT_TRUE(s->irqs_of(tid(0)).value().empty());
  // Task 4's stack is exactly the end of its RAM: the "just past" case.
  EXPECT_EQ(seed_tasks[4].stack, seed_regions[16].base + seed_regions[16].size);
}

// ---- MPU rounding ---------------------------------------------------------

Region host_region(std::uint64_t address, std::size_t size, RegionKind kind = RegionKind::Data) {
  return Region{reinterpret_cast<std::byte*>(1), address, size, kind};
}

TEST(MpuCover, RoundsUpAndReportsTheWaste) {
  auto exact = mpu_cover(host_region(0x2000'0400, 0x400), RW);
  ASSERT_TRUE(Ok(exact));
  EXPECT_EQ(exact.value().region, (RegionDesc{0x2000'0400, 0x400, RW}));
  EXPECT_EQ(exact.value().waste, 0u);
  auto small = mpu_cover(host_region(0x2000'0008, 4), RW);
  EXPECT_EQ(small.value().region, (RegionDesc{0x2000'0000, 32, RW}));
  EXPECT_EQ(small.value().waste, 28u);
  auto odd = mpu_cover(host_region(0x2000'0010, 100), RW);
  EXPECT_EQ(odd.value().region, (RegionDesc{0x2000'0000, 128, RW}));
  EXPECT_EQ(odd.value().waste, 28u);
  // 32 bytes straddling 0x200: only a 1 KiB region aligned at 0 covers it.
  auto straddle = mpu_cover(host_region(0x1f0, 0x20), RX);
  EXPECT_EQ(straddle.value().region, (RegionDesc{0, 0x400, RX}));
  EXPECT_EQ(straddle.value().waste, 0x400u - 0x20u);
  auto top = mpu_cover(host_region(0x8000'0000, 0x8000'0000), RW);
  EXPECT_EQ(top.value().region, (RegionDesc{0x8000'0000, 0x8000'0000, RW}));
  EXPECT_EQ(attributes_for(RegionKind::Code), RX);
  EXPECT_EQ(attributes_for(RegionKind::Stack), RW);
  EXPECT_EQ(attributes_for(RegionKind::Data), RW);
  EXPECT_EQ(attributes_for(RegionKind::Heap), RW);
  EXPECT_EQ(attributes_for(RegionKind::Meta), 0u);
}

TEST(MpuCover, RefusesWhatNoRegionCanCover) {
  EXPECT_TRUE(Fails(mpu_cover(host_region(0x2000'0000, 0), RW), TablesErrc::RegionEmpty, 0x2000'0000));
  EXPECT_TRUE(Fails(mpu_cover(host_region(0xFFFF'FFF0, 0x20), RW), TablesErrc::AddressBeyond32Bits, 0xFFFF'FFF0));
  EXPECT_TRUE(Fails(mpu_cover(host_region(0x1'0000'0000, 0x20), RW), TablesErrc::AddressBeyond32Bits, 0x1'0000'0000));
  EXPECT_TRUE(Fails(mpu_cover(host_region(0x10, 0x8000'0000), RW), TablesErrc::RegionTooLarge, 0x8000'0000));
  EXPECT_TRUE(Fails(mpu_cover(host_region(0, 0x8000'0001), RW), TablesErrc::RegionTooLarge, 0x8000'0001));
  EXPECT_TRUE(Fails(mpu_cover(host_region(0, 0x20, RegionKind::Meta), attributes_for(RegionKind::Meta)),
                    TablesErrc::RegionBadAttributes, 0));
}

TEST(MpuCover, RandomRegionsGetTheSmallestLegalCover) {
  std::mt19937 rng(4);
  std::uint64_t total = 0, waste = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::size_t size = std::uniform_int_distribution<std::size_t>(1, 1u << (4 + i % 16))(rng);
    const std::uint64_t address = std::uniform_int_distribution<std::uint64_t>(0, 0x3FFF'FFFF)(rng) & ~std::uint64_t{3};
    auto c = mpu_cover(host_region(address, size), RW);
    ASSERT_TRUE(Ok(c));
    const RegionDesc r = c.value().region;
    ASSERT_TRUE(r.size >= kMinRegionSize && (r.size & (r.size - 1)) == 0);
    ASSERT_EQ(r.base % r.size, 0u);
    ASSERT_LE(r.base, address);
    ASSERT_GE(std::uint64_t{r.base} + r.size, address + size);
    ASSERT_EQ(c.value().waste, r.size - size);
    // Minimal: the next smaller legal size covers nothing aligned.
    const std::uint64_t half = r.size / 2;
    if (half >= kMinRegionSize) {
      ASSERT_LT((address & ~(half - 1)) + half, address + size);
    }
    total += size;
    waste += c.value().waste;
  }
  EXPECT_GT(total, 0u);
  RecordProperty("waste_permille", static_cast<int>(waste * 1000 / (total + waste)));
}

TEST(MpuCover, CoveredLoaderRegionsMakeAValidTask) {
  Small s;
  auto code = mpu_cover(host_region(0x0800'1234, 0x1F00, RegionKind::Code), attributes_for(RegionKind::Code));
  auto stack = mpu_cover(host_region(0x2000'0100, 0x300, RegionKind::Stack), attributes_for(RegionKind::Stack));
  ASSERT_TRUE(Ok(code) && Ok(stack));
  Spec t;
  t.regions = {code.value().region, stack.value().region};
  t.entry = 0x0800'1235;
  t.stack = 0x2000'0400;
  EXPECT_TRUE(Ok(s->add_task(tid(0), t.view())));
  EXPECT_TRUE(Ok(s->verify()));
}

// ---- randomized: thousands of operations, verify() after each -------------

TEST(KernelTables, RandomOperationsKeepEveryInvariant) {
  Storage<6, 18, 12> s;
  std::mt19937 rng(0x5eed004);
  auto pick = [&](std::uint32_t n) { return std::uniform_int_distribution<std::uint32_t>(0, n - 1)(rng); };
  std::map<std::uint32_t, Spec> model;  // raw id → what the tables must hold

  // Peripherals shared by many tasks; code and RAM from small grids so that
  // requests collide, overlap and coincide.
  auto random_spec = [&]() {
    Spec t;
    const std::uint32_t sizes[] = {0x400, 0x800, 0x1000};
    const std::uint32_t code_size = sizes[pick(3)];
    const std::uint32_t code = 0x0800'0000u + pick(128) * 0x400u;
    const std::uint32_t ram_size = sizes[pick(3)];
    const std::uint32_t ram = 0x2000'0000u + pick(128) * 0x400u;
    t.regions.push_back({code & ~(code_size - 1), code_size, RX});
    t.regions.push_back({ram & ~(ram_size - 1), ram_size, RW});
    const std::uint32_t peripherals = pick(4);
    for (std::uint32_t p = 0; p < peripherals; ++p) {
      t.regions.push_back({0x4000'0000u + pick(6) * 0x400u, 0x400, DEV});
    }
    t.entry = t.regions[0].base + 8 * pick(code_size / 8) + 1;
    t.stack = t.regions[1].base + 8 * pick(ram_size / 8 + 1);
    t.priority = static_cast<std::uint8_t>(pick(kPriorityCount));
    const std::uint32_t irqs = pick(4);
    for (std::uint32_t i = 0; i < irqs; ++i) t.irqs.push_back({pick(64), 1u << pick(32)});
    // Some requests are wrong on purpose.
    switch (pick(12)) {
      case 0: t.priority = 200; break;
      case 1: t.regions[1].size = 0x600; break;
      case 2: t.regions[0].base += 0x20; break;
      case 3: t.entry &= ~1u; break;
      case 4: t.stack += 0x2008; break;
      case 5: t.irqs.push_back({kMaxIrqNumber + 1 + pick(100), 1}); break;
      case 6: t.regions.push_back({0x4000'0000u + pick(6) * 0x400u, 0x400, DEV}); break;  // maybe listed twice
      default: break;
    }
    return t;
  };
  auto check_model = [&]() {
    ASSERT_EQ(s->tasks_used(), model.size());
    std::set<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t>> distinct;
    std::set<std::uint32_t> irqs;
    for (const auto& [raw, spec] : model) {
      const TaskRegions r = s->regions_of(TaskId{raw}).value();
      ASSERT_EQ(r.count, spec.regions.size());
      for (std::size_t k = 0; k < spec.regions.size(); ++k) {
        ASSERT_EQ(r.regions[k], spec.regions[k]);
        distinct.insert({spec.regions[k].base, spec.regions[k].size, spec.regions[k].attributes});
      }
      const auto mine = s->irqs_of(TaskId{raw}).value();
      ASSERT_EQ(mine.size(), spec.irqs.size());
      for (const IrqBinding& b : spec.irqs) {
        const IrqOwner o = s->lookup_irq(b.irq).value();
        ASSERT_EQ(o.task.raw, raw);
        ASSERT_EQ(o.notification, b.notification);
        irqs.insert(b.irq);
      }
    }
    ASSERT_EQ(s->regions_used(), distinct.size() + 1);
    ASSERT_EQ(s->irqs_used(), irqs.size());
  };

  int added = 0, updated = 0, removed = 0, refused = 0, same = 0;
  std::map<TablesErrc, int> reasons;
  for (int op = 0; op < 6000; ++op) {
    const auto before = s.snapshot();
    const std::uint32_t kind = pick(10);
    std::uint32_t raw = tid(static_cast<std::uint16_t>(pick(12))).raw;
    if (kind >= 5 && !model.empty() && pick(4) != 0) {
      raw = std::next(model.begin(), pick(static_cast<std::uint32_t>(model.size())))->first;  // mostly a live task
    }
    const bool known = model.count(raw) != 0;
    Spec spec = random_spec();
    Result<void, TablesError> r{};
    if (kind < 5) {
      r = s->add_task(TaskId{raw}, spec.view());
      if (r) {
        model[raw] = spec;
        ++added;
      }
    } else if (kind < 8) {
      r = s->update_task(TaskId{raw}, spec.view());
      if (r) {
        model[raw] = spec;
        ++updated;
      }
    } else if (kind < 9) {
      r = s->remove_task(TaskId{raw});
      if (r) {
        model.erase(raw);
        ++removed;
      }
    } else if (known) {
      // Re-stating a task's current version changes no byte.
      r = s->update_task(TaskId{raw}, model[raw].view());
      ASSERT_TRUE(Ok(r)) << "op " << op;
      ASSERT_EQ(s.snapshot(), before) << "op " << op;
      ++same;
    }
    ASSERT_TRUE(Ok(s->verify())) << "op " << op;
    if (!r) {
      ++refused;
      ++reasons[r.error().code];
      ASSERT_EQ(s.snapshot(), before) << "op " << op << " refused with " << to_string(r.error().code)
                                      << " but changed the tables";
    }
    check_model();
    if (HasFatalFailure()) return;
  }
  RecordProperty("added", added);
  RecordProperty("updated", updated);
  RecordProperty("removed", removed);
  RecordProperty("refused", refused);
  // The run must have exercised every path, not just refused everything.
  EXPECT_GT(added, 300);
  EXPECT_GT(updated, 200);
  EXPECT_GT(removed, 300);
  EXPECT_GT(same, 100);
  EXPECT_GT(refused, 1000);
  for (TablesErrc e : {TablesErrc::TaskIdInUse, TablesErrc::NoSuchTask, TablesErrc::TaskTableFull,
                       TablesErrc::RegionTableFull, TablesErrc::IrqTableFull, TablesErrc::RegionListedTwice,
                       TablesErrc::RegionOverlap, TablesErrc::IrqAlreadyOwned, TablesErrc::BadPriority,
                       TablesErrc::RegionNotPowerOfTwo, TablesErrc::RegionMisaligned, TablesErrc::EntryNotThumb,
                       TablesErrc::StackOutsideRegions, TablesErrc::IrqOutOfRange}) {
    EXPECT_GT(reasons[e], 0) << to_string(e);
  }
  // Removing everything returns the tables to their first state.
  for (const auto& [raw, spec] : model) ASSERT_TRUE(Ok(s->remove_task(TaskId{raw})));
  Storage<6, 18, 12> fresh;
  EXPECT_EQ(s.snapshot(), fresh.snapshot());
}

TEST(KernelTables, EveryErrorHasAMessage) {
  for (int e = 0; e <= static_cast<int>(TablesErrc::IrqPaddingNotClear); ++e) {
    EXPECT_STRNE(to_string(static_cast<TablesErrc>(e)), "unknown kernel tables error") << e;
  }
}

}  // namespace
}  // namespace dyn
