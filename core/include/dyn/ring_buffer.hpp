// ring_buffer.hpp — fixed-capacity FIFO ring over caller-provided storage.
//
// For logs, trace records and telemetry queues: the storage comes in as a
// span (static array, linker section, ...), so the ring owns no memory and
// its size is fixed at build time by whoever provides it. When a producer
// must never block, push_overwrite drops the oldest entry and counts the
// loss so the ground can tell that records are missing.
//
// Not synchronised: a producer in an ISR and a consumer in a task must
// serialise access themselves (e.g. with interrupts masked).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

namespace dyn {

// Invariants: head_ < capacity() whenever capacity() > 0 (head_ == 0
// otherwise); count_ <= capacity(); the live entries are the count_ slots
// starting at head_ and wrapping at the end of storage_, oldest first.
template <typename T>
class RingBuffer {
  // Entries are copied in and out by assignment and slots are overwritten
  // without destroying the old value; that is only sound for such types.
  static_assert(std::is_trivially_copyable_v<T>, "RingBuffer holds trivially copyable records only");

 public:
  // Precondition: storage.size() > 0. A zero-size ring is still safe: it
  // is always full, try_push refuses, push_overwrite counts every entry lost.
  explicit RingBuffer(std::span<T> storage) noexcept : storage_(storage) {}
  // A copy would share the storage while keeping its own indices.
  RingBuffer(const RingBuffer&) = delete;
  RingBuffer& operator=(const RingBuffer&) = delete;

  [[nodiscard]] bool try_push(const T& value) noexcept {
    if (full()) return false;
    storage_[slot(count_)] = value;
    ++count_;
    return true;
  }

  void push_overwrite(const T& value) noexcept {
    if (storage_.empty()) {
      ++overwritten_;
      return;
    }
    if (full()) {
      // The oldest slot becomes the newest: write it and move head past it.
      storage_[head_] = value;
      head_ = slot(1);
      ++overwritten_;
      return;
    }
    storage_[slot(count_)] = value;
    ++count_;
  }

  [[nodiscard]] bool pop(T& out) noexcept {
    if (count_ == 0) return false;
    out = storage_[head_];
    head_ = slot(1);
    --count_;
    return true;
  }

  [[nodiscard]] const T* peek() const noexcept { return count_ == 0 ? nullptr : &storage_[head_]; }

  // i-th oldest entry. Precondition: i < size().
  [[nodiscard]] const T& at(std::size_t i) const noexcept { return storage_[slot(i)]; }

  [[nodiscard]] std::size_t size() const noexcept { return count_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return storage_.size(); }
  [[nodiscard]] bool empty() const noexcept { return count_ == 0; }
  [[nodiscard]] bool full() const noexcept { return count_ == storage_.size(); }

  // Entries lost to push_overwrite over the ring's lifetime; clear() does
  // not reset it, since entries dropped before a clear are still lost.
  [[nodiscard]] std::uint64_t overwritten() const noexcept { return overwritten_; }

  void clear() noexcept {
    head_ = 0;
    count_ = 0;
  }

 private:
  // Storage index of the i-th oldest slot, for i <= capacity(). Wraps by
  // comparison rather than `%`: no division, and head_ + i cannot overflow.
  std::size_t slot(std::size_t i) const noexcept {
    const std::size_t until_end = storage_.size() - head_;
    return i < until_end ? head_ + i : i - until_end;
  }

  std::span<T> storage_;
  std::size_t head_ = 0;
  std::size_t count_ = 0;
  std::uint64_t overwritten_ = 0;
};

}  // namespace dyn
