// duration_test.cpp — durations and sizes as written in mission files and on
// the command line (cli/duration.cpp).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "duration.hpp"

namespace dyn::cli {
namespace {

constexpr Time kDay = 24 * kHour;

TEST(ParseDuration, EveryUnit) {
  EXPECT_EQ(parse_duration("7us"), 7);
  EXPECT_EQ(parse_duration("2ms"), 2'000);
  EXPECT_EQ(parse_duration("90s"), 90'000'000);
  EXPECT_EQ(parse_duration("15m"), 15 * 60 * kSecond);
  EXPECT_EQ(parse_duration("24h"), 24 * 3600 * kSecond);
  EXPECT_EQ(parse_duration("7d"), 7 * kDay);
  EXPECT_EQ(parse_duration("0s"), 0);
  EXPECT_EQ(parse_duration("0us"), 0);
}

TEST(ParseDuration, Decimals) {
  EXPECT_EQ(parse_duration("1.5ms"), 1'500);
  EXPECT_EQ(parse_duration("0.25s"), 250'000);
  EXPECT_EQ(parse_duration("1.5m"), 90 * kSecond);
  EXPECT_EQ(parse_duration("0.5d"), 12 * kHour);
  EXPECT_EQ(parse_duration("0.001ms"), 1);
  EXPECT_EQ(parse_duration("0.000001s"), 1);
  EXPECT_EQ(parse_duration("2.000ms"), 2'000);
}

TEST(ParseDuration, SurroundingSpacesAreIgnored) {
  EXPECT_EQ(parse_duration("  10s "), 10 * kSecond);
}

TEST(ParseDuration, RejectsMalformedText) {
  for (const char* bad : {"", " ", "5", "ms", "-1s", "-0s", "-0.5s", "+5s", "1.s", ".5s", "1x", "1 s", "1e3ms",
                          "1.5.5s", "1.-5s", "ten", "5sec", "5ds", "0x10s", "1,5s"})
    EXPECT_FALSE(parse_duration(bad).has_value()) << '"' << bad << '"';
}

TEST(ParseDuration, RejectsOverflow) {
  EXPECT_FALSE(parse_duration("99999999999999999h").has_value());
  EXPECT_FALSE(parse_duration("99999999999999999999us").has_value());
  // The largest whole number of days fits; its fraction must not carry past kNever.
  const Time max_days = kNever / kDay;
  EXPECT_EQ(parse_duration(std::to_string(max_days) + "d"), max_days * kDay);
  EXPECT_FALSE(parse_duration(std::to_string(max_days) + ".5d").has_value());
  EXPECT_FALSE(parse_duration(std::to_string(max_days + 1) + "d").has_value());
  EXPECT_EQ(parse_duration(std::to_string(kNever) + "us"), kNever);
}

TEST(ParseDuration, RejectsFinerThanAMicrosecond) {
  EXPECT_FALSE(parse_duration("0.0001ms").has_value());
  EXPECT_FALSE(parse_duration("1.5us").has_value());
  EXPECT_FALSE(parse_duration("0.0000001s").has_value());
}

TEST(ParseSize, BytesAndBinarySuffixes) {
  EXPECT_EQ(parse_size("4096"), 4096u);
  EXPECT_EQ(parse_size("64KiB"), 64u * 1024);
  EXPECT_EQ(parse_size("1MiB"), 1024u * 1024);
  EXPECT_EQ(parse_size("0"), 0u);
}

TEST(ParseSize, RejectsMalformedText) {
  for (const char* bad : {"", "KiB", "12kb", "12KB", "12 KiB", "-1", "1.5MiB", "1GiB", "4096 ", "x"})
    EXPECT_FALSE(parse_size(bad).has_value()) << '"' << bad << '"';
}

TEST(ParseSize, RejectsOverflow) {
  EXPECT_FALSE(parse_size("99999999999999999999").has_value());
  EXPECT_FALSE(parse_size(std::to_string(SIZE_MAX / 1024 + 1) + "KiB").has_value());
}

TEST(FormatDuration, WholeUnits) {
  EXPECT_EQ(format_duration(0), "0s");  // parseable, like every other output
  EXPECT_EQ(format_duration(kNever), "never");
  EXPECT_EQ(format_duration(7), "7us");
  EXPECT_EQ(format_duration(2'000), "2ms");
  EXPECT_EQ(format_duration(90 * kSecond), "90s");
  EXPECT_EQ(format_duration(15 * kMinute), "15m");
  EXPECT_EQ(format_duration(2 * kHour), "2h");
  EXPECT_EQ(format_duration(7 * kDay), "7d");
}

TEST(FormatDuration, RoundTrips) {
  for (Time t : {Time{1}, Time{999}, Time{1'000}, Time{1'500}, Time{1'234'567}, 90 * kSecond, 61 * kMinute,
                 25 * kHour, 3 * kDay, 3 * kDay + 1, kNever - 1}) {
    const std::string text = format_duration(t);
    EXPECT_EQ(parse_duration(text), t) << t << " -> " << text;
  }
}

}  // namespace
}  // namespace dyn::cli

namespace dyn::cli {
namespace {
TEST(FormatAmount, ShortValuesStayExactLongOnesAreRounded) {
  EXPECT_EQ(format_amount(345'600'000), "345.6s");
  EXPECT_EQ(format_amount(30'001), "30.001ms");
  EXPECT_EQ(format_amount(172'808'640'000 / 1000), "2.88m");
  EXPECT_EQ(format_amount(12'345'678), "12.346s");
  EXPECT_EQ(format_amount(5 * kHour + 7), "5.00h");
}
}  // namespace
}  // namespace dyn::cli
