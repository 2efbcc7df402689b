// symbol_table.hpp — names a module may link against.
//
// The kernel's export table (the SDK API) is a fixed, sorted array; a loaded
// module's exports live in its Meta region, also sorted, so every lookup is a
// binary search by name.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace dyn {

struct Task;

// An address as wide as the machine's (not a fixed 64 bits): the kernel's
// table is then initialised by the linker, in flash, instead of by code at
// start-up into RAM (the reinterpret_casts below are not constant expressions).
struct ExportedSymbol {
  const char* name;
  std::uintptr_t address;
  bool function;
  // A kernel service: code that needs the kernel (its state, its heap, a
  // pointer check). Modules reach it through port::service_entry (a gate on
  // a port that isolates them); the rest of the export table, the C
  // library's pure routines, runs in the module's own domain.
  bool service = false;
};

// Binary search in a table sorted by name; nullptr if absent.
const ExportedSymbol* find_symbol(std::span<const ExportedSymbol> sorted, std::string_view name) noexcept;

// The kernel API of sdk/dynsched.h plus the C library subset modules get (docs/modules.md).
std::span<const ExportedSymbol> kernel_exports() noexcept;
// The address a module links to for kernel export `s` (an entry of kernel_exports()).
std::uint64_t kernel_symbol_address(const ExportedSymbol& s) noexcept;
// The code of kernel service `index` (the services of kernel_exports(), in
// order), or 0: what a port's gate for that index runs.
std::uintptr_t kernel_service(std::size_t index) noexcept;

// True while kernel code in task `t` works on memory its module handed it
// (a string passed to dyn_log, the buffer and arguments of snprintf, the
// array qsort sorts): a fault then is the module's bad pointer, not a kernel bug.
bool copying_for_module(const Task& t) noexcept;

// Marks such work in the running task for as long as it lives (scopes
// nest; Task::module_memory_scopes). A task stopped in the middle never
// leaves its scope: stopping it resets its count (Kernel::reset_context).
class ModuleMemoryScope {
 public:
  ModuleMemoryScope() noexcept;
  ~ModuleMemoryScope();
  ModuleMemoryScope(const ModuleMemoryScope&) = delete;
  ModuleMemoryScope& operator=(const ModuleMemoryScope&) = delete;

 private:
  // The task counted, or nullptr: no task runs, or this is unprivileged
  // module code (which cannot write the kernel's count, nor needs it).
  Task* task_;
};

}  // namespace dyn
