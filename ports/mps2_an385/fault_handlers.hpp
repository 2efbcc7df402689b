// fault_handlers.hpp — the Cortex-M3 fault exceptions. A module task's
// fault stops that task (fault_handlers.cpp says how); any other fault ends
// the run with a record on the console (exception, CFSR, HFSR, the faulting
// address and the stacked PC).
#pragma once

#include <cstdint>

#include "dyn/fault.hpp"
#include "isolation.hpp"

extern "C" {
void dyn_hard_fault_handler();
void dyn_mem_manage_handler();
void dyn_bus_fault_handler();
void dyn_usage_fault_handler();
// Prints the record of a fault no task owns and ends the run.
[[noreturn]] void dyn_fault_report(const std::uint32_t* frame, std::uint32_t exc_return);
}

namespace dyn::mps2 {
// A fault of unprivileged module code (or an SVC it may not make): the
// record is handed to the task's kernel side, on its kernel stack at `msp`.
ExitRecord* module_fault_exit(FaultKind kind, std::uint32_t pc, std::uint32_t address, std::uint32_t sp,
                              std::uint32_t msp) noexcept;
}  // namespace dyn::mps2
