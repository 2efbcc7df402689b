// module_domain.hpp — what a module's code may touch while it runs: its domain.
//
// Seed 004 keeps an MPU region table per task; the domain is that table for
// the moment a module's code runs: the module's code and data, its task's
// state and stack, the code and data of the libraries it imports, and its
// heap arenas, each as an MPU-legal region (mpu_cover of the loader's
// region, attributes_for its kind). A port that isolates modules
// (port::isolates_modules()) programs it into the MPU and runs the code
// unprivileged on the module stack; every port checks the pointers a module
// hands to the kernel against it (module_may_access), so a module cannot
// make the kernel read or write for it what it could not touch itself.
//
// Invariants: regions[0..count) are distinct, MPU-legal on an isolating port;
// count <= kDomainRegions; the module stack [stack_base, stack_top) lies in
// one of them. The port may add its own shared regions (the kernel's code,
// which holds the C library modules call) when it programs a domain.
#pragma once

#include <cstddef>
#include <cstdint>

#include "dyn/kernel_tables.hpp"

namespace dyn {

// A region of a domain: exact on a port that does not isolate (host
// addresses need not fit 32 bits), an MPU-legal cover where the port
// programs it (base and size a power of two, kernel_tables.hpp T2).
struct DomainRegion {
  std::uintptr_t base = 0;
  std::size_t size = 0;
  std::uint32_t attributes = 0;  // RegionAttr
  friend constexpr bool operator==(const DomainRegion&, const DomainRegion&) = default;
};

// How many regions a domain holds: on a 32-bit target, what an MPU of
// eight slots can stand for when small neighbours share a slot (the port
// says what fits: port::domain_fits); a 64-bit host checks pointers only,
// so its domains hold the module, its task and every library it imports.
inline constexpr std::size_t kDomainRegions = sizeof(void*) == 4 ? 10 : 4 + 2 * 8;

// Words a port may keep beside a domain (an MPU's slot values, worked out
// once when the domain is built rather than at every context switch).
inline constexpr std::size_t kDomainPortWords = 19;

struct ModuleDomain {
  DomainRegion regions[kDomainRegions] = {};
  std::uint8_t count = 0;
  std::uintptr_t stack_base = 0;  // the module stack, where an isolating port runs module code
  std::uintptr_t stack_top = 0;
  std::uintptr_t kernel_stack_base = 0;  // the task's own (kernel) stack: a port may guard its lowest 32 bytes
  // The port's encoding of the fields above, written by port::domain_changed
  // (with what it was worked out from, so the port can tell a stale one);
  // the core copies it with the domain and never reads it.
  std::uint32_t port_cache[kDomainPortWords] = {};
};

enum class DomainAccess : std::uint8_t { Read, Write };

// Where a buffer lent to one of the domain's hooks (a checkpoint) can still
// be lent from. Before a task's first run is over, from its own context (a
// restore at boot, after its constructors); from then on, only from the
// update task's (the checkpoint and restore hooks of a live update), whose
// call leaves the task's own kernel stack idle. A port may map a lent
// buffer differently in the two (port::domain_fits).
enum class LentFrom : std::uint8_t { OwnTask, UpdateTask };

// True if [address, address + size) lies inside one region of `d` that
// grants `access` (a region straddle is refused: the MPU would fault there too).
[[nodiscard]] bool domain_allows(const ModuleDomain& d, std::uintptr_t address, std::size_t size,
                                 DomainAccess access) noexcept;

// The bytes readable from `address` up to the end of the region that holds
// it (0 if no region of `d` grants reading there): the bound for a string.
[[nodiscard]] std::size_t domain_readable_run(const ModuleDomain& d, std::uintptr_t address) noexcept;

}  // namespace dyn
