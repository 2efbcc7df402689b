// checkpoint.hpp — the checkpoint object: a task's state, self-describing and versioned.
//
// Seed 000 steps 5–6: the task's state is turned into a checkpoint object;
// the decheckpointer turns it back into task state — here, the new version's
// restore hook, which may transform it from any older layout it knows
// (Erlang's code_change). The object is untrusted bytes when it comes back
// from the store, so it is read through one validating factory.
//
// Layout (little-endian), 60-byte header then the payload:
//   0  magic "DYCK"     4  format (1)       6  header size (60)
//   8  module name, 32 bytes, NUL-padded (at most 31 bytes of name)
//  40  module version  44  state schema    48  payload length
//  52  payload CRC-32  56  header CRC-32 (bytes 0..55)
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "dyn/result.hpp"

namespace dyn {

inline constexpr std::uint32_t kCheckpointMagic = 0x4B435944;  // "DYCK"
inline constexpr std::size_t kCheckpointHeaderSize = 60;

enum class CheckpointErrc : std::uint8_t {
  TooSmall,        // detail = size
  BadMagic,
  BadFormat,       // detail = format
  BadHeaderCrc,
  BadName,         // not NUL-terminated, or empty
  LengthPastEnd,   // detail = length
  BadPayloadCrc,
  NoRoom,          // encode: detail = bytes needed
};

struct CheckpointError {
  CheckpointErrc code;
  std::uint64_t detail = 0;
};

const char* describe(CheckpointErrc e) noexcept;

// Writes the header in front of a payload already placed at out[60..60+length).
[[nodiscard]] Result<std::size_t, CheckpointError> seal_checkpoint(std::span<std::byte> out, std::string_view module,
                                                                  std::uint32_t version, std::uint32_t schema,
                                                                  std::size_t length) noexcept;

struct CheckpointView {
  std::string_view module;
  std::uint32_t version;
  std::uint32_t schema;
  std::span<const std::byte> payload;

  enum class Verify : std::uint8_t {
    Everything,  // bytes from storage or a link: header and payload CRCs
    Header,      // an object sealed a moment ago in this RAM (live update's
                 // handoff): the payload CRC was just computed over these
                 // very bytes, recomputing it would only add unavailability
  };
  [[nodiscard]] static Result<CheckpointView, CheckpointError> open(std::span<const std::byte> bytes,
                                                                    Verify verify = Verify::Everything) noexcept;
};

}  // namespace dyn
