// relocate_arm_test.cpp — ARM (Thumb-2) relocations: each type on its own, then
// byte-for-byte agreement with GNU ld on real Cortex-M3 objects.
//
// Part (a) builds instructions with encoders written here from the ARMv7-M
// Architecture Reference Manual (independent of relocate_arm.cpp), applies
// one relocation and decodes the result: every type, both range edges of
// every branch, every validation branch (room, alignment, T bit, unknown type).
//
// Part (b) takes the fixture objects compiled at build time
// (tests/fixtures/arm/CMakeLists.txt), lays out their SHF_ALLOC sections
// exactly as ld_reference.sh told arm-none-eabi-ld to, applies every REL
// entry with apply_relocation_arm, and compares each section with ld's bytes.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "dyn/elf.hpp"
#include "dyn/relocation.hpp"

namespace dyn {
namespace {

// AAELF32 relocation numbers used by the tests.
constexpr std::uint32_t kNone = 0, kAbs32 = 2, kRel32 = 3, kThmCall = 10, kThmPc8 = 11, kGotOff32 = 24,
                        kBasePrel = 25, kGotBrel = 26, kThmJump24 = 30, kTarget1 = 38, kV4bx = 40, kPrel31 = 42,
                        kMovwAbs = 47, kMovtAbs = 48, kMovwPrel = 49, kMovtPrel = 50, kThmJump19 = 51,
                        kGotPrel = 96, kThmJump11 = 102, kThmJump8 = 103;

// ---------------------------------------------------------------------------
// Little-endian access and instruction encoders (ARMv7-M ARM, section A7.7).

std::uint32_t get16(const std::byte* p) {
  return std::to_integer<std::uint32_t>(p[0]) | std::to_integer<std::uint32_t>(p[1]) << 8;
}
std::uint32_t get32(const std::byte* p) { return get16(p) | get16(p + 2) << 16; }
void put16(std::byte* p, std::uint32_t v) {
  p[0] = std::byte(v & 0xff);
  p[1] = std::byte((v >> 8) & 0xff);
}
void put32(std::byte* p, std::uint32_t v) {
  put16(p, v & 0xffff);
  put16(p + 2, v >> 16);
}

struct Thumb32 {
  std::uint32_t hi, lo;
};

// BL / B.W (T4) / BLX: imm32 = S:I1:I2:imm10:imm11:'0', I = NOT(J XOR S).
Thumb32 encode_b24(std::int64_t offset, std::uint32_t lo_opcode) {
  const auto u = static_cast<std::uint32_t>(offset) & 0x1ffffffu;
  const std::uint32_t s = u >> 24, i1 = (u >> 23) & 1, i2 = (u >> 22) & 1;
  const std::uint32_t j1 = (i1 ^ 1) ^ s, j2 = (i2 ^ 1) ^ s;
  return {0xf000u | s << 10 | ((u >> 12) & 0x3ff), lo_opcode | j1 << 13 | j2 << 11 | ((u >> 1) & 0x7ff)};
}
Thumb32 bl(std::int64_t offset) { return encode_b24(offset, 0xd000); }
Thumb32 blx(std::int64_t offset) { return encode_b24(offset, 0xc000); }
Thumb32 b_w(std::int64_t offset) { return encode_b24(offset, 0x9000); }
std::int64_t decode_b24(Thumb32 t) {
  const std::uint32_t s = (t.hi >> 10) & 1, j1 = (t.lo >> 13) & 1, j2 = (t.lo >> 11) & 1;
  const std::uint32_t i1 = (j1 ^ s) ^ 1, i2 = (j2 ^ s) ^ 1;
  const std::int64_t magnitude = (i1 << 23) | (i2 << 22) | ((t.hi & 0x3ff) << 12) | ((t.lo & 0x7ff) << 1);
  return magnitude - (static_cast<std::int64_t>(s) << 24);
}

// B<cond>.W (T3): imm32 = S:J2:J1:imm6:imm11:'0'.
Thumb32 bcond_w(std::uint32_t cond, std::int64_t offset) {
  const auto u = static_cast<std::uint32_t>(offset) & 0x1fffffu;
  const std::uint32_t s = u >> 20, j2 = (u >> 19) & 1, j1 = (u >> 18) & 1;
  return {0xf000u | s << 10 | cond << 6 | ((u >> 12) & 0x3f), 0x8000u | j1 << 13 | j2 << 11 | ((u >> 1) & 0x7ff)};
}
std::int64_t decode_bcond_w(Thumb32 t) {
  const std::uint32_t s = (t.hi >> 10) & 1, j1 = (t.lo >> 13) & 1, j2 = (t.lo >> 11) & 1;
  const std::int64_t magnitude = (j2 << 19) | (j1 << 18) | ((t.hi & 0x3f) << 12) | ((t.lo & 0x7ff) << 1);
  return magnitude - (static_cast<std::int64_t>(s) << 20);
}

// 16-bit B (T2) and B<cond> (T1).
std::uint32_t b_n(std::int64_t offset) { return 0xe000u | ((static_cast<std::uint32_t>(offset) >> 1) & 0x7ff); }
std::uint32_t bcond_n(std::uint32_t cond, std::int64_t offset) {
  return 0xd000u | cond << 8 | ((static_cast<std::uint32_t>(offset) >> 1) & 0xff);
}
std::int64_t decode_b_n(std::uint32_t insn) {
  const std::int64_t v = (insn & 0x7ff) << 1;
  return v >= 2048 ? v - 4096 : v;
}
std::int64_t decode_bcond_n(std::uint32_t insn) {
  const std::int64_t v = (insn & 0xff) << 1;
  return v >= 256 ? v - 512 : v;
}

// MOVW / MOVT (T3): imm16 = imm4:i:imm3:imm8.
Thumb32 mov16(std::uint32_t opcode_hi, std::uint32_t rd, std::uint32_t imm16) {
  return {opcode_hi | ((imm16 >> 11) & 1) << 10 | (imm16 >> 12), ((imm16 >> 8) & 7) << 12 | rd << 8 | (imm16 & 0xff)};
}
Thumb32 movw(std::uint32_t rd, std::uint32_t imm16) { return mov16(0xf240, rd, imm16); }
Thumb32 movt(std::uint32_t rd, std::uint32_t imm16) { return mov16(0xf2c0, rd, imm16); }
std::uint32_t decode_imm16(Thumb32 t) {
  return (t.hi & 0xf) << 12 | ((t.hi >> 10) & 1) << 11 | ((t.lo >> 12) & 7) << 8 | (t.lo & 0xff);
}

// LDR (literal) T1 and ADR T1: imm8 words from Align(PC, 4).
std::uint32_t ldr_lit(std::uint32_t rt, std::uint32_t imm8) { return 0x4800u | rt << 8 | imm8; }
std::uint32_t adr(std::uint32_t rd, std::uint32_t imm8) { return 0xa000u | rd << 8 | imm8; }

// ---------------------------------------------------------------------------
// One place in a small buffer, and the site that relocates it.

struct Bench {
  std::array<std::byte, 8> mem{};
  RelocationSite site{};

  Bench(std::uint32_t type, std::uint64_t P, std::uint64_t S) {
    site = RelocationSite{mem.data(), 4, P, S, 0, false, type, 0, 0, 0};
  }
  void word(std::uint32_t v) { put32(mem.data(), v); }
  void half(std::uint32_t v) { put16(mem.data(), v); }
  void insn(Thumb32 t) {
    put16(mem.data(), t.hi);
    put16(mem.data() + 2, t.lo);
  }
  std::uint32_t word() const { return get32(mem.data()); }
  std::uint32_t half() const { return get16(mem.data()); }
  Thumb32 insn() const { return {get16(mem.data()), get16(mem.data() + 2)}; }
  Result<void, LinkError> apply() const { return apply_relocation_arm(site); }
};

void expect_error(const Result<void, LinkError>& r, LinkErrc code, std::uint32_t type, std::uint64_t value) {
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, code);
  EXPECT_EQ(r.error().detail, type);
  EXPECT_EQ(r.error().value, value);
}

std::uint64_t sign64(std::int64_t v) { return static_cast<std::uint64_t>(v); }

// ---------------------------------------------------------------------------
// (a) The table.

TEST(RelocationNeedsArm, DescribesEveryTypeInTheTable) {
  struct Want {
    std::uint32_t type;
    const char* name;
    std::uint8_t width;
    bool got, trampoline;
  };
  const Want wants[] = {
      {kNone, "R_ARM_NONE", 0, false, false},
      {kAbs32, "R_ARM_ABS32", 4, false, false},
      {kRel32, "R_ARM_REL32", 4, false, false},
      {kThmCall, "R_ARM_THM_CALL", 4, false, true},
      {kThmPc8, "R_ARM_THM_PC8", 2, false, false},
      {kGotOff32, "R_ARM_GOTOFF32", 4, false, false},
      {kBasePrel, "R_ARM_BASE_PREL", 4, false, false},
      {kGotBrel, "R_ARM_GOT_BREL", 4, true, false},
      {kThmJump24, "R_ARM_THM_JUMP24", 4, false, true},
      {kTarget1, "R_ARM_TARGET1", 4, false, false},
      {kV4bx, "R_ARM_V4BX", 0, false, false},
      {kPrel31, "R_ARM_PREL31", 4, false, false},
      {kMovwAbs, "R_ARM_THM_MOVW_ABS_NC", 4, false, false},
      {kMovtAbs, "R_ARM_THM_MOVT_ABS", 4, false, false},
      {kMovwPrel, "R_ARM_THM_MOVW_PREL_NC", 4, false, false},
      {kMovtPrel, "R_ARM_THM_MOVT_PREL", 4, false, false},
      {kThmJump19, "R_ARM_THM_JUMP19", 4, false, false},
      {kGotPrel, "R_ARM_GOT_PREL", 4, true, false},
      {kThmJump11, "R_ARM_THM_JUMP11", 2, false, false},
      {kThmJump8, "R_ARM_THM_JUMP8", 2, false, false},
  };
  for (const Want& w : wants) {
    const RelocationNeeds n = relocation_needs_arm(w.type);
    EXPECT_TRUE(n.known) << w.name;
    EXPECT_STREQ(n.name, w.name);
    EXPECT_EQ(n.width, w.width) << w.name;
    EXPECT_EQ(n.got_slot, w.got) << w.name;
    EXPECT_EQ(n.may_need_trampoline, w.trampoline) << w.name;
  }
  int known = 0;
  for (std::uint32_t t = 0; t < 256; ++t) known += relocation_needs_arm(t).known ? 1 : 0;
  EXPECT_EQ(known, static_cast<int>(std::size(wants)));
}

TEST(RelocationNeedsArm, UnknownTypeIsNotKnown) {
  for (std::uint32_t t : {1u, 28u, 41u, 255u, 1000u}) {
    const RelocationNeeds n = relocation_needs_arm(t);
    EXPECT_FALSE(n.known) << t;
    EXPECT_EQ(n.width, 0) << t;
  }
}

TEST(ApplyRelocationArm, UnknownTypeIsAnErrorAndLeavesThePlace) {
  for (std::uint32_t t : {1u /* R_ARM_PC24 */, 28u /* R_ARM_CALL */, 41u /* R_ARM_TARGET2 */, 255u}) {
    Bench b(t, 0x8000, 0x9001);
    b.word(0xdeadbeef);
    expect_error(b.apply(), LinkErrc::UnsupportedRelocation, t, 0);
    EXPECT_EQ(b.word(), 0xdeadbeefu);
  }
}

// ---------------------------------------------------------------------------
// (a) Data relocations.

TEST(ApplyRelocationArm, Abs32AddsTheAddendReadFromThePlace) {
  Bench b(kAbs32, 0x8000, 0x20000100);
  b.word(0x10);
  ASSERT_TRUE(b.apply().has_value());
  EXPECT_EQ(b.word(), 0x20000110u);
}

TEST(ApplyRelocationArm, Abs32KeepsTheThumbBitOfAFunction) {
  Bench b(kAbs32, 0x8000, 0x00008125);
  b.word(0);
  ASSERT_TRUE(b.apply().has_value());
  EXPECT_EQ(b.word(), 0x8125u);
}

TEST(ApplyRelocationArm, RelaUsesTheExplicitAddendNotThePlace) {
  Bench b(kAbs32, 0x8000, 0x1000);
  b.word(0x5555);
  b.site.rela = true;
  b.site.A = -0x10;
  ASSERT_TRUE(b.apply().has_value());
  EXPECT_EQ(b.word(), 0xff0u);
}

TEST(ApplyRelocationArm, Target1IsProcessedAsAbs32) {
  Bench b(kTarget1, 0x8000, 0x8201);
  b.word(0);
  ASSERT_TRUE(b.apply().has_value());
  EXPECT_EQ(b.word(), 0x8201u);
}

TEST(ApplyRelocationArm, Rel32IsRelativeToThePlaceAndWraps) {
  Bench forward(kRel32, 0x8000, 0x9000);
  forward.word(static_cast<std::uint32_t>(-4));
  ASSERT_TRUE(forward.apply().has_value());
  EXPECT_EQ(forward.word(), 0xffcu);

  Bench backward(kRel32, 0x9000, 0x8000);
  backward.word(0);
  ASSERT_TRUE(backward.apply().has_value());
  EXPECT_EQ(backward.word(), static_cast<std::uint32_t>(-0x1000));
}

TEST(ApplyRelocationArm, Prel31KeepsBit31AndSignExtendsTheAddend) {
  Bench b(kPrel31, 0x10000, 0x8001);
  b.word(0x80000000u | 0x7ffffffcu);  // bit 31 set, addend -4
  ASSERT_TRUE(b.apply().has_value());
  const std::uint32_t expect = static_cast<std::uint32_t>(0x8001 - 4 - 0x10000) & 0x7fffffffu;
  EXPECT_EQ(b.word(), 0x80000000u | expect);
}

TEST(ApplyRelocationArm, Prel31RangeEdges) {
  const std::uint64_t P = 0x80000000;
  struct Case {
    std::int64_t x;
    bool fits;
  };
  for (const Case c : {Case{0x3fffffff, true}, Case{0x40000000, false}, Case{-0x40000000, true},
                       Case{-0x40000001, false}}) {
    Bench b(kPrel31, P, P + static_cast<std::uint64_t>(c.x));
    b.word(0);
    if (c.fits) {
      ASSERT_TRUE(b.apply().has_value()) << c.x;
      EXPECT_EQ(b.word(), static_cast<std::uint32_t>(c.x) & 0x7fffffffu);
    } else {
      expect_error(b.apply(), LinkErrc::RelocationOutOfRange, kPrel31, sign64(c.x));
      EXPECT_EQ(b.word(), 0u);
    }
  }
}

TEST(ApplyRelocationArm, GotRelativeForms) {
  Bench brel(kGotBrel, 0x8000, 0x20001);
  brel.site.got = 0xf000c;
  brel.site.got_base = 0xf0000;
  brel.word(0);
  ASSERT_TRUE(brel.apply().has_value());
  EXPECT_EQ(brel.word(), 0xcu);  // GOT(S) + A - GOT_ORG

  Bench prel(kGotPrel, 0x8000, 0x20001);
  prel.site.got = 0xf000c;
  prel.word(8);
  ASSERT_TRUE(prel.apply().has_value());
  EXPECT_EQ(prel.word(), 0xf000cu + 8 - 0x8000);  // GOT(S) + A - P

  Bench base(kBasePrel, 0x8010, 0);
  base.site.got_base = 0xf0000;
  base.word(static_cast<std::uint32_t>(-6));
  ASSERT_TRUE(base.apply().has_value());
  EXPECT_EQ(base.word(), 0xf0000u - 6 - 0x8010);  // B(S) + A - P, B(S) = GOT origin

  Bench off(kGotOff32, 0x8000, 0x9004);
  off.site.got_base = 0xf0000;
  off.word(4);
  ASSERT_TRUE(off.apply().has_value());
  EXPECT_EQ(off.word(), static_cast<std::uint32_t>(0x9008 - 0xf0000));  // S + A - GOT_ORG
}

TEST(ApplyRelocationArm, NoneAndV4bxPatchNothing) {
  for (std::uint32_t t : {kNone, kV4bx}) {
    Bench b(t, 0x8001, 0x1234);
    b.word(0x4770bf00);
    b.site.room = 0;
    ASSERT_TRUE(b.apply().has_value()) << t;
    EXPECT_EQ(b.word(), 0x4770bf00u);
  }
}

// ---------------------------------------------------------------------------
// (a) 32-bit Thumb branches.

TEST(ApplyRelocationArm, ThumbCallForwardAndBackward) {
  for (const std::uint64_t S : {0x00009001ull, 0x00004001ull}) {
    Bench b(kThmCall, 0x8000, S);
    b.insn(bl(-4));  // what the assembler leaves: BL to itself, addend -4
    ASSERT_TRUE(b.apply().has_value());
    const Thumb32 t = b.insn();
    EXPECT_EQ(t.lo & 0xd000u, 0xd000u) << "still a BL";
    EXPECT_EQ(decode_b24(t), static_cast<std::int64_t>(S & ~1ull) - (0x8000 + 4));
  }
}

TEST(ApplyRelocationArm, ThumbCallUsesTheAddendInTheInstruction) {
  Bench b(kThmCall, 0x8000, 0x9001);
  b.insn(bl(-4 + 0x20));  // bl sym+0x20
  ASSERT_TRUE(b.apply().has_value());
  EXPECT_EQ(decode_b24(b.insn()), 0x9000 + 0x20 - 0x8004);
}

TEST(ApplyRelocationArm, ThumbCallTurnsBlxIntoBl) {
  Bench b(kThmCall, 0x8000, 0x8101);
  b.insn(blx(-4));
  ASSERT_TRUE(b.apply().has_value());
  EXPECT_EQ(b.insn().lo & 0xd000u, 0xd000u);
  EXPECT_EQ(decode_b24(b.insn()), 0x100 - 4);
}

TEST(ApplyRelocationArm, ThumbCallToArmStateIsRefused) {
  Bench b(kThmCall, 0x8000, 0x9000);  // no T bit: not Thumb code
  b.insn(bl(-4));
  expect_error(b.apply(), LinkErrc::BadSymbolValue, kThmCall, 0x9000);
  EXPECT_EQ(decode_b24(b.insn()), -4);
}

class ThumbBranch24Range : public ::testing::TestWithParam<std::uint32_t> {};

TEST_P(ThumbBranch24Range, EdgesAtPlusMinus16MiB) {
  const std::uint32_t type = GetParam();
  const std::uint64_t P = 0x04000000;
  struct Case {
    std::int64_t offset;  // target - (P + 4), the branch offset
    bool fits;
  };
  for (const Case c : {Case{0xfffffe, true}, Case{0x1000000, false}, Case{-0x1000000, true},
                       Case{-0x1000002, false}}) {
    const std::uint64_t S = P + 4 + static_cast<std::uint64_t>(c.offset) + 1;  // Thumb target
    Bench b(type, P, S);
    b.insn(type == kThmCall ? bl(-4) : b_w(-4));
    if (c.fits) {
      ASSERT_TRUE(b.apply().has_value()) << c.offset;
      EXPECT_EQ(decode_b24(b.insn()), c.offset);
    } else {
      expect_error(b.apply(), LinkErrc::RelocationOutOfRange, type, sign64(c.offset + 1));
      EXPECT_EQ(decode_b24(b.insn()), -4) << "the place is untouched";
    }
  }
}

TEST_P(ThumbBranch24Range, OutOfRangeGoesThroughTheTrampoline) {
  const std::uint32_t type = GetParam();
  const std::uint64_t P = 0x00008000;
  Bench b(type, P, 0x08000001);  // 128 MiB away
  b.site.trampoline = 0x00009001;
  b.insn(type == kThmCall ? bl(-4) : b_w(-4));
  ASSERT_TRUE(b.apply().has_value());
  EXPECT_EQ(decode_b24(b.insn()), 0x9000 - 0x8004);
}

TEST_P(ThumbBranch24Range, AnInRangeCallIgnoresTheTrampoline) {
  const std::uint32_t type = GetParam();
  Bench b(type, 0x8000, 0x8101);
  b.site.trampoline = 0x9001;
  b.insn(type == kThmCall ? bl(-4) : b_w(-4));
  ASSERT_TRUE(b.apply().has_value());
  EXPECT_EQ(decode_b24(b.insn()), 0x100 - 4);
}

TEST_P(ThumbBranch24Range, ATrampolineOutOfRangeIsStillAnError) {
  const std::uint32_t type = GetParam();
  Bench b(type, 0x8000, 0x08000001);
  b.site.trampoline = 0x04000001;
  b.insn(type == kThmCall ? bl(-4) : b_w(-4));
  expect_error(b.apply(), LinkErrc::RelocationOutOfRange, type, 0x04000001u - 4 - 0x8000);
}

INSTANTIATE_TEST_SUITE_P(CallAndJump, ThumbBranch24Range, ::testing::Values(kThmCall, kThmJump24));

TEST(ApplyRelocationArm, Jump24StaysABranchWithoutLink) {
  Bench b(kThmJump24, 0x8000, 0x7001);
  b.insn(b_w(-4));
  ASSERT_TRUE(b.apply().has_value());
  EXPECT_EQ(b.insn().lo & 0xd000u, 0x9000u);
  EXPECT_EQ(decode_b24(b.insn()), 0x7000 - 0x8004);
}

TEST(ApplyRelocationArm, Jump19EdgesAndKeepsTheCondition) {
  const std::uint64_t P = 0x00400000;
  struct Case {
    std::int64_t offset;
    bool fits;
  };
  for (const Case c : {Case{0xffffe, true}, Case{0x100000, false}, Case{-0x100000, true}, Case{-0x100002, false}}) {
    Bench b(kThmJump19, P, P + 4 + static_cast<std::uint64_t>(c.offset) + 1);
    b.site.trampoline = P + 0x11;  // never used: B<cond>.W has no trampoline
    b.insn(bcond_w(0x1 /* ne */, -4));
    if (c.fits) {
      ASSERT_TRUE(b.apply().has_value()) << c.offset;
      EXPECT_EQ(decode_bcond_w(b.insn()), c.offset);
      EXPECT_EQ((b.insn().hi >> 6) & 0xfu, 0x1u);
    } else {
      expect_error(b.apply(), LinkErrc::RelocationOutOfRange, kThmJump19, sign64(c.offset + 1));
    }
  }
}

// ---------------------------------------------------------------------------
// (a) 16-bit Thumb branches and literal loads.

TEST(ApplyRelocationArm, Jump11Edges) {
  const std::uint64_t P = 0x8000;
  struct Case {
    std::int64_t offset;
    bool fits;
  };
  for (const Case c : {Case{2046, true}, Case{2048, false}, Case{-2048, true}, Case{-2050, false}}) {
    Bench b(kThmJump11, P, P + 4 + static_cast<std::uint64_t>(c.offset));
    b.site.room = 2;
    b.half(b_n(-4));
    if (c.fits) {
      ASSERT_TRUE(b.apply().has_value()) << c.offset;
      EXPECT_EQ(b.half() & 0xf800u, 0xe000u);
      EXPECT_EQ(decode_b_n(b.half()), c.offset);
    } else {
      expect_error(b.apply(), LinkErrc::RelocationOutOfRange, kThmJump11, sign64(c.offset));
      EXPECT_EQ(b.half(), b_n(-4));
    }
  }
}

TEST(ApplyRelocationArm, Jump8EdgesAndKeepsTheCondition) {
  const std::uint64_t P = 0x8000;
  struct Case {
    std::int64_t offset;
    bool fits;
  };
  for (const Case c : {Case{254, true}, Case{256, false}, Case{-256, true}, Case{-258, false}}) {
    Bench b(kThmJump8, P, P + 4 + static_cast<std::uint64_t>(c.offset));
    b.site.room = 2;
    b.half(bcond_n(0xc /* gt */, -4));
    if (c.fits) {
      ASSERT_TRUE(b.apply().has_value()) << c.offset;
      EXPECT_EQ(b.half() & 0xff00u, 0xdc00u);
      EXPECT_EQ(decode_bcond_n(b.half()), c.offset);
    } else {
      expect_error(b.apply(), LinkErrc::RelocationOutOfRange, kThmJump8, sign64(c.offset));
    }
  }
}

TEST(ApplyRelocationArm, Pc8ReadsTheMinusFourConventionAndUsesAlignedPc) {
  // ldr r3, [pc, #imm8*4] at P = 0x8002: Align(PC, 4) = 0x8004.
  struct Case {
    std::uint64_t S;
    bool fits;
  };
  for (const Case c : {Case{0x8004, true}, Case{0x8400, true}, Case{0x8404, false}, Case{0x8000, false},
                       Case{0x8006, false}}) {
    Bench b(kThmPc8, 0x8002, c.S);
    b.site.room = 2;
    b.half(ldr_lit(3, 0xff));  // addend -4
    const std::int64_t x = static_cast<std::int64_t>(c.S) - 4 - 0x8000;
    if (c.fits) {
      ASSERT_TRUE(b.apply().has_value()) << std::hex << c.S;
      EXPECT_EQ(b.half(), ldr_lit(3, static_cast<std::uint32_t>(x / 4)));
    } else {
      expect_error(b.apply(), LinkErrc::RelocationOutOfRange, kThmPc8, sign64(x));
    }
  }
  Bench a(kThmPc8, 0x8000, 0x8010);
  a.site.room = 2;
  a.half(adr(1, 0));  // addend 0
  ASSERT_TRUE(a.apply().has_value());
  EXPECT_EQ(a.half(), adr(1, 4));
}

// ---------------------------------------------------------------------------
// (a) MOVW / MOVT.

TEST(ApplyRelocationArm, MovwMovtAbsoluteBuildTheAddress) {
  Bench lo(kMovwAbs, 0x8000, 0x12345679);
  lo.insn(movw(7, 0));
  ASSERT_TRUE(lo.apply().has_value());
  EXPECT_EQ(decode_imm16(lo.insn()), 0x5679u);
  EXPECT_EQ((lo.insn().lo >> 8) & 0xfu, 7u) << "destination register kept";
  EXPECT_EQ(lo.insn().hi & 0xfbf0u, 0xf240u) << "still MOVW";

  Bench hi(kMovtAbs, 0x8004, 0x12345679);
  hi.insn(movt(7, 0));
  ASSERT_TRUE(hi.apply().has_value());
  EXPECT_EQ(decode_imm16(hi.insn()), 0x1234u);
  EXPECT_EQ(hi.insn().hi & 0xfbf0u, 0xf2c0u) << "still MOVT";
}

TEST(ApplyRelocationArm, MovwMovtAddendIsTheSignedField) {
  Bench lo(kMovwAbs, 0x8000, 0x20000004);
  lo.insn(movw(2, 0xfff8));  // addend -8
  ASSERT_TRUE(lo.apply().has_value());
  EXPECT_EQ(decode_imm16(lo.insn()), 0xfffcu);

  Bench hi(kMovtAbs, 0x8004, 0x20000004);
  hi.insn(movt(2, 0xfff8));
  ASSERT_TRUE(hi.apply().has_value());
  EXPECT_EQ(decode_imm16(hi.insn()), 0x1fffu);  // (S - 8) >> 16
}

TEST(ApplyRelocationArm, MovwMovtPcRelative) {
  const std::uint32_t target = 0x20004321;
  Bench lo(kMovwPrel, 0x8000, target);
  lo.insn(movw(4, 0xfff4));  // -(P_add + 4 - P_movw) for an add r4, pc 8 bytes on
  ASSERT_TRUE(lo.apply().has_value());
  EXPECT_EQ(decode_imm16(lo.insn()), (target - 12 - 0x8000) & 0xffffu);

  Bench hi(kMovtPrel, 0x8004, target);
  hi.insn(movt(4, 0xfff8));
  ASSERT_TRUE(hi.apply().has_value());
  EXPECT_EQ(decode_imm16(hi.insn()), (target - 8 - 0x8004) >> 16);
}

// ---------------------------------------------------------------------------
// (a) Validation shared by every type.

TEST(ApplyRelocationArm, PlaceMustHoldTheWholeField) {
  for (std::uint32_t t = 0; t < 256; ++t) {
    const RelocationNeeds n = relocation_needs_arm(t);
    if (!n.known || n.width == 0) continue;
    Bench b(t, 0x8000, 0x8101);
    b.site.room = n.width - 1u;
    b.word(0x12345678);
    expect_error(b.apply(), LinkErrc::PlaceOutsideSection, t, n.width - 1u);
    EXPECT_EQ(b.word(), 0x12345678u) << n.name;
  }
}

TEST(ApplyRelocationArm, ThumbInstructionsNeedAHalfwordAlignedPlace) {
  for (std::uint32_t t : {kThmCall, kThmJump24, kThmJump19, kThmJump11, kThmJump8, kThmPc8, kMovwAbs, kMovtAbs,
                          kMovwPrel, kMovtPrel}) {
    Bench b(t, 0x8001, 0x8101);
    expect_error(b.apply(), LinkErrc::MisalignedPlace, t, 0x8001);
  }
  Bench data(kAbs32, 0x8001, 0x8101);  // packed data may sit anywhere
  EXPECT_TRUE(data.apply().has_value());
}

// ---------------------------------------------------------------------------
// (b) Byte-for-byte agreement with GNU ld.

#ifdef DYN_ARM_FIXTURES_DIR
constexpr const char* kFixturesDir = DYN_ARM_FIXTURES_DIR;
#else
constexpr const char* kFixturesDir = "";
#endif

// Built by tests/fixtures/arm/CMakeLists.txt (dyn_arm_fixture calls).
constexpr const char* kFixtures[] = {"calls", "calls_one_section", "pure_code", "cxx_virtual", "pic", "thumb_forms"};

std::optional<std::vector<std::byte>> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  const std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> out(s.size());
  std::memcpy(out.data(), s.data(), s.size());
  return out;
}

// A minimal, checked ELF32 reader for the fixture objects (kept private to
// the test so that it depends on nothing but relocate_arm.cpp).
class Elf32 {
 public:
  bool open(std::vector<std::byte> image, std::string* why) {
    image_ = std::move(image);
    elf::Ehdr32 eh{};
    if (!get(0, &eh) || std::memcmp(eh.ident, elf::kMagic, 4) != 0 || eh.ident[4] != elf::kClass32 ||
        eh.machine != elf::kMachineArm || eh.type != elf::kTypeRel || eh.shentsize != sizeof(elf::Shdr32))
      return fail(why, "not an ELF32 ARM relocatable object");
    sections_.resize(eh.shnum);
    for (std::size_t i = 0; i < eh.shnum; ++i)
      if (!get(eh.shoff + i * sizeof(elf::Shdr32), &sections_[i])) return fail(why, "section header out of file");
    for (const elf::Shdr32& s : sections_)
      if (s.type != elf::kShtNobits && !inside(s.offset, s.size)) return fail(why, "section out of file");
    if (eh.shstrndx >= sections_.size()) return fail(why, "bad e_shstrndx");
    shstrndx_ = eh.shstrndx;
    for (std::size_t i = 0; i < sections_.size(); ++i) {
      if (sections_[i].type != elf::kShtSymtab) continue;
      symtab_ = i;
      if (sections_[i].link >= sections_.size()) return fail(why, "bad symtab link");
    }
    return true;
  }

  std::size_t section_count() const { return sections_.size(); }
  const elf::Shdr32& section(std::size_t i) const { return sections_[i]; }
  std::string section_name(std::size_t i) const { return string_at(shstrndx_, sections_[i].name); }
  const std::byte* data(std::size_t i) const { return image_.data() + sections_[i].offset; }

  std::size_t symbol_count() const { return symtab_ ? sections_[symtab_].size / sizeof(elf::Sym32) : 0; }
  elf::Sym32 symbol(std::size_t i) const {
    elf::Sym32 s{};
    if (i < symbol_count()) get(sections_[symtab_].offset + i * sizeof(elf::Sym32), &s);
    return s;
  }
  std::string symbol_name(std::size_t i) const { return string_at(sections_[symtab_].link, symbol(i).name); }

  std::size_t rel_count(std::size_t i) const { return sections_[i].size / sizeof(elf::Rel32); }
  elf::Rel32 rel(std::size_t section, std::size_t i) const {
    elf::Rel32 r{};
    get(sections_[section].offset + i * sizeof(elf::Rel32), &r);
    return r;
  }

 private:
  static bool fail(std::string* why, const char* what) {
    *why = what;
    return false;
  }
  bool inside(std::uint64_t off, std::uint64_t size) const { return off <= image_.size() && size <= image_.size() - off; }
  template <typename T>
  bool get(std::uint64_t off, T* out) const {
    if (!inside(off, sizeof(T))) return false;
    std::memcpy(out, image_.data() + off, sizeof(T));
    return true;
  }
  std::string string_at(std::size_t table, std::uint32_t off) const {
    const elf::Shdr32& s = sections_[table];
    if (off >= s.size) return "?";
    const char* begin = reinterpret_cast<const char*>(image_.data() + s.offset + off);
    return std::string(begin, strnlen(begin, s.size - off));
  }

  std::vector<std::byte> image_;
  std::vector<elf::Shdr32> sections_;
  std::size_t shstrndx_ = 0;
  std::size_t symtab_ = 0;
};

// What ld_reference.sh decided and ld built.
struct Layout {
  std::map<std::size_t, std::uint32_t> section_address;
  std::map<std::string, std::uint32_t> symbol_address;
  std::uint32_t got = 0, got_size = 0, got_origin = 0;
  std::vector<std::byte> got_bytes;
};

std::optional<Layout> read_layout(const std::string& dir) {
  std::ifstream in(dir + "/layout.txt");
  if (!in) return std::nullopt;
  Layout l;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string kind, a, b;
    words >> kind >> a >> b;
    if (kind == "section") l.section_address[std::stoul(a)] = static_cast<std::uint32_t>(std::stoul(b, nullptr, 16));
    if (kind == "symbol") l.symbol_address[a] = static_cast<std::uint32_t>(std::stoul(b, nullptr, 16));
    if (kind == "got") {
      l.got = static_cast<std::uint32_t>(std::stoul(a, nullptr, 16));
      l.got_size = static_cast<std::uint32_t>(std::stoul(b, nullptr, 16));
    }
    if (kind == "gotorg") l.got_origin = static_cast<std::uint32_t>(std::stoul(a, nullptr, 16));
  }
  if (l.got_size) {
    auto bytes = read_file(dir + "/got.bin");
    if (bytes) l.got_bytes = std::move(*bytes);
  }
  return l;
}

struct LinkedFixture {
  std::map<std::size_t, std::vector<std::byte>> bytes;  // per laid-out section
  std::map<std::uint32_t, int> type_counts;
};

// Links the fixture object the way ld did, with apply_relocation_arm.
void link_like_ld(const Elf32& obj, const Layout& layout, LinkedFixture* out) {
  for (const auto& [index, address] : layout.section_address) {
    ASSERT_LT(index, obj.section_count());
    const elf::Shdr32& s = obj.section(index);
    auto& bytes = out->bytes[index];
    bytes.assign(s.size, std::byte{0});
    if (s.type != elf::kShtNobits) std::memcpy(bytes.data(), obj.data(index), s.size);
  }

  for (std::size_t rs = 0; rs < obj.section_count(); ++rs) {
    const elf::Shdr32& rel_section = obj.section(rs);
    ASSERT_NE(rel_section.type, elf::kShtRela) << "ARM objects use REL";
    if (rel_section.type != elf::kShtRel) continue;
    const std::size_t target = rel_section.info;
    const auto placed = layout.section_address.find(target);
    if (placed == layout.section_address.end()) continue;  // not SHF_ALLOC (or empty)
    auto& bytes = out->bytes[target];

    for (std::size_t i = 0; i < obj.rel_count(rs); ++i) {
      const elf::Rel32 r = obj.rel(rs, i);
      const std::uint32_t type = r.info & 0xff, sym_index = r.info >> 8;
      const RelocationNeeds needs = relocation_needs_arm(type);
      const std::string where = obj.section_name(rs) + " entry " + std::to_string(i) + " (" + needs.name + " " +
                                std::to_string(type) + ")";
      ++out->type_counts[type];
      ASSERT_LE(r.offset, bytes.size()) << where;

      // S: the symbol's target address; Thumb functions carry bit 0 in st_value.
      const elf::Sym32 sym = obj.symbol(sym_index);
      const std::string name = obj.symbol_name(sym_index);
      std::uint32_t S = 0;
      if (sym_index == 0) {
        S = 0;
      } else if (sym.shndx == elf::kShnUndef) {
        if (name == "_GLOBAL_OFFSET_TABLE_") {
          S = layout.got_origin;
        } else {
          const auto it = layout.symbol_address.find(name);
          ASSERT_NE(it, layout.symbol_address.end()) << where << ": no address for " << name;
          S = it->second;
        }
      } else if (sym.shndx == elf::kShnAbs) {
        S = sym.value;
      } else {
        const auto it = layout.section_address.find(sym.shndx);
        ASSERT_NE(it, layout.section_address.end()) << where << ": symbol " << name << " in an unplaced section";
        S = it->second + sym.value;
      }

      // GOT(S): ld's GOT holds S in the symbol's slot.
      std::uint32_t got = 0;
      if (needs.got_slot) {
        bool found = false;
        for (std::size_t slot = 0; slot + 4 <= layout.got_bytes.size(); slot += 4) {
          if (get32(layout.got_bytes.data() + slot) == S) {
            got = layout.got + static_cast<std::uint32_t>(slot);
            found = true;
            break;
          }
        }
        ASSERT_TRUE(found) << where << ": ld made no GOT slot for " << name;
      }

      const RelocationSite site{bytes.data() + r.offset, bytes.size() - r.offset, placed->second + r.offset,
                                S,  0,     false,    type,     got,  0,   layout.got_origin};
      const Result<void, LinkError> result = apply_relocation_arm(site);
      ASSERT_TRUE(result.has_value()) << where << " against " << name << ": error "
                                      << static_cast<int>(result.error().code) << " value 0x" << std::hex
                                      << result.error().value;
    }
  }
}

class ArmFixture : public ::testing::TestWithParam<const char*> {};

TEST_P(ArmFixture, EverySectionMatchesGnuLd) {
  if (std::string(kFixturesDir).empty()) GTEST_SKIP() << "built without the ARM fixtures (no arm-none-eabi toolchain)";
  const std::string base = std::string(kFixturesDir) + "/" + GetParam();

  auto image = read_file(base + ".o");
  ASSERT_TRUE(image) << "missing " << base << ".o";
  Elf32 obj;
  std::string why;
  ASSERT_TRUE(obj.open(std::move(*image), &why)) << base << ".o: " << why;
  const auto layout = read_layout(base);
  ASSERT_TRUE(layout) << "missing " << base << "/layout.txt";
  ASSERT_FALSE(layout->section_address.empty());

  LinkedFixture linked;
  link_like_ld(obj, *layout, &linked);
  if (HasFatalFailure()) return;
  ASSERT_FALSE(linked.type_counts.empty()) << "a fixture without relocations proves nothing";

  int compared = 0;
  for (const auto& [index, ours] : linked.bytes) {
    if (obj.section(index).type == elf::kShtNobits) continue;
    const std::string bin = base + "/s" + std::to_string(index) + ".bin";
    const auto theirs = read_file(bin);
    ASSERT_TRUE(theirs) << "missing " << bin;
    // ld may append to a section (the EXIDX_CANTUNWIND end marker); compare what the object holds.
    ASSERT_GE(theirs->size(), ours.size()) << obj.section_name(index);
    for (std::size_t off = 0; off < ours.size(); ++off) {
      EXPECT_EQ(std::to_integer<int>(ours[off]), std::to_integer<int>((*theirs)[off]))
          << GetParam() << " section " << index << " " << obj.section_name(index) << " at offset 0x" << std::hex
          << off;
    }
    ++compared;
  }
  EXPECT_GT(compared, 0);

  std::ostringstream counts;
  for (const auto& [type, n] : linked.type_counts) counts << " " << relocation_needs_arm(type).name << "=" << n;
  RecordProperty("relocations", counts.str());
  std::printf("[ fixture  ] %s:%s\n", GetParam(), counts.str().c_str());
}

INSTANTIATE_TEST_SUITE_P(GnuLd, ArmFixture, ::testing::ValuesIn(kFixtures),
                         [](const ::testing::TestParamInfo<const char*>& p) { return std::string(p.param); });

// The comparison is only worth as much as the types it saw: every type in the
// table (but R_ARM_V4BX, which only ARM-state code carries) must occur.
TEST(ArmFixtures, ExerciseEveryTableTypeButV4bx) {
  if (std::string(kFixturesDir).empty()) GTEST_SKIP() << "built without the ARM fixtures (no arm-none-eabi toolchain)";
  std::map<std::uint32_t, int> seen;
  for (const char* name : kFixtures) {
    auto image = read_file(std::string(kFixturesDir) + "/" + name + ".o");
    ASSERT_TRUE(image) << name;
    Elf32 obj;
    std::string why;
    ASSERT_TRUE(obj.open(std::move(*image), &why)) << name << ": " << why;
    for (std::size_t rs = 0; rs < obj.section_count(); ++rs) {
      if (obj.section(rs).type != elf::kShtRel) continue;
      for (std::size_t i = 0; i < obj.rel_count(rs); ++i) ++seen[obj.rel(rs, i).info & 0xff];
    }
  }
  for (std::uint32_t t = 0; t < 256; ++t) {
    const RelocationNeeds n = relocation_needs_arm(t);
    if (!n.known || t == kV4bx) continue;
    EXPECT_GT(seen[t], 0) << n.name << " occurs in no fixture";
  }
}

}  // namespace
}  // namespace dyn
