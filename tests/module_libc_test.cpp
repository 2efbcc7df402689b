// module_libc_test.cpp — the C runtime modules get (core/src/module/module_libc.cpp).
//
// The runtime's own routines against the host C library: snprintf's output
// must be byte-identical to glibc's (which rounds exactly) for integers,
// strings and doubles over a wide random sample; qsort sorts as std::sort
// does; the string routines answer as glibc's. Its behaviour inside a task
// (the heap, abort and assert) is tested with a real module in
// tests/module_libc_task_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "dyn/module_libc.hpp"
#include "dyn/symbol_table.hpp"

namespace dyn {
namespace {

// The formats are the test's data: compared, not trusted.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-security"
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
template <typename... Args>
std::string ours(const char* fmt, Args... args) {
  char buf[2000];
  const int n = dyn_libc_snprintf(buf, sizeof buf, fmt, args...);
  EXPECT_EQ(n, static_cast<int>(std::strlen(buf))) << fmt;
  return buf;
}
template <typename... Args>
std::string theirs(const char* fmt, Args... args) {
  char buf[2000];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return buf;
}
#pragma GCC diagnostic pop
#define EXPECT_SAME(...) EXPECT_EQ(ours(__VA_ARGS__), theirs(__VA_ARGS__)) << #__VA_ARGS__

TEST(ModuleLibc, SnprintfFormatsIntegersAndTextAsTheCLibraryDoes) {
  EXPECT_SAME("%d %i %u %x %X %o", 42, -42, 42u, 0xbeefu, 0xbeefu, 8u);
  EXPECT_SAME("[%5d] [%-5d] [%05d] [%+d] [% d] [%.3d] [%8.3d] [%-8.3d|]", 42, 42, -42, 42, 42, 7, 7, -7);
  EXPECT_SAME("%#x %#X %#o %#o %#x", 255u, 255u, 8u, 0u, 0u);
  EXPECT_SAME("%ld %lu %lld %llu %lx", -1L, 4000000000UL, -9000000000000000000LL, 18000000000000000000ULL, 0xdeadbeefcafeUL);
  EXPECT_SAME("%hd %hu %hhd %hhu", 70000, 70000, 300, 300);
  EXPECT_SAME("%zu %zd %td %jd", sizeof(int), static_cast<std::ptrdiff_t>(-5), static_cast<std::ptrdiff_t>(7),
              static_cast<std::intmax_t>(-9));
  EXPECT_SAME("%d %d", INT32_MIN, INT32_MAX);
  EXPECT_SAME("%lld", static_cast<long long>(INT64_MIN));
  EXPECT_SAME("[%s] [%10s] [%-10s] [%.2s] [%*s] [%-*s] [%.*s]", "abc", "abc", "abc", "abc", 6, "ab", 6, "ab", 1, "ab");
  EXPECT_SAME("[%c] [%3c] [%-3c]", 'x', 'y', 'z');
  EXPECT_SAME("%% %5%");
  EXPECT_SAME("%p", reinterpret_cast<void*>(0x1234));
  EXPECT_SAME("%.0d|%.0x|%5.0d|", 0, 0u, 0);
}

TEST(ModuleLibc, SnprintfTruncatesAndReturnsTheFullLength) {
  char buf[8];
  EXPECT_EQ(dyn_libc_snprintf(buf, sizeof buf, "%s-%d", "hello", 12345), 11);
  EXPECT_STREQ(buf, "hello-1");
  EXPECT_EQ(dyn_libc_snprintf(buf, 1, "abc"), 3);
  EXPECT_STREQ(buf, "");
  EXPECT_EQ(dyn_libc_snprintf(nullptr, 0, "%d", 1234), 4) << "a NULL buffer of size 0 only measures";
}

TEST(ModuleLibc, SnprintfFormatsDoublesExactlyAsGlibcDoes) {
  const double specials[] = {0.0, -0.0, 1.0, -1.0, 0.1, 0.5, 1.5, 2.5, 0.125, 0.05, 123.456, 1e21, 1e22, 1e-5,
                             9.9999999, 99.5, 0.000123456, 1.7976931348623157e308, 4.9406564584124654e-324,
                             2.2250738585072014e-308, 3.14159265358979, 1e100, 123456789012345678.0,
                             std::nan(""), -INFINITY, INFINITY, 0.95, 0.995, 999999.5, 1e15 + 0.3};
  for (double v : specials) {
    EXPECT_SAME("%f", v);
    EXPECT_SAME("%e", v);
    EXPECT_SAME("%g", v);
    EXPECT_SAME("%.0f %.1f %.2f %.10f %.17f", v, v, v, v, v);
    EXPECT_SAME("%.0e %.3E %.12e %.17g %.1g %G %#.0f %#.3e", v, v, v, v, v, v, v, v);
    EXPECT_SAME("[%12.3f] [%-12.3e] [%+g] [% .2f] [%012.4f] [%08g]", v, v, v, v, v, v);
  }
  // %#g keeps trailing zeros (C11 7.21.6.1): glibc 2.36 drops them when rounding carries to a
  // new power of ten ("1.e+06" for 999999.5), so those are checked against the standard's answer.
  EXPECT_EQ(ours("%#g", 999999.5), "1.00000e+06");
  EXPECT_EQ(ours("%#g|%#.3g|%#g", 1.5, 2.0, 0.0001), theirs("%#g|%#.3g|%#g", 1.5, 2.0, 0.0001));
  std::mt19937_64 rng(20261201);
  for (int i = 0; i < 4000; ++i) {
    std::uint64_t bits = rng();
    double v;
    std::memcpy(&v, &bits, sizeof v);
    if (std::isnan(v)) continue;
    const int p = static_cast<int>(rng() % 20);
    char fmt_f[16], fmt_e[16], fmt_g[16];
    std::snprintf(fmt_f, sizeof fmt_f, "%%.%df", std::abs(std::ilogb(v)) < 60 ? p : 3);
    std::snprintf(fmt_e, sizeof fmt_e, "%%.%de", p);
    std::snprintf(fmt_g, sizeof fmt_g, "%%.%dg", p);
    ASSERT_EQ(ours(fmt_e, v), theirs(fmt_e, v)) << fmt_e << " of " << bits;
    ASSERT_EQ(ours(fmt_g, v), theirs(fmt_g, v)) << fmt_g << " of " << bits;
    ASSERT_EQ(ours(fmt_f, v), theirs(fmt_f, v)) << fmt_f << " of " << bits;
  }
  // Values people print: decimal fractions, with every precision.
  for (int i = 0; i < 2000; ++i) {
    const double v = static_cast<double>(static_cast<std::int64_t>(rng() % 2000001) - 1000000) / 1000.0;
    for (int p = 0; p < 8; ++p) {
      char fmt[8];
      std::snprintf(fmt, sizeof fmt, "%%.%df", p);
      ASSERT_EQ(ours(fmt, v), theirs(fmt, v)) << fmt << " of " << v;
    }
  }
}

void expect_strtod_matches(const std::string& text) {
  char* ours_end = nullptr;
  char* theirs_end = nullptr;
  const double a = dyn_libc_strtod(text.c_str(), &ours_end);
  const double b = std::strtod(text.c_str(), &theirs_end);
  std::uint64_t x, y;
  std::memcpy(&x, &a, 8);
  std::memcpy(&y, &b, 8);
  if (std::isnan(a) && std::isnan(b)) x = y;
  EXPECT_EQ(x, y) << "\"" << text << "\": " << a << " vs glibc " << b;
  EXPECT_EQ(ours_end - text.c_str(), theirs_end - text.c_str()) << "\"" << text << "\"";
}

TEST(ModuleLibc, SnprintfOfTheLongestConversionsStaysInItsBuffers) {
  // The widest outputs: 309 integer digits plus the largest precision honoured (500), both ends
  // of the range, every style. Precisions above 500 are printed as 500 (docs/modules.md).
  for (double v : {1.7976931348623157e308, 1e308, 4.9406564584124654e-324, 2.2250738585072014e-308, 123.456}) {
    EXPECT_SAME("%.500f", v);
    EXPECT_SAME("%.500e", v);
    EXPECT_SAME("%.500g", v);
    EXPECT_SAME("%#.500g", v);
    EXPECT_SAME("%-1000.500f|", v);
  }
  char big[4000];
  const int n = dyn_libc_snprintf(big, sizeof big, "%.900f", 1e308);
  EXPECT_EQ(n, 309 + 1 + 500) << "precision capped at 500";
}

TEST(ModuleLibc, StrtodReadsEveryNumberToTheSameDoubleAsGlibc) {
  for (const char* text :
       {"0", "-0", "1", "0.1", "3.14159", "  +2.5e3xyz", "1e308", "1.7976931348623157e308", "1.7976931348623159e308",
        "2e308", "4.9406564584124654e-324", "2.4703282292062327e-324", "2.4703282292062328e-324", "1e-400",
        "2.2250738585072011e-308", "2.2250738585072014e-308", "9007199254740993", "9007199254740992.5",
        "9007199254740993.0000000000000000000001", "123456789012345678901234567890", "0.000000000000000000000123",
        "1e", "1e+", ".5", "5.", ".", "-", "abc", "inf", "-Infinity", "nan", "NaN(123)", "0x1p3", "-0X1.8P-2", "0x.8", "0x1.fffffffffffff8p1023", "0x1p-1075", "0x3p-1076", "0xp1", "1_000",
        "00012.500e-2", "1.0e-5", "6.02214076e23", "1e23", "8.98846567431158e307"})
    expect_strtod_matches(text);
  std::string long_digits(900, '7');
  expect_strtod_matches(long_digits);
  expect_strtod_matches("0." + long_digits);
  expect_strtod_matches("1" + std::string(800, '0') + "e-790");
  std::mt19937_64 rng(99);
  for (int i = 0; i < 20000; ++i) {
    std::uint64_t bits = rng();
    double v;
    std::memcpy(&v, &bits, sizeof v);
    if (!std::isfinite(v)) continue;
    char text[64];
    std::snprintf(text, sizeof text, i % 3 == 0 ? "%.17g" : i % 3 == 1 ? "%.25e" : "%.8g", v);
    expect_strtod_matches(text);
    if (::testing::Test::HasFailure()) return;
  }
  // Halfway cases: a double's value plus exactly half its last place, in decimal.
  for (int i = 0; i < 2000; ++i) {
    const double v = static_cast<double>(rng() >> 11) * 0x1p-20;
    char text[80];
    std::snprintf(text, sizeof text, "%.40g", v + (v * 0x1p-53));
    expect_strtod_matches(text);
    if (::testing::Test::HasFailure()) return;
  }
}

TEST(ModuleLibc, QsortSortsAsStdSortAndBsearchFinds) {
  std::mt19937 rng(7);
  for (std::size_t n : {0u, 1u, 2u, 3u, 10u, 257u, 5000u}) {
    std::vector<std::int32_t> v(n);
    for (auto& x : v) x = static_cast<std::int32_t>(rng() % 1000) - 500;
    std::vector<std::int32_t> expected = v;
    std::sort(expected.begin(), expected.end());
    auto cmp = [](const void* a, const void* b) {
      const auto x = *static_cast<const std::int32_t*>(a), y = *static_cast<const std::int32_t*>(b);
      return (x > y) - (x < y);
    };
    dyn_libc_qsort(v.data(), v.size(), sizeof v[0], cmp);
    EXPECT_EQ(v, expected) << n;
    for (std::int32_t key : {-500, 0, 499, 1000}) {
      const void* hit = dyn_libc_bsearch(&key, v.data(), v.size(), sizeof v[0], cmp);
      const bool present = std::binary_search(v.begin(), v.end(), key);
      EXPECT_EQ(hit != nullptr, present) << key;
      if (hit) { EXPECT_EQ(*static_cast<const std::int32_t*>(hit), key); }
    }
  }
}

TEST(ModuleLibc, StringRoutinesAnswerAsTheCLibrarys) {
  const char* text = "Flight software, ground software";
  EXPECT_EQ(dyn_libc_strchr(text, 'g'), std::strchr(text, 'g'));
  EXPECT_EQ(dyn_libc_strchr(text, '\0'), std::strchr(text, '\0'));
  EXPECT_EQ(dyn_libc_strchr(text, 'z'), nullptr);
  EXPECT_EQ(dyn_libc_strrchr(text, 's'), std::strrchr(text, 's'));
  EXPECT_EQ(dyn_libc_strstr(text, "soft"), std::strstr(text, "soft"));
  EXPECT_EQ(dyn_libc_strstr(text, ""), text);
  EXPECT_EQ(dyn_libc_strstr(text, "hard"), nullptr);
  EXPECT_EQ(dyn_libc_strpbrk(text, ",x"), std::strpbrk(text, ",x"));
  EXPECT_EQ(dyn_libc_memchr(text, 'w', 20), std::memchr(text, 'w', 20));
  EXPECT_EQ(dyn_libc_memchr(text, 'w', 5), nullptr);
  EXPECT_EQ(dyn_libc_strnlen(text, 6), 6u);
  EXPECT_EQ(dyn_libc_strnlen(text, 100), std::strlen(text));
  EXPECT_EQ(dyn_libc_strcasecmp("Beacon", "bEACON"), 0);
  EXPECT_LT(dyn_libc_strcasecmp("abc", "ABD"), 0);
  EXPECT_EQ(dyn_libc_strncasecmp("abcX", "ABCy", 3), 0);
  EXPECT_GT(dyn_libc_strncasecmp("abcz", "ABCy", 4), 0);
}

TEST(ModuleLibc, TheKernelExportsTheCLibrarySubsetAndNothingThatAllocatesOrLocks) {
  for (const char* name : {"malloc", "calloc", "realloc", "free", "aligned_alloc", "posix_memalign", "strdup",
                           "abort", "__assert_fail", "snprintf", "vsnprintf", "qsort", "bsearch", "strtol", "strtoul",
                           "atoi", "isdigit", "toupper", "clock_gettime", "time", "clock", "strcmp", "strncpy",
                           "strtod", "_Znwm", "_ZdlPv", "_ZdlPvm", "_Znam", "_ZdaPv", "__cxa_pure_virtual"})
    EXPECT_NE(find_symbol(kernel_exports(), name), nullptr) << name;
  for (const char* name : {"printf", "fopen", "strtok", "getenv", "setlocale", "pthread_create", "signal",
                           "exit", "system", "rand"})
    EXPECT_EQ(find_symbol(kernel_exports(), name), nullptr) << name << " must stay refused";
}

}  // namespace
}  // namespace dyn

namespace dyn {
namespace {

// The integer parsers answer as glibc's (value and end) on edge cases and a
// random sample: signs, space, every base, prefixes, clamping at the range.
TEST(ModuleLibcIntegers, ParseAsTheHostLibraryDoes) {
  std::vector<std::string> inputs = {"0", "-0", "+7", "  42xyz", "\t\n-17", "0x1F", "0X", "0x", "0xg", "010", "08", "",
                                     "-", "+", " ", "z", "Zz", "777", "-9223372036854775808", "9223372036854775807",
                                     "9223372036854775808", "-9223372036854775809", "18446744073709551615",
                                     "18446744073709551616", "99999999999999999999999", "-1", "-18446744073709551615",
                                     "2147483648", "-2147483649", "4294967296", "  +0x7fffffffffffffff", "1e5"};
  std::mt19937_64 rng(7);
  for (int i = 0; i < 2000; ++i) {
    std::string t;
    const int n = static_cast<int>(rng() % 24);
    const char alphabet[] = " \t+-0123456789abcdefxXzZ";
    for (int k = 0; k < n; ++k) t += alphabet[rng() % (sizeof alphabet - 1)];
    inputs.push_back(t);
  }
  for (const std::string& in : inputs) {
    for (int base : {0, 2, 8, 10, 16, 36}) {
      char* ours_end = nullptr;
      char* their_end = nullptr;
      EXPECT_EQ(dyn_libc_strtol(in.c_str(), &ours_end, base), std::strtol(in.c_str(), &their_end, base)) << in << " " << base;
      EXPECT_EQ(ours_end, their_end) << in << " " << base;
      EXPECT_EQ(dyn_libc_strtoll(in.c_str(), &ours_end, base), std::strtoll(in.c_str(), &their_end, base)) << in;
      EXPECT_EQ(ours_end, their_end) << in << " " << base;
      EXPECT_EQ(dyn_libc_strtoul(in.c_str(), &ours_end, base), std::strtoul(in.c_str(), &their_end, base)) << in;
      EXPECT_EQ(ours_end, their_end) << in << " " << base;
      EXPECT_EQ(dyn_libc_strtoull(in.c_str(), &ours_end, base), std::strtoull(in.c_str(), &their_end, base)) << in;
      EXPECT_EQ(ours_end, their_end) << in << " " << base;
    }
    EXPECT_EQ(dyn_libc_atol(in.c_str()), std::strtol(in.c_str(), nullptr, 10)) << in;
    EXPECT_EQ(dyn_libc_atoll(in.c_str()), std::strtoll(in.c_str(), nullptr, 10)) << in;
  }
  char* end = nullptr;
  EXPECT_EQ(dyn_libc_strtol("12", &end, 1), 0) << "an invalid base parses nothing";
  EXPECT_STREQ(end, "12");
}

// The character classes of the C locale, for every unsigned char and EOF.
TEST(ModuleLibcCtype, ClassesAreTheCLocales) {
  for (int c = -1; c < 256; ++c) {
    EXPECT_EQ(dyn_libc_isalnum(c) != 0, std::isalnum(c) != 0) << c;
    EXPECT_EQ(dyn_libc_isalpha(c) != 0, std::isalpha(c) != 0) << c;
    EXPECT_EQ(dyn_libc_isblank(c) != 0, std::isblank(c) != 0) << c;
    EXPECT_EQ(dyn_libc_iscntrl(c) != 0, std::iscntrl(c) != 0) << c;
    EXPECT_EQ(dyn_libc_isdigit(c) != 0, std::isdigit(c) != 0) << c;
    EXPECT_EQ(dyn_libc_isgraph(c) != 0, std::isgraph(c) != 0) << c;
    EXPECT_EQ(dyn_libc_islower(c) != 0, std::islower(c) != 0) << c;
    EXPECT_EQ(dyn_libc_isprint(c) != 0, std::isprint(c) != 0) << c;
    EXPECT_EQ(dyn_libc_ispunct(c) != 0, std::ispunct(c) != 0) << c;
    EXPECT_EQ(dyn_libc_isspace(c) != 0, std::isspace(c) != 0) << c;
    EXPECT_EQ(dyn_libc_isupper(c) != 0, std::isupper(c) != 0) << c;
    EXPECT_EQ(dyn_libc_isxdigit(c) != 0, std::isxdigit(c) != 0) << c;
    EXPECT_EQ(dyn_libc_tolower(c), std::tolower(c)) << c;
    EXPECT_EQ(dyn_libc_toupper(c), std::toupper(c)) << c;
  }
}

// The kernel's services, in table order, are what the gates of an
// isolating port run: fewer than its 64 gates, each with code.
TEST(KernelServices, EveryServiceHasCodeAndAGate) {
  std::size_t services = 0;
  for (const ExportedSymbol& s : kernel_exports()) {
    if (!s.service) continue;
    EXPECT_EQ(kernel_service(services), static_cast<std::uintptr_t>(s.address)) << s.name;
    EXPECT_EQ(kernel_symbol_address(s), s.address) << "the host links the service itself: " << s.name;
    ++services;
  }
  EXPECT_GT(services, 20u);
  EXPECT_LT(services, 64u) << "the Cortex-M3 port has 64 gates";
  EXPECT_EQ(kernel_service(services), 0u);
  const ExportedSymbol* logf = find_symbol(kernel_exports(), "dyn_logf");
  ASSERT_NE(logf, nullptr);
  EXPECT_FALSE(logf->service) << "it formats in the caller's domain";
}

}  // namespace
}  // namespace dyn
