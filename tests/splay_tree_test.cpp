// splay_tree_test.cpp — host tests for the address-range splay tree.
//
// Blocks are plain structs with made-up addresses; nothing is dereferenced
// through them, so any uintptr_t value is a valid key for testing.
#include "dyn/splay_tree.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <random>
#include <vector>

namespace {

struct ByAddr;

struct Block : dyn::SplayHook<ByAddr> {
  std::uintptr_t start = 0;
  std::size_t length = 0;
};

struct StartOf {
  std::uintptr_t operator()(const Block& b) const { return b.start; }
};
struct LengthOf {
  std::size_t operator()(const Block& b) const { return b.length; }
};

using Tree = dyn::SplayTree<Block, ByAddr, StartOf, LengthOf>;

std::vector<std::uintptr_t> keys_in_order(const Tree& t) {
  std::vector<std::uintptr_t> out;
  t.for_each([&out](const Block& b) { out.push_back(b.start); });
  return out;
}

TEST(SplayTree, EmptyTree) {
  Tree t;
  EXPECT_TRUE(t.empty());
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.find(0), nullptr);
  EXPECT_EQ(t.find_containing(0x1000), nullptr);
  EXPECT_EQ(t.first(), nullptr);
  EXPECT_EQ(t.pop_first(), nullptr);
  EXPECT_TRUE(keys_in_order(t).empty());
  EXPECT_TRUE(t.verify());
}

TEST(SplayTree, FindContainingAtBlockEdges) {
  // Two adjacent blocks, a gap, then a third.
  Block a;
  a.start = 0x1000;
  a.length = 0x100;
  Block b;
  b.start = 0x1100;
  b.length = 0x40;
  Block c;
  c.start = 0x2000;
  c.length = 0x10;
  Tree t;
  ASSERT_TRUE(t.insert(c));
  ASSERT_TRUE(t.insert(a));
  ASSERT_TRUE(t.insert(b));
  ASSERT_TRUE(t.verify());

  EXPECT_EQ(t.find_containing(0x0FFF), nullptr);  // one before the first block
  EXPECT_EQ(t.find_containing(0x1000), &a);       // start
  EXPECT_EQ(t.find_containing(0x1080), &a);
  EXPECT_EQ(t.find_containing(0x10FF), &a);       // last byte
  EXPECT_EQ(t.find_containing(0x1100), &b);       // one past a's end is b's start
  EXPECT_EQ(t.find_containing(0x113F), &b);
  EXPECT_EQ(t.find_containing(0x1140), nullptr);  // one past b's end, in the gap
  EXPECT_EQ(t.find_containing(0x1FFF), nullptr);
  EXPECT_EQ(t.find_containing(0x2000), &c);
  EXPECT_EQ(t.find_containing(0x200F), &c);
  EXPECT_EQ(t.find_containing(0x2010), nullptr);  // one past the last block
  EXPECT_EQ(t.find_containing(0), nullptr);
  EXPECT_EQ(t.find_containing(std::numeric_limits<std::uintptr_t>::max()), nullptr);
  EXPECT_TRUE(t.verify());

  // Interior lookups do not match a start address exactly.
  EXPECT_EQ(t.find(0x1080), nullptr);
  EXPECT_EQ(t.find(0x1100), &b);

  // Once b is gone, a's end is followed by a gap.
  t.erase(b);
  EXPECT_EQ(t.find_containing(0x1100), nullptr);
  EXPECT_EQ(t.find_containing(0x10FF), &a);
  EXPECT_TRUE(t.verify());
  while (t.pop_first() != nullptr) {
  }
}

TEST(SplayTree, BlockAtTopOfAddressSpaceDoesNotOverflow) {
  constexpr std::uintptr_t kMax = std::numeric_limits<std::uintptr_t>::max();
  Block top;
  top.start = kMax - 15;
  top.length = 16;  // start + length wraps to 0
  Block zero_len;
  zero_len.start = 0x10;
  zero_len.length = 0;
  Tree t;
  ASSERT_TRUE(t.insert(top));
  ASSERT_TRUE(t.insert(zero_len));
  EXPECT_EQ(t.find_containing(kMax), &top);
  EXPECT_EQ(t.find_containing(kMax - 15), &top);
  EXPECT_EQ(t.find_containing(kMax - 16), nullptr);
  EXPECT_EQ(t.find_containing(0), nullptr);
  EXPECT_EQ(t.find_containing(0x10), nullptr);  // an empty block contains nothing
  EXPECT_EQ(t.find(0x10), &zero_len);
  EXPECT_TRUE(t.verify());
  while (t.pop_first() != nullptr) {
  }
}

TEST(SplayTree, DuplicateKeyRefused) {
  Block a;
  a.start = 0x4000;
  a.length = 8;
  Block same_start;
  same_start.start = 0x4000;
  same_start.length = 32;
  Tree t;
  ASSERT_TRUE(t.insert(a));
  EXPECT_FALSE(t.insert(same_start));
  EXPECT_FALSE(same_start.splay_linked());
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.find(0x4000), &a);
  EXPECT_EQ(t.find_containing(0x4010), nullptr);  // a's length still rules
  EXPECT_TRUE(t.verify());

  // Inserting an element that is already linked is refused too.
  EXPECT_FALSE(t.insert(a));
  EXPECT_EQ(t.size(), 1u);
  EXPECT_TRUE(t.verify());

  // Linked in another tree of the same Tag counts as taken, even though
  // this tree has no such key.
  Block elsewhere;
  elsewhere.start = 0x9000;
  elsewhere.length = 8;
  Tree other;
  ASSERT_TRUE(other.insert(elsewhere));
  EXPECT_FALSE(t.insert(elsewhere));
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.find(0x9000), nullptr);
  EXPECT_TRUE(t.verify());
  EXPECT_TRUE(other.verify());
  other.erase(elsewhere);

  // Erasing the refused twin is a no-op: it is not the node holding the key.
  t.erase(same_start);
  EXPECT_EQ(t.size(), 1u);
  EXPECT_TRUE(a.splay_linked());
  EXPECT_EQ(t.find(0x4000), &a);

  t.erase(a);
  EXPECT_FALSE(a.splay_linked());
  EXPECT_TRUE(t.insert(same_start));
  EXPECT_EQ(t.find(0x4000), &same_start);
  EXPECT_TRUE(t.verify());
  t.erase(same_start);
  EXPECT_TRUE(t.empty());
}

TEST(SplayTree, PopFirstDrainsInAscendingOrder) {
  std::vector<Block> blocks(500);
  std::vector<std::uintptr_t> starts;
  std::mt19937 rng(99);
  Tree t;
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    blocks[i].start = 0x2000'0000u + 64u * i;
    blocks[i].length = 64;
    starts.push_back(blocks[i].start);
  }
  std::vector<Block*> order;
  for (auto& b : blocks) order.push_back(&b);
  std::shuffle(order.begin(), order.end(), rng);
  for (Block* b : order) ASSERT_TRUE(t.insert(*b));
  ASSERT_TRUE(t.verify());
  EXPECT_EQ(t.first(), &blocks[0]);

  std::size_t n = 0;
  while (Block* b = t.pop_first()) {
    ASSERT_EQ(b->start, starts[n]) << n;
    ASSERT_FALSE(b->splay_linked());
    ++n;
    ASSERT_EQ(t.size(), blocks.size() - n);
    if (n % 25 == 0) {
      ASSERT_TRUE(t.verify());
    }
  }
  EXPECT_EQ(n, blocks.size());
  EXPECT_TRUE(t.empty());
  EXPECT_TRUE(t.verify());
}

TEST(SplayTree, RandomizedAgainstMap) {
  constexpr std::size_t kBlocks = 256;
  constexpr int kOps = 20000;
  // Block i lives in slot i of a fixed grid with a random length inside the
  // slot, so blocks never overlap but gaps vary.
  constexpr std::uintptr_t kBase = 0x8000'0000u;
  constexpr std::uintptr_t kSlot = 0x100;
  std::vector<Block> blocks(kBlocks);
  std::mt19937 rng(2024);
  std::uniform_int_distribution<std::size_t> pick(0, kBlocks - 1);
  std::uniform_int_distribution<std::size_t> length_dist(1, kSlot);
  std::uniform_int_distribution<std::uintptr_t> offset_dist(0, kSlot - 1);
  std::uniform_int_distribution<int> action(0, 5);
  std::map<std::uintptr_t, Block*> ref;
  Tree t;

  auto reference_containing = [&](std::uintptr_t addr) -> Block* {
    auto it = ref.upper_bound(addr);
    if (it == ref.begin()) return nullptr;
    --it;
    return addr - it->first < it->second->length ? it->second : nullptr;
  };

  for (int op = 0; op < kOps; ++op) {
    const std::size_t i = pick(rng);
    Block& b = blocks[i];
    switch (action(rng)) {
      case 0:
      case 1:
        if (b.splay_linked()) {
          t.erase(b);
          ref.erase(b.start);
          ASSERT_FALSE(b.splay_linked());
        } else {
          b.start = kBase + kSlot * i;
          b.length = length_dist(rng);
          ASSERT_TRUE(t.insert(b));
          ref.emplace(b.start, &b);
        }
        break;
      case 2: {
        const std::uintptr_t key = kBase + kSlot * i + (op % 2);  // exact or just off
        auto it = ref.find(key);
        ASSERT_EQ(t.find(key), it == ref.end() ? nullptr : it->second);
        break;
      }
      case 3: {
        // Probe around the slot edges and the tree's outer bounds as well.
        const std::uintptr_t addr = kBase + kSlot * i + offset_dist(rng) - kSlot / 2;
        ASSERT_EQ(t.find_containing(addr), reference_containing(addr)) << std::hex << addr;
        break;
      }
      case 4: {
        Block* expected = ref.empty() ? nullptr : ref.begin()->second;
        ASSERT_EQ(t.first(), expected);
        break;
      }
      default: {
        if (op % 7 == 0) {
          Block* expected = ref.empty() ? nullptr : ref.begin()->second;
          Block* popped = t.pop_first();
          ASSERT_EQ(popped, expected);
          if (popped != nullptr) {
            ref.erase(ref.begin());
            ASSERT_FALSE(popped->splay_linked());
          }
        }
        break;
      }
    }
    ASSERT_TRUE(t.verify()) << "op " << op;
    ASSERT_EQ(t.size(), ref.size());
    if (op % 100 == 0) {
      std::vector<std::uintptr_t> expected;
      for (const auto& [k, blk] : ref) expected.push_back(k);
      ASSERT_EQ(keys_in_order(t), expected);
    }
  }
  while (t.pop_first() != nullptr) {
  }
}

TEST(SplayTree, ForEachLeavesTreeIntact) {
  std::vector<Block> blocks(64);
  Tree t;
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    blocks[i].start = 0x100 * ((i * 29) % 64);  // scrambled insertion order
    blocks[i].length = 0x10;
    ASSERT_TRUE(t.insert(blocks[i]));
  }
  ASSERT_NE(t.find(0x100 * 17), nullptr);  // gives the tree a non-trivial shape
  const std::vector<std::uintptr_t> first_pass = keys_in_order(t);
  ASSERT_EQ(first_pass.size(), blocks.size());
  for (std::size_t i = 0; i < first_pass.size(); ++i) EXPECT_EQ(first_pass[i], 0x100 * i);
  EXPECT_TRUE(t.verify());
  EXPECT_EQ(keys_in_order(t), first_pass);
  for (const auto& b : blocks) EXPECT_EQ(t.find_containing(b.start + 0xF), &b);
  while (t.pop_first() != nullptr) {
  }
}

TEST(SplayTree, DeepDegenerateTreeNeedsNoRecursion) {
  // Ascending inserts build a left-leaning path 100k nodes deep. A
  // recursive walk here would exhaust the stack (notably under ASan).
  constexpr std::size_t kN = 100'000;
  std::vector<Block> blocks(kN);
  Tree t;
  for (std::size_t i = 0; i < kN; ++i) {
    blocks[i].start = 16 * (i + 1);
    blocks[i].length = 16;
    ASSERT_TRUE(t.insert(blocks[i]));
  }
  EXPECT_TRUE(t.verify());
  std::size_t count = 0;
  std::uintptr_t previous = 0;
  bool ascending = true;
  t.for_each([&](const Block& b) {
    ascending = ascending && b.start > previous;
    previous = b.start;
    ++count;
  });
  EXPECT_EQ(count, kN);
  EXPECT_TRUE(ascending);
  EXPECT_EQ(t.find_containing(16 * kN + 15), &blocks[kN - 1]);
  EXPECT_EQ(t.find_containing(16 + 3), &blocks[0]);
  std::size_t drained = 0;
  while (t.pop_first() != nullptr) ++drained;
  EXPECT_EQ(drained, kN);
  EXPECT_TRUE(t.verify());
}

}  // namespace

// Reaches into hooks so the tests below can damage a tree in one specific
// way each and check that verify() reports it.
template <>
struct dyn::SplayHookTestAccess<ByAddr> {
  using Hook = dyn::SplayHook<ByAddr>;
  static Hook& hook(Block& b) { return b; }
  static Block* left(Block& b) { return static_cast<Block*>(hook(b).left_); }
  static void set_left(Block& b, Block* l) { hook(b).left_ = l; }
  static void set_right(Block& b, Block* r) { hook(b).right_ = r; }
  static void set_linked(Block& b, bool linked) { hook(b).linked_ = linked; }
};

namespace {

using Access = dyn::SplayHookTestAccess<ByAddr>;

// Blocks of 0x10 bytes at 0x10, 0x20, ... inserted in ascending order: each
// new root has the previous one as its left child.
::testing::AssertionResult fill_ascending(std::vector<Block>& blocks, Tree& t) {
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    blocks[i].start = 0x10 * (i + 1);
    blocks[i].length = 0x10;
    if (!t.insert(blocks[i])) return ::testing::AssertionFailure() << "insert " << i;
  }
  return ::testing::AssertionSuccess();
}

TEST(SplayTree, VerifyDetectsClearedLinkedFlag) {
  std::vector<Block> blocks(8);
  Tree t;
  ASSERT_TRUE(fill_ascending(blocks, t));
  Access::set_linked(blocks[5], false);
  EXPECT_FALSE(t.verify());
  Access::set_linked(blocks[5], true);
  EXPECT_TRUE(t.verify());
  while (t.pop_first() != nullptr) {
  }
}

TEST(SplayTree, VerifyDetectsLostSubtree) {
  std::vector<Block> blocks(8);
  Tree t;
  // Ascending inserts: each new root has the previous one as left child.
  ASSERT_TRUE(fill_ascending(blocks, t));
  Block* cut = Access::left(blocks[4]);
  ASSERT_EQ(cut, &blocks[3]);
  Access::set_left(blocks[4], nullptr);  // size_ still counts blocks 0..3
  EXPECT_FALSE(t.verify());
  Access::set_left(blocks[4], cut);
  EXPECT_TRUE(t.verify());
  while (t.pop_first() != nullptr) {
  }
}

TEST(SplayTree, VerifyTerminatesOnCycle) {
  std::vector<Block> blocks(8);
  Tree t;
  ASSERT_TRUE(fill_ascending(blocks, t));
  // The oldest node's empty left link now leads back to the root. The
  // tree is beyond repair afterwards; the point is that verify() returns.
  ASSERT_EQ(Access::left(blocks[0]), nullptr);
  Access::set_left(blocks[0], &blocks[7]);
  EXPECT_FALSE(t.verify());
}

TEST(SplayTree, VerifyTerminatesOnSelfLoop) {
  std::vector<Block> blocks(4);
  Tree t;
  ASSERT_TRUE(fill_ascending(blocks, t));
  // A right link to itself looks like an endless ascending run; one on the
  // deepest node loops inside the predecessor search, one on the root in
  // the main walk.
  Access::set_right(blocks[0], &blocks[0]);
  EXPECT_FALSE(t.verify());
  Tree t2;
  std::vector<Block> more(4);
  ASSERT_TRUE(fill_ascending(more, t2));
  Access::set_right(more[3], &more[3]);
  EXPECT_FALSE(t2.verify());
}

TEST(SplayTree, VerifyDetectsBrokenOrder) {
  std::vector<Block> blocks(10);
  Tree t;
  ASSERT_TRUE(fill_ascending(blocks, t));
  ASSERT_TRUE(t.verify());
  // A key changed while linked breaks the order the tree relies on.
  blocks[3].start = 0x1000;
  EXPECT_FALSE(t.verify());
  blocks[3].start = 0x40;
  EXPECT_TRUE(t.verify());  // and verify() left the links as they were
  while (t.pop_first() != nullptr) {
  }
}

}  // namespace
