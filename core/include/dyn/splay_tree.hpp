// splay_tree.hpp — intrusive top-down splay tree keyed by address range.
//
// Tracks the heap blocks a task owns so that, on unload or fault, every one
// can be found (by start address, or by any address inside it) and reclaimed.
// A splay tree suits this: no balance data in the hook (two pointers and a
// flag per block), and recently touched blocks — the ones a task is freeing
// right after allocating — are near the root.
//
// Splaying is the top-down variant of Sleator and Tarjan (1985): one pass
// from the root, splitting the search path into a "smaller" and a "larger"
// tree that are reassembled under the accessed node. No parent links and no
// recursion are needed, which matters because a splay tree may be O(n) deep.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace dyn {

template <typename T, typename Tag, typename KeyOf, typename SizeOf>
class SplayTree;

// Declared, never defined here: host tests define it to corrupt hooks on
// purpose and prove that verify() notices each kind of damage.
template <typename Tag>
struct SplayHookTestAccess;

// Embedded in every element; an element derives publicly from
// SplayHook<Tag> once per tree kind it may join.
// Invariant: linked_ is true exactly when the element is in a tree of this
// Tag; when false, both links are null.
template <typename Tag>
struct SplayHook {
 public:
  SplayHook() noexcept = default;
  // A copy is a different block that is in no tree yet.
  SplayHook(const SplayHook&) noexcept {}
  SplayHook& operator=(const SplayHook&) noexcept { return *this; }
  ~SplayHook() = default;

  bool splay_linked() const noexcept { return linked_; }

 private:
  template <typename, typename, typename, typename>
  friend class SplayTree;
  friend struct SplayHookTestAccess<Tag>;

  SplayHook* left_ = nullptr;
  SplayHook* right_ = nullptr;
  bool linked_ = false;
};

// Set of T keyed by KeyOf(t) (a block's start address); SizeOf(t) gives the
// block length so that interior addresses can be resolved.
//
// Invariants (checked by verify()):
//  - keys are unique and the in-order sequence is strictly increasing;
//  - size_ counts the linked nodes, each of which has linked_ set.
// Assumption for find_containing: blocks in one tree do not overlap, which
// holds for blocks carved from one heap. KeyOf must not change while linked.
//
// Not copyable or movable: it would share nodes with the original.
template <typename T, typename Tag, typename KeyOf, typename SizeOf>
class SplayTree {
  using Hook = SplayHook<Tag>;

 public:
  SplayTree() noexcept = default;
  SplayTree(const SplayTree&) = delete;
  SplayTree& operator=(const SplayTree&) = delete;

  // Refuses (returns false, changes nothing) when the key is taken or e is
  // already linked in some tree of this Tag.
  [[nodiscard]] bool insert(T& e) noexcept {
    Hook* h = hook(e);
    if (h->linked_) return false;
    const std::uintptr_t k = key(h);
    if (root_ == nullptr) {
      h->left_ = nullptr;
      h->right_ = nullptr;
    } else {
      root_ = splay(root_, k);
      const std::uintptr_t root_key = key(root_);
      if (root_key == k) return false;
      // After the splay the root is k's neighbour, so the new node splits
      // the tree at the root in O(1).
      if (k < root_key) {
        h->left_ = root_->left_;
        h->right_ = root_;
        root_->left_ = nullptr;
      } else {
        h->right_ = root_->right_;
        h->left_ = root_;
        root_->right_ = nullptr;
      }
    }
    root_ = h;
    h->linked_ = true;
    ++size_;
    return true;
  }

  // Precondition: e is linked in this tree. If instead the splay shows that
  // e is not the node holding its key here, the set of elements is left
  // unchanged rather than corrupted (only its shape changed).
  void erase(T& e) noexcept {
    if (root_ == nullptr) return;
    Hook* h = hook(e);
    const std::uintptr_t k = key(h);
    root_ = splay(root_, k);
    if (root_ != h) return;
    if (h->left_ == nullptr) {
      root_ = h->right_;
    } else {
      // Every key on the left is below k, so splaying k there lifts the
      // largest of them to the top with an empty right side to hang the
      // rest on.
      Hook* larger = h->right_;
      root_ = splay(h->left_, k);
      root_->right_ = larger;
    }
    h->left_ = nullptr;
    h->right_ = nullptr;
    h->linked_ = false;
    --size_;
  }

  [[nodiscard]] T* find(std::uintptr_t k) noexcept {
    if (root_ == nullptr) return nullptr;
    root_ = splay(root_, k);
    return key(root_) == k ? elem(root_) : nullptr;
  }

  // The block with key <= addr < key + size, or nullptr.
  [[nodiscard]] T* find_containing(std::uintptr_t addr) noexcept {
    if (root_ == nullptr) return nullptr;
    root_ = splay(root_, addr);
    // The splay leaves addr's predecessor or successor at the root. In the
    // successor case the predecessor ends the right spine of the root's
    // left tree; that spine was built by this very splay, so walking it
    // costs no more than the splay did.
    Hook* candidate = root_;
    if (key(candidate) > addr) {
      candidate = root_->left_;
      if (candidate == nullptr) return nullptr;
      while (candidate->right_ != nullptr) candidate = candidate->right_;
    }
    // addr >= start here, so the difference cannot wrap; start + size might.
    const std::uintptr_t offset = addr - key(candidate);
    return offset < SizeOf{}(*elem(candidate)) ? elem(candidate) : nullptr;
  }

  // Splays the smallest key to the root (0 is below or equal to all keys).
  [[nodiscard]] T* first() noexcept {
    if (root_ == nullptr) return nullptr;
    root_ = splay(root_, 0);
    return elem(root_);
  }

  // Unlinks and returns the smallest element; for draining on task unload.
  [[nodiscard]] T* pop_first() noexcept {
    if (root_ == nullptr) return nullptr;
    Hook* h = splay(root_, 0);
    // h is the minimum, so it has no left child.
    root_ = h->right_;
    h->right_ = nullptr;
    h->linked_ = false;
    --size_;
    return elem(h);
  }

  // Calls f(const T&) on every element in ascending key order, in O(n) time
  // and O(1) space without recursion or splaying (Morris traversal). While
  // it runs, some right links temporarily point back up the tree; all are
  // restored before it returns. Hence f must not access this tree (it may
  // read the element it is given).
  template <typename F>
  void for_each(F&& f) const {
    Hook* cur = root_;
    while (cur != nullptr) {
      if (cur->left_ == nullptr) {
        f(static_cast<const T&>(*elem(cur)));
        cur = cur->right_;
        continue;
      }
      Hook* pred = cur->left_;
      while (pred->right_ != nullptr && pred->right_ != cur) pred = pred->right_;
      if (pred->right_ == nullptr) {
        // First arrival: leave a thread to come back once the left side is done.
        pred->right_ = cur;
        cur = cur->left_;
      } else {
        // Second arrival through the thread: the left side is done.
        pred->right_ = nullptr;
        f(static_cast<const T&>(*elem(cur)));
        cur = cur->right_;
      }
    }
  }

  [[nodiscard]] bool empty() const noexcept { return root_ == nullptr; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }

  // Checks the invariants listed on the class; false on any violation.
  // Walks like for_each. A valid tree of n nodes takes at most 4n steps
  // (each edge and each thread is crossed at most twice); past that budget
  // the links cannot be a tree of size_ nodes, so it stops and reports
  // failure instead of looping on a cycle. Only in that already-broken case
  // may threads be left behind.
  [[nodiscard]] bool verify() const noexcept {
    std::size_t budget = 4 * size_ + 4;
    std::size_t count = 0;
    bool ok = true;
    bool have_previous = false;
    std::uintptr_t previous = 0;
    auto visit = [&](Hook* n) {
      ++count;
      if (!n->linked_) ok = false;
      const std::uintptr_t k = key(n);
      if (have_previous && k <= previous) ok = false;
      previous = k;
      have_previous = true;
    };
    Hook* cur = root_;
    while (cur != nullptr) {
      if (budget-- == 0) return false;
      if (cur->left_ == nullptr) {
        visit(cur);
        cur = cur->right_;
        continue;
      }
      Hook* pred = cur->left_;
      while (pred->right_ != nullptr && pred->right_ != cur) {
        if (budget-- == 0) return false;
        pred = pred->right_;
      }
      if (pred->right_ == nullptr) {
        pred->right_ = cur;
        cur = cur->left_;
      } else {
        pred->right_ = nullptr;
        visit(cur);
        cur = cur->right_;
      }
    }
    return ok && count == size_;
  }

 private:
  static Hook* hook(T& e) noexcept {
    static_assert(std::is_base_of_v<Hook, T>, "T must derive publicly from SplayHook<Tag>");
    return &static_cast<Hook&>(e);
  }
  // The hook is a non-virtual base of T: static_cast is a well-defined downcast.
  static T* elem(Hook* h) noexcept { return static_cast<T*>(h); }
  static std::uintptr_t key(const Hook* h) noexcept { return KeyOf{}(*static_cast<const T*>(h)); }

  // Top-down splay of the tree rooted at t (non-null) around k; returns the
  // new root, which holds k if present, else k's predecessor or successor.
  // Nodes passed on the way down are hung onto a "smaller" tree (growing at
  // its rightmost node `small`) and a "larger" tree (growing at its leftmost
  // node `large`), both rooted in `header`, a stack-local hook that is never
  // treated as an element.
  static Hook* splay(Hook* t, std::uintptr_t k) noexcept {
    Hook header;
    Hook* small = &header;
    Hook* large = &header;
    for (;;) {
      const std::uintptr_t tk = key(t);
      if (k < tk) {
        Hook* child = t->left_;
        if (child == nullptr) break;
        if (k < key(child)) {
          // Zig-zig: rotate first so the path length is halved as we go.
          t->left_ = child->right_;
          child->right_ = t;
          t = child;
          if (t->left_ == nullptr) break;
        }
        large->left_ = t;
        large = t;
        t = t->left_;
      } else if (k > tk) {
        Hook* child = t->right_;
        if (child == nullptr) break;
        if (k > key(child)) {
          t->right_ = child->left_;
          child->left_ = t;
          t = child;
          if (t->right_ == nullptr) break;
        }
        small->right_ = t;
        small = t;
        t = t->right_;
      } else {
        break;
      }
    }
    small->right_ = t->left_;
    large->left_ = t->right_;
    t->left_ = header.right_;
    t->right_ = header.left_;
    return t;
  }

  Hook* root_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace dyn
