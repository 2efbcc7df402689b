// mpu_layout.hpp — which PMSAv7 region (ARMv7-M ARM, B3.5) goes in which of
// the MPU's eight slots for a module's domain. Pure arithmetic: mpu.cpp
// loads the result, tests/mpu_layout_test.cpp checks it on the host.
//
// Slot 0 holds the image's code and constants (read and execute for all);
// then the domain's regions, small neighbours sharing a slot through the
// subregions of one parent; then the buffer a hook is lent for one call;
// then the guards, in the highest slots (the highest slot wins where
// regions overlap): 32 bytes of no access at the bottom of the task's
// kernel stack, always, and at the bottom of the module stack when memory
// just below it is writable for the module (else the MPU faults at the
// first push there anyway).
// A domain fits only if all of that, with one slot kept for a lent buffer,
// fits: a guard is never dropped to make room.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "dyn/module_domain.hpp"

namespace dyn::mps2 {

inline constexpr std::size_t kMpuSlots = 8;

struct MpuSlot {
  std::uint32_t base = 0;  // RBAR's address (aligned to the region's size)
  std::uint32_t rasr = 0;  // RASR: enable, size, subregions disabled, access, XN, memory type
};

struct MpuLayout {
  MpuSlot slots[kMpuSlots] = {};
  std::uint8_t count = 0;
  bool module_guard = false;  // the module stack's guard is in the layout
  bool kernel_guard = false;  // the kernel stack's guard is in the layout
  bool complete = true;       // every region of the domain and every lent one is in the layout
};

// The domain's own part of its layout: slot 0 and its regions' groups, and
// whether its module stack needs a guard. mpu_layout() adds a lent buffer
// and the guards to it; a port works it out once per domain (domain_cache).
struct MpuDomainPart {
  MpuSlot slots[kMpuSlots] = {};
  std::uint8_t count = 0;
  bool module_guard = false;
  bool complete = true;  // every region of the domain has its slot
};
[[nodiscard]] MpuDomainPart mpu_domain_part(const ModuleDomain& domain, std::uint32_t code_bytes) noexcept;

// Whose kernel stack the calling context runs on: the domain's own task's
// (its guard watches the stack in use), or another's — a hook the update
// task calls in the module's domain, whose task is stopped: the domain's
// kernel-stack guard then watches a stack nobody runs on.
enum class KernelStack : std::uint8_t { InUse, Idle };

// The slots for `domain` and `lent`, the image's code being [0, code_bytes).
// A lent region takes a slot of its own (it is MPU-legal: lend() makes it
// so). Guards take theirs, except that a lent region with no slot left
// takes an idle kernel stack's guard's; what still finds no slot (a domain
// mpu_fits refused, or one given all its slots under BestEffort) is left
// out, and `complete` says so.
[[nodiscard]] MpuLayout mpu_layout(const MpuDomainPart& part, const ModuleDomain& domain,
                                   std::span<const DomainRegion> lent,
                                   KernelStack kernel_stack = KernelStack::InUse) noexcept;
[[nodiscard]] MpuLayout mpu_layout(const ModuleDomain& domain, std::span<const DomainRegion> lent,
                                   std::uint32_t code_bytes, KernelStack kernel_stack = KernelStack::InUse) noexcept;

// The part kept in domain.port_cache with a digest of what it was worked
// out from: read_domain_cache() gives it back only while the domain's
// regions and stacks are still those (a stale cache is never used).
void write_domain_cache(ModuleDomain& domain, std::uint32_t code_bytes) noexcept;
[[nodiscard]] bool read_domain_cache(const ModuleDomain& domain, std::uint32_t code_bytes, MpuDomainPart& out) noexcept;

// True if `domain` (with its stack fields set) fits the slots with its
// guards and one slot for a lent buffer: one kept free, or, for a buffer
// lent while its kernel stack is idle, the guard's (mpu_layout).
[[nodiscard]] bool mpu_fits(const ModuleDomain& domain, KernelStack kernel_stack = KernelStack::InUse) noexcept;

// The slots `domain` takes: code, its groups, its guards (no lent buffer).
[[nodiscard]] std::size_t mpu_slots_needed(const ModuleDomain& domain) noexcept;

// The smallest MPU region that holds `bytes`: a power of two, at least 32.
[[nodiscard]] std::size_t mpu_region_bytes(std::size_t bytes) noexcept;

}  // namespace dyn::mps2
