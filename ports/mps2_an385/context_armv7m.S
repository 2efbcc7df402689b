/* context_armv7m.S — contexts, module calls, gates, and how exceptions hand
 * work to thread mode on ARMv7-M (Thumb-2). isolation.hpp has the picture.
 *
 * A saved context, on its own stack (the stack pointer is the handle,
 * port.hpp): the MPU mapping it runs in (isolation.hpp), its PSP and a pad word, then r4-r11 and
 * the return address. context_switch(void** save_sp, void* to_sp, span
 * to_stack, bool from_dies): r0 = save_sp, r1 = to_sp; the span (r2, r3)
 * and the flag (on the stack) are not needed on this port. */
  .syntax unified
  .thumb
  .text
#include "kernel_entry_armv7m.inc"

  .global dyn_arm_context_switch
  .type dyn_arm_context_switch, %function
  .thumb_func
dyn_arm_context_switch:
  push {r4-r11, lr}
  mrs r3, psp
  ldr r12, =dyn_port_mapping
  ldr r2, [r12]
  push {r1-r3}                /* r1: the pad word (12 words keep the stack 8-byte aligned) */
  str sp, [r0]
  mov sp, r1
  pop {r1-r3}
  msr psp, r3
  ldr r1, [r12]
  cmp r1, r2
  bne 1f
  pop {r4-r11, pc}
1:
  mov r0, r2
  bl dyn_port_resume_mapping  /* the MPU holds the resumed context's regions (or is off) */
  pop {r4-r11, pc}
  .size dyn_arm_context_switch, . - dyn_arm_context_switch

/* A fresh context's first return lands here with r4 = entry, r5 = arg. */
  .global dyn_arm_context_start
  .type dyn_arm_context_start, %function
  .thumb_func
dyn_arm_context_start:
  mov r0, r5
  blx r4
  udf #0      /* entry never returns (port.hpp) */
  .size dyn_arm_context_start, . - dyn_arm_context_start

/* ExitRecord (isolation.hpp) at r0: CONTROL, then MSP, then the frame if
 * any, then the exception return. The frame is written after MSP moves
 * below it, so nothing that preempts here can overwrite it. */
  .global dyn_exception_exit
  .type dyn_exception_exit, %function
  .thumb_func
dyn_exception_exit:
  ldr r1, [r0, #4]
  msr control, r1
  isb
  ldr r1, [r0, #8]
  ldr r2, [r0, #12]
  cbz r2, 2f
  sub r1, r1, #32
  msr msp, r1
  add r2, r0, #16
  movs r3, #0
1:
  ldr r12, [r2, r3]
  str r12, [r1, r3]
  adds r3, r3, #4
  cmp r3, #32
  bne 1b
  ldr r0, [r0, #0]
  bx r0
2:
  msr msp, r1
  ldr r0, [r0, #0]
  bx r0
  .size dyn_exception_exit, . - dyn_exception_exit

/* call_module (isolation.cpp): r0 = fn, r1 = its four arguments, r2 = the
 * module stack pointer. The kernel's registers and the old PSP stay on the
 * kernel stack; the module runs unprivileged on PSP and returns into
 * dyn_arm_module_return. */
  .global dyn_arm_enter_module
  .type dyn_arm_enter_module, %function
  .thumb_func
dyn_arm_enter_module:
  mrs r3, psp
  push {r3-r11, lr}           /* 10 words: aligned */
  msr psp, r2
  mov r12, r0
  ldr lr, =dyn_arm_module_return
  ldm r1, {r0-r3}
  movs r4, #3                 /* nPRIV | SPSEL: unprivileged, on PSP */
  msr control, r4
  isb
  bx r12
  .size dyn_arm_enter_module, . - dyn_arm_enter_module

/* Where module code returns: the only place the return SVC is honoured. */
  .global dyn_arm_module_return
  .type dyn_arm_module_return, %function
  .thumb_func
dyn_arm_module_return:
  svc #0xF0
  .global dyn_arm_module_return_end
dyn_arm_module_return_end:
  udf #0
  .size dyn_arm_module_return, . - dyn_arm_module_return

/* Privileged again, on the kernel stack as dyn_arm_enter_module left it; r0/r1 the result. */
  .global dyn_arm_module_returned
  .type dyn_arm_module_returned, %function
  .thumb_func
dyn_arm_module_returned:
  pop {r3-r11, lr}
  msr psp, r3
  bx lr
  .size dyn_arm_module_returned, . - dyn_arm_module_returned

/* A service for module code: privileged, on the kernel stack, r0-r3 its
 * arguments, r12 the service; its result goes back through `svc 0xF2`. */
  .global dyn_arm_service_trampoline
  .type dyn_arm_service_trampoline, %function
  .thumb_func
dyn_arm_service_trampoline:
  blx r12
  svc #0xF2
  .global dyn_arm_service_trampoline_svc_end
dyn_arm_service_trampoline_svc_end:
  udf #0
  .size dyn_arm_service_trampoline, . - dyn_arm_service_trampoline

/* The gates modules link to for kernel services (port::service_entry):
 * gate N is `svc N; bx lr`, 4 bytes each. */
  .section .text.dyn_arm_gates, "ax", %progbits
  .balign 4
  .global dyn_arm_gates
dyn_arm_gates:
  .set gate, 0
  .rept 64
  svc #gate
  bx lr
  .set gate, gate + 1
  .endr
  .text

/* A handler that decides in C: dispatch(frame, EXC_RETURN, MSP at entry)
 * returns the ExitRecord it leaves through. */
  .macro exception_entry dispatch
  tst lr, #4
  ite eq
  mrseq r0, msp
  mrsne r0, psp
  mov r1, lr
  mrs r2, msp
  push {r4, lr}
  bl \dispatch
  pop {r4, lr}
  b dyn_exception_exit
  .endm

  .global dyn_svc_handler
  .type dyn_svc_handler, %function
  .thumb_func
dyn_svc_handler:
  exception_entry dyn_svc_dispatch
  .size dyn_svc_handler, . - dyn_svc_handler

/* HardFault: dyn_hard_fault_dispatch decides (fault_handlers.cpp). */
  .global dyn_hard_fault_handler
  .type dyn_hard_fault_handler, %function
  .thumb_func
dyn_hard_fault_handler:
  exception_entry dyn_hard_fault_dispatch
  .size dyn_hard_fault_handler, . - dyn_hard_fault_handler

/* MemManage, BusFault, UsageFault: dyn_fault_dispatch decides (fault_handlers.cpp). */
  .global dyn_mem_manage_handler
  .global dyn_bus_fault_handler
  .global dyn_usage_fault_handler
  .type dyn_mem_manage_handler, %function
  .thumb_func
dyn_mem_manage_handler:
  .thumb_func
dyn_bus_fault_handler:
  .thumb_func
dyn_usage_fault_handler:
  exception_entry dyn_fault_dispatch
  .size dyn_mem_manage_handler, . - dyn_mem_manage_handler

/* SysTick: keeps time, and when dyn_systick_decide says so, delivers the
 * tick into the interrupted task in thread mode. Kernel code (MSP): a
 * second exception frame is pushed below the task's, so that the exception
 * return "returns" into dyn_tick_trampoline with the task's own frame right
 * above its stack pointer. Module code (PSP): decide returns an ExitRecord
 * into dyn_tick_trampoline_module on the kernel stack. (PRIMASK and the
 * kernel depth were set by decide: the trampolines start inside the
 * kernel's critical section.) */
  .global dyn_systick_handler
  .type dyn_systick_handler, %function
  .thumb_func
dyn_systick_handler:
  kernel_entry_handler dyn_systick_decide, dyn_tick_trampoline
  .size dyn_systick_handler, . - dyn_systick_handler

/* Thread mode, sp = the task's exception frame. */
  .global dyn_tick_trampoline
  .type dyn_tick_trampoline, %function
  .thumb_func
dyn_tick_trampoline:
  bl dyn_tick_in_thread       /* the kernel's tick; may switch away and come back */
  mov r0, sp
  bl dyn_tick_resume_block    /* r0 = the block {lr, r0-r3, r12, pc} to pop, r1 = the task's xPSR */
  msr APSR_nzcvq, r1          /* the task's flags; nothing below changes them */
  mov sp, r0
  pop {lr}
  pop {r0-r3, r12, pc}
  .size dyn_tick_trampoline, . - dyn_tick_trampoline

/* Thread mode, privileged, on the kernel stack: the module code the tick
 * interrupted resumes from its own frame on PSP, exactly (any IT state). */
  .global dyn_tick_trampoline_module
  .type dyn_tick_trampoline_module, %function
  .thumb_func
dyn_tick_trampoline_module:
  bl dyn_tick_in_thread
  svc #0xF1
  .global dyn_tick_trampoline_module_svc_end
dyn_tick_trampoline_module_svc_end:
  udf #0
  .size dyn_tick_trampoline_module, . - dyn_tick_trampoline_module

/* A task's fault, handed back to it (fault_handlers.cpp): thread mode, on
 * the task's (kernel) stack, inside the kernel's section. Never returns. */
  .global dyn_fault_trampoline
  .type dyn_fault_trampoline, %function
  .thumb_func
dyn_fault_trampoline:
  bl dyn_fault_in_thread
  udf #0
  .size dyn_fault_trampoline, . - dyn_fault_trampoline
