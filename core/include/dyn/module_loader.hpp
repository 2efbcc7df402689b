// module_loader.hpp — Task Alloc + linker: an ELF relocatable object becomes runnable code.
//
// Phases (one explicit sequence, one cleanup path): check the object is for
// this machine → lay out every SHF_ALLOC section (and COMMON symbols) by kind
// and alignment → scan relocations (unsupported types are refused here,
// before anything is allocated) → allocate code, data and bookkeeping regions
// → copy/zero sections → resolve symbols (this module, modules already
// loaded, then the kernel's exports) → build GOT and call trampolines → apply
// relocations → seal code read+execute → publish the module's exports → run
// .preinit_array/.init_array. Any failure releases whatever was allocated and
// leaves every loaded module as it was.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "dyn/elf_view.hpp"
#include "dyn/module_memory.hpp"
#include "dyn/relocation.hpp"
#include "dyn/result.hpp"
#include "dyn/symbol_table.hpp"
#include "dyn/target_arch.hpp"

struct dyn_module;  // sdk/dynsched.h

namespace dyn {
// A byte no module name may hold (the loader refuses it, BadDescriptor):
// a control character, since names are printed in logs, reports and
// terminals, where an escape sequence would drive the operator's screen.
constexpr bool is_control_byte(char c) noexcept {
  return static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) == 0x7F;
}
}  // namespace dyn

namespace dyn {

inline constexpr std::size_t kModuleMaxDependencies = 8;

// Every module defines this symbol (DYN_MODULE); it is the module's own, never
// linked against by another module and never a clash between two.
inline constexpr std::string_view kDescriptorSymbol = "dyn_module_descriptor";
// PIC code refers to its own GOT by this name; the loader builds one per module.
inline constexpr std::string_view kGotSymbol = "_GLOBAL_OFFSET_TABLE_";


// What other modules may link against: a defined global or weak symbol of
// default or protected visibility. Hidden and internal ones (the SDK builds
// with -fvisibility=hidden; DYN_EXPORT marks what is exported) stay the
// module's own, so two modules may each carry a private copy of a library.
// The descriptor is each module's own too: never exported, found by name.
// The loader publishes exactly these; a ground tool that reads an object
// without linking it must apply this same rule, not a copy of it.
[[nodiscard]] bool is_module_export(const ElfSymbol& s) noexcept;

struct LoadedModule;

// A relocation against a symbol another module exports: kept so the module
// can be relinked when that module is replaced by a new version.
struct ImportRecord {
  std::uint64_t place;        // target address of the patched field
  std::int64_t addend;
  std::uint32_t type;
  std::uint32_t name;         // offset of the symbol's name in the module's meta names
  std::uint32_t got_index;    // UINT32_MAX: none
  std::uint32_t tramp_index;  // UINT32_MAX: none
  bool rela;
  LoadedModule* owner;        // the exporting module
};
// Where to look up names this object does not define.
class SymbolResolver {
 public:
  // The module exporting `name` (nullptr if none) and its symbol; `skip`
  // (may be null) is left out of the search: the version being replaced.
  virtual const ExportedSymbol* find(std::string_view name, LoadedModule** owner,
                                     const LoadedModule* skip = nullptr) const noexcept = 0;
  // A name for `m` in messages (the task or library it belongs to); nullptr if unknown.
  virtual const char* name_of(const LoadedModule* m) const noexcept {
    (void)m;
    return nullptr;
  }

 protected:
  ~SymbolResolver() = default;
};

// A module in memory. Invariant: while loaded, its regions are owned by it,
// every module in `deps` counts it among its `dependents`, and `exports`
// (in meta) is sorted by name.
struct LoadedModule {
  Region code, data, meta;
  std::span<const ExportedSymbol> exports;
  LoadedModule* deps[kModuleMaxDependencies] = {};
  std::size_t dep_count = 0;
  std::size_t dependents = 0;
  struct FunctionArray {
    std::uint64_t address;  // where the function pointers are (target address)
    std::size_t count;
  };
  // .preinit_array then .init_array sections, in that order: the module's
  // constructors. The loader never runs them; run_constructors() does, from
  // the context that owns the module (its task, under its watchdog).
  FunctionArray init[4] = {};
  std::size_t init_sections = 0;
  // .fini_array: how many destructors the module has; they are never run (see unload()).
  std::size_t fini_functions = 0;
  bool constructed = false;          // its constructors completed (or it has none)
  bool constructors_failed = false;  // they were stopped (watchdog or fault)
  std::uint64_t descriptor_address = 0;      // 0 for a plain object (no DYN_MODULE)
  const ::dyn_module* descriptor = nullptr;  // read in place only when the code runs here (port::module_arch())
  std::size_t relocations_applied = 0;
  std::size_t got_slots = 0;
  std::size_t trampolines = 0;
  std::span<ImportRecord> imports;   // in meta
  const char* import_names = nullptr;
  std::uint64_t got_base = 0;        // target addresses of the GOT and the trampolines
  std::uint64_t tramp_base = 0;
  TargetArch arch = TargetArch::X86_64;
};

// The most state a module may ask the kernel for (dyn_module::state_size):
// far above any flight module, far below what would exhaust the module RAM.
inline constexpr std::uint32_t kMaxStateSize = 16u << 20;

struct LoadOptions {
  TargetArch arch = TargetArch::X86_64;
  bool require_descriptor = false;  // refuse objects without dyn_module_descriptor
  // Live update: the version this object replaces. Its exports are neither
  // linked against nor counted as clashes.
  const LoadedModule* replacing = nullptr;
};

// Scratch the loader needs per symbol and per section; the caller hands it
// in (no heap), sized view.symbol_count() and view.section_count().
struct SymbolSlot {
  std::uint64_t address;
  std::uint32_t got_index;    // UINT32_MAX: none
  std::uint32_t tramp_index;  // UINT32_MAX: none
  bool loaded;                // defined in a section that is loaded (or ABS/COMMON/imported)
  LoadedModule* owner;        // the module an imported symbol comes from, or nullptr
  std::uint32_t name;         // offset of its name in the import names, UINT32_MAX: not recorded
};
struct SectionSlot {
  std::uint8_t region;        // 0 not loaded, 1 code, 2 data
  std::uint64_t offset;       // within its region
};
struct LoaderScratch {
  std::span<SymbolSlot> symbols;
  std::span<SectionSlot> sections;
};

struct LoadError {
  enum class Phase : std::uint8_t { Elf, Link } phase;
  ElfError elf;
  LinkError link;
};

class ModuleLoader {
 public:
  ModuleLoader(ModuleMemory& memory, const SymbolResolver& resolver) noexcept
      : memory_(memory), resolver_(resolver) {}

  // Loads `view` into `out` (which must be empty).
  [[nodiscard]] Result<void, LoadError> load(const ElfView& view, const LoadOptions& options,
                                             LoaderScratch scratch, LoadedModule& out) noexcept;
  // Returns every region. Refused while other modules depend on it. The
  // module's static destructors (.fini_array) are not run: every byte it
  // owns is reclaimed by the runtime anyway, and running them here would be
  // module code outside any task and its watchdog (docs/modules.md).
  [[nodiscard]] Result<void, LinkError> unload(LoadedModule& m) noexcept;
  // Runs the module's constructors (.preinit_array, then .init_array) in the
  // calling context, which must be the module's own (its task's): a
  // constructor that hangs or faults is then stopped like any module code.
  // Only for code that runs here (host addresses equal target addresses).
  // Calls fn(constructor, context) for each of m's constructors, in order
  // (the caller runs them: TaskManager::run_constructors, in the module's domain).
  static void for_each_constructor(const LoadedModule& m, void (*fn)(std::uintptr_t, void*), void* context) noexcept;
  static bool has_constructors(const LoadedModule& m) noexcept { return m.init_sections != 0; }

  // Address of a symbol the module exports, or 0.
  static std::uint64_t exported(const LoadedModule& m, std::string_view name) noexcept;

  // Points `importer`'s references to `from`'s exports at the same names in
  // `to` (a new version of `from`): GOT slots, trampolines and patched
  // fields, all or nothing; the dependency moves from `from` to `to`. With
  // `dry_run` nothing is written: it only checks every name still exists and
  // every value still fits. On failure `*missing` (if given) is the import
  // whose name `to` lacks.
  [[nodiscard]] Result<void, LinkError> relink(LoadedModule& importer, LoadedModule& from, LoadedModule& to,
                                               bool dry_run, const char** missing = nullptr) noexcept;

 private:
  ModuleMemory& memory_;
  const SymbolResolver& resolver_;
};

}  // namespace dyn
