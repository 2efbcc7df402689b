#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks to build, test and run dynsched.
# Idempotent: packages already present are not fetched again.
set -euo pipefail
packages=(
  cmake ninja-build make g++ clang lld libclang-rt-14-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libtomlplusplus-dev libcli11-dev libsodium-dev pkg-config
  gcc-arm-none-eabi libnewlib-arm-none-eabi binutils-arm-none-eabi
  python3 python3-pip
)
# Without recommends: qemu-system-arm would otherwise bring a desktop's worth of GUI libraries.
lean=(qemu-system-arm)
missing=()
for p in "${packages[@]}"; do
  [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi
lean_missing=()
for p in "${lean[@]}"; do
  [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || lean_missing+=("$p")
done
if ((${#lean_missing[@]})); then
  echo "install-deps: installing ${lean_missing[*]} (without recommends)"
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${lean_missing[@]}" >/dev/null
fi
