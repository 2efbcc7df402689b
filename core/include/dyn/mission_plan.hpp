// mission_plan.hpp — a mission compiled into a flight image, and the system
// that runs it.
//
// On the host a mission file is read at run time (cli/mission.cpp). A flight
// image has no file system and no parser: the host tool turns the same file
// into tables (`dynsched compile`, docs/mission-file.md "Compiled into an
// image"), with the storage the mission needs sized at build time — task
// slots, register entries, kernel tables, stacks — and the module objects
// it names embedded (the loader's scratch is borrowed from module memory
// while an object is linked: BorrowedScratch). MissionSystem builds the kernel,
// the task manager, the kernel tables and the update manager over that
// storage, starts every task in the file's order, carries out its
// [[update]]s at their mission times and says how the run went. Nothing here
// allocates but from module memory; a plan the tool wrote is checked again before anything starts
// (a plan is data, and data can be wrong).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "dyn/housekeeping.hpp"
#include "dyn/kernel.hpp"
#include "dyn/kernel_tables.hpp"
#include "dyn/task_manager.hpp"
#include "dyn/update_manager.hpp"

namespace dyn {

// One step of a built-in workload (the file's `work = "..."`).
struct PlanStep {
  enum class Kind : std::uint8_t { Busy, Yield, Sleep, Wait, Notify, Spin };
  Kind kind = Kind::Busy;
  std::uint8_t repeats = 0;      // notify: the notification's repeats byte
  std::uint16_t target = 0;      // notify: index into the run's target ids
  std::uint32_t repeat = 1;      // the step is done this many times in a row
  std::uint32_t message = 0;     // notify: 24-bit message
  Time duration = 0;             // busy, yield, sleep, wait (kNever: no limit)
};

// Runs `steps` once, or forever when `loop`: the workload interpreter both the
// host's runner and a compiled mission use. A notify step sends to
// targets[step.target]; notifications received are counted in *received.
void run_plan_steps(Kernel& k, std::span<const PlanStep> steps, std::span<const TaskId> targets, bool loop,
                    std::uint64_t* received) noexcept;

constexpr std::uint16_t kPlanNoModule = 0xFFFF;

struct PlanTask {
  TaskSpec spec;                 // name and scheduling; entry, arg and stack are the system's
  std::uint32_t stack_size = 0;  // bytes
  std::uint16_t module = kPlanNoModule;  // index into MissionPlan::modules, or a workload:
  std::uint16_t first_step = 0;  // its steps: MissionPlan::steps[first_step, first_step + step_count)
  std::uint16_t step_count = 0;
  bool expect_watchdog = false;  // its watchdog stops are intended (the file's expect = "watchdog")
};

struct PlanModule {
  const char* name = nullptr;    // as the file names it
  const unsigned char* data = nullptr;  // the ELF object, embedded
  std::size_t size = 0;
  std::span<const std::byte> image() const noexcept { return {reinterpret_cast<const std::byte*>(data), size}; }
};

struct PlanUpdate {
  Time at = 0;
  std::uint16_t task = 0;        // index into MissionPlan::tasks
  std::uint16_t module = 0;      // the new version: index into MissionPlan::modules
  Time quiesce_timeout = kSecond;
  std::uint32_t probation_points = 3;
  Time probation = kMinute;
  bool rename = false;
};

// What one workload task needs while it runs (storage the plan provides).
struct PlanWorkload {
  Kernel* kernel = nullptr;
  std::span<const PlanStep> steps;
  std::span<const TaskId> targets;  // by plan task index
  bool loop = false;
  std::uint64_t received = 0;
};

struct MissionPlan {
  const char* name = nullptr;
  const char* source = nullptr;  // the mission file it was compiled from
  Time duration = 0;
  Time housekeeping = 0;         // os.housekeeping's interval; 0: none
  KernelConfig config;
  Policy& (*make_policy)(TaskTable& table) noexcept = nullptr;  // the file's policy, built once (required)
  std::span<const PlanTask> tasks;
  std::span<const PlanStep> steps;
  std::span<const PlanModule> modules;
  std::span<const PlanUpdate> updates;
  // Storage, sized by the tool for this mission.
  std::span<Task> slots;
  std::span<RegisterEntry> entries;
  std::span<TaskDesc> table_tasks;
  std::span<RegionEntry> table_regions;
  std::span<IrqEntry> table_irqs;
  std::span<std::byte> stacks;   // workload and system task stacks, carved in task order
  std::span<TaskId> ids;         // one per plan task
  std::span<PlanWorkload> workloads;  // one per plan task
  std::size_t system_stack = 0;  // os.housekeeping's and os.update's stack
};

// Why a plan did not start. `task` names the task at fault, if one is.
struct PlanError {
  enum class Code : std::uint8_t {
    Malformed,        // the tables contradict themselves (an index out of range, storage too small)
    Tables,           // the kernel tables could not be created
    CreateTask,       // the kernel refused a task (detail: its TaskErrc)
    InstallModule,    // the task manager refused a module (detail: its InstallErrc)
    SystemTask,       // os.housekeeping or os.update could not start
  };
  Code code = Code::Malformed;
  const char* task = nullptr;
  std::uint32_t detail = 0;
};
const char* describe(PlanError::Code c) noexcept;

// Told as the run goes (the port prints it).
class PlanObserver {
 public:
  virtual void update_requested(const PlanUpdate& u, const char* task, const char* module,
                                const UpdateError* refused) noexcept = 0;
  virtual void update_finished(const PlanUpdate& u, const char* task, const UpdateManager& updates) noexcept = 0;

 protected:
  ~PlanObserver() = default;
};

class MissionSystem {
 public:
  MissionSystem(const MissionPlan& plan, ModuleMemory& memory, EventSink* sink) noexcept;
  MissionSystem(const MissionSystem&) = delete;
  MissionSystem& operator=(const MissionSystem&) = delete;

  // Creates every task; on failure nothing keeps running and every module
  // byte is returned.
  Result<void, PlanError> start() noexcept;
  // Runs to the plan's duration, carrying out its updates at their times.
  void run(PlanObserver* observer) noexcept;
  // Uninstalls every module (the end of a run on a test image).
  void stop() noexcept;

  // The run's verdict: no task stopped unexpectedly (a fault, or a watchdog
  // stop of a task whose file does not expect one) and the kernel tables verify.
  bool nominal() const noexcept;
  std::uint64_t unexpected_stops() const noexcept;

  Kernel& kernel() noexcept { return kernel_; }
  const TaskTable& table() const noexcept { return table_; }
  KernelTables* tables() noexcept { return tables_ ? &tables_.value() : nullptr; }
  const MissionPlan& plan() const noexcept { return plan_; }

 private:
  Result<void, PlanError> check_plan() const noexcept;
  Result<void, PlanError> start_task(std::size_t index, std::size_t* stack_used) noexcept;
  Result<void, PlanError> start_system_tasks(std::size_t* stack_used) noexcept;
  std::span<std::byte> carve_stack(std::size_t bytes, std::size_t* used) noexcept;
  void carry_out(const PlanUpdate& u, PlanObserver* observer) noexcept;

  const MissionPlan& plan_;
  TaskTable table_;
  Policy* policy_;
  Kernel kernel_;
  TaskRegister register_;
  TaskManager tasks_;
  Result<KernelTables, TablesError> tables_;
  UpdateManager updates_;
  HousekeepingStats housekeeping_;
  std::uint64_t contained_stops_ = 0;  // stops of a new version its update discarded
};

// The mission compiled into this image (the file `dynsched compile` wrote).
extern const MissionPlan compiled_mission;

}  // namespace dyn
