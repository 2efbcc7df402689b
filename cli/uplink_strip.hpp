// uplink_strip.hpp — `dynsched strip`: a module object without what the
// loader never reads, so those bytes are neither diffed nor sent.
//
// The loader reads the allocated sections, the symbol table and its string
// table, the section names, and the relocations of allocated sections
// (module_loader.cpp). Everything else goes: debug information and its
// relocations, .comment, notes, ARM attributes, COMDAT group records; and
// the symbols nothing kept can use (source file names, section symbols of
// removed sections). Kept sections' bytes are unchanged, so the module
// loads and runs exactly as before; its image (and so its digest) differs,
// which is why the stripped object is the one to install and to diff
// against, from the first flight image on.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace dyn::cli {

struct StripReport {
  std::size_t sections_removed = 0;
  std::size_t symbols_removed = 0;
  std::size_t bytes_before = 0, bytes_after = 0;
  std::vector<std::string> removed;  // section names
};

// The stripped object, or empty with *why when `object` is not one this can
// rewrite (not a valid relocatable ELF object, extended section indexes, a
// kept relocation or symbol that refers to a removed section). An object
// with nothing to remove comes back as it is.
std::vector<std::byte> strip_for_uplink(std::span<const std::byte> object, StripReport* report, std::string* why);

// `dynsched strip IN.o -o OUT.o`: 0 written, 1 refused.
int strip_command(const std::string& in_path, const std::string& out_path, std::string* out);

}  // namespace dyn::cli
