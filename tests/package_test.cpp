// package_test.cpp — update packages (issue 12, parts 1, 2 and 4): HMAC-SHA-256
// against RFC 4231 and libsodium, Ed25519 through libsodium, and the package
// checks in their order: authentication before anything is parsed, then the
// manifest, freshness (anti-replay) and the result's digest — each refusal
// tried by corrupting, truncating, replaying and re-keying real packages.
#include <gtest/gtest.h>
#include <sodium.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "delta_encoder.hpp"
#include "input_file.hpp"
#include "dyn/hmac_sha256.hpp"
#include "dyn/package.hpp"
#include "package_keys.hpp"

namespace dyn {
namespace {

std::vector<std::byte> bytes_of(const std::string& s) {
  std::vector<std::byte> v(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) v[i] = static_cast<std::byte>(s[i]);
  return v;
}
std::vector<std::byte> repeated(unsigned char c, std::size_t n) { return std::vector<std::byte>(n, std::byte{c}); }
TEST(HmacSha256, MatchesRfc4231) {
  std::vector<std::byte> key4;
  for (int i = 1; i <= 25; ++i) key4.push_back(static_cast<std::byte>(i));
  struct Case {
    std::vector<std::byte> key, data;
    std::string tag;
  } cases[] = {
      {repeated(0x0b, 20), bytes_of("Hi There"), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {bytes_of("Jefe"), bytes_of("what do ya want for nothing?"),
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {repeated(0xaa, 20), repeated(0xdd, 50), "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
      {key4, repeated(0xcd, 50), "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
      {repeated(0xaa, 131), bytes_of("Test Using Larger Than Block-Size Key - Hash Key First"),
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
      {repeated(0xaa, 131),
       bytes_of("This is a test using a larger than block-size key and a larger than block-size data. The key needs "
                "to be hashed before being used by the HMAC algorithm."),
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
  };
  for (const Case& c : cases) EXPECT_EQ(cli::to_hex(HmacSha256::of(c.key, c.data)), c.tag);
  // Test case 5: truncated to 128 bits.
  EXPECT_EQ(cli::to_hex(HmacSha256::of(repeated(0x0c, 20), bytes_of("Test With Truncation"))).substr(0, 32),
            "a3b6167473100ee06e0c796c2955552b");
}

TEST(HmacSha256, AgreesWithLibsodiumForEveryKeyAndMessageLength) {
  ASSERT_GE(sodium_init(), 0);
  for (std::size_t key_length : {0u, 1u, 31u, 32u, 63u, 64u, 65u, 200u}) {
    for (std::size_t length : {0u, 1u, 55u, 56u, 63u, 64u, 65u, 127u, 128u, 1000u}) {
      std::vector<std::byte> key(key_length + 1), data(length + 1);  // +1: never a null pointer for libsodium
      randombytes_buf(key.data(), key.size());
      randombytes_buf(data.data(), data.size());
      key.pop_back();
      data.pop_back();
      crypto_auth_hmacsha256_state st;
      const unsigned char dummy = 0;
      crypto_auth_hmacsha256_init(&st, key.empty() ? &dummy : reinterpret_cast<const unsigned char*>(key.data()),
                                  key.size());
      crypto_auth_hmacsha256_update(&st, data.empty() ? &dummy : reinterpret_cast<const unsigned char*>(data.data()),
                                    data.size());
      std::array<std::byte, 32> expected{};
      crypto_auth_hmacsha256_final(&st, reinterpret_cast<unsigned char*>(expected.data()));
      // Streaming in two pieces gives the same tag.
      HmacSha256 mac(key);
      mac.update(std::span(data).first(length / 3));
      mac.update(std::span(data).subspan(length / 3));
      EXPECT_EQ(cli::to_hex(mac.finish()), cli::to_hex(expected)) << key_length << " " << length;
    }
  }
}

TEST(HmacSha256, TagComparisonLooksAtEveryByte) {
  std::array<std::byte, 32> a{}, b{};
  EXPECT_TRUE(equal_in_constant_time(a, b));
  for (std::size_t i = 0; i < 32; ++i) {
    b = a;
    b[i] = std::byte{1};
    EXPECT_FALSE(equal_in_constant_time(a, b)) << i;
  }
  EXPECT_FALSE(equal_in_constant_time(std::span(a).first(31), b));
}

// ---- packages ---------------------------------------------------------------

const std::vector<std::byte> kHmacKey = repeated(0x5a, 32);

PackageManifest manifest_for(std::span<const std::byte> image, std::uint64_t sequence) {
  PackageManifest m;
  EXPECT_TRUE(m.set_name("beacon"));
  m.arch = PackageArch::X86_64;
  m.result_version = 2;
  m.result_size = static_cast<std::uint32_t>(image.size());
  m.sequence = sequence;
  m.store_space = static_cast<std::uint32_t>(image.size()) + 512;
  m.result_digest = package_digest(image);
  return m;
}

std::vector<std::byte> hmac_package(const PackageManifest& m, std::span<const std::byte> payload,
                                    std::span<const std::byte> key = kHmacKey) {
  std::vector<std::byte> out(package_size(AuthMode::HmacSha256, m, payload.size()));
  const std::size_t n = write_package_body(AuthMode::HmacSha256, m, payload, out);
  EXPECT_EQ(n, out.size());
  if (n == 0) return out;
  const HmacSha256Tag tag = HmacSha256::of(key, std::span(out).first(n - package_format::kHmacTagSize));
  std::memcpy(out.data() + n - package_format::kHmacTagSize, tag.data(), package_format::kHmacTagSize);
  return out;
}

// Seals an edited package again with the HMAC key: authentic, whatever it says.
void reseal(std::vector<std::byte>& p) {
  const std::size_t body = p.size() - package_format::kHmacTagSize;
  const HmacSha256Tag tag = HmacSha256::of(kHmacKey, std::span(p).first(body));
  std::memcpy(p.data() + body, tag.data(), package_format::kHmacTagSize);
}

const std::vector<std::byte> kImage = [] {
  std::vector<std::byte> v(700);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<std::byte>(i * 7 + 3);
  return v;
}();

TEST(Package, AnAuthenticPackageOpensAndGivesItsImage) {
  const auto package = hmac_package(manifest_for(kImage, 7), kImage);
  HmacPackageVerifier verifier(kHmacKey);
  auto view = open_package(package, verifier);
  ASSERT_TRUE(view) << describe(view.error().code);
  EXPECT_EQ(view.value().manifest.name(), "beacon");
  EXPECT_EQ(view.value().manifest.sequence, 7u);
  auto image = full_image(view.value());
  ASSERT_TRUE(image);
  EXPECT_TRUE(std::equal(image.value().begin(), image.value().end(), kImage.begin(), kImage.end()));
}

TEST(Package, EveryCorruptedByteIsRefusedBeforeTheManifestIsRead) {
  const auto package = hmac_package(manifest_for(kImage, 7), kImage);
  HmacPackageVerifier verifier(kHmacKey);
  for (std::size_t i = 0; i < package.size(); ++i) {
    auto damaged = package;
    damaged[i] ^= std::byte{0x01};
    auto view = open_package(damaged, verifier);
    ASSERT_FALSE(view) << "byte " << i;
    const PackageErrc code = view.error().code;
    // The header (magic, version, mode, length: 6 bytes here) is read before
    // the tag; everything else can only fail the authentication.
    PackageErrc expected = PackageErrc::BadAuthentication;
    if (i < 2) expected = PackageErrc::BadMagic;
    else if (i == 2) expected = PackageErrc::UnknownVersion;
    else if (i == 3) expected = code == PackageErrc::UnknownAuthMode ? code : PackageErrc::WrongAuthMode;
    else if (i >= 4 && i < 6) expected = code == PackageErrc::TooLong ? code : PackageErrc::Truncated;
    EXPECT_EQ(code, expected) << "byte " << i;
  }
}

TEST(Package, EveryTruncationAndAnyTrailingByteIsRefused) {
  const auto package = hmac_package(manifest_for(kImage, 7), kImage);
  HmacPackageVerifier verifier(kHmacKey);
  for (std::size_t n = 0; n < package.size(); ++n) {
    auto view = open_package(std::span(package).first(n), verifier);
    ASSERT_FALSE(view) << n;
    if (n >= 4) {
      EXPECT_EQ(view.error().code, PackageErrc::Truncated) << n;
    }
  }
  auto longer = package;
  longer.push_back(std::byte{0});
  auto view = open_package(longer, verifier);
  ASSERT_FALSE(view);
  EXPECT_EQ(view.error().code, PackageErrc::TooLong);
}

TEST(Package, AnotherKeyOrAnotherModeIsRefused) {
  const auto package = hmac_package(manifest_for(kImage, 7), kImage);
  const auto other_key = repeated(0x5b, 32);
  HmacPackageVerifier other(other_key);
  auto view = open_package(package, other);
  ASSERT_FALSE(view);
  EXPECT_EQ(view.error().code, PackageErrc::BadAuthentication);
  const std::vector<std::byte> no_key;
  HmacPackageVerifier none(no_key);
  EXPECT_FALSE(open_package(package, none)) << "an empty key verifies nothing";
  std::vector<std::byte> secret, pub;
  ASSERT_TRUE(host::new_ed25519_pair(&secret, &pub));
  host::Ed25519PackageVerifier ed(pub);
  auto wrong_mode = open_package(package, ed);
  ASSERT_FALSE(wrong_mode);
  EXPECT_EQ(wrong_mode.error().code, PackageErrc::WrongAuthMode);
}

TEST(Package, AnEd25519SignatureVerifiesOnlyWithItsPublicKey) {
  std::vector<std::byte> secret, pub, other_secret, other_pub;
  ASSERT_TRUE(host::new_ed25519_pair(&secret, &pub));
  ASSERT_TRUE(host::new_ed25519_pair(&other_secret, &other_pub));
  const PackageManifest m = manifest_for(kImage, 3);
  std::vector<std::byte> out(package_size(AuthMode::Ed25519, m, kImage.size()));
  const std::size_t n = write_package_body(AuthMode::Ed25519, m, kImage, out);
  ASSERT_EQ(n, out.size());
  const auto sig = host::ed25519_sign(secret, std::span(out).first(n - 64));
  std::memcpy(out.data() + n - 64, sig.data(), 64);
  host::Ed25519PackageVerifier good(pub), bad(other_pub);
  EXPECT_TRUE(open_package(out, good));
  auto refused = open_package(out, bad);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, PackageErrc::BadAuthentication);
  out[100] ^= std::byte{4};
  EXPECT_FALSE(open_package(out, good));
}

TEST(Package, AnAuthenticButMalformedManifestIsRefusedWithItsOffset) {
  HmacPackageVerifier verifier(kHmacKey);
  PackageManifest m = manifest_for(kImage, 7);
  m.has_base = true;  // a full package never names a base: the ground tool refuses to write one
  EXPECT_EQ(package_size(AuthMode::HmacSha256, m, kImage.size()), 0u);
  PackageManifest no_base = manifest_for(kImage, 7);
  no_base.kind = PayloadKind::ModuleDelta;  // nor a delta without its base
  EXPECT_EQ(package_size(AuthMode::HmacSha256, no_base, kImage.size()), 0u);
  // Authentic packages (edited, then sealed again) whose manifest is wrong.
  // Layout here: 6 bytes of header, then flags, arch, kind, sequence (1 byte), name length, "beacon".
  const auto good = hmac_package(manifest_for(kImage, 7), kImage);
  ASSERT_TRUE(open_package(good, verifier));
  const auto refused_at = [&](std::size_t offset, std::byte value) {
    auto p = good;
    p[offset] = value;
    reseal(p);
    auto view = open_package(p, verifier);
    EXPECT_FALSE(view) << offset;
    if (view) return std::pair{PackageErrc{}, std::uint64_t{0}};
    return std::pair{view.error().code, view.error().detail};
  };
  using R = std::pair<PackageErrc, std::uint64_t>;
  EXPECT_EQ(refused_at(6, std::byte{0x80}), (R{PackageErrc::BadManifest, 6})) << "an unknown flag";
  EXPECT_EQ(refused_at(7, std::byte{9}), (R{PackageErrc::BadManifest, 7})) << "an unknown architecture";
  EXPECT_EQ(refused_at(8, std::byte{7}).first, PackageErrc::UnknownPayloadKind);
  EXPECT_EQ(refused_at(10, std::byte{0}), (R{PackageErrc::BadManifest, 10})) << "an empty name";
  EXPECT_EQ(refused_at(10, std::byte{32}), (R{PackageErrc::BadManifest, 10})) << "a name over 31 bytes";
  EXPECT_EQ(refused_at(13, std::byte{0}), (R{PackageErrc::BadManifest, 13})) << "a NUL inside the name";
  // One number, one encoding: a padded varint (7 as 0x87 0x00) and one over 64 bits are refused.
  const auto with_sequence_bytes = [&](std::vector<std::byte> sequence) {
    auto p = good;
    p.erase(p.begin() + 9);
    p.insert(p.begin() + 9, sequence.begin(), sequence.end());
    p[4] = static_cast<std::byte>(static_cast<unsigned>(p[4]) + sequence.size() - 1);  // the length's low byte
    reseal(p);
    auto view = open_package(p, verifier);
    return view ? std::pair{PackageErrc{}, std::uint64_t{0}} : std::pair{view.error().code, view.error().detail};
  };
  EXPECT_EQ(with_sequence_bytes({std::byte{0x07}}), (R{PackageErrc{}, 0})) << "the unedited layout";
  EXPECT_EQ(with_sequence_bytes({std::byte{0x87}, std::byte{0x00}}), (R{PackageErrc::BadManifest, 9}));
  std::vector<std::byte> too_wide(9, std::byte{0xFF});
  too_wide.push_back(std::byte{0x02});
  EXPECT_EQ(with_sequence_bytes(too_wide), (R{PackageErrc::BadManifest, 9}));
  // A manifest that runs into the tag: a package with no room for it.
  std::vector<std::byte> short_one = {std::byte{'D'}, std::byte{'U'}, std::byte{package_format::kVersion}, std::byte{2}, std::byte{0}};
  short_one.resize(4 + 1 + 3 + package_format::kHmacTagSize);
  short_one[4] = static_cast<std::byte>(short_one.size());
  reseal(short_one);
  auto cut = open_package(short_one, verifier);
  ASSERT_FALSE(cut);
  EXPECT_EQ(cut.error().code, PackageErrc::BadManifest);
}

TEST(Package, ABoundPackageIsTakenOnlyByItsSpacecraftAndMission) {
  HmacPackageVerifier verifier(kHmacKey);
  PackageManifest m = manifest_for(kImage, 4);
  m.flags |= package_format::kFlagBound;
  m.binding = spacecraft_binding("estcube-2", "ops");
  const auto package = hmac_package(m, kImage);
  PackageTarget t;
  t.running_module = "beacon";
  const auto code_for = [&](bool has_identity, std::string_view spacecraft, std::string_view mission) {
    PackageTarget tt = t;
    tt.has_identity = has_identity;
    tt.identity = spacecraft_binding(spacecraft, mission);
    auto r = accept_package(package, verifier, tt);
    return r ? PackageErrc{} : r.error().code;
  };
  EXPECT_EQ(code_for(true, "estcube-2", "ops"), PackageErrc{});
  EXPECT_EQ(code_for(true, "estcube-3", "ops"), PackageErrc::WrongSpacecraft) << "a sister spacecraft with the same key";
  EXPECT_EQ(code_for(true, "estcube-2", "ops2"), PackageErrc::WrongSpacecraft) << "another mission of the same spacecraft";
  EXPECT_EQ(code_for(true, "estcube-2o", "ps"), PackageErrc::WrongSpacecraft) << "the names are delimited";
  EXPECT_EQ(code_for(false, "", ""), PackageErrc::WrongSpacecraft) << "a spacecraft that cannot say who it is";
  // An unbound package is taken by any spacecraft that trusts the key.
  const auto unbound = hmac_package(manifest_for(kImage, 4), kImage);
  PackageTarget any = t;
  any.has_identity = true;
  any.identity = spacecraft_binding("whoever", "whatever");
  EXPECT_TRUE(accept_package(unbound, verifier, any));
  // The binding is 8 bytes of the manifest, under the tag like every other.
  EXPECT_EQ(package.size(), unbound.size() + package_format::kBindingSize);
}

TEST(Package, TheResultMustBeTheManifestsSizeAndDigest) {
  HmacPackageVerifier verifier(kHmacKey);
  PackageManifest m = manifest_for(kImage, 7);
  m.result_digest[0] ^= std::byte{1};
  const auto wrong_digest = hmac_package(m, kImage);  // the view points into it
  auto view = open_package(wrong_digest, verifier);
  ASSERT_TRUE(view) << "authentic: the ground signed a wrong digest";
  auto image = full_image(view.value());
  ASSERT_FALSE(image);
  EXPECT_EQ(image.error().code, PackageErrc::DigestMismatch);
  m = manifest_for(kImage, 7);
  m.result_size += 1;
  const auto longer = hmac_package(m, kImage);
  auto sized = open_package(longer, verifier);
  ASSERT_TRUE(sized);
  auto wrong_size = full_image(sized.value());
  ASSERT_FALSE(wrong_size);
  EXPECT_EQ(wrong_size.error().code, PackageErrc::SizeMismatch);
}

TEST(Package, FreshnessRefusesReplayedOlderAndTooFarAheadUnlessTheGroundAllowsTheJump) {
  PackageManifest m = manifest_for(kImage, 7);
  EXPECT_TRUE(check_freshness(m, SequenceState{false, true, 0}, 16)) << "the first package starts the count";
  const auto refused = [&](std::uint64_t sequence, SequenceState st = {true, true, 7}) {
    m.sequence = sequence;
    auto r = check_freshness(m, st, 16);
    return r ? PackageError{PackageErrc{}, 0} : r.error();
  };
  EXPECT_EQ(refused(7).code, PackageErrc::Replayed);
  EXPECT_EQ(refused(6).code, PackageErrc::Older);
  EXPECT_EQ(refused(6).detail, 7u) << "the refusal names the last accepted number";
  EXPECT_EQ(refused(8).code, PackageErrc{}) << "the next one";
  EXPECT_EQ(refused(24).code, PackageErrc{}) << "16 numbers skipped: the edge of the window";
  EXPECT_EQ(refused(25).code, PackageErrc::TooFarAhead);
  m.flags = package_format::kFlagAllowJump;
  EXPECT_EQ(refused(1000).code, PackageErrc{}) << "the ground allowed the jump";
  EXPECT_EQ(refused(6).code, PackageErrc::Older) << "never backwards, even allowed";
  EXPECT_EQ(refused(8, SequenceState{true, false, 0}).code, PackageErrc::CounterUnreadable);
  // Even an allowed jump is bounded, and the last number would lock the counter for good.
  EXPECT_EQ(refused(7 + package_format::kJumpMax + 1).code, PackageErrc{});
  EXPECT_EQ(refused(7 + package_format::kJumpMax + 2).code, PackageErrc::TooFarAhead);
  EXPECT_EQ(refused(UINT64_MAX, SequenceState{false, true, 0}).code, PackageErrc::BadManifest);
  // A wide window is bounded the same way: two packages may not climb to the
  // last numbers and lock out every later update (found by a review).
  m.flags = 0;
  m.sequence = std::uint64_t{1} << 63;
  EXPECT_FALSE(check_freshness(m, SequenceState{true, true, 7}, INT64_MAX));
  m.sequence = 7 + package_format::kJumpMax + 1;
  EXPECT_TRUE(check_freshness(m, SequenceState{true, true, 7}, UINT64_MAX)) << "2^20 skipped: the bound itself";
  m.sequence = UINT64_MAX - 1;
  EXPECT_FALSE(check_freshness(m, SequenceState{true, true, UINT64_MAX - 1 - package_format::kJumpMax - 2}, UINT64_MAX));
}

TEST(Package, ADeltaIsRebuiltFromTheInstalledVersionOnlyAndCheckedWhole) {
  std::vector<std::byte> base = kImage, target = kImage;
  target.insert(target.begin() + 100, 40, std::byte{0x90});  // "a new function"
  target[600] = std::byte{0x01};
  PackageManifest m = manifest_for(target, 9);
  m.kind = PayloadKind::ModuleDelta;
  m.has_base = true;
  m.base_digest = package_digest(base);
  const auto delta = cli::encode_delta(base, target);
  EXPECT_LT(delta.size(), target.size() / 4);
  const auto package = hmac_package(m, delta);
  HmacPackageVerifier verifier(kHmacKey);
  std::vector<std::byte> buffer(4096);
  PackageTarget t;
  t.running_module = "beacon";
  t.base_image = base;
  t.result_buffer = buffer;
  auto accepted = accept_package(package, verifier, t);
  ASSERT_TRUE(accepted) << describe(accepted.error().code);
  EXPECT_TRUE(std::equal(accepted.value().image.begin(), accepted.value().image.end(), target.begin(), target.end()));
  const auto code_of = [&](const PackageTarget& tt, std::span<const std::byte> p) {
    auto r = accept_package(p, verifier, tt);
    return r ? PackageErrc{} : r.error().code;
  };
  // Another installed version: refused by the base digest, before the delta is applied.
  PackageTarget other = t;
  const std::vector<std::byte> other_base(base.begin(), base.end() - 1);
  other.base_image = other_base;
  EXPECT_EQ(code_of(other, package), PackageErrc::BaseMismatch);
  // No room for the result.
  PackageTarget small = t;
  small.result_buffer = std::span(buffer).first(target.size() - 1);
  EXPECT_EQ(code_of(small, package), PackageErrc::TooLargeToRebuild);
  // A delta the ground signed but that does not rebuild the manifest's result.
  PackageManifest wrong_digest = m;
  wrong_digest.result_digest[0] ^= std::byte{1};
  EXPECT_EQ(code_of(t, hmac_package(wrong_digest, delta)), PackageErrc::DigestMismatch);
  auto flipped = delta;
  flipped[flipped.size() / 2] ^= std::byte{0x20};
  const PackageErrc flipped_code = code_of(t, hmac_package(m, flipped));
  EXPECT_TRUE(flipped_code == PackageErrc::BadDelta || flipped_code == PackageErrc::DigestMismatch);
  const std::vector<std::byte> truncated(delta.begin(), delta.end() - 3);
  const PackageErrc truncated_code = code_of(t, hmac_package(m, truncated));
  EXPECT_TRUE(truncated_code == PackageErrc::BadDelta || truncated_code == PackageErrc::DigestMismatch);
  // The result may not overlap the base it is rebuilt from.
  std::vector<std::byte> shared(4096);
  std::memcpy(shared.data(), base.data(), base.size());
  PackageTarget overlapping = t;
  overlapping.base_image = std::span(shared).first(base.size());
  overlapping.result_buffer = std::span(shared).subspan(100);
  EXPECT_EQ(code_of(overlapping, package), PackageErrc::TooLargeToRebuild);
  // An empty result is no module.
  PackageManifest empty = manifest_for({}, 9);
  const std::vector<std::byte> nothing;
  EXPECT_EQ(code_of(t, hmac_package(empty, nothing)), PackageErrc::BadManifest);
  // Values refused once read name where they are, as malformed fields do.
  const auto offset_of = [&](const std::vector<std::byte>& p) {
    auto r = accept_package(p, verifier, t);
    return r ? ~std::uint64_t{0} : r.error().detail;
  };
  auto view = open_package(package, verifier);
  ASSERT_TRUE(view);
  const std::uint32_t sequence_at = view.value().manifest.sequence_at;
  EXPECT_GT(sequence_at, 4u) << "past the header";
  PackageManifest last = m;
  last.sequence = UINT64_MAX;
  const auto last_package = hmac_package(last, delta);
  auto last_view = open_package(last_package, verifier);
  ASSERT_TRUE(last_view);
  EXPECT_EQ(offset_of(last_package), last_view.value().manifest.sequence_at) << "the sequence 2^64 - 1, at its field";
  auto empty_view = open_package(hmac_package(empty, nothing), verifier);
  ASSERT_TRUE(empty_view);
  EXPECT_EQ(offset_of(hmac_package(empty, nothing)), empty_view.value().manifest.result_size_at) << "size 0, at its field";
  EXPECT_GT(empty_view.value().manifest.result_size_at, sequence_at);
}

TEST(Package, ARenameIsSignedInTheManifestAndAppliesOnlyToTheModuleItReplaces) {
  HmacPackageVerifier verifier(kHmacKey);
  PackageManifest m = manifest_for(kImage, 3);
  ASSERT_TRUE(m.set_name("beacon2"));
  ASSERT_TRUE(m.set_replaces("beacon"));
  const auto renaming = hmac_package(m, kImage);
  auto view = open_package(renaming, verifier);
  ASSERT_TRUE(view);
  EXPECT_TRUE(view.value().manifest.renames());
  EXPECT_EQ(view.value().manifest.replaces(), "beacon");
  PackageTarget t;
  t.running_module = "beacon";
  EXPECT_TRUE(accept_package(renaming, verifier, t)) << "the task runs the module it replaces";
  t.running_module = "mathlib";
  auto other = accept_package(renaming, verifier, t);
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, PackageErrc::WrongModule) << "a signed rename of beacon cannot take over mathlib";
  // Without the flag, a package for another module is refused whatever the spacecraft is told.
  t.running_module = "beacon";
  PackageManifest plain = manifest_for(kImage, 3);
  ASSERT_TRUE(plain.set_name("beacon2"));
  auto refused = accept_package(hmac_package(plain, kImage), verifier, t);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, PackageErrc::WrongModule);
}

TEST(Package, ADeltaNeedsAnInstalledImage) {
  HmacPackageVerifier verifier(kHmacKey);
  PackageManifest m = manifest_for(kImage, 3);
  m.kind = PayloadKind::ModuleDelta;
  m.has_base = true;
  m.base_digest = package_digest({});  // made against an empty file
  const std::byte delta[1] = {};
  std::vector<std::byte> buffer(4096);
  PackageTarget t;
  t.running_module = "beacon";
  t.result_buffer = buffer;  // and no base_image: the task has no installed image
  auto r = accept_package(hmac_package(m, delta), verifier, t);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, PackageErrc::BaseMismatch);
}

TEST(Package, TheHeaderIsJudgedBeforeTheTagWithItsOwnReasons) {
  HmacPackageVerifier verifier(kHmacKey);
  const auto code_of = [&](std::vector<std::uint8_t> raw) {
    std::vector<std::byte> b;
    for (auto x : raw) b.push_back(static_cast<std::byte>(x));
    auto r = open_package(b, verifier);
    return r ? PackageErrc{} : r.error().code;
  };
  EXPECT_EQ(code_of({'X', 'X'}), PackageErrc::BadMagic);
  EXPECT_EQ(code_of({'D', 'U', 3, 2, 0x80, 0x00, 0, 0}), PackageErrc::BadHeader) << "a padded length";
  EXPECT_EQ(code_of({'D', 'U', 3, 2, 0x80}), PackageErrc::Truncated) << "a length cut short";
  EXPECT_EQ(code_of({'D', 'U', 3, 2, 5}), PackageErrc::BadHeader) << "as long as it says, but no room for its tag";
  EXPECT_EQ(code_of({'D', 'U', 1, 2, 5}), PackageErrc::UnknownVersion);
  EXPECT_EQ(code_of({'D', 'U', 2, 2, 5}), PackageErrc::UnknownVersion) << "version 2: the delta before fields";
  EXPECT_EQ(code_of({'D', 'U', 4, 2, 5}), PackageErrc::UnknownVersion) << "a version from the future";
  // The ground tool refuses a payload no 32-bit length could carry.
  EXPECT_EQ(package_size(AuthMode::HmacSha256, manifest_for(kImage, 1), 0xFFFFFFFFu), 0u);
}

TEST(Package, EveryRefusalSaysWhatToDo) {
  for (int c = 1; c <= static_cast<int>(PackageErrc::TooLargeToRebuild); ++c)  // TooLargeToRebuild is the last
    EXPECT_GT(std::string(describe(static_cast<PackageErrc>(c))).size(), 20u) << c;
}

}  // namespace
}  // namespace dyn
