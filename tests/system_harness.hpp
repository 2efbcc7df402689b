// system_harness.hpp — a small system (table, policy, kernel, stacks) for tests,
// with task bodies written as lambdas and a recorder of kernel events.
#pragma once

#include <algorithm>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dyn/kernel.hpp"
#include "dyn/sched_lottery.hpp"
#include "dyn/sched_multilevel.hpp"
#include "dyn/sched_priority.hpp"
#include "dyn/sched_round_robin.hpp"
#include "conformance/task_specs.hpp"
#include "host_port.hpp"

namespace dyn::test {

struct Segment {
  std::string task;
  Time start;
  Time end;
  bool activation_start;
  bool activation_end;
};

class Recorder final : public EventSink {
 public:
  void on_event(const KernelEvent& e) noexcept override {
    if (!e.task) return;
    if (e.kind == EventKind::RunSegment)
      segments.push_back({e.task->name, e.start, e.end, e.activation_start, e.activation_end});
    if (e.kind == EventKind::Watchdog) kills.push_back({e.task->name, e.end, e.end, false, false});
  }
  // Start times of the runs (activations) of one task.
  std::vector<Time> starts(const std::string& task) const {
    std::vector<Time> out;
    for (const Segment& s : segments)
      if (s.task == task && s.activation_start) out.push_back(s.start);
    return out;
  }
  // Task names in the order their runs started.
  std::vector<std::string> run_order() const {
    std::vector<std::string> out;
    for (const Segment& s : segments)
      if (s.activation_start) out.push_back(s.task);
    return out;
  }
  // Task names in dispatch order (every segment).
  std::vector<std::string> dispatch_order() const {
    std::vector<std::string> out;
    for (const Segment& s : segments) out.push_back(s.task);
    return out;
  }
  std::vector<Segment> segments;
  std::vector<Segment> kills;
};

enum class PolicyChoice { Multilevel, RoundRobin, Lottery, Priority };

using specs::deterministic_config;

class System {
 public:
  explicit System(PolicyChoice p, KernelConfig config = deterministic_config(), std::size_t capacity = 16,
                  std::uint64_t seed = 1)
      : slots_(capacity), table_(slots_), tickets_(capacity, 0) {
    switch (p) {
      case PolicyChoice::Multilevel: policy_ = &multilevel_.emplace(); break;
      case PolicyChoice::RoundRobin: policy_ = &round_robin_.emplace(); break;
      case PolicyChoice::Lottery: policy_ = &lottery_.emplace(table_, tickets_, seed); break;
      case PolicyChoice::Priority: policy_ = &priority_.emplace(); break;
    }
    kernel_.emplace(table_, *policy_, config, &recorder);
  }

  Kernel& kernel() { return *kernel_; }
  TaskTable& table() { return table_; }

  // Creates a task whose body is `body`; spec.entry/arg/stack are filled in.
  Result<TaskId, TaskError> add(TaskSpec spec, std::function<void()> body) {
    bodies_.push_back(std::move(body));
    stacks_.emplace_back(64 * 1024);
    spec.entry = [](void* arg) noexcept { (*static_cast<std::function<void()>*>(arg))(); };
    spec.arg = &bodies_.back();
    spec.stack = stacks_.back().span();
    return kernel_->create(spec);
  }

  // Shorthands for the common bodies.
  std::function<void()> busy(Time d) {
    return [this, d] { kernel_->consume(d); };
  }
  std::function<void()> yield_loop(Time d) {
    return [this, d] {
      for (;;) {
        kernel_->consume(d);
        kernel_->yield();
      }
    };
  }
  static std::function<void()> spin() {
    return [] {
      for (volatile unsigned long i = 0;;) i = i + 1;
    };
  }

  Task& task(TaskId id) { return *table_.find(id); }

  Recorder recorder;

 private:
  std::vector<Task> slots_;
  TaskTable table_;
  std::vector<std::uint64_t> tickets_;
  std::optional<MultilevelPolicy> multilevel_;
  std::optional<RoundRobinPolicy> round_robin_;
  std::optional<LotteryPolicy> lottery_;
  std::optional<PriorityPolicy> priority_;
  Policy* policy_ = nullptr;
  std::optional<Kernel> kernel_;
  std::deque<std::function<void()>> bodies_;
  std::deque<host::TaskStack> stacks_;
};

using specs::job;
using specs::loop;
using specs::onetime;
using specs::triggered;

}  // namespace dyn::test
