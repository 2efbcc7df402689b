// fault_names.cpp — the words for fault kinds (a fault record's epitaph).
//
// In a file of its own: a port's fault handler prints them, and it should
// pull in these strings alone, not every other name the core has.
#include "dyn/fault.hpp"

namespace dyn {

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

}  // namespace dyn
