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
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace dyn {

template <typename T, typename Tag, typename Less>
class RbTree;

// Declared, never defined here: host tests define it to corrupt hooks on
// purpose and prove that verify() notices each kind of damage.
template <typename Tag>
struct RbHookTestAccess;

// Embedded in every element. An element derives publicly from RbHook<Tag>
// once per tree kind it may join.
// Invariant: color_ == unlinked exactly when the element is in no tree of
// this Tag; then the three links are null.
template <typename Tag>
struct RbHook {
 public:
  RbHook() noexcept = default;
  // A copy of an element is a new object that is in no tree; copying the
  // links would make two objects claim the same position.
  RbHook(const RbHook&) noexcept {}
  RbHook& operator=(const RbHook&) noexcept { return *this; }
  ~RbHook() = default;

  bool rb_linked() const noexcept { return color_ != Color::unlinked; }

 private:
  template <typename, typename, typename>
  friend class RbTree;
  friend struct RbHookTestAccess<Tag>;

  enum class Color : std::uint8_t { unlinked, red, black };

  RbHook* parent_ = nullptr;
  RbHook* left_ = nullptr;
  RbHook* right_ = nullptr;
  Color color_ = Color::unlinked;
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
class RbTree {
  using Hook = RbHook<Tag>;
  using Color = typename Hook::Color;

 public:
  RbTree() noexcept = default;
  RbTree(const RbTree&) = delete;
  RbTree& operator=(const RbTree&) = delete;

  // Precondition: e is not linked in any tree of this Tag.
  void insert(T& e) noexcept {
    Hook* z = hook(e);
    Hook* parent = nullptr;
    Hook* cur = root_;
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
    z->parent_ = parent;
    z->left_ = nullptr;
    z->right_ = nullptr;
    z->color_ = Color::red;
    if (parent == nullptr) root_ = z;
    else if (go_left) parent->left_ = z;
    else parent->right_ = z;
    if (only_left) first_ = z;
    if (only_right) last_ = z;
    ++size_;
    insert_fixup(z);
  }

  // Precondition: e is linked in this tree (not merely in another tree of
  // the same Tag). Afterwards e's hook is unlinked and may be reused.
  void erase(T& e) noexcept {
    Hook* z = hook(e);
    if (first_ == z) first_ = successor(z);
    if (last_ == z) last_ = predecessor(z);

    // y is the node that physically leaves its position: z itself when it
    // has at most one child, otherwise z's successor, which takes z's place
    // and colour. x is the child that moves up into y's old spot (maybe
    // null, hence x_parent is tracked separately).
    Hook* y = z;
    Color removed_color = y->color_;
    Hook* x = nullptr;
    Hook* x_parent = nullptr;
    if (z->left_ == nullptr) {
      x = z->right_;
      x_parent = z->parent_;
      transplant(z, z->right_);
    } else if (z->right_ == nullptr) {
      x = z->left_;
      x_parent = z->parent_;
      transplant(z, z->left_);
    } else {
      y = leftmost(z->right_);
      removed_color = y->color_;
      x = y->right_;
      if (y->parent_ == z) {
        x_parent = y;
      } else {
        x_parent = y->parent_;
        transplant(y, y->right_);
        y->right_ = z->right_;
        y->right_->parent_ = y;
      }
      transplant(z, y);
      y->left_ = z->left_;
      y->left_->parent_ = y;
      y->color_ = z->color_;
    }
    if (removed_color == Color::black) erase_fixup(x, x_parent);

    --size_;
    z->parent_ = nullptr;
    z->left_ = nullptr;
    z->right_ = nullptr;
    z->color_ = Color::unlinked;
  }

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
    Hook* best = nullptr;
    for (Hook* cur = root_; cur != nullptr;) {
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
    Hook* best = nullptr;
    for (Hook* cur = root_; cur != nullptr;) {
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

  // Unlinks every element so each can be inserted elsewhere. Post-order
  // walk driven by parent links: O(n) time, O(1) space, no recursion.
  void clear() noexcept {
    Hook* cur = root_;
    while (cur != nullptr) {
      if (cur->left_ != nullptr) {
        cur = cur->left_;
      } else if (cur->right_ != nullptr) {
        cur = cur->right_;
      } else {
        // A leaf: detach it from its parent so the parent becomes a leaf
        // once its other subtree is gone too.
        Hook* up = cur->parent_;
        if (up != nullptr) {
          if (up->left_ == cur) up->left_ = nullptr;
          else up->right_ = nullptr;
        }
        cur->parent_ = nullptr;
        cur->color_ = Color::unlinked;
        cur = up;
      }
    }
    root_ = nullptr;
    first_ = nullptr;
    last_ = nullptr;
    size_ = 0;
  }

  // Checks every invariant listed on the class; false on any violation.
  // Recursion depth is the tree height, which a valid tree bounds by
  // 2 log2(n + 1); a corrupted one is cut off after size_ nodes.
  [[nodiscard]] bool verify() const noexcept {
    if (root_ == nullptr) return size_ == 0 && first_ == nullptr && last_ == nullptr;
    if (root_->parent_ != nullptr || root_->color_ != Color::black) return false;
    std::size_t count = 0;
    const Hook* previous = nullptr;
    if (check_subtree(root_, count, previous) < 0) return false;
    return count == size_ && first_ == leftmost(root_) && last_ == rightmost(root_);
  }

 private:
  static Hook* hook(T& e) noexcept {
    static_assert(std::is_base_of_v<Hook, T>, "T must derive publicly from RbHook<Tag>");
    return &static_cast<Hook&>(e);
  }
  static const Hook* hook(const T& e) noexcept { return &static_cast<const Hook&>(e); }
  // The hook is a non-virtual base of T, so static_cast is a checked,
  // well-defined downcast; null stays null.
  static T* elem(Hook* h) noexcept { return static_cast<T*>(h); }
  static const T* elem(const Hook* h) noexcept { return static_cast<const T*>(h); }

  static bool is_red(const Hook* h) noexcept { return h != nullptr && h->color_ == Color::red; }

  static Hook* leftmost(Hook* h) noexcept {
    while (h->left_ != nullptr) h = h->left_;
    return h;
  }
  static Hook* rightmost(Hook* h) noexcept {
    while (h->right_ != nullptr) h = h->right_;
    return h;
  }

  // Both take a const node yet return a mutable one: the links themselves
  // are mutable pointers, and the tree never hands out more than it holds.
  static Hook* successor(const Hook* h) noexcept {
    if (h->right_ != nullptr) return leftmost(h->right_);
    Hook* up = h->parent_;
    while (up != nullptr && h == up->right_) {
      h = up;
      up = up->parent_;
    }
    return up;
  }
  static Hook* predecessor(const Hook* h) noexcept {
    if (h->left_ != nullptr) return rightmost(h->left_);
    Hook* up = h->parent_;
    while (up != nullptr && h == up->left_) {
      h = up;
      up = up->parent_;
    }
    return up;
  }

  // Puts v where u hangs (v may be null); u's own links are left to the caller.
  void transplant(Hook* u, Hook* v) noexcept {
    if (u->parent_ == nullptr) root_ = v;
    else if (u == u->parent_->left_) u->parent_->left_ = v;
    else u->parent_->right_ = v;
    if (v != nullptr) v->parent_ = u->parent_;
  }

  // Rotations keep the in-order sequence, hence the FIFO order of equals.
  void rotate_left(Hook* x) noexcept {
    Hook* y = x->right_;
    x->right_ = y->left_;
    if (y->left_ != nullptr) y->left_->parent_ = x;
    transplant(x, y);
    y->left_ = x;
    x->parent_ = y;
  }
  void rotate_right(Hook* x) noexcept {
    Hook* y = x->left_;
    x->left_ = y->right_;
    if (y->right_ != nullptr) y->right_->parent_ = x;
    transplant(x, y);
    y->right_ = x;
    x->parent_ = y;
  }

  // z is red and may have a red parent; that is the only violation.
  void insert_fixup(Hook* z) noexcept {
    while (is_red(z->parent_)) {
      Hook* p = z->parent_;
      // p is red, so it is not the root and the grandparent exists.
      Hook* g = p->parent_;
      if (p == g->left_) {
        Hook* uncle = g->right_;
        if (is_red(uncle)) {
          // Push the blackness down from g; the violation moves up to g.
          p->color_ = Color::black;
          uncle->color_ = Color::black;
          g->color_ = Color::red;
          z = g;
        } else {
          if (z == p->right_) {
            // Make it a straight line so one rotation at g finishes.
            z = p;
            rotate_left(z);
            p = z->parent_;
          }
          p->color_ = Color::black;
          g->color_ = Color::red;
          rotate_right(g);
        }
      } else {
        Hook* uncle = g->left_;
        if (is_red(uncle)) {
          p->color_ = Color::black;
          uncle->color_ = Color::black;
          g->color_ = Color::red;
          z = g;
        } else {
          if (z == p->left_) {
            z = p;
            rotate_right(z);
            p = z->parent_;
          }
          p->color_ = Color::black;
          g->color_ = Color::red;
          rotate_left(g);
        }
      }
    }
    root_->color_ = Color::black;
  }

  // x (maybe null, child of x_parent) carries one black too few on its
  // paths. Because that deficit exists, x's sibling w is never null.
  void erase_fixup(Hook* x, Hook* x_parent) noexcept {
    while (x != root_ && !is_red(x)) {
      if (x == x_parent->left_) {
        Hook* w = x_parent->right_;
        if (is_red(w)) {
          // Turn a red sibling into a black one so the cases below apply.
          w->color_ = Color::black;
          x_parent->color_ = Color::red;
          rotate_left(x_parent);
          w = x_parent->right_;
        }
        if (!is_red(w->left_) && !is_red(w->right_)) {
          // Take one black off both sides and move the deficit up.
          w->color_ = Color::red;
          x = x_parent;
          x_parent = x->parent_;
        } else {
          if (!is_red(w->right_)) {
            w->left_->color_ = Color::black;
            w->color_ = Color::red;
            rotate_right(w);
            w = x_parent->right_;
          }
          // w's red far child lends a black to x's side; done.
          w->color_ = x_parent->color_;
          x_parent->color_ = Color::black;
          w->right_->color_ = Color::black;
          rotate_left(x_parent);
          x = root_;
        }
      } else {
        Hook* w = x_parent->left_;
        if (is_red(w)) {
          w->color_ = Color::black;
          x_parent->color_ = Color::red;
          rotate_right(x_parent);
          w = x_parent->left_;
        }
        if (!is_red(w->left_) && !is_red(w->right_)) {
          w->color_ = Color::red;
          x = x_parent;
          x_parent = x->parent_;
        } else {
          if (!is_red(w->left_)) {
            w->right_->color_ = Color::black;
            w->color_ = Color::red;
            rotate_left(w);
            w = x_parent->left_;
          }
          w->color_ = x_parent->color_;
          x_parent->color_ = Color::black;
          w->left_->color_ = Color::black;
          rotate_right(x_parent);
          x = root_;
        }
      }
    }
    if (x != nullptr) x->color_ = Color::black;
  }

  // In-order walk of the subtree at n. Returns its black height (nulls
  // count as one), or -1 on a violation. `previous` is the last node
  // visited, to check sortedness against its in-order neighbour.
  int check_subtree(const Hook* n, std::size_t& count, const Hook*& previous) const noexcept {
    if (n == nullptr) return 1;
    if (++count > size_) return -1;  // more nodes than recorded, or a cycle
    if (n->color_ != Color::red && n->color_ != Color::black) return -1;
    if (n->left_ != nullptr && n->left_->parent_ != n) return -1;
    if (n->right_ != nullptr && n->right_->parent_ != n) return -1;
    if (is_red(n) && (is_red(n->left_) || is_red(n->right_))) return -1;
    const int left_height = check_subtree(n->left_, count, previous);
    if (left_height < 0) return -1;
    if (previous != nullptr && less_(*elem(n), *elem(previous))) return -1;
    previous = n;
    const int right_height = check_subtree(n->right_, count, previous);
    if (right_height != left_height) return -1;
    return left_height + (n->color_ == Color::black ? 1 : 0);
  }

  Hook* root_ = nullptr;
  Hook* first_ = nullptr;
  Hook* last_ = nullptr;
  std::size_t size_ = 0;
  [[no_unique_address]] Less less_{};
};

}  // namespace dyn
