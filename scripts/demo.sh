#!/usr/bin/env bash
# Builds dynsched (Release) and runs the demo mission: a day of orbit in virtual time.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target dynsched
mkdir -p build/demo
exec build/release/cli/dynsched run missions/demo.toml --for 24h --trace build/demo/trace.json "$@"
