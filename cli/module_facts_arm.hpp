// module_facts_arm.hpp — a Cortex-M module's descriptor and exports, read
// from the object's bytes without linking or running anything.
//
// A host object's facts come from linking it (read_module_facts in
// update_check.cpp). A Cortex-M object's descriptor holds 32-bit Thumb
// addresses that mean nothing on the host, so it is read statically: the
// descriptor's words from its section, each pointer through the relocation
// that patches it, the exports by the loader's own rule (is_module_export).
#pragma once

#include <string>

#include "dyn/elf_view.hpp"

namespace dyn::cli {

struct ModuleFacts;  // update_check.hpp

// `view` is an EM_ARM object (the caller checked the machine). Fills every
// field of *f but `path`; returns empty on success, else what is wrong with
// the object and what to do, naming the section, symbol or relocation and
// offset. Refuses what the loader would refuse in the descriptor (magic, ABI,
// name, hooks outside the module's code, state size) and in the exports (a
// kernel name, one name twice); whether the rest links is `dynsched inspect`'s
// question, not this one's.
[[nodiscard]] std::string read_module_facts_arm(const ElfView& view, ModuleFacts* f);

}  // namespace dyn::cli
