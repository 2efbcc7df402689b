#!/usr/bin/env bash
# Update packages end to end (docs/packages.md): keygen, pack, verify, and a
# mission whose [[update]]s arrive as packages — one is installed live; a
# replay, an older one, a corrupted one, one signed with another key and one
# for another module are each refused with their reason, and the task keeps
# running the version it had. Both authentication modes.
set -u
dynsched=$1 modules=$2 test_modules=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/dynsched-package.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$work" || exit 1

"$dynsched" keygen ground >/dev/null || fail "keygen"
"$dynsched" keygen intruder >/dev/null || fail "keygen intruder"
"$dynsched" keygen sat --hmac >/dev/null || fail "keygen --hmac"
[ "$(stat -c %a ground.key)" = 600 ] || fail "the secret key is readable by others"
cp ground.key loose.key && chmod 644 loose.key
out=$("$dynsched" pack --new "$modules/mathlib/mathlib.o" --key loose.key --seq 1 -o loose.dsu 2>&1) &&
  fail "packed with a secret key others can read"
grep -q "readable by others (mode 644): chmod 600" <<<"$out" || fail "loose key reason: $out"
"$dynsched" keygen ground 2>/dev/null && fail "keygen overwrote a key"
# Half a pair is no pair: with only the public key there, keygen writes no new secret key beside it.
cp ground.pub half.pub
"$dynsched" keygen half 2>/dev/null && fail "keygen wrote a secret key beside an older public key"
[ -e half.key ] && fail "keygen left half.key without its public key"

lib="--with $modules/mathlib/mathlib.o"
out=$("$dynsched" pack --new "$modules/beacon/beacon_v2.o" $lib --key ground.key --seq 7 -o b7.dsu) || fail "pack: $out"
grep -Eq "full package of beacon v2 .* sequence 7, Ed25519" <<<"$out" || fail "pack says: $out"
grep -Eq "s at 1200 bit/s, [0-9.]+ s at 9600 bit/s" <<<"$out" || fail "no link time: $out"
"$dynsched" pack --new "$modules/beacon/beacon_v2.o" $lib --key ground.key --seq 5 -o b5.dsu >/dev/null || fail "pack 5"
"$dynsched" pack --new "$modules/beacon/beacon_v2.o" $lib --key intruder.key --seq 9 -o evil.dsu >/dev/null || fail "pack evil"
"$dynsched" pack --new "$modules/mathlib/mathlib_v2.o" --key ground.key --seq 10 -o math.dsu >/dev/null || fail "pack math"
"$dynsched" pack --new "$modules/beacon/beacon_v2.o" $lib --key ground.pub --seq 9 -o x.dsu 2>/dev/null && fail "packed with a public key"
cp b7.dsu bad.dsu && printf '\x55' | dd of=bad.dsu bs=1 seek=300 conv=notrunc 2>/dev/null
# What the ground tool refuses: writing over a key or an input, a negative or the last sequence number,
# a base that is not the installed version of the module.
cp ground.key keep.key
"$dynsched" pack --new "$modules/beacon/beacon_v2.o" $lib --key ground.key --seq 9 -o ground.key 2>/dev/null && fail "overwrote the key"
cmp -s ground.key keep.key || fail "the secret key changed"
# Nor a key file that read_key_file would refuse to use (loose permissions, CRLF line ends).
cp loose.key loose_keep.key
"$dynsched" pack --new "$modules/beacon/beacon_v2.o" $lib --key ground.key --seq 9 -o loose.key 2>/dev/null &&
  fail "overwrote a key with loose permissions"
cmp -s loose.key loose_keep.key || fail "the loose key changed"
sed 's/$/\r/' sat.hmac > crlf.hmac && chmod 600 crlf.hmac && cp crlf.hmac crlf_keep.hmac
"$dynsched" pack --new "$modules/beacon/beacon_v2.o" $lib --key ground.key --seq 9 -o crlf.hmac 2>/dev/null &&
  fail "overwrote a key with CRLF line ends"
cmp -s crlf.hmac crlf_keep.hmac || fail "the CRLF key changed"
"$dynsched" pack --new "$modules/beacon/beacon_v2.o" $lib --key ground.key --seq 9 -o ground.pub 2>/dev/null && fail "overwrote a public key"
cp "$modules/beacon/beacon_v2.o" own.o
"$dynsched" pack --new own.o $lib --key ground.key --seq 9 -o own.o 2>/dev/null && fail "overwrote its input"
cmp -s own.o "$modules/beacon/beacon_v2.o" || fail "the input changed"
"$dynsched" pack --new "$modules/beacon/beacon_v2.o" $lib --key ground.key --seq -5 -o neg.dsu 2>/dev/null && fail "a negative sequence"
"$dynsched" pack --new "$modules/beacon/beacon_v2.o" $lib --key ground.key --seq 18446744073709551615 -o max.dsu 2>/dev/null &&
  fail "the last sequence number"
out=$("$dynsched" pack --base "$modules/mathlib/mathlib.o" --new "$modules/beacon/beacon_v2.o" $lib --key ground.key --seq 9 \
      -o other-base.dsu 2>&1) && fail "a delta against another module"
grep -q "is module mathlib, not beacon (if the new version renames it, say --renames mathlib)" <<<"$out" || fail "base reason: $out"
: >empty.o
"$dynsched" pack --base empty.o --new "$modules/beacon/beacon_v2.o" $lib --key ground.key --seq 9 -o e.dsu 2>/dev/null &&
  fail "a delta against an empty base"

out=$("$dynsched" verify b7.dsu --pub ground.pub) || fail "verify: $out"
grep -q "decision: accepted" <<<"$out" || fail "verify: $out"
out=$("$dynsched" verify b7.dsu --pub intruder.pub 2>&1) && fail "verified with another key"
grep -q "does not verify" <<<"$out" || fail "wrong key reason: $out"
out=$("$dynsched" verify b7.dsu --pub ground.pub --accepted 7 2>&1) && fail "a replay verified"
grep -q "replayed" <<<"$out" || fail "replay reason: $out"
out=$("$dynsched" verify b7.dsu --pub ground.pub --accepted 6 --window 0 2>&1)
grep -q "decision: accepted" <<<"$out" || fail "the next number must pass a window of 0: $out"
out=$("$dynsched" verify b7.dsu --pub ground.pub --accepted 1 --window 2 2>&1) && fail "a jump verified"
grep -q "skips more numbers than the mission's sequence_window allows" <<<"$out" || fail "jump reason: $out"

cat >m.toml <<TOML
[mission]
name = "packages"
duration = "20m"
[scheduler]
policy = "priority"
tick = "1ms"
[security]
ground_key = "ground.pub"
[[task]]
name = "mathlib"
module = "$modules/mathlib/mathlib.o"
priority = 3
interval = "1h"
[[task]]
name = "beacon"
module = "$modules/beacon/beacon.o"
priority = 2
interval = "10s"
watchdog = "50ms"
[[update]]
at = "1m"
task = "beacon"
package = "b7.dsu"
[[update]]
at = "5m"
task = "beacon"
package = "b7.dsu"
[[update]]
at = "6m"
task = "beacon"
package = "b5.dsu"
[[update]]
at = "7m"
task = "beacon"
package = "bad.dsu"
[[update]]
at = "8m"
task = "beacon"
package = "evil.dsu"
[[update]]
at = "9m"
task = "beacon"
package = "math.dsu"
[[update]]
at = "10m"
task = "mathlib"
package = "m11.dsu"
[[update]]
at = "11m"
task = "mathlib"
package = "m11b.dsu"
TOML
# Authentic and fresh, refused by the update itself (v3 drops an export beacon
# uses): its number is used all the same, so the same number is a replay.
"$dynsched" pack --new "$modules/mathlib/mathlib_v3.o" --key ground.key --seq 11 -o m11.dsu >/dev/null || fail "pack m11"
"$dynsched" pack --new "$modules/mathlib/mathlib_v2.o" --key ground.key --seq 11 -o m11b.dsu >/dev/null || fail "pack m11b"
out=$("$dynsched" run m.toml --log m.log 2>&1) || fail "run: $out"
grep -q "beacon <- b7.dsu: committed (v1 -> v2" <<<"$out" || fail "the package was not installed: $out"
grep -q "05:00.000\] beacon <- b7.dsu: refused: package .*: replayed" <<<"$out" || fail "replay not refused: $out"
grep -q "beacon <- b5.dsu: refused: package .*: older than the last accepted package .*(last accepted: 7)" <<<"$out" ||
  fail "older not refused: $out"
grep -q "beacon <- bad.dsu: refused: package .*: the authentication does not verify" <<<"$out" || fail "corruption: $out"
grep -q "beacon <- evil.dsu: refused: package .*: the authentication does not verify" <<<"$out" || fail "other key: $out"
grep -q "beacon <- math.dsu: refused: package .*: for another module than the task runs .*(the package is for mathlib, the task runs beacon)" <<<"$out" ||
  fail "another module: $out"
grep -Eq "^beacon +beacon v2 " <<<"$out" || fail "beacon does not run v2 after the refusals: $out"
grep -q "mathlib <- m11.dsu: refused: the new version no longer exports mathlib_crc16, which beacon uses; package m11.dsu used sequence 11: send the fix with a higher number" <<<"$out" ||
  fail "an update-stage refusal does not say the number is used: $out"
grep -q "mathlib <- m11b.dsu: refused: package .*: replayed" <<<"$out" || fail "the used number was taken again: $out"
log=$("$dynsched" log m.log --task system)
grep -q "update mathlib: refused: the new version no longer exports mathlib_crc16" <<<"$log" ||
  fail "an update-stage refusal is not in the log: $log"
grep -q "update beacon: refused: package .*: replayed" <<<"$log" || fail "refusal not in the log: $log"
# No key material in what the spacecraft writes: the log (text or raw bytes) and the trace.
"$dynsched" run m.toml --for 2m --trace m.json >/dev/null 2>&1 || fail "run with a trace"
for keyfile in ground.key ground.pub; do
  for out_file in m.log m.json; do
    python3 - "$keyfile" "$out_file" <<'PY' || fail "$keyfile's bytes in $out_file"
import sys
key = open(sys.argv[1]).read().split("\n")[1]
data = open(sys.argv[2], "rb").read()
sys.exit(1 if key[:16].encode() in data or bytes.fromhex(key[:16]) in data else 0)
PY
  done
done

# With a store, the accepted number survives a reboot: the same package sent again after it is refused.
sed -e '/^\[\[update\]\]/,$d' m.toml >s.toml
printf '[[update]]\nat = "1m"\ntask = "beacon"\npackage = "b7.dsu"\n' >>s.toml
out=$("$dynsched" run s.toml --for 3m --store sat.store --store-init 2>&1) || fail "run with a store: $out"
grep -q "beacon <- b7.dsu: committed" <<<"$out" || fail "not installed with a store: $out"
out=$("$dynsched" run s.toml --for 3m --store sat.store 2>&1) || fail "reboot: $out"
grep -q "beacon <- b7.dsu: refused: package .*: replayed" <<<"$out" || fail "replayed after a reboot: $out"
grep -Eq "^beacon +beacon v2 " <<<"$out" || fail "the reboot does not run the committed v2: $out"

# Deltas: rebuilt on board from the version the task runs; one for another base is refused by its digest.
out=$("$dynsched" pack --base "$modules/beacon/beacon.o" --new "$modules/beacon/beacon_v2.o" $lib --key ground.key \
      --seq 1 -o d2.dsu) || fail "pack --base: $out"
grep -Eq "delta package against .*beacon.o \(([0-9]+) B delta\) of beacon v2" <<<"$out" || fail "delta pack says: $out"
delta_bytes=$(stat -c %s d2.dsu) full_bytes=$(stat -c %s b7.dsu)
[ "$delta_bytes" -lt $((full_bytes / 2)) ] || fail "the delta package ($delta_bytes B) is not below half the full one ($full_bytes B)"
"$dynsched" pack --base "$modules/beacon/beacon.o" --new "$modules/beacon/beacon_v3.o" $lib --key ground.key \
  --seq 2 -o d3.dsu >/dev/null || fail "pack d3"
out=$("$dynsched" verify d2.dsu --pub ground.pub 2>&1) && fail "a delta verified without its base"
grep -q "give --installed" <<<"$out" || fail "no base asked for: $out"
out=$("$dynsched" verify d2.dsu --pub ground.pub --installed "$modules/beacon/beacon.o" $lib) || fail "delta verify: $out"
grep -q "decision: accepted" <<<"$out" || fail "delta verify: $out"
sed -e '/^\[\[update\]\]/,$d' m.toml >d.toml
printf '[[update]]\nat = "1m"\ntask = "beacon"\npackage = "d2.dsu"\n[[update]]\nat = "3m"\ntask = "beacon"\npackage = "d3.dsu"\n' >>d.toml
out=$("$dynsched" run d.toml --for 5m 2>&1) || fail "run deltas: $out"
grep -q "beacon <- d2.dsu: committed (v1 -> v2" <<<"$out" || fail "the delta was not installed: $out"
grep -q "beacon <- d3.dsu: refused: package .*: a delta for a base this spacecraft does not have" <<<"$out" ||
  fail "a delta for v1 applied to v2: $out"

# Stripped objects (what the loader never reads removed) fly and are diffed the same way.
"$dynsched" strip "$modules/beacon/beacon.o" -o s1.o >/dev/null || fail "strip v1"
out=$("$dynsched" strip "$modules/beacon/beacon_v2.o" -o s2.o) || fail "strip v2: $out"
grep -q "the loader never reads removed (.note.GNU-stack)" <<<"$out" || fail "strip says: $out"
out=$("$dynsched" pack --base "$modules/beacon/beacon.o" --new "$modules/beacon/beacon_v2.o" $lib --key ground.key \
      --seq 1 -o unstripped.dsu) || fail "pack unstripped: $out"
grep -q "B the loader never reads: \`dynsched strip\` it" <<<"$out" || fail "pack does not say the object can be stripped: $out"
"$dynsched" pack --base s1.o --new s2.o $lib --key ground.key --seq 1 -o sd.dsu >/dev/null || fail "pack stripped"
sed -e "s|$modules/beacon/beacon.o|s1.o|" -e 's/"d2.dsu"/"sd.dsu"/' -e '/^at = "3m"/,$d' d.toml | sed -e '$d' >sd.toml
out=$("$dynsched" run sd.toml --for 3m 2>&1) || fail "run stripped: $out"
grep -q "beacon <- sd.dsu: committed (v1 -> v2" <<<"$out" || fail "the stripped delta was not installed: $out"

# Bound to a spacecraft: its sister (same ground key, another spacecraft id in its mission) refuses it.
out=$("$dynsched" pack --base "$modules/beacon/beacon.o" --new "$modules/beacon/beacon_v2.o" $lib --key ground.key \
      --seq 1 --for d.toml -o bound.dsu 2>&1) && fail "bound to a mission that names no spacecraft"
grep -q "names no spacecraft" <<<"$out" || fail "no-spacecraft reason: $out"
sed -i 's/^name = "packages"/name = "packages"\nspacecraft = "sat-1"/' d.toml
out=$("$dynsched" pack --base "$modules/beacon/beacon.o" --new "$modules/beacon/beacon_v2.o" $lib --key ground.key \
      --seq 1 --for d.toml -o bound.dsu) || fail "pack --for: $out"
grep -q 'bound to spacecraft "sat-1", mission "packages"' <<<"$out" || fail "pack --for says: $out"
[ "$(stat -c %s bound.dsu)" -eq $((delta_bytes + 8)) ] || fail "a binding costs more than 8 bytes"
out=$("$dynsched" verify bound.dsu --pub ground.pub --installed "$modules/beacon/beacon.o" $lib 2>&1) &&
  fail "a bound package verified without saying which spacecraft decides"
grep -q "decision: not decided: a bound package is taken only by its own spacecraft" <<<"$out" || fail "undecided: $out"
"$dynsched" verify b7.dsu --pub ground.pub --for nothing.toml >/dev/null 2>&1 && fail "verify with an unreadable --for"
out=$("$dynsched" verify bound.dsu --pub ground.pub --installed "$modules/beacon/beacon.o" $lib --for d.toml) ||
  fail "verify --for: $out"
grep -q "decision: accepted" <<<"$out" || fail "verify --for: $out"
out=$("$dynsched" verify bound.dsu --pub ground.pub --installed "$modules/beacon/beacon.o" $lib \
      --spacecraft sister --mission packages 2>&1) && fail "a sister spacecraft verified it"
grep -q "made for another spacecraft or mission" <<<"$out" || fail "binding reason: $out"
sed -e '/^\[\[update\]\]/,$d' -e 's/^name = "packages"/name = "packages"\nspacecraft = "sat-2"/' m.toml >sister.toml
printf '[[update]]\nat = "1m"\ntask = "beacon"\npackage = "bound.dsu"\n' >>sister.toml
out=$("$dynsched" run sister.toml --for 3m 2>&1) || fail "run sister: $out"
grep -q "beacon <- bound.dsu: refused: package .*: made for another spacecraft" <<<"$out" || fail "sister took it: $out"
sed -e 's/"d2.dsu"/"bound.dsu"/' -e '/^at = "3m"/,$d' d.toml | sed -e '$d' >own.toml
out=$("$dynsched" run own.toml --for 3m 2>&1) || fail "run own: $out"
grep -q "beacon <- bound.dsu: committed (v1 -> v2" <<<"$out" || fail "its own spacecraft refused it: $out"

# HMAC: the same file on both sides.
"$dynsched" pack --new "$modules/beacon/beacon_v2.o" $lib --key sat.hmac --seq 1 -o h1.dsu >/dev/null || fail "pack hmac"
out=$("$dynsched" verify h1.dsu --key sat.hmac) || fail "verify hmac: $out"
grep -q "authentic: HMAC-SHA-256" <<<"$out" || fail "hmac mode: $out"
sed -e 's/^ground_key = .*/hmac_key = "sat.hmac"/' -e 's/"b7.dsu"/"h1.dsu"/' m.toml >h.toml
out=$("$dynsched" run h.toml --for 3m 2>&1) || fail "run hmac: $out"
grep -q "beacon <- h1.dsu: committed" <<<"$out" || fail "hmac package not installed: $out"
sed -e 's/"b7.dsu"/"h1.dsu"/' m.toml >e.toml
out=$("$dynsched" run e.toml --for 3m 2>&1)
grep -q "beacon <- h1.dsu: refused: package .*: authenticated in another mode" <<<"$out" || fail "mode mix: $out"
# An authentic package may claim any size: verify allocates nothing for the
# claim (a full package of 4 GiB used to be zeroed before its size was checked).
python3 - sat.hmac huge.dsu <<'PY' || fail "craft huge.dsu"
import hashlib, hmac, sys
key = bytes.fromhex(open(sys.argv[1]).read().split("\n")[1])
def varint(v):
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)
size = 0xFFFFFFFF
manifest = bytes([0, 1, 0]) + varint(3) + bytes([6]) + b"beacon" + varint(2) + varint(size) + varint(64) + bytes(16)
payload = b"\x7fELF" + bytes(60)
body = manifest + payload
total = 4 + 1 + len(body) + 16
assert total < 128
head = b"DU" + bytes([3, 2]) + varint(total)
tag = hmac.new(key, head + body, hashlib.sha256).digest()[:16]
open(sys.argv[2], "wb").write(head + body + tag)
PY
out=$(timeout 10 "$dynsched" verify huge.dsu --key sat.hmac 2>&1)
[ $? -eq 124 ] && fail "verify of a package claiming 4 GiB took more than 10 s"
grep -q "decision: REFUSED: the result is not the size its manifest says" <<<"$out" || fail "huge claim: $out"

# A delta that would cost more than the module (new data no base predicts):
# pack --base writes the full package, and says so.
out=$("$dynsched" pack --base "$test_modules/noise_v1.o" --new "$test_modules/noise_v2.o" --key ground.key --seq 20 \
  -o noise.dsu) || fail "pack noise: $out"
grep -q "full package of noise v2" <<<"$out" || fail "a delta larger than the module was sent: $out"
grep -q "is no smaller than the module itself .*: wrote a full package instead" <<<"$out" || fail "no word of it: $out"
"$dynsched" pack --new "$test_modules/noise_v2.o" --key ground.key --seq 20 -o noise_full.dsu >/dev/null || fail "pack noise full"
cmp -s noise.dsu noise_full.dsu || fail "the fallback is not the full package"

# pack --base checks the update as the spacecraft would run it: one that
# would be refused on board (an export an importer uses, gone) is packed
# with a warning that says why, before a sequence number is spent in flight.
out=$("$dynsched" pack --base "$modules/mathlib/mathlib.o" --new "$modules/mathlib/mathlib_v3.o" \
  --importer "$modules/beacon/beacon.o" --key ground.key --seq 30 -o refused.dsu 2>&1) || fail "pack with a warning: $out"
grep -q "WARNING: the update would not take over on board, and the package would use sequence 30 for nothing" <<<"$out" ||
  fail "no warning: $out"
grep -q "imports mathlib_crc16, which the new version no longer exports" <<<"$out" || fail "no problem named: $out"
out=$("$dynsched" pack --base "$modules/mathlib/mathlib.o" --new "$modules/mathlib/mathlib_v2.o" \
  --importer "$modules/beacon/beacon.o" --key ground.key --seq 31 -o fine.dsu 2>&1) || fail "pack: $out"
grep -q "WARNING" <<<"$out" && fail "a warning for an update that takes over: $out"

# A message about a --with module names its file, not an internal name.
out=$("$dynsched" pack --new "$modules/mathlib/mathlib_v2.o" --with "$modules/mathlib/mathlib.o" --key ground.key --seq 32 \
  -o self.dsu 2>&1) && fail "packed a module linked against its own older version"
grep -q "already exported by the installed module mathlib.o" <<<"$out" || fail "the --with module is not named: $out"

# A library without an entry runs no task: its update is refused with the way out.
cat >lib.toml <<TOML
[mission]
name = "lib"
duration = "2m"
[scheduler]
policy = "priority"
[[task]]
name = "ctor_library"
module = "$test_modules/ctor_library.o"
[[update]]
at = "1m"
task = "ctor_library"
module = "$test_modules/ctor_library.o"
TOML
out=$("$dynsched" run lib.toml 2>&1)
grep -q "ctor_library <- .*: refused: ctor_library is a library module (DYN_MODULE with entry NULL), which runs no task" <<<"$out" ||
  fail "a library's update is not explained: $out"

echo "packages: keygen, pack, verify; full and delta installed; replay, older, corrupted, other key, other module, other base, other spacecraft, other mode refused"
