// delta_fuzz.cpp — libFuzzer target: the module delta decoder on its own
// (package_fuzz also reaches it behind a valid tag). The first two bytes
// give the result's size (1..8192), the rest is the delta, applied to a
// fixed base (seeds: real deltas against it, from package_seeds).
// Properties: nothing crashes; nothing is written past the result (a guard
// after it); a success reports exactly the result's size.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "delta_base.hpp"
#include "dyn/module_delta.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::size_t result_size = (static_cast<std::size_t>(data[0]) | static_cast<std::size_t>(data[1]) << 8) % 8192 + 1;
  const std::span<const std::byte> delta(reinterpret_cast<const std::byte*>(data) + 2, size - 2);
  std::vector<std::byte> out(result_size + 64, std::byte{0xA5});
  dyn::DeltaDecoder decoder(dyn::fuzz::delta_base(), std::span(out).first(result_size));
  auto r = decoder.apply(delta);
  if (r && r.value() != result_size) __builtin_trap();
  for (std::size_t i = result_size; i < out.size(); ++i)
    if (out[i] != std::byte{0xA5}) __builtin_trap();
  return 0;
}
