// conformance_console.cpp — the conformance runner's console on MPS2 AN385 (UART0).
#include "board.hpp"
#include "../../tests/conformance/conformance_console.hpp"

namespace dyn::conformance {
void console_write(const char* text) noexcept { mps2::uart_write(text); }
void console_write_unsigned(std::uint64_t value) noexcept { mps2::uart_write_unsigned(value); }
const char* console_port_name() noexcept { return "Cortex-M3 (MPS2 AN385)"; }
}  // namespace dyn::conformance
