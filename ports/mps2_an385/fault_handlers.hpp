// fault_handlers.hpp — the Cortex-M3 fault exceptions. Today every fault
// ends the run with a record on the console (exception, CFSR, HFSR, the
// faulting address and the stacked PC); stopping only the faulting task, on
// its own MPU regions, is the next step of the port (issue 13, part 2).
#pragma once

extern "C" {
void dyn_hard_fault_handler();
void dyn_mem_manage_handler();
void dyn_bus_fault_handler();
void dyn_usage_fault_handler();
}
