#!/usr/bin/env bash
# Seed 003's logger end to end: a run persists its log lines through the
# logger; `dynsched log` prints them, filtered by severity and task.
set -u
dynsched=$1 mission=$2
log=$(mktemp -u "${TMPDIR:-/tmp}/dynsched-log.XXXXXX")
trap 'rm -f "$log"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$dynsched" run "$mission" --for 3h --log "$log" >/dev/null 2>&1 || fail "run with --log failed"
[ -s "$log" ] || fail "nothing persisted"
out=$("$dynsched" log "$log" --severity warning) || fail "dynsched log failed: $out"
grep -q "warning experiment: stopped by its watchdog" <<<"$out" || fail "watchdog stop not in the log: $out"
grep -q "info" <<<"$out" && fail "--severity warning still shows info lines"
out=$("$dynsched" log "$log" --task beacon) || fail "dynsched log --task failed"
grep -q "info beacon: beacon: frame" <<<"$out" || fail "beacon lines missing: $(head -3 <<<"$out")"
grep -qv "beacon" <<<"$(grep '^\[' <<<"$out")" && fail "--task beacon shows other tasks"
head -c 300 /dev/urandom >>"$log"   # a damaged tail is reported, not fatal
out=$("$dynsched" log "$log" --severity error) || fail "damaged log refused: $out"
grep -q "damage in the file" <<<"$out" || fail "damage not reported: $out"
"$dynsched" log /nonexistent.log >/dev/null 2>&1 && fail "a missing log file was accepted"
echo "ok: logs persisted through the logger and printed with filters"
