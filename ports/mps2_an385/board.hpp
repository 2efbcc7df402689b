// board.hpp — the MPS2 AN385 board as the port uses it: the CMSDK UART
// console, semihosting's exit, and the system control registers.
#pragma once

#include <cstddef>
#include <cstdint>

namespace dyn::mps2 {

inline constexpr std::uint32_t kSystemClockHz = 25'000'000;  // AN385 SYSCLK (QEMU models the same)

// Console output on UART0 (polled).
void uart_init() noexcept;
void uart_write(const char* text) noexcept;
void uart_write(const char* text, std::size_t length) noexcept;
void uart_write_unsigned(std::uint64_t value) noexcept;
void uart_write_hex(std::uint32_t value) noexcept;

// Ends the run through semihosting: QEMU exits with 0 (passed) or 1.
[[noreturn]] void exit_with(bool passed) noexcept;

// Device interrupts (interrupts.cpp): installs `handler` for IRQ `irq`
// (0..31) and enables it; the vector table moves to RAM at the first call.
// irq_trigger pends it by software (NVIC STIR), taken before it returns
// when interrupts are enabled.
void irq_attach(unsigned irq, void (*handler)()) noexcept;
void irq_trigger(unsigned irq) noexcept;

// System control block registers used by the port.
namespace scb {
inline volatile std::uint32_t& reg(std::uint32_t address) noexcept { return *reinterpret_cast<volatile std::uint32_t*>(address); }
inline constexpr std::uint32_t kIcsr = 0xE000ED04, kCcr = 0xE000ED14, kShcsr = 0xE000ED24, kCfsr = 0xE000ED28,
                               kHfsr = 0xE000ED2C, kShpr3 = 0xE000ED20, kMmfar = 0xE000ED34, kBfar = 0xE000ED38;
inline constexpr std::uint32_t kSysTickCtrl = 0xE000E010, kSysTickLoad = 0xE000E014, kSysTickVal = 0xE000E018;
}  // namespace scb

}  // namespace dyn::mps2
