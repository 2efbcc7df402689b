// borrowed_scratch.hpp — the loader's scratch, borrowed from module memory
// for one image at a time (a flight image then keeps no static RAM for it:
// it is needed only while an object is linked).
//
// for_image() sizes the scratch to the image's symbol and section counts
// and allocates it (RegionKind::Meta: kernel memory no module may touch),
// returning what the previous call borrowed first; the destructor and
// give_back() return it. An image that is not an ELF object, or memory
// that is short, gets empty scratch: the load it is for then fails, with
// the loader's own error, and nothing is changed; short_of_memory() tells
// the second apart (boot does not take it for a fault of the version).
#pragma once

#include <span>

#include "dyn/boot.hpp"
#include "dyn/module_loader.hpp"
#include "dyn/module_memory.hpp"

namespace dyn {

class BorrowedScratch final : public BootScratch {
 public:
  explicit BorrowedScratch(ModuleMemory& memory) noexcept : memory_(memory) {}
  BorrowedScratch(const BorrowedScratch&) = delete;
  BorrowedScratch& operator=(const BorrowedScratch&) = delete;
  ~BorrowedScratch() { give_back(); }

  LoaderScratch for_image(std::span<const std::byte> image) noexcept override;
  bool short_of_memory() const noexcept override { return short_; }
  void give_back() noexcept;
  std::size_t bytes() const noexcept { return held_.size; }  // borrowed now

 private:
  ModuleMemory& memory_;
  Region held_;
  bool short_ = false;
};

}  // namespace dyn
