// boot.cpp — whose store this is, decided before anything boots from it.
#include "dyn/boot.hpp"

#include <optional>

#include "dyn/log_line.hpp"
#include "dynsched.h"

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
  // The anti-replay counter starts here, at 0, before the identity: a store
  // with an identity therefore has a counter, and one without has lost it
  // and takes no package (a missing counter must not read as "no package
  // yet", or any old package could be replayed). A cut before the identity
  // leaves a store that is not taken, and is initialised again.
  if (auto w = store.set_accepted_sequence(0); !w) return failed(w.error());
  if (auto w = store.set_identity(ours); !w) return failed(w.error());
  c.verdict = StoreVerdict::Initialised;
  c.found = ours;
  return c;
}

// ---------------------------------------------------------------------------
// One module task

namespace {

constexpr std::size_t kMaxVersionsTried = 8;

ModuleVersion version_of(std::string_view name, std::uint32_t version) noexcept {
  ModuleVersion v;
  v.name_length = static_cast<std::uint8_t>(name.size() < kStoreNameMax ? name.size() : kStoreNameMax);
  for (std::size_t i = 0; i < v.name_length; ++i) v.name_bytes[i] = name[i];
  v.version = version;
  return v;
}

// The module an image holds, by loading it into a scratch entry (not started)
// and reading its descriptor; empty name if it does not load.
ModuleVersion module_in(TaskManager& tasks, BootScratch& scratch, std::span<const std::byte> image) noexcept {
  auto staged = tasks.stage(image, "~boot", scratch.for_image(image), nullptr);
  if (!staged) return {};
  const ::dyn_module& d = *staged.value()->module.descriptor;
  const ModuleVersion v = version_of(d.name, d.version);
  tasks.discard(*staged.value());
  return v;
}

// Records `v` as the task's committed version: its image (if not stored yet,
// atomic: its manifest is written last), then the slot (one atomic record).
// A power cut between the two leaves a whole image the next boot can fall back to.
bool journal_committed(ModuleStore& store, std::string_view task, const ModuleVersion& v,
                       std::span<const std::byte> image) noexcept {
  if (!image.empty()) {  // empty: a version the store holds (it just read back whole)
    auto put = store.put_image(v.name(), v.version, image);
    if (!put && put.error().code != StoreErrc::AlreadyExists) return false;
  }
  return static_cast<bool>(store.set_committed(task, v.name(), v.version));
}

// The versions to try after the committed one `c`: first the older ones,
// newest first (committed once: updates move up), then the newer ones, oldest
// first (their update never committed: a power cut left the image behind).
std::size_t fallback_order(ModuleStore& store, const ModuleVersion& c, std::uint32_t (&out)[kMaxVersionsTried]) noexcept {
  std::uint32_t held[kMaxVersionsTried];
  auto n = store.versions(c.name(), held);
  const std::size_t count = n ? (n.value() < kMaxVersionsTried ? n.value() : kMaxVersionsTried) : 0;
  std::size_t k = 0;
  for (std::size_t i = 0; i < count; ++i)
    if (held[i] < c.version) out[k++] = held[i];
  for (std::size_t i = count; i-- > 0;)
    if (held[i] > c.version) out[k++] = held[i];
  return k;
}

// A version that did not load because the system is short of something
// every version needs (memory, the loader's scratch, a register entry, a
// task slot): no fault of that version.
bool short_of_resources(const InstallError& e, const BootScratch& scratch) noexcept {
  switch (e.stage) {
    case InstallError::Stage::Memory: return true;
    case InstallError::Stage::Register: return e.reg == RegisterErrc::Full;
    case InstallError::Stage::Task: return e.task.code == TaskErrc::TableFull;
    default: return scratch.short_of_memory();
  }
}

}  // namespace

Result<ModuleBootReport, ModuleBootError> boot_module_task(TaskManager& tasks, ModuleStore* store,
                                                           const ModuleBootRequest& r) noexcept {
  Kernel& k = tasks.kernel();
  ModuleBootReport report;
  auto install = [&](std::span<const std::byte> image) { return tasks.install(image, r.spec, r.scratch->for_image(image)); };
  auto say = [&](const LogLine& line) { k.log_system(2, line.c_str()); };

  if (!store) {
    auto e = install(r.mission_image);
    if (!e) return Unexpected{ModuleBootError{ModuleBootErrc::MissionImage, e.error()}};
    report.entry = e.value();
    report.booted = version_of(e.value()->module.descriptor->name, e.value()->module.descriptor->version);
    report.image = r.mission_image;
    return report;
  }

  // A store that fails when its answer is needed (a flash that stops
  // answering) does not stop the task: it boots the mission's image, loudly,
  // and nothing is recorded.
  auto committed = store->committed(r.task);
  if (!committed && committed.error().code != StoreErrc::NotFound) {
    auto e = install(r.mission_image);
    if (!e) return Unexpected{ModuleBootError{ModuleBootErrc::MissionImage, e.error()}};
    report.entry = e.value();
    report.booted = version_of(e.value()->module.descriptor->name, e.value()->module.descriptor->version);
    report.from = BootFrom::MissionImage;
    report.image = r.mission_image;
    report.store_failed = true;
    report.journal_failed = true;
    LogLine line;
    line << "boot: " << r.task << ": the store cannot be read (" << describe(committed.error().code)
         << "): booting the mission's " << report.booted.name() << " v" << report.booted.version << ", not recorded";
    say(line);
    return report;
  }

  // 1. An interrupted update: drop its trial, as its rollback would have —
  // but its image only if the committed version reads back whole. A slot
  // that says "committed v1, trial v2" may be an older record that a
  // damaged newer one ("committed v2") let win, with v1 long removed: then
  // v2 is the version to boot, and removing it would lose the committed
  // version and its state for good (found by a review: one flipped bit).
  if (auto trial = store->trial(r.task); trial && committed) {
    report.dropped_trial = true;
    report.trial = trial.value();
    const ModuleVersion c = committed.value();
    const bool committed_whole = static_cast<bool>(store->read_image(c.name(), c.version, r.image_buffer));
    if (store->revert(r.task) && !(report.trial == c)) {
      if (committed_whole) {
        (void)store->remove_image(report.trial.name(), report.trial.version);
      } else {
        report.kept_trial = true;
        LogLine line;
        line << "boot: " << r.task << ": an interrupted update to " << report.trial.name() << " v" << report.trial.version
             << " over v" << c.version << ", whose image is gone or damaged: its image is kept, to boot if v"
             << c.version << " cannot";
        say(line);
      }
    }
  }

  // 2-3. The committed version, then the other stored versions of the module, highest first.
  RegisterEntry* entry = nullptr;
  ModuleVersion booted{};
  std::span<const std::byte> booted_image;
  if (committed) {
    const ModuleVersion c = committed.value();
    // What the mission says this task runs (a first deploy needs no comparison).
    const ModuleVersion mission = module_in(tasks, *r.scratch, r.mission_image);
    std::uint32_t candidates[kMaxVersionsTried + 1] = {c.version};
    std::uint32_t others[kMaxVersionsTried];
    const std::size_t n_others = fallback_order(*store, c, others);
    for (std::size_t i = 0; i < n_others; ++i) candidates[1 + i] = others[i];
    std::size_t count = 1 + n_others;
    const bool same_module = mission.name_length == 0 || mission.name() == c.name();
    if (!same_module) {
      LogLine line;
      line << "boot: " << r.task << ": the store's " << c.name() << " v" << c.version << " is not the module the mission runs ("
           << mission.name() << "): booting the mission's";
      say(line);
      count = 0;
    }
    for (std::size_t i = 0; i < count && !entry; ++i) {
      const ModuleVersion v = version_of(c.name(), candidates[i]);
      const char* problem = nullptr;
      std::span<const std::byte> image;
      auto size = store->read_image(v.name(), v.version, r.image_buffer);
      if (!size) {
        problem = size.error().code == StoreErrc::OutputTooSmall ? "is too large for the boot buffer"
                                                                  : "does not read back (damaged on flash)";
      } else {
        image = std::span<const std::byte>(r.image_buffer.data(), size.value());
        auto e = install(image);
        if (!e && short_of_resources(e.error(), *r.scratch)) {
          problem = "cannot be loaded now, for want of memory or slots (not a fault of the version)";
          report.short_of_memory = true;
        } else if (!e) {
          problem = "does not load";
        } else if (std::string_view(e.value()->module.descriptor->name) != v.name() ||
                   e.value()->module.descriptor->version != v.version) {
          problem = "holds another module or version than its name says";
          (void)tasks.uninstall(r.spec.task.name);
        } else {
          entry = e.value();
          booted = v;
          booted_image = image;
        }
      }
      if (problem) {
        ++report.fallbacks;
        LogLine line;
        line << "boot: " << r.task << ": the store's " << v.name() << " v" << v.version << " " << problem
             << (i + 1 < count ? "; trying the next version it holds" : "; booting the mission's image");
        say(line);
      }
    }
    if (entry) {
      report.from = booted == c ? BootFrom::Committed : BootFrom::OtherVersion;
      if (report.from == BootFrom::OtherVersion && report.short_of_memory) {
        LogLine line;  // a passing shortage must not demote the committed version for good
        line << "boot: " << r.task << ": booted " << booted.name() << " v" << booted.version
             << " from the store instead of the committed v" << c.version << "; not recorded (the committed version stays)";
        say(line);
      } else if (report.from == BootFrom::OtherVersion) {
        report.journal_failed = !journal_committed(*store, r.task, booted, {});
        LogLine line;
        line << "boot: " << r.task << ": booted " << booted.name() << " v" << booted.version
             << " from the store instead of the committed v" << c.version << (report.journal_failed ? " (not recorded: the store failed)" : "; recorded as committed");
        say(line);
      }
    }
  }

  // The task's last checkpoint, read once: a lost record is told by it, and
  // the state comes from it.
  std::optional<Result<std::size_t, StoreError>> checkpoint_read;
  auto last_checkpoint = [&]() -> const Result<std::size_t, StoreError>& {
    if (!checkpoint_read) checkpoint_read.emplace(store->last_checkpoint(r.task, r.checkpoint_buffer));
    return *checkpoint_read;
  };

  // 4. The mission's own image.
  if (!entry) {
    auto e = install(r.mission_image);
    if (!e) return Unexpected{ModuleBootError{ModuleBootErrc::MissionImage, e.error()}};
    entry = e.value();
    booted = version_of(entry->module.descriptor->name, entry->module.descriptor->version);
    booted_image = r.mission_image;
    report.from = committed ? BootFrom::MissionImage : BootFrom::FirstDeploy;
    if (!committed) {
      // No record of what the task ran, yet the store holds other versions
      // of its module or a checkpoint of it: the task ran before and its
      // slot record was lost (damaged flash), not a first deploy. Said, and
      // its last checkpoint is handed over (its first run decides whether
      // this version takes it).
      std::uint32_t held[kMaxVersionsTried];
      auto n = store->versions(booted.name(), held);
      bool others = false;
      for (std::size_t i = 0; n && i < n.value() && i < kMaxVersionsTried; ++i) others = others || held[i] != booted.version;
      const auto& cp = last_checkpoint();
      report.slot_lost = others || cp || cp.error().code != StoreErrc::NotFound;
      if (report.slot_lost) {
        LogLine line;
        line << "boot: " << r.task << ": the store has no record of what this task ran, yet holds "
             << (others ? "other versions of " : "a checkpoint of ") << booted.name()
             << ": its record was lost (damaged flash?); booting the mission's v" << booted.version
             << " and recording it";
        say(line);
      }
    }
    if (!report.short_of_memory) report.journal_failed = !journal_committed(*store, r.task, booted, r.mission_image);
    if (report.from == BootFrom::MissionImage) {
      LogLine line;
      line << "boot: " << r.task << ": booted the mission's " << booted.name() << " v" << booted.version
           << (report.short_of_memory  ? "; not recorded (the committed version stays)"
               : report.journal_failed ? " (not recorded: the store failed)"
                                       : "; recorded as committed");
      say(line);
    }
  }
  report.entry = entry;
  report.booted = booted;
  report.image = booted_image;

  // Its state: the last checkpoint, if it reads back (and if this is the version that wrote it, or one
  // whose restore hook takes it: decided in its first run).
  if ((report.from != BootFrom::FirstDeploy || report.slot_lost) && entry->state) {
    const auto& n = last_checkpoint();
    if (n) {
      report.checkpoint = static_cast<bool>(
          tasks.set_boot_checkpoint(*entry, {r.checkpoint_buffer.data(), n.value()}, r.restore_outcome));
    } else if (n.error().code != StoreErrc::NotFound) {
      report.checkpoint_unreadable = true;
      LogLine line;
      line << "boot: " << r.task << ": its last checkpoint does not read back: it starts from a fresh state";
      say(line);
    }
  }
  return report;
}

}  // namespace dyn
