// delta_encoder.cpp — the ground's module delta: a bsdiff-style parse
// (exact matches found by hashing, then extended over the bytes that differ
// a little: shifted offsets, changed constants), coded with the model the
// on-board decoder shares (core/include/dyn/module_delta.hpp).
#include "delta_encoder.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unordered_map>

#include "dyn/elf.hpp"
#include "dyn/elf_view.hpp"
#include "dyn/module_delta.hpp"
#include "range_encoder.hpp"

namespace dyn::cli {

namespace {

namespace df = delta_format;
constexpr std::size_t kMinMatch = 6;      // an exact match shorter than this is not worth a MATCH
constexpr std::size_t kMinRepeat = 4;
constexpr std::size_t kCandidates = 256;  // per hash bucket: the newest positions
constexpr std::size_t kLookahead = 16;    // bytes compared to judge an alignment

struct Op {
  std::uint32_t kind;
  std::int64_t seek = 0;        // MATCH
  std::uint64_t distance = 0;   // REPEAT
  std::size_t length = 0;
  std::uint32_t stride = 0;     // MATCH: index into delta_format::kStrides
  bool fields = false;          // MATCH over a table: coded in 32-bit fields
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
  std::size_t literal_start = 0, i = 0, cursor = 0, indexed = 0, last_distance = 0;
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
    Candidate repeat = longest(out_index, target, target, i, i);
    if (last_distance != 0 && last_distance <= i) {  // the last distance again is cheap to name
      const std::size_t again = match_length(target, i - last_distance, target, i);
      if (again + 1 >= repeat.length && again >= kMinRepeat) repeat = {i - last_distance, again};
    }
    if (repeat.length >= kMinRepeat && repeat.length > std::min(exact.length, best_score) + 4) {
      if (i > literal_start) ops.push_back(Op{df::kLiteral, 0, 0, i - literal_start});
      ops.push_back(Op{df::kRepeat, 0, i - repeat.from, repeat.length});
      last_distance = i - repeat.from;
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

namespace {

// Codes nothing: adds up what the bits would cost (in 1/256 bits), adapting
// the model as the real coder does, so a choice can be tried on a copy.
class CostCoder {
 public:
  unsigned bit(Prob& p, unsigned b) {
    const std::uint32_t q = b ? range_coder::kProbOne - range_coder::probability(p) : range_coder::probability(p);  // the probability of b, of kProbOne
    cost_ += cost_of(q);
    range_coder::adapt(p, b);
    return b;
  }
  std::uint32_t direct(unsigned count, std::uint32_t v) {
    cost_ += 256u * count;
    return v;
  }
  std::uint64_t cost() const { return cost_; }

 private:
  static std::uint64_t cost_of(std::uint32_t q) {  // -log2(q / kProbOne), in 1/256 bits
    double x = static_cast<double>(q) / range_coder::kProbOne, bits = 0;
    while (x < 0.5) {
      x *= 2;
      bits += 1;
    }
    // log2 on [0.5, 1): a few terms of the series around 1 are close enough to rank choices.
    const double y = (1 - x) / (1 + x);
    bits += 2 * (y + y * y * y / 3 + y * y * y * y * y / 5) / 0.6931471805599453;
    return static_cast<std::uint64_t>(bits * 256);
  }
  std::uint64_t cost_ = 0;
};

// The shared per-operation coding, for the real coder and the cost one.
struct NoByteHook {
  void operator()(std::size_t) const {}
};

// `hook(at)` runs after each output byte is coded (the debug output's per-section costs).
template <class Coder, class Hook = NoByteHook>
void code_op(Coder& c, DeltaModel& m, const Op& op, std::span<const std::byte> base, std::span<const std::byte> target,
             std::size_t& written, std::uint64_t& cursor, Hook hook = {}) {
  code_kind(c, m, op.kind);
  if (op.kind == df::kMatch) {
    std::int64_t seek = op.seek;
    std::uint64_t length = op.length - 1;
    std::uint32_t stride = op.stride;
    (void)code_seek(c, m, seek);
    (void)code_number(c, m.match_length, length);
    (void)code_stride(c, m, stride);
    bool fields = op.fields;
    code_fields(c, m, fields);
    const auto from = static_cast<std::size_t>(static_cast<std::int64_t>(cursor) + op.seek);
    for (std::size_t k = 0; k < op.length;) {
      if (starts_field(m, written, op.length - k) || starts_displacement(m, base, from, k, op.length - k)) {
        const std::uint32_t old = load_le32(base.subspan(from + k, 4)), now = load_le32(target.subspan(written, 4));
        if (m.x86_code) code_match_displacement(c, m, old, now);
        else code_match_word(c, m, old, now);
        for (unsigned b = 0; b < 4; ++b) hook(written++);
        k += 4;
      } else {
        code_match_byte(c, m, static_cast<std::uint8_t>(base[from + k]), static_cast<std::uint8_t>(target[written]));
        hook(written++);
        ++k;
      }
    }
    cursor = from + op.length;
  } else if (op.kind == df::kLiteral) {
    std::uint64_t length = op.length - 1;
    (void)code_number(c, m.literal_length, length);
    for (std::size_t k = 0; k < op.length; ++k, ++written) {
      code_literal(c, m, written, literal_history(target, written), static_cast<std::uint8_t>(target[written]));
      hook(written);
    }
  } else {
    std::uint64_t distance = op.distance, length = op.length - 1;
    (void)code_distance(c, m, distance);
    (void)code_number(c, m.repeat_length, length);
    for (std::size_t k = 0; k < op.length; ++k) hook(written++);
  }
}

// The model a choice is costed with: the literal contexts the stream will
// most likely use (the halfword ones for ARM code; encode_delta codes both
// and keeps the smaller).
DeltaModel model_for(std::span<const std::byte> target) {
  DeltaModel m;
  m.halfword_literals = target.size() > 0x13 && target[0x12] == std::byte{40} && target[0x13] == std::byte{0};  // EM_ARM
  return m;
}

// Where the target's ELF tables begin and end (sections and the section
// header table): a MATCH is split there, so each table gets its own stride.
std::vector<std::size_t> table_boundaries(std::span<const std::byte> target) {
  std::vector<std::size_t> cuts;
  auto view = ElfView::open(target);
  if (!view) return cuts;
  for (std::size_t i = 1; i < view.value().section_count(); ++i) {
    const ElfSection sec = view.value().section(i);
    if (sec.type == elf::kShtNobits) continue;
    cuts.push_back(static_cast<std::size_t>(sec.offset));
    cuts.push_back(static_cast<std::size_t>(sec.offset + sec.size));
  }
  const bool is64 = target.size() > 4 && target[4] == std::byte{2};
  std::uint64_t shoff = 0;
  for (unsigned k = 0; k < (is64 ? 8u : 4u); ++k)
    shoff |= static_cast<std::uint64_t>(target[(is64 ? 0x28 : 0x20) + k]) << (8 * k);
  cuts.push_back(static_cast<std::size_t>(shoff));
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  return cuts;
}

// MATCHes split at table boundaries, a stride chosen for each piece by
// what it costs, and neighbours that ended up alike joined again.
std::vector<Op> choose_strides(std::vector<Op> ops, std::span<const std::byte> base, std::span<const std::byte> target) {
  const std::vector<std::size_t> cuts = table_boundaries(target);
  std::vector<Op> split;
  std::size_t written = 0;
  for (const Op& op : ops) {
    if (op.kind != df::kMatch) {
      split.push_back(op);
      written += op.length;
      continue;
    }
    std::size_t at = written, end = written + op.length;
    Op piece = op;
    for (auto it = std::upper_bound(cuts.begin(), cuts.end(), at); it != cuts.end() && *it < end; ++it) {
      piece.length = *it - at;
      split.push_back(piece);
      piece.seek = 0;
      at = *it;
    }
    piece.length = end - at;
    split.push_back(piece);
    written = end;
  }
  DeltaModel m;
  written = 0;
  std::uint64_t cursor = 0;
  for (Op& op : split) {
    if (op.kind == df::kMatch) {
      std::uint64_t best = UINT64_MAX;
      for (std::uint32_t s = 0; s < (1u << df::kStrideBits); ++s) {
        for (const bool fields : {false, true}) {
          if (fields && df::kStrides[s] == 1) continue;
          Op trial = op;
          trial.stride = s;
          trial.fields = fields;
          DeltaModel copy = m;
          CostCoder cost;
          std::size_t w = written;
          std::uint64_t c = cursor;
          code_op(cost, copy, trial, base, target, w, c);
          if (cost.cost() < best) {
            best = cost.cost();
            op.stride = s;
            op.fields = fields;
          }
        }
      }
    }
    CostCoder advance;
    code_op(advance, m, op, base, target, written, cursor);
  }
  std::vector<Op> joined;
  for (const Op& op : split) {
    if (!joined.empty() && op.kind == df::kMatch && joined.back().kind == df::kMatch && op.seek == 0 &&
        op.stride == joined.back().stride && op.fields == joined.back().fields)
      joined.back().length += op.length;
    else
      joined.push_back(op);
  }
  return joined;
}

}  // namespace

namespace {

// What coding `ops` costs (1/256 bits), with the model's contexts as the decoder has them.
std::uint64_t stream_cost(const std::vector<Op>& ops, std::span<const std::byte> base, std::span<const std::byte> target) {
  CostCoder cost;
  DeltaModel m = model_for(target);
  std::size_t written = 0;
  std::uint64_t cursor = 0;
  for (const Op& op : ops) code_op(cost, m, op, base, target, written, cursor);
  return cost.cost();
}

// An operation by where it reads, not by how far the cursor moves: ranges
// of the output can then be re-planned and the seeks worked out again.
struct Placed {
  Op op;
  std::size_t at = 0;    // in the output
  std::size_t from = 0;  // MATCH: in the base
};

std::vector<Placed> place(const std::vector<Op>& ops) {
  std::vector<Placed> placed;
  std::size_t at = 0;
  std::int64_t cursor = 0;
  for (const Op& op : ops) {
    Placed p{op, at, 0};
    if (op.kind == df::kMatch) {
      p.from = static_cast<std::size_t>(cursor + op.seek);
      cursor = static_cast<std::int64_t>(p.from + op.length);
    }
    placed.push_back(p);
    at += op.length;
  }
  return placed;
}

std::vector<Op> unplace(const std::vector<Placed>& placed) {
  std::vector<Op> ops;
  std::int64_t cursor = 0;
  for (Placed p : placed) {
    if (p.op.kind == df::kMatch) {
      p.op.seek = static_cast<std::int64_t>(p.from) - cursor;
      cursor = static_cast<std::int64_t>(p.from + p.op.length);
    }
    ops.push_back(p.op);
  }
  return ops;
}

// `placed` with the output range [begin, end) produced by `inside` instead
// (operations across its edges cut there).
std::vector<Placed> replace_range(const std::vector<Placed>& placed, std::size_t begin, std::size_t end,
                                  const std::vector<Placed>& inside) {
  std::vector<Placed> out;
  const auto piece = [&](Placed p, std::size_t from_at, std::size_t to_at) {
    const std::size_t skip = from_at - p.at;
    p.op.length = to_at - from_at;
    if (p.op.kind == df::kMatch) p.from += skip;
    p.at = from_at;
    out.push_back(p);
  };
  bool inserted = false;
  for (const Placed& p : placed) {
    const std::size_t pe = p.at + p.op.length;
    if (pe <= begin || p.at >= end) {
      if (p.at >= end && !inserted) {
        out.insert(out.end(), inside.begin(), inside.end());
        inserted = true;
      }
      out.push_back(p);
      continue;
    }
    if (p.at < begin) piece(p, p.at, begin);
    if (!inserted) {
      out.insert(out.end(), inside.begin(), inside.end());
      inserted = true;
    }
    if (pe > end) piece(p, end, pe);
  }
  if (!inserted) out.insert(out.end(), inside.begin(), inside.end());
  return out;
}

struct Table {
  std::size_t offset, size, entsize;
};

// The tables of an image worth aligning entry by entry: symbols,
// relocations and the section headers, by section name ("" for the headers).
std::vector<std::pair<std::string, Table>> tables_of(std::span<const std::byte> image) {
  std::vector<std::pair<std::string, Table>> tables;
  auto view = ElfView::open(image);
  if (!view) return tables;
  for (std::size_t i = 1; i < view.value().section_count(); ++i) {
    const ElfSection sec = view.value().section(i);
    if ((sec.type == elf::kShtSymtab || sec.type == elf::kShtRel || sec.type == elf::kShtRela) && sec.entsize >= 8 &&
        sec.size % sec.entsize == 0)
      tables.push_back({std::string(sec.name), {static_cast<std::size_t>(sec.offset), static_cast<std::size_t>(sec.size),
                                                static_cast<std::size_t>(sec.entsize)}});
  }
  const bool is64 = image[4] == std::byte{2};
  std::uint64_t shoff = 0;
  for (unsigned k = 0; k < (is64 ? 8u : 4u); ++k)
    shoff |= static_cast<std::uint64_t>(image[(is64 ? 0x28 : 0x20) + k]) << (8 * k);
  const std::size_t shentsize = is64 ? 64 : 40;
  tables.push_back({"", {static_cast<std::size_t>(shoff), view.value().section_count() * shentsize, shentsize}});
  return tables;
}

// The target table's entries matched to the base table's: each to the base
// entry it shares the most bytes with (the next one after the last match
// preferred among equals), consecutive ones joined into one MATCH; an entry
// that shares under half its bytes with every base entry is a LITERAL.
// The MATCHes code the shifted fields (fields mode chosen later by cost).
std::vector<Placed> align_table(std::span<const std::byte> base, const Table& b, std::span<const std::byte> target,
                                const Table& t) {
  std::vector<Placed> plan;
  const std::size_t e = t.entsize, nb = b.size / e, nt = t.size / e;
  std::size_t expected = 0;
  for (std::size_t j = 0; j < nt; ++j) {
    std::size_t best = nb, best_equal = 0;
    for (std::size_t i = 0; i < nb; ++i) {
      std::size_t equal = 0;
      for (std::size_t k = 0; k < e; ++k) equal += base[b.offset + i * e + k] == target[t.offset + j * e + k];
      if (equal > best_equal || (equal == best_equal && i == expected)) {
        best_equal = equal;
        best = i;
      }
    }
    const std::size_t at = t.offset + j * e;
    if (best == nb || 2 * best_equal < e) {
      if (!plan.empty() && plan.back().op.kind == df::kLiteral) plan.back().op.length += e;
      else plan.push_back({Op{df::kLiteral, 0, 0, e}, at, 0});
      continue;
    }
    const std::size_t from = b.offset + best * e;
    if (!plan.empty() && plan.back().op.kind == df::kMatch && plan.back().from + plan.back().op.length == from)
      plan.back().op.length += e;
    else
      plan.push_back({Op{df::kMatch, 0, 0, e}, at, from});
    expected = best + 1;
  }
  return plan;
}

// The entry at target[at, at + e) coded as the continuation of an operation
// already under way (no header): a MATCH from base[from..], or literals.
template <class Coder>
void code_entry_bytes(Coder& c, DeltaModel& m, std::uint32_t kind, std::span<const std::byte> source, std::size_t from,
                      std::span<const std::byte> target, std::size_t at, std::size_t e) {
  for (std::size_t k = 0; k < e;) {
    if (kind == df::kLiteral) {
      code_literal(c, m, at + k, literal_history(target, at + k), static_cast<std::uint8_t>(target[at + k]));
      ++k;
    } else if (starts_field(m, at + k, e - k)) {
      code_match_word(c, m, load_le32(source.subspan(from + k, 4)), load_le32(target.subspan(at + k, 4)));
      k += 4;
    } else {
      code_match_byte(c, m, static_cast<std::uint8_t>(source[from + k]), static_cast<std::uint8_t>(target[at + k]));
      ++k;
    }
  }
}

// The stride index of a table entry size (0: none).
std::uint32_t stride_index(std::size_t e) {
  for (std::uint32_t s = 0; s < (1u << df::kStrideBits); ++s)
    if (df::kStrides[s] == e) return s;
  return 0;
}

// The target table planned entry by entry at the cost the model gives,
// from the model's state where the table starts: each entry continues the
// operation before it, or starts a MATCH (in fields) from one of the base
// entries most like it, or literals — whichever codes cheapest now.
std::vector<Placed> plan_table_by_cost(const std::vector<Placed>& before, std::span<const std::byte> base,
                                       const Table& b, std::span<const std::byte> target, const Table& t) {
  DeltaModel m;
  std::size_t written = 0;
  std::uint64_t cursor = 0;
  {
    CostCoder prefix;
    const auto ops = unplace(before);
    for (const Op& op : ops) code_op(prefix, m, op, base, target, written, cursor);
  }
  const std::size_t e = t.entsize, nb = b.size / e, nt = t.size / e;
  const std::uint32_t stride = stride_index(e);
  std::vector<Placed> plan;
  constexpr std::size_t kTries = 4;  // base entries tried per target entry, the most alike first
  for (std::size_t j = 0; j < nt; ++j) {
    const std::size_t at = t.offset + j * e;
    std::vector<std::pair<std::size_t, std::size_t>> alike;  // (equal bytes, base entry)
    for (std::size_t i = 0; i < nb; ++i) {
      std::size_t equal = 0;
      for (std::size_t k = 0; k < e; ++k) equal += base[b.offset + i * e + k] == target[at + k];
      alike.push_back({equal, i});
    }
    std::partial_sort(alike.begin(), alike.begin() + static_cast<std::ptrdiff_t>(std::min(kTries, alike.size())),
                      alike.end(), [](const auto& x, const auto& y) { return x.first > y.first; });
    alike.resize(std::min(kTries, alike.size()));
    struct Choice {
      Placed p;
      bool continues;
    };
    std::vector<Choice> choices;
    if (!plan.empty()) {
      const Placed& last = plan.back();
      if (last.op.kind == df::kMatch && last.from + last.op.length + e <= base.size())
        choices.push_back({last, true});
      if (last.op.kind == df::kLiteral) choices.push_back({last, true});
    }
    for (const auto& [equal, i] : alike) {
      Op op{df::kMatch, 0, 0, e};
      op.stride = stride;
      op.fields = true;
      choices.push_back({{op, at, b.offset + i * e}, false});
    }
    choices.push_back({{Op{df::kLiteral, 0, 0, e}, at, 0}, false});
    std::size_t best = 0;
    std::uint64_t best_cost = UINT64_MAX;
    const auto code_choice = [&](auto& coder, DeltaModel& model, const Choice& ch, std::uint64_t& cur) {
      if (ch.continues) {
        const Placed& last = ch.p;
        const std::size_t from = last.op.kind == df::kMatch ? last.from + last.op.length : 0;
        code_entry_bytes(coder, model, last.op.kind, base, from, target, at, e);
        if (last.op.kind == df::kMatch) cur = from + e;
      } else {
        Op op = ch.p.op;
        op.seek = static_cast<std::int64_t>(ch.p.from) - static_cast<std::int64_t>(cur);
        std::size_t w = at;
        code_op(coder, model, op, base, target, w, cur);
      }
    };
    for (std::size_t c = 0; c < choices.size(); ++c) {
      DeltaModel copy = m;
      CostCoder cost;
      std::uint64_t cur = cursor;
      code_choice(cost, copy, choices[c], cur);
      if (cost.cost() < best_cost) {
        best_cost = cost.cost();
        best = c;
      }
    }
    CostCoder advance;
    code_choice(advance, m, choices[best], cursor);
    if (choices[best].continues) plan.back().op.length += e;
    else plan.push_back(choices[best].p);
  }
  return plan;
}

// Each table of the target re-planned entry by entry against the base's
// table of the same name where that makes the whole stream cheaper.
std::vector<Op> align_tables(std::vector<Op> ops, std::span<const std::byte> base, std::span<const std::byte> target,
                             std::uint64_t& cost) {
  const auto base_tables = tables_of(base);
  for (const auto& table : tables_of(target)) {
    const Table& t = table.second;
    const auto match = std::find_if(base_tables.begin(), base_tables.end(), [&](const auto& bt) {
      return bt.first == table.first && bt.second.entsize == t.entsize;
    });
    if (match == base_tables.end() || t.size == 0 || match->second.size == 0) continue;
    for (const bool by_cost : {false, true}) {
      const auto placed = place(ops);
      const auto plan = !by_cost ? align_table(base, match->second, target, t)
                                : plan_table_by_cost(replace_range(placed, t.offset, placed.empty() ? 0 : placed.back().at + placed.back().op.length, {}),
                                                     base, match->second, target, t);
      auto trial = choose_strides(unplace(replace_range(placed, t.offset, t.offset + t.size, plan)), base, target);
      const std::uint64_t trial_cost = stream_cost(trial, base, target);
      if (trial_cost < cost) {
        ops = std::move(trial);
        cost = trial_cost;
      }
    }
  }
  return ops;
}

// Each LITERAL the parse left between MATCHes tried as a MATCH of the base
// bytes it stands in place of (after the MATCH before, or before the MATCH
// after), their differences coded: kept where that and the operation after
// it cost less from the model's state there (changed instructions of the
// same length are mostly the same bytes).
std::vector<Op> literals_as_matches(const std::vector<Op>& ops, std::span<const std::byte> base,
                                    std::span<const std::byte> target) {
  auto placed = place(ops);
  DeltaModel m = model_for(target);
  std::size_t written = 0;
  std::uint64_t cursor = 0;
  const auto cost_of = [&](const std::vector<Placed>& window) {
    DeltaModel copy = m;
    CostCoder cost;
    std::size_t w = written;
    std::uint64_t c = cursor;
    for (Placed p : window) {
      if (p.op.kind == df::kMatch) p.op.seek = static_cast<std::int64_t>(p.from) - static_cast<std::int64_t>(c);
      code_op(cost, copy, p.op, base, target, w, c);
    }
    return cost.cost();
  };
  for (std::size_t i = 0; i < placed.size(); ++i) {
    Placed& p = placed[i];
    if (p.op.kind == df::kLiteral && p.op.length >= 2 && i > 0) {
      std::vector<std::size_t> froms = {static_cast<std::size_t>(cursor)};
      if (i + 1 < placed.size() && placed[i + 1].op.kind == df::kMatch && placed[i + 1].from >= p.op.length)
        froms.push_back(placed[i + 1].from - p.op.length);
      std::vector<Placed> window = {p};
      if (i + 1 < placed.size()) window.push_back(placed[i + 1]);
      std::uint64_t best = cost_of(window);
      for (const std::size_t from : froms) {
        if (from + p.op.length > base.size()) continue;
        window[0] = {Op{df::kMatch, 0, 0, p.op.length}, p.at, from};
        const std::uint64_t c = cost_of(window);
        if (c < best) {
          best = c;
          p = window[0];
        }
      }
    }
    Op op = p.op;
    if (op.kind == df::kMatch) op.seek = static_cast<std::int64_t>(p.from) - static_cast<std::int64_t>(cursor);
    CostCoder advance;
    code_op(advance, m, op, base, target, written, cursor);
  }
  return unplace(placed);
}

// DYN_DELTA_DEBUG=sections: what each of the target's sections costs (and
// how many of its bytes came as literals), to see where a delta's bytes go.
void report_sections(const std::vector<Op>& ops, bool halfword_literals, std::span<const std::byte> base,
                     std::span<const std::byte> target) {
  struct Region {
    std::string name;
    std::size_t begin, end;
    std::uint64_t cost = 0;
    std::size_t literal = 0;
  };
  std::vector<Region> regions;
  if (auto view = ElfView::open(target)) {
    for (std::size_t i = 1; i < view.value().section_count(); ++i) {
      const ElfSection sec = view.value().section(i);
      if (sec.type == elf::kShtNobits || sec.size == 0) continue;
      regions.push_back({std::string(sec.name), static_cast<std::size_t>(sec.offset),
                         static_cast<std::size_t>(sec.offset + sec.size)});
    }
  }
  const auto region_of = [&](std::size_t at) -> Region* {
    for (auto& r : regions)
      if (at >= r.begin && at < r.end) return &r;
    return nullptr;
  };
  Region other{"(headers, padding)", 0, 0};
  CostCoder cost;
  DeltaModel m;
  m.halfword_literals = halfword_literals;
  std::size_t written = 0;
  std::uint64_t cursor = 0, last = 0;
  for (const Op& op : ops) {
    const std::uint32_t kind = op.kind;
    code_op(cost, m, op, base, target, written, cursor, [&](std::size_t at) {
      Region* r = region_of(at);
      if (!r) r = &other;
      r->cost += cost.cost() - last;
      if (kind == df::kLiteral) ++r->literal;
      last = cost.cost();
    });
  }
  regions.push_back(other);
  for (const auto& r : regions)
    std::fprintf(stderr, "%-24s %6zu B: %8.1f B coded, %6zu literal bytes\n", r.name.c_str(), r.end - r.begin,
                 static_cast<double>(r.cost) / 2048, r.literal);
}

std::vector<std::byte> encode_with(const std::vector<Op>& ops, bool halfword_literals, std::span<const std::byte> base,
                                   std::span<const std::byte> target) {
  const char* debug_env = std::getenv("DYN_DELTA_DEBUG");
  if (debug_env && std::string(debug_env) == "sections") {
    report_sections(ops, halfword_literals, base, target);
    debug_env = nullptr;
  }
  const bool debug = debug_env != nullptr;
  RangeEncoder rc;
  DeltaModel m;
  m.halfword_literals = rc.direct(1, halfword_literals ? 1 : 0) != 0;
  std::size_t written = 0;
  std::uint64_t cursor = 0;
  for (const Op& op : ops) {
    if (debug) {
      DeltaModel copy = m;
      CostCoder cost;
      std::size_t w = written;
      std::uint64_t c = cursor;
      code_op(cost, copy, op, base, target, w, c);
      std::fprintf(stderr, "op %u at %zu seek %lld dist %llu len %zu stride %u%s: %.1f B\n", op.kind, written,
                   static_cast<long long>(op.seek), static_cast<unsigned long long>(op.distance), op.length,
                   df::kStrides[op.stride], op.fields ? " fields" : "", static_cast<double>(cost.cost()) / 2048);
    }
    code_op(rc, m, op, base, target, written, cursor);
  }
  return rc.finish();
}

}  // namespace

std::vector<std::byte> encode_delta(std::span<const std::byte> base, std::span<const std::byte> target) {
  std::vector<Op> ops = choose_strides(parse(base, target), base, target);
  std::uint64_t cost = stream_cost(ops, base, target);
  {
    // Each literal decided locally; the whole kept only where it codes smaller.
    auto refined = choose_strides(literals_as_matches(ops, base, target), base, target);
    const std::uint64_t refined_cost = stream_cost(refined, base, target);
    if (refined_cost < cost) {
      ops = std::move(refined);
      cost = refined_cost;
    }
  }
  ops = align_tables(std::move(ops), base, target, cost);
  // Both literal contexts, the smaller kept (code in 16-bit units gains from the halfword one).
  auto plain = encode_with(ops, false, base, target);
  auto halfword = encode_with(ops, true, base, target);
  return halfword.size() < plain.size() ? halfword : plain;
}

}  // namespace dyn::cli
