/* context_armv7m.S — cooperative context switch for ARMv7-M (Thumb-2).
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
