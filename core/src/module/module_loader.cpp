// module_loader.cpp — lay out, allocate, resolve, relocate, seal, publish, construct.
#include "dyn/module_loader.hpp"

#include <cstring>

#include "dynsched.h"
#include "port.hpp"

namespace dyn {

namespace {

constexpr std::uint32_t kNone = UINT32_MAX;
constexpr std::uint64_t kMaxRegion = 1ull << 30;  // no module needs a GiB: refuse absurd sizes early
constexpr std::size_t kTrampolineSize = 16;       // x86-64: jmp *0(%rip) + 8-byte target; ARM: 8 used

Unexpected<LoadError> link_error(LinkError e) noexcept { return Unexpected{LoadError{LoadError::Phase::Link, {}, e}}; }
Unexpected<LoadError> link_error(LinkErrc c, std::uint64_t value = 0) noexcept {
  return link_error(LinkError{c, 0, 0, 0, 0, value});
}

// Bytes a region would need with a section of `size` at `at`, saturating.
std::uint64_t region_need(std::uint64_t at, std::uint64_t size) noexcept {
  return size > ~std::uint64_t{0} - at ? ~std::uint64_t{0} : at + size;
}

bool align_up(std::uint64_t v, std::uint64_t align, std::uint64_t* out) noexcept {
  if (align == 0) align = 1;
  const std::uint64_t r = v + (align - 1);
  if (r < v) return false;
  *out = r & ~(align - 1);
  return true;
}

// Which relocators this build links (DYN_LOADER_X86_64, DYN_LOADER_ARM: a
// flight image carries only its own machine's); objects for another are
// refused as WrongMachine before anything is allocated.
constexpr bool links(TargetArch arch) noexcept {
  return arch == TargetArch::X86_64 ? DYN_LOADER_X86_64 != 0 : DYN_LOADER_ARM != 0;
}

RelocationNeeds needs_for([[maybe_unused]] TargetArch arch, [[maybe_unused]] std::uint32_t type) noexcept {
#if DYN_LOADER_X86_64
  if (arch == TargetArch::X86_64) return relocation_needs_x86_64(type);
#endif
#if DYN_LOADER_ARM
  if (arch == TargetArch::Arm) return relocation_needs_arm(type);
#endif
  return RelocationNeeds{};
}

Result<void, LinkError> apply_for([[maybe_unused]] TargetArch arch, [[maybe_unused]] const RelocationSite& site) noexcept {
#if DYN_LOADER_X86_64
  if (arch == TargetArch::X86_64) return apply_relocation_x86_64(site);
#endif
#if DYN_LOADER_ARM
  if (arch == TargetArch::Arm) return apply_relocation_arm(site);
#endif
  return Unexpected{LinkError{LinkErrc::UnsupportedRelocation}};
}

// In-place heap sort of the export table by name (no heap, no recursion).
void sort_exports(ExportedSymbol* a, std::size_t n) noexcept {
  auto less = [](const ExportedSymbol& x, const ExportedSymbol& y) { return std::strcmp(x.name, y.name) < 0; };
  auto sift = [&](std::size_t root, std::size_t end) {
    while (2 * root + 1 < end) {
      std::size_t child = 2 * root + 1;
      if (child + 1 < end && less(a[child], a[child + 1])) ++child;
      if (!less(a[root], a[child])) return;
      const ExportedSymbol t = a[root];
      a[root] = a[child];
      a[child] = t;
      root = child;
    }
  };
  for (std::size_t i = n / 2; i-- > 0;) sift(i, n);
  for (std::size_t end = n; end > 1; --end) {
    const ExportedSymbol t = a[0];
    a[0] = a[end - 1];
    a[end - 1] = t;
    sift(0, end - 1);
  }
}

// Host view of a target address inside one of the module's regions.
std::byte* host_of(const LoadedModule& m, std::uint64_t address, std::size_t length) noexcept {
  for (const Region* r : {&m.code, &m.data, &m.meta}) {
    if (!*r) continue;
    if (address >= r->address && address - r->address <= r->size && length <= r->size - (address - r->address))
      return r->host + (address - r->address);
  }
  return nullptr;
}

void write_trampoline(TargetArch arch, std::byte* at, std::uint64_t target) noexcept {
  if (arch == TargetArch::X86_64) {
    const std::uint8_t jmp[6] = {0xff, 0x25, 0, 0, 0, 0};  // jmp *0(%rip)
    std::memcpy(at, jmp, sizeof jmp);
    std::memcpy(at + 6, &target, 8);
  } else {
    // Thumb-2: ldr.w pc, [pc, #0] ; .word target (T bit kept). The pc reads as
    // this instruction + 4, where the literal is.
    const std::uint16_t ldr[2] = {0xF8DF, 0xF000};
    const auto t32 = static_cast<std::uint32_t>(target);
    std::memcpy(at, ldr, 4);
    std::memcpy(at + 4, &t32, 4);
  }
}

// The module's code runs here: it is built for the port's machine and its
// memory is where it will execute (so its pointers can be followed in place).
bool runs_here(const LoadedModule& m) noexcept {
  return m.arch == port::module_arch() && m.code.host == reinterpret_cast<std::byte*>(m.code.address);
}

}  // namespace

bool is_module_export(const ElfSymbol& s) noexcept {
  return s.defined() && s.bind != elf::kStbLocal && s.type != elf::kSttSection && s.type != elf::kSttFile &&
         !s.name.empty() && (s.visibility == elf::kStvDefault || s.visibility == elf::kStvProtected) &&
         s.name != kDescriptorSymbol;
}

std::uint64_t ModuleLoader::exported(const LoadedModule& m, std::string_view name) noexcept {
  const ExportedSymbol* e = find_symbol(m.exports, name);
  return e ? e->address : 0;
}

Result<void, LoadError> ModuleLoader::load(const ElfView& v, const LoadOptions& o, LoaderScratch scratch,
                                           LoadedModule& out) noexcept {
  const bool x86 = o.arch == TargetArch::X86_64;
  const std::uint16_t machine = x86 ? elf::kMachineX86_64 : elf::kMachineArm;
  if (v.machine() != machine || !links(o.arch))
    return Unexpected{LoadError{LoadError::Phase::Elf, ElfError{ElfErrc::WrongMachine, 0, v.machine(), machine}, {}}};
  const std::size_t nsym = v.symbol_count();
  const std::size_t nsec = v.section_count();
  if (scratch.symbols.size() < nsym) return link_error(LinkErrc::ScratchTooSmall, nsym);
  if (scratch.sections.size() < nsec) return link_error(LinkErrc::ScratchTooSmall, nsec);
  const std::size_t ptr = x86 ? 8 : 4;

  // --- 1. layout ------------------------------------------------------------
  std::uint64_t size[3] = {0, 0, 0};  // [1] code, [2] data
  std::uint64_t align[3] = {1, 16, 16};
  for (std::size_t i = 0; i < nsec; ++i) {
    const ElfSection s = v.section(i);
    scratch.sections[i] = {0, 0};
    if (!s.alloc()) continue;
    if (s.flags & elf::kShfTls) return link_error(LinkError{LinkErrc::UnsupportedSection, static_cast<std::uint32_t>(i), 0, 0, s.flags, 0});
    const std::uint8_t region = s.write() ? 2 : 1;
    std::uint64_t at = 0;
    if (!align_up(size[region], s.align, &at) || s.size > kMaxRegion || at + s.size > kMaxRegion)
      return link_error(LinkError{LinkErrc::RegionTooLarge, static_cast<std::uint32_t>(i), 0, 0, region,
                                  region_need(at, s.size)});
    scratch.sections[i] = {region, at};
    size[region] = at + s.size;
    if (s.align > align[region]) align[region] = s.align;
  }
  for (std::size_t i = 0; i < nsym; ++i) scratch.symbols[i] = {0, kNone, kNone, false, nullptr, kNone};
  for (std::size_t i = 1; i < nsym; ++i) {
    const ElfSymbol s = v.symbol(i);
    if (s.shndx != elf::kShnCommon) continue;
    std::uint64_t at = 0;  // ElfView checked the alignment (st_value) is a power of two
    if (!align_up(size[2], s.value, &at) || s.size > kMaxRegion || at + s.size > kMaxRegion)
      return link_error(LinkError{LinkErrc::RegionTooLarge, 0, 0, static_cast<std::uint32_t>(i), 2,
                                  region_need(at, s.size)});
    scratch.symbols[i].address = at;  // offset in data until the region exists
    size[2] = at + s.size;
    if (s.value > align[2]) align[2] = s.value;
  }

  // --- 2. scan relocations: refuse what we cannot do before allocating -------
  std::uint32_t got_count = 0, tramp_count = 0;
  std::size_t import_candidates = 0, import_name_bytes = 0;
  for (std::size_t r = 0; r < nsec; ++r) {
    const ElfSection rs = v.section(r);
    if (rs.type != elf::kShtRel && rs.type != elf::kShtRela) continue;
    const ElfSection target = v.section(rs.info);
    if (!target.alloc()) continue;  // debug info: not loaded, not relocated
    for (std::size_t j = 0; j < v.relocation_count(r); ++j) {
      const ElfRelocation rel = v.relocation(r, j);
      const RelocationNeeds needs = needs_for(o.arch, rel.type);
      LinkError where{LinkErrc::UnsupportedRelocation, static_cast<std::uint32_t>(r), static_cast<std::uint32_t>(j),
                      rel.symbol, rel.type, 0, rel.offset};
      if (!needs.known) return link_error(where);
      if (rel.offset > target.size || target.size - rel.offset < needs.width) {
        where.code = LinkErrc::PlaceOutsideSection;
        return link_error(where);
      }
      SymbolSlot& slot = scratch.symbols[rel.symbol];
      if (rel.symbol != 0 && !v.symbol(rel.symbol).defined()) {
        // May turn out to be another module's export: room to record it for relinking.
        ++import_candidates;
        if (slot.name == kNone) {
          slot.name = static_cast<std::uint32_t>(import_name_bytes);
          import_name_bytes += v.symbol(rel.symbol).name.size() + 1;
        }
      }
      if (needs.got_slot && slot.got_index == kNone) slot.got_index = got_count++;
      if (needs.may_need_trampoline && !v.symbol(rel.symbol).defined() && rel.symbol != 0 &&
          slot.tramp_index == kNone)
        slot.tramp_index = tramp_count++;
    }
  }
  std::uint64_t got_off = 0, tramp_off = 0;
  if (!align_up(size[1], 8, &got_off) || !align_up(got_off + got_count * ptr, 16, &tramp_off))
    return link_error(LinkError{LinkErrc::RegionTooLarge, 0, 0, 0, 1, size[1]});
  size[1] = tramp_off + static_cast<std::uint64_t>(tramp_count) * kTrampolineSize;
  if (size[1] > kMaxRegion) return link_error(LinkError{LinkErrc::RegionTooLarge, 0, 0, 0, 1, size[1]});

  std::size_t export_count = 0, names_bytes = 0;
  for (std::size_t i = 1; i < nsym; ++i) {
    const ElfSymbol s = v.symbol(i);
    if (!is_module_export(s)) continue;
    ++export_count;
    names_bytes += s.name.size() + 1;
  }

  // --- 3. allocate (one cleanup path from here on) ----------------------------
  LoadedModule m;
  auto fail = [&](LoadError e) -> Unexpected<LoadError> {
    for (Region* r : {&m.code, &m.data, &m.meta})
      if (*r) memory_.release(*r);
    return Unexpected{e};
  };
  auto fail_link = [&](LinkError e) { return fail(LoadError{LoadError::Phase::Link, {}, e}); };
  m.code = memory_.allocate(RegionKind::Code, static_cast<std::size_t>(size[1] ? size[1] : 1), static_cast<std::size_t>(align[1] > 16 ? align[1] : 16));
  if (!m.code) return fail_link({LinkErrc::OutOfMemory, 0, 0, 0, 0, size[1]});
  m.data = memory_.allocate(RegionKind::Data, static_cast<std::size_t>(size[2] ? size[2] : 1), static_cast<std::size_t>(align[2]));
  if (!m.data) return fail_link({LinkErrc::OutOfMemory, 0, 0, 0, 0, size[2]});
  const std::size_t imports_at = (export_count * sizeof(ExportedSymbol) + names_bytes + 1 + 15) & ~std::size_t{15};
  const std::size_t meta_size = imports_at + import_candidates * sizeof(ImportRecord) + import_name_bytes + 1;
  m.meta = memory_.allocate(RegionKind::Meta, meta_size, alignof(ExportedSymbol));
  if (!m.meta) return fail_link({LinkErrc::OutOfMemory, 0, 0, 0, 0, meta_size});
  const Region* regions[3] = {nullptr, &m.code, &m.data};

  // --- 4. copy sections -------------------------------------------------------
  for (std::size_t i = 0; i < nsec; ++i) {
    const SectionSlot& slot = scratch.sections[i];
    if (!slot.region) continue;
    const auto data = v.section_data(i);  // empty for NOBITS: the region is zero-filled
    if (!data.empty()) std::memcpy(regions[slot.region]->host + slot.offset, data.data(), data.size());
  }

  // --- 5. resolve symbols -----------------------------------------------------
  for (std::size_t i = 1; i < nsym; ++i) {
    const ElfSymbol s = v.symbol(i);
    SymbolSlot& slot = scratch.symbols[i];
    if (s.shndx == elf::kShnCommon) {
      slot.address += m.data.address;
      slot.loaded = true;
    } else if (s.shndx == elf::kShnAbs) {
      slot.address = s.value;
      slot.loaded = true;
    } else if (s.defined()) {
      const SectionSlot& sec = scratch.sections[s.shndx];
      slot.loaded = sec.region != 0;
      slot.address = slot.loaded ? regions[sec.region]->address + sec.offset + s.value : 0;
    } else if (s.name == kGotSymbol) {
      slot.address = m.code.address + got_off;  // PIC code's own GOT: ours, per module
      slot.loaded = true;
    } else if (!s.name.empty()) {
      LoadedModule* owner = nullptr;
      const ExportedSymbol* e = resolver_.find(s.name, &owner, o.replacing);
      if (e) {
        slot.address = owner ? e->address : kernel_symbol_address(*e);
        slot.loaded = true;
        slot.owner = owner;
        if (owner) {
          bool known = false;
          for (std::size_t d = 0; d < m.dep_count; ++d) known = known || m.deps[d] == owner;
          if (!known) {
            if (m.dep_count == kModuleMaxDependencies)
              return fail_link({LinkErrc::TooManyDependencies, 0, 0, static_cast<std::uint32_t>(i), 0,
                                kModuleMaxDependencies});
            m.deps[m.dep_count++] = owner;
          }
        }
      } else if (s.bind == elf::kStbWeak) {
        slot.address = 0;  // an unresolved weak reference is null, by definition
        slot.loaded = true;
      } else {
        return fail_link({LinkErrc::UnresolvedSymbol, 0, 0, static_cast<std::uint32_t>(i), 0, 0});
      }
    }
  }

  // --- 6. GOT and trampolines -------------------------------------------------
  for (std::size_t i = 0; i < nsym; ++i) {
    const SymbolSlot& slot = scratch.symbols[i];
    if (slot.got_index != kNone) {
      std::byte* at = m.code.host + got_off + slot.got_index * ptr;
      if (x86) std::memcpy(at, &slot.address, 8);
      else {
        const auto a32 = static_cast<std::uint32_t>(slot.address);
        std::memcpy(at, &a32, 4);
      }
    }
    if (slot.tramp_index != kNone)
      write_trampoline(o.arch, m.code.host + tramp_off + slot.tramp_index * kTrampolineSize, slot.address);
  }
  m.got_slots = got_count;
  m.trampolines = tramp_count;

  // --- 7. relocate --------------------------------------------------------------
  std::size_t import_count = 0;
  for (std::size_t r = 0; r < nsec; ++r) {
    const ElfSection rs = v.section(r);
    if (rs.type != elf::kShtRel && rs.type != elf::kShtRela) continue;
    const ElfSection target = v.section(rs.info);
    const SectionSlot& tslot = scratch.sections[rs.info];
    if (!target.alloc() || !tslot.region) continue;
    const Region& region = *regions[tslot.region];
    for (std::size_t j = 0; j < v.relocation_count(r); ++j) {
      const ElfRelocation rel = v.relocation(r, j);
      const SymbolSlot& slot = scratch.symbols[rel.symbol];
      LinkError where{LinkErrc::BadSymbolValue, static_cast<std::uint32_t>(r), static_cast<std::uint32_t>(j),
                      rel.symbol, rel.type, 0, rel.offset};
      if (rel.symbol != 0 && !slot.loaded) return fail_link(where);  // refers to a section we do not load
      RelocationSite site;
      site.place = region.host + tslot.offset + rel.offset;
      site.room = static_cast<std::size_t>(target.size - rel.offset);
      site.P = region.address + tslot.offset + rel.offset;
      site.S = slot.address;
      site.A = rel.addend;
      site.rela = rel.has_addend;
      site.type = rel.type;
      site.got_base = m.code.address + got_off;
      site.got = slot.got_index != kNone ? site.got_base + slot.got_index * ptr : 0;
      site.trampoline = slot.tramp_index != kNone ? m.code.address + tramp_off + slot.tramp_index * kTrampolineSize : 0;
      if (auto applied = apply_for(o.arch, site); !applied) {
        LinkError e = applied.error();
        e.section = static_cast<std::uint32_t>(r);
        e.entry = static_cast<std::uint32_t>(j);
        e.symbol = rel.symbol;
        e.offset = rel.offset;
        return fail_link(e);
      }
      ++m.relocations_applied;
      if (slot.owner) {
        // Safety: meta was sized above for every relocation against an undefined symbol.
        auto* records = reinterpret_cast<ImportRecord*>(m.meta.host + imports_at);
        records[import_count++] = {site.P,         rel.addend,       rel.type,  slot.name,
                                   slot.got_index, slot.tramp_index, rel.has_addend, slot.owner};
      }
    }
  }

  // --- 8. publish exports (sorted, checked for clashes) -------------------------
  auto* table = reinterpret_cast<ExportedSymbol*>(m.meta.host);  // Safety: meta is aligned for it and sized above
  char* names = reinterpret_cast<char*>(m.meta.host + export_count * sizeof(ExportedSymbol));
  std::size_t n = 0;
  for (std::size_t i = 1; i < nsym; ++i) {
    const ElfSymbol s = v.symbol(i);
    if (!is_module_export(s)) continue;
    std::memcpy(names, s.name.data(), s.name.size());
    names[s.name.size()] = '\0';
    // Safety: a loaded symbol's address is in this machine's memory, so it fits its pointer width.
    table[n++] = {names, static_cast<std::uintptr_t>(scratch.symbols[i].address), s.type == elf::kSttFunc};
    names += s.name.size() + 1;
    // The kernel's names are the kernel's: a module that defines one (strong
    // or weak) is refused, so no module can stand in for the kernel API.
    if (find_symbol(kernel_exports(), s.name))
      return fail_link({LinkErrc::KernelName, 0, 0, static_cast<std::uint32_t>(i), 0, 0});
    if (s.bind == elf::kStbGlobal) {
      LoadedModule* owner = nullptr;
      if (const ExportedSymbol* clash = resolver_.find(s.name, &owner, o.replacing); clash && owner) {
        LinkError e{LinkErrc::DuplicateExport, 0, 0, static_cast<std::uint32_t>(i), 0, 0};
        e.other = resolver_.name_of(owner);
        return fail_link(e);
      }
    }
  }
  sort_exports(table, n);
  for (std::size_t i = 1; i < n; ++i)
    if (std::strcmp(table[i - 1].name, table[i].name) == 0)
      return fail_link({LinkErrc::DuplicateExport, 0, 0, 0, 0, i});
  m.exports = {table, n};
  {
    auto* records = reinterpret_cast<ImportRecord*>(m.meta.host + imports_at);
    char* import_names = reinterpret_cast<char*>(m.meta.host + imports_at + import_candidates * sizeof(ImportRecord));
    for (std::size_t i = 1; i < nsym; ++i) {
      const SymbolSlot& slot = scratch.symbols[i];
      if (slot.name == kNone) continue;
      const ElfSymbol sym = v.symbol(i);
      std::memcpy(import_names + slot.name, sym.name.data(), sym.name.size());
      import_names[slot.name + sym.name.size()] = '\0';
    }
    m.imports = {records, import_count};
    m.import_names = import_names;
    m.got_base = m.code.address + got_off;
    m.tramp_base = m.code.address + tramp_off;
    m.arch = o.arch;
  }

  // --- 9. the module descriptor -------------------------------------------------
  std::uint64_t descriptor = 0;
  for (std::size_t i = 1; i < nsym && !descriptor; ++i) {
    const ElfSymbol s = v.symbol(i);
    if (s.defined() && s.bind != elf::kStbLocal && s.name == kDescriptorSymbol) descriptor = scratch.symbols[i].address;
  }
  if (const std::uint64_t d = descriptor) {
    // magic and abi are the first two 32-bit fields in every ABI's layout;
    // the rest (pointers) is only read where the code will run (runs_here).
    const std::byte* head = host_of(m, d, 8);
    std::uint32_t magic = 0, abi = 0;
    if (head) {
      std::memcpy(&magic, head, 4);
      std::memcpy(&abi, head + 4, 4);
    }
    if (!head || magic != DYN_MODULE_MAGIC || abi != DYN_MODULE_ABI)
      return fail_link({LinkErrc::BadDescriptor, 0, 0, 0, 0, 1});
    m.descriptor_address = d;
    if (runs_here(m)) {
      const std::byte* at = host_of(m, d, sizeof(::dyn_module));
      if (!at || reinterpret_cast<std::uintptr_t>(at) % alignof(::dyn_module) != 0)
        return fail_link({LinkErrc::BadDescriptor, 0, 0, 0, 0, 1});
      // Safety: inside the module's memory and aligned for the type (checked above).
      const auto* desc = reinterpret_cast<const ::dyn_module*>(at);
      const auto name_at = reinterpret_cast<std::uint64_t>(desc->name);
      const char* name = reinterpret_cast<const char*>(host_of(m, name_at, 1));
      std::size_t len = 0;
      while (name && len < 32 && host_of(m, name_at + len, 1) && name[len] != '\0') ++len;
      if (!name || len == 0 || len > 31 || !host_of(m, name_at + len, 1))
        return fail_link({LinkErrc::BadDescriptor, 0, 0, 0, 0, 2});
      for (std::size_t i = 0; i < len; ++i)
        if (is_control_byte(name[i])) return fail_link({LinkErrc::BadDescriptor, 0, 0, 0, 0, 2});
      // Every function pointer the kernel will call must point into the
      // module's own code; the state it asks for must be one a task can have.
      auto in_code = [&](std::uint64_t fn) { return fn >= m.code.address && fn < m.code.address + m.code.size; };
      const auto entry = reinterpret_cast<std::uint64_t>(desc->entry);
      if (entry && !in_code(entry)) return fail_link({LinkErrc::BadDescriptor, 0, 0, 0, 0, 3});
      const auto checkpoint = reinterpret_cast<std::uint64_t>(desc->checkpoint);
      const auto restore = reinterpret_cast<std::uint64_t>(desc->restore);
      if ((checkpoint && !in_code(checkpoint)) || (restore && !in_code(restore)))
        return fail_link({LinkErrc::BadDescriptor, 0, 0, 0, 0, 4});
      if (desc->state_size > kMaxStateSize) return fail_link({LinkErrc::BadDescriptor, 0, 0, 0, 0, 5});
      m.descriptor = desc;
    }
  } else if (o.require_descriptor) {
    return fail_link({LinkErrc::NotAModule, 0, 0, 0, 0, 0});
  }

  // --- 10. seal, commit --------------------------------------------------------
  // Constructors are recorded, not run: they are module code, and run in the
  // module's own task context (run_constructors), never in the loader's.
  if (!memory_.seal_code(m.code)) return fail_link({LinkErrc::OutOfMemory, 0, 0, 0, 0, m.code.size});
  for (std::uint32_t kind : {elf::kShtPreinitArray, elf::kShtInitArray}) {
    for (std::size_t i = 0; i < nsec; ++i) {
      const ElfSection s = v.section(i);
      if (s.type != kind || !scratch.sections[i].region || s.size < ptr) continue;
      if (m.init_sections == std::size(m.init))
        return fail_link(LinkError{LinkErrc::UnsupportedSection, static_cast<std::uint32_t>(i), 0, 0, s.type, 0});
      m.init[m.init_sections++] = {regions[scratch.sections[i].region]->address + scratch.sections[i].offset,
                                   static_cast<std::size_t>(s.size / ptr)};
    }
  }
  for (std::size_t i = 0; i < nsec; ++i) {
    const ElfSection s = v.section(i);
    if (s.type == elf::kShtFiniArray && scratch.sections[i].region) m.fini_functions += static_cast<std::size_t>(s.size / ptr);
  }
  m.constructed = m.init_sections == 0;
  for (std::size_t d = 0; d < m.dep_count; ++d) ++m.deps[d]->dependents;
  out = m;
  return {};
}

void ModuleLoader::for_each_constructor(const LoadedModule& m, void (*call)(std::uintptr_t, void*), void* context) noexcept {
  if (!runs_here(m)) return;
  for (std::size_t a = 0; a < m.init_sections; ++a) {
    const std::byte* at = host_of(m, m.init[a].address, m.init[a].count * sizeof(void*));
    for (std::size_t k = 0; at && k < m.init[a].count; ++k) {
      std::uint64_t fn = 0;
      std::memcpy(&fn, at + k * sizeof(void*), sizeof(void*));
      if (fn == 0 || fn == ~std::uint64_t{0}) continue;  // sentinels some toolchains leave
      // A pointer the loader relocated; if it is wild, the fault is the
      // module's own and is contained like any other of its faults.
      call(static_cast<std::uintptr_t>(fn), context);
    }
  }
}

Result<void, LinkError> ModuleLoader::relink(LoadedModule& importer, LoadedModule& from, LoadedModule& to,
                                             bool dry_run, const char** missing) noexcept {
  // ARM relocations are REL: their addends lived in the patched fields and
  // were consumed by the first link, so they cannot be re-applied.
  if (importer.arch != TargetArch::X86_64)
    return Unexpected{LinkError{LinkErrc::UnsupportedRelocation, 0, 0, 0, 0, 0, 0}};
  const bool uses = [&] {
    for (std::size_t d = 0; d < importer.dep_count; ++d)
      if (importer.deps[d] == &from) return true;
    return false;
  }();
  if (!uses) return {};
  // Two passes: the first computes every new value into scratch bytes (the
  // check), the second writes them; so a relink is all or nothing.
  for (int pass = dry_run ? 0 : -1; pass < 1; ++pass) {
    const bool write = pass == 0 && !dry_run;
    if (write && !memory_.unseal_code(importer.code)) return Unexpected{LinkError{LinkErrc::OutOfMemory}};
    for (ImportRecord& rec : importer.imports) {
      if (rec.owner != &from) continue;
      const char* name = importer.import_names + rec.name;
      const ExportedSymbol* e = find_symbol(to.exports, name);
      if (!e) {
        if (missing) *missing = name;
        if (write) (void)memory_.seal_code(importer.code);
        return Unexpected{LinkError{LinkErrc::ExportGone, 0, 0, rec.name, rec.type, 0, 0}};
      }
      const RelocationNeeds needs = needs_for(importer.arch, rec.type);
      std::byte* place = host_of(importer, rec.place, needs.width);
      std::byte scratch[8] = {};
      if (!place || needs.width > sizeof scratch) return Unexpected{LinkError{LinkErrc::PlaceOutsideSection}};
      if (!write) std::memcpy(scratch, place, needs.width);
      if (write && rec.got_index != kNone)
        std::memcpy(host_of(importer, importer.got_base + rec.got_index * 8, 8), &e->address, 8);
      if (write && rec.tramp_index != kNone)
        write_trampoline(importer.arch, host_of(importer, importer.tramp_base + rec.tramp_index * kTrampolineSize, 14),
                         e->address);
      RelocationSite site;
      site.place = write ? place : scratch;
      site.room = needs.width;
      site.P = rec.place;
      site.S = e->address;
      site.A = rec.addend;
      site.rela = rec.rela;
      site.type = rec.type;
      site.got_base = importer.got_base;
      site.got = rec.got_index != kNone ? importer.got_base + rec.got_index * 8 : 0;
      site.trampoline = rec.tramp_index != kNone ? importer.tramp_base + rec.tramp_index * kTrampolineSize : 0;
      if (auto applied = apply_for(importer.arch, site); !applied) {
        if (write) (void)memory_.seal_code(importer.code);
        return Unexpected{applied.error()};
      }
      if (write) rec.owner = &to;
    }
    if (write && !memory_.seal_code(importer.code)) return Unexpected{LinkError{LinkErrc::OutOfMemory}};
  }
  if (dry_run) return {};
  for (std::size_t d = 0; d < importer.dep_count; ++d)
    if (importer.deps[d] == &from) importer.deps[d] = &to;
  --from.dependents;
  ++to.dependents;
  return {};
}

Result<void, LinkError> ModuleLoader::unload(LoadedModule& m) noexcept {
  if (m.dependents) return Unexpected{LinkError{LinkErrc::InUse, 0, 0, 0, 0, m.dependents}};
  for (std::size_t d = 0; d < m.dep_count; ++d) --m.deps[d]->dependents;
  for (Region* r : {&m.code, &m.data, &m.meta})
    if (*r) memory_.release(*r);
  m = LoadedModule{};
  return {};
}

const ExportedSymbol* find_symbol(std::span<const ExportedSymbol> sorted, std::string_view name) noexcept {
  std::size_t lo = 0, hi = sorted.size();
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    const int c = name.compare(sorted[mid].name);
    if (c == 0) return &sorted[mid];
    if (c < 0) hi = mid;
    else lo = mid + 1;
  }
  return nullptr;
}

}  // namespace dyn
