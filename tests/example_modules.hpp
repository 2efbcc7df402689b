// example_modules.hpp — where a test finds the example modules the build
// made (DYN_MODULES_DIR), and whether their Cortex-M3 builds exist
// (DYN_CORTEX_M3_MODULES: 1 when arm-none-eabi-gcc built them).
#pragma once

#include <string>

#ifndef DYN_MODULES_DIR
#error "DYN_MODULES_DIR must name the directory of the example modules"
#endif
#ifndef DYN_CORTEX_M3_MODULES
#error "DYN_CORTEX_M3_MODULES must say whether the Cortex-M3 modules are built (1) or not (0)"
#endif

namespace dyn::test {

// DYN_MODULES_DIR/dir/name.o
inline std::string example_module(const std::string& dir, const std::string& name) {
  return std::string(DYN_MODULES_DIR) + "/" + dir + "/" + name + ".o";
}

}  // namespace dyn::test
