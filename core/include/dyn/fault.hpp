// fault.hpp — the fault record: what a task did when it was stopped for a fault.
//
// A task that faults is stopped alone; the record (Hubris's "epitaph") stays
// in its control block until the slot is reused, is reported through the
// event sink and printed. The same record comes from every source of a fault:
// the host port's synchronous signals (SIGSEGV, SIGBUS, SIGILL, SIGFPE), the
// target's MPU and usage faults, and the kernel's own checks of module
// behaviour (constructors that never complete, a corrupted heap guard).
#pragma once

#include <cstddef>
#include <cstdint>

#include "dyn/time.hpp"

namespace dyn {

enum class FaultKind : std::uint8_t {
  None,
  MemoryAccess,        // read or write of memory the task may not touch (NULL, wild pointer, sealed code)
  StackOverflow,       // the access hit the guard below the task's stack
  Bus,                 // bus error (misaligned or unbacked access)
  IllegalInstruction,  // undefined or privileged instruction
  DivideByZero,        // integer division by zero
  Arithmetic,          // other arithmetic trap (integer overflow of a division, floating point)
  HeapCorruption,      // a guard around one of the task's dyn_malloc blocks was overwritten
  Constructor,         // the module's constructors were stopped before they completed
  Blocked,             // module code the system ran for it (a constructor or hook) tried to sleep or wait
  Aborted,             // the module called abort(), or one of its assertions failed (the log says which)
};

const char* to_string(FaultKind k) noexcept;

inline constexpr std::uint64_t kNoOffset = ~std::uint64_t{0};

struct FaultRecord {
  FaultKind kind = FaultKind::None;
  Time at = 0;                        // mission time
  std::uint64_t address = 0;          // the faulting data address (memory faults), else 0
  std::uint64_t pc = 0;               // the faulting instruction
  std::uint64_t sp = 0;               // the stack pointer at the fault
  std::uint64_t offset = kNoOffset;   // pc's offset in `module`'s code; kNoOffset: outside any module
                                      // (in a kernel export the task called, e.g. memcpy with a bad pointer)
  char module[32] = {};               // the module whose code faulted (or the task's own)
  std::uint32_t version = 0;
  bool in_kernel_image = false;       // set by the port: the pc is in the kernel's own code (not a
                                      // module's, not the C library's): the kernel's fault unless it
                                      // was copying a module's argument (copying_for_module())
  bool module_mode = false;           // set by an isolating port: taken in unprivileged module code, so
                                      // the module's wherever the pc is (a C library routine it called)
};

}  // namespace dyn
