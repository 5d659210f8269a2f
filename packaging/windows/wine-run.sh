#!/usr/bin/env bash
# Runs a Windows program under Debian's Wine, quietly and without a display: the emulator of the
# Windows build (CMAKE_CROSSCOMPILING_EMULATOR) and of the Wine tests. The Wine prefix is
# FIELDCHECK_WINEPREFIX (default ~/.cache/fieldcheck/wine), made on first use.
set -euo pipefail
export WINEPREFIX="${FIELDCHECK_WINEPREFIX:-${HOME}/.cache/fieldcheck/wine}"
export WINEDEBUG="${WINEDEBUG:--all}"
# No Mono, no Gecko (Wine would offer to download them), no display.
export WINEDLLOVERRIDES="${WINEDLLOVERRIDES:-mscoree,mshtml=}"
unset DISPLAY WAYLAND_DISPLAY
if [ ! -f "$WINEPREFIX/system.reg" ]; then
  mkdir -p "$WINEPREFIX"
  wineboot --init > /dev/null 2>&1 || true
  wineserver --wait || true
fi
exec wine "$@"
