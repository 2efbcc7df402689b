#!/usr/bin/env bash
# What `dynsched run` tells its user at the end: one line per file it wrote
# (trace, plot, log store, spacecraft store), a legend of the summary table's
# columns, and — for the demo's experiment, which the mission says is stopped
# by its watchdog on purpose — that the stops are intended, on the console
# and in the summary.
set -u
dynsched=$1 mission=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dynsched-run-output.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$dynsched" run "$mission" --for 5h --trace "$tmp/t.json" --plot "$tmp/p.svg" --log "$tmp/l.log" \
  --store "$tmp/s.store" --store-init >"$tmp/out" 2>"$tmp/err" || fail "run failed: $(cat "$tmp/err")"
out=$(cat "$tmp/out") err=$(cat "$tmp/err")
files=$(sed -n '/^files written:$/,$p' "$tmp/out")
[ "$(wc -l <<<"$files")" -eq 5 ] || fail "expected a header and 4 files written: $files"
grep -qxF "  trace: $tmp/t.json (Chrome trace: open it in https://ui.perfetto.dev or chrome://tracing)" <<<"$files" \
  || fail "no trace line: $files"
grep -qxF "  plot: $tmp/p.svg (SVG: battery charge, task timeline, live updates)" <<<"$files" || fail "no plot line: $files"
grep -qxF "  log store: $tmp/l.log (read it with: dynsched log $tmp/l.log)" <<<"$files" || fail "no log line: $files"
grep -qF "  spacecraft store: $tmp/s.store (" <<<"$files" || fail "no store line: $files"
for f in t.json p.svg l.log s.store; do [ -s "$tmp/$f" ] || fail "$f listed but not written"; done

# Only what was asked for is listed; with nothing asked for, nothing.
"$dynsched" run "$mission" --for 10m --plot "$tmp/only.svg" >"$tmp/out2" 2>/dev/null || fail "run with --plot only failed"
[ "$(sed -n '/^files written:$/,$p' "$tmp/out2")" = "$(printf 'files written:\n  plot: %s (SVG: battery charge, task timeline, live updates)' "$tmp/only.svg")" ] \
  || fail "--plot alone: $(tail -3 "$tmp/out2")"
"$dynsched" run "$mission" --for 10m >"$tmp/out3" 2>/dev/null || fail "run without files failed"
grep -q "files written" "$tmp/out3" && fail "a run that wrote nothing lists files"

# The table's legend: every column, after the table; the demo's placements.
grep -q "^columns:$" <<<"$out" || fail "no column legend: $out"
for column in task module where interval watchdog runs switches kills preempt "cpu, cpu%" "late max, late avg" stack state; do
  grep -qE "^  $column +[A-Za-z]" <<<"$(sed -n '/^columns:$/,/^$/p' "$tmp/out")" || fail "the legend does not explain $column"
done
grep -qF "L<n> = level n of 6 (L1 runs first); onetime = runs once, after level 6" <<<"$out" || fail "where legend: $out"
grep -qF "scen =" <<<"$out" && fail "the legend explains scen, which the demo does not show"

# The experiment's stops are intended: said at the first stop, and in the summary with their count.
grep -qE '^\[00:00:00\.[0-9]+\] watchdog: stopped "experiment" .*; intended \(expect = "watchdog"\): a runaway on purpose' <<<"$err" \
  || fail "the first stop does not say it is intended: $(grep experiment <<<"$err" | head -2)"
grep -qE '^\[02:00:00\.[0-9]+\] watchdog: stopped "experiment" .*\); intended$' <<<"$err" || fail "later stops: $err"
grep 'watchdog: stopped "beacon"' <<<"$err" | grep -q intended && fail "beacon's stop is called intended"
grep -qE '^  experiment: stopped by its watchdog 3 times, as intended \(expect = "watchdog"\): a runaway on purpose' <<<"$out" \
  || fail "the summary does not say the stops are intended: $out"
echo "ok: run lists every file it wrote, explains the table's columns, and says which watchdog stops are intended"
