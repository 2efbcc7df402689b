// host_boot_scratch.hpp — the loader scratch the boot rule asks for, on the host's heap.
#pragma once

#include <span>
#include <vector>

#include "dyn/boot.hpp"
#include "dyn/elf_view.hpp"

namespace dyn::host {

// Sized per image (its symbol and section counts) each time one is asked for.
class VectorBootScratch final : public BootScratch {
 public:
  LoaderScratch for_image(std::span<const std::byte> image) noexcept override {
    auto view = ElfView::open(image);
    symbols_.assign(view ? view.value().symbol_count() : 0, SymbolSlot{});
    sections_.assign(view ? view.value().section_count() : 0, SectionSlot{});
    return LoaderScratch{symbols_, sections_};
  }

 private:
  std::vector<SymbolSlot> symbols_;
  std::vector<SectionSlot> sections_;
};

}  // namespace dyn::host
