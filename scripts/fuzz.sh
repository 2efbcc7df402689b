#!/usr/bin/env bash
# Builds the libFuzzer targets with clang, runs each for SECONDS (default 60)
# from its committed seeds into a corpus under build/fuzz, then prints what
# each target's corpus reaches: libFuzzer's edge count, and per source file of
# the product, the functions and edges covered (libFuzzer's -print_coverage).
#   scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
seconds=${1:-60}
shift || true
cmake --preset fuzz -DDYN_FUZZ_SECONDS="$seconds" >/dev/null
cmake --build --preset fuzz
if [ $# -gt 0 ]; then
  ctest --preset fuzz -R "^($(IFS='|'; echo "$*"))(_corpus_dir)?$"
  targets=("$@")
else
  ctest --preset fuzz
  targets=()
  for t in build/fuzz/fuzz/*_fuzz; do targets+=("$(basename "$t")"); done
fi

echo
echo "coverage of each target's corpus (functions and edges of the product's own files it enters)"
for t in "${targets[@]}"; do
  corpus=build/fuzz/fuzz/${t}_corpus
  mkdir -p "$corpus"
  report=$(ASAN_OPTIONS=detect_leaks=0 "build/fuzz/fuzz/$t" -runs=0 -print_coverage=1 "$corpus" "fuzz/seeds/$t" 2>&1)
  edges=$(grep -Eo 'DONE +cov: [0-9]+' <<<"$report" | grep -Eo '[0-9]+$' || echo "?")
  inputs=$(find "$corpus" "fuzz/seeds/$t" -type f | wc -l)
  echo
  echo "$t: $edges edges, $inputs inputs"
  grep -E '^(COVERED|UNCOVERED)_FUNC:' <<<"$report" | awk -v root="$PWD/" '
    {
      file = $NF; sub(/:[0-9]+$/, "", file)
      if (index(file, root) == 1) file = substr(file, length(root) + 1)
      if (file !~ /^(core|cli|ports|sdk)\//) next
      split($5, e, "/")
      covered = ($1 == "COVERED_FUNC:")
      funcs[file]++; if (covered) { hit[file]++; edges[file] += e[1] }
      total[file] += e[2]
    }
    END {
      for (f in funcs) if (hit[f] > 0)
        printf "  %-44s functions %3d/%-3d edges %4d/%-4d\n", f, hit[f], funcs[f], edges[f], total[f]
    }' | sort
done
