// update_manager.cpp — stage, quiesce, checkpoint, swap, restore, probation, commit or roll back.
#include "dyn/update_manager.hpp"

#include "dyn/log_line.hpp"

#include <cstring>

#include "dynsched.h"
#include "port.hpp"

namespace dyn {

namespace {
constexpr char kStagingPrefix = '~';  // a staged version's register name: "~" + task name

}  // namespace

const char* to_string(UpdateOutcome o) noexcept {
  switch (o) {
    case UpdateOutcome::None: return "none";
    case UpdateOutcome::Committed: return "committed";
    case UpdateOutcome::QuiesceTimeout: return "aborted: no consistent point before the timeout";
    case UpdateOutcome::CheckpointFailed: return "aborted: the old version's checkpoint hook failed";
    case UpdateOutcome::ConstructorStopped:
      return "rolled back: the new version's constructors were stopped (watchdog or fault)";
    case UpdateOutcome::RestoreStopped:
      return "rolled back: the new version's restore hook was stopped (watchdog or fault)";
    case UpdateOutcome::FaultInProbation: return "rolled back: the new version faulted during probation";
    case UpdateOutcome::RestoreRefused: return "rolled back: the new version refused the state";
    case UpdateOutcome::WatchdogInProbation: return "rolled back: watchdog stop during probation";
    case UpdateOutcome::ProbationTimeout: return "rolled back: too few consistent points during probation";
    case UpdateOutcome::TaskGone: return "dropped: the task was removed";
    case UpdateOutcome::TablesRefused: return "aborted: the kernel tables cannot describe the new version";
    case UpdateOutcome::Abandoned: return "abandoned: the system stopped with the update in flight";
    case UpdateOutcome::Removed: return "removed at a consistent point; every byte returned";
    case UpdateOutcome::StateIncompatible:
      return "not swapped: the new version has no restore hook and the old state is of another schema or size "
             "(give it a restore hook, or keep the layout and declare the old schema with DYN_MODULE_SCHEMA)";
  }
  return "?";
}

const char* to_string(UpdateStep s) noexcept {
  switch (s) {
    case UpdateStep::Staged: return "update: staged";
    case UpdateStep::Checkpointed: return "update: checkpointed";
    case UpdateStep::Committed: return "update: committed";
    case UpdateStep::RolledBack: return "update: rolled back";
    case UpdateStep::Aborted: return "update: aborted";
    case UpdateStep::RemovalRequested: return "update: removal requested";
    case UpdateStep::Removed: return "update: removed";
    case UpdateStep::Abandoned: return "update: abandoned";
    case UpdateStep::Note: return "update: note";
  }
  return "update: ?";
}

UpdateStep step_of(UpdateOutcome o) noexcept {
  switch (o) {
    case UpdateOutcome::Committed: return UpdateStep::Committed;
    case UpdateOutcome::ConstructorStopped:
    case UpdateOutcome::RestoreStopped:
    case UpdateOutcome::FaultInProbation:
    case UpdateOutcome::RestoreRefused:
    case UpdateOutcome::WatchdogInProbation:
    case UpdateOutcome::ProbationTimeout: return UpdateStep::RolledBack;
    case UpdateOutcome::Removed: return UpdateStep::Removed;
    case UpdateOutcome::Abandoned: return UpdateStep::Abandoned;
    case UpdateOutcome::None:
    case UpdateOutcome::QuiesceTimeout:
    case UpdateOutcome::CheckpointFailed:
    case UpdateOutcome::TaskGone:
    case UpdateOutcome::TablesRefused:
    case UpdateOutcome::StateIncompatible: return UpdateStep::Aborted;
  }
  return UpdateStep::Aborted;
}

UpdateManager::UpdateManager(TaskManager& tasks) noexcept : tasks_(tasks) {
  tasks_.kernel().set_update_agent(this);
}

UpdateManager::~UpdateManager() {
  abandon();
  if (periodic_) tasks_.task_register().memory().release(periodic_);  // stopped inside a hook, or sealed and never written
}

void UpdateManager::abandon() noexcept {
  if (phase_ == UpdatePhase::Idle) return;
  ModuleStore* store = store_;
  store_ = nullptr;  // like a power cut: the journal stays as it is
  if (phase_ == UpdatePhase::Probation) {
    roll_back(UpdateOutcome::Abandoned);
  } else {
    if (Task* t = tasks_.kernel().table().find(task_)) t->update_pending = false;
    finish(UpdateOutcome::Abandoned);
  }
  store_ = store;
}

void UpdateManager::worker_entry(void* manager) noexcept {
  auto& m = *static_cast<UpdateManager*>(manager);
  Kernel& k = m.tasks_.kernel();
  Time next_checkpoint = m.checkpoint_period_ ? k.now() + m.checkpoint_period_ : kNever;
  for (;;) {
    m.write_sealed_checkpoint();
    if (next_checkpoint != kNever && k.now() >= next_checkpoint) {
      m.request_checkpoints();
      next_checkpoint = k.now() + m.checkpoint_period_;
    }
    if (m.busy()) {
      m.poll();
      k.sleep(m.poll_period_);
    } else {
      const Time wait = next_checkpoint == kNever ? kNever : next_checkpoint - k.now();
      (void)k.wait_notification(wait, nullptr);
    }
  }
}

void UpdateManager::request_checkpoints() noexcept {
  if (!store_) return;
  TaskTable& table = tasks_.kernel().table();
  port::kernel_enter();
  for (std::size_t i = 0; i < table.capacity(); ++i) {
    Task& t = table.at(i);
    if (t.state != TaskState::Free && t.state != TaskState::Dead && t.owner) t.checkpoint_requested = true;
  }
  port::kernel_exit();
}

// In the task's context at its consistent point: its hook writes the state,
// the sealed object goes to the store from the os.update task. Best effort: a
// failure leaves the previous checkpoint in place.
void UpdateManager::store_checkpoint(Task& t) noexcept {
  auto* e = static_cast<RegisterEntry*>(t.owner);
  if (!store_ || !e || !e->has_module || !e->module.descriptor) {
    t.checkpoint_requested = false;
    return;
  }
  const ::dyn_module& d = *e->module.descriptor;
  const std::size_t capacity = d.state_size + 1024;
  // One buffer for all tasks: claimed in one critical section, so a task
  // that preempts another's hook (or finds a sealed checkpoint not yet
  // written) waits for its next consistent point instead of sharing it.
  port::kernel_enter();
  if (periodic_) {
    port::kernel_exit();
    return;  // checkpoint_requested stays: asked again at the next point
  }
  periodic_ = tasks_.allocate_lendable(kCheckpointHeaderSize + capacity);
  periodic_task_ = t.id;
  t.checkpoint_requested = false;
  port::kernel_exit();
  // Kept in the manager while the hook runs: if the hook is stopped, take_back() frees it.
  const Region buffer = periodic_;
  if (!buffer) return;
  std::byte* payload = buffer.host + kCheckpointHeaderSize;
  std::int64_t length = -1;
  if (d.checkpoint) {
    tasks_.kernel().begin_module_code(kModuleCodeBudget);
    length = tasks_.call_checkpoint_hook(*e, {payload, capacity}, buffer);
    tasks_.kernel().end_module_code();
  } else if (d.state_size <= capacity) {
    std::memcpy(payload, e->state.host, d.state_size);
    length = d.state_size;
  }
  if (length >= 0 && static_cast<std::size_t>(length) <= capacity) {
    port::kernel_enter();  // kernel work: no tick stops it half-way, and the hand-off is one step
    auto sealed = seal_checkpoint({buffer.host, buffer.size}, d.name, d.version, d.state_schema,
                                  static_cast<std::size_t>(length));
    if (sealed) {
      // The store's I/O (a write may collect a block: a mount, scans, copies)
      // is the os.update task's work, on its own stack: a module task's
      // stack is sized for the module, not for the store.
      periodic_length_ = sealed.value();
      std::memcpy(periodic_owner_, t.name, sizeof periodic_owner_);
      periodic_sealed_ = true;
    }
    port::kernel_exit();
    if (sealed) {
      if (worker_.valid()) {
        (void)tasks_.kernel().notify(worker_, Notification{1});
      } else {
        write_sealed_checkpoint();  // no worker (a test harness): the caller's context does it
      }
      return;
    }
  } else {
    ++checkpoints_refused_;
    LogLine line;
    line << "checkpoint of " << t.name << ": ";
    if (length < 0) {
      line << "its hook failed; the previous checkpoint stays";
    } else {
      line << "its hook returned " << static_cast<std::uint32_t>(length > 0xFFFFFFFF ? 0xFFFFFFFF : length)
           << " bytes, more than its capacity of " << static_cast<std::uint32_t>(capacity)
           << "; not stored, the previous checkpoint stays";
    }
    tasks_.kernel().log_system(2, line.c_str());
  }
  drop_periodic();
}

void UpdateManager::write_sealed_checkpoint() noexcept {
  if (periodic_ && !periodic_sealed_ && !tasks_.kernel().table().find(periodic_task_)) {
    drop_periodic();  // its task was removed while its hook ran: nobody will seal it
    return;
  }
  if (!periodic_sealed_) return;
  port::kernel_enter();  // the store's I/O is kernel work: no tick stops it half-way
  if (store_ && store_->put_checkpoint(periodic_owner_, {periodic_.host, periodic_length_})) ++checkpoints_stored_;
  port::kernel_exit();
  drop_periodic();
}

void UpdateManager::drop_periodic() noexcept {
  port::kernel_enter();
  if (periodic_) tasks_.task_register().memory().release(periodic_);
  periodic_ = Region{};
  periodic_sealed_ = false;
  port::kernel_exit();
}

namespace {

// "250 ms", "90 s", "4 min": the durations a probation verdict is explained with.
void append_duration(LogLine& line, Time t) {
  if (t >= kMinute && t % kMinute == 0)
    line << static_cast<std::uint32_t>(t / kMinute) << " min";
  else if (t >= 1000 * kSecond || (t >= kSecond && t % kSecond == 0))
    line << static_cast<std::uint32_t>(t / kSecond) << " s";  // to the second: 136 years fit
  else
    line << static_cast<std::uint32_t>(t / kMillisecond) << " ms";
}

}  // namespace

LogLine UpdateManager::describe_outcome() const noexcept {
  LogLine line;
  append_outcome(line);
  return line;
}

void UpdateManager::append_outcome(LogLine& line) const noexcept {
  const UpdateRecord& r = record_;
  switch (r.outcome) {
    case UpdateOutcome::ProbationTimeout: {
      line << "rolled back: " << r.probation_reached << " of " << r.probation_required
           << " consistent points during its probation of ";
      append_duration(line, r.probation_time);
      // A job reaches one consistent point per run: the usual cause is a
      // probation shorter than probation_points runs.
      const Task* t = tasks_.kernel().table().find(task_);
      // The n-th point comes n intervals after the swap (plus jitter).
      if (t && t->model == RunModel::Job && t->interval > 0 &&
          static_cast<Time>(r.probation_required) * t->interval >= r.probation_time) {
        line << "; it runs every ";
        append_duration(line, t->interval);
        line << ", so " << r.probation_required << " points need more than ";
        append_duration(line, static_cast<Time>(r.probation_required) * t->interval);
        line << " (give a probation of ";
        append_duration(line, static_cast<Time>(r.probation_required + 1) * t->interval);
        line << ", or fewer probation_points)";
      }
      break;
    }
    case UpdateOutcome::StateIncompatible:
      line << "not swapped: the new version has no restore hook, and the old state (schema " << r.old_schema << ", "
           << static_cast<std::uint32_t>(r.old_state_bytes) << " B) is not of its schema " << r.new_schema << " and size "
           << static_cast<std::uint32_t>(r.new_state_bytes)
           << " B (give it a restore hook, or keep the layout and declare the old schema with DYN_MODULE_SCHEMA)";
      break;
    case UpdateOutcome::RestoreRefused:
      if (r.restore_hook_refused) {
        line << "rolled back: the new version's restore hook refused the state (schema " << r.old_schema << ", "
             << static_cast<std::uint32_t>(r.old_state_bytes)
             << " B): it returned -1 (make it accept that schema, or transform it)";
        break;
      }
      line << to_string(r.outcome);
      break;
    default: line << to_string(r.outcome); break;
  }
}

// One line per message, built in place (these run at a task's consistent
// point too, on its stack: one buffer, not one per piece).
LogLine UpdateManager::headline() const noexcept {
  LogLine line;
  if (phase_ == UpdatePhase::Removing || record_.outcome == UpdateOutcome::Removed)
    line << "remove " << task_name_ << " v" << record_.from_version << ": ";
  else
    line << "update " << task_name_ << " v" << record_.from_version << " -> v" << record_.to_version << ": ";
  return line;
}

void UpdateManager::say(UpdateStep step, const char* what) noexcept {
  LogLine line = headline();
  line << what;
  report(step, line);
}

void UpdateManager::report(UpdateStep step, const LogLine& line) noexcept {
  const bool went_wrong = step == UpdateStep::RolledBack || step == UpdateStep::Aborted || step == UpdateStep::Abandoned;
  const Task* subject = tasks_.kernel().table().find(task_);
  tasks_.kernel().log_update(subject, static_cast<std::uint8_t>(step), went_wrong ? 2 : 1, line.c_str());
}

Result<void, UpdateError> UpdateManager::request(const UpdateRequest& r, LoaderScratch scratch) noexcept {
  if (busy()) return Unexpected{UpdateError{UpdateErrc::Busy}};
  if (r.probation_points == 0) return Unexpected{UpdateError{UpdateErrc::BadProbation}};
  Kernel& k = tasks_.kernel();
  Task* t = r.task ? k.table().find_by_name(r.task) : nullptr;
  if (!t || t->state == TaskState::Dead) return Unexpected{UpdateError{UpdateErrc::NoSuchTask}};
  auto* old = static_cast<RegisterEntry*>(t->owner);
  if (!old || !old->has_module) return Unexpected{UpdateError{UpdateErrc::NotAModuleTask}};
  discard_when_safe();  // a version rolled back earlier may still wait to be freed
  if (discard_later_) return Unexpected{UpdateError{UpdateErrc::Busy}};

  char staging[kTaskNameMax + 1] = {kStagingPrefix};
  const std::size_t n = std::strlen(r.task);
  std::memcpy(staging + 1, r.task, n < kTaskNameMax - 1 ? n : kTaskNameMax - 1);
  auto staged = tasks_.stage(r.image, staging, scratch, &old->module);
  if (!staged) return Unexpected{UpdateError{UpdateErrc::Stage, staged.error()}};
  RegisterEntry* fresh = staged.value();
  // A new version of the same module: its checkpoint is bound to the module
  // name, so "sunsensor" cannot silently take over "sun_sensor"'s state;
  // only a request that says it renames may.
  if (!fresh->module.descriptor->entry) {
    tasks_.discard(*fresh);
    return Unexpected{UpdateError{UpdateErrc::NoEntry}};
  }
  // The new version's code will run on the task's stacks, which stay the
  // old version's until the commit: its domain maps them from the start.
  if (auto domain = tasks_.build_domain(*fresh, old->stack, old->kernel_stack); !domain) {
    tasks_.discard(*fresh);
    return Unexpected{UpdateError{UpdateErrc::Stage, InstallError{InstallError::Stage::Tables, {}, {}, {}, {}, domain.error()}}};
  }
  const bool renames = std::strcmp(fresh->module.descriptor->name, old->module.descriptor->name) != 0;
  if (renames && !r.rename) {
    std::size_t len = 0;
    const char* other = fresh->module.descriptor->name;
    while (other[len] && len + 1 < sizeof missing_) ++len;
    std::memcpy(missing_, other, len);
    missing_[len] = '\0';
    tasks_.discard(*fresh);
    UpdateError refused{UpdateErrc::OtherModule};
    refused.module = missing_;
    return Unexpected{refused};
  }
  // Every importer must be relinkable to the new version: a job (it has
  // points between runs where no frame of the old code can be on its stack),
  // and every name it uses still exported with a value that fits.
  if (old->module.dependents) {
    UpdateError refused{UpdateErrc::ImporterNotRelinkable};
    bool ok = true;
    tasks_.task_register().for_each([&](RegisterEntry& e) {
      if (!ok || !e.has_module || &e == old || &e == fresh) return;
      bool imports = false;
      for (std::size_t d = 0; d < e.module.dep_count; ++d) imports = imports || e.module.deps[d] == &old->module;
      if (!imports) return;
      std::memcpy(importer_, e.name, sizeof importer_);
      Task* it = e.task.valid() ? tasks_.kernel().table().find(e.task) : nullptr;
      const char* missing = nullptr;
      if (it && it->model != RunModel::Job) {
        ok = false;
      } else if (auto dry = tasks_.loader().relink(e.module, old->module, fresh->module, true, &missing); !dry) {
        ok = false;
        if (dry.error().code == LinkErrc::ExportGone && missing) {
          refused.code = UpdateErrc::ExportGone;
          std::size_t len = 0;
          while (missing[len] && len + 1 < sizeof missing_) ++len;
          std::memcpy(missing_, missing, len);
          missing_[len] = '\0';
          refused.symbol = missing_;
        }
      }
    });
    if (!ok) {
      refused.importer = importer_;
      tasks_.discard(*fresh);
      return Unexpected{refused};
    }
  }

  const ::dyn_module& od = *old->module.descriptor;
  if (store_) {
    // Journal first: the new image and its trial status reach the store
    // before anything in the running system changes.
    const ::dyn_module& nd = *fresh->module.descriptor;
    auto stored = store_->put_image(nd.name, nd.version, r.image);
    if (!stored && stored.error().code != StoreErrc::AlreadyExists) {  // versions are immutable: same bytes
      tasks_.discard(*fresh);
      return Unexpected{UpdateError{UpdateErrc::Store, {}, static_cast<std::uint64_t>(stored.error().code)}};
    }
    if (auto trial = store_->set_trial(r.task, nd.name, nd.version); !trial) {
      tasks_.discard(*fresh);
      return Unexpected{UpdateError{UpdateErrc::Store, {}, static_cast<std::uint64_t>(trial.error().code)}};
    }
  }
  const std::size_t capacity = r.checkpoint_capacity ? r.checkpoint_capacity : od.state_size + 1024;
  checkpoint_ = tasks_.allocate_lendable(kCheckpointHeaderSize + capacity);
  if (!checkpoint_) {
    tasks_.discard(*fresh);
    return Unexpected{UpdateError{UpdateErrc::NoMemory, {}, kCheckpointHeaderSize + capacity}};
  }
  old_ = old;
  new_ = fresh;
  task_ = t->id;
  std::memcpy(task_name_, t->name, sizeof task_name_);
  quiesce_timeout_ = r.quiesce_timeout;
  probation_time_ = r.probation_time;
  probation_points_ = r.probation_points;
  rename_ = renames;
  record_ = UpdateRecord{};
  record_.probation_required = r.probation_points;
  record_.probation_time = r.probation_time;
  record_.from_version = od.version;
  record_.to_version = fresh->module.descriptor->version;
  record_.requested_at = k.now();
  phase_ = UpdatePhase::Quiescing;
  port::kernel_enter();
  t->update_pending = true;  // the task's next consistent point does the rest
  port::kernel_exit();
  if (renames) {
    LogLine line = headline();
    line << "staged beside the running version, renaming module " << od.name << " to "
         << fresh->module.descriptor->name << "; waiting for a consistent point";
    report(UpdateStep::Staged, line);
  } else {
    say(UpdateStep::Staged, "staged beside the running version; waiting for a consistent point");
  }
  if (worker_.valid()) (void)k.notify(worker_, Notification{1});
  return {};
}

bool UpdateManager::importers_between_runs() noexcept {
  bool ok = true;
  tasks_.task_register().for_each([&](RegisterEntry& e) {
    if (!e.has_module || !e.task.valid()) return;
    bool imports = false;
    for (std::size_t d = 0; d < e.module.dep_count; ++d)
      imports = imports || (old_ && e.module.deps[d] == &old_->module) || (new_ && e.module.deps[d] == &new_->module) ||
                (discard_later_ && e.module.deps[d] == &discard_later_->module);
    if (!imports) return;
    const Task* it = tasks_.kernel().table().find(e.task);
    if (it && (it->state == TaskState::Running || !it->activation_pending)) ok = false;  // mid-run
  });
  return ok;
}

bool UpdateManager::relink_importers(LoadedModule& from, LoadedModule& to) noexcept {
  bool ok = true;
  tasks_.task_register().for_each([&](RegisterEntry& e) {
    if (!e.has_module || &e.module == &from || &e.module == &to) return;
    const bool imported = [&] {
      for (std::size_t d = 0; d < e.module.dep_count; ++d)
        if (e.module.deps[d] == &from) return true;
      return false;
    }();
    ok = tasks_.loader().relink(e.module, from, to, false) && ok;
    // Its domain held `from`'s regions: it must hold `to`'s now, and never
    // again the memory `from` gives back.
    // Assigned even where the port cannot map all of it: never `from`'s memory kept in reach.
    if (imported) ok = static_cast<bool>(tasks_.build_domain(e, TaskManager::DomainFit::BestEffort)) && ok;
  });
  return ok;
}

// A rolled-back version stays loaded until no importer can be running its
// code (they were pointed back at the old version, but one preempted in a
// call may still be inside the new one).
void UpdateManager::discard_when_safe() noexcept {
  if (!discard_later_ || !importers_between_runs()) return;
  tasks_.discard(*discard_later_);
  discard_later_ = nullptr;
}

Result<void, UpdateError> UpdateManager::request_removal(const char* task, Time timeout) noexcept {
  if (busy()) return Unexpected{UpdateError{UpdateErrc::Busy}};
  Kernel& k = tasks_.kernel();
  Task* t = task ? k.table().find_by_name(task) : nullptr;
  if (!t || t->state == TaskState::Dead) return Unexpected{UpdateError{UpdateErrc::NoSuchTask}};
  auto* e = static_cast<RegisterEntry*>(t->owner);
  if (!e || !e->has_module) return Unexpected{UpdateError{UpdateErrc::NotAModuleTask}};
  if (e->module.dependents) return Unexpected{UpdateError{UpdateErrc::HasImporters, {}, e->module.dependents}};
  task_ = t->id;
  std::memcpy(task_name_, t->name, sizeof task_name_);
  quiesce_timeout_ = timeout;
  record_ = UpdateRecord{};
  record_.from_version = e->module.descriptor->version;
  record_.requested_at = k.now();
  phase_ = UpdatePhase::Removing;
  port::kernel_enter();
  t->update_pending = true;
  port::kernel_exit();
  say(UpdateStep::RemovalRequested, "removal requested; waiting for a consistent point");
  if (worker_.valid()) (void)k.notify(worker_, Notification{1});
  return {};
}

void UpdateManager::at_consistent_point(Task& t) noexcept {
  if (phase_ == UpdatePhase::Removing && t.id == task_ && t.update_pending && t.model == RunModel::Loop) {
    t.update_pending = false;
    record_.quiescent_at = tasks_.kernel().now();
    tasks_.kernel().park_current();  // the os.update task removes it; it never runs again
    return;
  }
  if (phase_ != UpdatePhase::Quiescing || t.id != task_ || !t.update_pending) {
    // Not the task under update: a version on probation must not reach the
    // store's checkpoint before it is committed (a rollback would leave the
    // old version with the new one's state); asked again once it is over.
    const bool under_update = phase_ != UpdatePhase::Idle && t.id == task_;
    if (t.checkpoint_requested && !under_update) store_checkpoint(t);
    return;
  }
  // Importers of this module are relinked in the swap: wait for a point
  // where none of them is in the middle of a run (the next one will do).
  if (old_->module.dependents && !importers_between_runs()) return;
  Kernel& k = tasks_.kernel();
  const std::int64_t real_start = port::clock_now_ns();
  t.update_pending = false;
  record_.quiescent_at = k.now();

  // Checkpoint: the old version turns its state into a checkpoint object.
  const ::dyn_module& od = *old_->module.descriptor;
  const ::dyn_module& nd = *new_->module.descriptor;
  const std::span<std::byte> buffer{checkpoint_.host, checkpoint_.size};
  std::byte* payload = buffer.data() + kCheckpointHeaderSize;
  const std::size_t capacity = buffer.size() - kCheckpointHeaderSize;
  std::int64_t length = -1;
  // From here until probation (or finish) the swap is under way in this
  // task: swap_step_ is never None, so poll() cannot time the update out and
  // free what the task is using, and a stop anywhere is handed to take_back().
  swap_step_ = SwapStep::Checkpoint;
  k.begin_module_code(kModuleCodeBudget);  // for the hook, the constructors and restore together
  if (od.checkpoint) {
    length = tasks_.call_checkpoint_hook(*old_, {payload, capacity}, checkpoint_);
  } else if (od.state_size <= capacity) {
    std::memcpy(payload, old_->state.host, od.state_size);  // no hook: the state as it is
    length = od.state_size;
  }
  bool sealed = false;
  if (length >= 0 && static_cast<std::size_t>(length) <= capacity) {
    port::kernel_enter();  // kernel code: no tick preempts or stops it
    sealed = static_cast<bool>(seal_checkpoint(buffer, od.name, od.version, od.state_schema, static_cast<std::size_t>(length)));
    port::kernel_exit();
  }
  if (!sealed) {
    if (length > 0 && static_cast<std::size_t>(length) > capacity) {
      LogLine line = headline();
      line << "the old version's checkpoint hook returned "
           << static_cast<std::uint32_t>(length > 0xFFFFFFFF ? 0xFFFFFFFF : length) << " bytes, more than its capacity of "
           << static_cast<std::uint32_t>(capacity);
      report(UpdateStep::Note, line);
    }
    k.end_module_code();
    finish_from_task(UpdateOutcome::CheckpointFailed);
    return;  // the old version simply goes on
  }
  record_.checkpoint_bytes = kCheckpointHeaderSize + static_cast<std::size_t>(length);

  // From here the old version cannot run, so its heap stays as it is: the
  // new one may reach the blocks its restored state will point at
  // (RegisterEntry::heap_lender) until the update ends.
  new_->heap_lender = old_;
  if (!tasks_.build_domain(*new_)) {
    // Its domain stays as it was built (without them): a version whose
    // state points at no old block still runs; one that touches one faults
    // and is rolled back.
    new_->heap_lender = nullptr;
    LogLine line = headline();
    line << "the new version's domain cannot also hold the old version's heap: it runs without reaching those blocks";
    report(UpdateStep::Note, line);
  }
  // The new version takes the task for its constructors and its restore
  // hook (what they allocate is its own); if either is stopped, take_back()
  // binds the task to the old version again before it can run.
  bind(t, new_);
  swap_step_ = SwapStep::Construct;
  if (!new_->module.constructed) {
    tasks_.run_constructors(*new_);
    new_->module.constructed = true;
  }
  // Restore: the decheckpointer is the new version's hook, fed through the validating view.
  swap_step_ = SwapStep::Restore;
  int restored = -1;
  bool layout_differs = false;
  if (auto view = CheckpointView::open(buffer.first(record_.checkpoint_bytes), CheckpointView::Verify::Header)) {
    record_.old_schema = view.value().schema;
    record_.old_state_bytes = view.value().payload.size();
    record_.new_schema = nd.state_schema;
    record_.new_state_bytes = nd.state_size;
    restored = restore_state(nd, new_->state, view.value(), checkpoint_, new_->domain) ? 0 : -1;
    layout_differs = !nd.restore;  // no hook ran: the plain copy was refused for schema or size
  }
  k.end_module_code();
  if (restored != 0) {
    record_.restore_hook_refused = nd.restore != nullptr;
    bind(t, old_);
    finish_from_task(layout_differs ? UpdateOutcome::StateIncompatible : UpdateOutcome::RestoreRefused);
    return;  // the old code continues where it was, its state block untouched
  }

  // Swap: the kernel tables (seed 004) and the importers follow, in one
  // critical section, with probation: no tick can stop the task half-way.
  port::kernel_enter();
  new_->start = StartStage::Started;
  new_->task = t.id;
  UpdateOutcome refused = UpdateOutcome::None;
  if (!tasks_.describe_task(*new_, old_->stack, true)) {
    refused = UpdateOutcome::TablesRefused;  // nothing was swapped: the old version goes on
  } else if (old_->module.dependents && !relink_importers(old_->module, new_->module)) {
    (void)relink_importers(new_->module, old_->module);  // checked by the dry run: never half-swap
    (void)tasks_.describe_task(*old_, old_->stack, true);
    refused = UpdateOutcome::RestoreRefused;
  }
  if (refused != UpdateOutcome::None) {
    new_->task = TaskId{};
    t.arg = old_;
    t.owner = old_;
    port::kernel_exit();
    finish_from_task(refused);
    return;
  }
  record_.unavailable_real_ns = port::clock_now_ns() - real_start;
  baseline_kills_ = t.stats.watchdog_kills;
  baseline_faults_ = t.stats.faults;
  baseline_points_ = t.stats.checkpoints;
  record_.finished_at = k.now();  // probation starts here
  phase_ = UpdatePhase::Probation;
  swap_step_ = SwapStep::None;
  port::kernel_exit();
  LogLine line = headline();
  line << "state checkpointed and restored into the new version; on probation: " << probation_points_
       << " consistent points within ";
  append_duration(line, probation_time_);
  report(UpdateStep::Checkpointed, line);
  if (t.model == RunModel::Loop) k.restart_current();  // the new version starts from its entry
  // A job returns to the kernel; its next release runs the new version.
}

void UpdateManager::bind(Task& t, RegisterEntry* version) noexcept {
  port::kernel_enter();
  t.arg = version;
  t.owner = version;
  if (version == old_) end_lending();  // the old version runs again: its heap is its own
  port::kernel_exit();
}

// The new version no longer reaches the old version's heap (the task is the
// old version's again, or the update is over without a commit).
void UpdateManager::end_lending() noexcept {
  if (!new_ || !new_->heap_lender) return;
  new_->heap_lender = nullptr;
  (void)tasks_.build_domain(*new_, TaskManager::DomainFit::BestEffort);  // the old arenas out of reach
}

// In the kernel's context: the task was stopped while module code of the
// update ran in it. It is bound to the old version at once (its context was
// reset, so no frame of the new code survives); poll() finishes the update.
bool UpdateManager::take_back(Task& t) noexcept {
  if (periodic_ && !periodic_sealed_ && t.id == periodic_task_) {  // stopped inside a periodic checkpoint hook
    tasks_.task_register().memory().release(periodic_);
    periodic_ = Region{};
  }
  if (phase_ != UpdatePhase::Quiescing || t.id != task_ || swap_step_ == SwapStep::None) return false;
  swap_failed_ = swap_step_ == SwapStep::Checkpoint  ? UpdateOutcome::CheckpointFailed
                 : swap_step_ == SwapStep::Construct ? UpdateOutcome::ConstructorStopped
                                                     : UpdateOutcome::RestoreStopped;
  swap_step_ = SwapStep::None;
  t.arg = old_;
  t.owner = old_;
  end_lending();  // in the kernel's context already: the old version runs next
  if (worker_.valid()) (void)tasks_.kernel().notify(worker_, Notification{1});
  return true;
}

void UpdateManager::poll() noexcept {
  discard_when_safe();
  Kernel& k = tasks_.kernel();
  const Time now = k.now();
  Task* t = k.table().find(task_);
  if (phase_ == UpdatePhase::Removing) {
    if (!t) {
      finish(UpdateOutcome::TaskGone);
      return;
    }
    // A job between runs, or a loop parked at its consistent point: remove it.
    const bool consistent = (t->model == RunModel::Job && t->activation_pending && t->state != TaskState::Running) ||
                            (t->model == RunModel::Loop && t->state == TaskState::Suspended && !t->update_pending);
    if (consistent) {
      if (!record_.quiescent_at) record_.quiescent_at = now;
      (void)tasks_.uninstall(task_name_);
      finish(UpdateOutcome::Removed);
    } else if (now - record_.requested_at > quiesce_timeout_) {
      port::kernel_enter();
      t->update_pending = false;
      port::kernel_exit();
      finish(UpdateOutcome::QuiesceTimeout);
    }
    return;
  }
  if (phase_ == UpdatePhase::Quiescing) {
    if (swap_failed_ != UpdateOutcome::None) {
      const UpdateOutcome why = swap_failed_;
      swap_failed_ = UpdateOutcome::None;
      finish(why);  // the task is the old version's again (take_back)
    } else if (!t) {
      finish(UpdateOutcome::TaskGone);
    } else if (swap_step_ != SwapStep::None) {
      // The swap is under way in the task (preempted in a hook or in the
      // new constructors): its watchdog bounds it, not the quiesce timeout.
    } else if (now - record_.requested_at > quiesce_timeout_) {
      port::kernel_enter();
      t->update_pending = false;
      port::kernel_exit();
      finish(UpdateOutcome::QuiesceTimeout);
    }
  } else if (phase_ == UpdatePhase::Probation) {
    if (!t) {
      finish(UpdateOutcome::TaskGone);
      return;
    }
    record_.probation_reached = static_cast<std::uint32_t>(t->stats.checkpoints - baseline_points_);
    if (t->stats.faults > baseline_faults_ || (t->state == TaskState::Dead && t->exit_reason == ExitReason::Fault)) {
      roll_back(UpdateOutcome::FaultInProbation);
    } else if (t->stats.watchdog_kills > baseline_kills_ ||
               (t->state == TaskState::Dead && t->exit_reason != ExitReason::Completed)) {
      roll_back(UpdateOutcome::WatchdogInProbation);
    } else if (record_.probation_reached >= probation_points_) {
      commit();
    } else if (now - record_.finished_at > probation_time_) {
      roll_back(UpdateOutcome::ProbationTimeout);
    }
  }
}

void UpdateManager::journal_end(bool committed) noexcept {
  if (!store_ || !old_ || !new_) return;
  const ::dyn_module& od = *old_->module.descriptor;
  const ::dyn_module& nd = *new_->module.descriptor;
  const bool same = od.version == nd.version && std::strcmp(od.name, nd.name) == 0;
  if (committed) {
    // A periodic checkpoint of the old version still waiting to be written
    // would land after the commit's and bind the new version to old state.
    if (periodic_sealed_ && std::strncmp(periodic_owner_, task_name_, sizeof task_name_) == 0) drop_periodic();
    // The checkpoint the new version was restored from, then the commit,
    // then the old image (no longer anyone's). A rename binds it to the new
    // module's name (a boot restores only a module's own checkpoints); its
    // schema stays the writer's, so the new version's hook restores it at
    // boot as it did live.
    if (rename_ && record_.checkpoint_bytes >= kCheckpointHeaderSize)
      (void)seal_checkpoint({checkpoint_.host, checkpoint_.size}, nd.name, od.version, record_.old_schema,
                            record_.checkpoint_bytes - kCheckpointHeaderSize);
    (void)store_->put_checkpoint(task_name_, {checkpoint_.host, record_.checkpoint_bytes});
    (void)store_->commit(task_name_);
    if (!same) (void)store_->remove_image(od.name, od.version);
    remove_leftovers(nd);
  } else {
    (void)store_->revert(task_name_);
    if (!same) (void)store_->remove_image(nd.name, nd.version);
  }
  // A failed write here leaves the trial marked: the next boot resolves it
  // like a power cut would (the store's recovery rule, docs/store.md).
}

// Versions of the new module that a power cut left behind (an old image
// whose removal was cut, an update whose trial never started): removed, except
// the committed one and any another task runs or tries (the store refuses those).
void UpdateManager::remove_leftovers(const ::dyn_module& committed) noexcept {
  std::uint32_t versions[8];
  auto n = store_->versions(committed.name, versions);
  if (!n) return;
  for (std::size_t i = 0; i < n.value() && i < 8; ++i)
    if (versions[i] != committed.version) (void)store_->remove_image(committed.name, versions[i]);
}

void UpdateManager::roll_back(UpdateOutcome why) noexcept {
  // The old version's state block has not been touched since its checkpoint
  // (heap blocks it points at may have been: the new version could reach
  // them, RegisterEntry::heap_lender); its code and memory were kept. Point
  // the task back at it and start it afresh.
  (void)tasks_.kernel().rebind(task_, old_, old_);
  (void)tasks_.describe_task(*old_, old_->stack, true);
  if (new_->module.dependents) {
    port::kernel_enter();
    (void)relink_importers(new_->module, old_->module);
    port::kernel_exit();
  }
  new_->task = TaskId{};
  journal_end(false);
  finish(why);
}

void UpdateManager::commit() noexcept {
  journal_end(true);
  TaskRegister& reg = tasks_.task_register();
  // The new version inherits the task's stack and the heap blocks the old
  // one allocated (restored state may refer to them); the rest of the old
  // version is freed.
  new_->stack = old_->stack;
  new_->kernel_stack = old_->kernel_stack;
  old_->stack = old_->kernel_stack = Region{};
  old_->task = TaskId{};  // new_->task was set at the swap
  // One step: no task may run between the heap's move (which returns a spare
  // arena to the pool) and the domain that follows it.
  port::kernel_enter();
  reg.adopt_heap(*old_, *new_);
  new_->heap_lender = nullptr;  // the blocks are its own now
  // Its domain now holds the task's own stacks and the heap it adopted.
  const bool mapped = static_cast<bool>(tasks_.build_domain(*new_, TaskManager::DomainFit::BestEffort));
  port::kernel_exit();
  if (!mapped) {
    LogLine line = headline();
    line << "the new version's domain cannot hold the heap it adopted: its blocks from the old version are out of its reach";
    report(UpdateStep::Note, line);
  }
  tasks_.discard(*old_);
  reg.rename(*new_, task_name_);
  old_ = nullptr;
  finish(UpdateOutcome::Committed);
}

void UpdateManager::finish(UpdateOutcome outcome) noexcept {
  const bool journaled = outcome == UpdateOutcome::Committed || outcome == UpdateOutcome::WatchdogInProbation ||
                         outcome == UpdateOutcome::FaultInProbation || outcome == UpdateOutcome::ProbationTimeout ||
                         outcome == UpdateOutcome::Abandoned;
  if (!journaled) journal_end(false);  // aborted or refused: the trial is dropped
  record_.outcome = outcome;
  record_.finished_at = tasks_.kernel().now();
  if (new_ && outcome != UpdateOutcome::Committed) {
    // The invariant the whole machine keeps: no task is bound to code that is freed.
    if (Task* t = tasks_.kernel().table().find(task_); t && t->owner == new_) bind(*t, old_);
    end_lending();  // already ended where the task was bound back; a backstop
    const bool rolled_back = outcome == UpdateOutcome::WatchdogInProbation ||
                             outcome == UpdateOutcome::FaultInProbation ||
                             outcome == UpdateOutcome::ProbationTimeout || outcome == UpdateOutcome::Abandoned;
    if (rolled_back && old_ && old_->module.dependents && !importers_between_runs() &&
        outcome != UpdateOutcome::Abandoned) {
      discard_later_ = new_;  // an importer may still be inside it
    } else {
      tasks_.discard(*new_);
    }
  }
  new_ = nullptr;
  old_ = nullptr;
  swap_step_ = SwapStep::None;
  swap_failed_ = UpdateOutcome::None;
  if (checkpoint_) tasks_.task_register().memory().release(checkpoint_);
  checkpoint_ = Region{};
  phase_ = UpdatePhase::Idle;
  ++completed_;
  LogLine line = headline();
  if (outcome == UpdateOutcome::Committed)
    line << "committed; the old version is freed";
  else
    append_outcome(line);
  report(step_of(outcome), line);
}

// A swap that fails at the task's consistent point (the task is the old
// version's again) is finished by os.update: the store's revert and the
// messages are kernel work sized for a system task's stack, not a module's.
void UpdateManager::finish_from_task(UpdateOutcome outcome) noexcept {
  if (!worker_.valid()) {
    finish(outcome);  // no worker (a test harness): the caller's context does it
    return;
  }
  port::kernel_enter();
  swap_step_ = SwapStep::None;
  swap_failed_ = outcome;
  port::kernel_exit();
  (void)tasks_.kernel().notify(worker_, Notification{1});
}

}  // namespace dyn
