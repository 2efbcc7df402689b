// relocation.hpp — applying one relocation: the interface each architecture implements.
//
// The loader decides where everything lives and resolves symbols; a
// relocation function only computes the value from the formula of its
// architecture's ABI, checks that it fits the field, and patches the bytes.
// Addresses are *target* addresses (where the code will run); `place` is
// where the bytes are written now. On the host they coincide; when ARM code
// is linked on the host for a Cortex-M (tests, ground tools) they differ.
//
// Names, numbers and formulas: one X-macro table per architecture
// (reloc_x86_64.def, reloc_arm.def). A type not in the table is an error
// naming the type and the place, never a silent skip.
#pragma once

#include <cstddef>
#include <cstdint>

#include "dyn/result.hpp"

namespace dyn {

enum class LinkErrc : std::uint8_t {
  UnsupportedRelocation,  // detail = type
  RelocationOutOfRange,   // detail = type; value = the computed value that does not fit
  PlaceOutsideSection,    // detail = type; value = offset in the section
  UnresolvedSymbol,       // symbol = index
  DuplicateExport,        // symbol = index
  BadSymbolValue,         // symbol = index (e.g. Thumb bit on a data symbol)
  MisalignedPlace,        // detail = type; value = place address
  OutOfMemory,            // value = bytes asked for
  NotAModule,             // the object has no dyn_module descriptor
  BadDescriptor,          // the descriptor is malformed; value = what is wrong (see describe)
  InUse,                  // unload refused: other modules import from this one; value = how many
  NameTaken,              // a module of that name is loaded
  TooManyModules,
  TooManyDependencies,    // value = limit (kModuleMaxDependencies)
  UnsupportedSection,     // section = index (e.g. thread-local storage)
  ScratchTooSmall,        // value = entries needed
  ExportGone,             // relink: the new version does not export a name an importer uses
  KernelName,             // symbol = index: the module defines a name the kernel exports
  RegionTooLarge,         // detail = 1 code / 2 data; value = bytes it would need (over 1 GiB); section = index
};

struct LinkError {
  LinkErrc code;
  std::uint32_t section = 0;   // relocation section (or target section) index
  std::uint32_t entry = 0;     // relocation entry number within its section
  std::uint32_t symbol = 0;    // symbol table index
  std::uint64_t detail = 0;
  std::uint64_t value = 0;
  std::uint64_t offset = 0;    // relocation errors: the place, relative to its section
  const char* other = nullptr; // DuplicateExport: the installed module that already exports the name
};

// What a relocation type needs from the loader before values are computed.
struct RelocationNeeds {
  bool known = false;        // the type is in the table
  bool got_slot = false;     // needs a GOT entry holding S
  bool may_need_trampoline = false;  // a call whose target may be out of range
  std::uint8_t width = 0;    // bytes patched at the place
  const char* name = "?";
};

struct RelocationSite {
  std::byte* place;        // where to write (host memory)
  std::size_t room;        // bytes from place to the end of its section
  std::uint64_t P;         // target address of the place
  std::uint64_t S;         // target address of the symbol (for Thumb functions: with bit 0 set)
  std::int64_t A;          // addend for RELA; ignored for REL (read from the place)
  bool rela;
  std::uint32_t type;
  std::uint64_t got;       // target address of the symbol's GOT slot (if the type needs one)
  std::uint64_t trampoline;// target address of a call trampoline to S, or 0 if none was made
  std::uint64_t got_base;  // target address of the GOT (ARM GOT_BREL / x86-64 GOTOFF forms)
};

// One row of an architecture's table (reloc_*.def), over that architecture's
// own formula kinds, and the lookups both relocators share.
template <typename Kind>
struct RelocationEntry {
  const char* name;
  std::uint32_t type;
  std::uint8_t width;
  Kind kind;
  bool got;
  bool trampoline;
};

template <typename Kind, std::size_t N>
constexpr const RelocationEntry<Kind>* find_relocation(const RelocationEntry<Kind> (&table)[N],
                                                       std::uint32_t type) noexcept {
  for (const RelocationEntry<Kind>& e : table)
    if (e.type == type) return &e;
  return nullptr;
}

template <typename Kind>
constexpr RelocationNeeds needs_of(const RelocationEntry<Kind>* e) noexcept {
  if (!e) return {};
  return {true, e->got, e->trampoline, e->width, e->name};
}

RelocationNeeds relocation_needs_x86_64(std::uint32_t type) noexcept;
Result<void, LinkError> apply_relocation_x86_64(const RelocationSite& site) noexcept;

RelocationNeeds relocation_needs_arm(std::uint32_t type) noexcept;
Result<void, LinkError> apply_relocation_arm(const RelocationSite& site) noexcept;

}  // namespace dyn
