// kernel_api.cpp — the C API modules call (sdk/dynsched.h) and the kernel's export table.
//
// Every function checks it is called from a task and otherwise does nothing
// harmful: a module's bug must not become the kernel's. Strings a module
// passes are copied (bounded) before the kernel does anything with them, so
// a wild pointer faults here, in the task's context, where the fault is the
// task's (docs/fault-containment.md); kernel state changes only inside
// kernel_enter(), where a fault is the kernel's.
#include <cctype>
#include <cstdarg>
#include <cstdlib>
#include <cstring>

#include "dyn/kernel.hpp"
#include "dyn/module_libc.hpp"
#include "dyn/scenario.hpp"
#include "dyn/symbol_table.hpp"
#include "dyn/task_manager.hpp"
#include "dynsched.h"
#include "port.hpp"

namespace {

// The kernel, for a call from a task; nullptr otherwise. A call made with
// too little stack left stops the task as a stack overflow here, before any
// kernel frame could run into its guard page (where the fault would be the
// kernel's): `caller` is the module's return address, for the record.
dyn::Kernel* checked_kernel(void* caller) noexcept {
  dyn::Kernel* k = dyn::Kernel::current();
  if (!k || !k->running()) return nullptr;
  if (!k->stack_headroom_ok()) {
    dyn::FaultRecord record;
    record.kind = dyn::FaultKind::StackOverflow;
    record.pc = dyn::port::service_caller(reinterpret_cast<std::uintptr_t>(caller));
    record.sp = reinterpret_cast<std::uint64_t>(__builtin_frame_address(0));
    k->fault_current(record);
  }
  return k;
}
#define kernel_for_task() checked_kernel(__builtin_return_address(0))

// dyn_log as modules reach it (its gate on an isolating port): dyn_logf,
// which runs in the module's domain, logs through it.
using LogEntry = void (*)(int, const char*);
LogEntry dyn_log_entry() noexcept;

// A pointer a module handed the kernel that the module could not use itself
// (outside its domain: module_domain.hpp): the module's fault, raised here
// before the kernel touches it, so no module can make the kernel read or
// write for it. Does not return if the caller is a module task.
[[noreturn]] void refuse_pointer(const void* p, void* caller) noexcept {
  dyn::FaultRecord record;
  record.kind = dyn::FaultKind::MemoryAccess;
  record.address = reinterpret_cast<std::uint64_t>(p);
  record.pc = dyn::port::service_caller(reinterpret_cast<std::uintptr_t>(caller));
  dyn::Kernel::current()->fault_current(record);
}

// [p, p + n) may be `access`ed by the calling module (always, for kernel code's tasks).
void check_span(const void* p, std::size_t n, dyn::DomainAccess access, void* caller) noexcept {
  dyn::TaskManager* m = dyn::TaskManager::current();
  if (p && m && !m->module_may_access(p, n, access)) refuse_pointer(p, caller);
}
#define check_out(p, n) check_span((p), (n), dyn::DomainAccess::Write, __builtin_return_address(0))

// A module's string, copied with a bound (the copy is what the kernel uses).
// True if it was longer than the bound (and cut). The copy stops at the end
// of the region the string is in: a string that runs out of it is refused.
template <std::size_t N>
bool copy_bounded(char (&to)[N], const char* from, void* caller) noexcept {
  dyn::TaskManager* m = dyn::TaskManager::current();
  const std::size_t run = m ? m->module_readable_run(from) : SIZE_MAX;
  if (run == 0) refuse_pointer(from, caller);
  const dyn::ModuleMemoryScope scope;  // a fault from here on is the module's pointer
  std::size_t n = 0;
  while (n + 1 < N && n < run && from[n] != '\0') {
    to[n] = from[n];
    ++n;
  }
  if (n == run && n + 1 < N) refuse_pointer(from + n, caller);
  to[n] = '\0';
  return n + 1 == N && n < run && from[n] != '\0';  // never a byte past the region
}

// A log line is at most kLogLineMax - 1 bytes (the kernel's event text); a
// longer one is cut, and its last bytes say so.
constexpr std::size_t kLogLineMax = dyn::kPendingEventText;
constexpr char kCutMarker[] = " [cut]";

void mark_cut(char (&line)[kLogLineMax]) noexcept {
  std::memcpy(line + kLogLineMax - sizeof kCutMarker, kCutMarker, sizeof kCutMarker);
}

}  // namespace

extern "C" {

void dyn_yield(void) {
  if (dyn::Kernel* k = kernel_for_task()) k->yield();
}

void dyn_sleep(dyn_time_t duration) {
  if (dyn::Kernel* k = kernel_for_task()) k->sleep(duration < 0 ? 0 : duration);
}

void dyn_busy(dyn_time_t duration) {
  if (dyn::Kernel* k = kernel_for_task()) k->consume(duration);
}

void dyn_checkpoint(void) {
  if (dyn::Kernel* k = kernel_for_task()) k->consistent_point();
}

dyn_time_t dyn_now(void) {
  dyn::Kernel* k = dyn::Kernel::current();
  return k ? k->now() : 0;
}

int dyn_notify_wait(dyn_time_t timeout, uint32_t* message, uint8_t* repeats) {
  dyn::Kernel* k = kernel_for_task();
  if (!k) return 0;
  dyn::Notification n;
  check_out(message, sizeof *message);
  check_out(repeats, sizeof *repeats);
  if (!k->wait_notification(timeout < 0 ? dyn::kNever : timeout, &n)) return 0;
  const dyn::ModuleMemoryScope scope;  // the module's memory: a fault in here is the module's
  if (message) *message = n.message();
  if (repeats) *repeats = n.repeats();
  return 1;
}

int dyn_notify_send(const char* task, uint32_t message, uint8_t repeats) {
  dyn::Kernel* k = dyn::Kernel::current();
  dyn::Notification n;
  if (!k || !task || !dyn::Notification::pack(message, repeats, &n)) return -1;
  char name[dyn::kTaskNameMax + 2];
  copy_bounded(name, task, __builtin_return_address(0));
  dyn::Task* t = k->table().find_by_name(name);
  if (!t) return -1;
  return k->notify(t->id, n) ? 0 : -1;
}

int dyn_scenario_settings(struct dyn_scenario* out) {
  dyn::Kernel* k = kernel_for_task();
  const dyn::ScenarioConfig* c = k ? k->running()->scenario : nullptr;
  if (!c || !out) return -1;
  check_out(out, sizeof *out);
  const dyn::ModuleMemoryScope scope;  // the module's memory: a fault in here is the module's
  out->id = c->id;
  out->week_mask = c->week_mask;
  out->hour_start = c->hour_start;
  out->hour_end = c->hour_end;
  out->repeats = c->repeats;
  out->priority = static_cast<std::uint8_t>(c->priority);
  out->report = static_cast<std::uint8_t>(c->report);
  out->budget_percent = c->power.budget_percent;
  out->power = static_cast<std::uint8_t>((c->power.on_battery ? DYN_POWER_BATTERY : 0) |
                                         (c->power.on_solar ? DYN_POWER_SOLAR : 0) |
                                         (c->power.while_charging ? DYN_POWER_CHARGING : 0) |
                                         (c->power.needs_battery_mutex ? DYN_POWER_MUTEX : 0) |
                                         (c->power.override_power ? DYN_POWER_OVERRIDE : 0));
  return 0;
}

void dyn_log(int severity, const char* message) {
  dyn::Kernel* k = dyn::Kernel::current();
  if (k && k->running()) k = kernel_for_task();
  if (!k || !message) return;
  char line[kLogLineMax];
  if (copy_bounded(line, message, __builtin_return_address(0))) mark_cut(line);
  k->log(severity, line);
}

// Not a service: it formats in the caller's own domain (its arguments are
// the caller's to read, and on an isolating port a variadic call's stack
// arguments stay on the module stack), then logs through dyn_log's entry.
void dyn_logf(int severity, const char* format, ...) {
  if (!format) return;
  char line[kLogLineMax];
  va_list args;
  va_start(args, format);
  const int n = dyn_libc_vsnprintf(line, sizeof line, format, args);  // the module C runtime's formatting
  va_end(args);
  if (n < 0) return;  // a conversion it does not know: nothing is logged rather than something wrong
  if (static_cast<std::size_t>(n) >= sizeof line) mark_cut(line);
  dyn_log_entry()(severity, line);
}

void* dyn_malloc(size_t size) {
  if (!kernel_for_task()) return nullptr;
  dyn::TaskManager* m = dyn::TaskManager::current();
  dyn::RegisterEntry* e = m ? m->current_entry() : nullptr;
  if (!e) return nullptr;
  dyn::port::kernel_enter();
  const std::size_t arenas = e->heap.arena_count();
  void* block = m->task_register().heap_allocate(*e, size);
  // A new arena must be in the task's domain before the module touches it;
  // where it cannot be mapped (no MPU region left), the block is not given.
  // (Only a new arena changes the domain: most blocks come from one there is.)
  if (block && dyn::port::kernel_stack_bytes() && e->heap.arena_count() != arenas && !m->build_domain(*e)) {
    (void)m->task_register().heap_free(*e, block);
    m->task_register().trim_heap(*e);  // the arena goes too: a later block must not come from it, unmapped
    (void)m->build_domain(*e, dyn::TaskManager::DomainFit::BestEffort);  // without the arena again
    block = nullptr;
  }
  dyn::port::kernel_exit();
  return block;
}

void dyn_free(void* block) {
  if (!kernel_for_task()) return;
  dyn::TaskManager* m = dyn::TaskManager::current();
  dyn::RegisterEntry* e = m ? m->current_entry() : nullptr;
  if (!e) return;
  std::uintptr_t breach = 0;
  dyn::port::kernel_enter();
  const std::size_t arenas = e->heap.arena_count();
  const dyn::HeapFree freed = m->task_register().heap_free(*e, block, &breach);
  // An arena that went leaves the domain at once, even where the regions left
  // group less well (its memory is the pool's again: it must be out of reach).
  const bool whole = !dyn::port::kernel_stack_bytes() || e->heap.arena_count() == arenas ||
                     static_cast<bool>(m->build_domain(*e, dyn::TaskManager::DomainFit::BestEffort));
  dyn::port::kernel_exit();
  dyn::Kernel* k = dyn::Kernel::current();
  if (!whole && k) k->log(2, "dyn_free: the task's domain no longer fits the MPU whole: what it cannot map faults if touched");
  if (freed == dyn::HeapFree::NotABlock && k) {
    k->log(3, "dyn_free: not a live block of this task (double free?); ignored");
  } else if (freed == dyn::HeapFree::Corrupted && k && k->running()) {
    // The task wrote outside its block: its data can no longer be trusted.
    dyn::FaultRecord record;
    record.kind = dyn::FaultKind::HeapCorruption;
    record.address = breach;
    record.pc = dyn::port::service_caller(reinterpret_cast<std::uintptr_t>(__builtin_return_address(0)));
    k->fault_current(record);
  }
}

// The C library's routines that allocate or write through a pointer run as
// services (they need the kernel's heap or clock); what they are handed is
// checked against the caller's domain first.
char* dyn_service_strndup(const char* text, size_t limit) {
  dyn::TaskManager* m = dyn::TaskManager::current();
  const std::size_t run = m ? m->module_readable_run(text) : SIZE_MAX;
  if (run == 0) refuse_pointer(text, __builtin_return_address(0));
  const std::size_t n = dyn_libc_strnlen(text, limit < run ? limit : run);
  if (n == run && n < limit) refuse_pointer(text + n, __builtin_return_address(0));  // runs out of its region
  return dyn_libc_strndup(text, n);
}

char* dyn_service_strdup(const char* text) { return dyn_service_strndup(text, SIZE_MAX); }

// assert()'s strings are the module's: copied against its domain first.
[[noreturn]] void assert_from_module(const char* assertion, const char* file, unsigned line, const char* function,
                                     void* caller) {
  char a[64] = "?", f[64] = "?", fn[64] = "?";
  if (assertion) copy_bounded(a, assertion, caller);
  if (file) copy_bounded(f, file, caller);
  if (function) copy_bounded(fn, function, caller);
  dyn_libc_assert_fail_from(a, f, line, fn, caller);
}

[[noreturn]] void dyn_service_assert_fail(const char* assertion, const char* file, unsigned line, const char* function) {
  assert_from_module(assertion, file, line, function, __builtin_return_address(0));
}

[[noreturn]] void dyn_service_assert_func(const char* file, int line, const char* function, const char* assertion) {
  assert_from_module(assertion, file, static_cast<unsigned>(line), function, __builtin_return_address(0));
}

int dyn_service_posix_memalign(void** out, size_t alignment, size_t size) {
  if (!out) refuse_pointer(out, __builtin_return_address(0));  // always written: NULL is no answer
  check_out(out, sizeof *out);
  return dyn_libc_posix_memalign(out, alignment, size);
}

int dyn_service_clock_gettime(int clock, struct dyn_libc_timespec* out) {
  if (!out) refuse_pointer(out, __builtin_return_address(0));  // always written: NULL is no answer
  check_out(out, sizeof *out);
  return dyn_libc_clock_gettime(clock, out);
}

std::int64_t dyn_service_time(std::int64_t* out) {
  check_out(out, sizeof *out);
  return dyn_libc_time(out);
}

}  // extern "C"

namespace dyn {

namespace {
#define DYN_EXPORT_FN(name) ExportedSymbol{#name, reinterpret_cast<std::uintptr_t>(&::name), true}
#define DYN_EXPORT_CAST(name, type) ExportedSymbol{#name, reinterpret_cast<std::uintptr_t>(static_cast<type>(&::name)), true}
#define DYN_EXPORT_AS(name, function) ExportedSymbol{#name, reinterpret_cast<std::uintptr_t>(&::function), true}
#define DYN_SERVICE_FN(name) ExportedSymbol{#name, reinterpret_cast<std::uintptr_t>(&::name), true, true}
#define DYN_SERVICE_AS(name, function) ExportedSymbol{#name, reinterpret_cast<std::uintptr_t>(&::function), true, true}
// The kernel API (sdk/dynsched.h), the platform C library's pure routines
// and the runtime's own C functions (module_libc.cpp), under their C names.
// Sorted by name (checked by a test): lookups are binary searches.
const ExportedSymbol kKernelExports[] = {
#if SIZE_MAX == UINT64_MAX  // operator new's size_t mangles as m (unsigned long) on LP64, j on 32-bit ARM
    DYN_SERVICE_AS(_ZdaPv, dyn_libc_operator_delete),
    DYN_SERVICE_AS(_ZdaPvm, dyn_libc_operator_delete_sized),
    DYN_SERVICE_AS(_ZdlPv, dyn_libc_operator_delete),
    DYN_SERVICE_AS(_ZdlPvm, dyn_libc_operator_delete_sized),
    DYN_SERVICE_AS(_Znam, dyn_libc_operator_new),
    DYN_SERVICE_AS(_Znwm, dyn_libc_operator_new),
#else
    DYN_SERVICE_AS(_ZdaPv, dyn_libc_operator_delete),
    DYN_SERVICE_AS(_ZdaPvj, dyn_libc_operator_delete_sized),
    DYN_SERVICE_AS(_ZdlPv, dyn_libc_operator_delete),
    DYN_SERVICE_AS(_ZdlPvj, dyn_libc_operator_delete_sized),
    DYN_SERVICE_AS(_Znaj, dyn_libc_operator_new),
    DYN_SERVICE_AS(_Znwj, dyn_libc_operator_new),
#endif
    DYN_SERVICE_AS(__assert_fail, dyn_service_assert_fail),
    DYN_SERVICE_AS(__assert_func, dyn_service_assert_func),
#if defined(__GLIBC__)  // its <ctype.h> macros read these tables
    DYN_EXPORT_FN(__ctype_b_loc),
#endif
#if defined(__GLIBC__)  // its <ctype.h> macros read these tables
    DYN_EXPORT_FN(__ctype_tolower_loc),
#endif
#if defined(__GLIBC__)  // its <ctype.h> macros read these tables
    DYN_EXPORT_FN(__ctype_toupper_loc),
#endif
    DYN_SERVICE_AS(__cxa_pure_virtual, dyn_libc_pure_virtual),
    DYN_SERVICE_AS(abort, dyn_libc_abort),
    DYN_EXPORT_CAST(abs, int (*)(int)),
    DYN_SERVICE_AS(aligned_alloc, dyn_libc_aligned_alloc),
    DYN_EXPORT_AS(atof, dyn_libc_atof),
    DYN_EXPORT_AS(atoi, dyn_libc_atoi),
    DYN_EXPORT_AS(atol, dyn_libc_atol),
    DYN_EXPORT_AS(atoll, dyn_libc_atoll),
    DYN_EXPORT_AS(bsearch, dyn_libc_bsearch),
    DYN_SERVICE_AS(calloc, dyn_libc_calloc),
    DYN_SERVICE_AS(clock, dyn_libc_clock),
    DYN_SERVICE_AS(clock_gettime, dyn_service_clock_gettime),
    DYN_SERVICE_FN(dyn_busy),
    DYN_SERVICE_FN(dyn_checkpoint),
    DYN_SERVICE_FN(dyn_free),
    DYN_SERVICE_FN(dyn_log),
    DYN_EXPORT_FN(dyn_logf),
    DYN_SERVICE_FN(dyn_malloc),
    DYN_SERVICE_FN(dyn_notify_send),
    DYN_SERVICE_FN(dyn_notify_wait),
    DYN_SERVICE_FN(dyn_now),
    DYN_SERVICE_FN(dyn_scenario_settings),
    DYN_SERVICE_FN(dyn_sleep),
    DYN_SERVICE_FN(dyn_yield),
    DYN_SERVICE_AS(free, dyn_libc_free),
    DYN_EXPORT_AS(isalnum, dyn_libc_isalnum),
    DYN_EXPORT_AS(isalpha, dyn_libc_isalpha),
    DYN_EXPORT_AS(isblank, dyn_libc_isblank),
    DYN_EXPORT_AS(iscntrl, dyn_libc_iscntrl),
    DYN_EXPORT_AS(isdigit, dyn_libc_isdigit),
    DYN_EXPORT_AS(isgraph, dyn_libc_isgraph),
    DYN_EXPORT_AS(islower, dyn_libc_islower),
    DYN_EXPORT_AS(isprint, dyn_libc_isprint),
    DYN_EXPORT_AS(ispunct, dyn_libc_ispunct),
    DYN_EXPORT_AS(isspace, dyn_libc_isspace),
    DYN_EXPORT_AS(isupper, dyn_libc_isupper),
    DYN_EXPORT_AS(isxdigit, dyn_libc_isxdigit),
    DYN_EXPORT_FN(labs),
    DYN_EXPORT_FN(llabs),
    DYN_SERVICE_AS(malloc, dyn_libc_malloc),
    DYN_EXPORT_AS(memchr, dyn_libc_memchr),
    DYN_EXPORT_FN(memcmp),
    DYN_EXPORT_FN(memcpy),
    DYN_EXPORT_FN(memmove),
    DYN_EXPORT_FN(memset),
    DYN_SERVICE_AS(posix_memalign, dyn_service_posix_memalign),
    DYN_EXPORT_AS(qsort, dyn_libc_qsort),
    DYN_SERVICE_AS(realloc, dyn_libc_realloc),
    DYN_EXPORT_AS(snprintf, dyn_libc_snprintf),
    DYN_EXPORT_AS(sprintf, dyn_libc_sprintf),
    DYN_EXPORT_AS(strcasecmp, dyn_libc_strcasecmp),
    DYN_EXPORT_FN(strcat),
    DYN_EXPORT_AS(strchr, dyn_libc_strchr),
    DYN_EXPORT_FN(strcmp),
    DYN_EXPORT_FN(strcpy),
    DYN_EXPORT_FN(strcspn),
    DYN_SERVICE_AS(strdup, dyn_service_strdup),
    DYN_EXPORT_FN(strlen),
    DYN_EXPORT_AS(strncasecmp, dyn_libc_strncasecmp),
    DYN_EXPORT_FN(strncat),
    DYN_EXPORT_FN(strncmp),
    DYN_EXPORT_FN(strncpy),
    DYN_SERVICE_AS(strndup, dyn_service_strndup),
    DYN_EXPORT_AS(strnlen, dyn_libc_strnlen),
    DYN_EXPORT_AS(strpbrk, dyn_libc_strpbrk),
    DYN_EXPORT_AS(strrchr, dyn_libc_strrchr),
    DYN_EXPORT_FN(strspn),
    DYN_EXPORT_AS(strstr, dyn_libc_strstr),
    DYN_EXPORT_AS(strtod, dyn_libc_strtod),
    DYN_EXPORT_AS(strtol, dyn_libc_strtol),
    DYN_EXPORT_AS(strtoll, dyn_libc_strtoll),
    DYN_EXPORT_AS(strtoul, dyn_libc_strtoul),
    DYN_EXPORT_AS(strtoull, dyn_libc_strtoull),
    DYN_SERVICE_AS(time, dyn_service_time),
    DYN_EXPORT_AS(tolower, dyn_libc_tolower),
    DYN_EXPORT_AS(toupper, dyn_libc_toupper),
    DYN_EXPORT_AS(vsnprintf, dyn_libc_vsnprintf),
    DYN_EXPORT_AS(vsprintf, dyn_libc_vsprintf),
};
#undef DYN_EXPORT_FN
#undef DYN_EXPORT_CAST
#undef DYN_EXPORT_AS
#undef DYN_SERVICE_FN
#undef DYN_SERVICE_AS

// Index of each service among the services, in table order (built once:
// the loader asks at link time, a port's gate at every call).
constexpr std::size_t kMaxServices = 64;
struct ServiceIndex {
  std::uint8_t export_of[kMaxServices] = {};
  std::size_t count = 0;
  ServiceIndex() noexcept {
    for (std::size_t i = 0; i < std::size(kKernelExports) && count < kMaxServices; ++i)
      if (kKernelExports[i].service) export_of[count++] = static_cast<std::uint8_t>(i);
  }
};
const ServiceIndex& services() noexcept {
  static const ServiceIndex index;
  return index;
}
}  // namespace

// A scan of the (constant) table, no state of its own: dyn_logf calls it
// from the module's domain, which cannot read or write kernel variables.
std::uint64_t kernel_symbol_address(const ExportedSymbol& s) noexcept {
  if (!s.service) return s.address;
  std::size_t index = 0;
  for (const ExportedSymbol& e : kKernelExports) {
    if (&e == &s) return port::service_entry(index, s.address);
    if (e.service) ++index;
  }
  return s.address;
}

std::uintptr_t kernel_service(std::size_t index) noexcept {
  const ServiceIndex& table = services();
  return index < table.count ? static_cast<std::uintptr_t>(kKernelExports[table.export_of[index]].address) : 0;
}

std::span<const ExportedSymbol> kernel_exports() noexcept { return kKernelExports; }

bool copying_for_module(const Task& t) noexcept { return t.module_memory_scopes != 0; }

namespace {
Task* task_to_count() noexcept {
  if (port::in_module_code()) return nullptr;
  Kernel* k = Kernel::current();
  return k ? k->running() : nullptr;
}
}  // namespace

ModuleMemoryScope::ModuleMemoryScope() noexcept : task_(task_to_count()) {
  if (task_ && task_->module_memory_scopes < 0xFF) ++task_->module_memory_scopes;
}
ModuleMemoryScope::~ModuleMemoryScope() {
  if (task_ && task_->module_memory_scopes) --task_->module_memory_scopes;
}

}  // namespace dyn

namespace {
// No static of its own: it runs in the module's domain, which cannot write kernel memory.
LogEntry dyn_log_entry() noexcept {
  const dyn::ExportedSymbol* s = dyn::find_symbol(dyn::kernel_exports(), "dyn_log");
  return reinterpret_cast<LogEntry>(static_cast<std::uintptr_t>(dyn::kernel_symbol_address(*s)));
}
}  // namespace
