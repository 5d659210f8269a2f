#!/usr/bin/env bash
# Installs the Debian 12 packages Fieldcheck needs to build and test. Idempotent: installs only what is missing.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libsqlite3-dev sqlite3 libsqlitecpp-dev
  libboost-dev libboost-system-dev
  libcereal-dev nlohmann-json3-dev libcli11-dev
  libicu-dev libsodium-dev libssl-dev zlib1g-dev libzstd-dev
  catch2 librapidcheck-dev
  faketime iproute2
  libxlsxwriter-dev
  # The server's configuration file (toml++) and its metrics (prometheus-cpp's core, the text format).
  libtomlplusplus-dev prometheus-cpp-dev
  # HTTPS: the tests make their certificate authority with the openssl command.
  openssl
  # The packages (CPack's DEB generator) and their test: dpkg-deb and dpkg-shlibdeps, fakeroot,
  # systemd-analyze to check the unit.
  dpkg-dev fakeroot systemd
  python3 python3-openpyxl
  # The browser tests and the app's benchmark (tests/browser, tests/bench/bench_ui.py): Debian's
  # Chromium, headless, driven through its WebDriver by Selenium from /usr/bin/python3; a font with
  # Vietnamese letters for the screenshots.
  chromium chromium-driver python3-selenium fonts-dejavu-core
  # The fuzz build (tests/fuzz): clang with libFuzzer and the sanitizers' runtimes (which clang-16
  # only recommends). Not clang-14: it cannot capture a structured binding in a lambda, as the server does.
  clang-16 libclang-rt-16-dev
  # The Windows client (issue 18): MinGW-w64's 64-bit cross compilers, posix threads (not the
  # mingw-w64 metapackage, which adds the 32-bit and win32-thread compilers: minutes of download
  # for nothing), Wine to run its tests, NSIS for its installer; packaging/windows/build-deps.sh
  # builds its libraries from Debian's source packages with dpkg-dev (above), autoreconf
  # (libsodium) and tclsh (SQLite).
  g++-mingw-w64-x86-64-posix gcc-mingw-w64-x86-64-posix wine wine64 nsis
  autoconf automake libtool tcl
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "fieldcheck: all build dependencies are installed"
  exit 0
fi

echo "fieldcheck: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
