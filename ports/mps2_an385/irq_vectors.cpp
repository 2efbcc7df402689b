// irq_vectors.cpp — device interrupts: handlers installed at run time.
//
// The vector table in flash (startup.cpp) sends every IRQ to the unexpected
// handler; irq_attach() moves the table to RAM (VTOR) and installs a
// handler, so a driver's handler runs with no dispatch in between. Its own
// file: an image that attaches nothing links none of it (the RAM table is
// 448 bytes of bss with its alignment).
#include <cstdint>

#include "board.hpp"

namespace {

using namespace dyn::mps2;

constexpr std::uint32_t kVectorCount = 16 + 32;
constexpr std::uint32_t kVtor = 0xE000ED08, kNvicIser = 0xE000E100, kNvicStir = 0xE000EF00;

// VTOR needs the table aligned to its size rounded up to a power of two.
alignas(256) std::uint32_t g_ram_vectors[kVectorCount];
bool g_vectors_in_ram = false;

}  // namespace

namespace dyn::mps2 {

void irq_attach(unsigned irq, void (*handler)()) noexcept {
  if (irq >= 32) return;
  if (!g_vectors_in_ram) {
    // Safety: the flash table is the one VTOR points at from reset (address 0).
    const auto* from = reinterpret_cast<const std::uint32_t*>(scb::reg(kVtor));
    for (std::uint32_t i = 0; i < kVectorCount; ++i) g_ram_vectors[i] = from[i];
    // Safety: the copy is complete (dsb) before VTOR points at it, and the
    // next exception uses it (dsb, isb).
    asm volatile("dsb" ::: "memory");
    scb::reg(kVtor) = reinterpret_cast<std::uint32_t>(g_ram_vectors);
    asm volatile("dsb\n isb" ::: "memory");
    g_vectors_in_ram = true;
  }
  // Safety: a Thumb function's address is the vector the hardware wants; the
  // barrier makes the entry visible before the interrupt can be taken.
  g_ram_vectors[16 + irq] = reinterpret_cast<std::uint32_t>(handler);
  asm volatile("dsb" ::: "memory");
  scb::reg(kNvicIser) = 1u << irq;
}

void irq_trigger(unsigned irq) noexcept {
  scb::reg(kNvicStir) = irq;
  asm volatile("dsb\n isb" ::: "memory");  // taken before the next instruction
}

}  // namespace dyn::mps2

