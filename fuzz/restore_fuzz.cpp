// restore_fuzz.cpp — libFuzzer target: a checkpoint from the store reaches a
// module's restore in its first run (issue 10, part 6: checkpoint → restore).
//
// checkpoint_fuzz covers the checkpoint object's parser alone. Here a real
// beacon task (v1: no hooks, the raw state is copied; v2: a restore hook
// that reads v1's and its own layouts; v4: a hook that refuses everything)
// boots with a checkpoint built from the input and sealed by the harness, so
// that its CRC checks out and the module name, version, schema and payload
// the fuzzer chose reach the restore path — or, with one choice of the
// second byte, the input's own bytes are handed over as the object, unsealed.
// Input: [0] which beacon, [1] module name (0 beacon, 1 mathlib, 2 a long
// name, 0xFF the raw object), [2..5] version, [6..9] schema, [10..] payload.
// Whatever the checkpoint holds: the task runs, its first run decides an
// outcome (never left pending), no fault, and uninstalling it returns every byte.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "dyn/checkpoint.hpp"
#include "fuzz_system.hpp"

namespace {

struct Fixture {
  Fixture() {
    system.install_mathlib(mathlib);
    baseline = system.memory.stats().total_bytes();
  }
  dyn::fuzz::System system;
  std::vector<std::byte> mathlib = dyn::fuzz::module_object("mathlib", "mathlib");
  std::vector<std::byte> beacons[3] = {dyn::fuzz::module_object("beacon", "beacon"),
                                       dyn::fuzz::module_object("beacon", "beacon_v2"),
                                       dyn::fuzz::module_object("beacon", "beacon_v4")};
  std::size_t baseline = 0;
};

std::uint32_t get32(const std::uint8_t* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Fixture f;
  if (size < 10) return 0;
  const std::vector<std::byte>& image = f.beacons[data[0] % 3];
  const std::span<const std::byte> payload(reinterpret_cast<const std::byte*>(data + 10), size - 10);
  std::vector<std::byte> object;
  if (data[1] == 0xFF) {
    object.assign(payload.begin(), payload.end());
  } else {
    static const char* const names[] = {"beacon", "mathlib", "a_module_name_of_31_bytes_lengt"};
    object.resize(dyn::kCheckpointHeaderSize + payload.size());
    std::memcpy(object.data() + dyn::kCheckpointHeaderSize, payload.data(), payload.size());
    if (!dyn::seal_checkpoint(object, names[data[1] % 3], get32(data + 2), get32(data + 6), payload.size()))
      return 0;
  }

  dyn::ModuleTaskSpec spec;
  spec.task.name = "beacon";
  spec.task.interval = dyn::kSecond;
  spec.task.priority = 3;
  auto e = f.system.tasks->install(image, spec, f.system.scratch_for(image));
  if (!e) __builtin_trap();
  dyn::BootRestore outcome = dyn::BootRestore::None;
  const bool handed = static_cast<bool>(f.system.tasks->set_boot_checkpoint(*e.value(), object, &outcome));
  const dyn::TaskId id = e.value()->task;
  f.system.kernel->run_for(2500 * dyn::kMillisecond);
  const dyn::Task* t = f.system.kernel->table().find(id);
  if (!t || t->stats.runs < 2 || t->stats.faults != 0) __builtin_trap();  // it runs its schedule
  if (outcome == dyn::BootRestore::Pending) __builtin_trap();          // the first run always decides
  if (handed && !object.empty() && outcome == dyn::BootRestore::None) __builtin_trap();  // and says what it decided
  if (!f.system.tasks->uninstall("beacon")) __builtin_trap();
  if (f.system.memory.stats().total_bytes() != f.baseline) __builtin_trap();
  return 0;
}
