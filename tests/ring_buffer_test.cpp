// ring_buffer_test.cpp — host tests for the fixed-capacity ring.
#include "dyn/ring_buffer.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <deque>
#include <random>
#include <span>
#include <vector>

namespace {

struct Record {
  std::uint32_t seq;
  std::uint16_t code;
};

using Ring = dyn::RingBuffer<std::uint32_t>;

std::vector<std::uint32_t> contents(const Ring& r) {
  std::vector<std::uint32_t> out;
  for (std::size_t i = 0; i < r.size(); ++i) out.push_back(r.at(i));
  return out;
}

TEST(RingBuffer, StartsEmpty) {
  std::array<std::uint32_t, 4> slots{};
  Ring r{std::span<std::uint32_t>(slots)};
  EXPECT_TRUE(r.empty());
  EXPECT_FALSE(r.full());
  EXPECT_EQ(r.size(), 0u);
  EXPECT_EQ(r.capacity(), 4u);
  EXPECT_EQ(r.peek(), nullptr);
  std::uint32_t out = 77;
  EXPECT_FALSE(r.pop(out));
  EXPECT_EQ(out, 77u);  // untouched on failure
  EXPECT_EQ(r.overwritten(), 0u);
}

TEST(RingBuffer, TryPushOnFullChangesNothing) {
  std::array<std::uint32_t, 3> slots{};
  Ring r{std::span<std::uint32_t>(slots)};
  EXPECT_TRUE(r.try_push(1));
  EXPECT_TRUE(r.try_push(2));
  EXPECT_TRUE(r.try_push(3));
  EXPECT_TRUE(r.full());
  EXPECT_FALSE(r.try_push(4));
  EXPECT_EQ(r.size(), 3u);
  EXPECT_EQ(contents(r), (std::vector<std::uint32_t>{1, 2, 3}));
  EXPECT_EQ(r.overwritten(), 0u);  // a refused push is not an overwrite
  ASSERT_NE(r.peek(), nullptr);
  EXPECT_EQ(*r.peek(), 1u);
}

TEST(RingBuffer, WrapAroundKeepsFifoOrder) {
  std::array<std::uint32_t, 4> slots{};
  Ring r{std::span<std::uint32_t>(slots)};
  std::uint32_t out = 0;
  ASSERT_TRUE(r.try_push(10));
  ASSERT_TRUE(r.try_push(11));
  ASSERT_TRUE(r.try_push(12));
  ASSERT_TRUE(r.pop(out));
  EXPECT_EQ(out, 10u);
  ASSERT_TRUE(r.pop(out));
  EXPECT_EQ(out, 11u);
  // head is now at slot 2; these three wrap past the end of storage.
  ASSERT_TRUE(r.try_push(13));
  ASSERT_TRUE(r.try_push(14));
  ASSERT_TRUE(r.try_push(15));
  EXPECT_TRUE(r.full());
  EXPECT_EQ(slots[0], 14u);  // proves the write really wrapped
  EXPECT_EQ(contents(r), (std::vector<std::uint32_t>{12, 13, 14, 15}));
  EXPECT_EQ(r.at(0), 12u);
  EXPECT_EQ(r.at(3), 15u);
  for (std::uint32_t expected = 12; expected <= 15; ++expected) {
    ASSERT_TRUE(r.pop(out));
    EXPECT_EQ(out, expected);
  }
  EXPECT_TRUE(r.empty());
  EXPECT_FALSE(r.pop(out));
}

TEST(RingBuffer, OverwriteDropsOldestAndCounts) {
  std::array<std::uint32_t, 4> slots{};
  Ring r{std::span<std::uint32_t>(slots)};
  for (std::uint32_t v = 0; v < 10; ++v) r.push_overwrite(v);
  EXPECT_EQ(r.overwritten(), 6u);
  EXPECT_TRUE(r.full());
  EXPECT_EQ(contents(r), (std::vector<std::uint32_t>{6, 7, 8, 9}));
  EXPECT_EQ(*r.peek(), 6u);

  // Below capacity push_overwrite behaves like push and counts nothing.
  std::uint32_t out = 0;
  ASSERT_TRUE(r.pop(out));
  EXPECT_EQ(out, 6u);
  r.push_overwrite(10);
  EXPECT_EQ(r.overwritten(), 6u);
  EXPECT_EQ(contents(r), (std::vector<std::uint32_t>{7, 8, 9, 10}));
  r.push_overwrite(11);
  EXPECT_EQ(r.overwritten(), 7u);
  EXPECT_EQ(contents(r), (std::vector<std::uint32_t>{8, 9, 10, 11}));
}

TEST(RingBuffer, ClearEmptiesButKeepsLossCount) {
  std::array<std::uint32_t, 2> slots{};
  Ring r{std::span<std::uint32_t>(slots)};
  r.push_overwrite(1);
  r.push_overwrite(2);
  r.push_overwrite(3);
  ASSERT_EQ(r.overwritten(), 1u);
  r.clear();
  EXPECT_TRUE(r.empty());
  EXPECT_EQ(r.peek(), nullptr);
  EXPECT_EQ(r.overwritten(), 1u);
  EXPECT_TRUE(r.try_push(4));
  EXPECT_EQ(contents(r), (std::vector<std::uint32_t>{4}));
}

TEST(RingBuffer, CapacityOne) {
  std::array<std::uint32_t, 1> slots{};
  Ring r{std::span<std::uint32_t>(slots)};
  EXPECT_TRUE(r.try_push(5));
  EXPECT_FALSE(r.try_push(6));
  r.push_overwrite(7);
  EXPECT_EQ(r.overwritten(), 1u);
  EXPECT_EQ(r.at(0), 7u);
  std::uint32_t out = 0;
  EXPECT_TRUE(r.pop(out));
  EXPECT_EQ(out, 7u);
  EXPECT_TRUE(r.empty());
}

TEST(RingBuffer, ZeroCapacityIsSafe) {
  Ring r{std::span<std::uint32_t>()};
  EXPECT_EQ(r.capacity(), 0u);
  EXPECT_TRUE(r.full());
  EXPECT_TRUE(r.empty());
  EXPECT_FALSE(r.try_push(1));
  r.push_overwrite(1);
  EXPECT_EQ(r.overwritten(), 1u);
  EXPECT_EQ(r.size(), 0u);
  EXPECT_EQ(r.peek(), nullptr);
}

TEST(RingBuffer, HoldsStructRecords) {
  std::array<Record, 3> slots{};
  dyn::RingBuffer<Record> r{std::span<Record>(slots)};
  for (std::uint32_t i = 0; i < 5; ++i) r.push_overwrite(Record{i, static_cast<std::uint16_t>(100 + i)});
  EXPECT_EQ(r.overwritten(), 2u);
  EXPECT_EQ(r.at(0).seq, 2u);
  EXPECT_EQ(r.at(2).code, 104u);
}

TEST(RingBuffer, RandomizedAgainstDeque) {
  std::array<std::uint32_t, 7> slots{};  // odd size: wrap points move around
  Ring r{std::span<std::uint32_t>(slots)};
  std::deque<std::uint32_t> ref;
  std::uint64_t lost = 0;
  std::mt19937 rng(31337);
  std::uniform_int_distribution<int> action(0, 9);
  std::uint32_t next = 0;
  for (int op = 0; op < 20000; ++op) {
    const int a = action(rng);
    if (a < 3) {
      const bool accepted = r.try_push(next);
      ASSERT_EQ(accepted, ref.size() < slots.size());
      if (accepted) ref.push_back(next);
      ++next;
    } else if (a < 5) {
      r.push_overwrite(next);
      if (ref.size() == slots.size()) {
        ref.pop_front();
        ++lost;
      }
      ref.push_back(next);
      ++next;
    } else if (a < 9) {
      std::uint32_t out = 0;
      const bool got = r.pop(out);
      ASSERT_EQ(got, !ref.empty());
      if (got) {
        ASSERT_EQ(out, ref.front());
        ref.pop_front();
      }
    } else if (op % 13 == 0) {
      r.clear();
      ref.clear();
    }
    ASSERT_EQ(r.size(), ref.size());
    ASSERT_EQ(r.empty(), ref.empty());
    ASSERT_EQ(r.full(), ref.size() == slots.size());
    ASSERT_EQ(r.overwritten(), lost);
    ASSERT_EQ(r.peek() == nullptr, ref.empty());
    for (std::size_t i = 0; i < ref.size(); ++i) ASSERT_EQ(r.at(i), ref[i]) << "op " << op;
  }
}

}  // namespace
