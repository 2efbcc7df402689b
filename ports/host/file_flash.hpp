// file_flash.hpp — the host port's flash: a file laid out like a NOR part.
//
// The file holds block_count * block_size bytes; a missing file is created
// erased (all 0xFF). Every FileFlash operation obeys the same rules as
// RamFlash and a real part (flash.hpp): aligned, granule-sized writes only to
// erased bytes, erase by whole blocks. With Durability::Sync each write and
// erase is followed by fdatasync, so an operation that returned has reached
// the disk — the host's stand-in for "the flash controller finished".
#pragma once

#include <cstdint>

#include "dyn/flash.hpp"

namespace dyn::host {

enum class Durability : std::uint8_t { Buffered, Sync };

class FileFlash final : public Flash {
 public:
  FileFlash() = default;
  ~FileFlash();
  FileFlash(const FileFlash&) = delete;
  FileFlash& operator=(const FileFlash&) = delete;

  // Opens (or creates erased) the file. Fails with BadGeometry if the geometry
  // is inconsistent, WrongSize if an existing file has another size (detail =
  // its size in bytes, saturated), Io with errno otherwise.
  [[nodiscard]] Result<void, FlashError> open(const char* path, FlashGeometry geometry,
                                              Durability durability = Durability::Buffered) noexcept;
  void close() noexcept;
  bool is_open() const noexcept { return fd_ >= 0; }

  FlashGeometry geometry() const noexcept override { return geometry_; }
  Result<void, FlashError> read(std::uint32_t offset, std::span<std::byte> out) noexcept override;
  Result<void, FlashError> write(std::uint32_t offset, std::span<const std::byte> bytes) noexcept override;
  Result<void, FlashError> erase(std::uint32_t block) noexcept override;

 private:
  [[nodiscard]] Result<void, FlashError> read_exact(std::uint32_t offset, std::byte* out, std::size_t n) noexcept;
  [[nodiscard]] Result<void, FlashError> write_exact(std::uint32_t offset, const std::byte* in, std::size_t n) noexcept;

  int fd_ = -1;
  FlashGeometry geometry_{};
  Durability durability_ = Durability::Buffered;
};

}  // namespace dyn::host
