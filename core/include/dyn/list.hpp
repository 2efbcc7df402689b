// list.hpp — intrusive doubly-linked FIFO list.
//
// Used for the execute list of the multilevel policy, the per-priority ready
// lists and the lottery's waiting order. Elements derive from ListHook<Tag>;
// the list never allocates. Invariant: an element is in at most one list per
// Tag, and list_linked() says whether it is in one.
#pragma once

#include <cstddef>

namespace dyn {

template <typename Tag>
struct ListHook {
  ListHook* list_prev = nullptr;
  ListHook* list_next = nullptr;
  bool list_in = false;
  bool list_linked() const noexcept { return list_in; }
};

template <typename T, typename Tag>
class List {
  using Hook = ListHook<Tag>;

 public:
  bool empty() const noexcept { return head_ == nullptr; }
  std::size_t size() const noexcept { return size_; }
  T* front() const noexcept { return head_ ? owner(head_) : nullptr; }
  T* back() const noexcept { return tail_ ? owner(tail_) : nullptr; }
  T* next(T& t) const noexcept {
    Hook* n = hook(t).list_next;
    return n ? owner(n) : nullptr;
  }

  T* prev(T& t) const noexcept {
    Hook* p = hook(t).list_prev;
    return p ? owner(p) : nullptr;
  }

  // Precondition: pos is linked in this list, t in none.
  void insert_after(T& pos, T& t) noexcept {
    Hook& p = hook(pos);
    if (!p.list_next) return push_back(t);
    Hook& h = hook(t);
    h.list_prev = &p;
    h.list_next = p.list_next;
    h.list_in = true;
    p.list_next->list_prev = &h;
    p.list_next = &h;
    ++size_;
  }

  void insert_before(T& pos, T& t) noexcept {
    Hook& p = hook(pos);
    if (!p.list_prev) return push_front(t);
    insert_after(*owner(p.list_prev), t);
  }

  void push_back(T& t) noexcept {
    Hook& h = hook(t);
    h.list_prev = tail_;
    h.list_next = nullptr;
    h.list_in = true;
    if (tail_) tail_->list_next = &h;
    else head_ = &h;
    tail_ = &h;
    ++size_;
  }

  void push_front(T& t) noexcept {
    Hook& h = hook(t);
    h.list_prev = nullptr;
    h.list_next = head_;
    h.list_in = true;
    if (head_) head_->list_prev = &h;
    else tail_ = &h;
    head_ = &h;
    ++size_;
  }

  T* pop_front() noexcept {
    Hook* h = head_;
    if (!h) return nullptr;
    head_ = h->list_next;
    if (head_) head_->list_prev = nullptr;
    else tail_ = nullptr;
    h->list_next = nullptr;  // list_prev of the head is already null
    h->list_in = false;
    --size_;
    return owner(h);
  }

  // Precondition: t is linked in this list.
  void erase(T& t) noexcept {
    Hook& h = hook(t);
    if (h.list_prev) h.list_prev->list_next = h.list_next;
    else head_ = h.list_next;
    if (h.list_next) h.list_next->list_prev = h.list_prev;
    else tail_ = h.list_prev;
    h.list_prev = h.list_next = nullptr;
    h.list_in = false;
    --size_;
  }

 private:
  static Hook& hook(T& t) noexcept { return static_cast<Hook&>(t); }
  static T* owner(Hook* h) noexcept { return static_cast<T*>(h); }

  Hook* head_ = nullptr;
  Hook* tail_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace dyn
