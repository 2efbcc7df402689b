// task_manager.hpp — seed 000's Task Manager: run-time loadable modules as tasks.
//
// install() takes an ELF image (untrusted bytes), validates it, loads and
// links it into a new Task Register entry, and starts it as a task (unless it
// is a library module, with no entry); uninstall() stops the task and returns
// every byte. A failure at any step leaves the system as it was: the running
// tasks keep running, nothing already installed changes, nothing leaks.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "dyn/checkpoint.hpp"
#include "dyn/kernel.hpp"
#include "dyn/kernel_tables.hpp"
#include "dyn/module_loader.hpp"
#include "dyn/task_register.hpp"

namespace dyn {

struct InstallError {
  enum class Stage : std::uint8_t { Elf, Link, Register, Task, Memory, Tables } stage;
  ElfError elf{};
  LinkError link{};
  RegisterErrc reg{};
  TaskError task{};
  TablesError tables{};
};

// The CPU the system lets module code it runs in a task on the module's
// behalf take — constructors, checkpoint and restore hooks — even when the
// task has no watchdog of its own (a task's watchdog, if shorter, applies).
inline constexpr Time kModuleCodeBudget = 100 * kMillisecond;

// How the mission wants the module's task run; entry/arg/stack are filled in.
struct ModuleTaskSpec {
  TaskSpec task;                  // name, model, level, priority, tickets, interval, watchdog, delay, onetime
  std::size_t stack_size = 16 * 1024;
  std::size_t heap_limit = 0;     // bytes of dyn_malloc the task may hold; 0 = no limit
};

// Turns checkpoint `c` into `d`'s state: through its restore hook (told the
// writer's schema), or, for a module without one, as a plain copy — and only
// of a state of the same schema and size (a version that keeps the layout
// keeps the schema: DYN_MODULE_SCHEMA). True if the state was restored. Runs
// the module's hook in `domain` (the payload lent to it, read-only): call it
// in the task's context, under the module-code budget.
[[nodiscard]] bool restore_state(const ::dyn_module& d, const Region& state, const CheckpointView& c,
                                 const Region& buffer, const ModuleDomain& domain) noexcept;

class TaskManager final : public FaultOwner {
 public:
  // Runs modules built for the port's machine (port::module_arch()).
  TaskManager(Kernel& kernel, TaskRegister& reg) noexcept;
  ~TaskManager();
  TaskManager(const TaskManager&) = delete;
  TaskManager& operator=(const TaskManager&) = delete;

  [[nodiscard]] Result<RegisterEntry*, InstallError> install(std::span<const std::byte> image,
                                                            const ModuleTaskSpec& spec,
                                                            LoaderScratch scratch) noexcept;
  [[nodiscard]] Result<void, InstallError> uninstall(std::string_view name) noexcept;
  // Loads and links an object into a new entry `name` with its state
  // allocated, but starts no task (live update stages the new version this
  // way, beside the old one, which keeps running).
  [[nodiscard]] Result<RegisterEntry*, InstallError> stage(std::span<const std::byte> image, std::string_view name,
                                                          LoaderScratch scratch,
                                                          const LoadedModule* replacing) noexcept;
  // Unloads and frees an entry that has no task (a staged version).
  void discard(RegisterEntry& e) noexcept;
  // Uninstalls everything, importers before the modules they import from.
  // Returns how many entries were removed.
  std::size_t uninstall_all() noexcept;

  Kernel& kernel() noexcept { return kernel_; }
  TaskRegister& task_register() noexcept { return register_; }
  ModuleLoader& loader() noexcept { return loader_; }

  // Seed 004's kernel tables: when set, every module task is described in
  // them (task descriptor with entry point and initial stack, MPU regions
  // covering its code, data, state and stack) and they are kept consistent
  // on install, update and uninstall.
  void set_tables(KernelTables* tables) noexcept { tables_ = tables; }
  KernelTables* tables() noexcept { return tables_; }
  // The descriptor of `e`'s task as the tables hold it: its module's entry
  // point and regions, with `stack` (the task's, whoever owns it now).
  [[nodiscard]] Result<void, TablesError> describe_task(const RegisterEntry& e, const Region& stack, bool update) noexcept;

  // Boot from the store: the task's first run restores this checkpoint
  // object (untrusted bytes: validated there) through the module's restore
  // hook, in its own context under its watchdog, after its constructors. A
  // refused checkpoint, or a hook that hangs or faults, leaves a zeroed state;
  // the outcome is written to *outcome (caller-owned, may be null): None at once for an empty
  // checkpoint or a task that has already started (nothing is handed over), else Pending until the first run.
  [[nodiscard]] Result<void, InstallError> set_boot_checkpoint(RegisterEntry& e, std::span<const std::byte> checkpoint,
                                                               BootRestore* outcome) noexcept;

  // How build_domain treats a domain the port cannot enforce whole. Required:
  // refused, the old domain stays (for a domain that grows: a new arena, a
  // staged version). BestEffort: assigned all the same, the port leaving out
  // what it cannot map (never a guard), and the error returned — for a
  // domain that lost a region (a freed arena, a library unlinked), where
  // keeping the old one would leave freed memory in the module's reach.
  enum class DomainFit : std::uint8_t { Required, BestEffort };

  // Rebuilds `e`'s domain (module_domain.hpp) from its module, the libraries
  // it imports, its state, stack and heap arenas (and, in probation, those
  // of the version it replaces: RegisterEntry::heap_lender); tells the port.
  // TooManyRegions, or a region no MPU region covers, if it does not fit.
  // A version staged by an update keeps the stacks its domain was built with.
  [[nodiscard]] Result<void, TablesError> build_domain(RegisterEntry& e, DomainFit fit = DomainFit::Required) noexcept;
  // The same with the stacks its code runs on given (a staged version runs
  // on the old version's until the update commits).
  [[nodiscard]] Result<void, TablesError> build_domain(RegisterEntry& e, const Region& stack, const Region& kernel_stack,
                                                       DomainFit fit = DomainFit::Required) noexcept;
  // `e`'s module code, run through the port in e's domain: its constructors;
  // its checkpoint hook writing into `out` (lent to it); returns the hook's result.
  void run_constructors(RegisterEntry& e) noexcept;
  // `buffer` is the allocation `out` is part of (allocate_lendable).
  [[nodiscard]] std::int64_t call_checkpoint_hook(RegisterEntry& e, std::span<std::byte> out,
                                                  const Region& buffer) noexcept;
  // Kernel memory a hook may be lent for one call (a checkpoint buffer): on
  // a port that isolates modules, a power of two aligned to its size, so
  // the MPU region lent covers it and nothing else.
  [[nodiscard]] Region allocate_lendable(std::size_t size) noexcept;
  // True if the running module task may `access` [p, p + n): its domain, a
  // live block of its heap, or the port's shared regions (reading). Always
  // true for a task that is not a module's (kernel code).
  [[nodiscard]] bool module_may_access(const void* p, std::size_t n, DomainAccess access) noexcept;
  // The bytes of a string at `p` the running module task may read (the run
  // to the end of its region); SIZE_MAX for kernel code's tasks.
  [[nodiscard]] std::size_t module_readable_run(const void* p) noexcept;

  // The entry whose task is running (its module's or library's); nullptr
  // otherwise. The kernel API uses it.
  RegisterEntry* current_entry() noexcept;
  static TaskManager* current() noexcept;

  // FaultOwner: a fault in a module task's context is the task's; the record
  // names the module whose code holds the faulting instruction.
  bool attribute(const Task& t, FaultRecord& record) noexcept override;

  // In the task's context, on its first run: constructors of the libraries it
  // imports (waited for), its own, then the boot checkpoint if any.
  void start_module(RegisterEntry& e) noexcept;

 private:
  // The module stack and, on a port that isolates modules, the kernel stack
  // the task's context runs on; the domain built. Returns the context's stack.
  Result<std::span<std::byte>, InstallError> allocate_stacks(RegisterEntry& e, std::size_t size) noexcept;
  Result<void, InstallError> start_constructor_job(RegisterEntry& e, const ModuleTaskSpec& spec) noexcept;
  bool constructor_job_alive(const LoadedModule& lib) noexcept;
  void restore_boot_checkpoint(RegisterEntry& e) noexcept;
  void finish_boot_restore(RegisterEntry& e, BootRestore outcome) noexcept;

  Kernel& kernel_;
  TaskRegister& register_;
  ModuleLoader loader_;
  KernelTables* tables_ = nullptr;
};

}  // namespace dyn
