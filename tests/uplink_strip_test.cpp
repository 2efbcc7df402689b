// uplink_strip_test.cpp — `dynsched strip` (issue 12: strip what the loader
// never reads before anything is diffed or sent): the loader sees the same
// module before and after — same allocated sections byte for byte, same
// descriptor and exports, on x86-64 and Cortex-M3 — debug information goes,
// stripping twice changes nothing, and damaged objects are refused or
// stripped into valid ones, never a crash.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "dyn/elf.hpp"
#include "dyn/elf_view.hpp"
#include "example_modules.hpp"
#include "module_test_support.hpp"
#include "update_check.hpp"
#include "uplink_strip.hpp"


namespace dyn::cli {
namespace {

std::string path_of(const std::string& dir, const std::string& name) { return test::example_module(dir, name); }

std::string write_temp(const std::vector<std::byte>& bytes, const std::string& name) {
  const std::string path = ::testing::TempDir() + name;
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                              static_cast<std::streamsize>(bytes.size()));
  return path;
}

// Name and bytes of every allocated section: what the loader copies in.
std::vector<std::pair<std::string, std::vector<std::byte>>> loaded_sections(std::span<const std::byte> object) {
  std::vector<std::pair<std::string, std::vector<std::byte>>> out;
  auto v = ElfView::open(object);
  EXPECT_TRUE(v);
  if (!v) return out;
  for (std::size_t i = 1; i < v.value().section_count(); ++i) {
    const ElfSection s = v.value().section(i);
    if (!s.alloc()) continue;
    std::vector<std::byte> bytes;
    if (s.type != elf::kShtNobits) bytes.assign(object.begin() + static_cast<std::ptrdiff_t>(s.offset),
                                                object.begin() + static_cast<std::ptrdiff_t>(s.offset + s.size));
    out.emplace_back(std::string(s.name), bytes);
  }
  return out;
}

struct Case {
  std::string dir, name, with;  // with: what it imports from ("" for none)
};

std::vector<Case> cases() {
  std::vector<Case> c = {{"mathlib", "mathlib", ""}, {"mathlib", "mathlib_v2", ""}, {"mathlib", "mathlib_debug", ""},
                         {"beacon", "beacon", "mathlib"}, {"beacon", "beacon_v2", "mathlib"}};
  if (DYN_CORTEX_M3_MODULES) {
    const std::size_t host = c.size();
    for (std::size_t i = 0; i < host; ++i) c.push_back({c[i].dir, c[i].name + "_m3", c[i].with.empty() ? "" : c[i].with + "_m3"});
  }
  return c;
}

TEST(UplinkStrip, TheLoaderSeesTheSameModuleBeforeAndAfter) {
  for (const Case& c : cases()) {
    const auto object = test::read_bytes(path_of(c.dir, c.name));
    StripReport r;
    std::string why;
    const auto stripped = strip_for_uplink(object, &r, &why);
    ASSERT_FALSE(stripped.empty()) << c.name << ": " << why;
    EXPECT_LT(stripped.size(), object.size()) << c.name << ": a note or attributes section at least";
    EXPECT_EQ(r.bytes_after, stripped.size());
    EXPECT_EQ(loaded_sections(stripped), loaded_sections(object)) << c.name;
    // Stripping twice changes nothing.
    StripReport again;
    EXPECT_EQ(strip_for_uplink(stripped, &again, &why), stripped) << c.name;
    EXPECT_EQ(again.sections_removed + again.symbols_removed, 0u);
    // The descriptor and exports the runtime reads (linked on the host, or read from the bytes for ARM).
    std::vector<std::string> with;
    if (!c.with.empty()) with.push_back(path_of(c.with.substr(0, c.with.find('_')), c.with));
    ModuleFacts before, after;
    ASSERT_EQ(read_module_facts(path_of(c.dir, c.name), with, &before), "") << c.name;
    ASSERT_EQ(read_module_facts(write_temp(stripped, "stripped_" + c.name + ".o"), with, &after), "") << c.name;
    EXPECT_EQ(after.name, before.name);
    EXPECT_EQ(after.version, before.version);
    EXPECT_EQ(after.state_size, before.state_size);
    EXPECT_EQ(after.schema, before.schema);
    EXPECT_EQ(after.exports, before.exports) << c.name;
    EXPECT_EQ(after.entry, before.entry);
    EXPECT_EQ(after.restore, before.restore);
  }
}

TEST(UplinkStrip, DebugInformationGoes) {
  const auto object = test::read_bytes(path_of("mathlib", "mathlib_debug"));
  StripReport r;
  std::string why;
  const auto stripped = strip_for_uplink(object, &r, &why);
  ASSERT_FALSE(stripped.empty()) << why;
  EXPECT_LT(stripped.size() * 3, object.size()) << "debug information is most of a -g object";
  bool debug_info = false;
  for (const std::string& n : r.removed) debug_info |= n == ".debug_info";
  EXPECT_TRUE(debug_info);
  auto v = ElfView::open(stripped);
  ASSERT_TRUE(v);
  for (std::size_t i = 1; i < v.value().section_count(); ++i)
    EXPECT_FALSE(v.value().section(i).name.starts_with(".debug")) << v.value().section(i).name;
}

TEST(UplinkStrip, DamagedObjectsAreRefusedOrStrippedIntoValidOnes) {
  const auto object = test::read_bytes(path_of("mathlib", "mathlib_debug"));
  std::string why;
  StripReport r;
  std::mt19937 rng(12);
  for (std::size_t n = 0; n < object.size(); n += 1 + n / 16) {
    const auto cut = strip_for_uplink(std::span(object).first(n), &r, &why);
    if (!cut.empty()) {
      EXPECT_TRUE(ElfView::open(cut)) << n;
    }
  }
  // Every byte of the section headers and ELF header flipped (what the rewrite reads), then random flips.
  auto v = ElfView::open(object);
  ASSERT_TRUE(v);
  const std::size_t shoff = static_cast<std::size_t>(
      [&] { std::uint64_t o = 0; for (int k = 0; k < 8; ++k) o |= static_cast<std::uint64_t>(object[0x28 + k]) << (8 * k); return o; }());
  for (std::size_t at = 0; at < object.size(); ++at) {
    if (at >= 64 && (at < shoff || at >= shoff + 64 * v.value().section_count())) continue;
    for (unsigned bit : {0u, 3u, 7u}) {
      auto damaged = object;
      damaged[at] ^= static_cast<std::byte>(1u << bit);
      const auto out = strip_for_uplink(damaged, &r, &why);
      if (!out.empty()) {
        EXPECT_TRUE(ElfView::open(out)) << at;
      }
    }
  }
  for (int round = 0; round < 3000; ++round) {
    auto damaged = object;
    damaged[rng() % damaged.size()] ^= static_cast<std::byte>(1u << (rng() % 8));
    const auto out = strip_for_uplink(damaged, &r, &why);
    if (!out.empty()) {
      EXPECT_TRUE(ElfView::open(out)) << round;
    } else {
      EXPECT_FALSE(why.empty());
    }
  }
  EXPECT_TRUE(strip_for_uplink({}, &r, &why).empty());
  EXPECT_NE(why.find("not a module object"), std::string::npos) << why;
}

}  // namespace
}  // namespace dyn::cli
