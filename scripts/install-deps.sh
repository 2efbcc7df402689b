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

sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
updated=false
# install [APT-OPTION...] -- PACKAGE...: those not installed yet.
install() {
  local options=()
  while [ "$1" != "--" ]; do options+=("$1"); shift; done
  shift
  local missing=()
  for p in "$@"; do
    [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  echo "install-deps: installing ${missing[*]}"
  $updated || "${sudo_cmd[@]}" apt-get update -qq
  updated=true
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${options[@]}" "${missing[@]}" >/dev/null
}
install -- "${packages[@]}"
install --no-install-recommends -- "${lean[@]}"
