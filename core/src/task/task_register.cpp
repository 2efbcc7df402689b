// task_register.cpp — names to everything a task owns; nothing leaks on removal.
#include "dyn/task_register.hpp"

#include <cstring>

namespace dyn {

RegisterEntry::RegisterEntry() noexcept = default;

namespace {
int compare_name(std::string_view key, const RegisterEntry& e) noexcept { return key.compare(e.name); }
}  // namespace

const char* to_string(BootRestore r) noexcept {
  switch (r) {
    case BootRestore::None: return "no checkpoint";
    case BootRestore::Pending: return "not run yet";
    case BootRestore::Restored: return "state from its last checkpoint";
    case BootRestore::Refused: return "fresh state (its checkpoint was refused)";
    case BootRestore::Foreign: return "fresh state (its checkpoint was written by another module)";
    case BootRestore::Stopped: return "fresh state (its restore hook was stopped)";
  }
  return "?";
}

bool TaskRegister::NameOrder::operator()(const RegisterEntry& a, const RegisterEntry& b) const noexcept {
  return std::strcmp(a.name, b.name) < 0;
}

RegisterEntry* TaskRegister::add(std::string_view name, RegisterErrc* why) noexcept {
  if (name.empty() || name.size() > kTaskNameMax) {
    *why = RegisterErrc::NameTooLong;
    return nullptr;
  }
  if (find(name)) {
    *why = RegisterErrc::NameTaken;
    return nullptr;
  }
  for (RegisterEntry& e : storage_) {
    if (e.used) continue;
    // Safety: placement new over an unused entry that no tree links.
    e.~RegisterEntry();
    ::new (&e) RegisterEntry();
    std::memcpy(e.name, name.data(), name.size());
    e.used = true;
    by_name_.insert(e);
    return &e;
  }
  *why = RegisterErrc::Full;
  return nullptr;
}

RegisterEntry* TaskRegister::find(std::string_view name) noexcept { return by_name_.find(name, compare_name); }

void TaskRegister::release_heap(RegisterEntry& e) noexcept { e.heap.release_all(memory_); }

void TaskRegister::trim_heap(RegisterEntry& e) noexcept { e.heap.drop_empty_arenas(memory_); }

void TaskRegister::remove(RegisterEntry& e) noexcept {
  release_heap(e);
  if (e.stack) memory_.release(e.stack);
  if (e.kernel_stack) memory_.release(e.kernel_stack);
  if (e.state) memory_.release(e.state);
  if (e.boot_checkpoint) memory_.release(e.boot_checkpoint);
  by_name_.erase(e);
  e.stack = e.kernel_stack = e.state = e.boot_checkpoint = Region{};
  e.domain = ModuleDomain{};
  e.used = false;
}

void* TaskRegister::heap_allocate(RegisterEntry& e, std::size_t size) noexcept {
  if (e.heap_limit && (size > e.heap_limit || e.heap.bytes() > e.heap_limit - size)) return nullptr;
  return e.heap.allocate(memory_, size);
}

std::size_t TaskRegister::heap_block_size(RegisterEntry& e, const void* block) noexcept {
  const HeapBlock* b = e.heap.find(reinterpret_cast<std::uintptr_t>(block));
  return b && b->user == block ? b->size : 0;
}

HeapFree TaskRegister::heap_free(RegisterEntry& e, void* block, std::uintptr_t* breach) noexcept {
  if (!block) return HeapFree::Freed;
  return e.heap.free(memory_, block, breach);
}

void TaskRegister::adopt_heap(RegisterEntry& from, RegisterEntry& to) noexcept { to.heap.adopt(memory_, from.heap); }

void TaskRegister::rename(RegisterEntry& e, std::string_view name) noexcept {
  by_name_.erase(e);
  std::memset(e.name, 0, sizeof e.name);
  std::memcpy(e.name, name.data(), name.size() < kTaskNameMax ? name.size() : kTaskNameMax);
  by_name_.insert(e);
}

const char* TaskRegister::name_of(const LoadedModule* m) const noexcept {
  for (RegisterEntry* e = by_name_.first(); e; e = by_name_.next(*e))
    if (e->has_module && &e->module == m) return e->name;
  return nullptr;
}

const ExportedSymbol* TaskRegister::find(std::string_view name, LoadedModule** owner,
                                         const LoadedModule* skip) const noexcept {
  if (owner) *owner = nullptr;
  if (name == kDescriptorSymbol) return nullptr;  // each module's own
  // The kernel first: its names cannot be taken over (a module defining one
  // is refused at load as well).
  if (const ExportedSymbol* k = find_symbol(kernel_exports(), name)) return k;
  for (RegisterEntry* e = by_name_.first(); e; e = by_name_.next(*e)) {
    if (!e->has_module || &e->module == skip) continue;
    if (const ExportedSymbol* s = find_symbol(e->module.exports, name)) {
      if (owner) *owner = &e->module;
      return s;
    }
  }
  return nullptr;
}

}  // namespace dyn
