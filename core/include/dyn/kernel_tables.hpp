// kernel_tables.hpp — task, region and interrupt descriptor tables kept consistent at run time.
//
// Seed 004: Hubris generates HUBRIS_TASK_DESCS, HUBRIS_REGION_DESCS and the two
// IRQ lookup maps at build time. With tasks added, updated and removed at run
// time they must be rebuilt in place and stay consistent. KernelTables owns
// no memory: every table is a span handed in once, so the maximum task count
// (and the region and IRQ capacities) are fixed at the first deploy.
//
// Invariants (verify() checks each one; docs/kernel-tables.md names the test):
//  T1 region entry 0 is the null region {0, 32, no access}; it is never
//     referenced by a task and pads every task's unused region slots, so an
//     MPU loader can program all kRegionsPerTask slots of a task blindly;
//  T2 every live region is MPU-legal (ARMv7-M): size a power of two >= 32,
//     base aligned to its size, attributes non-empty and known;
//  T3 a live region's refs equals the number of task descriptors naming it;
//     refs == 0 means the entry is free (and zeroed);
//  T4 a used task descriptor names only live regions, none twice, and pads
//     the rest with the null region;
//  T5 entry point (Thumb bit set) lies inside one of the task's EXECUTE
//     regions; the initial stack is 8-byte aligned and lies inside or just
//     past one of its WRITE regions; priority and flags are legal;
//  T6 no two used descriptors carry the same TaskId;
//  T7 IRQ entries are a sorted prefix of the IRQ table: each IRQ owned at
//     most once, by a used task that lists it, and every IRQ a task lists
//     has an entry owned by it (the two lookup directions agree);
//  T8 two distinct live regions overlap only if both are DEVICE regions or
//     one task alone uses both;
//  T9 the used counters match the tables.
//
// Every mutating operation is all-or-nothing: it checks everything first and
// only then writes, so on error the tables are byte-for-byte unchanged.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

#include "dyn/module_memory.hpp"
#include "dyn/result.hpp"
#include "dyn/task.hpp"

namespace dyn {

inline constexpr std::size_t kRegionsPerTask = 8;  // ARMv7-M MPU has 8 regions
inline constexpr std::size_t kIrqsPerTask = 8;
inline constexpr std::uint32_t kMinRegionSize = 32;           // ARMv7-M smallest region
inline constexpr std::uint32_t kMaxRegionSize = 0x8000'0000;  // largest a 32-bit size field holds
inline constexpr std::uint32_t kMaxIrqNumber = 495;           // ARMv7-M NVIC: up to 496 external IRQs
inline constexpr std::uint32_t kNoIrq = 0xFFFF'FFFFu;         // marks a free IRQ entry
inline constexpr std::size_t kMaxRegionEntries = 256;         // task descriptors hold 8-bit indices

// Region attribute bits (same meaning as Hubris's RegionAttributes).
struct RegionAttr {
  static constexpr std::uint32_t Read = 1u << 0;
  static constexpr std::uint32_t Write = 1u << 1;
  static constexpr std::uint32_t Execute = 1u << 2;
  static constexpr std::uint32_t Device = 1u << 3;  // peripheral registers: may overlap other DEVICE regions
  static constexpr std::uint32_t Dma = 1u << 4;
  static constexpr std::uint32_t Known = Read | Write | Execute | Device | Dma;
};

struct TaskFlag {
  static constexpr std::uint32_t StartAtBoot = 1u << 0;
  static constexpr std::uint32_t Known = StartAtBoot;
};

struct RegionDesc {
  std::uint32_t base = 0;
  std::uint32_t size = 0;
  std::uint32_t attributes = 0;
  friend constexpr bool operator==(const RegionDesc&, const RegionDesc&) = default;
};

inline constexpr RegionDesc kNullRegion{0, kMinRegionSize, 0};

// One slot of the region table. refs == 0: free (all fields zero), except
// slot 0, the null region, which is permanent and never counted.
struct RegionEntry {
  RegionDesc desc;
  std::uint32_t refs = 0;
};

// One slot of the task table. Free slots are all zero except `id` (invalid).
struct TaskDesc {
  std::uint32_t entry_point = 0;    // Thumb bit set
  std::uint32_t initial_stack = 0;
  std::uint32_t flags = 0;          // TaskFlag bits
  std::uint8_t priority = 0;        // < kPriorityCount
  std::uint8_t region_count = 0;
  std::uint8_t irq_count = 0;
  bool used = false;
  std::uint8_t regions[kRegionsPerTask] = {};  // region table indices; [region_count..] = 0 (null region)
  std::uint32_t irqs[kIrqsPerTask] = {};       // task → IRQ direction; [irq_count..] = 0
  TaskId id;
};

// One slot of the IRQ table (IRQ → owner direction). Used entries form a
// prefix sorted by irq so the interrupt path finds its owner by binary search.
struct IrqEntry {
  std::uint32_t irq = kNoIrq;
  std::uint32_t notification = 0;  // bits posted to the owner when the IRQ fires
  std::uint32_t task_slot = 0;
};

// No padding anywhere, so a snapshot of the storage compares byte for byte.
static_assert(std::has_unique_object_representations_v<RegionEntry>);
static_assert(std::has_unique_object_representations_v<TaskDesc>);
static_assert(std::has_unique_object_representations_v<IrqEntry>);

struct IrqBinding {
  std::uint32_t irq = 0;
  std::uint32_t notification = 0;
};

// What a caller asks for. Regions are given by value: one equal (base, size
// and attributes) to a live region is that region, shared and counted;
// anything else becomes a new entry.
struct TaskDescSpec {
  std::uint32_t entry_point = 0;
  std::uint32_t initial_stack = 0;
  std::uint8_t priority = 0;
  std::uint32_t flags = TaskFlag::StartAtBoot;
  std::span<const RegionDesc> regions;
  std::span<const IrqBinding> irqs;
};

struct IrqOwner {
  std::uint32_t task_slot = 0;
  TaskId task;
  std::uint32_t notification = 0;
};

// What an MPU loader programs for one task: all kRegionsPerTask slots, the
// unused ones the null region.
struct TaskRegions {
  RegionDesc regions[kRegionsPerTask] = {};
  std::uint8_t count = 0;
};

// Each error names what it refused in `value`; `index` is the table slot
// (task, region or IRQ entry) or list position involved, as documented.
// Errors marked [verify] come only from verify(): the operations never
// create the state they describe.
enum class TablesErrc : std::uint8_t {
  BadCapacity,           // index: 0 tasks, 1 regions, 2 IRQs; value: span size. Regions need 1..256 slots, tasks <= 65536.
  InvalidTaskId,         // value: raw id. Use the id the task table issued.
  TaskIdInUse,           // index: slot; value: raw id. Update or remove the task instead.
  NoSuchTask,            // value: raw id.
  NoSuchIrq,             // value: irq.
  TaskTableFull,         // value: capacity. The maximum task count was fixed at first deploy; remove a task.
  RegionTableFull,       // value: capacity. Share peripheral regions or remove a task.
  IrqTableFull,          // value: capacity.
  BadPriority,           // value: priority. Must be < 32.
  UnknownFlags,          // value: flags. Only TaskFlag::Known bits are defined.
  TooManyRegions,        // value: count. A task has at most 8 MPU regions.
  TooManyIrqs,           // value: count. A task owns at most 8 IRQs.
  EntryNotThumb,         // value: entry. Cortex-M runs Thumb only: bit 0 must be set.
  EntryOutsideRegions,   // value: entry. It must lie in one of the task's EXECUTE regions.
  StackMisaligned,       // value: stack. AAPCS wants 8-byte alignment at entry.
  StackOutsideRegions,   // value: stack. It must point into or just past a WRITE region.
  RegionTooSmall,        // index: list position or region slot; value: size. At least 32 bytes.
  RegionNotPowerOfTwo,   // index: as above; value: size. Round it up with mpu_cover().
  RegionMisaligned,      // index: as above; value: base. Base must be a multiple of the size.
  RegionBadAttributes,   // index: as above; value: attributes. Non-empty, RegionAttr::Known bits only.
  RegionTooLarge,        // value: size. mpu_cover() found no region up to 2 GiB that covers it.
  RegionEmpty,           // value: address. mpu_cover() of a zero-size region.
  AddressBeyond32Bits,   // value: address. The target address space is 32 bits.
  RegionListedTwice,     // index: list position (or task slot [verify]); value: base (or region index [verify]).
  RegionOverlap,         // index: the region slot it overlaps; value: base of the overlapping region.
  IrqOutOfRange,         // value: irq. At most kMaxIrqNumber.
  IrqNoNotification,     // value: irq. An IRQ must post at least one notification bit.
  IrqListedTwice,        // index: list position (or task slot [verify]); value: irq.
  IrqAlreadyOwned,       // index: owner's task slot; value: irq. An IRQ has one owner.
  NullRegionAltered,     // [verify] index 0; value: the first field that differs (base, size, attributes, refs).
  DanglingRegion,        // [verify] index: task slot; value: region index (free, out of range or the null region).
  RegionPaddingNotNull,  // [verify] index: task slot; value: region index in an unused slot.
  RefcountMismatch,      // [verify] index: region slot; value: stored refs.
  FreeSlotNotClear,      // [verify] index: slot (region or task); value: the stale field's value.
  DuplicateTaskId,       // [verify] index: the later slot; value: raw id.
  TaskCountMismatch,     // [verify] index: counted; value: stored counter.
  RegionCountMismatch,   // [verify] index: counted; value: stored counter.
  IrqCountMismatch,      // [verify] index: counted; value: stored counter.
  IrqTableUnsorted,      // [verify] index: entry; value: irq. Used entries must be a sorted prefix.
  IrqOwnedTwice,         // [verify] index: entry; value: irq.
  IrqOwnerNotUsed,       // [verify] index: entry; value: irq. Its task slot is free or out of range.
  IrqNotListedByOwner,   // [verify] index: entry; value: irq. IRQ → task has it, task → IRQ does not.
  IrqListedWithoutEntry, // [verify] index: task slot; value: irq. Task → IRQ has it, IRQ → task does not.
  IrqPaddingNotClear,    // [verify] index: task slot; value: the stale irq past irq_count.
};

struct TablesError {
  TablesErrc code;
  std::uint32_t index = 0;
  std::uint64_t value = 0;
};

const char* to_string(TablesErrc e) noexcept;

// The smallest MPU-legal region covering a loader Region, and how many bytes
// it grants beyond the region (the rounding waste).
struct MpuCover {
  RegionDesc region;
  std::uint64_t waste = 0;
};
[[nodiscard]] Result<MpuCover, TablesError> mpu_cover(const Region& r, std::uint32_t attributes) noexcept;
// The attributes a task gets for a loader region of this kind (0 for Meta: kernel only).
std::uint32_t attributes_for(RegionKind kind) noexcept;

class KernelTables {
 public:
  // Clears the storage and installs the null region. Capacities are the span sizes, for good.
  [[nodiscard]] static Result<KernelTables, TablesError> create(std::span<TaskDesc> tasks,
                                                                std::span<RegionEntry> regions,
                                                                std::span<IrqEntry> irqs) noexcept;
  // One object owns the storage: movable (out of create()), never copied.
  KernelTables(KernelTables&&) noexcept = default;
  KernelTables(const KernelTables&) = delete;
  KernelTables& operator=(const KernelTables&) = delete;
  KernelTables& operator=(KernelTables&&) = delete;

  [[nodiscard]] Result<void, TablesError> add_task(TaskId id, const TaskDescSpec& spec) noexcept;
  // Replaces the descriptor, regions and IRQs of `id` as one step; the slot is kept.
  [[nodiscard]] Result<void, TablesError> update_task(TaskId id, const TaskDescSpec& spec) noexcept;
  [[nodiscard]] Result<void, TablesError> remove_task(TaskId id) noexcept;

  [[nodiscard]] Result<IrqOwner, TablesError> lookup_irq(std::uint32_t irq) const noexcept;
  [[nodiscard]] Result<std::span<const std::uint32_t>, TablesError> irqs_of(TaskId id) const noexcept;
  [[nodiscard]] Result<TaskRegions, TablesError> regions_of(TaskId id) const noexcept;
  [[nodiscard]] Result<std::uint32_t, TablesError> slot_of(TaskId id) const noexcept;

  [[nodiscard]] Result<void, TablesError> verify() const noexcept;

  std::size_t task_capacity() const noexcept { return tasks_.size(); }
  std::size_t region_capacity() const noexcept { return regions_.size(); }
  std::size_t irq_capacity() const noexcept { return irqs_.size(); }
  std::size_t tasks_used() const noexcept { return tasks_used_; }
  std::size_t regions_used() const noexcept { return regions_used_; }  // the null region included
  std::size_t irqs_used() const noexcept { return irqs_used_; }
  const TaskDesc& task(std::size_t slot) const noexcept { return tasks_[slot]; }
  const RegionEntry& region(std::size_t index) const noexcept { return regions_[index]; }
  const IrqEntry& irq_entry(std::size_t index) const noexcept { return irqs_[index]; }

 private:
  struct Plan;
  KernelTables(std::span<TaskDesc> tasks, std::span<RegionEntry> regions, std::span<IrqEntry> irqs) noexcept
      : tasks_(tasks), regions_(regions), irqs_(irqs) {}

  std::size_t find_task(TaskId id) const noexcept;  // slot, or tasks_.size()
  std::size_t find_irq(std::uint32_t irq) const noexcept;  // entry, or irqs_used_
  Result<Plan, TablesError> plan(const TaskDescSpec& spec, const TaskDesc* old) const noexcept;
  void apply(std::size_t slot, TaskId id, const TaskDescSpec& spec, const Plan& plan) noexcept;
  void release_regions(const TaskDesc& t) noexcept;
  void release_irqs(std::size_t slot) noexcept;

  std::span<TaskDesc> tasks_;
  std::span<RegionEntry> regions_;
  std::span<IrqEntry> irqs_;
  std::size_t tasks_used_ = 0;
  std::size_t regions_used_ = 0;
  std::size_t irqs_used_ = 0;
};

}  // namespace dyn
