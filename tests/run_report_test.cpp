// run_report_test.cpp — what `dynsched run` prints at the end (cli/mission_runner.cpp):
// the task table's column legend, the mission's notes on intended watchdog
// stops, and one line per file the run wrote.
#include <gtest/gtest.h>

#include <string>

#include "mission_runner.hpp"

namespace dyn::cli {
namespace {

RunReport report_with(std::string policy, std::vector<std::string> placements) {
  RunReport r;
  r.mission = "m";
  r.policy = std::move(policy);
  r.mission_time = kHour;
  for (std::size_t i = 0; i < placements.size(); ++i) {
    TaskRow row;
    row.name = "t" + std::to_string(i);
    row.placement = placements[i];
    r.rows.push_back(row);
  }
  return r;
}

TEST(RunReport, TheLegendExplainsEveryColumnOfTheTable) {
  const std::string s = format_summary(report_with("multilevel", {"L1", "L6"}));
  const auto legend = s.find("\ncolumns:\n");
  ASSERT_NE(legend, std::string::npos) << s;
  for (const char* column : {"task", "module", "where", "interval", "watchdog", "runs", "switches", "kills", "preempt",
                             "cpu, cpu%", "late max, late avg", "stack", "state"})
    EXPECT_NE(s.find("\n  " + std::string(column) + " ", legend), std::string::npos) << column;
  // Every column header of the table has its line.
  const std::string header = s.substr(s.find("task "), s.find('\n', s.find("task ")) - s.find("task "));
  for (const char* h : {"task", "module", "where", "interval", "watchdog", "runs", "switches", "kills", "preempt",
                        "cpu", "cpu%", "late max", "late avg", "stack", "state"})
    EXPECT_NE(header.find(h), std::string::npos) << h;
}

TEST(RunReport, TheWhereLineNamesOnlyThePlacementsShown) {
  const std::string levels = format_summary(report_with("multilevel", {"L1", "L5"}));
  EXPECT_NE(levels.find("L<n> = level n of 6 (L1 runs first)"), std::string::npos) << levels;
  EXPECT_EQ(levels.find("onetime ="), std::string::npos);
  EXPECT_EQ(levels.find("scen ="), std::string::npos);
  const std::string all = format_summary(report_with("multilevel", {"L1", "onetime", "L4 scen"}));
  EXPECT_NE(all.find("; onetime = runs once, after level 6"), std::string::npos) << all;
  EXPECT_NE(all.find("; scen = woken by the meta-scheduler"), std::string::npos);
  EXPECT_NE(format_summary(report_with("priority", {"P5"})).find("P<n> = priority n (31 runs first)"),
            std::string::npos);
  EXPECT_NE(format_summary(report_with("round_robin", {"P1"})).find("P<n> = priority n (kept; round robin"),
            std::string::npos);
  EXPECT_NE(format_summary(report_with("lottery", {"T10"})).find("T<n> = n lottery tickets"), std::string::npos);
}

TEST(RunReport, IntendedWatchdogStopsAreSaidSo) {
  RunReport r = report_with("multilevel", {"L5", "L5", "L2"});
  r.rows[0].expect_watchdog = true;
  r.rows[0].note = "spins on purpose";
  r.rows[0].stats.watchdog_kills = 12;
  r.rows[1].expect_watchdog = true;
  r.rows[1].note = "should hang";
  r.rows[2].note = "just a note";
  const std::string s = format_summary(r);
  EXPECT_NE(s.find("\nnotes from the mission file:\n"), std::string::npos) << s;
  EXPECT_NE(s.find("  t0: stopped by its watchdog 12 times, as intended (expect = \"watchdog\"): spins on purpose\n"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("  t1: expected to be stopped by its watchdog (expect = \"watchdog\"), but never was: should hang\n"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("  t2: just a note\n"), std::string::npos);
  EXPECT_EQ(format_summary(report_with("multilevel", {"L1"})).find("notes from the mission file"), std::string::npos);
}

TEST(RunReport, EveryWrittenFileHasOneLine) {
  RunReport r;
  EXPECT_EQ(format_written(r), "");
  r.written = {{"trace", "t.json", "Chrome trace"}, {"plot", "p.svg", "SVG"}};
  EXPECT_EQ(format_written(r), "\nfiles written:\n  trace: t.json (Chrome trace)\n  plot: p.svg (SVG)\n");
}

}  // namespace
}  // namespace dyn::cli
