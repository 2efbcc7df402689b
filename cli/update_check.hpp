// update_check.hpp — `dynsched inspect NEW.o --update-from OLD.o`: before
// anything is uplinked, whether the new version can take over from the
// installed one, and why not, with the same rules the update manager applies
// on board (descriptor name, state schema and size against the hooks,
// exports importers use) plus the probation the mission gives it against the
// task's interval.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "dyn/module_loader.hpp"

namespace dyn::cli {

struct UpdateCheckOptions {
  std::string new_path;
  std::string old_path;
  std::vector<std::string> with;         // modules both versions import from
  std::vector<std::string> importers;    // modules that import from this one (relinked to the new version)
  std::string mission_path;              // optional: the mission whose task runs the old version
  std::string task;                      // optional: which task (default: the one whose module is OLD)
  std::vector<std::string> module_path;  // where the mission's bare module names are looked up
};

// What the runtime reads of a module's descriptor and export table: for a
// host object from linking it on the host (constructors not run), for a
// Cortex-M object from its bytes (module_facts_arm.hpp).
struct ModuleFacts {
  std::string path;
  TargetArch arch = TargetArch::X86_64;  // the machine the object is for (EM_X86_64 or EM_ARM)
  std::string name;
  std::uint32_t version = 0, state_size = 0, schema = 0;
  bool entry = false, checkpoint = false, restore = false;
  std::set<std::string> exports;
};
// Reads `path`'s descriptor and exports: a host object is linked after the
// --with modules it imports from; a Cortex-M object is read statically (its
// imports do not matter to its facts, so --with is not used). Empty on
// success, else why not.
std::string read_module_facts(const std::string& path, const std::vector<std::string>& with, ModuleFacts* f);

// Appends the report to *out; returns the exit code: 0 if the update would
// be taken, 1 if something in it would be refused or roll back (each problem
// says why and what to do), 2 for unreadable input.
int check_update(const UpdateCheckOptions& o, std::string* out);

}  // namespace dyn::cli
