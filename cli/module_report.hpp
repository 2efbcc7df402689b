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

// Unloads and removes the --with modules an inspection installed as
// "with0".."with<count-1>", last first (importers before what they import).
void unload_with_modules(TaskRegister& reg, ModuleLoader& loader, std::size_t count);

// `dynsched inspect`: what the runtime will do with an object. Returns the
// process exit code (0: the runtime would accept it).
int inspect_module(const std::string& path, const std::vector<std::string>& with, std::string* out);

}  // namespace dyn::cli
