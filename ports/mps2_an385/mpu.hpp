// mpu.hpp — the ARMv7-M MPU (PMSAv7) programmed from a module's domain.
#pragma once

#include <span>

#include "dyn/module_domain.hpp"

namespace dyn::mps2 {

// Region 0: the image's code and constants, read and execute for all (the
// C library modules call lives there); then the domain's regions, then
// `lent` (buffers of kernel memory a hook is handed for one call); the
// free slots left guard the lowest 32 bytes of the module stack and of the
// task's kernel stack (no access for anyone: an overflow faults at once,
// before it reaches whatever lies below). Everything else
// is the privileged default map (PRIVDEFENA): kernel code sees all of
// memory, module code only what is listed. nullptr: the MPU is off.
void mpu_program(const ModuleDomain* domain, std::span<const DomainRegion> lent) noexcept;
// True if the domain's regions fit the MPU's slots (after sharing).
bool mpu_domain_fits(const ModuleDomain& domain) noexcept;

}  // namespace dyn::mps2
