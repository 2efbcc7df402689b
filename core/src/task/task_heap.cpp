// task_heap.cpp — size-classed slots in guarded arenas, bookkeeping out of band.
#include "dyn/task_heap.hpp"

#include <cstring>
#include <new>

namespace dyn {

namespace {

constexpr std::byte kGuardByte{0xFD};
constexpr std::size_t kMinSlotShift = 5;                         // 32 B
constexpr std::size_t kMaxClassSlot = kHeapArenaSize / 4;        // larger: an arena of its own
constexpr std::uint8_t kDedicated = 0xFF;
constexpr std::size_t kMaxBlock = std::size_t{1} << 30;

std::size_t slot_of_class(std::size_t c) noexcept { return std::size_t{1} << (c + kMinSlotShift); }

// The class whose slot holds `size` user bytes with both guards; kDedicated if none does.
std::uint8_t class_for(std::size_t size) noexcept {
  const std::size_t need = kHeapLeadGuard + size + kHeapMinTailGuard;
  for (std::size_t c = 0; c < kHeapClasses && slot_of_class(c) <= kMaxClassSlot; ++c)
    if (slot_of_class(c) >= need) return static_cast<std::uint8_t>(c);
  return kDedicated;
}

// A block with an arena of its own fills it to a page boundary: the tail
// guard runs to the arena's end, where the port's guard page begins, so no
// byte past the block is unguarded.
constexpr std::size_t kHeapPage = 4096;
std::size_t dedicated_arena(std::size_t size) noexcept {
  return (kHeapLeadGuard + size + kHeapMinTailGuard + kHeapPage - 1) & ~(kHeapPage - 1);
}

// Bytes of the slot from its lead guard to its end.
std::size_t span_of(const HeapBlock& b) noexcept {
  return b.size_class == kDedicated ? dedicated_arena(b.size) : slot_of_class(b.size_class);
}

void arm_guards(const HeapBlock& b) noexcept {
  std::byte* slot = b.user - kHeapLeadGuard;
  std::memset(slot, static_cast<int>(kGuardByte), kHeapLeadGuard);
  std::byte* tail = b.user + b.size;
  std::memset(tail, static_cast<int>(kGuardByte), static_cast<std::size_t>(slot + span_of(b) - tail));
}

// The first guard byte that no longer holds the pattern, or nullptr.
const std::byte* breached(const HeapBlock& b) noexcept {
  const std::byte* slot = b.user - kHeapLeadGuard;
  for (const std::byte* p = slot; p < b.user; ++p)
    if (*p != kGuardByte) return p;
  for (const std::byte* p = b.user + b.size; p < slot + span_of(b); ++p)
    if (*p != kGuardByte) return p;
  return nullptr;
}

HeapBlock* new_record(ModuleMemory& memory) noexcept {
  const Region r = memory.allocate(RegionKind::Meta, sizeof(HeapBlock), alignof(HeapBlock));
  // Safety: placement new into a fresh Meta region sized and aligned for the record.
  return r ? ::new (r.host) HeapBlock() : nullptr;
}

// Destroys a record made by placement new in a Meta region and returns the region.
template <typename T>
void release_record(ModuleMemory& memory, T* record) noexcept {
  Region r;
  r.host = reinterpret_cast<std::byte*>(record);
  r.address = reinterpret_cast<std::uint64_t>(record);
  r.size = sizeof(T);
  r.kind = RegionKind::Meta;
  record->~T();
  memory.release(r);
}

void free_record(ModuleMemory& memory, HeapBlock* b) noexcept { release_record(memory, b); }

}  // namespace

HeapArena* TaskHeap::new_arena(ModuleMemory& memory, std::size_t bytes, bool dedicated) noexcept {
  const Region meta = memory.allocate(RegionKind::Meta, sizeof(HeapArena), alignof(HeapArena));
  if (!meta) return nullptr;
  const Region region = memory.allocate(RegionKind::Heap, bytes, 16);
  if (!region) {
    memory.release(meta);
    return nullptr;
  }
  // Safety: placement new into a fresh Meta region sized and aligned for the arena record.
  auto* a = ::new (meta.host) HeapArena();
  a->region = region;
  a->dedicated = dedicated;
  a->next = arenas_;
  arenas_ = a;
  return a;
}

void TaskHeap::drop_arena(ModuleMemory& memory, HeapArena* arena) noexcept {
  for (HeapArena** link = &arenas_; *link; link = &(*link)->next) {
    if (*link != arena) continue;
    *link = arena->next;
    break;
  }
  for (HeapBlock*& head : arena->free) {
    while (HeapBlock* b = head) {
      head = b->next_free;
      free_record(memory, b);
    }
  }
  memory.release(arena->region);
  release_record(memory, arena);
}

// The heap keeps one shared arena even when it is empty, so a module that
// allocates and frees in a loop does not map and unmap an arena each time.
bool TaskHeap::sole_shared_arena(const HeapArena* arena) const noexcept {
  for (const HeapArena* a = arenas_; a; a = a->next)
    if (a != arena && !a->dedicated) return false;
  return true;
}

// Twice the bytes of the shared arenas the heap has, as a power of two in
// [kHeapFirstArena, kHeapArenaSize], and room for `slot` at least.
std::size_t TaskHeap::next_shared_arena(std::size_t slot) const noexcept {
  std::size_t shared = 0;
  for (const HeapArena* a = arenas_; a; a = a->next)
    if (!a->dedicated) shared += a->region.size;
  std::size_t size = kHeapFirstArena;
  while (size < 2 * shared && size < kHeapArenaSize) size *= 2;
  while (size < slot) size *= 2;  // slot <= kHeapArenaSize / 4
  return size;
}

HeapBlock* TaskHeap::take_slot(ModuleMemory& memory, std::size_t c) noexcept {
  const std::size_t slot = slot_of_class(c);
  for (HeapArena* a = arenas_; a; a = a->next) {
    if (a->dedicated) continue;
    if (HeapBlock* b = a->free[c]) {  // a freed slot of this class
      a->free[c] = b->next_free;
      b->next_free = nullptr;
      return b;
    }
  }
  HeapArena* room = nullptr;
  for (HeapArena* a = arenas_; a && !room; a = a->next)
    if (!a->dedicated && a->region.size - a->bump >= slot) room = a;
  if (!room) room = new_arena(memory, next_shared_arena(slot), false);
  if (!room) return nullptr;
  HeapBlock* b = new_record(memory);
  if (!b) {
    if (room->live == 0 && room->bump == 0) drop_arena(memory, room);
    return nullptr;
  }
  b->user = room->region.host + room->bump + kHeapLeadGuard;
  b->size_class = static_cast<std::uint8_t>(c);
  b->arena = room;
  room->bump += slot;  // slots are powers of two from 32: every user pointer stays 16-aligned
  return b;
}

void* TaskHeap::allocate(ModuleMemory& memory, std::size_t size) noexcept {
  if (size == 0 || size > kMaxBlock) return nullptr;
  const std::uint8_t c = class_for(size);
  HeapBlock* b = nullptr;
  if (c == kDedicated) {
    HeapArena* a = new_arena(memory, dedicated_arena(size), true);
    if (!a) return nullptr;
    b = new_record(memory);
    if (!b) {
      drop_arena(memory, a);
      return nullptr;
    }
    b->user = a->region.host + kHeapLeadGuard;
    b->size_class = kDedicated;
    b->arena = a;
  } else {
    b = take_slot(memory, c);
    if (!b) return nullptr;
  }
  b->size = size;
  arm_guards(*b);
  (void)live_.insert(*b);  // a slot not in use cannot be in the tree
  ++b->arena->live;
  bytes_ += size;
  return b->user;
}

HeapFree TaskHeap::free(ModuleMemory& memory, void* block, std::uintptr_t* breach) noexcept {
  HeapBlock* b = live_.find(reinterpret_cast<std::uintptr_t>(block));
  if (!b) return HeapFree::NotABlock;
  const std::byte* bad = breached(*b);
  if (bad && breach) *breach = reinterpret_cast<std::uintptr_t>(bad);
  live_.erase(*b);
  bytes_ -= b->size;
  HeapArena* a = b->arena;
  --a->live;
  if (a->dedicated) {
    free_record(memory, b);
  } else {
    b->next_free = a->free[b->size_class];
    a->free[b->size_class] = b;
  }
  if (a->live == 0 && (a->dedicated || !sole_shared_arena(a))) drop_arena(memory, a);
  return bad ? HeapFree::Corrupted : HeapFree::Freed;
}

void TaskHeap::drop_empty_arenas(ModuleMemory& memory) noexcept {
  for (HeapArena* a = arenas_; a;) {
    HeapArena* next = a->next;
    if (a->live == 0) drop_arena(memory, a);
    a = next;
  }
}

void TaskHeap::release_all(ModuleMemory& memory) noexcept {
  while (HeapBlock* b = live_.pop_first()) {
    HeapArena* a = b->arena;
    --a->live;
    free_record(memory, b);
  }
  while (arenas_) drop_arena(memory, arenas_);
  bytes_ = 0;
}

void TaskHeap::adopt(ModuleMemory& memory, TaskHeap& from) noexcept {
  while (HeapBlock* b = from.live_.pop_first()) (void)live_.insert(*b);
  HeapArena** tail = &arenas_;
  while (*tail) tail = &(*tail)->next;
  *tail = from.arenas_;
  from.arenas_ = nullptr;
  bytes_ += from.bytes_;
  from.bytes_ = 0;
  // Two heaps' spare arenas are one too many: keep the rule of one.
  for (HeapArena* a = arenas_; a;) {
    HeapArena* next = a->next;
    if (a->live == 0 && !a->dedicated && !sole_shared_arena(a)) drop_arena(memory, a);
    a = next;
  }
}

const HeapBlock* TaskHeap::find(std::uintptr_t address) noexcept {
  HeapBlock* b = live_.find_containing(address);
  return b && address - reinterpret_cast<std::uintptr_t>(b->user) < b->size ? b : nullptr;
}

}  // namespace dyn
