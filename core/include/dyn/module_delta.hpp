// module_delta.hpp — rebuilding a module version from the installed one and
// a delta, on board, in one pass, in bounded memory (update packages, issue 12).
//
// A delta is a range-coded sequence of operations (range_coder.hpp) that
// produce the new image front to back (docs/packages.md, "Delta payload"):
//   MATCH s n t  n bytes of the installed image from the base cursor moved by
//                the signed s, striding a table of t-byte entries, each
//                plus a coded difference (mostly 0, so an
//                unchanged byte costs a few hundredths of a bit, and a field
//                shifted by a common amount — a relocation offset, a symbol
//                value, a section offset after an insertion — is one
//                difference the model learns, then costs a bit or two each time)
//                (over a table, optionally in 32-bit fields: each aligned
//                word's change is one number, whatever its carries did to
//                the bytes)
//   LITERAL n    n new bytes
//   REPEAT d n   n bytes of the output already produced, d bytes back
// The cursor moves on to where the previous MATCH ended, so text that moved
// by a common amount is one small number. The model (DeltaModel) is shared
// by the decoder below and the ground's encoder (cli/delta_encoder.hpp):
// each coding step is one template over the coder.
//
// The decoder keeps the model and a few words; its memory besides the output
// buffer is sizeof(DeltaDecoder) (under 4 KiB). Every operation is
// bounds-checked against the base and the output; each writes at least one
// byte, so a hostile delta ends within the result's size. A bad delta is
// refused with the offset where decoding stood. The result is checked
// against the manifest's digest by the caller (accept_package) before
// anything uses it.
//
// One pass, not a feed of chunks: a package is authenticated whole before
// any of its payload is read (SUIT's rule), so the delta is in memory when
// the rebuild starts.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>

#include "dyn/range_coder.hpp"
#include "dyn/result.hpp"

namespace dyn {

enum class DeltaErrc : std::uint8_t {
  BadOperation = 1,  // an unknown operation code; detail = offset in the delta
  BadNumber,         // a length, offset or distance that does not fit; detail = offset
  OutsideBase,       // MATCH reads outside the installed image; detail = offset
  OutsideOutput,     // REPEAT reaches before the start, or any op writes past the result's size
  Incomplete,        // the delta ended before the result was complete
  Trailing,          // delta bytes left after the result was complete
};

struct DeltaError {
  DeltaErrc code;
  std::uint64_t detail = 0;
};

const char* describe(DeltaErrc e) noexcept;

namespace delta_format {
inline constexpr std::uint32_t kMatch = 0, kLiteral = 1, kRepeat = 2;  // 3 is refused
inline constexpr unsigned kWidthBits = 6;       // a number's bit width, coded in a 6-bit tree...
inline constexpr unsigned kNumberWidthMax = 33; // ...of which 1..33 are valid (values up to 2^33 - 2)
// A MATCH names the stride of the table it runs over (bytes; 1: none), so a
// field that shifted alike in every entry is predicted from the entry
// before: ELF64 relocations and symbols 24, ELF32 symbols 16, relocations 8,
// section headers 64 and 40. Index 7 is refused.
inline constexpr unsigned kStrideBits = 3;
inline constexpr std::uint8_t kStrides[1u << kStrideBits] = {1, 4, 8, 16, 24, 40, 64, 1};
// Index 7: x86-64 code (no stride): the 4 bytes after a call or jmp rel32
// opcode (E8, E9) or a jcc rel32 (0F 80..8F) in the base are one
// displacement whose change is predicted from the last one: a call across
// inserted code moved by the insertion's size, as every other such call did.
inline constexpr std::uint32_t kX86CodeStride = 7;
inline constexpr std::size_t kDiffHistory = 64;  // a power of two, at least the largest stride
// A MATCH over a table may code it in 32-bit fields (a bit after the
// stride): every 4-byte-aligned word of the output (offset % 4 == 0) that
// lies wholly in the MATCH is one arithmetic difference, new - old modulo
// 2^32, so a symbol value or relocation offset moved by 0xA0 is 0xA0 in
// every entry whatever the carries do to its bytes.
inline constexpr std::size_t kWordHistory = 16;  // words: the largest stride / 4, a power of two
}  // namespace delta_format

// An adaptive code for numbers >= 0: the bit width of v + 1, the bit below
// its leading one, then the remaining bits at even odds.
struct DeltaNumberModel {
  Prob width[1u << delta_format::kWidthBits];
  Prob second[delta_format::kNumberWidthMax + 1];
  DeltaNumberModel() noexcept {
    reset_probs(width);
    reset_probs(second);
  }
};

// False for a width no encoder writes (the value is then unusable).
template <class Coder>
[[nodiscard]] bool code_number(Coder& c, DeltaNumberModel& m, std::uint64_t& v) noexcept {
  const std::uint64_t u = v + 1;  // the encoder's value (the decoder's v is ignored until the end)
  const auto width = code_tree(c, m.width, delta_format::kWidthBits, static_cast<std::uint32_t>(std::bit_width(u) - 1)) + 1;
  if (width > delta_format::kNumberWidthMax) return false;
  std::uint64_t r = 1;
  if (width >= 2) {
    r = r << 1 | c.bit(m.second[width], static_cast<unsigned>((u >> (width - 2)) & 1));
    if (width >= 3) {
      const unsigned rest = width - 2;
      r = r << rest | c.direct(rest, static_cast<std::uint32_t>(u & ((std::uint64_t{1} << rest) - 1)));
    }
  }
  v = r - 1;
  return true;
}

// Everything the coder learns while coding one delta.
struct DeltaModel {
  Prob kind[4][4];                 // [previous kind] tree of 2 bits
  Prob seek_zero[2], seek_sign[2]; // [the operation before the MATCH was a LITERAL]
  DeltaNumberModel seek, match_length, literal_length, distance, repeat_length;
  Prob stride[1u << delta_format::kStrideBits];  // a MATCH's table stride, tree of 3 bits
  Prob distance_again;             // a REPEAT from as far back as the last one
  // MATCH bytes: is the difference zero, given whether it was non-zero 1
  // byte, one stride and 2 bytes back (per: plain, or striding a table)...
  Prob diff_zero[2][8];
  // ...is it the difference one stride back again (a field of every entry
  // shifted alike), or the last non-zero one, and if neither its value.
  Prob diff_like_stride[4];
  Prob diff_repeat[4];
  Prob diff_value[256];
  // MATCH fields (32-bit words): zero, given whether the word one stride
  // and one word back changed; the same change as one stride back (a field
  // every entry shifted alike); the same as the last changed word; else the
  // change minus the one a stride back, signed.
  bool fields = false;               // of the current MATCH
  Prob fields_flag[2];               // [the stride is 16 or more]
  Prob word_zero[4], word_like_stride[4], word_repeat[4], word_sign[2];
  DeltaNumberModel word_value;
  std::uint32_t words[delta_format::kWordHistory] = {};
  std::uint32_t last_word = 0;       // the last non-zero word difference
  std::uint8_t word_at = 0;
  // x86-64 code MATCHes: is a displacement's change zero, given whether the
  // last one was; the same as the last non-zero one; else as a field's.
  bool x86_code = false;             // of the current MATCH
  Prob displacement_zero[2], displacement_repeat;
  std::uint32_t last_displacement = 0;
  // New bytes: [the top two bits of the byte before], or for code in 16-bit
  // units (Thumb) [the output offset is odd][this halfword is the second
  // half of a 32-bit instruction].
  Prob literal[4][256];
  bool halfword_literals = false;  // the delta's first bit
  std::uint8_t diffs[delta_format::kDiffHistory] = {};  // the last MATCH bytes' differences (a ring)
  std::uint8_t diff_at = 0;
  std::uint32_t last_distance = 0; // of the last REPEAT (0: none yet)
  std::uint8_t stride_bytes = 1;   // of the current MATCH
  std::uint8_t last_diff = 0;
  std::uint8_t previous_kind = delta_format::kLiteral;  // of the operation being coded, once its kind is
  std::uint8_t kind_before = delta_format::kLiteral;    // of the one before it

  DeltaModel() noexcept {
    for (auto& k : kind) reset_probs(k);
    reset_probs(seek_zero);
    reset_probs(seek_sign);
    reset_probs(stride);
    distance_again = range_coder::kProbInit;
    for (auto& z : diff_zero) reset_probs(z);
    reset_probs(diff_like_stride);
    reset_probs(diff_repeat);
    reset_probs(diff_value);
    reset_probs(fields_flag);
    reset_probs(word_zero);
    reset_probs(word_like_stride);
    reset_probs(word_repeat);
    reset_probs(word_sign);
    reset_probs(displacement_zero);
    displacement_repeat = range_coder::kProbInit;
    for (auto& l : literal) reset_probs(l);
  }
};

// A REPEAT's distance (>= 1): the last one again, or a number. False for
// "again" before any, or a distance of 2^32 or more.
template <class Coder>
[[nodiscard]] bool code_distance(Coder& c, DeltaModel& m, std::uint64_t& distance) noexcept {
  if (c.bit(m.distance_again, distance != m.last_distance ? 1u : 0u) == 0) {
    distance = m.last_distance;
    return distance != 0;
  }
  std::uint64_t v = distance - 1;
  if (!code_number(c, m.distance, v) || v >= 0xFFFFFFFFu) return false;
  distance = v + 1;
  m.last_distance = static_cast<std::uint32_t>(distance);
  return true;
}

// A MATCH's stride, by index into kStrides (every index is valid; true).
template <class Coder>
[[nodiscard]] bool code_stride(Coder& c, DeltaModel& m, std::uint32_t& index) noexcept {
  index = code_tree(c, m.stride, delta_format::kStrideBits, index);
  m.stride_bytes = delta_format::kStrides[index];
  m.x86_code = index == delta_format::kX86CodeStride;
  return true;
}

// Whether a MATCH over a table codes it in fields (after its stride, for strides over 1).
template <class Coder>
void code_fields(Coder& c, DeltaModel& m, bool& fields) noexcept {
  fields = m.stride_bytes > 1 && c.bit(m.fields_flag[m.stride_bytes >= 16 ? 1 : 0], fields ? 1u : 0u) != 0;
  m.fields = fields;
}

inline std::uint32_t load_le32(std::span<const std::byte> b) noexcept {
  return static_cast<std::uint32_t>(b[0]) | static_cast<std::uint32_t>(b[1]) << 8 |
         static_cast<std::uint32_t>(b[2]) << 16 | static_cast<std::uint32_t>(b[3]) << 24;
}

// Whether the MATCH byte `k` bytes into a MATCH reading base[from..], with
// `left` bytes of the MATCH from there, starts an x86-64 rel32 displacement
// (then code_match_displacement codes 4 bytes): the base has a call, jmp or
// jcc opcode just before it.
inline bool starts_displacement(const DeltaModel& m, std::span<const std::byte> base, std::size_t from, std::size_t k,
                                std::size_t left) noexcept {
  if (!m.x86_code || k == 0 || left < 4) return false;
  const auto op1 = static_cast<std::uint8_t>(base[from + k - 1]);
  if (op1 == 0xE8 || op1 == 0xE9) return true;
  return k >= 2 && static_cast<std::uint8_t>(base[from + k - 2]) == 0x0F && (op1 & 0xF0u) == 0x80u;
}

// Whether the MATCH byte at output offset `at`, with `left` bytes of the
// MATCH from there, starts a field (then code_match_word codes 4 bytes).
inline bool starts_field(const DeltaModel& m, std::size_t at, std::size_t left) noexcept {
  return m.fields && (at & 3u) == 0 && left >= 4;
}

template <class Coder>
std::uint32_t code_kind(Coder& c, DeltaModel& m, std::uint32_t kind) noexcept {
  const std::uint32_t k = code_tree(c, m.kind[m.previous_kind], 2, kind);
  m.kind_before = m.previous_kind;
  m.previous_kind = static_cast<std::uint8_t>(k);
  return k;
}

// The signed move of the base cursor before a MATCH.
template <class Coder>
[[nodiscard]] bool code_seek(Coder& c, DeltaModel& m, std::int64_t& s) noexcept {
  const unsigned after_literal = m.kind_before == delta_format::kLiteral ? 1u : 0u;
  if (c.bit(m.seek_zero[after_literal], s != 0 ? 1u : 0u) == 0) {
    s = 0;
    return true;
  }
  const unsigned negative = c.bit(m.seek_sign[after_literal], s < 0 ? 1u : 0u);
  std::uint64_t magnitude = s < 0 ? static_cast<std::uint64_t>(-(s + 1)) : static_cast<std::uint64_t>(s - 1);
  if (!code_number(c, m.seek, magnitude)) return false;
  s = negative ? -static_cast<std::int64_t>(magnitude) - 1 : static_cast<std::int64_t>(magnitude) + 1;
  return true;
}

// One MATCH byte: returns the output byte (base + difference).
template <class Coder>
std::uint8_t code_match_byte(Coder& c, DeltaModel& m, std::uint8_t base, std::uint8_t out) noexcept {
  constexpr unsigned kMask = delta_format::kDiffHistory - 1;
  const auto d = static_cast<std::uint8_t>(out - base);
  const std::uint8_t back1 = m.diffs[(m.diff_at - 1u) & kMask], back2 = m.diffs[(m.diff_at - 2u) & kMask];
  const std::uint8_t strided = m.diffs[(m.diff_at - m.stride_bytes) & kMask];
  const unsigned ctx = (back1 != 0 ? 1u : 0u) | (strided != 0 ? 2u : 0u) | (back2 != 0 ? 4u : 0u);
  std::uint8_t got = 0;
  if (c.bit(m.diff_zero[m.stride_bytes > 1 ? 1 : 0][ctx], d != 0 ? 1u : 0u) != 0) {
    if (strided != 0 && m.stride_bytes > 1 && c.bit(m.diff_like_stride[ctx & 3u], d != strided ? 1u : 0u) == 0) {
      got = strided;
    } else if (c.bit(m.diff_repeat[ctx & 3u], d != m.last_diff ? 1u : 0u) == 0) {
      got = m.last_diff;
    } else {
      got = static_cast<std::uint8_t>(code_tree(c, m.diff_value, 8, d));
    }
    m.last_diff = got;
  }
  m.diffs[m.diff_at & kMask] = got;
  m.diff_at = static_cast<std::uint8_t>(m.diff_at + 1u);
  return static_cast<std::uint8_t>(base + got);
}

// A 32-bit word coded as one change still feeds the per-byte difference
// history the byte models read, as four bytes would.
inline void record_word_diffs(DeltaModel& m, std::uint32_t base, std::uint32_t result) noexcept {
  constexpr unsigned kByteMask = delta_format::kDiffHistory - 1;
  for (unsigned k = 0; k < 4; ++k) {
    m.diffs[m.diff_at & kByteMask] = static_cast<std::uint8_t>((result >> (8 * k)) - (base >> (8 * k)));
    m.diff_at = static_cast<std::uint8_t>(m.diff_at + 1u);
  }
}

// One MATCH field: returns the output word (base + difference, modulo 2^32).
// The byte differences go into the byte history too, so the bytes after
// the MATCH see what changed.
template <class Coder>
std::uint32_t code_match_word(Coder& c, DeltaModel& m, std::uint32_t base, std::uint32_t out) noexcept {
  constexpr unsigned kMask = delta_format::kWordHistory - 1;
  const std::uint32_t d = out - base;
  const std::uint32_t strided = m.words[(m.word_at - m.stride_bytes / 4u) & kMask];
  const std::uint32_t back1 = m.words[(m.word_at - 1u) & kMask];
  const unsigned ctx = (strided != 0 ? 1u : 0u) | (back1 != 0 ? 2u : 0u);
  std::uint32_t got = 0;
  if (c.bit(m.word_zero[ctx], d != 0 ? 1u : 0u) != 0) {
    if (strided != 0 && c.bit(m.word_like_stride[ctx], d != strided ? 1u : 0u) == 0) {
      got = strided;
    } else if (m.last_word != 0 && m.last_word != strided &&
               c.bit(m.word_repeat[ctx], d != m.last_word ? 1u : 0u) == 0) {
      got = m.last_word;
    } else {
      // The change minus the one a stride back, as a sign and a magnitude - 1.
      const std::uint32_t v = d - strided;
      const unsigned negative = c.bit(m.word_sign[strided != 0 ? 1 : 0], v >= 0x80000000u ? 1u : 0u);
      std::uint64_t magnitude = (negative ? 0u - v : v) - 1u;
      // A width over 32 bits is no change an encoder makes: taken modulo 2^32 (the digest refuses it).
      (void)code_number(c, m.word_value, magnitude);
      const auto mag = static_cast<std::uint32_t>(magnitude + 1u);
      got = strided + (negative ? 0u - mag : mag);
    }
    m.last_word = got;
  }
  m.words[m.word_at & kMask] = got;
  m.word_at = static_cast<std::uint8_t>(m.word_at + 1u);
  const std::uint32_t result = base + got;
  record_word_diffs(m, base, result);
  return result;
}

// The two output bytes before `at` (the one just before in the low byte; 0
// before the start), and in bit 16 whether `at` is in the second halfword
// of a 32-bit Thumb-2 instruction.
inline std::uint32_t literal_history(std::span<const std::byte> out, std::size_t at) noexcept {
  const std::uint32_t p1 = at >= 1 ? static_cast<std::uint32_t>(out[at - 1]) : 0u;
  const std::uint32_t p2 = at >= 2 ? static_cast<std::uint32_t>(out[at - 2]) : 0u;
  // Whether the halfword at `at` is the second half of a 32-bit Thumb-2
  // instruction (its first halfword's high byte is 0xE8 or more), decoded
  // from 8 halfwords back: bounded, and Thumb-2 falls into step within a
  // few halfwords whatever the start.
  const std::size_t h = at & ~std::size_t{1};
  bool second = false;
  for (std::size_t x = h >= 16 ? h - 16 : 0; x < h; x += 2)
    second = !second && static_cast<std::uint8_t>(out[x + 1]) >= 0xE8u;
  return p1 | p2 << 8 | (second ? 1u : 0u) << 16;
}

// One x86-64 displacement of a code MATCH: returns the output word.
template <class Coder>
std::uint32_t code_match_displacement(Coder& c, DeltaModel& m, std::uint32_t base, std::uint32_t out) noexcept {
  const std::uint32_t d = out - base;
  std::uint32_t got = 0;
  if (c.bit(m.displacement_zero[m.last_displacement != 0 ? 1 : 0], d != 0 ? 1u : 0u) != 0) {
    if (m.last_displacement != 0 && c.bit(m.displacement_repeat, d != m.last_displacement ? 1u : 0u) == 0) {
      got = m.last_displacement;
    } else {
      const unsigned negative = c.bit(m.word_sign[0], d >= 0x80000000u ? 1u : 0u);
      std::uint64_t magnitude = (negative ? 0u - d : d) - 1u;
      (void)code_number(c, m.word_value, magnitude);  // over 32 bits: modulo 2^32, as for fields
      const auto mag = static_cast<std::uint32_t>(magnitude + 1u);
      got = negative ? 0u - mag : mag;
    }
    m.last_displacement = got;
  }
  const std::uint32_t result = base + got;
  record_word_diffs(m, base, result);
  return result;
}

template <class Coder>
std::uint8_t code_literal(Coder& c, DeltaModel& m, std::size_t at, std::uint32_t history, std::uint8_t out) noexcept {
  const unsigned odd = static_cast<unsigned>(at & 1u);
  const unsigned p1 = history & 0xFFu;
  const unsigned second = static_cast<unsigned>(history >> 16);  // a 32-bit instruction's second halfword
  const unsigned ctx = m.halfword_literals ? (odd << 1 | second) : p1 >> 6u;
  return static_cast<std::uint8_t>(code_tree(c, m.literal[ctx], 8, out));
}

class DeltaDecoder {
 public:
  // `base`: the installed image; `out`: exactly the result's size.
  DeltaDecoder(std::span<const std::byte> base, std::span<std::byte> out) noexcept : base_(base), out_(out) {}

  // Decodes the whole delta into the output (one call per decoder).
  [[nodiscard]] Result<std::size_t, DeltaError> apply(std::span<const std::byte> delta) noexcept;

 private:
  std::span<const std::byte> base_;
  std::span<std::byte> out_;
  DeltaModel model_;
};

}  // namespace dyn
