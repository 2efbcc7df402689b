// module_loader_test.cpp — relocatable objects loaded on the host behave as if linked.
//
// Every program of tests/modules/programs is built twice by the build: linked
// into this test the ordinary way, and as an ET_REL object (-fPIC and
// -fno-pic) that the loader links at run time. The checksums must agree; the
// module memory must return to its starting figure after every unload and
// after every refused load.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "dyn/module_loader.hpp"
#include "dyn/task_register.hpp"
#include "host_module_memory.hpp"
#include "module_report.hpp"
#include "module_test_support.hpp"
#include "programs.h"

#ifndef DYN_TEST_PROGRAMS_DIR
#error "DYN_TEST_PROGRAMS_DIR must name the directory of the program objects"
#endif

namespace dyn {
namespace {

std::vector<std::byte> read(const std::string& path) { return test::read_bytes(path); }

// The first RELA section that relocates an allocated section (0 if none).
std::size_t first_alloc_rela(const ElfView& view) {
  for (std::size_t r = 0; r < view.section_count(); ++r) {
    const ElfSection s = view.section(r);
    if (s.type == elf::kShtRela && view.section(s.info).alloc() && s.size != 0) return r;
  }
  return 0;
}

std::string object(const std::string& name) { return std::string(DYN_TEST_PROGRAMS_DIR) + "/" + name + ".o"; }

// A loader with host memory and a register to resolve against.
struct Linker {
  host::HostModuleMemory memory;
  std::vector<RegisterEntry> entries{std::vector<RegisterEntry>(8)};
  TaskRegister reg{entries, memory};
  ModuleLoader loader{memory, reg};
  std::vector<SymbolSlot> syms;
  std::vector<SectionSlot> secs;

  Result<void, LoadError> load(const std::vector<std::byte>& image, RegisterEntry& e) {
    auto view = ElfView::open(image);
    if (!view) return Unexpected{LoadError{LoadError::Phase::Elf, view.error(), {}}};
    syms.assign(view.value().symbol_count(), {});
    secs.assign(view.value().section_count(), {});
    auto r = loader.load(view.value(), LoadOptions{}, LoaderScratch{syms, secs}, e.module);
    if (r) e.has_module = true;
    // The loader never runs module code; here the test is the module's
    // context (the task manager does this in the module's task).
    if (r)
      ModuleLoader::for_each_constructor(
          e.module, [](std::uintptr_t fn, void*) { reinterpret_cast<void (*)()>(fn)(); }, nullptr);
    return r;
  }
  RegisterEntry& add(const char* name) {
    RegisterErrc why{};
    return *reg.add(name, &why);
  }
  void drop(RegisterEntry& e) {
    if (e.has_module) {
      EXPECT_TRUE(loader.unload(e.module));
    }
    e.has_module = false;
    reg.remove(e);
  }
};

struct Program {
  const char* name;
  std::uint64_t (*linked)();
};

const Program kPrograms[] = {
#define DYN_TEST_PROGRAM_ENTRY(n) {#n, prog_##n},
    DYN_TEST_PROGRAMS(DYN_TEST_PROGRAM_ENTRY)
#undef DYN_TEST_PROGRAM_ENTRY
};

class LoadedVsLinked : public ::testing::TestWithParam<std::tuple<Program, const char*>> {};

TEST_P(LoadedVsLinked, SameResult) {
  const auto& [program, variant] = GetParam();
  const std::string obj = object(std::string("prog_") + program.name + "_" + variant);
  const auto image = read(obj);
  ASSERT_FALSE(image.empty()) << obj;
  Linker l;
  const auto baseline = l.memory.stats();
  RegisterEntry& e = l.add(program.name);
  auto loaded = l.load(image, e);
  ASSERT_TRUE(loaded) << obj << ": link error code " << static_cast<int>(loaded.error().link.code) << " type "
                      << loaded.error().link.detail << " symbol " << loaded.error().link.symbol;
  const std::uint64_t fn = ModuleLoader::exported(e.module, std::string("prog_") + program.name);
  ASSERT_NE(fn, 0u);
  auto* run = reinterpret_cast<std::uint64_t (*)()>(fn);
  const std::uint64_t expected = program.linked();
  EXPECT_EQ(run(), expected) << program.name << " (" << variant << ")";
  EXPECT_EQ(run(), expected) << "a second call agrees too";
  EXPECT_GT(e.module.relocations_applied, 0u);
  l.drop(e);
  EXPECT_EQ(l.memory.stats().total_bytes(), baseline.total_bytes()) << "every byte returned";
  EXPECT_EQ(l.memory.stats().total_regions(), baseline.total_regions());
}

INSTANTIATE_TEST_SUITE_P(Programs, LoadedVsLinked,
                         ::testing::Combine(::testing::ValuesIn(kPrograms), ::testing::Values("pic", "nopic")),
                         [](const auto& param_info) {
                           return std::string(std::get<0>(param_info.param).name) + "_" +
                                  std::get<1>(param_info.param);
                         });

TEST(ModuleLoader, KernelExportTableIsSortedForBinarySearch) {
  const auto table = kernel_exports();
  for (std::size_t i = 1; i < table.size(); ++i) EXPECT_LT(std::strcmp(table[i - 1].name, table[i].name), 0);
  EXPECT_NE(find_symbol(table, "dyn_yield"), nullptr);
  EXPECT_EQ(find_symbol(table, "printf"), nullptr);
}

TEST(ModuleLoader, UnresolvedSymbolIsRefusedAndNothingLeaks) {
  Linker l;
  const auto baseline = l.memory.stats();
  RegisterEntry& e = l.add("bad");
  const auto image = read(object("bad_import"));
  auto r = l.load(image, e);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().phase, LoadError::Phase::Link);
  EXPECT_EQ(r.error().link.code, LinkErrc::UnresolvedSymbol);
  auto view = ElfView::open(image);
  ASSERT_TRUE(view);
  const ElfSymbol missing = view.value().symbol(r.error().link.symbol);
  EXPECT_FALSE(missing.defined());
  EXPECT_FALSE(missing.name.empty());
  l.reg.remove(e);
  EXPECT_EQ(l.memory.stats().total_bytes(), baseline.total_bytes());
}

TEST(ModuleLoader, UnknownRelocationTypeIsRefusedBeforeAnythingIsAllocated) {
  auto image = read(object("prog_fnptr_pic"));
  auto view = ElfView::open(image);
  ASSERT_TRUE(view);
  // The first RELA entry of an allocated section gets type 0x7f.
  const std::size_t patched = first_alloc_rela(view.value());
  ASSERT_NE(patched, 0u);
  image[view.value().section(patched).offset + 8] = std::byte{0x7f};  // low byte of entry 0's r_info
  Linker l;
  const auto baseline = l.memory.stats();
  RegisterEntry& e = l.add("p");
  auto r = l.load(image, e);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().link.code, LinkErrc::UnsupportedRelocation);
  EXPECT_EQ(r.error().link.detail, 0x7fu);
  EXPECT_EQ(r.error().link.section, patched);
  EXPECT_EQ(r.error().link.entry, 0u);
  EXPECT_EQ(l.memory.stats().total_regions(), baseline.total_regions()) << "refused before allocating";
  l.reg.remove(e);
}

TEST(ModuleLoader, ARelocationPlacedOutsideItsSectionIsRefusedBeforeAllocating) {
  auto image = read(object("prog_jumptable_pic"));
  auto view = ElfView::open(image);
  ASSERT_TRUE(view);
  const std::size_t patched = first_alloc_rela(view.value());
  ASSERT_NE(patched, 0u);
  const ElfSection rela = view.value().section(patched);
  const std::uint64_t past_end = view.value().section(rela.info).size - 2;  // a 4-byte field cannot fit
  std::memcpy(image.data() + rela.offset, &past_end, 8);                     // r_offset of entry 0
  Linker l;
  RegisterEntry& e = l.add("p");
  auto r = l.load(image, e);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().link.code, LinkErrc::PlaceOutsideSection);
  EXPECT_EQ(r.error().link.section, patched);
  EXPECT_EQ(l.memory.stats().total_regions(), 0u);
  l.reg.remove(e);
}

TEST(ModuleLoader, ASecondModuleExportingTheSameStrongSymbolIsRefused) {
  Linker l;
  RegisterEntry& lib = l.add("lib");
  // prog_fnptr exports prog_fnptr; a second copy exporting the same strong
  // symbol is refused as a duplicate export.
  ASSERT_TRUE(l.load(read(object("prog_fnptr_pic")), lib));
  RegisterEntry& dup = l.add("dup");
  auto r = l.load(read(object("prog_fnptr_nopic")), dup);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().link.code, LinkErrc::DuplicateExport);
  l.reg.remove(dup);
  l.drop(lib);
  EXPECT_EQ(l.memory.stats().total_bytes(), 0u);
}

TEST(ModuleLoader, CallsToTheKernelGoThroughTrampolinesWhenOutOfRange) {
  Linker l;
  RegisterEntry& e = l.add("s");
  ASSERT_TRUE(l.load(read(object("prog_strings_nopic")), e));
  // The kernel (this executable, a PIE) is far above the low 2 GiB where
  // modules live, so each imported function got a trampoline.
  EXPECT_GT(e.module.trampolines, 0u);
  EXPECT_LT(e.module.code.address, 1ull << 31);
  l.drop(e);
}

TEST(ModuleLoader, LoadRunsNoModuleCodeAndUnloadRunsNoDestructors) {
  // Module code runs only in the module's own context: load() records the
  // constructors without running them, and unload() never runs .fini_array.
  {
    Linker l;
    RegisterEntry& e = l.add("cxx");
    const auto image = read(object("prog_cxx_virtual_pic"));
    auto view = ElfView::open(image);
    ASSERT_TRUE(view);
    l.syms.assign(view.value().symbol_count(), {});
    l.secs.assign(view.value().section_count(), {});
    ASSERT_TRUE(l.loader.load(view.value(), LoadOptions{}, LoaderScratch{l.syms, l.secs}, e.module));
    e.has_module = true;
    EXPECT_TRUE(ModuleLoader::has_constructors(e.module));
    EXPECT_FALSE(e.module.constructed);
    EXPECT_GT(e.module.fini_functions, 0u);
    const std::uint64_t witness = ModuleLoader::exported(e.module, "prog_cxx_virtual_constructed");
    ASSERT_NE(witness, 0u);
    std::uint32_t value = 1;
    std::memcpy(&value, reinterpret_cast<const void*>(witness), sizeof value);
    EXPECT_EQ(value, 0u) << "the loader ran the module's constructor";
    l.drop(e);
  }
  Linker l;
  RegisterEntry& e = l.add("cxx");
  ASSERT_TRUE(l.load(read(object("prog_cxx_virtual_pic")), e));
  std::uint32_t destroyed = 0;
  const std::uint64_t hook = ModuleLoader::exported(e.module, "prog_cxx_virtual_on_destroy");
  ASSERT_NE(hook, 0u);
  std::uint32_t* where = &destroyed;
  std::memcpy(reinterpret_cast<void*>(hook), &where, sizeof where);  // the module's pointer variable
  EXPECT_EQ(destroyed, 0u);
  l.drop(e);
  EXPECT_EQ(destroyed, 0u) << "unload ran a destructor";
}

}  // namespace
}  // namespace dyn

namespace dyn {
namespace {

TEST(ModuleLoader, ARegionOverOneGibibyteIsRefusedWithWhatItWouldNeed) {
  // prog_bss_common's .bss, patched to 1 GiB: the data region would need more
  // than a region may hold, and the error says how much, not the last section's size.
  auto image = read(object("prog_bss_common_pic"));
  ASSERT_FALSE(image.empty());
  std::uint64_t shoff = 0;
  std::uint16_t shentsize = 0;
  std::memcpy(&shoff, image.data() + 0x28, 8);      // e_shoff
  std::memcpy(&shentsize, image.data() + 0x3A, 2);  // e_shentsize
  std::size_t bss = 0;
  {
    auto view = ElfView::open(image);
    ASSERT_TRUE(view);
    for (std::size_t i = 0; i < view.value().section_count(); ++i)
      if (view.value().section(i).name == ".bss") bss = i;
  }
  ASSERT_NE(bss, 0u);
  const std::uint64_t huge = std::uint64_t{1} << 30;
  std::memcpy(image.data() + shoff + bss * shentsize + 32, &huge, 8);  // sh_size
  Linker l;
  const auto baseline = l.memory.stats();
  RegisterEntry& e = l.add("big");
  auto r = l.load(image, e);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().link.code, LinkErrc::RegionTooLarge);
  EXPECT_EQ(r.error().link.detail, 2u) << "the data region";
  EXPECT_GT(r.error().link.value, huge);
  EXPECT_NE(cli::describe(InstallError{InstallError::Stage::Link, {}, r.error().link}, image).find("more than a module region"),
            std::string::npos);
  l.reg.remove(e);
  EXPECT_EQ(l.memory.stats().total_bytes(), baseline.total_bytes());
}

}  // namespace
}  // namespace dyn
