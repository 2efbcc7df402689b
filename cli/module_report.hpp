// module_report.hpp — what the host says about modules: load errors in words, `dynsched inspect`.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "dyn/task_manager.hpp"
#include "input_file.hpp"

namespace dyn::cli {

// An install error in words, naming the symbol, section, relocation type and
// offset it is about (looked up in `image`), and what the user can do.
std::string describe(const InstallError& e, std::span<const std::byte> image);

// The register name a --with module is installed under for the tools: its
// file name (what a message about it then names), unique among `with`.
std::string with_entry_name(const std::vector<std::string>& with, std::size_t i);
// Unloads and removes the --with modules an inspection installed under those
// names, last first (importers before what they import).
void unload_with_modules(TaskRegister& reg, ModuleLoader& loader, const std::vector<std::string>& with);

// `dynsched inspect`: what the runtime will do with an object. Returns the
// process exit code (0: the runtime would accept it).
int inspect_module(const std::string& path, const std::vector<std::string>& with, std::string* out);

}  // namespace dyn::cli
