// borrowed_scratch.cpp — loader scratch from module memory (borrowed_scratch.hpp).
#include "dyn/borrowed_scratch.hpp"

#include <cstdint>
#include <new>

#include "dyn/elf_view.hpp"

namespace dyn {

LoaderScratch BorrowedScratch::for_image(std::span<const std::byte> image) noexcept {
  give_back();
  short_ = false;
  auto view = ElfView::open(image);
  if (!view) return {};
  const std::size_t symbols = view.value().symbol_count(), sections = view.value().section_count();
  if (symbols > SIZE_MAX / 2 / sizeof(SymbolSlot) || sections > SIZE_MAX / 2 / sizeof(SectionSlot)) return {};
  const std::size_t symbol_bytes = symbols * sizeof(SymbolSlot);
  const std::size_t section_at = (symbol_bytes + alignof(SectionSlot) - 1) / alignof(SectionSlot) * alignof(SectionSlot);
  const std::size_t total = section_at + sections * sizeof(SectionSlot);
  if (total == 0) return {};
  constexpr std::size_t align = alignof(SymbolSlot) > alignof(SectionSlot) ? alignof(SymbolSlot) : alignof(SectionSlot);
  held_ = memory_.allocate(RegionKind::Meta, total, align);
  if (!held_) {
    short_ = true;
    return {};
  }
  // Safety: each slot placement-constructed in a fresh region sized and aligned for them.
  auto* s = reinterpret_cast<SymbolSlot*>(held_.host);
  auto* c = reinterpret_cast<SectionSlot*>(held_.host + section_at);
  for (std::size_t i = 0; i < symbols; ++i) ::new (s + i) SymbolSlot{};
  for (std::size_t i = 0; i < sections; ++i) ::new (c + i) SectionSlot{};
  return LoaderScratch{{s, symbols}, {c, sections}};
}

void BorrowedScratch::give_back() noexcept {
  if (held_) memory_.release(held_);
  held_ = Region{};
}

}  // namespace dyn
