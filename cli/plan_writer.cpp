// plan_writer.cpp — `dynsched compile`: a mission as the tables of a flight image.
#include "plan_writer.hpp"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "dyn/elf.hpp"
#include "dyn/elf_view.hpp"
#include "duration.hpp"
#include "input_file.hpp"

namespace dyn::cli {

namespace {

constexpr std::uint16_t kArmMachine = 40;  // EM_ARM

// A C++ string literal of s: quotes, backslashes and every byte that is not
// printable ASCII escaped (octal), so no name or path can break the source.
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f || c == '?') {  // '?': no trigraph can form either
      char esc[5];
      std::snprintf(esc, sizeof esc, "\\%03o", u);
      out += esc;
      continue;
    }
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string num(long long v) { return std::to_string(v); }
std::string time_of(Time t) { return t == kNever ? "dyn::kNever" : num(t); }

const char* step_kind(WorkStep::Kind k) {
  switch (k) {
    case WorkStep::Kind::Busy: return "Busy";
    case WorkStep::Kind::Yield: return "Yield";
    case WorkStep::Kind::Sleep: return "Sleep";
    case WorkStep::Kind::Wait: return "Wait";
    case WorkStep::Kind::Notify: return "Notify";
    case WorkStep::Kind::Spin: return "Spin";
  }
  return "Busy";
}

const char* run_model(RunModel m) { return m == RunModel::Loop ? "dyn::RunModel::Loop" : "dyn::RunModel::Job"; }

// The bytes as a string literal of octal escapes (never merged with what follows).
std::string bytes_literal(const std::vector<std::byte>& bytes) {
  std::string out;
  out.reserve(bytes.size() * 4 + bytes.size() / 8);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i % 32 == 0) out += i ? "\"\n    \"" : "    \"";
    char esc[5];
    std::snprintf(esc, sizeof esc, "\\%03o", static_cast<unsigned>(bytes[i]));
    out += esc;
  }
  return out.empty() ? "    \"\"" : out + "\"";
}

// What a compiled mission cannot carry yet: said, never dropped silently.
std::string unsupported(const Mission& m) {
  if (!m.scenarios.empty()) return "[[scenario]] (the meta-scheduler) is not in compiled missions yet: run it on the host";
  if (!m.commands.empty()) return "[[command]] is not in compiled missions yet: run it on the host";
  if (m.security) return "[security] and update packages are not in compiled missions yet: the image's updates are the "
                         "embedded objects of [[update]] module = ...";
  for (const MissionUpdate& u : m.updates) {
    if (u.action != MissionUpdate::Action::Replace)
      return "[[update]] at line " + num(u.line) + ": only replacing a module is in compiled missions yet (not add or remove)";
    if (!u.package.empty()) return "[[update]] at line " + num(u.line) + ": package = is not in compiled missions yet";
  }
  return {};
}

struct Embedded {
  std::string name;
  std::vector<std::byte> bytes;
};

}  // namespace

std::string write_mission_plan(const Mission& m, const PlanOptions& o, std::string* why) {
  if (o.target != "cortex-m3") {
    *why = "target " + o.target + " is not one a mission compiles for (cortex-m3)";
    return {};
  }
  if (std::string no = unsupported(m); !no.empty()) {
    *why = m.file + ": " + no;
    return {};
  }
  // The modules the file names, each read once and checked for the target.
  std::vector<Embedded> modules;
  auto module_index = [&](const std::string& name, int line) -> int {
    for (std::size_t i = 0; i < modules.size(); ++i)
      if (modules[i].name == name) return static_cast<int>(i);
    const auto it = o.modules.find(name);
    if (it == o.modules.end()) {
      *why = m.file + ":" + num(line) + ": module \"" + name + "\" has no object for " + o.target +
             " (give --module " + name + "=FILE.o)";
      return -1;
    }
    Embedded e{name, {}};
    std::string read_why;
    if (!read_file(it->second, &e.bytes, &read_why)) {
      *why = it->second + ": " + read_why;
      return -1;
    }
    auto view = ElfView::open(e.bytes);
    if (!view) {
      *why = it->second + ": not an ELF relocatable object the loader accepts (" + describe(view.error().code) + ")";
      return -1;
    }
    if (view.value().machine() != kArmMachine) {
      *why = it->second + ": built for ELF machine " + num(view.value().machine()) + ", not " + o.target +
             " (build it with TARGET cortex-m3)";
      return -1;
    }
    modules.push_back(std::move(e));
    return static_cast<int>(modules.size() - 1);
  };

  std::string steps, tasks;
  std::size_t step_count = 0, stack_bytes = 0;
  std::vector<std::size_t> workload_tasks;
  for (std::size_t i = 0; i < m.tasks.size(); ++i) {
    const MissionTask& t = m.tasks[i];
    if (t.triggered) {
      *why = m.file + ":" + num(t.line) + ": task \"" + t.name + "\" is driven by a [[scenario]]";
      return {};
    }
    const std::size_t stack = t.stack ? t.stack : m.stack;
    int module = -1;
    if (!t.module.empty()) {
      module = module_index(t.module, t.line);
      if (module < 0) return {};
    } else {
      stack_bytes += (stack + 7) & ~std::size_t{7};
    }
    const std::size_t first = step_count;
    for (const WorkStep& s : t.steps) {
      std::uint16_t target = 0;
      if (s.kind == WorkStep::Kind::Notify) {
        const auto it = std::find_if(m.tasks.begin(), m.tasks.end(), [&](const MissionTask& x) { return x.name == s.target; });
        if (it == m.tasks.end()) {
          *why = m.file + ":" + num(t.line) + ": task \"" + t.name + "\" notifies \"" + s.target + "\", not a task of the mission";
          return {};
        }
        target = static_cast<std::uint16_t>(it - m.tasks.begin());
      }
      steps += "    {dyn::PlanStep::Kind::" + std::string(step_kind(s.kind)) + ", " + num(s.repeats) + ", " + num(target) +
               ", " + num(s.repeat) + ", " + num(s.message) + ", " + time_of(s.duration) + "},\n";
      ++step_count;
    }
    tasks += "    {.spec = {.name = " + quoted(t.name) + ", .model = " + run_model(t.model) + ", .level = " + num(t.level) +
             ", .priority = " + num(t.priority) + ", .tickets = " + num(t.tickets) + ", .interval = " + time_of(t.interval) +
             ", .watchdog = " + time_of(t.watchdog) + ", .delay = " + time_of(t.delay) +
             ", .onetime = " + (t.onetime ? "true" : "false") + ", .restarts = " + num(t.restarts) +
             ", .restart_window = " + time_of(t.restart_window) + ", .stack = {}},\n     .stack_size = " + num(static_cast<long long>(stack)) +
             ", .module = " + (module < 0 ? std::string("dyn::kPlanNoModule") : num(module)) +
             ", .first_step = " + num(static_cast<long long>(first)) +
             ", .step_count = " + num(static_cast<long long>(step_count - first)) +
             ", .expect_watchdog = " + (t.expect_watchdog ? "true" : "false") + "},\n";
  }
  std::string updates;
  for (const MissionUpdate& u : m.updates) {
    const auto task = std::find_if(m.tasks.begin(), m.tasks.end(), [&](const MissionTask& x) { return x.name == u.task; });
    if (task == m.tasks.end() || task->module.empty()) {
      *why = m.file + ":" + num(u.line) + ": [[update]] of \"" + u.task + "\": not a module task of the mission";
      return {};
    }
    const int module = module_index(u.module, u.line);
    if (module < 0) return {};
    updates += "    {.at = " + time_of(u.at) + ", .task = " + num(task - m.tasks.begin()) + ", .module = " + num(module) +
               ", .quiesce_timeout = " + time_of(u.quiesce_timeout) + ", .probation_points = " + num(u.probation_points) +
               ", .probation = " + time_of(u.probation) + ", .rename = " + (u.rename ? "true" : "false") + "},\n";
  }
  if (step_count > 0xFFFF || m.tasks.size() > 0xFFFF || modules.size() > 0xFFFF) {
    *why = m.file + ": more than 65535 tasks, work steps or modules: a compiled mission indexes them in 16 bits";
    return {};
  }
  const std::size_t system_tasks = (m.housekeeping > 0 ? 1 : 0) + (m.updates.empty() ? 0 : 1);
  stack_bytes += system_tasks * ((o.system_stack + 7) & ~std::size_t{7});
  const std::size_t slots = m.max_tasks;
  if (m.tasks.size() + system_tasks + (m.updates.empty() ? 0 : 1) > slots) {
    *why = m.file + ": [scheduler] max_tasks = " + num(static_cast<long long>(slots)) + " leaves no room for the " +
           num(static_cast<long long>(m.tasks.size())) + " tasks, the system's own and an update's staged version";
    return {};
  }

  const char* policy_type = "";
  const char* policy_header = "";
  switch (m.policy) {
    case PolicyKind::Multilevel: policy_type = "MultilevelPolicy"; policy_header = "sched_multilevel"; break;
    case PolicyKind::RoundRobin: policy_type = "RoundRobinPolicy"; policy_header = "sched_round_robin"; break;
    case PolicyKind::Lottery: policy_type = "LotteryPolicy"; policy_header = "sched_lottery"; break;
    case PolicyKind::Priority: policy_type = "PriorityPolicy"; policy_header = "sched_priority"; break;
  }
  const std::string policy_args = m.policy == PolicyKind::Lottery ? "table, g_lottery_tree, " + num(static_cast<long long>(m.seed)) + "u" : "";
  const Time duration = o.duration ? o.duration : m.duration;

  std::string out;
  out += "// Generated by `dynsched compile` from " + quoted(m.file) + ": do not edit (recompile the mission).\n";
  out += "// Mission " + quoted(m.name) + ", policy " + to_string(m.policy) + ", " + num(static_cast<long long>(m.tasks.size())) +
         " tasks, " + num(static_cast<long long>(modules.size())) + " embedded module objects.\n";
  out += "#include <new>\n\n#include \"dyn/mission_plan.hpp\"\n#include \"dyn/" + std::string(policy_header) + ".hpp\"\n\n";
  out += "namespace {\n\nusing namespace dyn;\n\n";
  out += "constexpr PlanStep kSteps[] = {\n" + (steps.empty() ? "    {},\n" : steps) + "};\n\n";
  out += "constexpr PlanTask kTasks[] = {\n" + tasks + "};\n\n";
  for (std::size_t i = 0; i < modules.size(); ++i)
    out += "// " + modules[i].name + ": " + num(static_cast<long long>(modules[i].bytes.size())) + " bytes\n"
           "alignas(8) [[gnu::section(\".rodata.dyn_modules\")]] constexpr unsigned char kModule" + num(static_cast<long long>(i)) +
           "[] =\n" + bytes_literal(modules[i].bytes) + ";\n";
  out += "\nconstexpr PlanModule kModules[] = {\n";
  for (std::size_t i = 0; i < modules.size(); ++i)
    out += "    {" + quoted(modules[i].name) + ", kModule" + num(static_cast<long long>(i)) + ", sizeof kModule" +
           num(static_cast<long long>(i)) + " - 1},\n";
  if (modules.empty()) out += "    {},\n";
  out += "};\n\n";
  out += "constexpr PlanUpdate kUpdates[] = {\n" + (updates.empty() ? "    {},\n" : updates) + "};\n\n";
  const std::string n = num(static_cast<long long>(slots));
  const std::string tn = num(static_cast<long long>(std::max<std::size_t>(m.tasks.size(), 1)));
  out += "// Storage sized for this mission.\n";
  // Four regions a task (code, data, state, stack) and the null region, up
  // to what a descriptor's 8-bit index reaches (more tasks share that).
  const std::string regions = num(static_cast<long long>(std::min<std::size_t>(4 * slots + 1, kMaxRegionEntries)));
  out += "Task g_slots[" + n + "];\nRegisterEntry g_entries[" + n + "];\nTaskDesc g_table_tasks[" + n +
         "];\nRegionEntry g_table_regions[" + regions + "];\nIrqEntry g_table_irqs[16];\n";
  out += "alignas(8) std::byte g_stacks[" + num(static_cast<long long>(std::max<std::size_t>(stack_bytes, 8))) + "];\n";
  out += "TaskId g_ids[" + tn + "];\nPlanWorkload g_workloads[" + tn + "];\n";
  if (m.policy == PolicyKind::Lottery) out += "std::uint64_t g_lottery_tree[" + n + "];\n";
  out += "alignas(" + std::string(policy_type) + ") std::byte g_policy[sizeof(" + policy_type + ")];\n\n";
  out += "Policy& make_policy([[maybe_unused]] TaskTable& table) noexcept { return *::new (g_policy) " +
         std::string(policy_type) + "(" + policy_args + "); }\n\n";
  out += "constexpr KernelConfig config() {\n  KernelConfig c;\n  c.tick = " + time_of(m.tick) + ";\n  c.time_slice = " +
         time_of(m.policy == PolicyKind::Multilevel ? 0 : m.time_slice) + ";\n  return c;\n}\n\n";
  out += "}  // namespace\n\n";
  const auto count = [](std::size_t c) { return c ? std::to_string(c) : std::string("0"); };
  out += "const dyn::MissionPlan dyn::compiled_mission = {\n";
  out += "    .name = " + quoted(m.name) + ",\n    .source = " + quoted(m.file) + ",\n";
  out += "    .duration = " + time_of(duration) + ",\n    .housekeeping = " + time_of(m.housekeeping) + ",\n";
  out += "    .config = config(),\n    .make_policy = make_policy,\n";
  out += "    .tasks = {kTasks, " + count(m.tasks.size()) + "},\n    .steps = {kSteps, " + count(step_count) + "},\n";
  out += "    .modules = {kModules, " + count(modules.size()) + "},\n    .updates = {kUpdates, " + count(m.updates.size()) + "},\n";
  out += "    .slots = g_slots,\n    .entries = g_entries,\n    .table_tasks = g_table_tasks,\n";
  out += "    .table_regions = g_table_regions,\n    .table_irqs = g_table_irqs,\n    .stacks = g_stacks,\n";
  out += "    .ids = g_ids,\n    .workloads = g_workloads,\n";
  out += "    .system_stack = " + num(static_cast<long long>(o.system_stack)) + ",\n};\n";
  return out;
}

int compile_command(const std::string& mission_path, const std::vector<std::string>& modules,
                    const std::string& for_text, const std::string& out_path, PlanOptions o, std::string* out) {
  for (const std::string& m : modules) {
    const auto eq = m.find('=');
    if (eq == 0 || eq == std::string::npos || eq + 1 == m.size()) {
      *out = "dynsched compile: --module " + m + ": expected NAME=FILE.o\n";
      return 2;
    }
    o.modules[m.substr(0, eq)] = m.substr(eq + 1);
  }
  if (!for_text.empty()) {
    const auto d = parse_duration(for_text);
    if (!d || *d <= 0) {
      *out = "dynsched compile: --for " + for_text + ": not a duration (e.g. 2h, 90m)\n";
      return 2;
    }
    o.duration = *d;
  }
  MissionResult loaded = load_mission(mission_path);
  if (!loaded.mission) {
    *out = loaded.error->to_string() + "\n";
    return 1;
  }
  const Mission& m = *loaded.mission;
  if (!o.duration && !m.duration) {
    *out = mission_path + ": the mission has no duration: give --for\n";
    return 1;
  }
  std::string why;
  const std::string source = write_mission_plan(m, o, &why);
  if (source.empty()) {
    *out = "dynsched compile: " + why + "\n";
    return 1;
  }
  std::FILE* f = std::fopen(out_path.c_str(), "wb");
  const bool written = f && std::fwrite(source.data(), 1, source.size(), f) == source.size();
  if (f && std::fclose(f) != 0) f = nullptr;
  if (!written || !f) {
    *out = "dynsched compile: cannot write " + out_path + "\n";
    return 1;
  }
  *out = "compiled mission \"" + m.name + "\" (" + std::to_string(m.tasks.size()) + " tasks, " +
         std::to_string(m.updates.size()) + " updates) for " + o.target + " into " + out_path + "\n";
  if (m.power)
    *out += "note: [power] and power_w are the host's simulation of the power system: the image does not carry them\n";
  return 0;
}

}  // namespace dyn::cli
