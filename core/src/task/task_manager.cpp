// task_manager.cpp — install and uninstall modules as tasks, all-or-nothing.
#include "dyn/task_manager.hpp"

#include <cstring>

#include "dyn/checkpoint.hpp"
#include "dynsched.h"
#include "port.hpp"

namespace dyn {

namespace {
TaskManager* g_manager = nullptr;

// Every module task starts here: its first run constructs the module (and
// restores a boot checkpoint) in the task's own context, then the module's
// entry gets its state block.
std::uintptr_t word(const void* p) noexcept { return reinterpret_cast<std::uintptr_t>(p); }

void module_task_entry(void* arg) noexcept {
  auto& e = *static_cast<RegisterEntry*>(arg);
  if (e.start != StartStage::Started) TaskManager::current()->start_module(e);
  const std::uintptr_t args[4] = {word(e.state.host), 0, 0, 0};
  (void)port::call_module(reinterpret_cast<const void*>(e.module.descriptor->entry), args, e.domain);
}

bool isolating() noexcept { return port::kernel_stack_bytes() != 0; }

// A region as a domain holds it: exact where nothing is programmed, the
// MPU-legal cover where the port programs it.
Result<DomainRegion, TablesError> domain_region(std::uintptr_t base, std::size_t size, std::uint32_t attributes) noexcept {
  if (!isolating()) return DomainRegion{base, size, attributes};
  auto cover = mpu_cover(Region{nullptr, base, size, RegionKind::Data}, attributes);
  if (!cover) return Unexpected{cover.error()};
  return DomainRegion{cover.value().region.base, cover.value().region.size, attributes};
}

// A buffer of kernel memory lent to a hook for one call, as a region that
// stays inside `holder`, the allocation it is part of (allocate_lendable
// makes one whose cover never leaves it); empty — nothing lent, the hook
// faults if it touches the buffer — if no such region describes it, so a
// hook is never handed kernel memory around its buffer.
DomainRegion lend(std::span<const std::byte> bytes, const Region& holder, bool write) noexcept {
  if (bytes.empty()) return {};
  auto r = domain_region(word(bytes.data()), bytes.size(), RegionAttr::Read | (write ? RegionAttr::Write : 0u));
  if (!r || r.value().base < holder.address || r.value().base - holder.address + r.value().size > holder.size) return {};
  return r.value();
}

// A library module (no entry) has no task of its own: its constructors run in
// a onetime job of their own, under a watchdog, at the library's level and
// priority; tasks that import from it wait for them in their first run.
void library_init_entry(void* arg) noexcept {
  auto& e = *static_cast<RegisterEntry*>(arg);
  e.start = StartStage::Constructing;
  TaskManager::current()->run_constructors(e);
  e.module.constructed = true;
  e.start = StartStage::Started;
}

constexpr Time kConstructorBudget = 100 * kMillisecond;  // a library's constructor job, unless its spec sets one
constexpr char kInitPrefix[] = "init:";

Unexpected<InstallError> memory_error() noexcept { return Unexpected{InstallError{InstallError::Stage::Memory}}; }

bool code_holds(const LoadedModule& m, std::uint64_t pc) noexcept {
  return m.code && pc >= m.code.address && pc - m.code.address < m.code.size;
}
}  // namespace

TaskManager::TaskManager(Kernel& kernel, TaskRegister& reg) noexcept
    : kernel_(kernel), register_(reg), loader_(reg.memory(), reg) {
  g_manager = this;
  kernel_.set_fault_owner(this);
}

TaskManager::~TaskManager() {
  kernel_.set_fault_owner(nullptr);
  if (g_manager == this) g_manager = nullptr;
}

TaskManager* TaskManager::current() noexcept { return g_manager; }

RegisterEntry* TaskManager::current_entry() noexcept {
  if (Task* t = kernel_.running(); t && t->owner) return static_cast<RegisterEntry*>(t->owner);
  return nullptr;
}

bool TaskManager::attribute(const Task& t, FaultRecord& r) noexcept {
  auto* e = static_cast<RegisterEntry*>(t.owner);
  if (!e || !e->has_module) return false;  // not a module's task: the kernel's own code faulted
  const RegisterEntry* where = e;
  if (!code_holds(e->module, r.pc)) {
    // In code the task imports from (a library module), or in the kernel.
    register_.for_each([&](RegisterEntry& other) {
      if (where == e && other.has_module && code_holds(other.module, r.pc)) where = &other;
    });
  }
  const bool in_module = code_holds(where->module, r.pc);
  // Kernel code that faults in a module's task is the kernel's bug — unless
  // it was reading a pointer the module passed. (A fault in the C library's
  // routines the module calls, memcpy and the like, is the module's.)
  if (!in_module && r.in_kernel_image && !r.module_mode && !copying_for_module(t)) return false;
  r.offset = in_module ? r.pc - where->module.code.address : kNoOffset;
  const ::dyn_module* d = where->module.descriptor;
  const char* name = d && d->name ? d->name : where->name;
  std::size_t n = 0;
  while (name[n] && n + 1 < sizeof r.module) {
    r.module[n] = name[n];
    ++n;
  }
  r.module[n] = '\0';
  r.version = d ? d->version : 0;
  return true;
}

void TaskManager::start_module(RegisterEntry& e) noexcept {
  if (e.start == StartStage::Constructing) {
    // A previous first run was stopped inside the constructors (watchdog):
    // constructing again could only double what half happened.
    e.module.constructors_failed = true;
    kernel_.fault_current(FaultRecord{FaultKind::Constructor});
  }
  if (e.start == StartStage::NotStarted) {
    // The libraries it imports from are constructed first: their constructor
    // jobs run as soon as the system starts.
    for (std::size_t d = 0; d < e.module.dep_count; ++d) {
      const LoadedModule& lib = *e.module.deps[d];
      while (!lib.constructed) {
        if (lib.constructors_failed || !constructor_job_alive(lib)) kernel_.fault_current(FaultRecord{FaultKind::Constructor});
        kernel_.sleep(kMillisecond);
      }
    }
    e.start = StartStage::Constructing;
    kernel_.begin_module_code(kModuleCodeBudget);
    run_constructors(e);
    e.module.constructed = true;
    e.start = e.boot_checkpoint ? StartStage::Restoring : StartStage::Started;
    if (e.start == StartStage::Restoring) restore_boot_checkpoint(e);
    kernel_.end_module_code();
  } else if (e.start == StartStage::Restoring) {
    finish_boot_restore(e, BootRestore::Stopped);  // the hook hung or faulted last time
  }
  e.start = StartStage::Started;
}

bool TaskManager::constructor_job_alive(const LoadedModule& lib) noexcept {
  bool alive = false;
  register_.for_each([&](RegisterEntry& other) {
    if (&other.module != &lib) return;
    const Task* job = other.init_task.valid() ? kernel_.table().find(other.init_task) : nullptr;
    alive = job && job->state != TaskState::Dead;
  });
  return alive;
}

bool restore_state(const ::dyn_module& d, const Region& state, const CheckpointView& c, const Region& buffer,
                   const ModuleDomain& domain) noexcept {
  if (d.restore) {
    const std::uintptr_t args[4] = {word(state.host), word(c.payload.data()), c.payload.size(), c.schema};
    const DomainRegion lent[1] = {lend(c.payload, buffer, false)};
    return static_cast<std::int32_t>(port::call_module(reinterpret_cast<const void*>(d.restore), args, domain, lent)) == 0;
  }
  if (d.state_size == 0 && c.payload.empty()) return true;  // nothing to carry over
  if (c.schema != d.state_schema || c.payload.size() != d.state_size || state.size < d.state_size) return false;
  if (!c.payload.empty()) std::memcpy(state.host, c.payload.data(), c.payload.size());
  return true;
}

void TaskManager::restore_boot_checkpoint(RegisterEntry& e) noexcept {
  const ::dyn_module& d = *e.module.descriptor;
  BootRestore outcome = BootRestore::Refused;
  auto view = CheckpointView::open({e.boot_checkpoint.host, e.boot_checkpoint.size});
  if (view && view.value().module != std::string_view(d.name)) {
    outcome = BootRestore::Foreign;  // a checkpoint is bound to the module that wrote it
  } else if (view && restore_state(d, e.state, view.value(), e.boot_checkpoint, e.domain)) {
    outcome = BootRestore::Restored;
  }
  finish_boot_restore(e, outcome);
}

void TaskManager::finish_boot_restore(RegisterEntry& e, BootRestore outcome) noexcept {
  // Whatever a refused or stopped hook left half-written is not state.
  if (outcome != BootRestore::Restored && e.state) std::memset(e.state.host, 0, e.state.size);
  register_.memory().release(e.boot_checkpoint);
  e.boot_checkpoint = Region{};
  if (e.boot_outcome) *e.boot_outcome = outcome;
}

Result<void, InstallError> TaskManager::set_boot_checkpoint(RegisterEntry& e, std::span<const std::byte> checkpoint,
                                                            BootRestore* outcome) noexcept {
  if (outcome) *outcome = BootRestore::None;
  if (e.start != StartStage::NotStarted || !e.task.valid() || checkpoint.empty()) return {};  // nothing handed over
  if (e.boot_checkpoint) register_.memory().release(e.boot_checkpoint);
  e.boot_checkpoint = allocate_lendable(checkpoint.size());
  if (!e.boot_checkpoint) return memory_error();
  std::memcpy(e.boot_checkpoint.host, checkpoint.data(), checkpoint.size());
  e.boot_outcome = outcome;
  if (outcome) *outcome = BootRestore::Pending;
  return {};
}

Region TaskManager::allocate_lendable(std::size_t size) noexcept {
  if (!isolating()) return register_.memory().allocate(RegionKind::Meta, size, 16);
  std::size_t exact = 32;  // a power of two aligned to itself: its MPU region is itself
  while (exact < size) exact *= 2;
  return register_.memory().allocate(RegionKind::Meta, exact, exact);
}

Result<std::span<std::byte>, InstallError> TaskManager::allocate_stacks(RegisterEntry& e, std::size_t size) noexcept {
  e.stack = register_.memory().allocate(RegionKind::Stack, size, 16);
  if (!e.stack) return memory_error();
  if (const std::size_t kernel = port::kernel_stack_bytes()) {
    e.kernel_stack = register_.memory().allocate(RegionKind::Meta, kernel, 32);
    if (!e.kernel_stack) return memory_error();
  }
  if (auto domain = build_domain(e); !domain)
    return Unexpected{InstallError{InstallError::Stage::Tables, {}, {}, {}, {}, domain.error()}};
  const Region& context = e.kernel_stack ? e.kernel_stack : e.stack;
  return std::span<std::byte>{context.host, context.size};
}

Result<void, InstallError> TaskManager::start_constructor_job(RegisterEntry& e, const ModuleTaskSpec& spec) noexcept {
  char name[kTaskNameMax + 1] = {};
  std::memcpy(name, kInitPrefix, sizeof kInitPrefix - 1);
  const std::size_t room = kTaskNameMax - (sizeof kInitPrefix - 1);
  const std::size_t n = std::strlen(e.name);
  std::memcpy(name + sizeof kInitPrefix - 1, e.name, n < room ? n : room);
  auto stack = allocate_stacks(e, spec.stack_size);
  if (!stack) return Unexpected{stack.error()};
  TaskSpec t;
  t.name = name;
  t.entry = library_init_entry;
  t.arg = &e;
  t.model = RunModel::Job;
  t.onetime = true;
  t.level = spec.task.level;  // the library's own place in the schedule: it delays nobody more important
  t.priority = spec.task.priority;
  t.tickets = spec.task.tickets;
  t.watchdog = spec.task.watchdog ? spec.task.watchdog : kConstructorBudget;
  t.stack = stack.value();
  auto id = kernel_.create(t);
  if (!id) return Unexpected{InstallError{InstallError::Stage::Task, {}, {}, {}, id.error()}};
  e.init_task = id.value();
  kernel_.table().find(e.init_task)->owner = &e;  // what its constructors allocate is the library's
  return {};
}

Result<RegisterEntry*, InstallError> TaskManager::stage(std::span<const std::byte> image, std::string_view name,
                                                        LoaderScratch scratch, const LoadedModule* replacing) noexcept {
  auto view = ElfView::open(image);
  if (!view) return Unexpected{InstallError{InstallError::Stage::Elf, view.error()}};
  RegisterErrc why{};
  RegisterEntry* e = register_.add(name, &why);
  if (!e) return Unexpected{InstallError{InstallError::Stage::Register, {}, {}, why}};
  LoadOptions options;
  options.arch = port::module_arch();
  options.require_descriptor = true;
  options.replacing = replacing;
  auto loaded = loader_.load(view.value(), options, scratch, e->module);
  if (!loaded) {
    register_.remove(*e);
    const LoadError& le = loaded.error();
    return Unexpected{InstallError{le.phase == LoadError::Phase::Elf ? InstallError::Stage::Elf
                                                                     : InstallError::Stage::Link,
                                   le.elf, le.link}};
  }
  e->has_module = true;
  if (!e->module.descriptor) {  // cannot happen for the port's own machine; never followed if it does
    discard(*e);
    return Unexpected{InstallError{InstallError::Stage::Link, {}, LinkError{LinkErrc::NotAModule}}};
  }
  const ::dyn_module& d = *e->module.descriptor;
  if (d.entry) {
    e->state = register_.memory().allocate(RegionKind::Data, d.state_size ? d.state_size : 1, 16);
    if (!e->state) {
      discard(*e);
      return memory_error();
    }
  }
  if (auto domain = build_domain(*e); !domain) {
    discard(*e);
    return Unexpected{InstallError{InstallError::Stage::Tables, {}, {}, {}, {}, domain.error()}};
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
  if (!d.entry) {  // a library module: exports only, no task (its constructors get a job of their own)
    if (ModuleLoader::has_constructors(e->module)) {
      if (auto job = start_constructor_job(*e, spec); !job) {
        undo();
        return Unexpected{job.error()};
      }
    }
    return e;
  }
  auto stack = allocate_stacks(*e, spec.stack_size);
  if (!stack) {
    undo();
    return Unexpected{stack.error()};
  }
  TaskSpec t = spec.task;
  t.entry = module_task_entry;
  t.arg = e;
  t.stack = stack.value();
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

Result<void, TablesError> TaskManager::build_domain(RegisterEntry& e, DomainFit fit) noexcept {
  if (e.stack || !e.domain.stack_top) return build_domain(e, e.stack, e.kernel_stack, fit);
  const Region stack{nullptr, e.domain.stack_base, e.domain.stack_top - e.domain.stack_base, RegionKind::Stack};
  const Region kernel_stack{nullptr, e.domain.kernel_stack_base, e.domain.kernel_stack_base ? 32u : 0u, RegionKind::Meta};
  return build_domain(e, stack, kernel_stack, fit);
}

Result<void, TablesError> TaskManager::build_domain(RegisterEntry& e, const Region& stack, const Region& kernel_stack,
                                                   DomainFit fit) noexcept {
  ModuleDomain d;
  const std::size_t room = kDomainRegions;
  // The first region that cannot be held: refused (Required), or left out
  // and reported (BestEffort: the module faults if it touches it).
  Result<void, TablesError> shortfall;
  auto add = [&](std::uintptr_t base, std::size_t size, std::uint32_t attributes) {
    if (size == 0) return;
    auto r = domain_region(base, size, attributes);
    if (!r) {
      if (shortfall) shortfall = Unexpected{r.error()};
      return;
    }
    for (std::size_t i = 0; i < d.count; ++i)
      if (d.regions[i] == r.value()) return;  // a library two imports share, or one cover for two
    if (d.count == room) {
      if (shortfall) shortfall = Unexpected{TablesError{TablesErrc::TooManyRegions, 0, d.count + 1u}};
      return;
    }
    d.regions[d.count++] = r.value();
  };
  // By address: a staged version's stacks are known by their addresses only
  // (no host pointer, see build_domain(e)), and must be held all the same.
  auto add_region = [&](const Region& r) {
    add(static_cast<std::uintptr_t>(r.address), r || r.address ? r.size : 0, attributes_for(r.kind));
  };
  if (e.has_module) {
    add_region(e.module.code);
    add_region(e.module.data);
    for (std::size_t i = 0; i < e.module.dep_count; ++i) {
      add_region(e.module.deps[i]->code);
      add_region(e.module.deps[i]->data);
    }
  }
  add_region(e.state);
  add_region(stack);
  // The heap's arenas are mapped only where an MPU needs them; pointer
  // checks find heap blocks through the heap itself.
  if (isolating()) {
    for (const HeapArena* a = e.heap.arenas(); a; a = a->next) add_region(a->region);
    if (e.heap_lender)
      for (const HeapArena* a = e.heap_lender->heap.arenas(); a; a = a->next) add_region(a->region);
  }
  d.stack_base = static_cast<std::uintptr_t>(stack.address);
  d.stack_top = static_cast<std::uintptr_t>(stack.address + stack.size);
  d.kernel_stack_base = static_cast<std::uintptr_t>(kernel_stack.address);
  // The port decides with the stacks known: their guards take slots too.
  // A task past its first run is lent buffers by the update task only.
  const LentFrom lent = e.start == StartStage::Started ? LentFrom::UpdateTask : LentFrom::OwnTask;
  if (shortfall && !port::domain_fits(d, lent)) shortfall = Unexpected{TablesError{TablesErrc::TooManyRegions, 0, d.count}};
  if (!shortfall && fit == DomainFit::Required) return shortfall;
  e.domain = d;
  port::domain_changed(e.domain);
  return shortfall;  // under BestEffort, assigned all the same
}

void TaskManager::run_constructors(RegisterEntry& e) noexcept {
  ModuleLoader::for_each_constructor(
      e.module,
      [](std::uintptr_t fn, void* domain) {
        const std::uintptr_t args[4] = {};
        (void)port::call_module(reinterpret_cast<const void*>(fn), args, *static_cast<const ModuleDomain*>(domain));
      },
      &e.domain);
}

std::int64_t TaskManager::call_checkpoint_hook(RegisterEntry& e, std::span<std::byte> out, const Region& buffer) noexcept {
  const ::dyn_module& d = *e.module.descriptor;
  const std::uintptr_t args[4] = {word(e.state.host), word(out.data()), out.size(), 0};
  const DomainRegion lent[1] = {lend(out, buffer, true)};
  return static_cast<std::int32_t>(port::call_module(reinterpret_cast<const void*>(d.checkpoint), args, e.domain, lent));
}

// On a port that isolates modules, the lowest 32 bytes of the module stack
// are a guard nobody may touch (not even the kernel): never a valid pointer.
namespace {
// The live heap block holding `at`: the entry's own, or (in probation) one
// of the version it replaces (RegisterEntry::heap_lender).
const HeapBlock* heap_block_of(RegisterEntry& e, std::uintptr_t at) noexcept {
  if (const HeapBlock* b = e.heap.find(at)) return b;
  return e.heap_lender ? e.heap_lender->heap.find(at) : nullptr;
}

bool in_stack_guard(const ModuleDomain& d, std::uintptr_t at, std::size_t n) noexcept {
  if (!isolating() || !d.stack_base) return false;
  const std::uintptr_t guard_end = d.stack_base + 32;
  return at < guard_end && (at + n > d.stack_base || at + n < at);
}
}  // namespace

bool TaskManager::module_may_access(const void* p, std::size_t n, DomainAccess access) noexcept {
  RegisterEntry* e = current_entry();
  if (!e) return true;  // kernel code's own task
  const std::uintptr_t at = word(p);
  if (in_stack_guard(e->domain, at, n == 0 ? 1 : n)) return false;
  if (domain_allows(e->domain, at, n, access)) return true;
  if (const HeapBlock* b = heap_block_of(*e, at); b && at + n >= at && at + n <= word(b->user) + b->size) return true;
  return access == DomainAccess::Read && port::shared_readable_run(at) >= n;
}

std::size_t TaskManager::module_readable_run(const void* p) noexcept {
  RegisterEntry* e = current_entry();
  if (!e) return SIZE_MAX;
  const std::uintptr_t at = word(p);
  if (in_stack_guard(e->domain, at, 1)) return 0;
  if (std::size_t run = domain_readable_run(e->domain, at)) {
    // A run that reaches the guard stops before it (the stack region holds it).
    const ModuleDomain& d = e->domain;
    if (isolating() && d.stack_base && at < d.stack_base && at + run > d.stack_base) run = d.stack_base - at;
    return run;
  }
  if (const HeapBlock* b = heap_block_of(*e, at)) return word(b->user) + b->size - at;
  return port::shared_readable_run(at);
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
  if (e->init_task.valid()) (void)kernel_.remove(e->init_task);  // a stale id (slot reaped) is simply not found
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
