// fault_demo.cpp — an image whose main divides by zero: the UsageFault must
// be caught and its record printed (test fault_record_mps2_an385). Until
// tasks run on their own MPU regions, a fault ends the run (issue 13, part 2).
#include "board.hpp"

int main() {
  dyn::mps2::uart_write("dividing by zero\n");
  volatile int zero = 0;
  volatile int one = 1;
  return one / zero;
}
