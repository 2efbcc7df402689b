// task_heap_test.cpp — the per-task heap: guarded slots, bookkeeping out of band, every byte back.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "dyn/task_heap.hpp"
#include "host_module_memory.hpp"

namespace dyn {
namespace {

// Leaves `heap` with an empty spare arena (a block allocated and freed).
void heap_spare(ModuleMemory& memory, TaskHeap& heap) {
  void* p = heap.allocate(memory, 32);
  EXPECT_EQ(heap.free(memory, p), HeapFree::Freed);
}

TEST(TaskHeap, BlocksAreAlignedDistinctAndEveryByteComesBack) {
  host::HostModuleMemory memory;
  TaskHeap heap;
  std::mt19937 rng(7);
  std::vector<std::pair<std::byte*, std::size_t>> live;
  for (int i = 0; i < 5000; ++i) {
    if (!live.empty() && rng() % 3 == 0) {
      const std::size_t k = rng() % live.size();
      EXPECT_EQ(heap.free(memory, live[k].first), HeapFree::Freed);
      live[k] = live.back();
      live.pop_back();
      continue;
    }
    const std::size_t size = 1 + rng() % (rng() % 8 == 0 ? 100'000 : 300);
    auto* p = static_cast<std::byte*>(heap.allocate(memory, size));
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % 16, 0u);
    std::memset(p, 0x5A, size);  // the whole block is the module's: writing all of it breaches nothing
    live.push_back({p, size});
  }
  for (const auto& [p, size] : live) {
    for (std::size_t j = 0; j < size; ++j) ASSERT_EQ(p[j], std::byte{0x5A}) << "blocks overlap";
  }
  EXPECT_EQ(heap.blocks(), live.size());
  for (const auto& [p, size] : live) EXPECT_EQ(heap.free(memory, p), HeapFree::Freed);
  EXPECT_EQ(heap.bytes(), 0u);
  EXPECT_EQ(memory.stats().regions[static_cast<int>(RegionKind::Heap)], 1u) << "empty arenas are returned but one";
  const std::size_t spare = memory.stats().bytes[static_cast<int>(RegionKind::Heap)];
  EXPECT_TRUE(spare >= kHeapFirstArena && spare <= kHeapArenaSize && (spare & (spare - 1)) == 0) << spare;
  heap.release_all(memory);
  EXPECT_EQ(memory.stats().total_bytes(), 0u) << "every arena and record is returned";
}

// A module with a few small blocks takes a small arena, not a 64 KiB one
// (on a Cortex-M3 an MPU region aligned to its size: a large one is hard
// to place in a pool shared by many modules, and the RAM is scarce); a
// module with a large heap still takes few arenas, for its domain's slots.
TEST(TaskHeap, ArenasStartSmallAndGrowGeometrically) {
  host::HostModuleMemory memory;
  TaskHeap heap;
  void* first = heap.allocate(memory, 55);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(memory.stats().bytes[static_cast<int>(RegionKind::Heap)], kHeapFirstArena);
  std::vector<void*> blocks{first};
  std::size_t expected = kHeapFirstArena;  // the shared arenas' bytes as they should grow
  std::size_t previous_arenas = 1;
  for (int i = 0; i < 20'000 && memory.stats().bytes[static_cast<int>(RegionKind::Heap)] < 512 * 1024; ++i) {
    void* p = heap.allocate(memory, 200);  // a 256-byte slot
    ASSERT_NE(p, nullptr);
    blocks.push_back(p);
    if (heap.arena_count() == previous_arenas) continue;
    previous_arenas = heap.arena_count();
    std::size_t next = kHeapFirstArena;
    while (next < 2 * expected && next < kHeapArenaSize) next *= 2;
    expected += next;
    EXPECT_EQ(memory.stats().bytes[static_cast<int>(RegionKind::Heap)], expected) << "arena " << previous_arenas;
  }
  EXPECT_GE(heap.bytes(), 350u * 1024);
  EXPECT_LE(heap.arena_count(), 12u) << "half a MiB of small blocks in few regions";
  const std::size_t arenas = heap.arena_count();
  void* middle = heap.allocate(memory, 10 * 1024);  // a 16 KiB slot, the largest shared class
  ASSERT_NE(middle, nullptr);
  blocks.push_back(middle);
  EXPECT_LE(heap.arena_count(), arenas + 1);
  for (void* p : blocks) EXPECT_EQ(heap.free(memory, p), HeapFree::Freed);
  EXPECT_EQ(memory.stats().regions[static_cast<int>(RegionKind::Heap)], 1u);
  heap.release_all(memory);
  EXPECT_EQ(memory.stats().total_bytes(), 0u);
}

// The first block may need a slot larger than the first arena: its arena is as large as the slot.
TEST(TaskHeap, AFirstSlotLargerThanTheFirstArenaGetsAnArenaItFits) {
  host::HostModuleMemory memory;
  TaskHeap heap;
  void* p = heap.allocate(memory, 12 * 1024);  // a 16 KiB slot
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(memory.stats().bytes[static_cast<int>(RegionKind::Heap)], 16u * 1024);
  std::memset(p, 0x11, 12 * 1024);
  EXPECT_EQ(heap.free(memory, p), HeapFree::Freed);
  heap.release_all(memory);
  EXPECT_EQ(memory.stats().total_bytes(), 0u);
}

TEST(TaskHeap, AWriteJustOutsideABlockIsFoundWhenItIsFreed) {
  host::HostModuleMemory memory;
  TaskHeap heap;
  for (std::ptrdiff_t offset : {std::ptrdiff_t{-1}, std::ptrdiff_t{-16}, std::ptrdiff_t{40}, std::ptrdiff_t{47}}) {
    auto* keep = static_cast<std::byte*>(heap.allocate(memory, 40));  // a neighbour, so the arena stays
    auto* p = static_cast<std::byte*>(heap.allocate(memory, 40));
    ASSERT_TRUE(keep && p);
    p[offset] = std::byte{0};
    std::uintptr_t breach = 0;
    EXPECT_EQ(heap.free(memory, p, &breach), HeapFree::Corrupted) << offset;
    EXPECT_EQ(breach, reinterpret_cast<std::uintptr_t>(p + offset)) << offset;
    EXPECT_EQ(heap.free(memory, keep), HeapFree::Freed);
  }
  heap.release_all(memory);
  EXPECT_EQ(memory.stats().total_bytes(), 0u);
}

TEST(TaskHeap, ForeignInteriorAndDoubleFreesChangeNothing) {
  host::HostModuleMemory memory;
  TaskHeap heap;
  TaskHeap other;
  auto* p = static_cast<std::byte*>(heap.allocate(memory, 64));
  auto* q = static_cast<std::byte*>(other.allocate(memory, 64));
  EXPECT_EQ(heap.free(memory, q), HeapFree::NotABlock);
  EXPECT_EQ(heap.free(memory, p + 8), HeapFree::NotABlock);
  EXPECT_EQ(heap.find(reinterpret_cast<std::uintptr_t>(p + 8)), heap.find(reinterpret_cast<std::uintptr_t>(p)));
  EXPECT_EQ(heap.free(memory, p), HeapFree::Freed);
  EXPECT_EQ(heap.free(memory, p), HeapFree::NotABlock);
  EXPECT_EQ(heap.allocate(memory, 0), nullptr);
  EXPECT_EQ(heap.allocate(memory, std::size_t{1} << 40), nullptr);
  heap.release_all(memory);
  other.release_all(memory);
  EXPECT_EQ(memory.stats().total_bytes(), 0u);
}

TEST(TaskHeap, AllocateAndFreeInALoopReusesOneSlotWithoutNewMemory) {
  host::HostModuleMemory memory;
  TaskHeap heap;
  void* first = heap.allocate(memory, 64);
  EXPECT_EQ(heap.free(memory, first), HeapFree::Freed);
  const auto after_first = memory.stats();
  for (int i = 0; i < 1000; ++i) {
    void* p = heap.allocate(memory, 64);
    EXPECT_EQ(p, first) << "the freed slot of its class comes back";
    EXPECT_EQ(heap.free(memory, p), HeapFree::Freed);
  }
  EXPECT_EQ(memory.stats().total_bytes(), after_first.total_bytes());
  EXPECT_EQ(memory.stats().total_regions(), after_first.total_regions());
  heap.release_all(memory);
}

// A block refused because its new arena could not be mapped (dyn_malloc on
// a port whose MPU has no slot left): the arena must go with it, not stay
// as the spare a later block would come from, unmapped.
TEST(TaskHeap, DroppingEmptyArenasReturnsTheSpareTooAndKeepsLiveOnes) {
  host::HostModuleMemory memory;
  TaskHeap heap;
  void* only = heap.allocate(memory, 64);
  ASSERT_NE(only, nullptr);
  ASSERT_EQ(heap.arena_count(), 1u);
  EXPECT_EQ(heap.free(memory, only), HeapFree::Freed);
  EXPECT_EQ(heap.arena_count(), 1u) << "kept as the spare";
  heap.drop_empty_arenas(memory);
  EXPECT_EQ(heap.arena_count(), 0u);
  EXPECT_EQ(memory.stats().total_bytes(), 0u) << "its memory came back";
  void* kept = heap.allocate(memory, 64);
  void* large = heap.allocate(memory, kHeapArenaSize);  // an arena of its own
  ASSERT_NE(kept, nullptr);
  ASSERT_NE(large, nullptr);
  EXPECT_EQ(heap.arena_count(), 2u);
  heap.drop_empty_arenas(memory);
  EXPECT_EQ(heap.arena_count(), 2u) << "arenas with live blocks stay";
  EXPECT_EQ(heap.free(memory, kept), HeapFree::Freed);
  EXPECT_EQ(heap.free(memory, large), HeapFree::Freed);
  heap.release_all(memory);
  EXPECT_EQ(memory.stats().total_bytes(), 0u);
}

TEST(TaskHeap, ALargeBlocksGuardRunsToItsArenasEnd) {
  host::HostModuleMemory memory;
  TaskHeap heap;
  auto* p = static_cast<std::byte*>(heap.allocate(memory, 20'000));
  ASSERT_NE(p, nullptr);
  p[20'000 + 384] = std::byte{1};  // past the minimum tail guard, before the page's end
  EXPECT_EQ(heap.free(memory, p), HeapFree::Corrupted);
  heap.release_all(memory);
}

TEST(TaskHeap, AdoptingKeepsOneSpareArena) {
  host::HostModuleMemory memory;
  TaskHeap a, b;
  heap_spare(memory, a);
  for (int i = 0; i < 5; ++i) {
    TaskHeap next;
    heap_spare(memory, b);
    next.adopt(memory, a);
    next.adopt(memory, b);
    EXPECT_EQ(memory.stats().regions[static_cast<int>(RegionKind::Heap)], 1u) << i;
    a.adopt(memory, next);
  }
  a.release_all(memory);
  EXPECT_EQ(memory.stats().total_bytes(), 0u);
}

TEST(TaskHeap, AdoptedBlocksAreTheNewOwnersToFree) {
  host::HostModuleMemory memory;
  TaskHeap old_version, new_version;
  void* p = old_version.allocate(memory, 100);
  void* big = old_version.allocate(memory, 1 << 20);
  new_version.adopt(memory, old_version);
  EXPECT_EQ(old_version.blocks(), 0u);
  EXPECT_EQ(new_version.bytes(), 100u + (1u << 20));
  EXPECT_EQ(new_version.free(memory, p), HeapFree::Freed);
  EXPECT_EQ(new_version.free(memory, big), HeapFree::Freed);
  new_version.release_all(memory);
  EXPECT_EQ(memory.stats().total_bytes(), 0u);
}

}  // namespace
}  // namespace dyn
