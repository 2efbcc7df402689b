// policy.hpp — the one small interface every scheduling policy implements.
//
// The kernel owns tasks, time, timers and the watchdog; a policy only decides
// which ready task runs next and whether the running one should give way at a
// tick. Policies never allocate: their structures are intrusive hooks in the
// Task or storage handed in at construction.
#pragma once

#include "dyn/task.hpp"
#include "dyn/time.hpp"

namespace dyn {

enum class ReadyReason : std::uint8_t {
  Released,         // a new activation became due (first release, interval, onetime delay)
  Woken,            // sleep ended, notification arrived, resumed
  Yielded,          // gave the CPU up voluntarily
  SliceExpired,     // preempted at a tick because its time slice ran out
  PreemptedByHigher // preempted at a tick by a more important ready task
};

enum class Preempt : std::uint8_t { Stay, SliceExpired, ByHigher };

class Policy {
 public:
  virtual const char* name() const noexcept = 0;

  // Whether the policy keeps future releases of recurring and delayed jobs
  // itself (seed 001's profile) rather than the kernel timer tree.
  virtual bool holds_releases() const noexcept = 0;
  // Only called when holds_releases(): the task's next activation is due at `due`.
  virtual void hold_release(Task& t, Time due) noexcept = 0;
  // Earliest held release, or kNever.
  virtual Time next_release() const noexcept = 0;

  virtual void make_ready(Task& t, ReadyReason why) noexcept = 0;
  // Drops the task from every structure of this policy (no-op if in none).
  virtual void remove(Task& t) noexcept = 0;
  // Moves due held releases into the ready structure; returns whether any
  // task is ready (seed 001's passive method).
  virtual bool poll(Time now) noexcept = 0;
  // Next task to run, taken out of the ready structure; nullptr if none.
  // Call poll() first.
  virtual Task* pick(Time now) noexcept = 0;
  // At a tick, with `running` on the CPU: should it give way now, and why?
  virtual Preempt should_preempt(const Task& running, bool slice_expired) const noexcept = 0;

 protected:
  ~Policy() = default;  // not deleted through the interface: no operator delete in the core
};

}  // namespace dyn
