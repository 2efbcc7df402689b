// mission_image.cpp — a mission compiled into the image (`dynsched compile`,
// dyn/mission_plan.hpp) run on the Cortex-M3: the kernel, the mission's
// policy, its tasks and embedded modules (unprivileged, in their MPU
// domains), its live updates at their mission times. Progress on the UART:
// module log lines, faults and watchdog stops, each update's outcome, then a
// line per task. The verdict through semihosting: 0 when no task was stopped
// unexpectedly (a fault, or a watchdog stop the file does not expect; a stop
// of a new version that its update discarded is the update's containment),
// the kernel tables verify, and every byte of module memory comes back.
#include "board.hpp"
#include "dyn/mission_plan.hpp"
#include "module_memory.hpp"

namespace {

using namespace dyn;

void write_time(Time t) {
  mps2::uart_write("[");
  mps2::uart_write_unsigned(static_cast<std::uint64_t>(t / kSecond));
  mps2::uart_write(" s] ");
}

// The kernel's events worth a line on a slow console.
class Console final : public EventSink {
 public:
  void on_event(const KernelEvent& e) noexcept override {
    if (e.kind == EventKind::Fault && e.task) {
      write_time(e.end);
      mps2::uart_write(e.task->name);
      mps2::uart_write(" stopped: ");
      mps2::uart_write(to_string(e.task->fault.kind));
      mps2::uart_write(" in module ");
      mps2::uart_write(e.task->fault.module);
      mps2::uart_write(" v");
      mps2::uart_write_unsigned(e.task->fault.version);
      mps2::uart_write(", code offset ");
      mps2::uart_write_hex(static_cast<std::uint32_t>(e.task->fault.offset));
      mps2::uart_write(", pc ");
      mps2::uart_write_hex(static_cast<std::uint32_t>(e.task->fault.pc));
      mps2::uart_write(", address ");
      mps2::uart_write_hex(static_cast<std::uint32_t>(e.task->fault.address));
      mps2::uart_write("\n");
    } else if (e.kind == EventKind::Watchdog && e.task && e.task->stats.watchdog_kills <= 2) {
      write_time(e.end);
      mps2::uart_write(e.task->name);
      mps2::uart_write(" stopped by its watchdog");
      mps2::uart_write(e.task->stats.watchdog_kills == 2 ? " (again; further stops are counted, not printed)\n" : "\n");
    } else if ((e.kind == EventKind::Log || e.kind == EventKind::Update) && e.text && lines_ < kMaxLines) {
      ++lines_;
      write_time(e.end);
      mps2::uart_write(e.task ? e.task->name : "system");
      mps2::uart_write(": ");
      mps2::uart_write(e.text);
      mps2::uart_write(lines_ == kMaxLines ? "\n(further log lines are not printed)\n" : "\n");
    }
  }

 private:
  static constexpr unsigned kMaxLines = 200;
  unsigned lines_ = 0;
};

class UpdateLines final : public PlanObserver {
 public:
  void update_requested(const PlanUpdate& u, const char* task, const char* module,
                        const UpdateError* refused) noexcept override {
    write_time(u.at);
    mps2::uart_write("update of ");
    mps2::uart_write(task);
    mps2::uart_write(" to ");
    mps2::uart_write(module);
    mps2::uart_write(refused ? ": refused at once\n" : ": requested\n");
  }
  void update_finished(const PlanUpdate&, const char* task, const UpdateManager& updates) noexcept override {
    write_time(updates.last().finished_at);
    mps2::uart_write("update of ");
    mps2::uart_write(task);
    mps2::uart_write(": ");
    mps2::uart_write(to_string(updates.last().outcome));
    mps2::uart_write("\n");
  }
};

void write_summary(const MissionSystem& sys) {
  const TaskTable& table = sys.table();
  mps2::uart_write("task: runs, completions, watchdog stops, faults\n");
  for (std::size_t i = 0; i < table.capacity(); ++i) {
    const Task& t = table.at(i);
    if (t.state == TaskState::Free) continue;
    mps2::uart_write("  ");
    mps2::uart_write(t.name);
    mps2::uart_write(": ");
    mps2::uart_write_unsigned(t.stats.runs);
    mps2::uart_write(", ");
    mps2::uart_write_unsigned(t.stats.completions);
    mps2::uart_write(", ");
    mps2::uart_write_unsigned(t.stats.watchdog_kills);
    mps2::uart_write(", ");
    mps2::uart_write_unsigned(t.stats.faults);
    mps2::uart_write("\n");
  }
}

// Module memory (code, data, state, stacks of module tasks); with the
// mission's static storage it must fit the linker script's 2 MiB (an ASSERT there).
alignas(8) std::byte g_pool[1024 * 1024];
Console g_console;

// The system lives for the whole run, in static storage (it is too large for the start-up stack).
alignas(MissionSystem) std::byte g_system[sizeof(MissionSystem)];

}  // namespace

int main() {
  const MissionPlan& plan = compiled_mission;
  mps2::uart_write("mission \"");
  mps2::uart_write(plan.name);
  mps2::uart_write("\" (compiled from ");
  mps2::uart_write(plan.source);
  mps2::uart_write("): ");
  mps2::uart_write_unsigned(plan.tasks.size());
  mps2::uart_write(" tasks, ");
  mps2::uart_write_unsigned(plan.updates.size());
  mps2::uart_write(" updates, ");
  mps2::uart_write_unsigned(static_cast<std::uint64_t>(plan.duration / kSecond));
  mps2::uart_write(" s of mission time\n");
  mps2::PoolModuleMemory memory(g_pool);
  const std::size_t free_before = memory.free_bytes();
  MissionSystem& sys = *::new (g_system) MissionSystem(plan, memory, &g_console);
  if (auto started = sys.start(); !started) {
    mps2::uart_write("mission did not start: ");
    if (started.error().task) {
      mps2::uart_write(started.error().task);
      mps2::uart_write(": ");
    }
    mps2::uart_write(describe(started.error().code));
    mps2::uart_write(" (detail ");
    mps2::uart_write_unsigned(started.error().detail);
    mps2::uart_write(")\n");
    return 1;
  }
  UpdateLines updates;
  sys.run(&updates);
  write_summary(sys);
  const std::uint64_t unexpected = sys.unexpected_stops();
  const bool tables = sys.tables() && sys.tables()->verify();
  sys.stop();
  const bool returned = memory.free_bytes() == free_before;
  mps2::uart_write("unexpected stops: ");
  mps2::uart_write_unsigned(unexpected);
  mps2::uart_write(tables ? "; kernel tables verify" : "; kernel tables DO NOT verify");
  mps2::uart_write(returned ? "; every byte of module memory returned\n" : "; module memory NOT returned\n");
  const bool ok = unexpected == 0 && tables && returned;
  mps2::uart_write(ok ? "mission ran as planned\n" : "mission FAILED\n");
  return ok ? 0 : 1;
}
