// store_fuzz.cpp — libFuzzer target: the store reads whatever the flash holds
// (a power cut, a radiation upset, a bad part). Mount any flash image: it is
// refused or mounted; every query then answers without reading out of bounds,
// and a mount never writes.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "dyn/flash.hpp"
#include "dyn/module_store.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const dyn::FlashGeometry geometry{512, 8, 8};
  std::vector<std::byte> storage(geometry.size(), std::byte{0xFF});
  std::memcpy(storage.data(), data, size < storage.size() ? size : storage.size());
  const std::vector<std::byte> before = storage;
  dyn::RamFlash flash(storage, geometry);
  std::vector<dyn::StoreEntry> index(32);
  dyn::ModuleStore store(flash, index);
  if (!store.mount()) return 0;
  if (storage != before) __builtin_trap();  // mount is read-only
  for (const char* task : {"beacon", "mathlib", "a"}) {
    if (auto c = store.committed(task)) {
      std::vector<std::byte> image(4096);
      (void)store.read_image(c.value().name(), c.value().version, image);
    }
    std::vector<std::byte> cp(1024);
    (void)store.last_checkpoint(task, cp);
  }
  return 0;
}
