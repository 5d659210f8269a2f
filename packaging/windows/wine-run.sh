#!/usr/bin/env bash
# Runs a Windows program under Debian's Wine, quietly and without a display: the emulator of the
# Windows build (CMAKE_CROSSCOMPILING_EMULATOR) and of the Wine tests. The Wine prefix is
# FIELDCHECK_WINEPREFIX (default ~/.cache/fieldcheck/wine), made on first use.
# --lf (first argument): the program's standard output with Windows' CRLF line ends turned into
# LF, for readers that split lines on LF alone (the build's emulator: Catch's test discovery
# would otherwise name every test with a trailing CR).
set -euo pipefail
lf=false
if [ "${1:-}" = --lf ]; then
  lf=true
  shift
fi
# Wine converts the command line, the environment and file names with the Unix locale's character
# set: UTF-8, whatever locale the caller has (CI sets none), so Vietnamese names arrive whole.
export LC_ALL=C.UTF-8
export WINEPREFIX="${FIELDCHECK_WINEPREFIX:-${HOME}/.cache/fieldcheck/wine}"
export WINEDEBUG="${WINEDEBUG:--all}"
# No Mono, no Gecko (Wine would offer to download them), no display.
export WINEDLLOVERRIDES="${WINEDLLOVERRIDES:-mscoree,mshtml=}"
unset DISPLAY WAYLAND_DISPLAY
# A new prefix is made first (about 5 s). The program then runs on the same wineserver: waiting for
# that server to end would wait for the services wineboot started, tens of seconds, for nothing.
if [ ! -f "$WINEPREFIX/system.reg" ]; then
  mkdir -p "$WINEPREFIX"
  wineboot --init > /dev/null 2>&1 || true
fi
if $lf; then
  set +e
  wine "$@" | sed 's/\r$//'
  exit "${PIPESTATUS[0]}"
fi
exec wine "$@"
