// cxx_runtime.cpp — the two C++ runtime hooks a freestanding image needs:
// a pure virtual call and a failed stack protector both end the run loudly.
#include "board.hpp"

extern "C" void __cxa_pure_virtual() {
  dyn::mps2::uart_write("\npure virtual call\n");
  dyn::mps2::exit_with(false);
}
