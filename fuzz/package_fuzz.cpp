// package_fuzz.cpp — libFuzzer target: update packages arrive over the link
// as untrusted bytes. Two ways in, chosen by the first byte:
//   even: the bytes as they are (the authentication must refuse them, or the
//         input is a package sealed with the fuzz key);
//   1:    the rest resealed — the HMAC tag recomputed with the fuzz key and
//         the declared length fixed — so the manifest parser and every check
//         behind the authentication are really reached.
// Seeds: build/fuzz/fuzz/package_seeds fuzz/seeds/package_fuzz fuzz/seeds/delta_fuzz
// Properties: nothing crashes; an opened package's payload lies inside the
// input between manifest and tag; whatever accept_package accepts has the
// manifest's size and digest; re-writing an accepted manifest around its
// payload gives the same bytes. Delta packages are applied to a fixed base
// (seeds: deltas against it), so the delta decoder runs behind a valid tag.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "delta_base.hpp"
#include "dyn/package.hpp"
#include "package_seal.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::vector<std::byte> p(reinterpret_cast<const std::byte*>(data) + 1, reinterpret_cast<const std::byte*>(data) + size);
  if (data[0] & 1) dyn::fuzz::reseal(p);
  const dyn::HmacPackageVerifier verifier(dyn::fuzz::kPackageKey);
  auto view = dyn::open_package(p, verifier);
  if (view) {
    const auto& payload = view.value().payload;
    if (payload.data() < p.data() || payload.data() + payload.size() + dyn::package_format::kHmacTagSize != p.data() + p.size())
      __builtin_trap();
    const auto& m = view.value().manifest;
    if (m.name_length == 0 || m.name_length > dyn::package_format::kNameMax) __builtin_trap();
    std::vector<std::byte> again(p.size());
    if (dyn::write_package_body(dyn::AuthMode::HmacSha256, m, payload, again) != p.size()) __builtin_trap();
    if (std::memcmp(again.data(), p.data(), p.size() - dyn::package_format::kHmacTagSize) != 0) __builtin_trap();
  }
  // The first byte also chooses what the spacecraft knows: bit 1 a counter
  // was recorded, bits 2 and 3 both set an unreadable one, bits 4-5 the
  // window, bits 6-7 the last accepted number.
  dyn::PackageTarget target;
  target.running_module = "beacon";
  // The installed version a delta applies to (the seeds' deltas are made against it).
  static std::vector<std::byte> rebuilt(8192);
  target.base_image = dyn::fuzz::delta_base();
  // Bit 2 alone: this spacecraft is the one the seeds' bound packages name.
  target.has_identity = (data[0] & 0x0C) == 0x04;
  target.identity = dyn::spacecraft_binding("fuzz-sat", "fuzz");
  target.result_buffer = rebuilt;
  target.sequence.known = (data[0] & 0x02) != 0;
  target.sequence.readable = (data[0] & 0x0C) != 0x0C;
  target.sequence.accepted = data[0] >> 6;
  target.window = (data[0] >> 4) & 3;
  auto accepted = dyn::accept_package(p, verifier, target);
  if (accepted) {
    const auto& a = accepted.value();
    if (a.image.size() != a.manifest.result_size) __builtin_trap();
    if (dyn::package_digest(a.image) != a.manifest.result_digest) __builtin_trap();
    if (a.manifest.applies_to() != "beacon") __builtin_trap();
  }
  return 0;
}
