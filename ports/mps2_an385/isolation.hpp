// isolation.hpp — unprivileged module code on the Cortex-M3: how an
// exception handler leaves for thread mode, and what the port knows of the
// domain the MPU holds (isolation.cpp, mpu.cpp, context_armv7m.S).
//
// Module code runs unprivileged in thread mode on the process stack (PSP:
// the module stack, inside its domain); kernel code — the task's side of
// its context, the services behind the gates, the tick and a fault's
// hand-back — runs privileged on the main stack (MSP: the task's kernel
// stack, which no domain maps). Every crossing is an exception: a gate's
// SVC, the module's return (SVC from dyn_arm_module_return), the tick, a
// fault. Its handler leaves through dyn_exception_exit with an ExitRecord.
#pragma once

#include <cstdint>
#include <span>

#include "dyn/module_domain.hpp"
#include "mpu_layout.hpp"

namespace dyn::mps2 {

inline constexpr std::uint32_t kExcReturnThreadMsp = 0xFFFFFFF9u;
inline constexpr std::uint32_t kExcReturnThreadPsp = 0xFFFFFFFDu;
inline constexpr std::uint32_t kXpsrThumb = 0x01000000u;
inline constexpr std::uint32_t kXpsrPadded = 1u << 9;  // the hardware aligned the stack below the frame

// SVC numbers: below kServiceGates, a kernel service (the export table's
// services in order, port::service_entry); the rest are the port's own.
inline constexpr std::uint32_t kServiceGates = 64;
inline constexpr std::uint32_t kSvcModuleReturn = 0xF0;   // module code returned (only from dyn_arm_module_return)
inline constexpr std::uint32_t kSvcResumeModule = 0xF1;   // kernel: back into the module code the tick interrupted
inline constexpr std::uint32_t kSvcServiceReturn = 0xF2;  // kernel: a service finished, back to its module caller

// How an exception handler returns: CONTROL is set, MSP becomes `msp`, and
// if has_frame, `frame` (r0-r3, r12, lr, pc, xPSR) is pushed there first
// and the exception return unstacks it.
struct ExitRecord {
  std::uint32_t exc_return;
  std::uint32_t control;  // 0: privileged; 1: unprivileged (the stack is chosen by exc_return)
  std::uint32_t msp;
  std::uint32_t has_frame;
  std::uint32_t frame[8];
};

// One record per priority: handlers that share one do not nest (SVC,
// SysTick and the fault handlers share the highest; faults are
// synchronous); PendSV, at the lowest, has its own, since they preempt it.
ExitRecord& exit_record() noexcept;
ExitRecord& pendsv_exit_record() noexcept;

// Thread mode, privileged, on MSP at `msp`: a fresh frame that "returns" into `to` with r0, r1.
ExitRecord* exit_to_kernel(std::uint32_t msp, void (*to)(), std::uint32_t r0 = 0, std::uint32_t r1 = 0) noexcept;
ExitRecord* exit_to_kernel(ExitRecord& record, std::uint32_t msp, void (*to)()) noexcept;
// Back into module code on PSP (its own frame there), dropping the MSP frame at `frame`.
ExitRecord* exit_to_module(const std::uint32_t* frame) noexcept;

// What the MPU holds while module code runs: its domain and the regions
// lent for the call. Each context keeps a pointer to its own (saved and
// restored by the context switch), so a call preempted in the middle comes
// back with its lent buffer still mapped.
struct Mapping {
  const ModuleDomain* domain;
  std::span<const DomainRegion> lent;
  KernelStack kernel_stack = KernelStack::InUse;  // Idle: called from another task's context
};

// The domain programmed in the MPU (nullptr: the MPU is off).
const ModuleDomain* current_domain() noexcept;
// The bytes of the image's code and constants (the kernel's shared region).
std::uint32_t code_end() noexcept;

}  // namespace dyn::mps2
