// service_race_demo.cpp — two modules inside the kernel's services at once
// (tests/modules/service_race.c): "slow" hands strndup a 512 KiB string
// without a NUL, which the service reads whole before refusing it; the
// tick preempts that service for "ticker", which calls the kernel every
// 200 us. The refusal's record must name slow's own call site (the gate's
// caller is kept per task), and ticker must finish every run unharmed.
// Real-time clock: a tick every millisecond, delivered into the service.
#include <cstring>

#include "board.hpp"
#include "dyn/kernel.hpp"
#include "dyn/sched_priority.hpp"
#include "dyn/task_manager.hpp"
#include "module_memory.hpp"

#define DYN_STR2(x) #x
#define DYN_STR(x) DYN_STR2(x)
#define DYN_EMBED(symbol, file)                                                                      \
  ".balign 8\n.global dyn_" #symbol "_o\ndyn_" #symbol "_o:\n.incbin \"" DYN_STR(DYN_TARGET_MODULE_DIR) \
  "/" file "\"\n.global dyn_" #symbol "_o_end\ndyn_" #symbol "_o_end:\n"
asm(".section .rodata.dyn_modules,\"a\"\n" DYN_EMBED(slow, "service_race_slow_target.o")
        DYN_EMBED(ticker, "service_race_ticker_target.o") ".text\n");
extern "C" const std::byte dyn_slow_o[], dyn_slow_o_end[], dyn_ticker_o[], dyn_ticker_o_end[];

namespace {

using namespace dyn;

Task g_slots[4];
RegisterEntry g_entries[4];
alignas(8) std::byte g_pool[1024 * 1024];
SymbolSlot g_symbols[128];
SectionSlot g_sections[48];

std::span<const std::byte> image(const std::byte* begin, const std::byte* end) {
  return {begin, static_cast<std::size_t>(end - begin)};
}

bool install(TaskManager& tasks, std::span<const std::byte> object, const char* name, std::uint8_t priority) {
  ModuleTaskSpec spec;
  spec.task.name = name;
  spec.task.model = RunModel::Job;
  spec.task.priority = priority;
  spec.task.interval = 100 * kMillisecond;
  spec.task.watchdog = 50 * kMillisecond;
  if (tasks.install(object, spec, LoaderScratch{g_symbols, g_sections})) return true;
  mps2::uart_write("could not install ");
  mps2::uart_write(name);
  mps2::uart_write("\n");
  return false;
}

}  // namespace

int main() {
  TaskTable table(g_slots);
  PriorityPolicy policy;
  KernelConfig config;
  config.clock = ClockMode::Realtime;
  Kernel kernel(table, policy, config);
  mps2::PoolModuleMemory memory(g_pool);
  const std::size_t free_before = memory.free_bytes();
  bool ok = false;
  {
    TaskRegister reg(g_entries, memory);
    TaskManager tasks(kernel, reg);
    if (!install(tasks, image(dyn_slow_o, dyn_slow_o_end), "slow", 2) ||
        !install(tasks, image(dyn_ticker_o, dyn_ticker_o_end), "ticker", 10))
      mps2::exit_with(false);
    kernel.run_until(300 * kMillisecond);
    const Task* slow = table.find_by_name("slow");
    const Task* ticker = table.find_by_name("ticker");
    if (!slow || !ticker) mps2::exit_with(false);
    mps2::uart_write("slow: ");
    mps2::uart_write(to_string(slow->fault.kind));
    mps2::uart_write(" in module ");
    mps2::uart_write(slow->fault.module);
    mps2::uart_write(" offset ");
    mps2::uart_write_hex(static_cast<std::uint32_t>(slow->fault.offset));
    mps2::uart_write("; ticker: ");
    mps2::uart_write_unsigned(ticker->stats.runs);
    mps2::uart_write(" runs, ");
    mps2::uart_write_unsigned(ticker->stats.completions);
    mps2::uart_write(" completed, ");
    mps2::uart_write_unsigned(ticker->stats.faults);
    mps2::uart_write(" faults, ");
    mps2::uart_write_unsigned(ticker->stats.preemptions);
    mps2::uart_write(" preemptions; slow preempted ");
    mps2::uart_write_unsigned(slow->stats.preemptions);
    mps2::uart_write(" times\n");
    ok = slow->fault.kind == FaultKind::MemoryAccess && std::strcmp(slow->fault.module, "slow") == 0 &&
         slow->fault.offset != kNoOffset && slow->stats.preemptions > 0 && ticker->stats.faults == 0 &&
         ticker->stats.completions >= 2;
    tasks.uninstall_all();
  }
  const bool returned = memory.free_bytes() == free_before;
  if (!returned) mps2::uart_write("module memory NOT returned\n");
  if (ok && returned) mps2::uart_write("the refusal names the slow module's own call site\n");
  mps2::exit_with(ok && returned);
}
