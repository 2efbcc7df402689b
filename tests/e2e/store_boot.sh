#!/usr/bin/env bash
# After a power cycle the system boots the last committed versions: run the
# demo with a store until its first update is committed, then run again with
# the same store and check the beacon boots version 2 with its checkpointed state.
set -u
dynsched=$1 mission=$2
store=$(mktemp -u "${TMPDIR:-/tmp}/dynsched-store.XXXXXX")
trap 'rm -f "$store"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# A new store is not taken silently: it must be initialised on purpose.
out=$("$dynsched" run "$mission" --for 1h --store "$store" 2>&1) && fail "a new store was taken without --store-init"
grep -q "the store is erased (a new store?)" <<<"$out" || fail "new store: $out"
rm -f "$store"
out=$("$dynsched" run "$mission" --for 7h --store "$store" --store-init 2>/dev/null) || fail "first run: $out"
grep -q "store: initialised for spacecraft" <<<"$out" || fail "initialisation not said: $out"
grep -q "beacon: beacon v1: first deploy, recorded in the store as committed" <<<"$out" || fail "first boot: $out"
grep -q "beacon <- beacon_v2: committed" <<<"$out" || fail "update not committed: $out"

out=$("$dynsched" run "$mission" --for 1h --store "$store" 2>/dev/null) || fail "second run: $out"
grep -q "beacon: beacon v2 from the store, state from its last checkpoint" <<<"$out" || fail "second boot: $out"
grep -q "mathlib: mathlib v1 from the store" <<<"$out" || fail "mathlib not booted from the store: $out"
grep -qE "^beacon +beacon v2" <<<"$out" || fail "beacon does not run v2: $out"

# Power lost during probation (the run ends 1 minute after the 06:00 update):
# the trial is in the store, uncommitted; the next boot drops it.
# One flipped bit in the committed beacon v2 image: the task still boots (the
# mission's own v1, said loudly and recorded), and so does everything else.
modules=$(dirname "$dynsched")/../modules
cp "$store" "$store.damaged"
python3 - "$store.damaged" "$modules/beacon/beacon_v2.o" <<'PY' || fail "v2's image not found in the store"
import sys
store, image = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
window = image[len(image) // 2:len(image) // 2 + 64]
at = store.find(window)
if at < 0: sys.exit(1)
flipped = bytearray(store); flipped[at + 10] ^= 0x08
open(sys.argv[1], "wb").write(flipped)
PY
out=$("$dynsched" run "$mission" --for 1h --store "$store.damaged" 2>&1) || fail "a damaged image stopped the boot: $out"
grep -q "boot: beacon: the store's beacon v2 does not read back" <<<"$out" || fail "no loud fallback: $out"
grep -qE "^beacon +beacon v1" <<<"$out" || fail "beacon does not run: $out"
grep -qE "^adcs " <<<"$out" || fail "the rest did not boot: $out"
rm -f "$store.damaged"

# A store of another mission is refused, even with --store-init, and left as it is.
other=$(mktemp -d)
sed 's/^name = "cubesat-day"/name = "other-mission"/' "$mission" >"$other/other.toml"
before=$(sha256sum "$store" | cut -d' ' -f1)
for init in "" --store-init; do
  out=$("$dynsched" run "$other/other.toml" --for 1h --store "$store" $init 2>&1) &&
    fail "another mission's store was taken ($init)"
  grep -q "belongs to another spacecraft or mission.*mission \"cubesat-day\"" <<<"$out" || fail "foreign store ($init): $out"
done
[ "$(sha256sum "$store" | cut -d' ' -f1)" = "$before" ] || fail "a refused store was changed"
rm -rf "$other"

# Wiped stores (zeros, random bytes) and an empty file: refused with the reason; --store-init starts afresh.
for wipe in zeros random empty; do
  case $wipe in
    zeros) head -c $((64 * 65536)) /dev/zero >"$store" ;;
    random) head -c $((64 * 65536)) /dev/urandom >"$store" ;;
    empty) : >"$store" ;;
  esac
  out=$("$dynsched" run "$mission" --for 1h --store "$store" 2>&1) && fail "a $wipe store was taken silently"
  case $wipe in
    empty) grep -q "the store is erased" <<<"$out" || fail "$wipe store: $out" ;;
    *) grep -q "holds neither store records nor erased flash" <<<"$out" || fail "$wipe store: $out" ;;
  esac
  out=$("$dynsched" run "$mission" --for 1h --store "$store" --store-init 2>/dev/null) || fail "$wipe + --store-init: $out"
  grep -q "beacon: beacon v1: first deploy" <<<"$out" || fail "$wipe store not initialised: $out"
done
head -c 1000 /dev/zero >"$store"
out=$("$dynsched" run "$mission" --for 1h --store "$store" --store-init 2>&1) && fail "a file of the wrong size was taken"
grep -q "the file is 1000 bytes, a store is 4194304" <<<"$out" || fail "wrong size: $out"

rm -f "$store"
out=$("$dynsched" run "$mission" --for 361m --store "$store" --store-init 2>/dev/null) || fail "interrupted run: $out"
grep -q "beacon <- beacon_v2" <<<"$out" || fail "no update started: $out"
out=$("$dynsched" run "$mission" --for 1h --store "$store" 2>/dev/null) || fail "boot after the cut: $out"
grep -q "beacon: beacon v1 from the store.*an interrupted update to beacon v2 was dropped" <<<"$out" ||
  fail "interrupted update not dropped: $out"
grep -qE "^beacon +beacon v1" <<<"$out" || fail "beacon does not run v1: $out"

out=$("$dynsched" run "$mission" --for 1h --store /nonexistent-dir/x.store 2>&1) && fail "an unusable store was accepted"
grep -q "cannot open the store" <<<"$out" || fail "bad store path: $out"
echo "ok: a second boot runs the committed version with its checkpointed state"
