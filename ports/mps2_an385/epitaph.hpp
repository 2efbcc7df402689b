// epitaph.hpp — the last task fault, kept in RAM that start-up never
// clears, so it survives a reset and the next boot reports it.
#pragma once

#include <cstdint>

#include "dyn/fault.hpp"
#include "dyn/task.hpp"

namespace dyn::mps2 {

// What survives: the task, its fault record, and a CRC over both.
struct Epitaph {
  std::uint32_t magic;
  std::uint32_t boots;  // resets since the epitaph was left (0: the run that left it)
  char task[kTaskNameMax + 1];
  FaultRecord record;
  std::uint32_t crc;
};

// At boot (startup.cpp): an intact epitaph left before the reset is printed
// and kept for the program (last_epitaph()); a damaged one is ignored.
void report_epitaph_at_boot() noexcept;
// The epitaph the previous run left, or nullptr.
const Epitaph* last_epitaph() noexcept;
// Resets the board (SYSRESETREQ): RAM keeps its contents, the image restarts.
[[noreturn]] void reset_board() noexcept;

}  // namespace dyn::mps2
