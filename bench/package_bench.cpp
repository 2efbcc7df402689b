// package_bench.cpp — what checking an update package costs on board (host
// figures): open_package + the result's digest (accept_package) for a 2.5 KiB
// module (the beacon) and a 64 KiB one, in both authentication modes.
#include <benchmark/benchmark.h>

#include <cstring>
#include <vector>

#include "dyn/package.hpp"
#include "package_keys.hpp"

namespace {

std::vector<std::byte> image_of(std::size_t size) {
  std::vector<std::byte> v(size);
  for (std::size_t i = 0; i < size; ++i) v[i] = static_cast<std::byte>(i * 31 + 7);
  return v;
}

struct Signed {
  std::vector<std::byte> package;
  std::vector<std::byte> key;  // the HMAC key or the Ed25519 public key
};

Signed make(dyn::AuthMode mode, std::size_t size) {
  const auto image = image_of(size);
  dyn::PackageManifest m;
  std::memcpy(m.name_bytes, "beacon", 6);
  m.name_length = 6;
  m.result_version = 2;
  m.result_size = static_cast<std::uint32_t>(size);
  m.sequence = 7;
  m.result_digest = dyn::Sha256::of(image);
  Signed s;
  const std::size_t tag = dyn::tag_size(mode);
  s.package.resize(dyn::package_format::kHeaderSize + dyn::package_format::kManifestSize + size + tag);
  const std::size_t n = dyn::write_package_body(mode, m, image, s.package);
  const auto body = std::span(s.package).first(n - tag);
  if (mode == dyn::AuthMode::HmacSha256) {
    s.key = dyn::host::new_hmac_key();
    const auto t = dyn::HmacSha256::of(s.key, body);
    std::memcpy(s.package.data() + body.size(), t.data(), t.size());
  } else {
    std::vector<std::byte> secret;
    dyn::host::new_ed25519_pair(&secret, &s.key);
    const auto sig = dyn::host::ed25519_sign(secret, body);
    std::memcpy(s.package.data() + body.size(), sig.data(), sig.size());
  }
  return s;
}

void accept(benchmark::State& state, dyn::AuthMode mode) {
  const auto size = static_cast<std::size_t>(state.range(0));
  const Signed s = make(mode, size);
  const dyn::HmacPackageVerifier hmac(s.key);
  const dyn::host::Ed25519PackageVerifier ed(s.key);
  const dyn::PackageVerifier& verifier =
      mode == dyn::AuthMode::HmacSha256 ? static_cast<const dyn::PackageVerifier&>(hmac) : ed;
  dyn::PackageTarget target;
  target.running_module = "beacon";
  for (auto _ : state) {
    auto accepted = dyn::accept_package(s.package, verifier, target);
    if (!accepted) state.SkipWithError("refused");
    benchmark::DoNotOptimize(accepted);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * s.package.size()));
  state.counters["package_bytes"] = static_cast<double>(s.package.size());
}

void BM_AcceptPackage_Hmac(benchmark::State& state) { accept(state, dyn::AuthMode::HmacSha256); }
void BM_AcceptPackage_Ed25519(benchmark::State& state) { accept(state, dyn::AuthMode::Ed25519); }
BENCHMARK(BM_AcceptPackage_Hmac)->Arg(2576)->Arg(64 * 1024)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_AcceptPackage_Ed25519)->Arg(2576)->Arg(64 * 1024)->Unit(benchmark::kMicrosecond);

}  // namespace
