// flash.hpp — the NOR-flash contract the module store is written against,
// and RamFlash, an in-memory flash that can lose power on cue.
//
// Rules every implementation enforces (they are the real part's rules, so a
// store that passes on RamFlash does not rely on anything flash can't do):
//  - the device is block_count erase blocks of block_size bytes;
//  - erase(block) sets every byte of one block to the erased value 0xFF;
//  - write(offset, bytes) starts on a multiple of write_size and its length is
//    a multiple of write_size (the programming granule: ECC flash programs a
//    whole granule at once and cannot reprogram it);
//  - write only to erased bytes: programming can only clear bits, so writing a
//    byte that is not 0xFF is refused with NotErased (offset = that byte);
//  - reads may be of any offset and length inside the device.
// Errors name the offending flash offset. An operation refused for breaking a
// rule changes nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "dyn/result.hpp"

namespace dyn {

inline constexpr std::byte kFlashErased{0xFF};

struct FlashGeometry {
  std::uint32_t block_size;   // bytes per erase block; a multiple of write_size
  std::uint32_t block_count;
  std::uint32_t write_size;   // programming granule: a power of two, 1..64
  std::uint64_t size() const noexcept { return std::uint64_t{block_size} * block_count; }
};

enum class FlashErrc : std::uint8_t {
  BadGeometry,  // block/granule sizes inconsistent; detail = the offending size
  OutOfRange,   // offset = start; detail = length (or block index for erase)
  Misaligned,   // write not on / not a multiple of write_size; offset = start, detail = length
  NotErased,    // write over a programmed byte; offset = that byte
  PowerLost,    // the device lost power during or before this operation; offset = start
  Io,           // host file I/O failed; offset = start, detail = errno
  WrongSize,    // host: an existing file is not block_count * block_size bytes; detail = its size (saturated)
};

struct FlashError {
  FlashErrc code;
  std::uint32_t offset = 0;
  std::uint32_t detail = 0;
};

// Cause and remedy, e.g. for NotErased: "write over programmed flash: the
// region must be erased first; the store's cursor is wrong or the part is worn".
const char* describe(FlashErrc e) noexcept;

// Checks shared by every implementation, before any byte is touched.
[[nodiscard]] Result<void, FlashError> check_geometry(const FlashGeometry& g) noexcept;
[[nodiscard]] Result<void, FlashError> check_read(const FlashGeometry& g, std::uint32_t offset, std::size_t length) noexcept;
[[nodiscard]] Result<void, FlashError> check_write(const FlashGeometry& g, std::uint32_t offset, std::size_t length) noexcept;
[[nodiscard]] Result<void, FlashError> check_erase(const FlashGeometry& g, std::uint32_t block) noexcept;

class Flash {
 public:
  virtual FlashGeometry geometry() const noexcept = 0;
  [[nodiscard]] virtual Result<void, FlashError> read(std::uint32_t offset, std::span<std::byte> out) noexcept = 0;
  [[nodiscard]] virtual Result<void, FlashError> write(std::uint32_t offset, std::span<const std::byte> bytes) noexcept = 0;
  [[nodiscard]] virtual Result<void, FlashError> erase(std::uint32_t block) noexcept = 0;

 protected:
  ~Flash() = default;
};

// Flash over a caller-owned byte span (span size == geometry size). For tests
// and for targets that keep the store in RAM-backed storage.
//
// Power cuts: cut_power_after(k) lets k more writes/erases complete; the next
// one is torn and fails with PowerLost, and every operation after it (reads
// too) fails with PowerLost until power_on(). How an operation tears, chosen
// by set_tear(), modelled on what NOR parts do:
//  - a write completes its first `fraction` of granules (rounded down); the
//    granule after them is half-programmed: each bit that should be cleared
//    is cleared or not at random (it reads back as neither old nor new);
//  - an erase sets the first `fraction` of the block to 0xFF; every later
//    byte is left half-erased: its old bits plus random bits set.
// The randomness is a fixed xorshift sequence from `seed`, so a failing case
// replays exactly.
class RamFlash final : public Flash {
 public:
  // Precondition: storage.size() == geometry.size() and check_geometry(geometry).
  RamFlash(std::span<std::byte> storage, FlashGeometry geometry) noexcept;

  FlashGeometry geometry() const noexcept override { return geometry_; }
  Result<void, FlashError> read(std::uint32_t offset, std::span<std::byte> out) noexcept override;
  Result<void, FlashError> write(std::uint32_t offset, std::span<const std::byte> bytes) noexcept override;
  Result<void, FlashError> erase(std::uint32_t block) noexcept override;

  void cut_power_after(std::uint32_t operations) noexcept {
    armed_ = true;
    remaining_ = operations;
  }
  void disarm() noexcept { armed_ = false; }
  void power_on() noexcept {
    powered_ = true;
    armed_ = false;
  }
  bool powered() const noexcept { return powered_; }
  // fraction_per_256: how much of the torn operation completes (0 = nothing, 255 = all but the last granule).
  void set_tear(std::uint8_t fraction_per_256, std::uint32_t seed) noexcept {
    tear_fraction_ = fraction_per_256;
    rng_ = seed != 0 ? seed : 1;
  }
  // Writes and erases attempted (including refused and torn ones) since construction.
  std::uint64_t operations() const noexcept { return operations_; }
  std::uint64_t erases() const noexcept { return erases_; }

 private:
  // True if this operation may run whole; false if it is the torn one or power is already off.
  bool begin_operation() noexcept;
  std::uint8_t random_byte() noexcept;

  std::span<std::byte> storage_;
  FlashGeometry geometry_;
  bool powered_ = true;
  bool armed_ = false;
  std::uint32_t remaining_ = 0;
  std::uint8_t tear_fraction_ = 128;
  std::uint32_t rng_ = 0x9E3779B9u;
  std::uint64_t operations_ = 0;
  std::uint64_t erases_ = 0;
};

}  // namespace dyn
