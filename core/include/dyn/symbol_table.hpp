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

// An address as wide as the machine's (not a fixed 64 bits): the kernel's
// table is then initialised by the linker, in flash, instead of by code at
// start-up into RAM (the reinterpret_casts below are not constant expressions).
struct ExportedSymbol {
  const char* name;
  std::uintptr_t address;
  bool function;
};

// Binary search in a table sorted by name; nullptr if absent.
const ExportedSymbol* find_symbol(std::span<const ExportedSymbol> sorted, std::string_view name) noexcept;

// The kernel API of sdk/dynsched.h plus the C library subset modules get (docs/modules.md).
std::span<const ExportedSymbol> kernel_exports() noexcept;

// True while kernel code works on memory a module handed it (a string passed
// to dyn_log, the buffer and arguments of snprintf, the array qsort sorts):
// a fault then is the module's bad pointer, not a kernel bug.
bool copying_for_module() noexcept;

// Marks such work for as long as it lives (scopes nest). A task stopped in
// the middle never leaves its scope: the fault path forgets every open one.
class ModuleMemoryScope {
 public:
  ModuleMemoryScope() noexcept;
  ~ModuleMemoryScope();
  ModuleMemoryScope(const ModuleMemoryScope&) = delete;
  ModuleMemoryScope& operator=(const ModuleMemoryScope&) = delete;
};
void forget_module_memory_scopes() noexcept;

}  // namespace dyn
