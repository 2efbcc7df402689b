// module_store.cpp — the power-fail-safe record log behind ModuleStore
// (module_store.hpp; layout and recovery rule in docs/store.md).
//
// Every change is a sequence of flash operations whose only visible effect is
// the last one: a record is header+data, then its commit marker; a garbage
// collection is a fresh "collect" block filled with copies, then its Retire
// record. mount() treats everything before that last operation as absent.
#include "dyn/module_store.hpp"

#include "dyn/crc32.hpp"
#include "dyn/error_text.hpp"
#include "dyn/sha256.hpp"

#include <cstring>


namespace dyn {

using store_format::RecordType;
namespace fmt = store_format;

namespace {

void put32(std::byte* p, std::uint32_t v) noexcept {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::byte>(v >> (8 * i));
}
std::uint32_t get32(const std::byte* p) noexcept {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(p[i]) << (8 * i);
  return v;
}
std::uint32_t round_up(std::uint32_t v, std::uint32_t granule) noexcept { return (v + granule - 1) / granule * granule; }

std::span<const std::byte> bytes_of(std::string_view s) noexcept {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};  // Safety: chars viewed as bytes, read only
}
std::uint32_t name_hash(std::string_view name) noexcept { return crc32(bytes_of(name)); }
bool valid_name(std::string_view name) noexcept { return !name.empty() && name.size() <= kStoreNameMax; }

Unexpected<StoreError> fail(StoreErrc code, std::uint32_t detail = 0) noexcept {
  return Unexpected{StoreError{code, detail, {}}};
}
Unexpected<StoreError> flash_failed(const FlashError& e) noexcept {
  return Unexpected{StoreError{StoreErrc::Flash, e.offset, e}};
}

bool image_part(RecordType t) noexcept { return t == RecordType::Chunk || t == RecordType::Manifest; }
bool keyed_by_version(RecordType t) noexcept {
  return t == RecordType::Chunk || t == RecordType::Manifest || t == RecordType::Tombstone;
}

constexpr std::size_t kSlotBytes = 76;  // flags, two lengths, pad, two versions, two names
constexpr std::size_t kManifestBytes = 40;  // image size, image crc32, image SHA-256
constexpr std::size_t kCopyChunk = 256;    // multiple of every write granule (<= 64)
constexpr auto kDead = static_cast<RecordType>(0);  // entry marked for removal in drop_dead_entries

}  // namespace

const char* describe(StoreErrc e) noexcept {
  switch (e) {
    case StoreErrc::Flash:
      return DYN_ERROR_TEXT("Flash", "a flash operation failed (see the flash error): after a power loss, mount again");
    case StoreErrc::BadGeometry:
      return DYN_ERROR_TEXT("BadGeometry",
          "flash too small for the store: it needs at least 3 erase blocks, each large enough for a few "
          "records; give the store a bigger partition");
    case StoreErrc::NotMounted:
      return DYN_ERROR_TEXT("NotMounted", "the store is not mounted: call mount() first (and check its result)");
    case StoreErrc::IndexFull:
      return DYN_ERROR_TEXT("IndexFull",
          "more records than index entries: give the store a larger index array, or remove images and compact()");
    case StoreErrc::BadName:
      return DYN_ERROR_TEXT("BadName", "task or module name empty or longer than 32 bytes: shorten it");
    case StoreErrc::NotFound: return DYN_ERROR_TEXT("NotFound", "no such image, task or checkpoint in the store");
    case StoreErrc::AlreadyExists:
      return DYN_ERROR_TEXT("AlreadyExists", "this module version is already stored, with these very bytes");
    case StoreErrc::Conflict:
      return DYN_ERROR_TEXT("Conflict",
          "this module version is already stored with other bytes and versions are immutable: give the new "
          "build a new version number");
    case StoreErrc::InUse:
      return DYN_ERROR_TEXT("InUse",
          "this version is committed or on trial for a task: commit or revert the task to another version first");
    case StoreErrc::NoTrial:
      return DYN_ERROR_TEXT("NoTrial", "the task has no trial version: set_trial() before commit() or revert()");
    case StoreErrc::TooLarge:
      return DYN_ERROR_TEXT("TooLarge",
          "the data is larger than the store can hold in one record (detail is the limit)");
    case StoreErrc::OutputTooSmall:
      return DYN_ERROR_TEXT("OutputTooSmall", "the output buffer is too small (detail is the size needed)");
    case StoreErrc::NoSpace:
      return DYN_ERROR_TEXT("NoSpace",
          "the store is full of live data even after garbage collection: remove unused images");
    case StoreErrc::SequenceExhausted:
      return DYN_ERROR_TEXT("SequenceExhausted",
          "the store's sequence numbers are used up; it refuses to wrap (a wrapped number would roll the "
          "state back): reformat the partition on the ground's command");
    case StoreErrc::Corrupt:
      return DYN_ERROR_TEXT("Corrupt",
          "stored data fails its CRC or an image misses a chunk: the flash is failing; upload the image again");
    case StoreErrc::Stale:
      return DYN_ERROR_TEXT("Stale",
          "this update package's sequence number is not above the highest one accepted (a replay or an old "
          "package): the ground numbers a new package above it (the recorded number is in the error)");
  }
  return "unknown store error";
}

// What the store needs to know about one key: records of the same key replace each other.
struct ModuleStore::Key {
  RecordType type;
  std::string_view name;
  std::uint32_t version;
  std::uint32_t aux;  // chunk index (Chunk only)
};

struct ModuleStore::Slot {
  bool has_committed = false;
  ModuleVersion committed;
  bool has_trial = false;
  ModuleVersion trial;
};

// Records an operation is about to append: `repeat` records of `repeat_size`,
// then one of `last_size` and one of `final_size` (0 = none), plus how many
// keys it may add to a future mount's index.
struct ModuleStore::Plan {
  std::uint32_t repeat = 0;
  std::uint32_t repeat_size = 0;
  std::uint32_t last_size = 0;
  std::uint32_t final_size = 0;
  std::uint32_t new_keys = 0;
};

struct ModuleStore::BlockInfo {
  bool valid;
  std::uint32_t seq;
  bool collect;
};

struct ModuleStore::BlockScan {
  std::uint32_t end;           // first byte after the last parsable record
  bool clean;                  // stopped at erased bytes (not at a damaged header)
  bool has_retire;             // holds a complete Retire record
  std::uint32_t retire_below;  // highest threshold among them
  std::uint64_t seq_end;       // 1 + highest sequence number in any intact header (0: none)
};

// Normal appends keep room for a Retire record in their block and leave one
// free block in reserve; garbage collection may use both.
enum class ModuleStore::Use : std::uint8_t { Normal, Collect, Retire };

ModuleStore::ModuleStore(Flash& flash, std::span<StoreEntry> index) noexcept : flash_(flash), index_(index) {}

std::uint32_t ModuleStore::record_size(std::uint64_t data_length) const noexcept {
  return fmt::kRecordHeaderBytes + round_up(static_cast<std::uint32_t>(data_length), geometry_.write_size) + marker_;
}

std::uint32_t ModuleStore::max_record_data() const noexcept {
  const std::uint32_t overhead = block_header_ + 2 * record_size(0);  // this record's header+marker, a Retire
  if (geometry_.block_size <= overhead) return 0;
  return (geometry_.block_size - overhead) / geometry_.write_size * geometry_.write_size;
}

Result<void, StoreError> ModuleStore::read(std::uint32_t offset, std::span<std::byte> out) noexcept {
  if (auto r = flash_.read(offset, out); !r) return flash_failed(r.error());
  return {};
}

Result<void, StoreError> ModuleStore::write(std::uint32_t offset, std::span<const std::byte> bytes) noexcept {
  if (auto r = flash_.write(offset, bytes); !r) {
    // The head may now hold a torn record of unknown length: never append after it.
    head_open_ = false;
    return flash_failed(r.error());
  }
  return {};
}

Result<bool, StoreError> ModuleStore::region_erased(std::uint32_t from, std::uint32_t to) noexcept {
  std::byte buf[64];
  while (from < to) {
    const std::uint32_t n = to - from < sizeof buf ? to - from : static_cast<std::uint32_t>(sizeof buf);
    if (auto r = read(from, {buf, n}); !r) return Unexpected{r.error()};
    for (std::uint32_t i = 0; i < n; ++i)
      if (buf[i] != kFlashErased) return false;
    from += n;
  }
  return true;
}

// ---------------------------------------------------------------------------
// Scanning

Result<ModuleStore::BlockInfo, StoreError> ModuleStore::read_block_header(std::uint32_t block) noexcept {
  std::byte h[fmt::kBlockHeaderBytes];
  if (auto r = read(block * geometry_.block_size, h); !r) return Unexpected{r.error()};
  // Two copies of the same 16 bytes: a flipped bit in one does not lose the block.
  for (const std::byte* c = h; c < h + fmt::kBlockHeaderBytes; c += 16) {
    const std::uint32_t seq = get32(c + 4), kind = get32(c + 8);
    if (get32(c) == fmt::kBlockMagic && seq <= fmt::kSeqMax && (kind == fmt::kBlockNormal || kind == fmt::kBlockCollect) &&
        get32(c + 12) == crc32({c, 12}))
      return BlockInfo{true, seq, kind == fmt::kBlockCollect};
  }
  return BlockInfo{false, get32(h + 4), false};
}

// Walks the records of one block in order. A record counts when its header
// CRC, data CRC and commit marker all check out; a record with an intact
// header but a bad body is skipped by its length; after a damaged header the
// next record is searched for granule by granule (nothing is ever appended
// to that block again).
Result<ModuleStore::BlockScan, StoreError> ModuleStore::scan_block(std::uint32_t block, bool index_records) noexcept {
  const std::uint32_t block_end = (block + 1) * geometry_.block_size;
  std::uint32_t pos = block * geometry_.block_size + block_header_;
  BlockScan s{pos, true, false, 0, 0};
  std::byte h[fmt::kRecordHeaderBytes];
  while (pos + fmt::kRecordHeaderBytes <= block_end) {
    if (auto r = read(pos, h); !r) return Unexpected{r.error()};
    bool erased = true;
    for (std::byte b : h) erased = erased && b == kFlashErased;
    if (erased && s.clean) break;  // the end of what was written (while resynchronising, data may be 0xFF)
    const auto type = static_cast<std::uint8_t>(h[fmt::kHdrType]);
    const auto name_len = static_cast<std::uint8_t>(h[fmt::kHdrNameLen]);
    const std::uint32_t data_len = get32(h + fmt::kHdrDataLen);
    if (get32(h + fmt::kHdrMagic) != fmt::kRecordMagic || get32(h + fmt::kHdrCrc) != crc32({h, fmt::kHdrCrc}) ||
        type < 1 || type > fmt::kLastRecordType || name_len > kStoreNameMax || data_len > geometry_.block_size ||
        record_size(data_len) > block_end - pos) {
      // A damaged header (a flipped bit, a torn write): its length cannot be
      // trusted, so the next record is searched for granule by granule — a
      // bit flip costs that record, not the rest of the block. The block is
      // never appended to again (it is not clean).
      s.clean = false;
      pos += geometry_.write_size;
      continue;
    }
    const std::uint32_t seq = get32(h + fmt::kHdrSeq);
    if (std::uint64_t{seq} + 1 > s.seq_end) s.seq_end = std::uint64_t{seq} + 1;

    // Body: data CRC, then the marker that makes the record count.
    std::uint32_t state = kCrc32Init;
    std::byte buf[64];
    for (std::uint32_t done = 0; done < data_len;) {
      const std::uint32_t n = data_len - done < sizeof buf ? data_len - done : static_cast<std::uint32_t>(sizeof buf);
      if (auto r = read(pos + fmt::kRecordHeaderBytes + done, {buf, n}); !r) return Unexpected{r.error()};
      state = crc32_update(state, {buf, n});
      done += n;
    }
    std::byte marker[fmt::kMarkerBytes];
    const std::uint32_t marker_at = pos + record_size(data_len) - marker_;
    if (auto r = read(marker_at, marker); !r) return Unexpected{r.error()};
    const bool marker_whole = get32(marker) == fmt::kCommitMagic && get32(marker + 4) == seq;
    const bool complete = crc32_final(state) == get32(h + fmt::kHdrDataCrc) && marker_whole;
    if (index_records && static_cast<RecordType>(type) == RecordType::Counter)
      note_counter(h, pos, complete, marker_whole);
    if (complete) {
      if (static_cast<RecordType>(type) == RecordType::Retire) {
        const std::uint32_t below = get32(h + fmt::kHdrAux);
        s.retire_below = s.has_retire && s.retire_below > below ? s.retire_below : below;
        s.has_retire = true;
      } else if (index_records) {
        if (auto r = note_record(h, pos); !r) return Unexpected{r.error()};
      }
    }
    pos += record_size(data_len);
    s.end = pos;
  }
  if (s.clean) s.end = pos;
  return s;
}

// Live: a valid header, not retired, and for a collect block, finished (its Retire record is on flash).
Result<bool, StoreError> ModuleStore::block_live(std::uint32_t block, std::uint32_t& seq) noexcept {
  auto info = read_block_header(block);
  if (!info) return Unexpected{info.error()};
  seq = info->seq;
  if (!info->valid || info->seq < retire_below_) return false;
  if (!info->collect) return true;
  auto scan = scan_block(block, false);
  if (!scan) return Unexpected{scan.error()};
  return scan->has_retire;
}

// Keeps the newest record of each key.
Result<void, StoreError> ModuleStore::note_record(const std::byte* h, std::uint32_t offset) noexcept {
  const auto type = static_cast<RecordType>(h[fmt::kHdrType]);
  const auto name_len = static_cast<std::uint8_t>(h[fmt::kHdrNameLen]);
  const std::string_view name{reinterpret_cast<const char*>(h + fmt::kHdrName), name_len};  // Safety: bytes as chars
  const Key key{type, name, get32(h + fmt::kHdrVersion), get32(h + fmt::kHdrAux)};
  StoreEntry fresh{offset,     get32(h + fmt::kHdrSeq), key.version, key.aux, get32(h + fmt::kHdrDataLen),
                   name_hash(name), type,      name_len};
  auto found = find(key);
  if (!found) return Unexpected{found.error()};
  if (StoreEntry* e = *found) {
    if (fresh.seq > e->seq) *e = fresh;
    return {};
  }
  if (count_ == index_.size()) return fail(StoreErrc::IndexFull, static_cast<std::uint32_t>(index_.size()));
  index_[count_++] = fresh;
  return {};
}

Result<bool, StoreError> ModuleStore::name_matches(const StoreEntry& e, std::string_view name) noexcept {
  if (e.name_length != name.size() || e.name_hash != name_hash(name)) return false;
  char stored[kStoreNameMax];
  if (auto r = read(e.offset + fmt::kHdrName, {reinterpret_cast<std::byte*>(stored), e.name_length}); !r)
    return Unexpected{r.error()};  // Safety: a char array filled as bytes
  return std::string_view{stored, e.name_length} == name;
}

Result<bool, StoreError> ModuleStore::same_image(const StoreEntry& a, const StoreEntry& b) noexcept {
  if (a.version != b.version || a.name_length != b.name_length || a.name_hash != b.name_hash) return false;
  char name[kStoreNameMax];
  if (auto r = read(a.offset + fmt::kHdrName, {reinterpret_cast<std::byte*>(name), a.name_length}); !r)
    return Unexpected{r.error()};  // Safety: a char array filled as bytes
  return name_matches(b, {name, a.name_length});
}

Result<StoreEntry*, StoreError> ModuleStore::find(const Key& key) noexcept {
  const std::uint32_t hash = name_hash(key.name);
  for (std::size_t i = 0; i < count_; ++i) {
    StoreEntry& e = index_[i];
    if (e.type != key.type || e.name_hash != hash || e.name_length != key.name.size()) continue;
    if (keyed_by_version(key.type) && e.version != key.version) continue;
    if (key.type == RecordType::Chunk && e.aux != key.aux) continue;
    auto same = name_matches(e, key.name);
    if (!same) return Unexpected{same.error()};
    if (*same) return &e;
  }
  return static_cast<StoreEntry*>(nullptr);
}

// After a scan: a tombstone removes the older chunks and manifest of its
// image; a chunk without a newer manifest that counts it is left over from an
// interrupted put_image. Neither is live, so neither is copied by a collection.
Result<void, StoreError> ModuleStore::drop_dead_entries() noexcept {
  for (std::size_t t = 0; t < count_; ++t) {
    if (index_[t].type != RecordType::Tombstone) continue;
    for (std::size_t i = 0; i < count_; ++i) {
      if (!image_part(index_[i].type) || index_[i].seq > index_[t].seq) continue;
      auto same = same_image(index_[i], index_[t]);
      if (!same) return Unexpected{same.error()};
      if (*same) index_[i].type = kDead;
    }
  }
  for (std::size_t c = 0; c < count_; ++c) {
    if (index_[c].type != RecordType::Chunk) continue;
    bool owned = false;
    for (std::size_t m = 0; m < count_ && !owned; ++m) {
      const StoreEntry& man = index_[m];
      if (man.type != RecordType::Manifest || man.seq < index_[c].seq || index_[c].aux >= man.aux) continue;
      auto same = same_image(index_[c], man);
      if (!same) return Unexpected{same.error()};
      owned = *same;
    }
    if (!owned) index_[c].type = kDead;
  }
  std::size_t kept = 0;
  for (std::size_t i = 0; i < count_; ++i)
    if (index_[i].type != kDead && index_[i].type != RecordType::Tombstone) index_[kept++] = index_[i];
  count_ = kept;
  return {};
}

Result<void, StoreError> ModuleStore::mount() noexcept {
  mounted_ = false;
  count_ = footprint_ = 0;
  has_head_ = head_open_ = false;
  counter_evidence_ = counter_lost_ = false;
  retire_below_ = 0;
  geometry_ = flash_.geometry();
  if (auto g = check_geometry(geometry_); !g) return fail(StoreErrc::BadGeometry, g.error().detail);
  block_header_ = round_up(fmt::kBlockHeaderBytes, geometry_.write_size);
  marker_ = round_up(fmt::kMarkerBytes, geometry_.write_size);
  if (geometry_.block_count < 3 || max_record_data() < 2 * kSlotBytes)
    return fail(StoreErrc::BadGeometry, geometry_.block_size);

  // Pass 1, over every block that was ever formatted (retired ones too): the
  // highest sequence numbers in use, and the retire threshold.
  std::uint64_t seq_end = 0, block_seq_end = 0;
  formatted_blocks_ = unrecognised_blocks_ = 0;
  for (std::uint32_t b = 0; b < geometry_.block_count; ++b) {
    auto info = read_block_header(b);
    if (!info) return Unexpected{info.error()};
    if (!info->valid) {
      auto erased = region_erased(b * geometry_.block_size, b * geometry_.block_size + block_header_);
      if (!erased) return Unexpected{erased.error()};
      if (!*erased) ++unrecognised_blocks_;
      continue;
    }
    ++formatted_blocks_;
    if (std::uint64_t{info->seq} + 1 > block_seq_end) block_seq_end = std::uint64_t{info->seq} + 1;
    auto scan = scan_block(b, false);
    if (!scan) return Unexpected{scan.error()};
    if (scan->seq_end > seq_end) seq_end = scan->seq_end;
    if (scan->has_retire && scan->retire_below > retire_below_) retire_below_ = scan->retire_below;
  }

  // Pass 2, over live blocks: index the newest record of each key; the live
  // block with the highest sequence number is the head.
  live_blocks_ = 0;
  std::uint32_t head_end = 0;
  bool head_clean = false;
  for (std::uint32_t b = 0; b < geometry_.block_count; ++b) {
    std::uint32_t seq = 0;
    auto live = block_live(b, seq);
    if (!live) return Unexpected{live.error()};
    if (!*live) continue;
    ++live_blocks_;
    auto scan = scan_block(b, true);
    if (!scan) return Unexpected{scan.error()};
    if (!has_head_ || seq > head_seq_) {
      has_head_ = true;
      head_block_ = b;
      head_seq_ = seq;
      head_end = scan->end;
      head_clean = scan->clean;
    }
  }
  free_blocks_ = geometry_.block_count - live_blocks_;
  footprint_ = count_;
  if (auto r = drop_dead_entries(); !r) return r;
  if (auto r = judge_counter(); !r) return r;

  if (has_head_ && head_clean) {
    // Appending is safe only where nothing, not even a half-programmed granule, was written.
    auto erased = region_erased(head_end, (head_block_ + 1) * geometry_.block_size);
    if (!erased) return Unexpected{erased.error()};
    head_open_ = *erased;
    cursor_ = head_end;
  }
  next_seq_ = seq_end;
  next_block_seq_ = block_seq_end > retire_below_ ? block_seq_end : retire_below_;
  mounted_ = true;
  return {};
}

// ---------------------------------------------------------------------------
// Space

bool ModuleStore::plan_fits(const Plan& plan) const noexcept {
  const std::uint32_t reserve = record_size(0);
  bool open = has_head_ && head_open_;
  std::uint32_t room = open ? (head_block_ + 1) * geometry_.block_size - cursor_ : 0;
  std::uint32_t free = free_blocks_;
  auto fits = [&](std::uint32_t size) {
    if (open && room >= size + reserve) {
      room -= size;
      return true;
    }
    if (free < 2) return false;  // the last free block is kept for garbage collection
    --free;
    open = true;
    room = block_capacity() - size;
    return true;
  };
  for (std::uint32_t i = 0; i < plan.repeat; ++i)
    if (!fits(plan.repeat_size)) return false;
  if (plan.last_size != 0 && !fits(plan.last_size)) return false;
  if (plan.final_size != 0 && !fits(plan.final_size)) return false;
  return true;
}

// Collects the oldest blocks until the plan fits (or nothing more can be gained).
Result<void, StoreError> ModuleStore::make_room(const Plan& plan) noexcept {
  if (!mounted_) return fail(StoreErrc::NotMounted);
  if (next_seq_ + plan.repeat + 2 > std::uint64_t{fmt::kSeqMax} + 1) return fail(StoreErrc::SequenceExhausted);
  // Collection drops dead keys, never live ones: if the live ones alone do not fit, say so before writing.
  if (count_ + plan.new_keys > index_.size()) return fail(StoreErrc::IndexFull, static_cast<std::uint32_t>(index_.size()));
  // Nor can it make room beyond what all blocks but the reserve hold: then don't churn the flash trying.
  const std::uint64_t asked = std::uint64_t{plan.repeat} * plan.repeat_size + plan.last_size + plan.final_size;
  std::uint64_t live = 0;
  for (std::size_t i = 0; i < count_; ++i) live += record_size(index_[i].data_length);
  const std::uint64_t usable = std::uint64_t{geometry_.block_count - 1} * (block_capacity() - record_size(0));
  if (live + asked > usable) return fail(StoreErrc::NoSpace, asked > 0xFFFFFFFFu ? 0xFFFFFFFFu : static_cast<std::uint32_t>(asked));
  for (std::uint32_t round = 0; round <= geometry_.block_count; ++round) {
    const bool space = plan_fits(plan);
    const bool keys = footprint_ + plan.new_keys <= index_.size();
    if (space && keys) return {};
    auto collected = collect(0xFFFFFFFFull);
    if (!collected) return Unexpected{collected.error()};
    if (!*collected) break;
  }
  if (footprint_ + plan.new_keys > index_.size()) return fail(StoreErrc::IndexFull, static_cast<std::uint32_t>(index_.size()));
  return fail(StoreErrc::NoSpace, asked > 0xFFFFFFFFu ? 0xFFFFFFFFu : static_cast<std::uint32_t>(asked));
}

// Erases a free block and formats it as the new head. The erase happens here,
// just before use, and not when the block was retired: an interrupted erase
// can leave a block that reads as erased but does not hold, and here the
// header written next proves the erase finished.
Result<void, StoreError> ModuleStore::open_block(bool collect_target) noexcept {
  if (next_block_seq_ > fmt::kSeqMax) return fail(StoreErrc::SequenceExhausted);
  const std::uint32_t n = geometry_.block_count;
  const std::uint32_t start = has_head_ ? head_block_ + 1 : 0;
  for (std::uint32_t i = 0; i < n; ++i) {
    const std::uint32_t b = (start + i) % n;
    std::uint32_t seq = 0;
    if (has_head_ && b == head_block_) continue;
    auto live = block_live(b, seq);
    if (!live) return Unexpected{live.error()};
    if (*live) continue;
    if (auto r = flash_.erase(b); !r) return flash_failed(r.error());
    std::byte h[64];
    std::memset(h, 0xFF, sizeof h);
    const auto block_seq = static_cast<std::uint32_t>(next_block_seq_);
    put32(h, fmt::kBlockMagic);
    put32(h + 4, block_seq);
    put32(h + 8, collect_target ? fmt::kBlockCollect : fmt::kBlockNormal);
    put32(h + 12, crc32({h, 12}));
    std::memcpy(h + 16, h, 16);
    if (auto r = flash_.write(b * geometry_.block_size, {h, block_header_}); !r) return flash_failed(r.error());
    ++next_block_seq_;
    --free_blocks_;
    ++live_blocks_;
    has_head_ = head_open_ = true;
    head_block_ = b;
    head_seq_ = block_seq;
    cursor_ = b * geometry_.block_size + block_header_;
    return {};
  }
  return fail(StoreErrc::NoSpace, block_capacity());
}

Result<void, StoreError> ModuleStore::place(std::uint32_t size, Use use) noexcept {
  const std::uint32_t reserve = use == Use::Retire ? 0 : record_size(0);
  if (has_head_ && head_open_ && (head_block_ + 1) * geometry_.block_size - cursor_ >= size + reserve) return {};
  // A collection's copies and Retire record always fit its fresh block (collect() sizes the batch so),
  // and make_room() keeps a normal append from taking the last free block: either failing is a bug.
  if (use != Use::Normal || free_blocks_ < 2) return fail(StoreErrc::NoSpace, size);
  return open_block(false);
}

// Garbage collection: the oldest live blocks (as many as fit, all with block
// sequence <= up_to) have their live records copied, unchanged, into a fresh
// collect block, which then gets a Retire record for them. Until that record
// is complete the collect block does not count, so an interrupted collection
// leaves the old blocks in charge and can simply run again. The index is then
// rebuilt from flash by mount(). Returns false if there was nothing to collect.
Result<bool, StoreError> ModuleStore::collect(std::uint64_t up_to) noexcept {
  std::uint32_t batch[16], batch_seq[16];
  std::uint32_t batch_len = 0, batch_bytes = 0;
  // Candidates are taken in (block sequence, block number) order. Two live
  // blocks can share a block sequence number only on an image the store did
  // not write itself (damaged, then resealed), but the Retire record kills
  // by number, so every live block at or below the threshold must be copied.
  bool have_last = false;
  std::uint32_t last_seq = 0, last_block = 0;
  bool pending = false;  // a live candidate was left out (budget or batch full)
  std::uint32_t pending_seq = 0;
  const std::uint32_t budget = block_capacity() - record_size(0);
  for (;;) {
    // The next live block after (last_seq, last_block) in that order.
    bool found = false;
    std::uint32_t best = 0, best_seq = 0;
    for (std::uint32_t b = 0; b < geometry_.block_count; ++b) {
      // Header first: block_live() may have to scan a collect block, so ask it only about candidates.
      auto info = read_block_header(b);
      if (!info) return Unexpected{info.error()};
      if (!info->valid || info->seq > up_to || (found && info->seq >= best_seq)) continue;
      if (have_last && (info->seq < last_seq || (info->seq == last_seq && b <= last_block))) continue;
      std::uint32_t seq = 0;
      auto live = block_live(b, seq);
      if (!live) return Unexpected{live.error()};
      if (*live) {
        found = true;
        best = b;
        best_seq = seq;
      }
    }
    if (!found) break;
    std::uint32_t bytes = 0;
    for (std::size_t i = 0; i < count_; ++i)
      if (index_[i].offset / geometry_.block_size == best) bytes += record_size(index_[i].data_length);
    if (counter_lost_ && counter_evidence_offset_ / geometry_.block_size == best)
      bytes += record_size(counter_evidence_length_);
    if (batch_len == sizeof batch / sizeof batch[0] || batch_bytes + bytes > budget) {
      pending = true;
      pending_seq = best_seq;
      break;
    }
    batch[batch_len] = best;
    batch_seq[batch_len++] = best_seq;
    batch_bytes += bytes;
    have_last = true;
    last_seq = best_seq;
    last_block = best;
  }
  // A block left out with the same number as the last one taken would be
  // retired uncopied: leave that whole number to a later collection (if
  // it alone does not fit one block, nothing is collected: NoSpace, not loss).
  if (pending && batch_len > 0 && pending_seq == last_seq) {
    while (batch_len > 0 && batch_seq[batch_len - 1] == pending_seq) --batch_len;
    if (batch_len > 0) last_seq = batch_seq[batch_len - 1];
  }
  if (batch_len == 0) return false;
  if (free_blocks_ < 1) return fail(StoreErrc::NoSpace, batch_bytes);
  if (auto r = open_block(true); !r) return Unexpected{r.error()};
  for (std::uint32_t k = 0; k < batch_len; ++k) {
    for (std::size_t i = 0; i < count_; ++i)
      if (index_[i].offset / geometry_.block_size == batch[k])
        if (auto r = copy_record(index_[i]); !r) return Unexpected{r.error()};
    // A lost counter stays lost: the record that proves it goes along, byte for
    // byte (the whole copies alone would read as an older, replayable number).
    if (counter_lost_ && counter_evidence_offset_ / geometry_.block_size == batch[k]) {
      StoreEntry evidence{counter_evidence_offset_, counter_evidence_seq_, 0, 0, counter_evidence_length_, 0,
                          RecordType::Counter, 0};
      if (auto r = copy_record(evidence); !r) return Unexpected{r.error()};
    }
  }
  if (auto r = append(RecordType::Retire, {}, 0, last_seq + 1, {}, Use::Retire); !r) return Unexpected{r.error()};
  collections_ += batch_len;
  if (auto r = mount(); !r) return Unexpected{r.error()};
  return true;
}

Result<void, StoreError> ModuleStore::copy_record(StoreEntry& e) noexcept {
  const std::uint32_t size = record_size(e.data_length);
  if (auto r = place(size, Use::Collect); !r) return r;
  // Header and data first, marker last, as for a new record.
  std::byte buf[kCopyChunk];
  for (std::uint32_t done = 0; done < size - marker_;) {
    const std::uint32_t left = size - marker_ - done;
    const std::uint32_t n = left < kCopyChunk ? left : static_cast<std::uint32_t>(kCopyChunk);
    if (auto r = read(e.offset + done, {buf, n}); !r) return r;
    if (auto r = write(cursor_ + done, {buf, n}); !r) return r;
    done += n;
  }
  if (auto r = read(e.offset + size - marker_, {buf, marker_}); !r) return r;
  if (auto r = write(cursor_ + size - marker_, {buf, marker_}); !r) return r;
  e.offset = cursor_;
  cursor_ += size;
  return {};
}

Result<void, StoreError> ModuleStore::append(RecordType type, std::string_view name, std::uint32_t version,
                                             std::uint32_t aux, std::span<const std::byte> data, Use use) noexcept {
  if (next_seq_ > fmt::kSeqMax) return fail(StoreErrc::SequenceExhausted);
  const std::uint32_t size = record_size(data.size());
  if (auto r = place(size, use); !r) return r;
  const auto seq = static_cast<std::uint32_t>(next_seq_);
  const auto data_len = static_cast<std::uint32_t>(data.size());
  const std::uint32_t at = cursor_, g = geometry_.write_size;

  std::byte h[fmt::kRecordHeaderBytes];
  std::memset(h, 0, sizeof h);
  put32(h + fmt::kHdrMagic, fmt::kRecordMagic);
  h[fmt::kHdrType] = static_cast<std::byte>(type);
  h[fmt::kHdrNameLen] = static_cast<std::byte>(name.size());
  put32(h + fmt::kHdrSeq, seq);
  put32(h + fmt::kHdrVersion, version);
  put32(h + fmt::kHdrAux, aux);
  put32(h + fmt::kHdrDataLen, data_len);
  put32(h + fmt::kHdrDataCrc, crc32(data));
  if (!name.empty()) std::memcpy(h + fmt::kHdrName, name.data(), name.size());
  put32(h + fmt::kHdrCrc, crc32({h, fmt::kHdrCrc}));
  if (auto r = write(at, h); !r) return r;

  const std::uint32_t bulk = data_len / g * g;
  if (bulk != 0)
    if (auto r = write(at + fmt::kRecordHeaderBytes, data.first(bulk)); !r) return r;
  std::byte pad[64];
  if (bulk != data_len) {
    std::memset(pad, 0xFF, g);
    std::memcpy(pad, data.data() + bulk, data_len - bulk);
    if (auto r = write(at + fmt::kRecordHeaderBytes + bulk, {pad, g}); !r) return r;
  }
  std::memset(pad, 0xFF, marker_);
  put32(pad, fmt::kCommitMagic);
  put32(pad + 4, seq);
  if (auto r = write(at + size - marker_, {pad, marker_}); !r) return r;  // the record counts from here
  cursor_ += size;
  ++next_seq_;

  if (type == RecordType::Retire || type == RecordType::Tombstone) {
    if (type == RecordType::Tombstone) ++footprint_;  // mount() sees it until its block is collected
    return {};
  }
  const Key key{type, name, version, aux};
  StoreEntry fresh{at, seq, version, aux, data_len, name_hash(name), type, static_cast<std::uint8_t>(name.size())};
  auto found = find(key);
  if (!found) return Unexpected{found.error()};
  if (StoreEntry* e = *found) {
    *e = fresh;
    return {};
  }
  ++footprint_;
  if (count_ == index_.size()) return fail(StoreErrc::IndexFull, static_cast<std::uint32_t>(index_.size()));
  index_[count_++] = fresh;
  return {};
}

Result<void, StoreError> ModuleStore::compact() noexcept {
  if (!mounted_) return fail(StoreErrc::NotMounted);
  if (!has_head_) return {};
  // Everything up to today's head; blocks written by the collection itself are not collected again.
  const std::uint32_t up_to = head_seq_;
  for (std::uint32_t round = 0; round <= geometry_.block_count; ++round) {
    auto collected = collect(up_to);
    if (!collected) return Unexpected{collected.error()};
    if (!*collected) return {};
  }
  return {};
}

StoreStats ModuleStore::stats() noexcept {
  return StoreStats{static_cast<std::uint32_t>(count_),
                    live_blocks_,
                    free_blocks_,
                    static_cast<std::uint32_t>(next_seq_ > 0xFFFFFFFFu ? 0xFFFFFFFFu : next_seq_),
                    collections_,
                    formatted_blocks_,
                    unrecognised_blocks_};
}

// ---------------------------------------------------------------------------
// Records as values

Result<std::size_t, StoreError> ModuleStore::read_data(const StoreEntry& e, std::span<std::byte> out) noexcept {
  if (out.size() < e.data_length) return fail(StoreErrc::OutputTooSmall, e.data_length);
  std::byte h[fmt::kRecordHeaderBytes];
  if (auto r = read(e.offset, h); !r) return Unexpected{r.error()};
  if (auto r = read(e.offset + fmt::kRecordHeaderBytes, out.first(e.data_length)); !r) return Unexpected{r.error()};
  // Checked again on every read: flash that held at mount can still decay.
  if (get32(h + fmt::kHdrCrc) != crc32({h, fmt::kHdrCrc}) || get32(h + fmt::kHdrDataLen) != e.data_length ||
      crc32(out.first(e.data_length)) != get32(h + fmt::kHdrDataCrc))
    return fail(StoreErrc::Corrupt, e.offset);
  return std::size_t{e.data_length};
}

Result<StoreEntry*, StoreError> ModuleStore::find_complete_image(std::string_view name, std::uint32_t version) noexcept {
  if (!mounted_) return fail(StoreErrc::NotMounted);
  if (!valid_name(name)) return fail(StoreErrc::BadName, static_cast<std::uint32_t>(name.size()));
  auto manifest = find(Key{RecordType::Manifest, name, version, 0});
  if (!manifest) return Unexpected{manifest.error()};
  if (*manifest == nullptr) return fail(StoreErrc::NotFound);
  const std::uint32_t chunks = (*manifest)->aux;
  for (std::uint32_t i = 0; i < chunks; ++i) {
    auto chunk = find(Key{RecordType::Chunk, name, version, i});
    if (!chunk) return Unexpected{chunk.error()};
    if (*chunk == nullptr) return fail(StoreErrc::Corrupt, i);
  }
  return *manifest;
}

Result<void, StoreError> ModuleStore::put_image(std::string_view name, std::uint32_t version,
                                                std::span<const std::byte> image) noexcept {
  if (!mounted_) return fail(StoreErrc::NotMounted);
  if (!valid_name(name)) return fail(StoreErrc::BadName, static_cast<std::uint32_t>(name.size()));
  if (image.size() > 0xFFFFFFFFu) return fail(StoreErrc::TooLarge, 0xFFFFFFFFu);
  auto existing = find(Key{RecordType::Manifest, name, version, 0});
  if (!existing) return Unexpected{existing.error()};
  if (*existing != nullptr) {
    auto same = stored_image_is(**existing, name, image);
    if (same) return fail(same.value() ? StoreErrc::AlreadyExists : StoreErrc::Conflict, version);
    if (same.error().code != StoreErrc::Corrupt) return Unexpected{same.error()};
    // Damaged on flash: a tombstone first (it kills every older part), then the new copy.
    if (auto r = make_room(Plan{0, 0, 0, record_size(0), 1}); !r) return r;
    if (auto r = append(RecordType::Tombstone, name, version, 0, {}, Use::Normal); !r) return r;
    if (auto r = forget_image(name, version); !r) return r;
  }

  const std::uint32_t chunk = max_record_data();
  const auto size = static_cast<std::uint32_t>(image.size());
  const std::uint32_t full = size / chunk, rest = size % chunk;
  const Plan plan{full, record_size(chunk), rest != 0 ? record_size(rest) : 0, record_size(kManifestBytes),
                  full + (rest != 0 ? 1u : 0u) + 1};
  if (auto r = make_room(plan); !r) return r;

  const std::uint32_t count = full + (rest != 0 ? 1u : 0u);
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::size_t at = std::size_t{i} * chunk;
    const std::size_t n = image.size() - at < chunk ? image.size() - at : chunk;
    if (auto r = append(RecordType::Chunk, name, version, i, image.subspan(at, n), Use::Normal); !r) {
      // Chunks without a manifest are dead; drop them now so no collection copies them.
      (void)forget_image(name, version);  // best effort: the original error is the one to report
      return r;
    }
  }
  std::byte manifest[kManifestBytes];
  put32(manifest, size);
  put32(manifest + 4, crc32(image));
  const Sha256Digest digest = Sha256::of(image);
  std::memcpy(manifest + 8, digest.data(), digest.size());
  if (auto r = append(RecordType::Manifest, name, version, count, manifest, Use::Normal); !r) {
    (void)forget_image(name, version);  // best effort, as above
    return r;
  }
  return {};
}

// Whether the stored image behind `manifest` reads back whole (what
// read_image checks: every chunk's CRC, the image's CRC and SHA-256) and holds
// `image`'s bytes; Corrupt if it does not read back. Compared piecewise, with
// no buffer for the stored copy.
Result<bool, StoreError> ModuleStore::stored_image_is(const StoreEntry& manifest, std::string_view name,
                                                      std::span<const std::byte> image) noexcept {
  std::byte m[kManifestBytes];
  if (auto r = read_data(manifest, m); !r) return Unexpected{r.error()};
  const std::uint32_t size = get32(m);
  std::uint32_t whole = kCrc32Init;
  Sha256 digest;
  std::size_t pos = 0;
  bool same = size == image.size();
  for (std::uint32_t i = 0; i < manifest.aux; ++i) {
    auto chunk = find(Key{RecordType::Chunk, name, manifest.version, i});
    if (!chunk) return Unexpected{chunk.error()};
    if (*chunk == nullptr || (*chunk)->data_length > size - pos) return fail(StoreErrc::Corrupt, i);
    const StoreEntry& e = **chunk;
    std::byte h[fmt::kRecordHeaderBytes];
    if (auto r = read(e.offset, h); !r) return Unexpected{r.error()};
    if (get32(h + fmt::kHdrCrc) != crc32({h, fmt::kHdrCrc}) || get32(h + fmt::kHdrDataLen) != e.data_length)
      return fail(StoreErrc::Corrupt, e.offset);
    std::uint32_t record = kCrc32Init;
    std::byte piece[128];
    for (std::uint32_t at = 0; at < e.data_length;) {
      const std::uint32_t n = e.data_length - at < sizeof piece ? e.data_length - at : sizeof piece;
      const std::span<const std::byte> bytes(piece, n);
      if (auto r = read(e.offset + fmt::kRecordHeaderBytes + at, {piece, n}); !r) return Unexpected{r.error()};
      record = crc32_update(record, bytes);
      whole = crc32_update(whole, bytes);
      digest.update(bytes);
      if (same && (pos + n > image.size() || std::memcmp(piece, image.data() + pos, n) != 0)) same = false;
      at += n;
      pos += n;
    }
    if (crc32_final(record) != get32(h + fmt::kHdrDataCrc)) return fail(StoreErrc::Corrupt, e.offset);
  }
  const Sha256Digest got = digest.finish();
  if (pos != size || crc32_final(whole) != get32(m + 4) || std::memcmp(got.data(), m + 8, got.size()) != 0)
    return fail(StoreErrc::Corrupt, manifest.offset);
  return same;
}

Result<std::size_t, StoreError> ModuleStore::image_size(std::string_view name, std::uint32_t version) noexcept {
  auto manifest = find_complete_image(name, version);
  if (!manifest) return Unexpected{manifest.error()};
  std::byte m[kManifestBytes];
  if (auto r = read_data(**manifest, m); !r) return Unexpected{r.error()};
  return std::size_t{get32(m)};
}

Result<std::size_t, StoreError> ModuleStore::read_image(std::string_view name, std::uint32_t version,
                                                        std::span<std::byte> out) noexcept {
  auto manifest = find_complete_image(name, version);
  if (!manifest) return Unexpected{manifest.error()};
  const std::uint32_t chunks = (*manifest)->aux;
  std::byte m[kManifestBytes];
  if (auto r = read_data(**manifest, m); !r) return Unexpected{r.error()};
  const std::uint32_t size = get32(m);
  if (out.size() < size) return fail(StoreErrc::OutputTooSmall, size);
  std::uint32_t state = kCrc32Init;
  Sha256 digest;
  std::size_t pos = 0;
  for (std::uint32_t i = 0; i < chunks; ++i) {
    auto chunk = find(Key{RecordType::Chunk, name, version, i});
    if (!chunk) return Unexpected{chunk.error()};
    if (*chunk == nullptr || (*chunk)->data_length > size - pos) return fail(StoreErrc::Corrupt, i);
    auto n = read_data(**chunk, out.subspan(pos, (*chunk)->data_length));
    if (!n) return Unexpected{n.error()};
    state = crc32_update(state, out.subspan(pos, *n));
    digest.update(out.subspan(pos, *n));
    pos += *n;
  }
  // Every chunk's CRC, the whole image's CRC, and its SHA-256: an image is
  // used only if it is, bit for bit, the one that was stored.
  const Sha256Digest got = digest.finish();
  if (pos != size || crc32_final(state) != get32(m + 4) || std::memcmp(got.data(), m + 8, got.size()) != 0)
    return fail(StoreErrc::Corrupt, (*manifest)->offset);
  return std::size_t{size};
}

Result<void, StoreError> ModuleStore::forget_image(std::string_view name, std::uint32_t version) noexcept {
  std::size_t kept = 0;
  for (std::size_t i = 0; i < count_; ++i) {
    StoreEntry& e = index_[i];
    bool drop = false;
    if (image_part(e.type) && e.version == version) {
      auto same = name_matches(e, name);
      if (!same) return Unexpected{same.error()};
      drop = *same;
    }
    if (!drop) index_[kept++] = e;
  }
  count_ = kept;
  return {};
}

Result<std::size_t, StoreError> ModuleStore::versions(std::string_view name, std::span<std::uint32_t> out) noexcept {
  if (!mounted_) return fail(StoreErrc::NotMounted);
  if (!valid_name(name)) return fail(StoreErrc::BadName, static_cast<std::uint32_t>(name.size()));
  std::size_t n = 0;
  for (std::size_t i = 0; i < count_; ++i) {
    const StoreEntry& e = index_[i];
    if (e.type != RecordType::Manifest) continue;
    auto same = name_matches(e, name);
    if (!same) return Unexpected{same.error()};
    if (!*same) continue;
    // Insertion into the kept highest versions, descending.
    std::size_t at = n < out.size() ? n : out.size();
    while (at > 0 && out[at - 1] < e.version) {
      if (at < out.size()) out[at] = out[at - 1];
      --at;
    }
    if (at < out.size()) out[at] = e.version;
    ++n;
  }
  return n;
}

Result<void, StoreError> ModuleStore::remove_image(std::string_view name, std::uint32_t version) noexcept {
  auto manifest = find_complete_image(name, version);
  if (!manifest && manifest.error().code != StoreErrc::Corrupt) return Unexpected{manifest.error()};
  // Never remove what a task runs or tries: the committed version must always boot.
  for (std::size_t i = 0; i < count_; ++i) {
    if (index_[i].type != RecordType::Slot) continue;
    // A slot that is not a slot's size cannot say what it names: nothing is removed.
    if (index_[i].data_length != kSlotBytes) return fail(StoreErrc::Corrupt, index_[i].offset);
    std::byte d[kSlotBytes] = {};
    if (auto r = read_data(index_[i], d); !r) return Unexpected{r.error()};
    const auto flags = static_cast<std::uint8_t>(d[0]);
    const std::string_view committed_name{reinterpret_cast<const char*>(d + 12),  // Safety: bytes as chars
                                          static_cast<std::uint8_t>(d[1])};
    const std::string_view trial_name{reinterpret_cast<const char*>(d + 44), static_cast<std::uint8_t>(d[2])};
    if (((flags & 1) && get32(d + 4) == version && committed_name == name) ||
        ((flags & 2) && get32(d + 8) == version && trial_name == name))
      return fail(StoreErrc::InUse, version);
  }
  if (auto r = make_room(Plan{0, 0, 0, record_size(0), 1}); !r) return r;
  if (auto r = append(RecordType::Tombstone, name, version, 0, {}, Use::Normal); !r) return r;
  return forget_image(name, version);
}

Result<ModuleStore::Slot, StoreError> ModuleStore::read_slot(std::string_view task, bool& exists) noexcept {
  exists = false;
  if (!mounted_) return fail(StoreErrc::NotMounted);
  if (!valid_name(task)) return fail(StoreErrc::BadName, static_cast<std::uint32_t>(task.size()));
  auto entry = find(Key{RecordType::Slot, task, 0, 0});
  if (!entry) return Unexpected{entry.error()};
  Slot slot;
  if (*entry == nullptr) return slot;
  std::byte d[kSlotBytes];
  if (auto r = read_data(**entry, d); !r) return Unexpected{r.error()};
  const auto flags = static_cast<std::uint8_t>(d[0]);
  const auto committed_len = static_cast<std::uint8_t>(d[1]), trial_len = static_cast<std::uint8_t>(d[2]);
  if ((*entry)->data_length != kSlotBytes || committed_len > kStoreNameMax || trial_len > kStoreNameMax)
    return fail(StoreErrc::Corrupt, (*entry)->offset);
  slot.has_committed = flags & 1;
  slot.has_trial = flags & 2;
  slot.committed.name_length = committed_len;
  slot.committed.version = get32(d + 4);
  std::memcpy(slot.committed.name_bytes, d + 12, kStoreNameMax);
  slot.trial.name_length = trial_len;
  slot.trial.version = get32(d + 8);
  std::memcpy(slot.trial.name_bytes, d + 44, kStoreNameMax);
  exists = true;
  return slot;
}

Result<void, StoreError> ModuleStore::write_slot(std::string_view task, const Slot& slot) noexcept {
  std::byte d[kSlotBytes];
  std::memset(d, 0, sizeof d);
  d[0] = static_cast<std::byte>((slot.has_committed ? 1 : 0) | (slot.has_trial ? 2 : 0));
  d[1] = static_cast<std::byte>(slot.has_committed ? slot.committed.name_length : 0);
  d[2] = static_cast<std::byte>(slot.has_trial ? slot.trial.name_length : 0);
  put32(d + 4, slot.has_committed ? slot.committed.version : 0);
  put32(d + 8, slot.has_trial ? slot.trial.version : 0);
  if (slot.has_committed) std::memcpy(d + 12, slot.committed.name_bytes, slot.committed.name_length);
  if (slot.has_trial) std::memcpy(d + 44, slot.trial.name_bytes, slot.trial.name_length);
  if (auto r = make_room(Plan{0, 0, 0, record_size(kSlotBytes), 1}); !r) return r;
  return append(RecordType::Slot, task, 0, 0, d, Use::Normal);
}

namespace {
// Precondition: name.size() <= kStoreNameMax (checked by find_complete_image).
ModuleVersion stored_version(std::string_view name, std::uint32_t version) noexcept {
  ModuleVersion v;
  std::memcpy(v.name_bytes, name.data(), name.size());
  v.name_length = static_cast<std::uint8_t>(name.size());
  v.version = version;
  return v;
}
}  // namespace

Result<void, StoreError> ModuleStore::set_trial(std::string_view task, std::string_view name,
                                                std::uint32_t version) noexcept {
  bool exists = false;
  auto slot = read_slot(task, exists);
  if (!slot) return Unexpected{slot.error()};
  if (auto image = find_complete_image(name, version); !image) return Unexpected{image.error()};
  slot->has_trial = true;
  slot->trial = stored_version(name, version);
  return write_slot(task, *slot);
}

Result<void, StoreError> ModuleStore::set_committed(std::string_view task, std::string_view name,
                                                    std::uint32_t version) noexcept {
  bool exists = false;
  auto slot = read_slot(task, exists);
  if (!slot) return Unexpected{slot.error()};
  if (auto image = find_complete_image(name, version); !image) return Unexpected{image.error()};
  slot->has_committed = true;
  slot->committed = stored_version(name, version);
  slot->has_trial = false;
  return write_slot(task, *slot);
}

Result<void, StoreError> ModuleStore::commit(std::string_view task) noexcept {
  bool exists = false;
  auto slot = read_slot(task, exists);
  if (!slot) return Unexpected{slot.error()};
  if (!slot->has_trial) return fail(StoreErrc::NoTrial);
  slot->has_committed = true;
  slot->committed = slot->trial;
  slot->has_trial = false;
  return write_slot(task, *slot);
}

Result<void, StoreError> ModuleStore::revert(std::string_view task) noexcept {
  bool exists = false;
  auto slot = read_slot(task, exists);
  if (!slot) return Unexpected{slot.error()};
  if (!slot->has_trial) return fail(StoreErrc::NoTrial);
  slot->has_trial = false;
  return write_slot(task, *slot);
}

Result<ModuleVersion, StoreError> ModuleStore::committed(std::string_view task) noexcept {
  bool exists = false;
  auto slot = read_slot(task, exists);
  if (!slot) return Unexpected{slot.error()};
  if (!slot->has_committed) return fail(StoreErrc::NotFound);
  return slot->committed;
}

Result<ModuleVersion, StoreError> ModuleStore::trial(std::string_view task) noexcept {
  bool exists = false;
  auto slot = read_slot(task, exists);
  if (!slot) return Unexpected{slot.error()};
  if (!slot->has_trial) return fail(StoreErrc::NotFound);
  return slot->trial;
}

Result<void, StoreError> ModuleStore::put_checkpoint(std::string_view task, std::span<const std::byte> bytes) noexcept {
  if (!mounted_) return fail(StoreErrc::NotMounted);
  if (!valid_name(task)) return fail(StoreErrc::BadName, static_cast<std::uint32_t>(task.size()));
  if (bytes.size() > max_record_data()) return fail(StoreErrc::TooLarge, max_record_data());
  if (auto r = make_room(Plan{0, 0, 0, record_size(bytes.size()), 1}); !r) return r;
  return append(RecordType::Checkpoint, task, 0, 0, bytes, Use::Normal);
}

Result<std::size_t, StoreError> ModuleStore::last_checkpoint(std::string_view task, std::span<std::byte> out) noexcept {
  if (!mounted_) return fail(StoreErrc::NotMounted);
  if (!valid_name(task)) return fail(StoreErrc::BadName, static_cast<std::uint32_t>(task.size()));
  auto entry = find(Key{RecordType::Checkpoint, task, 0, 0});
  if (!entry) return Unexpected{entry.error()};
  if (*entry == nullptr) return fail(StoreErrc::NotFound);
  return read_data(**entry, out);
}

// ---------------------------------------------------------------------------
// Identity

namespace {
// Two copies, written one after the other: a store whose one identity record
// decays would be refused at every boot, so a single flipped bit must not lose it.
constexpr std::string_view kIdentityKeys[2] = {"identity", "identity.copy"};
constexpr std::size_t kIdentityBytes = 4 + 1 + kStoreNameMax + 1 + kStoreNameMax;  // layout, two names
}  // namespace

bool StoreIdentity::make(std::string_view spacecraft, std::string_view mission, StoreIdentity* out) noexcept {
  if (!valid_name(spacecraft) || !valid_name(mission)) return false;
  *out = StoreIdentity{};
  std::memcpy(out->spacecraft_bytes, spacecraft.data(), spacecraft.size());
  out->spacecraft_length = static_cast<std::uint8_t>(spacecraft.size());
  std::memcpy(out->mission_bytes, mission.data(), mission.size());
  out->mission_length = static_cast<std::uint8_t>(mission.size());
  return true;
}

Result<StoreIdentity, StoreError> ModuleStore::read_identity(std::string_view key) noexcept {
  auto entry = find(Key{RecordType::Identity, key, 0, 0});
  if (!entry) return Unexpected{entry.error()};
  if (*entry == nullptr) return fail(StoreErrc::NotFound);
  std::byte d[kIdentityBytes];
  if ((*entry)->data_length != kIdentityBytes) return fail(StoreErrc::Corrupt, (*entry)->offset);
  if (auto r = read_data(**entry, d); !r) return Unexpected{r.error()};
  StoreIdentity id;
  id.layout = get32(d);
  id.spacecraft_length = static_cast<std::uint8_t>(d[4]);
  id.mission_length = static_cast<std::uint8_t>(d[5 + kStoreNameMax]);
  if (id.spacecraft_length > kStoreNameMax || id.mission_length > kStoreNameMax)
    return fail(StoreErrc::Corrupt, (*entry)->offset);
  std::memcpy(id.spacecraft_bytes, d + 5, id.spacecraft_length);
  std::memcpy(id.mission_bytes, d + 6 + kStoreNameMax, id.mission_length);
  return id;
}

Result<StoreIdentity, StoreError> ModuleStore::identity() noexcept {
  if (!mounted_) return fail(StoreErrc::NotMounted);
  auto first = read_identity(kIdentityKeys[0]);
  if (first) return first;
  auto copy = read_identity(kIdentityKeys[1]);
  if (copy) return copy;
  // Neither reads back: NotFound only if neither exists; a damaged one is Corrupt.
  if (first.error().code == StoreErrc::NotFound) return copy;
  return first;
}

Result<void, StoreError> ModuleStore::set_identity(const StoreIdentity& id) noexcept {
  if (!mounted_) return fail(StoreErrc::NotMounted);
  if (!valid_name(id.spacecraft())) return fail(StoreErrc::BadName, id.spacecraft_length);
  if (!valid_name(id.mission())) return fail(StoreErrc::BadName, id.mission_length);
  std::byte d[kIdentityBytes] = {};
  put32(d, id.layout);
  d[4] = static_cast<std::byte>(id.spacecraft_length);
  std::memcpy(d + 5, id.spacecraft_bytes, id.spacecraft_length);
  d[5 + kStoreNameMax] = static_cast<std::byte>(id.mission_length);
  std::memcpy(d + 6 + kStoreNameMax, id.mission_bytes, id.mission_length);
  if (auto r = make_room(Plan{1, record_size(kIdentityBytes), 0, record_size(kIdentityBytes), 2}); !r) return r;
  for (std::string_view key : kIdentityKeys)
    if (auto r = append(RecordType::Identity, key, 0, 0, d, Use::Normal); !r) return r;
  return {};
}

// ---------------------------------------------------------------------------
// Anti-replay counter

namespace {
// Two copies, written one after the other in one operation, like the
// identity: a flipped bit or a torn write costs one, and the other still has
// the number. Pairs are written "sequence" first, so a "sequence.copy" record
// that was begun proves that the "sequence" record before it (record
// sequence number one lower) had been whole.
constexpr std::string_view kCounterKeys[2] = {"sequence", "sequence.copy"};
constexpr std::size_t kCounterBytes = 8;  // u64, little-endian

std::uint64_t get64(const std::byte* p) noexcept { return get32(p) | std::uint64_t{get32(p + 4)} << 32; }
void put64(std::byte* p, std::uint64_t v) noexcept {
  put32(p, static_cast<std::uint32_t>(v));
  put32(p + 4, static_cast<std::uint32_t>(v >> 32));
}
}  // namespace

// Called by the scan of a live block for every Counter record with an intact
// header. Whole records are indexed as usual; of the others, those known to
// have been whole once are remembered (the newest): a complete marker is
// written only after the data, so with bad data it means decay, not a tear;
// and a begun second copy means its first copy had been whole. A record torn
// by a power cut is neither, so a cut never makes the counter look lost.
void ModuleStore::note_counter(const std::byte* h, std::uint32_t offset, bool whole, bool marker_whole) noexcept {
  if (whole) return;
  const std::string_view name{reinterpret_cast<const char*>(h + fmt::kHdrName),  // Safety: bytes as chars
                              static_cast<std::uint8_t>(h[fmt::kHdrNameLen])};
  const std::uint32_t seq = get32(h + fmt::kHdrSeq);
  std::uint64_t pair = 0;
  if (name == kCounterKeys[1]) {
    pair = seq > 0 ? seq - 1 : 0;
  } else if (name == kCounterKeys[0] && marker_whole) {
    pair = seq;
  } else {
    return;
  }
  if (counter_evidence_ && pair <= counter_evidence_pair_) return;
  counter_evidence_ = true;
  counter_evidence_pair_ = pair;
  counter_evidence_offset_ = offset;
  counter_evidence_seq_ = seq;
  counter_evidence_length_ = get32(h + fmt::kHdrDataLen);
}

// After a mount's scan: the counter is lost if a pair known to have been
// whole is newer than every copy that is whole now. (Its value is the
// highest yet, values only grow, so the whole copies are older numbers.)
Result<void, StoreError> ModuleStore::judge_counter() noexcept {
  if (!counter_evidence_) return {};
  bool any_whole = false;
  std::uint64_t newest = 0;
  for (std::string_view key : kCounterKeys) {
    auto e = find(Key{RecordType::Counter, key, 0, 0});
    if (!e) return Unexpected{e.error()};
    if (*e == nullptr) continue;
    if (!any_whole || (*e)->seq > newest) newest = (*e)->seq;
    any_whole = true;
  }
  counter_lost_ = !any_whole || counter_evidence_pair_ > newest;
  return {};
}

Result<std::uint64_t, StoreError> ModuleStore::read_counter(const StoreEntry& e) noexcept {
  if (e.data_length != kCounterBytes) return fail(StoreErrc::Corrupt, e.offset);
  std::byte d[kCounterBytes];
  if (auto r = read_data(e, d); !r) return Unexpected{r.error()};
  return get64(d);
}

Result<std::uint64_t, StoreError> ModuleStore::accepted_sequence() noexcept {
  if (!mounted_) return fail(StoreErrc::NotMounted);
  if (counter_lost_) return fail(StoreErrc::Corrupt, counter_evidence_offset_);
  // The highest of the copies that read back whole: after a cut between the
  // two writes the first copy is the newer one. A copy that decayed since the
  // mount is lost as at a mount: if no whole copy is of its pair or newer, Corrupt.
  bool found = false, damaged = false;
  std::uint64_t highest = 0, newest_whole = 0, damaged_pair = 0;
  std::uint32_t damaged_at = 0;
  for (std::size_t k = 0; k < 2; ++k) {
    auto entry = find(Key{RecordType::Counter, kCounterKeys[k], 0, 0});
    if (!entry) return Unexpected{entry.error()};
    if (*entry == nullptr) continue;
    const std::uint32_t seq = (*entry)->seq;
    auto v = read_counter(**entry);
    if (v) {
      if (!found || *v > highest) highest = *v;
      if (!found || seq > newest_whole) newest_whole = seq;
      found = true;
    } else if (v.error().code == StoreErrc::Corrupt) {
      const std::uint64_t pair = k == 0 || seq == 0 ? seq : seq - 1;
      if (!damaged || pair > damaged_pair) damaged_pair = pair;
      damaged = true;
      damaged_at = v.error().detail;
    } else {
      return Unexpected{v.error()};  // a failing flash: no answer rather than a possibly lower one
    }
  }
  if (damaged && (!found || damaged_pair > newest_whole)) return fail(StoreErrc::Corrupt, damaged_at);
  if (found) return highest;
  return fail(StoreErrc::NotFound);
}

Result<void, StoreError> ModuleStore::set_accepted_sequence(std::uint64_t sequence) noexcept {
  auto recorded = accepted_sequence();
  if (recorded) {
    if (sequence <= *recorded) {
      StoreError stale{StoreErrc::Stale, static_cast<std::uint32_t>(*recorded), {}};
      stale.sequence = *recorded;
      return Unexpected{stale};
    }
  } else if (recorded.error().code != StoreErrc::NotFound) {
    return Unexpected{recorded.error()};
  }
  std::uint32_t new_keys = 0;
  for (std::string_view key : kCounterKeys) {
    auto e = find(Key{RecordType::Counter, key, 0, 0});
    if (!e) return Unexpected{e.error()};
    if (*e == nullptr) ++new_keys;
  }
  std::byte d[kCounterBytes];
  put64(d, sequence);
  const std::uint32_t size = record_size(kCounterBytes);
  if (auto r = make_room(Plan{1, size, 0, size, new_keys}); !r) return r;
  // Never a collection between the two: make_room made room for both.
  for (std::string_view key : kCounterKeys)
    if (auto r = append(RecordType::Counter, key, 0, 0, d, Use::Normal); !r) return r;
  return {};
}

Result<void, StoreError> ModuleStore::format() noexcept {
  geometry_ = flash_.geometry();
  if (auto g = check_geometry(geometry_); !g) return fail(StoreErrc::BadGeometry, g.error().detail);
  for (std::uint32_t b = 0; b < geometry_.block_count; ++b)
    if (auto r = flash_.erase(b); !r) return flash_failed(r.error());
  return mount();
}

}  // namespace dyn
