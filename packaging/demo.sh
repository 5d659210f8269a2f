#!/usr/bin/env bash
# The main job on the embedded default: builds; sets up an inspector's home from the sample
# province (Cao Bằng 2019, synthetic establishments), lists its establishments and opens a
# checklist; then brings the provincial sync server up on its embedded SQLite database, seeded
# with the same province and a demo account, and serves until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
bash packaging/build.sh
build_dir="${FIELDCHECK_BUILD_DIR:-build}"
fieldcheck="$build_dir/client/fieldcheck"
server="$build_dir/sync-server/fieldcheck-server"
seed=packaging/seed/cao-bang-2019
export FIELDCHECK_HOME="${FIELDCHECK_HOME:-$PWD/$build_dir/demo-home}"
server_data="${FIELDCHECK_SERVER_DATA:-$PWD/$build_dir/demo-server}"
listen="${FIELDCHECK_LISTEN:-127.0.0.1:8470}"

echo
echo "== fieldcheck init --seed $seed   (home: $FIELDCHECK_HOME)"
"$fieldcheck" init --seed "$seed" --user "demo"
echo
echo "== fieldcheck establishments --district \"Thành phố Cao Bằng\""
"$fieldcheck" establishments --district "Thành phố Cao Bằng"
echo
echo "== fieldcheck establishments --search \"hoang gia\""
"$fieldcheck" establishments --search "hoang gia"
echo
echo "== fieldcheck inspect new --establishment CS-01"
created=$("$fieldcheck" inspect new --establishment CS-01)
echo "$created"
# Its number ("TP-M7KF191-0001"), from the command it suggests next.
number=$(printf '%s\n' "$created" | sed -n 's/.*inspect fill //p')
echo
echo "== fieldcheck inspect show $number"
"$fieldcheck" inspect show "$number"

echo
echo "== fieldcheck-server --data $server_data init --seed $seed"
"$server" --data "$server_data" init --seed "$seed"
if ! "$server" --data "$server_data" user list --json | grep -q '"name": "demo"'; then
  echo "demo-password" | "$server" --data "$server_data" user add demo --role inspector --district thanh-pho-cao-bang
fi
if ! "$server" --data "$server_data" user list --json | grep -q '"name": "demo-tinh"'; then
  echo "demo-tinh-password" | "$server" --data "$server_data" user add demo-tinh --role admin
fi
cat <<MSG

Máy chủ đang chạy; tài khoản mẫu / The server is running; demo account: demo / demo-password
(cán bộ kiểm tra, Thành phố Cao Bằng / an inspector of Thành phố Cao Bằng). From another terminal:

    echo demo-password | $fieldcheck --home /tmp/demo-laptop login --server http://$listen --user demo
    $fieldcheck --home /tmp/demo-laptop sync
    $fieldcheck --home /tmp/demo-laptop establishments

Bảng điều khiển tỉnh / the provincial console: open http://$listen/ in a browser on this machine
and log in as demo-tinh / demo-tinh-password (quản trị, toàn tỉnh / an administrator, the whole
province).

Ctrl-C dừng máy chủ / stops the server.
MSG
exec "$server" --data "$server_data" serve --listen "$listen"
