// module_report.cpp — load errors in words and `dynsched inspect`.
#include "module_report.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <sstream>

#include "dyn/compiler_helpers.hpp"
#include "dynsched.h"
#include "host_module_memory.hpp"
#include "module_facts_arm.hpp"
#include "update_check.hpp"

namespace dyn::cli {

namespace {

std::string hex(std::uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%" PRIx64, v);
  return b;
}

const char* relocation_name(std::uint16_t machine, std::uint32_t type) {
  return machine == elf::kMachineArm ? relocation_needs_arm(type).name : relocation_needs_x86_64(type).name;
}

std::string symbol_name(const ElfView* v, std::uint32_t index) {
  if (!v || index >= v->symbol_count()) return "#" + std::to_string(index);
  const ElfSymbol s = v->symbol(index);
  if (!s.name.empty()) return "'" + std::string(s.name) + "'";
  if (s.type == elf::kSttSection && s.shndx < v->section_count())
    return "section symbol of " + std::string(v->section(s.shndx).name);
  return "#" + std::to_string(index);
}

std::string section_name(const ElfView* v, std::uint32_t index) {
  if (!v || index >= v->section_count()) return "section " + std::to_string(index);
  return "section " + std::to_string(index) + " (" + std::string(v->section(index).name) + ")";
}

const char* describe_register(RegisterErrc e) {
  switch (e) {
    case RegisterErrc::Full: return "the task register is full (max_tasks, fixed at first deploy)";
    case RegisterErrc::NameTaken: return "a task with this name is already installed";
    case RegisterErrc::NameTooLong: return "task name must be 1..31 bytes";
    case RegisterErrc::NoSuchEntry: return "no task with this name is installed";
  }
  return "?";
}

std::string describe_link(const LinkError& e, const ElfView* v) {
  const std::uint16_t machine = v ? v->machine() : elf::kMachineX86_64;
  std::string where;
  if (v && e.section < v->section_count()) {
    const ElfSection rs = v->section(e.section);
    if (rs.type == elf::kShtRel || rs.type == elf::kShtRela)
      where = " at " + std::string(v->section(rs.info).name) + "+" + hex(e.offset) + " (entry " +
              std::to_string(e.entry) + " of " + std::string(rs.name) + ")";
  }
  switch (e.code) {
    case LinkErrc::UnsupportedRelocation:
      return std::string("unsupported relocation ") + relocation_name(machine, static_cast<std::uint32_t>(e.detail)) +
             " (type " + std::to_string(e.detail) + ") against " + symbol_name(v, e.symbol) + where +
             ": rebuild the module with the SDK's flags (dynsched_add_module)";
    case LinkErrc::RelocationOutOfRange:
      return std::string("relocation ") + relocation_name(machine, static_cast<std::uint32_t>(e.detail)) +
             " against " + symbol_name(v, e.symbol) + where + " is out of range (value " + hex(e.value) +
             "): the target is too far for this instruction; build with -fPIC";
    case LinkErrc::PlaceOutsideSection:
      return std::string("relocation ") + relocation_name(machine, static_cast<std::uint32_t>(e.detail)) + where +
             " patches bytes past the end of its section: the object is corrupt";
    case LinkErrc::UnresolvedSymbol:
      return "unresolved symbol " + symbol_name(v, e.symbol) +
             ": neither the kernel nor an installed module exports it (install the module that exports it first, "
             "or do not call it; the kernel exports the dyn_* API and the C library subset docs/modules.md lists)";
    case LinkErrc::DuplicateExport:
      return "symbol " + symbol_name(v, e.symbol) + " is already exported by " +
             (e.other ? "the installed module " + std::string(e.other) : std::string("an installed module")) +
             ": export only what other modules call (the SDK builds with -fvisibility=hidden; mark exports "
             "DYN_EXPORT), or hide it (static, or __attribute__((visibility(\"hidden\"))))";
    case LinkErrc::BadSymbolValue:
      return "relocation against " + symbol_name(v, e.symbol) + where +
             " cannot use that symbol's value (a section that is not loaded, or a Thumb call to an address "
             "without the Thumb bit): the object is malformed or mixes instruction sets";
    case LinkErrc::MisalignedPlace: return "misaligned relocation" + where;
    case LinkErrc::OutOfMemory: return "not enough module memory (" + std::to_string(e.value) + " bytes asked)";
    case LinkErrc::NotAModule:
      return "the object has no module descriptor: declare one with DYN_MODULE(...) from sdk/dynsched.h";
    case LinkErrc::BadDescriptor:
      return "the module descriptor is malformed (" +
             std::string(e.value == 1   ? "bad magic or ABI version"
                         : e.value == 2 ? "name missing, longer than 31 bytes, or with a control character"
                         : e.value == 3 ? "entry outside the module's code"
                         : e.value == 4 ? "checkpoint or restore hook outside the module's code"
                                        : "state_size above 16 MiB") +
             "): rebuild against this SDK";
    case LinkErrc::InUse:
      return std::to_string(e.value) + " installed module(s) import from it: uninstall them first";
    case LinkErrc::NameTaken: return "a module of that name is installed";
    case LinkErrc::TooManyModules: return "too many modules";
    case LinkErrc::TooManyDependencies:
      return "the module imports from more than " + std::to_string(e.value) + " other modules";
    case LinkErrc::UnsupportedSection:
      return section_name(v, e.section) + " is thread-local storage, which modules cannot use";
    case LinkErrc::ScratchTooSmall: return "loader scratch too small";
    case LinkErrc::ExportGone: return "the new version no longer exports a symbol an importing module uses";
    case LinkErrc::RegionTooLarge:
      return std::string("the module's ") + (e.detail == 1 ? "code and read-only data" : "data and bss") +
             " would need " + std::to_string(e.value) + " bytes" +
             (e.section ? " (at " + section_name(v, e.section) + ")" : std::string()) +
             ", more than a module region can hold (1 GiB): shrink its static arrays or allocate with dyn_malloc";
    case LinkErrc::KernelName:
      return "the module defines " + symbol_name(v, e.symbol) +
             ", a name the kernel exports: a module may not replace the kernel's API or its C library routines "
             "(make it static, or drop it and use the kernel's)";
  }
  return "link error";
}

// Inspecting a Cortex-M object on the host: the kernel's functions are
// placed at stand-in Thumb addresses in flash (0x08000001 + 16 i), as they
// would be on the target, so relocations to them are computed for real.
class ArmInspectResolver final : public SymbolResolver {
 public:
  explicit ArmInspectResolver(const TaskRegister& reg) : reg_(reg) {
    std::uint64_t at = 0x0800'0001;
    for (const ExportedSymbol& e : kernel_exports()) {
      stand_ins_.push_back({e.name, at, true});
      at += 16;
    }
    // The compiler's helpers the Cortex-M kernel exports (64-bit division, soft float), and newlib's _ctype_.
    for (const char* name : arm_compiler_helpers()) {
      stand_ins_.push_back({name, at, true});
      at += 16;
    }
    // Glibc's ctype tables are the host's; a Cortex-M kernel has newlib's instead.
    std::erase_if(stand_ins_, [](const ExportedSymbol& e) { return std::strncmp(e.name, "__ctype_", 8) == 0; });
    std::sort(stand_ins_.begin(), stand_ins_.end(),
              [](const ExportedSymbol& a, const ExportedSymbol& b) { return std::strcmp(a.name, b.name) < 0; });
  }
  const ExportedSymbol* find(std::string_view name, LoadedModule** owner,
                             const LoadedModule* skip) const noexcept override {
    if (const ExportedSymbol* s = reg_.find(name, owner, skip); s && owner && *owner) return s;
    if (owner) *owner = nullptr;
    return find_symbol(stand_ins_, name);
  }

 private:
  const TaskRegister& reg_;
  std::vector<ExportedSymbol> stand_ins_;
};

}  // namespace

std::string describe(const InstallError& e, std::span<const std::byte> image) {
  auto view = ElfView::open(image);
  const ElfView* v = view ? &view.value() : nullptr;
  switch (e.stage) {
    case InstallError::Stage::Elf: {
      std::string s = std::string("not a loadable object: ") + dyn::describe(e.elf.code);
      s += " (index " + std::to_string(e.elf.index) + ", value " + hex(e.elf.detail);
      if (e.elf.offset) s += ", " + hex(e.elf.offset);
      return s + ")";
    }
    case InstallError::Stage::Link: return describe_link(e.link, v);
    case InstallError::Stage::Register: return describe_register(e.reg);
    case InstallError::Stage::Task:
      return std::string("cannot start the task: ") + to_string(e.task.code) + " (" + std::to_string(e.task.detail) +
             ")";
    case InstallError::Stage::Memory: return "not enough memory for the task's stack or state";
    case InstallError::Stage::Tables:
      return std::string("the kernel tables cannot describe the task: ") + to_string(e.tables.code) + " (value " +
             std::to_string(e.tables.value) + ")";
  }
  return "install failed";
}

std::string with_entry_name(const std::vector<std::string>& with, std::size_t i) {
  const auto file = [&](std::size_t k) { return std::filesystem::path(with[k]).filename().string(); };
  std::string name = file(i);
  bool repeated = name.empty();
  for (std::size_t k = 0; k < i && !repeated; ++k) repeated = file(k) == name;
  const std::string tag = "#" + std::to_string(i);
  if (repeated || name.size() > kTaskNameMax) name = name.substr(0, kTaskNameMax - tag.size()) + tag;
  return name;
}

void unload_with_modules(TaskRegister& reg, ModuleLoader& loader, const std::vector<std::string>& with) {
  for (std::size_t i = with.size(); i-- > 0;) {
    if (RegisterEntry* e = reg.find(with_entry_name(with, i))) {
      if (e->has_module) (void)loader.unload(e->module);
      reg.remove(*e);
    }
  }
}

int inspect_module(const std::string& path, const std::vector<std::string>& with, std::string* out) {
  std::ostringstream o;
  std::vector<std::byte> image;
  std::string why;
  if (!read_file(path, &image, &why)) {
    *out = why + "\n";
    return 1;
  }
  auto view = ElfView::open(image);
  if (!view) {
    *out = path + ": refused: " + describe(InstallError{InstallError::Stage::Elf, view.error()}, image) + "\n";
    return 1;
  }
  const ElfView& v = view.value();
  const bool arm = v.machine() == elf::kMachineArm;
  o << path << ": ELF" << (v.is64() ? "64" : "32") << " relocatable, " << (arm ? "ARM (Thumb-2)" : "x86-64") << ", "
    << image.size() << " bytes\n\nsections loaded:\n";
  char line[256];
  for (std::size_t i = 0; i < v.section_count(); ++i) {
    const ElfSection s = v.section(i);
    if (!s.alloc()) continue;
    const char* kind = s.write() ? "data" : s.exec() ? "code" : "rodata";
    std::snprintf(line, sizeof line, "  %-28s %-6s %8" PRIu64 " B  align %" PRIu64 "%s\n", std::string(s.name).c_str(),
                  kind, s.size, s.align, s.type == elf::kShtNobits ? "  (zero-filled)" : "");
    o << line;
  }
  // Imports, exports, relocations.
  std::map<std::string, std::size_t> relocs;
  std::size_t unsupported = 0;
  for (std::size_t r = 0; r < v.section_count(); ++r) {
    const ElfSection rs = v.section(r);
    if ((rs.type != elf::kShtRel && rs.type != elf::kShtRela) || !v.section(rs.info).alloc()) continue;
    for (std::size_t j = 0; j < v.relocation_count(r); ++j) {
      const std::uint32_t type = v.relocation(r, j).type;
      const RelocationNeeds n = arm ? relocation_needs_arm(type) : relocation_needs_x86_64(type);
      if (!n.known) ++unsupported;
      ++relocs[n.known ? n.name : "unsupported type " + std::to_string(type)];
    }
  }
  o << "\nrelocations:\n";
  for (const auto& [name, count] : relocs) o << "  " << name << ": " << count << "\n";

  // Link it for real (constructors not run) against the kernel and the --with modules.
  host::HostModuleMemory memory;
  std::vector<RegisterEntry> entries(with.size() + 1);
  TaskRegister reg(entries, memory);
  std::vector<std::vector<std::byte>> images(with.size());
  std::vector<SymbolSlot> syms;
  std::vector<SectionSlot> secs;
  ArmInspectResolver arm_resolver(reg);
  ModuleLoader loader(memory, arm ? static_cast<const SymbolResolver&>(arm_resolver) : reg);
  LoadOptions opts;
  opts.arch = arm ? TargetArch::Arm : TargetArch::X86_64;
  auto load_into = [&](const ElfView& ev, RegisterEntry& e) {
    syms.assign(ev.symbol_count(), SymbolSlot{});
    secs.assign(ev.section_count(), SectionSlot{});
    return loader.load(ev, opts, LoaderScratch{syms, secs}, e.module);
  };
  int status = 0;
  for (std::size_t i = 0; i < with.size(); ++i) {
    std::string err;
    if (!read_file(with[i], &images[i], &err)) {
      o << "--with " << err << "\n";
      status = 1;
      continue;
    }
    auto wv = ElfView::open(images[i]);
    RegisterErrc rwhy{};
    RegisterEntry* e = reg.add(with_entry_name(with, i), &rwhy);
    if (!wv || !e || !load_into(wv.value(), *e)) {
      o << "--with " << with[i] << ": cannot be linked itself\n";
      status = 1;
      if (e) reg.remove(*e);
      continue;
    }
    e->has_module = true;
  }
  // Imports: resolved as the loader resolves them (the GOT is the loader's own; for Cortex-M
  // objects the kernel's functions at their stand-in addresses).
  const SymbolResolver& resolver = arm ? static_cast<const SymbolResolver&>(arm_resolver) : reg;
  std::vector<std::string> unresolved;
  o << "\nimports:\n";
  for (std::size_t i = 1; i < v.symbol_count(); ++i) {
    const ElfSymbol s = v.symbol(i);
    if (s.defined() || s.name.empty()) continue;
    LoadedModule* owner = nullptr;
    const ExportedSymbol* found = s.name == kGotSymbol ? nullptr : resolver.find(s.name, &owner);
    const char* from = s.name == kGotSymbol ? "the loader (the module's own GOT)"
                       : found              ? (owner ? "an installed module (--with)" : "the kernel")
                       : s.bind == elf::kStbWeak ? "nobody (weak: resolves to null)"
                                                 : "NOBODY: the runtime would refuse it";
    if (s.name != kGotSymbol && !found && s.bind != elf::kStbWeak) unresolved.emplace_back(s.name);
    o << "  " << s.name << "  <- " << from << "\n";
  }
  RegisterErrc rwhy{};
  RegisterEntry* self = reg.add("inspected", &rwhy);
  auto linked = load_into(v, *self);
  if (!linked) {
    const LoadError& le = linked.error();
    o << "\nverdict: REFUSED: ";
    if (le.phase == LoadError::Phase::Link && le.link.code == LinkErrc::UnresolvedSymbol && unresolved.size() > 1) {
      o << unresolved.size() << " unresolved symbols:";
      for (const std::string& name : unresolved) o << " " << name;
      o << ": neither the kernel nor an installed module exports them (install the modules that export them "
           "first (--with), or do not call them; docs/modules.md lists the C library subset the kernel exports)\n";
    } else {
      o << describe(InstallError{le.phase == LoadError::Phase::Elf ? InstallError::Stage::Elf : InstallError::Stage::Link,
                                 le.elf, le.link},
                    image)
        << "\n";
    }
    status = 1;
  } else {
    const LoadedModule& m = self->module;
    // Exports: the table the loader published (hidden symbols are the module's own).
    std::size_t own = 0;
    for (std::size_t i = 1; i < v.symbol_count(); ++i) {
      const ElfSymbol s = v.symbol(i);
      if (s.defined() && s.bind != elf::kStbLocal && !s.name.empty() && s.type != elf::kSttSection &&
          s.type != elf::kSttFile && s.name != kDescriptorSymbol &&
          s.visibility != elf::kStvDefault && s.visibility != elf::kStvProtected)
        ++own;
    }
    o << "\nexports:" << (m.exports.empty() ? " none" : "") << "\n";
    for (const ExportedSymbol& e : m.exports) o << "  " << e.name << (e.function ? " (function)" : " (object)") << "\n";
    if (own) o << "  (" << own << " global symbol" << (own == 1 ? " is" : "s are") << " hidden: the module's own, not exported)\n";
    o << "\nmemory on board: " << m.code.size << " B code+rodata (incl. " << m.got_slots << " GOT slots, "
      << m.trampolines << " call trampolines), " << m.data.size << " B data+bss, " << m.meta.size
      << " B link metadata (export table and import records, kept for relinking)\n";
    // The descriptor as the loader read it (host), or from the object's bytes
    // (Cortex-M: its pointers are target addresses).
    ModuleFacts facts;
    bool described = false;
    std::string descriptor_refused;  // why the descriptor read from the bytes is refused
    if (m.descriptor && !arm) {
      const ::dyn_module& d = *m.descriptor;
      facts.name = d.name;
      facts.version = d.version;
      facts.state_size = d.state_size;
      facts.schema = d.state_schema;
      facts.entry = d.entry != nullptr;
      facts.checkpoint = d.checkpoint != nullptr;
      facts.restore = d.restore != nullptr;
      described = true;
    } else if (m.descriptor_address && arm) {
      descriptor_refused = read_module_facts_arm(v, &facts);
      described = descriptor_refused.empty();
    }
    if (described)
      o << "module: " << facts.name << " version " << facts.version << ", state " << facts.state_size
        << " B of schema " << facts.schema << ", " << (facts.entry ? "has an entry (runs as a task)" : "library")
        << ", checkpoint hook " << (facts.checkpoint ? "yes" : "no") << ", restore hook "
        << (facts.restore ? "yes" : "no") << "\n";
    if (!descriptor_refused.empty()) {
      o << "verdict: REFUSED: it links, but " << descriptor_refused << "\n";
      status = 1;
    } else if (!m.descriptor_address) {
      o << "verdict: REFUSED: it links (" << m.relocations_applied
        << " relocations applied), but it has no module descriptor, so the runtime does not install it: "
           "declare one with DYN_MODULE(...) from sdk/dynsched.h (entry NULL for a library)\n";
      status = 1;
    } else {
      if (described && !facts.entry)
        o << "library: no entry, so it does not run as a task; other modules import from it\n";
      o << "verdict: accepted (" << m.relocations_applied << " relocations applied"
        << (unsupported ? ", some unsupported" : "") << ")\n";
    }
    (void)loader.unload(self->module);
  }
  reg.remove(*self);
  unload_with_modules(reg, loader, with);
  *out = o.str();
  return status;
}

}  // namespace dyn::cli
