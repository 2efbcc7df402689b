// compiler_helpers.hpp — the compiler's run-time helpers a Cortex-M kernel exports to modules.
//
// GCC compiles 64-bit division, soft-float arithmetic and a few bit
// operations on a Cortex-M3 into calls to helper routines (the ARM EABI's
// __aeabi_* names, libgcc's __popcount* and the like). A module gets them from
// the kernel, not by carrying its own copy: measured on the SDK's Cortex-M3
// flags, linking libgcc.a into a module that divides 64-bit integers and
// does double and float arithmetic adds 5.3 KB of code and 28.5 KB of object
// file to every upload of it (docs/modules.md); exported once by the
// firmware, it costs those 5.3 KB of flash once and nothing on the uplink.
//
// With them, the one piece of newlib that its headers make modules reference
// directly: `_ctype_`, the table its <ctype.h> macros read.
//
// The core only names them: it does no floating point itself, and the port
// (which links libgcc into the firmware) supplies their addresses. On the
// host, `dynsched inspect` resolves a Cortex-M object against these names.
#pragma once

#include <span>

namespace dyn {

std::span<const char* const> arm_compiler_helpers() noexcept;

}  // namespace dyn
