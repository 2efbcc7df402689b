// task_register.cpp — names to everything a task owns; nothing leaks on removal.
#include "dyn/task_register.hpp"

#include <cstring>
#include <new>

namespace dyn {

namespace {
int compare_name(std::string_view key, const RegisterEntry& e) noexcept { return key.compare(e.name); }
constexpr std::size_t kHeapHeader = (sizeof(HeapBlock) + 15) & ~std::size_t{15};
}  // namespace

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

void TaskRegister::release_heap(RegisterEntry& e) noexcept {
  while (HeapBlock* b = e.heap.pop_first()) memory_.release(b->region);
  e.heap_bytes = 0;
}

void TaskRegister::remove(RegisterEntry& e) noexcept {
  release_heap(e);
  if (e.stack) memory_.release(e.stack);
  if (e.state) memory_.release(e.state);
  by_name_.erase(e);
  e.stack = e.state = Region{};
  e.used = false;
}

void* TaskRegister::heap_allocate(RegisterEntry& e, std::size_t size) noexcept {
  if (size == 0 || size > (1u << 30)) return nullptr;
  if (e.heap_limit && e.heap_bytes + size > e.heap_limit) return nullptr;
  const Region r = memory_.allocate(RegionKind::Heap, kHeapHeader + size, 16);
  if (!r) return nullptr;
  // Safety: placement new of the header at the start of a fresh, aligned region.
  auto* b = ::new (r.host) HeapBlock();
  b->region = r;
  b->size = size;
  (void)e.heap.insert(*b);  // a fresh address cannot be in the tree already
  e.heap_bytes += size;
  return r.host + kHeapHeader;
}

bool TaskRegister::heap_free(RegisterEntry& e, void* block) noexcept {
  if (!block) return true;
  const auto addr = reinterpret_cast<std::uintptr_t>(block);
  if (addr < kHeapHeader) return false;
  HeapBlock* b = e.heap.find(addr - kHeapHeader);
  if (!b) return false;  // not ours, or already freed: refuse rather than corrupt
  e.heap.erase(*b);
  e.heap_bytes -= b->size;
  memory_.release(b->region);
  return true;
}

void TaskRegister::adopt_heap(RegisterEntry& from, RegisterEntry& to) noexcept {
  while (HeapBlock* b = from.heap.pop_first()) (void)to.heap.insert(*b);
  to.heap_bytes += from.heap_bytes;
  from.heap_bytes = 0;
}

void TaskRegister::rename(RegisterEntry& e, std::string_view name) noexcept {
  by_name_.erase(e);
  std::memset(e.name, 0, sizeof e.name);
  std::memcpy(e.name, name.data(), name.size() < kTaskNameMax ? name.size() : kTaskNameMax);
  by_name_.insert(e);
}

const ExportedSymbol* TaskRegister::find(std::string_view name, LoadedModule** owner,
                                         const LoadedModule* skip) const noexcept {
  if (owner) *owner = nullptr;
  if (name == kDescriptorSymbol) return nullptr;  // each module's own
  for (RegisterEntry* e = by_name_.first(); e; e = by_name_.next(*e)) {
    if (!e->has_module || &e->module == skip) continue;
    if (const ExportedSymbol* s = find_symbol(e->module.exports, name)) {
      if (owner) *owner = &e->module;
      return s;
    }
  }
  if (owner) *owner = nullptr;
  return find_symbol(kernel_exports(), name);
}

}  // namespace dyn
