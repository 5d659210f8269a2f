#!/usr/bin/env bash
# Installs what is missing, then configures and builds Fieldcheck into ./build (or $FIELDCHECK_BUILD_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
bash packaging/install-deps.sh
build_dir="${FIELDCHECK_BUILD_DIR:-build}"
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build_dir" -j "$(nproc)"
