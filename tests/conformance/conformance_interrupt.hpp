// conformance_interrupt.hpp — what the interrupt tests need from each port:
// a way to run a function in the port's interrupt context, now.
#pragma once

namespace dyn::conformance {
// Runs `handler` as an interrupt handler would run on this port, before
// returning (host: a signal handler, through raise(); Cortex-M3: a device
// IRQ pended by software, NVIC STIR). From task context, outside the kernel.
void raise_interrupt(void (*handler)()) noexcept;
}  // namespace dyn::conformance
