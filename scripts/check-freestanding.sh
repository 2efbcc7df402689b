#!/usr/bin/env bash
# Builds the portable core for Cortex-M3 (arm-none-eabi-g++, -ffreestanding
# -fno-exceptions -fno-rtti) and checks that it references no heap, no
# exception machinery and no floating point (the M3 has no FPU: a float in
# the flight core would pull in soft-float routines; simulations such as the
# power model live in the host port). Run by CTest as core_freestanding_cortex_m3.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/cortex-m3}
cmake -S . -B "$build" -G Ninja --toolchain cmake/toolchain-arm-none-eabi.cmake \
  -DCMAKE_BUILD_TYPE=MinSizeRel -DDYN_CORE_ONLY=ON -DBUILD_TESTING=OFF >/dev/null
cmake --build "$build" --target dyn_core
lib="$build/core/libdyn_core.a"
# Capture first: `readelf | grep -q` under pipefail fails when grep exits early (SIGPIPE).
header=$(arm-none-eabi-readelf -h "$lib")
grep -q "Machine:.*ARM" <<<"$header" || { echo "not an ARM library: $lib"; exit 1; }
forbidden='^(malloc|calloc|realloc|free|_Znw|_Zna|_Zdl|_Zda|__cxa_allocate_exception|__cxa_throw|__cxa_begin_catch|__gxx_personality|_Unwind_|__cxa_pure_virtual|_ZTI|_ZTS|__aeabi_[dfi]2|__aeabi_[ui]?l?2[df]|__aeabi_[df](add|sub|mul|div|cmp|rsub))'
defined=$(arm-none-eabi-nm --defined-only --format=just-symbols "$lib" | sort -u)
undefined=$(arm-none-eabi-nm -u --format=just-symbols "$lib" | sort -u | comm -23 - <(echo "$defined"))
bad=$(grep -E "$forbidden" <<<"$undefined" || true)
if [ -n "$bad" ]; then
  echo "the Cortex-M3 core references forbidden symbols:"
  echo "$bad"
  exit 1
fi
echo "core for Cortex-M3: $(arm-none-eabi-size -t "$lib" | tail -1 | awk '{print $1" B text, "$2" B data, "$3" B bss"}')"
echo "needs from the port and libc: $(arm-none-eabi-c++filt <<<"$undefined" | tr '\n' ' ')"
