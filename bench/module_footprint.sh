#!/usr/bin/env bash
# Export table and link metadata per module, before and after explicit
# exports (issue 11): each example module and each corpus module built with
# the SDK's default (-fvisibility=hidden) and again with -fvisibility=default
# (every global exported, as before), measured by `dynsched inspect`.
#   bench/module_footprint.sh DYNSCHED CHECKOUT [CORPUS_BUILD_DIR]
set -euo pipefail
dynsched=$1 checkout=$2 corpus=${3:-}
work=$(mktemp -d "${TMPDIR:-/tmp}/dynsched-footprint.XXXXXX")
trap 'rm -rf "$work"' EXIT
flags=(-O2 -fno-stack-protector -fno-asynchronous-unwind-tables -fno-unwind-tables -fno-common -fno-ident -fPIC
       -fno-semantic-interposition -fcf-protection=none -I"$checkout/sdk" -I"$checkout/modules/mathlib")
metadata() { "$dynsched" inspect "$1" ${2:+--with "$2"} | sed -n 's/.* \([0-9]*\) B link metadata.*/\1/p'; }
exports() { "$dynsched" inspect "$1" ${2:+--with "$2"} | sed -n '/^exports:/,/^$/p' | grep -c ' (function)\| (object)' || true; }
printf '%-22s %20s %20s\n' module "exports / metadata B" "before (all globals)"
for m in mathlib beacon attitude; do
  src=$(ls "$checkout/modules/$m/$m".c* | head -1)
  case $src in *.c) cc=(gcc -std=gnu11) ;; *) cc=(g++ -std=c++20 -fno-exceptions -fno-rtti -fno-threadsafe-statics -fno-use-cxa-atexit) ;; esac
  for vis in hidden default; do "${cc[@]}" "${flags[@]}" -fvisibility=$vis -c "$src" -o "$work/${m}_$vis.o"; done
  with=; [ "$m" = mathlib ] || with=$work/mathlib_hidden.o
  printf '%-22s %9s / %-8s %9s / %-8s\n' "$m" "$(exports "$work/${m}_hidden.o" "$with")" "$(metadata "$work/${m}_hidden.o" "$with")" \
    "$(exports "$work/${m}_default.o" "$with")" "$(metadata "$work/${m}_default.o" "$with")"
done
if [ -n "$corpus" ]; then
  for o in "$corpus"/corpus_*.o; do
    case $o in *_m3.o) continue ;; esac
    printf '%-22s %9s / %-8s %20s\n' "$(basename "$o" .o)" "$(exports "$o")" "$(metadata "$o")" "(see the docs)"
  done
fi
