// meta_task.cpp — one meta-scheduler pass, carried out on the kernel.
#include "dyn/meta_task.hpp"

namespace dyn {

Result<MetaTask, MetaError> MetaTask::create(Kernel& kernel, MetaScheduler& meta, std::span<const TaskId> tasks,
                                             std::span<Decision> decisions, PowerSource* power,
                                             DecisionSink* sink) noexcept {
  if (tasks.size() < meta.size())
    return Unexpected{MetaError{MetaError::Code::OutputTooSmall, static_cast<std::int64_t>(tasks.size())}};
  if (decisions.size() < meta.size())
    return Unexpected{MetaError{MetaError::Code::OutputTooSmall, static_cast<std::int64_t>(decisions.size())}};
  // Each scenario's task may read its own settings, and only those: it is
  // handed the view its scenario's token gives (dyn_scenario_settings).
  for (std::size_t i = 0; i < meta.size(); ++i) {
    auto token = meta.issue_token(i);
    if (Task* t = kernel.table().find(tasks[i]); t && token) t->scenario = &meta.settings(token.value());
  }
  return MetaTask(kernel, meta, tasks, decisions, power, sink);
}

void MetaTask::job(void* arg) noexcept { (void)static_cast<MetaTask*>(arg)->pass(); }

Result<std::size_t, MetaError> MetaTask::pass() noexcept {
  const Time now = kernel_->now();
  const PowerState power = power_ ? power_->power_state(now) : PowerState{};
  auto ran = meta_->run(now, power, decisions_);
  if (!ran) return ran;
  last_count_ = ran.value();
  ++stats_.passes;
  for (std::size_t i = 0; i < last_count_; ++i) {
    const Decision& d = decisions_[i];
    const TaskId task = tasks_[d.index];
    bool carried_out = true;
    switch (d.action) {
      case Action::Wake:
        carried_out = static_cast<bool>(kernel_->wake(task, d.wake, d.lease_end));
        if (carried_out) ++stats_.wakes;
        break;
      case Action::Stop:
        carried_out = static_cast<bool>(kernel_->stop_repeats(task));
        if (carried_out) ++stats_.stops;
        break;
      case Action::Keep:
      case Action::None:
        if (held_for_power(d.reason)) ++stats_.held_for_power;
        break;
    }
    if (!carried_out) ++stats_.refused;
    if (sink_) sink_->on_decision(now, d, task, power, carried_out);
  }
  return ran;
}

}  // namespace dyn
