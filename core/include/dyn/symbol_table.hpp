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

struct ExportedSymbol {
  const char* name;
  std::uint64_t address;
  bool function;
};

// Binary search in a table sorted by name; nullptr if absent.
const ExportedSymbol* find_symbol(std::span<const ExportedSymbol> sorted, std::string_view name) noexcept;

// The kernel API of sdk/dynsched.h plus the C library routines compilers emit calls to.
std::span<const ExportedSymbol> kernel_exports() noexcept;

// True while the kernel API copies a string a module passed (dyn_log,
// dyn_notify_send): a fault then is the module's bad pointer, not a kernel bug.
bool copying_for_module() noexcept;

}  // namespace dyn
