#!/usr/bin/env bash
# `dynsched inspect` accepts a good module (exit 0) and refuses a bad one with the reason (exit 1).
set -u
dynsched=$1 modules=$2 programs=$3
fail() { echo "FAIL: $*"; exit 1; }

out=$("$dynsched" inspect "$modules/beacon/beacon.o" --with "$modules/mathlib/mathlib.o" 2>&1) || fail "beacon refused: $out"
grep -q "mathlib_crc16  <- an installed module" <<<"$out" || fail "import of mathlib_crc16 not attributed: $out"
grep -q "dyn_log  <- the kernel" <<<"$out" || fail "kernel import not shown: $out"
grep -q "R_X86_64_PLT32" <<<"$out" || fail "relocation counts missing: $out"
grep -q "verdict: accepted" <<<"$out" || fail "no verdict: $out"
grep -q "module: beacon version 1" <<<"$out" || fail "descriptor not shown: $out"

out=$("$dynsched" inspect "$modules/beacon/beacon.o" 2>&1) && fail "beacon without mathlib accepted"
grep -q "unresolved symbol 'mathlib_crc16'" <<<"$out" || fail "reason missing: $out"

out=$("$dynsched" inspect "$programs/bad_import.o" 2>&1) && fail "bad_import accepted"
grep -q "getenv  <- NOBODY" <<<"$out" || fail "missing import not flagged: $out"

# Every unresolved symbol is named in the verdict, not only the first.
out=$("$dynsched" inspect "$programs/many_imports.o" 2>&1) && fail "many_imports accepted"
grep -q "verdict: REFUSED: 3 unresolved symbols: srand getenv rand" <<<"$out" || fail "not every unresolved symbol named: $out"

# The GOT is the loader's: no false NOBODY line for an object the runtime accepts (apart from its descriptor).
out=$("$dynsched" inspect "$programs/prog_fnptr_pic.o" 2>&1)
grep -q "_GLOBAL_OFFSET_TABLE_  <- the loader" <<<"$out" || fail "GOT reference misattributed: $out"
grep -q "NOBODY" <<<"$out" && fail "false NOBODY: $out"
# An object without a descriptor links but is not installed: the verdict says so, and the exit status agrees.
grep -q "verdict: REFUSED: it links" <<<"$out" || fail "no-descriptor verdict: $out"
"$dynsched" inspect "$programs/prog_fnptr_pic.o" >/dev/null 2>&1 && fail "an object without a descriptor exits 0"

# A library module (entry NULL) is accepted, exit 0, and said not to run as a task.
out=$("$dynsched" inspect "$programs/ctor_library.o" 2>&1) || fail "library module refused: $out"
grep -q "library: no entry, so it does not run as a task" <<<"$out" || fail "library not said: $out"

# Exports: only what the module marks; the rest is its own.
out=$("$dynsched" inspect "$programs/visibility_a.o" 2>&1) || fail "visibility_a refused: $out"
grep -A1 "^exports:" <<<"$out" | grep -q "visibility_answer (function)" || fail "DYN_EXPORT not listed: $out"
grep -q "2 global symbols are hidden" <<<"$out" || fail "hidden symbols not counted: $out"

out=$("$dynsched" inspect "$modules/beacon/beacon_m3.o" --with "$modules/mathlib/mathlib_m3.o" 2>&1) ||
  fail "Cortex-M3 beacon refused: $out"
grep -q "R_ARM_THM_CALL" <<<"$out" || fail "ARM relocations missing: $out"
grep -q "module: beacon version 1, state 24 B of schema 1" <<<"$out" || fail "Cortex-M3 descriptor not shown: $out"

# Cortex-M3 versions: the update check reads their descriptors from their bytes.
if [ -f "$modules/beacon/beacon_v2_m3.o" ]; then
  out=$("$dynsched" inspect "$modules/beacon/beacon_v2_m3.o" --with "$modules/mathlib/mathlib_m3.o" \
          --update-from "$modules/beacon/beacon_m3.o" 2>&1) || fail "Cortex-M3 beacon v1 -> v2 refused: $out"
  grep -q "update verdict: can replace the installed version" <<<"$out" || fail "Cortex-M3 update check: $out"
fi

# A Cortex-M3 module that needs 64-bit division and soft float: the kernel exports the helpers.
if [ -f "$programs/arm_helpers_m3.o" ]; then
  out=$("$dynsched" inspect "$programs/arm_helpers_m3.o" 2>&1) || fail "Cortex-M3 helpers refused: $out"
  grep -q "__aeabi_uldivmod  <- the kernel" <<<"$out" || fail "64-bit division helper not resolved: $out"
  grep -q "__aeabi_dadd  <- the kernel" <<<"$out" || fail "soft-float helper not resolved: $out"
  grep -q "_ctype_  <- the kernel" <<<"$out" || fail "newlib's ctype table not resolved: $out"
fi

head -c 100 /dev/urandom >"${TMPDIR:-/tmp}/not-elf.$$"
out=$("$dynsched" inspect "${TMPDIR:-/tmp}/not-elf.$$" 2>&1) && fail "random bytes accepted"
rm -f "${TMPDIR:-/tmp}/not-elf.$$"
grep -q "refused" <<<"$out" || fail "random bytes: $out"
echo "ok: inspect accepts good modules and says why it refuses bad ones"
