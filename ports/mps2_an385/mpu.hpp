// mpu.hpp — the ARMv7-M MPU (PMSAv7) programmed from a module's domain.
#pragma once

#include <span>

#include "dyn/module_domain.hpp"
#include "mpu_layout.hpp"

namespace dyn::mps2 {

// Programs the MPU with the domain's layout (mpu_layout.hpp: the image's
// code, the domain's regions, `lent` — buffers of kernel memory a hook is
// handed for one call — and the stack guards). Everything else is the
// privileged default map (PRIVDEFENA): kernel code sees all of memory,
// module code only what is listed. nullptr: the MPU is off. `kernel_stack`:
// whether the calling context runs on the domain's kernel stack (mpu_layout.hpp).
void mpu_program(const ModuleDomain* domain, std::span<const DomainRegion> lent,
                 KernelStack kernel_stack = KernelStack::InUse) noexcept;

}  // namespace dyn::mps2
