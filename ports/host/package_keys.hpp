// package_keys.hpp — the ground's and the host's side of package
// authentication: Ed25519 through libsodium (key pairs, signing, a
// PackageVerifier), HMAC-SHA-256 keys, and the key files that hold them.
//
// Key files are text: a first line naming the kind, then the key in hex.
//   dynsched ed25519 secret key      (64 bytes: libsodium's seed + public key; stays on the ground)
//   dynsched ed25519 public key      (32 bytes; goes in the mission's [security])
//   dynsched hmac-sha256 key         (32 bytes; the same file on the ground and on board)
// Secret files are written 0600 and never overwritten.
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "dyn/package.hpp"

namespace dyn::host {

enum class KeyKind { Ed25519Secret, Ed25519Public, HmacSha256 };

struct KeyFile {
  KeyKind kind;
  std::vector<std::byte> key;  // wiped when the KeyFile goes
  ~KeyFile();
};

// Reads a key file; false with *why if it is not one (never echoes key
// bytes), or if it holds a secret key that others than its owner may read.
bool read_key_file(const std::string& path, KeyFile* out, std::string* why);
// True if the file's first line names a dynsched key kind, whatever its
// mode, its line ending or the rest of it: a file no tool may overwrite.
bool is_key_file(const std::string& path);
// Writes one; refuses to overwrite an existing file. False with *why.
bool write_key_file(const std::string& path, KeyKind kind, std::span<const std::byte> key, std::string* why);

// A new Ed25519 key pair (secret: 64 bytes, public: 32), or a 32-byte HMAC key.
bool new_ed25519_pair(std::vector<std::byte>* secret, std::vector<std::byte>* pub);
std::vector<std::byte> new_hmac_key();

// Ed25519 signature (64 bytes) of `message` with a 64-byte secret key.
std::array<std::byte, 64> ed25519_sign(std::span<const std::byte> secret, std::span<const std::byte> message);

class Ed25519PackageVerifier final : public PackageVerifier {
 public:
  explicit Ed25519PackageVerifier(std::span<const std::byte> public_key) noexcept;
  AuthMode mode() const noexcept override { return AuthMode::Ed25519; }
  [[nodiscard]] bool verify(std::span<const std::byte> message, std::span<const std::byte> tag) const noexcept override;

 private:
  std::array<std::byte, 32> key_{};
  bool valid_ = false;
};

}  // namespace dyn::host
