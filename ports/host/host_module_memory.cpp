// host_module_memory.cpp — mmap/mprotect-backed module regions with statistics.
#include "host_module_memory.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#if defined(__SANITIZE_ADDRESS__)  // GCC
#define DYN_HOST_MEMORY_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)  // clang
#define DYN_HOST_MEMORY_ASAN 1
#endif
#endif
#if DYN_HOST_MEMORY_ASAN
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
bool mapped_kind(RegionKind k) {
  return k == RegionKind::Code || k == RegionKind::Data || k == RegionKind::Stack || k == RegionKind::Heap;
}
// Smallest power of two >= size and >= one page.
std::size_t mpu_size(std::size_t size, std::size_t page) {
  std::size_t s = page;
  while (s < size) s <<= 1;
  return s;
}
}  // namespace

Region HostModuleMemory::allocate(RegionKind kind, std::size_t size, std::size_t align) noexcept {
  if (size == 0 || size > (std::size_t{1} << 30) || align == 0 || (align & (align - 1))) return {};
  Region r;
  r.kind = kind;
  r.size = size;
  if (kind == RegionKind::Heap) {
    // A heap arena: page-rounded, between two inaccessible guard pages, so a
    // module running off either end of its blocks faults instead of reaching
    // anything else.
    const std::size_t page = page_size();
    const std::size_t length = round_up(size, page) + 2 * page;
    void* m = mmap(nullptr, length, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED) return {};
    r.host = static_cast<std::byte*>(m) + page;
    if (mprotect(r.host, round_up(size, page), PROT_READ | PROT_WRITE) != 0) {
      munmap(m, length);
      return {};
    }
  } else if (mapped_kind(kind)) {
    const std::size_t page = page_size();
    if (align > page) return {};  // sections asking for more than a page of alignment are refused
    // MPU-shaped, as the kernel tables require on the target (ARMv7-M: size a
    // power of two, base aligned to it): the region is mapped at a multiple
    // of its rounded size, so its MPU cover is exactly itself and never
    // overlaps a neighbour. Over-map twice the size, keep the aligned part.
    // An inaccessible guard page follows every region (and precedes a
    // stack): a module running off the end of its code, data or state
    // faults instead of reaching a neighbour.
    const std::size_t shaped = mpu_size(size, page);
    const std::size_t guard = kind == RegionKind::Stack ? page : 0;
    const std::size_t length = 2 * shaped + guard + page;
    // MAP_32BIT for every kind: the kernel tables hold 32-bit addresses, as on the target.
    void* m = mmap(nullptr, length, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_32BIT, -1, 0);
    if (m == MAP_FAILED) return {};
    const auto start = reinterpret_cast<std::uintptr_t>(m);
    const std::uintptr_t aligned = (start + guard + shaped - 1) & ~(shaped - 1);
    const std::uintptr_t end = aligned + shaped + page;  // past the guard after
    if (aligned - guard > start) munmap(m, aligned - guard - start);
    if (end < start + length) munmap(reinterpret_cast<void*>(end), start + length - end);
    r.host = reinterpret_cast<std::byte*>(aligned);
    mprotect(r.host, shaped, PROT_READ | PROT_WRITE);
    // Fault the pages in now, not inside a live update's unavailability
    // window (the new version's state is allocated when the update is
    // staged, written when the task is swapped).
    for (std::size_t off = 0; off < shaped; off += page) r.host[off] = std::byte{0};
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
  if (r.kind == RegionKind::Heap) {
    const std::size_t page = page_size();
    munmap(r.host - page, round_up(r.size, page) + 2 * page);
  } else if (mapped_kind(r.kind)) {
    const std::size_t page = page_size();
    const std::size_t guard = r.kind == RegionKind::Stack ? page : 0;
    DYN_UNPOISON(r.host, r.size);  // a task stack may carry redzones of abandoned frames
    munmap(r.host - guard, mpu_size(r.size, page) + guard + page);
  } else {
    std::free(r.host);
  }
}

bool HostModuleMemory::seal_code(const Region& r) noexcept {
  return mprotect(r.host, mpu_size(r.size, page_size()), PROT_READ | PROT_EXEC) == 0;
}

bool HostModuleMemory::unseal_code(const Region& r) noexcept {
  return mprotect(r.host, mpu_size(r.size, page_size()), PROT_READ | PROT_WRITE) == 0;
}

}  // namespace dyn::host
