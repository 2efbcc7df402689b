#!/usr/bin/env bash
# Bytes on the link for a corpus of real module version pairs (issue 12's
# benchmark): our delta package (header, manifest and tag included; Ed25519
# and HMAC-SHA-256-128, the goals judged on the latter) against the full module + xz, and bsdiff, xdelta3 (Debian) and
# detools (PyPI, bsdiff algorithm + lzma) on the same .o pair; and the best of
# those three on the same change in an equivalent whole image (the same code
# statically linked with a stand-in for the kernel and the C library, as a
# firmware without a loader would be: bench/delta_corpus/image_runtime.c).
# Every pair for x86-64 and, when arm-none-eabi-gcc is installed, Cortex-M3.
#
# Goals: ours <= half the best generic delta of the .o pair, and ours at
# least 10x below the best delta of the linked image.
#
# The pairs: our example modules (C and C++: a constant, a new function, a
# fix, a flag) and third-party libraries from two releases of their PyPI
# sdists, downloaded once into a cache (DYN_CORPUS_CACHE, default
# build/bench-sdists), never committed. Everything else is built in
# build/delta-corpus and a temporary directory.
#   bench/delta_sizes.sh            # prints a Markdown table and a summary
set -euo pipefail
cd "$(dirname "$0")/.."
checkout=$PWD

# ---- tools -------------------------------------------------------------------
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

# ---- the third-party sources: two releases of each ---------------------------
sdists=(crc32c==2.4 crc32c==2.5 mmh3==3.0.0 mmh3==3.1.0 xxhash==3.2.0 xxhash==3.3.0 lz4==4.0.2 lz4==4.3.3)
cache=${DYN_CORPUS_CACHE:-build/bench-sdists}
corpus=build/delta-corpus
mkdir -p "$cache" "$corpus/src"
for spec in "${sdists[@]}"; do
  name=${spec%%==*} version=${spec##*==}
  if [ ! -f "$cache/$name-$version.tar.gz" ]; then
    "$venv/bin/pip" download --quiet --no-binary :all: --no-deps --dest "$cache" "$spec" || {
      echo "delta_sizes: cannot download the $spec sdist from PyPI (needed once; cached in $cache)" >&2
      exit 1
    }
  fi
  [ -d "$corpus/src/$name-$version" ] || tar -xzf "$cache/$name-$version.tar.gz" -C "$corpus/src"
done

# ---- every version of every pair, as modules ----------------------------------
cmake -S bench/delta_corpus -B "$corpus/build" -G Ninja -DDYNSCHED_CHECKOUT="$checkout" \
  -DCORPUS_SOURCES="$checkout/$corpus/src" >"$corpus/configure.log" 2>&1 ||
  { cat "$corpus/configure.log"; exit 1; }
cmake --build "$corpus/build" >"$corpus/build.log" 2>&1 || { tail -40 "$corpus/build.log"; exit 1; }
mods=$corpus/build/modules
targets=(x86-64)
[ -f "$mods/beacon_v1_m3.o" ] && targets+=(cortex-m3)

work=$(mktemp -d "${TMPDIR:-/tmp}/dynsched-delta.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$tool" keygen "$work/ground" >/dev/null
"$tool" keygen "$work/sat" --hmac >/dev/null
size() { stat -c %s "$1"; }

# ---- whole images ----------------------------------------------------------------
# The stand-in kernel, once per target.
gcc -O2 -ffunction-sections -fdata-sections -I"$checkout/sdk" -c bench/delta_corpus/image_runtime.c -o "$work/runtime.o"
if [[ " ${targets[*]} " == *" cortex-m3 "* ]]; then
  arm-none-eabi-gcc -mcpu=cortex-m3 -mthumb -O2 -ffunction-sections -fdata-sections -ffreestanding \
    -I"$checkout/sdk" -c bench/delta_corpus/image_runtime.c -o "$work/runtime_m3.o"
fi

# image TARGET OUT MODULE... : links the modules (in order, the changed one last,
# so the C library after it moves when it grows) into a whole image: on x86-64
# a static, stripped executable (glibc); on Cortex-M3 the flash contents
# (newlib-nano with float formatting, 512 KiB flash at 0x08000000).
image() {
  local target=$1 out=$2 objs=() i=0
  shift 2
  local objcopy=objcopy suffix=
  [ "$target" = cortex-m3 ] && objcopy=arm-none-eabi-objcopy suffix=_m3
  for m in "$@"; do
    "$objcopy" --redefine-sym dyn_module_descriptor=dyn_image_module_$i "$mods/$m$suffix.o" "$work/image_$i.o"
    objs+=("$work/image_$i.o")
    i=$((i + 1))
  done
  if [ "$target" = x86-64 ]; then
    gcc -static -Wl,--gc-sections -s -o "$out" "$work/runtime.o" "${objs[@]}"
  else
    arm-none-eabi-gcc -mcpu=cortex-m3 -mthumb --specs=nano.specs --specs=nosys.specs -u _printf_float -nostartfiles \
      -T bench/delta_corpus/cortex_m3.ld -Wl,--gc-sections -o "$out.elf" "$work/runtime_m3.o" "${objs[@]}" 2>"$work/ld.log" ||
      { cat "$work/ld.log"; return 1; }
    arm-none-eabi-objcopy -O binary "$out.elf" "$out"
  fi
}

# deltas OLD NEW : sets bs, xd, dt (bytes) and best (the smallest of the three).
deltas() {
  bsdiff "$1" "$2" "$work/d.bsdiff"
  xdelta3 -e -9 -f -s "$1" "$2" "$work/d.xd3"
  "$venv/bin/python" -c "import detools,sys; detools.create_patch(open(sys.argv[1],'rb'), open(sys.argv[2],'rb'), open(sys.argv[3],'wb'), compression='lzma')" \
    "$1" "$2" "$work/d.detools"
  bs=$(size "$work/d.bsdiff") xd=$(size "$work/d.xd3") dt=$(size "$work/d.detools")
  best=$bs
  for v in $xd $dt; do [ "$v" -lt "$best" ] && best=$v; done
  return 0
}

# ---- the pairs -------------------------------------------------------------------
# old | new | modules it imports from (comma-separated, or -) | name | what changed
pairs=(
  "beacon_v1|beacon_v2|mathlib_v1|beacon 1 → 2|C, ours: new state layout, checkpoint/restore hooks (new functions)"
  "beacon_v3|beacon_v2|mathlib_v1|beacon 3 → 2|C, ours: bug fix (the hang of version 3 removed, 4 lines)"
  "mathlib_v1|mathlib_v2|-|mathlib 1 → 2|C, ours: a call counter (one new exported variable, one line)"
  "mathlib_v1|mathlib_v3|-|mathlib 1 → 3|C, ours: an exported function renamed"
  "attitude_v1|attitude_v2|mathlib_v1|attitude 1 → 2|C++, ours: a constant changed (rate limit 100 → 120)"
  "attitude_v1|attitude_v3|mathlib_v1|attitude 1 → 3|C++, ours: a new function (a periodic summary) and its call"
  "attitude_v1|attitude_v1_os|mathlib_v1|attitude -O2 → -Os|C++, ours: compiler flag, same source"
  "crc32c_2_4|crc32c_2_5|-|crc32c 2.4 → 2.5|C, PyPI: one-line fix (the slicing-by-8 byte pointer made unsigned)"
  "mmh3_3_0_0|mmh3_3_1_0|-|mmh3 3.0.0 → 3.1.0|C++, PyPI: MurmurHash3 reformatted, block index int → Py_ssize_t"
  "xxhash_3_2_0|xxhash_3_3_0|-|xxhash 3.2.0 → 3.3.0|C, PyPI: bundled xxHash 0.8.1 → 0.8.2 (library upgrade)"
  "lz4_4_0_2|lz4_4_3_3|-|lz4 4.0.2 → 4.3.3|C, PyPI: bundled LZ4 1.9.3 → 1.9.4 (library upgrade)"
  "lz4_4_3_3|lz4_4_3_3_heap|-|lz4 4.3.3 +HEAPMODE|C, PyPI: compiler flag -DLZ4_HEAPMODE=1 added"
)

declare -A met_o met_img counted failed first_failure
broken=0
echo "| pair | change | target | module | + xz -9e | bsdiff | xdelta3 -9 | detools | ours, Ed25519 | ours, HMAC | best / 2 | .o goal | image | best image delta | / 10 | 10× goal |"
echo "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---|"
for pair in "${pairs[@]}"; do
  IFS='|' read -r from to libs label change <<<"$pair"
  with_mods=()
  [ "$libs" != "-" ] && IFS=',' read -r -a with_mods <<<"$libs"
  for target in "${targets[@]}"; do
    suffix=
    [ "$target" = cortex-m3 ] && suffix=_m3
    a=$mods/$from$suffix.o b=$mods/$to$suffix.o
    with=()
    for m in "${with_mods[@]}"; do with+=(--with "$mods/$m$suffix.o"); done

    xz_bytes=$(xz -9e -c "$b" | wc -c)
    deltas "$a" "$b"
    o_bs=$bs o_xd=$xd o_dt=$dt o_best=$best
    half=$((o_best / 2))

    image "$target" "$work/old.img" "${with_mods[@]}" "$from"
    image "$target" "$work/new.img" "${with_mods[@]}" "$to"
    deltas "$work/old.img" "$work/new.img"
    img_size=$(size "$work/new.img") img_best=$best
    tenth=$((img_best / 10))

    if "$tool" pack --base "$a" --new "$b" "${with[@]}" --key "$work/ground.key" --seq 2 -o "$work/p.dsu" \
      >"$work/pack.log" 2>&1 &&
      "$tool" pack --base "$a" --new "$b" "${with[@]}" --key "$work/sat.hmac" --seq 2 -o "$work/h.dsu" \
      >>"$work/pack.log" 2>&1; then
      ours_ed=$(size "$work/p.dsu") ours=$(size "$work/h.dsu")
      # What the spacecraft would do with it: rebuilt from the old version and checked whole.
      if ! "$tool" verify "$work/h.dsu" --key "$work/sat.hmac" --installed "$a" "${with[@]}" 2>&1 |
        grep -q "decision: accepted"; then
        ours="$ours (DOES NOT REBUILD)" broken=$((broken + 1))
      fi
      if cmp -s "$a" "$b"; then
        # A release that compiles to the same object here: nothing to send, no goal.
        verdict_o="— (same object)" verdict_img="—"
      else
        counted[$target]=$((${counted[$target]:-0} + 1))
        if [ "$ours" -le "$half" ]; then
          verdict_o=met met_o[$target]=$((${met_o[$target]:-0} + 1))
        else
          verdict_o="$((ours - half)) B over"
        fi
        if [ "$ours" -le "$tenth" ]; then
          verdict_img=met met_img[$target]=$((${met_img[$target]:-0} + 1))
        else
          verdict_img="$((ours - tenth)) B over"
        fi
      fi
    else
      message=$(grep -m1 . "$work/pack.log" || true)
      ours="n/a (pack failed)" ours_ed="n/a"
      verdict_o=n/a verdict_img=n/a
      failed[$target]=$((${failed[$target]:-0} + 1))
      [ -n "${first_failure[$target]:-}" ] || first_failure[$target]="$label: $message"
      cmp -s "$a" "$b" && verdict_o="n/a (same object)"
    fi
    echo "| $label | $change | $target | $(size "$b") | $xz_bytes | $o_bs | $o_xd | $o_dt | $ours_ed | $ours | $half | $verdict_o | $img_size | $img_best | $tenth | $verdict_img |"
  done
done
echo
echo "Sizes in bytes; the goals are judged on the HMAC-SHA-256-128 package (the mode the flight core verifies on its own), header, manifest and tag included. Deltas of the .o pair and, in \"image\", of the same versions linked whole (x86-64: static glibc executable, stripped; Cortex-M3: flash contents with newlib-nano); \"best\" is the smallest of bsdiff, xdelta3 -9 and detools."
for target in "${targets[@]}"; do
  n=${counted[$target]:-0} fails=${failed[$target]:-0}
  if ((n)); then
    line="- $target: the .o goal (ours ≤ best / 2) met by ${met_o[$target]:-0} of $n pairs, the 10× goal (ours ≤ best image delta / 10) by ${met_img[$target]:-0} of $n (pairs whose objects are identical on this target not counted)"
  else
    line="- $target: no goal measured"
  fi
  if ((fails)); then
    line+="; no package for $fails pairs, pack said: ${first_failure[$target]}"
  fi
  echo "$line"
done
if ((broken)); then
  echo "- $broken packages do not rebuild their version on the spacecraft's side (dynsched verify): a bug"
  exit 1
fi
echo "- every package was rebuilt from its old version and checked whole, as the spacecraft does (dynsched verify --installed)"
