#!/usr/bin/env bash
# Builds dynsched (Release) and installs the host tool and the module SDK:
#   PREFIX/bin/dynsched, PREFIX/include/dynsched.h, PREFIX/lib/cmake/dynsched/ (find_package(dynsched))
# Usage: scripts/install.sh [PREFIX]   (default: /usr/local as root, ~/.local otherwise)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
prefix=${1:-}
if [ -z "$prefix" ]; then
  if [ "$(id -u)" -eq 0 ]; then prefix=/usr/local; else prefix="$HOME/.local"; fi
fi
cmake --preset release >/dev/null
cmake --build --preset release --target dynsched
cmake --install build/release --prefix "$prefix" >/dev/null
echo "install: dynsched in $prefix/bin, the module SDK in $prefix/include and its CMake package under $prefix (find_package(dynsched))"
case ":$PATH:" in
  *":$prefix/bin:"*) ;;
  *) echo "install: $prefix/bin is not on your PATH: export PATH=\"$prefix/bin:\$PATH\"" ;;
esac
case "$prefix" in
  /usr | /usr/local) ;;
  *) echo "install: for find_package(dynsched): export CMAKE_PREFIX_PATH=\"$prefix\"" ;;
esac
