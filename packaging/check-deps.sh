#!/usr/bin/env bash
# Checks that packaging/install-deps.sh is complete on a minimal Debian 12,
# without needing one: a package this machine happens to have (installed by
# hand, or as a Recommends of something) can hide a missing name.
#
# For each build l2met's commands make (the README's run command: GUI, no
# tests; the test command: GUI and tests; the headless server build), it
# configures into a scratch folder with `cmake --trace-expand`, takes every
# file the configure step read (CMake package configs, modules, toolchain)
# and every absolute path CMake cached (compiler, libraries, pkg-config
# files), maps each to the Debian package that owns it (`dpkg -S`), and fails
# unless that package is in the dependency closure of install-deps.sh's list
# as apt installs it there: Depends and Pre-Depends only, recommends off.
#
# Packages every Debian 12 root has (Essential, or Priority required: what
# debootstrap's minbase installs) count as present. Cache entries of lookups
# that are optional and that l2met does not use (CTest's version-control and
# memcheck tools, FindOpenGL's GLU) are not checked.
#
# Given a build folder of the test build, it also checks every system header
# that build compiled (`ninja -t deps`) against the --test closure.
#
# Usage: packaging/check-deps.sh [--self-test] [build-dir]
#            exit 1 and a list when incomplete; --self-test
#            also proves the check can fail: with libqt6opengl6-dev taken off
#            install-deps.sh's list (the package a clean machine once lacked),
#            the GUI builds must be reported, naming it.
set -euo pipefail
cd "$(dirname "$0")/.."

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

without="${CHECK_DEPS_WITHOUT:-}"

closure() { # package names, one a line, on stdin -> closure, one a line
  {
    grep -vxF -e "${without:-//}" | xargs apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
    --no-breaks --no-replaces --no-enhances 2>/dev/null \
      | grep -v '^ ' | sed -e 's/:.*$//' -e 's/^<//' -e 's/>$//'
    dpkg-query -W -f='${Package}\t${Essential}\t${Priority}\n' \
      | awk -F'\t' '$2 == "yes" || $3 == "required" { print $1 }'
  } | sort -u
}

optional_cache='^(BZRCOMMAND|CVSCOMMAND|GITCOMMAND|HGCOMMAND|P4COMMAND|SVNCOMMAND|MEMORYCHECK_COMMAND|COVERAGE_COMMAND|OPENGL_glu_LIBRARY|OPENGL_GLU_INCLUDE_DIR):'

owners() { # paths on stdin -> "package<TAB>path" for each file a package owns
  # Files only: a folder such as /usr/lib belongs to hundreds of packages.
  local files
  files="$(while IFS= read -r p; do [[ -f "$p" ]] && realpath "$p"; done | sort -u)"
  [[ -n "$files" ]] || return 0
  # One dpkg call for all; usrmerge: dpkg may know a file under /lib rather
  # than /usr/lib, so each file is asked under both names.
  { echo "$files"; echo "$files" | grep '^/usr/' | sed 's|^/usr||'; } \
    | xargs -d '\n' dpkg -S 2>/dev/null \
    | sed -E 's/^(.*): (\/.*)$/\1\t\2/' || true
}

failed=0
report() { # name, install-deps args, paths file
  local name="$1" deps_args="$2" paths="$3"
  local closure_file="$paths.closure" owners_file="$paths.owners"
  bash packaging/install-deps.sh --list $deps_args | closure >"$closure_file"
  owners <"$paths" | sort -u >"$owners_file"
  local missing
  missing="$(cut -f1 "$owners_file" | tr ', ' '\n\n' | sed 's/:.*$//' | grep -v '^$' | sort -u \
    | comm -23 - "$closure_file")"
  if [[ -n "$missing" ]]; then
    failed=1
    echo "check-deps: $name: packages used that install-deps.sh $deps_args" \
      "does not bring (recommends off):" >&2
    local p
    for p in $missing; do
      echo "  $p, for $(awk -F'\t' -v p="$p" '{ n = split($1, o, ", ");
        for (i = 1; i <= n; i++) { sub(/:.*$/, "", o[i]); if (o[i] == p) { print $2; break } } }' \
        "$owners_file" | head -3 | paste -sd' ')" >&2
    done
  else
    echo "check-deps: $name: $(wc -l <"$paths") files read, from" \
      "$(cut -f1 "$owners_file" | sort -u | wc -l) packages, all in the closure of" \
      "install-deps.sh $deps_args ($(wc -l <"$closure_file") packages)"
  fi
}

check_build() { # name, install-deps args, cmake args...
  local name="$1" deps_args="$2"
  shift 2
  local dir="$scratch/$name"
  if ! cmake -S . -B "$dir" -G Ninja "$@" --trace-expand --trace-redirect="$dir.trace" \
      >"$dir.log" 2>&1; then
    echo "check-deps: $name: configure failed:" >&2
    grep -E 'Could not find|could not be found|Failed to find|Error' "$dir.log" | head -20 >&2
    failed=1
    return
  fi
  # Every file CMake read, and every absolute path it cached (outside the
  # scratch build folder).
  {
    grep -oE '^/[^(]+\([0-9]+\)' "$dir.trace" | sed -E 's/\([0-9]+\)$//'
    grep -E '^[A-Za-z0-9_.+-]+:(FILEPATH|PATH|STRING|INTERNAL)=/' "$dir/CMakeCache.txt" \
      | grep -Ev "$optional_cache" \
      | sed -E 's/^[^=]+=//' | tr ';' '\n'
    # pkg-config modules found (hiredis): their .pc files.
    grep -E '^[A-Za-z0-9_]+_MODULE_NAME:INTERNAL=' "$dir/CMakeCache.txt" | sed -E 's/^[^=]+=//' \
      | while read -r m; do
          [[ -n "$m" ]] && pkg-config --variable=pcfiledir "$m" 2>/dev/null | sed "s|\$|/$m.pc|"
        done
  } | grep '^/' | grep -v "^$scratch" | grep -v "^$PWD" | sort -u >"$dir.paths"

  report "$name" "$deps_args" "$dir.paths"
}

check_headers() { # build-dir
  local build="$1"
  ninja -C "$build" -t deps | sed -nE 's/^\s+(\/usr\/.*)$/\1/p' | sort -u >"$scratch/headers.paths"
  report "headers of $build" "--test" "$scratch/headers.paths"
}

check_all() {
  check_build run "" -DBUILD_TESTING=OFF
  check_build test "--test" -DBUILD_TESTING=ON
  check_build headless "" -DL2MET_GUI=OFF -DBUILD_TESTING=OFF
}

self_test=0
if [[ "${1:-}" == "--self-test" ]]; then
  self_test=1
  shift
fi
build_dir="${1:-}"

if ((self_test)); then
  echo "check-deps: self-test: without libqt6opengl6-dev the check must fail"
  if out="$(CHECK_DEPS_WITHOUT=libqt6opengl6-dev bash "$0" 2>&1)"; then
    echo "check-deps: self-test FAILED: the check passed with libqt6opengl6-dev left out" >&2
    exit 1
  fi
  if ! grep -q '^  libqt6opengl6-dev, for .*Qt6OpenGL' <<<"$out"; then
    echo "check-deps: self-test FAILED: the report does not name libqt6opengl6-dev:" >&2
    echo "$out" >&2
    exit 1
  fi
  echo "check-deps: self-test: reported, as it must be:"
  grep -A1 -E '^check-deps: (run|test):' <<<"$out" | grep -E 'libqt6opengl6-dev|^check-deps' | sed 's/^/  | /'
fi
check_all
[[ -n "$build_dir" ]] && check_headers "$build_dir"
exit "$failed"
