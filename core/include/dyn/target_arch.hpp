// target_arch.hpp — the machines loadable modules are built for.
#pragma once

#include <cstdint>

namespace dyn {

enum class TargetArch : std::uint8_t { X86_64, Arm };

}  // namespace dyn
