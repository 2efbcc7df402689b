// task_table.cpp — fixed-capacity task table with first-fit slot reuse.
#include "dyn/task_table.hpp"

#include <cstring>

namespace dyn {

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

bool TaskTable::NameOrder::operator()(const Task& a, const Task& b) const noexcept {
  return std::strcmp(a.name, b.name) < 0;
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
  auto cmp = [](const char* key, const Task& t) { return std::strncmp(key, t.name, kTaskNameMax + 1); };
  Task* dead = nullptr;
  for (Task* t = by_name_.lower_bound(name, cmp); t && cmp(name, *t) == 0; t = by_name_.next(*t)) {
    if (t->state != TaskState::Dead) return t;
    if (!dead) dead = t;
  }
  return dead;
}

const char* to_string(TaskErrc e) noexcept {
  switch (e) {
    case TaskErrc::TableFull: return "task table full (capacity is fixed at first deploy)";
    case TaskErrc::NameEmpty: return "task name is empty";
    case TaskErrc::NameTooLong: return "task name longer than 31 bytes";
    case TaskErrc::NameTaken: return "a live task already has this name";
    case TaskErrc::NoEntry: return "task has no entry function";
    case TaskErrc::BadLevel: return "level must be 1..6";
    case TaskErrc::BadPriority: return "priority must be 0..31";
    case TaskErrc::StackTooSmall: return "stack smaller than the kernel minimum";
    case TaskErrc::BadTiming: return "interval, watchdog and delay must not be negative";
    case TaskErrc::BadTrigger:
      return "a triggered task is a job without interval or onetime (its notifications set when it runs)";
    case TaskErrc::NoSuchTask: return "no such task (free slot or stale id)";
    case TaskErrc::BadState: return "operation not allowed in the task's current state";
  }
  return "unknown task error";
}

const char* to_string(FaultKind k) noexcept {
  switch (k) {
    case FaultKind::None: return "none";
    case FaultKind::MemoryAccess: return "memory access violation";
    case FaultKind::StackOverflow: return "stack overflow (guard hit)";
    case FaultKind::Bus: return "bus error";
    case FaultKind::IllegalInstruction: return "illegal instruction";
    case FaultKind::DivideByZero: return "integer divide by zero";
    case FaultKind::Arithmetic: return "arithmetic trap";
    case FaultKind::HeapCorruption: return "heap guard overwritten";
    case FaultKind::Constructor: return "constructors stopped before they completed";
    case FaultKind::Blocked: return "a constructor or hook tried to sleep or wait";
    case FaultKind::Aborted: return "abort() or a failed assertion";
  }
  return "?";
}

const char* to_string(TaskState s) noexcept {
  switch (s) {
    case TaskState::Free: return "free";
    case TaskState::Ready: return "ready";
    case TaskState::Running: return "running";
    case TaskState::Sleeping: return "sleeping";
    case TaskState::Waiting: return "waiting";
    case TaskState::Suspended: return "suspended";
    case TaskState::Dead: return "dead";
  }
  return "?";
}

const char* to_string(ExitReason r) noexcept {
  switch (r) {
    case ExitReason::None: return "-";
    case ExitReason::Completed: return "completed";
    case ExitReason::Watchdog: return "watchdog";
    case ExitReason::StackOverflow: return "stack overflow";
    case ExitReason::Removed: return "removed";
    case ExitReason::Fault: return "fault";
  }
  return "?";
}

}  // namespace dyn
