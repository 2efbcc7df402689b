// package_tool.hpp — the ground's side of update packages: `dynsched keygen`,
// `dynsched pack` and `dynsched verify` (what the spacecraft would decide).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dyn/package.hpp"

namespace dyn::cli {

// The most a delta may rebuild on the host (the mission runner's buffer,
// and verify's): the result buffer is never sized by the manifest alone.
inline constexpr std::size_t kHostRebuildMax = std::size_t{4} << 20;

// What a refusal's detail says, in words, to follow describe(e.code): the
// last accepted number, the offset of a malformed field, the decoder's
// reason, the bytes needed ("" when the detail says nothing more).
std::string refusal_detail(const PackageError& e);

// `keygen NAME`: NAME.key (Ed25519 secret, stays on the ground) and NAME.pub
// (goes in the mission's [security]); with `hmac`, NAME.hmac (the
// per-spacecraft symmetric key, the same file on both sides).
int keygen(const std::string& name, bool hmac, std::string* out);

struct BindingOptions {
  std::string mission_file;  // --for MISSION.toml
  std::string spacecraft;    // --spacecraft ID (with --mission NAME)
  std::string mission;
  bool given() const { return !mission_file.empty() || !spacecraft.empty() || !mission.empty(); }
};
// The binding the options name; false with *why when they are incomplete or unreadable.
bool resolve_binding(const BindingOptions& o, SpacecraftBinding* out, std::string* described, std::string* why);

struct PackOptions {
  std::string base_path;             // the installed version: a delta against it (empty: a full package)
  std::string new_path;              // the module version to send
  std::vector<std::string> with;     // modules it imports from (to link it and read its descriptor)
  std::string key_path;              // NAME.key (Ed25519) or NAME.hmac
  std::uint64_t sequence = 0;
  bool allow_jump = false;           // the ground accepts a jump beyond the spacecraft's window
  std::string renames;               // the new version renames the module: the name it replaces
  std::string out_path;
  std::vector<std::string> importers;  // modules that import from it: checked as the update would (with --base)
  // Which spacecraft the package is for (bound: another one refuses it):
  // the mission file whose [mission] name and spacecraft its store has, or
  // both names. None: any spacecraft that trusts the key accepts it.
  BindingOptions binding;
};
int pack(const PackOptions& o, std::string* out);

struct VerifyOptions {
  std::string package_path;
  std::string key_path;                   // NAME.pub or NAME.hmac
  std::optional<std::uint64_t> accepted;  // the spacecraft's last accepted sequence number, if any
  std::uint64_t window = 16;
  std::string installed;                  // the installed version: the module name is checked, and a delta rebuilt against it
  std::vector<std::string> with;          // modules the installed version imports from (to read it)
  BindingOptions binding;                 // the spacecraft that decides (a bound package for another is refused)
};
int verify(const VerifyOptions& o, std::string* out);

// Link time of `bytes` on an uplink of `bit_rate` bit/s, with the framing an
// uplink adds (estimated: CCSDS TC frames of at most 1024 bytes, 7 bytes of
// frame header and check each, in CLTUs of BCH code blocks: 8 bytes per 7,
// 10 bytes of start and tail sequence per frame).
double link_seconds(std::size_t bytes, double bit_rate);
std::size_t link_bytes(std::size_t bytes);

}  // namespace dyn::cli
