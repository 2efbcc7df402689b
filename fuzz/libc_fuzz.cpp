// libc_fuzz.cpp — libFuzzer target: the modules' C runtime against glibc.
//
// strtod reads whatever text a module hands it (a line from the ground, a
// parameter file); snprintf formats whatever values it holds. Both are the
// runtime's own, exact in integer arithmetic. Input: [0] selects the check;
// strtod takes the rest as text and must give glibc's bits and end pointer;
// snprintf builds one conversion (flags, width, precision, length, type)
// from [1..4] and a value from [5..12], and must print exactly what glibc
// prints (except %#g, where glibc 2.36 departs from C11 on a carry, and
// precisions above 500, which the runtime caps) into buffers of any size.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "dyn/module_libc.hpp"

namespace {

void check_strtod(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);  // stops at an embedded NUL, as C does
  char* ours_end = nullptr;
  char* theirs_end = nullptr;
  const double a = dyn_libc_strtod(text.c_str(), &ours_end);
  const double b = std::strtod(text.c_str(), &theirs_end);
  std::uint64_t x, y;
  std::memcpy(&x, &a, 8);
  std::memcpy(&y, &b, 8);
  if (std::isnan(a) && std::isnan(b)) x = y;  // the payload of a NaN is not specified
  if (x != y || ours_end != theirs_end) __builtin_trap();
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
void check_snprintf(const std::uint8_t* data, std::size_t size) {
  if (size < 13) return;
  static const char kConversions[] = "diuxXocfeEgGs%";
  const char conv = kConversions[data[1] % (sizeof kConversions - 1)];
  std::string fmt = "%";
  for (int bit = 0; bit < 5; ++bit)
    if (data[2] & (1 << bit)) fmt += "-+ #0"[bit];
  if (conv == 'g' || conv == 'G') fmt.erase(std::remove(fmt.begin(), fmt.end(), '#'), fmt.end());
  if (data[3] & 0x80) fmt += std::to_string(data[3] & 0x7F);
  if (data[4] != 0xFF) fmt += "." + std::to_string(data[4] % 120);
  const bool is_integer = conv != 'c' && conv != 'f' && conv != 'e' && conv != 'E' && conv != 'g' && conv != 'G' &&
                          conv != 's' && conv != '%';
  const char* lengths[] = {"", "hh", "h", "l", "ll", "z"};
  if (is_integer) fmt += lengths[(data[2] >> 5) % 6];
  fmt += conv;
  std::uint64_t bits;
  std::memcpy(&bits, data + 5, 8);
  const std::size_t room = size > 13 ? data[13] : 4096;  // a small buffer truncates: both must agree
  char ours[5000], theirs[5000];
  std::memset(ours, 0x55, sizeof ours);
  std::memset(theirs, 0x55, sizeof theirs);
  int n = 0, m = 0;
  const char* f = fmt.c_str();
  if (conv == 'f' || conv == 'e' || conv == 'E' || conv == 'g' || conv == 'G') {
    double v;
    std::memcpy(&v, &bits, 8);
    n = dyn_libc_snprintf(ours, room, f, v);
    m = std::snprintf(theirs, room, f, v);
  } else if (conv == 's') {
    const char* text = "flight software";
    n = dyn_libc_snprintf(ours, room, f, text + bits % 15);
    m = std::snprintf(theirs, room, f, text + bits % 15);
  } else if (conv == '%') {
    n = dyn_libc_snprintf(ours, room, "%%");
    m = std::snprintf(theirs, room, "%%");
  } else if (conv == 'c') {
    n = dyn_libc_snprintf(ours, room, f, static_cast<int>(bits % 255 + 1));
    m = std::snprintf(theirs, room, f, static_cast<int>(bits % 255 + 1));
  } else {
    const std::string l = lengths[(data[2] >> 5) % 6];
    if (l == "ll" || l == "l" || l == "z") {
      n = dyn_libc_snprintf(ours, room, f, static_cast<long long>(bits));
      m = std::snprintf(theirs, room, f, static_cast<long long>(bits));
    } else {
      n = dyn_libc_snprintf(ours, room, f, static_cast<int>(bits));
      m = std::snprintf(theirs, room, f, static_cast<int>(bits));
    }
  }
  if (n != m || std::memcmp(ours, theirs, sizeof ours) != 0) __builtin_trap();
}
#pragma GCC diagnostic pop

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  if (data[0] & 1) check_strtod(data + 1, size - 1);
  else check_snprintf(data, size);
  return 0;
}
