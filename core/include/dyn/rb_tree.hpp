// rb_tree.hpp — intrusive red-black tree.
//
// Keeps kernel objects ordered (tasks by deadline, by name, ...) with
// O(log n) insert/erase and O(1) access to both ends, without allocating:
// each element embeds one RbHook<Tag> per tree it can be in, so an object
// can sit in several trees at once through different Tags.
//
// The balancing is the textbook red-black scheme (Cormen et al., ch. 13),
// written with null children instead of a shared sentinel so that the tree
// object itself owns no node and the hooks stay three pointers plus a byte.
//
// Only the descent (which compares elements) is a template: linking,
// unlinking, rebalancing and the shape checks work on the untyped RbLinks
// and are compiled once (rb_tree.cpp), not once per kind of tree — on the
// Cortex-M3 each instantiation used to cost about 750 bytes of code.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace dyn {

template <typename T, typename Tag, typename Less>
class RbTree;
class RbCore;

// Declared, never defined here: host tests define it to corrupt hooks on
// purpose and prove that verify() notices each kind of damage.
template <typename Tag>
struct RbHookTestAccess;

// The links every hook has, whatever its tree; only RbCore, RbTree and the
// test access touch them.
// Invariant: color_ == unlinked exactly when the element is in no tree of
// its hook's Tag; then the three links are null.
class RbLinks {
 public:
  RbLinks() noexcept = default;
  // A copy of an element is a new object that is in no tree; copying the
  // links would make two objects claim the same position.
  RbLinks(const RbLinks&) noexcept {}
  RbLinks& operator=(const RbLinks&) noexcept { return *this; }
  ~RbLinks() = default;

  bool rb_linked() const noexcept { return color_ != Color::unlinked; }

 private:
  friend class RbCore;
  template <typename, typename, typename>
  friend class RbTree;
  template <typename>
  friend struct RbHookTestAccess;

  enum class Color : std::uint8_t { unlinked, red, black };

  RbLinks* parent_ = nullptr;
  RbLinks* left_ = nullptr;
  RbLinks* right_ = nullptr;
  Color color_ = Color::unlinked;
};

// Embedded in every element. An element derives publicly from RbHook<Tag>
// once per tree kind it may join; the Tag keeps the hooks apart.
template <typename Tag>
struct RbHook : RbLinks {};

// The untyped half of every RbTree: the root, the cached ends, the count,
// and every operation that needs no comparison. Not for direct use.
class RbCore {
 protected:
  using Node = RbLinks;
  using Color = RbLinks::Color;

  RbCore() noexcept = default;
  RbCore(const RbCore&) = delete;
  RbCore& operator=(const RbCore&) = delete;

  // Hangs z (unlinked) under parent (null: z becomes the root) on the side
  // the descent chose, updates the ends and the count, and rebalances.
  void link(Node* z, Node* parent, bool go_left, bool is_first, bool is_last) noexcept;
  // Precondition: z is linked in this tree. Afterwards z is unlinked.
  void unlink(Node* z) noexcept;
  void clear_all() noexcept;
  // Every invariant but the order: colours, parent links, black heights,
  // the count and the cached ends.
  [[nodiscard]] bool verify_shape() const noexcept;

  static Node* successor(const Node* h) noexcept;
  static Node* predecessor(const Node* h) noexcept;
  static bool is_red(const Node* h) noexcept { return h != nullptr && h->color_ == Color::red; }

  Node* root_ = nullptr;
  Node* first_ = nullptr;
  Node* last_ = nullptr;
  std::size_t size_ = 0;

 private:
  static Node* leftmost(Node* h) noexcept;
  static Node* rightmost(Node* h) noexcept;
  void transplant(Node* u, Node* v) noexcept;
  void rotate_left(Node* x) noexcept;
  void rotate_right(Node* x) noexcept;
  void insert_fixup(Node* z) noexcept;
  void erase_fixup(Node* x, Node* x_parent) noexcept;
  int check_subtree(const Node* n, std::size_t& count) const noexcept;
};

// Ordered multiset of T by Less. Equal elements keep their insertion order,
// which is what makes the tree usable as a FIFO-among-equals ready queue.
//
// Invariants (checked by verify()):
//  - in-order sequence is sorted by Less; among equals, by insertion time;
//  - the root is black, no red node has a red child, every root-to-null path
//    has the same number of black nodes (so height <= 2 log2(n + 1));
//  - every child's parent_ points back to its parent, the root's is null;
//  - size_ counts the linked nodes, first_/last_ are the leftmost/rightmost.
//
// The tree is neither copyable nor movable: elements' parent links point at
// nodes, and the root is addressed through this object's fields.
template <typename T, typename Tag, typename Less>
class RbTree : private RbCore {
  using Hook = RbHook<Tag>;

 public:
  RbTree() noexcept = default;
  RbTree(const RbTree&) = delete;
  RbTree& operator=(const RbTree&) = delete;

  // Precondition: e is not linked in any tree of this Tag.
  void insert(T& e) noexcept {
    Node* parent = nullptr;
    Node* cur = root_;
    bool go_left = false;
    // While descending, track whether the path was all-left / all-right:
    // that is exactly when the new node becomes the minimum / maximum, so
    // the cached ends are kept without an extra walk.
    bool only_left = true;
    bool only_right = true;
    while (cur != nullptr) {
      parent = cur;
      // Equal keys compare "not less" and go right, after the existing ones.
      go_left = less_(e, *elem(cur));
      if (go_left) {
        cur = cur->left_;
        only_right = false;
      } else {
        cur = cur->right_;
        only_left = false;
      }
    }
    link(hook(e), parent, go_left, only_left, only_right);
  }

  // Precondition: e is linked in this tree (not merely in another tree of
  // the same Tag). Afterwards e's hook is unlinked and may be reused.
  void erase(T& e) noexcept { unlink(hook(e)); }

  [[nodiscard]] T* first() const noexcept { return elem(first_); }
  [[nodiscard]] T* last() const noexcept { return elem(last_); }
  // Precondition for next/prev: e is linked in this tree.
  [[nodiscard]] T* next(const T& e) const noexcept { return elem(successor(hook(e))); }
  [[nodiscard]] T* prev(const T& e) const noexcept { return elem(predecessor(hook(e))); }

  // cmp(key, elem) returns <0 when key orders before elem, 0 when equal,
  // >0 when after; it must be consistent with Less. find() returns the first
  // (oldest) of the equal elements.
  template <typename Key, typename KeyCmp>
  [[nodiscard]] T* find(const Key& key, KeyCmp cmp) const noexcept {
    T* candidate = lower_bound(key, cmp);
    if (candidate != nullptr && cmp(key, static_cast<const T&>(*candidate)) == 0) return candidate;
    return nullptr;
  }

  // First element not ordered before key, i.e. cmp(key, elem) <= 0.
  template <typename Key, typename KeyCmp>
  [[nodiscard]] T* lower_bound(const Key& key, KeyCmp cmp) const noexcept {
    Node* best = nullptr;
    for (Node* cur = root_; cur != nullptr;) {
      if (cmp(key, *elem(cur)) <= 0) {
        best = cur;
        cur = cur->left_;
      } else {
        cur = cur->right_;
      }
    }
    return elem(best);
  }

  // First element ordered after key, i.e. cmp(key, elem) < 0.
  template <typename Key, typename KeyCmp>
  [[nodiscard]] T* upper_bound(const Key& key, KeyCmp cmp) const noexcept {
    Node* best = nullptr;
    for (Node* cur = root_; cur != nullptr;) {
      if (cmp(key, *elem(cur)) < 0) {
        best = cur;
        cur = cur->left_;
      } else {
        cur = cur->right_;
      }
    }
    return elem(best);
  }

  [[nodiscard]] bool empty() const noexcept { return root_ == nullptr; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }

  // Unlinks every element so each can be inserted elsewhere: O(n) time,
  // O(1) space, no recursion.
  void clear() noexcept { clear_all(); }

  // Checks every invariant listed on the class; false on any violation.
  // The shape first (recursion depth is the tree height, which a valid tree
  // bounds by 2 log2(n + 1); a corrupted one is cut off after size_ nodes),
  // then the order of in-order neighbours, over a tree now known to be whole.
  [[nodiscard]] bool verify() const noexcept {
    if (!verify_shape()) return false;
    for (const Node* n = first_; n != nullptr;) {
      const Node* after = successor(n);
      if (after != nullptr && less_(*elem(after), *elem(n))) return false;
      n = after;
    }
    return true;
  }

 private:
  static Node* hook(T& e) noexcept {
    static_assert(std::is_base_of_v<Hook, T>, "T must derive publicly from RbHook<Tag>");
    return &static_cast<Hook&>(e);
  }
  static const Node* hook(const T& e) noexcept { return &static_cast<const Hook&>(e); }
  // The links are a non-virtual base of the hook, the hook of T, so both
  // static_casts are checked, well-defined downcasts; null stays null.
  static T* elem(Node* h) noexcept { return static_cast<T*>(static_cast<Hook*>(h)); }
  static const T* elem(const Node* h) noexcept { return static_cast<const T*>(static_cast<const Hook*>(h)); }

  [[no_unique_address]] Less less_{};
};

}  // namespace dyn
