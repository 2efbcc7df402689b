// link_pair_fuzz.cpp — libFuzzer target: a fuzzed object linked against a real
// module it imports from, then relinked to that module's next version and
// back (issue 10, part 6: two modules, imports, relink).
//
// link_fuzz links an object against the kernel's exports alone. Here the
// real mathlib v1 is installed first; the input is staged beside it (its
// imports resolve to mathlib's exports: import records, GOT slots,
// trampolines, dependencies), mathlib v2 is staged as mathlib's replacement,
// and the input is relinked v1 → v2 (a dry run, then for real) and v2 → v1.
// Seeds are the beacon's objects (real importers of mathlib_crc16) and the
// link fuzzer's. Whatever the input: no crash, no read outside the image, a
// relink is all or nothing (a refused one leaves the dependency where it
// was), dependencies are counted exactly, and discarding everything returns
// every byte. No module code runs.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fuzz_system.hpp"

namespace {

struct Fixture {
  Fixture() {
    mathlib = system.install_mathlib(v1);
    baseline = system.memory.stats().total_bytes();
  }
  dyn::fuzz::System system;
  std::vector<std::byte> v1 = dyn::fuzz::module_object("mathlib", "mathlib");
  std::vector<std::byte> v2 = dyn::fuzz::module_object("mathlib", "mathlib_v2");
  dyn::RegisterEntry* mathlib = nullptr;
  std::size_t baseline = 0;
};

bool depends_on(const dyn::LoadedModule& m, const dyn::LoadedModule* on) {
  for (std::size_t i = 0; i < m.dep_count; ++i)
    if (m.deps[i] == on) return true;
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Fixture f;
  const std::span<const std::byte> image(reinterpret_cast<const std::byte*>(data), size);
  dyn::TaskManager& tasks = *f.system.tasks;
  auto staged = tasks.stage(image, "fuzzed", f.system.scratch_for(image), nullptr);
  if (!staged) {
    if (f.system.memory.stats().total_bytes() != f.baseline) __builtin_trap();  // a refusal leaves nothing
    return 0;
  }
  dyn::LoadedModule& m = staged.value()->module;
  dyn::LoadedModule& from = f.mathlib->module;
  const bool imports = depends_on(m, &from);
  const std::size_t dependents = from.dependents;
  if (imports != (dependents == 1)) __builtin_trap();

  auto next = tasks.stage(f.v2, "~mathlib", f.system.scratch_for(f.v2), &from);
  if (!next) __builtin_trap();  // the real v2 always stages beside v1
  dyn::LoadedModule& to = next.value()->module;
  dyn::ModuleLoader& loader = tasks.loader();
  if (imports) {
    const bool possible = static_cast<bool>(loader.relink(m, from, to, true));
    if (!depends_on(m, &from) || depends_on(m, &to)) __builtin_trap();  // a dry run writes nothing
    const bool done = static_cast<bool>(loader.relink(m, from, to, false));
    if (done != possible) __builtin_trap();  // the dry run predicts the real one
    if (done) {
      if (depends_on(m, &from) || !depends_on(m, &to) || from.dependents != 0 || to.dependents != 1) __builtin_trap();
      if (!loader.relink(m, to, from, false)) __builtin_trap();  // back: every name v1 had is still there
    }
    if (!depends_on(m, &from) || from.dependents != 1 || to.dependents != 0) __builtin_trap();
  }
  tasks.discard(*next.value());
  tasks.discard(*staged.value());
  if (from.dependents != 0 || f.system.memory.stats().total_bytes() != f.baseline) __builtin_trap();
  return 0;
}
