// rb_tree_test.cpp — host tests for the intrusive red-black tree.
//
// The randomized test replays thousands of inserts/erases against
// std::multimap, whose insert also places an equal key after the existing
// ones, so the whole in-order sequence (including the FIFO order among equal
// keys) must match exactly, and verify() must hold after every operation.
#include "dyn/rb_tree.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <map>
#include <random>
#include <utility>
#include <vector>

namespace {

struct ByKey;
struct ByName;

struct Item : dyn::RbHook<ByKey>, dyn::RbHook<ByName> {
  int key = 0;
  int id = 0;
};

struct KeyLess {
  bool operator()(const Item& a, const Item& b) const { return a.key < b.key; }
};
struct NameLess {
  bool operator()(const Item& a, const Item& b) const { return a.id < b.id; }
};
struct KeyCmp {
  int operator()(int k, const Item& e) const { return k < e.key ? -1 : (k > e.key ? 1 : 0); }
};

using KeyTree = dyn::RbTree<Item, ByKey, KeyLess>;
using NameTree = dyn::RbTree<Item, ByName, NameLess>;

bool linked_by_key(const Item& e) { return static_cast<const dyn::RbHook<ByKey>&>(e).rb_linked(); }
bool linked_by_name(const Item& e) { return static_cast<const dyn::RbHook<ByName>&>(e).rb_linked(); }

std::vector<int> ids_forward(const KeyTree& t) {
  std::vector<int> out;
  for (Item* e = t.first(); e != nullptr; e = t.next(*e)) out.push_back(e->id);
  return out;
}
std::vector<int> ids_backward(const KeyTree& t) {
  std::vector<int> out;
  for (Item* e = t.last(); e != nullptr; e = t.prev(*e)) out.push_back(e->id);
  return out;
}

std::vector<Item> make_items(std::size_t n) {
  std::vector<Item> items(n);
  for (std::size_t i = 0; i < n; ++i) items[i].id = static_cast<int>(i);
  return items;
}

TEST(RbTree, EmptyTree) {
  KeyTree t;
  EXPECT_TRUE(t.empty());
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.first(), nullptr);
  EXPECT_EQ(t.last(), nullptr);
  EXPECT_EQ(t.find(3, KeyCmp{}), nullptr);
  EXPECT_EQ(t.lower_bound(3, KeyCmp{}), nullptr);
  EXPECT_EQ(t.upper_bound(3, KeyCmp{}), nullptr);
  EXPECT_TRUE(t.verify());
  t.clear();
  EXPECT_TRUE(t.verify());
}

TEST(RbTree, RandomizedAgainstMultimap) {
  constexpr std::size_t kItems = 300;
  constexpr int kOps = 20000;
  std::vector<Item> items = make_items(kItems);
  KeyTree tree;
  std::multimap<int, int> ref;  // key -> id, in insertion order among equals
  std::mt19937 rng(12345);
  std::uniform_int_distribution<int> key_dist(0, 40);  // narrow: many duplicates
  std::uniform_int_distribution<std::size_t> pick(0, kItems - 1);

  for (int op = 0; op < kOps; ++op) {
    Item& e = items[pick(rng)];
    if (linked_by_key(e)) {
      auto range = ref.equal_range(e.key);
      auto it = range.first;
      while (it != range.second && it->second != e.id) ++it;
      ASSERT_NE(it, range.second);
      ref.erase(it);
      tree.erase(e);
      ASSERT_FALSE(linked_by_key(e));
    } else {
      e.key = key_dist(rng);
      tree.insert(e);
      ref.emplace(e.key, e.id);
      ASSERT_TRUE(linked_by_key(e));
    }
    ASSERT_TRUE(tree.verify()) << "op " << op;
    ASSERT_EQ(tree.size(), ref.size());
    if (ref.empty()) {
      ASSERT_EQ(tree.first(), nullptr);
      ASSERT_EQ(tree.last(), nullptr);
    } else {
      ASSERT_EQ(tree.first()->id, ref.begin()->second);
      ASSERT_EQ(tree.last()->id, std::prev(ref.end())->second);
    }
    if (op % 50 == 0) {
      std::vector<int> expected;
      for (const auto& [k, id] : ref) expected.push_back(id);
      ASSERT_EQ(ids_forward(tree), expected) << "op " << op;
      std::vector<int> reversed(expected.rbegin(), expected.rend());
      ASSERT_EQ(ids_backward(tree), reversed) << "op " << op;
    }
    const int probe = key_dist(rng) - 1;  // also probes below and above every key
    auto lb = ref.lower_bound(probe);
    auto ub = ref.upper_bound(probe);
    Item* tlb = tree.lower_bound(probe, KeyCmp{});
    Item* tub = tree.upper_bound(probe, KeyCmp{});
    Item* tf = tree.find(probe, KeyCmp{});
    ASSERT_EQ(tlb == nullptr, lb == ref.end());
    if (tlb != nullptr) {
      ASSERT_EQ(tlb->id, lb->second);
    }
    ASSERT_EQ(tub == nullptr, ub == ref.end());
    if (tub != nullptr) {
      ASSERT_EQ(tub->id, ub->second);
    }
    if (lb != ref.end() && lb->first == probe) {
      ASSERT_NE(tf, nullptr);
      ASSERT_EQ(tf->id, lb->second);  // the oldest of the equal ones
    } else {
      ASSERT_EQ(tf, nullptr);
    }
  }
  tree.clear();
}

TEST(RbTree, EqualKeysKeepInsertionOrder) {
  std::vector<Item> items = make_items(64);
  KeyTree tree;
  // Interleave three keys so equal elements are far apart in time and the
  // rebalancing rotations run between them.
  for (std::size_t i = 0; i < items.size(); ++i) {
    items[i].key = static_cast<int>(i % 3);
    tree.insert(items[i]);
    ASSERT_TRUE(tree.verify());
  }
  std::vector<int> expected;
  for (int k = 0; k < 3; ++k)
    for (std::size_t i = 0; i < items.size(); ++i)
      if (items[i].key == k) expected.push_back(items[i].id);
  EXPECT_EQ(ids_forward(tree), expected);

  // Erasing from the middle of an equal run keeps the rest in order.
  tree.erase(items[4]);  // key 1
  tree.erase(items[30]);  // key 0
  ASSERT_TRUE(tree.verify());
  std::erase(expected, 4);
  std::erase(expected, 30);
  EXPECT_EQ(ids_forward(tree), expected);

  // A re-inserted element goes to the back of its equal run.
  tree.insert(items[4]);
  auto pos = std::find(expected.begin(), expected.end(), 2);  // first key-2 id
  expected.insert(pos, 4);
  EXPECT_EQ(ids_forward(tree), expected);
  EXPECT_EQ(tree.find(1, KeyCmp{})->id, 1);
  tree.clear();
}

TEST(RbTree, BoundsAndFindOnGaps) {
  std::vector<Item> items = make_items(5);
  const int keys[] = {10, 20, 20, 30, 40};
  KeyTree tree;
  for (std::size_t i = 0; i < items.size(); ++i) {
    items[i].key = keys[i];
    tree.insert(items[i]);
  }
  EXPECT_EQ(tree.find(20, KeyCmp{}), &items[1]);
  EXPECT_EQ(tree.find(25, KeyCmp{}), nullptr);
  EXPECT_EQ(tree.find(5, KeyCmp{}), nullptr);
  EXPECT_EQ(tree.find(45, KeyCmp{}), nullptr);
  EXPECT_EQ(tree.lower_bound(20, KeyCmp{}), &items[1]);
  EXPECT_EQ(tree.upper_bound(20, KeyCmp{}), &items[3]);
  EXPECT_EQ(tree.lower_bound(21, KeyCmp{}), &items[3]);
  EXPECT_EQ(tree.upper_bound(19, KeyCmp{}), &items[1]);
  EXPECT_EQ(tree.lower_bound(-1, KeyCmp{}), &items[0]);
  EXPECT_EQ(tree.upper_bound(40, KeyCmp{}), nullptr);
  EXPECT_EQ(tree.lower_bound(41, KeyCmp{}), nullptr);
  EXPECT_EQ(tree.lower_bound(40, KeyCmp{}), &items[4]);
  tree.clear();
}

TEST(RbTree, FirstAndLastFollowErase) {
  std::vector<Item> items = make_items(100);
  KeyTree tree;
  // Ascending inserts hit the rotate-heavy path and move last on each insert.
  for (std::size_t i = 0; i < items.size(); ++i) {
    items[i].key = static_cast<int>(i);
    tree.insert(items[i]);
    ASSERT_EQ(tree.last(), &items[i]);
    ASSERT_EQ(tree.first(), &items[0]);
  }
  std::size_t lo = 0;
  std::size_t hi = items.size() - 1;
  // Alternately remove the minimum and the maximum.
  while (lo <= hi) {
    tree.erase(items[lo]);
    ++lo;
    ASSERT_TRUE(tree.verify());
    if (lo <= hi) {
      ASSERT_EQ(tree.first(), &items[lo]);
      ASSERT_EQ(tree.last(), &items[hi]);
      tree.erase(items[hi]);
      --hi;
      ASSERT_TRUE(tree.verify());
      if (lo <= hi) {
        ASSERT_EQ(tree.first(), &items[lo]);
        ASSERT_EQ(tree.last(), &items[hi]);
      }
    }
  }
  EXPECT_TRUE(tree.empty());
  EXPECT_EQ(tree.first(), nullptr);
  EXPECT_EQ(tree.last(), nullptr);

  // Removing an interior node leaves the cached ends alone.
  for (std::size_t i = 0; i < 3; ++i) tree.insert(items[i]);
  tree.erase(items[1]);
  EXPECT_EQ(tree.first(), &items[0]);
  EXPECT_EQ(tree.last(), &items[2]);
  EXPECT_EQ(tree.next(items[0]), &items[2]);
  EXPECT_EQ(tree.prev(items[2]), &items[0]);
  EXPECT_EQ(tree.prev(items[0]), nullptr);
  EXPECT_EQ(tree.next(items[2]), nullptr);
  tree.clear();
}

TEST(RbTree, ElementInTwoTreesAtOnce) {
  std::vector<Item> items = make_items(50);
  KeyTree by_key;
  NameTree by_name;
  for (std::size_t i = 0; i < items.size(); ++i) {
    items[i].key = static_cast<int>((i * 37) % 50);  // a permutation of ids
    by_key.insert(items[i]);
    by_name.insert(items[i]);
  }
  ASSERT_TRUE(by_key.verify());
  ASSERT_TRUE(by_name.verify());
  EXPECT_EQ(by_name.first(), &items[0]);
  EXPECT_EQ(by_key.first()->key, 0);
  EXPECT_EQ(by_key.last()->key, 49);

  // Leaving one tree does not disturb membership in the other.
  for (std::size_t i = 0; i < items.size(); i += 2) by_key.erase(items[i]);
  ASSERT_TRUE(by_key.verify());
  ASSERT_TRUE(by_name.verify());
  EXPECT_EQ(by_key.size(), 25u);
  EXPECT_EQ(by_name.size(), 50u);
  for (std::size_t i = 0; i < items.size(); ++i) {
    EXPECT_EQ(linked_by_key(items[i]), i % 2 == 1);
    EXPECT_TRUE(linked_by_name(items[i]));
  }
  int expected_id = 0;
  for (Item* e = by_name.first(); e != nullptr; e = by_name.next(*e)) EXPECT_EQ(e->id, expected_id++);
  EXPECT_EQ(expected_id, 50);
  int previous_key = -1;
  for (Item* e = by_key.first(); e != nullptr; e = by_key.next(*e)) {
    EXPECT_GT(e->key, previous_key);
    EXPECT_EQ(e->id % 2, 1);
    previous_key = e->key;
  }
  by_key.clear();
  by_name.clear();
}

TEST(RbTree, ClearUnlinksEverythingAndTreeIsReusable) {
  std::vector<Item> items = make_items(200);
  KeyTree tree;
  NameTree other;
  std::mt19937 rng(7);
  for (auto& e : items) {
    e.key = static_cast<int>(rng() % 1000);
    tree.insert(e);
    other.insert(e);
  }
  tree.clear();
  EXPECT_TRUE(tree.empty());
  EXPECT_EQ(tree.size(), 0u);
  EXPECT_EQ(tree.first(), nullptr);
  EXPECT_EQ(tree.last(), nullptr);
  EXPECT_TRUE(tree.verify());
  for (const auto& e : items) {
    EXPECT_FALSE(linked_by_key(e));
    EXPECT_TRUE(linked_by_name(e));  // clear() touches only its own Tag
  }
  EXPECT_TRUE(other.verify());
  EXPECT_EQ(other.size(), items.size());

  // Every element can go straight back in.
  for (auto& e : items) tree.insert(e);
  EXPECT_TRUE(tree.verify());
  EXPECT_EQ(tree.size(), items.size());
  tree.clear();
  other.clear();
}

TEST(RbTree, CopyOfElementIsNotLinked) {
  std::vector<Item> items = make_items(3);
  KeyTree tree;
  for (auto& e : items) tree.insert(e);
  Item copy = items[1];
  EXPECT_FALSE(linked_by_key(copy));
  EXPECT_EQ(copy.id, 1);
  items[2] = items[0];  // assignment keeps the target's own links
  EXPECT_TRUE(linked_by_key(items[2]));
  EXPECT_TRUE(tree.verify());
  tree.clear();
}

TEST(RbTree, VerifyDetectsBrokenOrder) {
  std::vector<Item> items = make_items(20);
  KeyTree tree;
  for (std::size_t i = 0; i < items.size(); ++i) {
    items[i].key = static_cast<int>(i);
    tree.insert(items[i]);
  }
  ASSERT_TRUE(tree.verify());
  // Changing a key while linked breaks the order the tree relies on.
  items[5].key = 100;
  EXPECT_FALSE(tree.verify());
  items[5].key = 5;
  EXPECT_TRUE(tree.verify());
  tree.clear();
}

}  // namespace

// Reaches into hooks so the tests below can damage a tree in one specific
// way each and check that verify() reports it.
template <>
struct dyn::RbHookTestAccess<ByKey> {
  using Hook = dyn::RbHook<ByKey>;
  static Hook& hook(Item& e) { return e; }
  // The links are untyped (RbLinks); an Item has one per hook, so the way
  // back to it goes through this Tag's hook.
  static Item* item(dyn::RbLinks* l) { return static_cast<Item*>(static_cast<Hook*>(l)); }
  static Item* parent(Item& e) { return item(hook(e).parent_); }
  static Item* left(Item& e) { return item(hook(e).left_); }
  static Item* right(Item& e) { return item(hook(e).right_); }
  static bool is_red(const Item* e) { return e != nullptr && static_cast<const Hook&>(*e).color_ == Hook::Color::red; }
  static void paint(Item* e, bool red) { hook(*e).color_ = red ? Hook::Color::red : Hook::Color::black; }
  static void set_parent(Item& e, Item* p) { hook(e).parent_ = static_cast<Hook*>(p); }
};

namespace {

using Access = dyn::RbHookTestAccess<ByKey>;

// A tree with enough shapes in it that every damage pattern below has a spot.
void fill_random(std::vector<Item>& items, KeyTree& tree) {
  std::mt19937 rng(4242);
  for (auto& e : items) {
    e.key = static_cast<int>(rng() % 100000);
    tree.insert(e);
  }
  ASSERT_TRUE(tree.verify());
}

TEST(RbTree, VerifyDetectsRedRoot) {
  // Keys 0..3 ascending give a black root with two black children, so a
  // red root breaks no other rule and only the root check can catch it.
  std::vector<Item> items = make_items(4);
  KeyTree tree;
  for (std::size_t i = 0; i < items.size(); ++i) {
    items[i].key = static_cast<int>(i);
    tree.insert(items[i]);
  }
  Item* root = &items[1];
  ASSERT_EQ(Access::parent(*root), nullptr);
  ASSERT_FALSE(Access::is_red(Access::left(*root)));
  ASSERT_FALSE(Access::is_red(Access::right(*root)));
  ASSERT_TRUE(tree.verify());
  Access::paint(root, true);
  EXPECT_FALSE(tree.verify());
  Access::paint(root, false);
  EXPECT_TRUE(tree.verify());
  tree.clear();
}

TEST(RbTree, VerifyDetectsUnequalBlackHeight) {
  std::vector<Item> items = make_items(1000);
  KeyTree tree;
  fill_random(items, tree);
  // Reddening a black node whose parent and children are not red removes
  // one black from its paths only, without creating a red-red pair.
  Item* victim = nullptr;
  for (Item* e = tree.first(); e != nullptr && victim == nullptr; e = tree.next(*e)) {
    Item* p = Access::parent(*e);
    if (p != nullptr && !Access::is_red(e) && !Access::is_red(p) && !Access::is_red(Access::left(*e)) &&
        !Access::is_red(Access::right(*e)))
      victim = e;
  }
  ASSERT_NE(victim, nullptr);
  Access::paint(victim, true);
  EXPECT_FALSE(tree.verify());
  Access::paint(victim, false);
  EXPECT_TRUE(tree.verify());
  tree.clear();
}

TEST(RbTree, VerifyDetectsRedRedWithBalancedBlackHeight) {
  std::vector<Item> items = make_items(1000);
  KeyTree tree;
  fill_random(items, tree);
  // Pushing a black node's colour down into its two red children keeps
  // black heights equal; under a red parent it yields a lone red-red pair.
  Item* victim = nullptr;
  for (Item* e = tree.first(); e != nullptr && victim == nullptr; e = tree.next(*e)) {
    Item* p = Access::parent(*e);
    if (p != nullptr && Access::is_red(p) && !Access::is_red(e) && Access::is_red(Access::left(*e)) &&
        Access::is_red(Access::right(*e)))
      victim = e;
  }
  ASSERT_NE(victim, nullptr);
  Access::paint(victim, true);
  Access::paint(Access::left(*victim), false);
  Access::paint(Access::right(*victim), false);
  EXPECT_FALSE(tree.verify());
  Access::paint(victim, false);
  Access::paint(Access::left(*victim), true);
  Access::paint(Access::right(*victim), true);
  EXPECT_TRUE(tree.verify());
  tree.clear();
}

TEST(RbTree, VerifyDetectsBrokenParentLink) {
  std::vector<Item> items = make_items(100);
  KeyTree tree;
  fill_random(items, tree);
  Item* child = tree.last();
  Item* real_parent = Access::parent(*child);
  ASSERT_NE(real_parent, nullptr);
  Access::set_parent(*child, tree.first());
  EXPECT_FALSE(tree.verify());
  Access::set_parent(*child, real_parent);
  EXPECT_TRUE(tree.verify());
  tree.clear();
}

TEST(RbTree, LargeSequentialStaysBalanced) {
  // verify() checks equal black heights, which bounds height to 2 log2(n+1);
  // ascending and descending runs are the classic worst case for a plain BST.
  constexpr std::size_t kN = 20000;
  std::vector<Item> items = make_items(kN);
  KeyTree tree;
  for (std::size_t i = 0; i < kN; ++i) {
    items[i].key = static_cast<int>(kN - i);
    tree.insert(items[i]);
  }
  ASSERT_TRUE(tree.verify());
  EXPECT_EQ(tree.first(), &items[kN - 1]);
  EXPECT_EQ(tree.last(), &items[0]);
  for (std::size_t i = 0; i < kN; i += 3) tree.erase(items[i]);
  ASSERT_TRUE(tree.verify());
  tree.clear();
}

}  // namespace
