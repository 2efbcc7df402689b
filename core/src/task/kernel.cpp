// kernel.cpp — dispatcher, task lifecycle, timers, ticks and the watchdog.
#include "dyn/kernel.hpp"

#include <cstring>

#include "port.hpp"

namespace dyn {

namespace {
Kernel* g_kernel = nullptr;
constexpr std::byte kStackFill{0xA5};
}  // namespace

Kernel* Kernel::current() noexcept { return g_kernel; }

// Every task context starts here (see port::context_init). The loop lets a
// job run again on its next release without rebuilding its context.
void task_trampoline(void* arg) noexcept {
  Task& t = *static_cast<Task*>(arg);
  Kernel& k = *Kernel::current();
  for (;;) {
    port::kernel_exit();
    t.entry(t.arg);
    if (t.model == RunModel::Job) k.consistent_point();  // every return of a job is one
    port::kernel_enter();
    k.switch_to_kernel(t.model == RunModel::Loop ? SwitchReason::Exit : SwitchReason::JobDone);
  }
}

Kernel::Kernel(TaskTable& table, Policy& policy, const KernelConfig& config, EventSink* sink) noexcept
    : table_(table), policy_(policy), config_(config), sink_(sink) {
  if (config_.tick <= 0) config_.tick = kMillisecond;
  if (config_.dispatch_cost < kMicrosecond) config_.dispatch_cost = kMicrosecond;
  if (config_.clock == ClockMode::Realtime) real_origin_ = port::clock_now();
  g_kernel = this;
}

Time Kernel::real_now() const noexcept { return port::clock_now() - real_origin_; }

void Kernel::emit(const KernelEvent& e) noexcept {
  if (!sink_) return;
  if (!on_task_stack_) {
    sink_->on_event(e);
    return;
  }
  port::kernel_enter();
  if (pending_count_ == kPendingEvents) {
    // Cannot happen in practice (a task hands the CPU over well before the
    // queue is full); if it does, order matters more than where the sink runs.
    port::kernel_exit();
    sink_->on_event(e);
    return;
  }
  PendingEvent& p = pending_[(pending_head_ + pending_count_) % kPendingEvents];
  p.event = e;
  if (e.text) {
    std::size_t n = 0;
    while (n + 1 < kPendingEventText && e.text[n] != '\0') {
      p.text[n] = e.text[n];
      ++n;
    }
    p.text[n] = '\0';
    p.event.text = p.text;
  }
  ++pending_count_;
  port::kernel_exit();
}

void Kernel::deliver_pending() noexcept {
  while (pending_count_ > 0) {
    const KernelEvent e = pending_[pending_head_].event;
    pending_head_ = (pending_head_ + 1) % kPendingEvents;
    --pending_count_;
    sink_->on_event(e);  // the text stays valid: its slot is reused only by a later emit
  }
}

void Kernel::drain_from_task() noexcept {
  port::kernel_enter();
  switch_to_kernel(SwitchReason::Drain);
  port::kernel_exit();
}

bool Kernel::stack_headroom_ok() const noexcept {
  const Task* t = current_;
  if (!t || t->stack.empty()) return true;
  const auto base = reinterpret_cast<std::uintptr_t>(t->stack.data());
  const auto here = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
  const std::size_t reserve =
      config_.api_stack_reserve < t->stack.size() / 2 ? config_.api_stack_reserve : t->stack.size() / 2;
  return here > base && here - base >= reserve;
}

Result<Task*, TaskError> Kernel::lookup(TaskId id) noexcept {
  Task* t = table_.find(id);
  if (!t) return Unexpected{TaskError{TaskErrc::NoSuchTask, static_cast<std::int64_t>(id.raw)}};
  return t;
}

Result<TaskId, TaskError> Kernel::create(const TaskSpec& spec) noexcept {
  if (!spec.name || spec.name[0] == '\0') return Unexpected{TaskError{TaskErrc::NameEmpty}};
  std::size_t len = 0;
  while (len <= kTaskNameMax && spec.name[len] != '\0') ++len;
  if (len > kTaskNameMax) return Unexpected{TaskError{TaskErrc::NameTooLong, static_cast<std::int64_t>(len)}};
  if (!spec.entry) return Unexpected{TaskError{TaskErrc::NoEntry}};
  if (spec.level < 1 || spec.level > kLevelCount) return Unexpected{TaskError{TaskErrc::BadLevel, spec.level}};
  if (spec.priority >= kPriorityCount) return Unexpected{TaskError{TaskErrc::BadPriority, spec.priority}};
  if (spec.stack.size() < config_.min_stack)
    return Unexpected{TaskError{TaskErrc::StackTooSmall, static_cast<std::int64_t>(spec.stack.size())}};
  for (Time v : {spec.interval, spec.watchdog, spec.delay})
    if (v < 0) return Unexpected{TaskError{TaskErrc::BadTiming, v}};
  if (spec.triggered && (spec.model != RunModel::Job || spec.interval != 0 || spec.onetime))
    return Unexpected{TaskError{TaskErrc::BadTrigger}};
  if (Task* other = table_.find_by_name(spec.name); other && other->state != TaskState::Dead)
    return Unexpected{TaskError{TaskErrc::NameTaken, other->id.slot()}};

  port::kernel_enter();
  auto slot = table_.allocate();
  if (!slot) {
    port::kernel_exit();
    return Unexpected{slot.error()};
  }
  Task& t = *slot.value();
  table_.set_name(t, spec.name, len);
  t.model = spec.model;
  t.level = spec.level;
  t.priority = spec.priority;
  t.tickets = spec.tickets ? spec.tickets : (spec.priority ? spec.priority : 1u);
  t.onetime = spec.onetime;
  t.triggered = spec.triggered;
  t.entry = spec.entry;
  t.arg = spec.arg;
  t.interval = spec.interval;
  t.watchdog = spec.watchdog;
  t.restart_limit = spec.restarts;
  t.restart_window = spec.restart_window;
  t.restarts_in_window = 0;
  t.stack = spec.stack;
  std::memset(spec.stack.data(), static_cast<int>(kStackFill), spec.stack.size());
  t.sp = port::context_init(t.stack, task_trampoline, &t);
  t.seq = next_seq_++;
  t.created_at = now();
  emit({EventKind::TaskCreated, &t, t.created_at, t.created_at, 0, false, false});
  if (t.triggered) {
    await_trigger(t);
  } else {
    release(t, time_add(t.created_at, spec.delay));
  }
  port::kernel_exit();
  return t.id;
}

void Kernel::release(Task& t, Time due) noexcept {
  t.activation_pending = true;
  t.due = due;
  if (policy_.holds_releases()) {
    t.state = TaskState::Sleeping;
    policy_.hold_release(t, due);
  } else if (due <= now()) {
    t.state = TaskState::Ready;
    policy_.make_ready(t, ReadyReason::Released);
  } else {
    t.state = TaskState::Sleeping;
    timer_insert(t, due);
  }
}

void Kernel::await_trigger(Task& t) noexcept {
  unlink_everywhere(t);
  t.activation_pending = true;
  t.awaiting_trigger = true;
  t.state = TaskState::Waiting;
}

[[gnu::always_inline]] inline void Kernel::timer_insert(Task& t, Time at) noexcept {
  t.wake_at = at;
  if (at != kNever) timers_.insert(t);
}

void Kernel::timer_cancel(Task& t) noexcept {
  if (static_cast<RbHook<TimerTag>&>(t).rb_linked()) timers_.erase(t);
  t.wake_at = kNever;
}

void Kernel::unlink_everywhere(Task& t) noexcept {
  timer_cancel(t);
  policy_.remove(t);
}

[[gnu::always_inline]] inline void Kernel::wake_timers(Time n) noexcept {
  if (posted_slots_.load(std::memory_order_relaxed) != 0) deliver_posts();
  while (Task* t = timers_.first()) {
    if (t->wake_at > n) break;
    timers_.erase(*t);
    t->wake_at = kNever;
    t->state = TaskState::Ready;
    policy_.make_ready(*t, t->activation_pending ? ReadyReason::Released : ReadyReason::Woken);
  }
}

Time Kernel::next_event() const noexcept {
  Time next = policy_.next_release();
  if (const Task* t = timers_.first(); t && t->wake_at < next) next = t->wake_at;
  return next;
}

void Kernel::advance_to(Time t) noexcept {
  if (t > virtual_now_) virtual_now_ = t;
}

void Kernel::run_until(Time end) noexcept {
  g_kernel = this;
  port::kernel_enter();
  end_ = end;
  running_ = true;
  const bool is_virtual = config_.clock == ClockMode::Virtual;
  port::traps_start();
  if (config_.preemption_ticks) port::tick_start(config_.tick, config_.real_tick_period, is_virtual);
  for (;;) {
    const Time n = now();
    wake_timers(n);
    if (n >= end_) break;
    policy_.poll(n);
    Task* t = policy_.pick(n);
    if (!t) {
      Time next = next_event();
      if (next > end_) next = end_;
      idle_total_ += next - n;
      if (is_virtual) {
        advance_to(next);
      } else {
        port::kernel_exit();
        port::idle_until(real_origin_ + next);
        port::kernel_enter();
      }
      continue;
    }
    dispatch(*t, n);
  }
  if (config_.preemption_ticks) port::tick_stop();
  port::traps_stop();
  running_ = false;
  port::kernel_exit();
}

void Kernel::start_activation(Task& t, Time start) noexcept {
  t.activation_pending = false;
  t.last_start = start;
  t.run_cpu = 0;
  ++t.stats.runs;
  const Time late = start > t.due ? start - t.due : 0;
  t.stats.lateness_sum += late;
  if (late > t.stats.lateness_max) t.stats.lateness_max = late;
}

[[gnu::always_inline]] inline void Kernel::begin_segment(Task& t, Time start) noexcept {
  // A task resumed after handing the CPU over only so its events could be
  // delivered goes on with the same stretch of its code: that a flood of log
  // lines makes the kernel work does not make it less of a runaway.
  if (t.switch_reason != SwitchReason::Drain || current_stretch_task_ != &t) ++stretches_;
  current_stretch_task_ = &t;
  t.segment_starts_activation = t.activation_pending;
  if (t.activation_pending) start_activation(t, start);
  t.state = TaskState::Running;
  t.switch_reason = SwitchReason::None;
  t.slice_start = start;
  ++t.stats.dispatches;
  ++dispatches_;
  current_ = &t;
}

// `n` is the time of the switch (now(), read once for the whole switch);
// returns the segment's end, the time the rest of the switch works with.
[[gnu::always_inline]] inline Time Kernel::close_segment(Task& t, Time n) noexcept {
  current_ = nullptr;
  // In virtual time every dispatch costs at least dispatch_cost: a task that
  // only yields moves the clock (and its watchdog count) like any other.
  Time end = n;
  if (config_.clock == ClockMode::Virtual) {
    advance_to(t.slice_start + config_.dispatch_cost);
    end = virtual_now_;
  }
  const Time used = end - t.slice_start;
  t.run_cpu += used;
  t.stats.cpu_total += used;
  if (sink_) {
    const bool activation_end = t.switch_reason == SwitchReason::JobDone || t.switch_reason == SwitchReason::Killed ||
                                t.switch_reason == SwitchReason::Exit || t.switch_reason == SwitchReason::Restart;
    emit({EventKind::RunSegment, &t, t.slice_start, end, t.stats.runs, t.segment_starts_activation, activation_end});
  }
  return end;
}

void Kernel::end_segment(Task& t) noexcept {
  close_segment(t, now());
  after_switch(t);
}

void Kernel::dispatch(Task& t, Time start) noexcept {
  begin_segment(t, start);
  on_task_stack_ = true;
  port::context_switch(&kernel_sp_, t.sp, t.stack, false);
  on_task_stack_ = false;
  if (pending_count_ != 0) deliver_pending();
  // Control comes back from whichever task ended the chain of direct
  // switches; a task that yielded straight back here has ended its segment.
  if (current_) end_segment(*current_);
}

// The task lives on and gave the CPU up (yield, preempted) or blocked (sleep,
// wait, suspend): the reasons a switch may go straight to the next task.
[[gnu::always_inline]] inline void Kernel::park(Task& t) noexcept {
  const SwitchReason why = t.switch_reason;
  if (why == SwitchReason::Yield) {
    t.state = TaskState::Ready;
    policy_.make_ready(t, ReadyReason::Yielded);
    return;
  }
  if (why == SwitchReason::Preempt) {
    t.state = TaskState::Ready;
    ++t.stats.preemptions;
    policy_.make_ready(t, t.preempted_by_higher ? ReadyReason::PreemptedByHigher : ReadyReason::SliceExpired);
    return;
  }
  // A loop task has one activation for its whole life: its watchdog bounds
  // the CPU it uses without blocking, so blocking (sleep, wait, suspend)
  // restarts the count. A yield does not: a loop that only yields never
  // lets the CPU go idle, and is stopped like one that spins. (Nor does a
  // preemption: that was not the task's choice.)
  if (t.model == RunModel::Loop) t.run_cpu = 0;
  if (why == SwitchReason::Suspend) {
    t.state = TaskState::Suspended;
    return;
  }
  t.state = why == SwitchReason::Sleep ? TaskState::Sleeping : TaskState::Waiting;
  timer_insert(t, t.wake_at);
}

void Kernel::after_switch(Task& t) noexcept {
  switch (t.switch_reason) {
    case SwitchReason::Yield:
    case SwitchReason::Preempt:
    case SwitchReason::Sleep:
    case SwitchReason::Wait:
    case SwitchReason::Suspend:
      park(t);
      break;
    case SwitchReason::Drain:   // its events were delivered: it goes on at once
    case SwitchReason::RunEnd:  // run_until reached its end mid-run: resume first next time
      t.state = TaskState::Ready;
      policy_.make_ready(t, ReadyReason::PreemptedByHigher);
      break;
    case SwitchReason::JobDone:
      ++t.stats.completions;
      finish_activation(t, false);
      break;
    case SwitchReason::Exit:
      ++t.stats.completions;
      make_dead(t, ExitReason::Completed);
      break;
    case SwitchReason::Killed:
      ++t.stats.watchdog_kills;
      emit({EventKind::Watchdog, &t, t.last_start, now(), static_cast<std::uint64_t>(t.run_cpu), false, false});
      reset_context(t);
      if (agent_ && agent_->take_back(t)) {
        resume_after_stop(t);
      } else {
        finish_activation(t, true);
      }
      break;
    case SwitchReason::Faulted:
      ++t.stats.faults;
      emit({EventKind::Fault, &t, t.last_start, now(), static_cast<std::uint64_t>(t.fault.kind), false, false});
      reset_context(t);
      if (agent_ && agent_->take_back(t)) {
        resume_after_stop(t);
      } else if (may_restart(t)) {
        restart_after_fault(t);
      } else {
        make_dead(t, ExitReason::Fault);
      }
      break;
    case SwitchReason::Restart:  // new code in place: start from the entry, right away
      reset_context(t);
      t.state = TaskState::Ready;
      policy_.make_ready(t, ReadyReason::PreemptedByHigher);
      break;
    case SwitchReason::None:
      break;
  }
}

// The task's code failed inside an update step and the agent bound it back
// to the previous version: a job waits for its next release as after a
// watchdog stop; a loop starts again from its entry at once.
void Kernel::resume_after_stop(Task& t) noexcept {
  if (t.model == RunModel::Loop) {
    t.run_cpu = 0;
    release(t, now());
  } else {
    finish_activation(t, true);
  }
}

void Kernel::finish_activation(Task& t, bool killed) noexcept {
  const bool recurring = t.model == RunModel::Job && t.interval > 0 && !t.onetime;
  const Time next = recurring ? time_add(t.last_start, t.interval) : kNever;
  if (recurring && !(t.triggered && next >= t.lease_end)) {
    release(t, next);
  } else if (t.triggered) {
    // Zero repeats, stopped, or the next repeat falls at or after the lease
    // end (it lapses, keeping its interval, until a renewal). A watchdog stop
    // ends the run, not the scenario.
    await_trigger(t);
  } else {
    make_dead(t, killed ? ExitReason::Watchdog : ExitReason::Completed);
  }
}

bool Kernel::may_restart(Task& t) noexcept {
  if (t.restart_limit == 0) return false;
  const Time n = now();
  if (t.restarts_in_window == 0 || (t.restart_window > 0 && n - t.restart_window_start >= t.restart_window)) {
    t.restart_window_start = n;  // a new window opens with this restart
    t.restarts_in_window = 0;
  }
  if (t.restarts_in_window >= t.restart_limit) return false;  // faulting faster than its limit: held
  ++t.restarts_in_window;
  return true;
}

// From its entry, with the state its module left (a warm restart): a
// recurring job at its next interval, any other task at once.
void Kernel::restart_after_fault(Task& t) noexcept {
  ++t.stats.restarts;
  emit({EventKind::Log, &t, now(), now(), 2, false, false, "restarted after its fault (supervision)"});
  if (t.model == RunModel::Job && t.interval > 0 && !t.onetime && !t.triggered) {
    finish_activation(t, true);
  } else {
    release(t, now());
  }
}

void Kernel::make_dead(Task& t, ExitReason why) noexcept {
  unlink_everywhere(t);
  t.state = TaskState::Dead;
  t.exit_reason = why;
  emit({EventKind::TaskExited, &t, now(), now(), static_cast<std::uint64_t>(why), false, false});
}

void Kernel::reset_context(Task& t) noexcept {
  t.hook_limit = 0;  // module code that was stopped is over
  t.module_memory_scopes = 0;  // and the scopes it was in never close
  t.service_caller = 0;
  t.sp = port::context_init(t.stack, task_trampoline, &t);
}

bool Kernel::over_limit(const Task& t, Time ran) noexcept {
  return (t.watchdog > 0 && ran >= t.watchdog) || (t.hook_limit > 0 && ran >= t.hook_limit);
}

bool Kernel::overran(const Task& t) const noexcept {
  if (config_.clock != ClockMode::Virtual || (t.watchdog == 0 && t.hook_limit == 0)) return false;  // no limit to reach
  const Time segment = now() - t.slice_start;
  return over_limit(t, t.run_cpu + (segment > config_.dispatch_cost ? segment : config_.dispatch_cost));
}

void Kernel::begin_module_code(Time budget) noexcept {
  port::kernel_enter();
  Task& t = *current_;
  t.hook_limit = t.run_cpu + (now() - t.slice_start) + (budget > 0 ? budget : kMicrosecond);
  port::kernel_exit();
}

void Kernel::end_module_code() noexcept {
  port::kernel_enter();
  current_->hook_limit = 0;
  port::kernel_exit();
}

namespace {
// The context switched away from for these reasons is never resumed.
bool dies(SwitchReason why) noexcept {
  return why == SwitchReason::Killed || why == SwitchReason::Faulted || why == SwitchReason::Exit ||
         why == SwitchReason::Restart;
}
}  // namespace

// Switches away from the running task. When the dispatcher would do nothing
// but pick the next task (the task goes on living, no run end, no queued
// events to deliver), the switch goes straight to that task: one context
// switch instead of two, with the same decisions, the same accounting and
// the same events, in the same order, as the path through the dispatcher.
void Kernel::switch_to_kernel(SwitchReason why) noexcept {
  Task& t = *current_;
  // A loop's yields do not restart its watchdog count (after_switch): the
  // limit is checked here, where no tick would see a task that only yields.
  if (why == SwitchReason::Yield && (t.watchdog != 0 || t.hook_limit != 0) && overran(t)) why = SwitchReason::Killed;
  t.switch_reason = why;
  const bool straight = why == SwitchReason::Yield || why == SwitchReason::Wait || why == SwitchReason::Sleep ||
                        why == SwitchReason::Suspend || why == SwitchReason::Preempt;
  if (!straight || backlog()) {
    port::context_switch(&t.sp, kernel_sp_, {}, dies(why));
    return;
  }
  const Time n = now();  // the one reading of the clock for the whole switch
  if (n < end_) {
    switch_straight(t, n);
    return;
  }
  port::context_switch(&t.sp, kernel_sp_, {}, false);
}

void Kernel::switch_straight(Task& self, Time at) noexcept {
  const Time n = close_segment(self, at);
  park(self);  // self is ready, sleeping, waiting or suspended now
  wake_timers(n);
  Task* next = nullptr;
  if (n < end_) {
    policy_.poll(n);
    next = policy_.pick(n);
  }
  if (!next) {
    // The run ended (the dispatch cost reached the end) or the policy chose
    // to idle: let the dispatcher decide. Our segment is already closed.
    port::context_switch(&self.sp, kernel_sp_, {}, false);
  } else {
    begin_segment(*next, n);
    if (next != &self) port::context_switch(&self.sp, next->sp, next->stack, false);
  }
}

void Kernel::stop_for_fault(Task& t, const FaultRecord& record) noexcept {
  t.fault = record;
  t.fault.at = now();
  port::leave_epitaph(t.name, t.fault);
  switch_to_kernel(SwitchReason::Faulted);
  __builtin_unreachable();  // a faulted context is never resumed
}

void Kernel::fault_current(FaultRecord record) noexcept {
  port::kernel_enter();
  Task& t = *current_;
  if (fault_owner_) (void)fault_owner_->attribute(t, record);  // names the module
  stop_for_fault(t, record);
}

bool Kernel::fault_from_port(FaultRecord record) noexcept {
  Task* t = current_;
  if (!running_ || !t || !fault_owner_ || !fault_owner_->attribute(*t, record)) return false;
  stop_for_fault(*t, record);
}

// --- task-facing API ----------------------------------------------------------

void Kernel::yield() noexcept {
  port::kernel_enter();
  switch_to_kernel(SwitchReason::Yield);
  port::kernel_exit();
}

void Kernel::sleep(Time duration) noexcept { sleep_until(time_add(now(), duration)); }

// Module code the system runs in a task for it (constructors, hooks) must
// not block: its budget counts CPU, and the update or boot waiting on it
// would wait forever. It is stopped as a fault instead.
void Kernel::refuse_blocking_in_module_code() noexcept {
  if (current_ && current_->hook_limit > 0) fault_current(FaultRecord{FaultKind::Blocked});
}

void Kernel::sleep_until(Time t) noexcept {
  refuse_blocking_in_module_code();
  port::kernel_enter();
  if (t <= now()) {
    switch_to_kernel(SwitchReason::Yield);
  } else {
    current_->wake_at = t;
    switch_to_kernel(SwitchReason::Sleep);
  }
  port::kernel_exit();
}

void Kernel::consume(Time duration) noexcept {
  if (duration <= 0) return;
  Task& t = *current_;
  if (config_.clock == ClockMode::Realtime) {
    // Spin outside the kernel so ticks can preempt us; count only our own CPU.
    const Time target = t.run_cpu + (now() - t.slice_start) + duration;
    while (t.run_cpu + (now() - t.slice_start) < target) {
    }
    return;
  }
  port::kernel_enter();
  Time remaining = duration;
  while (remaining > 0) {
    const Time boundary = virtual_now_ - time_mod(virtual_now_, config_.tick) + config_.tick;
    const Time step = remaining < boundary - virtual_now_ ? remaining : boundary - virtual_now_;
    virtual_now_ += step;
    remaining -= step;
    if (virtual_now_ == boundary) on_tick();
  }
  port::kernel_exit();
}

bool Kernel::wait_notification(Time timeout, Notification* out) noexcept {
  if (timeout != 0) refuse_blocking_in_module_code();
  port::kernel_enter();
  Task& t = *current_;
  if (!t.notify_pending && timeout != 0) {
    t.wake_at = timeout == kNever ? kNever : time_add(now(), timeout);
    switch_to_kernel(SwitchReason::Wait);
  }
  const bool got = t.notify_pending;
  if (got) {
    if (out) *out = t.notify_value;
    t.notify_pending = false;
  }
  port::kernel_exit();
  return got;
}

void Kernel::exit_task() noexcept {
  port::kernel_enter();
  switch_to_kernel(SwitchReason::Exit);
  // A dead context is never resumed.
}

void Kernel::consistent_point() noexcept {
  Task* t = current_;
  if (!t) return;
  ++t->stats.checkpoints;
  if ((t->update_pending || t->checkpoint_requested) && agent_) agent_->at_consistent_point(*t);
}

void Kernel::restart_current() noexcept {
  port::kernel_enter();
  switch_to_kernel(SwitchReason::Restart);
  __builtin_unreachable();  // the abandoned context is never resumed
}

void Kernel::log(int severity, const char* text) noexcept {
  if (!sink_) return;
  const Time n = now();
  KernelEvent e{EventKind::Log, current_, n, n, static_cast<std::uint64_t>(severity < 0 ? 0 : severity), false, false};
  e.text = text;
  emit(e);
  if (!on_task_stack_ || !current_) return;
  // A log line costs the task CPU like a dispatch does (its delivery is the
  // kernel's work, where no tick can charge it): a task that floods the log
  // moves the clock and its watchdog. One that logs a lot hands over now and then.
  if (config_.clock == ClockMode::Virtual) consume(config_.dispatch_cost);
  if (backlog()) drain_from_task();
}

void Kernel::log_system(int severity, const char* text) noexcept {
  if (!sink_) return;
  const Time n = now();
  KernelEvent e{EventKind::Log, nullptr, n, n, static_cast<std::uint64_t>(severity < 0 ? 0 : severity), false, false};
  e.text = text;
  emit(e);
  if (on_task_stack_ && current_ && backlog()) drain_from_task();
}

void Kernel::log_update(const Task* subject, std::uint8_t step, int severity, const char* text) noexcept {
  if (!sink_) return;
  const Time n = now();
  KernelEvent e{EventKind::Update, subject, n, n, static_cast<std::uint64_t>(severity < 0 ? 0 : severity), false, false};
  e.text = text;
  e.step = step;
  emit(e);
  if (on_task_stack_ && current_ && backlog()) drain_from_task();
}

// --- system-facing API --------------------------------------------------------

// The body of notify_locked, inlined into notify() (the message event is
// the cheapest there is: a call is a tenth of it); the others call it.
[[gnu::always_inline]] inline void Kernel::set_notification(Task& t, Notification value) noexcept {
  t.notify_value = value;
  t.notify_pending = true;
  if (sink_) emit({EventKind::Notified, &t, now(), now(), value.raw, false, false});
  // A triggered job between runs keeps the message for its next run: only
  // wake() releases it. (Waiting inside a run, it is woken as any task.)
  if (t.awaiting_trigger) return;
  if (t.state == TaskState::Waiting) {
    timer_cancel(t);
    t.state = TaskState::Ready;
    policy_.make_ready(t, ReadyReason::Woken);
  }
}

void Kernel::notify_locked(Task& t, Notification value) noexcept { set_notification(t, value); }

void Kernel::wake_locked(Task& t, Notification value, Time lease_end) noexcept {
  // Lapsed: its repeats ran into the end of the lease (interval kept).
  const bool lapsed = t.awaiting_trigger && t.interval > 0 && t.last_start != kNever;
  notify_locked(t, value);
  const Time period = repeat_period(value.repeats());
  t.interval = period == kNever ? 0 : period;
  t.lease_end = lease_end;
  if (t.awaiting_trigger && t.state == TaskState::Suspended) {
    // Held: the wake takes effect at the resume, as a release due now.
    t.awaiting_trigger = false;
    t.due = now();
    return;
  }
  if (!t.awaiting_trigger || t.state != TaskState::Waiting) return;
  if (lapsed && t.interval > 0) {
    // A renewal keeps the cadence: the next repeat is due an interval after
    // the last start, and only if the new lease covers it.
    const Time next = time_add(t.last_start, t.interval);
    const Time due = next > now() ? next : now();
    if (due < lease_end) {
      t.awaiting_trigger = false;
      release(t, due);
    }
  } else {
    t.awaiting_trigger = false;
    release(t, now());
  }
}

namespace {
Unexpected<TaskError> bad_state(const Task& t) noexcept {
  return Unexpected{TaskError{TaskErrc::BadState, static_cast<std::int64_t>(t.state)}};
}
}  // namespace

// Looks the task up and runs `op` on it, all inside one critical section.
template <typename Op>
Result<void, TaskError> Kernel::with_task(TaskId id, Op op) noexcept {
  port::kernel_enter();
  auto found = lookup(id);
  Result<void, TaskError> r = found ? op(*found.value()) : Result<void, TaskError>{Unexpected{found.error()}};
  port::kernel_exit();
  return r;
}

// Not through with_task: a message is the cheapest event there is, and
// lookup's Result costs as much as the rest of it.
Result<void, TaskError> Kernel::notify(TaskId to, Notification value) noexcept {
  port::kernel_enter();
  Task* t = table_.find(to);
  const bool live = t && t->state != TaskState::Dead;
  if (live) set_notification(*t, value);
  port::kernel_exit();
  if (!live) return Unexpected{TaskError{TaskErrc::NoSuchTask, static_cast<std::int64_t>(to.raw)}};
  return {};
}

Result<void, TaskError> Kernel::wake(TaskId to, Notification value, Time lease_end) noexcept {
  return with_task(to, [&](Task& t) -> Result<void, TaskError> {
    if (t.state == TaskState::Dead) return Unexpected{TaskError{TaskErrc::NoSuchTask, static_cast<std::int64_t>(to.raw)}};
    if (!t.triggered) return bad_state(t);
    wake_locked(t, value, lease_end);
    return {};
  });
}

Result<void, TaskError> Kernel::remove(TaskId id) noexcept {
  return with_task(id, [&](Task& t) -> Result<void, TaskError> {
    if (&t == current_) return bad_state(t);
    if (t.state != TaskState::Dead) make_dead(t, ExitReason::Removed);
    table_.release(t);
    return {};
  });
}

Result<void, TaskError> Kernel::kill(TaskId id, ExitReason why) noexcept {
  return with_task(id, [&](Task& t) -> Result<void, TaskError> {
    if (&t == current_ || t.state == TaskState::Dead) return bad_state(t);
    // Stopped in the middle of an update step (preempted inside a hook):
    // the update agent binds it back to the old version first.
    if (agent_ && agent_->take_back(t)) {
      unlink_everywhere(t);
      reset_context(t);
      resume_after_stop(t);
      return {};
    }
    make_dead(t, why);
    return {};
  });
}

Result<void, TaskError> Kernel::stop_repeats(TaskId id) noexcept {
  return with_task(id, [&](Task& t) -> Result<void, TaskError> {
    if (!t.triggered || t.state == TaskState::Dead) return bad_state(t);
    t.interval = 0;
    if (t.awaiting_trigger) return {};
    const bool release_not_started =
        t.activation_pending && (t.state == TaskState::Ready || t.state == TaskState::Sleeping);
    if (release_not_started) await_trigger(t);
    if (t.state == TaskState::Suspended && t.activation_pending) t.awaiting_trigger = true;
    return {};
  });
}

Result<void, TaskError> Kernel::suspend(TaskId id) noexcept {
  return with_task(id, [&](Task& t) -> Result<void, TaskError> {
    if (&t == current_ || t.state == TaskState::Dead || t.state == TaskState::Suspended) return bad_state(t);
    unlink_everywhere(t);
    t.state = TaskState::Suspended;
    return {};
  });
}

Result<void, TaskError> Kernel::resume(TaskId id) noexcept {
  return with_task(id, [&](Task& t) -> Result<void, TaskError> {
    if (t.state != TaskState::Suspended) return bad_state(t);
    if (t.awaiting_trigger) {
      t.state = TaskState::Waiting;  // held while it waited for a wake: it waits again
    } else if (t.activation_pending) {
      release(t, t.due);  // keeps its schedule
    } else {
      t.state = TaskState::Ready;
      policy_.make_ready(t, ReadyReason::Woken);
    }
    return {};
  });
}

void Kernel::park_current() noexcept {
  refuse_blocking_in_module_code();
  port::kernel_enter();
  switch_to_kernel(SwitchReason::Suspend);
  port::kernel_exit();
}

Result<void, TaskError> Kernel::rebind(TaskId id, void* arg, void* owner) noexcept {
  return with_task(id, [&](Task& t) -> Result<void, TaskError> {
    if (&t == current_) return bad_state(t);
    t.arg = arg;
    t.owner = owner;
    reset_context(t);
    if (t.state == TaskState::Dead) {
      t.exit_reason = ExitReason::None;
      if (t.triggered) {
        await_trigger(t);
      } else {
        release(t, now());
      }
    } else if (!t.activation_pending && t.state != TaskState::Suspended) {
      // It was mid-run or parked: its old stack is gone, so it starts a fresh run now.
      unlink_everywhere(t);
      release(t, now());
    }
    return {};
  });
}

std::size_t Kernel::reap_dead() noexcept {
  port::kernel_enter();
  std::size_t n = 0;
  for (std::size_t i = 0; i < table_.capacity(); ++i) {
    Task& t = table_.at(i);
    if (t.state == TaskState::Dead) {
      table_.release(t);
      ++n;
    }
  }
  port::kernel_exit();
  return n;
}

// --- interrupts -----------------------------------------------------------------

// The value is stored before the id (release) and the id before the bit, so
// whoever sees the bit sees a complete post. The kernel takes the bits, then
// each id (exchange), then reads the value: a post that lands in between is
// delivered with the newest value, and again at the next step (its bit is
// set again) — merged posts, never a lost one.
bool Kernel::post_from_interrupt(TaskId to, Notification value) noexcept {
  if (!to.valid() || to.slot() >= table_.capacity()) return false;
  Task& t = table_.at(to.slot());
  std::atomic_ref<std::uint32_t>(t.posted_value).store(value.raw, std::memory_order_relaxed);
  std::atomic_ref<std::uint32_t>(t.posted_id).store(to.raw, std::memory_order_release);
  posted_slots_.fetch_or(1u << (to.slot() % 32), std::memory_order_release);
  port::request_kernel_entry();
  return true;
}

void Kernel::deliver_posts() noexcept {
  std::uint32_t bits = posted_slots_.exchange(0, std::memory_order_acquire);
  while (bits != 0) {
    const unsigned first = static_cast<unsigned>(__builtin_ctz(bits));
    bits &= bits - 1;
    for (std::size_t slot = first; slot < table_.capacity(); slot += 32) {
      Task& t = table_.at(slot);
      const std::uint32_t id = std::atomic_ref<std::uint32_t>(t.posted_id).exchange(Task::kNoPost, std::memory_order_acquire);
      if (id == Task::kNoPost) continue;
      const Notification value{std::atomic_ref<std::uint32_t>(t.posted_value).load(std::memory_order_relaxed)};
      Task* live = table_.find(TaskId{id});
      if (live && live->state != TaskState::Dead) notify_locked(*live, value);
    }
  }
}

void Kernel::interrupt_from_port() noexcept {
  if (!running_ || !current_) return;
  deliver_posts();
  Task& t = *current_;
  if (policy_.should_preempt(t, false) == Preempt::ByHigher) {
    t.preempted_by_higher = true;
    switch_to_kernel(SwitchReason::Preempt);
  }
}

// --- ticks ----------------------------------------------------------------------

void Kernel::on_tick() noexcept {
  Task& t = *current_;
  const Time n = now();
  wake_timers(n);
  const Time ran = t.run_cpu + (n - t.slice_start);
  if (over_limit(t, ran)) {
    switch_to_kernel(SwitchReason::Killed);  // never returns: the context is reset
  }
  if (n >= end_) {
    switch_to_kernel(SwitchReason::RunEnd);
    return;
  }
  const bool slice_expired = config_.time_slice > 0 && n - t.slice_start >= config_.time_slice;
  const Preempt p = policy_.should_preempt(t, slice_expired);
  if (p != Preempt::Stay) {
    t.preempted_by_higher = p == Preempt::ByHigher;
    switch_to_kernel(SwitchReason::Preempt);
  }
}

void Kernel::tick_from_port() noexcept {
  if (!running_ || !current_) return;
  if (config_.clock == ClockMode::Virtual) virtual_now_ += config_.tick;
  on_tick();
}

}  // namespace dyn
