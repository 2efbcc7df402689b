// mpu_layout_test.cpp — the Cortex-M3 port's MPU layout (ports/mps2_an385/
// mpu_layout.hpp), checked on the host: what a domain that fits gets is
// exactly its regions (never a byte more), a lent buffer, and its guards.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "dyn/kernel_tables.hpp"
#include "mpu_layout.hpp"

namespace dyn::mps2 {
namespace {

constexpr std::uint32_t kRX = RegionAttr::Read | RegionAttr::Execute;
constexpr std::uint32_t kRW = RegionAttr::Read | RegionAttr::Write;
constexpr std::uint32_t kR = RegionAttr::Read;
constexpr std::uint32_t kCode = 64 * 1024;  // the image's code: slot 0

// A slot read back the way the MPU reads it (B3.5.8, B3.5.9).
struct Decoded {
  std::uint32_t base;
  std::uint64_t size;
  std::uint32_t ap;
  bool xn;
  std::uint8_t srd;
  bool enables(std::uint32_t at) const {
    if (at < base || at - base >= size) return false;
    if (size < 256) return true;
    return !(srd & (1u << ((at - base) / (size / 8))));
  }
};

Decoded decode(const MpuSlot& s) {
  const std::uint32_t size_field = (s.rasr >> 1) & 0x1F;
  return Decoded{s.base, std::uint64_t{1} << (size_field + 1), (s.rasr >> 24) & 7, ((s.rasr >> 28) & 1) != 0,
                 static_cast<std::uint8_t>((s.rasr >> 8) & 0xFF)};
}

ModuleDomain domain_of(std::initializer_list<DomainRegion> regions, std::uint32_t stack_base, std::uint32_t stack_top,
                       std::uint32_t kernel_stack_base) {
  ModuleDomain d;
  for (const DomainRegion& r : regions) d.regions[d.count++] = r;
  d.stack_base = stack_base;
  d.stack_top = stack_top;
  d.kernel_stack_base = kernel_stack_base;
  return d;
}

// What the unprivileged module may do at `at` with this layout: the
// highest slot that enables the address decides (B3.5.3); -1: no access.
int access_at(const MpuLayout& l, std::uint32_t at, bool* execute = nullptr) {
  for (int i = l.count - 1; i >= 0; --i) {
    const Decoded d = decode(l.slots[i]);
    if (!d.enables(at)) continue;
    if (execute) *execute = !d.xn;
    if (d.ap == 0b011) return 2;                      // read-write
    if (d.ap == 0b010 || d.ap == 0b110) return 1;     // read
    return -1;                                        // no access (a guard)
  }
  return -1;
}

int wanted(std::uint32_t attributes) { return attributes & RegionAttr::Write ? 2 : 1; }

// The beacon v2 domain the demo mission has on the target in probation
// (addresses as the pool placed them): its code and data, mathlib's, its
// state, the task's module stack and the heap arena its first malloc added.
ModuleDomain beacon_in_probation() {
  return domain_of({{0x20004000, 0x400, kRX},
                    {0x20003e80, 0x20, kRW},
                    {0x20001800, 0x400, kRX},
                    {0x20001500, 0x20, kRW},
                    {0x20003ea0, 0x20, kRW},
                    {0x20020000, 0x10000, kRW},
                    {0x20040000, 0x10000, kRW}},
                   0x20020000, 0x20030000, 0x20002de0);
}

TEST(MpuLayout, TheDemoBeaconFitsWithItsKernelGuardAndRoomForALentBuffer) {
  const ModuleDomain d = beacon_in_probation();
  ASSERT_TRUE(mpu_fits(d)) << mpu_slots_needed(d) << " slots";
  const DomainRegion lent[1] = {{0x20060000, 0x100, kR}};
  const MpuLayout l = mpu_layout(d, lent, kCode);
  EXPECT_TRUE(l.complete);
  EXPECT_TRUE(l.kernel_guard);
  EXPECT_FALSE(l.module_guard) << "nothing of the module's lies just below its stack: the MPU faults there anyway";
  EXPECT_EQ(access_at(l, 0x20002de0), -1) << "the kernel stack's guard";
  EXPECT_EQ(access_at(l, 0x2001fffc), -1) << "below the module stack";
  EXPECT_EQ(access_at(l, 0x20060000), 1) << "the lent buffer, read only";
  EXPECT_EQ(access_at(l, 0x20003ea0), 2) << "its state";
}

// The demo's beacon v2 after its commit, as the pool placed it with small
// heap arenas: its code, data, mathlib's code and data, its state, its
// stack and a 1 KiB arena take every slot but the kernel guard's, so a
// checkpoint buffer lent to its hook finds none. The update task calls that
// hook, not beacon's task: the guard watches a stack nobody runs on then,
// and the buffer takes its slot. In beacon's own context it never does.
ModuleDomain beacon_after_commit() {
  return domain_of({{0x20004c00, 0x400, kRX},
                    {0x200015e0, 0x20, kRW},
                    {0x20001c00, 0x400, kRX},
                    {0x20001820, 0x20, kRW},
                    {0x20001800, 0x20, kRW},
                    {0x20020000, 0x10000, kRW},
                    {0x20004400, 0x400, kRW}},
                   0x20020000, 0x20030000, 0x20002de0);
}

TEST(MpuLayout, ABufferLentForAnotherTasksCallTakesTheIdleKernelGuardsSlot) {
  const ModuleDomain d = beacon_after_commit();
  EXPECT_FALSE(mpu_fits(d)) << "no slot for a buffer lent in its own task's context";
  EXPECT_TRUE(mpu_fits(d, KernelStack::Idle)) << "the guard's slot, for one lent by the update task";
  const DomainRegion lent[1] = {{0x20005800, 0x800, kRW}};
  const MpuLayout own = mpu_layout(d, lent, kCode, KernelStack::InUse);
  EXPECT_FALSE(own.complete) << "its own task's call keeps the guard of the stack it runs on";
  EXPECT_TRUE(own.kernel_guard);
  EXPECT_EQ(access_at(own, 0x20002de0), -1);
  EXPECT_EQ(access_at(own, 0x2000583c), -1) << "the buffer is not mapped";
  const MpuLayout other = mpu_layout(d, lent, kCode, KernelStack::Idle);
  EXPECT_TRUE(other.complete);
  EXPECT_FALSE(other.kernel_guard);
  EXPECT_LE(other.count, kMpuSlots);
  EXPECT_EQ(access_at(other, 0x2000583c), 2) << "the checkpoint buffer, writable";
  EXPECT_EQ(access_at(other, 0x20004400), 2) << "its heap arena";
  EXPECT_EQ(access_at(other, 0x20005800 + 0x800), -1) << "not a byte past the buffer";
  // With room to spare, an idle guard stays.
  const ModuleDomain roomy = beacon_in_probation();
  EXPECT_TRUE(mpu_layout(roomy, lent, kCode, KernelStack::Idle).kernel_guard);
}

TEST(MpuLayout, AStackWithItsOwnMemoryJustBelowGetsAGuard) {
  // A heap arena right below the module stack: an overflow would land in it.
  const ModuleDomain d = domain_of({{0x20004000, 0x400, kRX}, {0x20010000, 0x1000, kRW}, {0x20011000, 0x1000, kRW}},
                                   0x20011000, 0x20012000, 0x20002000);
  ASSERT_TRUE(mpu_fits(d));
  const MpuLayout l = mpu_layout(d, {}, kCode);
  EXPECT_TRUE(l.module_guard);
  EXPECT_EQ(access_at(l, 0x20011000), -1) << "the guard: the lowest 32 bytes of the stack";
  EXPECT_EQ(access_at(l, 0x2001101f), -1);
  EXPECT_EQ(access_at(l, 0x20011020), 2) << "the stack above its guard";
  EXPECT_EQ(access_at(l, 0x20010ffc), 2) << "the arena below";
  EXPECT_EQ(access_at(l, 0x20002000), -1) << "the kernel stack's guard";
}

TEST(MpuLayout, AStackAboveReadOnlyCodeNeedsNoGuard) {
  // The pool placed the module's code right below its stack (as it does for
  // heap_state on the target): a push below the stack faults on the code's
  // read-only region, so no guard slot is spent; the domain then fits.
  const ModuleDomain d = domain_of({{0x20001e00, 0x200, kRX},
                                    {0x20001c60, 0x20, kRW},
                                    {0x20001dc0, 0x20, kRW},
                                    {0x20002000, 0x2000, kRW},
                                    {0x20010000, 0x10000, kRW}},
                                   0x20002000, 0x20004000, 0x20004000);
  ASSERT_TRUE(mpu_fits(d)) << mpu_slots_needed(d) << " slots";
  const MpuLayout l = mpu_layout(d, {}, kCode);
  EXPECT_FALSE(l.module_guard);
  EXPECT_EQ(access_at(l, 0x20001ffc), 1) << "the code below the stack: read only";
}

TEST(MpuLayout, ADomainThatWouldCostAGuardItsSlotDoesNotFit) {
  // Seven regions no parent can share (alternating attributes, far apart):
  // code + 7 = 8 slots, nothing left for the kernel guard or a lent buffer.
  ModuleDomain d;
  for (std::uint32_t i = 0; i < 7; ++i)
    d.regions[d.count++] = DomainRegion{0x20000000u + i * 0x100000u, 0x400, i % 2 ? kRX : kRW};
  d.stack_base = 0x20000000;
  d.stack_top = 0x20000400;
  d.kernel_stack_base = 0x20300000;
  EXPECT_FALSE(mpu_fits(d));
  d.count = 4;  // code + 4 + kernel guard + a lent buffer = 7
  EXPECT_TRUE(mpu_fits(d));
  d.count = 6;  // code + 6 + kernel guard = 8: no slot for a lent buffer
  EXPECT_FALSE(mpu_fits(d));
}

// Grouping is not monotone: removing a region can make the rest need more
// slots (two arenas that filled one subregion together leave it half
// full). The core then assigns the smaller domain all the same
// (DomainFit::BestEffort): the layout leaves out what does not fit, keeps
// its guards, and never maps the region that went.
TEST(MpuLayout, ADomainThatLostARegionIsLaidOutWithoutItEvenWhereItNoLongerFits) {
  const DomainRegion b{0x20110000, 0x10000, kRW}, a{0x20100000, 0x10000, kRW}, z{0x201E0000, 0x20000, kRW};
  const ModuleDomain with_b = domain_of({{0x20004000, 0x400, kRX}, {0x20001800, 0x400, kRX}, {0x20003e80, 0x20, kRW},
                                         {0x20008000, 0x800, kRW}, b, a, z},
                                        0x20008000, 0x20008800, 0x20002de0);
  ASSERT_TRUE(mpu_fits(with_b));
  const ModuleDomain without_b = domain_of({{0x20004000, 0x400, kRX}, {0x20001800, 0x400, kRX}, {0x20003e80, 0x20, kRW},
                                            {0x20008000, 0x800, kRW}, a, z},
                                           0x20008000, 0x20008800, 0x20002de0);
  EXPECT_FALSE(mpu_fits(without_b)) << "one region fewer, one slot more";
  const MpuLayout l = mpu_layout(without_b, {}, kCode);
  EXPECT_TRUE(l.kernel_guard);
  EXPECT_LE(l.count, kMpuSlots);
  for (std::uint32_t at = 0x20110000; at < 0x20120000; at += 32)
    ASSERT_EQ(access_at(l, at), -1) << std::hex << at << ": the freed arena is still mapped";
}

TEST(MpuLayout, RegionsPastTheAddressSpaceAndMisalignedStacksDoNotFit) {
  EXPECT_GT(mpu_slots_needed(domain_of({{0xFFFFFF00, 0x20, kRW}, {0xFFFFFFE0, 0x20, kRW}}, 0, 0, 0)), kMpuSlots)
      << "a region ending at 2^32 wraps to 0 on the target: it must not be grouped as if it fit";
  EXPECT_GT(mpu_slots_needed(domain_of({{0xFFFFF000, 0x1000, kRW}}, 0, 0, 0)), kMpuSlots) << "ends at 2^32";
  EXPECT_FALSE(mpu_fits(domain_of({{0x20010000, 0x1000, kRW}}, 0x20010010, 0x20011000, 0x20002000)))
      << "a module stack not aligned to its guard";
  EXPECT_FALSE(mpu_fits(domain_of({{0x20010000, 0x1000, kRW}}, 0x20010000, 0x20011000, 0x20002004)))
      << "a kernel stack not aligned to its guard";
  const MpuLayout l = mpu_layout(domain_of({{0x20010000, 0x1000, kRW}}, 0x20010000, 0x20011000, 0x20002004), {}, kCode);
  for (std::size_t i = 0; i < l.count; ++i) EXPECT_EQ(l.slots[i].base & 0x1Fu, 0u) << "RBAR's VALID and REGION bits stay clear";
}

TEST(MpuLayout, SmallNeighboursShareOneSlot) {
  const ModuleDomain d = domain_of({{0x20003e80, 0x20, kRW}, {0x20003ea0, 0x20, kRW}, {0x20003f00, 0x40, kRW}}, 0, 0, 0);
  EXPECT_EQ(mpu_slots_needed(d), 2u) << "the code, and one 256-byte parent for the three";
  const MpuLayout l = mpu_layout(d, {}, kCode);
  EXPECT_EQ(access_at(l, 0x20003e80), 2);
  EXPECT_EQ(access_at(l, 0x20003ebf), 2);
  EXPECT_EQ(access_at(l, 0x20003ec0), -1) << "the gap between them stays unmapped";
  EXPECT_EQ(access_at(l, 0x20003f3f), 2);
  EXPECT_EQ(access_at(l, 0x20003e7f), -1);
}

// The part worked out once when the domain is built (port::domain_changed)
// is used only while the domain is still what it was worked out from.
TEST(MpuLayout, ACachedLayoutIsUsedOnlyWhileTheDomainIsUnchanged) {
  ModuleDomain d = beacon_in_probation();
  MpuDomainPart part;
  EXPECT_FALSE(read_domain_cache(d, kCode, part)) << "never written";
  write_domain_cache(d, kCode);
  ASSERT_TRUE(read_domain_cache(d, kCode, part));
  const MpuLayout cached = mpu_layout(part, d, {});
  const MpuLayout fresh = mpu_layout(d, {}, kCode);
  ASSERT_EQ(cached.count, fresh.count);
  for (std::size_t i = 0; i < fresh.count; ++i) {
    EXPECT_EQ(cached.slots[i].base, fresh.slots[i].base);
    EXPECT_EQ(cached.slots[i].rasr, fresh.slots[i].rasr);
  }
  EXPECT_FALSE(read_domain_cache(d, kCode + 0x10000, part)) << "the image's code changed";
  ModuleDomain moved = d;
  moved.regions[6].base = 0x20050000;  // the arena moved: the cached slots would map the old one
  EXPECT_FALSE(read_domain_cache(moved, kCode, part));
  ModuleDomain restacked = d;
  restacked.kernel_stack_base += 0x1000;
  EXPECT_FALSE(read_domain_cache(restacked, kCode, part));
  ModuleDomain shrunk = d;
  shrunk.count = 5;
  EXPECT_FALSE(read_domain_cache(shrunk, kCode, part));
}

// Random domains of MPU-legal regions (what the module pool hands out): for
// every one that fits, the layout maps each region with its access and no
// byte outside them, keeps its guards, and maps a lent buffer too.
TEST(MpuLayout, EveryDomainThatFitsGetsExactlyItsRegionsItsLentBufferAndItsGuards) {
  std::mt19937 gen(2026);
  auto rng = [&] { return static_cast<std::uint32_t>(gen()); };
  int fitting = 0;
  for (int round = 0; round < 800; ++round) {
    ModuleDomain d;
    std::vector<DomainRegion> all;
    const int n = 1 + static_cast<int>(rng() % 7);
    std::uint32_t cursor = 0x20000000;
    for (int i = 0; i < n; ++i) {
      const std::uint32_t size = 32u << (rng() % 10);  // 32 B .. 16 KiB
      cursor = (cursor + size - 1) & ~(size - 1);
      if (rng() % 2) cursor += size * (rng() % 4);  // a gap, or a neighbour
      const std::uint32_t attrs = rng() % 3 == 0 ? kRX : kRW;
      d.regions[d.count++] = DomainRegion{cursor, size, attrs};
      all.push_back(d.regions[d.count - 1]);
      cursor += size;
    }
    const DomainRegion stack = d.regions[rng() % d.count];
    if (stack.attributes == kRW) {
      d.stack_base = static_cast<std::uint32_t>(stack.base);
      d.stack_top = static_cast<std::uint32_t>(stack.base + stack.size);
    }
    d.kernel_stack_base = 0x20800000;
    if (!mpu_fits(d)) continue;
    ++fitting;
    const DomainRegion lent[1] = {{0x20900000u + (rng() % 8) * 0x400u, 32u << (rng() % 5), rng() % 2 ? kR : kRW}};
    all.push_back(lent[0]);
    const MpuLayout l = mpu_layout(d, lent, kCode);
    ASSERT_TRUE(l.complete) << "round " << round;
    ASSERT_LE(l.count, kMpuSlots);
    ASSERT_TRUE(l.kernel_guard);
    EXPECT_EQ(access_at(l, 0x20800000), -1);
    EXPECT_EQ(access_at(l, 0x2080001f), -1);
    for (const DomainRegion& r : all) {
      const bool guarded = l.module_guard && r.base == d.stack_base;
      for (std::uint32_t at = static_cast<std::uint32_t>(r.base); at < r.base + r.size; at += 32) {  // every granule
        if (guarded && at < r.base + 32) continue;
        bool execute = false;
        ASSERT_EQ(access_at(l, at, &execute), wanted(r.attributes)) << "round " << round << " at " << std::hex << at;
        ASSERT_EQ(execute, (r.attributes & RegionAttr::Execute) != 0) << "round " << round;
      }
    }
    // Never a byte more: every 32-byte granule (the finest any slot has)
    // around the domain and the lent buffer (slot 0, the image's code, ends below).
    for (const auto& [from, to] : {std::pair{0x1fff0000u, cursor + 0x10000u}, std::pair{0x208f0000u, 0x20910000u}})
      for (std::uint32_t at = from; at < to; at += 32) {
        if (access_at(l, at) < 0) continue;
        bool inside = false;
        for (const DomainRegion& r : all) inside = inside || (at >= r.base && at - r.base < r.size);
        ASSERT_TRUE(inside) << "round " << round << ": " << std::hex << at << " is mapped but in no region";
      }
    if (d.stack_base && d.stack_base > 0x20000000) {
      const bool below_writable =
          access_at(mpu_layout(d, {}, kCode), static_cast<std::uint32_t>(d.stack_base - 4)) == 2;
      EXPECT_TRUE(!below_writable || l.module_guard) << "round " << round << ": an overflow would land in writable memory";
    }
  }
  EXPECT_GT(fitting, 250) << "the random domains should mostly fit";
}

}  // namespace
}  // namespace dyn::mps2
