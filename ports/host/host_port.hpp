// host_port.hpp — what the host port offers beyond the port contract.
#pragma once

#include <cstddef>
#include <span>

namespace dyn::host {

// A task stack in its own mapping, with an inaccessible guard page below it so
// an overflow faults instead of corrupting a neighbour.
class TaskStack {
 public:
  explicit TaskStack(std::size_t size);
  ~TaskStack();
  TaskStack(TaskStack&& other) noexcept;
  TaskStack& operator=(TaskStack&&) = delete;
  TaskStack(const TaskStack&) = delete;
  TaskStack& operator=(const TaskStack&) = delete;

  std::span<std::byte> span() const noexcept { return {base_, size_}; }

 private:
  std::byte* mapping_ = nullptr;
  std::size_t mapping_size_ = 0;
  std::byte* base_ = nullptr;
  std::size_t size_ = 0;
};

// Number of ticks delivered to the kernel and dropped (arrived inside it),
// for tests and diagnostics.
struct TickCounters {
  unsigned long delivered;
  unsigned long dropped;
};
TickCounters tick_counters() noexcept;

}  // namespace dyn::host
