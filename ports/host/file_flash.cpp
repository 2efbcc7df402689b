// file_flash.cpp — FileFlash: flash rules over a file with pread/pwrite.
#include "file_flash.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace dyn::host {

namespace {
Unexpected<FlashError> io_error(std::uint32_t offset) noexcept {
  return Unexpected{FlashError{FlashErrc::Io, offset, static_cast<std::uint32_t>(errno)}};
}
}  // namespace

FileFlash::~FileFlash() { close(); }

void FileFlash::close() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Result<void, FlashError> FileFlash::open(const char* path, FlashGeometry geometry, Durability durability) noexcept {
  close();
  if (auto r = check_geometry(geometry); !r) return r;
  geometry_ = geometry;
  durability_ = durability;
  const int fd = ::open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return io_error(0);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const auto e = io_error(0);
    ::close(fd);
    return e;
  }
  fd_ = fd;
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size == 0) {
    // New file: the part comes erased.
    for (std::uint32_t b = 0; b < geometry.block_count; ++b)
      if (auto r = erase(b); !r) {
        close();
        return r;
      }
    return {};
  }
  if (size != geometry.size()) {
    close();
    return Unexpected{FlashError{FlashErrc::WrongSize, 0, size > 0xFFFFFFFFu ? 0xFFFFFFFFu : static_cast<std::uint32_t>(size)}};
  }
  return {};
}

Result<void, FlashError> FileFlash::read_exact(std::uint32_t offset, std::byte* out, std::size_t n) noexcept {
  std::size_t done = 0;
  while (done < n) {
    const ssize_t got = ::pread(fd_, out + done, n - done, static_cast<off_t>(offset + done));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return io_error(offset);
    if (got == 0) {
      errno = EIO;  // file shorter than the device: truncated behind our back
      return io_error(offset);
    }
    done += static_cast<std::size_t>(got);
  }
  return {};
}

Result<void, FlashError> FileFlash::write_exact(std::uint32_t offset, const std::byte* in, std::size_t n) noexcept {
  std::size_t done = 0;
  while (done < n) {
    const ssize_t put = ::pwrite(fd_, in + done, n - done, static_cast<off_t>(offset + done));
    if (put < 0 && errno == EINTR) continue;
    if (put < 0) return io_error(offset);
    done += static_cast<std::size_t>(put);
  }
  if (durability_ == Durability::Sync && ::fdatasync(fd_) != 0) return io_error(offset);
  return {};
}

Result<void, FlashError> FileFlash::read(std::uint32_t offset, std::span<std::byte> out) noexcept {
  if (fd_ < 0) {
    errno = EBADF;
    return io_error(offset);
  }
  if (auto r = check_read(geometry_, offset, out.size()); !r) return r;
  return read_exact(offset, out.data(), out.size());
}

Result<void, FlashError> FileFlash::write(std::uint32_t offset, std::span<const std::byte> bytes) noexcept {
  if (fd_ < 0) {
    errno = EBADF;
    return io_error(offset);
  }
  if (auto r = check_write(geometry_, offset, bytes.size()); !r) return r;
  // Flash can only clear bits: check the target is erased before touching it,
  // so a refused write changes nothing.
  std::byte current[256];
  for (std::size_t done = 0; done < bytes.size();) {
    const std::size_t n = bytes.size() - done < sizeof current ? bytes.size() - done : sizeof current;
    const auto at = static_cast<std::uint32_t>(offset + done);
    if (auto r = read_exact(at, current, n); !r) return r;
    for (std::size_t i = 0; i < n; ++i)
      if (current[i] != kFlashErased)
        return Unexpected{FlashError{FlashErrc::NotErased, static_cast<std::uint32_t>(at + i), 0}};
    done += n;
  }
  return write_exact(offset, bytes.data(), bytes.size());
}

Result<void, FlashError> FileFlash::erase(std::uint32_t block) noexcept {
  if (fd_ < 0) {
    errno = EBADF;
    return io_error(0);
  }
  if (auto r = check_erase(geometry_, block); !r) return r;
  std::byte ones[512];
  std::memset(ones, 0xFF, sizeof ones);
  const std::uint32_t start = block * geometry_.block_size;
  const bool sync = durability_ == Durability::Sync;
  durability_ = Durability::Buffered;  // one fdatasync for the whole block, below
  Result<void, FlashError> result{};
  for (std::uint32_t done = 0; done < geometry_.block_size && result;) {
    const std::uint32_t n = geometry_.block_size - done < sizeof ones ? geometry_.block_size - done
                                                                      : static_cast<std::uint32_t>(sizeof ones);
    if (auto r = write_exact(start + done, ones, n); !r) result = r;
    done += n;
  }
  if (sync) durability_ = Durability::Sync;
  if (result && sync && ::fdatasync(fd_) != 0) return io_error(start);
  return result;
}

}  // namespace dyn::host
