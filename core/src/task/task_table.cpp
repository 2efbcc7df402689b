// task_table.cpp — fixed-capacity task table with first-fit slot reuse.
#include "dyn/task_table.hpp"

#include <cstring>

namespace dyn {

Task::Task() noexcept = default;

Result<Task*, TaskError> TaskTable::allocate() noexcept {
  for (std::size_t i = first_free_hint_; i < slots_.size(); ++i) {
    Task& t = slots_[i];
    if (t.state != TaskState::Free) continue;
    const std::uint16_t generation = static_cast<std::uint16_t>(t.id.generation() + 1);
    // Reset every field but keep the generation moving so stale ids miss.
    // Safety: placement new over a Free slot, which no structure links.
    t.~Task();
    ::new (&t) Task();
    t.id = TaskId::make(static_cast<std::uint16_t>(i), generation);
    ++used_;
    first_free_hint_ = i + 1;
    return &t;
  }
  return Unexpected{TaskError{TaskErrc::TableFull, static_cast<std::int64_t>(slots_.size())}};
}

namespace {

// strncmp(a, b, kTaskNameMax + 1), as a loop of a few instructions: names
// are at most 31 bytes, and the C library's word-at-a-time strcmp and
// strncmp are 576 bytes of code on the Cortex-M3.
int compare_names(const char* a, const char* b) noexcept {
  for (std::size_t i = 0; i <= kTaskNameMax; ++i) {
    const auto x = static_cast<unsigned char>(a[i]);
    const auto y = static_cast<unsigned char>(b[i]);
    if (x != y) return x < y ? -1 : 1;
    if (x == 0) return 0;
  }
  return 0;
}

}  // namespace

bool TaskTable::NameOrder::operator()(const Task& a, const Task& b) const noexcept {
  return compare_names(a.name, b.name) < 0;
}

void TaskTable::set_name(Task& t, const char* name, std::size_t length) noexcept {
  if (static_cast<RbHook<NameTag>&>(t).rb_linked()) by_name_.erase(t);
  std::memset(t.name, 0, sizeof t.name);
  std::memcpy(t.name, name, length < kTaskNameMax ? length : kTaskNameMax);
  by_name_.insert(t);
}

void TaskTable::release(Task& t) noexcept {
  if (static_cast<RbHook<NameTag>&>(t).rb_linked()) by_name_.erase(t);
  const std::size_t slot = t.id.slot();
  t.state = TaskState::Free;
  --used_;
  if (slot < first_free_hint_) first_free_hint_ = slot;
}


Task* TaskTable::find_by_name(const char* name) noexcept {
  if (!name) return nullptr;
  auto cmp = [](const char* key, const Task& t) { return compare_names(key, t.name); };
  Task* dead = nullptr;
  for (Task* t = by_name_.lower_bound(name, cmp); t && cmp(name, *t) == 0; t = by_name_.next(*t)) {
    if (t->state != TaskState::Dead) return t;
    if (!dead) dead = t;
  }
  return dead;
}

}  // namespace dyn
