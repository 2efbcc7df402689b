// checkpoint_fuzz.cpp — libFuzzer target: checkpoint objects come back from
// the store as untrusted bytes. Any input is refused or yields a view that
// lies inside the input; a sealed copy of an accepted view opens identically.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "dyn/checkpoint.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  auto v = dyn::CheckpointView::open(bytes);
  if (!v) return 0;
  const auto& c = v.value();
  const auto* begin = bytes.data();
  if (c.payload.data() < begin || c.payload.data() + c.payload.size() > begin + size) __builtin_trap();
  if (c.module.empty() || c.module.size() > 31) __builtin_trap();
  std::vector<std::byte> copy(dyn::kCheckpointHeaderSize + c.payload.size());
  std::memcpy(copy.data() + dyn::kCheckpointHeaderSize, c.payload.data(), c.payload.size());
  if (!dyn::seal_checkpoint(copy, c.module, c.version, c.schema, c.payload.size())) __builtin_trap();
  auto again = dyn::CheckpointView::open(copy);
  if (!again || again.value().version != c.version || again.value().schema != c.schema) __builtin_trap();
  return 0;
}
