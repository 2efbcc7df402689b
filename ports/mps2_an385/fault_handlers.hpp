// fault_handlers.hpp — the Cortex-M3 fault exceptions. A module task's
// fault stops that task (fault_handlers.cpp says how); any other fault ends
// the run with a record on the console (exception, CFSR, HFSR, the faulting
// address and the stacked PC).
#pragma once

extern "C" {
void dyn_hard_fault_handler();
void dyn_mem_manage_handler();
void dyn_bus_fault_handler();
void dyn_usage_fault_handler();
}
