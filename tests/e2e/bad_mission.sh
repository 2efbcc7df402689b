#!/usr/bin/env bash
# A mission with an error is refused with file:line: key: message and exit code 1.
set -u
dynsched=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/bad.toml" <<'TOML'
[scheduler]
policy = "multilevel"

[[task]]
name = "beacon"
interval = "ten seconds"
work = "busy:2ms"
TOML
out=$("$dynsched" run "$tmp/bad.toml" 2>&1)
code=$?
[ "$code" -eq 1 ] || { echo "FAIL: exit code $code, expected 1"; exit 1; }
grep -q "bad.toml:6: task\[0\].interval: bad duration" <<<"$out" || { echo "FAIL: message was: $out"; exit 1; }
out=$("$dynsched" run "$tmp/none.toml" 2>&1)
[ $? -eq 1 ] && grep -q "cannot open" <<<"$out" || { echo "FAIL: missing file: $out"; exit 1; }
# A command that does not exist is named, with those that do; --version answers.
out=$("$dynsched" check "$tmp/none.toml" 2>&1)
[ $? -eq 2 ] && grep -q 'no command "check"; the commands are: run, log, inspect' <<<"$out" ||
  { echo "FAIL: unknown command: $out"; exit 1; }
out=$("$dynsched" --version 2>&1)
grep -Eq "^dynsched [0-9]+\.[0-9]+\.[0-9]+$" <<<"$out" || { echo "FAIL: --version: $out"; exit 1; }
echo "ok: bad missions refused with file, line and key"
