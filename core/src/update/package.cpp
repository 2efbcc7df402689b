// package.cpp — opening an update package: authenticate, then parse, then check.
#include "dyn/package.hpp"

#include "dyn/module_delta.hpp"

#include <cstring>

namespace dyn {

namespace fmt = package_format;

namespace {

// Manifest field offsets, from the start of the manifest (docs/packages.md).
constexpr std::size_t kName = 0, kArch = 32, kKind = 33, kFlags = 34, kReserved1 = 35, kResultVersion = 36,
                      kResultSize = 40, kSequence = 44, kStoreSpace = 52, kPayloadLength = 56, kHasBase = 60,
                      kReserved2 = 61, kBaseDigest = 64, kResultDigest = 96;

std::uint32_t get32(const std::byte* p) noexcept {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}
std::uint64_t get64(const std::byte* p) noexcept {
  return static_cast<std::uint64_t>(get32(p)) | static_cast<std::uint64_t>(get32(p + 4)) << 32;
}
void put32(std::byte* p, std::uint32_t v) noexcept {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::byte>(v >> (8 * i));
}
void put64(std::byte* p, std::uint64_t v) noexcept {
  put32(p, static_cast<std::uint32_t>(v));
  put32(p + 4, static_cast<std::uint32_t>(v >> 32));
}

Unexpected<PackageError> refuse(PackageErrc code, std::uint64_t detail = 0) noexcept {
  return Unexpected{PackageError{code, detail}};
}

bool known_arch(std::uint8_t a) noexcept {
  return a == static_cast<std::uint8_t>(PackageArch::X86_64) || a == static_cast<std::uint8_t>(PackageArch::ArmThumb);
}

}  // namespace

const char* to_string(AuthMode m) noexcept {
  switch (m) {
    case AuthMode::Ed25519: return "Ed25519";
    case AuthMode::HmacSha256: return "HMAC-SHA-256";
  }
  return "?";
}

std::size_t tag_size(AuthMode m) noexcept {
  switch (m) {
    case AuthMode::Ed25519: return fmt::kEd25519TagSize;
    case AuthMode::HmacSha256: return fmt::kHmacTagSize;
  }
  return 0;
}

bool HmacPackageVerifier::verify(std::span<const std::byte> message, std::span<const std::byte> tag) const noexcept {
  if (key_.empty()) return false;  // no key is never a valid key
  const HmacSha256Tag expected = HmacSha256::of(key_, message);
  return equal_in_constant_time(expected, tag);
}

const char* describe(PackageErrc e) noexcept {
  switch (e) {
    case PackageErrc::Truncated: return "truncated: shorter than its header says (an incomplete upload: send the rest, or again)";
    case PackageErrc::TooLong: return "longer than its header says (trailing bytes: an upload glued to another?)";
    case PackageErrc::BadMagic: return "not an update package (no DSUP magic)";
    case PackageErrc::UnknownVersion:
      return "a package format version this spacecraft does not read (pack it with the ground tool of the flight software)";
    case PackageErrc::UnknownAuthMode: return "an unknown authentication mode";
    case PackageErrc::WrongAuthMode:
      return "authenticated in another mode than this spacecraft verifies (pack it with the mission's key type)";
    case PackageErrc::BadAuthentication:
      return "the authentication does not verify: signed with another key, or damaged on the way (check the key; "
             "send it again)";
    case PackageErrc::BadManifest: return "authentic but its manifest is malformed (a ground tool bug: re-pack it)";
    case PackageErrc::UnknownPayloadKind: return "a payload kind this spacecraft cannot apply";
    case PackageErrc::Replayed: return "replayed: its sequence number was already accepted (pack it with a new one)";
    case PackageErrc::Older:
      return "older than the last accepted package (anti-rollback: pack it with a sequence number above the last)";
    case PackageErrc::TooFarAhead:
      return "its sequence number jumps beyond the allowed window (pack it with the next number, or let the ground "
             "allow the jump explicitly)";
    case PackageErrc::CounterUnreadable:
      return "the store's anti-replay counter cannot be read, so no package is accepted (the store must be "
             "initialised again, and the next package numbered above every one ever sent: docs/store.md)";
    case PackageErrc::WrongArchitecture: return "built for another target architecture";
    case PackageErrc::WrongModule: return "for another module than the task runs";
    case PackageErrc::BaseMismatch:
      return "a delta for a base this spacecraft does not have (pack it against the installed version)";
    case PackageErrc::SizeMismatch: return "the result is not the size its manifest says (a ground tool bug: re-pack it)";
    case PackageErrc::DigestMismatch: return "the result's digest is not its manifest's (a ground tool bug: re-pack it)";
    case PackageErrc::TooLargeForStore: return "too large for the space left in the store (free space, or send a delta)";
    case PackageErrc::BadDelta: return "its delta does not apply to the installed version (a ground tool bug: re-pack it)";
  }
  return "?";
}

Result<PackageView, PackageError> open_package(std::span<const std::byte> bytes, const PackageVerifier& verifier) noexcept {
  // 1. The fixed header only: what is needed to find the tag.
  if (bytes.size() < fmt::kHeaderSize) return refuse(PackageErrc::Truncated, fmt::kHeaderSize - bytes.size());
  const std::byte* h = bytes.data();
  if (std::memcmp(h, fmt::kMagic, sizeof fmt::kMagic) != 0) return refuse(PackageErrc::BadMagic);
  const auto version = static_cast<std::uint8_t>(h[4]);
  if (version != fmt::kVersion) return refuse(PackageErrc::UnknownVersion, version);
  const auto mode_byte = static_cast<std::uint8_t>(h[5]);
  const auto mode = static_cast<AuthMode>(mode_byte);
  const std::size_t tag = tag_size(mode);
  if (tag == 0) return refuse(PackageErrc::UnknownAuthMode, mode_byte);
  if (mode != verifier.mode()) return refuse(PackageErrc::WrongAuthMode, mode_byte);
  const std::uint32_t total = get32(h + 8);
  if (bytes.size() < total) return refuse(PackageErrc::Truncated, total - bytes.size());
  if (bytes.size() > total) return refuse(PackageErrc::TooLong, bytes.size() - total);
  if (total < fmt::kHeaderSize + fmt::kManifestSize + tag)
    return refuse(PackageErrc::Truncated, fmt::kHeaderSize + fmt::kManifestSize + tag - total);

  // 2. Authentication over everything before the tag, before anything else is read.
  const std::span<const std::byte> signed_part = bytes.first(total - tag);
  if (!verifier.verify(signed_part, bytes.subspan(total - tag, tag))) return refuse(PackageErrc::BadAuthentication);

  // 3. Only now the (authentic) manifest.
  if (h[6] != std::byte{0} || h[7] != std::byte{0}) return refuse(PackageErrc::BadManifest, 6);
  const std::byte* m = h + fmt::kHeaderSize;
  PackageView view{mode, {}, {}};
  PackageManifest& out = view.manifest;
  std::size_t name_length = 0;
  while (name_length < fmt::kNameField && m[kName + name_length] != std::byte{0}) ++name_length;
  if (name_length == 0 || name_length >= fmt::kNameField) return refuse(PackageErrc::BadManifest, fmt::kHeaderSize + kName);
  for (std::size_t i = name_length; i < fmt::kNameField; ++i)
    if (m[kName + i] != std::byte{0}) return refuse(PackageErrc::BadManifest, fmt::kHeaderSize + kName + i);
  std::memcpy(out.name_bytes, m + kName, name_length);
  out.name_length = static_cast<std::uint8_t>(name_length);
  const auto arch = static_cast<std::uint8_t>(m[kArch]);
  if (!known_arch(arch)) return refuse(PackageErrc::BadManifest, fmt::kHeaderSize + kArch);
  out.arch = static_cast<PackageArch>(arch);
  const auto kind = static_cast<std::uint8_t>(m[kKind]);
  if (kind > static_cast<std::uint8_t>(PayloadKind::ModuleDelta)) return refuse(PackageErrc::UnknownPayloadKind, kind);
  out.kind = static_cast<PayloadKind>(kind);
  out.flags = static_cast<std::uint8_t>(m[kFlags]);
  if ((out.flags & ~fmt::kFlagAllowJump) != 0) return refuse(PackageErrc::BadManifest, fmt::kHeaderSize + kFlags);
  if (m[kReserved1] != std::byte{0}) return refuse(PackageErrc::BadManifest, fmt::kHeaderSize + kReserved1);
  out.result_version = get32(m + kResultVersion);
  out.result_size = get32(m + kResultSize);
  out.sequence = get64(m + kSequence);
  out.store_space = get32(m + kStoreSpace);
  const std::uint32_t payload_length = get32(m + kPayloadLength);
  const auto has_base = static_cast<std::uint8_t>(m[kHasBase]);
  if (has_base > 1) return refuse(PackageErrc::BadManifest, fmt::kHeaderSize + kHasBase);
  out.has_base = has_base == 1;
  for (std::size_t i = 0; i < 3; ++i)
    if (m[kReserved2 + i] != std::byte{0}) return refuse(PackageErrc::BadManifest, fmt::kHeaderSize + kReserved2 + i);
  std::memcpy(out.base_digest.data(), m + kBaseDigest, out.base_digest.size());
  std::memcpy(out.result_digest.data(), m + kResultDigest, out.result_digest.size());
  if (!out.has_base)
    for (std::byte b : out.base_digest)
      if (b != std::byte{0}) return refuse(PackageErrc::BadManifest, fmt::kHeaderSize + kBaseDigest);
  // A full package carries no base; the payload fills the space between manifest and tag exactly.
  if ((out.kind == PayloadKind::FullImage) == out.has_base)  // a delta needs its base, a full image has none
    return refuse(PackageErrc::BadManifest, fmt::kHeaderSize + kHasBase);
  if (payload_length != total - tag - fmt::kHeaderSize - fmt::kManifestSize)
    return refuse(PackageErrc::BadManifest, fmt::kHeaderSize + kPayloadLength);
  view.payload = bytes.subspan(fmt::kHeaderSize + fmt::kManifestSize, payload_length);
  return view;
}

Result<void, PackageError> check_freshness(const PackageManifest& m, SequenceState s, std::uint64_t window) noexcept {
  if (!s.readable) return refuse(PackageErrc::CounterUnreadable);
  if (m.sequence == UINT64_MAX) return refuse(PackageErrc::BadManifest, fmt::kHeaderSize + 44);  // no number after it
  if (!s.known) return {};  // no counter given (a test, or a port without a store): any number starts the count
  if (m.sequence == s.accepted) return refuse(PackageErrc::Replayed, m.sequence);
  if (m.sequence < s.accepted) return refuse(PackageErrc::Older, s.accepted);
  // `window` numbers may be skipped (packages lost on the way): the next one is always fine.
  // Even an allowed jump is bounded, so one package cannot use up the numbers.
  const std::uint64_t skipped = m.sequence - s.accepted - 1;
  if (skipped > window && ((m.flags & fmt::kFlagAllowJump) == 0 || skipped > fmt::kJumpMax))
    return refuse(PackageErrc::TooFarAhead, s.accepted);
  return {};
}

Result<std::span<const std::byte>, PackageError> full_image(const PackageView& p) noexcept {
  if (p.manifest.kind != PayloadKind::FullImage) return refuse(PackageErrc::UnknownPayloadKind, static_cast<std::uint8_t>(p.manifest.kind));
  if (p.payload.size() != p.manifest.result_size) return refuse(PackageErrc::SizeMismatch, p.payload.size());
  const Sha256Digest digest = Sha256::of(p.payload);
  if (!equal_in_constant_time(digest, p.manifest.result_digest)) return refuse(PackageErrc::DigestMismatch);
  return p.payload;
}

Result<AcceptedPackage, PackageError> accept_package(std::span<const std::byte> bytes, const PackageVerifier& verifier,
                                                     const PackageTarget& target) noexcept {
  auto view = open_package(bytes, verifier);
  if (!view) return Unexpected{view.error()};
  const PackageManifest& m = view.value().manifest;
  if (auto fresh = check_freshness(m, target.sequence, target.window); !fresh) return Unexpected{fresh.error()};
  if (m.arch != target.arch) return refuse(PackageErrc::WrongArchitecture, static_cast<std::uint8_t>(m.arch));
  if (m.name() != target.running_module && !target.rename) return refuse(PackageErrc::WrongModule);
  if (m.store_space > target.store_free) return refuse(PackageErrc::TooLargeForStore, m.store_space);
  if (m.result_size == 0) return refuse(PackageErrc::BadManifest, fmt::kHeaderSize + 40);
  if (m.kind == PayloadKind::FullImage) {
    auto image = full_image(view.value());
    if (!image) return Unexpected{image.error()};
    return AcceptedPackage{m, image.value()};
  }
  // A delta: for the installed version only, rebuilt in the caller's buffer, checked whole.
  if (!equal_in_constant_time(Sha256::of(target.base_image), m.base_digest)) return refuse(PackageErrc::BaseMismatch);
  if (m.result_size > target.result_buffer.size()) return refuse(PackageErrc::TooLargeForStore, m.result_size);
  // The result must not overlap the base or the package it is rebuilt from.
  const auto overlaps = [](std::span<const std::byte> a, std::span<const std::byte> b) {
    return !a.empty() && !b.empty() && a.data() < b.data() + b.size() && b.data() < a.data() + a.size();
  };
  if (overlaps(target.result_buffer.first(m.result_size), target.base_image) ||
      overlaps(target.result_buffer.first(m.result_size), bytes))
    return refuse(PackageErrc::TooLargeForStore, m.result_size);
  const std::span<std::byte> out = target.result_buffer.first(m.result_size);
  DeltaDecoder decoder(target.base_image, out);
  if (auto applied = decoder.apply(view.value().payload); !applied) {
    const DeltaError e = applied.error();
    return refuse(PackageErrc::BadDelta, static_cast<std::uint64_t>(e.code) << 32 | (e.detail & 0xFFFFFFFFu));
  }
  if (!equal_in_constant_time(Sha256::of(out), m.result_digest)) return refuse(PackageErrc::DigestMismatch);
  return AcceptedPackage{m, out};
}

std::size_t write_package_body(AuthMode mode, const PackageManifest& m, std::span<const std::byte> payload,
                               std::span<std::byte> out) noexcept {
  const std::size_t tag = tag_size(mode);
  if (tag == 0 || m.name_length == 0 || m.name_length >= fmt::kNameField) return 0;
  const std::size_t total = fmt::kHeaderSize + fmt::kManifestSize + payload.size() + tag;
  if (out.size() < total || total > 0xFFFFFFFFu) return 0;
  std::memset(out.data(), 0, fmt::kHeaderSize + fmt::kManifestSize);
  std::byte* h = out.data();
  std::memcpy(h, fmt::kMagic, sizeof fmt::kMagic);
  h[4] = static_cast<std::byte>(fmt::kVersion);
  h[5] = static_cast<std::byte>(mode);
  put32(h + 8, static_cast<std::uint32_t>(total));
  std::byte* mf = h + fmt::kHeaderSize;
  std::memcpy(mf + kName, m.name_bytes, m.name_length);
  mf[kArch] = static_cast<std::byte>(m.arch);
  mf[kKind] = static_cast<std::byte>(m.kind);
  mf[kFlags] = static_cast<std::byte>(m.flags);
  put32(mf + kResultVersion, m.result_version);
  put32(mf + kResultSize, m.result_size);
  put64(mf + kSequence, m.sequence);
  put32(mf + kStoreSpace, m.store_space);
  put32(mf + kPayloadLength, static_cast<std::uint32_t>(payload.size()));
  mf[kHasBase] = static_cast<std::byte>(m.has_base ? 1 : 0);
  if (m.has_base) std::memcpy(mf + kBaseDigest, m.base_digest.data(), m.base_digest.size());
  std::memcpy(mf + kResultDigest, m.result_digest.data(), m.result_digest.size());
  if (!payload.empty()) std::memcpy(h + fmt::kHeaderSize + fmt::kManifestSize, payload.data(), payload.size());
  std::memset(h + total - tag, 0, tag);
  return total;
}

}  // namespace dyn
