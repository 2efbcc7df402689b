// module_delta.hpp — rebuilding a module version from the installed one and
// a delta, on board, as a stream, in bounded memory (update packages, issue 12).
//
// A delta is a sequence of operations that produce the new image front to
// back (docs/packages.md, "Delta payload"):
//   ADD n        the next n bytes of the delta are output as they are
//   COPY_BASE n  n bytes from the installed image, at the position after the
//                previous COPY_BASE's end plus a signed offset (so text that
//                moved by a common amount is one small number, and copying
//                on where the last copy ended costs nothing)
//   COPY_OUT n   n bytes from the output already produced, d bytes back
//                (repeats within the new version)
// The decoder keeps a few words of state; its memory besides the output
// buffer is sizeof(DeltaDecoder). Every operation is bounds-checked against
// the base, the output and the bytes fed so far; a bad delta is refused with
// the offset of the operation. The result is checked against the manifest's
// digest by the caller (accept_package) before anything uses it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "dyn/result.hpp"

namespace dyn {

enum class DeltaErrc : std::uint8_t {
  BadOperation = 1,  // an unknown operation code; detail = offset in the delta
  BadNumber,         // a length, offset or distance that does not fit; detail = offset
  OutsideBase,       // COPY_BASE reads past the installed image; detail = offset
  OutsideOutput,     // COPY_OUT reaches before the start, or any op writes past the result's size
  Incomplete,        // the delta ended before the result was complete (or inside an operation)
  Trailing,          // operations after the result was complete
};

struct DeltaError {
  DeltaErrc code;
  std::uint64_t detail = 0;
};

const char* describe(DeltaErrc e) noexcept;

namespace delta_format {
// Operation byte: kind in the top two bits, length - 1 in the low six; a
// length above 63 sets the low six to 63 and follows as a varint (LEB128)
// of length - 64. COPY_BASE then has its offset as a zigzag varint, COPY_OUT
// its distance (at least 1) as a varint; ADD its bytes. The ground's encoder:
// cli/delta_encoder.hpp.
inline constexpr std::uint8_t kAdd = 0, kCopyBase = 1, kCopyOut = 2;
inline constexpr std::uint8_t kShortLengthMax = 63;
}  // namespace delta_format

class DeltaDecoder {
 public:
  // `base`: the installed image; `out`: exactly the result's size.
  DeltaDecoder(std::span<const std::byte> base, std::span<std::byte> out) noexcept : base_(base), out_(out) {}

  // Feeds the next bytes of the delta (any split). Refusals are sticky.
  [[nodiscard]] Result<void, DeltaError> feed(std::span<const std::byte> chunk) noexcept;
  // After the last chunk: the output is complete, or Incomplete.
  [[nodiscard]] Result<std::size_t, DeltaError> finish() const noexcept;

 private:
  enum class Stage : std::uint8_t { Op, Length, Offset, Distance, Literal, Failed };
  Result<void, DeltaError> fail(DeltaErrc code) noexcept;
  Result<void, DeltaError> start_copy() noexcept;
  bool number_byte(std::uint8_t b, std::uint64_t& value) noexcept;  // true when the varint is complete

  std::span<const std::byte> base_;
  std::span<std::byte> out_;
  std::size_t written_ = 0;
  std::uint64_t fed_ = 0;         // delta bytes consumed (for error offsets)
  std::uint64_t op_at_ = 0;       // offset of the current operation
  std::uint64_t base_next_ = 0;   // where the previous COPY_BASE ended
  std::uint64_t number_ = 0;      // varint being read
  unsigned shift_ = 0;
  std::uint64_t length_ = 0;      // of the current operation
  std::uint8_t kind_ = 0;
  Stage stage_ = Stage::Op;
  DeltaError error_{};
};

}  // namespace dyn
