// update_check_test.cpp — `dynsched inspect NEW.o --update-from OLD.o`: the
// verdict before uplinking agrees with what the update manager does on board
// (update_test.cpp runs the same pairs live).
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "example_modules.hpp"
#include "update_check.hpp"


namespace dyn::cli {
namespace {

std::string module(const std::string& dir, const std::string& name) { return test::example_module(dir, name); }
std::string program(const std::string& name) { return std::string(DYN_TEST_PROGRAMS_DIR) + "/" + name + ".o"; }

struct Verdict {
  int status;
  std::string text;
};
UpdateCheckOptions pair(const std::string& new_path, const std::string& old_path, std::vector<std::string> with = {}) {
  UpdateCheckOptions o;
  o.new_path = new_path;
  o.old_path = old_path;
  o.with = std::move(with);
  return o;
}

Verdict check(const UpdateCheckOptions& o) {
  Verdict v{0, {}};
  v.status = check_update(o, &v.text);
  return v;
}

TEST(UpdateCheck, ANewLayoutWithARestoreHookCanReplaceTheInstalledVersion) {
  const Verdict v = check(pair(module("beacon", "beacon_v2"), module("beacon", "beacon"), {module("mathlib", "mathlib")}));
  EXPECT_EQ(v.status, 0) << v.text;
  EXPECT_NE(v.text.find("installed: schema 1, 24 B, no checkpoint hook; new: schema 2, 32 B, restore hook"),
            std::string::npos)
      << v.text;
  EXPECT_NE(v.text.find("restore hook gets its state as it is (24 B) with from_schema = 1"), std::string::npos);
  EXPECT_NE(v.text.find("update verdict: can replace the installed version"), std::string::npos);
}

TEST(UpdateCheck, AnotherLayoutWithoutARestoreHookIsAProblemWithBothSchemas) {
  const Verdict v = check(pair(program("counter_v3"), program("counter_v1")));
  EXPECT_EQ(v.status, 1) << v.text;
  EXPECT_NE(v.text.find("PROBLEM  state: the new version has no restore hook, and the installed state (schema 1, 8 B) "
                        "is not of its schema 3, 8 B"),
            std::string::npos)
      << v.text;
  const Verdict same = check(pair(program("counter_v2"), program("counter_v1")));
  EXPECT_EQ(same.status, 0) << same.text;
  EXPECT_NE(same.text.find("same schema and size: copied as it is"), std::string::npos);
}

TEST(UpdateCheck, ADescriptorNamingAnotherModuleIsAProblemUnlessTheMissionSaysRename) {
  const Verdict v = check(pair(program("tally_v2"), program("counter_v1")));
  EXPECT_EQ(v.status, 1) << v.text;
  EXPECT_NE(v.text.find("names \"tally\", the installed one is \"counter\""), std::string::npos) << v.text;

  const std::string mission = testing::TempDir() + "update_check_rename.toml";
  std::ofstream(mission) << "[scheduler]\npolicy = \"priority\"\n[[task]]\nname = \"counter\"\nmodule = \""
                         << program("counter_v1") << "\"\nmodel = \"loop\"\npriority = 2\n"
                         << "[[update]]\nat = \"1m\"\ntask = \"counter\"\nmodule = \"" << program("tally_v2")
                         << "\"\nrename = true\n";
  UpdateCheckOptions o = pair(program("tally_v2"), program("counter_v1"));
  o.mission_path = mission;
  const Verdict renamed = check(o);
  std::remove(mission.c_str());
  EXPECT_EQ(renamed.status, 0) << renamed.text;
  EXPECT_NE(renamed.text.find("counter -> tally, a rename the [[update]] declares"), std::string::npos) << renamed.text;
  EXPECT_NE(renamed.text.find("task counter is a loop"), std::string::npos) << renamed.text;
}

TEST(UpdateCheck, AnExportAnImporterUsesMustSurvive) {
  UpdateCheckOptions o = pair(module("mathlib", "mathlib_v3"), module("mathlib", "mathlib"));
  const Verdict unnamed = check(o);
  EXPECT_EQ(unnamed.status, 0) << "without importers it is only a note: " << unnamed.text;
  EXPECT_NE(unnamed.text.find("no longer exports mathlib_crc16"), std::string::npos) << unnamed.text;
  o.importers = {module("beacon", "beacon")};
  const Verdict v = check(o);
  EXPECT_EQ(v.status, 1) << v.text;
  EXPECT_NE(v.text.find("beacon.o imports mathlib_crc16, which the new version no longer exports"), std::string::npos)
      << v.text;
}

TEST(UpdateCheck, AProbationTheTasksIntervalCannotPassIsAProblemWithTheNumbers) {
  const std::string mission = testing::TempDir() + "update_check_probation.toml";
  const auto write = [&](const char* probation) {
    std::ofstream(mission) << "[scheduler]\npolicy = \"priority\"\n"
                           << "[[task]]\nname = \"mathlib\"\nmodule = \"" << module("mathlib", "mathlib")
                           << "\"\npriority = 3\ninterval = \"1h\"\n"
                           << "[[task]]\nname = \"beacon\"\nmodule = \"" << module("beacon", "beacon")
                           << "\"\npriority = 2\ninterval = \"1m\"\n"
                           << "[[update]]\nat = \"1h\"\ntask = \"beacon\"\nmodule = \"" << module("beacon", "beacon_v2")
                           << "\"\n"
                           << probation;
  };
  UpdateCheckOptions o = pair(module("beacon", "beacon_v2"), module("beacon", "beacon"), {module("mathlib", "mathlib")});
  o.mission_path = mission;
  write("probation = \"1m\"\n");
  const Verdict tight = check(o);
  EXPECT_EQ(tight.status, 1) << tight.text;
  EXPECT_NE(tight.text.find("PROBLEM  probation: 3 consistent points within 1m"), std::string::npos) << tight.text;
  EXPECT_NE(tight.text.find("task beacon runs every 1m: at most 0 points surely fit"), std::string::npos) << tight.text;
  EXPECT_NE(tight.text.find("Give probation at least 4m"), std::string::npos) << tight.text;
  write("probation = \"3m\"\n");  // exactly 3 intervals: the 3rd point lands at the very end
  const Verdict edge = check(o);
  EXPECT_EQ(edge.status, 1) << edge.text;
  EXPECT_NE(edge.text.find("at most 2 points surely fit"), std::string::npos) << edge.text;
  write("");  // the default follows the interval
  const Verdict derived = check(o);
  std::remove(mission.c_str());
  EXPECT_EQ(derived.status, 0) << derived.text;
  EXPECT_NE(derived.text.find("ok       probation: 3 consistent points within 4m"), std::string::npos) << derived.text;
}

// With --mission, the mission's other tasks are importers without being named.
TEST(UpdateCheck, TheMissionsOwnTasksAreImportersWithoutNamingThem) {
  const std::string mission = testing::TempDir() + "update_check_importers.toml";
  std::ofstream(mission) << "[scheduler]\npolicy = \"priority\"\n"
                         << "[[task]]\nname = \"mathlib\"\nmodule = \"" << module("mathlib", "mathlib")
                         << "\"\npriority = 3\ninterval = \"1h\"\n"
                         << "[[task]]\nname = \"beacon\"\nmodule = \"" << module("beacon", "beacon")
                         << "\"\npriority = 2\ninterval = \"1m\"\n";
  UpdateCheckOptions o = pair(module("mathlib", "mathlib_v3"), module("mathlib", "mathlib"));
  o.mission_path = mission;
  const Verdict v = check(o);
  std::remove(mission.c_str());
  EXPECT_EQ(v.status, 1) << v.text;
  EXPECT_NE(v.text.find("beacon.o imports mathlib_crc16, which the new version no longer exports"), std::string::npos)
      << v.text;
}

TEST(UpdateCheck, UnreadableInputIsRefusedWithAReason) {
  const Verdict missing = check(pair(module("beacon", "beacon_v2"), "/nonexistent/old.o"));
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.text.find("/nonexistent/old.o"), std::string::npos) << missing.text;
}

#define SKIP_WITHOUT_CORTEX_M3()                                                                          \
  if (!DYN_CORTEX_M3_MODULES)                                                                             \
  GTEST_SKIP() << "no Cortex-M3 modules: arm-none-eabi-gcc, -g++ or -ld was not found when configuring, " \
                  "so modules/*/CMakeLists.txt built no *_m3.o"

// Cortex-M objects are read from their bytes (module_facts_arm_test.cpp): the
// same pairs give the same verdicts as their host builds above.
TEST(UpdateCheck, CortexMVersionsAreCheckedLikeTheirHostBuilds) {
  SKIP_WITHOUT_CORTEX_M3();
  const Verdict v = check(pair(module("beacon", "beacon_v2_m3"), module("beacon", "beacon_m3"),
                               {module("mathlib", "mathlib_m3")}));
  EXPECT_EQ(v.status, 0) << v.text;
  EXPECT_NE(v.text.find("(beacon v1) to "), std::string::npos) << v.text;
  EXPECT_NE(v.text.find("installed: schema 1, 24 B, no checkpoint hook; new: schema 2, 32 B, restore hook"),
            std::string::npos)
      << v.text;
  EXPECT_NE(v.text.find("update verdict: can replace the installed version"), std::string::npos) << v.text;

  UpdateCheckOptions o = pair(module("mathlib", "mathlib_v3_m3"), module("mathlib", "mathlib_m3"));
  o.importers = {module("beacon", "beacon_m3")};
  const Verdict gone = check(o);
  EXPECT_EQ(gone.status, 1) << gone.text;
  EXPECT_NE(gone.text.find("beacon_m3.o imports mathlib_crc16, which the new version no longer exports"),
            std::string::npos)
      << gone.text;
}

// What the runtime would refuse, the check refuses too: a library without an
// entry runs no task to update in, and a Cortex-M importer cannot be relinked.
TEST(UpdateCheck, ALibraryWithoutAnEntryAndACortexMImporterAreProblems) {
  const Verdict lib = check(pair(program("ctor_library"), program("ctor_library")));
  EXPECT_EQ(lib.status, 1) << lib.text;
  EXPECT_NE(lib.text.find("is a library (entry NULL), which runs no task"), std::string::npos) << lib.text;
  SKIP_WITHOUT_CORTEX_M3();
  UpdateCheckOptions o = pair(module("mathlib", "mathlib_v2_m3"), module("mathlib", "mathlib_m3"));
  o.importers = {module("beacon", "beacon_m3")};
  const Verdict m3 = check(o);
  EXPECT_EQ(m3.status, 1) << m3.text;
  EXPECT_NE(m3.text.find("a Cortex-M importer cannot be relinked"), std::string::npos) << m3.text;
  o.importers.clear();
  EXPECT_EQ(check(o).status, 0) << "without importers the library's own update is fine";
}

TEST(UpdateCheck, AVersionForAnotherMachineIsAProblem) {
  SKIP_WITHOUT_CORTEX_M3();
  const Verdict v = check(pair(module("beacon", "beacon_v2"), module("beacon", "beacon_m3"),
                               {module("mathlib", "mathlib")}));
  EXPECT_EQ(v.status, 1) << v.text;
  EXPECT_NE(v.text.find("PROBLEM  machine: the installed version is built for Cortex-M (ARM, TARGET cortex-m3), the "
                        "new one for the host (x86-64)"),
            std::string::npos)
      << v.text;
  const Verdict same = check(pair(module("beacon", "beacon_v2"), module("beacon", "beacon"),
                                  {module("mathlib", "mathlib")}));
  EXPECT_EQ(same.text.find("machine:"), std::string::npos) << same.text;
}

}  // namespace
}  // namespace dyn::cli
