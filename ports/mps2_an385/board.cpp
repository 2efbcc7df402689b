// board.cpp — UART0 (ARM CMSDK APB UART) and semihosting on MPS2 AN385.
#include "board.hpp"

#include <cstddef>

namespace dyn::mps2 {

namespace {

constexpr std::uint32_t kUart0 = 0x40004000;
constexpr std::uint32_t kData = 0x0, kState = 0x4, kCtrl = 0x8, kBaudDiv = 0x10;
constexpr std::uint32_t kTxFull = 0x1, kTxEnable = 0x1;

volatile std::uint32_t& uart(std::uint32_t offset) noexcept {
  return *reinterpret_cast<volatile std::uint32_t*>(kUart0 + offset);
}

void put(char c) noexcept {
  while (uart(kState) & kTxFull) {
  }
  uart(kData) = static_cast<std::uint8_t>(c);
}

}  // namespace

void uart_init() noexcept {
  uart(kBaudDiv) = 16;  // the least divider the CMSDK UART accepts; QEMU ignores the rate
  uart(kCtrl) = kTxEnable;
}

void uart_write(const char* text, std::size_t length) noexcept {
  for (std::size_t i = 0; i < length; ++i) {
    if (text[i] == '\n') put('\r');
    put(text[i]);
  }
}

void uart_write(const char* text) noexcept {
  std::size_t n = 0;
  while (text[n]) ++n;
  uart_write(text, n);
}

// Decimal digits by subtracting powers of ten (built by multiplying up): a
// 64-bit "% 10" and "/ 10" would link libgcc's 64-bit division, 864 bytes,
// into every image for the sake of a console number.
void uart_write_unsigned(std::uint64_t value) noexcept {
  std::uint64_t powers[20];  // 10^0 .. 10^19, the largest that fits
  powers[0] = 1;
  for (std::size_t i = 1; i < 20; ++i) powers[i] = powers[i - 1] * 10;
  char out[20];
  std::size_t n = 0;
  for (std::size_t i = 20; i-- > 0;) {
    char digit = '0';
    while (value >= powers[i]) {
      value -= powers[i];
      ++digit;
    }
    if (n != 0 || digit != '0' || i == 0) out[n++] = digit;
  }
  uart_write(out, n);
}

void uart_write_hex(std::uint32_t value) noexcept {
  char out[10] = {'0', 'x'};
  for (int i = 0; i < 8; ++i) out[2 + i] = "0123456789abcdef"[(value >> (28 - 4 * i)) & 0xF];
  uart_write(out, 10);
}

[[noreturn]] void exit_with(bool passed) noexcept {
  // SYS_EXIT (0x18) with ADP_Stopped_ApplicationExit (0x20026) is a clean
  // exit (status 0); any other reason makes QEMU exit with status 1.
  register std::uint32_t op asm("r0") = 0x18;
  register std::uint32_t reason asm("r1") = passed ? 0x20026u : 0x20024u;
  asm volatile("bkpt 0xab" : : "r"(op), "r"(reason) : "memory");
  for (;;) asm volatile("wfi");
}

}  // namespace dyn::mps2
