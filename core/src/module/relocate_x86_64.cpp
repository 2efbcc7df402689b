// relocate_x86_64.cpp — x86-64 relocation formulas, range checks and patching.
#include <cstring>

#include "dyn/relocation.hpp"

namespace dyn {

namespace {

enum class Kind : std::uint8_t { None, Abs64, Pc32, Abs32U, Abs32S, Pc64, GotPcRel, GotOff64, GotPc32 };

using Entry = RelocationEntry<Kind>;

constexpr Entry kTable[] = {
#define X(NAME, NUMBER, WIDTH, KIND, GOT, TRAMPOLINE) {#NAME, NUMBER, WIDTH, Kind::KIND, GOT, TRAMPOLINE},
#include "dyn/reloc_x86_64.def"
#undef X
};

const Entry* find(std::uint32_t type) noexcept { return find_relocation(kTable, type); }

bool fits_s32(std::int64_t v) noexcept { return v >= INT32_MIN && v <= INT32_MAX; }
bool fits_u32(std::int64_t v) noexcept { return v >= 0 && v <= static_cast<std::int64_t>(UINT32_MAX); }

// Wrapping arithmetic on addresses: the formulas are defined modulo 2^64.
std::int64_t wrap(std::uint64_t v) noexcept {
  std::int64_t out;
  std::memcpy(&out, &v, sizeof out);
  return out;
}

void put32(std::byte* place, std::int64_t v) noexcept {
  const auto u = static_cast<std::uint32_t>(static_cast<std::uint64_t>(v));
  std::memcpy(place, &u, 4);
}
void put64(std::byte* place, std::int64_t v) noexcept {
  const auto u = static_cast<std::uint64_t>(v);
  std::memcpy(place, &u, 8);
}

// The value of a 32-bit field for symbol address `s`, and whether it fits.
bool value32(Kind kind, std::uint64_t s, const RelocationSite& site, std::int64_t* out) noexcept {
  const std::uint64_t a = static_cast<std::uint64_t>(site.A);
  switch (kind) {
    case Kind::Pc32: *out = wrap(s + a - site.P); return fits_s32(*out);
    case Kind::Abs32U: *out = wrap(s + a); return fits_u32(*out);
    case Kind::Abs32S: *out = wrap(s + a); return fits_s32(*out);
    case Kind::GotPcRel: *out = wrap(site.got + a - site.P); return fits_s32(*out);
    case Kind::GotPc32: *out = wrap(site.got_base + a - site.P); return fits_s32(*out);
    default: return false;
  }
}

}  // namespace

RelocationNeeds relocation_needs_x86_64(std::uint32_t type) noexcept {
  return needs_of(find(type));
}

Result<void, LinkError> apply_relocation_x86_64(const RelocationSite& site) noexcept {
  const Entry* e = find(site.type);
  if (!e) return Unexpected{LinkError{LinkErrc::UnsupportedRelocation, 0, 0, 0, site.type, 0}};
  if (site.room < e->width)
    return Unexpected{LinkError{LinkErrc::PlaceOutsideSection, 0, 0, 0, site.type, site.room}};
  const std::uint64_t a = static_cast<std::uint64_t>(site.A);  // x86-64 uses RELA only
  switch (e->kind) {
    case Kind::None: return {};
    case Kind::Abs64: put64(site.place, wrap(site.S + a)); return {};
    case Kind::Pc64: put64(site.place, wrap(site.S + a - site.P)); return {};
    case Kind::GotOff64: put64(site.place, wrap(site.S + a - site.got_base)); return {};
    default: break;
  }
  std::int64_t v = 0;
  if (!value32(e->kind, site.S, site, &v)) {
    // A call or address of a function too far away: go through its trampoline.
    std::int64_t via = 0;
    if (!(e->trampoline && site.trampoline && value32(e->kind, site.trampoline, site, &via)))
      return Unexpected{LinkError{LinkErrc::RelocationOutOfRange, 0, 0, 0, site.type, static_cast<std::uint64_t>(v)}};
    v = via;
  }
  put32(site.place, v);
  return {};
}

}  // namespace dyn
