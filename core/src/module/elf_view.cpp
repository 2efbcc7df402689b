// elf_view.cpp — validate an untrusted relocatable object once, then read it.
//
// open() runs a fixed sequence of passes, each relying only on what the
// earlier ones proved: file header → section header table bounds → every
// section's bytes and alignment → string tables, names, symbol and relocation
// table shapes → overlaps → every symbol → every relocation entry. The
// accessors then read fields with memcpy (the image may sit at any address)
// from offsets that open() has bounded, and still refuse an index past the
// end rather than trust the caller.
//
// All arithmetic on values from the file is done in std::uint64_t, compared
// against the image size and checked for wrap-around (`end < begin`), so a
// 32-bit size_t on the target never truncates an offset.
//
// Reporting convention not spelled out in the header: SectionsOverlap with
// detail == 0 means the section overlaps the file's own headers (section 0 is
// the null section and owns no bytes); offset is then 0 for the ELF header or
// e_shoff for the section header table.
#include "dyn/elf_view.hpp"

#include "dyn/error_text.hpp"

#include <cstring>

namespace dyn {
namespace {

using elf::Rela64;
using elf::Shdr64;
using elf::Sym64;

constexpr std::uint64_t kSaturated = ~std::uint64_t{0};  // an end offset that wrapped around
constexpr std::uint64_t kMaxSections = elf::kShnLoreserve;  // indexes 0..0xfeff, no SHN_XINDEX
constexpr std::uint64_t kMaxSymbols = std::uint64_t{1} << 24;  // ELF32 r_info holds 24 symbol bits
constexpr std::uint64_t kMaxAllocAlign = 4096;
// Sections whose extents are sorted at once by the overlap check; see check_overlaps.
constexpr std::size_t kOverlapChunk = 128;

// The parts of an image that every read needs; a copy of the view's fields so
// that the free functions below need no access to ElfView's privates.
struct Object {
  std::span<const std::byte> image;
  bool is64;
  std::uint64_t shoff;
  std::size_t count;
};

// Precondition: off + sizeof(T) <= image.size() (proved by the caller's checks).
template <typename T>
T load(std::span<const std::byte> image, std::uint64_t off) noexcept {
  T value;
  std::memcpy(&value, image.data() + static_cast<std::size_t>(off), sizeof value);
  return value;
}

std::uint8_t load_u8(std::span<const std::byte> image, std::uint64_t off) noexcept {
  return static_cast<std::uint8_t>(image[static_cast<std::size_t>(off)]);
}

constexpr bool is_pow2(std::uint64_t v) noexcept { return v != 0 && (v & (v - 1)) == 0; }

Unexpected<ElfError> fail(ElfErrc code, std::uint32_t index = 0, std::uint64_t detail = 0,
                          std::uint64_t offset = 0) noexcept {
  return Unexpected{ElfError{code, index, detail, offset}};
}

// Section header i in class-neutral form. Precondition: the table is inside
// the image and i < o.count.
Shdr64 shdr(const Object& o, std::size_t i) noexcept {
  if (o.is64) return load<Shdr64>(o.image, o.shoff + std::uint64_t{i} * sizeof(Shdr64));
  const auto s = load<elf::Shdr32>(o.image, o.shoff + std::uint64_t{i} * sizeof(elf::Shdr32));
  return Shdr64{s.name, s.type, s.flags, s.addr, s.offset, s.size, s.link, s.info, s.addralign, s.entsize};
}

// Whether a section's [sh_offset, sh_offset + sh_size) names bytes of the file.
bool has_file_bytes(const Shdr64& s) noexcept { return s.type != elf::kShtNull && s.type != elf::kShtNobits; }

struct Extent {
  std::uint64_t begin, end;  // begin == end: the section occupies no file bytes
};

// Precondition: the section's bounds were checked (pass 1 of open()).
Extent file_extent(const Object& o, std::size_t i) noexcept {
  const Shdr64 s = shdr(o, i);
  if (!has_file_bytes(s) || s.size == 0) return {0, 0};
  return {s.offset, s.offset + s.size};
}

Sym64 symbol_entry(const Object& o, const Shdr64& symtab, std::size_t i) noexcept {
  if (o.is64) return load<Sym64>(o.image, symtab.offset + std::uint64_t{i} * sizeof(Sym64));
  const auto s = load<elf::Sym32>(o.image, symtab.offset + std::uint64_t{i} * sizeof(elf::Sym32));
  return Sym64{s.name, s.info, s.other, s.shndx, s.value, s.size};
}

std::uint64_t entry_size(bool is64, std::uint32_t type) noexcept {
  if (type == elf::kShtRela) return is64 ? sizeof(Rela64) : sizeof(elf::Rela32);
  if (type == elf::kShtRel) return is64 ? sizeof(elf::Rel64) : sizeof(elf::Rel32);
  return 0;
}

ElfRelocation relocation_entry(const Object& o, const Shdr64& rs, std::size_t i) noexcept {
  const std::uint64_t off = rs.offset + std::uint64_t{i} * rs.entsize;
  const bool rela = rs.type == elf::kShtRela;
  ElfRelocation r{};
  r.has_addend = rela;
  if (o.is64) {
    // Rel64 is the prefix of Rela64; read only the bytes the entry has.
    const auto e = load<elf::Rel64>(o.image, off);
    r.offset = e.offset;
    r.symbol = static_cast<std::uint32_t>(e.info >> 32);
    r.type = static_cast<std::uint32_t>(e.info);
    if (rela) r.addend = load<std::int64_t>(o.image, off + sizeof(elf::Rel64));
  } else {
    const auto e = load<elf::Rel32>(o.image, off);
    r.offset = e.offset;
    r.symbol = e.info >> 8;
    r.type = e.info & 0xffu;
    if (rela) r.addend = load<std::int32_t>(o.image, off + sizeof(elf::Rel32));
  }
  return r;
}

// The NUL-terminated string at `off` in a string table. A validated table ends
// in NUL, so the scan stops inside it; the bound is kept anyway.
std::string_view string_at(const Object& o, const Shdr64& table, std::uint64_t off) noexcept {
  if (off >= table.size) return {};
  const char* begin = reinterpret_cast<const char*>(o.image.data() + static_cast<std::size_t>(table.offset + off));
  // Safety: std::byte and char may alias; [begin, begin + limit) lies inside the table.
  const std::size_t limit = static_cast<std::size_t>(table.size - off);
  std::size_t n = 0;
  while (n < limit && begin[n] != '\0') ++n;
  return {begin, n};
}

Result<void, ElfError> check_string_table(const Object& o, std::size_t i, const Shdr64& s) noexcept {
  if (s.size == 0 || load_u8(o.image, s.offset) != 0 || load_u8(o.image, s.offset + s.size - 1) != 0)
    return fail(ElfErrc::BadStringTable, static_cast<std::uint32_t>(i), s.size);
  return {};
}

// No two sections with file bytes may share a byte, nor a section share a
// byte with the headers. Comparing all pairs is O(n²): 2·10⁹ pairs for a
// hostile 65 280-section file. Without a heap we cannot sort all extents, so
// we sort chunks of kOverlapChunk of them on the stack (256 bytes), check the
// chunk against itself (sorted and pairwise disjoint ⇔ neighbours disjoint),
// then binary-search every later section in it: O(n²·log k / k) reads.
Result<void, ElfError> check_overlaps(const Object& o, std::uint64_t ehsize) noexcept {
  const std::uint64_t table_end = o.shoff + std::uint64_t{o.count} * (o.is64 ? sizeof(Shdr64) : sizeof(elf::Shdr32));
  for (std::size_t i = 1; i < o.count; ++i) {
    const Extent e = file_extent(o, i);
    if (e.begin == e.end) continue;
    if (e.begin < ehsize) return fail(ElfErrc::SectionsOverlap, static_cast<std::uint32_t>(i), 0, 0);
    if (e.begin < table_end && o.shoff < e.end)
      return fail(ElfErrc::SectionsOverlap, static_cast<std::uint32_t>(i), 0, o.shoff);
  }

  std::uint16_t chunk[kOverlapChunk];  // section indexes, sorted by begin offset
  std::size_t next = 1;
  while (next < o.count) {
    std::size_t k = 0;
    for (; next < o.count && k < kOverlapChunk; ++next) {
      const Extent e = file_extent(o, next);
      if (e.begin == e.end) continue;
      // Insertion sort as we collect: at most k² / 2 moves per chunk.
      std::size_t at = k;
      while (at > 0 && file_extent(o, chunk[at - 1]).begin > e.begin) {
        chunk[at] = chunk[at - 1];
        --at;
      }
      chunk[at] = static_cast<std::uint16_t>(next);
      ++k;
    }
    for (std::size_t t = 1; t < k; ++t) {
      if (file_extent(o, chunk[t]).begin < file_extent(o, chunk[t - 1]).end) {
        const std::uint16_t a = chunk[t - 1], b = chunk[t];
        return fail(ElfErrc::SectionsOverlap, a > b ? a : b, a > b ? b : a);
      }
    }
    // The chunk is sorted and disjoint, so its end offsets increase too: the
    // first member ending after j begins is the only one that can overlap j.
    for (std::size_t j = next; j < o.count; ++j) {
      const Extent ej = file_extent(o, j);
      if (ej.begin == ej.end) continue;
      std::size_t lo = 0, hi = k;
      while (lo < hi) {
        const std::size_t mid = lo + (hi - lo) / 2;
        if (file_extent(o, chunk[mid]).end > ej.begin) hi = mid;
        else lo = mid + 1;
      }
      if (lo < k && file_extent(o, chunk[lo]).begin < ej.end)
        return fail(ElfErrc::SectionsOverlap, static_cast<std::uint32_t>(j), chunk[lo]);
    }
  }
  return {};
}

Result<void, ElfError> check_symbols(const Object& o, std::size_t symtab_index, std::size_t count,
                                     bool arm) noexcept {
  const Shdr64 symtab = shdr(o, symtab_index);
  const Shdr64 strtab = shdr(o, symtab.link);
  for (std::size_t k = 0; k < count; ++k) {
    const Sym64 s = symbol_entry(o, symtab, k);
    const auto index = static_cast<std::uint32_t>(k);
    if (s.name >= strtab.size) return fail(ElfErrc::BadName, index, s.name);
    if (s.shndx == elf::kShnUndef || s.shndx == elf::kShnAbs) continue;
    if (s.shndx == elf::kShnCommon) {
      if (!is_pow2(s.value)) return fail(ElfErrc::BadCommonAlignment, index, s.value);
      continue;
    }
    if (s.shndx >= elf::kShnLoreserve || s.shndx >= o.count)
      return fail(ElfErrc::BadSymbolSection, index, s.shndx);
    // AAELF: a Thumb function's st_value has bit 0 set; the code starts one byte lower.
    std::uint64_t value = s.value;
    if (arm && (s.info & 0xfu) == elf::kSttFunc) value &= ~std::uint64_t{1};
    const std::uint64_t section_size = shdr(o, s.shndx).size;
    const std::uint64_t end = value + s.size;
    if (end < value || end > section_size) return fail(ElfErrc::SymbolOutOfSection, index, s.value, section_size);
  }
  return {};
}

Result<void, ElfError> check_relocations(const Object& o, std::size_t symbol_count) noexcept {
  for (std::size_t i = 1; i < o.count; ++i) {
    const Shdr64 rs = shdr(o, i);
    if (rs.type != elf::kShtRel && rs.type != elf::kShtRela) continue;
    const std::uint64_t n = rs.size / rs.entsize;  // entsize proved non-zero
    for (std::uint64_t e = 0; e < n; ++e) {
      const ElfRelocation r = relocation_entry(o, rs, static_cast<std::size_t>(e));
      if (r.symbol >= symbol_count)
        return fail(ElfErrc::BadRelocationSymbol, static_cast<std::uint32_t>(i), r.symbol, e);
    }
  }
  return {};
}

// The header fields open() needs, whatever the class.
struct FileHeader {
  std::uint16_t type, machine;
  std::uint32_t version, flags;
  std::uint64_t shoff;
  std::uint16_t ehsize, shentsize, shnum, shstrndx;
};

FileHeader file_header(std::span<const std::byte> image, bool is64) noexcept {
  if (is64) {
    const auto h = load<elf::Ehdr64>(image, 0);
    return {h.type, h.machine, h.version, h.flags, h.shoff, h.ehsize, h.shentsize, h.shnum, h.shstrndx};
  }
  const auto h = load<elf::Ehdr32>(image, 0);
  return {h.type, h.machine, h.version, h.flags, h.shoff, h.ehsize, h.shentsize, h.shnum, h.shstrndx};
}

}  // namespace

Result<ElfView, ElfError> ElfView::open(std::span<const std::byte> image) noexcept {
  const std::uint64_t file_size = image.size();
  constexpr std::uint64_t kIdentSize = sizeof(elf::Ehdr32::ident);
  if (file_size < kIdentSize) return fail(ElfErrc::TooSmall, 0, file_size);
  if (std::memcmp(image.data(), elf::kMagic, sizeof elf::kMagic) != 0) return fail(ElfErrc::BadMagic);
  const std::uint8_t cls = load_u8(image, 4), data = load_u8(image, 5), ident_version = load_u8(image, 6);
  if (cls != elf::kClass32 && cls != elf::kClass64) return fail(ElfErrc::BadClass, 0, cls);
  if (data != elf::kDataLsb) return fail(ElfErrc::BadEncoding, 0, data);
  if (ident_version != elf::kVersionCurrent) return fail(ElfErrc::BadVersion, 0, ident_version);
  const bool is64 = cls == elf::kClass64;
  const std::uint64_t ehsize = is64 ? sizeof(elf::Ehdr64) : sizeof(elf::Ehdr32);
  const std::uint64_t shentsize = is64 ? sizeof(Shdr64) : sizeof(elf::Shdr32);
  if (file_size < ehsize) return fail(ElfErrc::TooSmall, 0, file_size);

  const FileHeader h = file_header(image, is64);
  if (h.version != elf::kVersionCurrent) return fail(ElfErrc::BadVersion, 0, h.version);
  if (h.type != elf::kTypeRel) return fail(ElfErrc::NotRelocatable, 0, h.type);
  if (h.machine != (is64 ? elf::kMachineX86_64 : elf::kMachineArm)) return fail(ElfErrc::WrongMachine, 0, h.machine);
  if (h.ehsize != ehsize) return fail(ElfErrc::BadHeaderSize, 0, h.ehsize);
  // e_shnum == 0 with a table means the count lives in section 0 (extended
  // numbering, used only for 0xff00 sections or more), which we do not take.
  if (h.shnum == 0 && h.shoff != 0) return fail(ElfErrc::TooManySections, 0, h.shnum);
  if (h.shnum > kMaxSections) return fail(ElfErrc::TooManySections, 0, h.shnum);
  if (h.shentsize != shentsize) return fail(ElfErrc::BadHeaderSize, 0, h.shentsize);
  // shnum <= 0xff00 and shentsize <= 64, so only the addition can wrap.
  const std::uint64_t table_end = h.shoff + std::uint64_t{h.shnum} * shentsize;
  if (table_end < h.shoff) return fail(ElfErrc::SectionTableOutOfFile, 0, h.shoff, kSaturated);
  if (table_end > file_size) return fail(ElfErrc::SectionTableOutOfFile, 0, h.shoff, table_end);
  // Also refuses an object without sections (e_shnum == 0): it has nothing to load.
  if (h.shstrndx == elf::kShnUndef || h.shstrndx >= h.shnum)
    return fail(ElfErrc::BadStringTableIndex, 0, h.shstrndx);

  ElfView v;
  v.image_ = image;
  v.is64_ = is64;
  v.machine_ = h.machine;
  v.flags_ = h.flags;
  v.shoff_ = h.shoff;
  v.section_count_ = h.shnum;
  v.shstrndx_ = h.shstrndx;
  const Object o{image, is64, h.shoff, h.shnum};

  // Pass 1: every section's file bytes are inside the image; alignments sane.
  for (std::size_t i = 0; i < o.count; ++i) {
    const Shdr64 s = shdr(o, i);
    const auto index = static_cast<std::uint32_t>(i);
    if (has_file_bytes(s)) {
      const std::uint64_t end = s.offset + s.size;
      if (end < s.offset) return fail(ElfErrc::SectionOutOfFile, index, s.offset, kSaturated);
      if (end > file_size) return fail(ElfErrc::SectionOutOfFile, index, s.offset, end);
    }
    if (s.addralign != 0 && !is_pow2(s.addralign)) return fail(ElfErrc::BadAlignment, index, s.addralign);
    if ((s.flags & elf::kShfAlloc) && s.addralign > kMaxAllocAlign)
      return fail(ElfErrc::BadAlignment, index, s.addralign);
  }

  // Pass 2: string tables, names, and the shape of symbol and relocation tables.
  const Shdr64 shstrtab = shdr(o, v.shstrndx_);
  if (shstrtab.type != elf::kShtStrtab) return fail(ElfErrc::BadStringTableIndex, 0, h.shstrndx);
  if (auto r = check_string_table(o, v.shstrndx_, shstrtab); !r) return Unexpected{r.error()};
  for (std::size_t i = 0; i < o.count; ++i) {
    const Shdr64 s = shdr(o, i);
    const auto index = static_cast<std::uint32_t>(i);
    if (s.name >= shstrtab.size) return fail(ElfErrc::BadName, index, s.name);
    if (s.type == elf::kShtStrtab) {
      if (auto r = check_string_table(o, i, s); !r) return Unexpected{r.error()};
    } else if (s.type == elf::kShtSymtab) {
      if (v.symtab_ != 0) return fail(ElfErrc::MultipleSymbolTables, index);
      const std::uint64_t entsize = is64 ? sizeof(Sym64) : sizeof(elf::Sym32);
      if (s.entsize != entsize) return fail(ElfErrc::BadEntrySize, index, s.entsize);
      if (s.size % entsize != 0) return fail(ElfErrc::BadSize, index, s.size);
      if (s.link >= o.count || shdr(o, s.link).type != elf::kShtStrtab) return fail(ElfErrc::BadLink, index, s.link);
      const std::uint64_t count = s.size / entsize;
      if (count > kMaxSymbols) return fail(ElfErrc::TooManySymbols, index, count);
      if (s.info > count) return fail(ElfErrc::BadInfo, index, s.info);
      v.symtab_ = i;
      v.symbol_count_ = static_cast<std::size_t>(count);
    } else if (s.type == elf::kShtRel || s.type == elf::kShtRela) {
      const std::uint64_t entsize = entry_size(is64, s.type);
      if (s.entsize != entsize) return fail(ElfErrc::BadEntrySize, index, s.entsize);
      if (s.size % entsize != 0) return fail(ElfErrc::BadSize, index, s.size);
      if (s.link >= o.count || shdr(o, s.link).type != elf::kShtSymtab) return fail(ElfErrc::BadLink, index, s.link);
      if (s.info == 0 || s.info >= o.count) return fail(ElfErrc::BadInfo, index, s.info);
    }
  }

  // Pass 3: no shared bytes. Pass 4: symbols (their strtab was checked in pass 2).
  // Pass 5: relocation entries (a REL section implies the symtab: its sh_link was checked).
  if (auto r = check_overlaps(o, ehsize); !r) return Unexpected{r.error()};
  if (v.symtab_ != 0) {
    if (auto r = check_symbols(o, v.symtab_, v.symbol_count_, !is64); !r) return Unexpected{r.error()};
  }
  if (auto r = check_relocations(o, v.symbol_count_); !r) return Unexpected{r.error()};
  return v;
}

ElfSection ElfView::section(std::size_t index) const noexcept {
  if (index >= section_count_) return {};
  const Object o{image_, is64_, shoff_, section_count_};
  const Shdr64 s = shdr(o, index);
  return ElfSection{string_at(o, shdr(o, shstrndx_), s.name),
                    s.type,
                    s.flags,
                    s.offset,
                    s.size,
                    s.link,
                    s.info,
                    s.addralign == 0 ? 1 : s.addralign,
                    s.entsize};
}

std::span<const std::byte> ElfView::section_data(std::size_t index) const noexcept {
  if (index >= section_count_) return {};
  const Shdr64 s = shdr(Object{image_, is64_, shoff_, section_count_}, index);
  if (!has_file_bytes(s)) return {};
  return image_.subspan(static_cast<std::size_t>(s.offset), static_cast<std::size_t>(s.size));
}

ElfSymbol ElfView::symbol(std::size_t index) const noexcept {
  if (index >= symbol_count_) return {};
  const Object o{image_, is64_, shoff_, section_count_};
  const Shdr64 symtab = shdr(o, symtab_);
  const Sym64 s = symbol_entry(o, symtab, index);
  return ElfSymbol{string_at(o, shdr(o, symtab.link), s.name),
                   s.value,
                   s.size,
                   static_cast<std::uint8_t>(s.info >> 4),
                   static_cast<std::uint8_t>(s.info & 0xfu),
                   s.shndx,
                   static_cast<std::uint8_t>(s.other & 3u)};
}

std::size_t ElfView::relocation_count(std::size_t rel_section) const noexcept {
  if (rel_section >= section_count_) return 0;
  const Shdr64 s = shdr(Object{image_, is64_, shoff_, section_count_}, rel_section);
  if (entry_size(is64_, s.type) == 0 || s.entsize == 0) return 0;
  return static_cast<std::size_t>(s.size / s.entsize);
}

ElfRelocation ElfView::relocation(std::size_t rel_section, std::size_t i) const noexcept {
  if (i >= relocation_count(rel_section)) return {};
  const Object o{image_, is64_, shoff_, section_count_};
  return relocation_entry(o, shdr(o, rel_section), i);
}

const char* describe(ElfErrc e) noexcept {
  switch (e) {
    case ElfErrc::TooSmall:
      return DYN_ERROR_TEXT("TooSmall",
          "the file is smaller than an ELF header: it is truncated or not an object; rebuild it and send it again");
    case ElfErrc::BadMagic:
      return DYN_ERROR_TEXT("BadMagic",
          "the file does not start with the ELF magic: it is not an ELF object; send the module's .o file");
    case ElfErrc::BadClass:
      return DYN_ERROR_TEXT("BadClass",
          "the ELF class is neither 32- nor 64-bit: the file is corrupt; rebuild the module and send it again");
    case ElfErrc::BadEncoding:
      return DYN_ERROR_TEXT("BadEncoding",
          "the object is big-endian: only little-endian objects load; build the module for the little-endian target");
    case ElfErrc::BadVersion:
      return DYN_ERROR_TEXT("BadVersion",
          "the ELF version is not 1 (EV_CURRENT): the file is corrupt or from an unknown tool; rebuild it with the "
          "SDK toolchain");
    case ElfErrc::NotRelocatable:
      return DYN_ERROR_TEXT("NotRelocatable",
          "the file is not a relocatable object (ET_REL): executables and shared libraries do not load; build the "
          "module with -c and send the .o");
    case ElfErrc::WrongMachine:
      return DYN_ERROR_TEXT("WrongMachine",
          "the object is for another machine (or its class does not fit the machine): build it for ARM (ELF32) on "
          "the target or x86-64 (ELF64) on the host");
    case ElfErrc::BadHeaderSize:
      return DYN_ERROR_TEXT("BadHeaderSize",
          "e_ehsize or e_shentsize does not match the ELF class: the header is corrupt; rebuild the module");
    case ElfErrc::SectionTableOutOfFile:
      return DYN_ERROR_TEXT("SectionTableOutOfFile",
          "the section header table extends past the end of the file: the object is truncated or corrupt; rebuild "
          "it and send it again");
    case ElfErrc::TooManySections:
      return DYN_ERROR_TEXT("TooManySections",
          "the object has too many sections (65280 or more, extended numbering): split the module or build it "
          "without -ffunction-sections/-fdata-sections");
    case ElfErrc::BadStringTableIndex:
      return DYN_ERROR_TEXT("BadStringTableIndex",
          "e_shstrndx does not name a string table of section names: the object is corrupt; rebuild it");
    case ElfErrc::SectionOutOfFile:
      return DYN_ERROR_TEXT("SectionOutOfFile",
          "a section extends past the end of the file: the object is truncated or corrupt; rebuild it and send it "
          "again");
    case ElfErrc::SectionsOverlap:
      return DYN_ERROR_TEXT("SectionsOverlap",
          "two sections, or a section and the file's headers, share bytes: the object is corrupt or hand-crafted; "
          "rebuild it with the SDK toolchain");
    case ElfErrc::BadAlignment:
      return DYN_ERROR_TEXT("BadAlignment",
          "a section's alignment is not a power of two, or above 4096 for a loaded section: lower the aligned() "
          "attribute or linker-script alignment and rebuild");
    case ElfErrc::BadStringTable:
      return DYN_ERROR_TEXT("BadStringTable",
          "a string table is empty or does not begin and end with NUL: the object is corrupt; rebuild it");
    case ElfErrc::BadName:
      return DYN_ERROR_TEXT("BadName",
          "a section or symbol name points outside its string table: the object is corrupt; rebuild it");
    case ElfErrc::BadEntrySize:
      return DYN_ERROR_TEXT("BadEntrySize",
          "a symbol or relocation table has the wrong entry size (sh_entsize) for its class: the object is "
          "corrupt; rebuild it");
    case ElfErrc::BadSize:
      return DYN_ERROR_TEXT("BadSize",
          "a symbol or relocation table's size is not a whole number of entries: the object is truncated or "
          "corrupt; rebuild it");
    case ElfErrc::BadLink:
      return DYN_ERROR_TEXT("BadLink",
          "a symbol table's sh_link is not a string table, or a relocation table's is not the symbol table: the "
          "object is corrupt; rebuild it");
    case ElfErrc::BadInfo:
      return DYN_ERROR_TEXT("BadInfo",
          "sh_info is out of range (symbol table: more locals than symbols; relocation table: no such target "
          "section): the object is corrupt; rebuild it");
    case ElfErrc::MultipleSymbolTables:
      return DYN_ERROR_TEXT("MultipleSymbolTables",
          "the object has more than one symbol table: only one is supported; link partial objects with ld -r or "
          "rebuild the module as one object");
    case ElfErrc::TooManySymbols:
      return DYN_ERROR_TEXT("TooManySymbols", "the object has more than 16777216 symbols: split the module");
    case ElfErrc::BadSymbolSection:
      return DYN_ERROR_TEXT("BadSymbolSection",
          "a symbol's section index is neither a section of the object nor UNDEF/ABS/COMMON (extended or "
          "processor-specific indexes are not supported): rebuild the module with the SDK toolchain");
    case ElfErrc::SymbolOutOfSection:
      return DYN_ERROR_TEXT("SymbolOutOfSection",
          "a symbol's value and size reach past the end of its section: the object is corrupt; rebuild it");
    case ElfErrc::BadCommonAlignment:
      return DYN_ERROR_TEXT("BadCommonAlignment",
          "a COMMON symbol's alignment is not a power of two: the object is corrupt; rebuild it (or build with "
          "-fno-common)");
    case ElfErrc::BadRelocationSymbol:
      return DYN_ERROR_TEXT("BadRelocationSymbol",
          "a relocation refers to a symbol past the end of the symbol table: the object is corrupt; rebuild it");
  }
  return "unknown ELF error";
}

}  // namespace dyn
