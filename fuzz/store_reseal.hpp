// store_reseal.hpp — makes fuzzed store records check out again, so that
// mutations of their contents reach the code behind the CRCs (the store and
// boot fuzz targets run every input as it is and resealed).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "dyn/crc32.hpp"
#include "dyn/flash.hpp"
#include "dyn/module_store.hpp"

namespace dyn::fuzz {

// Rewrites every block header's and record's CRCs and commit markers so that
// whatever a mutation changed inside them is read as written (docs/store.md,
// "Layout on flash"). Stops in a block at the first record without its magic.
inline void reseal(std::vector<std::byte>& flash, const FlashGeometry& g) {
  namespace f = store_format;
  auto get32 = [&](std::size_t at) {
    std::uint32_t v;
    std::memcpy(&v, flash.data() + at, 4);
    return v;
  };
  auto put32 = [&](std::size_t at, std::uint32_t v) { std::memcpy(flash.data() + at, &v, 4); };
  const std::size_t w = g.write_size;
  auto padded = [&](std::size_t n) { return (n + w - 1) / w * w; };
  const std::size_t header = padded(f::kBlockHeaderBytes), marker = padded(f::kMarkerBytes);
  for (std::size_t block = 0; block < g.block_count; ++block) {
    const std::size_t base = block * g.block_size, end = base + g.block_size;
    if (get32(base) != f::kBlockMagic && get32(base + 16) != f::kBlockMagic) continue;
    for (std::size_t copy = base; copy < base + 32; copy += 16) put32(copy + 12, crc32({flash.data() + copy, 12}));
    for (std::size_t at = base + header; at + f::kRecordHeaderBytes + marker <= end;) {
      if (get32(at) != f::kRecordMagic) break;
      const std::uint32_t length = get32(at + f::kHdrDataLen);
      const std::size_t data = at + f::kRecordHeaderBytes;
      if (length > end - data || padded(length) + marker > end - data) break;
      put32(at + f::kHdrDataCrc, crc32({flash.data() + data, length}));
      put32(at + f::kHdrCrc, crc32({flash.data() + at, f::kHdrCrc}));
      const std::size_t m = data + padded(length);
      put32(m, f::kCommitMagic);
      put32(m + 4, get32(at + f::kHdrSeq));
      at = m + marker;
    }
  }
}

}  // namespace dyn::fuzz
