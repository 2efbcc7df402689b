// module_delta.cpp — the on-board side of a module delta: a one-pass decoder.
#include "dyn/module_delta.hpp"

#include "dyn/error_text.hpp"

namespace dyn {

namespace df = delta_format;

const char* describe(DeltaErrc e) noexcept {
  switch (e) {
    case DeltaErrc::BadOperation: return DYN_ERROR_TEXT("BadOperation", "the delta has an unknown operation");
    case DeltaErrc::BadNumber:
      return DYN_ERROR_TEXT("BadNumber", "the delta has a length, offset or distance that does not fit");
    case DeltaErrc::OutsideBase:
      return DYN_ERROR_TEXT("OutsideBase",
          "the delta copies from outside the installed version (made for another base?)");
    case DeltaErrc::OutsideOutput:
      return DYN_ERROR_TEXT("OutsideOutput", "the delta writes outside the result, or copies from before its start");
    case DeltaErrc::Incomplete: return DYN_ERROR_TEXT("Incomplete", "the delta ends before the result is complete");
    case DeltaErrc::Trailing: return DYN_ERROR_TEXT("Trailing", "the delta goes on after the result is complete");
  }
  return "?";
}

Result<std::size_t, DeltaError> DeltaDecoder::apply(std::span<const std::byte> delta) noexcept {
  RangeDecoder in(delta);
  DeltaModel& m = model_;
  std::size_t written = 0;
  std::uint64_t cursor = 0;  // in the base: where the previous MATCH ended
  std::uint64_t op_at = 0;
  const auto fail = [&](DeltaErrc code) -> Result<std::size_t, DeltaError> { return Unexpected{DeltaError{code, op_at}}; };
  const std::size_t size = out_.size();
  m.halfword_literals = in.direct(1) != 0;
  while (written < size) {
    if (in.overran()) return fail(DeltaErrc::Incomplete);
    op_at = in.consumed();
    const std::uint32_t kind = code_kind(in, m, 0);
    if (kind == df::kMatch) {
      std::int64_t seek = 0;
      std::uint64_t length = 0;
      std::uint32_t stride = 0;
      if (!code_seek(in, m, seek) || !code_number(in, m.match_length, length)) return fail(DeltaErrc::BadNumber);
      (void)code_stride(in, m, stride);  // every stride index is valid
      bool fields = false;
      code_fields(in, m, fields);
      const auto magnitude = seek < 0 ? static_cast<std::uint64_t>(-(seek + 1)) + 1 : static_cast<std::uint64_t>(seek);
      if (seek < 0 ? magnitude > cursor : magnitude > base_.size() - cursor) return fail(DeltaErrc::OutsideBase);
      const std::uint64_t start = seek < 0 ? cursor - magnitude : cursor + magnitude;
      ++length;
      if (length > size - written) return fail(DeltaErrc::OutsideOutput);
      if (length > base_.size() - start) return fail(DeltaErrc::OutsideBase);
      const auto from = static_cast<std::size_t>(start);  // <= base size
      for (std::size_t k = 0; k < length;) {
        const auto left = static_cast<std::size_t>(length - k);
        if (starts_field(m, written, left) || starts_displacement(m, base_, from, k, left)) {
          const std::uint32_t old = load_le32(base_.subspan(from + k, 4));
          const std::uint32_t word = m.x86_code ? code_match_displacement(in, m, old, 0) : code_match_word(in, m, old, 0);
          for (unsigned b = 0; b < 4; ++b) out_[written + b] = static_cast<std::byte>(word >> (8 * b));
          written += 4;
          k += 4;
        } else {
          out_[written++] = std::byte{code_match_byte(in, m, static_cast<std::uint8_t>(base_[from + k]), 0)};
          ++k;
        }
      }
      cursor = start + length;
    } else if (kind == df::kLiteral) {
      std::uint64_t length = 0;
      if (!code_number(in, m.literal_length, length)) return fail(DeltaErrc::BadNumber);
      if (++length > size - written) return fail(DeltaErrc::OutsideOutput);
      for (std::size_t k = 0; k < length; ++k, ++written) {
        out_[written] = std::byte{code_literal(in, m, written, literal_history(out_, written), 0)};
      }
    } else if (kind == df::kRepeat) {
      std::uint64_t distance = 0, length = 0;
      if (!code_distance(in, m, distance) || !code_number(in, m.repeat_length, length)) return fail(DeltaErrc::BadNumber);
      if (distance > written || ++length > size - written) return fail(DeltaErrc::OutsideOutput);
      // Byte by byte: a repeat may overlap what it produces (a run).
      const auto back = static_cast<std::size_t>(distance);
      for (std::size_t k = 0; k < length; ++k, ++written) out_[written] = out_[written - back];
    } else {
      return fail(DeltaErrc::BadOperation);
    }
  }
  op_at = in.consumed();
  if (in.overran()) return fail(DeltaErrc::Incomplete);
  if (in.trailing()) return fail(DeltaErrc::Trailing);
  return written;
}

}  // namespace dyn
