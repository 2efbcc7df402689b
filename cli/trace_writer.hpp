// trace_writer.hpp — Chrome Trace Event Format output (opens in Perfetto and chrome://tracing).
//
// Streams events to the file as they happen, so a day-long mission needs no
// memory for its trace. One complete event ("ph":"X") per task run segment
// with ts/dur in microseconds of mission time; watchdog stops as instant events
// named "watchdog" with the task in args; each task is a thread named after it.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "dyn/kernel.hpp"
#include "dyn/meta_scheduler.hpp"

namespace dyn::cli {

std::string json_escape(std::string_view s);

class TraceWriter final : public EventSink {
 public:
  // Opens `path` for writing; ok() is false (with error()) if it cannot.
  TraceWriter(const std::string& path, const std::string& mission_name);
  ~TraceWriter();
  TraceWriter(const TraceWriter&) = delete;
  TraceWriter& operator=(const TraceWriter&) = delete;

  bool ok() const { return file_ != nullptr; }
  const std::string& error() const { return error_; }
  void on_event(const KernelEvent& e) noexcept override;
  // A counter track (Perfetto draws it as a graph), e.g. the battery's charge.
  void counter(const char* name, Time ts, const char* series, double value);
  // A meta-scheduler decision, on the scenario task's track: "meta: wake",
  // "meta: held", ... with the reason and the power state it was made under.
  void decision(const Task& task, Time ts, const char* what, const Decision& d, const PowerState& power,
                bool carried_out);
  // Writes the closing bracket; called by the destructor if not before.
  void close();

 private:
  void begin_event();
  unsigned thread_of(const Task& t);  // its track id; names the track the first time
  std::FILE* file_ = nullptr;
  std::string error_;
  bool first_ = true;
  std::vector<bool> named_;  // per slot: thread_name emitted for the current occupant
  std::vector<std::uint32_t> named_id_;
};

}  // namespace dyn::cli
