// module_load_bench.cpp — load + link time of a large module, and per-module overhead.
//
// Goal (issue 3): < 1 ms to load and link a ~100 KB module with ~5 000
// relocations on the host. The module is generated (bench/gen_big_module.py)
// and built with the SDK's flags. One iteration = validate the ELF, lay out,
// allocate (mmap), copy, resolve against the kernel, relocate, seal
// (mprotect), publish exports — and the unload that returns it all.
// DYN_BENCH_MODULE=<object> measures another module instead (the real-code
// corpus's largest, lz4: DYN_CORPUS_KEEP=1 tests/corpus/run.sh keeps it).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "dyn/module_loader.hpp"
#include "dyn/task_register.hpp"
#include "host_module_memory.hpp"
#include "module_report.hpp"

#ifndef DYN_BIG_MODULE
#error "DYN_BIG_MODULE must name the generated module object"
#endif

namespace {

using namespace dyn;

const char* bench_module() {
  const char* path = std::getenv("DYN_BENCH_MODULE");
  return path && *path ? path : DYN_BIG_MODULE;
}

void BM_ElfViewOpen(benchmark::State& state) {
  const auto image = cli::read_file(bench_module());
  for (auto _ : state) {
    auto v = ElfView::open(image);
    benchmark::DoNotOptimize(v);
  }
}
BENCHMARK(BM_ElfViewOpen)->Unit(benchmark::kMicrosecond);

void BM_LoadLinkUnload(benchmark::State& state) {
  const auto image = cli::read_file(bench_module());
  auto view = ElfView::open(image);
  if (!view) {
    state.SkipWithError("module does not open");
    return;
  }
  host::HostModuleMemory memory;
  std::vector<RegisterEntry> entries(1);
  TaskRegister reg(entries, memory);
  ModuleLoader loader(memory, reg);
  std::vector<SymbolSlot> syms(view.value().symbol_count());
  std::vector<SectionSlot> secs(view.value().section_count());
  LoadOptions options;
  std::size_t relocations = 0, code = 0, data = 0, meta = 0, got = 0, tramp = 0;
  for (auto _ : state) {
    auto v = ElfView::open(image);
    LoadedModule m;
    if (!loader.load(v.value(), options, LoaderScratch{syms, secs}, m)) {
      state.SkipWithError("load failed");
      return;
    }
    relocations = m.relocations_applied;
    code = m.code.size;
    data = m.data.size;
    meta = m.meta.size;
    got = m.got_slots;
    tramp = m.trampolines;
    (void)loader.unload(m);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * relocations));
  state.counters["relocations"] = static_cast<double>(relocations);
  state.counters["code_B"] = static_cast<double>(code);
  state.counters["data_B"] = static_cast<double>(data);
  state.counters["object_B"] = static_cast<double>(image.size());
  // Bookkeeping beyond the module's own sections: export table, GOT,
  // trampolines, and the kernel's per-module records.
  state.counters["export_table_B"] = static_cast<double>(meta);
  state.counters["got_tramp_B"] = static_cast<double>(got * 8 + tramp * 16);
  state.counters["register_entry_B"] = static_cast<double>(sizeof(RegisterEntry));
  state.counters["task_B"] = static_cast<double>(sizeof(Task));
}
BENCHMARK(BM_LoadLinkUnload)->Unit(benchmark::kMicrosecond);

}  // namespace
