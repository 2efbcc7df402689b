// housekeeping.cpp — stack watermarks and overflow stops, as a system task.
#include "dyn/housekeeping.hpp"

#include <cstdint>
#include <cstring>

#include "port.hpp"

namespace dyn {

namespace {
constexpr std::byte kStackFill{0xA5};  // must match the kernel's fill at creation
}

std::size_t stack_high_water(const Task& t) noexcept {
  constexpr std::uint64_t kFillWord = 0xA5A5'A5A5'A5A5'A5A5ull;
  const std::size_t size = t.stack.size();
  std::size_t untouched = 0;
  while (untouched + sizeof(kFillWord) <= size) {
    std::uint64_t word;
    std::memcpy(&word, t.stack.data() + untouched, sizeof word);
    if (word != kFillWord) break;
    untouched += sizeof word;
  }
  while (untouched < size && t.stack[untouched] == kStackFill) ++untouched;
  return size - untouched;
}

void housekeeping_job(void* arg) noexcept {
  auto& stats = *static_cast<HousekeepingStats*>(arg);
  Kernel& k = *Kernel::current();
  // The task table is kernel state: walk it in a critical section. This is
  // system work, so in virtual time it costs the mission nothing.
  port::kernel_enter();
  ++stats.runs;
  TaskTable& table = k.table();
  for (std::size_t i = 0; i < table.capacity(); ++i) {
    Task& t = table.at(i);
    if (t.state == TaskState::Free || t.stack.empty()) continue;
    t.stats.stack_used = stack_high_water(t);
    if (t.state != TaskState::Dead && &t != k.running() &&
        t.stats.stack_used + kStackGuardMargin > t.stack.size()) {
      if (k.kill(t.id, ExitReason::StackOverflow)) ++stats.overflows_stopped;
    }
  }
  port::kernel_exit();
}

TaskSpec housekeeping_task(HousekeepingStats* stats, Time interval) noexcept {
  TaskSpec spec;
  spec.name = "os.housekeeping";
  spec.entry = housekeeping_job;
  spec.arg = stats;
  spec.model = RunModel::Job;
  spec.level = kLevelCount;
  spec.priority = 0;
  spec.tickets = 1;
  spec.interval = interval;
  spec.delay = interval;
  return spec;
}

}  // namespace dyn
