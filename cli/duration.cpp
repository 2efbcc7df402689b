// duration.cpp — duration and size parsing for mission files and the command line.
#include "duration.hpp"

#include <charconv>
#include <cstdint>
#include <cstdio>

namespace dyn::cli {

namespace {
struct Unit {
  std::string_view suffix;
  Time scale;
};
// Longest suffixes first so "ms" is not read as "m" + "s".
constexpr Unit kUnits[] = {{"us", kMicrosecond}, {"ms", kMillisecond}, {"s", kSecond},
                           {"m", kMinute},       {"h", kHour},         {"d", 24 * kHour}};
}  // namespace

std::optional<Time> parse_duration(std::string_view text) {
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  for (const Unit& u : kUnits) {
    if (text.size() <= u.suffix.size() || !text.ends_with(u.suffix)) continue;
    std::string_view number = text.substr(0, text.size() - u.suffix.size());
    if (number.back() < '0' || number.back() > '9') continue;  // "5ms" must not match "s" with "5m"
    const auto dot = number.find('.');
    std::string_view whole = number.substr(0, dot);
    std::string_view frac = dot == std::string_view::npos ? std::string_view{} : number.substr(dot + 1);
    if (whole.empty() || (dot != std::string_view::npos && frac.empty())) return std::nullopt;
    if (whole.front() < '0' || whole.front() > '9') return std::nullopt;  // from_chars takes "-0": "-0.5s" is not 0.5s
    std::int64_t w = 0;
    auto [p, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), w);
    if (ec != std::errc{} || p != whole.data() + whole.size() || w < 0) return std::nullopt;
    if (w > kNever / u.scale) return std::nullopt;
    Time result = w * u.scale;
    Time place = u.scale;
    for (char c : frac) {
      if (c < '0' || c > '9') return std::nullopt;
      place /= 10;
      if (place == 0) return std::nullopt;  // finer than a microsecond
      const Time add = (c - '0') * place;
      if (result > kNever - add) return std::nullopt;  // the whole part was at the limit
      result += add;
    }
    return result;
  }
  return std::nullopt;
}

std::optional<std::size_t> parse_size(std::string_view text) {
  std::size_t scale = 1;
  if (text.ends_with("KiB")) {
    scale = 1024;
    text.remove_suffix(3);
  } else if (text.ends_with("MiB")) {
    scale = 1024 * 1024;
    text.remove_suffix(3);
  }
  std::size_t n = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || p != text.data() + text.size() || text.empty()) return std::nullopt;
  if (n > SIZE_MAX / scale) return std::nullopt;
  return n * scale;
}

std::string format_duration(Time t) {
  if (t == kNever) return "never";
  if (t == 0) return "0s";
  // Whole days, hours or minutes read best as such; otherwise seconds or
  // milliseconds with up to three decimals; always exact, so it parses back.
  for (auto it = std::rbegin(kUnits); it != std::rend(kUnits); ++it) {
    const bool fractional_ok = it->scale == kSecond || it->scale == kMillisecond;
    if (t % it->scale == 0) return std::to_string(t / it->scale) + std::string(it->suffix);
    if (!fractional_ok || t < it->scale || t % (it->scale / 1000) != 0) continue;
    std::string frac = std::to_string(1000 + (t % it->scale) / (it->scale / 1000)).substr(1);
    while (frac.back() == '0') frac.pop_back();
    return std::to_string(t / it->scale) + "." + frac + std::string(it->suffix);
  }
  return std::to_string(t) + "us";
}

std::string format_amount(Time t) {
  // Exact when short; otherwise rounded to what a table column can show.
  const std::string exact = format_duration(t);
  if (exact.size() <= 9 || t < kSecond) return exact;
  char buf[32];
  if (t < kMinute) std::snprintf(buf, sizeof buf, "%.3fs", static_cast<double>(t) / kSecond);
  else if (t < kHour) std::snprintf(buf, sizeof buf, "%.2fm", static_cast<double>(t) / kMinute);
  else std::snprintf(buf, sizeof buf, "%.2fh", static_cast<double>(t) / kHour);
  return buf;
}

std::string format_clock(Time t) {
  char buf[48];
  const Time ms = t / kMillisecond;
  const long long days = ms / 86'400'000, h = ms / 3'600'000 % 24, m = ms / 60'000 % 60, sec = ms / 1000 % 60,
                  milli = ms % 1000;
  if (days) std::snprintf(buf, sizeof buf, "%lldd%02lld:%02lld:%02lld.%03lld", days, h, m, sec, milli);
  else std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld.%03lld", h, m, sec, milli);
  return buf;
}

}  // namespace dyn::cli
