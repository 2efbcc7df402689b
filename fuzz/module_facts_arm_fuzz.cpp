// module_facts_arm_fuzz.cpp — libFuzzer target for reading a Cortex-M
// module's facts from its bytes (cli/module_facts_arm.cpp).
//
// Whatever ElfView accepts as an ARM object goes to the reader; what it
// accepts must be facts the loader would accept (a name of 1..31 bytes
// without a NUL, a state the kernel would allocate), and a refusal must say
// why. ASan sees any read outside the image.
#include <cstddef>
#include <cstdint>
#include <span>

#include "dyn/elf_view.hpp"
#include "dyn/module_loader.hpp"
#include "module_facts_arm.hpp"
#include "update_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Safety: std::byte may alias any object; the fuzzer's buffer is `size` bytes.
  const std::span<const std::byte> image(reinterpret_cast<const std::byte*>(data), size);
  const auto opened = dyn::ElfView::open(image);
  if (!opened || opened.value().machine() != dyn::elf::kMachineArm) return 0;
  dyn::cli::ModuleFacts f;
  const std::string why = dyn::cli::read_module_facts_arm(opened.value(), &f);
  if (!why.empty()) return 0;
  if (f.arch != dyn::TargetArch::Arm || f.name.empty() || f.name.size() > 31 ||
      f.name.find('\0') != std::string::npos || f.state_size > dyn::kMaxStateSize)
    __builtin_trap();
  for (const std::string& name : f.exports)
    if (name.empty() || name == dyn::kDescriptorSymbol) __builtin_trap();
  return 0;
}
