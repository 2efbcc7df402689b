// store_fuzz.cpp — libFuzzer target: the store reads whatever the flash holds
// (a power cut, a radiation upset, a bad part). Mount any flash image: it is
// refused or mounted, and a mount never writes; every query then answers
// without reading out of bounds; the boot's identity check decides without
// writing; and on the damaged flash the store still writes, collects garbage
// and mounts again, and what it reports written reads back. The anti-replay
// counter is read and recorded too: it never goes down nor disappears, a
// Corrupt one takes no number, and a number it reported recorded reads back.
// Each input runs as it is and resealed (store_reseal.hpp: every CRC and
// commit marker made to check out, so mutated records are taken as written).
// Seeds (fuzz/store_seeds.cpp) are real stores on this geometry.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "dyn/boot.hpp"
#include "dyn/flash.hpp"
#include "dyn/module_store.hpp"
#include "store_reseal.hpp"

namespace {

constexpr dyn::FlashGeometry geometry{512, 8, 8};

int check(std::vector<std::byte> storage, std::size_t size) {
  const std::vector<std::byte> before = storage;
  dyn::RamFlash flash(storage, geometry);
  std::vector<dyn::StoreEntry> index(32);
  dyn::ModuleStore store(flash, index);
  if (!store.mount()) return 0;
  if (storage != before) __builtin_trap();  // mount is read-only
  for (const char* task : {"beacon", "mathlib", "a"}) {
    if (auto c = store.committed(task)) {
      std::vector<std::byte> image(4096);
      (void)store.read_image(c.value().name(), c.value().version, image);
      std::uint32_t versions[4];
      (void)store.versions(c.value().name(), versions);
    }
    (void)store.trial(task);
    std::vector<std::byte> cp(1024);
    (void)store.last_checkpoint(task, cp);
  }
  // The anti-replay counter: a number, none, or Corrupt; a later mount never lowers it nor loses it.
  auto accepted = store.accepted_sequence();
  if (!accepted && accepted.error().code != dyn::StoreErrc::NotFound &&
      accepted.error().code != dyn::StoreErrc::Corrupt)
    __builtin_trap();
  dyn::StoreIdentity ours;
  (void)dyn::StoreIdentity::make("DYNSAT-1", "fuzz", &ours);
  const dyn::StoreCheck check = dyn::check_store(store, ours, false);
  if (storage != before) __builtin_trap();  // refusing or accepting a store writes nothing
  if (!check.boots()) return 0;

  // Writes over damaged flash: whatever the store says it wrote reads back after a remount.
  std::vector<std::byte> cp(64);
  for (std::size_t i = 0; i < cp.size(); ++i) cp[i] = static_cast<std::byte>(i ^ size);
  const bool put = static_cast<bool>(store.put_checkpoint("beacon", cp));
  const std::vector<std::byte> image(300, std::byte{0x5A});
  const bool stored = static_cast<bool>(store.put_image("fuzzed", 7, image));
  // A package number: the recorded one is Stale, a higher one is taken; while it is Corrupt, none is.
  const std::uint64_t number = accepted ? accepted.value() + 1 : size;
  bool counted = false;
  if (accepted && accepted.value() != ~0ull) {
    auto again = store.set_accepted_sequence(accepted.value());
    if (again || again.error().code != dyn::StoreErrc::Stale || again.error().sequence != accepted.value())
      __builtin_trap();
    counted = static_cast<bool>(store.set_accepted_sequence(number));
  } else if (!accepted && accepted.error().code == dyn::StoreErrc::Corrupt) {
    if (store.set_accepted_sequence(number)) __builtin_trap();  // a lost number accepts no package
  } else if (!accepted) {
    counted = static_cast<bool>(store.set_accepted_sequence(number));
  }
  (void)store.compact();
  if (!store.mount()) return 0;  // the flash may refuse writes (NotErased): then nothing is promised
  auto later = store.accepted_sequence();
  if (counted && (!later || later.value() != number)) __builtin_trap();
  if (accepted && later && later.value() < accepted.value()) __builtin_trap();
  if (accepted && !later && later.error().code == dyn::StoreErrc::NotFound) __builtin_trap();
  if (put) {
    std::vector<std::byte> back(1024);
    auto n = store.last_checkpoint("beacon", back);
    if (n && (n.value() != cp.size() || std::memcmp(back.data(), cp.data(), cp.size()) != 0)) __builtin_trap();
  }
  if (stored) {
    std::vector<std::byte> back(4096);
    auto n = store.read_image("fuzzed", 7, back);
    if (n && (n.value() != image.size() || std::memcmp(back.data(), image.data(), image.size()) != 0)) __builtin_trap();
  }
  return 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::byte> storage(geometry.size(), std::byte{0xFF});
  std::memcpy(storage.data(), data, size < storage.size() ? size : storage.size());
  (void)check(storage, size);
  dyn::fuzz::reseal(storage, geometry);  // and with every CRC and marker made to check out
  (void)check(storage, size);
  return 0;
}
