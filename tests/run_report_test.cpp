// run_report_test.cpp — what `dynsched run` prints at the end (cli/mission_runner.cpp):
// one line per file the run wrote.
#include <gtest/gtest.h>

#include <string>

#include "mission_runner.hpp"

namespace dyn::cli {
namespace {

TEST(RunReport, EveryWrittenFileHasOneLine) {
  RunReport r;
  EXPECT_EQ(format_written(r), "");
  r.written = {{"trace", "t.json", "Chrome trace"}, {"plot", "p.svg", "SVG"}};
  EXPECT_EQ(format_written(r), "\nfiles written:\n  trace: t.json (Chrome trace)\n  plot: p.svg (SVG)\n");
}

}  // namespace
}  // namespace dyn::cli
