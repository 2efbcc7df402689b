// host_port.cpp — the Linux host port: contexts, clock, critical sections, ticks.
//
// Preemption of task code that never calls the kernel (a runaway loop) uses a
// POSIX interval timer signal (ITIMER_REAL, microsecond resolution).
//
// Virtual-time mode must stay deterministic, so task code between two kernel
// calls costs no mission time, however long it really takes... unless it is a
// runaway: a tick is charged only once the same uninterrupted stretch of task
// code (no kernel call in between) has used a whole real period of this
// thread's CPU time since the last charge or since a signal first found it.
// Ordinary code that returns to the kernel within one real period of CPU is
// never charged, however the host schedules us (time spent descheduled is not
// CPU time); a spinning task is charged one mission tick per real period. The handler runs on the task's own stack; if the
// kernel decides to preempt or stop the task, it switches to the kernel context
// from inside the handler, and the handler's frame stays on the task stack
// until the task is resumed (or is discarded with the stack if the task was
// killed). The handler unblocks the signal before it may switch, so the
// switched-to context takes ticks; the kernel-depth counter, claimed with compare-and-swap, keeps the handler
// out of kernel code. Design notes: docs/host-port.md.
#include "host_port.hpp"

#include <pthread.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/ucontext.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iterator>
#include <new>

#include "dyn/kernel.hpp"
#include "port.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define DYN_HOST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DYN_HOST_ASAN 1
#endif
#endif
#ifndef DYN_HOST_ASAN
#define DYN_HOST_ASAN 0
#endif

#if DYN_HOST_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

extern "C" void dyn_host_switch(void** save_sp, void* to_sp);
// The executable's text (GNU ld provides both): where the kernel's own code is.
extern "C" const char __executable_start;
extern "C" const char etext;
extern "C" void dyn_host_context_thunk();

namespace {

std::atomic<int> g_kernel_depth{0};
// A stretch of task code is one dispatch (segment): the kernel's dispatch
// count tells the handler whether two signals fell into the same one. Kernel
// calls that do not switch are part of the stretch, so a loop polling the
// kernel is still a runaway; and the switch path pays nothing for it.
std::uint64_t g_last_signalled_stretch = ~std::uint64_t{0};
long long g_stretch_cpu_mark = 0;  // thread CPU (ns) when the stretch was last seen or charged
bool g_stretch_charged = false;    // a tick was charged in this stretch: it is a runaway
// Virtual time: task code that has run this long (thread CPU, page faults
// included) without entering the kernel is a runaway, and from then on is
// charged a tick per real period. Well above any ordinary stretch, even a
// first run that faults in its pages under a sanitizer on a loaded machine:
// a charge to ordinary code would make two runs of a mission differ.
constexpr long long kRunawayAfterNs = 2'000'000;
long long g_real_period_ns = 250'000;
bool g_virtual_time = true;

long long thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);  // async-signal-safe
  return static_cast<long long>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}
std::atomic<unsigned long> g_ticks_delivered{0};
std::atomic<unsigned long> g_ticks_dropped{0};
int g_tick_signal = 0;

#if DYN_HOST_ASAN
// Bounds of the kernel's own stack (the stack of the thread running the
// kernel), which the sanitizer needs whenever we switch to the kernel.
const void* g_kernel_stack_bottom = nullptr;
std::size_t g_kernel_stack_size = 0;

void learn_kernel_stack() {
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return;
  void* addr = nullptr;
  std::size_t size = 0;
  pthread_attr_getstack(&attr, &addr, &size);
  pthread_attr_destroy(&attr);
  g_kernel_stack_bottom = addr;
  g_kernel_stack_size = size;
}
#endif

// A tick that lands while a task has almost no stack left is not handled on
// it (the handler and the kernel would run into the task's guard page, where
// the fault would be the kernel's): it is dropped, up to kTickDeferMax times
// in a row. The task is then stopped by its next kernel call (refused below
// api_stack_reserve) or by its own guard page, both contained.
#if DYN_HOST_ASAN
constexpr std::uintptr_t kTickHeadroom = 24 * 1024;  // sanitizer frames are large
#else
constexpr std::uintptr_t kTickHeadroom = 8 * 1024;
#endif
constexpr int kTickDeferMax = 64;
int g_ticks_deferred = 0;

bool too_little_stack_for_a_tick() {
  const dyn::Kernel* k = dyn::Kernel::current();
  const dyn::Task* t = k ? k->running() : nullptr;
  if (!t || t->stack.empty()) return false;
  const volatile char probe = 0;
  const auto here = reinterpret_cast<std::uintptr_t>(&probe);
  const auto base = reinterpret_cast<std::uintptr_t>(t->stack.data());
  const bool on_task_stack = here >= base && here < base + t->stack.size();
  const std::uintptr_t headroom = kTickHeadroom < t->stack.size() / 2 ? kTickHeadroom : t->stack.size() / 2;
  if (!on_task_stack || here - base >= headroom || g_ticks_deferred >= kTickDeferMax) {
    g_ticks_deferred = 0;
    return false;
  }
  ++g_ticks_deferred;
  return true;
}

// The tick signal is blocked while its handler runs (no SA_NODEFER): a late
// timer under load would otherwise interrupt the handler again and again,
// each time in its prologue, and every nesting costs a signal frame of the
// task's stack (kilobytes with the vector state). It is unblocked only just
// before the kernel may switch away from inside the handler, so the
// switched-to context takes ticks; a tick meanwhile finds the depth claimed.
void unblock_tick_signal() {
  sigset_t tick;
  sigemptyset(&tick);
  sigaddset(&tick, g_tick_signal);
  pthread_sigmask(SIG_UNBLOCK, &tick, nullptr);
}

void on_tick_signal(int) {
  const int saved_errno = errno;
  int expected = 0;
  if (too_little_stack_for_a_tick()) {
    g_ticks_dropped.fetch_add(1, std::memory_order_relaxed);
  } else if (g_kernel_depth.compare_exchange_strong(expected, 1)) {
    bool deliver = !g_virtual_time;
    if (g_virtual_time) {
      dyn::Kernel* kernel = dyn::Kernel::current();
      const std::uint64_t stretch = kernel ? kernel->stretch() : 0;
      const long long cpu = thread_cpu_ns();
      if (stretch != g_last_signalled_stretch) {
        g_last_signalled_stretch = stretch;  // first sighting: maybe ordinary code
        g_stretch_cpu_mark = cpu;
        g_stretch_charged = false;
      } else if (cpu - g_stretch_cpu_mark >= (g_stretch_charged ? g_real_period_ns : kRunawayAfterNs)) {
        g_stretch_cpu_mark = cpu;  // a runaway: charge one tick per period of CPU
        g_stretch_charged = true;
        deliver = true;
      }
    }
    if (deliver) {
      g_ticks_delivered.fetch_add(1, std::memory_order_relaxed);
      unblock_tick_signal();  // the kernel may switch away from here
      if (dyn::Kernel* k = dyn::Kernel::current()) k->tick_from_port();
    } else {
      g_ticks_dropped.fetch_add(1, std::memory_order_relaxed);
    }
    g_kernel_depth.store(0);
  } else {
    g_ticks_dropped.fetch_add(1, std::memory_order_relaxed);
  }
  errno = saved_errno;
}

// --- synchronous faults -------------------------------------------------------

constexpr int kFaultSignals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE};
struct sigaction g_previous_fault_actions[std::size(kFaultSignals)];
bool g_traps_armed = false;
// The handler runs on its own stack: a task that overflowed its stack into
// the guard page has none left. Sanitizers need room.
constexpr std::size_t kAltStackSize = 256 * 1024;
void* g_alt_stack = nullptr;
stack_t g_previous_alt_stack{};

dyn::FaultKind fault_kind(int sig, int code) {
  switch (sig) {
    case SIGSEGV: return dyn::FaultKind::MemoryAccess;
    case SIGBUS: return dyn::FaultKind::Bus;
    case SIGILL: return dyn::FaultKind::IllegalInstruction;
    case SIGFPE: return code == FPE_INTDIV ? dyn::FaultKind::DivideByZero : dyn::FaultKind::Arithmetic;
    default: return dyn::FaultKind::None;
  }
}

// Async-signal-safe output of a message and a hex number.
void write_str(const char* s) {
  std::size_t n = 0;
  while (s[n]) ++n;
  ssize_t ignored = write(2, s, n);
  (void)ignored;
}
void write_hex(std::uint64_t v) {
  char buf[19] = {'0', 'x'};
  for (int i = 0; i < 16; ++i) buf[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 0xF];
  buf[18] = '\0';
  write_str(buf);
}

void on_fault_signal(int sig, siginfo_t* info, void* context) {
  const auto* uc = static_cast<const ucontext_t*>(context);
  dyn::FaultRecord record;
  record.kind = fault_kind(sig, info->si_code);
  record.address = reinterpret_cast<std::uint64_t>(info->si_addr);
  record.pc = static_cast<std::uint64_t>(uc->uc_mcontext.gregs[REG_RIP]);
  record.sp = static_cast<std::uint64_t>(uc->uc_mcontext.gregs[REG_RSP]);
  record.in_kernel_image = record.pc >= reinterpret_cast<std::uint64_t>(&__executable_start) &&
                           record.pc < reinterpret_cast<std::uint64_t>(&etext);
  int expected = 0;
  // Depth 0: task code (a module's, or a kernel export it called) was
  // running, not the kernel's critical section.
  if (g_kernel_depth.compare_exchange_strong(expected, 1)) {
    if (dyn::Kernel* k = dyn::Kernel::current()) {
      if (const dyn::Task* t = k->running(); t && sig == SIGSEGV) {
        // An access just below the stack (its guard, or past it by one large frame).
        const auto base = reinterpret_cast<std::uint64_t>(t->stack.data());
        if (record.address < base && base - record.address <= 64 * 1024) record.kind = dyn::FaultKind::StackOverflow;
      }
      // A fault inside the tick handler (before it unblocked the tick) would
      // otherwise leave the tick blocked in every context from here on.
      if (g_tick_signal) unblock_tick_signal();
      (void)k->fault_from_port(record);  // returns only if the fault is not a module task's
    }
    g_kernel_depth.store(0);
  }
  // The kernel's own fault: end loudly. The previous handler (a sanitizer's,
  // or the default action) gets the same fault when the instruction re-runs.
  write_str("dynsched: fatal: ");
  write_str(sig == SIGSEGV ? "SIGSEGV" : sig == SIGBUS ? "SIGBUS" : sig == SIGILL ? "SIGILL" : "SIGFPE");
  write_str(" in kernel code (not a module task's), address ");
  write_hex(record.address);
  write_str(", pc ");
  write_hex(record.pc);
  write_str("\n");
  for (std::size_t i = 0; i < std::size(kFaultSignals); ++i)
    if (kFaultSignals[i] == sig) sigaction(sig, &g_previous_fault_actions[i], nullptr);
}

timeval to_timeval(dyn::Time us) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(us / 1'000'000);
  tv.tv_usec = static_cast<suseconds_t>(us % 1'000'000);
  return tv;
}

}  // namespace

// Called by dyn_host_context_thunk on a new context's first run.
extern "C" [[noreturn]] void dyn_host_context_start(dyn::port::ContextEntry entry, void* arg) {
#if DYN_HOST_ASAN
  __sanitizer_finish_switch_fiber(nullptr, nullptr, nullptr);
#endif
  entry(arg);
  std::fputs("dynsched: a task context returned from its entry\n", stderr);
  std::abort();
}

namespace dyn::port {

void* context_init(std::span<std::byte> stack, ContextEntry entry, void* arg) noexcept {
#if DYN_HOST_ASAN
  // A reused stack may still carry redzones of an abandoned (killed) context.
  __asan_unpoison_memory_region(stack.data(), stack.size());
#endif
  auto top = reinterpret_cast<std::uintptr_t>(stack.data() + stack.size()) & ~std::uintptr_t{15};
  // Safety: the frame lies inside `stack`, whose size the kernel checked
  // (min_stack is far above these 80 bytes).
  auto* frame = reinterpret_cast<std::uint64_t*>(top - 80);
  frame[0] = 0x037F'0000'1F80ull;  // mxcsr 0x1F80 (low), x87 control word 0x037F
  frame[1] = 0;                                                  // r15
  frame[2] = 0;                                                  // r14
  frame[3] = reinterpret_cast<std::uint64_t>(arg);               // r13
  frame[4] = reinterpret_cast<std::uint64_t>(entry);             // r12
  frame[5] = 0;                                                  // rbx
  frame[6] = 0;                                                  // rbp
  frame[7] = reinterpret_cast<std::uint64_t>(&dyn_host_context_thunk);  // return address
  frame[8] = 0;  // the thunk runs with rsp = top - 16, 16-byte aligned
  frame[9] = 0;
  return frame;
}

void context_switch(void** save_sp, void* to_sp, std::span<std::byte> to_stack, bool from_dies) noexcept {
#if DYN_HOST_ASAN
  void* fake_stack = nullptr;
  if (to_stack.empty() && !g_kernel_stack_bottom) learn_kernel_stack();
  const void* bottom = to_stack.empty() ? g_kernel_stack_bottom : to_stack.data();
  const std::size_t size = to_stack.empty() ? g_kernel_stack_size : to_stack.size();
  __sanitizer_start_switch_fiber(from_dies ? nullptr : &fake_stack, bottom, size);
  dyn_host_switch(save_sp, to_sp);
  __sanitizer_finish_switch_fiber(fake_stack, nullptr, nullptr);
#else
  (void)to_stack;
  (void)from_dies;
  dyn_host_switch(save_sp, to_sp);
#endif
}

Time clock_now() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<Time>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000;
}

std::int64_t clock_now_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

void idle_until(Time t) noexcept {
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(t / 1'000'000);
  ts.tv_nsec = static_cast<long>((t % 1'000'000) * 1000);
  // A signal ends the sleep (port.hpp): one that posted for a task must let
  // the dispatcher look again.
  (void)clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);
}

// The depth is only ever raced by the tick handler on this same thread, and
// a signal lands between two instructions, never inside one: a relaxed load
// and store (plain moves) plus compiler fences suffice, no locked RMW. If a
// tick lands between the load and the store of kernel_enter it sees the old
// depth, i.e. user code, which is exactly where the task still is; when the
// task resumes, the handler has restored the depth it had read.
void kernel_enter() noexcept {
  g_kernel_depth.store(g_kernel_depth.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  std::atomic_signal_fence(std::memory_order_seq_cst);
}
void kernel_exit() noexcept {
  std::atomic_signal_fence(std::memory_order_seq_cst);
  g_kernel_depth.store(g_kernel_depth.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
}

void tick_start(Time tick, Time real_period, bool virtual_time) noexcept {
  g_tick_signal = SIGALRM;
  g_virtual_time = virtual_time;
  g_real_period_ns = static_cast<long long>(real_period) * 1000;
  g_last_signalled_stretch = ~std::uint64_t{0};
  struct sigaction sa {};
  sa.sa_handler = on_tick_signal;
  sa.sa_flags = SA_RESTART;  // blocked while its handler runs: see unblock_tick_signal
  sigemptyset(&sa.sa_mask);
  sigaction(g_tick_signal, &sa, nullptr);
  itimerval it{};
  it.it_interval = to_timeval(virtual_time ? real_period : tick);
  it.it_value = it.it_interval;
  setitimer(ITIMER_REAL, &it, nullptr);
}

void tick_stop() noexcept {
  if (!g_tick_signal) return;
  itimerval it{};
  setitimer(ITIMER_REAL, &it, nullptr);
  signal(g_tick_signal, SIG_IGN);
  g_tick_signal = 0;
}

void traps_start() noexcept {
  if (g_traps_armed) return;
  if (!g_alt_stack) {
    void* m = mmap(nullptr, kAltStackSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    g_alt_stack = m == MAP_FAILED ? nullptr : m;
  }
  if (g_alt_stack) {
    stack_t alt{};
    alt.ss_sp = g_alt_stack;
    alt.ss_size = kAltStackSize;
    sigaltstack(&alt, &g_previous_alt_stack);
  }
  struct sigaction sa {};
  sa.sa_sigaction = on_fault_signal;
  // SA_NODEFER: the handler leaves by switching to the kernel, never by
  // returning, so the signal must not stay blocked behind it.
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  for (std::size_t i = 0; i < std::size(kFaultSignals); ++i)
    sigaction(kFaultSignals[i], &sa, &g_previous_fault_actions[i]);
  g_traps_armed = true;
}

// Posts from a signal handler (the host's interrupts) wait for the kernel's
// next step: the host has no deferred, lowest-priority entry like PendSV.
void request_kernel_entry() noexcept {}

// The host does not isolate modules (port.hpp): their code is called
// directly on the task's stack; the pointers they hand the kernel are still
// checked against their domain by the core.
std::size_t kernel_stack_bytes() noexcept { return 0; }

std::uintptr_t call_module(const void* fn, const std::uintptr_t (&args)[4], const ModuleDomain&,
                           std::span<const DomainRegion>) noexcept {
  // Safety: a module function the loader resolved. The SysV ABI passes the
  // first four integer or pointer arguments in registers and returns in
  // rax, so a callee taking fewer ignores the rest, and callers of a void
  // function ignore the result.
  using Wide = std::uintptr_t (*)(std::uintptr_t, std::uintptr_t, std::uintptr_t, std::uintptr_t);
  return reinterpret_cast<Wide>(const_cast<void*>(fn))(args[0], args[1], args[2], args[3]);
}

bool domain_fits(const ModuleDomain&, LentFrom) noexcept { return true; }

// The host's records outlive the process in the trace and the log files.
void leave_epitaph(const char*, const FaultRecord&) noexcept {}

void domain_changed(ModuleDomain&) noexcept {}

bool in_module_code() noexcept { return false; }

std::size_t shared_readable_run(std::uintptr_t) noexcept { return 0; }

std::uint64_t service_entry(std::size_t, std::uint64_t function) noexcept { return function; }

std::uintptr_t service_caller(std::uintptr_t return_address) noexcept { return return_address; }

TargetArch module_arch() noexcept {
#if defined(__x86_64__)
  return TargetArch::X86_64;
#else
#error "the host port runs modules on x86-64 only"
#endif
}

void traps_stop() noexcept {
  if (!g_traps_armed) return;
  for (std::size_t i = 0; i < std::size(kFaultSignals); ++i)
    sigaction(kFaultSignals[i], &g_previous_fault_actions[i], nullptr);
  if (g_alt_stack) sigaltstack(&g_previous_alt_stack, nullptr);
  g_traps_armed = false;
}

}  // namespace dyn::port

namespace dyn::host {

TaskStack::TaskStack(std::size_t size) {
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  size_ = (size + page - 1) / page * page;
  mapping_size_ = size_ + page;
  void* m = mmap(nullptr, mapping_size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (m == MAP_FAILED) throw std::bad_alloc();
  mapping_ = static_cast<std::byte*>(m);
  mprotect(mapping_, page, PROT_NONE);  // guard page below the stack
  base_ = mapping_ + page;
}

TaskStack::TaskStack(TaskStack&& other) noexcept
    : mapping_(other.mapping_), mapping_size_(other.mapping_size_), base_(other.base_), size_(other.size_) {
  other.mapping_ = nullptr;
}

TaskStack::~TaskStack() {
  if (!mapping_) return;
#if DYN_HOST_ASAN
  __asan_unpoison_memory_region(base_, size_);
#endif
  munmap(mapping_, mapping_size_);
}

TickCounters tick_counters() noexcept {
  return {g_ticks_delivered.load(), g_ticks_dropped.load()};
}

}  // namespace dyn::host
