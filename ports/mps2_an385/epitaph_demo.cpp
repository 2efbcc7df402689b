// epitaph_demo.cpp — a module task's fault survives a reset: the first boot
// runs a module that divides by zero, whose record the port keeps in RAM
// start-up never clears, then resets the board; the second boot reports the
// epitaph and checks it names the task, the fault and the module.
#include <cstring>

#include "board.hpp"
#include "dyn/kernel.hpp"
#include "dyn/sched_priority.hpp"
#include "dyn/task_manager.hpp"
#include "epitaph.hpp"
#include "module_memory.hpp"

#define DYN_STR2(x) #x
#define DYN_STR(x) DYN_STR2(x)
asm(".section .rodata.dyn_modules,\"a\"\n.balign 8\n.global dyn_divider_o\ndyn_divider_o:\n.incbin \"" DYN_STR(
    DYN_TARGET_MODULE_DIR) "/hostile_divides_by_zero_target.o\"\n.global dyn_divider_o_end\ndyn_divider_o_end:\n.text\n");
extern "C" const std::byte dyn_divider_o[], dyn_divider_o_end[];

namespace {

using namespace dyn;

constexpr std::uint32_t kFirstBootDone = 0x52455354;  // "REST"
__attribute__((section(".noinit"))) std::uint32_t g_first_boot;  // survives the reset, like the epitaph (no initializer: not constructed)

Task g_slots[4];
RegisterEntry g_entries[4];
alignas(8) std::byte g_pool[128 * 1024];
SymbolSlot g_symbols[128];
SectionSlot g_sections[48];

[[noreturn]] void first_boot() {
  g_first_boot = kFirstBootDone;
  TaskTable table(g_slots);
  PriorityPolicy policy;
  KernelConfig config;
  Kernel kernel(table, policy, config);
  mps2::PoolModuleMemory memory(g_pool);
  TaskRegister reg(g_entries, memory);
  TaskManager tasks(kernel, reg);
  ModuleTaskSpec spec;
  spec.task.name = "divider";
  spec.task.model = RunModel::Job;
  spec.task.interval = kSecond;
  spec.task.watchdog = 50 * kMillisecond;
  spec.stack_size = 4096;
  const std::span<const std::byte> image(dyn_divider_o, static_cast<std::size_t>(dyn_divider_o_end - dyn_divider_o));
  if (!tasks.install(image, spec, LoaderScratch{g_symbols, g_sections})) {
    mps2::uart_write("could not install\n");
    mps2::exit_with(false);
  }
  kernel.run_until(2 * kSecond);
  mps2::uart_write("first boot: the task faulted; resetting the board\n");
  mps2::reset_board();
}

}  // namespace

int main() {
  const mps2::Epitaph* e = mps2::last_epitaph();
  if (!e) {
    if (g_first_boot == kFirstBootDone) {
      mps2::uart_write("FAILED: no epitaph survived the reset\n");
      return 1;
    }
    first_boot();
  }
  g_first_boot = 0;
  const bool ok = std::strcmp(e->task, "divider") == 0 && e->record.kind == FaultKind::DivideByZero &&
                  std::strcmp(e->record.module, "beacon") == 0 && e->record.offset != kNoOffset && e->boots == 1;
  mps2::uart_write(ok ? "the epitaph names the task, its fault and its module\n" : "FAILED: the epitaph is wrong\n");
  return ok ? 0 : 1;
}
