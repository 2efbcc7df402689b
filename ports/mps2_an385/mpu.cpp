// mpu.cpp — the MPU (PMSAv7, ARMv7-M ARM B3.5) programmed with a domain's layout (mpu_layout.hpp).
#include "mpu.hpp"

#include <cstdint>

#include "board.hpp"
#include "isolation.hpp"
#include "mpu_layout.hpp"

namespace dyn::mps2 {

namespace {
constexpr std::uint32_t kMpuCtrl = 0xE000ED94, kMpuRnr = 0xE000ED98, kMpuRbar = 0xE000ED9C, kMpuRasr = 0xE000EDA0;
constexpr std::uint32_t kCtrlEnable = 1u << 0, kCtrlPrivDefEna = 1u << 2;
}  // namespace

void mpu_program(const ModuleDomain* domain, std::span<const DomainRegion> lent, KernelStack kernel_stack) noexcept {
  asm volatile("dmb" ::: "memory");
  scb::reg(kMpuCtrl) = 0;
  if (!domain) {
    asm volatile("dsb\n isb" ::: "memory");
    return;
  }
  MpuDomainPart part;
  if (!read_domain_cache(*domain, code_end(), part)) part = mpu_domain_part(*domain, code_end());  // a domain never built by the task manager
  const MpuLayout layout = mpu_layout(part, *domain, lent, kernel_stack);
  for (std::size_t slot = 0; slot < kMpuSlots; ++slot) {
    if (slot < layout.count) {
      scb::reg(kMpuRbar) = layout.slots[slot].base | 1u << 4 | static_cast<std::uint32_t>(slot);  // VALID: RNR from here
      scb::reg(kMpuRasr) = layout.slots[slot].rasr;
    } else {
      scb::reg(kMpuRnr) = static_cast<std::uint32_t>(slot);
      scb::reg(kMpuRasr) = 0;
    }
  }
  scb::reg(kMpuCtrl) = kCtrlEnable | kCtrlPrivDefEna;
  asm volatile("dsb\n isb" ::: "memory");
}

}  // namespace dyn::mps2
