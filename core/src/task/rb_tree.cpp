// rb_tree.cpp — the untyped half of the intrusive red-black tree (rb_tree.hpp):
// linking, unlinking, rebalancing and the shape checks, compiled once for
// every kind of tree.
#include "dyn/rb_tree.hpp"

namespace dyn {

RbCore::Node* RbCore::leftmost(Node* h) noexcept {
  while (h->left_ != nullptr) h = h->left_;
  return h;
}

RbCore::Node* RbCore::rightmost(Node* h) noexcept {
  while (h->right_ != nullptr) h = h->right_;
  return h;
}

// Both take a const node yet return a mutable one: the links themselves
// are mutable pointers, and the tree never hands out more than it holds.
RbCore::Node* RbCore::successor(const Node* h) noexcept {
  if (h->right_ != nullptr) return leftmost(h->right_);
  Node* up = h->parent_;
  while (up != nullptr && h == up->right_) {
    h = up;
    up = up->parent_;
  }
  return up;
}

RbCore::Node* RbCore::predecessor(const Node* h) noexcept {
  if (h->left_ != nullptr) return rightmost(h->left_);
  Node* up = h->parent_;
  while (up != nullptr && h == up->left_) {
    h = up;
    up = up->parent_;
  }
  return up;
}

// Puts v where u hangs (v may be null); u's own links are left to the caller.
void RbCore::transplant(Node* u, Node* v) noexcept {
  if (u->parent_ == nullptr) root_ = v;
  else if (u == u->parent_->left_) u->parent_->left_ = v;
  else u->parent_->right_ = v;
  if (v != nullptr) v->parent_ = u->parent_;
}

// Rotations keep the in-order sequence, hence the FIFO order of equals.
void RbCore::rotate_left(Node* x) noexcept {
  Node* y = x->right_;
  x->right_ = y->left_;
  if (y->left_ != nullptr) y->left_->parent_ = x;
  transplant(x, y);
  y->left_ = x;
  x->parent_ = y;
}

void RbCore::rotate_right(Node* x) noexcept {
  Node* y = x->left_;
  x->left_ = y->right_;
  if (y->right_ != nullptr) y->right_->parent_ = x;
  transplant(x, y);
  y->right_ = x;
  x->parent_ = y;
}

void RbCore::link(Node* z, Node* parent, bool go_left, bool is_first, bool is_last) noexcept {
  z->parent_ = parent;
  z->left_ = nullptr;
  z->right_ = nullptr;
  z->color_ = Color::red;
  if (parent == nullptr) root_ = z;
  else if (go_left) parent->left_ = z;
  else parent->right_ = z;
  if (is_first) first_ = z;
  if (is_last) last_ = z;
  ++size_;
  insert_fixup(z);
}

void RbCore::unlink(Node* z) noexcept {
  if (first_ == z) first_ = successor(z);
  if (last_ == z) last_ = predecessor(z);

  // y is the node that physically leaves its position: z itself when it
  // has at most one child, otherwise z's successor, which takes z's place
  // and colour. x is the child that moves up into y's old spot (maybe
  // null, hence x_parent is tracked separately).
  Node* y = z;
  Color removed_color = y->color_;
  Node* x = nullptr;
  Node* x_parent = nullptr;
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

// Post-order walk driven by parent links.
void RbCore::clear_all() noexcept {
  Node* cur = root_;
  while (cur != nullptr) {
    if (cur->left_ != nullptr) {
      cur = cur->left_;
    } else if (cur->right_ != nullptr) {
      cur = cur->right_;
    } else {
      // A leaf: detach it from its parent so the parent becomes a leaf
      // once its other subtree is gone too.
      Node* up = cur->parent_;
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

// z is red and may have a red parent; that is the only violation.
void RbCore::insert_fixup(Node* z) noexcept {
  while (is_red(z->parent_)) {
    Node* p = z->parent_;
    // p is red, so it is not the root and the grandparent exists.
    Node* g = p->parent_;
    if (p == g->left_) {
      Node* uncle = g->right_;
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
      Node* uncle = g->left_;
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
void RbCore::erase_fixup(Node* x, Node* x_parent) noexcept {
  while (x != root_ && !is_red(x)) {
    if (x == x_parent->left_) {
      Node* w = x_parent->right_;
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
      Node* w = x_parent->left_;
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

bool RbCore::verify_shape() const noexcept {
  if (root_ == nullptr) return size_ == 0 && first_ == nullptr && last_ == nullptr;
  if (root_->parent_ != nullptr || root_->color_ != Color::black) return false;
  std::size_t count = 0;
  if (check_subtree(root_, count) < 0) return false;
  return count == size_ && first_ == leftmost(root_) && last_ == rightmost(root_);
}

// Walk of the subtree at n. Returns its black height (nulls count as one),
// or -1 on a violation.
int RbCore::check_subtree(const Node* n, std::size_t& count) const noexcept {
  if (n == nullptr) return 1;
  if (++count > size_) return -1;  // more nodes than recorded, or a cycle
  if (n->color_ != Color::red && n->color_ != Color::black) return -1;
  if (n->left_ != nullptr && n->left_->parent_ != n) return -1;
  if (n->right_ != nullptr && n->right_->parent_ != n) return -1;
  if (is_red(n) && (is_red(n->left_) || is_red(n->right_))) return -1;
  const int left_height = check_subtree(n->left_, count);
  if (left_height < 0) return -1;
  const int right_height = check_subtree(n->right_, count);
  if (right_height != left_height) return -1;
  return left_height + (n->color_ == Color::black ? 1 : 0);
}

}  // namespace dyn
