// delta_encoder.cpp — greedy COPY_BASE / COPY_OUT / ADD encoding.
#include "delta_encoder.hpp"

#include <cstdint>
#include <unordered_map>

#include "dyn/module_delta.hpp"

namespace dyn::cli {

namespace {

namespace df = delta_format;
constexpr std::size_t kMinMatch = 4;
constexpr std::size_t kCandidates = 64;  // per hash bucket: the newest positions

std::uint32_t key_at(std::span<const std::byte> s, std::size_t i) {
  return static_cast<std::uint32_t>(s[i]) | static_cast<std::uint32_t>(s[i + 1]) << 8 |
         static_cast<std::uint32_t>(s[i + 2]) << 16 | static_cast<std::uint32_t>(s[i + 3]) << 24;
}

std::size_t match_length(std::span<const std::byte> a, std::size_t ai, std::span<const std::byte> b, std::size_t bi) {
  std::size_t n = 0;
  while (ai + n < a.size() && bi + n < b.size() && a[ai + n] == b[bi + n]) ++n;
  return n;
}

std::size_t varint_size(std::uint64_t v) {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

void put_varint(std::vector<std::byte>& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<std::byte>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<std::byte>(v));
}

std::size_t op_size(std::size_t length) {
  return length <= df::kShortLengthMax ? 1 : 1 + varint_size(length - df::kShortLengthMax - 1);
}

void put_op(std::vector<std::byte>& out, std::uint8_t kind, std::size_t length) {
  if (length <= df::kShortLengthMax) {
    out.push_back(static_cast<std::byte>(kind << 6 | (length - 1)));
  } else {
    out.push_back(static_cast<std::byte>(kind << 6 | df::kShortLengthMax));
    put_varint(out, length - df::kShortLengthMax - 1);
  }
}

std::uint64_t zigzag(std::int64_t v) { return v >= 0 ? static_cast<std::uint64_t>(v) << 1 : (static_cast<std::uint64_t>(-(v + 1)) << 1) | 1; }

using Index = std::unordered_map<std::uint32_t, std::vector<std::size_t>>;

void remember(Index& index, std::span<const std::byte> s, std::size_t i) {
  auto& positions = index[key_at(s, i)];
  if (positions.size() == kCandidates) positions.erase(positions.begin());
  positions.push_back(i);
}

}  // namespace

std::vector<std::byte> encode_delta(std::span<const std::byte> base, std::span<const std::byte> target) {
  Index base_index, out_index;
  for (std::size_t i = 0; i + kMinMatch <= base.size(); ++i) remember(base_index, base, i);
  std::vector<std::byte> out;
  std::size_t literal_start = 0, i = 0, base_next = 0;
  auto flush_literal = [&](std::size_t end) {
    while (literal_start < end) {
      const std::size_t n = end - literal_start;
      put_op(out, df::kAdd, n);
      out.insert(out.end(), target.begin() + static_cast<std::ptrdiff_t>(literal_start),
                 target.begin() + static_cast<std::ptrdiff_t>(end));
      literal_start = end;
    }
  };
  while (i < target.size()) {
    // The best copy here: longest match, cheapest encoding among equals.
    std::size_t best_length = 0, best_cost = 0, best_from = 0;
    bool best_base = true;
    auto consider = [&](bool from_base, std::size_t from, std::size_t length) {
      if (length < kMinMatch) return;
      const std::size_t cost =
          op_size(length) + (from_base ? varint_size(zigzag(static_cast<std::int64_t>(from) - static_cast<std::int64_t>(base_next)))
                                       : varint_size(i - from));
      if (length > best_length || (length == best_length && cost < best_cost)) {
        best_length = length;
        best_cost = cost;
        best_from = from;
        best_base = from_base;
      }
    };
    if (base_next < base.size()) consider(true, base_next, match_length(base, base_next, target, i));
    if (i + kMinMatch <= target.size()) {
      const std::uint32_t key = key_at(target, i);
      if (auto it = base_index.find(key); it != base_index.end())
        for (std::size_t from : it->second) consider(true, from, match_length(base, from, target, i));
      if (auto it = out_index.find(key); it != out_index.end())
        for (std::size_t from : it->second) consider(false, from, match_length(target, from, target, i));
    }
    // Worth it only if the copy costs less than adding its bytes.
    if (best_length >= kMinMatch && best_cost + 1 < best_length) {
      flush_literal(i);
      if (best_base) {
        put_op(out, df::kCopyBase, best_length);
        put_varint(out, zigzag(static_cast<std::int64_t>(best_from) - static_cast<std::int64_t>(base_next)));
        base_next = best_from + best_length;
      } else {
        put_op(out, df::kCopyOut, best_length);
        put_varint(out, i - best_from);
      }
      for (std::size_t k = i; k < i + best_length; ++k)
        if (k + kMinMatch <= target.size()) remember(out_index, target, k);
      i += best_length;
      literal_start = i;
    } else {
      if (i + kMinMatch <= target.size()) remember(out_index, target, i);
      ++i;
    }
  }
  flush_literal(target.size());
  return out;
}

}  // namespace dyn::cli
