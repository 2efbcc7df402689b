// meta_task.hpp — the meta-scheduler at work (seed 003): a recurring job that
// samples the power state, runs one MetaScheduler pass and carries each
// decision out on the kernel.
//
//   Wake  -> Kernel::notify(scenario task, 24-bit id + 8-bit repeats): a
//            triggered job is released now, or renewed if it already recurs
//   Stop  -> Kernel::stop_repeats(scenario task): its next release is withdrawn
//   Keep, None -> nothing (a None is still reported, with its reason)
//
// Every decision goes to the DecisionSink with the power state it was made
// under, so the host can trace and plot it ("held for power: battery low").
// No heap: the scenario-to-task map and the decision buffer are spans.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "dyn/kernel.hpp"
#include "dyn/meta_scheduler.hpp"
#include "dyn/power_state.hpp"

namespace dyn {

// Where the power state comes from (the power subsystem; a model on the host).
class PowerSource {
 public:
  virtual PowerState power_state(Time now) noexcept = 0;

 protected:
  ~PowerSource() = default;
};

class DecisionSink {
 public:
  // `task` is the scenario's task; `carried_out` is false when the kernel
  // refused the wake or stop (the task was removed, or is not triggered).
  virtual void on_decision(Time now, const Decision& d, TaskId task, const PowerState& power,
                           bool carried_out) noexcept = 0;

 protected:
  ~DecisionSink() = default;
};

// A None whose reason is the power system's, not the calendar's or the operator's.
constexpr bool held_for_power(Reason r) noexcept {
  return r == Reason::BatteryLow || r == Reason::NoPowerSource || r == Reason::BatteryMutex || r == Reason::Budget;
}

struct MetaStats {
  std::uint64_t passes = 0;
  std::uint64_t wakes = 0;         // notifications sent (first wakes and renewals)
  std::uint64_t stops = 0;
  std::uint64_t held_for_power = 0;  // None decisions with a power reason
  std::uint64_t refused = 0;       // wakes/stops the kernel refused
};

class MetaTask {
 public:
  // tasks[i] is the triggered job of scenario i; decisions is scratch space
  // for one pass. Both at least as long as the scenario table.
  [[nodiscard]] static Result<MetaTask, MetaError> create(Kernel& kernel, MetaScheduler& meta,
                                                          std::span<const TaskId> tasks,
                                                          std::span<Decision> decisions,
                                                          PowerSource* power = nullptr,
                                                          DecisionSink* sink = nullptr) noexcept;

  // TaskEntry of the meta-scheduler's job: arg is the MetaTask. Create the
  // job with interval = MetaScheduler::period().
  static void job(void* arg) noexcept;

  // One pass at the kernel's time (from the job, or from the system).
  [[nodiscard]] Result<std::size_t, MetaError> pass() noexcept;

  const MetaStats& stats() const noexcept { return stats_; }
  // The decisions of the latest pass, in scenario order.
  std::span<const Decision> last() const noexcept { return decisions_.first(last_count_); }

 private:
  MetaTask(Kernel& kernel, MetaScheduler& meta, std::span<const TaskId> tasks, std::span<Decision> decisions,
           PowerSource* power, DecisionSink* sink) noexcept
      : kernel_(&kernel), meta_(&meta), tasks_(tasks), decisions_(decisions), power_(power), sink_(sink) {}

  Kernel* kernel_;
  MetaScheduler* meta_;
  std::span<const TaskId> tasks_;
  std::span<Decision> decisions_;
  PowerSource* power_;
  DecisionSink* sink_;
  std::size_t last_count_ = 0;
  MetaStats stats_;
};

}  // namespace dyn
