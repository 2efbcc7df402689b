// host_module_system.hpp — a kernel with the task manager over host module
// memory, and loader scratch sized per image: what the benchmarks and fuzz
// targets run modules in (the tests have their own harnesses, with kernel
// tables and event sinks).
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "dyn/kernel.hpp"
#include "dyn/sched_priority.hpp"
#include "dyn/task_manager.hpp"
#include "host_boot_scratch.hpp"
#include "host_module_memory.hpp"

namespace dyn::host {

struct ModuleSystem {
  explicit ModuleSystem(std::size_t capacity, const KernelConfig& config)
      : slots(capacity), table(slots), entries(capacity), reg(entries, memory) {
    kernel.emplace(table, policy, config, nullptr);
    tasks.emplace(*kernel, reg);
  }
  ~ModuleSystem() { tasks->uninstall_all(); }
  ModuleSystem(const ModuleSystem&) = delete;
  ModuleSystem& operator=(const ModuleSystem&) = delete;

  LoaderScratch scratch_for(std::span<const std::byte> image) { return scratch.for_image(image); }

  std::vector<Task> slots;
  TaskTable table;
  PriorityPolicy policy;
  std::optional<Kernel> kernel;
  HostModuleMemory memory;
  std::vector<RegisterEntry> entries;
  TaskRegister reg;
  std::optional<TaskManager> tasks;
  VectorBootScratch scratch;
};

}  // namespace dyn::host
