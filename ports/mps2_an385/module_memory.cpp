// module_memory.cpp — the module RAM pool.
#include "module_memory.hpp"

#include <cstring>

#include "mpu_layout.hpp"

namespace dyn::mps2 {

namespace {
std::size_t round_up(std::size_t v, std::size_t a) noexcept { return (v + a - 1) & ~(a - 1); }
}  // namespace

// Every block is a multiple of kUnit, and aligned to it; a free block of
// one unit holds its Free record, so nothing left over is ever too small
// to be free again.
static_assert(PoolModuleMemory::kUnit >= sizeof(PoolModuleMemory::Free));

// The bytes a region of `size` (as asked for, or as given) takes in the
// pool: what allocate() carves and release() gives back.
std::size_t PoolModuleMemory::footprint(RegionKind kind, std::size_t size) noexcept {
  if (kind == RegionKind::Meta) return round_up(size, kUnit);
  // What a module's code may touch is one MPU region (isolation.hpp): a
  // power of two of at least 32 bytes, aligned to its size.
  return mpu_region_bytes(size);
}

PoolModuleMemory::PoolModuleMemory(std::span<std::byte> pool) noexcept {
  auto begin = round_up(reinterpret_cast<std::uintptr_t>(pool.data()), kUnit);
  auto end = (reinterpret_cast<std::uintptr_t>(pool.data()) + pool.size()) & ~(kUnit - 1);
  if (end > begin + sizeof(Free)) {
    free_ = reinterpret_cast<Free*>(begin);
    free_->size = end - begin;
    free_->next = nullptr;
  }
}

Region PoolModuleMemory::allocate(RegionKind kind, std::size_t size, std::size_t align) noexcept {
  if (size == 0 || align == 0 || (align & (align - 1)) != 0) return {};
  if (align < kUnit) align = kUnit;
  const std::size_t want = footprint(kind, size);
  if (kind != RegionKind::Meta && align < want) align = want;
  for (Free** link = &free_; *link; link = &(*link)->next) {
    Free* block = *link;
    const auto start = reinterpret_cast<std::uintptr_t>(block);
    const auto aligned = round_up(start, align);
    const std::size_t lead = aligned - start;  // a multiple of kUnit
    if (block->size < lead + want) continue;
    const std::size_t tail = block->size - lead - want;
    Free* const next = block->next;
    // What is left before and after the region stays free (each 0 or at
    // least a unit, which holds a Free record).
    if (lead != 0) {
      block->size = lead;
      link = &block->next;
    }
    if (tail != 0) {
      auto* rest = reinterpret_cast<Free*>(aligned + want);
      rest->size = tail;
      rest->next = next;
      *link = rest;
    } else {
      *link = next;
    }
    auto* host = reinterpret_cast<std::byte*>(aligned);
    std::memset(host, 0, want);
    stats_.bytes[static_cast<std::size_t>(kind)] += want;
    stats_.regions[static_cast<std::size_t>(kind)] += 1;
    return Region{host, reinterpret_cast<std::uintptr_t>(host), want, kind};
  }
  return {};
}

void PoolModuleMemory::release(const Region& r) noexcept {
  if (!r) return;
  // The region as given, or as asked for (a record released by its type's size).
  const std::size_t size = footprint(r.kind, r.size);
  stats_.bytes[static_cast<std::size_t>(r.kind)] -= size;
  stats_.regions[static_cast<std::size_t>(r.kind)] -= 1;
  auto* block = reinterpret_cast<Free*>(r.host);
  block->size = size;
  // Insert in address order, then merge with the neighbours.
  Free** link = &free_;
  while (*link && *link < block) link = &(*link)->next;
  block->next = *link;
  *link = block;
  if (block->next && reinterpret_cast<std::byte*>(block) + block->size == reinterpret_cast<std::byte*>(block->next)) {
    block->size += block->next->size;
    block->next = block->next->next;
  }
  if (link != &free_) {
    auto* previous = reinterpret_cast<Free*>(reinterpret_cast<std::byte*>(link) - offsetof(Free, next));
    if (reinterpret_cast<std::byte*>(previous) + previous->size == reinterpret_cast<std::byte*>(block)) {
      previous->size += block->size;
      previous->next = block->next;
    }
  }
}

bool PoolModuleMemory::seal_code(const Region& r) noexcept {
  if (!r) return false;
  asm volatile("dsb\n isb" ::: "memory");  // the linker's writes land before the code runs
  return true;
}

bool PoolModuleMemory::unseal_code(const Region& r) noexcept { return static_cast<bool>(r); }

std::size_t PoolModuleMemory::free_bytes() const noexcept {
  std::size_t n = 0;
  for (const Free* f = free_; f; f = f->next) n += f->size;
  return n;
}

}  // namespace dyn::mps2
