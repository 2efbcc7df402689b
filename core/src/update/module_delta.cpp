// module_delta.cpp — the on-board side of a module delta: a streaming decoder.
#include "dyn/module_delta.hpp"

#include <cstring>

namespace dyn {

namespace df = delta_format;

const char* describe(DeltaErrc e) noexcept {
  switch (e) {
    case DeltaErrc::BadOperation: return "the delta has an unknown operation";
    case DeltaErrc::BadNumber: return "the delta has a length, offset or distance that does not fit";
    case DeltaErrc::OutsideBase: return "the delta copies from outside the installed version (made for another base?)";
    case DeltaErrc::OutsideOutput: return "the delta writes outside the result, or copies from before its start";
    case DeltaErrc::Incomplete: return "the delta ends before the result is complete";
    case DeltaErrc::Trailing: return "the delta goes on after the result is complete";
  }
  return "?";
}

Result<void, DeltaError> DeltaDecoder::fail(DeltaErrc code) noexcept {
  error_ = DeltaError{code, op_at_};
  stage_ = Stage::Failed;
  return Unexpected{error_};
}

bool DeltaDecoder::number_byte(std::uint8_t b, std::uint64_t& value) noexcept {
  number_ |= static_cast<std::uint64_t>(b & 0x7F) << shift_;
  shift_ += 7;
  if (b & 0x80) return false;
  value = number_;
  number_ = 0;
  shift_ = 0;
  return true;
}

Result<void, DeltaError> DeltaDecoder::start_copy() noexcept {
  if (length_ > out_.size() - written_) return fail(DeltaErrc::OutsideOutput);
  stage_ = kind_ == df::kAdd ? Stage::Literal : kind_ == df::kCopyBase ? Stage::Offset : Stage::Distance;
  return {};
}

Result<void, DeltaError> DeltaDecoder::feed(std::span<const std::byte> chunk) noexcept {
  if (stage_ == Stage::Failed) return Unexpected{error_};
  std::size_t i = 0;
  while (i < chunk.size()) {
    if (stage_ == Stage::Literal) {  // the bulk of an ADD: copied in one piece
      const std::size_t n = chunk.size() - i < length_ ? chunk.size() - i : static_cast<std::size_t>(length_);
      std::memcpy(out_.data() + written_, chunk.data() + i, n);
      written_ += n;
      length_ -= n;
      i += n;
      fed_ += n;
      if (length_ == 0) stage_ = Stage::Op;
      continue;
    }
    const auto b = static_cast<std::uint8_t>(chunk[i++]);
    ++fed_;
    switch (stage_) {
      case Stage::Op: {
        op_at_ = fed_ - 1;
        if (written_ == out_.size()) return fail(DeltaErrc::Trailing);
        kind_ = static_cast<std::uint8_t>(b >> 6);
        if (kind_ > df::kCopyOut) return fail(DeltaErrc::BadOperation);
        if ((b & 63) < df::kShortLengthMax) {
          length_ = (b & 63) + 1u;
          if (auto r = start_copy(); !r) return r;
        } else {
          stage_ = Stage::Length;
        }
        break;
      }
      case Stage::Length: {
        if (shift_ > 56) return fail(DeltaErrc::BadNumber);
        std::uint64_t extra = 0;
        if (!number_byte(b, extra)) break;
        if (extra > out_.size()) return fail(DeltaErrc::OutsideOutput);
        length_ = extra + df::kShortLengthMax + 1;
        if (auto r = start_copy(); !r) return r;
        break;
      }
      case Stage::Offset: {
        if (shift_ > 56) return fail(DeltaErrc::BadNumber);
        std::uint64_t zigzag = 0;
        if (!number_byte(b, zigzag)) break;
        // Signed offset from where the last COPY_BASE ended (zigzag: 0, -1, 1, -2, ...).
        const auto magnitude = zigzag >> 1;
        std::uint64_t start = 0;
        if (zigzag & 1) {
          if (magnitude + 1 > base_next_) return fail(DeltaErrc::OutsideBase);
          start = base_next_ - magnitude - 1;
        } else {
          if (magnitude > base_.size() - base_next_) return fail(DeltaErrc::OutsideBase);
          start = base_next_ + magnitude;
        }
        if (length_ > base_.size() - start) return fail(DeltaErrc::OutsideBase);
        std::memcpy(out_.data() + written_, base_.data() + static_cast<std::size_t>(start),  // start <= base size
                    static_cast<std::size_t>(length_));
        written_ += static_cast<std::size_t>(length_);
        base_next_ = start + length_;
        stage_ = Stage::Op;
        break;
      }
      case Stage::Distance: {
        if (shift_ > 56) return fail(DeltaErrc::BadNumber);
        std::uint64_t distance = 0;
        if (!number_byte(b, distance)) break;
        if (distance == 0 || distance > written_) return fail(DeltaErrc::OutsideOutput);
        // Byte by byte: a copy may overlap what it produces (a run).
        const auto back = static_cast<std::size_t>(distance);  // <= written_, a size_t
        for (std::uint64_t k = 0; k < length_; ++k, ++written_) out_[written_] = out_[written_ - back];
        stage_ = Stage::Op;
        break;
      }
      case Stage::Literal:
      case Stage::Failed: break;
    }
  }
  return {};
}

Result<std::size_t, DeltaError> DeltaDecoder::finish() const noexcept {
  if (stage_ == Stage::Failed) return Unexpected{error_};
  if (stage_ != Stage::Op || written_ != out_.size()) return Unexpected{DeltaError{DeltaErrc::Incomplete, fed_}};
  return written_;
}

}  // namespace dyn
