// elf_view.hpp — a validated, read-only view of an ELF relocatable object.
//
// Untrusted bytes go through ElfView::open() once; it checks every header,
// section, string table, symbol and relocation entry's bounds and indexes
// (with explicit overflow checks) before anything uses them, and fails with
// an ElfError that names the section/index/offset. After open() succeeds the
// accessors cannot read outside the image. The view does not copy or own the
// bytes: the image must outlive it. ELF32 (ARM) and ELF64 (x86-64) are read
// into one class-neutral form.
//
// What open() guarantees, so later phases need not re-check:
//  - ELFCLASS32+EM_ARM or ELFCLASS64+EM_X86_64, little-endian, ET_REL, EV_CURRENT;
//  - section header table inside the image; e_shentsize matches the class;
//    e_shstrndx valid; at most 65280 sections (no SHN_XINDEX extension);
//  - every non-NOBITS section's [offset, offset+size) inside the image; no
//    two such non-empty sections overlap each other or the headers;
//  - sh_addralign 0 or a power of two (<= 4096 for SHF_ALLOC sections);
//  - string tables: non-empty, first and last byte NUL; every name offset
//    used (section names, symbol names) inside its table;
//  - exactly one SHT_SYMTAB (or none for an object without symbols) with
//    sh_entsize == sizeof(Sym), size % entsize == 0, sh_link a SHT_STRTAB,
//    sh_info <= count (first non-local); at most 1<<24 symbols;
//  - symbols: st_shndx is UNDEF, ABS, COMMON or a valid section index (the
//    other reserved values are refused); COMMON alignment (st_value) a power
//    of two; for a defined symbol in a section, st_value + st_size within it;
//  - SHT_REL/SHT_RELA: sh_entsize == sizeof(Rel/Rela), size % entsize == 0,
//    sh_link == the symtab index, sh_info a valid section index; every
//    entry's symbol index < symbol count. (Whether the offset + width of the
//    place fits its section depends on the relocation type: the linker checks
//    that, per type.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "dyn/elf.hpp"
#include "dyn/result.hpp"

namespace dyn {

enum class ElfErrc : std::uint8_t {
  TooSmall,            // image smaller than an ELF header; detail = size
  BadMagic,
  BadClass,            // detail = e_ident[EI_CLASS]
  BadEncoding,         // not little-endian
  BadVersion,
  NotRelocatable,      // e_type != ET_REL; detail = e_type
  WrongMachine,        // detail = e_machine (or class/machine mismatch)
  BadHeaderSize,       // e_ehsize / e_shentsize; detail = value
  SectionTableOutOfFile,   // detail = e_shoff; offset = end
  TooManySections,     // detail = e_shnum
  BadStringTableIndex, // detail = e_shstrndx
  SectionOutOfFile,    // index = section; detail = offset; offset = end
  SectionsOverlap,     // index = section; detail = other section
  BadAlignment,        // index = section; detail = sh_addralign
  BadStringTable,      // index = section (empty, or first/last byte not NUL)
  BadName,             // index = section or symbol; detail = name offset
  BadEntrySize,        // index = section; detail = sh_entsize
  BadSize,             // index = section; detail = sh_size (not a multiple of entsize)
  BadLink,             // index = section; detail = sh_link
  BadInfo,             // index = section; detail = sh_info
  MultipleSymbolTables,// index = second symtab
  TooManySymbols,      // detail = count
  BadSymbolSection,    // index = symbol; detail = st_shndx
  SymbolOutOfSection,  // index = symbol; detail = st_value; offset = section size
  BadCommonAlignment,  // index = symbol; detail = st_value
  BadRelocationSymbol, // index = relocation section; offset = entry number; detail = symbol index
};

struct ElfError {
  ElfErrc code;
  std::uint32_t index = 0;   // section, symbol or relocation-section index the error is about
  std::uint64_t detail = 0;  // the offending value
  std::uint64_t offset = 0;  // a second value where it helps (end offset, entry number, section size)
};

// Human-readable cause and what the user can do, e.g. "section 5 extends past
// the end of the file: rebuild the object; it is truncated or corrupt".
const char* describe(ElfErrc e) noexcept;

struct ElfSection {
  std::string_view name;
  std::uint32_t type;
  std::uint64_t flags;
  std::uint64_t offset;
  std::uint64_t size;
  std::uint32_t link;
  std::uint32_t info;
  std::uint64_t align;   // 0 read as 1
  std::uint64_t entsize;
  bool alloc() const noexcept { return flags & elf::kShfAlloc; }
  bool exec() const noexcept { return flags & elf::kShfExecinstr; }
  bool write() const noexcept { return flags & elf::kShfWrite; }
};

struct ElfSymbol {
  std::string_view name;
  std::uint64_t value;
  std::uint64_t size;
  std::uint8_t bind;   // elf::kStb*
  std::uint8_t type;   // elf::kStt*
  std::uint16_t shndx; // elf::kShn* or a section index
  std::uint8_t visibility = elf::kStvDefault;  // elf::kStv*
  bool defined() const noexcept { return shndx != elf::kShnUndef; }
};

struct ElfRelocation {
  std::uint64_t offset;   // place, relative to the target section
  std::uint32_t symbol;   // index into the symbol table (< symbol_count())
  std::uint32_t type;
  std::int64_t addend;    // RELA: explicit; REL: 0 (the addend is in the place)
  bool has_addend;        // true for RELA
};

class ElfView {
 public:
  [[nodiscard]] static Result<ElfView, ElfError> open(std::span<const std::byte> image) noexcept;

  bool is64() const noexcept { return is64_; }
  std::uint16_t machine() const noexcept { return machine_; }
  std::uint32_t flags() const noexcept { return flags_; }  // e_flags (ARM EABI version, float ABI)

  std::size_t section_count() const noexcept { return section_count_; }
  ElfSection section(std::size_t index) const noexcept;  // precondition: index < section_count()
  // File bytes of a section; empty for SHT_NOBITS and SHT_NULL.
  std::span<const std::byte> section_data(std::size_t index) const noexcept;

  // Index of the symbol table section, or 0 if the object has none.
  std::size_t symtab_index() const noexcept { return symtab_; }
  std::size_t symbol_count() const noexcept { return symbol_count_; }
  ElfSymbol symbol(std::size_t index) const noexcept;  // precondition: index < symbol_count()

  // For a SHT_REL or SHT_RELA section: its number of entries and entry i.
  std::size_t relocation_count(std::size_t rel_section) const noexcept;
  ElfRelocation relocation(std::size_t rel_section, std::size_t i) const noexcept;

  std::span<const std::byte> image() const noexcept { return image_; }

 private:
  ElfView() = default;
  std::span<const std::byte> image_;
  bool is64_ = false;
  std::uint16_t machine_ = 0;
  std::uint32_t flags_ = 0;
  std::uint64_t shoff_ = 0;
  std::size_t section_count_ = 0;
  std::size_t shstrndx_ = 0;
  std::size_t symtab_ = 0;
  std::size_t symbol_count_ = 0;
};

}  // namespace dyn
