// delta_encoder.cpp — the ground's module delta: a bsdiff-style parse
// (exact matches found by hashing, then extended over the bytes that differ
// a little: shifted offsets, changed constants), coded with the model the
// on-board decoder shares (core/include/dyn/module_delta.hpp).
#include "delta_encoder.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <unordered_map>

#include "dyn/module_delta.hpp"
#include "range_encoder.hpp"

namespace dyn::cli {

namespace {

namespace df = delta_format;
constexpr std::size_t kMinMatch = 6;      // an exact match shorter than this is not worth a MATCH
constexpr std::size_t kMinRepeat = 6;
constexpr std::size_t kCandidates = 64;   // per hash bucket: the newest positions
constexpr std::size_t kLookahead = 16;    // bytes compared to judge an alignment

struct Op {
  std::uint32_t kind;
  std::int64_t seek = 0;        // MATCH
  std::uint64_t distance = 0;   // REPEAT
  std::size_t length = 0;
};

std::uint32_t key_at(std::span<const std::byte> s, std::size_t i) {
  return static_cast<std::uint32_t>(s[i]) | static_cast<std::uint32_t>(s[i + 1]) << 8 |
         static_cast<std::uint32_t>(s[i + 2]) << 16 | static_cast<std::uint32_t>(s[i + 3]) << 24;
}

std::size_t match_length(std::span<const std::byte> a, std::size_t ai, std::span<const std::byte> b, std::size_t bi) {
  std::size_t n = 0;
  while (ai + n < a.size() && bi + n < b.size() && a[ai + n] == b[bi + n]) ++n;
  return n;
}

// How many of the next `n` bytes of base[from..] and target[at..] are equal.
std::size_t agreement(std::span<const std::byte> base, std::size_t from, std::span<const std::byte> target,
                      std::size_t at, std::size_t n) {
  std::size_t equal = 0;
  for (std::size_t k = 0; k < n && from + k < base.size() && at + k < target.size(); ++k)
    equal += base[from + k] == target[at + k];
  return equal;
}

using Index = std::unordered_map<std::uint32_t, std::vector<std::size_t>>;

void remember(Index& index, std::span<const std::byte> s, std::size_t i) {
  auto& positions = index[key_at(s, i)];
  if (positions.size() == kCandidates) positions.erase(positions.begin());
  positions.push_back(i);
}

struct Candidate {
  std::size_t from = 0, length = 0;
};

// The longest exact match for target[at..] among the indexed positions of
// `source` (the base, or the output before `at`); among equals, the nearest to `near`.
Candidate longest(const Index& index, std::span<const std::byte> source, std::span<const std::byte> target,
                  std::size_t at, std::size_t near) {
  Candidate best;
  if (at + 4 > target.size()) return best;
  const auto it = index.find(key_at(target, at));
  if (it == index.end()) return best;
  const auto distance = [near](std::size_t p) { return p > near ? p - near : near - p; };
  for (std::size_t from : it->second) {
    const std::size_t length = match_length(source, from, target, at);
    if (length > best.length || (length == best.length && distance(from) < distance(best.from))) best = {from, length};
  }
  return best;
}

// The parse: which operations rebuild `target`. A MATCH goes on over bytes
// that differ (shifted offsets, changed constants) while the alignment keeps
// agreeing, and ends where it stops agreeing or an exact match elsewhere is
// clearly better; between matches, literals or repeats.
std::vector<Op> parse(std::span<const std::byte> base, std::span<const std::byte> target) {
  Index base_index, out_index;
  for (std::size_t i = 0; i + 4 <= base.size(); ++i) remember(base_index, base, i);
  std::vector<Op> ops;
  std::size_t literal_start = 0, i = 0, cursor = 0, indexed = 0;
  bool in_match = false;
  std::size_t match_at = 0, match_from = 0;
  const auto index_output = [&](std::size_t to) {  // output before `to` may be repeated
    for (; indexed < to; ++indexed)
      if (indexed + 4 <= target.size()) remember(out_index, target, indexed);
  };
  const auto end_match = [&] {
    ops.push_back(Op{df::kMatch, static_cast<std::int64_t>(match_from) - static_cast<std::int64_t>(cursor), 0, i - match_at});
    cursor = match_from + (i - match_at);
    in_match = false;
    literal_start = i;
  };
  while (i < target.size()) {
    if (in_match) {
      const std::size_t c = match_from + (i - match_at);
      if (c < base.size() && base[c] == target[i]) {
        ++i;
        continue;
      }
      if (c < base.size()) {
        const std::size_t ahead = agreement(base, c + 1, target, i + 1, kLookahead);
        const Candidate elsewhere = longest(base_index, base, target, i, c);
        const bool better_elsewhere = elsewhere.length >= kMinMatch && elsewhere.from != c && elsewhere.length > ahead + 4;
        if (ahead >= kLookahead / 2 && !better_elsewhere) {
          ++i;  // a byte that differs inside the match
          continue;
        }
      }
      end_match();
      continue;
    }
    index_output(i);
    // Candidates: the aligned continuations (on from where the last MATCH
    // ended: the literal was inserted; or past as many bytes: it replaced
    // them), and the longest exact match anywhere in the base.
    std::size_t best_from = 0, best_score = 0;
    for (const std::size_t from : {cursor, cursor + (i - literal_start)}) {
      if (from >= base.size() || base[from] != target[i]) continue;
      const std::size_t score = agreement(base, from, target, i, 2 * kLookahead);
      if (score > best_score && score >= 3 * kLookahead / 2) {
        best_score = score;
        best_from = from;
      }
    }
    const Candidate exact = longest(base_index, base, target, i, cursor);
    if (exact.length >= kMinMatch) {
      const std::size_t score = agreement(base, exact.from, target, i, 2 * kLookahead);
      if (score > best_score + 2) {
        best_score = score;
        best_from = exact.from;
      }
    }
    const Candidate repeat = longest(out_index, target, target, i, i);
    if (repeat.length >= kMinRepeat && repeat.length > std::min(exact.length, best_score) + 4) {
      if (i > literal_start) ops.push_back(Op{df::kLiteral, 0, 0, i - literal_start});
      ops.push_back(Op{df::kRepeat, 0, i - repeat.from, repeat.length});
      i += repeat.length;
      literal_start = i;
      continue;
    }
    if (best_score == 0) {
      ++i;
      continue;
    }
    // Back over the pending literal while it equals the base before the match.
    while (i > literal_start && best_from > 0 && base[best_from - 1] == target[i - 1]) {
      --i;
      --best_from;
    }
    if (i > literal_start) ops.push_back(Op{df::kLiteral, 0, 0, i - literal_start});
    in_match = true;
    match_at = i;
    match_from = best_from;
  }
  if (in_match) end_match();
  if (target.size() > literal_start) ops.push_back(Op{df::kLiteral, 0, 0, target.size() - literal_start});
  return ops;
}

}  // namespace

std::vector<std::byte> encode_delta(std::span<const std::byte> base, std::span<const std::byte> target) {
  const std::vector<Op> ops = parse(base, target);
  if (std::getenv("DYN_DELTA_DEBUG"))
    for (const Op& op : ops) std::fprintf(stderr, "op %u seek %lld dist %llu len %zu\n", op.kind, (long long)op.seek, (unsigned long long)op.distance, op.length);
  RangeEncoder rc;
  DeltaModel m;
  std::size_t written = 0;
  std::uint64_t cursor = 0;
  for (const Op& op : ops) {
    code_kind(rc, m, op.kind);
    if (op.kind == df::kMatch) {
      std::int64_t seek = op.seek;
      std::uint64_t length = op.length - 1;
      (void)code_seek(rc, m, seek);
      (void)code_number(rc, m.match_length, length);
      const auto from = static_cast<std::size_t>(static_cast<std::int64_t>(cursor) + op.seek);
      for (std::size_t k = 0; k < op.length; ++k, ++written)
        code_match_byte(rc, m, static_cast<std::uint8_t>(base[from + k]), static_cast<std::uint8_t>(target[written]));
      cursor = from + op.length;
    } else if (op.kind == df::kLiteral) {
      std::uint64_t length = op.length - 1;
      (void)code_number(rc, m.literal_length, length);
      for (std::size_t k = 0; k < op.length; ++k, ++written)
        code_literal(rc, m, written ? static_cast<std::uint8_t>(target[written - 1]) : std::uint8_t{0},
                     static_cast<std::uint8_t>(target[written]));
    } else {
      std::uint64_t distance = op.distance - 1, length = op.length - 1;
      (void)code_number(rc, m.distance, distance);
      (void)code_number(rc, m.repeat_length, length);
      written += op.length;
    }
  }
  return rc.finish();
}

}  // namespace dyn::cli
