// fault_demo.cpp — an image whose main divides by zero outside any task:
// not a task's fault, so the UsageFault's record is printed and the run ends
// (test fault_record_mps2_an385; a module task's fault is contained instead,
// modules_demo.cpp).
#include "board.hpp"

int main() {
  dyn::mps2::uart_write("dividing by zero\n");
  volatile int zero = 0;
  volatile int one = 1;
  return one / zero;
}
