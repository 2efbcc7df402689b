// boot.cpp — whose store this is, decided before anything boots from it.
#include "dyn/boot.hpp"

namespace dyn {

const char* describe(StoreVerdict v) noexcept {
  switch (v) {
    case StoreVerdict::Ours: return "the store is this spacecraft's and mission's";
    case StoreVerdict::Initialised: return "the store had no identity and was initialised for this spacecraft and mission";
    case StoreVerdict::Blank:
      return "the store is erased (a new store?): it holds no identity; run once with --store-init to initialise it "
             "for this spacecraft and mission";
    case StoreVerdict::Unrecognised:
      return "the store holds neither store records nor erased flash (wiped, or damaged beyond reading): nothing in "
             "it can be trusted; --store-init erases it and starts a new store for this spacecraft and mission";
    case StoreVerdict::NoIdentity:
      return "the store has records but no identity (written by an older dynsched): --store-init erases it and "
             "starts a new store for this spacecraft and mission";
    case StoreVerdict::Foreign:
      return "the store belongs to another spacecraft or mission: boot it with its own mission file, or move it "
             "away to start a new store (it is never erased by a flag)";
    case StoreVerdict::OtherLayout:
      return "the store was written in a layout this dynsched does not know (a newer version?): use the dynsched "
             "that wrote it";
    case StoreVerdict::Failed: return "the store could not be read";
  }
  return "?";
}

namespace {
StoreCheck failed(const StoreError& e) noexcept {
  StoreCheck c;
  c.verdict = StoreVerdict::Failed;
  c.error = e;
  return c;
}
}  // namespace

StoreCheck check_store(ModuleStore& store, const StoreIdentity& ours, bool may_initialise) noexcept {
  if (auto m = store.mount(); !m) return failed(m.error());
  StoreCheck c;
  if (auto id = store.identity()) {
    c.found = id.value();
    if (c.found.layout != store_format::kLayoutVersion) {
      c.verdict = StoreVerdict::OtherLayout;
    } else if (c.found.spacecraft() != ours.spacecraft() || c.found.mission() != ours.mission()) {
      c.verdict = StoreVerdict::Foreign;
    } else {
      c.verdict = StoreVerdict::Ours;
    }
    return c;
  } else if (id.error().code != StoreErrc::NotFound) {
    if (id.error().code != StoreErrc::Corrupt) return failed(id.error());
    c.verdict = StoreVerdict::Unrecognised;  // an identity record that no longer reads back
  } else {
    const StoreStats s = store.stats();
    c.verdict = s.live_records > 0          ? StoreVerdict::NoIdentity
                : s.unrecognised_blocks > 0 ? StoreVerdict::Unrecognised
                                            : StoreVerdict::Blank;
  }
  if (!may_initialise) return c;
  if (auto f = store.format(); !f) return failed(f.error());
  if (auto w = store.set_identity(ours); !w) return failed(w.error());
  c.verdict = StoreVerdict::Initialised;
  c.found = ours;
  return c;
}

}  // namespace dyn
