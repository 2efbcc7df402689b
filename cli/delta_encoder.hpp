// delta_encoder.hpp — the ground's side of a module delta (the format and
// the on-board decoder: core/include/dyn/module_delta.hpp).
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace dyn::cli {

// A delta that rebuilds `target` from `base`: greedy matching against the
// base (preferring to go on where the previous copy ended, so text that
// moved by a common amount costs one offset) and against the output so far.
std::vector<std::byte> encode_delta(std::span<const std::byte> base, std::span<const std::byte> target);

}  // namespace dyn::cli
