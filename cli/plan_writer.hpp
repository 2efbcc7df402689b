// plan_writer.hpp — `dynsched compile`: a mission file turned into the C++
// tables a flight image is built with (dyn/mission_plan.hpp).
//
// The same vocabulary as `dynsched run`; what a flight image cannot do yet
// is refused with the reason (docs/mission-file.md "Compiled into an image").
#pragma once

#include <map>
#include <string>
#include <vector>

#include "mission.hpp"

namespace dyn::cli {

struct PlanOptions {
  std::map<std::string, std::string> modules;  // a module name the file uses -> the object built for the target
  std::string target = "cortex-m3";            // the architecture every object must be for
  std::size_t system_stack = 8 * 1024;         // os.housekeeping's and os.update's stack
  Time duration = 0;                           // 0: the file's
};

// The generated source, or empty with *why set.
std::string write_mission_plan(const Mission& m, const PlanOptions& o, std::string* why);

// `dynsched compile MISSION --module NAME=FILE.o ... [--for D] -o OUT.cpp`:
// 0 and a line saying what was written, or 1/2 and why not in *out.
int compile_command(const std::string& mission_path, const std::vector<std::string>& modules,
                    const std::string& for_text, const std::string& out_path, PlanOptions o, std::string* out);

}  // namespace dyn::cli
