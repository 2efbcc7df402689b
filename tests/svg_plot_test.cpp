// svg_plot_test.cpp — the mission plot (cli/svg_plot.cpp): update marks at
// their times on their task's row, a legend of what the picture uses, labels
// inside the picture, and memory bounded by pixels, not by events.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "svg_plot.hpp"

namespace dyn::cli {
namespace {

std::string written(const Plot& plot, const host::PowerConfig* power = nullptr, const std::string& title = "t") {
  // One file per test: CTest runs the tests of this binary in parallel processes.
  const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string path = ::testing::TempDir() + "svg_plot_test_" + test->test_suite_name() + "_" + test->name() + ".svg";
  EXPECT_TRUE(plot.write(path, title, power));
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  std::remove(path.c_str());
  return s.str();
}

int count(const std::string& text, const std::string& needle) {
  int n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

double attribute(const std::string& element, const std::string& name) {
  std::smatch m;
  if (!std::regex_search(element, m, std::regex(" " + name + "=\"([-0-9.]+)\""))) return -1e9;
  return std::stod(m[1]);
}

// The elements (one per line) whose text contains `needle`.
std::vector<std::string> lines_with(const std::string& svg, const std::string& needle) {
  std::vector<std::string> out;
  std::istringstream in(svg);
  for (std::string line; std::getline(in, line);)
    if (line.find(needle) != std::string::npos) out.push_back(line);
  return out;
}

constexpr Time kDay = 24 * kHour;

TEST(SvgPlot, UpdateOutcomesAreMarkedAtTheirTimeOnTheTasksRow) {
  Plot plot(kDay, 1200);
  plot.run("adcs", 0, kSecond);
  plot.run("beacon", 0, kSecond);
  plot.update("beacon", UpdateStep::Staged, 6 * kHour, "staged");  // not an outcome: no mark
  plot.update("beacon", UpdateStep::Committed, 6 * kHour, "update beacon v1 -> v2: committed");
  plot.update("beacon", UpdateStep::RolledBack, 12 * kHour, "rolled back");
  plot.update("beacon", UpdateStep::Aborted, 18 * kHour, "aborted");
  plot.update_refused("beacon", 20 * kHour, "refused: no such module");
  const std::string svg = written(plot);
  const auto marks = lines_with(svg, "<g class=\"mark ");
  ASSERT_EQ(marks.size(), 4u) << svg;
  const auto beacon = lines_with(svg, ">beacon</text>");
  ASSERT_EQ(beacon.size(), 1u);
  const double row_top = attribute(beacon[0], "y") - 12, left = 170;
  const struct {
    const char* cls;
    Time t;
  } want[] = {{"update-committed", 6 * kHour},
              {"update-rolled-back", 12 * kHour},
              {"update-rolled-back", 18 * kHour},
              {"update-refused", 20 * kHour}};
  for (std::size_t i = 0; i < 4; ++i) {
    std::smatch m;
    ASSERT_TRUE(std::regex_search(marks[i], m, std::regex("translate\\(([-0-9.]+) ([-0-9.]+)\\)")));
    EXPECT_NE(marks[i].find(want[i].cls), std::string::npos) << marks[i];
    EXPECT_NEAR(std::stod(m[1]), left + static_cast<double>(want[i].t) / kDay * 1200, 0.1) << marks[i];
    EXPECT_GT(std::stod(m[2]), row_top);
    EXPECT_LT(std::stod(m[2]), row_top + 18);
  }
  EXPECT_NE(svg.find("<title>06:00:00.000 update beacon v1 -&gt; v2: committed</title>"), std::string::npos);
  // Each outcome also draws a line across the chart and the timeline.
  EXPECT_EQ(count(svg, "class=\"update-rolled-back-line\""), 2);
}

TEST(SvgPlot, TheLegendListsWhatThePictureUsesAndNothingElse) {
  Plot bare(kHour, 600);
  bare.run("a", 0, kSecond);
  const std::string plain = written(bare);
  EXPECT_NE(plain.find(">task ran (1 px = 6s)</text>"), std::string::npos) << plain;
  for (const char* absent : {"battery charge</text></g>", "eclipse</text>", "held for power", "stopped by its watchdog",
                             "update committed", "update rolled back", "update refused"})
    EXPECT_EQ(plain.find(absent), std::string::npos) << absent;

  Plot full(kHour, 600);
  const host::PowerConfig power{};
  full.charge(0, 80);
  full.run("a", 0, kSecond);
  full.held("b", kMinute, 2 * kMinute);
  full.stop("a", kMinute);
  full.update("a", UpdateStep::Committed, kMinute, "");
  full.update("a", UpdateStep::Aborted, 2 * kMinute, "");
  full.update_refused("a", 3 * kMinute, "");
  const std::string svg = written(full, &power);
  EXPECT_EQ(count(svg, "<g class=\"legend\">"), 9) << svg;
  for (const char* entry : {">battery charge</text></g>", ">low charge (", ">eclipse</text>", ">task ran (1 px = ",
                            ">scenario held for power</text>", ">stopped by its watchdog or a fault</text>",
                            ">update committed</text>", ">update rolled back or aborted</text>",
                            ">update refused</text>"})
    EXPECT_NE(svg.find(entry), std::string::npos) << entry;
}

TEST(SvgPlot, AMarkForAGoneTaskSitsAboveTheTimeline) {
  Plot plot(kHour, 600);
  plot.run("a", 0, kSecond);
  plot.update("", UpdateStep::RolledBack, kMinute, "gone");
  const std::string svg = written(plot);
  const auto marks = lines_with(svg, "<g class=\"mark ");
  ASSERT_EQ(marks.size(), 1u);
  const double first_row = attribute(lines_with(svg, ">a</text>")[0], "y") - 12;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(marks[0], m, std::regex("translate\\([-0-9.]+ ([-0-9.]+)\\)")));
  EXPECT_LT(std::stod(m[1]), first_row);
  EXPECT_EQ(count(svg, "class=\"task\""), 1);  // no row for the nameless
}

TEST(SvgPlot, NoLabelIsCutAtTheEdges) {
  Plot plot(7 * kDay, 1200);
  const std::string long_name(31, 'W');  // the longest task name, of the widest letter
  plot.run(long_name, 0, kSecond);
  const std::string title(120, 'M');
  const std::string svg = written(plot, nullptr, title);
  const double width = attribute(lines_with(svg, "<svg ")[0], "width");
  const auto axis = lines_with(svg, "class=\"axis\"");
  ASSERT_EQ(axis.size(), 9u);
  // The last label is centred on the axis's end; even anchored at its start it fits.
  EXPECT_NE(axis.back().find(">7d00:00:00<"), std::string::npos) << axis.back();
  EXPECT_LE(attribute(axis.back(), "x") + estimate_text_width("7d00:00:00", 12), width);
  const auto name = lines_with(svg, ">" + long_name + "<");
  ASSERT_EQ(name.size(), 1u);
  EXPECT_GE(attribute(name[0], "x") - estimate_text_width(long_name, 12), 0);
  EXPECT_LE(attribute(lines_with(svg, "class=\"title\"")[0], "x") + estimate_text_width(title, 15, true), width);
  const auto legend = lines_with(svg, "<g class=\"legend\">");
  ASSERT_FALSE(legend.empty());
  EXPECT_LE(attribute(legend[0], "y"), attribute(lines_with(svg, "<svg ")[0], "height"));
}

TEST(SvgPlot, TextIsEscaped) {
  Plot plot(kHour, 100);
  plot.run("a<b&c", 0, kSecond);
  const std::string svg = written(plot, nullptr, "x \"y\"");
  EXPECT_NE(svg.find(">a&lt;b&amp;c</text>"), std::string::npos);
  EXPECT_NE(svg.find(">x &quot;y&quot;</text>"), std::string::npos);
}

TEST(SvgPlot, ManyEventsInOnePixelDrawOnce) {
  Plot plot(kHour, 100);  // 36 s a pixel
  for (int i = 0; i < 10000; ++i) {
    plot.stop("a", i);
    plot.update("a", UpdateStep::RolledBack, i, "again");
    plot.update_refused("a", i, "again");
  }
  const std::string svg = written(plot);
  EXPECT_EQ(count(svg, "class=\"stop\""), 1);
  EXPECT_EQ(count(svg, "<g class=\"mark "), 2);
}

TEST(SvgPlot, TextWidthEstimateGrowsWithTextAndSize) {
  EXPECT_EQ(estimate_text_width("", 12), 0);
  EXPECT_LT(estimate_text_width("iii", 12), estimate_text_width("mmm", 12));
  EXPECT_LT(estimate_text_width("abc", 12), estimate_text_width("abc", 15));
  EXPECT_LT(estimate_text_width("abc", 12), estimate_text_width("abc", 12, true));
  EXPECT_GE(estimate_text_width("00:00:00", 12), 8 * 0.55 * 12);  // DejaVu Sans digits are 0.64 em
}

}  // namespace
}  // namespace dyn::cli
