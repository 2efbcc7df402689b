// log_line.hpp — a system log line built without printf (the core has none):
// text and numbers appended into a fixed buffer, cut short rather than overflowed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace dyn {

class LogLine {
 public:
  LogLine& operator<<(std::string_view s) noexcept {
    for (const char c : s)
      if (n_ + 1 < sizeof buf_) buf_[n_++] = c;
    buf_[n_] = '\0';
    return *this;
  }
  LogLine& operator<<(const char* s) noexcept { return *this << (s ? std::string_view(s) : std::string_view()); }
  LogLine& operator<<(std::uint32_t v) noexcept {
    char digits[10];
    int k = 0;
    do {
      digits[k++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v && k < 10);
    while (k > 0 && n_ + 1 < sizeof buf_) buf_[n_++] = digits[--k];
    buf_[n_] = '\0';
    return *this;
  }
  const char* c_str() const noexcept { return buf_; }

 private:
  char buf_[256] = {};  // kPendingEventText: what an event carries of a line
  std::size_t n_ = 0;
};

}  // namespace dyn
