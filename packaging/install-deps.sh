#!/usr/bin/env bash
# Installs what l2met needs on Debian 12 to build and run (and, with --test,
# to run its whole test suite and benchmarks). Idempotent; uses sudo when
# not run as root.
set -euo pipefail

list_only=0
if [[ "${1:-}" == "--list" ]]; then
  list_only=1
  shift
fi

# Installed with --no-install-recommends, so every package a CMake config
# loads must be named here or be a hard dependency of one named here:
# packaging/check-deps.sh checks that in CI. qt6-charts-dev needs the Qt6OpenGL
# CMake package (libqt6opengl6-dev, only a Recommends of qt6-base-dev);
# qt6-httpserver-dev needs Qt6WebSockets (qt6-websockets-dev, undeclared);
# Qt6Gui looks for XKB (libxkbcommon-dev, optional, named to keep configure
# quiet).
packages=(
  g++ cmake ninja-build ccache pkg-config
  qt6-base-dev libqt6opengl6-dev libxkbcommon-dev
  qt6-httpserver-dev qt6-websockets-dev qt6-charts-dev
  libhiredis-dev libssl-dev
)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(redis-server wrk xvfb xauth curl)
  # packaging/check-package.sh: cpack's dpkg-shlibdeps, the desktop entry and
  # AppStream validators, man, file.
  packages+=(dpkg-dev desktop-file-utils appstream file man-db)
  # tests/fuzz/run.sh: clang with libFuzzer and its sanitizer runtimes.
  packages+=(clang libclang-rt-14-dev)
fi

# --list [--test]: print the package names, one a line, and install nothing
# (packaging/check-deps.sh reads them).
if [[ "$list_only" == 1 ]]; then
  printf '%s\n' "${packages[@]}"
  exit 0
fi

sudo=""
if [[ "$(id -u)" != 0 ]]; then
  sudo="sudo"
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
