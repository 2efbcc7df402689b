// footprint_update.cpp — the update-capable kernel on the Cortex-M3, for the
// footprint figures of docs/performance.md: the kernel with one policy
// (priority), the kernel tables (seed 004), the loader with the ARM relocator
// only, the task register, the update manager and its os.update task, the
// power-fail-safe store and the boot from it. The store sits on a RAM-backed
// flash (RamFlash) because the port has no flash driver yet.
//
// Its run is a smoke check of each part, not a test suite (those run on the
// host): the store is initialised with this spacecraft's identity; mathlib
// and beacon (the SDK's cortex-m3 builds, embedded in the image the way a
// mission's images are) boot from it as a first deploy; the beacon runs;
// it is updated live to version 2 (a new state layout, its restore hook
// transforms the state) and the update commits; the store then says v2 is
// committed, the kernel tables verify after every step, and every byte of
// module memory comes back at the end. Verdict through semihosting.
#include <cstring>
#include <new>

#include "board.hpp"
#include "dyn/boot.hpp"
#include "dyn/borrowed_scratch.hpp"
#include "dyn/flash.hpp"
#include "dyn/kernel.hpp"
#include "dyn/module_store.hpp"
#include "dyn/sched_priority.hpp"
#include "dyn/task_manager.hpp"
#include "dyn/update_manager.hpp"
#include "module_memory.hpp"
#include "mpu_layout.hpp"

#define DYN_STR2(x) #x
#define DYN_STR(x) DYN_STR2(x)
// The mission's images, in a section of their own so the footprint script
// can tell them from the kernel (in flight they come with the mission).
asm(".section .rodata.dyn_modules,\"a\"\n"
    ".balign 8\n.global dyn_mathlib_o\ndyn_mathlib_o:\n.incbin \"" DYN_STR(DYN_MATHLIB_OBJECT) "\"\n.global dyn_mathlib_o_end\ndyn_mathlib_o_end:\n"
    ".balign 8\n.global dyn_beacon_o\ndyn_beacon_o:\n.incbin \"" DYN_STR(DYN_BEACON_OBJECT) "\"\n.global dyn_beacon_o_end\ndyn_beacon_o_end:\n"
    ".balign 8\n.global dyn_beacon_v2_o\ndyn_beacon_v2_o:\n.incbin \"" DYN_STR(DYN_BEACON_V2_OBJECT) "\"\n.global dyn_beacon_v2_o_end\ndyn_beacon_v2_o_end:\n"
    ".text\n");
extern "C" const std::byte dyn_mathlib_o[], dyn_mathlib_o_end[], dyn_beacon_o[], dyn_beacon_o_end[],
    dyn_beacon_v2_o[], dyn_beacon_v2_o_end[];

namespace {

using namespace dyn;

std::span<const std::byte> embedded(const std::byte* begin, const std::byte* end) {
  return {begin, static_cast<std::size_t>(end - begin)};
}

// The beacon's log lines, counted (not printed: the figure is the kernel's, not a console's).
class BeaconLines final : public EventSink {
 public:
  void on_event(const KernelEvent& e) noexcept override {
    if (e.kind == EventKind::Log && e.task && e.text && std::memcmp(e.task->name, "beacon", 7) == 0) ++lines;
  }
  unsigned lines = 0;
};

// What the system keeps for its whole life. Capacities are this mission's:
// three tasks (mathlib, beacon, os.update) plus the staged version of an update.
Task g_slots[4];
RegisterEntry g_entries[4];
TaskDesc g_descs[4];
RegionEntry g_regions[4 * 4 + 1];
IrqEntry g_irqs[1];
StoreEntry g_index[24];
// Not the kernel's: the module heap (code, data, state, stacks of module
// tasks), the os.update task's stack, and the RAM standing in for flash.
alignas(8) std::byte g_module_heap[40 * 1024];
alignas(8) std::byte g_worker_stack[4096];
alignas(8) std::byte g_flash[8 * 2048];

// The kernel tables describe each module region as one ARMv7-M MPU region,
// which must be a power of two in size and aligned to it; the pool packs
// regions first fit, so their covers would overlap (RegionOverlap). Until the
// port's MPU support lays module memory out itself, this image asks the pool
// for regions that are their own cover.
class MpuShapedMemory final : public ModuleMemory {
 public:
  explicit MpuShapedMemory(mps2::PoolModuleMemory& pool) noexcept : pool_(pool) {}
  Region allocate(RegionKind kind, std::size_t size, std::size_t align) noexcept override {
    const std::size_t shaped = mps2::mpu_region_bytes(size);
    return pool_.allocate(kind, shaped, align > shaped ? align : shaped);
  }
  void release(const Region& r) noexcept override {
    pool_.release(Region{r.host, r.address, mps2::mpu_region_bytes(r.size), r.kind});
  }
  bool seal_code(const Region& r) noexcept override { return pool_.seal_code(r); }
  bool unseal_code(const Region& r) noexcept override { return pool_.unseal_code(r); }
  Stats stats() const noexcept override { return pool_.stats(); }

 private:
  mps2::PoolModuleMemory& pool_;
};

bool say(bool ok, const char* what) {
  mps2::uart_write(ok ? "ok: " : "FAILED: ");
  mps2::uart_write(what);
  mps2::uart_write("\n");
  return ok;
}

// The boot a flight port does (boot.hpp): whose store, then each module task
// from it. The buffers for a stored image and checkpoint live only while it boots.
bool boot(TaskManager& tasks, ModuleStore& store) {
  StoreIdentity ours;
  if (!StoreIdentity::make("footprint-sat", "footprint", &ours)) return false;
  const StoreCheck check = check_store(store, ours, /*may_initialise=*/true);
  if (!say(check.verdict == StoreVerdict::Initialised, "blank store initialised with our identity")) return false;
  alignas(8) std::byte image_buffer[2048];
  alignas(8) std::byte checkpoint_buffer[256];
  // The loader's scratch, borrowed from module memory for each object while it is linked.
  BorrowedScratch scratch(tasks.task_register().memory());
  struct Boot {
    const char* task;
    std::span<const std::byte> image;
    Time interval;
  } const mission[] = {{"mathlib", embedded(dyn_mathlib_o, dyn_mathlib_o_end), 0},
                       {"beacon", embedded(dyn_beacon_o, dyn_beacon_o_end), 10 * kSecond}};
  for (const Boot& b : mission) {
    ModuleBootRequest r;
    r.task = b.task;
    r.spec.task.name = b.task;
    r.spec.task.model = RunModel::Job;
    r.spec.task.interval = b.interval;
    r.spec.task.priority = 2;
    r.spec.task.watchdog = 50 * kMillisecond;
    r.spec.stack_size = 2048;
    r.mission_image = b.image;
    r.image_buffer = image_buffer;
    r.checkpoint_buffer = checkpoint_buffer;
    r.scratch = &scratch;
    auto booted = boot_module_task(tasks, &store, r);
    if (!say(booted && booted.value().from == BootFrom::FirstDeploy, b.task)) return false;
  }
  return true;
}

bool tables_verify(KernelTables& tables, const char* when) { return say(static_cast<bool>(tables.verify()), when); }

// Everything the system keeps for its life, in one object of static storage
// (so the link map shows its RAM as one symbol, g_system), built in order.
struct System {
  System() noexcept
      : table(g_slots),
        kernel(table, policy, config(), &beacon),
        memory(g_module_heap),
        shaped(memory),
        reg(g_entries, shaped),
        tasks(kernel, reg),
        tables(KernelTables::create(g_descs, g_regions, g_irqs)),
        flash(g_flash, FlashGeometry{2048, 8, 8}),
        store(flash, g_index),
        updates(tasks) {}
  static KernelConfig config() noexcept {
    KernelConfig c;  // virtual time; the port's tick stops runaways
    c.min_stack = 1024;
    return c;
  }
  TaskTable table;
  PriorityPolicy policy;
  BeaconLines beacon;
  Kernel kernel;
  mps2::PoolModuleMemory memory;
  MpuShapedMemory shaped;
  TaskRegister reg;
  TaskManager tasks;
  Result<KernelTables, TablesError> tables;
  RamFlash flash;
  ModuleStore store;
  UpdateManager updates;
};
// Safety: constructed once by placement new at the start of main, never destroyed (the run ends by semihosting).
alignas(System) std::byte g_system[sizeof(System)];

}  // namespace

int main() {
  System& sys = *::new (g_system) System();
  if (!say(static_cast<bool>(sys.tables), "kernel tables created")) return 1;
  KernelTables& tables = sys.tables.value();
  sys.tasks.set_tables(&tables);
  sys.updates.set_store(&sys.store);
  const std::size_t heap_free = sys.memory.free_bytes();

  TaskSpec worker;
  worker.name = "os.update";
  worker.model = RunModel::Loop;
  worker.priority = 31;
  worker.entry = UpdateManager::worker_entry;
  worker.arg = &sys.updates;
  worker.stack = g_worker_stack;
  auto worker_id = sys.kernel.create(worker);
  if (!say(static_cast<bool>(worker_id), "os.update started")) return 1;
  sys.updates.set_worker(worker_id.value());

  if (!boot(sys.tasks, sys.store) || !tables_verify(tables, "tables after boot")) return 1;
  sys.kernel.run_until(25 * kSecond);  // beacon runs at 0, 10, 20 s
  const unsigned lines_v1 = sys.beacon.lines;

  const std::span<const std::byte> v2 = embedded(dyn_beacon_v2_o, dyn_beacon_v2_o_end);
  UpdateRequest request;
  request.task = "beacon";
  request.image = v2;
  request.quiesce_timeout = 30 * kSecond;
  request.probation_points = 2;
  request.probation_time = kMinute;
  BorrowedScratch scratch(sys.tasks.task_register().memory());
  const bool staged = static_cast<bool>(sys.updates.request(request, scratch.for_image(v2)));
  scratch.give_back();  // the new version is linked: the scratch's memory is the modules' again
  if (!say(staged, "update of beacon to v2 staged")) return 1;
  for (int i = 0; i < 120 && sys.updates.busy(); ++i) sys.kernel.run_for(kSecond);
  const bool committed = sys.updates.last().outcome == UpdateOutcome::Committed && sys.updates.last().to_version == 2;
  auto in_store = sys.store.committed("beacon");
  bool ok = say(committed, "update committed") && say(sys.beacon.lines > lines_v1, "beacon ran after the update") &&
            say(in_store && in_store.value().version == 2, "store: beacon v2 committed") &&
            tables_verify(tables, "tables after the update");

  sys.tasks.uninstall_all();
  ok = tables_verify(tables, "tables after uninstall") && ok;
  ok = say(sys.memory.free_bytes() == heap_free, "every byte of the module heap returned") && ok;
  mps2::uart_write(ok ? "footprint update image ran\n" : "footprint update image FAILED\n");
  return ok ? 0 : 1;
}
