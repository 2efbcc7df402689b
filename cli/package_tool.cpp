// package_tool.cpp — keygen, pack, verify.
#include "package_tool.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "dyn/elf.hpp"
#include "dyn/elf_view.hpp"
#include "dyn/hmac_sha256.hpp"
#include "dyn/module_delta.hpp"
#include "dyn/module_store.hpp"
#include "delta_encoder.hpp"
#include "input_file.hpp"
#include "mission.hpp"
#include "package_keys.hpp"
#include "update_check.hpp"
#include "uplink_strip.hpp"

namespace dyn::cli {

namespace {

constexpr std::size_t kFrameMax = 1024, kFrameOverhead = 7, kCltuOverhead = 10;

const char* arch_name(PackageArch a) { return a == PackageArch::ArmThumb ? "ARM (Thumb)" : "x86-64"; }

// Store space an image takes: its chunks and manifest, record headers included (generous).
std::uint32_t store_space_for(std::size_t size) {
  constexpr std::size_t kChunk = 512, kRecordOverhead = 64;
  return static_cast<std::uint32_t>(size + (size / kChunk + 2) * kRecordOverhead);
}

// Writes the package beside `path`, then renames it over: a failed write
// leaves whatever was there.
bool write_file(const std::string& path, std::span<const std::byte> bytes, std::string* why) {
  const std::string temporary = path + ".partial";
  {
    std::ofstream f(temporary, std::ios::binary | std::ios::trunc);
    if (f) f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!f) {
      *why = path + ": cannot write it";
      std::remove(temporary.c_str());
      return false;
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    *why = path + ": cannot write it";
    std::remove(temporary.c_str());
    return false;
  }
  return true;
}

bool same_file(const std::string& a, const std::string& b) {
  std::error_code ec;
  return std::filesystem::equivalent(a, b, ec) && !ec;
}

// Each line of `text` indented by four spaces (a report inside pack's output).
std::string indent(const std::string& text) {
  std::string out;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t end = text.find('\n', at);
    const std::string line = text.substr(at, end == std::string::npos ? std::string::npos : end - at);
    if (!line.empty()) out += "    " + line + "\n";
    if (end == std::string::npos) break;
    at = end + 1;
  }
  return "\n" + out;
}

}  // namespace

std::string refusal_detail(const PackageError& e) {
  switch (e.code) {
    case PackageErrc::Older:
    case PackageErrc::TooFarAhead: return " (last accepted: " + std::to_string(e.detail) + ")";
    case PackageErrc::Replayed: return " (sequence " + std::to_string(e.detail) + ")";
    case PackageErrc::BadManifest: return " (at byte " + std::to_string(e.detail) + ")";
    case PackageErrc::BadDelta:
      return std::string(" (") + describe(static_cast<DeltaErrc>(e.detail >> 32)) + ", at byte " +
             std::to_string(e.detail & 0xFFFFFFFFu) + " of the delta)";
    case PackageErrc::TooLargeForStore: return " (it needs " + std::to_string(e.detail) + " bytes)";
    case PackageErrc::TooLargeToRebuild:
      return " (it needs " + std::to_string(e.detail) + " bytes; the host rebuilds at most " +
             std::to_string(kHostRebuildMax) + ")";
    default: return {};
  }
}

namespace {

// The output may not be an input, the key, or any key file.
bool output_allowed(const PackOptions& o, std::string* why) {
  std::vector<std::string> inputs = {o.key_path, o.new_path};
  if (!o.base_path.empty()) inputs.push_back(o.base_path);
  inputs.insert(inputs.end(), o.with.begin(), o.with.end());
  for (const std::string& in : inputs)
    if (same_file(o.out_path, in)) {
      *why = "-o " + o.out_path + " is one of the inputs (" + in + "): write the package elsewhere";
      return false;
    }
  // Any file that starts as a key does (even one with loose permissions or
  // another line ending, which read_key_file refuses to use) is never replaced.
  if (host::is_key_file(o.out_path)) {
    *why = "-o " + o.out_path + " is a key file: a package never overwrites a key";
    return false;
  }
  return true;
}


}  // namespace

bool resolve_binding(const BindingOptions& o, SpacecraftBinding* out, std::string* described, std::string* why) {
  std::string spacecraft = o.spacecraft, mission = o.mission;
  if (!o.mission_file.empty()) {
    if (!o.spacecraft.empty() || !o.mission.empty()) {
      *why = "give --for MISSION.toml or --spacecraft and --mission, not both";
      return false;
    }
    MissionResult loaded = load_mission(o.mission_file);
    if (!loaded.mission) {
      *why = "--for " + (loaded.error ? loaded.error->to_string() : o.mission_file + ": cannot read it");
      return false;
    }
    spacecraft = loaded.mission->spacecraft;
    mission = loaded.mission->name;
    if (!loaded.mission->spacecraft_given) {
      *why = "--for " + o.mission_file + ": its [mission] names no spacecraft, so its store would be \"" +
             spacecraft + "\" like every other such mission's: give it a spacecraft id to bind to";
      return false;
    }
  } else if (spacecraft.empty() || mission.empty()) {
    *why = "a binding needs both --spacecraft and --mission (the names the spacecraft's store records)";
    return false;
  }
  if (!identity_name(spacecraft) || !identity_name(mission)) {
    *why = "a binding names a spacecraft and mission as a store records them: 1.." + std::to_string(kStoreNameMax) +
           " printable characters";
    return false;
  }
  *out = spacecraft_binding(spacecraft, mission);
  *described = "spacecraft \"" + spacecraft + "\", mission \"" + mission + "\"";
  return true;
}

std::size_t link_bytes(std::size_t bytes) {
  const std::size_t per_frame = kFrameMax - kFrameOverhead;
  const std::size_t frames = bytes == 0 ? 0 : (bytes + per_frame - 1) / per_frame;
  const std::size_t framed = bytes + frames * kFrameOverhead;
  return (framed * 8 + 6) / 7 + frames * kCltuOverhead;
}

double link_seconds(std::size_t bytes, double bit_rate) { return static_cast<double>(link_bytes(bytes)) * 8.0 / bit_rate; }

int keygen(const std::string& name, bool hmac, std::string* out) {
  std::string why;
  if (hmac) {
    std::vector<std::byte> key = host::new_hmac_key();
    const bool ok = host::write_key_file(name + ".hmac", host::KeyKind::HmacSha256, key, &why);
    wipe(key);
    if (!ok) {
      *out = "dynsched keygen: " + why + "\n";
      return 1;
    }
    *out = name + ".hmac: HMAC-SHA-256 key, 32 bytes: the same file on the ground and in the mission's "
                  "[security] hmac_key (keep it secret on both sides)\n";
    return 0;
  }
  // Both files or neither: a secret key without its public key (or beside
  // an older one) would sign packages no spacecraft accepts.
  for (const std::string& path : {name + ".key", name + ".pub"}) {
    std::error_code ec;
    if (std::filesystem::exists(path, ec) || ec) {
      *out = "dynsched keygen: " + path + ": exists; keys are never overwritten (remove it yourself, or choose another name)\n";
      return 1;
    }
  }
  std::vector<std::byte> secret, pub;
  if (!host::new_ed25519_pair(&secret, &pub)) {
    *out = "dynsched keygen: libsodium could not make a key pair\n";
    return 1;
  }
  const bool ok = host::write_key_file(name + ".key", host::KeyKind::Ed25519Secret, secret, &why) &&
                  host::write_key_file(name + ".pub", host::KeyKind::Ed25519Public, pub, &why);
  wipe(secret);
  if (!ok) {
    *out = "dynsched keygen: " + why + "\n";
    return 1;
  }
  *out = name + ".key: Ed25519 secret key (stays on the ground; signs packages)\n" + name +
         ".pub: Ed25519 public key (goes in the mission's [security] ground_key)\n";
  return 0;
}

int pack(const PackOptions& o, std::string* out) {
  std::string why;
  host::KeyFile key;
  if (!host::read_key_file(o.key_path, &key, &why)) {
    *out = "dynsched pack: " + why + "\n";
    return 1;
  }
  if (key.kind == host::KeyKind::Ed25519Public) {
    *out = "dynsched pack: " + o.key_path + " is a public key: packages are signed with the secret one (.key)\n";
    return 1;
  }
  std::vector<std::byte> image;
  if (!read_file(o.new_path, &image, &why)) {
    *out = "dynsched pack: " + why + "\n";
    return 1;
  }
  ModuleFacts facts;
  if (std::string bad = read_module_facts(o.new_path, o.with, &facts); !bad.empty()) {
    *out = "dynsched pack: " + bad + "\n";
    return 1;
  }
  PackageManifest m;
  if (!m.set_name(facts.name)) {
    *out = "dynsched pack: the module name must be 1..31 bytes\n";
    return 1;
  }
  if (o.sequence == UINT64_MAX) {
    *out = "dynsched pack: --seq 18446744073709551615 (2^64 - 1) is refused by every spacecraft: no number could follow it\n";
    return 1;
  }
  if (!o.renames.empty() && !m.set_replaces(o.renames)) {
    *out = "dynsched pack: --renames names the module the new one replaces: 1..31 bytes\n";
    return 1;
  }
  if (!o.renames.empty() && o.renames == facts.name) {
    *out = "dynsched pack: --renames " + o.renames + " is the new version's own name: not a rename\n";
    return 1;
  }
  if (!output_allowed(o, &why)) {
    *out = "dynsched pack: " + why + "\n";
    return 1;
  }
  std::string bound_to;
  if (o.binding.given()) {
    if (!resolve_binding(o.binding, &m.binding, &bound_to, &why)) {
      *out = "dynsched pack: " + why + "\n";
      return 1;
    }
    m.flags |= package_format::kFlagBound;
  }
  m.arch = facts.arch == TargetArch::Arm ? PackageArch::ArmThumb : PackageArch::X86_64;
  const std::string& replaced = o.renames.empty() ? facts.name : o.renames;
  m.kind = PayloadKind::FullImage;
  std::vector<std::byte> payload = image;
  std::string fallback_note, update_warning;
  std::vector<std::byte> base;
  if (!o.base_path.empty()) {
    if (!read_file(o.base_path, &base, &why)) {
      *out = "dynsched pack: --base " + why + "\n";
      return 1;
    }
    // The base must be the installed version of the module this replaces.
    ModuleFacts base_facts;
    if (base.empty()) {
      *out = "dynsched pack: --base " + o.base_path + " is empty: a delta needs the installed version\n";
      return 1;
    }
    std::vector<std::string> base_with;  // what the base imports from (never itself)
    for (const std::string& w : o.with)
      if (!same_file(w, o.base_path)) base_with.push_back(w);
    if (std::string bad = read_module_facts(o.base_path, base_with, &base_facts); !bad.empty()) {
      *out = "dynsched pack: --base " + bad + "\n";
      return 1;
    }
    if (base_facts.arch != facts.arch) {
      *out = "dynsched pack: --base " + o.base_path + " is built for another machine than " + o.new_path + "\n";
      return 1;
    }
    if (base_facts.name != replaced) {
      *out = "dynsched pack: --base " + o.base_path + " is module " + base_facts.name + ", not " + replaced +
             (o.renames.empty() ? " (if the new version renames it, say --renames " + base_facts.name + ")" : "") + "\n";
      return 1;
    }
    // What the update on board would refuse (a state it cannot take over, an
    // export an importer uses gone, ...) is said here, loudly, before a
    // sequence number is spent on it in flight. (Still packed: the ground
    // may know better, e.g. a library whose importers go with it.)
    if (o.renames.empty()) {
      UpdateCheckOptions check;
      check.new_path = o.new_path;
      check.old_path = o.base_path;
      check.with = base_with;
      check.importers = o.importers;
      std::string verdict;
      if (check_update(check, &verdict) != 0)
        update_warning = "  WARNING: the update would not take over on board, and the package would use sequence " +
                         std::to_string(o.sequence) + " for nothing (dynsched inspect " + o.new_path +
                         " --update-from " + o.base_path + " says why):" + indent(verdict);
    }
    std::vector<std::byte> delta = encode_delta(base, image);
    if (delta.size() + package_format::kDigestSize < image.size()) {
      m.kind = PayloadKind::ModuleDelta;
      m.has_base = true;
      m.base_digest = package_digest(base);
      payload = std::move(delta);
    } else {
      // New code the base cannot predict: the module itself costs fewer bytes
      // on the link (and applies to any installed version).
      fallback_note = "  the delta (" + std::to_string(delta.size()) + " B) is no smaller than the module itself (" +
                      std::to_string(image.size()) + " B): wrote a full package instead\n";
    }
  }
  if (o.allow_jump) m.flags |= package_format::kFlagAllowJump;
  m.result_version = facts.version;
  m.result_size = static_cast<std::uint32_t>(image.size());
  m.sequence = o.sequence;
  m.store_space = store_space_for(image.size());
  m.result_digest = package_digest(image);
  const AuthMode mode = key.kind == host::KeyKind::HmacSha256 ? AuthMode::HmacSha256 : AuthMode::Ed25519;
  std::vector<std::byte> package(package_size(mode, m, payload.size()));
  const std::size_t n = write_package_body(mode, m, payload, package);
  if (n == 0 || n != package.size()) {
    *out = "dynsched pack: the package could not be laid out\n";
    return 1;
  }
  const std::span<const std::byte> body = std::span(package).first(n - tag_size(mode));
  if (mode == AuthMode::HmacSha256) {
    const HmacSha256Tag tag = HmacSha256::of(key.key, body);
    std::memcpy(package.data() + body.size(), tag.data(), package_format::kHmacTagSize);  // truncated
  } else {
    const auto sig = host::ed25519_sign(key.key, body);
    std::memcpy(package.data() + body.size(), sig.data(), sig.size());
  }
  if (!write_file(o.out_path, package, &why)) {
    *out = "dynsched pack: " + why + "\n";
    return 1;
  }
  char line[512];
  const std::string what = m.kind == PayloadKind::FullImage ? std::string("full package")
                                         : "delta package against " + o.base_path + " (" + std::to_string(payload.size()) + " B delta)";
  std::snprintf(line, sizeof line,
                "%s: %s of %s v%u (%zu B module), sequence %" PRIu64 ", %s\n"
                "  %zu B on the link (%zu B framed): %.1f s at 1200 bit/s, %.1f s at 9600 bit/s\n",
                o.out_path.c_str(), what.c_str(), facts.name.c_str(), facts.version, image.size(), o.sequence,
                to_string(mode), package.size(), link_bytes(package.size()), link_seconds(package.size(), 1200),
                link_seconds(package.size(), 9600));
  *out = line;
  *out += fallback_note;
  *out += update_warning;
  StripReport strippable;
  std::string strip_why;
  if (const auto stripped = strip_for_uplink(image, &strippable, &strip_why);
      !stripped.empty() && strippable.bytes_after < strippable.bytes_before)
    *out += "  " + o.new_path + " carries " + std::to_string(strippable.bytes_before - strippable.bytes_after) +
            " B the loader never reads: `dynsched strip` it, and install and diff the stripped object\n";
  *out += bound_to.empty() ? "  not bound to a spacecraft: any spacecraft that trusts this key takes it (bind it with "
                             "--for MISSION.toml when one key serves several)\n"
                           : "  bound to " + bound_to + "\n";
  return 0;
}

int verify(const VerifyOptions& o, std::string* out) {
  std::string why;
  host::KeyFile key;
  if (!host::read_key_file(o.key_path, &key, &why)) {
    *out = "dynsched verify: " + why + "\n";
    return 2;
  }
  if (key.kind == host::KeyKind::Ed25519Secret) {
    *out = "dynsched verify: " + o.key_path + " is the ground's secret key: verify with the public one (.pub), "
           "as the spacecraft does\n";
    return 2;
  }
  std::vector<std::byte> bytes;
  if (!read_file(o.package_path, &bytes, &why)) {
    *out = "dynsched verify: " + why + "\n";
    return 2;
  }
  HmacPackageVerifier hmac(key.key);
  host::Ed25519PackageVerifier ed(key.key);
  const PackageVerifier& verifier =
      key.kind == host::KeyKind::HmacSha256 ? static_cast<const PackageVerifier&>(hmac) : ed;
  const auto refused = [&](PackageError e) {
    *out += "decision: REFUSED: " + std::string(describe(e.code)) + refusal_detail(e);
    if (e.code == PackageErrc::WrongAuthMode)
      *out += std::string(" (the package is ") + (e.detail == 2 ? "HMAC" : e.detail == 1 ? "Ed25519" : "of an unknown mode") +
              ", the key given " + (key.kind == host::KeyKind::HmacSha256 ? "an HMAC key" : "an Ed25519 key") + ")";
    *out += "\n";
    return 1;
  };
  *out = o.package_path + ": " + std::to_string(bytes.size()) + " bytes\n";
  auto view = open_package(bytes, verifier);
  if (!view) return refused(view.error());
  const PackageManifest& m = view.value().manifest;
  char line[600];
  std::snprintf(line, sizeof line,
                "  authentic: %s\n  module:    %.*s v%u for %s, %u B (SHA-256/128 %s)\n  payload:   %s\n"
                "  sequence:  %" PRIu64 "%s\n  store:     needs %u B\n",
                to_string(view.value().mode), static_cast<int>(m.name().size()), m.name().data(), m.result_version,
                arch_name(m.arch), m.result_size, to_hex(m.result_digest).c_str(),
                m.kind == PayloadKind::ModuleDelta ? "delta against the installed version" : "full image", m.sequence,
                (m.flags & package_format::kFlagAllowJump) ? " (the ground allows a jump)" : "", m.store_space);
  *out += line;
  PackageTarget target;
  std::string described;
  if (o.binding.given()) {  // the spacecraft that decides
    if (!resolve_binding(o.binding, &target.identity, &described, &why)) {
      *out += "  (" + why + ")\n";
      return 2;
    }
    target.has_identity = true;
  }
  if (m.renames()) *out += "  renames:   " + std::string(m.replaces()) + " (signed: it replaces that module)\n";
  if (!m.bound()) {
    *out += "  bound:     to no spacecraft (any that trusts the key takes it)\n";
  } else if (!target.has_identity) {
    *out += "  bound:     to spacecraft binding " + to_hex(m.binding) + "\n";
  } else {
    *out += "  bound:     " + std::string(target.identity == m.binding ? "to " : "not to ") + described + "\n";
  }
  // What cannot be decided without the spacecraft's identity or its installed version.
  std::string undecided;
  if (m.bound() && !target.has_identity)
    undecided = "a bound package is taken only by its own spacecraft (give --for MISSION.toml)";
  SequenceState state;
  state.known = o.accepted.has_value();
  state.accepted = o.accepted.value_or(0);
  if (auto fresh = check_freshness(m, state, o.window); !fresh) return refused(fresh.error());
  if (!o.accepted) *out += "  (freshness: no --accepted given: checked as the first package)\n";
  target.running_module = m.applies_to();
  target.arch = m.arch;  // without --installed: as a spacecraft of the package's own target
  target.sequence = state;
  target.window = o.window;
  std::vector<std::byte> base, result;
  std::string installed_name;
  if (!o.installed.empty()) {
    ModuleFacts installed;
    if (!read_file(o.installed, &base, &why)) {
      *out += "  (" + why + ")\n";
      return 2;
    }
    if (std::string bad = read_module_facts(o.installed, o.with, &installed); !bad.empty()) {
      *out += "  (the installed version cannot be read: " + bad + ")\n";
      if (undecided.empty()) undecided = "the installed version is not a module this can read (see above)";
    } else {
      installed_name = installed.name;
      target.running_module = installed_name;
      target.arch = installed.arch == TargetArch::Arm ? PackageArch::ArmThumb : PackageArch::X86_64;
    }
  }
  if (m.kind == PayloadKind::ModuleDelta) {
    *out += "  delta:     " + std::to_string(view.value().payload.size()) + " B, for the base with SHA-256/128 " +
            to_hex(m.base_digest) + "\n";
    if (o.installed.empty() && undecided.empty())
      undecided = "a delta is rebuilt from the installed version (give --installed OLD.o)";
  }
  if (!undecided.empty()) {
    *out += "decision: not decided: " + undecided + "\n";
    return 1;
  }
  target.base_image = base;
  // A buffer only for a delta that applies to the installed version, and
  // never larger than the host rebuilds: a manifest's size is a claim, and
  // an authentic package may claim 4 GiB (accept_package then refuses it).
  if (m.kind == PayloadKind::ModuleDelta && !base.empty() && package_digest(base) == m.base_digest)
    result.resize(std::min<std::size_t>(m.result_size, kHostRebuildMax));
  target.result_buffer = result;
  auto accepted = accept_package(bytes, verifier, target);
  if (!accepted) return refused(accepted.error());
  *out += "decision: accepted: the spacecraft would install " + std::string(m.name()) + " v" +
          std::to_string(m.result_version) + " live\n";
  return 0;
}

}  // namespace dyn::cli
