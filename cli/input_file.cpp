// input_file.cpp — a regular file of bounded size, read whole, or a reason why not.
#include "input_file.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace dyn::cli {

bool read_file(const std::string& path, std::vector<std::byte>* out, std::string* why, std::size_t max_bytes) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    *why = path + ": cannot open (" + std::strerror(errno) + ")";
    return false;
  }
  if (S_ISDIR(st.st_mode)) {
    *why = path + ": is a directory, not a file";
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    *why = path + ": not a regular file (a device, pipe or socket cannot be read as one)";
    return false;
  }
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes) {
    *why = path + ": " + std::to_string(st.st_size) + " bytes, more than the " + std::to_string(max_bytes) +
           " bytes a file may have here";
    return false;
  }
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    *why = path + ": cannot open (" + std::strerror(errno) + ")";
    return false;
  }
  out->assign(static_cast<std::size_t>(st.st_size), std::byte{0});
  const std::size_t got = out->empty() ? 0 : std::fread(out->data(), 1, out->size(), f);
  const bool error = std::ferror(f) != 0;
  std::fclose(f);
  if (error || got != out->size()) {  // changed under us, or an I/O error
    *why = path + ": read " + std::to_string(got) + " of " + std::to_string(out->size()) + " bytes";
    out->clear();
    return false;
  }
  return true;
}

std::vector<std::byte> read_file(const std::string& path) {
  std::vector<std::byte> bytes;
  std::string why;
  (void)read_file(path, &bytes, &why);
  return bytes;
}

std::string to_hex(std::span<const std::byte> bytes) {
  static const char digits[] = "0123456789abcdef";
  std::string s;
  s.reserve(2 * bytes.size());
  for (std::byte b : bytes) {
    s += digits[static_cast<unsigned>(b) >> 4];
    s += digits[static_cast<unsigned>(b) & 15];
  }
  return s;
}

}  // namespace dyn::cli
