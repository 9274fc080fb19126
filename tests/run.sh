#!/usr/bin/env bash
# The whole test suite from a clean clone: installs the dependencies
# (Debian 12), configures and builds once into build/, runs every test with
# CTest, then builds the .deb from that build and checks it installed
# (packaging/check-package.sh). Integration tests start their own
# redis-server and fake Librato on free loopback ports. Fails when either
# part fails; both run, and both results are repeated at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

bash packaging/install-deps.sh --test

export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
# Paths relative to the clone, so every fresh clone hits the same cache.
export CCACHE_BASEDIR="$PWD"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=ON >/dev/null
cmake --build build -j2

ctest_log="$(mktemp)"
trap 'rm -f "$ctest_log"' EXIT
ctest_rc=0
(cd build && ctest -j2 --output-on-failure --timeout 600) 2>&1 | tee "$ctest_log" || ctest_rc=$?

package_rc=0
bash packaging/check-package.sh build || package_rc=$?

echo
echo "== tests/run.sh summary"
echo "ctest: $(grep -E 'tests passed|tests failed' "$ctest_log" | tail -1 || echo "no result line (exit $ctest_rc)")"
if ((package_rc == 0)); then
  echo "packaging/check-package.sh: passed"
else
  echo "packaging/check-package.sh: FAILED (exit $package_rc)"
fi
((ctest_rc == 0 && package_rc == 0))
