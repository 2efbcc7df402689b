// range_encoder.hpp — the ground's half of the range coder
// (core/include/dyn/range_coder.hpp: the model, the decoder, the stream).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "dyn/range_coder.hpp"

namespace dyn::cli {

class RangeEncoder {
 public:
  unsigned bit(Prob& p, unsigned b);
  std::uint32_t direct(unsigned count, std::uint32_t v);
  // The stream the decoder reads (the encoder is spent afterwards).
  std::vector<std::byte> finish();

 private:
  void shift_low();

  std::vector<std::byte> out_;
  std::uint64_t low_ = 0;
  std::uint32_t range_ = 0xFFFFFFFFu;
  std::uint8_t cache_ = 0;
  std::uint64_t pending_ = 1;  // bytes held back for a carry: the cache and the 0xFF after it
};

}  // namespace dyn::cli
