#!/usr/bin/env bash
# Real third-party libraries as modules (issue 11, part 4): lz4 (block, HC,
# frame), xxHash and CRC-32C, from their PyPI sdists — downloaded into a cache
# (DYN_CORPUS_CACHE, default ~/.cache/dynsched-corpus), never committed —
# built with dynsched_add_module() from their own unchanged sources plus a
# small check (tests/corpus/*_check.c), run as tasks of one mission, and
# compared line for line with the same check built natively. Their Cortex-M3
# objects must be accepted by `dynsched inspect`.
#   tests/corpus/run.sh DYNSCHED CHECKOUT
set -euo pipefail
dynsched=$1 checkout=$2
here=$checkout/tests/corpus
cache=${DYN_CORPUS_CACHE:-$HOME/.cache/dynsched-corpus}
fail() { echo "FAIL: $*"; exit 1; }

# The library releases the corpus was written against (pinned: results must not move).
sdists=("lz4==4.3.3" "xxhash==3.5.0" "crc32c==2.7.1")
mkdir -p "$cache"
for spec in "${sdists[@]}"; do
  name=${spec%%==*} version=${spec##*==}
  [ -f "$cache/$name-$version.tar.gz" ] && continue
  python3 -m pip download --quiet --no-binary :all: --no-deps --dest "$cache" "$spec" ||
    fail "cannot download the $spec sdist from PyPI (the corpus needs it once; it is cached in $cache)"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/dynsched-corpus.XXXXXX")
[ -n "${DYN_CORPUS_KEEP:-}" ] || trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src"
for spec in "${sdists[@]}"; do
  name=${spec%%==*} version=${spec##*==}
  tar -xzf "$cache/$name-$version.tar.gz" -C "$work/src"
  mv "$work/src/$name-$version" "$work/src/$name"
done

cmake -S "$here/project" -B "$work/build" -G Ninja -DDYNSCHED_SDK="$checkout/sdk" -DCORPUS_SOURCES="$work/src" \
  >"$work/configure.log" 2>&1 || { cat "$work/configure.log"; fail "the corpus project does not configure"; }
cmake --build "$work/build" >"$work/build.log" 2>&1 || { tail -40 "$work/build.log"; fail "the corpus does not build"; }

# task = module: two modules with a copy of lz4 each (one exports its API, one
# keeps it private: NO_EXPORTS), and one module image backing two tasks.
tasks=(corpus_lz4=corpus_lz4 corpus_lz4_private=corpus_lz4_private corpus_xxhash=corpus_xxhash
       corpus_xxhash_b=corpus_xxhash corpus_crc32c=corpus_crc32c)
mission=$work/corpus.toml
{
  printf '[mission]\nname = "corpus"\nduration = "5s"\n\n[scheduler]\npolicy = "priority"\nmax_tasks = 12\n'
  for t in "${tasks[@]}"; do
    printf '\n[[task]]\nname = "%s"\nmodule = "%s"\npriority = 2\ninterval = "10s"\nstack = "256KiB"\nwatchdog = "2s"\n' "${t%%=*}" "${t##*=}"
  done
} >"$mission"
out=$("$dynsched" run "$mission" --module-path "$work/build" 2>&1) || { echo "$out"; fail "the corpus mission did not run"; }

for t in "${tasks[@]}"; do
  task=${t%%=*} m=${t##*=}
  native=$("$work/build/${m%_private}_native")
  onboard=$(sed -n "s/^\[[0-9:.]*\] $task info: //p" <<<"$out")
  [ -n "$native" ] || fail "$m: the native build printed nothing"
  [ "$onboard" = "$native" ] || {
    echo "--- native"; echo "$native"; echo "--- as a module"; echo "$onboard"
    fail "$m: the module's results differ from the native build's"
  }
  grep -q "FAILED" <<<"$native" && fail "$m: a round trip failed: $native"
  echo "ok: $task ($m): $(wc -l <<<"$native") results identical to the native build"
  if [ -f "$work/build/${m}_m3.o" ]; then
    report=$("$dynsched" inspect "$work/build/${m}_m3.o" 2>&1) || { echo "$report"; fail "$m: the Cortex-M3 object is refused"; }
  fi
done
grep -qE "^corpus_lz4 +corpus_lz4 v1" <<<"$out" || fail "summary does not list the corpus tasks: $out"
private=$("$dynsched" inspect "$work/build/corpus_lz4_private.o" 2>&1) || fail "corpus_lz4_private refused: $private"
grep -q "^exports: none" <<<"$private" || fail "NO_EXPORTS left exports: $private"
public=$("$dynsched" inspect "$work/build/corpus_lz4.o" 2>&1)
grep -q "LZ4_compress_default (function)" <<<"$public" || fail "lz4's API is not exported by default: $public"
api=$("$dynsched" inspect "$work/build/corpus_xxhash_api.o" 2>&1) || fail "corpus_xxhash_api refused: $api"
grep -q "XXH64 (function)" <<<"$api" && grep -q "XXH32 (function)" <<<"$api" || fail "EXPORTS did not export xxHash's API: $api"
grep -q "XXH3_64bits (function)" <<<"$api" && fail "EXPORTS exported more than it lists: $api"
echo "ok: lz4, xxHash and CRC-32C run as modules with the native build's results"
