// module_memory.cpp — the module RAM pool.
#include "module_memory.hpp"

#include <cstring>

namespace dyn::mps2 {

namespace {
constexpr std::size_t kUnit = 8;  // every block is a multiple, and aligned to it
std::size_t round_up(std::size_t v, std::size_t a) noexcept { return (v + a - 1) & ~(a - 1); }
}  // namespace

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
  std::size_t want = round_up(size, kUnit);
  if (kind != RegionKind::Meta) {
    // What a module's code may touch is one MPU region (isolation.hpp): a
    // power of two of at least 32 bytes, aligned to its size.
    want = 32;
    while (want < size) want *= 2;
    if (align < want) align = want;
  }
  for (Free** link = &free_; *link; link = &(*link)->next) {
    Free* block = *link;
    const auto start = reinterpret_cast<std::uintptr_t>(block);
    const auto aligned = round_up(start, align);
    const std::size_t lead = aligned - start;  // a multiple of kUnit
    if (block->size < lead + want) continue;
    const std::size_t tail = block->size - lead - want;
    Free* const next = block->next;
    // What is left before and after the region stays free; a tail too small
    // for a Free record goes with the region. (A lead is 0 or at least kUnit,
    // which is sizeof(Free) on the M3.)
    static_assert(sizeof(Free) <= 2 * kUnit);
    if (lead != 0) {
      block->size = lead;
      link = &block->next;
    }
    if (tail >= sizeof(Free)) {
      auto* rest = reinterpret_cast<Free*>(aligned + want);
      rest->size = tail;
      rest->next = next;
      *link = rest;
    } else {
      *link = next;
    }
    auto* host = reinterpret_cast<std::byte*>(aligned);
    const std::size_t region_size = tail < sizeof(Free) ? want + tail : want;
    std::memset(host, 0, region_size);
    stats_.bytes[static_cast<std::size_t>(kind)] += region_size;
    stats_.regions[static_cast<std::size_t>(kind)] += 1;
    return Region{host, reinterpret_cast<std::uintptr_t>(host), region_size, kind};
  }
  return {};
}

void PoolModuleMemory::release(const Region& r) noexcept {
  if (!r) return;
  stats_.bytes[static_cast<std::size_t>(r.kind)] -= r.size;
  stats_.regions[static_cast<std::size_t>(r.kind)] -= 1;
  auto* block = reinterpret_cast<Free*>(r.host);
  block->size = r.size;
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
