// mpu_layout.cpp — PMSAv7 region encoding and slot assignment (mpu_layout.hpp).
#include "mpu_layout.hpp"

#include <cstring>

#include "dyn/kernel_tables.hpp"

namespace dyn::mps2 {

namespace {

// AP (B3.5.9): 0b000 no access; 0b010 privileged read-write, unprivileged
// read-only; 0b011 read-write for all; 0b110 read-only for all.
constexpr std::uint32_t kApNone = 0b000, kApUserRead = 0b010, kApFull = 0b011, kApReadOnly = 0b110;
// Memory type: normal, write-back cacheable (TEX 000, C 1, B 1); device: shareable device (TEX 000, C 0, B 1).
constexpr std::uint32_t kNormal = (1u << 17) | (1u << 16), kDevice = (1u << 18) | (1u << 16);
constexpr std::size_t kGuardBytes = 32;
constexpr std::size_t kMinParent = 256;  // the smallest region with subregions (B3.5.9)

std::uint32_t size_field(std::size_t size) noexcept {  // region size = 2^(SIZE+1), size a power of two >= 32
  return static_cast<std::uint32_t>(31 - __builtin_clz(static_cast<std::uint32_t>(size)) - 1) << 1;
}

std::uint32_t rasr(std::size_t size, std::uint32_t ap, bool execute, bool device) noexcept {
  return (execute ? 0u : 1u << 28) | ap << 24 | (device ? kDevice : kNormal) | size_field(size) | 1u;
}

std::uint32_t ap_for(std::uint32_t attributes) noexcept {
  if (attributes & RegionAttr::Write) return kApFull;
  if (attributes & (RegionAttr::Read | RegionAttr::Execute)) return kApUserRead;
  return kApNone;
}


// One MPU region standing for several of the domain's: the smallest
// aligned power of two holding them, its eight subregions (SRD, B3.5.9, for
// a parent of 256 B or more) enabled only where members are. It works if
// every subregion is either wholly members' or touches none.
constexpr std::size_t kMaxMembers = kDomainRegions + 1;
constexpr std::uintptr_t kMaxParent = std::uintptr_t{1} << 31;

struct Group {
  std::uintptr_t base = 0;
  std::uintptr_t size = 0;
  std::uint32_t attributes = 0;
  std::uint8_t enabled = 0xFF;  // subregion bits (1: the members')
  std::uint32_t members = 0;    // bit i: the i-th region added
};

bool covers(std::uintptr_t base, std::uintptr_t size, std::uintptr_t at, std::uintptr_t n) noexcept {
  return at >= base && at - base + n <= size;
}

struct Groups {
  DomainRegion in[kMaxMembers];
  std::size_t inputs = 0;
  Group at[kMaxMembers];
  std::size_t count = 0;
  bool overflowed = false;

  // The bytes of [a, a + n) the members hold (they may overlap).
  std::uintptr_t held(std::uint32_t members, std::uintptr_t a, std::uintptr_t n) const noexcept {
    std::uintptr_t total = 0;
    std::uintptr_t from = a;  // sweep: the lowest member start at or after `from`, clipped
    while (from < a + n) {
      std::uintptr_t next_start = a + n, run_end = from;
      for (std::size_t i = 0; i < inputs; ++i) {
        if (!(members & (1u << i))) continue;
        const std::uintptr_t b = in[i].base, e = in[i].base + in[i].size;
        if (b <= from && e > from && e > run_end) run_end = e;
        if (b > from && b < next_start) next_start = b;
      }
      if (run_end > from) {
        const std::uintptr_t end = run_end < a + n ? run_end : a + n;
        total += end - from;
        from = end;
      } else {
        from = next_start;
      }
    }
    return total;
  }

  // The region standing for `members`, if one can.
  bool shape(std::uint32_t members, std::uint32_t attributes, Group& out) const noexcept {
    std::uintptr_t lo = ~std::uintptr_t{0}, hi = 0;
    for (std::size_t i = 0; i < inputs; ++i)
      if (members & (1u << i)) {
        if (in[i].base < lo) lo = in[i].base;
        if (in[i].base + in[i].size > hi) hi = in[i].base + in[i].size;
      }
    std::uintptr_t size = 32;
    std::uintptr_t base = lo & ~(size - 1);
    auto grow_to_hold = [&] {
      while (hi - base > size) {
        if (size >= kMaxParent) return false;
        size *= 2;
        base = lo & ~(size - 1);
      }
      return true;
    };
    if (!grow_to_hold()) return false;
    if (size < kMinParent && held(members, base, size) != size) {  // too small for subregions, and not full
      size = kMinParent;
      base = lo & ~std::uintptr_t{kMinParent - 1};
      if (!grow_to_hold()) return false;
    }
    std::uint8_t enabled = 0xFF;
    if (size >= kMinParent) {
      const std::uintptr_t sub = size / 8;
      enabled = 0;
      for (std::size_t i = 0; i < 8; ++i) {
        const std::uintptr_t h = held(members, base + i * sub, sub);
        if (h == sub) enabled |= static_cast<std::uint8_t>(1u << i);
        else if (h != 0) return false;
      }
    }
    out = Group{base, size, attributes, enabled, members};
    return true;
  }

  void add(const DomainRegion& r) noexcept {
    if (r.size == 0) return;
    // Reaching the end of the 32-bit address space (its end wraps to 0 in the
    // target's arithmetic): not grouped, not mapped.
    if (inputs == kMaxMembers || static_cast<std::uint64_t>(r.base) + r.size >= (std::uint64_t{1} << 32)) {
      overflowed = true;
      return;
    }
    const std::size_t index = inputs;
    in[inputs++] = r;
    for (std::size_t i = 0; i < count; ++i) {
      Group merged;
      if (at[i].attributes == r.attributes && shape(at[i].members | 1u << index, r.attributes, merged)) {
        at[i] = merged;
        return;
      }
    }
    Group alone;
    if (count < kMaxMembers && shape(1u << index, r.attributes, alone)) at[count++] = alone;
    else overflowed = true;
  }

  bool maps_writable(std::uintptr_t address) const noexcept {
    for (std::size_t i = 0; i < count; ++i) {
      const Group& g = at[i];
      if (!(g.attributes & RegionAttr::Write) || !covers(g.base, g.size, address, 1)) continue;
      if (g.size < kMinParent || (g.enabled & (1u << ((address - g.base) / (g.size / 8))))) return true;
    }
    return false;
  }
};

Groups groups_of(const ModuleDomain& domain) noexcept {
  Groups g;
  for (std::size_t i = 0; i < domain.count; ++i) g.add(domain.regions[i]);
  return g;
}

// The module stack needs its guard only where an overflow would land in
// memory the module may write: the word just below the stack is mapped
// writable (below it unmapped or read-only, the first push there faults).
bool needs_module_guard(const ModuleDomain& d, const Groups& g) noexcept {
  return d.stack_base != 0 && g.maps_writable(d.stack_base - 1);
}

std::size_t guards(const ModuleDomain& d, const Groups& g) noexcept {
  return (needs_module_guard(d, g) ? 1u : 0u) + (d.kernel_stack_base ? 1u : 0u);
}

// A guard's RBAR address: aligned down to its 32 bytes (mpu_fits refuses a
// stack that is not aligned; this keeps RBAR's VALID and REGION bits clear
// whatever it is handed). Below a misaligned base it guards a few bytes more.
std::uint32_t guard_base(std::uintptr_t base) noexcept {
  return static_cast<std::uint32_t>(base) & ~static_cast<std::uint32_t>(kGuardBytes - 1);
}

MpuSlot slot_for(const Group& g) noexcept {
  const std::uint32_t disabled = static_cast<std::uint32_t>(static_cast<std::uint8_t>(~g.enabled)) << 8;
  return MpuSlot{static_cast<std::uint32_t>(g.base),
                 rasr(g.size, ap_for(g.attributes), (g.attributes & RegionAttr::Execute) != 0,
                      (g.attributes & RegionAttr::Device) != 0) | disabled};
}

}  // namespace

std::size_t mpu_slots_needed(const ModuleDomain& domain) noexcept {
  const Groups g = groups_of(domain);
  // A guard is a 32-byte region at its stack's base: RBAR's low bits are not the address's.
  const bool guards_aligned = (domain.stack_base % kGuardBytes) == 0 && (domain.kernel_stack_base % kGuardBytes) == 0;
  if (g.overflowed || !guards_aligned) return kMpuSlots + 1;
  return 1 + g.count + guards(domain, g);
}

std::size_t mpu_region_bytes(std::size_t bytes) noexcept {
  std::size_t size = 32;
  while (size < bytes) size *= 2;
  return size;
}

bool mpu_fits(const ModuleDomain& domain, KernelStack kernel_stack) noexcept {
  const bool guard_yields = kernel_stack == KernelStack::Idle && domain.kernel_stack_base != 0;
  return mpu_slots_needed(domain) + (guard_yields ? 0u : 1u) <= kMpuSlots;
}

MpuDomainPart mpu_domain_part(const ModuleDomain& domain, std::uint32_t code_bytes) noexcept {
  MpuDomainPart out;
  const Groups g = groups_of(domain);
  out.module_guard = needs_module_guard(domain, g);
  const std::size_t reserved = guards(domain, g);
  out.slots[out.count++] = MpuSlot{0, rasr(mpu_region_bytes(code_bytes), kApReadOnly, true, false)};
  for (std::size_t i = 0; i < g.count && out.count + reserved < kMpuSlots; ++i) out.slots[out.count++] = slot_for(g.at[i]);
  out.complete = !g.overflowed && out.count - 1u == g.count;
  return out;
}

MpuLayout mpu_layout(const MpuDomainPart& part, const ModuleDomain& domain, std::span<const DomainRegion> lent,
                     KernelStack kernel_stack) noexcept {
  MpuLayout out;
  for (std::size_t i = 0; i < part.count; ++i) out.slots[i] = part.slots[i];
  out.count = part.count;
  out.complete = part.complete;
  bool kernel_guard = domain.kernel_stack_base != 0;
  for (const DomainRegion& r : lent) {
    if (r.size == 0) continue;
    const bool legal = r.size >= kGuardBytes && (r.size & (r.size - 1)) == 0 && (r.base & (r.size - 1)) == 0;
    const std::size_t reserved = (part.module_guard ? 1u : 0u) + (kernel_guard ? 1u : 0u);
    if (legal && out.count + reserved >= kMpuSlots && kernel_guard && kernel_stack == KernelStack::Idle)
      kernel_guard = false;  // its slot is the lent buffer's: that stack is not run on during this call
    else if (!legal || out.count + reserved >= kMpuSlots) {
      out.complete = false;
      continue;
    }
    out.slots[out.count++] = slot_for(Group{r.base, r.size, r.attributes, 0xFF, 0});
  }
  if (part.module_guard) {
    out.slots[out.count++] = MpuSlot{guard_base(domain.stack_base), rasr(kGuardBytes, kApNone, false, false)};
    out.module_guard = true;
  }
  if (kernel_guard) {
    out.slots[out.count++] =
        MpuSlot{guard_base(domain.kernel_stack_base), rasr(kGuardBytes, kApNone, false, false)};
    out.kernel_guard = true;
  }
  return out;
}

MpuLayout mpu_layout(const ModuleDomain& domain, std::span<const DomainRegion> lent, std::uint32_t code_bytes,
                     KernelStack kernel_stack) noexcept {
  return mpu_layout(mpu_domain_part(domain, code_bytes), domain, lent, kernel_stack);
}

namespace {

// FNV-1a, a word at a time, over what the part is worked out from: a
// change of a field changes it but by a rare collision (a staleness check,
// not a MAC: the domain is kernel memory no module can write).
std::uint32_t digest(const ModuleDomain& d, std::uint32_t code_bytes) noexcept {
  std::uint32_t h = 2166136261u;
  auto mix = [&](std::uintptr_t v) {
    h = (h ^ static_cast<std::uint32_t>(v)) * 16777619u;
    if constexpr (sizeof v > 4) h = (h ^ static_cast<std::uint32_t>(static_cast<std::uint64_t>(v) >> 32)) * 16777619u;
  };
  mix(d.count);
  for (std::size_t i = 0; i < d.count && i < kDomainRegions; ++i) {
    mix(d.regions[i].base);
    mix(d.regions[i].size);
    mix(d.regions[i].attributes);
  }
  mix(d.stack_base);
  mix(d.stack_top);
  mix(d.kernel_stack_base);
  mix(code_bytes);
  return h;
}

struct CachedPart {
  MpuDomainPart part;
  std::uint32_t digest;
};

}  // namespace

void write_domain_cache(ModuleDomain& domain, std::uint32_t code_bytes) noexcept {
  static_assert(sizeof(CachedPart) <= sizeof domain.port_cache, "the domain's port words hold the cached part");
  const CachedPart c{mpu_domain_part(domain, code_bytes), digest(domain, code_bytes)};
  std::memcpy(domain.port_cache, &c, sizeof c);
}

bool read_domain_cache(const ModuleDomain& domain, std::uint32_t code_bytes, MpuDomainPart& out) noexcept {
  CachedPart c;
  std::memcpy(&c, domain.port_cache, sizeof c);
  if (c.part.count == 0 || c.part.count > kMpuSlots || c.digest != digest(domain, code_bytes)) return false;
  out = c.part;
  return true;
}

}  // namespace dyn::mps2
