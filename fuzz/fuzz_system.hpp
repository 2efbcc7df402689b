// fuzz_system.hpp — what the fuzz targets that boot, restore and link need:
// a kernel with the task manager over host module memory (no test framework)
// and the example modules' objects.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "dyn/flash.hpp"
#include "dyn/kernel.hpp"
#include "dyn/module_store.hpp"
#include "dyn/sched_priority.hpp"
#include "dyn/task_manager.hpp"
#include "host_module_memory.hpp"

#ifndef DYN_FUZZ_MODULES_DIR
#error "DYN_FUZZ_MODULES_DIR must name the directory of the example modules' objects"
#endif

namespace dyn::fuzz {

// The geometry boot_fuzz boots from (its seeds are written on it).
inline constexpr FlashGeometry kBootGeometry{1024, 16, 8};

// modules/<dir>/<name>.o from the build; the target stops at start-up if it is missing.
inline std::vector<std::byte> module_object(const char* dir, const char* name) {
  const std::string path = std::string(DYN_FUZZ_MODULES_DIR) + "/" + dir + "/" + name + ".o";
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    std::fprintf(stderr, "fuzz target: cannot open %s (build the example modules first)\n", path.c_str());
    std::abort();
  }
  std::vector<std::byte> bytes;
  std::byte buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, f)) > 0;) bytes.insert(bytes.end(), buffer, buffer + n);
  std::fclose(f);
  return bytes;
}

// A kernel with real ticks, the task manager and module memory.
struct System {
  System() {
    KernelConfig c;
    c.time_slice = 0;
    c.preemption_ticks = true;
    kernel.emplace(table, policy, c, nullptr);
    tasks.emplace(*kernel, reg, TargetArch::X86_64);
  }
  ~System() { tasks->uninstall_all(); }
  // Installs the real mathlib as a job task (what beacon imports from); the fixture stops if it cannot.
  RegisterEntry* install_mathlib(std::span<const std::byte> image) {
    ModuleTaskSpec lib;
    lib.task.name = "mathlib";
    lib.task.interval = 10 * kSecond;
    lib.task.priority = 2;
    auto e = tasks->install(image, lib, scratch_for(image));
    if (!e) __builtin_trap();
    return e.value();
  }
  LoaderScratch scratch_for(std::span<const std::byte> image) {
    auto view = ElfView::open(image);
    syms.assign(view ? view.value().symbol_count() : 0, {});
    secs.assign(view ? view.value().section_count() : 0, {});
    return LoaderScratch{syms, secs};
  }

  std::vector<Task> slots{std::vector<Task>(16)};
  TaskTable table{slots};
  PriorityPolicy policy;
  std::optional<Kernel> kernel;
  host::HostModuleMemory memory;
  std::vector<RegisterEntry> entries{std::vector<RegisterEntry>(16)};
  TaskRegister reg{entries, memory};
  std::optional<TaskManager> tasks;
  std::vector<SymbolSlot> syms;
  std::vector<SectionSlot> secs;
};

}  // namespace dyn::fuzz
