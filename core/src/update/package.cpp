// package.cpp — opening an update package: authenticate, then parse, then check.
#include "dyn/package.hpp"

#include "dyn/error_text.hpp"
#include "dyn/module_delta.hpp"

#include <cstring>

namespace dyn {

namespace fmt = package_format;

namespace {

// LEB128, as the manifest's numbers and the header's length are written.
void put_varint(std::byte*& p, std::uint64_t v) noexcept {
  while (v >= 0x80) {
    *p++ = static_cast<std::byte>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<std::byte>(v);
}
std::size_t varint_size(std::uint64_t v) noexcept {
  std::size_t n = 1;
  for (; v >= 0x80; v >>= 7) ++n;
  return n;
}

// Reads the manifest front to back, within [at, end); the first failure
// sticks and keeps its offset (from the start of the package).
class ManifestReader {
 public:
  ManifestReader(std::span<const std::byte> bytes, std::size_t at, std::size_t end) noexcept
      : bytes_(bytes), at_(at), end_(end) {}
  std::uint8_t byte() noexcept {
    if (!ok_ || at_ >= end_) {
      fail_at(at_);
      return 0;
    }
    return static_cast<std::uint8_t>(bytes_[at_++]);
  }
  std::uint64_t varint(std::uint64_t max) noexcept {
    const std::size_t start = at_;
    std::uint64_t v = 0;
    for (unsigned shift = 0; ok_; shift += 7) {
      if (shift > 63) {
        fail_at(start);
        return 0;
      }
      const std::uint8_t b = byte();
      if (shift == 63 && (b & 0x7E) != 0) fail_at(start);  // more than 64 bits
      v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        if (b == 0 && shift > 0) fail_at(start);  // one number, one encoding: no padded varints
        break;
      }
    }
    if (ok_ && v > max) fail_at(start);
    return v;
  }
  void copy(std::byte* out, std::size_t n) noexcept {
    if (!ok_ || end_ - at_ < n) return fail_at(at_);
    std::memcpy(out, bytes_.data() + at_, n);
    at_ += n;
  }
  void fail_at(std::size_t offset) noexcept {
    if (ok_) failed_at_ = offset;
    ok_ = false;
  }
  bool ok() const noexcept { return ok_; }
  std::size_t at() const noexcept { return at_; }
  std::size_t failed_at() const noexcept { return failed_at_; }

 private:
  std::span<const std::byte> bytes_;
  std::size_t at_, end_;
  bool ok_ = true;
  std::size_t failed_at_ = 0;
};

constexpr char kBindingDomain[] = "dynsched binding";

Unexpected<PackageError> refuse(PackageErrc code, std::uint64_t detail = 0) noexcept {
  return Unexpected{PackageError{code, detail}};
}

bool known_arch(std::uint8_t a) noexcept {
  return a == static_cast<std::uint8_t>(PackageArch::X86_64) || a == static_cast<std::uint8_t>(PackageArch::ArmThumb);
}

}  // namespace

PackageDigest package_digest(std::span<const std::byte> image) noexcept {
  const Sha256Digest full = Sha256::of(image);
  PackageDigest d;
  std::memcpy(d.data(), full.data(), d.size());
  return d;
}

SpacecraftBinding spacecraft_binding(std::string_view spacecraft, std::string_view mission) noexcept {
  Sha256 h;
  const std::byte nul[1] = {};
  h.update(std::as_bytes(std::span(kBindingDomain, sizeof kBindingDomain - 1)));
  h.update(nul);
  h.update(std::as_bytes(std::span(spacecraft.data(), spacecraft.size())));
  h.update(nul);
  h.update(std::as_bytes(std::span(mission.data(), mission.size())));
  const Sha256Digest full = h.finish();
  SpacecraftBinding b;
  std::memcpy(b.data(), full.data(), b.size());
  return b;
}

namespace {
bool copy_name(std::string_view n, char* bytes, std::uint8_t* length) noexcept {
  if (n.empty() || n.size() > fmt::kNameMax) return false;
  for (char c : n)
    if (c == '\0') return false;
  std::memcpy(bytes, n.data(), n.size());
  bytes[n.size()] = '\0';
  *length = static_cast<std::uint8_t>(n.size());
  return true;
}
}  // namespace

bool PackageManifest::set_name(std::string_view n) noexcept { return copy_name(n, name_bytes, &name_length); }

bool PackageManifest::set_replaces(std::string_view old_name) noexcept {
  if (!copy_name(old_name, replaces_bytes, &replaces_length)) return false;
  flags |= fmt::kFlagRenames;
  return true;
}

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
  return tag.size() == fmt::kHmacTagSize && equal_in_constant_time(std::span(expected).first(fmt::kHmacTagSize), tag);
}

const char* describe(PackageErrc e) noexcept {
  switch (e) {
    case PackageErrc::Truncated: return DYN_ERROR_TEXT("Truncated",
     "truncated: shorter than its header says (an incomplete upload: send the rest, or again)");
    case PackageErrc::TooLong:
      return DYN_ERROR_TEXT("TooLong", "longer than its header says (trailing bytes: an upload glued to another?)");
    case PackageErrc::BadMagic: return DYN_ERROR_TEXT("BadMagic", "not an update package (no DU magic)");
    case PackageErrc::UnknownVersion:
      return DYN_ERROR_TEXT("UnknownVersion",
          "a package format version this spacecraft does not read (pack it with the ground tool of the flight software)");
    case PackageErrc::UnknownAuthMode:
      return DYN_ERROR_TEXT("UnknownAuthMode",
          "an unknown authentication mode (not made by this flight software's ground tool: re-pack it with it)");
    case PackageErrc::WrongAuthMode:
      return DYN_ERROR_TEXT("WrongAuthMode",
          "authenticated in another mode than this spacecraft verifies (pack it with the mission's key type)");
    case PackageErrc::BadAuthentication:
      return DYN_ERROR_TEXT("BadAuthentication",
          "the authentication does not verify: signed with another key, or damaged on the way (check the key; "
          "send it again)");
    case PackageErrc::BadHeader:
      return DYN_ERROR_TEXT("BadHeader",
          "its header is malformed (a padded or impossible length: not a package of this format, or damaged)");
    case PackageErrc::BadManifest:
      return DYN_ERROR_TEXT("BadManifest", "authentic but its manifest is malformed (a ground tool bug: re-pack it)");
    case PackageErrc::UnknownPayloadKind:
      return DYN_ERROR_TEXT("UnknownPayloadKind",
          "a payload kind this spacecraft cannot apply (re-pack it with the flight software's ground tool)");
    case PackageErrc::Replayed:
      return DYN_ERROR_TEXT("Replayed", "replayed: its sequence number was already accepted (pack it with a new one)");
    case PackageErrc::Older:
      return DYN_ERROR_TEXT("Older",
          "older than the last accepted package (anti-rollback: pack it with a sequence number above the last)");
    case PackageErrc::TooFarAhead:
      return DYN_ERROR_TEXT("TooFarAhead",
          "its sequence number skips more numbers than the mission's sequence_window allows (pack it with the "
          "next number, or with pack --allow-jump: at most 2^20 skipped)");
    case PackageErrc::CounterUnreadable:
      return DYN_ERROR_TEXT("CounterUnreadable",
          "the store's anti-replay counter cannot be read, so no package is accepted (the store must be "
          "initialised again, and the next package numbered above every one ever sent: docs/store.md)");
    case PackageErrc::WrongArchitecture:
      return DYN_ERROR_TEXT("WrongArchitecture",
          "built for another target architecture (pack the module built for this spacecraft's target)");
    case PackageErrc::WrongModule:
      return DYN_ERROR_TEXT("WrongModule",
          "for another module than the task runs (pack it for that module, or with --renames for a rename)");
    case PackageErrc::WrongSpacecraft:
      return DYN_ERROR_TEXT("WrongSpacecraft",
          "made for another spacecraft or mission (pack it with --for this mission's file, or --spacecraft and "
          "--mission as its store names them)");
    case PackageErrc::BaseMismatch:
      return DYN_ERROR_TEXT("BaseMismatch",
          "a delta for a base this spacecraft does not have (pack it against the installed version)");
    case PackageErrc::SizeMismatch:
      return DYN_ERROR_TEXT("SizeMismatch",
          "the result is not the size its manifest says (a ground tool bug: re-pack it)");
    case PackageErrc::DigestMismatch:
      return DYN_ERROR_TEXT("DigestMismatch",
          "the result's digest is not its manifest's (a ground tool bug: re-pack it)");
    case PackageErrc::TooLargeForStore:
      return DYN_ERROR_TEXT("TooLargeForStore",
          "too large for the space left in the store (free space, or send a delta)");
    case PackageErrc::BadDelta:
      return DYN_ERROR_TEXT("BadDelta",
          "its delta does not apply to the installed version (a ground tool bug: re-pack it)");
    case PackageErrc::TooLargeToRebuild:
      return DYN_ERROR_TEXT("TooLargeToRebuild",
          "its result is larger than the buffer this spacecraft rebuilds a delta in (send a full package)");
  }
  return "?";
}

Result<PackageView, PackageError> open_package(std::span<const std::byte> bytes, const PackageVerifier& verifier) noexcept {
  // 1. The header only: what is needed to find the tag.
  const std::byte* h = bytes.data();
  if (bytes.size() >= sizeof fmt::kMagic && std::memcmp(h, fmt::kMagic, sizeof fmt::kMagic) != 0)
    return refuse(PackageErrc::BadMagic);
  if (bytes.size() < fmt::kFixedHeader + 1) return refuse(PackageErrc::Truncated, fmt::kFixedHeader + 1 - bytes.size());
  const auto version = static_cast<std::uint8_t>(h[2]);
  if (version != fmt::kVersion) return refuse(PackageErrc::UnknownVersion, version);
  const auto mode_byte = static_cast<std::uint8_t>(h[3]);
  const auto mode = static_cast<AuthMode>(mode_byte);
  const std::size_t tag = tag_size(mode);
  if (tag == 0) return refuse(PackageErrc::UnknownAuthMode, mode_byte);
  if (mode != verifier.mode()) return refuse(PackageErrc::WrongAuthMode, mode_byte);
  ManifestReader header(bytes, fmt::kFixedHeader, bytes.size());
  const std::uint64_t total = header.varint(0xFFFFFFFFu);
  if (!header.ok())  // a length cut short, padded, or more than a package can have
    return header.at() >= bytes.size() ? refuse(PackageErrc::Truncated, 1) : refuse(PackageErrc::BadHeader, fmt::kFixedHeader);
  const std::size_t manifest_at = header.at();
  if (bytes.size() < total) return refuse(PackageErrc::Truncated, total - bytes.size());
  if (bytes.size() > total) return refuse(PackageErrc::TooLong, bytes.size() - total);
  if (total < manifest_at + tag) return refuse(PackageErrc::BadHeader, fmt::kFixedHeader);  // no room for its own tag

  // 2. Authentication over everything before the tag, before anything else is read.
  const std::size_t tag_at = bytes.size() - tag;
  if (!verifier.verify(bytes.first(tag_at), bytes.subspan(tag_at, tag))) return refuse(PackageErrc::BadAuthentication);

  // 3. Only now the (authentic) manifest, front to back.
  PackageView view{mode, {}, {}};
  PackageManifest& out = view.manifest;
  ManifestReader r(bytes, manifest_at, tag_at);
  const std::size_t flags_at = r.at();
  out.flags = r.byte();
  if (r.ok() && (out.flags & ~fmt::kFlagsKnown) != 0) r.fail_at(flags_at);
  const std::size_t arch_at = r.at();
  const auto arch = r.byte();
  if (r.ok() && !known_arch(arch)) r.fail_at(arch_at);
  out.arch = static_cast<PackageArch>(arch);
  const auto kind = r.byte();
  if (r.ok() && kind > static_cast<std::uint8_t>(PayloadKind::ModuleDelta)) return refuse(PackageErrc::UnknownPayloadKind, kind);
  out.kind = static_cast<PayloadKind>(kind);
  out.has_base = out.kind == PayloadKind::ModuleDelta;
  out.sequence_at = static_cast<std::uint32_t>(r.at());
  out.sequence = r.varint(UINT64_MAX);
  const std::size_t name_at = r.at();
  const std::size_t name_length = r.byte();
  if (r.ok() && (name_length == 0 || name_length > fmt::kNameMax)) r.fail_at(name_at);
  r.copy(reinterpret_cast<std::byte*>(out.name_bytes), name_length);
  if (r.ok()) {
    out.name_length = static_cast<std::uint8_t>(name_length);
    for (std::size_t i = 0; i < name_length; ++i)
      if (out.name_bytes[i] == '\0') r.fail_at(name_at + 1 + i);
  }
  if (out.renames()) {
    const std::size_t replaces_at = r.at();
    const std::size_t replaces_length = r.byte();
    if (r.ok() && (replaces_length == 0 || replaces_length > fmt::kNameMax)) r.fail_at(replaces_at);
    r.copy(reinterpret_cast<std::byte*>(out.replaces_bytes), replaces_length);
    if (r.ok()) {
      out.replaces_length = static_cast<std::uint8_t>(replaces_length);
      for (std::size_t i = 0; i < replaces_length; ++i)
        if (out.replaces_bytes[i] == '\0') r.fail_at(replaces_at + 1 + i);
    }
  }
  if (out.bound()) r.copy(out.binding.data(), out.binding.size());
  out.result_version = static_cast<std::uint32_t>(r.varint(0xFFFFFFFFu));
  out.result_size_at = static_cast<std::uint32_t>(r.at());
  out.result_size = static_cast<std::uint32_t>(r.varint(0xFFFFFFFFu));
  out.store_space = static_cast<std::uint32_t>(r.varint(0xFFFFFFFFu));
  if (out.has_base) r.copy(out.base_digest.data(), out.base_digest.size());
  r.copy(out.result_digest.data(), out.result_digest.size());
  if (!r.ok()) return refuse(PackageErrc::BadManifest, r.failed_at());
  // The payload fills the space between manifest and tag exactly.
  view.payload = bytes.subspan(r.at(), tag_at - r.at());
  return view;
}

Result<void, PackageError> check_freshness(const PackageManifest& m, SequenceState s, std::uint64_t window) noexcept {
  if (!s.readable) return refuse(PackageErrc::CounterUnreadable);
  if (m.sequence == UINT64_MAX) return refuse(PackageErrc::BadManifest, m.sequence_at);  // no number after it
  if (!s.known) return {};  // no counter given (a test, or a port without a store): any number starts the count
  if (m.sequence == s.accepted) return refuse(PackageErrc::Replayed, m.sequence);
  if (m.sequence < s.accepted) return refuse(PackageErrc::Older, s.accepted);
  // `window` numbers may be skipped (packages lost on the way): the next one is always fine.
  // Every skip is bounded, an allowed jump's and a wide window's alike, so a
  // few packages cannot use up the numbers (2^64 - 1 is never accepted).
  const std::uint64_t skipped = m.sequence - s.accepted - 1;
  if (skipped > fmt::kJumpMax || (skipped > window && (m.flags & fmt::kFlagAllowJump) == 0))
    return refuse(PackageErrc::TooFarAhead, s.accepted);
  return {};
}

Result<std::span<const std::byte>, PackageError> full_image(const PackageView& p) noexcept {
  if (p.manifest.kind != PayloadKind::FullImage) return refuse(PackageErrc::UnknownPayloadKind, static_cast<std::uint8_t>(p.manifest.kind));
  if (p.payload.size() != p.manifest.result_size) return refuse(PackageErrc::SizeMismatch, p.payload.size());
  if (!equal_in_constant_time(package_digest(p.payload), p.manifest.result_digest))
    return refuse(PackageErrc::DigestMismatch);
  return p.payload;
}

Result<AcceptedPackage, PackageError> accept_package(std::span<const std::byte> bytes, const PackageVerifier& verifier,
                                                     const PackageTarget& target) noexcept {
  auto view = open_package(bytes, verifier);
  if (!view) return Unexpected{view.error()};
  const PackageManifest& m = view.value().manifest;
  if (auto fresh = check_freshness(m, target.sequence, target.window); !fresh) return Unexpected{fresh.error()};
  if (m.arch != target.arch) return refuse(PackageErrc::WrongArchitecture, static_cast<std::uint8_t>(m.arch));
  if (m.bound() && (!target.has_identity || m.binding != target.identity)) return refuse(PackageErrc::WrongSpacecraft);
  if (m.applies_to() != target.running_module) return refuse(PackageErrc::WrongModule);
  if (m.store_space > target.store_free) return refuse(PackageErrc::TooLargeForStore, m.store_space);
  if (m.result_size == 0) return refuse(PackageErrc::BadManifest, m.result_size_at);
  if (m.kind == PayloadKind::FullImage) {
    auto image = full_image(view.value());
    if (!image) return Unexpected{image.error()};
    return AcceptedPackage{m, image.value()};
  }
  // A delta: for the installed version only, rebuilt in the caller's buffer, checked whole.
  // No installed image is no base (even for a delta made against an empty file).
  if (target.base_image.empty() || !equal_in_constant_time(package_digest(target.base_image), m.base_digest))
    return refuse(PackageErrc::BaseMismatch);
  if (m.result_size > target.result_buffer.size()) return refuse(PackageErrc::TooLargeToRebuild, m.result_size);
  // The result must not overlap the base or the package it is rebuilt from.
  const auto overlaps = [](std::span<const std::byte> a, std::span<const std::byte> b) {
    return !a.empty() && !b.empty() && a.data() < b.data() + b.size() && b.data() < a.data() + a.size();
  };
  if (overlaps(target.result_buffer.first(m.result_size), target.base_image) ||
      overlaps(target.result_buffer.first(m.result_size), bytes))
    return refuse(PackageErrc::TooLargeToRebuild, m.result_size);
  const std::span<std::byte> out = target.result_buffer.first(m.result_size);
  DeltaDecoder decoder(target.base_image, out);
  if (auto applied = decoder.apply(view.value().payload); !applied) {
    const DeltaError e = applied.error();
    return refuse(PackageErrc::BadDelta, static_cast<std::uint64_t>(e.code) << 32 | (e.detail & 0xFFFFFFFFu));
  }
  if (!equal_in_constant_time(package_digest(out), m.result_digest)) return refuse(PackageErrc::DigestMismatch);
  return AcceptedPackage{m, out};
}

namespace {

std::size_t manifest_size(const PackageManifest& m) noexcept {
  return 3 + varint_size(m.sequence) + 1 + m.name_length + (m.renames() ? 1u + m.replaces_length : 0u) +
         (m.bound() ? fmt::kBindingSize : 0) +
         varint_size(m.result_version) + varint_size(m.result_size) + varint_size(m.store_space) +
         (m.has_base ? fmt::kDigestSize : 0) + fmt::kDigestSize;
}

bool writable(AuthMode mode, const PackageManifest& m) noexcept {
  return tag_size(mode) != 0 && m.name_length != 0 && m.name_length <= fmt::kNameMax &&
         (!m.renames() || (m.replaces_length != 0 && m.replaces_length <= fmt::kNameMax)) &&
         (m.flags & ~fmt::kFlagsKnown) == 0 && m.has_base == (m.kind == PayloadKind::ModuleDelta) &&
         known_arch(static_cast<std::uint8_t>(m.arch));
}

// The total size with its own length field (which counts itself).
std::size_t total_size(std::size_t without_length) noexcept {
  std::size_t length_bytes = 1;
  while (varint_size(without_length + length_bytes) != length_bytes) ++length_bytes;
  return without_length + length_bytes;
}

}  // namespace

std::size_t package_size(AuthMode mode, const PackageManifest& m, std::size_t payload_size) noexcept {
  if (!writable(mode, m) || payload_size > 0xFFFFFFFFu - 4 * fmt::kManifestMax) return 0;  // no wrap, even with a 32-bit size_t
  const std::size_t total = total_size(fmt::kFixedHeader + manifest_size(m) + payload_size + tag_size(mode));
  return total > 0xFFFFFFFFu ? 0 : total;
}

std::size_t write_package_body(AuthMode mode, const PackageManifest& m, std::span<const std::byte> payload,
                               std::span<std::byte> out) noexcept {
  const std::size_t total = package_size(mode, m, payload.size());
  if (total == 0 || out.size() < total) return 0;
  std::byte* p = out.data();
  std::memcpy(p, fmt::kMagic, sizeof fmt::kMagic);
  p[2] = static_cast<std::byte>(fmt::kVersion);
  p[3] = static_cast<std::byte>(mode);
  p += fmt::kFixedHeader;
  put_varint(p, total);
  *p++ = static_cast<std::byte>(m.flags);
  *p++ = static_cast<std::byte>(m.arch);
  *p++ = static_cast<std::byte>(m.kind);
  put_varint(p, m.sequence);
  *p++ = static_cast<std::byte>(m.name_length);
  std::memcpy(p, m.name_bytes, m.name_length);
  p += m.name_length;
  if (m.renames()) {
    *p++ = static_cast<std::byte>(m.replaces_length);
    std::memcpy(p, m.replaces_bytes, m.replaces_length);
    p += m.replaces_length;
  }
  if (m.bound()) {
    std::memcpy(p, m.binding.data(), m.binding.size());
    p += m.binding.size();
  }
  put_varint(p, m.result_version);
  put_varint(p, m.result_size);
  put_varint(p, m.store_space);
  if (m.has_base) {
    std::memcpy(p, m.base_digest.data(), m.base_digest.size());
    p += m.base_digest.size();
  }
  std::memcpy(p, m.result_digest.data(), m.result_digest.size());
  p += m.result_digest.size();
  if (!payload.empty()) std::memcpy(p, payload.data(), payload.size());
  p += payload.size();
  std::memset(p, 0, tag_size(mode));
  return total;
}

}  // namespace dyn
