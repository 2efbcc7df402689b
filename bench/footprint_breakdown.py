#!/usr/bin/env python3
"""Where a firmware image's flash and RAM go, from its link map (issue 13's
footprint figures): flash (text + data's load image) and RAM (data + bss) by
part of the system, the mission's embedded module images and the RAM that is
not the kernel's (task stacks, the module heap, the RAM standing in for flash)
shown apart.
    bench/footprint_breakdown.py IMAGE.map
The mps2-an385 preset links with LTO, which merges the core's objects: the
split by part needs a tree configured with -DCMAKE_INTERPROCEDURAL_OPTIMIZATION=OFF."""
import re
import sys
from collections import Counter

# Object file -> part of the system. Anything unlisted from the core is "core, other".
PARTS = [
    ("kernel", r"^(kernel|task_table|rb_tree|task_names|fault_names|housekeeping|round_robin|priority|multilevel|lottery)\.cpp"),
    ("kernel tables", r"^kernel_tables\.cpp"),
    ("loader, task manager, register", r"^(elf_view|module_loader|relocate_arm|relocate_x86_64|task_manager|task_register|task_heap|compiler_helpers)\.cpp"),
    ("kernel API + module C runtime", r"^(kernel_api|module_libc)\.cpp"),
    ("update manager, checkpoints, boot", r"^(update_manager|checkpoint|boot)\.cpp"),
    ("store, flash, CRC, SHA-256", r"^(module_store|flash|ram_flash|crc32|sha256|hmac_sha256)\.cpp"),
    ("module isolation (MPU layout, SVC gates)", r"^(isolation|mpu|mpu_layout)\.cpp"),
    ("port", r"^(startup|board|fault_handlers|port|cxx_runtime|module_memory|context_armv7m)\.(cpp|S)"),
    ("C library, compiler runtime", r"^(lib_a-|_|libgcc|libc)"),
    ("the image's own code", r"^(footprint|bench|modules_demo|conformance|target_runner|kernel_conformance)"),
]
NOT_KERNEL_RAM = {"g_stacks": "task stacks", "g_worker_stack": "task stacks", "g_module_heap": "module heap",
                  "g_flash": "RAM standing in for flash"}
# The system's storage the image hands to the core, by the image's names for it.
IMAGE_RAM = {"g_slots": "task control blocks (g_slots)", "g_entries": "task register entries (g_entries)",
             "g_kernel": "kernel objects (Kernel, its event queue...)", "g_table": "kernel objects (Kernel, its event queue...)",
             "g_system": "kernel objects (Kernel, its event queue...)", "g_symbols": "loader scratch (g_symbols, g_sections)",
             "g_sections": "loader scratch (g_symbols, g_sections)", "g_index": "store index (g_index)",
             "g_descs": "kernel tables' storage", "g_regions": "kernel tables' storage", "g_irqs": "kernel tables' storage"}
EMBEDDED = re.compile(r"^\.rodata\.dyn_modules")


def names(section, variable):
    """True if `section` holds the variable (mangled as <length><name>E, or plain)."""
    if not section.startswith((".bss", ".data")):
        return False
    return re.search(rf"\d{variable}E$", section) is not None or section.endswith("." + variable)


LTO_PART = "the core and the image's code (merged by LTO)"


def part_of(obj):
    name = obj.split("(")[-1].rstrip(")").split("/")[-1].replace(".obj", "").replace(".o", "", 1)
    if ".ltrans" in name:
        return LTO_PART
    for part, pattern in PARTS:
        if re.search(pattern, name):
            return part
    return "core, other: " + name


def main():
    text = open(sys.argv[1]).read()
    lines = text[text.index("Linker script and memory map"):].split("\n")
    flash, ram, embedded, not_kernel = Counter(), Counter(), 0, Counter()
    pending = None
    for line in lines:
        m = re.match(r"^ (\.\S+)\s*$", line)
        if m:
            pending = m.group(1)
            continue
        m = re.match(r"^ (\.\S+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+)", line)
        if m:
            section, address, size, obj = m.groups()
        else:
            m = re.match(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+)", line)
            if not (m and pending):
                pending = None
                continue
            section = pending
            address, size, obj = m.groups()
        pending = None
        address, size = int(address, 16), int(size, 16)
        if size == 0 or not section.startswith((".text", ".rodata", ".data", ".bss", ".vectors", ".init_array")):
            continue
        if EMBEDDED.match(section):
            embedded += size
            continue
        part = part_of(obj)
        in_ram = address >= 0x20000000
        storage = next((v for k, v in IMAGE_RAM.items() if names(section, k)), None)
        if storage:
            part = storage
        if not in_ram or section.startswith(".data"):
            flash[part] += size
        if in_ram:
            symbol = next((k for k in NOT_KERNEL_RAM if names(section, k)), None)
            if symbol:
                not_kernel[NOT_KERNEL_RAM[symbol]] += size
            else:
                ram[part] += size
    print(f"{'part':44} {'flash':>8} {'RAM':>8}")
    for part in sorted(set(flash) | set(ram), key=lambda p: -(flash[p] + ram[p])):
        print(f"{part:44} {flash[part]:8} {ram[part]:8}")
    print(f"{'total (without what follows)':44} {sum(flash.values()):8} {sum(ram.values()):8}")
    if embedded:
        print(f"{'embedded module images (the mission)':44} {embedded:8}")
    for what, size in not_kernel.items():
        print(f"{what:44} {'':8} {size:8}")
    if flash[LTO_PART] or ram[LTO_PART]:
        print("(a link-time optimised image keeps no object per part: for the split by part, configure a tree "
              "with -DCMAKE_INTERPROCEDURAL_OPTIMIZATION=OFF and read its map)")


main()
