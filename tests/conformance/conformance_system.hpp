// conformance_system.hpp — a small system (table, policy, kernel, stacks,
// a recorder of kernel events) that both ports can build: no heap, no
// std::function, fixed capacities. Task bodies are plain functions of a
// TaskContext.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <new>

#include "dyn/kernel.hpp"
#include "dyn/sched_lottery.hpp"
#include "dyn/sched_multilevel.hpp"
#include "dyn/sched_priority.hpp"
#include "dyn/sched_round_robin.hpp"
#include "task_specs.hpp"

#if DYN_CONFORMANCE_GTEST
#include <deque>

#include "host_port.hpp"
#endif

namespace dyn::conformance {

enum class PolicyChoice { Multilevel, RoundRobin, Lottery, Priority };

using specs::deterministic_config;

class Recorder final : public EventSink {
 public:
  struct Segment {
    const char* task;
    Time start, end;
    bool activation_start, activation_end;
  };
  static constexpr std::size_t kMax = 256;

  void on_event(const KernelEvent& e) noexcept override {
    if (!e.task) return;
    if (e.kind == EventKind::RunSegment && count < kMax)
      segments[count++] = {e.task->name, e.start, e.end, e.activation_start, e.activation_end};
    if (e.kind == EventKind::Watchdog && kill_count < kMax) kills[kill_count++] = {e.task->name, e.end, e.end, false, false};
  }
  // "a b c": the tasks in dispatch order (every segment), or in the order their runs started.
  bool dispatch_order_is(const char* expected) const noexcept { return order_is(expected, false); }
  bool run_order_is(const char* expected) const noexcept { return order_is(expected, true); }
  // The start times of one task's runs.
  bool starts_are(const char* task, std::initializer_list<Time> expected) const noexcept {
    const Time* want = expected.begin();
    std::size_t matched = 0;
    for (std::size_t i = 0; i < count; ++i) {
      if (std::strcmp(segments[i].task, task) != 0 || !segments[i].activation_start) continue;
      if (matched >= expected.size() || segments[i].start != want[matched]) return false;
      ++matched;
    }
    return matched == expected.size();
  }
  std::size_t runs_of(const char* task) const noexcept {
    std::size_t n = 0;
    for (std::size_t i = 0; i < count; ++i) n += std::strcmp(segments[i].task, task) == 0 && segments[i].activation_start;
    return n;
  }

  Segment segments[kMax];
  std::size_t count = 0;
  Segment kills[kMax];
  std::size_t kill_count = 0;

 private:
  bool order_is(const char* expected, bool runs_only) const noexcept {
    const char* p = expected;
    for (std::size_t i = 0; i < count; ++i) {
      if (runs_only && !segments[i].activation_start) continue;
      while (*p == ' ') ++p;
      const std::size_t n = std::strlen(segments[i].task);
      if (std::strncmp(p, segments[i].task, n) != 0 || (p[n] != ' ' && p[n] != '\0')) return false;
      p += n;
    }
    while (*p == ' ') ++p;
    return *p == '\0';
  }
};

class System;

// What a task body gets: its system, and the numbers and pointer its test gave it.
struct TaskContext {
  System* system = nullptr;
  void (*body)(TaskContext&) = nullptr;
  Time a = 0, b = 0;
  void* user = nullptr;
  Kernel& kernel() noexcept;
};

class System {
 public:
  static constexpr std::size_t kCapacity = 8;
  static constexpr std::size_t kStackSize = 8 * 1024;

  explicit System(PolicyChoice p, KernelConfig config = deterministic_config(), std::uint64_t seed = 1) noexcept
      : table_(slots_) {
    switch (p) {
      case PolicyChoice::Multilevel: policy_ = new (&policies_.multilevel) MultilevelPolicy(); break;
      case PolicyChoice::RoundRobin: policy_ = new (&policies_.round_robin) RoundRobinPolicy(); break;
      case PolicyChoice::Lottery: policy_ = new (&policies_.lottery) LotteryPolicy(table_, tickets_, seed); break;
      case PolicyChoice::Priority: policy_ = new (&policies_.priority) PriorityPolicy(); break;
    }
    choice_ = p;
    config.min_stack = kStackSize / 2;
    kernel_ = new (&kernel_storage_) Kernel(table_, *policy_, config, &recorder);
  }
  ~System() {
    kernel_->~Kernel();
    switch (choice_) {
      case PolicyChoice::Multilevel: policies_.multilevel.~MultilevelPolicy(); break;
      case PolicyChoice::RoundRobin: policies_.round_robin.~RoundRobinPolicy(); break;
      case PolicyChoice::Lottery: policies_.lottery.~LotteryPolicy(); break;
      case PolicyChoice::Priority: policies_.priority.~PriorityPolicy(); break;
    }
  }
  System(const System&) = delete;
  System& operator=(const System&) = delete;

  Kernel& kernel() noexcept { return *kernel_; }
  TaskTable& table() noexcept { return table_; }
  Task& task(TaskId id) noexcept { return *table_.find(id); }

  // A task running `body` with the numbers a, b and the pointer `user`.
  Result<TaskId, TaskError> add(TaskSpec spec, void (*body)(TaskContext&), Time a = 0, Time b = 0,
                                void* user = nullptr) noexcept {
    if (used_ == kCapacity) return Unexpected{TaskError{}};
    TaskContext& c = contexts_[used_];
    c = TaskContext{this, body, a, b, user};
    spec.entry = [](void* arg) noexcept {
      auto& ctx = *static_cast<TaskContext*>(arg);
      ctx.body(ctx);
    };
    spec.arg = &c;
    spec.stack = stack(used_++);
    return kernel_->create(spec);
  }

  // The common bodies.
  static void busy(TaskContext& c) noexcept { c.kernel().consume(c.a); }  // a: CPU time of one run
  static void yield_loop(TaskContext& c) noexcept {                      // a: CPU time between yields
    for (;;) {
      c.kernel().consume(c.a);
      c.kernel().yield();
    }
  }

  Recorder recorder;

 private:
  std::span<std::byte> stack([[maybe_unused]] std::size_t i) noexcept {
#if DYN_CONFORMANCE_GTEST
    stacks_.emplace_back(64 * 1024);  // host stacks carry guard pages (and sanitizer room)
    return stacks_.back().span();
#else
    alignas(8) static std::byte stacks[kCapacity][kStackSize];
    return stacks[i];
#endif
  }

  Task slots_[kCapacity];
  TaskTable table_;
  std::uint64_t tickets_[kCapacity] = {};  // the lottery's tree
  union Policies {  // the one the test chose lives here
    Policies() noexcept {}
    ~Policies() {}
    MultilevelPolicy multilevel;
    RoundRobinPolicy round_robin;
    LotteryPolicy lottery;
    PriorityPolicy priority;
  } policies_;
  PolicyChoice choice_ = PolicyChoice::Multilevel;
  Policy* policy_ = nullptr;
  alignas(Kernel) std::byte kernel_storage_[sizeof(Kernel)];
  Kernel* kernel_ = nullptr;
  TaskContext contexts_[kCapacity];
  std::size_t used_ = 0;
#if DYN_CONFORMANCE_GTEST
  std::deque<host::TaskStack> stacks_;
#endif
};

inline Kernel& TaskContext::kernel() noexcept { return system->kernel(); }

using specs::job;
using specs::loop;
using specs::onetime;

}  // namespace dyn::conformance
