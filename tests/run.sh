#!/usr/bin/env bash
# The whole test suite from a clean clone: installs the dependencies
# (Debian 12), configures and builds once into build/, runs every test with
# CTest. Integration tests start their own redis-server and fake Librato on
# free loopback ports.
set -euo pipefail
cd "$(dirname "$0")/.."

bash packaging/install-deps.sh --test

export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
# Paths relative to the clone, so every fresh clone hits the same cache.
export CCACHE_BASEDIR="$PWD"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=ON >/dev/null
cmake --build build -j2
cd build
# The Redis suites must run here, never skip for a missing redis-server.
export L2MET_REQUIRE_REDIS=1
ctest -j2 --output-on-failure --timeout 600
