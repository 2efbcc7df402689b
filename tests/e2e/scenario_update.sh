#!/usr/bin/env bash
# A module task driven by a scenario is updated live: the update waits for a
# point between two of its runs, the new version keeps the scenario's
# cadence (12 runs an hour for 3 h = 36 runs, none lost, none extra), and
# probation counts its runs. Then the task is removed: the meta-scheduler's
# later wakes are refused by the kernel and reported, and nothing breaks.
set -u
dynsched=$1 modules=$2
dir=$(mktemp -d "${TMPDIR:-/tmp}/dynsched-scenario-update.XXXXXX")
trap 'rm -rf "$dir"' EXIT
cat >"$dir/m.toml" <<'TOML'
[mission]
name = "scenario-module"
duration = "3h"
[scheduler]
policy = "multilevel"
max_tasks = 8
[[task]]
name = "mathlib"
module = "mathlib"
level = 5
interval = "60s"
[[task]]
name = "beacon"
module = "beacon"
level = 3
watchdog = "50ms"
[[scenario]]
task = "beacon"
priority = "always"
repeats = 12
[[update]]
at = "1h"
task = "beacon"
module = "beacon_v2"
probation_points = 2
probation = "20m"
TOML
out=$("$dynsched" run "$dir/m.toml" --module-path "$modules" --trace "$dir/t.json" 2>&1) || { echo "FAIL: run: $out"; exit 1; }
grep -q "beacon <- beacon_v2: committed (v1 -> v2" <<<"$out" || { echo "FAIL: the update did not commit"; echo "$out"; exit 1; }
python3 - "$dir/t.json" <<'PY' || exit 1
import json, sys
events = json.load(open(sys.argv[1]))["traceEvents"]
starts = sorted(e["ts"] for e in events if e.get("ph") == "X" and e["name"] == "beacon" and e["args"]["start"])
if len(starts) != 36:
    sys.exit(f"FAIL: beacon ran {len(starts)} times in 3 h, expected 36 (every 5 min across the update)")
gaps = {b - a for a, b in zip(starts, starts[1:])}
if min(gaps) < 5 * 60_000_000 - 10_000 or max(gaps) > 5 * 60_000_000 + 10_000:
    sys.exit(f"FAIL: beacon's runs are not 5 min apart across the update: gaps {sorted(gaps)[:3]}..{sorted(gaps)[-3:]}")
print("ok: scenario module updated live, 36 runs every 5 min")
PY
# Removal of a scenario task: later wakes are refused and the summary says so.
sed -e 's/^module = "beacon_v2"$/action = "remove"/' -e '/^probation/d' -e 's/^at = "1h"$/at = "70m"/' "$dir/m.toml" >"$dir/rm.toml"
out=$("$dynsched" run "$dir/rm.toml" --module-path "$modules" 2>&1) || { echo "FAIL: run with a removal: $out"; exit 1; }
grep -q "beacon <- (removal): removed at a consistent point" <<<"$out" || { echo "FAIL: not removed"; echo "$out"; exit 1; }
grep -Eq "^  beacon +removed .*wake\(s\)/stop\(s\) refused: task gone" <<<"$out" ||
  { echo "FAIL: the summary does not report the refused wakes"; echo "$out"; exit 1; }
echo "ok: a removed scenario task's later wakes are refused and reported"
