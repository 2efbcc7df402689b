// elf.hpp — the parts of the ELF format a relocatable-object loader needs.
//
// Layouts and numbers are facts from the System V gABI, the AMD64 psABI and
// ARM's AAELF; the structures are ours. Both classes are read into one
// class-neutral form (elf_view.hpp), so the rest of the loader never cares
// whether the object is ELF32 or ELF64.
#pragma once

#include <cstdint>

namespace dyn::elf {

// e_ident
inline constexpr std::uint8_t kMagic[4] = {0x7f, 'E', 'L', 'F'};
inline constexpr std::uint8_t kClass32 = 1, kClass64 = 2;
inline constexpr std::uint8_t kDataLsb = 1;
inline constexpr std::uint8_t kVersionCurrent = 1;

// e_type, e_machine
inline constexpr std::uint16_t kTypeRel = 1;
inline constexpr std::uint16_t kMachineArm = 40;
inline constexpr std::uint16_t kMachineX86_64 = 62;

// Section types
inline constexpr std::uint32_t kShtNull = 0, kShtProgbits = 1, kShtSymtab = 2, kShtStrtab = 3, kShtRela = 4,
                               kShtNobits = 8, kShtRel = 9, kShtInitArray = 14, kShtFiniArray = 15,
                               kShtPreinitArray = 16, kShtGroup = 17, kShtSymtabShndx = 18,
                               kShtArmExidx = 0x70000001, kShtArmAttributes = 0x70000003,
                               kShtX86_64Unwind = 0x70000001;

// Section flags
inline constexpr std::uint64_t kShfWrite = 0x1, kShfAlloc = 0x2, kShfExecinstr = 0x4, kShfMerge = 0x10,
                               kShfStrings = 0x20, kShfInfoLink = 0x40, kShfGroup = 0x200, kShfTls = 0x400;

// Special section indexes
inline constexpr std::uint16_t kShnUndef = 0, kShnLoreserve = 0xff00, kShnAbs = 0xfff1, kShnCommon = 0xfff2,
                               kShnXindex = 0xffff;

// Symbol binding and type (st_info = bind << 4 | type)
inline constexpr std::uint8_t kStbLocal = 0, kStbGlobal = 1, kStbWeak = 2;
// st_other & 3: symbol visibility.
inline constexpr std::uint8_t kStvDefault = 0, kStvInternal = 1, kStvHidden = 2, kStvProtected = 3;
inline constexpr std::uint8_t kSttNotype = 0, kSttObject = 1, kSttFunc = 2, kSttSection = 3, kSttFile = 4,
                              kSttCommon = 5, kSttTls = 6;

// Raw on-file layouts (little-endian hosts and targets only).
struct Ehdr32 {
  std::uint8_t ident[16];
  std::uint16_t type, machine;
  std::uint32_t version, entry, phoff, shoff, flags;
  std::uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct Ehdr64 {
  std::uint8_t ident[16];
  std::uint16_t type, machine;
  std::uint32_t version;
  std::uint64_t entry, phoff, shoff;
  std::uint32_t flags;
  std::uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct Shdr32 {
  std::uint32_t name, type, flags, addr, offset, size, link, info, addralign, entsize;
};
struct Shdr64 {
  std::uint32_t name, type;
  std::uint64_t flags, addr, offset, size;
  std::uint32_t link, info;
  std::uint64_t addralign, entsize;
};
struct Sym32 {
  std::uint32_t name, value, size;
  std::uint8_t info, other;
  std::uint16_t shndx;
};
struct Sym64 {
  std::uint32_t name;
  std::uint8_t info, other;
  std::uint16_t shndx;
  std::uint64_t value, size;
};
struct Rel32 {
  std::uint32_t offset, info;  // info = sym << 8 | type
};
struct Rela32 {
  std::uint32_t offset, info;
  std::int32_t addend;
};
struct Rel64 {
  std::uint64_t offset, info;  // info = sym << 32 | type
};
struct Rela64 {
  std::uint64_t offset, info;
  std::int64_t addend;
};

static_assert(sizeof(Ehdr32) == 52 && sizeof(Ehdr64) == 64);
static_assert(sizeof(Shdr32) == 40 && sizeof(Shdr64) == 64);
static_assert(sizeof(Sym32) == 16 && sizeof(Sym64) == 24);
static_assert(sizeof(Rel32) == 8 && sizeof(Rela32) == 12 && sizeof(Rel64) == 16 && sizeof(Rela64) == 24);

}  // namespace dyn::elf
