// work_fuzz.cpp — libFuzzer target for the workload and duration languages.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "duration.hpp"
#include "workload.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string why;
  auto steps = dyn::cli::parse_work(text, &why);
  if (!steps && why.empty()) __builtin_trap();  // every refusal says why
  if (steps)
    for (const auto& s : *steps)
      if (s.repeat == 0 || s.duration < 0) __builtin_trap();
  if (auto d = dyn::cli::parse_duration(text)) {
    if (*d < 0) __builtin_trap();
    if (dyn::cli::parse_duration(dyn::cli::format_duration(*d)) != d) __builtin_trap();  // round trip
  }
  (void)dyn::cli::parse_size(text);
  return 0;
}
