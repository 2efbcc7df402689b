#!/usr/bin/env bash
# Seed 003's logger end to end: a run persists its log lines through the
# logger; `dynsched log` prints them, filtered by severity and task. Lines
# longer than one entry's 48-byte blob (the beacon's frame lines, the
# system's update lines) come back whole, joined from their parts.
set -u
dynsched=$1 mission=$2
log=$(mktemp -u "${TMPDIR:-/tmp}/dynsched-log.XXXXXX")
trap 'rm -f "$log"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$dynsched" run "$mission" --for 370m --log "$log" >/dev/null 2>&1 || fail "run with --log failed"
[ -s "$log" ] || fail "nothing persisted"
out=$("$dynsched" log "$log" --severity warning) || fail "dynsched log failed: $out"
grep -q "warning experiment: stopped by its watchdog" <<<"$out" || fail "watchdog stop not in the log: $out"
grep -q "info" <<<"$out" && fail "--severity warning still shows info lines"
out=$("$dynsched" log "$log" --task beacon) || fail "dynsched log --task failed"
grep -q "info beacon: beacon: frame" <<<"$out" || fail "beacon lines missing: $(head -3 <<<"$out")"
grep -qv "beacon" <<<"$(grep '^\[' <<<"$out")" && fail "--task beacon shows other tasks"
# 59 bytes: two entries in the file, one line here.
grep -Eq "info beacon: beacon: frame [0-9a-f]{40}$" <<<"$out" || fail "beacon frame lines not whole: $(head -3 <<<"$out")"
out=$("$dynsched" log "$log" --task system) || fail "dynsched log --task system failed"
msg="update beacon v1 -> v2: state checkpointed and restored into the new version; on probation: 3 consistent points within 10 min"
[ ${#msg} -gt 48 ] || fail "the checked line fits one entry: it tests nothing"
grep -qxF "[06:00:00.057] info system: $msg" <<<"$out" || fail "the update line is not whole: $(grep update <<<"$out")"
out=$("$dynsched" log "$log")
grep -Eq "\((start lost|end lost|cut: )" <<<"$out" && fail "a run this short lost or cut a message: $(grep -E '\((start|end|cut)' <<<"$out" | head -3)"
grep -Eq "^[0-9]+ of [0-9]+ messages shown \([0-9]+ entries\)$" <<<"$out" || fail "no summary: $(tail -2 <<<"$out")"
# A second run appended to the same store (a spacecraft's card across boots):
# its entries are numbered after the first run's, so each run's lines come
# back once, whole, and never joined to the other's.
once=$(grep -Eo "^[0-9]+ of" <<<"$out" | grep -Eo "[0-9]+")
err=$("$dynsched" run "$mission" --for 370m --log "$log" 2>&1 >/dev/null) || fail "a second run on the log failed"
grep -q "holds an earlier run's log: this run's entries are appended after them" <<<"$err" || fail "the append is not said: $err"
out=$("$dynsched" log "$log")
twice=$(grep -Eo "^[0-9]+ of" <<<"$out" | grep -Eo "[0-9]+")
[ "$twice" -eq $((2 * once)) ] || fail "two runs give $twice messages, one gives $once"
grep -Eq "\((start lost|end lost|cut: )" <<<"$out" && fail "two appended runs glued or lost lines: $(grep -E '\((start|end|cut)' <<<"$out" | head -3)"
[ "$(grep -cxF "[06:00:00.057] info system: $msg" <<<"$out")" -eq 2 ] || fail "the update line is not there once per run"
head -c 300 /dev/urandom >>"$log"   # a damaged tail is reported, not fatal
out=$("$dynsched" log "$log" --severity error) || fail "damaged log refused: $out"
grep -q "damage in the file" <<<"$out" || fail "damage not reported: $out"
"$dynsched" log /nonexistent.log >/dev/null 2>&1 && fail "a missing log file was accepted"
echo "ok: logs persisted through the logger and printed with filters, long lines whole"
