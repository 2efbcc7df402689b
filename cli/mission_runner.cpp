// mission_runner.cpp — the host's system builder: table, policy, kernel, tasks, sinks.
#include "mission_runner.hpp"

#include "fault_report.hpp"

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <sstream>

#include "duration.hpp"
#include "dyn/boot.hpp"
#include "host_boot_scratch.hpp"
#include "dyn/checkpoint.hpp"
#include "dyn/housekeeping.hpp"
#include "dyn/meta_task.hpp"
#include "power_model.hpp"
#include "dyn/sched_lottery.hpp"
#include "dyn/sched_multilevel.hpp"
#include "dyn/sched_priority.hpp"
#include "dyn/sched_round_robin.hpp"
#include "dyn/task_manager.hpp"
#include "dynsched.h"
#include "host_module_memory.hpp"
#include "log_file.hpp"
#include "svg_plot.hpp"
#include "package_keys.hpp"
#include "package_tool.hpp"
#include "dyn/package.hpp"
#include "dyn/package_install.hpp"
#include "host_boot_scratch.hpp"
#include "dyn/module_delta.hpp"
#include "host_port.hpp"
#include "module_report.hpp"
#include "trace_writer.hpp"

#include <filesystem>

#include "dyn/module_store.hpp"
#include "file_flash.hpp"

namespace dyn::cli {

namespace {

constexpr std::size_t kSystemTaskStack = 64 * 1024;

// Prints faults as they happen; after a few per task it only counts them, so a
// day of a misbehaving task does not flood the terminal.
class EventLog final : public EventSink {
 public:
  explicit EventLog(EventSink* next) : next_(next) {}
  // Seed 003's logger: every log line (and watchdog stop) goes through it;
  // it persists them when its policy allows, given the power model's charge.
  Logger* logger = nullptr;
  // The power model: base load and solar, plus each task's draw from the
  // start of a run to its end (an instrument is on for its whole session,
  // sleeps inside the run included); the charge is sampled into the trace
  // once per mission minute.
  host::PowerModel* power = nullptr;
  TraceWriter* trace = nullptr;
  Plot* plot = nullptr;
  std::vector<double> watts_by_slot;
  std::vector<bool> drawing;  // per slot: a run is in progress and draws its watts
  double active_w = 0;        // sum of the draws in progress
  Time next_sample = 0;
  void advance_power(Time t) {
    if (!power) return;
    while (next_sample <= t) {
      power->advance(next_sample, active_w);
      if (trace) trace->counter("battery", next_sample, "charge %", power->charge() * 100.0);
      if (plot) plot->charge(next_sample, power->charge() * 100.0);
      next_sample += kMinute;
    }
    power->advance(t, active_w);
  }
  void set_drawing(std::size_t slot, bool on) {
    if (slot >= watts_by_slot.size() || drawing[slot] == on) return;
    drawing[slot] = on;
    active_w += on ? watts_by_slot[slot] : -watts_by_slot[slot];
    if (active_w < 1e-9) active_w = 0;  // no drift below zero after many runs
  }
  // Tasks whose watchdog stops the mission says are intended, with its note.
  std::map<std::string, std::string> intended;
  PowerState power_state() const {
    return power ? power->state() : PowerState{};
  }
  void on_event(const KernelEvent& e) noexcept override {
    if (next_) next_->on_event(e);
    if (plot && e.task && e.kind == EventKind::RunSegment) plot->run(e.task->name, e.start, e.end);
    if (plot && e.task && (e.kind == EventKind::Watchdog || e.kind == EventKind::Fault)) plot->stop(e.task->name, e.end);
    if (plot && e.kind == EventKind::Update)
      plot->update(e.task ? e.task->name : std::string(), static_cast<UpdateStep>(e.step), e.end,
                   e.text ? e.text : "");
    if (power && e.task && (e.kind == EventKind::RunSegment || e.kind == EventKind::TaskExited)) {
      const std::size_t slot = e.task->id.slot();
      if (e.kind == EventKind::RunSegment && e.activation_start) {
        advance_power(e.start);
        set_drawing(slot, true);
      }
      advance_power(e.end);
      if (e.kind == EventKind::TaskExited || e.activation_end) set_drawing(slot, false);
    }
    // An update's steps are the system's own messages (about e.task's module).
    const bool system_line = e.kind == EventKind::Update || (e.kind == EventKind::Log && !e.task);
    if (logger && (e.kind == EventKind::Log || e.kind == EventKind::Update || e.kind == EventKind::Watchdog ||
                   e.kind == EventKind::Fault)) {
      const std::uint16_t source = system_line || !e.task ? kSystemLogSource : e.task->id.slot();
      if ((e.kind == EventKind::Log || e.kind == EventKind::Update) && e.text) {
        (void)logger->log(source, static_cast<Severity>(e.value > 4 ? 4 : e.value), e.end, e.text);
      } else if (e.kind == EventKind::Watchdog) {
        (void)logger->log(source, Severity::Warning, e.end, "stopped by its watchdog");
      } else if (e.kind == EventKind::Fault) {
        const std::string what = "fault: " + describe_fault(e.task->fault);
        (void)logger->log(source, Severity::Error, e.end, what.c_str());
      }
      (void)logger->flush(e.end, power_state());
    }
    if (!enabled || (!e.task && !system_line)) return;
    if (e.kind == EventKind::Watchdog) {
      const int shown = ++shown_[e.task->name];
      std::string why;  // the first stop of a task stopped on purpose says so, and why
      if (auto it = intended.find(e.task->name); it != intended.end())
        why = shown == 1 ? "; intended (expect = \"watchdog\"): " + it->second : "; intended";
      if (shown <= kPerTask)
        std::fprintf(stderr, "[%s] watchdog: stopped \"%s\" after %s of CPU (limit %s)%s%s\n",
                     format_clock(e.end).c_str(), e.task->name, format_duration(static_cast<Time>(e.value)).c_str(),
                     e.task->hook_limit > 0 && (e.task->watchdog == 0 || e.task->hook_limit < e.task->watchdog)
                         ? "for its module's constructors and hooks"
                         : format_duration(e.task->watchdog).c_str(),
                     why.c_str(),
                     shown == kPerTask ? "; further stops of this task are counted, not shown" : "");
    } else if (e.kind == EventKind::Fault) {
      if (++shown_[e.task->name] <= kPerTask)
        std::fprintf(stderr, "[%s] fault: stopped \"%s\": %s%s\n", format_clock(e.end).c_str(), e.task->name,
                     describe_fault(e.task->fault).c_str(),
                     shown_[e.task->name] == kPerTask ? "; further stops of this task are counted, not shown" : "");
    } else if ((e.kind == EventKind::Log || e.kind == EventKind::Update) && e.text && e.value >= 1) {
      static const char* const kSeverity[] = {"debug", "info", "warning", "error"};
      const std::string who = system_line ? "system" : e.task->name;
      const int shown = ++logged_[who];
      // The system's own lines (updates, the store) are rare and matter: never capped.
      if (system_line || shown <= kLogLinesPerTask)
        std::fprintf(stderr, "[%s] %s %s: %s%s\n", format_clock(e.end).c_str(), who.c_str(),
                     kSeverity[e.value > 3 ? 3 : e.value], terminal_safe(e.text).c_str(),
                     !system_line && shown == kLogLinesPerTask
                         ? (next_ || logger ? " (further log lines of this task: in the trace or the log)"
                                            : " (further log lines of this task: not shown; --trace or --log keeps them)")
                         : "");
    } else if (e.kind == EventKind::TaskExited && static_cast<ExitReason>(e.value) == ExitReason::StackOverflow) {
      std::fprintf(stderr, "[%s] housekeeping: stopped \"%s\": stack used up to its last %zu bytes\n",
                   format_clock(e.end).c_str(), e.task->name, kStackGuardMargin);
    }
  }
  bool enabled = true;

 private:
  static constexpr int kPerTask = 5;
  static constexpr int kLogLinesPerTask = 10;
  std::map<std::string, int> logged_;
  EventSink* next_;
  std::map<std::string, int> shown_;
};

// The meta-scheduler's view of the power model, brought up to the pass's time.
class ModelPower final : public PowerSource {
 public:
  explicit ModelPower(EventLog& log) : log_(log) {}
  PowerState power_state(Time now) noexcept override {
    log_.advance_power(now);
    return log_.power_state();
  }

 private:
  EventLog& log_;
};

std::string placement(const Mission& m, const Task& t) {
  if (t.onetime) return "onetime";
  const char* scenario = t.triggered ? " scen" : "";  // woken by the meta-scheduler
  switch (m.policy) {
    case PolicyKind::Multilevel: return "L" + std::to_string(t.level) + scenario;
    case PolicyKind::Priority:
    case PolicyKind::RoundRobin: return "P" + std::to_string(t.priority) + scenario;
    case PolicyKind::Lottery: return "T" + std::to_string(t.tickets) + scenario;
  }
  return "?";
}

}  // namespace

RunReport run_mission(const Mission& m, const RunOptions& o) {
  RunReport report;
  report.mission = m.name.empty() ? m.file : m.name;
  report.policy = to_string(m.policy);
  report.realtime = o.realtime;

  std::unique_ptr<TraceWriter> trace;
  if (!o.trace_path.empty()) {
    trace = std::make_unique<TraceWriter>(o.trace_path, report.mission);
    if (!trace->ok()) {
      report.error = "cannot write the trace: " + trace->error();
      return report;
    }
  }
  EventLog log(trace.get());
  log.enabled = o.log_events;
  for (const MissionTask& mt : m.tasks)
    if (mt.expect_watchdog) log.intended[mt.name] = mt.note;
  std::optional<Plot> plot;
  if (!o.plot_path.empty()) {
    plot.emplace(o.duration.value_or(m.duration));
    log.plot = &*plot;
  }
  std::optional<host::PowerModel> power;
  if (m.power) {
    power.emplace(*m.power);
    log.power = &*power;
    log.trace = trace.get();
  }
  std::unique_ptr<FileLogSink> log_sink;
  std::vector<LogEntry> log_storage(kSeverityCount * 256);
  std::optional<Logger> logger;
  if (!o.log_path.empty()) {
    log_sink = std::make_unique<FileLogSink>(o.log_path);
    if (!log_sink->ok()) {
      report.error = "cannot open the log store " + o.log_path;
      return report;
    }
    Logger::Queues queues;
    for (std::size_t i = 0; i < kSeverityCount; ++i) queues[i] = std::span(log_storage).subspan(i * 256, 256);
    logger.emplace(queues, log_sink.get(), PersistPolicy{});
    // The log store is appended to (a spacecraft's card across boots): this
    // run's entries are numbered after those already there.
    if (const auto last = last_log_sequence(o.log_path)) {
      logger->continue_after(*last);
      std::fprintf(stderr, "dynsched: %s holds an earlier run's log: this run's entries are appended after them\n",
                   o.log_path.c_str());
    }
    log.logger = &*logger;
  }

  const std::uint64_t seed = o.seed.value_or(m.seed);
  std::vector<Task> slots(m.max_tasks);
  TaskTable table(slots);
  std::vector<std::uint64_t> tickets(m.max_tasks, 0);
  std::optional<MultilevelPolicy> multilevel;
  std::optional<RoundRobinPolicy> round_robin;
  std::optional<LotteryPolicy> lottery;
  std::optional<PriorityPolicy> priority;
  Policy* policy = nullptr;
  switch (m.policy) {
    case PolicyKind::Multilevel: policy = &multilevel.emplace(); break;
    case PolicyKind::RoundRobin: policy = &round_robin.emplace(); break;
    case PolicyKind::Lottery: policy = &lottery.emplace(table, tickets, seed); break;
    case PolicyKind::Priority: policy = &priority.emplace(); break;
  }

  KernelConfig config;
  config.clock = o.realtime ? ClockMode::Realtime : ClockMode::Virtual;
  config.tick = m.tick;
  config.time_slice = m.policy == PolicyKind::Multilevel ? 0 : m.time_slice;
  Kernel kernel(table, *policy, config, &log);

  std::vector<host::TaskStack> stacks;
  stacks.reserve(m.tasks.size() + 1);
  std::vector<std::unique_ptr<Workload>> workloads(m.tasks.size());
  std::map<std::string, TaskId> ids;
  host::HostModuleMemory module_memory;
  std::vector<RegisterEntry> register_storage(m.max_tasks);
  TaskRegister task_register(register_storage, module_memory);
  TaskManager manager(kernel, task_register);
  // Seed 004's kernel tables, sized at first deploy: every module task's
  // descriptor and MPU regions, kept consistent on install/update/uninstall.
  std::vector<TaskDesc> table_tasks(m.max_tasks);
  std::vector<RegionEntry> table_regions(4 * m.max_tasks + 1);
  std::vector<IrqEntry> table_irqs(16);
  auto tables = KernelTables::create(table_tasks, table_regions, table_irqs);
  if (tables) manager.set_tables(&tables.value());
  auto uninstall_all = [&] { manager.uninstall_all(); };

  // The persistent store: 4 MiB of "flash" in 64 KiB erase blocks.
  host::FileFlash flash;
  std::vector<StoreEntry> store_index(1024);
  std::optional<ModuleStore> store;
  if (!o.store_path.empty()) {
    const FlashGeometry geometry{64 * 1024, 64, 8};
    if (auto opened = flash.open(o.store_path.c_str(), geometry); !opened) {
      report.error = "cannot open the store " + o.store_path + ": ";
      if (opened.error().code == FlashErrc::WrongSize)
        report.error += "the file is " + std::to_string(opened.error().detail) + " bytes, a store is " +
                        std::to_string(geometry.size()) + " (64 blocks of 64 KiB): not a store of this layout; "
                        "move it away to start a new one";
      else
        report.error += describe(opened.error().code);
      return report;
    }
    store.emplace(flash, store_index);
    StoreIdentity ours;
    if (!StoreIdentity::make(m.spacecraft, m.name, &ours)) {
      report.error = m.file + ": a store needs [mission] name (1..32 characters) to record whose it is";
      return report;
    }
    const StoreCheck check = check_store(*store, ours, o.store_init);
    if (!check.boots()) {
      report.error = "the store " + o.store_path + " is not used: " + describe(check.verdict);
      if (check.verdict == StoreVerdict::Foreign)
        report.error += " (it is spacecraft \"" + std::string(check.found.spacecraft()) + "\", mission \"" +
                        std::string(check.found.mission()) + "\"; this is \"" + m.spacecraft + "\", \"" + m.name +
                        "\")";
      if (check.verdict == StoreVerdict::Failed) report.error += std::string(": ") + describe(check.error.code);
      return report;
    }
    if (check.verdict == StoreVerdict::Initialised)
      report.store_note = "initialised for spacecraft \"" + m.spacecraft + "\", mission \"" + m.name + "\"";
  }
  // How each module task booted (the summary's "boot:" lines): what runs,
  // then its state — decided by its first run when a checkpoint was handed in.
  struct Booted {
    std::string how;
    std::string state;     // fixed at boot, or empty: the first run's restore outcome says it
    std::string note;
  };
  std::map<std::string, Booted> booted;
  std::map<std::string, BootRestore> boot_restore;  // written by each task's first run
  host::VectorBootScratch boot_scratch;
  std::vector<std::byte> boot_image(flash.is_open() ? flash.geometry().size() : 0);
  std::vector<std::byte> boot_checkpoint(store ? kCheckpointHeaderSize + store->max_record_data() : 0);
  // Installs a module task (at boot, or added at run time) by the core's
  // boot rule (dyn/boot.hpp): without a store the mission's file; with one,
  // the committed version, falling back to another stored one, then to the
  // mission's file, each fallback loud and journalled.
  std::map<std::string, std::vector<std::byte>> installed_images;  // per module task: the image it runs
  auto install_module_task = [&](const MissionTask& mt, const TaskSpec& spec) -> std::string {
    const std::string where = m.file + ":" + std::to_string(mt.line) + ": task \"" + mt.name + "\": ";
    std::string why;
    std::vector<std::byte> image;
    const std::string source = resolve_module(mt.module, m.file, o.module_path, &why);
    if (source.empty() || !read_file(source, &image, &why)) return where + why;
    ModuleBootRequest request;
    request.task = mt.name;
    request.spec.task = spec;
    request.spec.stack_size = mt.stack ? mt.stack : m.stack;
    request.mission_image = image;
    request.image_buffer = boot_image;
    request.checkpoint_buffer = boot_checkpoint;
    request.scratch = &boot_scratch;
    request.restore_outcome = &boot_restore[mt.name];
    auto result = boot_module_task(manager, store ? &*store : nullptr, request);
    if (!result) {
      const ModuleBootError& e = result.error();
      return where + "module " + source + ": " + describe(e.install, image);
    }
    const ModuleBootReport& b = result.value();
    RegisterEntry& e = *b.entry;
    if (e.task.valid()) ids[mt.name] = e.task;
    // The image the task runs (what a delta package applies to), as the boot read it.
    installed_images[mt.name].assign(b.image.begin(), b.image.end());
    if (!store) return {};
    const std::string version = std::string(b.booted.name()) + " v" + std::to_string(b.booted.version);
    Booted& out = booted[mt.name];
    switch (b.from) {
      case BootFrom::FirstDeploy:
        out.how = version + ": first deploy";
        out.state = "-";
        break;
      case BootFrom::Committed: out.how = version + " from the store"; break;
      case BootFrom::OtherVersion:
        out.how = version + " from the store (its committed version failed: see the log)";
        break;
      case BootFrom::MissionImage:
        out.how = version + (b.store_failed ? ": the mission's image (the store cannot be read: see the log)"
                                            : ": the mission's image (no stored version booted: see the log)");
        break;
      case BootFrom::Mission: break;
    }
    if (b.from == BootFrom::FirstDeploy || b.from == BootFrom::OtherVersion || b.from == BootFrom::MissionImage)
      out.how += b.journal_failed                      ? ", not recorded (the store failed)"
                 : b.from == BootFrom::FirstDeploy ? ", recorded in the store as committed"
                                                   : ", recorded as committed";
    if (b.from != BootFrom::FirstDeploy && !b.checkpoint)
      out.state = b.checkpoint_unreadable ? "fresh state (its checkpoint does not read back)"
                                          : "fresh state (no checkpoint stored)";
    if (b.dropped_trial)
      out.note = " (an interrupted update to " + std::string(b.trial.name()) + " v" + std::to_string(b.trial.version) +
                 " was dropped)";
    return {};
  };
  auto spec_of = [](const MissionTask& mt) {
    TaskSpec spec;
    spec.name = mt.name.c_str();
    spec.model = mt.model;
    spec.level = mt.level;
    spec.priority = mt.priority;
    spec.tickets = mt.tickets;
    spec.interval = mt.interval;
    spec.watchdog = mt.watchdog;
    spec.restarts = mt.restarts;
    spec.restart_window = mt.restart_window;
    spec.delay = mt.delay;
    spec.onetime = mt.onetime;
    spec.triggered = mt.triggered;
    return spec;
  };
  for (std::size_t i = 0; i < m.tasks.size(); ++i) {
    const MissionTask& mt = m.tasks[i];
    TaskSpec spec = spec_of(mt);
    const std::string where = m.file + ":" + std::to_string(mt.line) + ": task \"" + mt.name + "\": ";
    if (!mt.module.empty()) {
      if (std::string failed = install_module_task(mt, spec); !failed.empty()) {
        uninstall_all();
        report.error = failed;
        return report;
      }
      continue;
    }
    auto w = std::make_unique<Workload>();
    w->steps = mt.steps;
    w->loop = mt.model == RunModel::Loop;
    w->kernel = &kernel;
    stacks.emplace_back(mt.stack ? mt.stack : m.stack);
    spec.entry = run_workload;
    spec.arg = w.get();
    spec.stack = stacks.back().span();
    auto id = kernel.create(spec);
    if (!id) {
      uninstall_all();
      report.error = where + to_string(id.error().code) + " (" + std::to_string(id.error().detail) + ")";
      return report;
    }
    ids[mt.name] = id.value();
    workloads[i] = std::move(w);
  }
  for (std::size_t i = 0; i < m.tasks.size(); ++i) {
    if (!workloads[i]) continue;  // a module task
    Workload& w = *workloads[i];
    w.targets.assign(w.steps.size(), TaskId{});
    for (std::size_t s = 0; s < w.steps.size(); ++s)
      if (w.steps[s].kind == WorkStep::Kind::Notify) w.targets[s] = ids.at(w.steps[s].target);
    w.plan = plan_steps(w.steps);
  }

  // The system's own tasks (os.housekeeping, os.meta, os.update): the
  // mission's default stack, but at least 64 KiB — on the host they also run
  // the reporting (trace, terminal, stdio) in their context, which a
  // sanitizer build makes several times deeper. On failure the run does not start.
  auto start_system_task = [&](TaskSpec spec) -> std::optional<TaskId> {
    stacks.emplace_back(std::max<std::size_t>(m.stack, kSystemTaskStack));
    spec.stack = stacks.back().span();
    auto id = kernel.create(spec);
    if (!id) {
      uninstall_all();
      report.error = std::string("cannot start ") + spec.name + ": " + to_string(id.error().code);
      return std::nullopt;
    }
    return id.value();
  };

  HousekeepingStats housekeeping;
  if (m.housekeeping > 0) {
    if (!start_system_task(housekeeping_task(&housekeeping, m.housekeeping))) return report;
  }

  // Seed 003's meta-scheduler: os.meta wakes the scenario tasks (triggered
  // jobs) each period, with the power model's state.
  std::vector<Scenario> scenario_table(m.scenarios.size());
  std::vector<TaskId> scenario_tasks(m.scenarios.size());
  std::vector<Decision> decisions(m.scenarios.size());
  std::optional<MetaScheduler> meta;
  std::optional<MetaTask> meta_task;
  std::optional<MetaReport> meta_report;
  ModelPower power_source(log);
  if (!m.scenarios.empty()) {
    for (std::size_t i = 0; i < m.scenarios.size(); ++i) {
      scenario_table[i] = Scenario::make(m.scenarios[i].config).value();  // validated with the mission
      scenario_tasks[i] = ids.at(m.scenarios[i].task);
    }
    auto created = MetaScheduler::create(scenario_table, m.meta.period, m.meta.epoch);
    if (!created) {
      uninstall_all();
      report.error = "cannot start the meta-scheduler: period or epoch out of range";
      return report;
    }
    meta.emplace(std::move(created.value()));
    meta_report.emplace(m, kernel, trace.get(), plot ? &*plot : nullptr);
    meta_task.emplace(
        MetaTask::create(kernel, *meta, scenario_tasks, decisions, &power_source, &*meta_report).value());
    TaskSpec spec;
    spec.name = "os.meta";
    spec.entry = MetaTask::job;
    spec.arg = &*meta_task;
    spec.model = RunModel::Job;
    spec.level = 1;  // a short pass that decides what runs: it goes first
    spec.priority = kPriorityCount - 1;
    spec.tickets = 100;
    spec.interval = m.meta.period;
    if (!start_system_task(spec)) return report;
  }

  std::optional<UpdateManager> updates;
  if (!m.updates.empty() || (store && m.checkpoint_every > 0)) {
    updates.emplace(manager);
    if (store) {
      updates->set_store(&*store);
      updates->set_checkpoint_period(m.checkpoint_every);
    }
    TaskSpec spec;
    spec.name = "os.update";
    spec.entry = UpdateManager::worker_entry;
    spec.arg = &*updates;
    spec.model = RunModel::Loop;
    // Update work is not urgent: below the tasks whose schedule matters.
    spec.level = kLevelCount;
    spec.priority = 1;
    spec.tickets = 10;
    const std::optional<TaskId> id = start_system_task(spec);
    if (!id) return report;
    updates->set_worker(*id, 10 * m.tick);
  }

  if (power) {  // each task's draw while it runs, by table slot
    log.watts_by_slot.assign(table.capacity(), 0.0);
    log.drawing.assign(table.capacity(), false);
    for (const MissionTask& mt : m.tasks)
      if (Task* t = table.find_by_name(mt.name.c_str())) log.watts_by_slot[t->id.slot()] = mt.power_w;
  }
  if (logger) {  // the log names its sources, so it reads on its own
    for (std::size_t i = 0; i < table.capacity(); ++i) {
      const Task& t = table.at(i);
      if (t.state == TaskState::Free) continue;
      const std::string line = std::string(kSourceNamePrefix) + std::to_string(t.id.slot()) + " = " + t.name;
      (void)logger->log(kSystemLogSource, Severity::Info, kernel.now(), line.c_str());
    }
  }
  const Time duration = o.duration.value_or(m.duration);
  const auto t0 = std::chrono::steady_clock::now();
  auto running_module = [&](const std::string& task) -> std::string {
    const Task* t = kernel.table().find_by_name(task.c_str());
    const auto* e = t ? static_cast<const RegisterEntry*>(t->owner) : nullptr;
    return e && e->has_module && e->module.descriptor ? e->module.descriptor->name : "?";
  };
  // A request refused at once never reaches the kernel: the plot is told here.
  // Every refusal is logged (and so traced), a package's as any other.
  auto add_update_row = [&](UpdateRow&& row) {
    if (row.result.starts_with("refused")) {
      const std::string line = "update " + row.task + ": " + row.result;
      kernel.log_system(2, line.c_str());
      if (plot) plot->update_refused(row.task, row.at, row.result);
    }
    report.updates.push_back(std::move(row));
  };
  // An authentic, fresh package spent its number whatever the update did with it.
  auto used_sequence = [](const std::string& package, std::uint64_t sequence) {
    return "package " + package + " used sequence " + std::to_string(sequence) + ": send the fix with a higher number";
  };
  // Update packages: authenticated with the [security] key, fresh against
  // the accepted sequence number, checked (core/src/update/package.cpp);
  // on acceptance *image becomes the module image the package carries.
  std::optional<std::uint64_t> accepted_sequence;  // this run's; the store's when it has one
  // An update package, taken to an update request by the core's flight
  // decision (request_package_update: accept, record the counter, request).
  // On success *image becomes the module image the package carries.
  auto take_package = [&](const MissionUpdate& u, UpdateRequest req, std::vector<std::byte>* image, std::string* why,
                          std::optional<UpdateError>* update_refused) -> bool {
    host::KeyFile key;
    const std::string& key_path = m.security->hmac_key.empty() ? m.security->ground_key : m.security->hmac_key;
    if (!host::read_key_file(key_path, &key, why)) return false;
    HmacPackageVerifier hmac(key.key);
    host::Ed25519PackageVerifier ed(key.key);
    // The mode is the mission's, not the key file's: ground_key must hold an
    // Ed25519 public key, hmac_key an HMAC key.
    const bool use_hmac = !m.security->hmac_key.empty();
    if (use_hmac && key.kind != host::KeyKind::HmacSha256) {
      *why = key_path + " is not an HMAC key (make one with `dynsched keygen NAME --hmac`)";
      return false;
    }
    if (!use_hmac && key.kind != host::KeyKind::Ed25519Public) {
      *why = key_path + " is not the ground's public key: the spacecraft holds its .pub, never its .key or an HMAC key";
      return false;
    }
    const PackageVerifier& verifier = use_hmac ? static_cast<const PackageVerifier&>(hmac) : ed;
    PackageTarget target;
    target.arch = PackageArch::X86_64;
    target.has_identity = true;  // the mission's spacecraft and name: what its store records
    target.identity = spacecraft_binding(m.spacecraft, m.name);
    const std::string running = running_module(u.task);
    target.running_module = running;
    target.sequence.known = accepted_sequence.has_value();  // without a store: this run's
    target.sequence.accepted = accepted_sequence.value_or(0);
    target.window = m.security->sequence_window;
    if (store) {
      const StoreStats st = store->stats();
      target.store_free = static_cast<std::uint64_t>(st.free_blocks) * 64 * 1024;  // the host store: 64 KiB blocks
    }
    if (auto it = installed_images.find(u.task); it != installed_images.end()) target.base_image = it->second;
    std::vector<std::byte> rebuilt(kHostRebuildMax);  // a delta's result: at most 4 MiB on the host
    target.result_buffer = rebuilt;
    host::VectorBootScratch scratch;
    auto requested = request_package_update(*updates, store ? &*store : nullptr, *image, verifier, target, req, scratch);
    if (!requested) {
      const PackageUpdateError& pe = requested.error();
      if (pe.stage == PackageUpdateError::Stage::Update) {
        // Authentic and fresh: its number is used, with a store or without.
        accepted_sequence = pe.sequence;
        *update_refused = pe.update;
        *why = used_sequence(u.package, pe.sequence);
        return false;
      }
      if (pe.stage == PackageUpdateError::Stage::Counter) {
        *why = "its sequence number could not be recorded in the store (" + std::string(describe(pe.store.code)) +
               "): not installed, so it can be sent again";
        return false;
      }
      const PackageError& e = pe.package;
      *why = describe(e.code) + refusal_detail(e);
      if (e.code == PackageErrc::WrongModule) {
        auto view = open_package(*image, verifier);  // authentic: WrongModule comes after the tag
        *why += view ? " (the package is for " + std::string(view.value().manifest.applies_to()) + ", the task runs " +
                           running + ")"
                     : " (the task runs " + running + ")";
      }
      return false;
    }
    accepted_sequence = requested.value().manifest.sequence;
    const std::vector<std::byte> module(requested.value().image.begin(), requested.value().image.end());
    *image = module;
    return true;
  };
  auto is_library = [&](const std::string& name) {
    const RegisterEntry* e = task_register.find(name);
    return e && e->has_module && e->module.descriptor && !e->module.descriptor->entry;
  };
  auto run_update = [&](const MissionUpdate& u) {
    kernel.run_until(u.at);
    UpdateRow row{u.at, u.task, u.module, {}, {}};
    if (u.action == MissionUpdate::Action::Add) {
      const std::string failed = install_module_task(u.added, spec_of(u.added));
      row.result = failed.empty() ? "added" : "refused: " + failed;
      add_update_row(std::move(row));
      return;
    }
    if (u.action == MissionUpdate::Action::Remove) {
      row.module = "(removal)";
      auto requested = updates->request_removal(u.task.c_str(), u.quiesce_timeout);
      if (!requested) {
        row.result = requested.error().code == UpdateErrc::HasImporters
                         ? "refused: " + std::to_string(requested.error().detail) + " module(s) import from it"
                         : "refused: no such module task, or an update in flight";
        add_update_row(std::move(row));
        return;
      }
    }
    std::string why;
    const bool from_package = !u.package.empty();
    const std::string path = u.action == MissionUpdate::Action::Remove ? std::string()
                             : from_package ? u.package
                                            : resolve_module(u.module, m.file, o.module_path, &why);
    std::vector<std::byte> image;
    UpdateRequest req;
    req.task = u.task.c_str();
    req.quiesce_timeout = u.quiesce_timeout;
    req.probation_points = u.probation_points;
    req.probation_time = u.probation;
    req.rename = u.rename;
    std::optional<UpdateError> update_refused;
    if (u.action == MissionUpdate::Action::Remove) {
      // requested above
    } else if (path.empty() || !read_file(path, &image, &why)) {
      row.result = "refused: " + why;
    } else if (from_package && !take_package(u, req, &image, &why, &update_refused) && !update_refused) {
      row.result = "refused: package " + u.package + ": " + why;
    } else {
      if (!from_package) {
        req.image = image;
        host::VectorBootScratch scratch;
        if (auto requested = updates->request(req, scratch.for_image(image)); !requested) update_refused = requested.error();
      }
      if (update_refused) {
        const UpdateError& e = *update_refused;
        row.result = e.code == UpdateErrc::Stage ? "refused: " + describe(e.install, image)
                     : e.code == UpdateErrc::Busy ? "refused: another update is in flight"
                     : e.code == UpdateErrc::ExportGone
                         ? "refused: the new version no longer exports " + std::string(e.symbol ? e.symbol : "?") +
                               ", which " + (e.importer ? e.importer : "an importer") + " uses"
                     : e.code == UpdateErrc::ImporterNotRelinkable
                         ? "refused: importer " + std::string(e.importer ? e.importer : "?") +
                               " cannot be relinked (a loop task, or a Cortex-M object)"
                     : e.code == UpdateErrc::Store
                         ? "refused: the store could not record the new version: " +
                               std::string(describe(static_cast<StoreErrc>(e.detail)))
                     : e.code == UpdateErrc::OtherModule
                         ? "refused: the new version's descriptor names module \"" +
                               std::string(e.module ? e.module : "?") + "\", but the task runs \"" +
                               running_module(u.task) + "\" (a checkpoint is bound to its module: fix the name in DYN_MODULE, or " +
                               (from_package ? "for a real rename pack it with --renames " + running_module(u.task)
                                             : std::string("say rename = true in the [[update]] if the module really is renamed")) +
                               ")"
                     : e.code == UpdateErrc::NoEntry
                         ? "refused: the new version is a library (DYN_MODULE with entry NULL): it cannot run the "
                           "task; give it an entry"
                     : e.code == UpdateErrc::BadProbation
                         ? "refused: probation_points must be at least 1 (a version must prove itself once)"
                     : e.code == UpdateErrc::NoSuchTask && is_library(u.task)
                         ? "refused: " + u.task + " is a library module (DYN_MODULE with entry NULL), which runs no "
                           "task, and a live update runs in the task that runs the module: give it an entry (a "
                           "self-test job, as modules/mathlib does) to make it updatable"
                         : "refused: no such module task";
        if (from_package) row.result += "; " + why;  // the number it used
      }
    }
    add_update_row(std::move(row));
    if (report.updates.back().result.empty()) {
      // Let the update run its course before the next command (or the end).
      const std::size_t before = updates->completed();
      while (updates->completed() == before && kernel.now() < duration)
        kernel.run_until(std::min(duration, kernel.now() + kSecond));
      if (updates->completed() != before) {
        report.updates.back().record = updates->last();
        report.updates.back().result = updates->describe_outcome().c_str();
        if (updates->last().outcome == UpdateOutcome::Committed) installed_images[u.task] = image;
        else if (from_package && accepted_sequence)  // the number went with the package, not with the outcome
          report.updates.back().result += "; " + used_sequence(u.package, *accepted_sequence);
      }
    }
  };
  // Ground commands change a scenario's settings at their time; the next
  // meta-scheduler pass applies them.
  auto run_command = [&](const MissionCommand& c) {
    kernel.run_until(c.at);
    const std::string& task = m.scenarios[c.scenario].task;
    auto applied = meta->ground_command(c.scenario, c.config);
    CommandRow row{c.at, task, {}};
    if (applied) {
      meta_report->settings_changed(c.scenario, c.config);
      row.result = "applied: " + describe_settings(c.config);
    } else {
      row.result = std::string("refused: ") + describe(applied.error().code);
    }
    const std::string line = "ground command for scenario " + task + ": " + row.result;
    kernel.log_system(1, line.c_str());
    report.commands.push_back(std::move(row));
  };
  // Updates the run ends before are said so, never silently dropped; so is
  // a probation the task's interval cannot pass.
  for (const MissionUpdate& u : m.updates) {
    if (const long long reachable = reachable_probation_points(u); reachable >= 0 && reachable < u.probation_points)
      std::fprintf(stderr,
                   "dynsched: warning: %s:%d: [[update]] of %s: %s of probation allows at most %lld of its %u "
                   "consistent points (the task runs every %s): it will roll back; give probation at least %s, "
                   "or fewer probation_points\n",
                   m.file.c_str(), u.line, u.task.c_str(), format_duration(u.probation).c_str(), reachable,
                   u.probation_points, format_duration(u.task_interval).c_str(),
                   format_duration(static_cast<Time>(u.probation_points + 1) * u.task_interval).c_str());
    if (u.at >= duration)
      std::fprintf(stderr, "dynsched: warning: %s:%d: [[update]] of %s at %s is at or after the end of the run (%s): not done\n",
                   m.file.c_str(), u.line, u.task.c_str(), format_clock(u.at).c_str(), format_clock(duration).c_str());
  }
  // Both lists are in time order: merge them, commands first at equal times.
  for (std::size_t ui = 0, ci = 0; ui < m.updates.size() || ci < m.commands.size();) {
    const bool command = ci < m.commands.size() && (ui == m.updates.size() || m.commands[ci].at <= m.updates[ui].at);
    const Time at = command ? m.commands[ci].at : m.updates[ui].at;
    if (at >= duration) break;
    if (command) {
      run_command(m.commands[ci++]);
    } else {
      run_update(m.updates[ui++]);
    }
  }
  kernel.run_until(duration);
  if (updates && updates->busy()) {  // the run ends mid-update, as a power cut would
    updates->abandon();
    report.updates.back().record = updates->last();
    report.updates.back().result = std::string(to_string(UpdateOutcome::Abandoned)) +
                                   " (the store keeps it unresolved until the next boot)";
  }
  for (const MissionUpdate& u : m.updates)
    if (u.at >= duration) report.updates.push_back(UpdateRow{u.at, u.task, u.module, "not done: the run ended first", {}});
  report.real_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  report.mission_time = kernel.now();
  if (power) {
    log.advance_power(kernel.now());
    report.power = true;
    report.charge_min = power->min_charge();
    report.charge_max = power->max_charge();
    report.charge_end = power->charge();
  }
  if (logger) {  // the end of the run: what is still queued is written (min_interval honoured by stepping past it)
    Time at = kernel.now();
    for (int i = 0; i < 1000; ++i) {
      at += PersistPolicy{}.min_interval;
      const FlushReport f = logger->flush(at, log.power_state());
      if (f.status != FlushStatus::Written) break;
    }
  }
  if (meta_report) {
    report.scenarios = meta_report->rows;
    report.meta_passes = meta_task->stats().passes;
    report.meta_period = m.meta.period;
    for (std::size_t i = 0; i < report.scenarios.size(); ++i)
      if (const Task* t = table.find(scenario_tasks[i])) {
        report.scenarios[i].runs = t->stats.runs;
      } else {
        report.scenarios[i].task_gone = true;
      }
  }
  report.dispatches = kernel.dispatches();
  report.idle = kernel.idle_time();
  if (trace) {
    trace->close();
    report.written.push_back({"trace", o.trace_path, "Chrome trace: open it in https://ui.perfetto.dev or chrome://tracing"});
  }
  if (plot) {
    if (plot->write(o.plot_path, report.mission + " (" + report.policy + ")", m.power ? &*m.power : nullptr))
      report.written.push_back({"plot", o.plot_path, "SVG: battery charge, task timeline, live updates"});
    else
      report.error = "cannot write the plot " + o.plot_path;
  }
  if (log_sink) report.written.push_back({"log store", o.log_path, "read it with: dynsched log " + o.log_path});
  if (store)
    report.written.push_back({"spacecraft store", o.store_path,
                              "committed versions and checkpoints: the next run with --store " + o.store_path +
                                  " boots from it"});

  for (std::size_t i = 0; i < table.capacity(); ++i) {
    const Task& t = table.at(i);
    if (t.state == TaskState::Free) continue;
    TaskRow row;
    row.name = t.name;
    row.placement = placement(m, t);
    row.interval = t.interval;
    row.watchdog = t.watchdog;
    row.stack_size = t.stack.size();
    row.stats = t.stats;
    row.stats.stack_used = stack_high_water(t);
    row.state = t.state;
    row.exit = t.exit_reason;
    if (t.fault.kind != FaultKind::None) {
      row.fault = describe_fault(t.fault);
      row.fault_at = t.fault.at;
    }
    if (i < workloads.size() && workloads[i]) row.notifications = workloads[i]->notifications_received;
    for (const MissionTask& mt : m.tasks)
      if (mt.name == row.name) {
        row.expect_watchdog = mt.expect_watchdog;
        row.note = mt.note;
      }
    if (t.owner) {
      const auto& e = *static_cast<const RegisterEntry*>(t.owner);
      row.module = std::string(e.module.descriptor->name) + " v" + std::to_string(e.module.descriptor->version);
      if (auto b = booted.find(row.name); b != booted.end()) {
        const Booted& how = b->second;
        std::string state = how.state;
        if (state.empty()) state = to_string(boot_restore[row.name]);  // its first run's outcome
        row.booted = how.how + (state == "-" ? std::string() : ", " + state) + how.note;
      }
    }
    report.rows.push_back(std::move(row));
  }
  uninstall_all();
  return report;
}

std::string resolve_module(const std::string& module, const std::string& mission_file,
                           const std::vector<std::string>& search, std::string* why) {
  namespace fs = std::filesystem;
  std::vector<fs::path> tried;
  if (module.size() > 2 && module.ends_with(".o")) {
    fs::path p = fs::path(module);
    if (p.is_relative()) p = fs::path(mission_file).parent_path() / p;
    tried.push_back(p);
  } else {
    for (const std::string& dir : search) {
      tried.push_back(fs::path(dir) / module / (module + ".o"));
      tried.push_back(fs::path(dir) / (module + ".o"));
    }
    // Versions of a module usually sit in its folder: DIR/*/NAME.o.
    for (const std::string& dir : search) {
      std::error_code ec;
      for (const auto& sub : fs::directory_iterator(dir, ec))
        if (sub.is_directory(ec) && sub.path().filename() != module) tried.push_back(sub.path() / (module + ".o"));
    }
  }
  for (const fs::path& p : tried) {
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) return p.string();
  }
  *why = "module \"" + module + "\" not found; looked for";
  for (std::size_t i = 0; i < tried.size() && i < 6; ++i) *why += " " + tried[i].string();
  if (tried.size() > 6) *why += " and " + std::to_string(tried.size() - 6) + " more";
  if (tried.empty()) *why += " nothing (no module search path: use --module-path DIR)";
  return {};
}

namespace {

// What the task table's columns mean; the `where` line names only the
// placements the table shows.
std::string column_legend(const RunReport& r) {
  bool onetime = false, scenario = false;
  for (const TaskRow& t : r.rows) {
    onetime = onetime || t.placement == "onetime";
    scenario = scenario || t.placement.ends_with(" scen");
  }
  std::string where = r.policy == "multilevel" ? "L<n> = level n of 6 (L1 runs first)"
                      : r.policy == "lottery"  ? "T<n> = n lottery tickets (more tickets, more draws won)"
                      : r.policy == "priority" ? "P<n> = priority n (31 runs first)"
                                               : "P<n> = priority n (kept; round robin takes tasks in turn)";
  if (onetime) where += std::string("; onetime = runs once") + (r.policy == "multilevel" ? ", after level 6" : "");
  if (scenario) where += "; scen = woken by the meta-scheduler (its [[scenario]])";
  std::string o = "\ncolumns:\n";
  auto line = [&](const char* column, const std::string& meaning) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "  %-19s ", column);
    o += buf + meaning + "\n";
  };
  line("task", "the task (os.*: the system's own)");
  line("module", "the module and version it runs; - for a built-in workload");
  line("where", "its place in the " + r.policy + " policy: " + where);
  line("interval", "least time between two starts of a job; - for a loop or onetime task");
  line("watchdog", "CPU time one run may use before the kernel stops it; - for none");
  line("runs", "activations (job runs; 1 for a loop task)");
  line("switches", "dispatches onto the CPU");
  line("kills", "runs stopped by the watchdog");
  line("preempt", "times a more urgent task took the CPU from it");
  line("cpu, cpu%", "CPU time used, and its share of the mission time");
  line("late max, late avg", "how long an activation waited past its due time: the longest, the mean");
  line("stack", "stack used (high-water mark) / stack size");
  line("state", "at the end of the run");
  return o;
}

}  // namespace

std::string format_written(const RunReport& r) {
  if (r.written.empty()) return {};
  std::string o = "\nfiles written:\n";
  for (const WrittenFile& w : r.written) o += "  " + w.what + ": " + w.path + " (" + w.how + ")\n";
  return o;
}

std::string format_summary(const RunReport& r) {
  std::ostringstream o;
  char line[768];
  const double speed = r.real_seconds > 0 ? static_cast<double>(r.mission_time) / 1e6 / r.real_seconds : 0;
  std::snprintf(line, sizeof line,
                "mission \"%s\": policy %s, %s of mission time in %.2f s real (%s clock, %.0fx)\n\n",
                r.mission.c_str(), r.policy.c_str(), format_duration(r.mission_time).c_str(), r.real_seconds,
                r.realtime ? "real-time" : "virtual", speed);
  o << line;
  std::snprintf(line, sizeof line, "%-22s %-14s %-7s %9s %9s %8s %9s %6s %8s %11s %7s %10s %10s %8s  %s\n",
                "task", "module", "where", "interval", "watchdog", "runs", "switches", "kills", "preempt", "cpu", "cpu%", "late max",
                "late avg", "stack", "state");
  o << line;
  for (const TaskRow& t : r.rows) {
    const double cpu_pct =
        r.mission_time > 0 ? 100.0 * static_cast<double>(t.stats.cpu_total) / static_cast<double>(r.mission_time) : 0;
    const Time late_avg = t.stats.runs ? t.stats.lateness_sum / static_cast<Time>(t.stats.runs) : 0;
    std::string state = to_string(t.state);
    if (t.state == TaskState::Dead) state += std::string(" (") + to_string(t.exit) + ")";
    char stack[64];
    std::snprintf(stack, sizeof stack, "%zuK/%zuK", (t.stats.stack_used + 1023) / 1024, t.stack_size / 1024);
    std::snprintf(line, sizeof line,
                  "%-22s %-14s %-7s %9s %9s %8" PRIu64 " %9" PRIu64 " %6" PRIu64 " %8" PRIu64
                  " %11s %6.2f%% %10s %10s %8s  %s\n",
                  t.name.c_str(), t.module.empty() ? "-" : t.module.c_str(), t.placement.c_str(), t.interval ? format_duration(t.interval).c_str() : "-",
                  t.watchdog ? format_duration(t.watchdog).c_str() : "-", t.stats.runs, t.stats.dispatches,
                  t.stats.watchdog_kills,
                  t.stats.preemptions, format_amount(t.stats.cpu_total).c_str(), cpu_pct,
                  format_duration(t.stats.lateness_max).c_str(), format_duration(late_avg).c_str(), stack,
                  state.c_str());
    o << line;
  }
  o << column_legend(r);
  bool any_note = false;
  for (const TaskRow& t : r.rows) any_note = any_note || t.expect_watchdog || !t.note.empty();
  if (any_note) o << "\nnotes from the mission file:\n";
  for (const TaskRow& t : r.rows) {
    if (t.expect_watchdog && t.stats.watchdog_kills > 0)
      o << "  " << t.name << ": stopped by its watchdog " << t.stats.watchdog_kills
        << (t.stats.watchdog_kills == 1 ? " time" : " times") << ", as intended (expect = \"watchdog\"): " << t.note
        << "\n";
    else if (t.expect_watchdog)
      o << "  " << t.name << ": expected to be stopped by its watchdog (expect = \"watchdog\"), but never was: "
        << t.note << "\n";
    else if (!t.note.empty())
      o << "  " << t.name << ": " << t.note << "\n";
  }
  const double idle_pct = r.mission_time > 0 ? 100.0 * static_cast<double>(r.idle) / static_cast<double>(r.mission_time) : 0;
  std::snprintf(line, sizeof line, "\ndispatches %" PRIu64 ", CPU idle %.2f%%\n", r.dispatches, idle_pct);
  o << line;
  if (r.power) {
    std::snprintf(line, sizeof line, "battery: charge %.1f%% at the end, between %.1f%% and %.1f%%\n",
                  r.charge_end * 100, r.charge_min * 100, r.charge_max * 100);
    o << line;
  }
  if (!r.scenarios.empty()) {
    std::snprintf(line, sizeof line,
                  "\nscenarios (meta-scheduler every %s, %" PRIu64
                  " passes; held = passes that kept it from running, by power reason):\n",
                  format_duration(r.meta_period).c_str(), r.meta_passes);
    o << line;
    std::snprintf(line, sizeof line, "  %-18s %7s %6s %6s %6s  %8s %8s %6s %7s %5s  %s\n", "task", "runs", "wakes",
                  "renew", "stops", "held:bat", "source", "mutex", "budget", "off", "settings");
    o << line;
    std::uint64_t held_total = 0;
    for (const ScenarioRow& s : r.scenarios) {
      const std::string runs = s.task_gone ? "removed" : std::to_string(s.runs);
      std::snprintf(line, sizeof line,
                    "  %-18s %7s %6" PRIu64 " %6" PRIu64 " %6" PRIu64 "  %8" PRIu64 " %8" PRIu64 " %6" PRIu64
                    " %7" PRIu64 " %5" PRIu64 "  %s\n",
                    s.task.c_str(), runs.c_str(), s.wakes, s.renewals, s.stops, s.held[0], s.held[1], s.held[2], s.held[3],
                    s.off, (s.settings + (s.refused ? "; " + std::to_string(s.refused) +
                                                           " wake(s)/stop(s) refused: task gone" : "")).c_str());
      o << line;
      held_total += s.held[0] + s.held[1] + s.held[2] + s.held[3];
    }
    std::snprintf(line, sizeof line, "  power-driven decisions: %" PRIu64 " holds\n", held_total);
    o << line;
  }
  if (!r.commands.empty()) o << "\nground commands:\n";
  for (const CommandRow& c : r.commands) o << "  [" << format_clock(c.at) << "] " << c.scenario << ": " << c.result << "\n";
  bool any_booted = false;
  for (const TaskRow& t : r.rows) any_booted = any_booted || !t.booted.empty();
  if (any_booted || !r.store_note.empty()) o << "\nboot:\n";
  if (!r.store_note.empty()) o << "  store: " << r.store_note << "\n";
  for (const TaskRow& t : r.rows)
    if (!t.booted.empty()) o << "  " << t.name << ": " << t.booted << "\n";
  bool any_fault = false;
  for (const TaskRow& t : r.rows) any_fault = any_fault || !t.fault.empty();
  if (any_fault) o << "\nfaults (each task stopped alone; the last fault of each):\n";
  for (const TaskRow& t : r.rows)
    if (!t.fault.empty()) o << "  [" << format_clock(t.fault_at) << "] " << t.name << ": " << t.fault << "\n";
  if (!r.updates.empty()) o << "\nlive updates:\n";
  for (const UpdateRow& u : r.updates) {
    o << "  [" << format_clock(u.at) << "] " << u.task << " <- " << u.module << ": " << u.result;
    const bool swapped = u.record.outcome == UpdateOutcome::Committed ||
                         u.record.outcome == UpdateOutcome::WatchdogInProbation ||
                         u.record.outcome == UpdateOutcome::FaultInProbation ||
                         u.record.outcome == UpdateOutcome::ProbationTimeout;
    if (swapped) {
      std::snprintf(line, sizeof line, " (v%u -> v%u; consistent point after %s, checkpoint %zu B, task unavailable %.1f us real)",
                    u.record.from_version, u.record.to_version,
                    format_duration(u.record.quiescent_at - u.record.requested_at).c_str(), u.record.checkpoint_bytes,
                    static_cast<double>(u.record.unavailable_real_ns) / 1000.0);
      o << line;
    }
    o << "\n";
  }
  return o.str();
}

}  // namespace dyn::cli
