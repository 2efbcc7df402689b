// task_table.hpp — the fixed-capacity table of task control blocks.
//
// Capacity is fixed when the table is built (seed 004: "a maximum number of
// tasks, fixed at the first deploy"); storage is handed in. Free slots are
// reused first-fit, lowest index first (seed 002's find-free-pcb). Names are
// indexed in a red-black tree (seed 000's Task Register is one by name), so
// creating and finding a task costs O(log n) however many there are.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "dyn/rb_tree.hpp"
#include "dyn/result.hpp"
#include "dyn/task.hpp"

namespace dyn {

enum class TaskErrc : std::uint8_t {
  TableFull,      // detail: capacity
  NameEmpty,
  NameTooLong,    // detail: length
  NameTaken,      // detail: slot of the task that has it
  NoEntry,
  BadLevel,       // detail: level
  BadPriority,    // detail: priority
  StackTooSmall,  // detail: stack bytes
  BadTiming,      // detail: the negative interval/watchdog/delay
  NoSuchTask,     // detail: raw id
  BadState,       // detail: current state
  BadTrigger,     // triggered: only a job without interval, not onetime
};

struct TaskError {
  TaskErrc code;
  std::int64_t detail = 0;
};

const char* to_string(TaskErrc e) noexcept;

class TaskTable {
 public:
  explicit TaskTable(std::span<Task> slots) noexcept : slots_(slots) {}

  std::size_t capacity() const noexcept { return slots_.size(); }
  std::size_t used() const noexcept { return used_; }

  // First free slot, lowest index first. The slot comes back reset with a
  // fresh id (generation advanced); the caller fills it in.
  Result<Task*, TaskError> allocate() noexcept;
  // Gives a freshly allocated task its name (at most kTaskNameMax bytes,
  // checked by the caller) and indexes it.
  void set_name(Task& t, const char* name, std::size_t length) noexcept;
  // Returns a slot to the free pool. Precondition: no other structure links the task.
  void release(Task& t) noexcept;

  // nullptr if free or stale. Inline: every call by id goes through it.
  [[gnu::always_inline]] Task* find(TaskId id) noexcept {
    if (!id.valid() || id.slot() >= slots_.size()) return nullptr;
    Task& t = slots_[id.slot()];
    if (t.state == TaskState::Free || t.id != id) return nullptr;
    return &t;
  }
  // The live task with this name, else a dead one that still holds its slot,
  // else nullptr.
  Task* find_by_name(const char* name) noexcept;
  Task& at(std::size_t slot) noexcept { return slots_[slot]; }
  const Task& at(std::size_t slot) const noexcept { return slots_[slot]; }

 private:
  struct NameOrder {
    bool operator()(const Task& a, const Task& b) const noexcept;
  };
  std::span<Task> slots_;
  RbTree<Task, NameTag, NameOrder> by_name_;
  std::size_t used_ = 0;
  std::size_t first_free_hint_ = 0;  // no free slot below this index
};

}  // namespace dyn
