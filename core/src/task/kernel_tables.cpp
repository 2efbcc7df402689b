// kernel_tables.cpp — building, changing and checking the task/region/IRQ tables.
//
// Every mutation is plan-then-apply: plan() reads the tables and decides
// everything (which regions are shared, which slots new regions take, that
// the IRQs are free) and apply() only writes what the plan says. apply()
// cannot fail, so a refused operation has written nothing.
#include "dyn/kernel_tables.hpp"

#include "dyn/error_text.hpp"

namespace dyn {

namespace {

Unexpected<TablesError> fail(TablesErrc code, std::size_t index, std::uint64_t value) noexcept {
  return Unexpected{TablesError{code, static_cast<std::uint32_t>(index), value}};
}

constexpr bool is_power_of_two(std::uint32_t v) noexcept { return v != 0 && (v & (v - 1)) == 0; }

constexpr std::uint64_t end_of(const RegionDesc& r) noexcept {
  return static_cast<std::uint64_t>(r.base) + r.size;
}

constexpr bool overlap(const RegionDesc& a, const RegionDesc& b) noexcept {
  return a.base < end_of(b) && b.base < end_of(a);
}

constexpr bool both_device(const RegionDesc& a, const RegionDesc& b) noexcept {
  return (a.attributes & b.attributes & RegionAttr::Device) != 0;
}

// ARMv7-M MPU rules (T2). `index` is reported as given.
Result<void, TablesError> check_region(const RegionDesc& r, std::size_t index) noexcept {
  if (r.size < kMinRegionSize) return fail(TablesErrc::RegionTooSmall, index, r.size);
  if (!is_power_of_two(r.size)) return fail(TablesErrc::RegionNotPowerOfTwo, index, r.size);
  if ((r.base & (r.size - 1)) != 0) return fail(TablesErrc::RegionMisaligned, index, r.base);
  if (r.attributes == 0 || (r.attributes & ~RegionAttr::Known) != 0) {
    return fail(TablesErrc::RegionBadAttributes, index, r.attributes);
  }
  return {};
}

// Priority, flags, entry point and stack against the task's own regions (T5).
Result<void, TablesError> check_descriptor(std::uint32_t entry, std::uint32_t stack, std::uint32_t priority,
                                           std::uint32_t flags,
                                           std::span<const RegionDesc> regions) noexcept {
  if (priority >= kPriorityCount) return fail(TablesErrc::BadPriority, 0, priority);
  if ((flags & ~TaskFlag::Known) != 0) return fail(TablesErrc::UnknownFlags, 0, flags);
  if ((entry & 1u) == 0) return fail(TablesErrc::EntryNotThumb, 0, entry);
  const std::uint32_t code = entry & ~1u;
  bool entry_ok = false;
  bool stack_ok = false;
  for (const RegionDesc& r : regions) {
    if ((r.attributes & RegionAttr::Execute) != 0 && code >= r.base && code < end_of(r)) entry_ok = true;
    // Just past the end is legal: a full-descending stack starts there.
    if ((r.attributes & RegionAttr::Write) != 0 && stack >= r.base && stack <= end_of(r)) stack_ok = true;
  }
  if (!entry_ok) return fail(TablesErrc::EntryOutsideRegions, 0, entry);
  if ((stack & 7u) != 0) return fail(TablesErrc::StackMisaligned, 0, stack);
  if (!stack_ok) return fail(TablesErrc::StackOutsideRegions, 0, stack);
  return {};
}

Result<void, TablesError> check_irq(std::uint32_t irq, std::uint32_t notification, std::size_t index) noexcept {
  if (irq > kMaxIrqNumber) return fail(TablesErrc::IrqOutOfRange, index, irq);
  if (notification == 0) return fail(TablesErrc::IrqNoNotification, index, irq);
  return {};
}

bool lists_region(const TaskDesc& t, std::size_t index) noexcept {
  for (std::size_t k = 0; k < t.region_count && k < kRegionsPerTask; ++k) {
    if (t.regions[k] == index) return true;
  }
  return false;
}

bool lists_irq(const TaskDesc& t, std::uint32_t irq) noexcept {
  for (std::size_t k = 0; k < t.irq_count && k < kIrqsPerTask; ++k) {
    if (t.irqs[k] == irq) return true;
  }
  return false;
}

// A free task slot is all zero with an invalid id. Returns the first field
// that is not, or kClean (no 32-bit field can hold that value).
constexpr std::uint64_t kClean = ~std::uint64_t{0};
std::uint64_t stale_field(const TaskDesc& t) noexcept {
  const std::uint64_t fields[] = {t.entry_point, t.initial_stack, t.flags, t.priority, t.region_count, t.irq_count};
  for (std::uint64_t f : fields) {
    if (f != 0) return f;
  }
  for (std::uint8_t r : t.regions) {
    if (r != 0) return r;
  }
  for (std::uint32_t irq : t.irqs) {
    if (irq != 0) return irq;
  }
  return t.id.valid() ? t.id.raw : kClean;
}

}  // namespace

// What plan() decided for each requested region: the table slot it ends up
// in, and whether that slot is written fresh (true) or an existing region
// gains a reference (false).
struct KernelTables::Plan {
  std::uint8_t region_index[kRegionsPerTask] = {};
  bool region_new[kRegionsPerTask] = {};
};

Result<KernelTables, TablesError> KernelTables::create(std::span<TaskDesc> tasks, std::span<RegionEntry> regions,
                                                       std::span<IrqEntry> irqs) noexcept {
  // IRQ entries and TaskId carry 16-bit slot numbers; descriptors carry 8-bit region indices.
  if (tasks.size() > 0x1'0000u) return fail(TablesErrc::BadCapacity, 0, tasks.size());
  if (regions.empty() || regions.size() > kMaxRegionEntries) {
    return fail(TablesErrc::BadCapacity, 1, regions.size());
  }
  for (TaskDesc& t : tasks) t = TaskDesc{};
  for (RegionEntry& r : regions) r = RegionEntry{};
  for (IrqEntry& e : irqs) e = IrqEntry{};
  regions[0].desc = kNullRegion;
  KernelTables tables(tasks, regions, irqs);
  tables.regions_used_ = 1;
  return tables;
}

std::size_t KernelTables::find_task(TaskId id) const noexcept {
  for (std::size_t s = 0; s < tasks_.size(); ++s) {
    if (tasks_[s].used && tasks_[s].id == id) return s;
  }
  return tasks_.size();
}

std::size_t KernelTables::find_irq(std::uint32_t irq) const noexcept {
  std::size_t lo = 0;
  std::size_t hi = irqs_used_;
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    if (irqs_[mid].irq < irq) lo = mid + 1;
    else hi = mid;
  }
  return lo < irqs_used_ && irqs_[lo].irq == irq ? lo : irqs_used_;
}

// Decides an add (old == nullptr) or an update (old = the task's current
// descriptor) without writing anything.
Result<KernelTables::Plan, TablesError> KernelTables::plan(const TaskDescSpec& spec, const TaskDesc* old) const noexcept {
  if (spec.regions.size() > kRegionsPerTask) return fail(TablesErrc::TooManyRegions, 0, spec.regions.size());
  if (spec.irqs.size() > kIrqsPerTask) return fail(TablesErrc::TooManyIrqs, 0, spec.irqs.size());
  for (std::size_t k = 0; k < spec.regions.size(); ++k) {
    if (auto r = check_region(spec.regions[k], k); !r) return Unexpected{r.error()};
    for (std::size_t j = 0; j < k; ++j) {
      if (spec.regions[j] == spec.regions[k]) return fail(TablesErrc::RegionListedTwice, k, spec.regions[k].base);
    }
  }
  if (auto r = check_descriptor(spec.entry_point, spec.initial_stack, spec.priority, spec.flags, spec.regions); !r) {
    return Unexpected{r.error()};
  }
  for (std::size_t k = 0; k < spec.irqs.size(); ++k) {
    if (auto r = check_irq(spec.irqs[k].irq, spec.irqs[k].notification, k); !r) return Unexpected{r.error()};
    for (std::size_t j = 0; j < k; ++j) {
      if (spec.irqs[j].irq == spec.irqs[k].irq) return fail(TablesErrc::IrqListedTwice, k, spec.irqs[k].irq);
    }
  }

  // Regions: an exact match of a live region is shared, anything else is new.
  Plan out;
  const std::size_t n = spec.regions.size();
  for (std::size_t k = 0; k < n; ++k) {
    out.region_new[k] = true;
    for (std::size_t i = 1; i < regions_.size(); ++i) {
      if (regions_[i].refs != 0 && regions_[i].desc == spec.regions[k]) {
        out.region_index[k] = static_cast<std::uint8_t>(i);
        out.region_new[k] = false;
        break;
      }
    }
  }
  // References each live region holds once this operation is done.
  auto wanted = [&](std::size_t i) {
    for (std::size_t k = 0; k < n; ++k) {
      if (!out.region_new[k] && out.region_index[k] == i) return true;
    }
    return false;
  };
  auto refs_after = [&](std::size_t i) -> std::uint32_t {
    std::uint32_t refs = regions_[i].refs;
    if (old != nullptr && lists_region(*old, i)) --refs;
    if (wanted(i)) ++refs;
    return refs;
  };
  // New regions take the lowest slots that are free afterwards — including
  // slots this update's old version gives up.
  std::size_t next = 1;
  for (std::size_t k = 0; k < n; ++k) {
    if (!out.region_new[k]) continue;
    while (next < regions_.size() && refs_after(next) != 0) ++next;
    if (next == regions_.size()) return fail(TablesErrc::RegionTableFull, 0, regions_.size());
    out.region_index[k] = static_cast<std::uint8_t>(next++);
  }
  // T8: only pairs involving a region this task will use can become a new
  // violation; everything else only loses users.
  for (std::size_t k = 0; k < n; ++k) {
    const RegionDesc& mine = spec.regions[k];
    const bool mine_alone = out.region_new[k] || refs_after(out.region_index[k]) == 1;
    for (std::size_t i = 1; i < regions_.size(); ++i) {
      if (regions_[i].refs == 0 || refs_after(i) == 0) continue;
      if (!out.region_new[k] && out.region_index[k] == i) continue;
      const RegionDesc& other = regions_[i].desc;
      if (!overlap(mine, other) || both_device(mine, other)) continue;
      if (mine_alone && wanted(i) && refs_after(i) == 1) continue;
      return fail(TablesErrc::RegionOverlap, i, mine.base);
    }
  }

  // IRQs: free, or already this task's.
  const std::size_t self = old != nullptr ? static_cast<std::size_t>(old - tasks_.data()) : tasks_.size();
  for (const IrqBinding& b : spec.irqs) {
    const std::size_t e = find_irq(b.irq);
    if (e != irqs_used_ && irqs_[e].task_slot != self) {
      return fail(TablesErrc::IrqAlreadyOwned, irqs_[e].task_slot, b.irq);
    }
  }
  const std::size_t irqs_after = irqs_used_ - (old != nullptr ? old->irq_count : 0) + spec.irqs.size();
  if (irqs_after > irqs_.size()) return fail(TablesErrc::IrqTableFull, 0, irqs_.size());
  return out;
}

void KernelTables::release_regions(const TaskDesc& t) noexcept {
  for (std::size_t k = 0; k < t.region_count; ++k) {
    RegionEntry& r = regions_[t.regions[k]];
    if (--r.refs == 0) {
      r = RegionEntry{};
      --regions_used_;
    }
  }
}

void KernelTables::release_irqs(std::size_t slot) noexcept {
  std::size_t kept = 0;
  for (std::size_t e = 0; e < irqs_used_; ++e) {
    if (irqs_[e].task_slot != slot) irqs_[kept++] = irqs_[e];
  }
  for (std::size_t e = kept; e < irqs_used_; ++e) irqs_[e] = IrqEntry{};
  irqs_used_ = kept;
}

void KernelTables::apply(std::size_t slot, TaskId id, const TaskDescSpec& spec, const Plan& plan) noexcept {
  TaskDesc& t = tasks_[slot];
  // Shared regions gain their reference before the old version drops its
  // own, so a region kept across an update never passes through zero.
  for (std::size_t k = 0; k < spec.regions.size(); ++k) {
    if (!plan.region_new[k]) ++regions_[plan.region_index[k]].refs;
  }
  if (t.used) {
    release_regions(t);
    release_irqs(slot);
  } else {
    ++tasks_used_;
  }
  for (std::size_t k = 0; k < spec.regions.size(); ++k) {
    if (!plan.region_new[k]) continue;
    regions_[plan.region_index[k]] = RegionEntry{spec.regions[k], 1};
    ++regions_used_;
  }
  for (const IrqBinding& b : spec.irqs) {
    // Insertion into the sorted prefix; plan() proved there is room.
    std::size_t e = irqs_used_;
    while (e > 0 && irqs_[e - 1].irq > b.irq) {
      irqs_[e] = irqs_[e - 1];
      --e;
    }
    irqs_[e] = IrqEntry{b.irq, b.notification, static_cast<std::uint32_t>(slot)};
    ++irqs_used_;
  }

  TaskDesc d;
  d.entry_point = spec.entry_point;
  d.initial_stack = spec.initial_stack;
  d.flags = spec.flags;
  d.priority = spec.priority;
  d.region_count = static_cast<std::uint8_t>(spec.regions.size());
  d.irq_count = static_cast<std::uint8_t>(spec.irqs.size());
  d.used = true;
  for (std::size_t k = 0; k < spec.regions.size(); ++k) d.regions[k] = plan.region_index[k];
  for (std::size_t k = 0; k < spec.irqs.size(); ++k) d.irqs[k] = spec.irqs[k].irq;
  d.id = id;
  t = d;
}

Result<void, TablesError> KernelTables::add_task(TaskId id, const TaskDescSpec& spec) noexcept {
  if (!id.valid()) return fail(TablesErrc::InvalidTaskId, 0, id.raw);
  if (const std::size_t s = find_task(id); s != tasks_.size()) return fail(TablesErrc::TaskIdInUse, s, id.raw);
  std::size_t slot = 0;
  while (slot < tasks_.size() && tasks_[slot].used) ++slot;
  if (slot == tasks_.size()) return fail(TablesErrc::TaskTableFull, 0, tasks_.size());
  const auto p = plan(spec, nullptr);
  if (!p) return Unexpected{p.error()};
  apply(slot, id, spec, p.value());
  return {};
}

Result<void, TablesError> KernelTables::update_task(TaskId id, const TaskDescSpec& spec) noexcept {
  const std::size_t slot = find_task(id);
  if (slot == tasks_.size()) return fail(TablesErrc::NoSuchTask, 0, id.raw);
  const auto p = plan(spec, &tasks_[slot]);
  if (!p) return Unexpected{p.error()};
  apply(slot, id, spec, p.value());
  return {};
}

Result<void, TablesError> KernelTables::remove_task(TaskId id) noexcept {
  const std::size_t slot = find_task(id);
  if (slot == tasks_.size()) return fail(TablesErrc::NoSuchTask, 0, id.raw);
  release_regions(tasks_[slot]);
  release_irqs(slot);
  tasks_[slot] = TaskDesc{};
  --tasks_used_;
  return {};
}

Result<IrqOwner, TablesError> KernelTables::lookup_irq(std::uint32_t irq) const noexcept {
  const std::size_t e = find_irq(irq);
  if (e == irqs_used_) return fail(TablesErrc::NoSuchIrq, 0, irq);
  const IrqEntry& entry = irqs_[e];
  return IrqOwner{entry.task_slot, tasks_[entry.task_slot].id, entry.notification};
}

Result<std::span<const std::uint32_t>, TablesError> KernelTables::irqs_of(TaskId id) const noexcept {
  const std::size_t slot = find_task(id);
  if (slot == tasks_.size()) return fail(TablesErrc::NoSuchTask, 0, id.raw);
  const TaskDesc& t = tasks_[slot];
  return std::span<const std::uint32_t>(t.irqs, t.irq_count);
}

Result<TaskRegions, TablesError> KernelTables::regions_of(TaskId id) const noexcept {
  const std::size_t slot = find_task(id);
  if (slot == tasks_.size()) return fail(TablesErrc::NoSuchTask, 0, id.raw);
  const TaskDesc& t = tasks_[slot];
  TaskRegions out;
  for (std::size_t k = 0; k < kRegionsPerTask; ++k) out.regions[k] = regions_[t.regions[k]].desc;
  out.count = t.region_count;
  return out;
}

Result<std::uint32_t, TablesError> KernelTables::slot_of(TaskId id) const noexcept {
  const std::size_t slot = find_task(id);
  if (slot == tasks_.size()) return fail(TablesErrc::NoSuchTask, 0, id.raw);
  return static_cast<std::uint32_t>(slot);
}

Result<void, TablesError> KernelTables::verify() const noexcept {
  // T1: the null region.
  const RegionEntry& null = regions_[0];
  if (null.desc.base != kNullRegion.base) return fail(TablesErrc::NullRegionAltered, 0, null.desc.base);
  if (null.desc.size != kNullRegion.size) return fail(TablesErrc::NullRegionAltered, 0, null.desc.size);
  if (null.desc.attributes != kNullRegion.attributes) {
    return fail(TablesErrc::NullRegionAltered, 0, null.desc.attributes);
  }
  if (null.refs != 0) return fail(TablesErrc::NullRegionAltered, 0, null.refs);

  // T2 and free region slots.
  std::size_t live_regions = 1;
  for (std::size_t i = 1; i < regions_.size(); ++i) {
    const RegionEntry& r = regions_[i];
    if (r.refs == 0) {
      if (r.desc != RegionDesc{}) return fail(TablesErrc::FreeSlotNotClear, i, r.desc.base | r.desc.size);
      continue;
    }
    ++live_regions;
    if (auto res = check_region(r.desc, i); !res) return res;
  }

  // T4, T5, T6 per task.
  std::size_t used_tasks = 0;
  for (std::size_t s = 0; s < tasks_.size(); ++s) {
    const TaskDesc& t = tasks_[s];
    if (!t.used) {
      if (const std::uint64_t stale = stale_field(t); stale != kClean) {
        return fail(TablesErrc::FreeSlotNotClear, s, stale);
      }
      continue;
    }
    ++used_tasks;
    if (!t.id.valid()) return fail(TablesErrc::InvalidTaskId, s, t.id.raw);
    for (std::size_t p = 0; p < s; ++p) {
      if (tasks_[p].used && tasks_[p].id == t.id) return fail(TablesErrc::DuplicateTaskId, s, t.id.raw);
    }
    if (t.region_count > kRegionsPerTask) return fail(TablesErrc::TooManyRegions, s, t.region_count);
    if (t.irq_count > kIrqsPerTask) return fail(TablesErrc::TooManyIrqs, s, t.irq_count);
    RegionDesc mine[kRegionsPerTask];
    for (std::size_t k = 0; k < kRegionsPerTask; ++k) {
      const std::uint8_t idx = t.regions[k];
      if (k >= t.region_count) {
        if (idx != 0) return fail(TablesErrc::RegionPaddingNotNull, s, idx);
        continue;
      }
      if (idx == 0 || idx >= regions_.size() || regions_[idx].refs == 0) {
        return fail(TablesErrc::DanglingRegion, s, idx);
      }
      for (std::size_t j = 0; j < k; ++j) {
        if (t.regions[j] == idx) return fail(TablesErrc::RegionListedTwice, s, idx);
      }
      mine[k] = regions_[idx].desc;
    }
    if (auto res = check_descriptor(t.entry_point, t.initial_stack, t.priority, t.flags,
                                    std::span<const RegionDesc>(mine, t.region_count));
        !res) {
      return fail(res.error().code, s, res.error().value);
    }
    for (std::size_t k = 0; k < kIrqsPerTask; ++k) {
      if (k >= t.irq_count) {
        if (t.irqs[k] != 0) return fail(TablesErrc::IrqPaddingNotClear, s, t.irqs[k]);
        continue;
      }
      for (std::size_t j = 0; j < k; ++j) {
        if (t.irqs[j] == t.irqs[k]) return fail(TablesErrc::IrqListedTwice, s, t.irqs[k]);
      }
    }
  }
  if (used_tasks != tasks_used_) return fail(TablesErrc::TaskCountMismatch, used_tasks, tasks_used_);
  if (live_regions != regions_used_) return fail(TablesErrc::RegionCountMismatch, live_regions, regions_used_);

  // T3: reference counts; remember each region's only user for T8.
  constexpr std::size_t kMany = ~std::size_t{0};
  auto sole_user = [&](std::size_t i) {
    std::size_t user = kMany;
    for (std::size_t s = 0; s < tasks_.size(); ++s) {
      if (!tasks_[s].used || !lists_region(tasks_[s], i)) continue;
      if (user != kMany) return kMany;
      user = s;
    }
    return user;
  };
  for (std::size_t i = 1; i < regions_.size(); ++i) {
    if (regions_[i].refs == 0) continue;
    std::uint32_t refs = 0;
    for (const TaskDesc& t : tasks_) {
      if (t.used && lists_region(t, i)) ++refs;
    }
    if (refs != regions_[i].refs) return fail(TablesErrc::RefcountMismatch, i, regions_[i].refs);
  }

  // T8: overlapping distinct regions.
  for (std::size_t i = 1; i < regions_.size(); ++i) {
    if (regions_[i].refs == 0) continue;
    for (std::size_t j = i + 1; j < regions_.size(); ++j) {
      if (regions_[j].refs == 0) continue;
      const RegionDesc& a = regions_[i].desc;
      const RegionDesc& b = regions_[j].desc;
      if (!overlap(a, b) || both_device(a, b)) continue;
      const std::size_t user = sole_user(i);
      if (user != kMany && user == sole_user(j)) continue;
      return fail(TablesErrc::RegionOverlap, i, b.base);
    }
  }

  // T7: the IRQ table, both directions.
  std::size_t used_irqs = 0;
  for (std::size_t e = 0; e < irqs_.size(); ++e) {
    const IrqEntry& entry = irqs_[e];
    if (entry.irq == kNoIrq) {
      if (entry.notification != 0 || entry.task_slot != 0) {
        return fail(TablesErrc::FreeSlotNotClear, e, entry.notification | entry.task_slot);
      }
      continue;
    }
    ++used_irqs;
  }
  if (used_irqs != irqs_used_) return fail(TablesErrc::IrqCountMismatch, used_irqs, irqs_used_);
  for (std::size_t e = 0; e < irqs_used_; ++e) {
    const IrqEntry& entry = irqs_[e];
    if (entry.irq == kNoIrq) return fail(TablesErrc::IrqTableUnsorted, e, entry.irq);
    if (e > 0 && irqs_[e - 1].irq == entry.irq) return fail(TablesErrc::IrqOwnedTwice, e, entry.irq);
    if (e > 0 && irqs_[e - 1].irq > entry.irq) return fail(TablesErrc::IrqTableUnsorted, e, entry.irq);
    if (auto res = check_irq(entry.irq, entry.notification, e); !res) return res;
    if (entry.task_slot >= tasks_.size() || !tasks_[entry.task_slot].used) {
      return fail(TablesErrc::IrqOwnerNotUsed, e, entry.irq);
    }
    if (!lists_irq(tasks_[entry.task_slot], entry.irq)) return fail(TablesErrc::IrqNotListedByOwner, e, entry.irq);
  }
  for (std::size_t s = 0; s < tasks_.size(); ++s) {
    const TaskDesc& t = tasks_[s];
    if (!t.used) continue;
    for (std::size_t k = 0; k < t.irq_count; ++k) {
      const std::size_t e = find_irq(t.irqs[k]);
      if (e == irqs_used_ || irqs_[e].task_slot != s) return fail(TablesErrc::IrqListedWithoutEntry, s, t.irqs[k]);
    }
  }
  return {};
}

Result<MpuCover, TablesError> mpu_cover(const Region& r, std::uint32_t attributes) noexcept {
  if (r.size == 0) return fail(TablesErrc::RegionEmpty, 0, r.address);
  const std::uint64_t end = r.address + static_cast<std::uint64_t>(r.size);
  if (end < r.address || end > 0x1'0000'0000ull) return fail(TablesErrc::AddressBeyond32Bits, 0, r.address);
  if (attributes == 0 || (attributes & ~RegionAttr::Known) != 0) {
    return fail(TablesErrc::RegionBadAttributes, 0, attributes);
  }
  std::uint64_t size = kMinRegionSize;
  while (size < r.size) size <<= 1;
  // Aligning the base down can leave the end uncovered (a small region that
  // straddles a boundary); then only a larger region will do.
  for (; size <= kMaxRegionSize; size <<= 1) {
    const std::uint64_t base = r.address & ~(size - 1);
    if (base + size >= end) {
      const RegionDesc desc{static_cast<std::uint32_t>(base), static_cast<std::uint32_t>(size), attributes};
      return MpuCover{desc, size - r.size};
    }
  }
  return fail(TablesErrc::RegionTooLarge, 0, r.size);
}

std::uint32_t attributes_for(RegionKind kind) noexcept {
  switch (kind) {
    case RegionKind::Code: return RegionAttr::Read | RegionAttr::Execute;
    case RegionKind::Data:
    case RegionKind::Stack:
    case RegionKind::Heap: return RegionAttr::Read | RegionAttr::Write;
    case RegionKind::Meta: return 0;
  }
  return 0;
}

const char* to_string(TablesErrc e) noexcept {
  switch (e) {
    case TablesErrc::BadCapacity:
      return DYN_ERROR_TEXT("BadCapacity", "table capacity out of range (regions 1..256, tasks <= 65536)");
    case TablesErrc::InvalidTaskId: return DYN_ERROR_TEXT("InvalidTaskId", "invalid task id");
    case TablesErrc::TaskIdInUse: return DYN_ERROR_TEXT("TaskIdInUse", "a task with this id is already in the tables");
    case TablesErrc::NoSuchTask: return DYN_ERROR_TEXT("NoSuchTask", "no task with this id in the tables");
    case TablesErrc::NoSuchIrq: return DYN_ERROR_TEXT("NoSuchIrq", "no task owns this IRQ");
    case TablesErrc::TaskTableFull:
      return DYN_ERROR_TEXT("TaskTableFull", "task table full (maximum task count fixed at first deploy)");
    case TablesErrc::RegionTableFull:
      return DYN_ERROR_TEXT("RegionTableFull", "region table full: share peripheral regions or remove a task");
    case TablesErrc::IrqTableFull: return DYN_ERROR_TEXT("IrqTableFull", "IRQ table full");
    case TablesErrc::BadPriority: return DYN_ERROR_TEXT("BadPriority", "priority must be 0..31");
    case TablesErrc::UnknownFlags: return DYN_ERROR_TEXT("UnknownFlags", "unknown task flag bits");
    case TablesErrc::TooManyRegions: return DYN_ERROR_TEXT("TooManyRegions", "a task has at most 8 MPU regions");
    case TablesErrc::TooManyIrqs: return DYN_ERROR_TEXT("TooManyIrqs", "a task owns at most 8 IRQs");
    case TablesErrc::EntryNotThumb:
      return DYN_ERROR_TEXT("EntryNotThumb", "entry point without the Thumb bit (Cortex-M runs Thumb only)");
    case TablesErrc::EntryOutsideRegions:
      return DYN_ERROR_TEXT("EntryOutsideRegions", "entry point outside the task's executable regions");
    case TablesErrc::StackMisaligned: return DYN_ERROR_TEXT("StackMisaligned", "initial stack not 8-byte aligned");
    case TablesErrc::StackOutsideRegions:
      return DYN_ERROR_TEXT("StackOutsideRegions", "initial stack neither inside nor just past a writable region");
    case TablesErrc::RegionTooSmall: return DYN_ERROR_TEXT("RegionTooSmall", "MPU region smaller than 32 bytes");
    case TablesErrc::RegionNotPowerOfTwo:
      return DYN_ERROR_TEXT("RegionNotPowerOfTwo", "MPU region size not a power of two (use mpu_cover)");
    case TablesErrc::RegionMisaligned:
      return DYN_ERROR_TEXT("RegionMisaligned", "MPU region base not aligned to its size");
    case TablesErrc::RegionBadAttributes:
      return DYN_ERROR_TEXT("RegionBadAttributes", "region attributes empty or with unknown bits");
    case TablesErrc::RegionTooLarge: return DYN_ERROR_TEXT("RegionTooLarge", "no MPU region up to 2 GiB covers this");
    case TablesErrc::RegionEmpty: return DYN_ERROR_TEXT("RegionEmpty", "cannot cover an empty region");
    case TablesErrc::AddressBeyond32Bits:
      return DYN_ERROR_TEXT("AddressBeyond32Bits", "region beyond the 32-bit address space");
    case TablesErrc::RegionListedTwice:
      return DYN_ERROR_TEXT("RegionListedTwice", "a task lists the same region twice");
    case TablesErrc::RegionOverlap:
      return DYN_ERROR_TEXT("RegionOverlap", "regions of different tasks overlap (only DEVICE regions may)");
    case TablesErrc::IrqOutOfRange: return DYN_ERROR_TEXT("IrqOutOfRange", "IRQ number above 495");
    case TablesErrc::IrqNoNotification:
      return DYN_ERROR_TEXT("IrqNoNotification", "IRQ bound to an empty notification mask");
    case TablesErrc::IrqListedTwice: return DYN_ERROR_TEXT("IrqListedTwice", "a task lists the same IRQ twice");
    case TablesErrc::IrqAlreadyOwned: return DYN_ERROR_TEXT("IrqAlreadyOwned", "IRQ already owned by another task");
    case TablesErrc::NullRegionAltered: return DYN_ERROR_TEXT("NullRegionAltered", "region 0 is not the null region");
    case TablesErrc::DanglingRegion:
      return DYN_ERROR_TEXT("DanglingRegion", "task names a free, out-of-range or null region");
    case TablesErrc::RegionPaddingNotNull:
      return DYN_ERROR_TEXT("RegionPaddingNotNull", "unused region slot of a task is not the null region");
    case TablesErrc::RefcountMismatch:
      return DYN_ERROR_TEXT("RefcountMismatch", "region reference count differs from the tasks naming it");
    case TablesErrc::FreeSlotNotClear: return DYN_ERROR_TEXT("FreeSlotNotClear", "free slot holds stale data");
    case TablesErrc::DuplicateTaskId:
      return DYN_ERROR_TEXT("DuplicateTaskId", "two descriptors carry the same task id");
    case TablesErrc::TaskCountMismatch:
      return DYN_ERROR_TEXT("TaskCountMismatch", "used task counter differs from the table");
    case TablesErrc::RegionCountMismatch:
      return DYN_ERROR_TEXT("RegionCountMismatch", "used region counter differs from the table");
    case TablesErrc::IrqCountMismatch:
      return DYN_ERROR_TEXT("IrqCountMismatch", "used IRQ counter differs from the table");
    case TablesErrc::IrqTableUnsorted: return DYN_ERROR_TEXT("IrqTableUnsorted", "IRQ entries are not a sorted prefix");
    case TablesErrc::IrqOwnedTwice: return DYN_ERROR_TEXT("IrqOwnedTwice", "IRQ owned twice");
    case TablesErrc::IrqOwnerNotUsed: return DYN_ERROR_TEXT("IrqOwnerNotUsed", "IRQ owned by a free task slot");
    case TablesErrc::IrqNotListedByOwner:
      return DYN_ERROR_TEXT("IrqNotListedByOwner",
          "IRQ's owner does not list it (IRQ -> task and task -> IRQ disagree)");
    case TablesErrc::IrqListedWithoutEntry: return DYN_ERROR_TEXT("IrqListedWithoutEntry",
     "task lists an IRQ it does not own (task -> IRQ and IRQ -> task disagree)");
    case TablesErrc::IrqPaddingNotClear:
      return DYN_ERROR_TEXT("IrqPaddingNotClear", "unused IRQ slot of a task is not zero");
  }
  return "unknown kernel tables error";
}

}  // namespace dyn
