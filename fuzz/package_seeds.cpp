// package_seeds.cpp — writes the committed seeds of package_fuzz and
// delta_fuzz: authentic packages of the fuzz key (full, delta against the
// fuzz base, bound, another module, ARM) and real deltas, so fuzzing starts
// past the authentication and inside the decoder.
//   build/fuzz/fuzz/package_seeds fuzz/seeds/package_fuzz fuzz/seeds/delta_fuzz
#include <cstdio>
#include <string>
#include <vector>

#include "delta_base.hpp"
#include "delta_encoder.hpp"
#include "dyn/package.hpp"
#include "package_seal.hpp"

namespace {

using dyn::PackageManifest;

bool write_raw(const std::string& path, const std::vector<std::byte>& bytes) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return false;
  const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  return std::fclose(f) == 0 && ok;
}

// A package_fuzz seed: the byte that chooses the fuzzer's way in and the spacecraft's state, then the package.
bool write(const std::string& path, std::uint8_t first, const std::vector<std::byte>& bytes) {
  std::vector<std::byte> seed{static_cast<std::byte>(first)};
  seed.insert(seed.end(), bytes.begin(), bytes.end());
  return !bytes.empty() && write_raw(path, seed);
}

std::vector<std::byte> package(const PackageManifest& m, const std::vector<std::byte>& payload) {
  std::vector<std::byte> p(dyn::package_size(dyn::AuthMode::HmacSha256, m, payload.size()));
  if (dyn::write_package_body(dyn::AuthMode::HmacSha256, m, payload, p) != p.size() || p.empty()) return {};
  dyn::fuzz::reseal(p);
  return p;
}

PackageManifest manifest(const char* name, const std::vector<std::byte>& image, std::uint64_t sequence) {
  PackageManifest m;
  (void)m.set_name(name);
  m.result_version = 2;
  m.result_size = static_cast<std::uint32_t>(image.size());
  m.sequence = sequence;
  m.store_space = static_cast<std::uint32_t>(image.size() + 1024);
  m.result_digest = dyn::package_digest(image);
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: package_seeds PACKAGE_SEEDS_DIR DELTA_SEEDS_DIR\n");
    return 2;
  }
  const std::string pkg = argv[1], dlt = argv[2];
  const auto& base = dyn::fuzz::delta_base();
  const auto target = dyn::fuzz::delta_target();
  const auto delta = dyn::cli::encode_delta(base, target);
  const auto back = dyn::cli::encode_delta(target, base);

  PackageManifest full = manifest("beacon", target, 1);
  PackageManifest d = manifest("beacon", target, 2);
  d.kind = dyn::PayloadKind::ModuleDelta;
  d.has_base = true;
  d.base_digest = dyn::package_digest(base);
  PackageManifest bound = d;
  bound.flags |= dyn::package_format::kFlagBound;
  bound.binding = dyn::spacecraft_binding("fuzz-sat", "fuzz");
  PackageManifest other = manifest("mathlib", target, 3);
  PackageManifest renaming = manifest("beacon2", target, 4);
  (void)renaming.set_replaces("beacon");
  PackageManifest arm = full;
  arm.arch = dyn::PackageArch::ArmThumb;
  bool ok = write(pkg + "/beacon_full", 0x00, package(full, target)) &&
            write(pkg + "/beacon_resealed", 0x01, package(full, target)) &&
            write(pkg + "/delta", 0x00, package(d, delta)) && write(pkg + "/delta_resealed", 0x03, package(d, delta)) &&
            write(pkg + "/bound", 0x05, package(bound, delta)) && write(pkg + "/other_module", 0x01, package(other, target)) &&
            write(pkg + "/arm", 0x01, package(arm, target)) && write(pkg + "/rename", 0x01, package(renaming, target));
  // delta_fuzz: two bytes of result size ((size - 1) little-endian), then the delta.
  const auto sized = [](std::size_t n, const std::vector<std::byte>& bytes) {
    std::vector<std::byte> v{static_cast<std::byte>((n - 1) & 0xFF)};
    v.push_back(static_cast<std::byte>((n - 1) >> 8));
    v.insert(v.end(), bytes.begin(), bytes.end());
    return v;
  };
  ok = ok && write_raw(dlt + "/forward", sized(target.size(), delta)) && write_raw(dlt + "/reverse", sized(base.size(), back));
  if (!ok) {
    std::fprintf(stderr, "package_seeds: cannot write the seeds\n");
    return 1;
  }
  std::printf("package seeds in %s, delta seeds in %s (delta %zu B, back %zu B)\n", pkg.c_str(), dlt.c_str(),
              delta.size(), back.size());
  return 0;
}
