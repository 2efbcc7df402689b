// update_check.cpp — `dynsched inspect NEW.o --update-from OLD.o`.
//
// Each host version is linked for real on the host (constructors not run), in
// a registry of its own with the --with modules, so its descriptor and export
// table are the loader's; a Cortex-M version is read from its bytes by the
// loader's rules (module_facts_arm.cpp). The checks then follow the update
// manager's rules (update_manager.cpp: OtherModule, ExportGone;
// task_manager.cpp: restore_state) and the mission's probation (mission.cpp).
#include "update_check.hpp"

#include <algorithm>
#include <filesystem>
#include <memory>
#include <set>
#include <sstream>

#include "dyn/elf_view.hpp"
#include "dyn/module_loader.hpp"
#include "dyn/task_register.hpp"
#include "duration.hpp"
#include "dynsched.h"
#include "host_module_memory.hpp"
#include "input_file.hpp"
#include "mission.hpp"
#include "mission_runner.hpp"
#include "module_facts_arm.hpp"
#include "module_report.hpp"

namespace dyn::cli {

namespace {

// The names an object imports (its undefined, non-weak symbols).
std::set<std::string> imports_of(const std::string& path) {
  std::set<std::string> names;
  std::vector<std::byte> image;
  std::string why;
  if (!read_file(path, &image, &why)) return names;
  auto view = ElfView::open(image);
  if (!view) return names;
  for (std::size_t i = 1; i < view.value().symbol_count(); ++i) {
    const ElfSymbol s = view.value().symbol(i);
    if (!s.defined() && !s.name.empty()) names.emplace(s.name);
  }
  return names;
}

bool same_file(const std::string& a, const std::string& b) {
  std::error_code ec;
  return std::filesystem::equivalent(a, b, ec);
}

class Report {
 public:
  void ok(const std::string& what) { o_ << "  ok       " << what << "\n"; }
  void note(const std::string& what) { o_ << "  note     " << what << "\n"; }
  void problem(const std::string& what) {
    o_ << "  PROBLEM  " << what << "\n";
    ++problems_;
  }
  std::ostringstream& stream() { return o_; }
  int problems() const { return problems_; }

 private:
  std::ostringstream o_;
  int problems_ = 0;
};

const char* machine_of(TargetArch a) { return a == TargetArch::Arm ? "Cortex-M (ARM, TARGET cortex-m3)" : "the host (x86-64)"; }

void check_machine(const ModuleFacts& from, const ModuleFacts& to, Report& r) {
  if (from.arch != to.arch)
    r.problem(std::string("machine: the installed version is built for ") + machine_of(from.arch) +
              ", the new one for " + machine_of(to.arch) +
              ": the loader refuses an object for another machine; build the new version for the installed one's "
              "TARGET");
}

void check_name(const ModuleFacts& from, const ModuleFacts& to, bool rename, Report& r) {
  if (from.name == to.name) {
    r.ok("module name: " + to.name + " (the same module: its checkpoint carries over)");
  } else if (rename) {
    r.ok("module name: " + from.name + " -> " + to.name + ", a rename the [[update]] declares (rename = true)");
  } else {
    r.problem("module name: the new version's DYN_MODULE names \"" + to.name + "\", the installed one is \"" +
              from.name + "\": the update is refused (a checkpoint is bound to its module). Fix the name, or say "
              "rename = true in the [[update]] if the module really is renamed");
  }
  if (to.version == from.version)
    r.note("version: both are v" + std::to_string(to.version) +
           " (the store keeps one image per name and version: other bytes under the same version are refused)");
  else if (to.version < from.version)
    r.note("version: v" + std::to_string(from.version) + " -> v" + std::to_string(to.version) + " is a downgrade");
  else
    r.ok("version: v" + std::to_string(from.version) + " -> v" + std::to_string(to.version));
  if (from.entry && !to.entry)
    r.problem("run model: the installed version runs as a task, the new one is a library (entry NULL): the update "
              "is refused; give it an entry");
}

void check_state(const ModuleFacts& from, const ModuleFacts& to, Report& r) {
  const std::string old_state = "schema " + std::to_string(from.schema) + ", " + std::to_string(from.state_size) + " B";
  const std::string new_state = "schema " + std::to_string(to.schema) + ", " + std::to_string(to.state_size) + " B";
  const std::string handed = from.checkpoint
                                 ? "what its checkpoint hook writes (at most " + std::to_string(from.state_size + 1024) +
                                       " B)"
                                 : "its state as it is (" + std::to_string(from.state_size) + " B)";
  r.stream() << "  state    installed: " << old_state << (from.checkpoint ? ", checkpoint hook" : ", no checkpoint hook")
             << "; new: " << new_state << (to.restore ? ", restore hook" : ", no restore hook") << "\n";
  if (to.restore) {
    r.ok("state: the new version's restore hook gets " + handed + " with from_schema = " + std::to_string(from.schema) +
         " (it must know that layout, or it refuses and the update rolls back)");
  } else if (from.checkpoint) {
    if (from.schema == to.schema)
      r.note("state: copied only if the old checkpoint hook writes exactly " + std::to_string(to.state_size) +
             " B (the new version has no restore hook); known only on board");
    else
      r.problem("state: the new version has no restore hook and the installed state is schema " +
                std::to_string(from.schema) + ", not its " + std::to_string(to.schema) +
                ": the update is not swapped. Give it a restore hook, or keep the layout and declare the old schema "
                "with DYN_MODULE_SCHEMA");
  } else if (to.state_size == 0 && from.state_size == 0) {
    r.ok("state: none to carry over");
  } else if (from.schema == to.schema && from.state_size == to.state_size) {
    r.ok("state: same schema and size: copied as it is");
  } else {
    r.problem("state: the new version has no restore hook, and the installed state (" + old_state +
              ") is not of its " + new_state + ": the update is not swapped. Give it a restore hook, or keep the "
              "layout and declare the old schema with DYN_MODULE_SCHEMA");
  }
}

void check_exports(const ModuleFacts& from, const ModuleFacts& to, const std::vector<std::string>& importers,
                   Report& r) {
  std::vector<std::string> gone;
  std::set_difference(from.exports.begin(), from.exports.end(), to.exports.begin(), to.exports.end(),
                      std::back_inserter(gone));
  if (gone.empty()) {
    r.ok("exports: every export of the installed version is still there (" + std::to_string(from.exports.size()) +
         ")");
    return;
  }
  bool used = false;
  for (const std::string& importer : importers) {
    const std::set<std::string> wants = imports_of(importer);
    for (const std::string& name : gone)
      if (wants.count(name)) {
        r.problem("exports: " + importer + " imports " + name +
                  ", which the new version no longer exports: the update is refused (ExportGone)");
        used = true;
      }
  }
  std::string list;
  for (const std::string& name : gone) list += (list.empty() ? "" : ", ") + name;
  if (!used)
    r.note("exports: the new version no longer exports " + list +
           (importers.empty() ? ": an installed module that imports one refuses the update (name importers with --importer)"
                              : ": none of the --importer modules imports them"));
}

// The task the old version runs in the mission, and the [[update]] that installs the new one.
void check_probation(const UpdateCheckOptions& o, const MissionResult& loaded, bool* rename, Report& r) {
  if (loaded.error) {
    r.problem("mission: " + loaded.error->to_string());
    return;
  }
  const Mission& m = *loaded.mission;
  std::vector<std::string> search = o.module_path;
  const MissionTask* task = nullptr;
  std::string why;
  // The task that runs OLD: its own module, or one an earlier [[update]] installed in it.
  auto runs_old = [&](const MissionTask& t) {
    if (same_file(resolve_module(t.module, m.file, search, &why), o.old_path)) return true;
    for (const MissionUpdate& u : m.updates)
      if (u.task == t.name && u.action != MissionUpdate::Action::Remove &&
          same_file(resolve_module(u.module, m.file, search, &why), o.old_path))
        return true;
    return false;
  };
  std::vector<const MissionTask*> tasks;  // the mission's, and those its [[update]]s add
  for (const MissionTask& t : m.tasks) tasks.push_back(&t);
  for (const MissionUpdate& u : m.updates)
    if (u.action == MissionUpdate::Action::Add) tasks.push_back(&u.added);
  for (const MissionTask* t : tasks) {
    if (t->module.empty()) continue;
    if (!o.task.empty() ? t->name == o.task : runs_old(*t)) {
      task = t;
      break;
    }
  }
  if (!task) {
    r.problem("mission: no task of " + m.file + (o.task.empty() ? " runs " + o.old_path : " is named " + o.task) +
              (o.task.empty() ? " (name it with --task)" : ""));
    return;
  }
  const MissionUpdate* update = nullptr;
  for (const MissionUpdate& u : m.updates)
    if (u.task == task->name && u.action == MissionUpdate::Action::Replace &&
        same_file(resolve_module(u.module, m.file, search, &why), o.new_path))
      update = &u;
  MissionUpdate defaults;  // what an [[update]] of this task without probation keys would get
  defaults.task = task->name;
  if (task->model == RunModel::Job && !task->triggered) defaults.task_interval = task->interval;
  if (defaults.task_interval > 0)
    defaults.probation = std::max<Time>(kMinute, static_cast<Time>(defaults.probation_points + 1) * defaults.task_interval);
  const MissionUpdate& u = update ? *update : defaults;
  if (update) *rename = update->rename;
  const std::string where = update ? m.file + ":" + std::to_string(update->line) + "'s [[update]]"
                                   : "an [[update]] without probation keys (none in " + m.file + " installs this file)";
  const std::string terms = std::to_string(u.probation_points) + " consistent points within " +
                            format_duration(u.probation);
  const long long reachable = reachable_probation_points(u);
  if (reachable < 0) {
    r.note("probation: " + terms + " (" + where + "); task " + task->name + " is " +
           (task->triggered ? "woken by a scenario" : task->model == RunModel::Loop ? "a loop" : "onetime") +
           ": it must reach dyn_checkpoint() or the end of a run that often");
  } else if (reachable < u.probation_points) {
    r.problem("probation: " + terms + " (" + where + "), but task " + task->name + " runs every " +
              format_duration(u.task_interval) + ": at most " + std::to_string(reachable) +
              " points surely fit (the last one lands at the probation's very end or after), so the update would "
              "roll back. Give probation at least " +
              format_duration(static_cast<Time>(u.probation_points + 1) * u.task_interval) + ", or fewer probation_points");
  } else {
    r.ok("probation: " + terms + " (" + where + "); task " + task->name + " runs every " +
         format_duration(u.task_interval) + ", so " + std::to_string(reachable) + " points fit");
  }
}

}  // namespace

// Links `path` (after the --with modules it imports from) and reads its descriptor.
// Empty string on success, else why not.
std::string read_module_facts(const std::string& path, const std::vector<std::string>& with, ModuleFacts* f) {
  std::vector<std::byte> image;
  std::string why;
  if (!read_file(path, &image, &why)) return why;
  auto view = ElfView::open(image);
  if (!view) return path + ": " + describe(InstallError{InstallError::Stage::Elf, view.error()}, image);
  if (view.value().machine() == elf::kMachineArm) {
    // Its addresses are the target's: read from its bytes, nothing linked or run.
    ModuleFacts arm;
    if (std::string bad = read_module_facts_arm(view.value(), &arm); !bad.empty()) return path + ": " + bad;
    arm.path = path;
    *f = std::move(arm);
    return {};
  }
  host::HostModuleMemory memory;
  std::vector<RegisterEntry> entries(with.size() + 1);
  TaskRegister reg(entries, memory);
  ModuleLoader loader(memory, reg);
  std::vector<std::vector<std::byte>> images(with.size());
  std::vector<SymbolSlot> syms;
  std::vector<SectionSlot> secs;
  auto load = [&](std::span<const std::byte> bytes, RegisterEntry& e) {
    auto ev = ElfView::open(bytes);
    if (!ev) return false;
    syms.assign(ev.value().symbol_count(), SymbolSlot{});
    secs.assign(ev.value().section_count(), SectionSlot{});
    return static_cast<bool>(loader.load(ev.value(), LoadOptions{}, LoaderScratch{syms, secs}, e.module));
  };
  std::vector<bool> loaded(with.size(), false);
  for (bool progress = true; progress;) {  // a --with module may import from another one listed after it
    progress = false;
    for (std::size_t i = 0; i < with.size(); ++i) {
      if (loaded[i] || (images[i].empty() && !read_file(with[i], &images[i], &why))) continue;
      RegisterErrc rwhy{};
      RegisterEntry* e = reg.add(with_entry_name(with, i), &rwhy);
      if (e && load(images[i], *e)) {
        e->has_module = true;
        loaded[i] = progress = true;
      } else if (e) {
        reg.remove(*e);
      }
    }
  }
  RegisterErrc rwhy{};
  RegisterEntry* self = reg.add("inspected", &rwhy);
  std::string result;
  syms.assign(view.value().symbol_count(), SymbolSlot{});
  secs.assign(view.value().section_count(), SectionSlot{});
  if (auto linked = loader.load(view.value(), LoadOptions{}, LoaderScratch{syms, secs}, self->module); !linked) {
    const LoadError& le = linked.error();
    result = path + ": does not link: " +
             describe(InstallError{le.phase == LoadError::Phase::Elf ? InstallError::Stage::Elf : InstallError::Stage::Link,
                                   le.elf, le.link},
                      image) +
             " (run `dynsched inspect " + path + "` for the whole story)";
  } else if (!self->module.descriptor) {
    result = path + ": has no module descriptor (DYN_MODULE)";
    (void)loader.unload(self->module);
  } else {
    const ::dyn_module& d = *self->module.descriptor;
    f->path = path;
    f->arch = TargetArch::X86_64;
    f->name = d.name;
    f->version = d.version;
    f->state_size = d.state_size;
    f->schema = d.state_schema;
    f->entry = d.entry != nullptr;
    f->checkpoint = d.checkpoint != nullptr;
    f->restore = d.restore != nullptr;
    for (const ExportedSymbol& e : self->module.exports) f->exports.insert(e.name);
    (void)loader.unload(self->module);
  }
  reg.remove(*self);
  unload_with_modules(reg, loader, with);
  return result;
}


// The modules the mission's other tasks run (their files): importers the
// update must keep working, named or not with --importer.
std::vector<std::string> mission_importers(const UpdateCheckOptions& o, const MissionResult& loaded) {
  std::vector<std::string> found;
  if (loaded.error) return found;  // check_probation says why
  const Mission& m = *loaded.mission;
  std::string why;
  auto consider = [&](const MissionTask& t) {
    if (t.module.empty()) return;
    const std::string path = resolve_module(t.module, m.file, o.module_path, &why);
    if (path.empty() || same_file(path, o.old_path) || same_file(path, o.new_path)) return;
    for (const std::string& given : o.importers)
      if (same_file(given, path)) return;
    for (const std::string& seen : found)
      if (same_file(seen, path)) return;
    found.push_back(path);
  };
  for (const MissionTask& t : m.tasks) consider(t);
  for (const MissionUpdate& u : m.updates)
    if (u.action == MissionUpdate::Action::Add) consider(u.added);
  return found;
}

int check_update(const UpdateCheckOptions& o, std::string* out) {
  ModuleFacts from, to;
  if (std::string why = read_module_facts(o.old_path, o.with, &from); !why.empty()) {
    *out += "--update-from " + why + "\n";
    return 2;
  }
  if (std::string why = read_module_facts(o.new_path, o.with, &to); !why.empty()) {
    *out += why + "\n";
    return 2;
  }
  Report r;
  r.stream() << "\nupdate from " << o.old_path << " (" << from.name << " v" << from.version << ") to " << o.new_path
             << " (" << to.name << " v" << to.version << "):\n";
  bool rename = false;
  const MissionResult mission = o.mission_path.empty() ? MissionResult{} : load_mission(o.mission_path);
  if (!o.mission_path.empty() && from.entry) check_probation(o, mission, &rename, r);
  check_machine(from, to, r);
  check_name(from, to, rename, r);
  check_state(from, to, r);
  std::vector<std::string> importers = o.importers;
  if (!o.mission_path.empty())
    for (std::string& path : mission_importers(o, mission)) importers.push_back(std::move(path));
  check_exports(from, to, importers, r);
  for (const std::string& importer : importers) {
    std::set<std::string> used;
    for (const std::string& name : imports_of(importer))
      if (to.exports.count(name)) used.insert(name);
    if (used.empty()) continue;
    // The runtime relinks only x86-64 importers: a Cortex-M object keeps its
    // addends in the code (REL), so the values it was linked with are gone.
    if (to.arch == TargetArch::Arm)
      r.problem("importer: " + importer + " uses " + std::to_string(used.size()) +
                " of its exports, and a Cortex-M importer cannot be relinked (its REL addends are in its code): "
                "the update is refused while it is installed; update the importer and the library together, or "
                "uninstall it first");
    else
      r.note("importer: " + importer + " uses " + std::to_string(used.size()) +
             " of its exports: it is relinked to the new version at the swap (it must be a job, between runs)");
  }
  if (!from.entry)
    r.problem("run model: the installed version is a library (entry NULL), which runs no task, and a live update "
              "runs in the task that runs the module: a mission cannot update it; give it an entry (a self-test "
              "job, as modules/mathlib does) and a [[task]] so it can be updated");
  else if (o.mission_path.empty())
    r.note("probation: not checked (give --mission FILE to check it against the task's interval)");
  r.stream() << (r.problems() ? "update verdict: WOULD NOT TAKE OVER: " + std::to_string(r.problems()) +
                                    " problem" + (r.problems() == 1 ? "" : "s") + " above\n"
                              : "update verdict: can replace the installed version\n");
  *out += r.stream().str();
  return r.problems() ? 1 : 0;
}

}  // namespace dyn::cli
