// trace_writer.cpp — streaming Chrome Trace Event JSON.
#include "trace_writer.hpp"

#include "fault_report.hpp"
#include "dyn/update_manager.hpp"

#include <cerrno>
#include <cinttypes>
#include <cstring>

namespace dyn::cli {

std::string json_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out;
}

TraceWriter::TraceWriter(const std::string& path, const std::string& mission_name) {
  file_ = std::fopen(path.c_str(), "w");
  if (!file_) {
    error_ = path + ": " + std::strerror(errno);
    return;
  }
  std::fprintf(file_, "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n");
  begin_event();
  std::fprintf(file_, R"({"name":"process_name","ph":"M","pid":1,"tid":0,"args":{"name":"dynsched %s"}})",
               json_escape(mission_name).c_str());
}

TraceWriter::~TraceWriter() { close(); }

void TraceWriter::close() {
  if (!file_) return;
  std::fprintf(file_, "\n]}\n");
  std::fclose(file_);
  file_ = nullptr;
}

void TraceWriter::begin_event() {
  if (!first_) std::fputs(",\n", file_);
  first_ = false;
}

void TraceWriter::counter(const char* name, Time ts, const char* series, double value) {
  if (!file_) return;
  begin_event();
  std::fprintf(file_, R"({"name":"%s","ph":"C","ts":%)" PRId64 R"(,"pid":1,"args":{"%s":%.3f}})", name, ts, series,
               value);
}

unsigned TraceWriter::thread_of(const Task& t) {
  const unsigned tid = t.id.slot() + 1u;
  if (tid >= named_.size()) {
    named_.resize(tid + 1, false);
    named_id_.resize(tid + 1, 0);
  }
  if (!named_[tid] || named_id_[tid] != t.id.raw) {
    named_[tid] = true;
    named_id_[tid] = t.id.raw;
    begin_event();
    std::fprintf(file_, R"({"name":"thread_name","ph":"M","pid":1,"tid":%u,"args":{"name":"%s"}})", tid,
                 json_escape(t.name).c_str());
  }
  return tid;
}

void TraceWriter::decision(const Task& task, Time ts, const char* what, const Decision& d, const PowerState& power,
                           bool carried_out) {
  if (!file_) return;
  const unsigned tid = thread_of(task);
  begin_event();
  std::fprintf(file_,
               R"({"name":"meta: %s","cat":"meta","ph":"i","s":"t","ts":%)" PRId64
               R"(,"pid":1,"tid":%u,"args":{"task":"%s","reason":"%s","charge_percent":%.1f,"sunlight":%s,)"
               R"("charging":%s,"budget_percent":%u,"report":"%s","carried_out":%s}})",
               what, ts, tid, json_escape(task.name).c_str(), to_string(d.reason), power.charge_permille / 10.0,
               power.in_sunlight ? "true" : "false", power.charging ? "true" : "false", power.budget_percent,
               to_string(d.report), carried_out ? "true" : "false");
}

void TraceWriter::on_event(const KernelEvent& e) noexcept {
  if (!file_) return;
  if (!e.task) {
    if (e.kind == EventKind::Update && e.text) {  // the task is gone (removed meanwhile)
      begin_event();
      std::fprintf(file_, R"({"name":"%s","cat":"update","ph":"i","s":"p","ts":%)" PRId64
                          R"(,"pid":1,"tid":0,"args":{"severity":%)" PRIu64 R"(,"text":"%s"}})",
                   to_string(static_cast<UpdateStep>(e.step)), e.end, e.value, json_escape(e.text).c_str());
    } else if (e.kind == EventKind::Log && e.text) {
      begin_event();
      std::fprintf(file_, R"({"name":"log","cat":"log","ph":"i","s":"p","ts":%)" PRId64
                          R"(,"pid":1,"tid":0,"args":{"severity":%)" PRIu64 R"(,"text":"%s"}})",
                   e.end, e.value, json_escape(e.text).c_str());
    }
    return;
  }
  const Task& t = *e.task;
  const unsigned tid = thread_of(t);
  const std::string name = json_escape(t.name);
  switch (e.kind) {
    case EventKind::RunSegment:
      begin_event();
      std::fprintf(file_,
                   R"({"name":"%s","cat":"run","ph":"X","ts":%)" PRId64 R"(,"dur":%)" PRId64
                   R"(,"pid":1,"tid":%u,"args":{"run":%)" PRIu64 R"(,"start":%s,"end":%s}})",
                   name.c_str(), e.start, e.end - e.start, tid, e.value, e.activation_start ? "true" : "false",
                   e.activation_end ? "true" : "false");
      break;
    case EventKind::Watchdog:
      begin_event();
      std::fprintf(file_,
                   R"({"name":"watchdog","cat":"fault","ph":"i","s":"t","ts":%)" PRId64
                   R"(,"pid":1,"tid":%u,"args":{"task":"%s","cpu_us":%)" PRIu64 R"(,"limit_us":%)" PRId64 "}}",
                   e.end, tid, name.c_str(), e.value, t.watchdog);
      break;
    case EventKind::Fault: {
      const FaultRecord& f = t.fault;
      begin_event();
      std::fprintf(file_,
                   R"({"name":"fault","cat":"fault","ph":"i","s":"t","ts":%)" PRId64
                   R"(,"pid":1,"tid":%u,"args":{"task":"%s","kind":"%s","module":"%s","version":%u,)"
                   R"("address":"0x%)" PRIx64 R"(","pc":"0x%)" PRIx64 R"(","where":"%s"}})",
                   e.end, tid, name.c_str(), to_string(f.kind), json_escape(f.module).c_str(), f.version, f.address,
                   f.pc, json_escape(fault_location(f)).c_str());
      break;
    }
    case EventKind::TaskExited:
      begin_event();
      std::fprintf(file_,
                   R"({"name":"exit","cat":"task","ph":"i","s":"t","ts":%)" PRId64
                   R"(,"pid":1,"tid":%u,"args":{"task":"%s","reason":"%s"}})",
                   e.end, tid, name.c_str(), to_string(static_cast<ExitReason>(e.value)));
      break;
    case EventKind::Notified:
      begin_event();
      std::fprintf(file_,
                   R"({"name":"notify","cat":"task","ph":"i","s":"t","ts":%)" PRId64
                   R"(,"pid":1,"tid":%u,"args":{"task":"%s","message":%u,"repeats":%u}})",
                   e.end, tid, name.c_str(), static_cast<unsigned>(e.value & 0xFFFFFF),
                   static_cast<unsigned>(e.value >> 24));
      break;
    case EventKind::Log:
      begin_event();
      std::fprintf(file_,
                   R"({"name":"log","cat":"log","ph":"i","s":"t","ts":%)" PRId64
                   R"(,"pid":1,"tid":%u,"args":{"task":"%s","severity":%)" PRIu64 R"(,"text":"%s"}})",
                   e.end, tid, name.c_str(), e.value, json_escape(e.text ? e.text : "").c_str());
      break;
    case EventKind::Update:
      // On the task's own track, named after the step, so Perfetto shows
      // "update: committed" where it happened; the message says the rest.
      begin_event();
      std::fprintf(file_,
                   R"({"name":"%s","cat":"update","ph":"i","s":"t","ts":%)" PRId64
                   R"(,"pid":1,"tid":%u,"args":{"task":"%s","severity":%)" PRIu64 R"(,"text":"%s"}})",
                   to_string(static_cast<UpdateStep>(e.step)), e.end, tid, name.c_str(), e.value,
                   json_escape(e.text ? e.text : "").c_str());
      break;
    case EventKind::TaskCreated:
      break;
  }
}

}  // namespace dyn::cli
