// module_store.hpp — installed module images, each task's committed/trial
// version and its last checkpoint, kept on flash so that a power cut at any
// write leaves either the state before an operation or the state after it.
//
// The store is a log of records over erase blocks (docs/store.md has the
// byte layout). Nothing is ever rewritten in place: a change appends a new
// record whose sequence number is higher than any before, and the newest
// record of a key wins. A record counts only once its final commit-marker
// granule is on flash (header and data first, marker last), and its header
// and data CRC-32s match, so an interrupted write leaves an invalid record
// that mount() skips. Space is recovered oldest blocks first: their live
// records are copied (unchanged, same sequence number) into a freshly erased
// "collect" block, then a Retire record there declares every block below a
// sequence threshold dead; a collect block counts only once that record does.
// Dead blocks are erased when next used. mount() never writes.
//
// Invariants the code keeps (and the power-cut tests check):
//  - after mount(), every query answers from records that were complete when
//    power went; an operation is visible entirely or not at all;
//  - the committed version of a task always has a complete image on flash:
//    remove_image refuses a version that a task commits or tries;
//  - sequence numbers never wrap: at 0xFFFFFFFE the store refuses to write
//    (SequenceExhausted) instead of starting again at 0;
//  - the store owns no memory: the flash and the index array are handed in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "dyn/flash.hpp"
#include "dyn/result.hpp"

namespace dyn {

// Longest task or module name the store keeps (bytes, no terminator).
inline constexpr std::size_t kStoreNameMax = 32;

// On-flash layout, shared with docs/store.md and the tests that build records by hand.
namespace store_format {
inline constexpr std::uint32_t kBlockMagic = 0x31425344u;   // "DSB1"
inline constexpr std::uint32_t kRecordMagic = 0x31525344u;  // "DSR1"
inline constexpr std::uint32_t kCommitMagic = 0x4B4D4F43u;  // "COMK"
inline constexpr std::uint32_t kBlockHeaderBytes = 32;      // twice {magic, seq, kind, crc}; padded to max(32, write_size)
inline constexpr std::uint32_t kBlockNormal = 0xFFFFFFFFu;  // kind: appended to by ordinary operations
inline constexpr std::uint32_t kBlockCollect = 0x4C4C4F43u; // kind: garbage-collection target; live only once
                                                            // it holds its Retire record
inline constexpr std::uint32_t kRecordHeaderBytes = 64;     // see RecordHeader offsets below
inline constexpr std::uint32_t kMarkerBytes = 8;            // magic, seq; padded to max(8, write_size)
// Record header offsets (little-endian fields).
inline constexpr std::uint32_t kHdrMagic = 0, kHdrType = 4, kHdrNameLen = 5, kHdrSeq = 8, kHdrVersion = 12,
                               kHdrAux = 16, kHdrDataLen = 20, kHdrDataCrc = 24, kHdrName = 28, kHdrCrc = 60;
inline constexpr std::uint32_t kSeqMax = 0xFFFFFFFEu;  // 0xFFFFFFFF reads as erased flash

enum class RecordType : std::uint8_t {
  Chunk = 1,       // name+version+aux(index): part of an image
  Manifest = 2,    // name+version, aux = chunk count; data = {size, crc32} of the whole image
  Tombstone = 3,   // name+version: the image is removed (kills older chunks and manifest)
  Slot = 4,        // name = task; data = committed and trial module versions
  Checkpoint = 5,  // name = task; data = opaque checkpoint bytes
  Retire = 6,      // aux = block sequence threshold: blocks below it are dead
  Identity = 7,    // name = "identity"; data = layout, spacecraft and mission the store belongs to
  Counter = 8,     // name = "sequence" / "sequence.copy"; data = u64 highest accepted update-package number
};
// Of the blocks and records above; an identity names it. Counter (8) came
// without a bump: no existing record changed, and a reader that predates it
// skips it as one damaged record (docs/store.md, "Anti-replay").
inline constexpr std::uint32_t kLayoutVersion = 2;
inline constexpr std::uint8_t kLastRecordType = 8;
}  // namespace store_format

enum class StoreErrc : std::uint8_t {
  Flash,              // a flash operation failed; `flash` says which and where
  BadGeometry,        // flash too small for the store (needs >= 3 blocks of >= 4 records); detail = block size
  NotMounted,         // mount() has not succeeded on this store object
  IndexFull,          // more distinct records than index entries; detail = capacity
  BadName,            // empty or longer than kStoreNameMax; detail = length
  NotFound,           // no such image, task or checkpoint
  AlreadyExists,      // put_image of a name+version already stored whole with the same bytes (nothing written)
  Conflict,           // put_image of a name+version already stored whole with other bytes (versions are immutable)
  InUse,              // remove_image of a version a task commits or tries
  NoTrial,            // commit/revert of a task that has no trial version
  TooLarge,           // checkpoint larger than one record / image larger than 4 GiB; detail = max
  OutputTooSmall,     // detail = bytes needed
  NoSpace,            // live data does not fit even after garbage collection; detail = bytes asked
  SequenceExhausted,  // the next sequence number would wrap; the store is read-only from now on
  Corrupt,            // data on flash fails its CRC or an image misses a chunk; detail = offset
  Stale,              // set_accepted_sequence of a number not above the recorded one; detail = its low 32 bits,
                      // StoreError::sequence = all of it
};

struct StoreError {
  StoreErrc code;
  std::uint32_t detail = 0;
  FlashError flash{};  // meaningful when code == Flash
  std::uint64_t sequence = 0;  // meaningful when code == Stale: the recorded accepted sequence number
};

// Cause and remedy for the user, e.g. for NoSpace: "... remove unused images or compact()".
const char* describe(StoreErrc e) noexcept;

struct ModuleVersion {
  char name_bytes[kStoreNameMax] = {};
  std::uint8_t name_length = 0;
  std::uint32_t version = 0;

  std::string_view name() const noexcept { return {name_bytes, name_length}; }
  friend bool operator==(const ModuleVersion& a, const ModuleVersion& b) noexcept {
    return a.version == b.version && a.name() == b.name();
  }
};

// One index element: where the newest live record of a key is. The caller
// provides an array of these (the store has no heap); it needs one per
// distinct key on flash: per image (chunks + 1), per task (2), plus removed
// images not yet collected (their keys and a tombstone).
struct StoreEntry {
  std::uint32_t offset;     // record start on flash
  std::uint32_t seq;
  std::uint32_t version;
  std::uint32_t aux;
  std::uint32_t data_length;
  std::uint32_t name_hash;  // crc32 of the name; names compare against flash on a match
  store_format::RecordType type;
  std::uint8_t name_length;
};

struct StoreStats {
  std::uint32_t live_records;
  std::uint32_t live_blocks;
  std::uint32_t free_blocks;
  std::uint32_t next_seq;
  std::uint32_t collections;  // blocks reclaimed since construction
  std::uint32_t formatted_blocks;    // at the last mount: blocks with a valid header (live or not)
  std::uint32_t unrecognised_blocks; // at the last mount: blocks neither formatted nor erased (wiped? another format?)
};

// Whom a store belongs to: written once when it is initialised, checked at
// every boot, so a store is never taken for another spacecraft's or mission's.
struct StoreIdentity {
  char spacecraft_bytes[kStoreNameMax] = {};
  std::uint8_t spacecraft_length = 0;
  char mission_bytes[kStoreNameMax] = {};
  std::uint8_t mission_length = 0;
  std::uint32_t layout = store_format::kLayoutVersion;

  std::string_view spacecraft() const noexcept { return {spacecraft_bytes, spacecraft_length}; }
  std::string_view mission() const noexcept { return {mission_bytes, mission_length}; }
  // False if a name is empty or longer than kStoreNameMax.
  [[nodiscard]] static bool make(std::string_view spacecraft, std::string_view mission, StoreIdentity* out) noexcept;
};

class ModuleStore {
 public:
  // Preconditions: `flash` and `index` outlive the store; nothing else writes the flash.
  ModuleStore(Flash& flash, std::span<StoreEntry> index) noexcept;

  // Boot: scan every block, ignore what is torn or retired, take the newest
  // record of each key. Never writes; safe to repeat; a fresh (erased) flash
  // mounts as an empty store.
  [[nodiscard]] Result<void, StoreError> mount() noexcept;

  // Stores a complete image (its manifest last: a cut leaves all or nothing).
  // A version already stored whole is never rewritten: AlreadyExists if it
  // holds these bytes, Conflict if other ones. A stored copy that no longer
  // reads back (damaged) is replaced, so the ground can send it again.
  [[nodiscard]] Result<void, StoreError> put_image(std::string_view name, std::uint32_t version,
                                                   std::span<const std::byte> image) noexcept;
  [[nodiscard]] Result<std::size_t, StoreError> image_size(std::string_view name, std::uint32_t version) noexcept;
  // Copies the image into `out` (checking every chunk and the whole-image CRC); returns its size.
  [[nodiscard]] Result<std::size_t, StoreError> read_image(std::string_view name, std::uint32_t version,
                                                           std::span<std::byte> out) noexcept;
  [[nodiscard]] Result<void, StoreError> remove_image(std::string_view name, std::uint32_t version) noexcept;
  // The versions of module `name` whose manifest is on the store, highest
  // first, into `out`; returns how many there are (more than out.size() if
  // out is too small: only the highest fit). Their chunks are not read.
  [[nodiscard]] Result<std::size_t, StoreError> versions(std::string_view name, std::span<std::uint32_t> out) noexcept;

  // Test → confirm → revert. set_trial needs a complete image of that version.
  [[nodiscard]] Result<void, StoreError> set_trial(std::string_view task, std::string_view name,
                                                   std::uint32_t version) noexcept;
  [[nodiscard]] Result<void, StoreError> commit(std::string_view task) noexcept;
  [[nodiscard]] Result<void, StoreError> revert(std::string_view task) noexcept;
  [[nodiscard]] Result<ModuleVersion, StoreError> committed(std::string_view task) noexcept;
  [[nodiscard]] Result<ModuleVersion, StoreError> trial(std::string_view task) noexcept;
  // Records `version` of `name` (a complete image) as the task's committed
  // version and drops any trial, in one atomic record: what a boot that fell
  // back to another version writes, so a power cut leaves the old slot or the
  // new one, never a trial the next boot would take for an interrupted update.
  [[nodiscard]] Result<void, StoreError> set_committed(std::string_view task, std::string_view name,
                                                       std::uint32_t version) noexcept;

  [[nodiscard]] Result<void, StoreError> put_checkpoint(std::string_view task, std::span<const std::byte> bytes) noexcept;
  // Returns the checkpoint's size.
  [[nodiscard]] Result<std::size_t, StoreError> last_checkpoint(std::string_view task, std::span<std::byte> out) noexcept;

  // The identity recorded by set_identity (NotFound if the store has none).
  [[nodiscard]] Result<StoreIdentity, StoreError> identity() noexcept;
  [[nodiscard]] Result<void, StoreError> set_identity(const StoreIdentity& id) noexcept;
  // Anti-replay (update packages): the highest package sequence number the
  // spacecraft accepted. NotFound if none was ever recorded. Corrupt if it was
  // recorded but neither of its two copies reads back — never NotFound or an
  // older number then, which would let an old package be replayed.
  [[nodiscard]] Result<std::uint64_t, StoreError> accepted_sequence() noexcept;
  // Records `sequence` as accepted before the package is installed (two
  // records; a power cut leaves the old number or the new one). Refused with
  // Stale if `sequence` is not greater than the recorded one, and with Corrupt
  // while the recorded one cannot be read (no number can be shown to be new).
  [[nodiscard]] Result<void, StoreError> set_accepted_sequence(std::uint64_t sequence) noexcept;

  // Erases every block and mounts the empty store (the operator's explicit
  // initialisation; a power cut leaves a partly erased store without identity).
  [[nodiscard]] Result<void, StoreError> format() noexcept;

  // Reclaims every block older than the current head block (done automatically,
  // one block at a time, when an operation would not fit otherwise).
  [[nodiscard]] Result<void, StoreError> compact() noexcept;

  // Largest checkpoint, and the image bytes carried per chunk record.
  std::uint32_t max_record_data() const noexcept;
  StoreStats stats() noexcept;

 private:
  struct Slot;
  struct Key;
  struct Plan;
  struct BlockInfo;
  struct BlockScan;
  enum class Use : std::uint8_t;

  [[nodiscard]] Result<BlockInfo, StoreError> read_block_header(std::uint32_t block) noexcept;
  [[nodiscard]] Result<BlockScan, StoreError> scan_block(std::uint32_t block, bool index_records) noexcept;
  [[nodiscard]] Result<bool, StoreError> block_live(std::uint32_t block, std::uint32_t& seq) noexcept;
  [[nodiscard]] Result<void, StoreError> note_record(const std::byte* header, std::uint32_t offset) noexcept;
  [[nodiscard]] Result<void, StoreError> drop_dead_entries() noexcept;
  [[nodiscard]] Result<StoreIdentity, StoreError> read_identity(std::string_view key) noexcept;
  void note_counter(const std::byte* header, std::uint32_t offset, bool whole, bool marker_whole) noexcept;
  [[nodiscard]] Result<void, StoreError> judge_counter() noexcept;
  [[nodiscard]] Result<std::uint64_t, StoreError> read_counter(const StoreEntry& entry) noexcept;
  [[nodiscard]] Result<bool, StoreError> stored_image_is(const StoreEntry& manifest, std::string_view name,
                                                         std::span<const std::byte> image) noexcept;
  [[nodiscard]] Result<bool, StoreError> region_erased(std::uint32_t from, std::uint32_t to) noexcept;

  std::uint32_t record_size(std::uint64_t data_length) const noexcept;
  std::uint32_t block_capacity() const noexcept { return geometry_.block_size - block_header_; }
  bool plan_fits(const Plan& plan) const noexcept;
  [[nodiscard]] Result<void, StoreError> make_room(const Plan& plan) noexcept;
  [[nodiscard]] Result<void, StoreError> place(std::uint32_t size, Use use) noexcept;
  [[nodiscard]] Result<void, StoreError> open_block(bool collect) noexcept;
  [[nodiscard]] Result<bool, StoreError> collect(std::uint64_t up_to_block_seq) noexcept;

  [[nodiscard]] Result<void, StoreError> append(store_format::RecordType type, std::string_view name,
                                                std::uint32_t version, std::uint32_t aux,
                                                std::span<const std::byte> data, Use use) noexcept;
  [[nodiscard]] Result<void, StoreError> copy_record(StoreEntry& e) noexcept;
  [[nodiscard]] Result<void, StoreError> write(std::uint32_t offset, std::span<const std::byte> bytes) noexcept;
  [[nodiscard]] Result<void, StoreError> read(std::uint32_t offset, std::span<std::byte> out) noexcept;

  [[nodiscard]] Result<StoreEntry*, StoreError> find(const Key& key) noexcept;
  [[nodiscard]] Result<bool, StoreError> name_matches(const StoreEntry& e, std::string_view name) noexcept;
  [[nodiscard]] Result<bool, StoreError> same_image(const StoreEntry& a, const StoreEntry& b) noexcept;
  [[nodiscard]] Result<std::size_t, StoreError> read_data(const StoreEntry& e, std::span<std::byte> out) noexcept;
  [[nodiscard]] Result<Slot, StoreError> read_slot(std::string_view task, bool& exists) noexcept;
  [[nodiscard]] Result<void, StoreError> write_slot(std::string_view task, const Slot& slot) noexcept;
  [[nodiscard]] Result<StoreEntry*, StoreError> find_complete_image(std::string_view name, std::uint32_t version) noexcept;
  [[nodiscard]] Result<void, StoreError> forget_image(std::string_view name, std::uint32_t version) noexcept;

  Flash& flash_;
  FlashGeometry geometry_{};
  std::span<StoreEntry> index_;
  std::size_t count_ = 0;        // entries in use
  std::size_t footprint_ = 0;    // keys a mount() of the flash could need (>= count_)
  bool mounted_ = false;
  std::uint64_t next_seq_ = 0;
  std::uint64_t next_block_seq_ = 0;
  std::uint32_t retire_below_ = 0;   // blocks with a lower sequence number are dead
  std::uint32_t head_block_ = 0;
  std::uint32_t head_seq_ = 0;
  bool has_head_ = false;
  bool head_open_ = false;           // appends may go after cursor_ in the head block
  std::uint32_t cursor_ = 0;         // next free byte in the head block
  std::uint32_t free_blocks_ = 0;     // blocks neither live nor the head: erasable
  std::uint32_t live_blocks_ = 0;
  std::uint32_t collections_ = 0;
  std::uint32_t formatted_blocks_ = 0;
  std::uint32_t unrecognised_blocks_ = 0;
  // The anti-replay counter's damage, found by mount(): the newest Counter
  // record known to have been whole once (a complete marker over bad data, or
  // a copy whose first record must have been whole before it was begun) that
  // does not read back. If no whole copy is newer, the counter is lost
  // (counter_lost_): reads say Corrupt, and collections carry that record
  // forward unchanged so that the loss never turns into an older number.
  bool counter_evidence_ = false;
  std::uint64_t counter_evidence_pair_ = 0;  // record sequence number of the first copy of its pair
  std::uint32_t counter_evidence_offset_ = 0;
  std::uint32_t counter_evidence_seq_ = 0;
  std::uint32_t counter_evidence_length_ = 0;
  bool counter_lost_ = false;
  // Derived from the geometry at construction.
  std::uint32_t block_header_ = 0;
  std::uint32_t marker_ = 0;
};

}  // namespace dyn
