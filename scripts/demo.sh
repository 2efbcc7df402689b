#!/usr/bin/env bash
# Builds and installs dynsched (Release; scripts/install.sh) and runs the demo mission: a day of orbit in virtual time.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh  # builds dynsched (Release) and puts it and the module SDK on the PATH
mkdir -p build/demo
exec build/release/cli/dynsched run missions/demo.toml --for 24h --trace build/demo/trace.json "$@"
