// link_fuzz.cpp — libFuzzer target for the whole load path: ELF view + linker.
//
// Any bytes: open, link against the kernel's exports (constructors are not
// run: they would execute fuzzed code), unload. Whatever happens, nothing
// crashes, nothing reads outside the image, and module memory returns to
// zero — a refused object leaves nothing behind.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "dyn/module_loader.hpp"
#include "dyn/task_register.hpp"
#include "host_module_memory.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::byte> image(reinterpret_cast<const std::byte*>(data), size);
  auto view = dyn::ElfView::open(image);
  if (!view) return 0;
  dyn::host::HostModuleMemory memory;
  std::vector<dyn::RegisterEntry> entries(1);
  dyn::TaskRegister reg(entries, memory);
  dyn::ModuleLoader loader(memory, reg);
  std::vector<dyn::SymbolSlot> syms(view.value().symbol_count());
  std::vector<dyn::SectionSlot> secs(view.value().section_count());
  dyn::LoadOptions options;
  options.arch = view.value().machine() == dyn::elf::kMachineArm ? dyn::TargetArch::Arm : dyn::TargetArch::X86_64;
  dyn::LoadedModule m;
  if (loader.load(view.value(), options, dyn::LoaderScratch{syms, secs}, m)) {
    if (!loader.unload(m)) __builtin_trap();  // the loader runs no module code
  }
  if (memory.stats().total_regions() != 0 || memory.stats().total_bytes() != 0) __builtin_trap();
  return 0;
}
