// module_memory.hpp — where modules and tasks get their memory: the port provides it.
//
// The loader owns no heap; it asks this interface for regions and gives every
// one back through it. On the host the regions are mappings in the low 2 GiB
// (so both -fPIC and -fno-pic x86-64 objects fit their 32-bit fields) and code
// is sealed read+execute after linking (never writable and executable at
// once); on a Cortex-M they come from the module RAM pool. Statistics let
// tests prove that unload and failed loads return every byte.
#pragma once

#include <cstddef>
#include <cstdint>

namespace dyn {

enum class RegionKind : std::uint8_t {
  Code,   // text, rodata, GOT, trampolines: writable while linking, then read+execute
  Data,   // data, bss, init/fini arrays: read+write, never executable
  Meta,   // kernel bookkeeping of a module (export table): not the module's to touch
  Stack,  // a task stack
  Heap,   // a task heap arena (dyn_malloc blocks; their bookkeeping is Meta, elsewhere)
};
inline constexpr std::size_t kRegionKinds = 5;

struct Region {
  std::byte* host = nullptr;   // where the bytes are, here
  std::uint64_t address = 0;   // where they are for the code that runs there (== host on the host)
  std::size_t size = 0;
  RegionKind kind = RegionKind::Data;
  explicit operator bool() const noexcept { return host != nullptr; }
};

class ModuleMemory {
 public:
  // A zero-filled region of at least `size` bytes aligned to `align`
  // (a power of two), or an empty Region if there is no room.
  virtual Region allocate(RegionKind kind, std::size_t size, std::size_t align) noexcept = 0;
  // `r` as allocate() returned it, or with the size that was asked for (a
  // record released by its type's size): an implementation rounds the same way.
  virtual void release(const Region& r) noexcept = 0;
  // Linking is over: code becomes read+execute (and the instruction cache is synchronised).
  virtual bool seal_code(const Region& r) noexcept = 0;
  // Relinking (live update of a module others import from): code is
  // writable again until the next seal_code.
  virtual bool unseal_code(const Region& r) noexcept = 0;

  struct Stats {
    std::size_t bytes[kRegionKinds] = {};
    std::size_t regions[kRegionKinds] = {};
    std::size_t total_bytes() const noexcept {
      std::size_t t = 0;
      for (std::size_t b : bytes) t += b;
      return t;
    }
    std::size_t total_regions() const noexcept {
      std::size_t t = 0;
      for (std::size_t r : regions) t += r;
      return t;
    }
  };
  virtual Stats stats() const noexcept = 0;

 protected:
  ~ModuleMemory() = default;
};

}  // namespace dyn
