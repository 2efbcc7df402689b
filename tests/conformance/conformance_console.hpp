// conformance_console.hpp — what the target runner needs from its port.
#pragma once

#include <cstdint>

namespace dyn::conformance {
void console_write(const char* text) noexcept;
void console_write_unsigned(std::uint64_t value) noexcept;
const char* console_port_name() noexcept;
}  // namespace dyn::conformance
