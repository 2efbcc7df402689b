// elf_fuzz.cpp — libFuzzer target for the validating ELF reader.
//
// Whatever open() accepts, every accessor is then driven over every index it
// allows and every field is folded into a volatile sink, so a read outside the
// image shows up under ASan instead of passing silently.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "dyn/elf_view.hpp"

namespace {

volatile std::uint64_t sink;

std::uint64_t touch(std::span<const std::byte> bytes) {
  std::uint64_t sum = bytes.size();
  for (std::byte b : bytes) sum += static_cast<std::uint8_t>(b);
  return sum;
}

std::uint64_t touch(std::string_view s) {
  std::uint64_t sum = s.size();
  for (char c : s) sum += static_cast<unsigned char>(c);
  return sum;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Safety: std::byte may alias any object; the fuzzer's buffer is `size` bytes.
  const std::span<const std::byte> image(reinterpret_cast<const std::byte*>(data), size);
  const auto opened = dyn::ElfView::open(image);
  if (!opened) {
    if (std::strlen(dyn::describe(opened.error().code)) == 0) __builtin_trap();  // every refusal says why
    return 0;
  }
  const dyn::ElfView& v = opened.value();
  std::uint64_t sum = v.is64() + v.machine() + v.flags() + v.symtab_index();
  for (std::size_t i = 0; i < v.section_count(); ++i) {
    const dyn::ElfSection s = v.section(i);
    sum += touch(s.name) + s.type + s.flags + s.offset + s.size + s.link + s.info + s.align + s.entsize;
    const auto bytes = v.section_data(i);
    if (!bytes.empty() && (bytes.data() < image.data() || bytes.data() + bytes.size() > image.data() + image.size()))
      __builtin_trap();
    sum += touch(bytes);
    if (s.type != dyn::elf::kShtRel && s.type != dyn::elf::kShtRela) continue;
    if (s.info == 0 || s.info >= v.section_count()) __builtin_trap();  // open() promised a valid target
    for (std::size_t k = 0; k < v.relocation_count(i); ++k) {
      const dyn::ElfRelocation r = v.relocation(i, k);
      if (r.symbol >= v.symbol_count()) __builtin_trap();
      sum += r.offset + r.symbol + r.type + static_cast<std::uint64_t>(r.addend) + r.has_addend;
    }
  }
  for (std::size_t k = 0; k < v.symbol_count(); ++k) {
    const dyn::ElfSymbol s = v.symbol(k);
    sum += touch(s.name) + s.value + s.size + s.bind + s.type + s.shndx;
    if (s.shndx != 0 && s.shndx < 0xff00 && s.shndx >= v.section_count()) __builtin_trap();
  }
  sink = sum;
  return 0;
}
