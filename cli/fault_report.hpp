// fault_report.hpp — a task's fault record (its epitaph) in words.
#pragma once

#include <string>

#include "dyn/fault.hpp"

namespace dyn::cli {

// "memory access violation at 0x0, pc beacon v5 +0x1a" — what the task did and where.
std::string describe_fault(const FaultRecord& f);
// "beacon v5 +0x1a", or "outside the module (in a kernel export it called)".
std::string fault_location(const FaultRecord& f);

}  // namespace dyn::cli
