// task_names.cpp — the words for task errors, states and exit reasons.
//
// Apart from the code that uses the values, so that an image that never
// prints them (a flight image reports the numbers; the ground has the words)
// links none of these strings.
#include "dyn/task_table.hpp"

#include "dyn/error_text.hpp"

namespace dyn {

const char* to_string(TaskErrc e) noexcept {
  switch (e) {
    case TaskErrc::TableFull: return DYN_ERROR_TEXT("TableFull", "task table full (capacity is fixed at first deploy)");
    case TaskErrc::NameEmpty: return DYN_ERROR_TEXT("NameEmpty", "task name is empty");
    case TaskErrc::NameTooLong: return DYN_ERROR_TEXT("NameTooLong", "task name longer than 31 bytes");
    case TaskErrc::NameTaken: return DYN_ERROR_TEXT("NameTaken", "a live task already has this name");
    case TaskErrc::NoEntry: return DYN_ERROR_TEXT("NoEntry", "task has no entry function");
    case TaskErrc::BadLevel: return DYN_ERROR_TEXT("BadLevel", "level must be 1..6");
    case TaskErrc::BadPriority: return DYN_ERROR_TEXT("BadPriority", "priority must be 0..31");
    case TaskErrc::StackTooSmall: return DYN_ERROR_TEXT("StackTooSmall", "stack smaller than the kernel minimum");
    case TaskErrc::BadTiming: return DYN_ERROR_TEXT("BadTiming", "interval, watchdog and delay must not be negative");
    case TaskErrc::BadTrigger:
      return DYN_ERROR_TEXT("BadTrigger",
          "a triggered task is a job without interval or onetime (its notifications set when it runs)");
    case TaskErrc::NoSuchTask: return DYN_ERROR_TEXT("NoSuchTask", "no such task (free slot or stale id)");
    case TaskErrc::BadState: return DYN_ERROR_TEXT("BadState", "operation not allowed in the task's current state");
  }
  return "unknown task error";
}

const char* to_string(TaskState s) noexcept {
  switch (s) {
    case TaskState::Free: return "free";
    case TaskState::Ready: return "ready";
    case TaskState::Running: return "running";
    case TaskState::Sleeping: return "sleeping";
    case TaskState::Waiting: return "waiting";
    case TaskState::Suspended: return "suspended";
    case TaskState::Dead: return "dead";
  }
  return "?";
}

const char* to_string(ExitReason r) noexcept {
  switch (r) {
    case ExitReason::None: return "-";
    case ExitReason::Completed: return "completed";
    case ExitReason::Watchdog: return "watchdog";
    case ExitReason::StackOverflow: return "stack overflow";
    case ExitReason::Removed: return "removed";
    case ExitReason::Fault: return "fault";
  }
  return "?";
}

}  // namespace dyn
