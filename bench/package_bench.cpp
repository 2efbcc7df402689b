// package_bench.cpp — what checking an update package costs on board (host
// figures): open_package + the result's digest (accept_package) for a 2.5 KiB
// module (the beacon) and a 64 KiB one, in both authentication modes; and
// applying a delta (DeltaDecoder) per KiB of result, in one pass
// as a radio would hand it over.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "delta_encoder.hpp"
#include "input_file.hpp"
#include "dyn/module_delta.hpp"
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
  (void)m.set_name("beacon");
  m.result_version = 2;
  m.result_size = static_cast<std::uint32_t>(size);
  m.sequence = 7;
  m.result_digest = dyn::package_digest(image);
  Signed s;
  const std::size_t tag = dyn::tag_size(mode);
  s.package.resize(dyn::package_size(mode, m, size));
  const std::size_t n = dyn::write_package_body(mode, m, image, s.package);
  const auto body = std::span(s.package).first(n - tag);
  if (mode == dyn::AuthMode::HmacSha256) {
    s.key = dyn::host::new_hmac_key();
    const auto t = dyn::HmacSha256::of(s.key, body);
    std::memcpy(s.package.data() + body.size(), t.data(), tag);
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
// A module-like image (repetitive, as code is) and a version with edits spread
// through it: a few insertions and changed constants.
void BM_ApplyDelta(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  std::vector<std::byte> base(size);
  for (std::size_t i = 0; i < size; ++i) base[i] = static_cast<std::byte>((i % 61) * 7 ^ (i / 300));
  std::vector<std::byte> target = base;
  for (std::size_t at = size / 7; at < target.size(); at += size / 7) {
    target[at] = std::byte{0x42};
    target.insert(target.begin() + static_cast<std::ptrdiff_t>(at), 24, std::byte{0x90});
  }
#ifdef DYN_MODULES_DIR
  if (size == 0) {  // the real pair: beacon v1 -> v2
    const auto read = [](const char* name) { return dyn::cli::read_file(std::string(DYN_MODULES_DIR) + "/beacon/" + name); };
    base = read("beacon.o");
    target = read("beacon_v2.o");
  }
#endif
  const auto delta = dyn::cli::encode_delta(base, target);
  std::vector<std::byte> out(target.size());
  for (auto _ : state) {
    dyn::DeltaDecoder decoder(base, out);
    if (!decoder.apply(delta)) state.SkipWithError("refused");
    benchmark::DoNotOptimize(out.data());
  }
  if (out != target) state.SkipWithError("wrong result");
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * target.size()));
  state.counters["delta_bytes"] = static_cast<double>(delta.size());
  state.counters["decoder_ram_bytes"] = static_cast<double>(sizeof(dyn::DeltaDecoder));
}
BENCHMARK(BM_ApplyDelta)->Arg(0)->Arg(64 * 1024)->Unit(benchmark::kMicrosecond);  // 0: beacon v1 -> v2

BENCHMARK(BM_AcceptPackage_Hmac)->Arg(2576)->Arg(64 * 1024)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_AcceptPackage_Ed25519)->Arg(2576)->Arg(64 * 1024)->Unit(benchmark::kMicrosecond);

}  // namespace
