// result.hpp — errors are values.
//
// Result<T, E> holds either a value or an error; it is [[nodiscard]] so that no
// error is dropped silently. E is a small trivially-copyable error record (an
// enum code plus the offending value), never a heap payload: the core has no heap.
#pragma once

#include <new>
#include <type_traits>
#include <utility>

namespace dyn {

template <typename E>
struct Unexpected {
  E error;
};
template <typename E>
Unexpected(E) -> Unexpected<E>;

template <typename T, typename E>
class [[nodiscard]] Result {
 public:
  // Implicit on purpose: `return value;` and `return Unexpected{err};` read naturally.
  Result(const T& value) : has_value_(true) { ::new (&storage_.value) T(value); }  // NOLINT
  Result(T&& value) : has_value_(true) { ::new (&storage_.value) T(std::move(value)); }  // NOLINT
  Result(Unexpected<E> u) : has_value_(false) { ::new (&storage_.error) E(u.error); }  // NOLINT
  Result(const Result& o) : has_value_(o.has_value_) {
    if (has_value_) ::new (&storage_.value) T(o.storage_.value);
    else ::new (&storage_.error) E(o.storage_.error);
  }
  Result(Result&& o) noexcept : has_value_(o.has_value_) {
    if (has_value_) ::new (&storage_.value) T(std::move(o.storage_.value));
    else ::new (&storage_.error) E(o.storage_.error);
  }
  Result& operator=(const Result&) = delete;
  Result& operator=(Result&&) = delete;
  ~Result() {
    if (has_value_) storage_.value.~T();
    else storage_.error.~E();
  }

  bool has_value() const noexcept { return has_value_; }
  explicit operator bool() const noexcept { return has_value_; }
  T& value() & noexcept { return storage_.value; }
  const T& value() const& noexcept { return storage_.value; }
  T&& value() && noexcept { return std::move(storage_.value); }
  T* operator->() noexcept { return &storage_.value; }
  const T* operator->() const noexcept { return &storage_.value; }
  T& operator*() noexcept { return storage_.value; }
  const E& error() const noexcept { return storage_.error; }

 private:
  union Storage {
    Storage() {}
    ~Storage() {}
    T value;
    E error;
  } storage_;
  bool has_value_;
};

template <typename E>
class [[nodiscard]] Result<void, E> {
 public:
  Result() : has_value_(true), error_{} {}
  Result(Unexpected<E> u) : has_value_(false), error_(u.error) {}  // NOLINT
  Result(const Result&) = default;
  Result& operator=(const Result&) = default;
  bool has_value() const noexcept { return has_value_; }
  explicit operator bool() const noexcept { return has_value_; }
  const E& error() const noexcept { return error_; }

 private:
  bool has_value_;
  E error_;
};

}  // namespace dyn
