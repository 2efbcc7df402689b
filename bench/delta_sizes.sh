#!/usr/bin/env bash
# Bytes on the link for module version pairs (issue 12's benchmark, first
# part): our delta package (header, manifest and Ed25519 signature included)
# against the full module + xz, and bsdiff, xdelta3 (Debian) and detools
# (PyPI, bsdiff algorithm + lzma) on the same .o pair. Installs what it
# compares against; builds dynsched (Release) and the example modules.
#   bench/delta_sizes.sh            # prints a Markdown table
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
missing=()
for p in bsdiff xdelta3 xz-utils python3-venv; do
  [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi
venv=build/bench-venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c "import detools" 2>/dev/null || "$venv/bin/pip" install --quiet detools==0.53.0
cmake --preset release >/dev/null
cmake --build --preset release --target dynsched >/dev/null
tool=build/release/cli/dynsched
mods=build/release/modules
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$tool" keygen "$work/ground" >/dev/null
size() { stat -c %s "$1"; }

pairs=(
  "beacon/beacon beacon/beacon_v2 mathlib/mathlib"
  "beacon/beacon_v2 beacon/beacon_v3 mathlib/mathlib"
  "beacon/beacon_v2 beacon/beacon_v4 mathlib/mathlib"
  "mathlib/mathlib mathlib/mathlib_v2 -"
  "mathlib/mathlib mathlib/mathlib_v3 -"
  "mathlib/mathlib_v2 mathlib/mathlib_v4 -"
)
echo "| pair | module | + xz -9e | bsdiff | xdelta3 -9 | detools | ours (package) | best generic / 2 | goal |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---|"
for pair in "${pairs[@]}"; do
  read -r from to lib <<<"$pair"
  a=$mods/$from.o b=$mods/$to.o
  with=()
  [ "$lib" != "-" ] && with=(--with "$mods/$lib.o")
  "$tool" pack --base "$a" --new "$b" "${with[@]}" --key "$work/ground.key" --seq 2 -o "$work/p.dsu" >/dev/null
  xz_bytes=$(xz -9e -c "$b" | wc -c)
  bsdiff "$a" "$b" "$work/p.bsdiff"
  xdelta3 -e -9 -f -s "$a" "$b" "$work/p.xd3"
  "$venv/bin/python" -c "import detools,sys; detools.create_patch(open(sys.argv[1],'rb'), open(sys.argv[2],'rb'), open(sys.argv[3],'wb'), compression='lzma')" "$a" "$b" "$work/p.detools"
  ours=$(size "$work/p.dsu") bs=$(size "$work/p.bsdiff") xd=$(size "$work/p.xd3") dt=$(size "$work/p.detools")
  best=$bs; for v in $xd $dt; do [ "$v" -lt "$best" ] && best=$v; done
  half=$((best / 2))
  verdict=$([ "$ours" -le "$half" ] && echo met || echo "$((ours - half)) B over")
  echo "| $(basename "$from") → $(basename "$to") | $(size "$b") | $xz_bytes | $bs | $xd | $dt | $ours | $half | $verdict |"
done
