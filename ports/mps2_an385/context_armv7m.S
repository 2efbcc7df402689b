/* context_armv7m.S — context switch, tick delivery and fault hand-back for ARMv7-M (Thumb-2).
 *
 * A saved context is the callee-saved registers r4-r11 and the return
 * address, pushed on its own stack; the stack pointer is the handle
 * (port.hpp). context_switch(void** save_sp, void* to_sp, span to_stack,
 * bool from_dies): r0 = save_sp, r1 = to_sp; the span (r2, r3) and the
 * flag (on the stack) are not needed on this port. */
  .syntax unified
  .thumb
  .text

  .global dyn_arm_context_switch
  .type dyn_arm_context_switch, %function
  .thumb_func
dyn_arm_context_switch:
  push {r4-r11, lr}
  str sp, [r0]
  mov sp, r1
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

/* SysTick: keeps time, and when dyn_systick_decide says so, delivers the
 * tick into the interrupted task in thread mode: a second exception frame
 * is pushed below the task's, so that the exception return "returns" into
 * dyn_tick_trampoline with the task's own frame right above its stack
 * pointer. (PRIMASK and the kernel depth were set by dyn_systick_decide:
 * the trampoline starts inside the kernel's critical section.) */
  .global dyn_systick_handler
  .type dyn_systick_handler, %function
  .thumb_func
dyn_systick_handler:
  push {r4, lr}
  add r0, sp, #8              /* the hardware's frame */
  mov r1, lr                  /* EXC_RETURN */
  bl dyn_systick_decide
  pop {r4, lr}
  cbz r0, 1f
  sub sp, sp, #32             /* the injected frame: r0-r3, r12, lr, pc, xPSR */
  ldr r0, =dyn_tick_trampoline
  str r0, [sp, #24]
  mov r0, #0x01000000         /* xPSR: Thumb, no stack padding */
  str r0, [sp, #28]
1:
  bx lr
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

/* A task's fault, handed back to it (fault_handlers.cpp): thread mode, on
 * the task's stack, inside the kernel's section. Never returns. */
  .global dyn_fault_trampoline
  .type dyn_fault_trampoline, %function
  .thumb_func
dyn_fault_trampoline:
  bl dyn_fault_in_thread
  udf #0
  .size dyn_fault_trampoline, . - dyn_fault_trampoline
