#!/usr/bin/env bash
# The Debian packages' test: makes fieldcheck-server and fieldcheck from the built tree (cpack),
# installs them with dpkg -i, checks the installed unit (systemd-analyze verify), files, owners and
# modes, and each package's copyright and changelog (its top entry the version installed); starts
# the installed server as its unit would (its ExecStart, User, Group, UMask and environment, read
# from the installed unit) on a free port of 127.0.0.1, initialises the province from the packaged
# seed, adds an inspector, and syncs an inspection from a laptop with the installed client; upgrades
# over itself (a rebuilt package, Debian revision 2, whose changelog names it) and checks the data,
# the edited configuration and the restart; removes (the data stays, and a new installation serves
# it again), then purges (data, configuration and user go). Whatever happens, it purges at the end:
# the machine is left as it was found.
#
# Needs root and dpkg; skipped with a message otherwise, or with FIELDCHECK_PACKAGES=0. Refuses to
# run on a machine where Fieldcheck is installed or its user or folders exist: it would remove them.
# The build folder: $FIELDCHECK_BUILD_DIR, else build (packaging/build.sh makes it).
#
# There is no running systemd here. Where the maintainer scripts would ask systemd for something
# (daemon-reload, the restart after an upgrade, the stop before removal), the test runs dpkg in a
# mount namespace of its own where /run/systemd/system exists and `systemctl` only records what it
# is asked; the fresh installation and the purge run as on this machine (no systemd), and must do
# nothing harmful there.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${FIELDCHECK_PACKAGES:-1}" = 0 ]; then
  echo "packages: bỏ qua (FIELDCHECK_PACKAGES=0) / skipped (FIELDCHECK_PACKAGES=0)"
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v dpkg > /dev/null; then
  echo "packages: bỏ qua: cần quyền root và dpkg / skipped: installing the packages needs root and dpkg"
  exit 0
fi

started=$SECONDS
build_dir="${FIELDCHECK_BUILD_DIR:-build}"
seed_name=cao-bang-2019
unit_path=/lib/systemd/system/fieldcheck-server.service
checks=0

fail() {
  echo "packages: LỖI / FAILED: $*" >&2
  exit 1
}
ok() {
  checks=$((checks + 1))
  echo "packages: ok: $*"
}
# `expect WHAT COMMAND...`: the command succeeds, else the test fails naming WHAT.
expect() {
  local what="$1"
  shift
  "$@" || fail "$what"
  ok "$what"
}

[ -d "$build_dir" ] || fail "$build_dir không có; hãy build trước (bash packaging/build.sh) / $build_dir is missing; build first (bash packaging/build.sh)"
build_dir="$(cd "$build_dir" && pwd)"
for p in "$build_dir/sync-server/fieldcheck-server" "$build_dir/client/fieldcheck" "$build_dir/CPackConfig.cmake"; do
  [ -e "$p" ] || fail "$p không có; hãy build trước (bash packaging/build.sh) / $p is missing; build first (bash packaging/build.sh)"
done
for p in fieldcheck-server fieldcheck; do
  if dpkg-query -W -f='${Status}' "$p" 2> /dev/null | grep -qv '^unknown ok not-installed$\|^$'; then
    fail "gói $p đã được cài trên máy này; bài kiểm tra sẽ gỡ nó / the package $p is installed on this machine and the test would purge it: run it elsewhere, or FIELDCHECK_PACKAGES=0"
  fi
done
if getent passwd fieldcheck > /dev/null || getent group fieldcheck > /dev/null || [ -e /var/lib/fieldcheck ] || [ -e /etc/fieldcheck ]; then
  fail "người dùng fieldcheck hoặc /var/lib/fieldcheck, /etc/fieldcheck đã có trên máy này / the user fieldcheck, /var/lib/fieldcheck or /etc/fieldcheck exists on this machine and the test would remove it: run it elsewhere, or FIELDCHECK_PACKAGES=0"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/fieldcheck-packages.XXXXXX")"
chmod 0755 "$work"
server_pid=
# with_systemd mounts over /run/systemd, making it first if the machine has none.
run_systemd_made=
[ -e /run/systemd ] || run_systemd_made=1
cleanup() {
  local status=$?
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2> /dev/null; then
    kill -KILL "$server_pid" 2> /dev/null || true
    wait "$server_pid" 2> /dev/null || true
  fi
  # Purged whatever state the test left them in; then anything the scripts did not remove.
  dpkg --purge fieldcheck-server fieldcheck > "$work/cleanup.log" 2>&1 || cat "$work/cleanup.log" >&2
  rm -rf /var/lib/fieldcheck /etc/fieldcheck
  # Never stopping the clean-up halfway (set -e): a user still in use is reported, the rest goes on.
  if getent passwd fieldcheck > /dev/null; then userdel fieldcheck || echo "packages: userdel fieldcheck failed" >&2; fi
  if getent group fieldcheck > /dev/null; then groupdel fieldcheck || echo "packages: groupdel fieldcheck failed" >&2; fi
  rm -rf "$work"
  if [ -n "$run_systemd_made" ]; then rmdir /run/systemd 2> /dev/null || true; fi
  if [ $status -ne 0 ]; then echo "packages: LỖI / FAILED after $((SECONDS - started)) s (đã dọn máy / the machine is cleaned up)" >&2; fi
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- The packages ----
# `make_packages DIR [CPACK ARGS]`: both packages into DIR, from the built tree.
make_packages() {
  local dir="$1"
  shift
  if ! timeout 300 cpack --config "$build_dir/CPackConfig.cmake" -B "$dir" "$@" > "$dir.log" 2>&1; then
    cat "$dir.log" >&2
    fail "cpack"
  fi
  server_deb="$(ls "$dir"/fieldcheck-server_*.deb)"
  client_deb="$(ls "$dir"/fieldcheck_*.deb)"
}
mkdir "$work/v1"
make_packages "$work/v1"
ok "cpack: $(basename "$server_deb") ($(($(stat -c %s "$server_deb") / 1024)) KiB), $(basename "$client_deb") ($(($(stat -c %s "$client_deb") / 1024)) KiB)"
version="$(dpkg-deb -f "$server_deb" Version)"
for deb in "$server_deb" "$client_deb"; do
  name="$(dpkg-deb -f "$deb" Package)"
  [ "$(dpkg-deb -f "$deb" Architecture)" = "$(dpkg --print-architecture)" ] || fail "$name: Architecture"
  dpkg-deb -f "$deb" Depends | grep -q 'libc6 (>=' || fail "$name: Depends computed by dpkg-shlibdeps ($(dpkg-deb -f "$deb" Depends))"
  for field in Maintainer Description Section; do
    [ -n "$(dpkg-deb -f "$deb" "$field")" ] || fail "$name: $field"
  done
done
ok "control: $version, $(dpkg-deb -f "$server_deb" Architecture), Depends of fieldcheck-server: $(dpkg-deb -f "$server_deb" Depends)"

# ---- A machine running systemd, as the maintainer scripts see it ----
mkdir "$work/fake-systemd"
cat > "$work/fake-systemd/systemctl" << 'EOF'
#!/bin/sh
# Records what the maintainer scripts ask of systemd; the unit is enabled and active.
echo "$*" >> "$FIELDCHECK_SYSTEMCTL_LOG"
case " $* " in
  *" is-enabled "*) echo enabled ;;
esac
exit 0
EOF
printf '#!/bin/sh\nexit 0\n' > "$work/fake-systemd/policy-rc.d"
chmod 0755 "$work/fake-systemd/systemctl" "$work/fake-systemd/policy-rc.d"
export FIELDCHECK_SYSTEMCTL_LOG="$work/systemctl.log"
# `with_systemd COMMAND...`: COMMAND where /run/systemd/system exists, `systemctl` records its calls
# in $FIELDCHECK_SYSTEMCTL_LOG and no policy-rc.d forbids starting services (a container's does).
with_systemd() {
  : > "$FIELDCHECK_SYSTEMCTL_LOG"
  PATH="$work/fake-systemd:$PATH" unshare --mount --propagation private -- /bin/sh -c '
    set -e
    mkdir -p /run/systemd
    mount -t tmpfs -o mode=0755 fieldcheck-test /run/systemd
    mkdir /run/systemd/system
    if [ -e /usr/sbin/policy-rc.d ]; then mount --bind "$0/policy-rc.d" /usr/sbin/policy-rc.d; fi
    exec "$@"' "$work/fake-systemd" "$@"
}

# ---- Installation, where systemd is not running ----
dpkg -i "$server_deb" "$client_deb" > "$work/install.log" 2>&1 || { cat "$work/install.log" >&2; fail "dpkg -i"; }
for p in fieldcheck-server fieldcheck; do
  [ "$(dpkg-query -W -f='${Status} ${Version}' "$p")" = "install ok installed $version" ] || fail "$p installed"
done
ok "dpkg -i: both installed ($version), no systemd running and nothing failed"

# `mode_of PATH`: "owner:group mode".
mode_of() { stat -c '%U:%G %a' "$1"; }
expect_mode() {
  [ "$(mode_of "$1")" = "$2" ] || fail "$1 is $(mode_of "$1"), expected $2"
}
for f in /usr/bin/fieldcheck-server /usr/bin/fieldcheck; do
  expect_mode "$f" "root:root 755"
  ! readelf -S "$f" | grep -q '\.debug_info' || fail "$f is not stripped"
done
ok "programs: /usr/bin/fieldcheck-server ($(($(stat -c %s /usr/bin/fieldcheck-server) / 1048576)) MB), /usr/bin/fieldcheck ($(($(stat -c %s /usr/bin/fieldcheck) / 1048576)) MB), stripped, root:root 755"

IFS=: read -r _ _ user_uid user_gid _ user_home user_shell <<< "$(getent passwd fieldcheck)"
[ "$(getent group fieldcheck | cut -d: -f3)" = "$user_gid" ] || fail "the user fieldcheck's group is fieldcheck"
[ "$user_uid" -lt 1000 ] || fail "fieldcheck is a system user (uid $user_uid)"
[ "$user_home" = /var/lib/fieldcheck ] || fail "fieldcheck's home is /var/lib/fieldcheck ($user_home)"
[ "$user_shell" = /usr/sbin/nologin ] || fail "fieldcheck cannot log in (shell $user_shell)"
ok "system user fieldcheck (uid $user_uid, group fieldcheck, home /var/lib/fieldcheck, shell /usr/sbin/nologin)"

expect_mode /var/lib/fieldcheck "fieldcheck:fieldcheck 700"
expect_mode /etc/fieldcheck "root:fieldcheck 750"
expect_mode /etc/fieldcheck/server.toml "root:fieldcheck 640"
expect_mode "$unit_path" "root:root 644"
dpkg-query -W -f='${Conffiles}\n' fieldcheck-server | grep -q '^ /etc/fieldcheck/server.toml ' || fail "server.toml is a conffile"
[ -f "/usr/share/fieldcheck/seed/$seed_name/province.json" ] || fail "the seed is in /usr/share/fieldcheck/seed"
[ -L /etc/systemd/system/multi-user.target.wants/fieldcheck-server.service ] || fail "the unit is enabled (multi-user.target.wants)"
ok "files: /var/lib/fieldcheck fieldcheck 0700, /etc/fieldcheck root:fieldcheck 0750, server.toml root:fieldcheck 0640 (a conffile), the unit 0644 and enabled, the seed"

# `check_debian_docs`: each package's /usr/share/doc/PACKAGE holds its copyright (machine-readable
# format 1.0) and changelog.Debian.gz, whose top entry is the version installed, compressed with
# gzip -n (no name, no time in it: the same sources give the same bytes), both the package's files.
check_debian_docs() {
  local p doc installed top f
  for p in fieldcheck-server fieldcheck; do
    doc="/usr/share/doc/$p"
    installed="$(dpkg-query -W -f='${Version}' "$p")"
    for f in "$doc/copyright" "$doc/changelog.Debian.gz"; do
      expect_mode "$f" "root:root 644"
      dpkg -L "$p" | grep -qx "$f" || fail "$f is a file of the package $p"
    done
    [ "$(head -n 1 "$doc/copyright")" = "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/" ] &&
      grep -qx 'Copyright: 2026 the Fieldcheck authors' "$doc/copyright" && grep -q '^License: ' "$doc/copyright" ||
      fail "$doc/copyright is in the machine-readable format 1.0 and names the authors and the licence"
    top="$(gzip -dc "$doc/changelog.Debian.gz" | sed -n '1s/^\([^ ]*\) (\([^)]*\)) .*/\1 \2/p')"
    [ "$top" = "$p $installed" ] || fail "$doc/changelog.Debian.gz's top entry is $p $installed (it is: ${top:-unreadable})"
    [ "$(od -An -tx1 -j3 -N5 "$doc/changelog.Debian.gz" | tr -d ' \n')" = 0000000000 ] ||
      fail "$doc/changelog.Debian.gz is compressed with gzip -n (no file name, no time)"
  done
  ok "/usr/share/doc: copyright (format 1.0) and changelog.Debian.gz (gzip -n) of both packages, the changelog's top entry $installed as installed"
}
check_debian_docs

# The unit as systemd reads it: every key known, every value read, the ExecStart program there. It
# exits 0 after a warning (an unknown key, a value it ignores): any word from it fails the test.
if ! SYSTEMD_LOG_LEVEL=notice systemd-analyze verify "$unit_path" > "$work/verify.log" 2>&1 || [ -s "$work/verify.log" ]; then
  cat "$work/verify.log" >&2
  fail "systemd-analyze verify $unit_path"
fi
ok "systemd-analyze verify $unit_path: no error, no warning"
security="$(systemd-analyze security --offline=yes "$unit_path" 2> /dev/null | sed -n 's/.*Overall exposure level for [^:]*: *//p')" || true
[ -z "$security" ] || ok "systemd-analyze security: exposure $security"

# ---- The unit's own words: how systemd would start the server ----
unit_value() { sed -n "s/^$1=//p" "$unit_path" | tail -n 1; }
exec_start="$(unit_value ExecStart)"
exec_start="${exec_start#[-@+!:]}"
read -r -a exec_start_words <<< "$exec_start"
unit_user="$(unit_value User)"
unit_group="$(unit_value Group)"
unit_umask="$(unit_value UMask)"
stop_timeout="$(unit_value TimeoutStopSec)"
[ "$unit_user" = fieldcheck ] && [ "$unit_group" = fieldcheck ] && [ "$unit_umask" = 0077 ] ||
  fail "the unit runs as fieldcheck:fieldcheck with UMask=0077 ($unit_user:$unit_group $unit_umask)"
[ "$(unit_value KillSignal)" = SIGTERM ] || fail "the unit stops the server with SIGTERM"
unit_env=()
while IFS= read -r line; do
  read -r -a words <<< "$line"
  unit_env+=("${words[@]}")
done < <(sed -n 's/^Environment=//p' "$unit_path")
# `as_unit COMMAND...`: COMMAND as the unit's process would run: its user and group (and their
# supplementary groups), no capability, no new privileges, its umask, the environment systemd
# gives it, in /. Call it in a subshell: it becomes COMMAND (the same process id).
as_unit() {
  umask "$unit_umask"
  cd /
  exec env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME="$user_home" \
    USER="$unit_user" LOGNAME="$unit_user" SHELL="$user_shell" LANG=C.UTF-8 \
    STATE_DIRECTORY=/var/lib/fieldcheck CONFIGURATION_DIRECTORY=/etc/fieldcheck "${unit_env[@]}" \
    setpriv --reuid "$unit_user" --regid "$unit_group" --init-groups --no-new-privs \
    --inh-caps=-all --bounding-set=-all -- "$@"
}
# The server's command line outside `serve` (init, user add, export): the unit's program and its
# global options, as the README tells the administrator to run it.
server_cli=("${exec_start_words[@]}")
[ "${server_cli[-1]}" = serve ] || fail "the unit's ExecStart ends with serve ($exec_start)"
unset 'server_cli[-1]'
server_cmd() { (as_unit "${server_cli[@]}" "$@"); }

free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# `start_server`: the unit's ExecStart as its process, listening on 127.0.0.1 only: on a free port
# the first time, then on the same one (the laptop knows the server by its address).
port=
start_server() {
  [ -n "$port" ] || port="$(free_port)"
  server_log="$work/server-$port.log"
  : > "$server_log"
  (as_unit "${exec_start_words[@]}" --listen "127.0.0.1:$port") > "$server_log" 2>&1 &
  server_pid=$!
  local waited=0
  until grep -q "://127.0.0.1:$port" "$server_log"; do
    if ! kill -0 "$server_pid" 2> /dev/null || [ $waited -ge 200 ]; then
      cat "$server_log" >&2
      fail "the server started as the unit would ($exec_start --listen 127.0.0.1:$port)"
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  [ "$(ps -o uid= -p "$server_pid" | tr -d ' ')" = "$user_uid" ] && [ "$(readlink "/proc/$server_pid/exe")" = "${exec_start_words[0]}" ] ||
    fail "the server runs as fieldcheck, in the process started ($(ps -o uid=,comm= -p "$server_pid"))"
  ok "server: $exec_start --listen 127.0.0.1:$port, as fieldcheck:fieldcheck, umask $unit_umask, no capability"
}
# `stop_server`: as systemd stops it (KillSignal=SIGTERM), within TimeoutStopSec.
stop_server() {
  local limit="${stop_timeout%s}" waited=0
  kill -TERM "$server_pid"
  while kill -0 "$server_pid" 2> /dev/null; do
    [ $waited -lt $((limit * 10)) ] || fail "the server stops within TimeoutStopSec=$stop_timeout after SIGTERM"
    sleep 0.1
    waited=$((waited + 1))
  done
  local status=0
  wait "$server_pid" || status=$?
  server_pid=
  [ $status -eq 0 ] || { cat "$server_log" >&2; fail "the server stopped cleanly on SIGTERM (exit $status)"; }
  ok "server stopped on SIGTERM in $((waited / 10)).$((waited % 10)) s, exit 0"
}

# ---- The province, a laptop, an inspection ----
server_cmd init --seed "/usr/share/fieldcheck/seed/$seed_name" > "$work/init.log" 2>&1 ||
  { cat "$work/init.log" >&2; fail "init --seed from the package's seed"; }
ok "province initialised from /usr/share/fieldcheck/seed/$seed_name as fieldcheck: $(sed -n 's/.*Establishments: *//p' "$work/init.log") establishments"
bad_files="$(find /var/lib/fieldcheck -mindepth 1 \( ! -user fieldcheck -o -perm /077 \) -printf '%p %u %m\n')"
[ -z "$bad_files" ] || fail "every file of /var/lib/fieldcheck is fieldcheck's alone: $bad_files"
ok "/var/lib/fieldcheck: $(find /var/lib/fieldcheck -mindepth 1 -printf '%f ')each fieldcheck's, none readable by others"

# A configuration the server refuses ends it with the status the unit does not restart on.
no_restart_status="$(unit_value RestartPreventExitStatus)"
cp -p /etc/fieldcheck/server.toml "$work/server.toml.saved"
echo "khoa_la = 1  # an unknown key" >> /etc/fieldcheck/server.toml
refused_status=0
(as_unit timeout 20 "${exec_start_words[@]}" --listen 127.0.0.1:0) > "$work/refused.log" 2>&1 || refused_status=$?
cp -p "$work/server.toml.saved" /etc/fieldcheck/server.toml
[ -n "$no_restart_status" ] && [ "$refused_status" = "$no_restart_status" ] && grep -q 'khoa_la' "$work/refused.log" ||
  { cat "$work/refused.log" >&2; fail "a refused configuration ends the server with RestartPreventExitStatus=$no_restart_status (it exited $refused_status)"; }
ok "a refused configuration: the server names the key and exits $refused_status, which the unit does not restart on"

start_server
echo "mật-khẩu-của-lan" | server_cmd user add lan --role inspector --district bao-lac > "$work/user.log" 2>&1 ||
  { cat "$work/user.log" >&2; fail "user add while the server runs"; }
ok "user lan added while the server runs"

laptop="$work/laptop"
# `fieldcheck_laptop ARGS...`: the installed client on the laptop's own home, bounded in time.
fieldcheck_laptop() { timeout 120 /usr/bin/fieldcheck --home "$laptop" "$@"; }
json_field() { /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
echo "mật-khẩu-của-lan" | fieldcheck_laptop login --server "http://127.0.0.1:$port" --user lan --device-name "may-kiem-tra-goi" > "$work/login.log" 2>&1 ||
  { cat "$work/login.log" >&2; fail "login with the installed client"; }
pulled="$(fieldcheck_laptop --json sync | json_field pulled)" || fail "the laptop's first sync"
establishment="$(fieldcheck_laptop --json establishments | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["fields"]["code"])')" ||
  fail "the laptop lists its district's establishments"
inspection="$(fieldcheck_laptop --json inspect new --establishment "$establishment" | json_field id)" || fail "inspect new on the laptop"
pushed="$(fieldcheck_laptop --json sync | json_field pushed)" || fail "the laptop's sync of its inspection"
[ "$pushed" = 1 ] || fail "the laptop pushed its inspection (pushed: $pushed)"
ok "laptop: /usr/bin/fieldcheck logged in as lan, pulled $pulled, pushed the inspection $inspection of $establishment"

# `server_has_inspection`: the provincial record holds the laptop's inspection.
server_has_inspection() {
  server_cmd export --kind inspection --format jsonl > "$work/export.jsonl" 2> "$work/export.log" ||
    { cat "$work/export.log" >&2; fail "export from the provincial database"; }
  grep -q "$inspection" "$work/export.jsonl"
}
expect "the server holds the inspection" server_has_inspection
stop_server

# ---- Upgrade over itself: a rebuilt package (Debian revision 2), where systemd runs ----
mkdir "$work/v2"
make_packages "$work/v2" -D CPACK_DEBIAN_PACKAGE_RELEASE=2
version2="$(dpkg-deb -f "$server_deb" Version)"
dpkg --compare-versions "$version2" gt "$version" || fail "the rebuilt package's version $version2 is above $version"
# The administrator's edit of the configuration survives the upgrade (a conffile the package did not change).
echo "# sửa bởi quản trị / edited by the administrator" >> /etc/fieldcheck/server.toml
config_sum="$(sha256sum < /etc/fieldcheck/server.toml)"
database_inode="$(stat -c %i /var/lib/fieldcheck)"
with_systemd dpkg -i "$server_deb" "$client_deb" > "$work/upgrade.log" 2>&1 || { cat "$work/upgrade.log" >&2; fail "dpkg -i of $version2 over $version"; }
for p in fieldcheck-server fieldcheck; do
  [ "$(dpkg-query -W -f='${Status} ${Version}' "$p")" = "install ok installed $version2" ] || fail "$p upgraded to $version2"
done
grep -qx -- '--system daemon-reload' "$FIELDCHECK_SYSTEMCTL_LOG" || { cat "$FIELDCHECK_SYSTEMCTL_LOG" >&2; fail "postinst reloads systemd on upgrade"; }
grep -qx -- '--quiet --system restart fieldcheck-server.service' "$FIELDCHECK_SYSTEMCTL_LOG" ||
  { cat "$FIELDCHECK_SYSTEMCTL_LOG" >&2; fail "postinst restarts the service on upgrade"; }
! grep -qw stop "$FIELDCHECK_SYSTEMCTL_LOG" || fail "an upgrade does not stop the service before the new program is in place"
ok "upgrade $version -> $version2: postinst ran daemon-reload and restarted fieldcheck-server.service (systemctl asked: $(tr '\n' ';' < "$FIELDCHECK_SYSTEMCTL_LOG"))"
[ "$(sha256sum < /etc/fieldcheck/server.toml)" = "$config_sum" ] || fail "the edited server.toml is kept over the upgrade"
expect_mode /etc/fieldcheck/server.toml "root:fieldcheck 640"
[ "$(stat -c %i /var/lib/fieldcheck)" = "$database_inode" ] || fail "/var/lib/fieldcheck is the same folder after the upgrade"
[ "$(getent passwd fieldcheck | cut -d: -f3)" = "$user_uid" ] || fail "the user fieldcheck keeps its uid over the upgrade"
expect_mode /var/lib/fieldcheck "fieldcheck:fieldcheck 700"
ok "upgrade kept the edited server.toml (root:fieldcheck 0640), /var/lib/fieldcheck and the user (uid $user_uid)"
check_debian_docs

start_server
expect "after the upgrade the server still holds the inspection" server_has_inspection
again="$(fieldcheck_laptop --json sync | json_field pushed)" || fail "the laptop syncs with the upgraded server"
[ "$again" = 0 ] || fail "after the upgrade the laptop has nothing to send again (pushed: $again)"
ok "after the upgrade the laptop syncs and sends nothing twice"
stop_server

# ---- Removal keeps the data; purge removes it ----
with_systemd dpkg -r fieldcheck-server fieldcheck > "$work/remove.log" 2>&1 || { cat "$work/remove.log" >&2; fail "dpkg -r"; }
grep -qx -- 'stop fieldcheck-server.service' "$FIELDCHECK_SYSTEMCTL_LOG" || { cat "$FIELDCHECK_SYSTEMCTL_LOG" >&2; fail "prerm stops the service on removal"; }
[ ! -e /usr/bin/fieldcheck-server ] && [ ! -e /usr/bin/fieldcheck ] && [ ! -e "$unit_path" ] || fail "dpkg -r removes the programs and the unit"
[ -f /var/lib/fieldcheck/provincial.db ] || fail "dpkg -r keeps /var/lib/fieldcheck"
[ -f /etc/fieldcheck/server.toml ] && getent passwd fieldcheck > /dev/null || fail "dpkg -r keeps the configuration and the user"
[ "$(dpkg-query -W -f='${Status}' fieldcheck-server)" = "deinstall ok config-files" ] || fail "fieldcheck-server is left as config-files"
ok "dpkg -r: service stopped, programs gone, /var/lib/fieldcheck ($(du -sh /var/lib/fieldcheck | cut -f1)), server.toml and the user kept"

# Installed again after a removal, it serves the same province: the unit unmasked and enabled again.
[ -L /etc/systemd/system/fieldcheck-server.service ] || fail "dpkg -r masks the unit while its file is gone"
dpkg -i "$server_deb" "$client_deb" > "$work/reinstall.log" 2>&1 || { cat "$work/reinstall.log" >&2; fail "dpkg -i after dpkg -r"; }
[ ! -e /etc/systemd/system/fieldcheck-server.service ] && [ -L /etc/systemd/system/multi-user.target.wants/fieldcheck-server.service ] ||
  fail "installing again unmasks and enables the unit"
start_server
expect "installed again after a removal, the server serves the same province" server_has_inspection
stop_server

dpkg -P fieldcheck-server fieldcheck > "$work/purge.log" 2>&1 || { cat "$work/purge.log" >&2; fail "dpkg -P"; }
[ ! -e /var/lib/fieldcheck ] || fail "dpkg -P removes /var/lib/fieldcheck"
[ ! -e /etc/fieldcheck ] || fail "dpkg -P removes /etc/fieldcheck"
! getent passwd fieldcheck > /dev/null && ! getent group fieldcheck > /dev/null || fail "dpkg -P removes the user and group fieldcheck"
leftovers="$(find /etc/systemd /var/lib/systemd/deb-systemd-helper-enabled /var/lib/systemd/deb-systemd-helper-masked \
  -name '*fieldcheck*' 2> /dev/null || true)"
[ -z "$leftovers" ] || fail "dpkg -P leaves nothing of the unit behind: $leftovers"
for p in fieldcheck-server fieldcheck; do
  dpkg-query -W -f='${Status}' "$p" 2> /dev/null | grep -qv 'not-installed' && fail "$p is purged"
done
ok "dpkg -P: data, configuration, user, group and the unit's links gone"

echo "packages: ${checks} kiểm tra đạt / checks passed in $((SECONDS - started)) s"
