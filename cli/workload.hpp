// workload.hpp — built-in task workloads for missions without modules.
//
// A workload is a list of steps run in order, each optionally repeated:
//   busy:D        use D of CPU                   (e.g. busy:2ms)
//   yield[:D]     use D of CPU (default 0), then yield
//   sleep:D       sleep for D
//   wait[:D]      wait for a notification, at most D (default: forever)
//   notify:TASK[:MSG[:REPEATS]]  send TASK a notification (message 24-bit, repeats 8-bit)
//   spin          loop forever without calling the kernel (watchdog tests)
// Steps are separated by commas; " xN" after a step repeats it N times:
//   "yield:1ms x5"   "busy:1ms, sleep:10ms"
// A job runs the list once per activation; a loop task runs it forever.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dyn/kernel.hpp"
#include "dyn/mission_plan.hpp"

namespace dyn::cli {

struct WorkStep {
  enum class Kind { Busy, Yield, Sleep, Wait, Notify, Spin } kind = Kind::Busy;
  Time duration = 0;
  std::uint32_t repeat = 1;
  std::string target;          // notify
  std::uint32_t message = 0;   // notify
  std::uint8_t repeats = 0;    // notify
};

struct Workload {
  std::vector<WorkStep> steps;
  std::vector<PlanStep> plan;             // the steps as the core runs them (plan_steps(), before the task starts)
  bool loop = false;
  Kernel* kernel = nullptr;               // set by the runner before the task starts
  std::vector<TaskId> targets;            // resolved notify targets, one per step (invalid if n/a)
  std::uint64_t notifications_received = 0;
};

// Parses a work string; on error returns nullopt and sets *why.
std::optional<std::vector<WorkStep>> parse_work(std::string_view text, std::string* why);

// The steps as the core's interpreter takes them (dyn/mission_plan.hpp):
// a notify step's target is its own index into Workload::targets.
std::vector<PlanStep> plan_steps(const std::vector<WorkStep>& steps);

// Task entry for a Workload (arg = Workload*): dyn::run_plan_steps, the
// interpreter a compiled mission's tasks run too.
void run_workload(void* arg) noexcept;

}  // namespace dyn::cli
