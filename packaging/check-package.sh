#!/usr/bin/env bash
# check-package: builds the .deb from an existing build directory (cpack),
# validates what it ships (control fields and dependencies, desktop entry,
# AppStream metainfo, man page, systemd unit), installs it with apt-get so its
# dependencies resolve, runs the installed l2met (version; a headless smoke
# test as root with a throw-away config; the same as the l2met user with
# /etc/l2met/l2met.conf, like l2met.service), then removes and purges it and
# checks what each step leaves behind. Prints every check; exits non-zero at
# the first failure. CI runs it after the tests (tests/run.sh).
#
# It installs and purges the package (l2met, or l2met-headless for an
# L2MET_GUI=OFF build) on this machine: root or sudo needed. It refuses to
# touch an l2met package that was installed before it ran, unless
# L2MET_CHECK_REPLACE=1.
#
# Usage: bash packaging/check-package.sh [build-dir=build]
set -euo pipefail
cd "$(dirname "$0")/.."
build="$(realpath -m "${1:-build}")"

sudo=""
if [[ "$(id -u)" != 0 ]]; then
  sudo="sudo"
fi

started=$SECONDS
step_started=$SECONDS
step() {
  printf '\n== %s\n' "$*"
  step_started=$SECONDS
}
pass() { printf '   ok    %s\n' "$*"; }
note() { printf '         %s\n' "$*"; }
fail() {
  printf '   FAIL  %s\n' "$*" >&2
  exit 1
}
# check DESCRIPTION COMMAND...: runs COMMAND, passes or fails with DESCRIPTION.
check() {
  local what=$1
  shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}
indent() { sed 's/^/         /'; }
# Whether a child runs (also when it runs as another user: kill -0 would say EPERM).
alive() { [[ -r "/proc/$1/stat" && "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" != Z ]]; }
elapsed() { note "($((SECONDS - step_started)) s)"; }

work="$(mktemp -d)"
pids=()
installed_by_us=""
pkg=""
cleanup() {
  local rc=$?
  for pid in "${pids[@]}"; do
    $sudo kill -KILL "$pid" 2>/dev/null || true
  done
  if [[ -n "$installed_by_us" ]] && dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -qv "not-installed"; then
    echo "check-package: purging $pkg after a failure" >&2
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq "$pkg" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
  if ((rc != 0)); then
    echo "check-package: FAILED after $((SECONDS - started)) s" >&2
  fi
}
trap cleanup EXIT

status_of() { dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || echo not-installed; }

# -------------------------------------------------------------------------
step "Tools"
for tool in cmake cpack dpkg-deb dpkg-shlibdeps desktop-file-validate appstreamcli man file curl setpriv; do
  command -v "$tool" >/dev/null || fail "$tool is missing: run bash packaging/install-deps.sh --test"
done
pass "cpack, dpkg-shlibdeps, desktop-file-validate, appstreamcli, man, curl, setpriv present"
[[ -f "$build/CMakeCache.txt" ]] || fail "$build is not a configured build directory (cmake -S . -B build -G Ninja)"
pass "build directory $build"

# -------------------------------------------------------------------------
step "Build the package (cmake --build, cpack -G DEB)"
# Only what the package holds (tests and benchmarks are not in it).
cmake --build "$build" --target l2met l2met_manpage >"$work/build.log" 2>&1 \
  || { indent <"$work/build.log" | tail -40; fail "cmake --build $build --target l2met l2met_manpage"; }
pass "cmake --build $build --target l2met l2met_manpage"
rm -rf "$build/packages"
if ! (cd "$build" && cpack -G DEB -B "$build/packages") >"$work/cpack.log" 2>&1; then
  indent <"$work/cpack.log"
  fail "cpack -G DEB"
fi
debs=("$build"/packages/*.deb)
[[ ${#debs[@]} == 1 && -f "${debs[0]}" ]] || fail "cpack made exactly one .deb (found: ${debs[*]})"
deb="${debs[0]}"
pkg="$(dpkg-deb -f "$deb" Package)"
version="$(dpkg-deb -f "$deb" Version)"
pass "cpack made $(basename "$deb") ($(du -h "$deb" | cut -f1))"
elapsed

# -------------------------------------------------------------------------
step "Package metadata (dpkg-deb --info)"
dpkg-deb --info "$deb" | indent
for field in Package Version Architecture Maintainer Section Priority Homepage Depends Description; do
  [[ -n "$(dpkg-deb -f "$deb" "$field")" ]] || fail "control field $field is set"
done
pass "control fields Package, Version, Architecture, Maintainer, Section, Priority, Homepage, Depends, Description"
depends="$(dpkg-deb -f "$deb" Depends)"
has_dep() { grep -qE "(^|, )$1( |,|$)" <<<"$depends"; }
for lib in libc6 'libstdc\+\+6' libqt6core6 libqt6network6 libqt6httpserver6 'libhiredis[0-9.]+' libssl3 adduser; do
  has_dep "$lib" || fail "Depends names $lib (dpkg-shlibdeps)"
done
pass "Depends (dpkg-shlibdeps) names libc6, libstdc++6, Qt 6 Core/Network/HttpServer, hiredis, OpenSSL 3, adduser"
case "$pkg" in
  l2met)
    gui=1
    has_dep libqt6widgets6 && has_dep libqt6charts6 || fail "Depends of the GUI package names Qt Widgets and Qt Charts"
    pass "GUI package: Depends names libqt6widgets6 and libqt6charts6"
    ;;
  l2met-headless)
    gui=0
    ! has_dep libqt6widgets6 && ! has_dep libqt6charts6 && ! has_dep libqt6gui6 \
      || fail "the headless package depends on no Qt Gui, Widgets or Charts"
    pass "headless package: no Qt Gui, Widgets or Charts in Depends"
    ;;
  *) fail "package name is l2met or l2met-headless (got $pkg)" ;;
esac
[[ "$(dpkg-deb -f "$deb" Conflicts)" == l2met* ]] || fail "the package conflicts with its other variant"
pass "Conflicts/Replaces: $(dpkg-deb -f "$deb" Conflicts)"

# -------------------------------------------------------------------------
step "Package contents (dpkg-deb --contents)"
dpkg-deb --contents "$deb" | indent
dpkg-deb -x "$deb" "$work/root"
expect=(
  usr/bin/l2met
  usr/share/man/man1/l2met.1.gz
  usr/lib/systemd/system/l2met.service
  usr/lib/sysusers.d/l2met.conf
  "usr/share/doc/$pkg/copyright"
)
gui_files=(
  usr/share/applications/io.github.l2met.l2met.desktop
  usr/share/metainfo/io.github.l2met.l2met.metainfo.xml
  usr/share/icons/hicolor/scalable/apps/io.github.l2met.l2met.svg
)
for size in 16 32 48 64 128 256; do
  gui_files+=("usr/share/icons/hicolor/${size}x${size}/apps/io.github.l2met.l2met.png")
done
for f in "${expect[@]}"; do
  [[ -f "$work/root/$f" ]] || fail "the package holds /$f"
done
pass "binary, man page, systemd unit, sysusers.d entry, copyright"
if ((gui)); then
  for f in "${gui_files[@]}"; do
    [[ -f "$work/root/$f" ]] || fail "the package holds /$f"
  done
  for size in 16 32 48 64 128 256; do
    file "$work/root/usr/share/icons/hicolor/${size}x${size}/apps/io.github.l2met.l2met.png" \
      | grep -q "PNG image data, $size x $size" || fail "the ${size}x${size} icon is a $size x $size PNG"
  done
  pass "desktop entry, metainfo, hicolor icons (scalable SVG; 16, 32, 48, 64, 128, 256 PNGs of their size)"
else
  for f in "${gui_files[@]}"; do
    [[ ! -e "$work/root/$f" ]] || fail "the headless package holds no /$f"
  done
  pass "headless: no desktop entry, metainfo or icons"
fi
file "$work/root/usr/bin/l2met" | grep -q ", stripped" || fail "/usr/bin/l2met is stripped"
pass "/usr/bin/l2met is stripped ($(du -h "$work/root/usr/bin/l2met" | cut -f1))"
unexpected="$(cd "$work/root" && find . \( -type f -o -type l \) \
  | grep -vE '^\./usr/(bin|share/(man|doc|applications|metainfo|icons)|lib/(systemd|sysusers\.d))/' || true)"
[[ -z "$unexpected" ]] || fail "nothing else in the package (found: $(tr '\n' ' ' <<<"$unexpected"))"
pass "nothing outside usr/bin, usr/share/{man,doc,applications,metainfo,icons}, usr/lib/{systemd,sysusers.d}"

# -------------------------------------------------------------------------
step "Validate the desktop entry, metainfo, man page and systemd unit"
if ((gui)); then
  desktop="$work/root/usr/share/applications/io.github.l2met.l2met.desktop"
  if out="$(desktop-file-validate "$desktop" 2>&1)" && [[ -z "$out" ]]; then
    pass "desktop-file-validate io.github.l2met.l2met.desktop: no errors, warnings or hints"
  else
    printf '%s\n' "$out" | indent
    fail "desktop-file-validate io.github.l2met.l2met.desktop"
  fi
  metainfo="$work/root/usr/share/metainfo/io.github.l2met.l2met.metainfo.xml"
  if out="$(appstreamcli validate --no-net --pedantic "$metainfo" 2>&1)"; then
    pass "appstreamcli validate --no-net --pedantic io.github.l2met.l2met.metainfo.xml:"
    printf '%s\n' "$out" | indent
  else
    printf '%s\n' "$out" | indent
    fail "appstreamcli validate --no-net io.github.l2met.l2met.metainfo.xml"
  fi
  if out="$(appstreamcli validate-tree --no-net "$work/root" 2>&1)"; then
    pass "appstreamcli validate-tree --no-net (metainfo, launchable desktop entry and icon agree)"
  else
    printf '%s\n' "$out" | indent
    fail "appstreamcli validate-tree --no-net"
  fi
  grep -q "<release version=\"$version\"" "$metainfo" || fail "metainfo has a <release> for $version"
  pass "metainfo <release version=\"$version\">"
fi

man_src="$work/l2met.1"
gzip -dc "$work/root/usr/share/man/man1/l2met.1.gz" >"$man_src"
man_warnings="$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$man_src" 2>&1 >/dev/null)" || true
[[ -z "$man_warnings" ]] || { printf '%s\n' "$man_warnings" | indent; fail "man --warnings l2met.1 is silent"; }
pass "man --warnings -l l2met.1: no groff warnings"
grep -q "^\.TH L2MET 1 .*\"l2met $version\"" "$man_src" || fail "the man page's .TH names l2met $version"
pass "man page .TH names l2met $version"
# Every flag of --help and every environment variable is in the man page.
man_text="$(sed 's/\\-/-/g' "$man_src")"
mapfile -t flags < <("$build/app/l2met" --help | grep -oE '^  (-[-a-z]+)(, --[a-z-]+)?' | grep -oE -- '-[-a-z]+')
((${#flags[@]} > 20)) || fail "read the flags of l2met --help (got ${#flags[@]})"
for flag in "${flags[@]}"; do
  grep -qwF -- "$flag" <<<"$man_text" || fail "the man page documents $flag (from l2met --help)"
done
for word in PORT REDIS_URL SECRETS METCHAN_URL SIGTERM SIGINT "EXIT STATUS" EXAMPLES /etc/l2met/l2met.conf; do
  grep -qF -- "$word" <<<"$man_text" || fail "the man page covers $word"
done
pass "man page documents all ${#flags[@]} flags of l2met --help, PORT, REDIS_URL, SECRETS, METCHAN_URL, signals, exit status, examples"

unit="$work/root/usr/lib/systemd/system/l2met.service"
grep -qx 'ExecStart=/usr/bin/l2met --no-gui --config /etc/l2met/l2met.conf' "$unit" \
  || fail "l2met.service runs /usr/bin/l2met --no-gui --config /etc/l2met/l2met.conf"
for directive in User=l2met EnvironmentFile=-/etc/default/l2met NoNewPrivileges=yes ProtectSystem=strict \
  ProtectHome=yes PrivateTmp=yes PrivateDevices=yes ProtectKernelTunables=yes ProtectControlGroups=yes \
  'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' ReadWritePaths=/etc/l2met Restart=on-failure \
  KillSignal=SIGTERM TimeoutStopSec=45; do
  grep -qx "$directive" "$unit" || fail "l2met.service has $directive"
done
pass "l2met.service: ExecStart=/usr/bin/l2met --no-gui --config /etc/l2met/l2met.conf, User=l2met, hardening, Restart, KillSignal, TimeoutStopSec"
elapsed

# -------------------------------------------------------------------------
step "Install with apt-get (dependencies resolved by apt)"
for p in l2met l2met-headless; do
  s="$(status_of "$p")"
  if [[ "$s" != not-installed && -n "$s" ]]; then
    [[ "${L2MET_CHECK_REPLACE:-0}" == 1 ]] \
      || fail "$p is already on this machine ($s); this check installs and purges l2met: purge it first, or set L2MET_CHECK_REPLACE=1"
    note "$p was there ($s): purging it (L2MET_CHECK_REPLACE=1)"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq "$p" >/dev/null
  fi
done
installed_by_us=1
if ! $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$deb" >"$work/apt.log" 2>&1; then
  indent <"$work/apt.log"
  fail "apt-get install $deb"
fi
grep -A1 -E '^(Setting up|Unpacking|The following NEW)' "$work/apt.log" | grep -v '^--' | indent || true
[[ "$(status_of "$pkg")" == installed ]] || fail "dpkg says $pkg is installed"
pass "apt-get install ./$(basename "$deb"): $pkg $version installed"
check "/usr/bin/l2met --version prints 'l2met $version'" [ "$(/usr/bin/l2met --version)" == "l2met $version" ]
if ldd /usr/bin/l2met | grep -q "not found"; then
  ldd /usr/bin/l2met | grep "not found" | indent
  fail "every library of /usr/bin/l2met resolves"
fi
pass "ldd /usr/bin/l2met: every library resolves"
manpath="$(man -w l2met 2>/dev/null)" || fail "man -w l2met finds the man page"
pass "man -w l2met: $manpath"
getent passwd l2met >/dev/null || fail "postinst created the user l2met"
pass "user: $(getent passwd l2met)"
[[ "$($sudo stat -c '%U:%G %a' /etc/l2met)" == "l2met:l2met 750" ]] || fail "/etc/l2met is l2met:l2met 0750 (is $($sudo stat -c '%U:%G %a' /etc/l2met))"
pass "/etc/l2met: l2met:l2met 0750"
[[ "$($sudo stat -c '%U:%G %a' /etc/default/l2met)" == "root:root 600" ]] || fail "/etc/default/l2met is root:root 0600"
pass "/etc/default/l2met: root:root 0600 (commented template)"
if ((gui)); then
  desktop-file-validate /usr/share/applications/io.github.l2met.l2met.desktop || fail "installed desktop entry validates"
  pass "installed desktop entry validates"
fi
if command -v systemd-analyze >/dev/null; then
  # Silent when every directive is known and ExecStart's binary is there.
  if out="$(systemd-analyze verify /usr/lib/systemd/system/l2met.service 2>&1)" && [[ -z "$out" ]]; then
    pass "systemd-analyze verify l2met.service: no warnings"
  else
    printf '%s\n' "$out" | indent
    fail "systemd-analyze verify l2met.service"
  fi
else
  note "systemd-analyze missing: unit not verified"
fi
elapsed

# -------------------------------------------------------------------------
# smoke NAME CONFIG RUNAS...: starts the installed l2met headless on a free
# loopback port (-port 0; the at=start line names the port), waits for
# /health, signs a token with the same config, POSTs one logplex frame, sees
# l2met_lines_aggregated 1 on /metrics, stops it with SIGTERM and wants exit 0.
smoke() {
  local name=$1 config=$2
  shift 2
  local log="$work/$name.log"
  "$@" /usr/bin/l2met --no-gui --config "$config" -port 0 --bind 127.0.0.1 --preview >"$log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  local port=""
  for _ in $(seq 200); do
    port="$(grep -oE 'at=start port=[0-9]+' "$log" | head -1 | cut -d= -f3)" || true
    [[ -n "$port" ]] && break
    alive "$pid" || { indent <"$log"; fail "l2met started ($name)"; }
    sleep 0.05
  done
  [[ -n "$port" ]] || { indent <"$log"; fail "l2met logged at=start within 10 s ($name)"; }
  pass "started: $(grep -m1 'at=start' "$log")"
  local health
  health="$(curl -fsS --max-time 5 "http://127.0.0.1:$port/health")" || fail "GET /health answers 200"
  [[ "$health" == ok ]] || fail "GET /health says ok (got '$health')"
  pass "GET /health: 200 $health"

  local token
  token="$("$@" /usr/bin/l2met --config "$config" --sign smoke@example.com:smoke-token | sed -n 's/^token=//p')"
  [[ "$token" == gAAAAA* ]] || fail "l2met --config $config --sign makes a Fernet token"
  pass "l2met --config $config --sign smoke@example.com:...: token=${token:0:12}..."

  local msg body code
  msg="<134>1 $(date -u +%Y-%m-%dT%H:%M:%SZ) host app web.1 - measure#smoke.latency=4ms source=smoke"
  body="${#msg} $msg"
  code="$(curl -sS --max-time 5 -o /dev/null -w '%{http_code}' -u "$token:" \
    -H 'Content-Type: application/logplex-1' -H 'Logplex-Msg-Count: 1' \
    --data-binary "$body" "http://127.0.0.1:$port/logs")" || fail "POST /logs answered"
  [[ "$code" == 200 ]] || fail "POST /logs answers 200 (got $code)"
  pass "POST /logs (one frame: $msg): 200"

  local aggregated=""
  for _ in $(seq 100); do
    aggregated="$(curl -fsS --max-time 5 "http://127.0.0.1:$port/metrics" | awk '$1 == "l2met_lines_aggregated" { print $2 }')"
    [[ "$aggregated" == 1 ]] && break
    sleep 0.05
  done
  [[ "$aggregated" == 1 ]] || fail "/metrics shows l2met_lines_aggregated 1 (got '$aggregated')"
  pass "GET /metrics: l2met_lines_aggregated 1"

  $sudo kill -TERM "$pid"
  local waited=0
  while alive "$pid" && ((waited < 400)); do
    sleep 0.1
    waited=$((waited + 1))
  done
  alive "$pid" && { indent <"$log"; fail "l2met exits within 40 s of SIGTERM"; }
  local rc=0
  wait "$pid" || rc=$?
  pids=("${pids[@]/$pid/}")
  [[ "$rc" == 0 ]] || { indent <"$log"; fail "l2met exits 0 after SIGTERM (got $rc)"; }
  pass "SIGTERM: exited 0 after $((waited / 10)).$((waited % 10)) s ($(grep -c . "$log") log lines, last: $(tail -1 "$log" | cut -c1-100))"
}

step "Smoke test: installed l2met headless, as $(id -un), throw-away config"
smoke root "$work/config/l2met.conf"
elapsed

step "Smoke test: as the l2met user with /etc/l2met/l2met.conf (what l2met.service runs)"
as_l2met=($sudo setpriv --reuid=l2met --regid=l2met --init-groups --no-new-privs
  env -i PATH=/usr/bin:/bin HOME=/nonexistent LANG=C.UTF-8)
smoke service /etc/l2met/l2met.conf "${as_l2met[@]}"
[[ "$($sudo stat -c '%U:%G %a' /etc/l2met/l2met.conf)" == "l2met:l2met 600" ]] \
  || fail "the generated /etc/l2met/l2met.conf is l2met:l2met 0600"
$sudo grep -q '^secrets = ' /etc/l2met/l2met.conf || fail "/etc/l2met/l2met.conf holds the generated secret"
pass "/etc/l2met/l2met.conf: l2met:l2met 0600, holds the generated secret"
elapsed

# -------------------------------------------------------------------------
step "Remove (apt-get remove): the configuration stays"
$sudo env DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq "$pkg" >"$work/remove.log" 2>&1 \
  || { indent <"$work/remove.log"; fail "apt-get remove $pkg"; }
[[ "$(status_of "$pkg")" == config-files ]] || fail "$pkg is in state config-files (is $(status_of "$pkg"))"
[[ ! -e /usr/bin/l2met ]] || fail "/usr/bin/l2met is gone"
pass "apt-get remove $pkg: /usr/bin/l2met gone, state config-files"
$sudo test -f /etc/l2met/l2met.conf || fail "remove keeps /etc/l2met/l2met.conf (its secret signs every drain)"
$sudo test -f /etc/default/l2met || fail "remove keeps /etc/default/l2met"
getent passwd l2met >/dev/null || fail "remove keeps the user l2met"
pass "kept: /etc/l2met/l2met.conf, /etc/default/l2met, user l2met"
elapsed

step "Purge (apt-get purge): everything goes"
$sudo env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq "$pkg" >"$work/purge.log" 2>&1 \
  || { indent <"$work/purge.log"; fail "apt-get purge $pkg"; }
[[ "$(status_of "$pkg")" == not-installed ]] || fail "$pkg is gone from dpkg (is $(status_of "$pkg"))"
[[ ! -e /etc/l2met && ! -e /etc/default/l2met ]] || fail "purge deletes /etc/l2met and /etc/default/l2met"
! getent passwd l2met >/dev/null || fail "purge deletes the user l2met"
! getent group l2met >/dev/null || fail "purge deletes the group l2met"
pass "apt-get purge $pkg: /etc/l2met, /etc/default/l2met, user and group l2met gone"
installed_by_us=""
elapsed

printf '\ncheck-package: all checks passed for %s in %d s\n' "$(basename "$deb")" "$((SECONDS - started))"
