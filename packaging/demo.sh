#!/usr/bin/env bash
# The main job on the embedded default: builds, sets up an inspector's home from the sample
# province (Cao Bằng 2019, synthetic establishments), lists its establishments and opens a checklist.
set -euo pipefail
cd "$(dirname "$0")/.."
bash packaging/build.sh
build_dir="${FIELDCHECK_BUILD_DIR:-build}"
fieldcheck="$build_dir/client/fieldcheck"
export FIELDCHECK_HOME="${FIELDCHECK_HOME:-$PWD/$build_dir/demo-home}"

echo
echo "== fieldcheck init --seed packaging/seed/cao-bang-2019   (home: $FIELDCHECK_HOME)"
"$fieldcheck" init --seed packaging/seed/cao-bang-2019 --user "demo"
echo
echo "== fieldcheck establishments --district \"Thành phố Cao Bằng\""
"$fieldcheck" establishments --district "Thành phố Cao Bằng"
echo
echo "== fieldcheck establishments --search \"hoang gia\""
"$fieldcheck" establishments --search "hoang gia"
echo
establishment=CS-01
echo "== fieldcheck inspect new --establishment $establishment"
id=$("$fieldcheck" inspect new --establishment "$establishment")
echo "$id"
echo
echo "== fieldcheck inspect show ${id:0:8}"
"$fieldcheck" inspect show "${id:0:8}"
echo
echo "Tiếp tục / Go on:  export FIELDCHECK_HOME=$FIELDCHECK_HOME"
echo "                   $fieldcheck inspect fill ${id:0:8}"
