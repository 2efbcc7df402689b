#!/usr/bin/env bash
# Builds everything in Debug with ASan+UBSan and runs every test (unit, end-to-end,
# and the freestanding Cortex-M3 build of the core); then builds the bare-metal
# Cortex-M3 firmware images and runs them under QEMU (-M mps2-an385: the kernel
# conformance suite, real modules with two that fault, a fault record, the
# footprint image). Fuzz targets run separately:
#   ctest --preset debug -L fuzz   (after scripts/fuzz.sh builds them)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset debug >/dev/null
cmake --build --preset debug
ctest --preset debug
# The host's dynsched, just built, compiles the missions the images carry.
cmake --preset mps2-an385 -DDYN_HOST_DYNSCHED="$PWD/build/debug/cli/dynsched" >/dev/null
cmake --build --preset mps2-an385
ctest --preset mps2-an385
