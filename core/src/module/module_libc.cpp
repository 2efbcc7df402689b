// module_libc.cpp — the C runtime modules get from the kernel (docs/modules.md,
// "The C library a module gets").
//
// Two kinds of functions, exported under their C names:
//   - the runtime's own, where a module's call must stay the task's: memory
//     (malloc/calloc/realloc/free/aligned_alloc/posix_memalign, strdup,
//     strndup over the task's own heap, returned when the task goes), abort
//     and assert (a fault record stopping the task, not the system),
//     snprintf/vsnprintf/sprintf/vsprintf and strtod/atof (exact, in integer
//     arithmetic: no allocation, no locale, no lock, no floating point),
//     C++ new/delete, qsort/bsearch, and time (mission time; clock() is the
//     task's CPU), and the string routines whose declarations differ between
//     C libraries;
//   - the platform C library's pure routines (string, ctype, integer
//     conversions): no allocation, no lock, no state shared between tasks, so
//     a task stopped in the middle of one leaves nothing behind.
// Anything else — stdio streams, the environment, signals, threads, locale,
// strtok and errno (state shared by every task) — is not exported: a module
// that calls it is refused at load, naming it.
#include "dyn/module_libc.hpp"

#include <cctype>
#include <limits>
#include <cstdarg>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "dyn/kernel.hpp"
#include "dyn/symbol_table.hpp"
#include "dyn/task_manager.hpp"
#include "dynsched.h"
#include "port.hpp"

namespace {

dyn::RegisterEntry* calling_entry(dyn::TaskManager** manager) noexcept {
  dyn::Kernel* k = dyn::Kernel::current();
  if (!k || !k->running()) return nullptr;
  dyn::TaskManager* m = dyn::TaskManager::current();
  *manager = m;
  return m ? m->current_entry() : nullptr;
}

[[noreturn]] void stop_task(const char* why, void* caller) noexcept {
  dyn::Kernel* k = dyn::Kernel::current();
  if (k && k->running()) {
    k->log(3, why);
    dyn::FaultRecord record;
    record.kind = dyn::FaultKind::Aborted;
    record.pc = dyn::port::service_caller(reinterpret_cast<std::uintptr_t>(caller));
    k->fault_current(record);
  }
  __builtin_trap();  // not from a task: nobody to stop but the caller
}

// --- formatted output into a buffer --------------------------------------------

struct Sink {
  char* out;
  std::size_t room;   // bytes that may be written, the terminating NUL included
  std::size_t total;  // bytes the whole output needs (without the NUL)
  void put(char c) noexcept {
    if (total + 1 < room) out[total] = c;
    ++total;
  }
  void repeat(char c, int n) noexcept {
    for (int i = 0; i < n; ++i) put(c);
  }
};

struct Spec {
  bool left = false, plus = false, space = false, alt = false, zero = false;
  int width = 0;
  int precision = -1;
};

// An unsigned number in `base`, with sign/prefix, precision and padding.
void emit_integer(Sink& s, const Spec& f, std::uint64_t value, bool negative, unsigned base, bool upper,
                  const char* prefix) noexcept {
  char digits[24];
  int n = 0;
  const char* set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  while (value) {
    digits[n++] = set[value % base];
    value /= base;
  }
  int zeros = f.precision > n ? f.precision - n : 0;
  if (f.precision < 0 && n == 0) digits[n++] = '0';
  if (base == 8 && f.alt && zeros == 0 && (n == 0 || digits[n - 1] != '0')) zeros = 1;
  const char sign = negative ? '-' : f.plus ? '+' : f.space ? ' ' : '\0';
  const int prefix_len = static_cast<int>(std::strlen(prefix)) + (sign ? 1 : 0);
  int pad = f.width - (n + zeros + prefix_len);
  if (pad < 0) pad = 0;
  if (!f.left && !(f.zero && f.precision < 0)) s.repeat(' ', pad);
  if (sign) s.put(sign);
  for (const char* p = prefix; *p; ++p) s.put(*p);
  if (!f.left && f.zero && f.precision < 0) s.repeat('0', pad);
  s.repeat('0', zeros);
  while (n) s.put(digits[--n]);
  if (f.left) s.repeat(' ', pad);
}

void emit_text(Sink& s, const Spec& f, const char* text) noexcept {
  if (!text) text = "(null)";
  std::size_t n = 0;
  while ((f.precision < 0 || n < static_cast<std::size_t>(f.precision)) && text[n]) ++n;
  const int pad = f.width > static_cast<int>(n) ? f.width - static_cast<int>(n) : 0;
  if (!f.left) s.repeat(' ', pad);
  for (std::size_t i = 0; i < n; ++i) s.put(text[i]);
  if (f.left) s.repeat(' ', pad);
}

// --- floating point, exactly, in integer arithmetic -----------------------------
//
// The kernel does no floating point (a Cortex-M3 has no FPU, and the core
// links no soft-float helpers), so %f %e %g take the double's bits apart:
// v = m * 2^e exactly, and its decimal digits come from a big integer, as
// many as the conversion shows, correctly rounded (to nearest, ties to even,
// as glibc does).

// An unsigned big integer of `Limbs` little-endian 32-bit limbs: what the
// exact conversions between doubles and decimal need. Bounds are the
// caller's (every use below states its largest value); nothing allocates.
template <int Limbs>
struct BigInt {
  std::uint32_t limb[Limbs] = {};
  int used = 0;  // limbs in use
  bool zero() const noexcept { return used == 0; }
  void trim() noexcept {
    while (used > 0 && limb[used - 1] == 0) --used;
  }
  void set(std::uint64_t v, int shift) noexcept {  // v << shift, shift >= 0
    *this = BigInt{};
    const int word = shift / 32, bit = shift % 32;
    const std::uint32_t parts[3] = {static_cast<std::uint32_t>(v << bit),
                                    static_cast<std::uint32_t>(bit ? v >> (32 - bit) : v >> 32),
                                    static_cast<std::uint32_t>(bit ? v >> (64 - bit) : 0)};
    for (int k = 0; k < 3; ++k) limb[word + k] = parts[k];
    used = word + 3;
    trim();
  }
  void times_add(std::uint32_t m, std::uint32_t a) noexcept {  // *this = *this * m + a
    std::uint64_t carry = a;
    for (int k = 0; k < used; ++k) {
      const std::uint64_t cur = std::uint64_t{limb[k]} * m + carry;
      limb[k] = static_cast<std::uint32_t>(cur);
      carry = cur >> 32;
    }
    if (carry && used < Limbs) limb[used++] = static_cast<std::uint32_t>(carry);
  }
  // *this /= 10, returning the remainder.
  std::uint32_t divide_by_10() noexcept {
    std::uint64_t rest = 0;
    for (int k = used; k-- > 0;) {
      const std::uint64_t cur = (rest << 32) | limb[k];
      limb[k] = static_cast<std::uint32_t>(cur / 10);
      rest = cur % 10;
    }
    trim();
    return static_cast<std::uint32_t>(rest);
  }
  // *this *= 10; returns and removes the bits at and above `bits` (the next digit).
  std::uint32_t times_10_take_above(int bits) noexcept {
    times_add(10, 0);
    const int word = bits / 32, bit = bits % 32;
    std::uint32_t digit = 0;
    if (word < used) {
      std::uint64_t high = limb[word] >> bit;
      if (word + 1 < used) high |= std::uint64_t{limb[word + 1]} << (32 - bit);
      digit = static_cast<std::uint32_t>(high);
      limb[word] &= bit ? (std::uint32_t{1} << bit) - 1 : 0;
      for (int k = word + 1; k < used; ++k) limb[k] = 0;
      trim();
    }
    return digit;
  }
  int bits() const noexcept {
    if (used == 0) return 0;
    return 32 * (used - 1) + (32 - __builtin_clz(limb[used - 1]));
  }
  bool bit(int i) const noexcept { return i / 32 < used && ((limb[i / 32] >> (i % 32)) & 1); }
  bool any_below(int i) const noexcept {  // a set bit at a position < i
    for (int k = 0; k < used && 32 * k < i; ++k) {
      const int top = i - 32 * k;
      const std::uint32_t mask = top >= 32 ? 0xFFFFFFFFu : (std::uint32_t{1} << top) - 1;
      if (limb[k] & mask) return true;
    }
    return false;
  }
  void shift_left(int n) noexcept {
    const int words = n / 32, b = n % 32;
    const int top = used + words + 1 < Limbs ? used + words + 1 : Limbs;
    for (int k = top - 1; k >= 0; --k) {
      const int from = k - words;
      std::uint64_t v = from >= 0 && from < used ? std::uint64_t{limb[from]} << b : 0;
      if (b && from - 1 >= 0 && from - 1 < used) v |= limb[from - 1] >> (32 - b);
      limb[k] = static_cast<std::uint32_t>(v);
    }
    used = top;
    trim();
  }
  int compare(const BigInt& o) const noexcept {
    if (used != o.used) return used < o.used ? -1 : 1;
    for (int k = used; k-- > 0;)
      if (limb[k] != o.limb[k]) return limb[k] < o.limb[k] ? -1 : 1;
    return 0;
  }
  void subtract(const BigInt& o) noexcept {  // precondition: *this >= o
    std::int64_t borrow = 0;
    for (int k = 0; k < used; ++k) {
      std::int64_t cur = std::int64_t{limb[k]} - (k < o.used ? o.limb[k] : 0) - borrow;
      borrow = cur < 0;
      limb[k] = static_cast<std::uint32_t>(cur + (borrow << 32));
    }
    trim();
  }
};

// The decimal digits of a finite, non-negative double: value = 0.d1 d2 ... * 10^point,
// d1 != 0 (unless the value is 0). Digits are produced up to `limit` after the
// decimal point (fixed) or `limit` significant ones (scientific), then
// rounded to nearest, ties to even; `point` moves if rounding carries (9.99 -> 10.0).
// Room for the longest conversion: 309 integer digits of DBL_MAX, the
// largest precision honoured (kMaxPrecision) and the rounding digit.
constexpr int kMaxPrecision = 500;
constexpr int kDecimalDigits = 309 + kMaxPrecision + 2;

struct Decimal {
  char digit[kDecimalDigits];
  int count = 0;
  int point = 0;
};

void decimal_of(std::uint64_t bits, bool fixed, int limit, Decimal& d) noexcept {
  const int biased = static_cast<int>((bits >> 52) & 0x7FF);
  std::uint64_t m = bits & ((std::uint64_t{1} << 52) - 1);
  int e = biased == 0 ? -1074 : biased - 1075;
  if (biased) m |= std::uint64_t{1} << 52;
  d = Decimal{};
  if (m == 0) {
    d.point = 1;
    const int n = fixed ? 1 + limit : limit;
    for (int k = 0; k < n && k < kDecimalDigits; ++k) d.digit[d.count++] = 0;
    return;
  }
  // Integer part: m >> -e (or m << e), digits by division.
  BigInt<36> whole, frac;  // 1 152 bits hold 2^1074 * 10
  int frac_bits = 0;
  if (e >= 0) {
    whole.set(m, e);
  } else {
    frac_bits = -e;
    whole.set(frac_bits >= 64 ? 0 : m >> frac_bits, 0);
    frac.set(frac_bits >= 64 ? m : m & ((std::uint64_t{1} << frac_bits) - 1), 0);
  }
  char rev[320];
  int n_int = 0;
  while (!whole.zero() && n_int < 320) rev[n_int++] = static_cast<char>(whole.divide_by_10());
  for (int k = n_int; k-- > 0;) d.digit[d.count++] = rev[k];
  d.point = n_int;
  // Fraction digits: the leading zeros of a value below 1 only move the point.
  // Digits kept before rounding: `limit` after the point (fixed, so it moves
  // with the point) or `limit` significant ones.
  auto wanted = [&] { return fixed ? d.point + limit : limit; };
  bool leading = n_int == 0;
  while (d.count < wanted() + 1 && d.count < kDecimalDigits && !frac.zero()) {
    const char digit = static_cast<char>(frac.times_10_take_above(frac_bits));
    if (leading && digit == 0) {
      --d.point;
      if (fixed && d.point + limit < 0) break;  // below the last shown digit: rounds to 0
      continue;
    }
    leading = false;
    d.digit[d.count++] = digit;
  }
  const bool rest = !frac.zero();
  const int want = wanted() < kDecimalDigits - 1 ? wanted() : kDecimalDigits - 1;  // always true for limit <= kMaxPrecision + 1
  // Round at `want` digits.
  if (want < 0) {  // everything shown is below the value's first digit
    d.count = 0;
    return;
  }
  while (d.count < want) d.digit[d.count++] = 0;
  if (d.count > want) {
    const char next = d.digit[want];
    bool tail = rest;
    for (int k = want + 1; k < d.count; ++k) tail = tail || d.digit[k] != 0;
    d.count = want;
    const bool up = next > 5 || (next == 5 && (tail || (want > 0 && (d.digit[want - 1] & 1))));
    if (up) {
      int k = want - 1;
      while (k >= 0 && ++d.digit[k] == 10) d.digit[k--] = 0;
      if (k < 0) {  // carried out of the first digit
        for (int j = d.count; j > 0; --j) d.digit[j] = d.digit[j - 1];
        d.digit[0] = 1;
        ++d.point;
        if (fixed) ++d.count;
        if (d.count == 0) d.count = 1;
      }
    }
  }
}

void emit_float(Sink& s, const Spec& f, double v, char conv) noexcept {
  std::uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  const bool negative = bits >> 63;
  bits &= ~(std::uint64_t{1} << 63);
  const bool upper = conv == 'F' || conv == 'E' || conv == 'G';
  const char sign = negative ? '-' : f.plus ? '+' : f.space ? ' ' : '\0';
  char buf[kDecimalDigits + 8];  // digits, point, exponent
  int n = 0;
  bool numeric = true;
  if ((bits >> 52) == 0x7FF) {  // infinity or NaN
    const char* word = (bits & ((std::uint64_t{1} << 52) - 1)) ? (upper ? "NAN" : "nan") : (upper ? "INF" : "inf");
    std::memcpy(buf, word, 3);
    n = 3;
    numeric = false;
  } else {
    int precision = f.precision < 0 ? 6 : f.precision;
    if (precision > kMaxPrecision) precision = kMaxPrecision;
    char kind = static_cast<char>(conv | 0x20);
    Decimal d;
    bool strip = false;
    if (kind == 'g') {
      const int p = precision == 0 ? 1 : precision;
      decimal_of(bits, false, p, d);
      const int x = bits == 0 ? 0 : d.point - 1;  // the exponent %e would print
      strip = !f.alt;
      if (x < -4 || x >= p) {
        kind = 'e';
        precision = p - 1;
      } else {
        kind = 'f';
        precision = p - 1 - x;
      }
    }
    if (kind == 'f') {
      decimal_of(bits, true, precision, d);
      // d holds point + precision digits (point may be <= 0: leading zeros).
      int frac = precision;
      auto digit_at = [&](int pos) -> int {  // pos: 0 = first digit after the point is `point`
        return pos >= 0 && pos < d.count ? d.digit[pos] : 0;
      };
      if (strip)
        while (frac > 0 && digit_at(d.point + frac - 1) == 0) --frac;
      if (d.point <= 0) buf[n++] = '0';
      for (int k = 0; k < d.point; ++k) buf[n++] = static_cast<char>('0' + digit_at(k));
      if (frac > 0 || f.alt) buf[n++] = '.';
      for (int k = 0; k < frac; ++k) buf[n++] = static_cast<char>('0' + digit_at(d.point + k));
    } else {
      decimal_of(bits, false, precision + 1, d);
      const int x = bits == 0 ? 0 : d.point - 1;
      int frac = precision;
      if (strip)
        while (frac > 0 && d.digit[frac] == 0) --frac;
      buf[n++] = static_cast<char>('0' + d.digit[0]);
      if (frac > 0 || f.alt) buf[n++] = '.';
      for (int k = 1; k <= frac; ++k) buf[n++] = static_cast<char>('0' + d.digit[k]);
      buf[n++] = upper ? 'E' : 'e';
      buf[n++] = x < 0 ? '-' : '+';
      int a = x < 0 ? -x : x;
      char ed[4];
      int m = 0;
      do ed[m++] = static_cast<char>('0' + a % 10), a /= 10;
      while (a);
      if (m < 2) ed[m++] = '0';
      while (m) buf[n++] = ed[--m];
    }
  }
  const bool zeros = f.zero && !f.left && numeric;
  int pad = f.width - n - (sign ? 1 : 0);
  if (pad < 0) pad = 0;
  if (!f.left && !zeros) s.repeat(' ', pad);
  if (sign) s.put(sign);
  if (zeros) s.repeat('0', pad);
  for (int k = 0; k < n; ++k) s.put(buf[k]);
  if (f.left) s.repeat(' ', pad);
}

int format(char* out, std::size_t room, const char* fmt, va_list args) noexcept {
  Sink s{out, room, 0};
  for (const char* p = fmt; *p; ++p) {
    if (*p != '%') {
      s.put(*p);
      continue;
    }
    Spec f;
    for (++p;; ++p) {
      if (*p == '-') f.left = true;
      else if (*p == '+') f.plus = true;
      else if (*p == ' ') f.space = true;
      else if (*p == '#') f.alt = true;
      else if (*p == '0') f.zero = true;
      else break;
    }
    if (*p == '*') {
      f.width = va_arg(args, int);
      if (f.width < 0) f.left = true, f.width = -f.width;
      ++p;
    } else {
      while (*p >= '0' && *p <= '9') f.width = f.width * 10 + (*p++ - '0');
    }
    if (*p == '.') {
      ++p;
      f.precision = 0;
      if (*p == '*') {
        f.precision = va_arg(args, int);
        ++p;
      } else {
        while (*p >= '0' && *p <= '9') f.precision = f.precision * 10 + (*p++ - '0');
      }
    }
    int length = 0;  // 0 int, 1 long, 2 long long, -1 short, -2 char, 3 size_t/ptrdiff_t/intmax_t
    for (;; ++p) {
      if (*p == 'l') ++length;
      else if (*p == 'h') --length;
      else if (*p == 'z' || *p == 't' || *p == 'j') length = 3;
      else if (*p == 'L') continue;  // long double is printed as double
      else break;
    }
    const char conv = *p;
    switch (conv) {
      case 'd':
      case 'i': {
        std::int64_t v = length >= 2 ? va_arg(args, long long) : length == 1 ? va_arg(args, long) : va_arg(args, int);
        if (length == -1) v = static_cast<short>(v);
        if (length <= -2) v = static_cast<signed char>(v);
        const std::uint64_t magnitude = v < 0 ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
        emit_integer(s, f, magnitude, v < 0, 10, false, "");
        break;
      }
      case 'u':
      case 'x':
      case 'X':
      case 'o': {
        std::uint64_t v = length >= 2   ? va_arg(args, unsigned long long)
                          : length == 1 ? va_arg(args, unsigned long)
                                        : va_arg(args, unsigned);
        if (length == -1) v = static_cast<unsigned short>(v);
        if (length <= -2) v = static_cast<unsigned char>(v);
        const unsigned base = conv == 'o' ? 8 : conv == 'u' ? 10 : 16;
        const char* prefix = f.alt && v && base == 16 ? (conv == 'X' ? "0X" : "0x") : "";
        Spec g = f;
        g.plus = g.space = false;
        emit_integer(s, g, v, false, base, conv == 'X', prefix);
        break;
      }
      case 'p': {
        Spec g = f;
        g.plus = g.space = false;
        emit_integer(s, g, reinterpret_cast<std::uintptr_t>(va_arg(args, void*)), false, 16, false, "0x");
        break;
      }
      case 'c': {
        const char text[2] = {static_cast<char>(va_arg(args, int)), '\0'};
        Spec g = f;
        g.precision = -1;
        if (text[0] == '\0') {  // a NUL character is still one character of output
          const int pad = f.width > 1 ? f.width - 1 : 0;
          if (!f.left) s.repeat(' ', pad);
          s.put('\0');
          if (f.left) s.repeat(' ', pad);
        } else {
          emit_text(s, g, text);
        }
        break;
      }
      case 's': emit_text(s, f, va_arg(args, const char*)); break;
      case 'f':
      case 'F':
      case 'e':
      case 'E':
      case 'g':
      case 'G': emit_float(s, f, va_arg(args, double), conv); break;
      case 'n': {
        if (length >= 1) *va_arg(args, long*) = static_cast<long>(s.total);
        else *va_arg(args, int*) = static_cast<int>(s.total);
        break;
      }
      case '%': s.put('%'); break;
      case '\0': --p; break;  // a lone '%' at the end
      default:                // unknown conversion: printed as written
        s.put('%');
        s.put(conv);
        break;
    }
  }
  if (room) out[s.total < room ? s.total : room - 1] = '\0';
  return s.total > 0x7FFFFFFF ? -1 : static_cast<int>(s.total);
}

// --- reading a decimal number, exactly ----------------------------------------
//
// strtod without floating point: the digits become a big integer D and a
// power of ten, and the double nearest D * 10^e (ties to even, as glibc)
// comes from integer arithmetic — multiplication for e >= 0, a bit-by-bit
// long division for e < 0. At most kMaxDigits significant digits are kept;
// any non-zero digit beyond them only breaks a tie (it makes the value
// larger than the kept digits say), which is what the rounding needs.

using Wide = BigInt<128>;  // 4 096 bits: D (768 digits) * 2^s, or 10^1 100
constexpr int kMaxDigits = 768;

// The bits of the double nearest m * 2^e (m != 0; `sticky`: something
// non-zero lies below m's last bit), rounded to nearest, ties to even, with
// subnormals; *range_error on overflow, or on an inexact subnormal or zero.
std::uint64_t round_to_double(std::uint64_t m, int e, bool sticky, bool* range_error) noexcept {
  const int top = 63 - __builtin_clzll(m);
  // The last kept bit: 53 bits below the top, but never below 2^-1074.
  int shift = top - 52;
  if (shift < -1074 - e) shift = -1074 - e;
  std::uint64_t kept;
  bool inexact = sticky;
  if (shift <= 0) {
    kept = m << -shift;  // exact (m has fewer than 53 bits here)
  } else if (shift >= 65) {
    kept = 0;
    inexact = true;
  } else {
    const std::uint64_t half = std::uint64_t{1} << (shift - 1);
    const std::uint64_t rest = shift == 64 ? m : m & ((half << 1) - 1);
    kept = shift == 64 ? 0 : m >> shift;
    inexact = inexact || rest != 0;
    if (rest > half || (rest == half && (sticky || (kept & 1)))) ++kept;
  }
  int lsb = e + shift;  // value = kept * 2^lsb
  if (kept >> 53) {     // rounding carried into a new bit
    kept >>= 1;
    ++lsb;
  }
  if (kept == 0) {
    *range_error = true;
    return 0;
  }
  const int top2 = 63 - __builtin_clzll(kept);
  if (top2 + lsb > 1023) {
    *range_error = true;
    return 0x7FFull << 52;
  }
  if (top2 < 52) {  // subnormal: lsb is -1074
    if (inexact) *range_error = true;
    return kept;
  }
  return (static_cast<std::uint64_t>(top2 + lsb + 1023) << 52) | (kept & ((std::uint64_t{1} << 52) - 1));
}

bool ascii_case_equal(const char* text, const char* word, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i)
    if (dyn_libc_tolower(static_cast<unsigned char>(text[i])) != word[i]) return false;
  return true;
}

double parse_double(const char* text, char** end, bool* range_error) noexcept {
  const char* p = text;
  while (dyn_libc_isspace(static_cast<unsigned char>(*p))) ++p;
  const bool negative = *p == '-';
  if (*p == '+' || *p == '-') ++p;
  std::uint64_t bits = 0;
  auto finish = [&](const char* stop) {
    if (end) *end = const_cast<char*>(stop);
    if (negative) bits |= std::uint64_t{1} << 63;
    double v;
    std::memcpy(&v, &bits, sizeof v);
    return v;
  };
  if (ascii_case_equal(p, "inf", 3)) {
    bits = 0x7FFull << 52;
    return finish(ascii_case_equal(p, "infinity", 8) ? p + 8 : p + 3);
  }
  if (ascii_case_equal(p, "nan", 3)) {
    bits = 0x7FF8ull << 48;
    const char* q = p + 3;
    if (*q == '(') {  // nan(n-char-sequence)
      const char* r = q + 1;
      while (dyn_libc_isalnum(static_cast<unsigned char>(*r)) || *r == '_') ++r;
      if (*r == ')') q = r + 1;
    }
    return finish(q);
  }
  // Hexadecimal (C99): 0x h.hhh p±d, exact bits, rounded once.
  auto hex_value = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
      (hex_value(p[2]) >= 0 || (p[2] == '.' && hex_value(p[3]) >= 0))) {
    const char* h = p + 2;
    std::uint64_t m = 0;
    long e2 = 0;
    bool point_seen = false, sticky = false;
    for (;; ++h) {
      if (*h == '.' && !point_seen) {
        point_seen = true;
        continue;
      }
      const int v = hex_value(*h);
      if (v < 0) break;
      if (m >> 60) {  // no room: the digit only counts as sticky and scale
        sticky = sticky || v != 0;
        if (!point_seen) e2 += 4;
      } else {
        m = (m << 4) | static_cast<unsigned>(v);
        if (point_seen) e2 -= 4;
      }
    }
    if (*h == 'p' || *h == 'P') {
      const char* r = h + 1;
      const bool eneg = *r == '-';
      if (*r == '+' || *r == '-') ++r;
      if (*r >= '0' && *r <= '9') {
        long x = 0;
        while (*r >= '0' && *r <= '9') {
          if (x < 100000) x = x * 10 + (*r - '0');
          ++r;
        }
        e2 += eneg ? -x : x;
        h = r;
      }
    }
    if (m != 0) {
      if (e2 > 2000) e2 = 2000;
      if (e2 < -2000) e2 = -2000;
      bits = round_to_double(m, static_cast<int>(e2), sticky, range_error);
    }
    return finish(h);
  }
  // Digits: D, the position of the point, and whether any digit was dropped non-zero.
  static_assert(kMaxDigits * 4 < 128 * 32);
  Wide d;
  int digits = 0, point = 0;
  bool seen = false, dropped_nonzero = false, any_digit = false, after_point = false;
  const char* q = p;
  for (;; ++q) {
    if (*q == '.' && !after_point) {
      after_point = true;
      continue;
    }
    if (*q < '0' || *q > '9') break;
    any_digit = true;
    const std::uint32_t v = static_cast<std::uint32_t>(*q - '0');
    if (!seen && v == 0) {  // leading zeros only move the point
      if (after_point) --point;
      continue;
    }
    seen = true;
    if (digits < kMaxDigits) {
      d.times_add(10, v);
      ++digits;
      if (!after_point) ++point;
    } else {
      dropped_nonzero = dropped_nonzero || v != 0;
      if (!after_point) ++point;
    }
  }
  if (!any_digit) {
    if (end) *end = const_cast<char*>(text);
    return 0.0;
  }
  long exponent10 = 0;
  if (*q == 'e' || *q == 'E') {
    const char* r = q + 1;
    const bool eneg = *r == '-';
    if (*r == '+' || *r == '-') ++r;
    if (*r >= '0' && *r <= '9') {
      while (*r >= '0' && *r <= '9') {
        if (exponent10 < 100000) exponent10 = exponent10 * 10 + (*r - '0');
        ++r;
      }
      if (eneg) exponent10 = -exponent10;
      q = r;
    }
  }
  if (!seen) return finish(q);  // zero
  // value = D * 10^(point - digits + exponent10)
  const long e = point - digits + exponent10;
  if (e + digits > 310) {
    *range_error = true;
    bits = 0x7FFull << 52;
    return finish(q);
  }
  if (e + digits < -326) {
    *range_error = true;
    return finish(q);
  }
  if (e >= 0) {
    for (long k = 0; k < e; ++k) d.times_add(10, 0);
    const int n = d.bits();
    const int shift = n > 64 ? n - 64 : 0;
    std::uint64_t m = 0;
    for (int i = 0; i < 64 && shift + i < n; ++i)
      if (d.bit(shift + i)) m |= std::uint64_t{1} << i;
    bits = round_to_double(m, shift, dropped_nonzero || d.any_below(shift), range_error);
    return finish(q);
  }
  // e < 0: value = D / 10^-e = Q * 2^t, Q = floor(D * 2^-t / 10^-e) (or
  // floor(D / (10^-e * 2^t))) chosen to have 63 or 64 bits.
  Wide power;
  power.used = 1;
  power.limb[0] = 1;
  for (long k = 0; k < -e; ++k) power.times_add(10, 0);
  const int t = d.bits() - power.bits() - 63;
  if (t < 0) d.shift_left(-t);
  else power.shift_left(t);
  std::uint64_t m = 0;
  Wide shifted;
  for (int j = 64; j-- > 0;) {
    shifted = power;
    shifted.shift_left(j);
    if (d.compare(shifted) >= 0) {
      d.subtract(shifted);
      m |= std::uint64_t{1} << j;
    }
  }
  bits = round_to_double(m, t, dropped_nonzero || d.used != 0, range_error);
  return finish(q);
}

// --- sorting and searching ------------------------------------------------------

void swap_bytes(unsigned char* a, unsigned char* b, std::size_t size) noexcept {
  for (std::size_t i = 0; i < size; ++i) {
    const unsigned char t = a[i];
    a[i] = b[i];
    b[i] = t;
  }
}

}  // namespace

extern "C" {

// Memory: the task's own heap (dyn_malloc), returned when the task goes.
void* dyn_libc_malloc(size_t size) { return dyn_malloc(size); }
void dyn_libc_free(void* block) { dyn_free(block); }

void* dyn_libc_calloc(size_t count, size_t size) {
  if (size && count > SIZE_MAX / size) return nullptr;
  void* p = dyn_malloc(count * size);
  if (p) std::memset(p, 0, count * size);
  return p;
}

void* dyn_libc_realloc(void* block, size_t size) {
  if (!block) return dyn_malloc(size);
  if (size == 0) {
    dyn_free(block);
    return nullptr;
  }
  dyn::TaskManager* m = nullptr;
  dyn::RegisterEntry* e = calling_entry(&m);
  if (!e) return nullptr;
  dyn::port::kernel_enter();
  const std::size_t old = m->task_register().heap_block_size(*e, block);
  dyn::port::kernel_exit();
  if (old == 0) {
    dyn::Kernel::current()->log(3, "realloc: not a live block of this task; refused");
    return nullptr;
  }
  void* grown = dyn_malloc(size);
  if (!grown) return nullptr;  // the old block stays, as C says
  std::memcpy(grown, block, old < size ? old : size);
  dyn_free(block);
  return grown;
}

// Blocks are 16-byte aligned; a larger alignment is refused (NULL / EINVAL).
void* dyn_libc_aligned_alloc(size_t alignment, size_t size) {
  if (alignment == 0 || (alignment & (alignment - 1)) || alignment > 16) return nullptr;
  return dyn_malloc(size);
}

int dyn_libc_posix_memalign(void** out, size_t alignment, size_t size) {
  const dyn::ModuleMemoryScope scope;  // the module's memory: a fault in here is the module's
  if (alignment < sizeof(void*) || (alignment & (alignment - 1)) || alignment > 16) return 22;  // EINVAL
  void* p = dyn_malloc(size);
  if (!p && size) return 12;  // ENOMEM
  *out = p;
  return 0;
}

// String routines whose declarations differ between C libraries (C++
// overloads in glibc's headers, POSIX-only in newlib's): the runtime's own.
size_t dyn_libc_strnlen(const char* text, size_t limit) {
  const dyn::ModuleMemoryScope scope;  // the module's memory: a fault in here is the module's
  std::size_t n = 0;
  while (n < limit && text[n]) ++n;
  return n;
}

void* dyn_libc_memchr(const void* bytes, int value, size_t n) {
  const dyn::ModuleMemoryScope scope;  // the module's memory: a fault in here is the module's
  const auto* p = static_cast<const unsigned char*>(bytes);
  for (std::size_t i = 0; i < n; ++i)
    if (p[i] == static_cast<unsigned char>(value)) return const_cast<unsigned char*>(p + i);
  return nullptr;
}

char* dyn_libc_strchr(const char* text, int c) {
  const dyn::ModuleMemoryScope scope;  // the module's memory: a fault in here is the module's
  for (;; ++text) {
    if (*text == static_cast<char>(c)) return const_cast<char*>(text);
    if (!*text) return nullptr;
  }
}

char* dyn_libc_strrchr(const char* text, int c) {
  const dyn::ModuleMemoryScope scope;  // the module's memory: a fault in here is the module's
  const char* found = nullptr;
  for (;; ++text) {
    if (*text == static_cast<char>(c)) found = text;
    if (!*text) return const_cast<char*>(found);
  }
}

char* dyn_libc_strstr(const char* text, const char* part) {
  const dyn::ModuleMemoryScope scope;  // the module's memory: a fault in here is the module's
  const std::size_t n = std::strlen(part);
  for (; *text; ++text)
    if (std::strncmp(text, part, n) == 0) return const_cast<char*>(text);
  return n == 0 ? const_cast<char*>(text) : nullptr;
}

char* dyn_libc_strpbrk(const char* text, const char* set) {
  const dyn::ModuleMemoryScope scope;  // the module's memory: a fault in here is the module's
  for (; *text; ++text)
    for (const char* c = set; *c; ++c)
      if (*text == *c) return const_cast<char*>(text);
  return nullptr;
}

int dyn_libc_strcasecmp(const char* a, const char* b) { return dyn_libc_strncasecmp(a, b, SIZE_MAX); }

int dyn_libc_strncasecmp(const char* a, const char* b, size_t n) {
  const dyn::ModuleMemoryScope scope;  // the module's memory: a fault in here is the module's
  for (std::size_t i = 0; i < n; ++i) {
    const int x = dyn_libc_tolower(static_cast<unsigned char>(a[i])), y = dyn_libc_tolower(static_cast<unsigned char>(b[i]));
    if (x != y || x == 0) return x - y;
  }
  return 0;
}

char* dyn_libc_strndup(const char* text, size_t limit) {
  const std::size_t n = dyn_libc_strnlen(text, limit);
  char* copy = static_cast<char*>(dyn_malloc(n + 1));
  if (!copy) return nullptr;
  std::memcpy(copy, text, n);
  copy[n] = '\0';
  return copy;
}
char* dyn_libc_strdup(const char* text) { return dyn_libc_strndup(text, SIZE_MAX); }

// abort() and failed assertions stop the task with a fault record.
// (Every routine that reads or writes memory the module handed it holds a
// ModuleMemoryScope: a bad pointer then stops the task, not the kernel.)
[[noreturn]] void dyn_libc_abort(void) { stop_task("abort() called", __builtin_return_address(0)); }

// glibc's assert()
[[noreturn]] void dyn_libc_assert_fail_from(const char* assertion, const char* file, unsigned line,
                                             const char* function, void* caller) {
  char why[200];
  (void)dyn_libc_snprintf(why, sizeof why, "assertion failed: %s (%s:%u, %s)", assertion, file, line,
                          function ? function : "?");
  stop_task(why, caller);
}

[[noreturn]] void dyn_libc_assert_fail(const char* assertion, const char* file, unsigned line, const char* function) {
  dyn_libc_assert_fail_from(assertion, file, line, function, __builtin_return_address(0));
}

// newlib's assert()
[[noreturn]] void dyn_libc_assert_func(const char* file, int line, const char* function, const char* assertion) {
  dyn_libc_assert_fail(assertion, file, static_cast<unsigned>(line), function);
}

int dyn_libc_vsnprintf(char* out, size_t room, const char* fmt, va_list args) {
  const dyn::ModuleMemoryScope scope;  // the module's memory: a fault in here is the module's
  va_list copy;
  va_copy(copy, args);
  const int n = format(out, room, fmt, copy);
  va_end(copy);
  return n;
}

int dyn_libc_snprintf(char* out, size_t room, const char* fmt, ...) {
  const dyn::ModuleMemoryScope scope;  // the module's memory: a fault in here is the module's
  va_list args;
  va_start(args, fmt);
  const int n = format(out, room, fmt, args);
  va_end(args);
  return n;
}

int dyn_libc_vsprintf(char* out, const char* fmt, va_list args) { return dyn_libc_vsnprintf(out, SIZE_MAX, fmt, args); }

int dyn_libc_sprintf(char* out, const char* fmt, ...) {
  const dyn::ModuleMemoryScope scope;  // the module's memory: a fault in here is the module's
  va_list args;
  va_start(args, fmt);
  const int n = format(out, SIZE_MAX, fmt, args);
  va_end(args);
  return n;
}

// errno is not among the names modules may link (docs/modules.md), so
// these routines set none: writing the C library's errno would write kernel
// memory, which module code running in its own domain cannot touch.
double dyn_libc_strtod(const char* text, char** end) {
  const dyn::ModuleMemoryScope scope;
  bool range_error = false;
  return parse_double(text, end, &range_error);
}

// Integers (C locale, C11 7.22.1.4): optional space and sign, a 0x prefix
// for base 16 or 0, digits of the base; the value clamps at the type's
// range, as the standard says.
extern "C++" {
namespace {
int digit_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return 99;
}

// The magnitude, clamped at `limit` (*clamped then); *negative from the sign; *end past the last digit.
unsigned long long parse_integer(const char* text, char** end, int base, unsigned long long limit, bool* negative,
                                 bool* clamped) noexcept {
  const dyn::ModuleMemoryScope scope;  // the module's memory: a fault in here is the module's
  const char* p = text;
  while (dyn_libc_isspace(static_cast<unsigned char>(*p))) ++p;
  *negative = false;
  if (*p == '+' || *p == '-') *negative = *p++ == '-';
  if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && digit_value(p[2]) < 16) {
    p += 2;
    base = 16;
  } else if (base == 0) {
    base = p[0] == '0' ? 8 : 10;
  }
  if (base < 2 || base > 36) {
    if (end) *end = const_cast<char*>(text);
    return 0;
  }
  const char* first = p;
  unsigned long long v = 0;
  *clamped = false;
  for (int d; (d = digit_value(*p)) < base; ++p) {
    const auto b = static_cast<unsigned long long>(base);
    if (*clamped || v > (limit - static_cast<unsigned long long>(d)) / b) {
      *clamped = true;
      continue;
    }
    v = v * b + static_cast<unsigned long long>(d);
  }
  if (end) *end = const_cast<char*>(p == first ? text : p);
  return *clamped ? limit : v;
}

template <class T>
T parse_signed(const char* text, char** end, int base) noexcept {
  using U = unsigned long long;
  constexpr U max = static_cast<U>(std::numeric_limits<T>::max());
  bool negative = false, clamped = false;
  const U v = parse_integer(text, end, base, max + 1, &negative, &clamped);
  if (!negative) return v > max ? std::numeric_limits<T>::max() : static_cast<T>(v);
  return v > max ? std::numeric_limits<T>::min() : static_cast<T>(-static_cast<T>(v));
}

template <class T>
T parse_unsigned(const char* text, char** end, int base) noexcept {
  bool negative = false, clamped = false;
  const auto v = static_cast<T>(parse_integer(text, end, base, std::numeric_limits<T>::max(), &negative, &clamped));
  if (clamped) return v;  // out of range: the maximum, whatever the sign
  return negative ? static_cast<T>(-v) : v;  // C: the negation is done in the unsigned type
}
}  // namespace
}  // extern "C++"

long dyn_libc_strtol(const char* text, char** end, int base) { return parse_signed<long>(text, end, base); }
long long dyn_libc_strtoll(const char* text, char** end, int base) { return parse_signed<long long>(text, end, base); }
unsigned long dyn_libc_strtoul(const char* text, char** end, int base) {
  return parse_unsigned<unsigned long>(text, end, base);
}
unsigned long long dyn_libc_strtoull(const char* text, char** end, int base) {
  return parse_unsigned<unsigned long long>(text, end, base);
}
int dyn_libc_atoi(const char* text) { return static_cast<int>(dyn_libc_strtol(text, nullptr, 10)); }
long dyn_libc_atol(const char* text) { return dyn_libc_strtol(text, nullptr, 10); }
long long dyn_libc_atoll(const char* text) { return dyn_libc_strtoll(text, nullptr, 10); }

// Character classes of the C locale (ASCII), without the platform's locale object.
int dyn_libc_isdigit(int c) { return c >= '0' && c <= '9'; }
int dyn_libc_isupper(int c) { return c >= 'A' && c <= 'Z'; }
int dyn_libc_islower(int c) { return c >= 'a' && c <= 'z'; }
int dyn_libc_isalpha(int c) { return dyn_libc_isupper(c) || dyn_libc_islower(c); }
int dyn_libc_isalnum(int c) { return dyn_libc_isalpha(c) || dyn_libc_isdigit(c); }
int dyn_libc_isxdigit(int c) { return dyn_libc_isdigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
int dyn_libc_isspace(int c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
int dyn_libc_isblank(int c) { return c == ' ' || c == '\t'; }
int dyn_libc_iscntrl(int c) { return (c >= 0 && c < 32) || c == 127; }
int dyn_libc_isprint(int c) { return c >= 32 && c < 127; }
int dyn_libc_isgraph(int c) { return c > 32 && c < 127; }
int dyn_libc_ispunct(int c) { return dyn_libc_isgraph(c) && !dyn_libc_isalnum(c); }
int dyn_libc_tolower(int c) { return dyn_libc_isupper(c) ? c + ('a' - 'A') : c; }
int dyn_libc_toupper(int c) { return dyn_libc_islower(c) ? c - ('a' - 'A') : c; }

double dyn_libc_atof(const char* text) { return dyn_libc_strtod(text, nullptr); }

// C++: operator new and delete over the task's heap. Modules are built
// without exceptions, so a new that finds no memory stops the task (an
// Aborted fault) instead of throwing; a pure virtual call stops it too.
void* dyn_libc_operator_new(size_t size) {
  void* p = dyn_malloc(size ? size : 1);
  if (!p) stop_task("operator new: the task's heap is exhausted", __builtin_return_address(0));
  return p;
}
void dyn_libc_operator_delete(void* block) { dyn_free(block); }
void dyn_libc_operator_delete_sized(void* block, size_t size) {
  (void)size;
  dyn_free(block);
}
[[noreturn]] void dyn_libc_pure_virtual(void) {
  stop_task("a pure virtual function was called", __builtin_return_address(0));
}

// Heapsort: in place, no allocation, no recursion.
void dyn_libc_qsort(void* base, size_t count, size_t size, int (*compare)(const void*, const void*)) {
  const dyn::ModuleMemoryScope scope;  // the module's memory: a fault in here is the module's
  auto* a = static_cast<unsigned char*>(base);
  auto at = [&](std::size_t i) { return a + i * size; };
  auto sift = [&](std::size_t root, std::size_t end) {
    for (std::size_t child; (child = 2 * root + 1) < end; root = child) {
      if (child + 1 < end && compare(at(child), at(child + 1)) < 0) ++child;
      if (compare(at(root), at(child)) >= 0) return;
      swap_bytes(at(root), at(child), size);
    }
  };
  if (count < 2 || size == 0) return;
  for (std::size_t i = count / 2; i-- > 0;) sift(i, count);
  for (std::size_t end = count - 1; end > 0; --end) {
    swap_bytes(at(0), at(end), size);
    sift(0, end);
  }
}

void* dyn_libc_bsearch(const void* key, const void* base, size_t count, size_t size,
                       int (*compare)(const void*, const void*)) {
  const dyn::ModuleMemoryScope scope;
  const auto* a = static_cast<const unsigned char*>(base);
  std::size_t lo = 0, hi = count;
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    const int c = compare(key, a + mid * size);
    if (c == 0) return const_cast<unsigned char*>(a + mid * size);
    if (c < 0) hi = mid;
    else lo = mid + 1;
  }
  return nullptr;
}

// Time is mission time. clock() is the task's own CPU time.
int dyn_libc_clock_gettime(int clock, struct dyn_libc_timespec* out) {
  const dyn::ModuleMemoryScope scope;  // the module's memory: a fault in here is the module's
  (void)clock;  // every clock reads mission time: there is no other on board
  const dyn_time_t now = dyn_now();
  out->tv_sec = now / 1000000;
  out->tv_nsec = static_cast<long>(now % 1000000) * 1000;
  return 0;
}

std::int64_t dyn_libc_time(std::int64_t* out) {
  const dyn::ModuleMemoryScope scope;  // the module's memory: a fault in here is the module's
  const std::int64_t seconds = dyn_now() / 1000000;
  if (out) *out = seconds;
  return seconds;
}

long dyn_libc_clock(void) {
  dyn::Kernel* k = dyn::Kernel::current();
  const dyn::Task* t = k ? k->running() : nullptr;
  if (!t) return -1;
  const dyn::Time cpu = t->stats.cpu_total + (k->now() - t->slice_start);  // microseconds, this run included
  return static_cast<long>(cpu * dyn::kLibcClocksPerSecond / 1000000);
}

}  // extern "C"
