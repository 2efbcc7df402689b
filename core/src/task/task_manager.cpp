// task_manager.cpp — install and uninstall modules as tasks, all-or-nothing.
#include "dyn/task_manager.hpp"

#include <cstring>

#include "dynsched.h"

namespace dyn {

namespace {
TaskManager* g_manager = nullptr;

// Every module task starts here: the module's entry gets its state block.
void module_task_entry(void* arg) noexcept {
  auto& e = *static_cast<RegisterEntry*>(arg);
  e.module.descriptor->entry(e.state.host);
}

Unexpected<InstallError> memory_error() noexcept { return Unexpected{InstallError{InstallError::Stage::Memory}}; }
}  // namespace

TaskManager::TaskManager(Kernel& kernel, TaskRegister& reg, TargetArch arch) noexcept
    : kernel_(kernel), register_(reg), loader_(reg.memory(), reg), arch_(arch) {
  g_manager = this;
}

TaskManager* TaskManager::current() noexcept { return g_manager; }

RegisterEntry* TaskManager::current_entry() noexcept {
  if (Task* t = kernel_.running(); t && t->owner) return static_cast<RegisterEntry*>(t->owner);
  return loading_;
}

Result<RegisterEntry*, InstallError> TaskManager::stage(std::span<const std::byte> image, std::string_view name,
                                                        LoaderScratch scratch, const LoadedModule* replacing) noexcept {
  auto view = ElfView::open(image);
  if (!view) return Unexpected{InstallError{InstallError::Stage::Elf, view.error()}};
  RegisterErrc why{};
  RegisterEntry* e = register_.add(name, &why);
  if (!e) return Unexpected{InstallError{InstallError::Stage::Register, {}, {}, why}};
  LoadOptions options;
  options.arch = arch_;
  options.require_descriptor = true;
  options.replacing = replacing;
  loading_ = e;  // constructors that allocate are charged to this entry
  auto loaded = loader_.load(view.value(), options, scratch, e->module);
  loading_ = nullptr;
  if (!loaded) {
    register_.remove(*e);
    const LoadError& le = loaded.error();
    return Unexpected{InstallError{le.phase == LoadError::Phase::Elf ? InstallError::Stage::Elf
                                                                     : InstallError::Stage::Link,
                                   le.elf, le.link}};
  }
  e->has_module = true;
  const ::dyn_module& d = *e->module.descriptor;
  if (d.entry) {
    e->state = register_.memory().allocate(RegionKind::Data, d.state_size ? d.state_size : 1, 16);
    if (!e->state) {
      discard(*e);
      return memory_error();
    }
  }
  return e;
}

void TaskManager::discard(RegisterEntry& e) noexcept {
  if (e.has_module) (void)loader_.unload(e.module);  // a staged version has no importers
  e.has_module = false;
  register_.remove(e);
}

Result<RegisterEntry*, InstallError> TaskManager::install(std::span<const std::byte> image, const ModuleTaskSpec& spec,
                                                          LoaderScratch scratch) noexcept {
  const std::string_view name = spec.task.name ? std::string_view(spec.task.name) : std::string_view{};
  auto staged = stage(image, name, scratch, nullptr);
  if (!staged) return Unexpected{staged.error()};
  RegisterEntry* e = staged.value();
  e->heap_limit = spec.heap_limit;
  auto undo = [&] { discard(*e); };
  const ::dyn_module& d = *e->module.descriptor;
  if (!d.entry) return e;  // a library module: exports only, no task
  e->stack = register_.memory().allocate(RegionKind::Stack, spec.stack_size, 16);
  if (!e->stack) {
    undo();
    return memory_error();
  }
  TaskSpec t = spec.task;
  t.entry = module_task_entry;
  t.arg = e;
  t.stack = {e->stack.host, e->stack.size};
  auto id = kernel_.create(t);
  if (!id) {
    undo();
    return Unexpected{InstallError{InstallError::Stage::Task, {}, {}, {}, id.error()}};
  }
  e->task = id.value();
  kernel_.table().find(e->task)->owner = e;
  if (auto described = describe_task(*e, e->stack, false); !described) {
    (void)kernel_.remove(e->task);
    e->task = TaskId{};
    undo();
    return Unexpected{InstallError{InstallError::Stage::Tables, {}, {}, {}, {}, described.error()}};
  }
  return e;
}

Result<void, TablesError> TaskManager::describe_task(const RegisterEntry& e, const Region& stack, bool update) noexcept {
  if (!tables_) return {};
  // The tables are the Cortex-M layout: 32-bit addresses, Thumb entry points.
  // On the host the same layout is kept (modules live in the low 2 GiB), so
  // their invariants are checked on every run, not only on the target.
  RegionDesc regions[4];
  std::size_t n = 0;
  for (const Region* r : {&e.module.code, &e.module.data, &e.state, &stack}) {
    if (!*r) continue;
    auto cover = mpu_cover(*r, attributes_for(r->kind));
    if (!cover) return Unexpected{cover.error()};
    regions[n++] = cover.value().region;
  }
  const auto entry = static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(e.module.descriptor->entry)) | 1u;
  TaskDescSpec spec;
  spec.entry_point = entry;
  spec.initial_stack = static_cast<std::uint32_t>(stack.address + stack.size);
  spec.priority = kernel_.table().find(e.task)->priority;
  spec.regions = {regions, n};
  return update ? tables_->update_task(e.task, spec) : tables_->add_task(e.task, spec);
}

Result<void, InstallError> TaskManager::uninstall(std::string_view name) noexcept {
  RegisterEntry* e = register_.find(name);
  if (!e) return Unexpected{InstallError{InstallError::Stage::Register, {}, {}, RegisterErrc::NoSuchEntry}};
  if (e->has_module && e->module.dependents)
    return Unexpected{InstallError{InstallError::Stage::Link, {}, {LinkErrc::InUse, 0, 0, 0, 0, e->module.dependents}}};
  if (e->task.valid()) {
    if (auto r = kernel_.remove(e->task); !r) return Unexpected{InstallError{InstallError::Stage::Task, {}, {}, {}, r.error()}};
    if (tables_) (void)tables_->remove_task(e->task);  // described at install: present
  }
  if (e->has_module) (void)loader_.unload(e->module);  // dependents checked above
  e->has_module = false;
  register_.remove(*e);
  return {};
}

std::size_t TaskManager::uninstall_all() noexcept {
  std::size_t removed = 0;
  for (bool progress = true; progress;) {
    progress = false;
    RegisterEntry* next = nullptr;
    register_.for_each([&](RegisterEntry& e) {
      if (!next && !(e.has_module && e.module.dependents)) next = &e;
    });
    if (next) {
      char name[kTaskNameMax + 1];
      std::memcpy(name, next->name, sizeof name);
      if (uninstall(name)) {
        ++removed;
        progress = true;
      }
    }
  }
  return removed;
}

}  // namespace dyn
