// module_test_support.hpp — what the module, task-manager and update tests share:
// reading objects, and kernel tables with their consistency check.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <vector>

#include "dyn/kernel_tables.hpp"
#include "module_report.hpp"

namespace dyn::test {

// The bytes of a file; empty if it cannot be read (the tests then say so).
inline std::vector<std::byte> read_bytes(const std::string& path) { return cli::read_file(path); }

// Kernel tables (seed 004) with their storage, fixed at construction.
struct Tables {
  explicit Tables(std::size_t tasks) : task_descs(tasks), regions(4 * tasks + 1), irqs(4) {}
  std::vector<TaskDesc> task_descs;
  std::vector<RegionEntry> regions;
  std::vector<IrqEntry> irqs;
  Result<KernelTables, TablesError> tables{KernelTables::create(task_descs, regions, irqs)};
  KernelTables& get() { return tables.value(); }

  // Every invariant holds (the tests call it after every operation).
  ::testing::AssertionResult consistent() {
    if (auto v = tables.value().verify(); !v)
      return ::testing::AssertionFailure() << "verify: " << to_string(v.error().code) << " index " << v.error().index
                                           << " value " << v.error().value;
    return ::testing::AssertionSuccess();
  }
};

}  // namespace dyn::test
