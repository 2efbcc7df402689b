// relocate_arm.cpp — ARM (Thumb-2, Cortex-M) relocations: decode, range check, patch.
//
// Every relocation goes through the same three steps: the addend is read
// (REL: decoded from the place by the field's codec; RELA: site.A), the
// AAELF32 formula of the type's kind gives the value X, and the codec checks
// that X fits its field and writes it back, leaving the opcode bits alone.
// Arithmetic is on uint32_t: AAELF defines every formula modulo 2^32, and
// unsigned wrap-around keeps negative offsets free of undefined behaviour.
//
// The T bit: the loader passes S with bit 0 set for a Thumb function, so
// "(S + A) | T" is computed as S + A (exact for the even addends compilers
// emit), and formulas without T drop that bit where the field cannot hold it.
//
// Places are read and written with memcpy, little-endian; a 32-bit Thumb
// instruction is two halfwords, the first at the lower address.
#include <cstring>

#include "dyn/relocation.hpp"

namespace dyn {

namespace {

enum class Kind : std::uint8_t {
  None, Abs32, Rel32, GotOff32, BasePrel, GotBrel, GotPrel, Prel31, ThmCall, ThmJump24,
  ThmJump19, ThmJump11, ThmJump8, ThmPc8, ThmMovwAbs, ThmMovtAbs, ThmMovwPrel, ThmMovtPrel,
};

using Entry = RelocationEntry<Kind>;

constexpr Entry kTable[] = {
#define X(NAME, NUMBER, WIDTH, KIND, GOT, TRAMPOLINE) {#NAME, NUMBER, WIDTH, Kind::KIND, GOT, TRAMPOLINE},
#include "dyn/reloc_arm.def"
#undef X
};

const Entry* find(std::uint32_t type) noexcept { return find_relocation(kTable, type); }

// --- bit helpers (unsigned only) ---------------------------------------------

std::uint32_t load16(const std::byte* p) noexcept {
  std::uint16_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
void store16(std::byte* p, std::uint32_t v) noexcept {
  const auto h = static_cast<std::uint16_t>(v);
  std::memcpy(p, &h, sizeof h);
}
std::uint32_t load32(const std::byte* p) noexcept {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
void store32(std::byte* p, std::uint32_t v) noexcept { std::memcpy(p, &v, sizeof v); }

// Sign-extends the low `bits` bits of v to 32 bits (two's complement, modulo 2^32).
constexpr std::uint32_t sign_extend(std::uint32_t v, unsigned bits) noexcept {
  const std::uint32_t sign = 1u << (bits - 1);
  const std::uint32_t field = v & ((sign << 1) - 1u);
  return (field ^ sign) - sign;
}

// Whether X, read as a signed 32-bit value, lies in [-2^(bits-1), 2^(bits-1)).
constexpr bool fits_signed(std::uint32_t x, unsigned bits) noexcept {
  return ((x + (1u << (bits - 1))) >> bits) == 0;
}

// --- field codecs ------------------------------------------------------------
// Each codec knows its width, the alignment its place needs, how a REL addend
// is encoded in it, which values X it can hold, and how X is written back.

struct DataWord {
  static constexpr std::size_t kWidth = 4;
  static constexpr bool kHalfwordAligned = false;  // data may be packed
  static std::uint32_t addend(const std::byte* p) noexcept { return load32(p); }
  static bool fits(std::uint32_t) noexcept { return true; }
  static void patch(std::byte* p, std::uint32_t x) noexcept { store32(p, x); }
};

// .ARM.exidx / .ARM.extab: bit 31 belongs to the table entry, not the offset.
struct Prel31Word {
  static constexpr std::size_t kWidth = 4;
  static constexpr bool kHalfwordAligned = false;
  static std::uint32_t addend(const std::byte* p) noexcept { return sign_extend(load32(p), 31); }
  static bool fits(std::uint32_t x) noexcept { return fits_signed(x, 31); }
  static void patch(std::byte* p, std::uint32_t x) noexcept {
    store32(p, (load32(p) & 0x80000000u) | (x & 0x7fffffffu));
  }
};

// BL and B.W (encoding T4): imm32 = S:I1:I2:imm10:imm11:0 with I = NOT(J XOR S).
// Bit 12 of the second halfword is set on patching: a BLX (to ARM state) in
// the place becomes BL, because a Cortex-M has only the Thumb state; B.W has
// that bit set already.
struct ThumbBranch24 {
  static constexpr std::size_t kWidth = 4;
  static constexpr bool kHalfwordAligned = true;
  static std::uint32_t addend(const std::byte* p) noexcept {
    const std::uint32_t hi = load16(p), lo = load16(p + 2);
    const std::uint32_t s = (hi >> 10) & 1u, j1 = (lo >> 13) & 1u, j2 = (lo >> 11) & 1u;
    const std::uint32_t i1 = (j1 ^ s) ^ 1u, i2 = (j2 ^ s) ^ 1u;
    return sign_extend((s << 24) | (i1 << 23) | (i2 << 22) | ((hi & 0x3ffu) << 12) | ((lo & 0x7ffu) << 1), 25);
  }
  static bool fits(std::uint32_t x) noexcept { return fits_signed(x, 25); }
  static void patch(std::byte* p, std::uint32_t x) noexcept {
    const std::uint32_t s = (x >> 24) & 1u, i1 = (x >> 23) & 1u, i2 = (x >> 22) & 1u;
    const std::uint32_t j1 = (i1 ^ 1u) ^ s, j2 = (i2 ^ 1u) ^ s;
    store16(p, (load16(p) & 0xf800u) | (s << 10) | ((x >> 12) & 0x3ffu));
    store16(p + 2, (load16(p + 2) & 0xd000u) | 0x1000u | (j1 << 13) | (j2 << 11) | ((x >> 1) & 0x7ffu));
  }
};

// B<cond>.W (encoding T3): imm32 = S:J2:J1:imm6:imm11:0; the condition stays.
struct ThumbBranch20 {
  static constexpr std::size_t kWidth = 4;
  static constexpr bool kHalfwordAligned = true;
  static std::uint32_t addend(const std::byte* p) noexcept {
    const std::uint32_t hi = load16(p), lo = load16(p + 2);
    const std::uint32_t s = (hi >> 10) & 1u, j1 = (lo >> 13) & 1u, j2 = (lo >> 11) & 1u;
    return sign_extend((s << 20) | (j2 << 19) | (j1 << 18) | ((hi & 0x3fu) << 12) | ((lo & 0x7ffu) << 1), 21);
  }
  static bool fits(std::uint32_t x) noexcept { return fits_signed(x, 21); }
  static void patch(std::byte* p, std::uint32_t x) noexcept {
    const std::uint32_t s = (x >> 20) & 1u, j2 = (x >> 19) & 1u, j1 = (x >> 18) & 1u;
    store16(p, (load16(p) & 0xfbc0u) | (s << 10) | ((x >> 12) & 0x3fu));
    store16(p + 2, (load16(p + 2) & 0xd000u) | (j1 << 13) | (j2 << 11) | ((x >> 1) & 0x7ffu));
  }
};

// 16-bit B (T2, imm11) and B<cond> (T1, imm8): offset in halfwords.
template <unsigned kImmBits>
struct ThumbShortBranch {
  static constexpr std::size_t kWidth = 2;
  static constexpr bool kHalfwordAligned = true;
  static constexpr std::uint32_t kMask = (1u << kImmBits) - 1u;
  static std::uint32_t addend(const std::byte* p) noexcept {
    return sign_extend((load16(p) & kMask) << 1, kImmBits + 1);
  }
  static bool fits(std::uint32_t x) noexcept { return fits_signed(x, kImmBits + 1); }
  static void patch(std::byte* p, std::uint32_t x) noexcept {
    store16(p, (load16(p) & ~kMask) | ((x >> 1) & kMask));
  }
};

// 16-bit LDR (literal) / ADR: imm8 words forward from Align(PC, 4). The REL
// addend convention (AAELF32) lets imm8 = 0xff stand for -4, the PC bias.
struct ThumbPc8 {
  static constexpr std::size_t kWidth = 2;
  static constexpr bool kHalfwordAligned = true;
  static std::uint32_t addend(const std::byte* p) noexcept {
    return ((((load16(p) & 0xffu) << 2) + 4u) & 0x3ffu) - 4u;
  }
  static bool fits(std::uint32_t x) noexcept { return x <= 1020u && (x & 3u) == 0; }
  static void patch(std::byte* p, std::uint32_t x) noexcept { store16(p, (load16(p) & 0xff00u) | (x >> 2)); }
};

// MOVW/MOVT (T3): imm16 = imm4:i:imm3:imm8. A REL addend is the field read as
// a signed 16-bit value for both (AAELF32), so a MOVW/MOVT pair agrees on it.
template <unsigned kShift>
struct ThumbMovImm16 {
  static constexpr std::size_t kWidth = 4;
  static constexpr bool kHalfwordAligned = true;
  static std::uint32_t addend(const std::byte* p) noexcept {
    const std::uint32_t hi = load16(p), lo = load16(p + 2);
    const std::uint32_t imm16 = ((hi & 0xfu) << 12) | (((hi >> 10) & 1u) << 11) | (((lo >> 12) & 7u) << 8) | (lo & 0xffu);
    return sign_extend(imm16, 16);
  }
  static bool fits(std::uint32_t) noexcept { return true; }  // _NC and MOVT: no overflow check
  static void patch(std::byte* p, std::uint32_t x) noexcept {
    const std::uint32_t v = (x >> kShift) & 0xffffu;
    store16(p, (load16(p) & 0xfbf0u) | (v >> 12) | (((v >> 11) & 1u) << 10));
    store16(p + 2, (load16(p + 2) & 0x8f00u) | (((v >> 8) & 7u) << 12) | (v & 0xffu));
  }
};

using ThumbJump11 = ThumbShortBranch<11>;
using ThumbJump8 = ThumbShortBranch<8>;
using ThumbMovw = ThumbMovImm16<0>;
using ThumbMovt = ThumbMovImm16<16>;

// --- the formula step --------------------------------------------------------

// The operands of an AAELF32 formula, modulo 2^32.
struct Operands {
  std::uint32_t S, A, P, GOT, GOT_ORG;
};

std::uint64_t as_signed64(std::uint32_t x) noexcept {
  return static_cast<std::uint64_t>(static_cast<std::int64_t>(static_cast<std::int32_t>(x)));
}

LinkError error(LinkErrc code, std::uint32_t type, std::uint64_t value) noexcept {
  return LinkError{code, 0, 0, 0, type, value};
}

template <typename Codec, typename Formula>
Result<void, LinkError> relocate(const RelocationSite& site, const Entry& e, Formula formula) noexcept {
  if (site.room < Codec::kWidth) return Unexpected{error(LinkErrc::PlaceOutsideSection, site.type, site.room)};
  if (Codec::kHalfwordAligned && (site.P & 1u))
    return Unexpected{error(LinkErrc::MisalignedPlace, site.type, site.P)};
  Operands o{static_cast<std::uint32_t>(site.S), 0, static_cast<std::uint32_t>(site.P),
             static_cast<std::uint32_t>(site.got), static_cast<std::uint32_t>(site.got_base)};
  o.A = site.rela ? static_cast<std::uint32_t>(site.A) : Codec::addend(site.place);
  std::uint32_t x = formula(o);
  if (!Codec::fits(x)) {
    // A call beyond the branch range goes to the loader's trampoline, which jumps on to S.
    if (e.trampoline && site.trampoline != 0) {
      o.S = static_cast<std::uint32_t>(site.trampoline);
      x = formula(o);
    }
    if (!Codec::fits(x)) return Unexpected{error(LinkErrc::RelocationOutOfRange, site.type, as_signed64(x))};
  }
  Codec::patch(site.place, x);
  return {};
}

}  // namespace

RelocationNeeds relocation_needs_arm(std::uint32_t type) noexcept {
  return needs_of(find(type));
}

Result<void, LinkError> apply_relocation_arm(const RelocationSite& site) noexcept {
  const Entry* e = find(site.type);
  if (!e) return Unexpected{error(LinkErrc::UnsupportedRelocation, site.type, 0)};

  const auto s_a = [](const Operands& o) { return o.S + o.A; };
  const auto s_a_p = [](const Operands& o) { return o.S + o.A - o.P; };
  switch (e->kind) {
    case Kind::None: return {};
    case Kind::Abs32: return relocate<DataWord>(site, *e, s_a);
    case Kind::Rel32: return relocate<DataWord>(site, *e, s_a_p);
    case Kind::GotOff32: return relocate<DataWord>(site, *e, [](const Operands& o) { return o.S + o.A - o.GOT_ORG; });
    case Kind::BasePrel: return relocate<DataWord>(site, *e, [](const Operands& o) { return o.GOT_ORG + o.A - o.P; });
    case Kind::GotBrel: return relocate<DataWord>(site, *e, [](const Operands& o) { return o.GOT + o.A - o.GOT_ORG; });
    case Kind::GotPrel: return relocate<DataWord>(site, *e, [](const Operands& o) { return o.GOT + o.A - o.P; });
    case Kind::Prel31: return relocate<Prel31Word>(site, *e, s_a_p);
    case Kind::ThmCall:
      // BL cannot change to ARM state on a Cortex-M: the target must be Thumb code.
      if ((site.S & 1u) == 0) return Unexpected{error(LinkErrc::BadSymbolValue, site.type, site.S)};
      return relocate<ThumbBranch24>(site, *e, s_a_p);
    case Kind::ThmJump24: return relocate<ThumbBranch24>(site, *e, s_a_p);
    case Kind::ThmJump19: return relocate<ThumbBranch20>(site, *e, s_a_p);
    case Kind::ThmJump11: return relocate<ThumbJump11>(site, *e, s_a_p);
    case Kind::ThmJump8: return relocate<ThumbJump8>(site, *e, s_a_p);
    case Kind::ThmPc8:
      return relocate<ThumbPc8>(site, *e, [](const Operands& o) { return o.S + o.A - (o.P & ~3u); });
    case Kind::ThmMovwAbs: return relocate<ThumbMovw>(site, *e, s_a);
    case Kind::ThmMovtAbs: return relocate<ThumbMovt>(site, *e, s_a);
    case Kind::ThmMovwPrel: return relocate<ThumbMovw>(site, *e, s_a_p);
    case Kind::ThmMovtPrel: return relocate<ThumbMovt>(site, *e, s_a_p);
  }
  return Unexpected{error(LinkErrc::UnsupportedRelocation, site.type, 0)};
}

}  // namespace dyn
