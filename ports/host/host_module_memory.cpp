// host_module_memory.cpp — mmap/mprotect-backed module regions with statistics.
#include "host_module_memory.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define DYN_UNPOISON(p, n) __asan_unpoison_memory_region(p, n)
#else
#define DYN_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace dyn::host {

namespace {
std::size_t page_size() {
  static const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return page;
}
std::size_t round_up(std::size_t v, std::size_t a) { return (v + a - 1) / a * a; }
bool mapped_kind(RegionKind k) { return k == RegionKind::Code || k == RegionKind::Data || k == RegionKind::Stack; }
}  // namespace

Region HostModuleMemory::allocate(RegionKind kind, std::size_t size, std::size_t align) noexcept {
  if (size == 0 || size > (std::size_t{1} << 30) || align == 0 || (align & (align - 1))) return {};
  Region r;
  r.kind = kind;
  r.size = size;
  if (mapped_kind(kind)) {
    const std::size_t page = page_size();
    if (align > page) return {};  // sections asking for more than a page of alignment are refused
    const std::size_t guard = kind == RegionKind::Stack ? page : 0;
    const std::size_t length = round_up(size, page) + guard;
    // MAP_POPULATE: fault the pages in now, not inside a live update's
    // unavailability window (the new version's state is allocated when the
    // update is staged, written when the task is swapped).
    const int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE | (kind == RegionKind::Stack ? MAP_STACK : MAP_32BIT);
    void* m = mmap(nullptr, length, PROT_READ | PROT_WRITE, flags, -1, 0);
    if (m == MAP_FAILED) return {};
    auto* base = static_cast<std::byte*>(m);
    if (guard) mprotect(base, guard, PROT_NONE);
    r.host = base + guard;
  } else {
    const std::size_t a = align < alignof(std::max_align_t) ? alignof(std::max_align_t) : align;
    void* p = std::aligned_alloc(a, round_up(size, a));
    if (!p) return {};
    std::memset(p, 0, size);
    r.host = static_cast<std::byte*>(p);
  }
  r.address = reinterpret_cast<std::uint64_t>(r.host);
  stats_.bytes[static_cast<std::size_t>(kind)] += size;
  stats_.regions[static_cast<std::size_t>(kind)] += 1;
  return r;
}

void HostModuleMemory::release(const Region& r) noexcept {
  if (!r.host) return;
  stats_.bytes[static_cast<std::size_t>(r.kind)] -= r.size;
  stats_.regions[static_cast<std::size_t>(r.kind)] -= 1;
  if (mapped_kind(r.kind)) {
    const std::size_t page = page_size();
    const std::size_t guard = r.kind == RegionKind::Stack ? page : 0;
    DYN_UNPOISON(r.host, r.size);  // a task stack may carry redzones of abandoned frames
    munmap(r.host - guard, round_up(r.size, page) + guard);
  } else {
    std::free(r.host);
  }
}

bool HostModuleMemory::seal_code(const Region& r) noexcept {
  return mprotect(r.host, round_up(r.size, page_size()), PROT_READ | PROT_EXEC) == 0;
}

}  // namespace dyn::host
