// update_manager.hpp — live update of one task's module, without restarting anything.
//
// Seed 000's runtime update process as an explicit state machine:
//
//   request ─ stage ─> Quiescing ──(task reaches a consistent point)──┐
//      │  (load + link the new version      │ timeout: Aborted        │
//      │   beside the old, which runs on)   │ (nothing changed)       v
//      │                                    checkpoint (old hook) ─ swap ─ restore (new hook)
//      │                                          │ fails: RolledBack     │ refused: RolledBack
//      │                                          │ (old code continues)  │ (swap undone)
//      v                                    (constructors, then restore, │ hook, constructor or
//   refused with a reason                    in the task's context)      │ restore stopped by the
//                                                                         │ watchdog or a fault:
//                                                                         │ RolledBack, old resumes
//                                                                         v
//                                                           Probation: N consistent points
//                                                           within T, no watchdog stop
//                                                             │ yes: Committed (old freed)
//                                                             │ no:  RolledBack (old version
//                                                             │      resumes from its checkpoint)
//
// The checkpoint hook, the new version's constructors and its restore hook
// are module code: they run in the task's own context at its consistent
// point, under its watchdog, never in the kernel. The task is bound to the
// new version for its constructors and restore (so what they allocate is the
// new version's), but its importers and the kernel tables follow only once
// both succeeded; if either is stopped (watchdog or fault), the kernel hands
// the stopped task back (UpdateAgent::take_back) and it is bound to the old
// version before it can run again. No task is ever bound to code that is
// freed. Only one update is in flight at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "dyn/checkpoint.hpp"
#include "dyn/kernel.hpp"
#include "dyn/log_line.hpp"
#include "dyn/module_store.hpp"
#include "dyn/task_manager.hpp"

namespace dyn {

struct UpdateRequest {
  const char* task = nullptr;             // the task whose module is replaced
  std::span<const std::byte> image;       // the new version (ELF relocatable object)
  Time quiesce_timeout = kSecond;         // abort if no consistent point comes in time
  std::uint32_t probation_points = 3;     // consistent points the new version must reach...
  Time probation_time = 10 * kSecond;     // ...within this long after the swap
  std::size_t checkpoint_capacity = 0;    // bytes the checkpoint hook may write; 0: old state size + 1 KiB
  // The new version's descriptor may name another module than the running
  // one (a rename, said explicitly): otherwise that is refused (OtherModule),
  // since a checkpoint is bound to the module that wrote it.
  bool rename = false;
};

enum class UpdatePhase : std::uint8_t { Idle, Quiescing, Probation, Removing };

enum class UpdateErrc : std::uint8_t {
  Busy,              // another update is in flight
  NoSuchTask,
  NotAModuleTask,    // the task runs no module
  ImporterNotRelinkable,  // an importer cannot be relinked: a loop task (no between-runs point), or an ARM object
  HasImporters,          // removal: detail = how many modules import from it
  ExportGone,        // the new version lacks a symbol an importer uses; `symbol` names it
  Stage,             // the new version cannot be loaded: see `install`
  NoMemory,          // detail = bytes for the checkpoint buffer
  Store,             // the persistent store could not record the new version; detail = StoreErrc
  BadProbation,      // probation_points is 0: a version must reach at least one consistent point
  OtherModule,       // the new version's descriptor names another module (`module`) than the running one,
                     // and the request does not say it renames
  NoEntry,           // the new version is a library (entry NULL): it cannot run the task
};

struct UpdateError {
  UpdateErrc code;
  InstallError install{};
  std::uint64_t detail = 0;
  const char* symbol = nullptr;    // ExportGone: the missing name (valid until the next request)
  const char* importer = nullptr;  // ExportGone / ImporterNotRelinkable: the importing task
  const char* module = nullptr;    // OtherModule: the module the new version's descriptor names
};

enum class UpdateOutcome : std::uint8_t {
  None,
  Committed,
  QuiesceTimeout,      // aborted: nothing changed
  CheckpointFailed,    // the old version's hook failed, was stopped, or returned more than its capacity: old continues
  ConstructorStopped,  // the new version's constructors were stopped (watchdog or fault): old continues
  RestoreStopped,      // the new version's restore hook was stopped (watchdog or fault): old continues
  FaultInProbation,    // rolled back: the new version faulted; the old version resumes from its checkpoint
  RestoreRefused,      // the new version refused the state: swap undone, old continues
  WatchdogInProbation, // rolled back: the old version resumes from its checkpoint
  ProbationTimeout,    // rolled back: too few consistent points in time
  TaskGone,            // the task was removed meanwhile: update dropped
  TablesRefused,       // aborted: the kernel tables have no room for the new version's regions
  Removed,             // a removal: the task was stopped at a consistent point and every byte returned
  Abandoned,           // the system stopped with the update in flight: undone in memory, the
                       // store left as a power cut would leave it (the next boot resolves it)
  StateIncompatible,   // the new version has no restore hook and the old state is of another
                       // schema or size (UpdateRecord says which): swap undone, old continues
};

const char* to_string(UpdateOutcome o) noexcept;

// The steps an update reports (EventKind::Update: on the task's own trace
// track, in the log, on the console); the outcome's text says why.
enum class UpdateStep : std::uint8_t {
  Staged = 1,        // loaded and linked beside the running version; waiting for a consistent point
  Checkpointed,      // state checkpointed and restored into the new version; on probation
  Committed,         // the new version stays; the old one is freed
  RolledBack,        // the old version runs again (from where it was, or from its checkpoint)
  Aborted,           // nothing was swapped: the old version never stopped
  RemovalRequested,  // removal: waiting for a consistent point
  Removed,
  Abandoned,         // the system stopped mid-update
  Note,              // a detail of the step under way (e.g. a hook's oversized checkpoint)
};
const char* to_string(UpdateStep s) noexcept;  // "update: staged", "update: committed", ...
UpdateStep step_of(UpdateOutcome o) noexcept;   // the step an outcome ends with

struct UpdateRecord {
  UpdateOutcome outcome = UpdateOutcome::None;
  std::uint32_t from_version = 0;
  std::uint32_t to_version = 0;
  Time requested_at = 0;        // mission time
  Time quiescent_at = 0;        // mission time of the consistent point
  Time finished_at = 0;         // mission time of commit / rollback / abort
  std::size_t checkpoint_bytes = 0;
  std::int64_t unavailable_real_ns = 0;  // real time from the consistent point to the new code in place
  // The state handed over (StateIncompatible, and every swap): the old version's schema and
  // the checkpoint's payload size, the new version's schema and state size.
  std::uint32_t old_schema = 0, new_schema = 0;
  std::size_t old_state_bytes = 0, new_state_bytes = 0;
  bool restore_hook_refused = false;  // RestoreRefused because the hook returned -1
  // Probation: the consistent points the new version reached of those it had to, in how long.
  std::uint32_t probation_reached = 0, probation_required = 0;
  Time probation_time = 0;
};

class UpdateManager final : public UpdateAgent {
 public:
  explicit UpdateManager(TaskManager& tasks) noexcept;
  ~UpdateManager();
  UpdateManager(const UpdateManager&) = delete;
  UpdateManager& operator=(const UpdateManager&) = delete;
  // Stops an update in flight (shutdown): the old version gets the task
  // back, everything staged is freed, the store is not written.
  void abandon() noexcept;

  [[nodiscard]] Result<void, UpdateError> request(const UpdateRequest& r, LoaderScratch scratch) noexcept;
  // Removes a module task at its next consistent point (a job between runs,
  // or a loop task parked at dyn_checkpoint), through the same one-at-a-time
  // machinery; refused for a module others import from. `timeout` as for updates.
  [[nodiscard]] Result<void, UpdateError> request_removal(const char* task, Time timeout) noexcept;
  // Timeouts and the probation verdict; call it from a system task (os.update).
  void poll() noexcept;
  UpdatePhase phase() const noexcept { return phase_; }
  bool busy() const noexcept { return phase_ != UpdatePhase::Idle; }
  const UpdateRecord& last() const noexcept { return record_; }
  // The last outcome in words, with the numbers that explain it (the counts
  // of a probation that ran out, the schemas and sizes of a state refused).
  LogLine describe_outcome() const noexcept;
  std::uint64_t completed() const noexcept { return completed_; }
  // The task woken when a request arrives (os.update), or an invalid id.
  void set_worker(TaskId worker, Time poll_period = 10 * kMillisecond) noexcept {
    worker_ = worker;
    poll_period_ = poll_period;
  }
  // The persistent store (power-fail safe), or nullptr. With one, the new
  // image is stored and marked as the task's trial version before anything
  // changes; commit stores the checkpoint, commits and drops the old image;
  // a rollback reverts. A power cut at any write boots the old or the new
  // committed version (docs/store.md).
  void set_store(ModuleStore* store) noexcept { store_ = store; }
  // With a store: every `period` the os.update task asks each module task
  // for a checkpoint, which it writes at its next consistent point (so a
  // reboot restores state that recent); 0 = only at update commits.
  void set_checkpoint_period(Time period) noexcept { checkpoint_period_ = period; }
  // Asks every module task for a checkpoint at its next consistent point.
  void request_checkpoints() noexcept;
  std::uint64_t checkpoints_stored() const noexcept { return checkpoints_stored_; }

  // Entry of the os.update system task (a loop; arg = the UpdateManager):
  // polls while an update is in flight, waits for a request otherwise.
  static void worker_entry(void* manager) noexcept;

  void at_consistent_point(Task& t) noexcept override;
  bool take_back(Task& t) noexcept override;
  // Periodic checkpoints not stored because the hook failed or returned more than its capacity.
  std::uint64_t checkpoints_refused() const noexcept { return checkpoints_refused_; }

 private:
  void finish(UpdateOutcome outcome) noexcept;
  // Modules that import from the version being replaced: relinked to the
  // new one at the swap (back at a rollback). They must be jobs between
  // runs at that moment, so no importer has a frame in the code swapped out.
  bool importers_between_runs() noexcept;
  bool relink_importers(LoadedModule& from, LoadedModule& to) noexcept;
  void discard_when_safe() noexcept;
  void store_checkpoint(Task& t) noexcept;
  void write_sealed_checkpoint() noexcept;  // os.update's part of a periodic checkpoint
  void remove_leftovers(const ::dyn_module& committed) noexcept;
  void journal_end(bool committed) noexcept;
  void roll_back(UpdateOutcome why) noexcept;
  void commit() noexcept;
  void say(UpdateStep step, const char* what) noexcept;
  LogLine headline() const noexcept;  // "update beacon v1 -> v2: "
  void report(UpdateStep step, const LogLine& line) noexcept;
  void append_outcome(LogLine& line) const noexcept;
  void finish_from_task(UpdateOutcome outcome) noexcept;
  void drop_periodic() noexcept;
  void end_lending() noexcept;
  void bind(Task& t, RegisterEntry* version) noexcept;
  // Module code run at the swap; take_back() uses it to know what was stopped.
  enum class SwapStep : std::uint8_t { None, Checkpoint, Construct, Restore };
  SwapStep swap_step_ = SwapStep::None;
  UpdateOutcome swap_failed_ = UpdateOutcome::None;  // set by take_back, finished by poll
  std::uint64_t checkpoints_refused_ = 0;
  Region periodic_;        // a periodic checkpoint's buffer while its hook runs, then until it is written
  TaskId periodic_task_;
  bool periodic_sealed_ = false;  // periodic_ holds a sealed checkpoint for the store
  std::size_t periodic_length_ = 0;
  char periodic_owner_[kTaskNameMax + 1] = {};

  TaskManager& tasks_;
  ModuleStore* store_ = nullptr;
  UpdatePhase phase_ = UpdatePhase::Idle;
  UpdateRecord record_;
  TaskId task_;
  TaskId worker_;
  Time poll_period_ = 10 * kMillisecond;
  Time checkpoint_period_ = 0;
  std::uint64_t checkpoints_stored_ = 0;
  RegisterEntry* old_ = nullptr;
  RegisterEntry* new_ = nullptr;
  RegisterEntry* discard_later_ = nullptr;  // a rolled-back version an importer may still be running
  char missing_[64] = {};  // ExportGone's symbol, OtherModule's module name
  bool rename_ = false;
  char importer_[kTaskNameMax + 1] = {};
  Region checkpoint_;
  Time quiesce_timeout_ = 0;
  Time probation_time_ = 0;
  std::uint32_t probation_points_ = 0;
  std::uint64_t baseline_kills_ = 0;
  std::uint64_t baseline_faults_ = 0;
  std::uint64_t baseline_points_ = 0;
  std::uint64_t completed_ = 0;
  char task_name_[kTaskNameMax + 1] = {};
};

}  // namespace dyn
