// boot.hpp — booting from the store: the decisions a flight port makes before any task runs.
//
// First, whose store it is. A store records the spacecraft and mission it
// belongs to (StoreIdentity). At boot the store is taken only if it is ours;
// a store that belongs to another spacecraft or mission is refused; a store
// with no identity — erased, wiped (zeros, random bytes), of an older layout,
// or too damaged to read one — is initialised only when the operator said so
// (`may_initialise`), never taken silently: a wiped store taken as a fresh
// one would be a silent rollback to the mission's original images.
//
// Portable core code: no heap, no exceptions; the store is handed in.
#pragma once

#include <cstdint>
#include <string_view>

#include "dyn/module_store.hpp"

namespace dyn {

enum class StoreVerdict : std::uint8_t {
  Ours,          // its identity is this spacecraft's and mission's: boot from it
  Initialised,   // it had no identity and the operator allowed it: erased and given ours
  Blank,         // erased flash, no identity: refused unless initialisation is allowed
  Unrecognised,  // no identity, and content that is neither a store nor erased (wiped, damaged): refused unless allowed
  NoIdentity,    // a store with records but no identity (an older layout): refused unless allowed
  Foreign,       // another spacecraft's or mission's store: always refused
  OtherLayout,   // a newer or unknown store layout: always refused
  Failed,        // the store could not be mounted, read or initialised: `error` says why
};

// What the verdict means for the operator, with the fix.
const char* describe(StoreVerdict v) noexcept;

struct StoreCheck {
  StoreVerdict verdict = StoreVerdict::Failed;
  StoreIdentity found;   // Ours, Foreign, OtherLayout: the identity on the store
  StoreError error{};    // Failed
  bool boots() const noexcept { return verdict == StoreVerdict::Ours || verdict == StoreVerdict::Initialised; }
};

// Mounts `store` and decides whether this spacecraft may boot from it.
// Writes only for Initialised (format, then the identity record).
[[nodiscard]] StoreCheck check_store(ModuleStore& store, const StoreIdentity& ours, bool may_initialise) noexcept;

}  // namespace dyn
