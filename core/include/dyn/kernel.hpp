// kernel.hpp — the kernel: task lifecycle, dispatching, time, timers, watchdog.
//
// The dispatcher runs in the kernel's own context (the stack that called
// run_until). It asks the policy for a task, switches to it, and takes back
// control when the task finishes a job, exits, is stopped by its watchdog or
// a fault, or the run ends. A task that yields, sleeps, waits, suspends
// itself or is preempted switches straight to the next task instead when
// the dispatcher would do nothing but pick it (Kernel::switch_straight):
// the same decisions, accounting and events, one context switch instead of
// two. Everything the dispatcher does is
// deterministic in virtual-time mode: time only advances when a task consumes
// CPU (consume(), or ticks charged by the port while task code runs) or when
// the system is idle until the next due event.
//
// One kernel runs per system; tasks reach it through Kernel::current().
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>

#include "dyn/fault.hpp"
#include "dyn/policy.hpp"
#include "dyn/result.hpp"
#include "dyn/task.hpp"
#include "dyn/task_table.hpp"
#include "dyn/time.hpp"

namespace dyn {

enum class ClockMode : std::uint8_t { Virtual, Realtime };

// The queue of events that arise while a task runs (see EventSink), inside
// the Kernel object: kPendingEvents * (sizeof(KernelEvent) + kPendingEventText)
// bytes of RAM — 19 KiB with the host's defaults. A build sets both with
// CMake's DYN_PENDING_EVENTS and DYN_PENDING_EVENT_TEXT (the mps2-an385
// preset: 16 events, 96 bytes of text, 2.3 KiB); a longer log line reaches
// the sink cut to kPendingEventText - 1 bytes.
#ifndef DYN_PENDING_EVENTS
#define DYN_PENDING_EVENTS 64
#endif
#ifndef DYN_PENDING_EVENT_TEXT
#define DYN_PENDING_EVENT_TEXT 256
#endif
inline constexpr std::size_t kPendingEvents = DYN_PENDING_EVENTS;       // events queued while a task runs
inline constexpr std::size_t kPendingEventText = DYN_PENDING_EVENT_TEXT;  // bytes of a log line kept with its event
static_assert(kPendingEvents >= 2, "the queue is drained when half full");
static_assert(kPendingEventText >= 2, "room for one byte and the terminator");

enum class EventKind : std::uint8_t {
  TaskCreated,   // task
  RunSegment,    // task ran from start to end (one dispatch)
  Watchdog,      // task stopped at `end`, after `value` us of CPU in its run
  TaskExited,    // task is dead; value = ExitReason
  Notified,      // task received `value`
  Log,           // task (may be null) logged `text` with severity `value`
  Fault,         // task was stopped for a fault; value = FaultKind, the record is task->fault
  Update,        // a step of a live update (or removal) of task's module (task null if it is gone):
                 // value = severity, step = the step's code (UpdateStep), text = the system's message
};

struct KernelEvent {
  EventKind kind;
  const Task* task;
  Time start;
  Time end;
  std::uint64_t value;
  bool activation_start;  // RunSegment: first segment of a run
  bool activation_end;    // RunSegment: last segment of a run (completed or killed)
  const char* text = nullptr;  // Log, Update: the message (valid during the callback only)
  std::uint8_t step = 0;       // Update: which step (dyn::UpdateStep in update_manager.hpp)
};

// Receives what happens, for traces, logs and summaries. Implemented outside
// the core (the host writes Chrome trace JSON). Always called in the kernel's
// own context, on its stack: events that arise while a task runs (its log
// lines, a yield straight to the next task) are queued in the kernel and
// delivered, in order, at the dispatcher's next step — so a sink's code
// (formatting, files) never runs on a task's small stack or where a tick
// could preempt it half-way.
class EventSink {
 public:
  virtual void on_event(const KernelEvent& e) noexcept = 0;

 protected:
  ~EventSink() = default;
};

// Told when a task with update_pending reaches a consistent point; runs in
// the task's own context (outside the kernel), so module code it calls (the
// checkpoint and restore hooks) runs under the task's watchdog.
class UpdateAgent {
 public:
  virtual void at_consistent_point(Task& t) noexcept = 0;
  // In the kernel's context, right after `t` was stopped by its watchdog or
  // for a fault (its context already reset). True if the agent bound it back
  // to a previous version (new code failed in the middle of an update step):
  // the task then goes on as after a stopped run. False: the usual handling.
  virtual bool take_back(Task& t) noexcept = 0;

 protected:
  ~UpdateAgent() = default;
};

// Decides whose fault it is when a task's context faults outside the
// kernel: the task's (its module's code, or a kernel export it called with a
// bad pointer: the task is stopped, the record completed with the module's
// name, version and the offset in its code) or the kernel's (false: the port
// ends the process loudly). The task manager implements it.
class FaultOwner {
 public:
  virtual bool attribute(const Task& t, FaultRecord& record) noexcept = 0;

 protected:
  ~FaultOwner() = default;
};

struct KernelConfig {
  ClockMode clock = ClockMode::Virtual;
  Time tick = kMillisecond;          // kernel tick: preemption and watchdog granularity
  Time time_slice = kMillisecond;    // round robin / lottery / priority; 0 = cooperative
  Time real_tick_period = 250;       // virtual mode: real time per charged tick of runaway code (port)
  bool preemption_ticks = true;      // start the port tick source while running
  // Virtual time: the least mission time one dispatch costs (at least 1 us),
  // so a task that only yields still moves the clock and its watchdog.
  Time dispatch_cost = kMicrosecond;
  std::size_t min_stack = 4096;
  // A module's call into the kernel API is refused as a stack overflow (a
  // fault of the task) when less than this much of its stack is left (or
  // half its stack, if smaller): the kernel's frames then never run into the
  // guard page, where a fault would be the kernel's.
#if defined(__SANITIZE_ADDRESS__)
  // Under AddressSanitizer the kernel's fault path and a tick's signal frame
  // on top of it took more than 6 KiB now and then (a stack-overflow report
  // inside the tick handler, from a module recursing into its guard).
  std::size_t api_stack_reserve = 16 * 1024;
#else
  std::size_t api_stack_reserve = 6 * 1024;
#endif
};

class Kernel {
 public:
  Kernel(TaskTable& table, Policy& policy, const KernelConfig& config,
         EventSink* sink = nullptr) noexcept;
  Kernel(const Kernel&) = delete;
  Kernel& operator=(const Kernel&) = delete;

  // --- called by the system (mission runner, update manager, tests) -------
  Result<TaskId, TaskError> create(const TaskSpec& spec) noexcept;
  // Stops the task (if not running) and frees its slot. The caller then owns
  // its stack again.
  Result<void, TaskError> remove(TaskId id) noexcept;
  // Stops a task that is not running (a fault found outside it, e.g. its
  // stack canary); it becomes Dead with `why`.
  Result<void, TaskError> kill(TaskId id, ExitReason why) noexcept;
  Result<void, TaskError> suspend(TaskId id) noexcept;
  Result<void, TaskError> resume(TaskId id) noexcept;
  // Frees the slots of dead tasks; returns how many.
  std::size_t reap_dead() noexcept;
  // Sends a notification from outside any task (ground command, interrupt).
  // A triggered job only receives the value (it reads it at its next run):
  // only the meta-scheduler's wake() releases one, so no other task can run
  // a scenario outside its window or power conditions.
  Result<void, TaskError> notify(TaskId to, Notification value) noexcept;
  // The meta-scheduler's wake of a triggered job (seed 003), delivered as its
  // notification: one awaiting its trigger is released now; the repeats byte
  // sets its recurrence from here on (repeat_period; zero = this run only),
  // and its repeats start only before `lease_end` — the meta-scheduler's next
  // run, which renews or stops them, so whichever of the two the policy
  // dispatches first at that instant, the outcome is the same. A renewal
  // keeps the cadence: one still recurring keeps its next release; one whose
  // next repeat lapsed at the lease end is released an interval after its
  // last start, if the new lease covers it. BadState if not triggered.
  Result<void, TaskError> wake(TaskId to, Notification value, Time lease_end) noexcept;
  // A triggered job stops recurring: a release not yet started is withdrawn
  // and it waits for the next wake; a run in progress finishes.
  Result<void, TaskError> stop_repeats(TaskId id) noexcept;

  // Runs the dispatcher until mission time reaches `end` (absolute).
  void run_until(Time end) noexcept;
  void run_for(Time duration) noexcept { run_until(time_add(now(), duration)); }

  // Always inline: the dispatcher reads it several times per switch.
  [[gnu::always_inline]] Time now() const noexcept { return config_.clock == ClockMode::Virtual ? virtual_now_ : real_now(); }
  TaskTable& table() noexcept { return table_; }
  Policy& policy() noexcept { return policy_; }
  const KernelConfig& config() const noexcept { return config_; }
  Task* running() const noexcept { return current_; }
  std::uint64_t dispatches() const noexcept { return dispatches_; }
  // Identifies one uninterrupted stretch of a task's code for the port's
  // runaway detection: changes at every dispatch except the resume of a task
  // that only handed the CPU over to have its events delivered.
  std::uint64_t stretch() const noexcept { return stretches_; }
  Time idle_time() const noexcept { return idle_total_; }

  // --- called by tasks (from task context only) -----------------------------
  void yield() noexcept;
  void sleep(Time duration) noexcept;
  void sleep_until(Time t) noexcept;
  // Uses `duration` of CPU: in virtual time the clock advances tick by tick
  // (preemption and watchdog apply at each tick); in real time it spins.
  void consume(Time duration) noexcept;
  // Blocks until a notification arrives or `timeout` passes (kNever = no
  // timeout). Returns true with *out set if one arrived.
  bool wait_notification(Time timeout, Notification* out) noexcept;
  void exit_task() noexcept;  // ends the calling task now
  // Reports a message from the running task (or the system) to the event sink.
  void log(int severity, const char* text) noexcept;
  // The same, always as the system's own message, whichever task runs.
  void log_system(int severity, const char* text) noexcept;
  // A system message about a step of a live update of `subject`'s module
  // (EventKind::Update, on the subject's own trace track); `subject` may be null.
  void log_update(const Task* subject, std::uint8_t step, int severity, const char* text) noexcept;
  // A consistent point (dyn_checkpoint): no external dependency, no
  // transaction in flight. Cheap when no update waits for this task.
  void consistent_point() noexcept;
  // From task context: abandon the current stack and start the task's entry
  // afresh (after its code was swapped); it is ready again at once.
  [[noreturn]] void restart_current() noexcept;
  // From task context: the task suspends itself (parked at a consistent
  // point, e.g. to be removed); only resume() or removal follows.
  void park_current() noexcept;

  // --- live update support (system side) ---------------------------------------
  void set_update_agent(UpdateAgent* agent) noexcept { agent_ = agent; }
  // Points a task that is not running at another entry argument and owner,
  // rebuilding its context so it starts from its entry next time; its
  // schedule and statistics are kept. A dead task is brought back (released
  // at once) — the way a rollback revives a version that was stopped.
  Result<void, TaskError> rebind(TaskId id, void* arg, void* owner) noexcept;

  // From task context: the system is about to run module code in the calling
  // task on its behalf (constructors, checkpoint and restore hooks). That
  // code is stopped after `budget` of CPU even if the task has no watchdog
  // (and earlier if its watchdog says so); end_module_code() lifts it.
  void begin_module_code(Time budget) noexcept;
  void end_module_code() noexcept;

  // From task context: stops the calling task for a fault the core found in
  // its behaviour (e.g. its constructors never completed), as a port's fault
  // would; it becomes Dead with the record.
  [[noreturn]] void fault_current(FaultRecord record) noexcept;

  // --- fault containment ------------------------------------------------------
  void set_fault_owner(FaultOwner* owner) noexcept { fault_owner_ = owner; }

  // --- called by the port ----------------------------------------------------
  // A synchronous fault (memory, bus, illegal instruction, arithmetic) hit
  // the running task's context outside the kernel. If it is the task's own
  // (see FaultOwner) the task is stopped and this never returns; false means
  // it is the kernel's: the port must end the process loudly.
  bool fault_from_port(FaultRecord record) noexcept;
  // A tick arrived while task code ran outside the kernel. May not return to
  // the interrupted code until the task is dispatched again (or ever, if the
  // watchdog stops it).
  void tick_from_port() noexcept;

  // --- interrupt context --------------------------------------------------------
  // Any context, an interrupt handler included (nested or not, on any port,
  // inside or outside the kernel's section): posts a notification for `to`.
  // It touches only atomic words (the task's post and the kernel's pending
  // bits), never the kernel's structures, never blocks. The kernel delivers
  // it as notify() would, inside its section, at its next step: the
  // dispatcher's loop, a yield, a tick, or interrupt_from_port(); then it
  // calls port::request_kernel_entry() so the port can enter the kernel in
  // the interrupted task right away. Posts to one task before their delivery
  // merge (the last value wins, as two notify() calls would); a post whose
  // task is gone by then (its slot free, dead or reused: the id is checked
  // at delivery) is dropped. False, and nothing posted, if `to` names no
  // slot of the table.
  bool post_from_interrupt(TaskId to, Notification value) noexcept;
  // Called by the port in the interrupted task's context (as for the tick:
  // thread mode, inside the section, the port claimed it) after an interrupt
  // asked for it: delivers the posts, and if the policy says the running
  // task should give way to a more important one now ready, preempts it. It
  // charges no time.
  void interrupt_from_port() noexcept;

  static Kernel* current() noexcept;

 private:
  friend void task_trampoline(void* arg) noexcept;

  Result<Task*, TaskError> lookup(TaskId id) noexcept;
  template <typename Op>
  Result<void, TaskError> with_task(TaskId id, Op op) noexcept;
  void release(Task& t, Time due) noexcept;
  void await_trigger(Task& t) noexcept;  // triggered job: not released, waits for a notification
  void wake_timers(Time n) noexcept;     // n: now()
  Time next_event() const noexcept;
  void dispatch(Task& t, Time start) noexcept;
  void begin_segment(Task& t, Time start) noexcept;  // t goes on the CPU at start (now())
  void end_segment(Task& t) noexcept;     // t handed the CPU back (t.switch_reason says why)
  Time close_segment(Task& t, Time n) noexcept;  // end_segment's accounting and event at n (now()); the end
  void park(Task& t) noexcept;            // after_switch for a task that lives on (yield, preempt, block)
  void start_activation(Task& t, Time start) noexcept;
  void after_switch(Task& t) noexcept;
  void finish_activation(Task& t, bool killed) noexcept;
  void make_dead(Task& t, ExitReason why) noexcept;
  bool may_restart(Task& t) noexcept;         // supervision: within its restart limit (counts the restart)
  void restart_after_fault(Task& t) noexcept;
  void reset_context(Task& t) noexcept;
  void refuse_blocking_in_module_code() noexcept;  // from task context
  void switch_to_kernel(SwitchReason why) noexcept;  // from task context: to the dispatcher, or straight on
  void switch_straight(Task& self, Time at) noexcept;  // from task context, at now(): to the next task, or the dispatcher
  [[noreturn]] void stop_for_fault(Task& t, const FaultRecord& record) noexcept;
  void resume_after_stop(Task& t) noexcept;          // an update agent took the task back
  bool overran(const Task& t) const noexcept;        // its watchdog limit is used up (in a yield)
  static bool over_limit(const Task& t, Time ran) noexcept;  // the watchdog or a module-code budget
  void on_tick() noexcept;                           // tick work at the current time
  void advance_to(Time t) noexcept;                  // virtual time only
  void emit(const KernelEvent& e) noexcept;  // to the sink now (kernel context) or queued (task context)
  void deliver_pending() noexcept;            // kernel context: the queued events, in order
  bool backlog() const noexcept { return pending_count_ >= kPendingEvents / 2; }
  void drain_from_task() noexcept;            // task context: hand the CPU to the dispatcher to deliver

 public:
  // From task context, at a kernel API entry: false (and the caller stops
  // the task as a stack overflow) when less than the API reserve is left.
  bool stack_headroom_ok() const noexcept;

 private:
  void unlink_everywhere(Task& t) noexcept;
  void deliver_posts() noexcept;  // kernel section: interrupt posts become notifications
  void timer_insert(Task& t, Time at) noexcept;
  void timer_cancel(Task& t) noexcept;
  void notify_locked(Task& t, Notification value) noexcept;
  void set_notification(Task& t, Notification value) noexcept;  // notify_locked's body
  void wake_locked(Task& t, Notification value, Time lease_end) noexcept;

  struct WakeOrder {
    bool operator()(const Task& a, const Task& b) const noexcept {
      return a.wake_at != b.wake_at ? a.wake_at < b.wake_at : a.seq < b.seq;
    }
  };

  TaskTable& table_;
  Policy& policy_;
  KernelConfig config_;
  EventSink* sink_;
  RbTree<Task, TimerTag, WakeOrder> timers_;
  Task* current_ = nullptr;
  void* kernel_sp_ = nullptr;
  Time real_now() const noexcept;  // real-time mode: the port's clock since the first run
  Time virtual_now_ = 0;
  Time real_origin_ = 0;
  Time end_ = 0;
  Time idle_total_ = 0;
  std::uint64_t dispatches_ = 0;
  std::uint64_t stretches_ = 0;
  const Task* current_stretch_task_ = nullptr;
  std::uint64_t next_seq_ = 0;
  bool running_ = false;
  bool on_task_stack_ = false;  // executing on a task's stack (not the dispatcher's)
  UpdateAgent* agent_ = nullptr;
  FaultOwner* fault_owner_ = nullptr;
  struct PendingEvent {
    KernelEvent event;
    char text[kPendingEventText];
  };
  PendingEvent pending_[kPendingEvents];
  std::size_t pending_head_ = 0;
  std::size_t pending_count_ = 0;
  // Bit (slot % 32) set: a task in one of those slots has a post from an
  // interrupt not yet delivered (Task::posted_id). Set by interrupts,
  // cleared by the kernel inside its section.
  std::atomic<std::uint32_t> posted_slots_{0};
};

}  // namespace dyn
