#!/usr/bin/env bash
# Makes the Windows installer: make-installer.sh WINDOWS_BUILD_DIR OUT_DIR
#   -> OUT_DIR/Fieldcheck-Setup-x64.exe, from WINDOWS_BUILD_DIR/client/fieldcheck.exe and the
#   version of that build (its CMakeCache), with Debian's NSIS (makensis, package nsis).
# Prints the installer's path as its last line of stdout.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 WINDOWS_BUILD_DIR OUT_DIR" >&2
  exit 2
fi
build_dir=$1
out_dir=$2
here=$(cd "$(dirname "$0")" && pwd)

exe="$build_dir/client/fieldcheck.exe"
if [ ! -f "$exe" ]; then
  echo "make-installer.sh: no $exe: build the Windows program first (packaging/windows/build.sh)" >&2
  exit 1
fi
if ! command -v makensis > /dev/null; then
  echo "make-installer.sh: makensis not found: install Debian's nsis (packaging/install-deps.sh)" >&2
  exit 1
fi

version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build_dir/CMakeCache.txt" 2> /dev/null || true)
if ! [[ "$version" =~ ^[0-9]+(\.[0-9]+){0,3}$ ]]; then
  echo "make-installer.sh: no project version in $build_dir/CMakeCache.txt (got '$version')" >&2
  exit 1
fi
# Windows' version resource wants four numbers.
version4=$version
while [ "$(tr -cd . <<< "$version4" | wc -c)" -lt 3 ]; do version4="$version4.0"; done

mkdir -p "$out_dir"
out_dir=$(cd "$out_dir" && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
# Notepad on older Windows 10 wants CRLF line ends.
sed 's/$/\r/' "$here/installer/README.txt" > "$stage/README.txt"

out="$out_dir/Fieldcheck-Setup-x64.exe"
rm -f "$out"
makensis -V2 -INPUTCHARSET UTF8 \
  "-DVERSION=$version" "-DVERSION4=$version4" \
  "-DSOURCE_EXE=$(cd "$(dirname "$exe")" && pwd)/fieldcheck.exe" \
  "-DSOURCE_README=$stage/README.txt" \
  "-DOUTFILE=$out" \
  "$here/fieldcheck.nsi" >&2
size=$(stat -c %s "$out")
limit=$((20 * 1024 * 1024))
echo "make-installer.sh: Fieldcheck $version, $size bytes" >&2
if [ "$size" -gt "$limit" ]; then
  echo "make-installer.sh: the installer is larger than 20 MB ($size bytes)" >&2
  exit 1
fi
echo "$out"
