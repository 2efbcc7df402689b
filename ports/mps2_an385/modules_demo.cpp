// modules_demo.cpp — real modules on the Cortex-M3: the example modules
// mathlib and beacon, built by the SDK for cortex-m3 and embedded in the
// image as ELF objects, are loaded, linked (ARM relocations, the kernel's
// exports, beacon's import from mathlib) and run as a task by the same task
// manager as on the host; the beacon's log lines come out on the UART. Two
// hostile modules (tests/modules/hostile.c) divide by zero and execute an
// undefined instruction: each is stopped alone with its fault record. The
// run passes if the beacon ran on schedule, both faults were contained, and
// every byte of module memory comes back when the modules are uninstalled.
#include <cstring>

#include "board.hpp"
#include "dyn/kernel.hpp"
#include "dyn/kernel_tables.hpp"
#include "dyn/sched_priority.hpp"
#include "dyn/task_manager.hpp"
#include "module_memory.hpp"

// The hostile modules and the fault each must be stopped with (CMakeLists.txt builds the same list).
#define DYN_HOSTILE_MODULES(X)                  \
  X(divides_by_zero, DivideByZero)              \
  X(illegal_instruction, IllegalInstruction)    \
  X(first_run_faults, MemoryAccess)             \
  X(writes_its_code, MemoryAccess)              \
  X(stack_overflow, StackOverflow)              \
  X(writes_kernel_ram, MemoryAccess)            \
  X(reads_kernel_ram, MemoryAccess)             \
  X(bad_svc, IllegalInstruction)                \
  X(executes_data, MemoryAccess)                \
  X(wait_writes_kernel, MemoryAccess)           \
  X(svc_bad_stack, StackOverflow)               \
  X(breakpoint, IllegalInstruction)             \
  X(wait_into_guard, MemoryAccess)

#define DYN_STR2(x) #x
#define DYN_STR(x) DYN_STR2(x)
#define DYN_EMBED(symbol, file)                                                                      \
  ".balign 8\n.global dyn_" #symbol "_o\ndyn_" #symbol "_o:\n.incbin \"" DYN_STR(DYN_TARGET_MODULE_DIR) \
  "/" file "\"\n.global dyn_" #symbol "_o_end\ndyn_" #symbol "_o_end:\n"
#define DYN_EMBED_HOSTILE(mode, kind) DYN_EMBED(mode, "hostile_" #mode "_target.o")
asm(".section .rodata.dyn_modules,\"a\"\n" DYN_EMBED(mathlib, "mathlib_target.o") DYN_EMBED(beacon, "beacon_target.o")
        DYN_HOSTILE_MODULES(DYN_EMBED_HOSTILE) ".text\n");
#define DYN_DECLARE(mode, kind) dyn_##mode##_o[], dyn_##mode##_o_end[],
extern "C" const std::byte dyn_mathlib_o[], dyn_mathlib_o_end[], dyn_beacon_o[], DYN_HOSTILE_MODULES(DYN_DECLARE)
    dyn_beacon_o_end[];

namespace {

using namespace dyn;

// The kernel's log events, on the console.
class ConsoleLog final : public EventSink {
 public:
  void on_event(const KernelEvent& e) noexcept override {
    if (e.kind == EventKind::Fault && e.task) {
      ++faults;
      mps2::uart_write("[");
      mps2::uart_write_unsigned(static_cast<std::uint64_t>(e.end / kMillisecond));
      mps2::uart_write(" ms] ");
      mps2::uart_write(e.task->name);
      mps2::uart_write(" stopped: ");
      mps2::uart_write(to_string(e.task->fault.kind));
      mps2::uart_write(" in module ");
      mps2::uart_write(e.task->fault.module);
      mps2::uart_write(" at code offset ");
      mps2::uart_write_hex(static_cast<std::uint32_t>(e.task->fault.offset));
      mps2::uart_write("\n");
      return;
    }
    if (e.kind != EventKind::Log || !e.text) return;
    mps2::uart_write("[");
    mps2::uart_write_unsigned(static_cast<std::uint64_t>(e.end / kMillisecond));
    mps2::uart_write(" ms] ");
    mps2::uart_write(e.task ? e.task->name : "system");
    mps2::uart_write(": ");
    mps2::uart_write(e.text);
    mps2::uart_write("\n");
    if (e.task && std::strcmp(e.task->name, "beacon") == 0 && std::strstr(e.text, "frame")) ++frames;
    if (e.task && std::strcmp(e.task->name, "beacon") == 0 && std::strstr(e.text, "beacon: frame ")) ++logged;
  }
  unsigned frames = 0;
  unsigned logged = 0;  // frames logged with their bytes (the beacon's heap block, in its domain)
  unsigned faults = 0;
};

struct Hostile {
  const char* name;
  const std::byte* begin;
  const std::byte* end;
  FaultKind expected;
};
#define DYN_HOSTILE_ENTRY(mode, kind) Hostile{#mode, dyn_##mode##_o, dyn_##mode##_o_end, FaultKind::kind},
const Hostile kHostile[] = {DYN_HOSTILE_MODULES(DYN_HOSTILE_ENTRY)};

constexpr std::size_t kTasks = 16;
Task g_slots[kTasks];
RegisterEntry g_entries[kTasks];
alignas(8) std::byte g_pool[1024 * 1024];
SymbolSlot g_symbols[256];
SectionSlot g_sections[64];

bool install(TaskManager& tasks, std::span<const std::byte> image, const char* name, bool job,
             Time interval = 30 * kSecond) {
  ModuleTaskSpec spec;
  spec.task.name = name;
  if (job) {
    spec.task.model = RunModel::Job;
    spec.task.level = 3;
    spec.task.priority = 3;
    spec.task.interval = interval;
    spec.task.watchdog = 50 * kMillisecond;
  }
  auto r = tasks.install(image, spec, LoaderScratch{g_symbols, g_sections});
  mps2::uart_write(r ? "installed " : "could not install ");
  mps2::uart_write(name);
  mps2::uart_write(r ? "\n" : ": refused\n");
  return static_cast<bool>(r);
}

}  // namespace

int main() {
  TaskTable table(g_slots);
  PriorityPolicy policy;
  ConsoleLog log;
  KernelConfig config;  // virtual time; the port's tick stops runaways
  Kernel kernel(table, policy, config, &log);
  mps2::PoolModuleMemory memory(g_pool);
  TaskRegister reg(g_entries, memory);
  TaskManager tasks(kernel, reg);
  const std::size_t free_before = memory.free_bytes();
  const std::span<const std::byte> mathlib(dyn_mathlib_o, static_cast<std::size_t>(dyn_mathlib_o_end - dyn_mathlib_o));
  const std::span<const std::byte> beacon(dyn_beacon_o, static_cast<std::size_t>(dyn_beacon_o_end - dyn_beacon_o));
  if (!install(tasks, mathlib, "mathlib", false) || !install(tasks, beacon, "beacon", true)) return 1;
  for (const Hostile& h : kHostile)
    if (!install(tasks, {h.begin, static_cast<std::size_t>(h.end - h.begin)}, h.name, true, 20 * kSecond)) return 1;
  mps2::uart_write("module memory in use: ");
  mps2::uart_write_unsigned(memory.stats().total_bytes());
  mps2::uart_write(" B in ");
  mps2::uart_write_unsigned(memory.stats().total_regions());
  mps2::uart_write(" regions\n");
  kernel.run_until(2 * 60 * kSecond);  // two minutes: runs at 0, 30, 60, 90 s
  // Each hostile module is stopped at its first run with the fault it
  // committed (and stays stopped, as on the host); the others keep going.
  bool contained = true;
  for (const Hostile& h : kHostile) {
    const Task* t = table.find_by_name(h.name);
    const bool ok = t && t->state == TaskState::Dead && t->stats.runs == 1 && t->fault.kind == h.expected;
    contained = contained && ok;
    if (!ok) {
      mps2::uart_write("NOT CONTAINED as expected: ");
      mps2::uart_write(h.name);
      mps2::uart_write("\n");
    }
  }
  const Task* b = table.find_by_name("beacon");
  const bool beacon_alive = b && b->state != TaskState::Dead;
  tasks.uninstall_all();
  // Returned and coalesced: the whole pool is one free block again.
  const Region whole = memory.allocate(RegionKind::Meta, free_before, 8);
  const bool returned = whole && memory.stats().total_bytes() == free_before;
  memory.release(whole);
  mps2::uart_write("beacon frames: ");
  mps2::uart_write_unsigned(log.frames);
  mps2::uart_write(", tasks their fault stopped: ");
  mps2::uart_write_unsigned(log.faults);
  mps2::uart_write(returned ? "; every byte of module memory returned\n" : "; module memory NOT returned\n");
  // A flight image's error texts are the codes' names (DYN_TERSE_ERRORS, dyn/error_text.hpp).
  const bool terse = std::strcmp(to_string(TablesErrc::RegionOverlap), "RegionOverlap") == 0 &&
                     std::strcmp(to_string(TaskErrc::TableFull), "TableFull") == 0;
  mps2::uart_write(terse ? "error texts: the codes' names\n" : "error texts: NOT the codes' names\n");
  return log.frames >= 4 && log.logged >= 4 && beacon_alive && contained && log.faults == std::size(kHostile) &&
                 returned && terse
             ? 0
             : 1;
}
