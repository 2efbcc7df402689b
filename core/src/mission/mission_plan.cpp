// mission_plan.cpp — the system a compiled mission runs on.
#include "dyn/mission_plan.hpp"

#include "dyn/borrowed_scratch.hpp"

#include <cstring>

#include "dyn/elf_view.hpp"

namespace dyn {

void run_plan_steps(Kernel& k, std::span<const PlanStep> steps, std::span<const TaskId> targets, bool loop,
                    std::uint64_t* received) noexcept {
  do {
    for (const PlanStep& s : steps) {
      for (std::uint32_t r = 0; r < s.repeat; ++r) {
        switch (s.kind) {
          case PlanStep::Kind::Busy: k.consume(s.duration); break;
          case PlanStep::Kind::Yield:
            k.consume(s.duration);
            k.yield();
            break;
          case PlanStep::Kind::Sleep: k.sleep(s.duration); break;
          case PlanStep::Kind::Wait:
            if (k.wait_notification(s.duration, nullptr) && received) ++*received;
            break;
          case PlanStep::Kind::Notify: {
            Notification n;
            (void)Notification::pack(s.message, s.repeats, &n);  // range checked when compiled
            if (s.target < targets.size()) (void)k.notify(targets[s.target], n);  // a dead target is not the sender's fault
            break;
          }
          case PlanStep::Kind::Spin:
            // A runaway loop: no kernel call, so only a tick can take the CPU back.
            for (volatile std::uint32_t spin = 0;;) spin = spin + 1;
        }
      }
    }
  } while (loop);
}

const char* describe(PlanError::Code c) noexcept {
  switch (c) {
    case PlanError::Code::Malformed: return "the compiled mission's tables contradict themselves (recompile it)";
    case PlanError::Code::Tables: return "the kernel tables could not be created";
    case PlanError::Code::CreateTask: return "the kernel refused the task";
    case PlanError::Code::InstallModule: return "the task manager refused the module";
    case PlanError::Code::SystemTask: return "a system task (os.housekeeping, os.update) could not start";
  }
  return "?";
}

namespace {

void run_workload_task(void* arg) noexcept {
  auto& w = *static_cast<PlanWorkload*>(arg);
  run_plan_steps(*w.kernel, w.steps, w.targets, w.loop, &w.received);
}

// Is this outcome the update machinery containing a stop of the new version
// (its watchdog or a fault: the old version resumed)?
bool rolled_back_a_stop(const UpdateRecord& r) noexcept {
  switch (r.outcome) {
    case UpdateOutcome::ConstructorStopped:
    case UpdateOutcome::RestoreStopped:
    case UpdateOutcome::FaultInProbation:
    case UpdateOutcome::WatchdogInProbation: return true;
    default: return false;
  }
}

}  // namespace

MissionSystem::MissionSystem(const MissionPlan& plan, ModuleMemory& memory, EventSink* sink) noexcept
    : plan_(plan),
      table_(plan.slots),
      policy_(&plan.make_policy(table_)),
      kernel_(table_, *policy_, plan.config, sink),
      register_(plan.entries, memory),
      tasks_(kernel_, register_),
      tables_(KernelTables::create(plan.table_tasks, plan.table_regions, plan.table_irqs)),
      updates_(tasks_) {}

Result<void, PlanError> MissionSystem::check_plan() const noexcept {
  const auto malformed = [](const char* task) -> Result<void, PlanError> {
    return Unexpected{PlanError{PlanError::Code::Malformed, task, 0}};
  };
  if (plan_.ids.size() < plan_.tasks.size() || plan_.workloads.size() < plan_.tasks.size()) return malformed(nullptr);
  for (const PlanTask& t : plan_.tasks) {
    if (!t.spec.name) return malformed(nullptr);
    if (t.module != kPlanNoModule && t.module >= plan_.modules.size()) return malformed(t.spec.name);
    if (std::size_t{t.first_step} + t.step_count > plan_.steps.size()) return malformed(t.spec.name);
    for (const PlanStep& s : plan_.steps.subspan(t.first_step, t.step_count))
      if (s.kind == PlanStep::Kind::Notify && s.target >= plan_.tasks.size()) return malformed(t.spec.name);
  }
  for (const PlanUpdate& u : plan_.updates)
    if (u.task >= plan_.tasks.size() || u.module >= plan_.modules.size()) return malformed(nullptr);
  return {};
}

std::span<std::byte> MissionSystem::carve_stack(std::size_t bytes, std::size_t* used) noexcept {
  bytes = (bytes + 7) & ~std::size_t{7};
  if (bytes > plan_.stacks.size() - *used) return {};
  std::span<std::byte> s = plan_.stacks.subspan(*used, bytes);
  *used += bytes;
  return s;
}

Result<void, PlanError> MissionSystem::start_task(std::size_t index, std::size_t* stack_used) noexcept {
  const PlanTask& t = plan_.tasks[index];
  if (t.module != kPlanNoModule) {
    ModuleTaskSpec spec;
    spec.task = t.spec;
    spec.stack_size = t.stack_size;
    const std::span<const std::byte> image = plan_.modules[t.module].image();
    BorrowedScratch scratch(register_.memory());  // only while the object is linked
    auto installed = tasks_.install(image, spec, scratch.for_image(image));
    if (!installed)
      return Unexpected{PlanError{PlanError::Code::InstallModule, t.spec.name,
                               static_cast<std::uint32_t>(installed.error().stage)}};
    plan_.ids[index] = installed.value()->task;
    return {};
  }
  PlanWorkload& w = plan_.workloads[index];
  w.kernel = &kernel_;
  w.steps = plan_.steps.subspan(t.first_step, t.step_count);
  w.targets = plan_.ids.first(plan_.tasks.size());
  w.loop = t.spec.model == RunModel::Loop;
  TaskSpec spec = t.spec;
  spec.entry = run_workload_task;
  spec.arg = &w;
  spec.stack = carve_stack(t.stack_size, stack_used);
  if (spec.stack.empty()) return Unexpected{PlanError{PlanError::Code::Malformed, t.spec.name, 0}};
  auto id = kernel_.create(spec);
  if (!id) return Unexpected{PlanError{PlanError::Code::CreateTask, t.spec.name, static_cast<std::uint32_t>(id.error().code)}};
  plan_.ids[index] = id.value();
  return {};
}

Result<void, PlanError> MissionSystem::start_system_tasks(std::size_t* stack_used) noexcept {
  auto start = [&](TaskSpec spec) -> Result<TaskId, TaskError> {
    spec.stack = carve_stack(plan_.system_stack, stack_used);
    if (spec.stack.empty()) return Unexpected{TaskError{TaskErrc::StackTooSmall, 0}};
    return kernel_.create(spec);
  };
  if (plan_.housekeeping > 0) {
    if (!start(housekeeping_task(&housekeeping_, plan_.housekeeping))) return Unexpected{PlanError{PlanError::Code::SystemTask, "os.housekeeping", 0}};
  }
  if (!plan_.updates.empty()) {
    TaskSpec spec;
    spec.name = "os.update";
    spec.entry = UpdateManager::worker_entry;
    spec.arg = &updates_;
    spec.model = RunModel::Loop;
    spec.level = kLevelCount;  // update work is not urgent: below the tasks whose schedule matters
    spec.priority = 1;
    spec.tickets = 10;
    auto id = start(spec);
    if (!id) return Unexpected{PlanError{PlanError::Code::SystemTask, "os.update", 0}};
    updates_.set_worker(id.value(), 10 * plan_.config.tick);
  }
  return {};
}

Result<void, PlanError> MissionSystem::start() noexcept {
  if (auto checked = check_plan(); !checked) return checked;
  if (!tables_) return Unexpected{PlanError{PlanError::Code::Tables, nullptr, 0}};
  tasks_.set_tables(&tables_.value());
  std::size_t stack_used = 0;
  for (std::size_t i = 0; i < plan_.tasks.size(); ++i) {
    if (auto started = start_task(i, &stack_used); !started) {
      stop();
      return started;
    }
  }
  if (auto started = start_system_tasks(&stack_used); !started) {
    stop();
    return started;
  }
  return {};
}

void MissionSystem::carry_out(const PlanUpdate& u, PlanObserver* observer) noexcept {
  const PlanTask& t = plan_.tasks[u.task];
  const PlanModule& m = plan_.modules[u.module];
  kernel_.run_until(u.at);
  UpdateRequest request;
  request.task = t.spec.name;
  request.image = m.image();
  request.quiesce_timeout = u.quiesce_timeout;
  request.probation_points = u.probation_points;
  request.probation_time = u.probation;
  request.rename = u.rename;
  BorrowedScratch scratch(register_.memory());
  auto requested = updates_.request(request, scratch.for_image(request.image));
  scratch.give_back();  // staged (linked) or refused: the scratch's memory is the modules' again
  if (observer) observer->update_requested(u, t.spec.name, m.name, requested ? nullptr : &requested.error());
  if (!requested) return;
  // The update runs its course before the next one (or the end).
  const Task* task = table_.find_by_name(t.spec.name);
  const std::uint64_t stops_before = task ? task->stats.watchdog_kills + task->stats.faults : 0;
  const std::uint64_t before = updates_.completed();
  while (updates_.completed() == before && kernel_.now() < plan_.duration)
    kernel_.run_until(kernel_.now() + kSecond < plan_.duration ? kernel_.now() + kSecond : plan_.duration);
  if (updates_.completed() == before) return;
  // A stop of the new version that rolled it back is the update doing its
  // job (the old version resumed): not an unexpected stop of the mission.
  task = table_.find_by_name(t.spec.name);
  if (task && rolled_back_a_stop(updates_.last()))
    contained_stops_ += task->stats.watchdog_kills + task->stats.faults - stops_before;
  if (observer) observer->update_finished(u, t.spec.name, updates_);
}

void MissionSystem::run(PlanObserver* observer) noexcept {
  for (const PlanUpdate& u : plan_.updates) {
    if (u.at >= plan_.duration) break;
    carry_out(u, observer);
  }
  kernel_.run_until(plan_.duration);
  if (updates_.busy()) updates_.abandon();  // the run ends mid-update, as a power cut would
}

void MissionSystem::stop() noexcept {
  tasks_.uninstall_all();
  for (std::size_t i = 0; i < table_.capacity(); ++i) {
    Task& t = table_.at(i);
    if (t.state != TaskState::Free) (void)kernel_.remove(t.id);
  }
}

std::uint64_t MissionSystem::unexpected_stops() const noexcept {
  std::uint64_t stops = 0;
  for (std::size_t i = 0; i < table_.capacity(); ++i) {
    const Task& t = table_.at(i);
    if (t.state == TaskState::Free) continue;
    bool expected = false;
    for (const PlanTask& p : plan_.tasks)
      if (p.expect_watchdog && std::strcmp(p.spec.name, t.name) == 0) expected = true;
    stops += t.stats.faults + (expected ? 0 : t.stats.watchdog_kills);
  }
  return stops > contained_stops_ ? stops - contained_stops_ : 0;
}

bool MissionSystem::nominal() const noexcept {
  return unexpected_stops() == 0 && tables_ && tables_.value().verify();
}

}  // namespace dyn
