// fuzz_system.hpp — what the fuzz targets that boot, restore and link need:
// a ticking kernel with the task manager over host module memory
// (host::ModuleSystem) and the example modules' objects.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "dyn/flash.hpp"
#include "dyn/module_store.hpp"
#include "host_module_system.hpp"

#ifndef DYN_FUZZ_MODULES_DIR
#error "DYN_FUZZ_MODULES_DIR must name the directory of the example modules' objects"
#endif

namespace dyn::fuzz {

// The geometry boot_fuzz boots from (its seeds are written on it).
inline constexpr FlashGeometry kBootGeometry{1024, 16, 8};

// modules/<dir>/<name>.o from the build; the target stops at start-up if it is missing.
inline std::vector<std::byte> module_object(const char* dir, const char* name) {
  const std::string path = std::string(DYN_FUZZ_MODULES_DIR) + "/" + dir + "/" + name + ".o";
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    std::fprintf(stderr, "fuzz target: cannot open %s (build the example modules first)\n", path.c_str());
    std::abort();
  }
  std::vector<std::byte> bytes;
  std::byte buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, f)) > 0;) bytes.insert(bytes.end(), buffer, buffer + n);
  std::fclose(f);
  return bytes;
}

// A kernel with real ticks (a hang in module code must be stopped), the task
// manager and module memory.
inline KernelConfig ticking_config() {
  KernelConfig c;
  c.time_slice = 0;
  c.preemption_ticks = true;
  return c;
}

struct System : host::ModuleSystem {
  System() : host::ModuleSystem(16, ticking_config()) {}
  // Installs the real mathlib as a job task (what beacon imports from); the fixture stops if it cannot.
  RegisterEntry* install_mathlib(std::span<const std::byte> image) {
    ModuleTaskSpec lib;
    lib.task.name = "mathlib";
    lib.task.interval = 10 * kSecond;
    lib.task.priority = 2;
    auto e = tasks->install(image, lib, scratch_for(image));
    if (!e) __builtin_trap();
    return e.value();
  }
};

}  // namespace dyn::fuzz
