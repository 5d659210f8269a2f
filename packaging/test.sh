#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, runs every test (unit, end-to-end, benchmark smoke).
set -euo pipefail
cd "$(dirname "$0")/.."
bash packaging/build.sh
build_dir="${FIELDCHECK_BUILD_DIR:-build}"
ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)"
