/* interrupt_entry_armv7m.S — the kernel entry an interrupt asks for (interrupts.cpp).
 *
 * PendSV runs at the lowest priority after the handlers that posted; when
 * dyn_pendsv_decide says so, it injects an exception frame below the
 * interrupted task's, as the tick does (context_armv7m.S), so that the
 * exception return lands in dyn_interrupt_trampoline in thread mode with the
 * task's own frame right above the stack pointer, inside the kernel's
 * section. */
  .syntax unified
  .thumb
  .text
#include "kernel_entry_armv7m.inc"

  .global dyn_pendsv_handler
  .type dyn_pendsv_handler, %function
  .thumb_func
dyn_pendsv_handler:
  kernel_entry_handler dyn_pendsv_decide, dyn_interrupt_trampoline
  .size dyn_pendsv_handler, . - dyn_pendsv_handler

/* Thread mode, sp = the task's exception frame {r0-r3, r12, lr, pc, xPSR},
 * plus a padding word above it if the hardware aligned the stack (xPSR bit
 * 9). The task resumes from it with nothing but loads and pops after its
 * flags are back (no IT block or interrupted LDM/STM: PendSV refused those):
 * its pc goes into the frame's last word, r0-r3 and r12 are popped, lr is
 * loaded, and `pop {pc}` leaves sp where it was before the exception. */
  .global dyn_interrupt_trampoline
  .type dyn_interrupt_trampoline, %function
  .thumb_func
dyn_interrupt_trampoline:
  bl dyn_interrupt_in_thread  /* may switch away and come back */
  ldr r1, [sp, #28]           /* xPSR */
  ldr r0, [sp, #24]           /* pc */
  orr r0, r0, #1              /* pop {pc} needs the Thumb bit */
  tst r1, #0x200
  bne 1f
  str r0, [sp, #28]           /* not padded: pc over the xPSR word */
  msr APSR_nzcvq, r1
  ldr lr, [sp, #20]
  pop {r0-r3, r12}
  add sp, sp, #8
  pop {pc}
1:
  str r0, [sp, #32]           /* padded: pc over the padding word */
  msr APSR_nzcvq, r1
  ldr lr, [sp, #20]
  pop {r0-r3, r12}
  add sp, sp, #12
  pop {pc}
  .size dyn_interrupt_trampoline, . - dyn_interrupt_trampoline

/* Thread mode, privileged, on the task's kernel stack: the module code the
 * interrupt landed in resumes from its own frame on PSP (svc 0xF1). */
  .global dyn_interrupt_trampoline_module
  .type dyn_interrupt_trampoline_module, %function
  .thumb_func
dyn_interrupt_trampoline_module:
  bl dyn_interrupt_in_thread
  svc #0xF1
  .global dyn_interrupt_trampoline_module_svc_end
dyn_interrupt_trampoline_module_svc_end:
  udf #0
  .size dyn_interrupt_trampoline_module, . - dyn_interrupt_trampoline_module
