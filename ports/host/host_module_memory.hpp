// host_module_memory.hpp — module memory on Linux: W^X mappings in the low 2 GiB.
#pragma once

#include "dyn/module_memory.hpp"

namespace dyn::host {

// Code, data and stack regions are private anonymous mappings below 2 GiB
// (MAP_32BIT), so x86-64 objects built with -fno-pic (32-bit absolute
// relocations) and -fPIC alike fit, and the kernel tables hold 32-bit
// addresses as on the target; each is MPU-shaped (a power of two, aligned to
// its size). Code is mapped read+write while it is linked and sealed
// read+execute after, never both writable and executable. Stacks get a
// guard page below them. Heap blocks and bookkeeping come from the C
// library's aligned allocator.
class HostModuleMemory final : public ModuleMemory {
 public:
  Region allocate(RegionKind kind, std::size_t size, std::size_t align) noexcept override;
  void release(const Region& r) noexcept override;
  bool seal_code(const Region& r) noexcept override;
  bool unseal_code(const Region& r) noexcept override;
  Stats stats() const noexcept override { return stats_; }

 private:
  Stats stats_;
};

}  // namespace dyn::host
