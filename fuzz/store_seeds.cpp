// store_seeds.cpp — writes the store fuzzer's seeds: real stores on the
// fuzzer's geometry (8 blocks of 512 bytes), so that mutations start from
// flash whose CRCs and markers check out and reach the record index,
// read_image, garbage collection and recovery. The seeds are committed;
// regenerate them with:  build/fuzz/fuzz/store_seeds fuzz/seeds/store_fuzz
#include <cstdio>
#include <string>
#include <vector>

#include "dyn/boot.hpp"
#include "dyn/flash.hpp"
#include "dyn/module_store.hpp"

namespace {

constexpr dyn::FlashGeometry kGeometry{512, 8, 8};

std::vector<std::byte> pattern(std::size_t n, unsigned seed) {
  std::vector<std::byte> b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::byte>((i * 31 + seed * 7) & 0xFF);
  return b;
}

bool write_seed(const std::string& dir, const char* name, void (*fill)(dyn::ModuleStore&)) {
  std::vector<std::byte> storage(kGeometry.size(), std::byte{0xFF});
  dyn::RamFlash flash(storage, kGeometry);
  std::vector<dyn::StoreEntry> index(32);
  dyn::ModuleStore store(flash, index);
  if (!store.mount()) return false;
  fill(store);
  std::FILE* f = std::fopen((dir + "/" + name).c_str(), "wb");
  if (!f) return false;
  std::fwrite(storage.data(), 1, storage.size(), f);
  std::fclose(f);
  return true;
}

void identity(dyn::ModuleStore& s) {
  dyn::StoreIdentity id;
  (void)dyn::StoreIdentity::make("DYNSAT-1", "fuzz", &id);
  (void)s.set_identity(id);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: store_seeds OUTPUT_DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  bool ok = true;
  ok &= write_seed(dir, "committed_with_checkpoint", [](dyn::ModuleStore& s) {
    identity(s);
    (void)s.put_image("beacon", 1, pattern(700, 1));  // several chunks
    (void)s.set_trial("beacon", "beacon", 1);
    (void)s.commit("beacon");
    (void)s.put_checkpoint("beacon", pattern(90, 2));
  });
  ok &= write_seed(dir, "trial_in_flight", [](dyn::ModuleStore& s) {
    identity(s);
    (void)s.put_image("mathlib", 1, pattern(200, 3));
    (void)s.set_trial("mathlib", "mathlib", 1);
    (void)s.commit("mathlib");
    (void)s.put_image("mathlib", 2, pattern(260, 4));
    (void)s.set_trial("mathlib", "mathlib", 2);
  });
  ok &= write_seed(dir, "after_garbage_collection", [](dyn::ModuleStore& s) {
    identity(s);
    for (std::uint32_t v = 1; v <= 6; ++v) {
      (void)s.put_image("a", v, pattern(300, v));
      (void)s.set_trial("a", "a", v);
      (void)s.commit("a");
      if (v > 1) (void)s.remove_image("a", v - 1);
      (void)s.put_checkpoint("a", pattern(40, v));
    }
  });
  return ok ? 0 : 1;
}
