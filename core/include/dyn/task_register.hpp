// task_register.hpp — seed 000's Task Register: everything a task owns, by name.
//
// Every entry is an item in a red-black tree keyed by the task's name and
// owns the task's loaded module (its SHF_ALLOC sections), its stack, its state
// block and every heap block it allocated with dyn_malloc (its TaskHeap: a
// splay tree of out-of-band records keyed by address, so recently used blocks
// are found fastest). Releasing an entry
// returns all of it, whatever the module forgot to free. Entries come from a
// fixed array handed in (capacity = the task table's, fixed at first deploy).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "dyn/module_loader.hpp"
#include "dyn/module_memory.hpp"
#include "dyn/rb_tree.hpp"
#include "dyn/task.hpp"
#include "dyn/module_domain.hpp"
#include "dyn/task_heap.hpp"

namespace dyn {

struct ByNameTag;

// How a module task's first run went: its constructors, then (at boot from
// the store) the restore of its last checkpoint, both in the task's context.
enum class StartStage : std::uint8_t { NotStarted, Constructing, Restoring, Started };
enum class BootRestore : std::uint8_t {
  None,       // no checkpoint was handed in
  Pending,    // the task has not run yet
  Restored,   // the restore hook (or a plain copy) took it
  Refused,    // the hook refused it, or its size did not fit, or it is damaged: the task starts from a zeroed state
  Foreign,    // it was written by another module: the task starts from a zeroed state
  Stopped,    // the hook hung or faulted: stopped, the task starts from a zeroed state
};
const char* to_string(BootRestore r) noexcept;

struct RegisterEntry : RbHook<ByNameTag> {
  // Out of line (task_register.cpp) for the reason Task's is: static entries
  // then sit in .bss instead of costing their defaults' bytes of flash.
  RegisterEntry() noexcept;

  char name[kTaskNameMax + 1] = {};
  bool used = false;
  LoadedModule module;
  bool has_module = false;
  Region stack;                 // the module stack (its code runs on it)
  Region kernel_stack;          // Meta: the task's own stack on a port that isolates modules (port::kernel_stack_bytes)
  Region state;
  ModuleDomain domain;          // what its code may touch (module_domain.hpp), kept by the task manager
  TaskId task;
  TaskHeap heap;                // its dyn_malloc blocks (bookkeeping out of the module's reach)
  // A version in probation: the version it replaces, whose heap blocks its
  // restored state may point at. Its code may reach them (its domain maps
  // their arenas, the kernel's pointer checks accept them) until the update
  // ends: adopted at the commit, out of reach again at a rollback. Set only
  // while that version cannot run (its heap does not change meanwhile).
  RegisterEntry* heap_lender = nullptr;
  std::size_t heap_limit = 0;   // bytes of blocks it may hold at once; 0 = no limit
  StartStage start = StartStage::NotStarted;
  Region boot_checkpoint;       // Meta: a checkpoint object the first run restores, then released
  BootRestore* boot_outcome = nullptr;  // where the first run reports it (caller-owned), or nullptr
  TaskId init_task;             // a library module's constructor job while it exists
};

enum class RegisterErrc : std::uint8_t { Full, NameTaken, NameTooLong, NoSuchEntry };

class TaskRegister final : public SymbolResolver {
 public:
  TaskRegister(std::span<RegisterEntry> storage, ModuleMemory& memory) noexcept
      : storage_(storage), memory_(memory) {}

  // A fresh entry for `name` (unique), or nullptr with *why set.
  RegisterEntry* add(std::string_view name, RegisterErrc* why) noexcept;
  RegisterEntry* find(std::string_view name) noexcept;
  // Returns the stack, state and every heap block; the entry is then free.
  // The module must have been unloaded first (ModuleLoader::unload).
  void remove(RegisterEntry& e) noexcept;
  // Frees every heap block of the entry (e.g. before a restart).
  void release_heap(RegisterEntry& e) noexcept;
  // Returns the entry's arenas that hold no live block (TaskHeap::drop_empty_arenas).
  void trim_heap(RegisterEntry& e) noexcept;

  void* heap_allocate(RegisterEntry& e, std::size_t size) noexcept;
  // NotABlock (and nothing freed) if `block` is not a live block of this
  // entry; Corrupted if it was freed but a guard around it was overwritten.
  HeapFree heap_free(RegisterEntry& e, void* block, std::uintptr_t* breach = nullptr) noexcept;
  // The size the task asked for when it allocated `block`; 0 if `block` is not the start of one of its live blocks.
  std::size_t heap_block_size(RegisterEntry& e, const void* block) noexcept;

  std::size_t size() const noexcept { return by_name_.size(); }
  ModuleMemory& memory() noexcept { return memory_; }

  // SymbolResolver: the kernel's exports first, then the modules'.
  const ExportedSymbol* find(std::string_view name, LoadedModule** owner,
                             const LoadedModule* skip = nullptr) const noexcept override;
  const char* name_of(const LoadedModule* m) const noexcept override;

  // Live update: `to` takes over every heap block of `from` (state carried
  // over may point at them), and an entry changes its name.
  void adopt_heap(RegisterEntry& from, RegisterEntry& to) noexcept;
  void rename(RegisterEntry& e, std::string_view name) noexcept;

  template <typename F>
  void for_each(F&& f) {
    for (RegisterEntry* e = by_name_.first(); e; e = by_name_.next(*e)) f(*e);
  }

 private:
  struct NameOrder {
    bool operator()(const RegisterEntry& a, const RegisterEntry& b) const noexcept;
  };
  std::span<RegisterEntry> storage_;
  ModuleMemory& memory_;
  RbTree<RegisterEntry, ByNameTag, NameOrder> by_name_;
};

}  // namespace dyn
