// mpu.cpp — PMSAv7 region encoding (ARMv7-M ARM, B3.5) and programming.
#include "mpu.hpp"

#include <cstdint>

#include "board.hpp"
#include "isolation.hpp"

namespace dyn::mps2 {

namespace {

constexpr std::uint32_t kMpuCtrl = 0xE000ED94, kMpuRnr = 0xE000ED98, kMpuRbar = 0xE000ED9C, kMpuRasr = 0xE000EDA0;
constexpr std::uint32_t kCtrlEnable = 1u << 0, kCtrlPrivDefEna = 1u << 2;
constexpr std::size_t kSlots = 8;

// AP (B3.5.9): 0b000 no access; 0b010 privileged read-write, unprivileged
// read-only; 0b011 read-write for all; 0b110 read-only for all.
constexpr std::uint32_t kApNone = 0b000, kApUserRead = 0b010, kApFull = 0b011, kApReadOnly = 0b110;
// Memory type: normal, write-back cacheable (TEX 000, C 1, B 1); device: shareable device (TEX 000, C 0, B 1).
constexpr std::uint32_t kNormal = (1u << 17) | (1u << 16), kDevice = (1u << 18) | (1u << 16);

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

void load(std::size_t slot, std::uintptr_t base, std::uint32_t attributes_rasr) noexcept {
  scb::reg(kMpuRbar) = static_cast<std::uint32_t>(base) | 1u << 4 | static_cast<std::uint32_t>(slot);  // VALID: RNR from here
  scb::reg(kMpuRasr) = attributes_rasr;
}

// One MPU region standing for several of the domain's: a parent of 256 B or
// more whose eight subregions are enabled only where a member is (SRD,
// B3.5.9). Members are powers of two aligned to their size, so one at
// least a subregion large is exactly a run of subregions.
struct Group {
  std::uintptr_t base = 0;
  std::size_t size = 0;
  std::uint32_t attributes = 0;
  std::uint8_t enabled = 0;  // subregion bits (1: a member's)
  bool single = true;
};

bool covers(std::uintptr_t base, std::size_t size, const DomainRegion& r) noexcept {
  return r.base >= base && r.base - base + r.size <= size;
}

// The group with `r` added, if one region can still stand for all of it.
bool merge(Group& g, const DomainRegion& r) noexcept {
  if (g.attributes != r.attributes) return false;
  std::size_t size = g.size > r.size ? g.size : r.size;
  std::uintptr_t base = g.base & ~(size - 1);
  while (!covers(base, size, DomainRegion{g.base, g.size, 0}) || !covers(base, size, r)) {
    size *= 2;
    base = g.base & ~(size - 1);
    if (size > (1u << 20)) return false;
  }
  const std::size_t sub = size / 8;
  if (size < 256 || r.size < sub) return false;
  std::uint8_t enabled = 0;
  // The old members: the subregions the group had (or all of its one region) must still be whole subregions.
  if (g.single) {
    if (g.size < sub) return false;
    for (std::size_t i = 0; i < 8; ++i)
      if (covers(g.base, g.size, DomainRegion{base + i * sub, sub, 0})) enabled |= static_cast<std::uint8_t>(1u << i);
  } else {
    if (g.size / 8 < sub && g.size != size) return false;  // finer subregions than the new parent's
    for (std::size_t i = 0; i < 8; ++i)
      if (g.enabled & (1u << i))
        enabled |= static_cast<std::uint8_t>(1u << ((g.base + i * (g.size / 8) - base) / sub));
  }
  for (std::size_t i = 0; i < 8; ++i)
    if (covers(r.base, r.size, DomainRegion{base + i * sub, sub, 0})) enabled |= static_cast<std::uint8_t>(1u << i);
  g = Group{base, size, g.attributes, enabled, false};
  return true;
}

// Regions that fit one parent share its MPU slot, so a domain may hold more
// regions than there are slots (small data, state and library data blocks
// often share one). Returns the groups.
constexpr std::size_t kMaxGroups = kDomainRegions + 2;
std::size_t group(const ModuleDomain& domain, std::span<const DomainRegion> lent, Group (&groups)[kMaxGroups]) noexcept {
  std::size_t count = 0;
  auto add = [&](const DomainRegion& r) {
    if (r.size == 0) return;
    for (std::size_t i = 0; i < count; ++i)
      if (merge(groups[i], r)) return;
    if (count < kMaxGroups) groups[count++] = Group{r.base, r.size, r.attributes, 0xFF, true};
  };
  for (std::size_t i = 0; i < domain.count; ++i) add(domain.regions[i]);
  for (const DomainRegion& r : lent) add(r);
  return count;
}

std::size_t cover(std::uint32_t bytes) noexcept {
  std::size_t size = 32;
  while (size < bytes) size *= 2;
  return size;
}

}  // namespace

void mpu_program(const ModuleDomain* domain, std::span<const DomainRegion> lent) noexcept {
  asm volatile("dmb" ::: "memory");
  scb::reg(kMpuCtrl) = 0;
  if (!domain) {
    asm volatile("dsb\n isb" ::: "memory");
    return;
  }
  std::size_t slot = 0;
  load(slot++, 0, rasr(cover(code_end()), kApReadOnly, true, false));
  Group groups[kMaxGroups];
  const std::size_t count = group(*domain, lent, groups);
  for (std::size_t i = 0; i < count && slot < kSlots; ++i) {
    const Group& g = groups[i];
    const std::uint32_t disabled = g.single ? 0u : static_cast<std::uint32_t>(static_cast<std::uint8_t>(~g.enabled)) << 8;
    load(slot++, g.base, rasr(g.size, ap_for(g.attributes), (g.attributes & RegionAttr::Execute) != 0,
                              (g.attributes & RegionAttr::Device) != 0) | disabled);
  }
  // Guards, highest priority last: the module stack's lowest 32 bytes, then the kernel stack's.
  if (domain->stack_base && slot < kSlots) load(slot++, domain->stack_base, rasr(32, kApNone, false, false));
  if (domain->kernel_stack_base && slot < kSlots) load(slot++, domain->kernel_stack_base, rasr(32, kApNone, false, false));
  for (; slot < kSlots; ++slot) {
    scb::reg(kMpuRnr) = static_cast<std::uint32_t>(slot);
    scb::reg(kMpuRasr) = 0;
  }
  scb::reg(kMpuCtrl) = kCtrlEnable | kCtrlPrivDefEna;
  asm volatile("dsb\n isb" ::: "memory");
}

bool mpu_domain_fits(const ModuleDomain& domain) noexcept {
  Group groups[kMaxGroups];
  return 1 + group(domain, {}, groups) <= kSlots;  // the image's code takes slot 0
}

}  // namespace dyn::mps2
