// store_seeds.cpp — writes the seeds of the store and boot fuzzers: real
// stores on each fuzzer's geometry, so that mutations start from flash whose
// CRCs and markers check out and reach the record index, read_image, garbage
// collection, recovery and the boot's decisions. store_fuzz's (8 blocks of
// 512 bytes) hold made-up images; boot_fuzz's (kBootGeometry) hold the
// example modules' real objects. The seeds are committed; regenerate them with:
//   build/fuzz/fuzz/store_seeds fuzz/seeds/store_fuzz fuzz/seeds/boot_fuzz
#include <cstdio>
#include <string>
#include <vector>

#include "dyn/boot.hpp"
#include "dyn/checkpoint.hpp"
#include "dyn/flash.hpp"
#include "dyn/module_store.hpp"
#include "fuzz_system.hpp"

namespace {

constexpr dyn::FlashGeometry kGeometry{512, 8, 8};

std::vector<std::byte> pattern(std::size_t n, unsigned seed) {
  std::vector<std::byte> b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::byte>((i * 31 + seed * 7) & 0xFF);
  return b;
}

bool write_seed(const std::string& dir, const char* name, void (*fill)(dyn::ModuleStore&),
                const dyn::FlashGeometry& geometry = kGeometry) {
  std::vector<std::byte> storage(geometry.size(), std::byte{0xFF});
  dyn::RamFlash flash(storage, geometry);
  std::vector<dyn::StoreEntry> index(96);
  dyn::ModuleStore store(flash, index);
  if (!store.mount()) return false;
  fill(store);
  std::FILE* f = std::fopen((dir + "/" + name).c_str(), "wb");
  if (!f) return false;
  std::fwrite(storage.data(), 1, storage.size(), f);
  std::fclose(f);
  return true;
}

void identity(dyn::ModuleStore& s, const char* mission = "fuzz") {
  dyn::StoreIdentity id;
  (void)dyn::StoreIdentity::make("DYNSAT-1", mission, &id);
  (void)s.set_identity(id);
}

// --- boot_fuzz: the example modules, as a flight store holds them

const std::vector<std::byte>& object(int which) {
  static const std::vector<std::byte> objects[] = {dyn::fuzz::module_object("mathlib", "mathlib"),
                                                   dyn::fuzz::module_object("beacon", "beacon"),
                                                   dyn::fuzz::module_object("beacon", "beacon_v2")};
  return objects[which];
}

void commit(dyn::ModuleStore& s, const char* task, const char* module, std::uint32_t version, int which) {
  (void)s.put_image(module, version, object(which));
  (void)s.set_trial(task, module, version);
  (void)s.commit(task);
}

// A sealed checkpoint of `payload` bytes for `module` (its state, as the runtime stores it).
void checkpoint(dyn::ModuleStore& s, const char* task, const char* module, std::uint32_t version, std::size_t payload) {
  std::vector<std::byte> bytes = pattern(dyn::kCheckpointHeaderSize + payload, version);
  if (dyn::seal_checkpoint(bytes, module, version, version, payload)) (void)s.put_checkpoint(task, bytes);
}

bool write_boot_seeds(const std::string& dir) {
  const dyn::FlashGeometry& g = dyn::fuzz::kBootGeometry;
  bool ok = true;
  ok &= write_seed(dir, "committed_v2_with_checkpoints", [](dyn::ModuleStore& s) {
    identity(s);
    commit(s, "mathlib", "mathlib", 1, 0);
    commit(s, "beacon", "beacon", 2, 2);
    checkpoint(s, "beacon", "beacon", 2, 28);
    checkpoint(s, "mathlib", "mathlib", 1, 16);
  }, g);
  ok &= write_seed(dir, "update_in_flight", [](dyn::ModuleStore& s) {
    identity(s);
    commit(s, "mathlib", "mathlib", 1, 0);
    commit(s, "beacon", "beacon", 1, 1);
    checkpoint(s, "beacon", "beacon", 1, 24);
    (void)s.put_image("beacon", 2, object(2));
    (void)s.set_trial("beacon", "beacon", 2);
  }, g);
  ok &= write_seed(dir, "older_version_left_behind", [](dyn::ModuleStore& s) {
    identity(s);
    commit(s, "mathlib", "mathlib", 1, 0);
    (void)s.put_image("beacon", 1, object(1));
    commit(s, "beacon", "beacon", 2, 2);
  }, g);
  ok &= write_seed(dir, "task_runs_another_module", [](dyn::ModuleStore& s) {
    identity(s);
    commit(s, "beacon", "mathlib", 1, 0);
  }, g);
  ok &= write_seed(dir, "another_mission", [](dyn::ModuleStore& s) {
    identity(s, "other");
    commit(s, "beacon", "beacon", 1, 1);
  }, g);
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: store_seeds STORE_FUZZ_SEEDS_DIR BOOT_FUZZ_SEEDS_DIR\n");
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
  ok &= write_seed(dir, "accepted_package_numbers", [](dyn::ModuleStore& s) {
    identity(s);
    (void)s.set_accepted_sequence(3);
    (void)s.put_image("beacon", 1, pattern(300, 5));
    (void)s.set_accepted_sequence(0x1'0000'0004ull);
  });
  ok &= write_boot_seeds(argv[2]);
  return ok ? 0 : 1;
}
