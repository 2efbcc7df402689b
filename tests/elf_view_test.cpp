// elf_view_test.cpp — host tests for the validating ELF reader.
//
// Inputs are assembled in the test by a small ELF writer (both ELF32/ARM and
// ELF64/x86-64), then bent one field at a time: every refusal in
// ElfView::open() has a test that checks the exact code and the index/detail
// fields it reports. Most tests run for both classes.
#include "dyn/elf_view.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace elf = dyn::elf;
using dyn::ElfErrc;
using dyn::ElfView;
using Bytes = std::vector<std::byte>;

// ---------------------------------------------------------------------------
// Writer: lays out ELF header, section data in order, .shstrtab (always the
// last section), then the section header table. Fields are given in the
// class-neutral 64-bit layouts of elf.hpp and narrowed for ELF32.

template <typename T>
void put(Bytes& b, std::size_t off, const T& v) {
  if (b.size() < off + sizeof v) b.resize(off + sizeof v);
  std::memcpy(b.data() + off, &v, sizeof v);
}
template <typename T>
T get(const Bytes& b, std::size_t off) {
  T v;
  std::memcpy(&v, b.data() + off, sizeof v);
  return v;
}

struct Section {
  std::string name{};
  std::uint32_t type = elf::kShtProgbits;
  std::uint64_t flags = 0;
  Bytes data{};
  std::uint32_t link = 0, info = 0;
  std::uint64_t align = 1, entsize = 0;
  std::uint64_t nobits_size = 0;  // sh_size of a SHT_NOBITS section
};

struct Sym {
  std::string name{};
  std::uint64_t value = 0, size = 0;
  std::uint8_t bind = elf::kStbLocal, type = elf::kSttNotype;
  std::uint16_t shndx = elf::kShnUndef;
};

struct Rel {
  std::uint64_t offset;
  std::uint32_t symbol, type;
  std::int64_t addend = 0;
};

struct Writer {
  bool is64;
  std::vector<Section> sections{Section{"", elf::kShtNull}};

  explicit Writer(bool wide) : is64(wide) {}

  std::uint16_t machine() const { return is64 ? elf::kMachineX86_64 : elf::kMachineArm; }

  std::uint32_t add(Section s) {
    sections.push_back(std::move(s));
    return static_cast<std::uint32_t>(sections.size() - 1);
  }

  // A string table holding `names` in order, with their offsets.
  static Bytes strings(const std::vector<std::string>& names, std::vector<std::uint32_t>* offsets) {
    Bytes out{std::byte{0}};
    for (const auto& n : names) {
      if (n.empty()) {
        offsets->push_back(0);
        continue;
      }
      offsets->push_back(static_cast<std::uint32_t>(out.size()));
      for (char c : n) out.push_back(static_cast<std::byte>(c));
      out.push_back(std::byte{0});
    }
    return out;
  }

  // Adds .strtab then .symtab; returns the .symtab index. `first_global` is sh_info.
  std::uint32_t add_symtab(const std::vector<Sym>& syms, std::uint32_t first_global) {
    std::vector<std::string> names;
    for (const auto& s : syms) names.push_back(s.name);
    std::vector<std::uint32_t> offs;
    const std::uint32_t strtab = add(Section{".strtab", elf::kShtStrtab, 0, strings(names, &offs)});
    Bytes data;
    for (std::size_t i = 0; i < syms.size(); ++i) {
      const Sym& s = syms[i];
      const auto info = static_cast<std::uint8_t>(s.bind << 4 | s.type);
      if (is64) {
        elf::Sym64 e{offs[i], info, 0, s.shndx, s.value, s.size};
        put(data, data.size(), e);
      } else {
        elf::Sym32 e{offs[i], static_cast<std::uint32_t>(s.value), static_cast<std::uint32_t>(s.size), info, 0,
                     s.shndx};
        put(data, data.size(), e);
      }
    }
    return add(Section{".symtab", elf::kShtSymtab, 0, data, strtab, first_global, is64 ? 8u : 4u,
                       is64 ? sizeof(elf::Sym64) : sizeof(elf::Sym32)});
  }

  std::uint32_t add_rel(std::string name, bool rela, std::uint32_t symtab, std::uint32_t target,
                        const std::vector<Rel>& rels) {
    Bytes data;
    for (const auto& r : rels) {
      if (is64) {
        put(data, data.size(), r.offset);
        put(data, data.size(), std::uint64_t{r.symbol} << 32 | r.type);
        if (rela) put(data, data.size(), r.addend);
      } else {
        put(data, data.size(), static_cast<std::uint32_t>(r.offset));
        put(data, data.size(), r.symbol << 8 | (r.type & 0xffu));
        if (rela) put(data, data.size(), static_cast<std::int32_t>(r.addend));
      }
    }
    const std::uint64_t entsize = is64 ? (rela ? 24 : 16) : (rela ? 12 : 8);
    return add(Section{std::move(name), rela ? elf::kShtRela : elf::kShtRel, elf::kShfInfoLink, data, symtab,
                       target, is64 ? 8u : 4u, entsize});
  }

  Bytes build() const {
    std::vector<Section> all = sections;
    std::vector<std::string> names;
    for (const auto& s : all) names.push_back(s.name);
    names.push_back(".shstrtab");
    std::vector<std::uint32_t> name_offs;
    Bytes shstr = strings(names, &name_offs);
    all.push_back(Section{".shstrtab", elf::kShtStrtab, 0, shstr});

    const std::size_t ehsize = is64 ? sizeof(elf::Ehdr64) : sizeof(elf::Ehdr32);
    Bytes img(ehsize);
    std::vector<std::uint64_t> offsets(all.size(), 0);
    for (std::size_t i = 1; i < all.size(); ++i) {
      const std::uint64_t a = all[i].align ? all[i].align : 1;
      while (img.size() % a) img.push_back(std::byte{0});
      offsets[i] = img.size();
      if (all[i].type != elf::kShtNobits) img.insert(img.end(), all[i].data.begin(), all[i].data.end());
    }
    while (img.size() % 8) img.push_back(std::byte{0});
    const std::uint64_t shoff = img.size();
    for (std::size_t i = 0; i < all.size(); ++i) {
      const Section& s = all[i];
      const std::uint64_t size = s.type == elf::kShtNobits ? s.nobits_size : s.data.size();
      const std::uint64_t off = i == 0 ? 0 : offsets[i];
      const std::uint32_t name = i == 0 ? 0 : name_offs[i];
      if (is64) {
        put(img, img.size(), elf::Shdr64{name, s.type, s.flags, 0, off, size, s.link, s.info, s.align, s.entsize});
      } else {
        put(img, img.size(),
            elf::Shdr32{name, s.type, static_cast<std::uint32_t>(s.flags), 0, static_cast<std::uint32_t>(off),
                        static_cast<std::uint32_t>(size), s.link, s.info, static_cast<std::uint32_t>(s.align),
                        static_cast<std::uint32_t>(s.entsize)});
      }
    }
    const auto shnum = static_cast<std::uint16_t>(all.size());
    const auto shstrndx = static_cast<std::uint16_t>(all.size() - 1);
    if (is64) {
      elf::Ehdr64 h{{0x7f, 'E', 'L', 'F', elf::kClass64, elf::kDataLsb, elf::kVersionCurrent},
                    elf::kTypeRel, machine(), elf::kVersionCurrent, 0, 0, shoff, 0, 64, 0, 0, 64, shnum, shstrndx};
      put(img, 0, h);
    } else {
      elf::Ehdr32 h{{0x7f, 'E', 'L', 'F', elf::kClass32, elf::kDataLsb, elf::kVersionCurrent},
                    elf::kTypeRel, machine(), elf::kVersionCurrent, 0, 0, static_cast<std::uint32_t>(shoff),
                    0x05000000, 52, 0, 0, 40, shnum, shstrndx};
      put(img, 0, h);
    }
    return img;
  }
};

// --- Editors: read a header/entry of a built image, change it, write it back.

bool wide(const Bytes& img) { return static_cast<std::uint8_t>(img[4]) == elf::kClass64; }

template <typename F>
void edit_ehdr(Bytes& img, F f) {
  if (wide(img)) {
    auto h = get<elf::Ehdr64>(img, 0);
    f(h);
    put(img, 0, h);
  } else {
    auto h32 = get<elf::Ehdr32>(img, 0);
    elf::Ehdr64 h{};
    std::memcpy(h.ident, h32.ident, 16);
    h.type = h32.type, h.machine = h32.machine, h.version = h32.version, h.entry = h32.entry;
    h.phoff = h32.phoff, h.shoff = h32.shoff, h.flags = h32.flags, h.ehsize = h32.ehsize;
    h.phentsize = h32.phentsize, h.phnum = h32.phnum, h.shentsize = h32.shentsize, h.shnum = h32.shnum;
    h.shstrndx = h32.shstrndx;
    f(h);
    std::memcpy(h32.ident, h.ident, 16);
    h32.type = h.type, h32.machine = h.machine, h32.version = h.version;
    h32.entry = static_cast<std::uint32_t>(h.entry), h32.phoff = static_cast<std::uint32_t>(h.phoff);
    h32.shoff = static_cast<std::uint32_t>(h.shoff), h32.flags = h.flags, h32.ehsize = h.ehsize;
    h32.phentsize = h.phentsize, h32.phnum = h.phnum, h32.shentsize = h.shentsize, h32.shnum = h.shnum;
    h32.shstrndx = h.shstrndx;
    put(img, 0, h32);
  }
}

elf::Ehdr64 read_ehdr(Bytes img) {
  elf::Ehdr64 out{};
  edit_ehdr(img, [&](elf::Ehdr64& h) { out = h; });
  return out;
}

std::size_t shdr_pos(const Bytes& img, std::size_t i) {
  const auto h = read_ehdr(img);
  return static_cast<std::size_t>(h.shoff + i * (wide(img) ? 64 : 40));
}

template <typename F>
void edit_shdr(Bytes& img, std::size_t i, F f) {
  const std::size_t at = shdr_pos(img, i);
  if (wide(img)) {
    auto s = get<elf::Shdr64>(img, at);
    f(s);
    put(img, at, s);
  } else {
    const auto s32 = get<elf::Shdr32>(img, at);
    elf::Shdr64 s{s32.name, s32.type, s32.flags, s32.addr, s32.offset, s32.size, s32.link, s32.info,
                  s32.addralign, s32.entsize};
    f(s);
    put(img, at,
        elf::Shdr32{s.name, s.type, static_cast<std::uint32_t>(s.flags), static_cast<std::uint32_t>(s.addr),
                    static_cast<std::uint32_t>(s.offset), static_cast<std::uint32_t>(s.size), s.link, s.info,
                    static_cast<std::uint32_t>(s.addralign), static_cast<std::uint32_t>(s.entsize)});
  }
}

elf::Shdr64 read_shdr(Bytes img, std::size_t i) {
  elf::Shdr64 out{};
  edit_shdr(img, i, [&](elf::Shdr64& s) { out = s; });
  return out;
}

template <typename F>
void edit_sym(Bytes& img, std::size_t symtab, std::size_t k, F f) {
  const auto st = read_shdr(img, symtab);
  const auto at = static_cast<std::size_t>(st.offset + k * st.entsize);
  if (wide(img)) {
    auto s = get<elf::Sym64>(img, at);
    f(s);
    put(img, at, s);
  } else {
    const auto s32 = get<elf::Sym32>(img, at);
    elf::Sym64 s{s32.name, s32.info, s32.other, s32.shndx, s32.value, s32.size};
    f(s);
    put(img, at,
        elf::Sym32{s.name, static_cast<std::uint32_t>(s.value), static_cast<std::uint32_t>(s.size), s.info, s.other,
                   s.shndx});
  }
}

// Sets the symbol field of relocation entry k.
void set_rel_symbol(Bytes& img, std::size_t rel_section, std::size_t k, std::uint32_t symbol) {
  const auto rs = read_shdr(img, rel_section);
  const auto at = static_cast<std::size_t>(rs.offset + k * rs.entsize);
  if (wide(img)) {
    const auto info = get<std::uint64_t>(img, at + 8);
    put(img, at + 8, std::uint64_t{symbol} << 32 | (info & 0xffffffffu));
  } else {
    const auto info = get<std::uint32_t>(img, at + 4);
    put(img, at + 4, symbol << 8 | (info & 0xffu));
  }
}

// ---------------------------------------------------------------------------
// The reference object: what a compiler emits for a small module.

struct Sample {
  enum : std::uint32_t { kText = 1, kData, kBss, kStrtab, kSymtab, kRel, kShstrtab, kCount };
  enum : std::uint32_t { kSymNull, kSymTextSection, kSymHelper, kSymMain, kSymCounter, kSymExtern, kSymCommon,
                         kSymCount };
};

std::vector<Sym> sample_symbols(bool is64) {
  // On ARM a Thumb function's value has bit 0 set; main fills .text to the end.
  const std::uint64_t thumb = is64 ? 0 : 1;
  return {
      Sym{},
      Sym{"", 0, 0, elf::kStbLocal, elf::kSttSection, Sample::kText},
      Sym{"helper", 0 | thumb, 8, elf::kStbLocal, elf::kSttFunc, Sample::kText},
      Sym{"module_main", 8 | thumb, 24, elf::kStbGlobal, elf::kSttFunc, Sample::kText},
      Sym{"counter", 4, 4, elf::kStbGlobal, elf::kSttObject, Sample::kData},
      Sym{"ext_fn", 0, 0, elf::kStbGlobal, elf::kSttNotype, elf::kShnUndef},
      Sym{"shared_buf", 8, 64, elf::kStbWeak, elf::kSttObject, elf::kShnCommon},
  };
}

std::vector<Rel> sample_relocations(bool is64) {
  if (is64) return {{4, Sample::kSymExtern, 4, -4}, {12, Sample::kSymCounter, 2, -4}, {20, Sample::kSymCommon, 1, 16}};
  return {{4, Sample::kSymExtern, 10}, {28, Sample::kSymCounter, 2}};
}

Writer sample_writer(bool is64) {
  Writer w(is64);
  Bytes text(32);
  for (std::size_t i = 0; i < text.size(); ++i) text[i] = static_cast<std::byte>(0xa0 + i);
  EXPECT_EQ(w.add(Section{".text", elf::kShtProgbits, elf::kShfAlloc | elf::kShfExecinstr, text, 0, 0, 4}),
            Sample::kText);
  EXPECT_EQ(w.add(Section{".data", elf::kShtProgbits, elf::kShfAlloc | elf::kShfWrite, Bytes(8, std::byte{7}), 0, 0,
                          8}),
            Sample::kData);
  Section bss{".bss", elf::kShtNobits, elf::kShfAlloc | elf::kShfWrite, {}, 0, 0, 16};
  bss.nobits_size = 48;
  EXPECT_EQ(w.add(bss), Sample::kBss);
  EXPECT_EQ(w.add_symtab(sample_symbols(is64), Sample::kSymMain), Sample::kSymtab);
  EXPECT_EQ(w.add_rel(is64 ? ".rela.text" : ".rel.text", is64, Sample::kSymtab, Sample::kText,
                      sample_relocations(is64)),
            Sample::kRel);
  return w;
}

Bytes sample(bool is64) { return sample_writer(is64).build(); }

dyn::Result<ElfView, dyn::ElfError> open(const Bytes& img) { return ElfView::open(std::span(img)); }

#define EXPECT_REFUSED(img, errc, idx, det)                                   \
  do {                                                                        \
    const auto r_ = open(img);                                                \
    ASSERT_FALSE(r_.has_value()) << "expected refusal";                       \
    EXPECT_EQ(r_.error().code, errc) << dyn::describe(r_.error().code);       \
    EXPECT_EQ(r_.error().index, (idx));                                       \
    EXPECT_EQ(r_.error().detail, (det));                                      \
  } while (0)

class ElfViewBoth : public ::testing::TestWithParam<bool> {
 protected:
  bool is64() const { return GetParam(); }
  Bytes img = sample(GetParam());
};
INSTANTIATE_TEST_SUITE_P(Class, ElfViewBoth, ::testing::Values(false, true),
                         [](const auto& p) { return p.param ? "Elf64" : "Elf32"; });

// ---------------------------------------------------------------------------
// Positive: round trip.

TEST_P(ElfViewBoth, SampleRoundTripsSections) {
  const auto r = open(img);
  ASSERT_TRUE(r.has_value()) << dyn::describe(r.error().code) << " index " << r.error().index;
  const ElfView& v = r.value();
  EXPECT_EQ(v.is64(), is64());
  EXPECT_EQ(v.machine(), is64() ? elf::kMachineX86_64 : elf::kMachineArm);
  EXPECT_EQ(v.flags(), is64() ? 0u : 0x05000000u);
  ASSERT_EQ(v.section_count(), Sample::kCount);
  EXPECT_EQ(v.image().data(), reinterpret_cast<const std::byte*>(img.data()));

  const Writer w = sample_writer(is64());
  for (std::size_t i = 1; i < Sample::kShstrtab; ++i) {
    const auto s = v.section(i);
    const Section& want = w.sections[i];
    EXPECT_EQ(s.name, want.name) << i;
    EXPECT_EQ(s.type, want.type) << i;
    EXPECT_EQ(s.flags, want.flags) << i;
    EXPECT_EQ(s.link, want.link) << i;
    EXPECT_EQ(s.info, want.info) << i;
    EXPECT_EQ(s.align, want.align) << i;
    EXPECT_EQ(s.entsize, want.entsize) << i;
    if (want.type == elf::kShtNobits) {
      EXPECT_EQ(s.size, want.nobits_size);
      EXPECT_TRUE(v.section_data(i).empty());
    } else {
      EXPECT_EQ(s.size, want.data.size()) << i;
      const auto d = v.section_data(i);
      ASSERT_EQ(d.size(), want.data.size()) << i;
      EXPECT_EQ(std::memcmp(d.data(), want.data.data(), d.size()), 0) << i;
      EXPECT_EQ(d.data(), img.data() + s.offset) << i;
    }
  }
  EXPECT_EQ(v.section(Sample::kShstrtab).name, ".shstrtab");
  EXPECT_TRUE(v.section(Sample::kText).alloc() && v.section(Sample::kText).exec());
  EXPECT_FALSE(v.section(Sample::kText).write());
  EXPECT_TRUE(v.section(Sample::kData).write());
  EXPECT_EQ(v.section(0).type, elf::kShtNull);
  EXPECT_EQ(v.section(0).align, 1u);  // 0 read as 1
  EXPECT_TRUE(v.section_data(0).empty());
}

TEST_P(ElfViewBoth, SampleRoundTripsSymbols) {
  const auto r = open(img);
  ASSERT_TRUE(r.has_value());
  const ElfView& v = r.value();
  EXPECT_EQ(v.symtab_index(), Sample::kSymtab);
  const auto want = sample_symbols(is64());
  ASSERT_EQ(v.symbol_count(), want.size());
  for (std::size_t k = 0; k < want.size(); ++k) {
    const auto s = v.symbol(k);
    EXPECT_EQ(s.name, want[k].name) << k;
    EXPECT_EQ(s.value, want[k].value) << k;
    EXPECT_EQ(s.size, want[k].size) << k;
    EXPECT_EQ(s.bind, want[k].bind) << k;
    EXPECT_EQ(s.type, want[k].type) << k;
    EXPECT_EQ(s.shndx, want[k].shndx) << k;
  }
  EXPECT_FALSE(v.symbol(Sample::kSymExtern).defined());
  EXPECT_TRUE(v.symbol(Sample::kSymMain).defined());
}

TEST_P(ElfViewBoth, SampleRoundTripsRelocations) {
  const auto r = open(img);
  ASSERT_TRUE(r.has_value());
  const ElfView& v = r.value();
  const auto want = sample_relocations(is64());
  ASSERT_EQ(v.relocation_count(Sample::kRel), want.size());
  for (std::size_t k = 0; k < want.size(); ++k) {
    const auto rel = v.relocation(Sample::kRel, k);
    EXPECT_EQ(rel.offset, want[k].offset) << k;
    EXPECT_EQ(rel.symbol, want[k].symbol) << k;
    EXPECT_EQ(rel.type, want[k].type) << k;
    EXPECT_EQ(rel.addend, want[k].addend) << k;
    EXPECT_EQ(rel.has_addend, is64()) << k;  // the sample uses REL on ARM, RELA on x86-64
  }
  EXPECT_EQ(v.relocation_count(Sample::kText), 0u);  // not a relocation section
}

TEST(ElfView, Elf32RelaAndElf64RelBothRead) {
  for (bool is64 : {false, true}) {
    Writer w = sample_writer(is64);
    w.add_rel(".other", !is64, Sample::kSymtab, Sample::kData, {{0, Sample::kSymMain, 2, -7}});
    const Bytes img = w.build();
    const auto r = open(img);
    ASSERT_TRUE(r.has_value()) << is64;
    const auto rel = r.value().relocation(Sample::kShstrtab, 0);  // the added section took .shstrtab's old index
    EXPECT_EQ(rel.symbol, Sample::kSymMain);
    EXPECT_EQ(rel.type, 2u);
    EXPECT_EQ(rel.has_addend, !is64);
    EXPECT_EQ(rel.addend, is64 ? 0 : -7);
  }
}

TEST_P(ElfViewBoth, AccessorsRefuseIndexesPastTheEnd) {
  const auto r = open(img);
  ASSERT_TRUE(r.has_value());
  const ElfView& v = r.value();
  EXPECT_TRUE(v.section(Sample::kCount).name.empty());
  EXPECT_TRUE(v.section_data(Sample::kCount).empty());
  EXPECT_TRUE(v.symbol(Sample::kSymCount).name.empty());
  EXPECT_EQ(v.relocation_count(Sample::kCount), 0u);
  EXPECT_EQ(v.relocation(Sample::kRel, 99).symbol, 0u);
}

TEST_P(ElfViewBoth, ObjectWithoutSymbolsOpens) {
  Writer w(is64());
  w.add(Section{".text", elf::kShtProgbits, elf::kShfAlloc | elf::kShfExecinstr, Bytes(4), 0, 0, 4});
  const Bytes bare = w.build();
  const auto r = open(bare);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r.value().symtab_index(), 0u);
  EXPECT_EQ(r.value().symbol_count(), 0u);
  EXPECT_EQ(r.value().section_count(), 3u);
  EXPECT_EQ(r.value().section(2).name, ".shstrtab");
}

TEST_P(ElfViewBoth, UnalignedImageOpens) {
  // The loader may receive the object at any address; every read must be memcpy.
  std::vector<std::byte> shifted(img.size() + 1);
  std::memcpy(shifted.data() + 1, img.data(), img.size());
  const auto r = ElfView::open(std::span<const std::byte>(shifted).subspan(1));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r.value().symbol(Sample::kSymMain).name, "module_main");
  EXPECT_EQ(r.value().relocation(Sample::kRel, 0).symbol, Sample::kSymExtern);
}

TEST_P(ElfViewBoth, EmptySectionsMayShareAnOffset) {
  // Zero-sized sections (e.g. an empty .text) sit where the next one starts.
  Writer w = sample_writer(is64());
  w.add(Section{".text.empty", elf::kShtProgbits, elf::kShfAlloc, {}, 0, 0, 1});
  w.add(Section{".note", elf::kShtProgbits, 0, Bytes(3)});
  const Bytes two = w.build();
  EXPECT_TRUE(open(two).has_value());
}

TEST_P(ElfViewBoth, ZeroSizedSymbolAtSectionEndIsAccepted) {
  edit_sym(img, Sample::kSymtab, Sample::kSymCounter, [](elf::Sym64& s) { s.value = 8, s.size = 0; });
  EXPECT_TRUE(open(img).has_value());
}

TEST(ElfView, ThumbBitIsOnlyClearedForArmFunctions) {
  // ELF32: an OBJECT symbol with an odd value ending one past the section is refused.
  Bytes a = sample(false);
  edit_sym(a, Sample::kSymtab, Sample::kSymMain, [](elf::Sym64& s) { s.info = elf::kStbGlobal << 4 | elf::kSttObject; });
  EXPECT_REFUSED(a, ElfErrc::SymbolOutOfSection, Sample::kSymMain, 9u);
  // ELF64: no Thumb bit, so value 9 + size 24 is past the 32-byte .text.
  Bytes b = sample(true);
  edit_sym(b, Sample::kSymtab, Sample::kSymMain, [](elf::Sym64& s) { s.value = 9; });
  EXPECT_REFUSED(b, ElfErrc::SymbolOutOfSection, Sample::kSymMain, 9u);
}

// ---------------------------------------------------------------------------
// File header.

TEST(ElfView, TruncatedHeaderIsTooSmall) {
  const Bytes full32 = sample(false), full64 = sample(true);
  for (std::size_t n : {0u, 1u, 4u, 15u}) {
    Bytes cut(full32.begin(), full32.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_REFUSED(cut, ElfErrc::TooSmall, 0u, n);
  }
  for (std::size_t n : {16u, 40u, 51u}) {
    Bytes cut(full32.begin(), full32.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_REFUSED(cut, ElfErrc::TooSmall, 0u, n);
  }
  for (std::size_t n : {16u, 52u, 63u}) {
    Bytes cut(full64.begin(), full64.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_REFUSED(cut, ElfErrc::TooSmall, 0u, n);
  }
  // A whole header but no room for the section table.
  Bytes header_only(full64.begin(), full64.begin() + 64);
  const auto shoff = read_ehdr(full64).shoff;
  EXPECT_REFUSED(header_only, ElfErrc::SectionTableOutOfFile, 0u, shoff);
}

TEST_P(ElfViewBoth, BadMagic) {
  img[1] = std::byte{'e'};
  EXPECT_REFUSED(img, ElfErrc::BadMagic, 0u, 0u);
  Bytes text(64, std::byte{'#'});
  EXPECT_REFUSED(text, ElfErrc::BadMagic, 0u, 0u);
}

TEST_P(ElfViewBoth, BadClass) {
  img[4] = std::byte{3};
  EXPECT_REFUSED(img, ElfErrc::BadClass, 0u, 3u);
  img[4] = std::byte{0};
  EXPECT_REFUSED(img, ElfErrc::BadClass, 0u, 0u);
}

TEST_P(ElfViewBoth, BigEndianIsRefused) {
  img[5] = std::byte{2};
  EXPECT_REFUSED(img, ElfErrc::BadEncoding, 0u, 2u);
}

TEST_P(ElfViewBoth, BadVersion) {
  Bytes ident = img;
  ident[6] = std::byte{0};
  EXPECT_REFUSED(ident, ElfErrc::BadVersion, 0u, 0u);
  edit_ehdr(img, [](elf::Ehdr64& h) { h.version = 2; });
  EXPECT_REFUSED(img, ElfErrc::BadVersion, 0u, 2u);
}

TEST_P(ElfViewBoth, ExecutablesAndSharedObjectsAreRefused) {
  for (std::uint16_t type : {std::uint16_t{2}, std::uint16_t{3}, std::uint16_t{4}, std::uint16_t{0}}) {
    Bytes b = img;
    edit_ehdr(b, [&](elf::Ehdr64& h) { h.type = type; });
    EXPECT_REFUSED(b, ElfErrc::NotRelocatable, 0u, type);
  }
}

TEST_P(ElfViewBoth, WrongMachine) {
  edit_ehdr(img, [](elf::Ehdr64& h) { h.machine = 183; });  // AArch64
  EXPECT_REFUSED(img, ElfErrc::WrongMachine, 0u, 183u);
}

TEST_P(ElfViewBoth, ClassMachineMismatch) {
  // ELF64 with EM_ARM, ELF32 with EM_X86_64: each machine is accepted in one class only.
  const std::uint16_t other = is64() ? elf::kMachineArm : elf::kMachineX86_64;
  edit_ehdr(img, [&](elf::Ehdr64& h) { h.machine = other; });
  EXPECT_REFUSED(img, ElfErrc::WrongMachine, 0u, other);
}

TEST_P(ElfViewBoth, BadEhsize) {
  edit_ehdr(img, [](elf::Ehdr64& h) { h.ehsize = 48; });
  EXPECT_REFUSED(img, ElfErrc::BadHeaderSize, 0u, 48u);
}

TEST_P(ElfViewBoth, BadShentsize) {
  const std::uint16_t other = is64() ? 40 : 64;  // the other class's size
  edit_ehdr(img, [&](elf::Ehdr64& h) { h.shentsize = other; });
  EXPECT_REFUSED(img, ElfErrc::BadHeaderSize, 0u, other);
}

// ---------------------------------------------------------------------------
// Section header table.

TEST_P(ElfViewBoth, SectionTablePastEnd) {
  const auto h = read_ehdr(img);
  const std::uint64_t shentsize = is64() ? 64 : 40;
  img.resize(img.size() - 1);
  const auto r = open(img);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ElfErrc::SectionTableOutOfFile);
  EXPECT_EQ(r.error().detail, h.shoff);
  EXPECT_EQ(r.error().offset, h.shoff + h.shnum * shentsize);
}

TEST_P(ElfViewBoth, SectionTableOffsetFarPastEnd) {
  edit_ehdr(img, [](elf::Ehdr64& h) { h.shoff = 0xfffffff0u; });
  EXPECT_REFUSED(img, ElfErrc::SectionTableOutOfFile, 0u, 0xfffffff0u);
}

TEST(ElfView, SectionTableEndOverflows64Bits) {
  Bytes img = sample(true);
  const std::uint64_t shoff = ~std::uint64_t{0} - 100;  // + 8 * 64 wraps
  edit_ehdr(img, [&](elf::Ehdr64& h) { h.shoff = shoff; });
  const auto r = open(img);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ElfErrc::SectionTableOutOfFile);
  EXPECT_EQ(r.error().detail, shoff);
  EXPECT_EQ(r.error().offset, ~std::uint64_t{0});  // saturated: the true end does not fit
}

TEST_P(ElfViewBoth, ExtendedSectionNumberingIsRefused) {
  edit_ehdr(img, [](elf::Ehdr64& h) { h.shnum = 0; });
  EXPECT_REFUSED(img, ElfErrc::TooManySections, 0u, 0u);
}

TEST_P(ElfViewBoth, SectionCountInReservedRangeIsRefused) {
  edit_ehdr(img, [](elf::Ehdr64& h) { h.shnum = 0xff01; });
  EXPECT_REFUSED(img, ElfErrc::TooManySections, 0u, 0xff01u);
}

TEST_P(ElfViewBoth, ObjectWithoutSectionsIsRefused) {
  edit_ehdr(img, [](elf::Ehdr64& h) { h.shnum = 0, h.shoff = 0, h.shstrndx = 0; });
  EXPECT_REFUSED(img, ElfErrc::BadStringTableIndex, 0u, 0u);
}

TEST_P(ElfViewBoth, ShstrndxOutOfRange) {
  for (std::uint16_t bad : {std::uint16_t{Sample::kCount}, std::uint16_t{elf::kShnXindex}, std::uint16_t{0}}) {
    Bytes b = img;
    edit_ehdr(b, [&](elf::Ehdr64& h) { h.shstrndx = bad; });
    EXPECT_REFUSED(b, ElfErrc::BadStringTableIndex, 0u, bad);
  }
}

TEST_P(ElfViewBoth, ShstrndxNotAStringTable) {
  edit_ehdr(img, [](elf::Ehdr64& h) { h.shstrndx = Sample::kText; });
  EXPECT_REFUSED(img, ElfErrc::BadStringTableIndex, 0u, Sample::kText);
}

// ---------------------------------------------------------------------------
// Section bounds, overlap, alignment.

TEST_P(ElfViewBoth, SectionPastEnd) {
  const auto data = read_shdr(img, Sample::kData);
  edit_shdr(img, Sample::kData, [&](elf::Shdr64& s) { s.size = img.size() - s.offset + 1; });
  const auto r = open(img);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ElfErrc::SectionOutOfFile);
  EXPECT_EQ(r.error().index, Sample::kData);
  EXPECT_EQ(r.error().detail, data.offset);
  EXPECT_EQ(r.error().offset, img.size() + 1);
}

TEST_P(ElfViewBoth, SectionOffsetPastEnd) {
  edit_shdr(img, Sample::kText, [&](elf::Shdr64& s) { s.offset = 0xffffff00u; });
  EXPECT_REFUSED(img, ElfErrc::SectionOutOfFile, Sample::kText, 0xffffff00u);
}

TEST(ElfView, SectionOffsetPlusSizeOverflows) {
  Bytes img = sample(true);
  edit_shdr(img, Sample::kText, [](elf::Shdr64& s) { s.size = ~std::uint64_t{0} - 8; });
  const auto off = read_shdr(img, Sample::kText).offset;
  const auto r = open(img);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ElfErrc::SectionOutOfFile);
  EXPECT_EQ(r.error().index, Sample::kText);
  EXPECT_EQ(r.error().detail, off);
  EXPECT_EQ(r.error().offset, ~std::uint64_t{0});
}

TEST_P(ElfViewBoth, NobitsSectionMayLieBeyondTheFile) {
  edit_shdr(img, Sample::kBss, [](elf::Shdr64& s) { s.offset = 0xfffffff0u, s.size = 0xffff; });
  const auto r = open(img);
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r.value().section_data(Sample::kBss).empty());
}

TEST_P(ElfViewBoth, OverlappingSections) {
  const auto text = read_shdr(img, Sample::kText);
  edit_shdr(img, Sample::kData, [&](elf::Shdr64& s) { s.offset = text.offset + text.size - 1; });
  const auto r = open(img);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ElfErrc::SectionsOverlap);
  EXPECT_EQ(r.error().index, Sample::kData);  // the later of the two
  EXPECT_EQ(r.error().detail, Sample::kText);
}

TEST_P(ElfViewBoth, IdenticalSectionsOverlap) {
  const auto text = read_shdr(img, Sample::kText);
  edit_shdr(img, Sample::kRel, [&](elf::Shdr64& s) { s.offset = text.offset, s.size = s.entsize; });
  EXPECT_REFUSED(img, ElfErrc::SectionsOverlap, Sample::kRel, Sample::kText);
}

TEST_P(ElfViewBoth, OverlapFoundAcrossManySections) {
  // More sections than one overlap-check chunk; the clash is between the
  // first data section and the very last, out of offset order.
  Writer w(is64());
  for (int i = 0; i < 300; ++i) w.add(Section{".s" + std::to_string(i), elf::kShtProgbits, 0, Bytes(2)});
  Bytes many = w.build();
  EXPECT_TRUE(open(many).has_value());
  const auto first = read_shdr(many, 1);
  edit_shdr(many, 300, [&](elf::Shdr64& s) { s.offset = first.offset + 1; });
  EXPECT_REFUSED(many, ElfErrc::SectionsOverlap, 300u, 1u);
  // And inside one chunk, out of order.
  Bytes again = w.build();
  const auto s7 = read_shdr(again, 7);
  edit_shdr(again, 3, [&](elf::Shdr64& s) { s.offset = s7.offset; });
  EXPECT_REFUSED(again, ElfErrc::SectionsOverlap, 7u, 3u);
}

TEST_P(ElfViewBoth, SectionOverlappingTheElfHeader) {
  edit_shdr(img, Sample::kData, [](elf::Shdr64& s) { s.offset = 8; });
  const auto r = open(img);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ElfErrc::SectionsOverlap);
  EXPECT_EQ(r.error().index, Sample::kData);
  EXPECT_EQ(r.error().detail, 0u);  // 0: the headers
  EXPECT_EQ(r.error().offset, 0u);  // the ELF header
}

TEST_P(ElfViewBoth, SectionOverlappingTheSectionTable) {
  const auto h = read_ehdr(img);
  edit_shdr(img, Sample::kData, [&](elf::Shdr64& s) { s.offset = h.shoff + 4; });
  const auto r = open(img);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ElfErrc::SectionsOverlap);
  EXPECT_EQ(r.error().index, Sample::kData);
  EXPECT_EQ(r.error().detail, 0u);
  EXPECT_EQ(r.error().offset, h.shoff);
}

TEST_P(ElfViewBoth, NonPowerOfTwoAlignment) {
  edit_shdr(img, Sample::kData, [](elf::Shdr64& s) { s.addralign = 12; });
  EXPECT_REFUSED(img, ElfErrc::BadAlignment, Sample::kData, 12u);
}

TEST_P(ElfViewBoth, HugeAlignmentOfLoadedSection) {
  Bytes b = img;
  edit_shdr(b, Sample::kBss, [](elf::Shdr64& s) { s.addralign = 8192; });
  EXPECT_REFUSED(b, ElfErrc::BadAlignment, Sample::kBss, 8192u);
  // Not loaded: any power of two is fine.
  edit_shdr(img, Sample::kStrtab, [](elf::Shdr64& s) { s.addralign = 1u << 20; });
  EXPECT_TRUE(open(img).has_value());
}

// ---------------------------------------------------------------------------
// String tables and names.

TEST_P(ElfViewBoth, StringTableWithoutLeadingNul) {
  const auto st = read_shdr(img, Sample::kStrtab);
  img[st.offset] = std::byte{'x'};
  EXPECT_REFUSED(img, ElfErrc::BadStringTable, Sample::kStrtab, st.size);
}

TEST_P(ElfViewBoth, StringTableWithoutTrailingNul) {
  const auto st = read_shdr(img, Sample::kStrtab);
  img[st.offset + st.size - 1] = std::byte{'x'};
  EXPECT_REFUSED(img, ElfErrc::BadStringTable, Sample::kStrtab, st.size);
}

TEST_P(ElfViewBoth, EmptyStringTable) {
  edit_shdr(img, Sample::kStrtab, [](elf::Shdr64& s) { s.size = 0; });
  EXPECT_REFUSED(img, ElfErrc::BadStringTable, Sample::kStrtab, 0u);
}

TEST_P(ElfViewBoth, SectionNameStringTableWithoutTrailingNul) {
  const auto st = read_shdr(img, Sample::kShstrtab);
  img[st.offset + st.size - 1] = std::byte{'x'};
  EXPECT_REFUSED(img, ElfErrc::BadStringTable, Sample::kShstrtab, st.size);
}

TEST_P(ElfViewBoth, SectionNameOutsideShstrtab) {
  const auto st = read_shdr(img, Sample::kShstrtab);
  edit_shdr(img, Sample::kData, [&](elf::Shdr64& s) { s.name = static_cast<std::uint32_t>(st.size); });
  EXPECT_REFUSED(img, ElfErrc::BadName, Sample::kData, st.size);
}

// ---------------------------------------------------------------------------
// Symbol table shape.

TEST_P(ElfViewBoth, TwoSymbolTables) {
  Writer w = sample_writer(is64());
  w.add_symtab({Sym{}}, 1);  // adds .strtab then .symtab after the sample's
  const Bytes two = w.build();
  EXPECT_REFUSED(two, ElfErrc::MultipleSymbolTables, Sample::kRel + 2, 0u);
}

TEST_P(ElfViewBoth, SymtabEntsizeWrong) {
  edit_shdr(img, Sample::kSymtab, [](elf::Shdr64& s) { s.entsize = 0; });
  EXPECT_REFUSED(img, ElfErrc::BadEntrySize, Sample::kSymtab, 0u);
}

TEST_P(ElfViewBoth, SymtabSizeNotAMultiple) {
  const auto st = read_shdr(img, Sample::kSymtab);
  edit_shdr(img, Sample::kSymtab, [](elf::Shdr64& s) { s.size -= 1; });
  EXPECT_REFUSED(img, ElfErrc::BadSize, Sample::kSymtab, st.size - 1);
}

TEST_P(ElfViewBoth, SymtabLinkNotAStringTable) {
  Bytes b = img;
  edit_shdr(b, Sample::kSymtab, [](elf::Shdr64& s) { s.link = Sample::kText; });
  EXPECT_REFUSED(b, ElfErrc::BadLink, Sample::kSymtab, Sample::kText);
  edit_shdr(img, Sample::kSymtab, [](elf::Shdr64& s) { s.link = 1000; });
  EXPECT_REFUSED(img, ElfErrc::BadLink, Sample::kSymtab, 1000u);
}

TEST_P(ElfViewBoth, SymtabInfoPastCount) {
  Bytes ok = img;
  edit_shdr(ok, Sample::kSymtab, [](elf::Shdr64& s) { s.info = Sample::kSymCount; });  // == count: all local
  EXPECT_TRUE(open(ok).has_value());
  edit_shdr(img, Sample::kSymtab, [](elf::Shdr64& s) { s.info = Sample::kSymCount + 1; });
  EXPECT_REFUSED(img, ElfErrc::BadInfo, Sample::kSymtab, Sample::kSymCount + 1);
}

// ---------------------------------------------------------------------------
// Symbols.

TEST_P(ElfViewBoth, SymbolNameOutOfRange) {
  const auto st = read_shdr(img, Sample::kStrtab);
  edit_sym(img, Sample::kSymtab, Sample::kSymCounter,
           [&](elf::Sym64& s) { s.name = static_cast<std::uint32_t>(st.size); });
  EXPECT_REFUSED(img, ElfErrc::BadName, Sample::kSymCounter, st.size);
}

TEST_P(ElfViewBoth, SymbolSectionInReservedRange) {
  for (std::uint16_t bad : {std::uint16_t{0xff00}, std::uint16_t{0xff1f}, std::uint16_t{elf::kShnXindex}}) {
    Bytes b = img;
    edit_sym(b, Sample::kSymtab, Sample::kSymCounter, [&](elf::Sym64& s) { s.shndx = bad; });
    EXPECT_REFUSED(b, ElfErrc::BadSymbolSection, Sample::kSymCounter, bad);
  }
}

TEST_P(ElfViewBoth, SymbolSectionPastCount) {
  edit_sym(img, Sample::kSymtab, Sample::kSymCounter, [](elf::Sym64& s) { s.shndx = Sample::kCount; });
  EXPECT_REFUSED(img, ElfErrc::BadSymbolSection, Sample::kSymCounter, Sample::kCount);
}

TEST_P(ElfViewBoth, AbsoluteSymbolIsNotBoundsChecked) {
  edit_sym(img, Sample::kSymtab, Sample::kSymCounter,
           [](elf::Sym64& s) { s.shndx = elf::kShnAbs, s.value = 0xdeadbeef, s.size = 0xffffffff; });
  EXPECT_TRUE(open(img).has_value());
}

TEST_P(ElfViewBoth, SymbolPastItsSection) {
  const auto data = read_shdr(img, Sample::kData);
  Bytes b = img;
  edit_sym(b, Sample::kSymtab, Sample::kSymCounter, [](elf::Sym64& s) { s.value = 5; });  // 5 + 4 > 8
  const auto r = open(b);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ElfErrc::SymbolOutOfSection);
  EXPECT_EQ(r.error().index, Sample::kSymCounter);
  EXPECT_EQ(r.error().detail, 5u);
  EXPECT_EQ(r.error().offset, data.size);
  // Value + size wrapping around is refused too (ELF32 fields are 32-bit, so this wraps only in 64).
  edit_sym(img, Sample::kSymtab, Sample::kSymCounter,
           [&](elf::Sym64& s) { s.value = 4, s.size = is64() ? ~std::uint64_t{0} - 1 : 0xffffffffu; });
  EXPECT_REFUSED(img, ElfErrc::SymbolOutOfSection, Sample::kSymCounter, 4u);
}

TEST_P(ElfViewBoth, SymbolInNobitsSectionUsesItsSize) {
  Bytes b = img;
  edit_sym(b, Sample::kSymtab, Sample::kSymCounter, [](elf::Sym64& s) { s.shndx = Sample::kBss, s.value = 44; });
  EXPECT_TRUE(open(b).has_value());  // 44 + 4 == 48
  edit_sym(img, Sample::kSymtab, Sample::kSymCounter, [](elf::Sym64& s) { s.shndx = Sample::kBss, s.value = 45; });
  EXPECT_REFUSED(img, ElfErrc::SymbolOutOfSection, Sample::kSymCounter, 45u);
}

TEST_P(ElfViewBoth, CommonWithNonPowerOfTwoAlignment) {
  for (std::uint64_t bad : {std::uint64_t{0}, std::uint64_t{3}, std::uint64_t{24}}) {
    Bytes b = img;
    edit_sym(b, Sample::kSymtab, Sample::kSymCommon, [&](elf::Sym64& s) { s.value = bad; });
    EXPECT_REFUSED(b, ElfErrc::BadCommonAlignment, Sample::kSymCommon, bad);
  }
}

// ---------------------------------------------------------------------------
// Relocation tables.

TEST_P(ElfViewBoth, RelocationEntsizeZero) {
  edit_shdr(img, Sample::kRel, [](elf::Shdr64& s) { s.entsize = 0; });  // would divide by zero
  EXPECT_REFUSED(img, ElfErrc::BadEntrySize, Sample::kRel, 0u);
}

TEST_P(ElfViewBoth, RelocationEntsizeOfTheOtherKind) {
  // A REL section claiming RELA-sized entries (and the reverse).
  const std::uint64_t other = is64() ? 16 : 12;
  edit_shdr(img, Sample::kRel, [&](elf::Shdr64& s) { s.entsize = other; });
  EXPECT_REFUSED(img, ElfErrc::BadEntrySize, Sample::kRel, other);
}

TEST_P(ElfViewBoth, RelocationSizeNotAMultiple) {
  const auto rs = read_shdr(img, Sample::kRel);
  edit_shdr(img, Sample::kRel, [](elf::Shdr64& s) { s.size -= 2; });
  EXPECT_REFUSED(img, ElfErrc::BadSize, Sample::kRel, rs.size - 2);
}

TEST_P(ElfViewBoth, RelocationLinkNotTheSymtab) {
  for (std::uint32_t bad : {std::uint32_t{Sample::kStrtab}, std::uint32_t{0}, std::uint32_t{Sample::kCount}}) {
    Bytes b = img;
    edit_shdr(b, Sample::kRel, [&](elf::Shdr64& s) { s.link = bad; });
    EXPECT_REFUSED(b, ElfErrc::BadLink, Sample::kRel, bad);
  }
}

TEST_P(ElfViewBoth, RelocationInfoOutOfRange) {
  for (std::uint32_t bad : {std::uint32_t{Sample::kCount}, std::uint32_t{0}, std::uint32_t{0xffffffff}}) {
    Bytes b = img;
    edit_shdr(b, Sample::kRel, [&](elf::Shdr64& s) { s.info = bad; });
    EXPECT_REFUSED(b, ElfErrc::BadInfo, Sample::kRel, bad);
  }
}

TEST_P(ElfViewBoth, RelocationSymbolPastCount) {
  set_rel_symbol(img, Sample::kRel, 1, Sample::kSymCount);
  const auto r = open(img);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ElfErrc::BadRelocationSymbol);
  EXPECT_EQ(r.error().index, Sample::kRel);
  EXPECT_EQ(r.error().detail, Sample::kSymCount);
  EXPECT_EQ(r.error().offset, 1u);  // entry number
}

TEST_P(ElfViewBoth, RelocationWithoutSymbolTable) {
  // A relocation section in an object without a symtab has nowhere to link.
  Writer w(is64());
  const auto text = w.add(Section{".text", elf::kShtProgbits, elf::kShfAlloc, Bytes(8), 0, 0, 4});
  const auto rel = w.add_rel(".rel", is64(), text, text, {{0, 0, 1}});
  const Bytes b = w.build();
  EXPECT_REFUSED(b, ElfErrc::BadLink, rel, text);
}

TEST(ElfView, EveryErrorIsDescribed) {
  for (int e = 0; e <= static_cast<int>(ElfErrc::BadRelocationSymbol); ++e) {
    const std::string_view d = dyn::describe(static_cast<ElfErrc>(e));
    EXPECT_NE(d, "unknown ELF error") << e;
    EXPECT_NE(d.find(':'), std::string_view::npos) << "cause: remedy expected in " << d;
  }
}

}  // namespace
