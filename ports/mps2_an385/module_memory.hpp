// module_memory.hpp — module RAM on the Cortex-M3: regions carved from one
// static pool, first fit, coalesced when given back. Every region a module's
// code may touch (all kinds but Meta) is MPU-legal — a power of two of at
// least 32 bytes, aligned to its size — so its domain maps it exactly
// (isolation.hpp); the MPU, not the pool, keeps modules apart. seal_code
// only has to order the linker's writes before the code runs (the M3 has
// no caches).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "dyn/module_memory.hpp"

namespace dyn::mps2 {

class PoolModuleMemory final : public ModuleMemory {
 public:
  explicit PoolModuleMemory(std::span<std::byte> pool) noexcept;
  Region allocate(RegionKind kind, std::size_t size, std::size_t align) noexcept override;
  void release(const Region& r) noexcept override;
  bool seal_code(const Region& r) noexcept override;
  bool unseal_code(const Region& r) noexcept override;
  Stats stats() const noexcept override { return stats_; }
  std::size_t free_bytes() const noexcept;

  // A free block: its size and the next free block, kept in address order.
  struct Free {
    std::size_t size;
    Free* next;
  };
  static constexpr std::size_t kUnit = sizeof(Free) < 8 ? 8 : sizeof(Free);
  static std::size_t footprint(RegionKind kind, std::size_t size) noexcept;

 private:
  Free* free_ = nullptr;
  Stats stats_;
};

}  // namespace dyn::mps2
