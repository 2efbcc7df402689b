// workload_test.cpp — the work-step language of mission files (cli/workload.cpp).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "workload.hpp"

namespace dyn::cli {
namespace {

using Kind = WorkStep::Kind;

std::vector<WorkStep> parse_ok(std::string_view text) {
  std::string why;
  auto steps = parse_work(text, &why);
  EXPECT_TRUE(steps.has_value()) << '"' << text << "\": " << why;
  return steps ? *steps : std::vector<WorkStep>{};
}

// The error text for a work string that must be rejected.
std::string parse_error(std::string_view text) {
  std::string why;
  auto steps = parse_work(text, &why);
  EXPECT_FALSE(steps.has_value()) << '"' << text << "\" was accepted";
  EXPECT_FALSE(why.empty()) << '"' << text << "\" has no reason";
  return why;
}

TEST(ParseWork, Busy) {
  const auto s = parse_ok("busy:2ms");
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].kind, Kind::Busy);
  EXPECT_EQ(s[0].duration, 2'000);
  EXPECT_EQ(s[0].repeat, 1u);
}

TEST(ParseWork, YieldWithAndWithoutDuration) {
  const auto s = parse_ok("yield, yield:1.5ms");
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].kind, Kind::Yield);
  EXPECT_EQ(s[0].duration, 0);
  EXPECT_EQ(s[1].kind, Kind::Yield);
  EXPECT_EQ(s[1].duration, 1'500);
}

TEST(ParseWork, Sleep) {
  const auto s = parse_ok("sleep:10s");
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].kind, Kind::Sleep);
  EXPECT_EQ(s[0].duration, 10 * kSecond);
}

TEST(ParseWork, WaitDefaultsToForever) {
  const auto s = parse_ok("wait,wait:250ms");
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].kind, Kind::Wait);
  EXPECT_EQ(s[0].duration, kNever);
  EXPECT_EQ(s[1].kind, Kind::Wait);
  EXPECT_EQ(s[1].duration, 250'000);
}

TEST(ParseWork, NotifyForms) {
  const auto s = parse_ok("notify:logger, notify:logger:42, notify:cam:16777215:255");
  ASSERT_EQ(s.size(), 3u);
  for (const WorkStep& st : s) EXPECT_EQ(st.kind, Kind::Notify);
  EXPECT_EQ(s[0].target, "logger");
  EXPECT_EQ(s[0].message, 0u);
  EXPECT_EQ(s[0].repeats, 0);
  EXPECT_EQ(s[1].target, "logger");
  EXPECT_EQ(s[1].message, 42u);
  EXPECT_EQ(s[1].repeats, 0);
  EXPECT_EQ(s[2].target, "cam");
  EXPECT_EQ(s[2].message, Notification::kMessageMax);
  EXPECT_EQ(s[2].repeats, 255);
}

TEST(ParseWork, Spin) {
  const auto s = parse_ok("spin");
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].kind, Kind::Spin);
}

TEST(ParseWork, Repeats) {
  const auto s = parse_ok("yield:1ms x5, busy:1ms  x2 ,notify:a:1 x3, wait x1");
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s[0].kind, Kind::Yield);
  EXPECT_EQ(s[0].duration, 1'000);
  EXPECT_EQ(s[0].repeat, 5u);
  EXPECT_EQ(s[1].kind, Kind::Busy);
  EXPECT_EQ(s[1].repeat, 2u);
  EXPECT_EQ(s[2].kind, Kind::Notify);
  EXPECT_EQ(s[2].target, "a");
  EXPECT_EQ(s[2].message, 1u);
  EXPECT_EQ(s[2].repeat, 3u);
  EXPECT_EQ(s[3].kind, Kind::Wait);
  EXPECT_EQ(s[3].duration, kNever);
  EXPECT_EQ(s[3].repeat, 1u);
}

TEST(ParseWork, CommaListKeepsOrderAndIgnoresSpaces) {
  const auto s = parse_ok("  busy:1ms ,\tsleep:10ms,yield  ,  spin ");
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s[0].kind, Kind::Busy);
  EXPECT_EQ(s[1].kind, Kind::Sleep);
  EXPECT_EQ(s[1].duration, 10'000);
  EXPECT_EQ(s[2].kind, Kind::Yield);
  EXPECT_EQ(s[3].kind, Kind::Spin);
}

TEST(ParseWork, EmptySteps) {
  EXPECT_EQ(parse_error(""), "empty work step");
  EXPECT_EQ(parse_error("   "), "empty work step");
  EXPECT_EQ(parse_error("busy:1ms,"), "empty work step");
  EXPECT_EQ(parse_error("busy:1ms,,spin"), "empty work step");
  EXPECT_EQ(parse_error(",busy:1ms"), "empty work step");
}

TEST(ParseWork, UnknownStepNamesIt) {
  const std::string why = parse_error("busy:1ms, nap:2ms");
  EXPECT_NE(why.find("unknown work step 'nap'"), std::string::npos) << why;
  EXPECT_NE(why.find("busy, yield, sleep, wait, notify or spin"), std::string::npos) << why;
  EXPECT_NE(parse_error("BUSY:1ms").find("unknown work step 'BUSY'"), std::string::npos);
}

TEST(ParseWork, StepsThatNeedADuration) {
  EXPECT_EQ(parse_error("busy"), "'busy' needs a duration, e.g. busy:2ms");
  EXPECT_EQ(parse_error("sleep:"), "'sleep' needs a duration, e.g. sleep:2ms");
}

TEST(ParseWork, BadDurationQuotesTheStep) {
  EXPECT_EQ(parse_error("busy:2"), "bad duration '2' in 'busy:2'");
  EXPECT_EQ(parse_error("sleep:ten"), "bad duration 'ten' in 'sleep:ten'");
  EXPECT_EQ(parse_error("wait:-1s"), "bad duration '-1s' in 'wait:-1s'");
  EXPECT_EQ(parse_error("yield:0.1us"), "bad duration '0.1us' in 'yield:0.1us'");
  EXPECT_EQ(parse_error("busy:2ms:3"), "bad duration '2ms:3' in 'busy:2ms:3'");
}

TEST(ParseWork, BadRepeatCount) {
  for (const char* bad : {"busy:1ms x0", "busy:1ms x", "busy:1ms x-1", "busy:1ms x2x", "busy:1ms x4294967296"}) {
    const std::string why = parse_error(bad);
    EXPECT_NE(why.find("bad repeat count in '" + std::string(bad) + "'"), std::string::npos) << why;
    EXPECT_NE(why.find("N >= 1"), std::string::npos) << why;
  }
  // Without the space the repeat is part of the duration, which is then malformed.
  EXPECT_EQ(parse_error("busy:1msx5"), "bad duration '1msx5' in 'busy:1msx5'");
}

TEST(ParseWork, NotifyNeedsATarget) {
  EXPECT_EQ(parse_error("notify"), "'notify' needs a task name, e.g. notify:logger:42");
  EXPECT_EQ(parse_error("notify:"), "'notify' needs a task name, e.g. notify:logger:42");
  EXPECT_EQ(parse_error("notify::5"), "'notify' needs a task name, e.g. notify:logger:42");
}

TEST(ParseWork, NotifyMessageIs24Bits) {
  for (const char* bad : {"notify:a:16777216", "notify:a:", "notify:a:-1", "notify:a:x"}) {
    const std::string why = parse_error(bad);
    EXPECT_NE(why.find("notification message must be 0..16777215 (24 bits) in '" + std::string(bad) + "'"),
              std::string::npos)
        << why;
  }
}

TEST(ParseWork, NotifyRepeatsAre8Bits) {
  for (const char* bad : {"notify:a:1:256", "notify:a:1:", "notify:a:1:-1", "notify:a:1:2:3"}) {
    const std::string why = parse_error(bad);
    EXPECT_NE(why.find("notification repeats must be 0..255 (8 bits) in '" + std::string(bad) + "'"),
              std::string::npos)
        << why;
  }
}

TEST(ParseWork, SpinTakesNoArgument) {
  EXPECT_EQ(parse_error("spin:1ms"), "'spin' takes no argument");
}

TEST(ParseWork, FirstBadStepDecides) {
  // A later error is not reported over an earlier one.
  EXPECT_EQ(parse_error("busy, spin:1"), "'busy' needs a duration, e.g. busy:2ms");
}

}  // namespace
}  // namespace dyn::cli
