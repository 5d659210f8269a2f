#!/usr/bin/env bash
# Builds the Windows client's libraries for MinGW-w64 x86_64 (posix threads), static, from Debian
# 12's own source packages (apt-get source), pinned below by version and by the SHA-256 of each
# .dsc. Idempotent: each library leaves a stamp in the prefix; a second run checks the stamps and
# prints the prefix in seconds. Header-only libraries (Boost, cereal, nlohmann-json, CLI11,
# Catch2 2.x) are Debian's installed headers, linked into PREFIX/headers (that folder alone, never
# all of /usr/include, goes on the Windows compiler's include path).
#
# Cache: ${FIELDCHECK_WINDOWS_DEPS:-/var/cache/fieldcheck/windows-deps}/<pin-id>, where pin-id
# names the pins and the compiler; downloads are kept beside it in downloads/. The last line of
# stdout is the prefix. Jobs: FIELDCHECK_JOBS (default: nproc).
#
# Trust: apt checks the files it downloads against the signed Sources index, dpkg-source checks the
# upstream tarballs against the .dsc, and this script checks the .dsc against the pin: a different
# source can only come in by changing a pin here.
set -euo pipefail

# Pins: source package, Debian 12 version, SHA-256 of its .dsc. Debian's archive keeps only the
# current version of each suite (bookworm, bookworm-updates): when a point release replaces one,
# `apt-get source` cannot fetch it any more, and this script says which pin to update.
PINS=(
  "sqlite3    3.40.1-2+deb12u2      ee3459ae9d00939741c7708fc1b8ce1bde12d8c3fb1dfa005bbbc8651d884e23"
  "sqlitecpp  3.2.1-1               17f12f093b06a9ab52db4d3819af62e197d0a12fba5039d752daf7bf355b795b"
  "libsodium  1.0.18-1+deb12u1      2c23c57b5a9385dab5a1916014c9b5f2cdd7dadeb8a35b28c1bfb603ce7095c4"
  "libzstd    1.5.4+dfsg2-5         8f602f92b575aa8b5e979196fb6ee82d78f233521dc9636526d3ecba1f63c1b1"
  "zlib       1:1.2.13.dfsg-1       3fa1e6b2fc525062aa88207dda52fed8e045373c809d362fe8a2bfbf7cf515a8"
  "openssl    3.0.20-1~deb12u2      a614474a2773c23b10c0d65f4eccbcf93fdac4749afb7c26d76e1b0340154d3d"
)
# Debian packages this script needs (on a fresh Debian 12, beyond packaging/install-deps.sh's,
# which lists them too): the cross compilers, apt-get source's extractor, the unpackers of the
# upstream tarballs, autoreconf (libsodium's source package has no configure script: Debian's own
# build runs autoreconf too), tclsh (SQLite makes its amalgamation with it), perl (OpenSSL's
# Configure), and the header-only libraries.
NEEDED_PACKAGES=(
  gcc-mingw-w64-x86-64-posix g++-mingw-w64-x86-64-posix binutils-mingw-w64-x86-64
  dpkg-dev xz-utils bzip2 make cmake pkg-config autoconf automake libtool tcl perl gcc libc6-dev
  libboost-dev libcereal-dev rapidjson-dev nlohmann-json3-dev libcli11-dev catch2
)

HOST=x86_64-w64-mingw32
CC="${HOST}-gcc-posix"
CXX="${HOST}-g++-posix"
JOBS="${FIELDCHECK_JOBS:-$(nproc)}"
ROOT="${FIELDCHECK_WINDOWS_DEPS:-/var/cache/fieldcheck/windows-deps}"
SOURCE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLCHAIN="$SOURCE_DIR/cmake/windows/mingw-w64-x86_64.cmake"

say() { echo "build-deps: $*" >&2; }
die() { echo "build-deps: ERROR: $*" >&2; exit 1; }

# --- Debian packages -------------------------------------------------------------------------

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_missing_packages() {
  local missing=() p
  for p in "${NEEDED_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep 'install ok installed' > /dev/null || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# Adds deb-src entries for Debian's suites that apt knows as deb but not as deb-src (this machine
# reaches Debian's archive only: the sources come from the same place as the packages).
SRC_LIST=/etc/apt/sources.list.d/fieldcheck-deb-src.list
ensure_deb_src() {
  if apt-cache showsrc --only-source sqlite3 2>/dev/null | grep '^Version:' > /dev/null; then
    return 0
  fi
  local lines keyring='' uri release component
  [ -f /usr/share/keyrings/debian-archive-keyring.gpg ] &&
    keyring=' [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg]'
  lines="$(apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT)' 'Identifier: Packages' 2>/dev/null |
             awk '$1 ~ /debian/ && $2 ~ /^bookworm/' | sort -u)"
  if [ -z "$lines" ]; then
    lines="http://deb.debian.org/debian/ bookworm main
http://deb.debian.org/debian/ bookworm-updates main
http://deb.debian.org/debian-security/ bookworm-security main"
  fi
  say "adding deb-src lines to $SRC_LIST"
  {
    echo "# Added by Fieldcheck's packaging/windows/build-deps.sh: Debian's source packages (apt-get source)."
    while read -r uri release component; do
      echo "deb-src${keyring} ${uri} ${release} ${component}"
    done <<< "$lines"
  } | as_root tee "$SRC_LIST" > /dev/null
  as_root apt-get update -qq
  apt-cache showsrc --only-source sqlite3 2>/dev/null | grep '^Version:' > /dev/null ||
    die "apt still knows no source package after adding $SRC_LIST; check apt's sources"
}

# --- Pins ------------------------------------------------------------------------------------

pin_field() { # pin_field PACKAGE FIELD(2=version,3=sha)
  local line name version sha
  for line in "${PINS[@]}"; do
    read -r name version sha <<< "$line"
    if [ "$name" = "$1" ]; then
      case "$2" in 2) echo "$version" ;; 3) echo "$sha" ;; esac
      return 0
    fi
  done
  die "no pin for $1"
}

# The .dsc file name: the version without its epoch.
dsc_name() { local v; v="$(pin_field "$1" 2)"; echo "${1}_${v#*:}.dsc"; }

# Downloads the pinned source package into DOWNLOADS (once) and checks the .dsc against its pin.
fetch_source() {
  local pkg="$1" version sha dsc actual
  version="$(pin_field "$pkg" 2)"
  sha="$(pin_field "$pkg" 3)"
  dsc="$(dsc_name "$pkg")"
  if [ ! -f "$DOWNLOADS/$dsc" ]; then
    if ! apt-cache showsrc --only-source "$pkg" 2>/dev/null | grep -Fx "Version: $version" > /dev/null; then
      die "Debian's archive no longer offers $pkg $version (a point or security release replaced it).
  Available: $(apt-cache showsrc --only-source "$pkg" 2>/dev/null | sed -n 's/^Version: //p' | tr '\n' ' ')
  Update the pin of $pkg in PINS in $0: the new version and the SHA-256 of its .dsc
  (apt-cache showsrc $pkg lists it under Checksums-Sha256), then check the build and the tests."
    fi
    say "downloading $pkg $version"
    local tmp="$DOWNLOADS/.tmp-$pkg"
    rm -rf "$tmp" && mkdir -p "$tmp"
    # -d: download only; apt checks each file against the signed Sources index.
    (cd "$tmp" && apt-get source -qq -d "$pkg=$version" >&2 2> >(grep -v 'unsandboxed' >&2)) ||
      die "apt-get source $pkg=$version failed"
    mv "$tmp"/* "$DOWNLOADS"/ && rmdir "$tmp"
  fi
  actual="$(sha256sum "$DOWNLOADS/$dsc" | cut -d' ' -f1)"
  if [ "$actual" != "$sha" ]; then
    die "$dsc has SHA-256 $actual, but its pin says $sha.
  The source package $pkg $version is not the one this script was checked with. If Debian
  rebuilt it on purpose, update the pin of $pkg in PINS in $0 after checking the change
  (debdiff); otherwise do not build from it."
  fi
}

# Unpacks the pinned source (Debian's patches applied) into WORK/PKG and prints that folder.
unpack_source() {
  local pkg="$1" dir="$WORK/$1"
  rm -rf "$dir"
  dpkg-source -q -x "$DOWNLOADS/$(dsc_name "$pkg")" "$dir" > /dev/null 2>&1 ||
    die "dpkg-source could not unpack $(dsc_name "$pkg") (its files do not match the .dsc?)"
  echo "$dir"
}

# --- The libraries ---------------------------------------------------------------------------
# Each build_X installs into PREFIX; only the libraries' own targets are built (no programs,
# tests or documentation).

cmake_cross() { # cmake_cross SRC BUILD ARGS...: configure with the project's toolchain, Release.
  local src="$1" build="$2"; shift 2
  FIELDCHECK_WINDOWS_DEPS_PREFIX="$PREFIX" cmake -S "$src" -B "$build" -G "Unix Makefiles" \
    -DCMAKE_TOOLCHAIN_FILE="$TOOLCHAIN" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX="$PREFIX" -DCMAKE_INSTALL_LIBDIR=lib -DBUILD_SHARED_LIBS=OFF "$@" > /dev/null
}

build_zlib() {
  local src; src="$(unpack_source zlib)"
  (cd "$src" && CC="$CC" AR="${HOST}-ar" RANLIB="${HOST}-ranlib" CFLAGS="-O2" \
      ./configure --static --prefix="$PREFIX" > /dev/null)
  make -C "$src" -j"$JOBS" libz.a > /dev/null
  install -d "$PREFIX/include" "$PREFIX/lib/pkgconfig"
  install -m 644 "$src/zlib.h" "$src/zconf.h" "$PREFIX/include/"
  install -m 644 "$src/libz.a" "$PREFIX/lib/"
  install -m 644 "$src/zlib.pc" "$PREFIX/lib/pkgconfig/"
}

build_libzstd() {
  local src; src="$(unpack_source libzstd)"
  cmake_cross "$src/build/cmake" "$src/_build" -DZSTD_BUILD_PROGRAMS=OFF -DZSTD_BUILD_TESTS=OFF \
    -DZSTD_BUILD_CONTRIB=OFF -DZSTD_BUILD_SHARED=OFF -DZSTD_BUILD_STATIC=ON -DZSTD_LEGACY_SUPPORT=OFF
  cmake --build "$src/_build" -j "$JOBS" > /dev/null
  cmake --install "$src/_build" > /dev/null
}

build_libsodium() {
  local src; src="$(unpack_source libsodium)"
  (cd "$src" && autoreconf -fi > /dev/null 2>&1 && ./configure --host="$HOST" --prefix="$PREFIX" --libdir="$PREFIX/lib" \
      --disable-shared --enable-static --disable-dependency-tracking --disable-pie \
      CC="$CC" CFLAGS="-O2" > /dev/null)
  make -C "$src/src/libsodium" -j"$JOBS" > /dev/null
  make -C "$src/src/libsodium" install > /dev/null
  make -C "$src" install-pkgconfigDATA > /dev/null
}

# SQLite: the amalgamation (made with tclsh and the build machine's compiler), compiled with the
# options of Debian's own libsqlite3 (debian/rules), so the Windows client has the same SQLite as
# the Linux one: JSON functions (json_extract, json_each), column metadata (SQLiteCpp), URIs,
# secure delete, sessions and the pre-update hook.
SQLITE_OPTIONS=(
  -DSQLITE_SECURE_DELETE -DSQLITE_ENABLE_COLUMN_METADATA
  -DSQLITE_ENABLE_FTS3 -DSQLITE_ENABLE_FTS3_PARENTHESIS
  -DSQLITE_ENABLE_RTREE=1 -DSQLITE_SOUNDEX=1
  -DSQLITE_ENABLE_UNLOCK_NOTIFY
  -DSQLITE_OMIT_LOOKASIDE=1 -DSQLITE_ENABLE_DBSTAT_VTAB
  -DSQLITE_ALLOW_ROWID_IN_VIEW
  -DSQLITE_ENABLE_UPDATE_DELETE_LIMIT=1
  -DSQLITE_ENABLE_LOAD_EXTENSION
  -DSQLITE_ENABLE_JSON1
  -DSQLITE_LIKE_DOESNT_MATCH_BLOBS
  -DSQLITE_THREADSAFE=1
  -DSQLITE_ENABLE_FTS3_TOKENIZER=1
  -DSQLITE_USE_URI=1
  -DSQLITE_MAX_SCHEMA_RETRY=25
  -DSQLITE_ENABLE_PREUPDATE_HOOK
  -DSQLITE_ENABLE_SESSION
  -DSQLITE_ENABLE_STMTVTAB
  -DSQLITE_MAX_VARIABLE_NUMBER=250000
)
build_sqlite3() {
  local src; src="$(unpack_source sqlite3)"
  mkdir -p "$src/_native"
  (cd "$src/_native" && ../configure --disable-tcl --disable-readline > /dev/null && make sqlite3.c > /dev/null)
  "$CC" -O2 -fno-strict-aliasing "${SQLITE_OPTIONS[@]}" -c "$src/_native/sqlite3.c" -o "$src/_native/sqlite3.o"
  rm -f "$src/_native/libsqlite3.a"
  "${HOST}-ar" rcs "$src/_native/libsqlite3.a" "$src/_native/sqlite3.o"
  install -d "$PREFIX/include" "$PREFIX/lib/pkgconfig"
  install -m 644 "$src/_native/sqlite3.h" "$src/_native/sqlite3ext.h" "$PREFIX/include/"
  install -m 644 "$src/_native/libsqlite3.a" "$PREFIX/lib/"
  cat > "$PREFIX/lib/pkgconfig/sqlite3.pc" <<EOF
prefix=$PREFIX
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: SQLite
Description: SQL database engine (static, MinGW-w64, Debian's compile options)
Version: $(sed -n 's/^#define SQLITE_VERSION *"\(.*\)"/\1/p' "$src/_native/sqlite3.h")
Libs: -L\${libdir} -lsqlite3
Cflags: -I\${includedir}
EOF
}

build_sqlitecpp() {
  local src; src="$(unpack_source sqlitecpp)"
  cmake_cross "$src" "$src/_build" -DSQLITECPP_INTERNAL_SQLITE=OFF -DSQLITECPP_BUILD_TESTS=OFF \
    -DSQLITECPP_BUILD_EXAMPLES=OFF -DSQLITECPP_RUN_CPPLINT=OFF -DSQLITECPP_RUN_CPPCHECK=OFF \
    -DSQLITECPP_RUN_DOXYGEN=OFF -DSQLITECPP_USE_STACK_PROTECTION=OFF
  cmake --build "$src/_build" -j "$JOBS" > /dev/null
  cmake --install "$src/_build" > /dev/null
}

# OpenSSL: libcrypto and libssl only (no apps, tests or docs), static, with the assembler
# routines; no engines, modules or the legacy provider, and none of what TLS to the server does
# not use (old or national ciphers, CMP, CMS, timestamps, OCSP, certificate transparency, DTLS):
# the slowest library here, built in less time.
build_openssl() {
  local src; src="$(unpack_source openssl)"
  # Where it would look for openssl.cnf and certificates: a folder only an administrator can make
  # on Windows (not this machine's prefix, which on a laptop would be \var\cache\... on the
  # current drive, a folder any user can create to plant a configuration trusting another CA),
  # and no configuration file loaded at all (no-autoload-config).
  (cd "$src" && ./Configure mingw64 --prefix="$PREFIX" --libdir=lib \
      --openssldir="C:/Program Files/Common Files/Fieldcheck/SSL" no-autoload-config \
      no-shared no-tests no-dso no-engine no-module no-legacy no-ui-console no-comp no-srp \
      no-idea no-mdc2 no-whirlpool no-seed no-camellia no-aria no-sm2 no-sm3 no-sm4 no-gost \
      no-cmp no-cms no-ts no-ocsp no-ct no-rfc3779 no-srtp no-dtls \
      CC="$CC" AR="${HOST}-ar" RANLIB="${HOST}-ranlib" RC="${HOST}-windres" > /dev/null)
  make -C "$src" -j"$JOBS" build_libs > /dev/null
  # Headers, the two libraries and their pkg-config files; not the programs or the manual.
  make -C "$src" install_dev > /dev/null
}

build_headers() {
  local h
  install -d "$PREFIX/headers"
  # Debian's header-only libraries, by their include folder (Boost 1.74's Asio, Beast and System
  # among all of Boost's headers; RapidJSON for cereal's JSON archives, which Debian's cereal
  # takes from rapidjson-dev).
  for h in boost cereal rapidjson nlohmann CLI catch2; do
    [ -e "/usr/include/$h" ] || die "/usr/include/$h is missing (its Debian package is in NEEDED_PACKAGES)"
    ln -sfn "/usr/include/$h" "$PREFIX/headers/$h"
  done
}

# --- Main ------------------------------------------------------------------------------------

LIBRARIES=(headers zlib libzstd libsodium sqlite3 sqlitecpp openssl)

# The stamp of a library: its pin and its recipe (this script's function for it).
stamp_of() {
  local lib="$1"
  {
    [ "$lib" = headers ] || grep -E "^ *\"$lib " <<< "$(printf '%s\n' "${PINS[@]}" | sed 's/^/"/')" || true
    declare -f "build_$lib"
    [ "$lib" = sqlite3 ] && printf '%s\n' "${SQLITE_OPTIONS[@]}"
    [ "$lib" = headers ] && dpkg-query -W libboost-dev libcereal-dev rapidjson-dev nlohmann-json3-dev libcli11-dev catch2
    true
  } | sha256sum | cut -c1-16
}

command -v "$CC" > /dev/null 2>&1 || install_missing_packages
# The prefix is named by everything that makes its content: the pins, every library's recipe, the
# cross compiler's and MinGW runtime's package versions and the toolchain file. A change of any
# gives a new prefix, so a prefix once built is never rebuilt under a build that links against it.
compiler_packages="$(dpkg-query -W gcc-mingw-w64-x86-64-posix g++-mingw-w64-x86-64-posix mingw-w64-x86-64-dev \
  binutils-mingw-w64-x86-64 2>/dev/null || echo none)"
PIN_ID="deb12-$( {
  printf '%s\n' "${PINS[@]}"
  echo "$HOST $compiler_packages"
  sha256sum < "$TOOLCHAIN"
  for lib in "${LIBRARIES[@]}"; do stamp_of "$lib"; done
} | sha256sum | cut -c1-12)"
PREFIX="$ROOT/$PIN_ID"
DOWNLOADS="$ROOT/downloads"
STAMPS="$PREFIX/.stamps"

all_stamped() {
  local lib
  for lib in "${LIBRARIES[@]}"; do
    [ -f "$STAMPS/$lib" ] && [ "$(cat "$STAMPS/$lib")" = "$(stamp_of "$lib")" ] || return 1
  done
}

# Builds LIB unless its stamp is current; its output goes to a log, shown (its end) on failure.
build_library() {
  local lib="$1" stamp start status
  stamp="$(stamp_of "$lib")"
  if [ -f "$STAMPS/$lib" ] && [ "$(cat "$STAMPS/$lib")" = "$stamp" ]; then
    return 0
  fi
  say "building $lib for $HOST (-j$JOBS)"
  start=$SECONDS
  rm -f "$STAMPS/$lib"
  set +e
  ( set -e; "build_$lib" ) > "$WORK/$lib.log" 2>&1
  status=$?
  set -e
  if [ $status -ne 0 ]; then
    tail -n 40 "$WORK/$lib.log" >&2
    die "building $lib failed (above: the end of its log)"
  fi
  echo "$stamp" > "$STAMPS/$lib"
  say "$lib done in $((SECONDS - start)) s"
  rm -rf "${WORK:?}/$lib"
}

if ! all_stamped; then
  started=$SECONDS
  install_missing_packages
  mkdir -p "$ROOT" "$DOWNLOADS" "$STAMPS"
  # One build at a time: other builds on this machine wait here instead of racing.
  exec 9> "$ROOT/.lock"
  flock 9
  WORK="$(mktemp -d "$ROOT/.work.XXXXXX")"
  trap 'rm -rf "$WORK"' EXIT
  for lib in "${LIBRARIES[@]}"; do
    if [ "$lib" != headers ] && [ "$(cat "$STAMPS/$lib" 2>/dev/null)" != "$(stamp_of "$lib")" ]; then
      ensure_deb_src
      fetch_source "$lib"
    fi
  done
  # Two lanes side by side: OpenSSL (the longest) and the others in order (SQLiteCpp after
  # SQLite), so that the configure scripts and SQLite's one big file, which use one core, overlap
  # with OpenSSL's parallel make.
  # Both lanes run in the background and are awaited: a lane on the left of `||` would run with
  # set -e ignored inside it, and a library that failed halfway would be stamped as built.
  ( build_library openssl ) &
  openssl_lane=$!
  ( for lib in "${LIBRARIES[@]}"; do [ "$lib" = openssl ] || build_library "$lib"; done ) &
  other_lane=$!
  lane_status=0
  wait "$openssl_lane" || lane_status=1
  wait "$other_lane" || lane_status=1
  [ $lane_status -eq 0 ] || die "a library did not build (see above)"
  say "libraries built in $((SECONDS - started)) s, in $PREFIX"
fi
echo "$PREFIX"
