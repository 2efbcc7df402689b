// task.hpp — the task control block (seed 002's PCB) and what a task is made from.
//
// A task is a context with its own stack that the kernel dispatches. Two run
// models share one control block:
//   - Job:  run-to-completion; the entry returns at the end of every run. A job
//           with an interval recurs (seed 001's recurring task); with
//           `onetime` it runs once after `delay` and is then done.
//   - Loop: long-lived; the entry loops and yields/sleeps/waits (seed 002).
//           Returning from a loop task ends it.
// A `triggered` job (seed 003's scenario task) is released by notifications,
// not by time: it waits for one, runs, and then either waits again (repeats
// 0 in the notification) or recurs every repeat_period(repeats) until
// Kernel::stop_repeats() — the meta-scheduler's wake and stop.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "dyn/fault.hpp"
#include "dyn/list.hpp"
#include "dyn/notification.hpp"
#include "dyn/rb_tree.hpp"
#include "dyn/time.hpp"

namespace dyn {

inline constexpr std::size_t kTaskNameMax = 31;  // bytes, without the NUL
inline constexpr std::uint8_t kLevelCount = 6;   // seed 001: six stacked lists
inline constexpr std::uint8_t kPriorityCount = 32;

using TaskEntry = void (*)(void* arg);

enum class RunModel : std::uint8_t { Job, Loop };

enum class TaskState : std::uint8_t {
  Free,       // slot unused
  Ready,      // runnable, in the policy's ready structure
  Running,    // on the CPU
  Sleeping,   // waiting for a time (sleep, or the next release of a recurring job)
  Waiting,    // waiting for a notification (maybe with a timeout)
  Suspended,  // held; only resume() makes it ready again
  Dead,       // finished, killed or removed; slot kept until reaped
};

enum class ExitReason : std::uint8_t { None, Completed, Watchdog, StackOverflow, Removed, Fault };

const char* to_string(TaskState s) noexcept;
const char* to_string(ExitReason r) noexcept;

// Task identifier: slot index plus a generation that changes every time the
// slot is reused, so a stale id never reaches a newer task.
struct TaskId {
  std::uint32_t raw = 0xFFFF'FFFFu;
  static constexpr TaskId make(std::uint16_t slot, std::uint16_t generation) noexcept {
    return TaskId{static_cast<std::uint32_t>(generation) << 16 | slot};
  }
  constexpr std::uint16_t slot() const noexcept { return static_cast<std::uint16_t>(raw & 0xFFFF); }
  constexpr std::uint16_t generation() const noexcept { return static_cast<std::uint16_t>(raw >> 16); }
  constexpr bool valid() const noexcept { return raw != 0xFFFF'FFFFu; }
  friend constexpr bool operator==(TaskId, TaskId) = default;
};

// What a caller asks for when creating a task. Strings are copied.
struct TaskSpec {
  const char* name = nullptr;
  TaskEntry entry = nullptr;
  void* arg = nullptr;
  RunModel model = RunModel::Job;
  std::uint8_t level = 1;      // multilevel policy: 1 (highest) .. 6
  std::uint8_t priority = 1;   // priority policy: 0 (lowest) .. 31; also lottery's default tickets
  std::uint32_t tickets = 0;   // lottery; 0 = use priority (at least 1)
  Time interval = 0;           // jobs: minimum wait between two starts; 0 = not recurring
  Time watchdog = 0;           // CPU time one run may take before it is stopped; 0 = none
  Time delay = 0;              // first release this long after creation
  bool onetime = false;        // job that runs once
  bool triggered = false;      // job released by notifications (seed 003); interval must be 0
  // Supervision: a task stopped for a fault is restarted (a recurring job at
  // its next interval, any other task at once, from its entry) at most
  // `restarts` times within `restart_window` (0: the whole mission); past
  // that, and with restarts = 0, it is held (dead, its record kept).
  std::uint8_t restarts = 0;
  Time restart_window = 0;
  std::span<std::byte> stack;  // owned by the caller; must outlive the task
};

// Per-task figures the summary table and tests read.
struct TaskStats {
  std::uint64_t runs = 0;            // activations started
  std::uint64_t completions = 0;     // activations that ended normally
  std::uint64_t watchdog_kills = 0;
  std::uint64_t faults = 0;          // stopped for a fault (see `fault`)
  std::uint64_t restarts = 0;        // restarted after a fault by its supervision
  std::uint64_t preemptions = 0;
  std::uint64_t dispatches = 0;      // context switches into the task
  Time cpu_total = 0;
  Time lateness_max = 0;             // start of an activation minus when it became due
  Time lateness_sum = 0;
  std::size_t stack_used = 0;        // high-water mark, bytes (updated by housekeeping)
  std::uint64_t checkpoints = 0;     // consistent points reached (dyn_checkpoint, end of a job run)
};

// Why the task last handed the CPU back to the dispatcher.
enum class SwitchReason : std::uint8_t {
  None, Yield, Sleep, Wait, Suspend, Preempt, RunEnd, JobDone, Exit, Killed, Faulted, Restart,
  Drain,  // the task's queued events are delivered; it resumes at once
};

struct SchedTag;
struct TimerTag;
struct NameTag;
struct ScenarioConfig;

// Invariants:
//  - state == Free  <=> the slot is unused and linked into nothing;
//  - a Ready task is in exactly one policy ready structure, a Sleeping/Waiting
//    task with a deadline is in the kernel timer tree, and no task is in both;
//  - sp is the saved stack pointer of a task that is not Running;
//  - a task that is not Free is in its table's name index (TaskTable).
struct Task : RbHook<SchedTag>, RbHook<TimerTag>, RbHook<NameTag>, ListHook<SchedTag> {
  // Defined out of line (task_table.cpp) on purpose: with an inline default
  // constructor the compiler turns every static `Task slots[N]` into a copy
  // of these defaults in .data, 432 bytes of flash per slot on the
  // Cortex-M3; this way the slots are zeroed .bss, constructed at start-up.
  Task() noexcept;

  char name[kTaskNameMax + 1] = {};
  TaskId id;
  TaskState state = TaskState::Free;
  ExitReason exit_reason = ExitReason::None;
  SwitchReason switch_reason = SwitchReason::None;
  RunModel model = RunModel::Job;
  std::uint8_t level = 1;
  std::uint8_t priority = 1;
  bool onetime = false;
  bool triggered = false;            // released by notifications, see above
  bool awaiting_trigger = false;     // triggered and between runs with no repeat due: waits for a notification
  bool preempted_by_higher = false;  // priority policy: resume at the front of its list
  bool activation_pending = true;    // next dispatch starts a new activation (a "run")
  bool segment_starts_activation = false;  // the current dispatch started an activation
  std::uint32_t tickets = 1;

  TaskEntry entry = nullptr;
  void* arg = nullptr;
  Time interval = 0;
  Time watchdog = 0;
  Time restart_window = 0;           // supervision (TaskSpec)
  Time restart_window_start = 0;     // when the current window's first restart was
  std::uint8_t restart_limit = 0;
  std::uint8_t restarts_in_window = 0;

  // Execution context (see core/port/port.hpp).
  void* sp = nullptr;
  std::span<std::byte> stack;

  // Timekeeping.
  Time created_at = 0;
  Time due = 0;             // when the current/next activation became/becomes due
  Time wake_at = kNever;    // timer deadline while Sleeping/Waiting
  Time last_start = kNever; // start of the latest activation; kNever before the first
  Time run_cpu = 0;         // CPU used by the current activation
  // While the system runs module code in this task for it (constructors, a
  // checkpoint or restore hook): the run_cpu at which that code is stopped,
  // whatever the task's own watchdog (Kernel::begin_module_code); 0 = none.
  Time hook_limit = 0;
  Time slice_start = 0;     // when the current dispatch began
  std::uint64_t seq = 0;    // creation order, breaks ties between equal keys
  std::uint64_t ready_mark = 0;  // policy-private ordering stamp

  // The Task Register entry that owns this task's memory (module tasks), or nullptr.
  void* owner = nullptr;
  // While kernel code in this task works on memory its module handed it
  // (ModuleMemoryScope: nested scopes counted), and the module's call site
  // of the service it is in (recorded by the port's gate: the fault record
  // of a refused pointer names it). Per task, not global: another task may
  // enter or be stopped inside its own scope while this one is preempted in
  // its. A task stopped or restarted is out of every scope (reset_context).
  std::uint8_t module_memory_scopes = 0;
  std::uintptr_t service_caller = 0;
  // An update waits for this task's next consistent point (live update).
  bool update_pending = false;
  // Its next consistent point stores a checkpoint (periodic checkpoints).
  bool checkpoint_requested = false;

  // The settings of the scenario that drives it (read only; set by MetaTask
  // through the scenario's token), or nullptr.
  const ScenarioConfig* scenario = nullptr;

  // Notifications.
  Time lease_end = kNever;  // triggered: repeats start only before this
  Notification notify_value;
  bool notify_pending = false;
  // A notification posted from an interrupt and not yet delivered
  // (Kernel::post_from_interrupt): the raw id it was posted to (kNoPost:
  // none) and its value. Only ever accessed through std::atomic_ref.
  static constexpr std::uint32_t kNoPost = 0xFFFF'FFFFu;
  std::uint32_t posted_id = kNoPost;
  std::uint32_t posted_value = 0;

  TaskStats stats;
  // The last fault that stopped it (kind None if it never faulted): its epitaph.
  FaultRecord fault;
};

}  // namespace dyn
