#!/usr/bin/env bash
# A mission with misbehaving modules, run as a user would: a module that
# faults, a loop that only yields, an update whose restore hook hangs, and an
# update the run ends before. The process lives, each culprit is stopped or
# rolled back alone with a record that says what it did, the rest keeps its
# schedule, and nothing is silently dropped.
set -u
dynsched=$1 modules=$2 beacons=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cat >"$tmp/faults.toml" <<TOML
[mission]
name = "faults"
duration = "20s"

[scheduler]
policy = "priority"

[[task]]
name = "steady"
priority = 5
interval = "100ms"
work = "busy:1ms"

[[task]]
name = "faulty"
priority = 2
interval = "1s"
watchdog = "50ms"
module = "$modules/hostile_first_run_faults.o"

[[task]]
name = "spinner"
priority = 1
model = "loop"
watchdog = "20ms"
module = "$modules/hostile_yield_loop.o"

[[task]]
name = "mathlib"
priority = 3
interval = "10s"
module = "$beacons/mathlib/mathlib.o"

[[task]]
name = "beacon"
priority = 2
interval = "1s"
watchdog = "50ms"
module = "$beacons/beacon/beacon_v2.o"

[[update]]
at = "5s"
task = "beacon"
module = "$modules/hostile_restore_spins.o"

[[update]]
at = "1h"
task = "beacon"
module = "$beacons/beacon/beacon_v2.o"
TOML
out=$("$dynsched" run "$tmp/faults.toml" --for 10s --trace "$tmp/trace.json" 2>&1)
code=$?
[ "$code" -eq 0 ] || fail "exit code $code: $out"
grep -qE 'fault: stopped "faulty": memory access violation at 0x0, beacon v9 \+0x[0-9a-f]+' <<<"$out" ||
  fail "no fault line: $out"
grep -q "^faults (each task stopped alone" <<<"$out" || fail "no faults section in the summary: $out"
grep -qE '^  \[00:00:00\.[0-9]{3}\] faulty: memory access violation' <<<"$out" || fail "summary fault record: $out"
grep -q 'watchdog: stopped "spinner"' <<<"$out" || fail "the yield-only loop was not stopped: $out"
grep -qE "^faulty .* dead \(fault\)" <<<"$out" || fail "faulty not dead (fault): $out"
grep -qE "^steady .* 100 +100 " <<<"$out" || fail "steady did not keep its 100 runs: $out"
grep -q "beacon <- .*hostile_restore_spins.o: rolled back: the new version's restore hook was stopped" <<<"$out" ||
  fail "hanging restore not rolled back: $out"
grep -qE "^beacon +beacon v2" <<<"$out" || fail "beacon does not run v2 after the rollback: $out"
grep -q "warning: .*faults.toml:[0-9]*: \[\[update\]\] of beacon at 01:00:00.000 is at or after the end of the run" <<<"$out" ||
  fail "no warning for the update after the end: $out"
grep -q "beacon <- .*beacon_v2.o: not done: the run ended first" <<<"$out" || fail "late update not listed: $out"
grep -q '"name":"fault","cat":"fault"' "$tmp/trace.json" || fail "no fault event in the trace"
python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$tmp/trace.json" || fail "the trace is not valid JSON"
echo "ok: faulting, spinning and hanging modules stopped alone; the rest kept its schedule"
