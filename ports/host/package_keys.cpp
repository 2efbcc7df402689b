// package_keys.cpp — libsodium for Ed25519, the core for HMAC; key files.
#include "package_keys.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sodium.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "dyn/hmac_sha256.hpp"

namespace dyn::host {

namespace {

bool sodium_ready() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

const char* header_of(KeyKind k) {
  switch (k) {
    case KeyKind::Ed25519Secret: return "dynsched ed25519 secret key";
    case KeyKind::Ed25519Public: return "dynsched ed25519 public key";
    case KeyKind::HmacSha256: return "dynsched hmac-sha256 key";
  }
  return "?";
}

std::size_t size_of(KeyKind k) {
  return k == KeyKind::Ed25519Secret ? crypto_sign_SECRETKEYBYTES : k == KeyKind::Ed25519Public ? crypto_sign_PUBLICKEYBYTES : 32;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

KeyFile::~KeyFile() { wipe(key); }

bool is_key_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char first[64] = {};
  in.read(first, sizeof first);
  const std::string head(first, static_cast<std::size_t>(in.gcount()));
  for (KeyKind k : {KeyKind::Ed25519Secret, KeyKind::Ed25519Public, KeyKind::HmacSha256})
    if (head.starts_with(header_of(k))) return true;
  return false;
}

bool read_key_file(const std::string& path, KeyFile* out, std::string* why) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    *why = path + ": cannot read the key file: " + std::strerror(errno);
    return false;
  }
  std::ifstream in(path);
  if (!in) {
    *why = path + ": cannot read the key file: " + std::strerror(errno);
    return false;
  }
  std::string header, hex;
  std::getline(in, header);
  std::getline(in, hex);
  const KeyKind kinds[] = {KeyKind::Ed25519Secret, KeyKind::Ed25519Public, KeyKind::HmacSha256};
  bool found = false;
  for (KeyKind k : kinds)
    if (header == header_of(k)) {
      out->kind = k;
      found = true;
    }
  if (!found) {
    *why = path + ": not a dynsched key file (its first line names no key kind; make one with `dynsched keygen`)";
    return false;
  }
  // A secret key others can read is a key others may have: refused until it is the owner's alone.
  if (out->kind != KeyKind::Ed25519Public && (st.st_mode & 077) != 0) {
    *why = path + ": a secret key readable by others (mode " + std::to_string((st.st_mode >> 6) & 7) +
           std::to_string((st.st_mode >> 3) & 7) + std::to_string(st.st_mode & 7) + "): chmod 600 it first";
    return false;
  }
  const std::size_t want = size_of(out->kind);
  out->key.assign(want, std::byte{0});
  bool ok = hex.size() == 2 * want;
  for (std::size_t i = 0; ok && i < want; ++i) {
    const int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
    ok = hi >= 0 && lo >= 0;
    if (ok) out->key[i] = static_cast<std::byte>(hi << 4 | lo);
  }
  wipe({reinterpret_cast<std::byte*>(hex.data()), hex.size()});
  if (!ok) {
    *why = path + ": damaged key file: expected " + std::to_string(want) + " bytes in hex on its second line";
    wipe(out->key);
    return false;
  }
  return true;
}

bool write_key_file(const std::string& path, KeyKind kind, std::span<const std::byte> key, std::string* why) {
  const bool secret = kind != KeyKind::Ed25519Public;
  // O_EXCL: a key is never overwritten (a lost ground key is a spacecraft no one can update).
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, secret ? 0600 : 0644);
  if (fd < 0) {
    *why = path + ": " + (errno == EEXIST ? std::string("exists; keys are never overwritten (remove it yourself)")
                                           : std::string(std::strerror(errno)));
    return false;
  }
  std::string text = std::string(header_of(kind)) + "\n";
  static const char digits[] = "0123456789abcdef";
  for (std::byte b : key) {
    text += digits[static_cast<unsigned>(b) >> 4];
    text += digits[static_cast<unsigned>(b) & 15];
  }
  text += "\n";
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  wipe({reinterpret_cast<std::byte*>(text.data()), text.size()});
  const bool closed = ::close(fd) == 0;
  if (!written || !closed) {
    *why = path + ": could not write the key";
    return false;
  }
  return true;
}

bool new_ed25519_pair(std::vector<std::byte>* secret, std::vector<std::byte>* pub) {
  if (!sodium_ready()) return false;
  secret->assign(crypto_sign_SECRETKEYBYTES, std::byte{0});
  pub->assign(crypto_sign_PUBLICKEYBYTES, std::byte{0});
  return crypto_sign_keypair(reinterpret_cast<unsigned char*>(pub->data()),
                             reinterpret_cast<unsigned char*>(secret->data())) == 0;
}

std::vector<std::byte> new_hmac_key() {
  std::vector<std::byte> key(32);
  if (sodium_ready()) randombytes_buf(key.data(), key.size());
  return key;
}

std::array<std::byte, 64> ed25519_sign(std::span<const std::byte> secret, std::span<const std::byte> message) {
  std::array<std::byte, 64> sig{};
  if (!sodium_ready() || secret.size() != crypto_sign_SECRETKEYBYTES) return sig;
  crypto_sign_detached(reinterpret_cast<unsigned char*>(sig.data()), nullptr,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                       reinterpret_cast<const unsigned char*>(secret.data()));
  return sig;
}

Ed25519PackageVerifier::Ed25519PackageVerifier(std::span<const std::byte> public_key) noexcept {
  valid_ = sodium_ready() && public_key.size() == key_.size();
  if (valid_) std::memcpy(key_.data(), public_key.data(), key_.size());
}

bool Ed25519PackageVerifier::verify(std::span<const std::byte> message, std::span<const std::byte> tag) const noexcept {
  if (!valid_ || tag.size() != crypto_sign_BYTES) return false;
  return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(tag.data()),
                                     reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                                     reinterpret_cast<const unsigned char*>(key_.data())) == 0;
}

}  // namespace dyn::host
