// uplink_strip.cpp — rewriting a relocatable object without the sections
// and symbols the loader never reads (ELF32 and ELF64, little-endian).
#include "uplink_strip.hpp"

#include <cstdint>
#include <cstring>
#include <fstream>

#include "dyn/elf.hpp"
#include "dyn/elf_view.hpp"
#include "input_file.hpp"

namespace dyn::cli {

namespace {

constexpr std::uint8_t kSttSection = 3, kSttFile = 4;
constexpr std::uint64_t kShfLinkOrder = 0x80;

std::uint64_t get(std::span<const std::byte> b, std::size_t at, unsigned width) {
  std::uint64_t v = 0;
  for (unsigned i = 0; i < width; ++i) v |= static_cast<std::uint64_t>(b[at + i]) << (8 * i);
  return v;
}
void put(std::vector<std::byte>& b, std::size_t at, unsigned width, std::uint64_t v) {
  for (unsigned i = 0; i < width; ++i) b[at + i] = static_cast<std::byte>(v >> (8 * i));
}

// Where the fields are, for one ELF class.
struct Layout {
  bool is64;
  unsigned word;  // 8 or 4
  std::size_t ehdr, shdr, sym_size, shoff_at, shnum_at, shstrndx_at;
  // Section header fields.
  std::size_t sh_name = 0, sh_type = 4, sh_flags = 8, sh_offset, sh_size, sh_link, sh_info, sh_align;
  // Symbol fields.
  std::size_t st_info, st_shndx;
  static Layout of(bool is64) {
    if (is64) return {true, 8, 64, 64, 24, 0x28, 0x3C, 0x3E, 0, 4, 8, 24, 32, 40, 44, 48, 4, 6};
    return {false, 4, 52, 40, 16, 0x20, 0x30, 0x32, 0, 4, 8, 16, 20, 24, 28, 32, 12, 14};
  }
  // A relocation entry's symbol index and where it sits in r_info.
  std::uint64_t rel_symbol(std::uint64_t info) const { return is64 ? info >> 32 : info >> 8; }
  std::uint64_t with_symbol(std::uint64_t info, std::uint64_t sym) const {
    return is64 ? (sym << 32 | (info & 0xFFFFFFFFu)) : (sym << 8 | (info & 0xFFu));
  }
};

struct Section {
  std::uint32_t type;
  std::uint64_t flags, offset, size, align;
  std::uint32_t link, info;
  std::string name;
  bool keep = false;
  std::vector<std::byte> data;  // the bytes written (rewritten for the symbol, relocation and name tables)
};

}  // namespace

std::vector<std::byte> strip_for_uplink(std::span<const std::byte> object, StripReport* report, std::string* why) {
  *report = StripReport{};
  report->bytes_before = report->bytes_after = object.size();
  auto view = ElfView::open(object);
  if (!view) {
    *why = std::string("not a module object: ") + describe(view.error().code);
    return {};
  }
  const Layout L = Layout::of(object[4] == std::byte{elf::kClass64});
  const std::size_t shoff = get(object, L.shoff_at, L.word), count = get(object, L.shnum_at, 2);
  const std::size_t shstrndx = get(object, L.shstrndx_at, 2);
  // ElfView checked the object as the loader reads it; what is rewritten here is checked again.
  if (count == 0 || count != view.value().section_count() || shstrndx >= count || shoff > object.size() ||
      count > (object.size() - shoff) / L.shdr) {
    *why = "its section header table is not one this can rewrite";
    return {};
  }
  std::vector<Section> secs(count);
  std::size_t symtab = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t h = shoff + i * L.shdr;
    Section& s = secs[i];
    s.type = static_cast<std::uint32_t>(get(object, h + L.sh_type, 4));
    s.flags = get(object, h + L.sh_flags, L.word);
    s.offset = get(object, h + L.sh_offset, L.word);
    s.size = get(object, h + L.sh_size, L.word);
    s.link = static_cast<std::uint32_t>(get(object, h + L.sh_link, 4));
    s.info = static_cast<std::uint32_t>(get(object, h + L.sh_info, 4));
    s.align = get(object, h + L.sh_align, L.word);
    s.name = std::string(view.value().section(i).name);
    if (s.type == elf::kShtSymtabShndx) {
      *why = "extended section indexes (SHT_SYMTAB_SHNDX) are not rewritten";
      return {};
    }
    if (s.type == elf::kShtSymtab) symtab = i;
    if (s.type != elf::kShtNobits && s.type != elf::kShtNull) {
      if (s.offset > object.size() || s.size > object.size() - s.offset) {
        *why = "section " + std::to_string(i) + " lies outside the object";
        return {};
      }
      s.data.assign(object.begin() + static_cast<std::ptrdiff_t>(s.offset),
                    object.begin() + static_cast<std::ptrdiff_t>(s.offset + s.size));
    }
  }
  // What the loader reads.
  secs[0].keep = true;
  for (std::size_t i = 1; i < count; ++i) {
    Section& s = secs[i];
    const bool relocates_kept = (s.type == elf::kShtRela || s.type == elf::kShtRel) && s.info < count &&
                                (secs[s.info].flags & elf::kShfAlloc);
    s.keep = (s.flags & elf::kShfAlloc) || i == symtab || (symtab && i == secs[symtab].link) || i == shstrndx ||
             relocates_kept;
  }
  std::vector<std::uint32_t> new_index(count, 0);
  std::uint32_t kept = 0;
  for (std::size_t i = 0; i < count; ++i)
    if (secs[i].keep) new_index[i] = kept++;
    else {
      ++report->sections_removed;
      report->removed.push_back(secs[i].name);
    }
  // Symbols: drop source file names and section symbols of removed sections.
  const auto special = [](std::uint64_t shndx) { return shndx == elf::kShnUndef || shndx >= elf::kShnLoreserve; };
  std::vector<std::uint64_t> new_symbol;
  if (symtab && secs[symtab].link >= count) {
    *why = "the symbol table names no string table";
    return {};
  }
  if (symtab) {
    Section& st = secs[symtab];
    const std::size_t n = st.size / L.sym_size;
    new_symbol.assign(n, UINT64_MAX);
    std::vector<std::byte> out;
    std::uint32_t first_global = 0;
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t at = k * L.sym_size;
      const auto info = static_cast<std::uint8_t>(st.data[at + L.st_info]);
      const std::uint64_t shndx = get(st.data, at + L.st_shndx, 2);
      const bool removed_section = !special(shndx) && shndx < count && !secs[shndx].keep;
      if (k != 0 && ((info & 0xF) == kSttFile || ((info & 0xF) == kSttSection && removed_section))) {
        ++report->symbols_removed;
        continue;
      }
      if (removed_section) {
        *why = "symbol " + std::to_string(k) + " is defined in a section the loader never reads";
        return {};
      }
      if (k < st.info) first_global = static_cast<std::uint32_t>(out.size() / L.sym_size + 1);
      new_symbol[k] = out.size() / L.sym_size;
      out.insert(out.end(), st.data.begin() + static_cast<std::ptrdiff_t>(at),
                 st.data.begin() + static_cast<std::ptrdiff_t>(at + L.sym_size));
      if (!special(shndx)) put(out, out.size() - L.sym_size + L.st_shndx, 2, new_index[shndx]);
    }
    st.data = std::move(out);
    st.info = first_global;
  }
  if (report->sections_removed == 0 && report->symbols_removed == 0) return {object.begin(), object.end()};
  // Kept relocations name their symbols by their new indexes.
  for (Section& s : secs) {
    if (!s.keep || (s.type != elf::kShtRela && s.type != elf::kShtRel)) continue;
    const std::size_t entry = s.type == elf::kShtRela ? 3 * L.word : 2 * L.word;
    for (std::size_t at = 0; at + entry <= s.data.size(); at += entry) {
      const std::uint64_t info = get(s.data, at + L.word, L.word);
      const std::uint64_t sym = L.rel_symbol(info);
      if (sym >= new_symbol.size() || new_symbol[sym] == UINT64_MAX) {
        *why = "a relocation of " + s.name + " uses a symbol of a section the loader never reads";
        return {};
      }
      put(s.data, at + L.word, L.word, L.with_symbol(info, new_symbol[sym]));
    }
  }
  // Section names: only the kept ones.
  std::vector<std::uint32_t> name_at(count, 0);
  {
    std::vector<std::byte> names{std::byte{0}};
    for (std::size_t i = 1; i < count; ++i) {
      if (!secs[i].keep) continue;
      name_at[i] = static_cast<std::uint32_t>(names.size());
      for (char c : secs[i].name) names.push_back(static_cast<std::byte>(c));
      names.push_back(std::byte{0});
    }
    secs[shstrndx].data = std::move(names);
  }
  // Lay the object out again: header, kept sections in order, section headers.
  std::vector<std::byte> out(object.begin(), object.begin() + static_cast<std::ptrdiff_t>(L.ehdr));
  const auto align_to = [&out](std::uint64_t a) {
    if (a < 1) a = 1;
    while (out.size() % a) out.push_back(std::byte{0});
  };
  std::vector<std::uint64_t> offset(count, 0);
  for (std::size_t i = 1; i < count; ++i) {
    Section& s = secs[i];
    if (!s.keep) continue;
    if (s.type == elf::kShtNobits) {
      offset[i] = out.size();
      continue;
    }
    align_to(s.align);
    offset[i] = out.size();
    out.insert(out.end(), s.data.begin(), s.data.end());
  }
  align_to(L.word);
  const std::size_t new_shoff = out.size();
  out.resize(out.size() + kept * L.shdr, std::byte{0});
  for (std::size_t i = 1; i < count; ++i) {
    const Section& s = secs[i];
    if (!s.keep) continue;
    const std::size_t h = new_shoff + new_index[i] * L.shdr;
    const std::size_t old_h = shoff + i * L.shdr;
    std::memcpy(out.data() + h, object.data() + old_h, L.shdr);  // addr, entsize as they were
    put(out, h + L.sh_name, 4, name_at[i]);
    put(out, h + L.sh_offset, L.word, offset[i]);
    put(out, h + L.sh_size, L.word, s.type == elf::kShtNobits ? s.size : s.data.size());
    std::uint32_t link = s.link, info = s.info;
    const bool links_section = s.type == elf::kShtSymtab || s.type == elf::kShtRela || s.type == elf::kShtRel ||
                               (s.flags & kShfLinkOrder) || s.type == elf::kShtArmExidx;
    if (links_section && link < count) link = new_index[link];
    if ((s.type == elf::kShtRela || s.type == elf::kShtRel || (s.flags & elf::kShfInfoLink)) && info < count)
      info = new_index[info];
    put(out, h + L.sh_link, 4, link);
    put(out, h + L.sh_info, 4, info);
  }
  put(out, L.shoff_at, L.word, new_shoff);
  put(out, L.shnum_at, 2, kept);
  put(out, L.shstrndx_at, 2, new_index[shstrndx]);
  if (auto again = ElfView::open(out); !again) {
    *why = std::string("the rewritten object does not open (a bug; the original is kept): ") +
           describe(again.error().code);
    return {};
  }
  report->bytes_after = out.size();
  return out;
}

int strip_command(const std::string& in_path, const std::string& out_path, std::string* out) {
  std::vector<std::byte> object;
  std::string why;
  if (!read_file(in_path, &object, &why)) {
    *out = "dynsched strip: " + why + "\n";
    return 1;
  }
  StripReport r;
  const std::vector<std::byte> stripped = strip_for_uplink(object, &r, &why);
  if (stripped.empty()) {
    *out = "dynsched strip: " + in_path + ": " + why + "\n";
    return 1;
  }
  std::ofstream f(out_path, std::ios::binary | std::ios::trunc);
  if (f) f.write(reinterpret_cast<const char*>(stripped.data()), static_cast<std::streamsize>(stripped.size()));
  if (!f) {
    *out = "dynsched strip: " + out_path + ": cannot write it\n";
    return 1;
  }
  std::string names;
  for (const std::string& n : r.removed) names += (names.empty() ? "" : ", ") + (n.empty() ? std::string("(unnamed)") : n);
  *out = out_path + ": " + std::to_string(r.bytes_after) + " B (was " + std::to_string(r.bytes_before) + " B): " +
         std::to_string(r.sections_removed) + " sections and " + std::to_string(r.symbols_removed) +
         " symbols the loader never reads removed" + (names.empty() ? "" : " (" + names + ")") +
         "; install this object and make later deltas against it\n";
  return 0;
}

}  // namespace dyn::cli
