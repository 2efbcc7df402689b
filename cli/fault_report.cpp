// fault_report.cpp — fault records in words, for the terminal, the trace and the log.
#include "fault_report.hpp"

#include <cstdio>

#include "dyn/task.hpp"

namespace dyn::cli {

namespace {
std::string hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}
}  // namespace

std::string fault_location(const FaultRecord& f) {
  if (f.offset == kNoOffset)
    return "pc " + hex(f.pc) + ", outside " + std::string(f.module) + "'s code (in a kernel export it called)";
  return std::string(f.module) + " v" + std::to_string(f.version) + " +" + hex(f.offset);
}

std::string describe_fault(const FaultRecord& f) {
  std::string out = to_string(f.kind);
  const bool has_address = f.kind == FaultKind::MemoryAccess || f.kind == FaultKind::StackOverflow ||
                           f.kind == FaultKind::Bus || f.kind == FaultKind::HeapCorruption;
  if (has_address) out += " at " + hex(f.address);
  if (f.pc) out += ", " + fault_location(f);
  return out;
}

}  // namespace dyn::cli
