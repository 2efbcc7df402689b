// task_heap.hpp — one task's dyn_malloc heap, with its bookkeeping out of the module's reach.
//
// Blocks are carved from arenas (RegionKind::Heap regions from the port's
// module memory: on the host, mappings with an inaccessible guard page on
// each side). Everything the heap knows about a block — its address, size,
// slot, the free lists — lives in records in kernel memory (RegionKind::Meta),
// never next to the block, so a module that writes outside its blocks can
// only damage its own data: it cannot corrupt the kernel through its heap.
//
// Each block sits in a slot of a power-of-two class, framed by guard bytes:
//   [16 lead guard][user bytes][tail guard up to the slot's end]
// Both guards are checked when the block is freed: a breach (the module wrote
// before or past its block) is reported as HeapCorruption, a fault of the
// task. Writing past an arena's end hits the guard page: a memory fault.
//
// Invariants:
//  - every live block has exactly one record, in `live_` (by address);
//  - a free slot has a record in its arena's free list for its class; a
//    record is in exactly one of the two;
//  - an arena with no live block is returned at once (with its free records),
//    except the heap's last shared arena, kept for the next allocation;
//  - a shared arena is a power of two from kHeapFirstArena to kHeapArenaSize.
#pragma once

#include <cstddef>
#include <cstdint>

#include "dyn/module_memory.hpp"
#include "dyn/splay_tree.hpp"

namespace dyn {

struct HeapTag;
struct HeapArena;

struct HeapBlock : SplayHook<HeapTag> {
  std::byte* user = nullptr;   // the module's bytes
  std::size_t size = 0;        // bytes the task asked for
  std::uint8_t size_class = 0;
  HeapArena* arena = nullptr;
  HeapBlock* next_free = nullptr;
};

struct HeapKey {
  std::uintptr_t operator()(const HeapBlock& b) const noexcept { return reinterpret_cast<std::uintptr_t>(b.user); }
};
struct HeapSize {
  std::size_t operator()(const HeapBlock& b) const noexcept { return b.size; }
};

inline constexpr std::size_t kHeapClasses = 16;          // slots of 32 B .. 1 MiB
inline constexpr std::size_t kHeapLeadGuard = 16;
inline constexpr std::size_t kHeapMinTailGuard = 16;
inline constexpr std::size_t kHeapArenaSize = 64 * 1024;  // the largest shared arena; slots above a quarter of it
                                                          // get an arena of their own, filled with guard bytes
                                                          // to its last page's end
// A heap's first shared arena; each further one is twice the shared arenas
// it has (a power of two, at most kHeapArenaSize), so a module with a few
// small blocks takes a small region, and a large heap takes few regions
// (its domain's MPU slots): 1, 2, 8, 32, 64, 64 ... KiB on a 32-bit target.
inline constexpr std::size_t kHeapFirstArena = sizeof(void*) == 4 ? 1024 : 4096;

struct HeapArena {
  Region region;
  std::size_t bump = 0;   // bytes carved so far
  std::size_t live = 0;   // live blocks in it
  bool dedicated = false; // one large block
  HeapBlock* free[kHeapClasses] = {};
  HeapArena* next = nullptr;
};

enum class HeapFree : std::uint8_t {
  Freed,
  NotABlock,   // not a live block of this heap (another task's, interior, or freed already): nothing changed
  Corrupted,   // freed, but a guard was overwritten: the task wrote outside the block
};

class TaskHeap {
 public:
  TaskHeap() noexcept = default;
  TaskHeap(const TaskHeap&) = delete;
  TaskHeap& operator=(const TaskHeap&) = delete;

  // A block of `size` bytes (16-aligned), or nullptr (no memory, or size 0 /
  // more than 1 GiB). Its contents are unspecified.
  void* allocate(ModuleMemory& memory, std::size_t size) noexcept;
  // *breach (if given) is set to the first overwritten guard byte's address on Corrupted.
  HeapFree free(ModuleMemory& memory, void* block, std::uintptr_t* breach = nullptr) noexcept;
  // Returns every block and arena (and the spare arena a heap keeps).
  void release_all(ModuleMemory& memory) noexcept;
  // Returns every arena that holds no live block, the spare one too (an
  // arena the task's domain could not take must not stay to be used).
  void drop_empty_arenas(ModuleMemory& memory) noexcept;
  // `from`'s blocks become this heap's (live update: restored state may point at them).
  void adopt(ModuleMemory& memory, TaskHeap& from) noexcept;

  std::size_t bytes() const noexcept { return bytes_; }   // asked for and not freed
  std::size_t blocks() const noexcept { return live_.size(); }
  const HeapArena* arenas() const noexcept { return arenas_; }  // linked by HeapArena::next
  std::size_t arena_count() const noexcept {
    std::size_t n = 0;
    for (const HeapArena* a = arenas_; a; a = a->next) ++n;
    return n;
  }
  // The live block holding `address` (user bytes only), or nullptr.
  const HeapBlock* find(std::uintptr_t address) noexcept;

 private:
  HeapBlock* take_slot(ModuleMemory& memory, std::size_t size_class) noexcept;
  HeapArena* new_arena(ModuleMemory& memory, std::size_t bytes, bool dedicated) noexcept;
  void drop_arena(ModuleMemory& memory, HeapArena* arena) noexcept;
  bool sole_shared_arena(const HeapArena* arena) const noexcept;
  std::size_t next_shared_arena(std::size_t slot) const noexcept;

  SplayTree<HeapBlock, HeapTag, HeapKey, HeapSize> live_;
  HeapArena* arenas_ = nullptr;
  std::size_t bytes_ = 0;
};

}  // namespace dyn
