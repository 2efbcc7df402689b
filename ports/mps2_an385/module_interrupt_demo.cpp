// module_interrupt_demo.cpp — interrupts that land in unprivileged module
// code: a module computes for ~20 ms of instructions in its own code while
// the CMSDK timer interrupts it every 100 000 instructions; each interrupt's
// handler posts to a more important kernel task, which must preempt the
// module at once (PendSV hands the interrupt to the module task's kernel
// side, isolation.hpp) and the module must resume exactly: its result is
// compared with the same loop run here alone.
#include <cstring>

#include "board.hpp"
#include "dyn/kernel.hpp"
#include "dyn/sched_priority.hpp"
#include "dyn/task_manager.hpp"
#include "isolation.hpp"
#include "module_memory.hpp"

#define DYN_STR2(x) #x
#define DYN_STR(x) DYN_STR2(x)
asm(".section .rodata.dyn_modules,\"a\"\n.balign 8\n.global dyn_sum_o\ndyn_sum_o:\n.incbin \"" DYN_STR(
    DYN_TARGET_MODULE_DIR) "/interrupted_sum_target.o\"\n.global dyn_sum_o_end\ndyn_sum_o_end:\n.text\n");
extern "C" const std::byte dyn_sum_o[], dyn_sum_o_end[];

namespace {

using namespace dyn;

// CMSDK APB timer 0 (AN385: IRQ 8), clocked at 25 MHz: 40 instructions per count here.
constexpr std::uint32_t kTimer = 0x40000000, kCtrl = 0x0, kReload = 0x8, kIntClear = 0xC;
constexpr unsigned kTimerIrq = 8;
constexpr std::uint32_t kInterrupts = 20;

volatile std::uint32_t& timer(std::uint32_t offset) { return mps2::scb::reg(kTimer + offset); }

TaskId g_waiter;
std::uint32_t g_fired = 0;

void on_timer() {
  timer(kIntClear) = 1;
  if (++g_fired >= kInterrupts) timer(kCtrl) = 0;  // enough
  (void)Kernel::current()->post_from_interrupt(g_waiter, Notification{g_fired});
}

std::uint32_t g_woken = 0;
std::uint32_t g_woken_during_module = 0;
const Task* g_module_task = nullptr;

void waiter(void*) noexcept {
  Kernel& k = *Kernel::current();
  for (;;) {
    Notification n;
    if (!k.wait_notification(kNever, &n)) continue;
    ++g_woken;
    // Preempted at once: the module's task is the one that was running, in its own code.
    if (g_module_task && g_module_task->state == TaskState::Ready) ++g_woken_during_module;
  }
}

class Log final : public EventSink {
 public:
  void on_event(const KernelEvent& e) noexcept override {
    if (e.kind == EventKind::Log && e.text && e.task && std::strncmp(e.text, "sum ", 4) == 0) {
      std::memcpy(sum, e.text, sizeof sum - 1);
      mps2::uart_write(e.text);
      mps2::uart_write("\n");
    }
    if (e.kind == EventKind::Fault) faulted = true;
  }
  char sum[13] = {};
  bool faulted = false;
};

Task g_slots[4];
RegisterEntry g_entries[4];
alignas(8) std::byte g_pool[256 * 1024];
SymbolSlot g_symbols[64];
SectionSlot g_sections[32];
alignas(8) std::byte g_waiter_stack[4096];

std::uint32_t reference_sum() {
  std::uint32_t x = 1;
  for (std::uint32_t i = 0; i < 3000000; i++) x = x * 1664525u + 1013904223u + (x >> 7);
  return x;
}

}  // namespace

int main() {
  TaskTable table(g_slots);
  PriorityPolicy policy;
  Log log;
  KernelConfig config;
  Kernel kernel(table, policy, config, &log);
  mps2::PoolModuleMemory memory(g_pool);
  TaskRegister reg(g_entries, memory);
  TaskManager tasks(kernel, reg);

  TaskSpec w;
  w.name = "waiter";
  w.model = RunModel::Loop;
  w.priority = 6;
  w.entry = waiter;
  w.stack = g_waiter_stack;
  auto waiter_id = kernel.create(w);
  if (!waiter_id) return 1;
  g_waiter = waiter_id.value();

  ModuleTaskSpec spec;
  spec.task.name = "sum";
  spec.task.model = RunModel::Job;
  spec.task.onetime = true;
  spec.task.priority = 3;
  spec.stack_size = 4096;
  auto e = tasks.install({dyn_sum_o, static_cast<std::size_t>(dyn_sum_o_end - dyn_sum_o)}, spec,
                         LoaderScratch{g_symbols, g_sections});
  if (!e) {
    mps2::uart_write("could not install\n");
    return 1;
  }
  g_module_task = table.find(e.value()->task);

  mps2::irq_attach(kTimerIrq, on_timer);
  timer(kReload) = 2500;  // 100 000 instructions
  timer(kCtrl) = 0x9;     // enable, interrupt enable
  kernel.run_until(10 * kSecond);
  timer(kCtrl) = 0;

  char expected[13] = "sum ";
  const std::uint32_t x = reference_sum();
  for (int i = 0; i < 8; ++i) expected[4 + i] = "0123456789abcdef"[(x >> (28 - 4 * i)) & 0xF];
  const bool exact = std::strcmp(log.sum, expected) == 0;
  mps2::uart_write("interrupts: ");
  mps2::uart_write_unsigned(g_fired);
  mps2::uart_write(", waiter woken: ");
  mps2::uart_write_unsigned(g_woken);
  mps2::uart_write(", of which while the module computed: ");
  mps2::uart_write_unsigned(g_woken_during_module);
  mps2::uart_write(exact ? "; the module's result is exact\n" : "; the module's result is WRONG\n");
  return exact && !log.faulted && g_woken == kInterrupts && g_woken_during_module >= kInterrupts / 2 ? 0 : 1;
}
