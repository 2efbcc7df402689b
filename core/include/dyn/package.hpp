// package.hpp — update packages: what travels on the uplink to change one
// module, and the checks the spacecraft makes before anything uses it.
//
// A package is a header, a manifest, a payload and an authentication tag
// over everything before it (docs/packages.md, byte by byte; compact: 54 B
// of header and manifest for a delta of a 6-letter module). The order of
// the checks is the point (SUIT's rule): only the header (magic, version,
// mode, length) is read before the tag is verified; the manifest is parsed only
// once it is authentic; the result's digest is checked before the result is
// used; freshness (anti-replay) is decided against the sequence number the
// store keeps. Every refusal says what to do.
//
// Portable core code: no heap, no exceptions. The HMAC-SHA-256 mode is
// verified here (hmac_sha256.hpp); the Ed25519 mode through a verifier the
// port supplies (the host's uses libsodium).
#pragma once

#include <cstddef>
#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "dyn/hmac_sha256.hpp"
#include "dyn/result.hpp"
#include "dyn/sha256.hpp"

namespace dyn {

namespace package_format {
inline constexpr std::byte kMagic[2] = {std::byte{'D'}, std::byte{'U'}};
inline constexpr std::uint8_t kVersion = 3;  // 2: the delta before fields and count-adapted probabilities
inline constexpr std::size_t kFixedHeader = 4;     // magic, version, auth mode; then the total length (varint)
inline constexpr std::size_t kNameMax = 31;        // module name bytes
inline constexpr std::size_t kDigestSize = 16;     // SHA-256 truncated to 128 bits (docs/packages.md: why enough)
inline constexpr std::size_t kBindingSize = 8;     // which spacecraft and mission a package is for
inline constexpr std::size_t kEd25519TagSize = 64;
inline constexpr std::size_t kHmacTagSize = 16;    // HMAC-SHA-256 truncated to 128 bits (RFC 2104 section 5)
inline constexpr std::uint8_t kFlagAllowJump = 0x01;  // the ground accepts a sequence jump beyond the window...
inline constexpr std::uint8_t kFlagBound = 0x02;      // the manifest names the spacecraft and mission it is for
inline constexpr std::uint8_t kFlagRenames = 0x04;    // the result renames the module: the manifest names the one it replaces
inline constexpr std::uint8_t kFlagsKnown = kFlagAllowJump | kFlagBound | kFlagRenames;
inline constexpr std::uint64_t kJumpMax = std::uint64_t{1} << 20;  // ...of at most this many skipped numbers
inline constexpr std::size_t kManifestMax = 3 + 10 + 2 * (1 + kNameMax) + kBindingSize + 3 * 5 + 2 * kDigestSize;
}  // namespace package_format

// What a manifest says of an image: the first 16 bytes of its SHA-256.
using PackageDigest = std::array<std::byte, package_format::kDigestSize>;
PackageDigest package_digest(std::span<const std::byte> image) noexcept;

// Which spacecraft and mission a package is for (the store's identity):
// the first 8 bytes of SHA-256("dynsched binding" NUL spacecraft NUL mission).
using SpacecraftBinding = std::array<std::byte, package_format::kBindingSize>;
SpacecraftBinding spacecraft_binding(std::string_view spacecraft, std::string_view mission) noexcept;

enum class AuthMode : std::uint8_t { Ed25519 = 1, HmacSha256 = 2 };
const char* to_string(AuthMode m) noexcept;  // "Ed25519", "HMAC-SHA-256"
std::size_t tag_size(AuthMode m) noexcept;   // 0 for an unknown mode

enum class PackageArch : std::uint8_t { X86_64 = 1, ArmThumb = 2 };
enum class PayloadKind : std::uint8_t { FullImage = 0, ModuleDelta = 1 };  // delta: dyn/module_delta.hpp

// Checks a tag over a message. The HMAC one is the core's; an Ed25519 one
// comes from the port (the host's wraps libsodium).
class PackageVerifier {
 public:
  virtual AuthMode mode() const noexcept = 0;
  [[nodiscard]] virtual bool verify(std::span<const std::byte> message, std::span<const std::byte> tag) const noexcept = 0;

 protected:
  ~PackageVerifier() = default;
};

class HmacPackageVerifier final : public PackageVerifier {
 public:
  // `key` must outlive the verifier (it is not copied: no second copy of a key in RAM).
  explicit HmacPackageVerifier(std::span<const std::byte> key) noexcept : key_(key) {}
  AuthMode mode() const noexcept override { return AuthMode::HmacSha256; }
  [[nodiscard]] bool verify(std::span<const std::byte> message, std::span<const std::byte> tag) const noexcept override;

 private:
  std::span<const std::byte> key_;
};

// The authenticated manifest. Invariant once opened: name is 1..31 bytes,
// a delta has a base digest and a full image none, only known flags are set.
struct PackageManifest {
  char name_bytes[package_format::kNameMax + 1] = {};
  std::uint8_t name_length = 0;
  char replaces_bytes[package_format::kNameMax + 1] = {};  // with kFlagRenames: the module it replaces
  std::uint8_t replaces_length = 0;
  PackageArch arch = PackageArch::X86_64;
  PayloadKind kind = PayloadKind::FullImage;
  std::uint8_t flags = 0;
  std::uint32_t result_version = 0;
  std::uint32_t result_size = 0;
  std::uint64_t sequence = 0;
  std::uint32_t store_space = 0;  // bytes of store the result needs (image records included)
  SpacecraftBinding binding{};    // with kFlagBound
  bool has_base = false;          // a delta names the base it applies to (kind == ModuleDelta)
  // Where the sequence number and the result's size are in the package (a
  // refusal of their values names the offset; 0 for a manifest not parsed).
  std::uint32_t sequence_at = 0;
  std::uint32_t result_size_at = 0;
  PackageDigest base_digest{};
  PackageDigest result_digest{};

  std::string_view name() const noexcept { return {name_bytes, name_length}; }
  std::string_view replaces() const noexcept { return {replaces_bytes, replaces_length}; }
  bool bound() const noexcept { return (flags & package_format::kFlagBound) != 0; }
  bool renames() const noexcept { return (flags & package_format::kFlagRenames) != 0; }
  // The module a task must run for this package to apply to it.
  std::string_view applies_to() const noexcept { return renames() ? replaces() : name(); }
  // False (and nothing changed) for an empty name or one over kNameMax bytes.
  bool set_name(std::string_view n) noexcept;
  // Marks the result as a rename of `old_name` (kFlagRenames); false as set_name.
  bool set_replaces(std::string_view old_name) noexcept;
};

struct PackageView {
  AuthMode mode;
  PackageManifest manifest;
  std::span<const std::byte> payload;
};

enum class PackageErrc : std::uint8_t {
  Truncated = 1,       // shorter than its header, or than the length its header declares; detail = bytes missing
  TooLong,             // longer than its header declares (trailing bytes); detail = extra bytes
  BadMagic,            // not a package
  UnknownVersion,      // a format version this spacecraft does not read; detail = version
  UnknownAuthMode,     // detail = mode byte
  WrongAuthMode,       // authenticated another way than this spacecraft verifies; detail = the package's mode
  BadAuthentication,   // the tag does not verify: another key, or damaged on the way
  BadHeader,           // the header before the tag is malformed (a padded or impossible length); not authenticated
  BadManifest,         // authentic but malformed (name, flags, numbers, fields past the tag); detail = offset
  UnknownPayloadKind,  // detail = kind
  Replayed,            // its sequence number was already accepted; detail = sequence
  Older,               // lower than the last accepted; detail = the last accepted
  TooFarAhead,         // beyond the window after the last accepted, and the ground did not allow it; detail = last accepted
  CounterUnreadable,   // the store's anti-replay counter cannot be read: nothing is accepted
  WrongArchitecture,   // built for another target; detail = the package's arch
  WrongModule,         // applies to another module than the task runs (its name, or the one a rename replaces)
  WrongSpacecraft,     // bound to another spacecraft or mission than this one
  BaseMismatch,        // a delta for a base this spacecraft does not have
  SizeMismatch,        // the result is not the size the manifest says; detail = actual size
  DigestMismatch,      // the result's SHA-256 is not the manifest's
  TooLargeForStore,    // detail = bytes it needs
  BadDelta,            // the delta does not apply: detail = DeltaErrc << 32 | offset in the delta
  TooLargeToRebuild,   // a delta's result exceeds the buffer the spacecraft rebuilds modules in; detail = bytes it needs
};

struct PackageError {
  PackageErrc code;
  std::uint64_t detail = 0;
};

// What went wrong and what to do about it, in one sentence.
const char* describe(PackageErrc e) noexcept;

// Reads the header, verifies the tag with `verifier` (refusing a package of
// another mode before anything else), then parses the manifest. Nothing of
// an unauthenticated package is parsed past its fixed header.
[[nodiscard]] Result<PackageView, PackageError> open_package(std::span<const std::byte> bytes,
                                                             const PackageVerifier& verifier) noexcept;

// Anti-replay: a package is accepted only with a sequence number above the
// last accepted one (`accepted`, or none yet), skipping at most `window`
// numbers (packages lost on the way) unless the ground's flag allows the jump
// (TUF/Uptane's fast-forward attack): 0 accepts only the next number.
struct SequenceState {
  bool known = false;     // a sequence was ever accepted
  bool readable = true;   // the store's counter reads back (false: refuse everything)
  std::uint64_t accepted = 0;
};
[[nodiscard]] Result<void, PackageError> check_freshness(const PackageManifest& m, SequenceState s,
                                                         std::uint64_t window) noexcept;

// A full package's module image: the payload, once its size and SHA-256 are
// the manifest's.
[[nodiscard]] Result<std::span<const std::byte>, PackageError> full_image(const PackageView& p) noexcept;

// What the spacecraft knows when a package arrives for a task.
struct PackageTarget {
  PackageArch arch = PackageArch::X86_64;  // what the port runs
  std::string_view running_module;         // the module the task runs now (a rename is the manifest's to say)
  // This spacecraft's identity (the store's): a bound package for another is
  // refused. Without one (a port without a store), bound packages are refused
  // too: a spacecraft that cannot say who it is takes only unbound ones.
  bool has_identity = false;
  SpacecraftBinding identity{};
  SequenceState sequence;                  // the store's anti-replay counter
  std::uint64_t window = 16;
  std::uint64_t store_free = UINT64_MAX;   // bytes the store can still take
  // For a delta: the installed image it applies to, and where the result is
  // rebuilt (at least the manifest's result size).
  std::span<const std::byte> base_image;
  std::span<std::byte> result_buffer;
};

struct AcceptedPackage {
  PackageManifest manifest;
  std::span<const std::byte> image;  // the module image, its digest checked
};

// `bytes`, target.base_image and target.result_buffer must be owned by the
// caller for the whole call and not change (no DMA into them meanwhile): the
// bytes verified are the bytes used. The result may not overlap either.
// The whole decision, in the order of docs/packages.md: open (authenticate,
// then parse), freshness, architecture, module, store space, for a delta the
// base's digest and the rebuild (streamed, bounded memory), the result's digest.
// The caller records manifest.sequence in the store before installing.
[[nodiscard]] Result<AcceptedPackage, PackageError> accept_package(std::span<const std::byte> bytes,
                                                                   const PackageVerifier& verifier,
                                                                   const PackageTarget& target) noexcept;

// The size of the package write_package_body lays out (0 if the manifest is invalid).
std::size_t package_size(AuthMode mode, const PackageManifest& m, std::size_t payload_size) noexcept;

// Writes a package around `payload` (the ground side and tests): header and
// manifest into `out`, the payload after them, then `tag_size(mode)` bytes
// the caller fills with the tag over the first `returned - tag_size` bytes.
// Returns the total size, or 0 if `out` is too small or the manifest invalid.
std::size_t write_package_body(AuthMode mode, const PackageManifest& m, std::span<const std::byte> payload,
                               std::span<std::byte> out) noexcept;

}  // namespace dyn
