#!/usr/bin/env bash
# The Windows laptop program (issue 18), the last part of the test command (packaging/test.sh):
# builds the dependencies from Debian's source packages (cached outside the tree), cross-builds
# fieldcheck.exe and the client's unit tests with MinGW-w64, makes the installer, then runs under
# Wine: the unit tests of the Windows build, and the Linux build's `wine` tests — the Windows
# program end to end against the Linux server on 127.0.0.1, killed mid-save, and its installer.
# FIELDCHECK_WINDOWS=0 skips all of it.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "${FIELDCHECK_WINDOWS:-1}" = 0 ] && { echo "windows: skipped (FIELDCHECK_WINDOWS=0)"; exit 0; }

build_dir="${FIELDCHECK_BUILD_DIR:-build}"
windows_dir=build-windows  # packaging/windows/build.sh's (the `windows` preset's)
started=$SECONDS

bash packaging/windows/build.sh > /dev/null
bash packaging/windows/make-installer.sh "$windows_dir" "$windows_dir/installer"
exe="$PWD/$windows_dir/client/fieldcheck.exe"
installer="$PWD/$windows_dir/installer/Fieldcheck-Setup-x64.exe"
echo "windows: fieldcheck.exe $(stat -c %s "$exe") bytes, Fieldcheck-Setup-x64.exe $(stat -c %s "$installer") bytes" \
     "(built in $((SECONDS - started)) s)"

# The unit tests start fieldcheck-windows-unit-tests.exe once per test, in wine-run.sh's prefix: one
# wineserver kept up for them all (it ends 30 s after its last program), or each start would bring
# Wine's services up again, 2.5 s apiece.
wine_prefix="${FIELDCHECK_WINEPREFIX:-${HOME}/.cache/fieldcheck/wine}"
mkdir -p "$wine_prefix"
# (When one already runs in that prefix, it serves instead: wineserver then says so and exits 2.)
WINEPREFIX="$wine_prefix" wineserver -p30 || true
# A new prefix is made here, once, not by two tests starting side by side.
FIELDCHECK_WINEPREFIX="$wine_prefix" packaging/windows/wine-run.sh cmd /c exit
FIELDCHECK_WINEPREFIX="$wine_prefix" ctest --test-dir "$windows_dir" --output-on-failure -j "$(nproc)" -L windows

cmake -S . -B "$build_dir" -DFIELDCHECK_WINDOWS_CLIENT_EXE="$exe" -DFIELDCHECK_WINDOWS_INSTALLER="$installer" > /dev/null
cmake --build "$build_dir" -j "$(nproc)" --target fieldcheck-wine-tests
ctest --test-dir "$build_dir" --output-on-failure -L wine
echo "windows: built and tested in $((SECONDS - started)) s"
