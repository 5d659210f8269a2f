#!/usr/bin/env bash
# Builds the Windows client: its libraries (build-deps.sh, cached), then `cmake --preset windows`
# (build-windows/) and the targets fieldcheck (fieldcheck.exe) and fieldcheck-windows-unit-tests.
# Idempotent: with nothing changed it only checks. Jobs: FIELDCHECK_JOBS (default: nproc).
# Prints the two programs' paths, fieldcheck.exe last.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
jobs="${FIELDCHECK_JOBS:-$(nproc)}"

prefix="$(packaging/windows/build-deps.sh | tail -n 1)"
export FIELDCHECK_WINDOWS_DEPS_PREFIX="$prefix"

# Configure once, or again when the deps' prefix changed (new pins).
cached="$(sed -n 's/^FIELDCHECK_WINDOWS_DEPS_PREFIX:PATH=//p' build-windows/CMakeCache.txt 2>/dev/null || true)"
if [ "$cached" != "$prefix" ]; then
  rm -f build-windows/CMakeCache.txt
  cmake --preset windows > /dev/null
fi
cmake --build build-windows -j "$jobs" --target fieldcheck fieldcheck-windows-unit-tests

echo "$PWD/build-windows/tests/windows/fieldcheck-windows-unit-tests.exe"
echo "$PWD/build-windows/client/fieldcheck.exe"
