// time_test.cpp — time_mod (time.hpp) agrees with the 64-bit remainder it
// stands in for, on both of its paths (periods up to 0xFFFF, and longer).
#include "dyn/time.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>

namespace {

using dyn::Time;

static_assert(dyn::time_mod(0, 1000) == 0);
static_assert(dyn::time_mod(1999, 1000) == 999);
static_assert(dyn::time_mod(std::numeric_limits<Time>::max(), 0xFFFF) == std::numeric_limits<Time>::max() % 0xFFFF);
static_assert(dyn::time_mod(std::numeric_limits<Time>::max(), 0x10000) == 0xFFFF);

TEST(TimeMod, AgreesWithTheRemainder) {
  std::mt19937_64 rng(13);
  const Time periods[] = {1, 2, 3, 7, 10, 1000, 4096, 0xFFFE, 0xFFFF, 0x10000, 100000, 1000003,
                          Time{1} << 32, (Time{1} << 40) + 3, std::numeric_limits<Time>::max()};
  for (Time b : periods) {
    const Time max = std::numeric_limits<Time>::max();
    for (Time a : {Time{0}, Time{1}, b - 1, b, b == max ? max : b + 1, max, max - 1})
      EXPECT_EQ(dyn::time_mod(a, b), a % b) << a << " mod " << b;
    for (int i = 0; i < 2000; ++i) {
      const Time a = static_cast<Time>(rng() >> (1 + rng() % 63));  // every magnitude, never negative
      EXPECT_EQ(dyn::time_mod(a, b), a % b) << a << " mod " << b;
    }
  }
}

}  // namespace
