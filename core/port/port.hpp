// port.hpp — the port contract: the names every port must define.
//
// The core calls these and nothing else that is platform-specific. There are
// no weak defaults: a port that misses one fails to link, not at run time.
// Host: ports/host. Cortex-M3: ports/mps2_an385.
#pragma once

#include <cstddef>
#include <span>

#include "dyn/fault.hpp"
#include "dyn/module_domain.hpp"
#include "dyn/target_arch.hpp"
#include "dyn/time.hpp"

namespace dyn::port {

using ContextEntry = void (*)(void* arg);

// Lays out a fresh context on `stack` so that the first context_switch() into
// the returned stack pointer calls entry(arg). entry must never return.
void* context_init(std::span<std::byte> stack, ContextEntry entry, void* arg) noexcept;

// Saves the current context, stores its stack pointer in *save_sp and resumes
// the context whose stack pointer is to_sp, which runs on `to_stack` (empty
// for the kernel's own context). Returns when something switches back: the
// kernel, or another task switching to this one directly.
// `from_dies` tells the port the current context will never be resumed (a
// killed task), so it may drop bookkeeping about it.
void context_switch(void** save_sp, void* to_sp, std::span<std::byte> to_stack,
                    bool from_dies) noexcept;

// Monotonic real time in microseconds since an arbitrary origin.
Time clock_now() noexcept;
// The same clock in nanoseconds, for measuring short intervals (update
// unavailability); ports without one may return clock_now() * 1000.
std::int64_t clock_now_ns() noexcept;

// Real-time mode: sleep until clock_now() >= t or an interrupt arrives.
void idle_until(Time t) noexcept;

// Kernel critical section. Entered by every kernel path that touches shared
// state; a tick that arrives inside it is not delivered to the kernel (it is
// dropped: preemption is tick-granular, so the next tick does the job).
// It nests: every kernel_enter() is matched by one kernel_exit(), and only
// the outermost exit ends the section (the housekeeping and update paths
// enter it around calls that enter it again). The depth is one count for
// the whole CPU, carried across context switches: the kernel switches into
// a task inside the section and the task's first act is to leave it; a
// task enters it before it switches back.
void kernel_enter() noexcept;
void kernel_exit() noexcept;

// Starts/stops the tick source that drives preemption and the watchdog while
// tasks run. In real-time mode it ticks every `tick`. In virtual-time mode it
// charges one tick of mission time for every `real_period` that a task spends
// in one uninterrupted stretch of its own code, beyond the first period (so
// ordinary code costs nothing and timelines stay deterministic, while a
// runaway loop is charged and stopped by its watchdog).
void tick_start(Time tick, Time real_period, bool virtual_time) noexcept;
void tick_stop() noexcept;

// Arms/disarms the capture of synchronous faults (memory, bus, illegal
// instruction, arithmetic traps) while the kernel runs tasks. A fault taken
// in a task's context outside the kernel's critical section is handed to
// Kernel::fault_from_port(), which stops that task if it is a module's (it
// does not return then); any other fault ends the system loudly. Host: POSIX
// signals on an alternate stack (a stack overflow is caught too); Cortex-M:
// MemManage/BusFault/UsageFault.
void traps_start() noexcept;
void traps_stop() noexcept;

// A task is being stopped by `record`: the port keeps the record where it
// survives a reset, and the next boot reports it (an epitaph: the last
// fault before a watchdog reset or a power cycle is what the ground asks
// for first). A port with logs that outlive it may keep nothing.
void leave_epitaph(const char* task, const FaultRecord& record) noexcept;

// The machine whose code this port executes. Modules built for it are run:
// their descriptors are read in place, their constructors and hooks called.
// Modules for another machine can only be linked (a relocator tested on a
// host of another architecture). A property of the port, not of the core.
TargetArch module_arch() noexcept;


// --- Isolation of module code ----------------------------------------------
//
// A port that isolates modules runs their code unprivileged, on the module
// stack, with only its domain (module_domain.hpp) and the port's shared
// regions accessible; kernel code of a module task (the kernel API behind
// the service gates, the tick, a fault's hand-back) runs privileged on the
// task's own stack, which the module cannot touch. A port that does not
// (the host) calls module code directly on the task's stack.

// Bytes of the kernel stack every module task gets besides its module stack
// (the task's context runs on it); 0 if this port does not isolate modules.
std::size_t kernel_stack_bytes() noexcept;

// Calls fn(args[0..3]) as module code in `domain` (with `lent` regions
// added for this call: a checkpoint buffer a hook reads or writes) and
// returns what it returns in r0 / rax. Called from kernel code in a module
// task's context. A fault in fn is the task's (Kernel::fault_from_port).
std::uintptr_t call_module(const void* fn, const std::uintptr_t (&args)[4], const ModuleDomain& domain,
                           std::span<const DomainRegion> lent = {}) noexcept;

// True while unprivileged module code runs (a C library routine of the
// kernel's that a module called runs in the module's domain); always false
// on a port that does not isolate modules.
bool in_module_code() noexcept;

// True if the port can enforce `domain`, its stack fields set (an MPU has a
// few slots; regions that fit one parent may share one; the stacks' guards
// and a buffer lent to a hook, from where `lent` says, need theirs). The
// task manager refuses what does not.
bool domain_fits(const ModuleDomain& domain, LentFrom lent) noexcept;

// `domain` was built or its regions changed (a heap arena came or went):
// the port may encode it once into domain.port_cache, and if module code in
// it is running or will resume, the port reprograms the MPU.
void domain_changed(ModuleDomain& domain) noexcept;

// The bytes module code may read from `address` on through the port's
// shared regions (the kernel's code and constants, where the C library
// modules call lives); 0 where the port shares none.
std::size_t shared_readable_run(std::uintptr_t address) noexcept;

// Where in the module a service was called from, given the service's own
// return address: on a port whose gates enter services through a
// trampoline, the module's call site the gate saw; otherwise the address
// itself. Fault records of services name it (their pc).
std::uintptr_t service_caller(std::uintptr_t return_address) noexcept;

// The address a module links to for kernel service `index` (the export
// table's services, in order), whose code is at `function`: a gate that
// enters the kernel on an isolating port, the function itself otherwise.
std::uint64_t service_entry(std::size_t index, std::uint64_t function) noexcept;

// Interrupt context: of the core, a port calls only Kernel::tick_from_port(),
// Kernel::fault_from_port() and Kernel::interrupt_from_port(), and only in
// the context of the interrupted task (thread mode, on its stack: the host
// from a signal handler on it, the Cortex-M3 port through an injected
// frame), never inside the kernel's critical section. In an interrupt
// handler itself (handler mode, a signal handler), the one thing of the core
// that may run is Kernel::post_from_interrupt(): it only stores into atomic
// words (a per-task post and a word of pending bits, one bit per slot
// modulo 32), which the kernel consumes inside its section at its next step
// (the dispatcher's loop, a yield, a tick). Nothing else of the core may run
// in an interrupt.

// Interrupt context, after Kernel::post_from_interrupt(): the kernel has
// posts to deliver. The port may enter the kernel in the interrupted task's
// context as soon as no handler and no kernel section is active
// (Kernel::interrupt_from_port(), so a more important task woken by the
// interrupt preempts at once: the Cortex-M3 port pends PendSV at the lowest
// priority for that), or do nothing (the host: posts wait for the next step).
// Also called from task context; must be safe in both.
void request_kernel_entry() noexcept;

}  // namespace dyn::port
