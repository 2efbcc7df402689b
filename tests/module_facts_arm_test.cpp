// module_facts_arm_test.cpp — a Cortex-M module's facts read from its bytes
// (cli/module_facts_arm.cpp) are the facts the host build of the same source
// gives by linking; every refusal of a damaged object has a test, and no
// truncation or flipped byte makes the reader crash.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "dyn/elf_view.hpp"
#include "dyn/module_loader.hpp"
#include "example_modules.hpp"
#include "input_file.hpp"
#include "module_facts_arm.hpp"
#include "module_report.hpp"
#include "update_check.hpp"


namespace dyn::cli {
namespace {

std::string module(const std::string& dir, const std::string& name) { return test::example_module(dir, name); }

#define SKIP_WITHOUT_CORTEX_M3()                                                                          \
  if (!DYN_CORTEX_M3_MODULES)                                                                             \
  GTEST_SKIP() << "no Cortex-M3 modules: arm-none-eabi-gcc, -g++ or -ld was not found when configuring, " \
                  "so modules/*/CMakeLists.txt built no *_m3.o"

// The facts of an object in memory, or the reason it is refused.
std::string facts_of(const std::vector<std::byte>& bytes, ModuleFacts* f) {
  auto view = ElfView::open(bytes);
  if (!view) return "ElfView refuses it: " + std::string(describe(view.error().code));
  if (view.value().machine() != elf::kMachineArm) return "not an ARM object";
  return read_module_facts_arm(view.value(), f);
}

// An ARM object to damage: where its descriptor, symbols and relocations are in the file.
class ArmObject {
 public:
  explicit ArmObject(const std::string& path) : bytes(read_file(path)) {}

  ElfView view() const { return ElfView::open(bytes).value(); }
  std::uint32_t u32(std::size_t at) const {
    std::uint32_t v = 0;
    std::memcpy(&v, bytes.data() + at, 4);
    return v;
  }
  void set_u32(std::size_t at, std::uint32_t v) { std::memcpy(bytes.data() + at, &v, 4); }
  void set_u16(std::size_t at, std::uint16_t v) { std::memcpy(bytes.data() + at, &v, 2); }

  std::size_t symbol_index(std::string_view name) const {
    const ElfView v = view();
    for (std::size_t i = 1; i < v.symbol_count(); ++i)
      if (v.symbol(i).name == name) return i;
    ADD_FAILURE() << "no symbol " << name;
    return 0;
  }
  // File offset of symbol i's Elf32_Sym.
  std::size_t symbol_entry(std::size_t i) const {
    return static_cast<std::size_t>(view().section(view().symtab_index()).offset) + i * sizeof(elf::Sym32);
  }
  std::size_t descriptor_symbol() const { return symbol_index("dyn_module_descriptor"); }
  // File offset of the descriptor's word `field` (0 magic ... 8 state_schema).
  std::size_t descriptor_word(std::size_t field) const {
    const ElfSymbol d = view().symbol(descriptor_symbol());
    return static_cast<std::size_t>(view().section(d.shndx).offset + d.value) + 4 * field;
  }
  // File offset of the Elf32_Rel that patches the descriptor's word `field`.
  std::size_t relocation_of(std::size_t field) const {
    const ElfView v = view();
    const ElfSymbol d = v.symbol(descriptor_symbol());
    for (std::size_t r = 1; r < v.section_count(); ++r) {
      const ElfSection rs = v.section(r);
      if (rs.type != elf::kShtRel || rs.info != d.shndx) continue;
      for (std::size_t j = 0; j < v.relocation_count(r); ++j)
        if (v.relocation(r, j).offset == d.value + 4 * field)
          return static_cast<std::size_t>(rs.offset) + j * sizeof(elf::Rel32);
    }
    ADD_FAILURE() << "no relocation patches descriptor field " << field;
    return 0;
  }
  // Points relocation `rel` (a file offset) at symbol `symbol`, keeping its type.
  void retarget(std::size_t rel, std::size_t symbol) {
    set_u32(rel + 4, static_cast<std::uint32_t>(symbol << 8 | (u32(rel + 4) & 0xff)));
  }
  void set_type(std::size_t rel, std::uint8_t type) { set_u32(rel + 4, (u32(rel + 4) & ~0xffu) | type); }
  std::size_t section_index(std::string_view name) const {
    const ElfView v = view();
    for (std::size_t i = 1; i < v.section_count(); ++i)
      if (v.section(i).name == name) return i;
    ADD_FAILURE() << "no section " << name;
    return 0;
  }
  std::size_t section_symbol(std::string_view section) const {
    const ElfView v = view();
    const std::size_t s = section_index(section);
    for (std::size_t i = 1; i < v.symbol_count(); ++i)
      if (v.symbol(i).type == elf::kSttSection && v.symbol(i).shndx == s) return i;
    ADD_FAILURE() << "no section symbol for " << section;
    return 0;
  }

  std::string refusal() const {
    ModuleFacts f;
    return facts_of(bytes, &f);
  }

  std::vector<std::byte> bytes;
};

constexpr std::size_t kMagic = 0, kName = 2, kStateSize = 4, kEntry = 5, kCheckpoint = 6;

// Each pair: the Cortex-M3 build and the host build of the same source (and version).
const std::vector<std::pair<std::string, std::string>> kSameSource = {
    {"beacon", "beacon"},  {"beacon", "beacon_v2"},   {"beacon", "beacon_v3"},   {"beacon", "beacon_v4"},
    {"mathlib", "mathlib"}, {"mathlib", "mathlib_v2"}, {"mathlib", "mathlib_v3"}, {"mathlib", "mathlib_v4"},
};

TEST(ModuleFactsArm, AreTheFactsTheHostBuildOfTheSameSourceGivesByLinking) {
  SKIP_WITHOUT_CORTEX_M3();
  for (const auto& [dir, name] : kSameSource) {
    SCOPED_TRACE(name);
    ModuleFacts host, arm;
    const std::vector<std::string> with = dir == "beacon" ? std::vector{module("mathlib", "mathlib")}
                                                          : std::vector<std::string>{};
    ASSERT_EQ(read_module_facts(module(dir, name), with, &host), "");
    ASSERT_EQ(read_module_facts(module(dir, name + "_m3"), {}, &arm), "");
    EXPECT_EQ(host.arch, TargetArch::X86_64);
    EXPECT_EQ(arm.arch, TargetArch::Arm);
    EXPECT_EQ(arm.path, module(dir, name + "_m3"));
    EXPECT_EQ(arm.name, host.name);
    EXPECT_EQ(arm.version, host.version);
    EXPECT_EQ(arm.state_size, host.state_size);
    EXPECT_EQ(arm.schema, host.schema);
    EXPECT_EQ(arm.entry, host.entry);
    EXPECT_EQ(arm.checkpoint, host.checkpoint);
    EXPECT_EQ(arm.restore, host.restore);
    EXPECT_EQ(arm.exports, host.exports);
  }
  // Not vacuous: the pairs differ from each other in every fact compared.
  ModuleFacts beacon, beacon_v2, mathlib, mathlib_v3;
  ASSERT_EQ(read_module_facts(module("beacon", "beacon_m3"), {}, &beacon), "");
  ASSERT_EQ(read_module_facts(module("beacon", "beacon_v2_m3"), {}, &beacon_v2), "");
  ASSERT_EQ(read_module_facts(module("mathlib", "mathlib_m3"), {}, &mathlib), "");
  ASSERT_EQ(read_module_facts(module("mathlib", "mathlib_v3_m3"), {}, &mathlib_v3), "");
  EXPECT_EQ(beacon.name, "beacon");
  EXPECT_EQ(beacon.version, 1u);
  EXPECT_EQ(beacon.state_size, 24u);
  EXPECT_EQ(beacon.schema, 1u);
  EXPECT_TRUE(beacon.entry);
  EXPECT_FALSE(beacon.checkpoint || beacon.restore);
  EXPECT_TRUE(beacon.exports.empty());
  EXPECT_EQ(beacon_v2.version, 2u);
  EXPECT_EQ(beacon_v2.state_size, 32u);
  EXPECT_TRUE(beacon_v2.checkpoint && beacon_v2.restore);
  EXPECT_EQ(mathlib.name, "mathlib");
  EXPECT_TRUE(mathlib.entry);  // its self-test
  EXPECT_FALSE(mathlib.checkpoint || mathlib.restore);
  EXPECT_EQ(mathlib.exports, (std::set<std::string>{"mathlib_crc16", "mathlib_isqrt"}));
  EXPECT_EQ(mathlib_v3.exports.count("mathlib_crc16"), 0u);
}

TEST(ModuleFactsArm, HiddenGlobalsAndTheDescriptorAreNotExported) {
  SKIP_WITHOUT_CORTEX_M3();
  ArmObject o(module("mathlib", "mathlib_m3"));
  const std::size_t crc = o.symbol_entry(o.symbol_index("mathlib_crc16"));
  const std::size_t st_other = crc + 13;
  o.bytes[st_other] = std::byte{elf::kStvHidden};
  ModuleFacts f;
  ASSERT_EQ(facts_of(o.bytes, &f), "");
  EXPECT_EQ(f.exports, std::set<std::string>{"mathlib_isqrt"});
  o.bytes[st_other] = std::byte{elf::kStvProtected};
  ASSERT_EQ(facts_of(o.bytes, &f), "");
  EXPECT_EQ(f.exports.count("mathlib_crc16"), 1u) << "protected is exported, as the loader exports it";
  const std::size_t st_info = crc + 12;
  o.bytes[st_info] = std::byte{elf::kStbWeak << 4 | elf::kSttFunc};
  ASSERT_EQ(facts_of(o.bytes, &f), "");
  EXPECT_EQ(f.exports.count("mathlib_crc16"), 1u) << "weak definitions are exported too";
}

TEST(ModuleFactsArm, AnObjectWithoutADescriptorIsRefused) {
  SKIP_WITHOUT_CORTEX_M3();
  ArmObject o(module("beacon", "beacon_m3"));
  const ElfSymbol d = o.view().symbol(o.descriptor_symbol());
  // The name's last byte, in the string table: dyn_module_descriptoR.
  const std::size_t name_at = static_cast<std::size_t>(d.name.data() - reinterpret_cast<const char*>(o.bytes.data()));
  o.bytes[name_at + d.name.size() - 1] = std::byte{'R'};
  EXPECT_EQ(o.refusal(), "has no module descriptor (DYN_MODULE)");
}

TEST(ModuleFactsArm, ADescriptorOutsideLoadedBytesOrOfAnotherSizeIsRefused) {
  SKIP_WITHOUT_CORTEX_M3();
  const ArmObject good(module("beacon", "beacon_m3"));
  const std::size_t sym = good.symbol_entry(good.descriptor_symbol());
  {
    ArmObject o = good;
    o.set_u16(sym + 14, elf::kShnAbs);
    EXPECT_NE(o.refusal().find("is not defined in a section (st_shndx 0xfff1)"), std::string::npos) << o.refusal();
  }
  {
    ArmObject o = good;
    o.set_u16(sym + 14, static_cast<std::uint16_t>(o.section_index(".ARM.attributes")));
    o.set_u32(sym + 4, 0);
    EXPECT_NE(o.refusal().find("(.ARM.attributes), which is not loaded (not SHF_ALLOC)"), std::string::npos)
        << o.refusal();
  }
  {
    ArmObject o = good;
    o.set_u32(sym + 8, 32);  // smaller: a larger one would reach past .rodata, which ElfView refuses
    EXPECT_NE(o.refusal().find("is 32 bytes, not the 36 of struct dyn_module (ABI 2) on ARM"), std::string::npos)
        << o.refusal();
  }
  {
    ArmObject o = good;  // size 0 (as assembly may leave it), placed where 36 bytes do not fit
    const std::uint64_t rodata = o.view().section(o.view().symbol(o.descriptor_symbol()).shndx).size;
    o.set_u32(sym + 8, 0);
    o.set_u32(sym + 4, static_cast<std::uint32_t>(rodata - 8));
    EXPECT_NE(o.refusal().find("-byte descriptor does not fit; the object is truncated or corrupt"), std::string::npos)
        << o.refusal();
  }
  {
    ArmObject o = good;  // in .bss: zeros, no magic
    o.set_u16(sym + 14, static_cast<std::uint16_t>(o.section_index(".bss")));
    o.set_u32(sym + 4, 0);
    o.set_u32(sym + 8, 0);
    EXPECT_NE(o.refusal().find("(0 bytes in the file)"), std::string::npos) << o.refusal();
  }
}

TEST(ModuleFactsArm, AWrongMagicOrAbiIsRefused) {
  SKIP_WITHOUT_CORTEX_M3();
  ArmObject o(module("beacon", "beacon_m3"));
  o.set_u32(o.descriptor_word(kMagic), 0x12345678);
  EXPECT_NE(o.refusal().find("magic 0x12345678 and ABI 2 are not DYN_MODULE_MAGIC (0x4d4e5944)"), std::string::npos)
      << o.refusal();
  ArmObject abi(module("beacon", "beacon_m3"));
  abi.set_u32(abi.descriptor_word(1), 1);
  EXPECT_NE(abi.refusal().find("and ABI 1 are not"), std::string::npos) << abi.refusal();
}

// As the loader on board refuses it: a name with a control character would
// reach logs and terminals (an escape sequence in "beacon").
TEST(ModuleFactsArm, ANameWithAControlCharacterIsRefused) {
  SKIP_WITHOUT_CORTEX_M3();
  ArmObject o(module("beacon", "beacon_m3"));
  const std::string name = "beacon";
  std::size_t patched = 0;
  for (std::size_t i = 1; i + name.size() < o.bytes.size(); ++i) {
    if (o.bytes[i - 1] != std::byte{0} || o.bytes[i + name.size()] != std::byte{0}) continue;
    if (std::memcmp(o.bytes.data() + i, name.data(), name.size()) != 0) continue;
    o.bytes[i] = std::byte{0x1B};
    ++patched;
  }
  ASSERT_GE(patched, 1u);
  EXPECT_NE(o.refusal().find("the module descriptor's name holds a control character"), std::string::npos)
      << o.refusal();
}

TEST(ModuleFactsArm, ARelocationOnANumberAcrossFieldsOfAnotherTypeOrTwiceIsRefused) {
  SKIP_WITHOUT_CORTEX_M3();
  const ArmObject good(module("beacon", "beacon_m3"));
  const std::size_t name_rel = good.relocation_of(kName);
  const std::uint32_t name_place = good.u32(name_rel);
  {
    ArmObject o = good;
    o.set_u32(name_rel, name_place + 4);  // onto the version
    EXPECT_NE(o.refusal().find("(R_ARM_ABS32 at offset 0x38) patches the module descriptor's version, a number"),
              std::string::npos)
        << o.refusal();
  }
  {
    ArmObject o = good;
    o.set_u32(name_rel, name_place - 2);  // the magic's high half and the ABI's low half
    EXPECT_NE(o.refusal().find("patches bytes across the module descriptor's fields"), std::string::npos)
        << o.refusal();
  }
  {
    ArmObject o = good;
    o.set_type(name_rel, 3);  // R_ARM_REL32: an offset, not an address
    EXPECT_NE(o.refusal().find("(R_ARM_REL32 at offset 0x34) patches the module descriptor's name, a pointer: only an "
                               "absolute address (R_ARM_ABS32)"),
              std::string::npos)
        << o.refusal();
  }
  {
    ArmObject o = good;
    o.set_type(name_rel, 200);  // in no table
    EXPECT_NE(o.refusal().find("(type 200 at offset 0x34)"), std::string::npos) << o.refusal();
  }
  {
    ArmObject o = good;
    o.set_u32(o.relocation_of(kEntry), name_place);  // the entry's relocation onto the name too
    EXPECT_NE(o.refusal().find("patches the module descriptor's name, which relocation"), std::string::npos)
        << o.refusal();
  }
  {
    ArmObject o = good;
    o.set_type(name_rel, 0);  // R_ARM_NONE patches nothing: the word is the pointer
    EXPECT_NE(o.refusal().find("the module descriptor's name is the fixed address 0x"),
              std::string::npos)
        << o.refusal();
    o.set_u32(o.descriptor_word(kName), 0);
    EXPECT_EQ(o.refusal(), "the module descriptor's name is NULL: DYN_MODULE(name, ...) names the module");
  }
}

TEST(ModuleFactsArm, APointerThatNoRelocationMovesOrThatLeavesTheModuleIsRefused) {
  SKIP_WITHOUT_CORTEX_M3();
  const ArmObject good(module("beacon", "beacon_m3"));
  {
    ArmObject o = good;  // v1 has no checkpoint hook: its word is 0 and nothing patches it
    o.set_u32(o.descriptor_word(kCheckpoint), 0x2000'0001);
    EXPECT_NE(o.refusal().find("the module descriptor's checkpoint is the fixed address 0x20000001, which no "
                               "relocation moves with the module"),
              std::string::npos)
        << o.refusal();
  }
  {
    ArmObject o = good;  // against symbol 0 (S = 0): the addend alone, a fixed address
    o.retarget(o.relocation_of(kEntry), 0);
    o.set_u32(o.descriptor_word(kEntry), 0x1001);
    EXPECT_NE(o.refusal().find("entry is the fixed address 0x1001"), std::string::npos) << o.refusal();
  }
  {
    ArmObject o = good;
    o.retarget(o.relocation_of(kEntry), o.symbol_index("dyn_now"));
    EXPECT_NE(o.refusal().find("the module descriptor's entry points to symbol " +
                               std::to_string(o.symbol_index("dyn_now")) +
                               " (dyn_now), which the module does not define"),
              std::string::npos)
        << o.refusal();
  }
  {
    ArmObject o = good;
    const std::size_t sym = o.symbol_entry(o.symbol_index("beacon_release"));
    o.set_u16(sym + 14, elf::kShnCommon);
    o.set_u32(sym + 4, 4);  // a COMMON symbol's value is its alignment
    EXPECT_NE(o.refusal().find("(beacon_release), a COMMON symbol with no section: it must point into the module's code"),
              std::string::npos)
        << o.refusal();
  }
  {
    ArmObject o = good;
    o.retarget(o.relocation_of(kEntry), o.section_symbol(".data"));
    EXPECT_NE(o.refusal().find("entry points into section 3 (.data), which is not the module's code"),
              std::string::npos)
        << o.refusal();
  }
  {
    ArmObject o = good;  // REL: the addend is the word; beyond .text
    o.set_u32(o.descriptor_word(kEntry), 0x1000);
    EXPECT_NE(o.refusal().find("entry points to offset 0x1001 of section 1 (.text), past its"), std::string::npos)
        << o.refusal();
  }
}

TEST(ModuleFactsArm, ANameThatIsNotOneToThirtyOneLoadedBytesIsRefused) {
  SKIP_WITHOUT_CORTEX_M3();
  const ArmObject good(module("beacon", "beacon_m3"));
  const std::size_t strings = good.section_index(".rodata.str1.4");
  const ElfSection str = good.view().section(strings);
  const std::uint32_t name_offset = good.u32(good.descriptor_word(kName));  // REL: the offset in .rodata.str1.4
  ASSERT_EQ(std::memcmp(good.bytes.data() + str.offset + name_offset, "beacon", 7), 0);
  {
    ArmObject o = good;
    o.bytes[static_cast<std::size_t>(str.offset) + name_offset] = std::byte{0};
    EXPECT_EQ(o.refusal(), "the module descriptor's name is empty: DYN_MODULE(name, ...) names the module");
  }
  {
    ArmObject o = good;  // every string byte non-NUL: "beacon" runs into the end of its section
    for (std::uint64_t i = 0; i < str.size; ++i) o.bytes[static_cast<std::size_t>(str.offset + i)] = std::byte{'A'};
    EXPECT_NE(o.refusal().find("runs past the end of its section without a NUL"), std::string::npos) << o.refusal();
    o.set_u32(o.descriptor_word(kName), 0);  // from the start: 32 bytes without a NUL
    EXPECT_NE(o.refusal().find("is longer than 31 bytes"), std::string::npos) << o.refusal();
  }
  {
    ArmObject o = good;
    o.set_u32(o.descriptor_word(kName), static_cast<std::uint32_t>(str.size));
    std::ostringstream expected;
    expected << "name points to offset 0x" << std::hex << str.size << " of section " << std::dec << strings
             << " (.rodata.str1.4), past its " << str.size << " bytes";
    EXPECT_NE(o.refusal().find(expected.str()),
              std::string::npos)
        << o.refusal();
  }
  {
    ArmObject o = good;
    o.retarget(o.relocation_of(kName), o.section_symbol(".bss"));
    EXPECT_NE(o.refusal().find("(.bss), which is zeros when loaded: an empty name"), std::string::npos) << o.refusal();
  }
  {
    ArmObject o = good;
    o.retarget(o.relocation_of(kName), o.section_symbol(".ARM.attributes"));
    EXPECT_NE(o.refusal().find("name points into section"), std::string::npos);
    EXPECT_NE(o.refusal().find("(.ARM.attributes), which is not loaded"), std::string::npos) << o.refusal();
  }
}

TEST(ModuleFactsArm, TooMuchStateAKernelNameOrAnExportDefinedTwiceIsRefused) {
  SKIP_WITHOUT_CORTEX_M3();
  {
    ArmObject o(module("beacon", "beacon_m3"));
    o.set_u32(o.descriptor_word(kStateSize), kMaxStateSize + 1);
    EXPECT_NE(o.refusal().find("asks for 16777217 bytes of state, more than 16777216"), std::string::npos)
        << o.refusal();
    o.set_u32(o.descriptor_word(kStateSize), kMaxStateSize);
    EXPECT_EQ(o.refusal(), "");
  }
  const ArmObject mathlib(module("mathlib", "mathlib_m3"));
  const std::size_t crc = mathlib.symbol_index("mathlib_crc16"), isqrt = mathlib.symbol_index("mathlib_isqrt");
  const std::size_t dyn_log = mathlib.symbol_index("dyn_log");
  {
    ArmObject o = mathlib;  // mathlib_crc16 renamed dyn_log (its st_name pointed at the import's name)
    o.set_u32(o.symbol_entry(crc), o.u32(o.symbol_entry(dyn_log)));
    EXPECT_NE(o.refusal().find("the module defines symbol " + std::to_string(crc) + " (dyn_log), a name the kernel exports"),
              std::string::npos)
        << o.refusal();
  }
  {
    ArmObject o = mathlib;
    o.set_u32(o.symbol_entry(isqrt), o.u32(o.symbol_entry(crc)));
    EXPECT_NE(o.refusal().find("the module exports symbol " + std::to_string(isqrt) + " (mathlib_crc16) twice"),
              std::string::npos)
        << o.refusal();
  }
}

// Untrusted input: every truncation and many damaged bytes are either read or
// refused with a reason, never a crash (the sanitizers watch the reads).
TEST(ModuleFactsArm, TruncatedOrDamagedObjectsAreRefusedWithAReasonNeverACrash) {
  SKIP_WITHOUT_CORTEX_M3();
  for (const char* name : {"beacon_v2_m3", "mathlib_m3"}) {
    SCOPED_TRACE(name);
    const std::string dir = std::string(name).rfind("beacon", 0) == 0 ? "beacon" : "mathlib";
    const std::vector<std::byte> good = read_file(module(dir, name));
    ASSERT_FALSE(good.empty());
    ModuleFacts expected;
    ASSERT_EQ(facts_of(good, &expected), "");
    for (std::size_t size = 0; size < good.size(); ++size) {
      const std::vector<std::byte> cut(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(size));
      ModuleFacts f;
      EXPECT_NE(facts_of(cut, &f), "") << "truncated to " << size << " bytes";
    }
    std::size_t refused = 0, read = 0;
    for (std::size_t at = 0; at < good.size(); ++at) {
      for (const int flip : {0x01, 0x80, 0xff}) {
        std::vector<std::byte> bad = good;
        bad[at] ^= static_cast<std::byte>(flip);
        ModuleFacts f;
        const std::string why = facts_of(bad, &f);
        if (!why.empty()) {
          ++refused;
          continue;
        }
        ++read;
        EXPECT_FALSE(f.name.empty()) << "byte " << at << " ^ " << flip;
        EXPECT_LE(f.name.size(), 31u);
        EXPECT_LE(f.state_size, kMaxStateSize);
      }
    }
    EXPECT_GT(refused, 0u);
    EXPECT_GT(read, 0u);  // code bytes: the facts do not depend on them
  }
}

TEST(ModuleFactsArm, ADamagedFileGivesItsPathAndAReason) {
  SKIP_WITHOUT_CORTEX_M3();
  ArmObject o(module("beacon", "beacon_m3"));
  o.set_u32(o.descriptor_word(kMagic), 0);
  const std::string path = testing::TempDir() + "module_facts_arm_bad_magic.o";
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(o.bytes.data()),
                                              static_cast<std::streamsize>(o.bytes.size()));
  ModuleFacts f;
  const std::string why = read_module_facts(path, {}, &f);
  EXPECT_EQ(why.rfind(path + ": the module descriptor's magic 0x0", 0), 0u) << why;
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(o.bytes.data()), 100);
  const std::string truncated = read_module_facts(path, {}, &f);
  std::remove(path.c_str());
  EXPECT_EQ(truncated.rfind(path + ": ", 0), 0u) << truncated;
  EXPECT_GT(truncated.size(), path.size() + 2) << truncated;
}

// `dynsched inspect` on a Cortex-M object shows the descriptor read from its
// bytes, and refuses one the loader would refuse once the code runs.
TEST(ModuleFactsArm, InspectShowsTheDescriptorOrWhyItIsRefused) {
  SKIP_WITHOUT_CORTEX_M3();
  std::string out;
  EXPECT_EQ(inspect_module(module("beacon", "beacon_v2_m3"), {module("mathlib", "mathlib_m3")}, &out), 0) << out;
  EXPECT_NE(out.find("module: beacon version 2, state 32 B of schema 2, has an entry (runs as a task), checkpoint "
                     "hook yes, restore hook yes"),
            std::string::npos)
      << out;
  ArmObject o(module("beacon", "beacon_m3"));
  o.set_u32(o.descriptor_word(kCheckpoint), 0x2000'0001);  // links on the host: only magic and ABI are checked there
  const std::string path = testing::TempDir() + "module_facts_arm_fixed_hook.o";
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(o.bytes.data()),
                                              static_cast<std::streamsize>(o.bytes.size()));
  out.clear();
  const int status = inspect_module(path, {module("mathlib", "mathlib_m3")}, &out);
  std::remove(path.c_str());
  EXPECT_EQ(status, 1) << out;
  EXPECT_NE(out.find("verdict: REFUSED: it links, but the module descriptor's checkpoint is the fixed address "
                     "0x20000001"),
            std::string::npos)
      << out;
}

}  // namespace
}  // namespace dyn::cli
