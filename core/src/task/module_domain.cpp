// module_domain.cpp — the checks a module's domain answers (module_domain.hpp).
#include "dyn/module_domain.hpp"

namespace dyn {

namespace {
bool grants(const DomainRegion& r, DomainAccess access) noexcept {
  return access == DomainAccess::Write ? (r.attributes & RegionAttr::Write) != 0
                                       : (r.attributes & (RegionAttr::Read | RegionAttr::Write)) != 0;
}
}  // namespace

bool domain_allows(const ModuleDomain& d, std::uintptr_t address, std::size_t size, DomainAccess access) noexcept {
  if (address + size < address) return false;
  for (std::size_t i = 0; i < d.count; ++i) {
    const DomainRegion& r = d.regions[i];
    if (!grants(r, access) || address < r.base) continue;
    const std::uintptr_t offset = address - r.base;
    if (offset <= r.size && size <= r.size - offset) return true;
  }
  return false;
}

std::size_t domain_readable_run(const ModuleDomain& d, std::uintptr_t address) noexcept {
  for (std::size_t i = 0; i < d.count; ++i) {
    const DomainRegion& r = d.regions[i];
    if (grants(r, DomainAccess::Read) && address >= r.base && address - r.base < r.size) return r.size - (address - r.base);
  }
  return 0;
}

}  // namespace dyn
