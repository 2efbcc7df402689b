// duration.hpp — parsing and printing mission durations ("2ms", "90s", "15m", "24h", "7d").
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "dyn/time.hpp"

namespace dyn::cli {

// Accepts a non-negative integer or decimal followed by one unit: us, ms, s,
// m (minutes), h, d. Returns nullopt for anything else (including overflow).
std::optional<Time> parse_duration(std::string_view text);

// Parses a byte size: plain bytes or with KiB / MiB suffix.
std::optional<std::size_t> parse_size(std::string_view text);

// Exact rendering that parse_duration reads back: whole d/h/m when exact,
// else seconds or milliseconds with up to three decimals, else microseconds.
// e.g. 1500 -> "1.5ms", 345600000 -> "345.6s", 7200000000 -> "2h".
std::string format_duration(Time t);

// A duration for a table column: format_duration when that is short, else
// rounded ("172808.64ms" shows as "2.88m"); not meant to be parsed back.
std::string format_amount(Time t);
// Mission clock for logs: "02:00:00.737", "1d02:00:00.737" (milliseconds).
std::string format_clock(Time t);

}  // namespace dyn::cli
