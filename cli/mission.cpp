// mission.cpp — mission files: TOML via toml++, checked key by key.
#include "mission.hpp"

#include <filesystem>

#include "dyn/module_store.hpp"
#include "dyn/package.hpp"
#include "input_file.hpp"

#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include <toml++/toml.h>

#include "duration.hpp"

namespace dyn::cli {

namespace {

// Names go into logs, traces, the store and terminals: printable ASCII only
// (no NUL that would cut them short, no escape sequences).
bool printable_name(const std::string& s) {
  for (const char c : s)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7E) return false;
  return true;
}

struct Fail {
  MissionError error;
};

int line_of(const toml::node& n) { return static_cast<int>(n.source().begin.line); }

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(int line, std::string key, std::string message) const {
    throw Fail{MissionError{file_, line, std::move(key), std::move(message)}};
  }

  // Rejects keys that the format does not know, naming the first one.
  void only_keys(const toml::table& t, const std::string& where, std::initializer_list<std::string_view> allowed) const {
    for (const auto& [k, v] : t) {
      bool ok = false;
      for (auto a : allowed) ok = ok || k.str() == a;
      if (!ok) {
        std::string list;
        for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        fail(line_of(v), join(where, k.str()), "unknown key (allowed here: " + list + ")");
      }
    }
  }

  static std::string join(const std::string& where, std::string_view key) {
    return where.empty() ? std::string(key) : where + "." + std::string(key);
  }

  std::optional<std::string> string(const toml::table& t, const std::string& where, std::string_view key) const {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    if (!n->is_string()) fail(line_of(*n), join(where, key), "expected a string");
    return n->value<std::string>();
  }

  std::optional<std::int64_t> integer(const toml::table& t, const std::string& where, std::string_view key,
                                      std::int64_t lo, std::int64_t hi) const {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    if (!n->is_integer()) fail(line_of(*n), join(where, key), "expected an integer");
    const std::int64_t v = *n->value<std::int64_t>();
    if (v < lo || v > hi)
      fail(line_of(*n), join(where, key),
           "value " + std::to_string(v) + " out of range " + std::to_string(lo) + ".." + std::to_string(hi));
    return v;
  }

  std::optional<Time> duration(const toml::table& t, const std::string& where, std::string_view key) const {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    if (!n->is_string())
      fail(line_of(*n), join(where, key), "expected a duration string such as \"10s\", \"2ms\", \"15m\"");
    const std::string text = *n->value<std::string>();
    auto d = parse_duration(text);
    if (!d) fail(line_of(*n), join(where, key), "bad duration \"" + text + "\" (use a number and us, ms, s, m, h or d)");
    return d;
  }

  std::optional<double> number(const toml::table& t, const std::string& where, std::string_view key, double lo,
                               double hi) const {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    if (!n->is_number()) fail(line_of(*n), join(where, key), "expected a number");
    const double v = n->is_integer() ? static_cast<double>(*n->value<std::int64_t>()) : *n->value<double>();
    if (!(v >= lo && v <= hi))
      fail(line_of(*n), join(where, key), "value " + std::to_string(v) + " out of range " + std::to_string(lo) + ".." +
                                              std::to_string(hi));
    return v;
  }

  std::optional<std::size_t> size(const toml::table& t, const std::string& where, std::string_view key) const {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    if (n->is_integer() && *n->value<std::int64_t>() > 0) return static_cast<std::size_t>(*n->value<std::int64_t>());
    if (n->is_string())
      if (auto s = parse_size(*n->value<std::string>())) return s;
    fail(line_of(*n), join(where, key), "expected a size in bytes, e.g. 65536 or \"64KiB\"");
  }

 private:
  std::string file_;
};

// Where and how a task is scheduled: the keys a [[task]] and a task added by
// an [[update]] share.
// A task stack: at least what the kernel's frames need, at most what an
// on-board computer could give one task (and the host maps it at once).
constexpr std::size_t kMinStack = 8192;
constexpr std::size_t kMaxStack = 64u << 20;
constexpr const char* kStackRange = "stack must be 8192 bytes to 64 MiB";

void read_schedule(const Reader& r, const toml::table& t, const std::string& where, MissionTask& task) {
  if (auto v = r.integer(t, where, "level", 1, kLevelCount)) task.level = static_cast<std::uint8_t>(*v);
  if (auto v = r.integer(t, where, "priority", 0, kPriorityCount - 1)) task.priority = static_cast<std::uint8_t>(*v);
  if (auto v = r.integer(t, where, "tickets", 1, 1'000'000)) task.tickets = static_cast<std::uint32_t>(*v);
  if (auto v = r.duration(t, where, "interval")) task.interval = *v;
  if (auto v = r.duration(t, where, "watchdog")) task.watchdog = *v;
  if (auto v = r.size(t, where, "stack")) {
    if (*v < kMinStack || *v > kMaxStack) r.fail(line_of(*t.get("stack")), where + ".stack", kStackRange);
    task.stack = *v;
  }
}

// model = "job" or "loop"; without it, a job if it has an interval, else a loop.
void read_model(const Reader& r, const toml::table& t, const std::string& where, MissionTask& task) {
  if (auto model = r.string(t, where, "model")) {
    if (*model == "job") task.model = RunModel::Job;
    else if (*model == "loop") task.model = RunModel::Loop;
    else r.fail(line_of(*t.get("model")), where + ".model", "expected \"job\" or \"loop\", got \"" + *model + "\"");
  } else {
    task.model = task.interval > 0 ? RunModel::Job : RunModel::Loop;
  }
}

// on_fault = "hold" (the default) or "restart", with max_restarts (1..255,
// default 3) per restart_window (default 1m; "0s": the whole mission).
void read_supervision(const Reader& r, const toml::table& t, const std::string& where, MissionTask& task) {
  const auto on_fault = r.string(t, where, "on_fault");
  const bool restart = on_fault && *on_fault == "restart";
  if (on_fault && !restart && *on_fault != "hold")
    r.fail(line_of(*t.get("on_fault")), where + ".on_fault", "expected \"hold\" or \"restart\", got \"" + *on_fault + "\"");
  const auto limit = r.integer(t, where, "max_restarts", 1, 255);
  const auto window = r.duration(t, where, "restart_window");
  if ((limit || window) && !restart)
    r.fail(line_of(*t.get(limit ? "max_restarts" : "restart_window")), where + (limit ? ".max_restarts" : ".restart_window"),
           "only a task with on_fault = \"restart\" is restarted: add it, or drop this key");
  if (!restart) return;
  task.restarts = static_cast<std::uint8_t>(limit ? *limit : 3);
  task.restart_window = window ? *window : 60 * kSecond;
  if (task.restart_window < 0) r.fail(line_of(*t.get("restart_window")), where + ".restart_window", "must not be negative");
}

// expect = "watchdog" and note = "...": what the mission says of a task's
// stops, so a run that stops it on purpose does not read as a failure.
constexpr std::size_t kNoteMax = 200;

void read_expectation(const Reader& r, const toml::table& t, const std::string& where, MissionTask& task) {
  if (auto note = r.string(t, where, "note")) {
    if (note->empty() || note->size() > kNoteMax || !printable_name(*note))
      r.fail(line_of(*t.get("note")), where + ".note",
             "a note is one line of 1.." + std::to_string(kNoteMax) + " printable ASCII characters, got " +
                 std::to_string(note->size()) + (printable_name(*note) ? "" : " with a control character"));
    task.note = *note;
  }
  auto expect = r.string(t, where, "expect");
  if (!expect) return;
  const int line = line_of(*t.get("expect"));
  if (*expect != "watchdog")
    r.fail(line, where + ".expect",
           "expected \"watchdog\" (its watchdog stops are intended), got \"" + *expect + "\"");
  if (task.watchdog == 0)
    r.fail(line, where + ".expect", "expect = \"watchdog\" but the task has no watchdog: give it one (watchdog = \"250ms\")");
  if (task.note.empty())
    r.fail(line, where + ".note", "expect = \"watchdog\" needs a note saying why the stops are intended");
  task.expect_watchdog = true;
}

void read_task(const Reader& r, const toml::table& t, const std::string& where, bool onetime, bool triggered,
               const Mission& m, MissionTask& task) {
  if (onetime)
    r.only_keys(t, where,
                {"name", "delay", "work", "module", "level", "priority", "tickets", "watchdog", "stack", "power_w",
                 "expect", "note", "on_fault", "max_restarts", "restart_window"});
  else
    r.only_keys(t, where, {"name", "level", "priority", "tickets", "interval", "watchdog", "delay", "work", "module",
                           "model", "stack", "power_w", "expect", "note", "on_fault", "max_restarts", "restart_window"});
  task.line = line_of(t);
  task.onetime = onetime;
  auto name = r.string(t, where, "name");
  if (!name) r.fail(task.line, where + ".name", "every task needs a name");
  if (name->empty() || name->size() > kTaskNameMax)
    r.fail(line_of(*t.get("name")), where + ".name", "name must be 1..31 bytes, got " + std::to_string(name->size()));
  if (!printable_name(*name))
    r.fail(line_of(*t.get("name")), where + ".name",
           "name must be printable ASCII (no control characters such as NUL or ESC)");
  task.name = *name;
  read_schedule(r, t, where, task);
  if (auto v = r.duration(t, where, "delay")) task.delay = *v;
  if (task.interval < 0) r.fail(task.line, where + ".interval", "must not be negative");
  if (auto v = r.number(t, where, "power_w", 0, 1e6)) task.power_w = *v;
  read_expectation(r, t, where, task);
  read_supervision(r, t, where, task);
  auto work = r.string(t, where, "work");
  auto module = r.string(t, where, "module");
  if (work && module)
    r.fail(line_of(*t.get("module")), where + ".module", "a task runs either a module or a built-in work, not both");
  if (!work && !module)
    r.fail(task.line, where + ".work",
           "every task needs a module (module = \"beacon\") or a built-in workload (work = \"busy:2ms\")");
  if (module) {
    if (module->empty()) r.fail(line_of(*t.get("module")), where + ".module", "empty module name");
    task.module = *module;
  } else {
    task.work = *work;
    std::string why;
    auto steps = parse_work(*work, &why);
    if (!steps) r.fail(line_of(*t.get("work")), where + ".work", why);
    task.steps = std::move(*steps);
  }
  if (triggered) {
    if (onetime)
      r.fail(task.line, where, "a [[scenario]] drives a recurring [[task]], not an [[onetime]]");
    if (t.get("interval"))
      r.fail(line_of(*t.get("interval")), where + ".interval",
             "task \"" + task.name + "\" is driven by a [[scenario]]: its repeats set how often it runs; remove interval");
    if (t.get("delay"))
      r.fail(line_of(*t.get("delay")), where + ".delay",
             "task \"" + task.name + "\" is driven by a [[scenario]]: it runs when the meta-scheduler wakes it");
    if (auto model = r.string(t, where, "model"); model && *model != "job")
      r.fail(line_of(*t.get("model")), where + ".model", "a scenario's task is a job (it runs to completion when woken)");
    task.model = RunModel::Job;
    task.triggered = true;
    return;
  }
  if (onetime) {
    task.model = RunModel::Job;
  } else {
    read_model(r, t, where, task);
  }
  if (m.policy == PolicyKind::Multilevel && !onetime && task.model == RunModel::Job && task.interval == 0)
    r.fail(task.line, where + ".interval", "a recurring multilevel task needs an interval > 0");
  if (task.model == RunModel::Loop && task.interval > 0)
    r.fail(line_of(*t.get("interval")), where + ".interval",
           "a loop task runs until it exits; interval applies to jobs only (model = \"job\")");
}

// "HH-HH": [start, end) in whole hours; "22-02" wraps midnight.
bool parse_hours(const std::string& text, std::uint8_t* start, std::uint8_t* end) {
  unsigned a = 0, b = 0;
  int used = 0;
  if (std::sscanf(text.c_str(), "%2u-%2u%n", &a, &b, &used) != 2 || used != static_cast<int>(text.size())) return false;
  if (a > 23 || b < 1 || b > 24) return false;
  *start = static_cast<std::uint8_t>(a);
  *end = static_cast<std::uint8_t>(b);
  return true;
}

// The settings keys a [[scenario]] declares and a [[command]] may change,
// applied over `c`.
void read_scenario_settings(const Reader& r, const toml::table& t, const std::string& where, ScenarioConfig& c) {
  if (const toml::node* n = t.get("days")) {
    std::uint8_t mask = 0;
    auto bad = [&] {
      r.fail(line_of(*n), where + ".days",
             "expected \"all\", \"weekdays\", \"weekend\" or a list of mon, tue, wed, thu, fri, sat, sun");
    };
    if (n->is_string()) {
      const std::string v = *n->value<std::string>();
      if (v == "all") mask = kAllWeek;
      else if (v == "weekdays") mask = 0x1F;
      else if (v == "weekend") mask = 0x60;
      else bad();
    } else if (const toml::array* a = n->as_array()) {
      for (const toml::node& d : *a) {
        if (!d.is_string()) bad();
        const std::string v = *d.value<std::string>();
        bool found = false;
        for (int i = 0; i < 7; ++i)
          if (v == to_string(static_cast<WeekDay>(i))) mask = static_cast<std::uint8_t>(mask | (1u << i)), found = true;
        if (!found) bad();
      }
      if (mask == 0) r.fail(line_of(*n), where + ".days", "the list names no day");
    } else {
      bad();
    }
    c.week_mask = mask;
  }
  if (auto v = r.string(t, where, "hours")) {
    if (!parse_hours(*v, &c.hour_start, &c.hour_end) || c.hour_start == c.hour_end)
      r.fail(line_of(*t.get("hours")), where + ".hours",
             "expected \"HH-HH\": the window's first hour 00..23 and the hour it closes 01..24, e.g. \"08-16\", "
             "\"22-02\" (across midnight) or \"00-24\" (all day); got \"" + *v + "\"");
  }
  if (auto v = r.integer(t, where, "repeats", 0, 255)) c.repeats = static_cast<std::uint8_t>(*v);
  if (auto v = r.string(t, where, "priority")) {
    bool found = false;
    for (Priority p : {Priority::Off, Priority::WhenFree, Priority::Always})
      if (*v == to_string(p)) c.priority = p, found = true;
    if (!found)
      r.fail(line_of(*t.get("priority")), where + ".priority",
             "expected \"off\", \"when_free\" or \"always\", got \"" + *v + "\"");
  }
  if (auto v = r.string(t, where, "report")) {
    bool found = false;
    for (ReportPriority p : {ReportPriority::Off, ReportPriority::Pad, ReportPriority::ForcePad, ReportPriority::Force})
      if (*v == to_string(p)) c.report = p, found = true;
    if (!found)
      r.fail(line_of(*t.get("report")), where + ".report",
             "expected \"off\", \"pad\", \"force_pad\" or \"force\", got \"" + *v + "\"");
  }
  if (auto v = r.integer(t, where, "budget", 0, 100)) c.power.budget_percent = static_cast<std::uint8_t>(*v);
  if (const toml::node* n = t.get("battery_mutex")) {
    if (!n->is_boolean()) r.fail(line_of(*n), where + ".battery_mutex", "expected true or false");
    c.power.needs_battery_mutex = *n->value<bool>();
  }
  if (const toml::node* n = t.get("critical")) {
    if (!n->is_boolean()) r.fail(line_of(*n), where + ".critical", "expected true or false");
    c.power.override_power = *n->value<bool>();
  }
  if (const toml::node* n = t.get("runs_on")) {
    const toml::array* a = n->as_array();
    auto bad = [&] {
      r.fail(line_of(*n), where + ".runs_on", "expected a list of \"battery\", \"solar\", \"charging\"");
    };
    if (!a) bad();
    c.power.on_battery = c.power.on_solar = c.power.while_charging = false;
    for (const toml::node& e : *a) {
      if (!e.is_string()) bad();
      const std::string v = *e.value<std::string>();
      if (v == "battery") c.power.on_battery = true;
      else if (v == "solar") c.power.on_solar = true;
      else if (v == "charging") c.power.while_charging = true;
      else bad();
    }
  }
}

Mission read_mission(const toml::table& root, const std::string& file) {
  Reader r(file);
  Mission m;
  m.file = file;
  r.only_keys(root, "",
              {"mission", "scheduler", "task", "onetime", "update", "power", "meta", "scenario", "command", "security"});
  if (const toml::node* n = root.get("security")) {
    if (!n->is_table()) r.fail(line_of(*n), "security", "expected a table [security]");
    const toml::table& t = *n->as_table();
    r.only_keys(t, "security", {"ground_key", "hmac_key", "sequence_window", "require_packages"});
    Mission::Security sec;
    const auto relative = [&](const std::string& path) {
      std::filesystem::path p(path);
      return p.is_relative() ? (std::filesystem::path(file).parent_path() / p).string() : path;
    };
    if (auto v = r.string(t, "security", "ground_key")) sec.ground_key = relative(*v);
    if (auto v = r.string(t, "security", "hmac_key")) sec.hmac_key = relative(*v);
    if (sec.ground_key.empty() == sec.hmac_key.empty())
      r.fail(line_of(t), "security",
             "name exactly one key: ground_key = \"ground.pub\" (Ed25519) or hmac_key = \"sat.hmac\" (HMAC-SHA-256)");
    if (auto v = r.integer(t, "security", "sequence_window", 0, static_cast<std::int64_t>(package_format::kJumpMax)))
      sec.sequence_window = static_cast<std::uint64_t>(*v);
    if (const toml::node* flag = t.get("require_packages")) {
      if (!flag->is_boolean()) r.fail(line_of(*flag), "security.require_packages", "expected true or false");
      else sec.require_packages = flag->as_boolean()->get();
    }
    m.security = sec;
  }
  if (const toml::node* n = root.get("mission")) {
    if (!n->is_table()) r.fail(line_of(*n), "mission", "expected a table [mission]");
    const toml::table& t = *n->as_table();
    r.only_keys(t, "mission", {"name", "spacecraft", "duration", "seed", "checkpoint_every"});
    if (auto v = r.string(t, "mission", "name")) {
      if (!identity_name(*v))
        r.fail(line_of(*t.get("name")), "mission.name", "the mission's name: 1..32 printable characters (a store records it)");
      m.name = *v;
    }
    if (auto v = r.string(t, "mission", "spacecraft")) {
      if (!identity_name(*v))
        r.fail(line_of(*t.get("spacecraft")), "mission.spacecraft",
               "the spacecraft's id: 1..32 printable characters (the store records it)");
      m.spacecraft = *v;
      m.spacecraft_given = true;
    }
    if (auto v = r.duration(t, "mission", "duration")) m.duration = *v;
    if (auto v = r.integer(t, "mission", "seed", 0, INT64_MAX)) m.seed = static_cast<std::uint64_t>(*v);
    if (auto v = r.duration(t, "mission", "checkpoint_every")) m.checkpoint_every = *v;
  }
  if (const toml::node* n = root.get("power")) {
    if (!n->is_table()) r.fail(line_of(*n), "power", "expected a table [power]");
    const toml::table& t = *n->as_table();
    r.only_keys(t, "power", {"orbit_period", "eclipse", "solar_w", "battery_wh", "initial_charge", "charge_efficiency",
                             "discharge_efficiency", "base_load_w", "low_charge"});
    host::PowerConfig c;
    if (auto v = r.duration(t, "power", "orbit_period")) c.orbit_period = *v;
    if (auto v = r.duration(t, "power", "eclipse")) c.eclipse = *v;
    if (auto v = r.number(t, "power", "solar_w", 0, 1e6)) c.solar_w = *v;
    if (auto v = r.number(t, "power", "battery_wh", 0, 1e6)) c.battery_wh = *v;
    if (auto v = r.number(t, "power", "initial_charge", 0, 100)) c.initial_charge = *v / 100.0;
    if (auto v = r.number(t, "power", "charge_efficiency", 0, 1)) c.charge_efficiency = *v;
    if (auto v = r.number(t, "power", "discharge_efficiency", 0, 1)) c.discharge_efficiency = *v;
    if (auto v = r.number(t, "power", "base_load_w", 0, 1e6)) c.base_load_w = *v;
    if (auto v = r.number(t, "power", "low_charge", 0, 100)) c.low_charge = *v / 100.0;
    if (const char* why = host::validate(c)) r.fail(line_of(t), "power", why);
    m.power = c;
  }
  if (const toml::node* n = root.get("meta")) {
    if (!n->is_table()) r.fail(line_of(*n), "meta", "expected a table [meta]");
    const toml::table& t = *n->as_table();
    r.only_keys(t, "meta", {"period", "epoch_day", "epoch_hour"});
    if (auto v = r.duration(t, "meta", "period")) {
      if (*v <= 0 || *v > kHour)
        r.fail(line_of(*t.get("period")), "meta.period", "the meta-scheduler runs at least hourly: period must be in (0, 1h]");
      m.meta.period = *v;
    }
    if (auto v = r.string(t, "meta", "epoch_day")) {
      bool found = false;
      for (int i = 0; i < 7; ++i)
        if (*v == to_string(static_cast<WeekDay>(i))) m.meta.epoch.day = static_cast<WeekDay>(i), found = true;
      if (!found)
        r.fail(line_of(*t.get("epoch_day")), "meta.epoch_day", "the week day of mission time 0: mon, tue, ... sun");
    }
    if (auto v = r.integer(t, "meta", "epoch_hour", 0, 23)) m.meta.epoch.hour = static_cast<std::uint8_t>(*v);
  }
  // Tasks a scenario drives are jobs without an interval of their own.
  std::set<std::string> scenario_tasks;
  const toml::array* scenario_list = nullptr;
  if (const toml::node* n = root.get("scenario")) {
    scenario_list = n->as_array();
    if (!scenario_list || !scenario_list->is_array_of_tables()) r.fail(line_of(*n), "scenario", "expected [[scenario]] tables");
    for (const toml::node& e : *scenario_list)
      if (const toml::node* task = e.as_table()->get("task"); task && task->is_string())
        scenario_tasks.insert(*task->value<std::string>());
  }
  const toml::node* sched = root.get("scheduler");
  if (!sched) r.fail(0, "scheduler", "missing [scheduler] table (it names the policy)");
  if (!sched->is_table()) r.fail(line_of(*sched), "scheduler", "expected a table [scheduler]");
  const toml::table& s = *sched->as_table();
  r.only_keys(s, "scheduler", {"policy", "tick", "time_slice", "max_tasks", "stack", "housekeeping"});
  auto policy = r.string(s, "scheduler", "policy");
  if (!policy) r.fail(line_of(s), "scheduler.policy", "missing; choose multilevel, round_robin, lottery or priority");
  if (*policy == "multilevel") m.policy = PolicyKind::Multilevel;
  else if (*policy == "round_robin") m.policy = PolicyKind::RoundRobin;
  else if (*policy == "lottery") m.policy = PolicyKind::Lottery;
  else if (*policy == "priority") m.policy = PolicyKind::Priority;
  else
    r.fail(line_of(*s.get("policy")), "scheduler.policy",
           "unknown policy \"" + *policy + "\" (choose multilevel, round_robin, lottery or priority)");
  if (auto v = r.duration(s, "scheduler", "tick")) {
    if (*v < 100 || *v > kSecond) r.fail(line_of(*s.get("tick")), "scheduler.tick", "tick must be 100us..1s");
    m.tick = *v;
  }
  if (auto v = r.duration(s, "scheduler", "time_slice")) m.time_slice = *v;
  if (auto v = r.integer(s, "scheduler", "max_tasks", 1, 65535)) m.max_tasks = static_cast<std::size_t>(*v);
  if (auto v = r.size(s, "scheduler", "stack")) {
    if (*v < kMinStack || *v > kMaxStack) r.fail(line_of(*s.get("stack")), "scheduler.stack", kStackRange);
    m.stack = *v;
  }
  if (auto v = r.duration(s, "scheduler", "housekeeping")) m.housekeeping = *v;

  std::set<std::string> names;
  std::vector<std::string> work_keys;  // per task, e.g. onetime[0].work, for the notify check below
  std::vector<int> work_lines;
  auto read_list = [&](const char* key, bool onetime) {
    const toml::node* n = root.get(key);
    if (!n) return;
    const toml::array* arr = n->as_array();
    if (!arr || !arr->is_array_of_tables())
      r.fail(line_of(*n), key, std::string("expected [[") + key + "]] tables");
    for (std::size_t i = 0; i < arr->size(); ++i) {
      const std::string where = std::string(key) + "[" + std::to_string(i) + "]";
      MissionTask task;
      const toml::table& t = *arr->get(i)->as_table();
      const toml::node* name_node = t.get("name");
      const bool triggered =
          name_node && name_node->is_string() && scenario_tasks.count(*name_node->value<std::string>()) > 0;
      read_task(r, t, where, onetime, triggered, m, task);
      const int name_line = line_of(*t.get("name"));
      if (task.name.rfind("os.", 0) == 0)
        r.fail(name_line, where + ".name", "names starting with \"os.\" are reserved for the system's own tasks");
      if (!names.insert(task.name).second)
        r.fail(name_line, where + ".name", "duplicate task name \"" + task.name + "\"");
      work_keys.push_back(where + (t.get("work") ? ".work" : ".module"));
      work_lines.push_back(line_of(*(t.get("work") ? t.get("work") : t.get("module"))));
      m.tasks.push_back(std::move(task));
    }
  };
  read_list("task", false);
  read_list("onetime", true);
  if (m.tasks.empty()) r.fail(0, "task", "the mission declares no [[task]] or [[onetime]]");
  // os.housekeeping takes a slot only when it runs (housekeeping > 0).
  const std::size_t system_tasks = (m.housekeeping > 0 ? 1 : 0) + (root.get("update") || m.checkpoint_every ? 1 : 0) +
                                   (scenario_list ? 1 : 0);
  if (m.tasks.size() + system_tasks > m.max_tasks)
    r.fail(s.get("max_tasks") ? line_of(*s.get("max_tasks")) : line_of(s), "scheduler.max_tasks",
           "the mission has " + std::to_string(m.tasks.size()) + " tasks" +
               (system_tasks ? " plus " + std::to_string(system_tasks) + " system task(s)" : "") +
               " but max_tasks is " + std::to_string(m.max_tasks));
  if (const toml::node* n = root.get("update")) {
    const toml::array* arr = n->as_array();
    if (!arr || !arr->is_array_of_tables()) r.fail(line_of(*n), "update", "expected [[update]] tables");
    for (std::size_t i = 0; i < arr->size(); ++i) {
      const std::string where = "update[" + std::to_string(i) + "]";
      const toml::table& t = *arr->get(i)->as_table();
      r.only_keys(t, where, {"at", "task", "module", "package", "quiesce_timeout", "probation_points", "probation",
                             "action", "rename", "level", "priority", "tickets", "interval", "watchdog", "model",
                             "stack"});
      MissionUpdate u;
      u.line = line_of(t);
      if (auto action = r.string(t, where, "action")) {
        if (*action == "replace") u.action = MissionUpdate::Action::Replace;
        else if (*action == "add") u.action = MissionUpdate::Action::Add;
        else if (*action == "remove") u.action = MissionUpdate::Action::Remove;
        else
          r.fail(line_of(*t.get("action")), where + ".action",
                 "expected \"replace\" (default), \"add\" or \"remove\", got \"" + *action + "\"");
      }
      auto at = r.duration(t, where, "at");
      if (!at) r.fail(u.line, where + ".at", "when to update, e.g. at = \"2h\"");
      u.at = *at;
      auto task = r.string(t, where, "task");
      if (!task) r.fail(u.line, where + ".task", "which task to update");
      const MissionTask* target = nullptr;
      for (const MissionTask& mt : m.tasks)
        if (mt.name == *task) target = &mt;
      for (const MissionUpdate& earlier : m.updates)
        if (earlier.action == MissionUpdate::Action::Add && earlier.task == *task) target = &earlier.added;
      if (u.action == MissionUpdate::Action::Add) {
        if (target) r.fail(line_of(*t.get("task")), where + ".task", "a task named \"" + *task + "\" already exists");
        if (task->empty() || task->size() > kTaskNameMax || !printable_name(*task))
          r.fail(line_of(*t.get("task")), where + ".task", "name must be 1..31 bytes of printable ASCII");
      } else {
        if (!target) r.fail(line_of(*t.get("task")), where + ".task", "no task named \"" + *task + "\"");
        if (target->module.empty())
          r.fail(line_of(*t.get("task")), where + ".task",
                 "task \"" + *task + "\" runs a built-in workload; only module tasks can be updated or removed");
      }
      u.task = *task;
      auto module = r.string(t, where, "module");
      auto package = r.string(t, where, "package");
      if (package) {
        if (u.action != MissionUpdate::Action::Replace)
          r.fail(line_of(*t.get("package")), where + ".package", "a package replaces a task's module (action = \"replace\")");
        if (module) r.fail(line_of(*t.get("package")), where + ".package", "give module or package, not both");
        if (!m.security)
          r.fail(line_of(*t.get("package")), where + ".package",
                 "packages are authenticated: name the key in [security] (ground_key or hmac_key) first");
        std::filesystem::path p(*package);
        u.package = p.is_relative() ? (std::filesystem::path(file).parent_path() / p).string() : *package;
        u.module = *package;
      } else if (u.action != MissionUpdate::Action::Remove) {
        if (!module || module->empty())
          r.fail(u.line, where + ".module", "the new version, e.g. module = \"beacon_v2\" (or package = \"beacon-7.dsu\")");
        if (u.action == MissionUpdate::Action::Replace && m.security && m.security->require_packages)
          r.fail(u.line, where + ".module",
                 "[security] require_packages = true: a replacement comes as an authenticated package "
                 "(package = \"...dsu\", made with dynsched pack), not as a plain object");
        u.module = *module;
      }
      if (u.action == MissionUpdate::Action::Add) {
        MissionTask& a = u.added;
        a.name = *task;
        a.line = u.line;
        a.module = u.module;
        read_schedule(r, t, where, a);
        read_model(r, t, where, a);
        if (m.policy == PolicyKind::Multilevel && a.model == RunModel::Job && a.interval == 0)
          r.fail(u.line, where + ".interval", "a recurring multilevel task needs an interval > 0");
      }
      if (auto v = r.duration(t, where, "quiesce_timeout")) u.quiesce_timeout = *v;
      if (auto v = r.integer(t, where, "probation_points", 1, 1'000'000)) u.probation_points = static_cast<std::uint32_t>(*v);
      if (auto v = r.duration(t, where, "probation")) {
        u.probation = *v;
        u.probation_given = true;
      }
      if (target && u.action == MissionUpdate::Action::Replace && target->model == RunModel::Job && !target->triggered)
        u.task_interval = target->interval;
      if (!u.probation_given && u.task_interval > 0)
        u.probation = std::max<Time>(kMinute, static_cast<Time>(u.probation_points + 1) * u.task_interval);
      if (const toml::node* flag = t.get("rename")) {
        if (!flag->is_boolean()) r.fail(line_of(*flag), where + ".rename", "expected true or false");
        if (u.action != MissionUpdate::Action::Replace)
          r.fail(line_of(*flag), where + ".rename", "only a replacement can rename the module a task runs");
        u.rename = *flag->value<bool>();
      }
      if (!m.updates.empty() && u.at < m.updates.back().at)
        r.fail(line_of(*t.get("at")), where + ".at", "updates must be listed in the order of their times");
      m.updates.push_back(std::move(u));
    }
  }
  {
    std::size_t added = 0;
    for (const MissionUpdate& u : m.updates) added += u.action == MissionUpdate::Action::Add ? 1 : 0;
    const std::size_t system = (m.housekeeping > 0 ? 1 : 0) + (root.get("update") || m.checkpoint_every ? 1 : 0) +
                               (scenario_list ? 1 : 0);
    if (m.tasks.size() + added + system > m.max_tasks)
      r.fail(s.get("max_tasks") ? line_of(*s.get("max_tasks")) : line_of(s), "scheduler.max_tasks",
             "the mission has " + std::to_string(m.tasks.size()) + " tasks, adds " + std::to_string(added) +
                 " more and runs " + std::to_string(system) + " system task(s), but max_tasks is " +
                 std::to_string(m.max_tasks) + " (fixed at first deploy)");
  }
  if (scenario_list) {
    for (std::size_t i = 0; i < scenario_list->size(); ++i) {
      const std::string where = "scenario[" + std::to_string(i) + "]";
      const toml::table& t = *scenario_list->get(i)->as_table();
      r.only_keys(t, where, {"task", "id", "days", "hours", "repeats", "priority", "report", "budget", "battery_mutex",
                             "critical", "runs_on"});
      MissionScenario sc;
      sc.line = line_of(t);
      auto task = r.string(t, where, "task");
      if (!task) r.fail(sc.line, where + ".task", "the [[task]] this scenario wakes, e.g. task = \"camera\"");
      const MissionTask* target = nullptr;
      for (const MissionTask& mt : m.tasks)
        if (mt.name == *task) target = &mt;
      if (!target) r.fail(line_of(*t.get("task")), where + ".task", "no [[task]] named \"" + *task + "\"");
      for (const MissionScenario& other : m.scenarios)
        if (other.task == *task)
          r.fail(line_of(*t.get("task")), where + ".task",
                 "task \"" + *task + "\" already has a scenario (line " + std::to_string(other.line) +
                     "); one scenario per task");
      sc.task = *task;
      sc.config.id = static_cast<std::uint32_t>(i + 1);
      if (auto v = r.integer(t, where, "id", 0, Notification::kMessageMax)) sc.config.id = static_cast<std::uint32_t>(*v);
      for (const MissionScenario& other : m.scenarios)
        if (other.config.id == sc.config.id)
          r.fail(t.get("id") ? line_of(*t.get("id")) : sc.line, where + ".id",
                 "scenario id " + std::to_string(sc.config.id) + " is already used by the scenario of \"" + other.task +
                     "\"");
      if (!t.get("priority"))
        r.fail(sc.line, where + ".priority",
               "say how important it is: priority = \"always\" (critical), \"when_free\" (if the power budget allows) "
               "or \"off\"");
      read_scenario_settings(r, t, where, sc.config);
      if (auto ok = validate(sc.config); !ok) r.fail(sc.line, where, describe(ok.error().code));
      m.scenarios.push_back(std::move(sc));
    }
  }
  if (const toml::node* n = root.get("command")) {
    const toml::array* arr = n->as_array();
    if (!arr || !arr->is_array_of_tables()) r.fail(line_of(*n), "command", "expected [[command]] tables");
    std::vector<ScenarioConfig> current;
    for (const MissionScenario& sc : m.scenarios) current.push_back(sc.config);
    for (std::size_t i = 0; i < arr->size(); ++i) {
      const std::string where = "command[" + std::to_string(i) + "]";
      const toml::table& t = *arr->get(i)->as_table();
      r.only_keys(t, where, {"at", "scenario", "days", "hours", "repeats", "priority", "report", "budget",
                             "battery_mutex", "critical", "runs_on"});
      MissionCommand c;
      c.line = line_of(t);
      auto at = r.duration(t, where, "at");
      if (!at) r.fail(c.line, where + ".at", "when the command arrives, e.g. at = \"54h\"");
      c.at = *at;
      if (!m.commands.empty() && c.at < m.commands.back().at)
        r.fail(line_of(*t.get("at")), where + ".at", "commands must be listed in the order of their times");
      auto scenario = r.string(t, where, "scenario");
      if (!scenario) r.fail(c.line, where + ".scenario", "the task whose scenario the command changes");
      std::size_t index = m.scenarios.size();
      for (std::size_t j = 0; j < m.scenarios.size(); ++j)
        if (m.scenarios[j].task == *scenario) index = j;
      if (index == m.scenarios.size())
        r.fail(line_of(*t.get("scenario")), where + ".scenario", "no [[scenario]] drives a task named \"" + *scenario + "\"");
      c.scenario = index;
      c.config = current[index];
      read_scenario_settings(r, t, where, c.config);
      if (auto ok = validate(c.config); !ok) r.fail(c.line, where, describe(ok.error().code));
      current[index] = c.config;
      m.commands.push_back(std::move(c));
    }
  }
  // Notification targets must exist.
  for (std::size_t i = 0; i < m.tasks.size(); ++i)
    for (const WorkStep& st : m.tasks[i].steps)
      if (st.kind == WorkStep::Kind::Notify && !names.count(st.target))
        r.fail(work_lines[i], work_keys[i],
               "task \"" + m.tasks[i].name + "\" notifies unknown task \"" + st.target + "\"");
  return m;
}

}  // namespace

bool identity_name(const std::string& s) { return !s.empty() && s.size() <= kStoreNameMax && printable_name(s); }

std::string MissionError::to_string() const {
  std::ostringstream o;
  o << file;
  if (line > 0) o << ":" << line;
  o << ": ";
  if (!key.empty()) o << key << ": ";
  o << message;
  return o.str();
}

MissionResult parse_mission(std::string_view text, const std::string& path) {
  MissionResult out;
  try {
    toml::table root = toml::parse(text, path);
    out.mission = read_mission(root, path);
  } catch (const toml::parse_error& e) {
    out.error = MissionError{path, static_cast<int>(e.source().begin.line), "", std::string(e.description())};
  } catch (const Fail& f) {
    out.error = f.error;
  }
  return out;
}

MissionResult load_mission(const std::string& path) {
  std::vector<std::byte> bytes;
  std::string why;
  // A mission file is text of a few kilobytes: anything past 16 MiB is not one.
  if (!read_file(path, &bytes, &why, std::size_t{16} << 20))
    return {std::nullopt, MissionError{path, 0, "", "cannot read the mission file: " + why}};
  return parse_mission(std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()), path);
}

const char* to_string(PolicyKind p) {
  switch (p) {
    case PolicyKind::Multilevel: return "multilevel";
    case PolicyKind::RoundRobin: return "round_robin";
    case PolicyKind::Lottery: return "lottery";
    case PolicyKind::Priority: return "priority";
  }
  return "?";
}

long long reachable_probation_points(const MissionUpdate& u) {
  if (u.task_interval <= 0) return -1;
  // The swap is at the end of a run, so the n-th point comes n intervals
  // later (plus the run's jitter): only what lands strictly inside counts.
  return u.probation <= 0 ? 0 : static_cast<long long>((u.probation - 1) / u.task_interval);
}

}  // namespace dyn::cli
