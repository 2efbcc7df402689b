// module_facts_arm.cpp — a Cortex-M module's facts, read from its bytes.
//
// What the loader does with a descriptor (module_loader.cpp, step 9), done
// without placing anything: the descriptor is the first non-local definition
// of dyn_module_descriptor; its numbers are the words in its section; each
// pointer is what the relocation patching its word makes of it (a section and
// an offset in it), or null if no relocation patches it and the word is 0.
// The loader checks pointers against the module's regions; here they are
// checked against the section they point into, which is stricter only for a
// pointer past the end of its own section (no compiler emits one).
//
// The object is untrusted: ElfView::open() validated headers, sections,
// symbols and relocation entries; every offset computed here from their
// values is range-checked before a byte is read.
#include "module_facts_arm.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <set>
#include <string_view>

#include "dyn/module_loader.hpp"
#include "dyn/relocation.hpp"
#include "dyn/symbol_table.hpp"
#include "dynsched.h"
#include "update_check.hpp"

namespace dyn::cli {

namespace {

// struct dyn_module (sdk/dynsched.h) as the ARM AAPCS lays it out: nine
// 4-byte words (uint32_t and 32-bit pointers), in declaration order, no padding.
enum class Field : std::uint8_t { Magic, Abi, Name, Version, StateSize, Entry, Checkpoint, Restore, StateSchema };
constexpr std::size_t kFieldCount = 9;
constexpr std::uint64_t kWord = 4;
constexpr std::uint64_t kDescriptorSize = kFieldCount * kWord;
constexpr std::array<const char*, kFieldCount> kFieldNames = {
    "magic", "abi", "name", "version", "state_size", "entry", "checkpoint", "restore", "state_schema"};
// The name's bytes, NUL included, the loader reads at most (dynsched.h: at most 31 bytes).
constexpr std::uint64_t kMaxName = 32;

bool is_pointer(Field f) {
  return f == Field::Name || f == Field::Entry || f == Field::Checkpoint || f == Field::Restore;
}
const char* name_of(Field f) { return kFieldNames[static_cast<std::size_t>(f)]; }

// The relocation types that store an absolute address in a data word, taken
// from the ARM table's formula kinds (R_ARM_ABS32, R_ARM_TARGET1).
bool stores_absolute_word(std::uint32_t type) {
  constexpr std::string_view kAbs32 = "Abs32";
#define X(NAME, NUMBER, WIDTH, KIND, GOT, TRAMPOLINE) \
  if (type == (NUMBER)) return std::string_view(#KIND) == kAbs32;
#include "dyn/reloc_arm.def"
#undef X
  return false;
}

std::string hex(std::uint64_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  do {
    s.insert(s.begin(), kDigits[v & 0xf]);
    v >>= 4;
  } while (v);
  return "0x" + s;
}

std::uint32_t word_at(std::span<const std::byte> bytes, std::uint64_t at) {
  std::uint32_t w = 0;  // ELF32 little-endian (ElfView refuses big-endian objects)
  for (std::uint64_t i = 0; i < kWord; ++i) w |= std::to_integer<std::uint32_t>(bytes[at + i]) << (8 * i);
  return w;
}

std::string section_label(const ElfView& v, std::size_t index) {
  return "section " + std::to_string(index) + " (" + std::string(v.section(index).name) + ")";
}

struct Patch {
  std::size_t rel_section;
  std::size_t entry;
  ElfRelocation rel;
};

// Where a pointer field points once linked: nowhere (null), or an offset in
// one of the module's sections.
struct Pointee {
  bool null = true;
  std::size_t section = 0;
  std::uint64_t offset = 0;
};

// Finds the relocations that patch the descriptor's words. Only pointer
// fields may be patched, each at most once, by an absolute-word relocation:
// the numbers must be constants of the object, as DYN_MODULE makes them.
std::string find_patches(const ElfView& v, std::size_t shndx, std::uint64_t at,
                         std::array<std::optional<Patch>, kFieldCount>* patches) {
  for (std::size_t r = 1; r < v.section_count(); ++r) {
    const ElfSection rs = v.section(r);
    if ((rs.type != elf::kShtRel && rs.type != elf::kShtRela) || rs.info != shndx) continue;
    for (std::size_t j = 0; j < v.relocation_count(r); ++j) {
      const ElfRelocation rel = v.relocation(r, j);
      const RelocationNeeds needs = relocation_needs_arm(rel.type);
      const std::uint64_t width = needs.known ? needs.width : kWord;  // no ARM type patches more than a word
      if (width == 0) continue;  // R_ARM_NONE, R_ARM_V4BX: nothing patched
      if (rel.offset >= at + kDescriptorSize || rel.offset + width <= at) continue;  // offsets are 32-bit: no overflow
      const std::string which = "relocation " + std::to_string(j) + " of " + section_label(v, r) + " (" +
                                (needs.known ? std::string(needs.name) : "type " + std::to_string(rel.type)) +
                                " at offset " + hex(rel.offset) + ")";
      if (rel.offset < at || (rel.offset - at) % kWord != 0 || width != kWord)
        return which + " patches bytes across the module descriptor's fields: the object is corrupt; rebuild it";
      const auto field = static_cast<Field>((rel.offset - at) / kWord);
      if (!is_pointer(field))
        return which + " patches the module descriptor's " + name_of(field) +
               ", a number that must be a constant of the object: declare the descriptor with DYN_MODULE(...)";
      if (!stores_absolute_word(rel.type))
        return which + " patches the module descriptor's " + name_of(field) +
               ", a pointer: only an absolute address (R_ARM_ABS32) can go there; rebuild with the SDK";
      auto& slot = (*patches)[static_cast<std::size_t>(field)];
      if (slot)
        return which + " patches the module descriptor's " + name_of(field) + ", which relocation " +
               std::to_string(slot->entry) + " of " + section_label(v, slot->rel_section) +
               " patches already: the object is corrupt; rebuild it";
      slot = Patch{r, j, rel};
    }
  }
  return {};
}

// What the pointer in `field` (whose word in the section is `word`) becomes when linked.
std::string resolve(const ElfView& v, Field field, std::uint32_t word, const std::optional<Patch>& patch,
                    Pointee* out) {
  const std::string what = std::string("the module descriptor's ") + name_of(field);
  auto fixed_address = [&](std::uint64_t address) {
    return what + " is the fixed address " + hex(address) +
           ", which no relocation moves with the module: it must be the address of something in the module "
           "(the object is corrupt, or not built by a C compiler from DYN_MODULE(...))";
  };
  *out = Pointee{};
  if (!patch) {
    if (word == 0) return {};
    return fixed_address(word);
  }
  // REL keeps the addend in the word; RELA carries it (and ignores the word).
  const auto addend = static_cast<std::uint32_t>(patch->rel.has_addend ? patch->rel.addend : word);
  const ElfSymbol s = v.symbol(patch->rel.symbol);  // ElfView checked the index
  const auto value = static_cast<std::uint32_t>(static_cast<std::uint32_t>(s.value) + addend);  // mod 2^32, as linked
  const std::string symbol = "symbol " + std::to_string(patch->rel.symbol) +
                             (s.name.empty() ? std::string() : " (" + std::string(s.name) + ")");
  if (patch->rel.symbol == 0 || s.shndx == elf::kShnAbs) {
    if (value == 0) return {};
    return fixed_address(value);
  }
  if (!s.defined())
    return what + " points to " + symbol +
           ", which the module does not define: it must point into the module itself (define it in the module)";
  if (s.shndx == elf::kShnCommon || s.shndx >= v.section_count())
    return what + " points to " + symbol + ", a COMMON symbol with no section: it must point into the module's " +
           (field == Field::Name ? "constant data (a string literal)" : "code");
  *out = Pointee{false, s.shndx, value};
  return {};
}

// The name as the loader reads it: 1 to 31 bytes and a NUL, in loaded bytes.
std::string read_name(const ElfView& v, const Pointee& p, std::string* name) {
  const std::string what = "the module descriptor's name";
  if (p.null) return what + " is NULL: DYN_MODULE(name, ...) names the module";
  const ElfSection s = v.section(p.section);
  if (!s.alloc())
    return what + " points into " + section_label(v, p.section) +
           ", which is not loaded (not SHF_ALLOC): the object is corrupt; rebuild it";
  if (s.type == elf::kShtNobits)
    return what + " points into " + section_label(v, p.section) + ", which is zeros when loaded: an empty name";
  const std::span<const std::byte> bytes = v.section_data(p.section);
  if (p.offset >= bytes.size())
    return what + " points to offset " + hex(p.offset) + " of " + section_label(v, p.section) + ", past its " +
           std::to_string(bytes.size()) + " bytes: the object is corrupt; rebuild it";
  const std::uint64_t room = std::min<std::uint64_t>(kMaxName, bytes.size() - p.offset);
  for (std::uint64_t i = 0; i < room; ++i) {
    const char c = std::to_integer<char>(bytes[p.offset + i]);
    if (c != '\0') continue;
    if (i == 0) return what + " is empty: DYN_MODULE(name, ...) names the module";
    for (std::uint64_t k = 0; k < i; ++k)
      if (is_control_byte(std::to_integer<char>(bytes[p.offset + k])))
        return what + " holds a control character: name it with printable characters";
    name->assign(reinterpret_cast<const char*>(bytes.data() + p.offset), i);  // Safety: i bytes checked above
    return {};
  }
  return what + " at offset " + hex(p.offset) + " of " + section_label(v, p.section) +
         (room < kMaxName ? " runs past the end of its section without a NUL: the object is corrupt; rebuild it"
                          : " is longer than 31 bytes: give the module a shorter name");
}

// A hook must point into the module's own code: what the loader places in its
// code region (SHF_ALLOC, not SHF_WRITE), inside the section it names.
std::string check_hook(const ElfView& v, Field field, const Pointee& p) {
  if (p.null) return {};
  const ElfSection s = v.section(p.section);
  const std::string what = std::string("the module descriptor's ") + name_of(field);
  if (!s.alloc() || s.write())
    return what + " points into " + section_label(v, p.section) +
           ", which is not the module's code: it must name a function of the module";
  const std::uint64_t code = p.offset & ~std::uint64_t{1};  // a Thumb function's address carries bit 0
  if (code >= s.size)
    return what + " points to offset " + hex(p.offset) + " of " + section_label(v, p.section) + ", past its " +
           std::to_string(s.size) + " bytes: the object is corrupt; rebuild it";
  return {};
}

}  // namespace

std::string read_module_facts_arm(const ElfView& v, ModuleFacts* f) {
  std::size_t index = 0;  // found as the loader finds it: the first non-local definition
  for (std::size_t i = 1; i < v.symbol_count() && !index; ++i) {
    const ElfSymbol s = v.symbol(i);
    if (s.defined() && s.bind != elf::kStbLocal && s.name == kDescriptorSymbol) index = i;
  }
  if (!index) return "has no module descriptor (DYN_MODULE)";
  const ElfSymbol d = v.symbol(index);
  const std::string symbol = std::string(kDescriptorSymbol) + " (symbol " + std::to_string(index) + ")";
  if (d.shndx == elf::kShnAbs || d.shndx == elf::kShnCommon || d.shndx >= v.section_count())
    return symbol + " is not defined in a section (st_shndx " + hex(d.shndx) +
           "): declare the descriptor with DYN_MODULE(...)";
  const ElfSection sec = v.section(d.shndx);
  if (!sec.alloc())
    return symbol + " is in " + section_label(v, d.shndx) +
           ", which is not loaded (not SHF_ALLOC): the object is corrupt; rebuild it";
  if (d.size != 0 && d.size != kDescriptorSize)
    return symbol + " is " + std::to_string(d.size) + " bytes, not the " + std::to_string(kDescriptorSize) +
           " of struct dyn_module (ABI " + std::to_string(DYN_MODULE_ABI) +
           ") on ARM: rebuild the module against this dynsched's sdk/dynsched.h";
  const std::span<const std::byte> bytes = v.section_data(d.shndx);  // empty for NOBITS: zeros when loaded
  if (bytes.size() < kDescriptorSize || d.value > bytes.size() - kDescriptorSize)
    return symbol + " at offset " + hex(d.value) + " of " + section_label(v, d.shndx) + " (" +
           std::to_string(bytes.size()) + " bytes in the file): the " + std::to_string(kDescriptorSize) +
           "-byte descriptor does not fit; the object is truncated or corrupt: rebuild it";

  std::array<std::optional<Patch>, kFieldCount> patches;
  if (std::string why = find_patches(v, d.shndx, d.value, &patches); !why.empty()) return why;
  std::array<std::uint32_t, kFieldCount> w{};
  for (std::size_t i = 0; i < kFieldCount; ++i) w[i] = word_at(bytes, d.value + i * kWord);
  auto word = [&](Field field) { return w[static_cast<std::size_t>(field)]; };

  // The loader's checks, in its order (LinkErrc::BadDescriptor 1..5).
  if (word(Field::Magic) != DYN_MODULE_MAGIC || word(Field::Abi) != DYN_MODULE_ABI)
    return "the module descriptor's magic " + hex(word(Field::Magic)) + " and ABI " + std::to_string(word(Field::Abi)) +
           " are not DYN_MODULE_MAGIC (" + hex(DYN_MODULE_MAGIC) + ") and ABI " + std::to_string(DYN_MODULE_ABI) +
           ": rebuild the module against this dynsched's sdk/dynsched.h";
  std::array<Pointee, kFieldCount> to{};
  for (Field field : {Field::Name, Field::Entry, Field::Checkpoint, Field::Restore}) {
    const auto i = static_cast<std::size_t>(field);
    if (std::string why = resolve(v, field, w[i], patches[i], &to[i]); !why.empty()) return why;
  }
  std::string name;
  if (std::string why = read_name(v, to[static_cast<std::size_t>(Field::Name)], &name); !why.empty()) return why;
  for (Field field : {Field::Entry, Field::Checkpoint, Field::Restore})
    if (std::string why = check_hook(v, field, to[static_cast<std::size_t>(field)]); !why.empty()) return why;
  if (word(Field::StateSize) > kMaxStateSize)
    return "the module descriptor asks for " + std::to_string(word(Field::StateSize)) + " bytes of state, more than " +
           std::to_string(kMaxStateSize) + ": keep large buffers in the module's own data or allocate them";

  // Exports: the loader's rule; it refuses a kernel name and a name defined twice.
  std::set<std::string> exports;
  for (std::size_t i = 1; i < v.symbol_count(); ++i) {
    const ElfSymbol s = v.symbol(i);
    if (!is_module_export(s)) continue;
    const std::string label = "symbol " + std::to_string(i) + " (" + std::string(s.name) + ")";
    if (find_symbol(kernel_exports(), s.name))
      return "the module defines " + label +
             ", a name the kernel exports: a module may not replace the kernel's API or its C library routines "
             "(make it static, or drop it and use the kernel's)";
    if (!exports.emplace(s.name).second)
      return "the module exports " + label + " twice: the object is corrupt; rebuild it";
  }

  f->arch = TargetArch::Arm;
  f->name = std::move(name);
  f->version = word(Field::Version);
  f->state_size = word(Field::StateSize);
  f->schema = word(Field::StateSchema);
  f->entry = !to[static_cast<std::size_t>(Field::Entry)].null;
  f->checkpoint = !to[static_cast<std::size_t>(Field::Checkpoint)].null;
  f->restore = !to[static_cast<std::size_t>(Field::Restore)].null;
  f->exports = std::move(exports);
  return {};
}

}  // namespace dyn::cli
