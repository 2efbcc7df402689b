// range_encoder.cpp — carry-propagating binary range encoder.
#include "range_encoder.hpp"

namespace dyn::cli {

namespace rc = range_coder;

void RangeEncoder::shift_low() {
  if (low_ < 0xFF000000u || low_ > 0xFFFFFFFFu) {
    const auto carry = static_cast<std::uint8_t>(low_ >> 32);
    std::uint8_t held = cache_;
    do {
      out_.push_back(static_cast<std::byte>(static_cast<std::uint8_t>(held + carry)));
      held = 0xFF;
    } while (--pending_ != 0);
    cache_ = static_cast<std::uint8_t>(low_ >> 24);
  }
  ++pending_;
  low_ = (low_ & 0x00FFFFFFu) << 8;
}

unsigned RangeEncoder::bit(Prob& p, unsigned b) {
  const std::uint32_t bound = (range_ >> rc::kProbBits) * rc::probability(p);
  if (b == 0) {
    range_ = bound;
  } else {
    low_ += bound;
    range_ -= bound;
  }
  rc::adapt(p, b);
  while (range_ < rc::kTop) {
    range_ <<= 8;
    shift_low();
  }
  return b;
}

std::uint32_t RangeEncoder::direct(unsigned count, std::uint32_t v) {
  for (unsigned i = count; i-- > 0;) {
    range_ >>= 1;
    if ((v >> i) & 1u) low_ += range_;
    while (range_ < rc::kTop) {
      range_ <<= 8;
      shift_low();
    }
  }
  return v;
}

std::vector<std::byte> RangeEncoder::finish() {
  // Any value in [low, low + range) decodes the same: take the one with the
  // most low zero bits, whose zero bytes are then dropped.
  for (unsigned k = 32; k > 0; --k) {
    const std::uint64_t step = std::uint64_t{1} << k;
    const std::uint64_t v = (low_ + step - 1) & ~(step - 1);
    if (v < low_ + range_) {
      low_ = v;
      break;
    }
  }
  for (int i = 0; i < 5; ++i) shift_low();
  std::vector<std::byte> stream(out_.begin() + 1, out_.end());  // the first byte is always 0
  for (std::size_t dropped = 0; dropped < rc::kTrimmedZerosMax && !stream.empty() && stream.back() == std::byte{0};
       ++dropped)
    stream.pop_back();
  return stream;
}

}  // namespace dyn::cli
