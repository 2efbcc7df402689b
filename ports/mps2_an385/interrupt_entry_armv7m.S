/* interrupt_entry_armv7m.S — the kernel entry an interrupt asks for (interrupts.cpp).
 *
 * PendSV runs at the lowest priority after the handlers that posted; when
 * dyn_pendsv_decide says so, it injects an exception frame below the
 * interrupted task's, as the tick does (context_armv7m.S), so that the
 * exception return lands in dyn_interrupt_trampoline in thread mode with the
 * task's own frame right above the stack pointer, inside the kernel's
 * section. The task resumes from its frame as after a tick. */
  .syntax unified
  .thumb
  .text

  .global dyn_pendsv_handler
  .type dyn_pendsv_handler, %function
  .thumb_func
dyn_pendsv_handler:
  push {r4, lr}
  add r0, sp, #8              /* the hardware's frame */
  mov r1, lr                  /* EXC_RETURN */
  bl dyn_pendsv_decide
  pop {r4, lr}
  cbz r0, 1f
  sub sp, sp, #32             /* the injected frame: r0-r3, r12, lr, pc, xPSR */
  ldr r0, =dyn_interrupt_trampoline
  str r0, [sp, #24]
  mov r0, #0x01000000         /* xPSR: Thumb, no stack padding */
  str r0, [sp, #28]
1:
  bx lr
  .size dyn_pendsv_handler, . - dyn_pendsv_handler

/* Thread mode, sp = the task's exception frame. */
  .global dyn_interrupt_trampoline
  .type dyn_interrupt_trampoline, %function
  .thumb_func
dyn_interrupt_trampoline:
  bl dyn_interrupt_in_thread  /* may switch away and come back */
  mov r0, sp
  bl dyn_tick_resume_block    /* r0 = the block {lr, r0-r3, r12, pc} to pop, r1 = the task's xPSR */
  msr APSR_nzcvq, r1
  mov sp, r0
  pop {lr}
  pop {r0-r3, r12, pc}
  .size dyn_interrupt_trampoline, . - dyn_interrupt_trampoline
