#!/usr/bin/env bash
# Builds everything in Debug with ASan+UBSan and runs every test (unit, end-to-end,
# and the freestanding Cortex-M3 build of the core). Fuzz targets run separately:
#   ctest --preset debug -L fuzz   (after scripts/fuzz.sh builds them)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset debug >/dev/null
cmake --build --preset debug
ctest --preset debug
