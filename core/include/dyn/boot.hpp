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
#include "dyn/task_manager.hpp"

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

// Then, per module task, what runs. The store always boots something:
//   1. an update a power cut interrupted (a trial) is dropped, as its rollback would have;
//   2. the committed version, if its image reads back whole, loads, and is the
//      module the mission says this task runs;
//   3. else the next good version of that module the store holds: the older
//      ones newest first (they were committed once), then newer ones an
//      interrupted update left behind, oldest first;
//   4. else the mission's own image.
// Each fallback is a loud event (a system log line: trace, terminal, log) and
// is journalled: the version that booted becomes the committed one (its image
// if not stored yet, then set_committed: each one atomic record or image, so
// a power cut at any write leaves a store that boots), and the next boot
// starts from it. The task's state comes from its last checkpoint (restored
// in its first run, bound to the module that wrote it); a checkpoint that
// does not read back leaves it fresh, loudly.

// Loader scratch for an image the boot reads (the core has no heap: the port provides it).
class BootScratch {
 public:
  virtual LoaderScratch for_image(std::span<const std::byte> image) noexcept = 0;
  // True if the last for_image() could not have its memory (a passing
  // shortage, not a fault of the image).
  virtual bool short_of_memory() const noexcept { return false; }

 protected:
  ~BootScratch() = default;
};

enum class BootFrom : std::uint8_t {
  Mission,       // no store: the mission's image
  FirstDeploy,   // the store knew no version for the task: the mission's image, recorded as committed
  Committed,     // the store's committed version
  OtherVersion,  // the committed version failed; another version the store holds
  MissionImage,  // every stored version failed: the mission's image, recorded as committed
};

struct ModuleBootRequest {
  std::string_view task;
  ModuleTaskSpec spec;                        // how the mission runs it (name filled in by the caller)
  std::span<const std::byte> mission_image;   // the mission's own image for it
  std::span<std::byte> image_buffer;          // room for one stored image
  std::span<std::byte> checkpoint_buffer;     // room for one stored checkpoint
  BootScratch* scratch = nullptr;
  BootRestore* restore_outcome = nullptr;     // written by the task's first run (see set_boot_checkpoint)
};

struct ModuleBootReport {
  BootFrom from = BootFrom::Mission;
  RegisterEntry* entry = nullptr;
  ModuleVersion booted;                 // what runs
  std::span<const std::byte> image;     // its image: the mission's, or in image_buffer (until that is reused)
  bool dropped_trial = false;           // step 1 happened
  ModuleVersion trial;                  // ...for this version
  bool kept_trial = false;              // ...whose image was kept: the committed one did not read back whole
  bool slot_lost = false;               // no record of the task, yet its module's versions or checkpoint are stored
  std::uint32_t fallbacks = 0;          // stored versions tried and refused before the one that booted
  bool checkpoint = false;              // a checkpoint was handed to its first run
  bool checkpoint_unreadable = false;   // the store's checkpoint did not read back: fresh state
  bool journal_failed = false;          // recording the fallback in the store failed (it boots anyway)
  bool store_failed = false;            // the store could not be read: the mission's image, nothing recorded
  bool short_of_memory = false;         // a version did not load for want of memory or slots: what booted instead is not recorded
};

enum class ModuleBootErrc : std::uint8_t {
  MissionImage,  // even the mission's image cannot be installed: `install` says why
};
struct ModuleBootError {
  ModuleBootErrc code;
  InstallError install{};
};

// Installs one module task from the store (or, with store == nullptr, from
// the mission image) following the rule above.
[[nodiscard]] Result<ModuleBootReport, ModuleBootError> boot_module_task(TaskManager& tasks, ModuleStore* store,
                                                                         const ModuleBootRequest& request) noexcept;

}  // namespace dyn
