// context_x86_64.S — user-space context switch for the host port (System V AMD64).
//
// A saved context is its stack pointer; below it, from low to high address:
//   [mxcsr:4][x87 control word:2][pad:2] r15 r14 r13 r12 rbx rbp [return address]
// Only callee-saved state is kept: a switch is an ordinary function call as
// far as the compiler is concerned.

    .text
    .globl  dyn_host_switch
    .type   dyn_host_switch, @function
// void dyn_host_switch(void** save_sp /*rdi*/, void* to_sp /*rsi*/)
dyn_host_switch:
    .cfi_startproc
    pushq   %rbp
    pushq   %rbx
    pushq   %r12
    pushq   %r13
    pushq   %r14
    pushq   %r15
    subq    $8, %rsp
    stmxcsr (%rsp)
    fnstcw  4(%rsp)
    movq    %rsp, (%rdi)
    // ldmxcsr and fldcw are slow and tasks rarely change either register:
    // reload them only when the incoming context's values differ.
    movq    (%rsp), %rax            // outgoing: mxcsr | cw << 32
    movq    %rsi, %rsp
    cmpq    (%rsp), %rax
    je      1f
    ldmxcsr (%rsp)
    fldcw   4(%rsp)
1:
    addq    $8, %rsp
    popq    %r15
    popq    %r14
    popq    %r13
    popq    %r12
    popq    %rbx
    popq    %rbp
    ret
    .cfi_endproc
    .size   dyn_host_switch, .-dyn_host_switch

    .globl  dyn_host_context_thunk
    .type   dyn_host_context_thunk, @function
// First code a new context runs: r12 = entry, r13 = arg (see context_init).
dyn_host_context_thunk:
    .cfi_startproc
    .cfi_undefined rip
    movq    %r12, %rdi
    movq    %r13, %rsi
    call    dyn_host_context_start@PLT
    ud2
    .cfi_endproc
    .size   dyn_host_context_thunk, .-dyn_host_context_thunk

    .section .note.GNU-stack,"",@progbits
