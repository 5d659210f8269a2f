#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, runs every test (unit, end-to-end, property,
# the 2G link, benchmark smoke, the harness check), then the unit, end-to-end and property tests again on
# a second build with AddressSanitizer and UndefinedBehaviorSanitizer, then every fuzz target for a while,
# then the Debian packages, then the Windows program under Wine.
set -euo pipefail
cd "$(dirname "$0")/.."
bash packaging/install-deps.sh

# The Windows program's libraries and cross-build (packaging/windows/build.sh) are minutes of compiling
# that the Linux suite's waiting (2G links, browsers, single-threaded fuzzers) leaves room for: they
# start now, at the lowest priority, in a process group of their own, and are awaited before the
# Windows tests at the end. FIELDCHECK_WINDOWS=0 skips them.
windows_build=
windows_log="$(mktemp "${TMPDIR:-/tmp}/fieldcheck-windows-build.XXXXXX")"
fuzz_work=
cleanup() {
  [ -n "$windows_build" ] && kill -- "-$windows_build" 2> /dev/null || true
  [ -n "$fuzz_work" ] && rm -rf "$fuzz_work"
  rm -f "$windows_log"
}
trap cleanup EXIT
if [ "${FIELDCHECK_WINDOWS:-1}" != 0 ]; then
  setsid nice -n 19 bash packaging/windows/build.sh > "$windows_log" 2>&1 &
  windows_build=$!
fi

bash packaging/build.sh
build_dir="${FIELDCHECK_BUILD_DIR:-build}"
# The Wine tests (label wine, there once the build was configured for them) wait for the Windows build: last.
ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)" -LE wine

# The second run. Any report of AddressSanitizer (LeakSanitizer included) or UndefinedBehaviorSanitizer
# fails its test. The 2G-link tests and the benchmarks are left out (minutes of waiting, and timings a
# sanitizer distorts), and the convergence test runs 300 schedules instead of 1,000. faketime preloads
# itself before the sanitizer's runtime, which is harmless here. FIELDCHECK_SANITIZE=0 skips this run.
if [ "${FIELDCHECK_SANITIZE:-1}" != 0 ]; then
  sanitize_dir="${build_dir}-sanitize"
  # -O1 and line tables only (-g1), as AddressSanitizer's documentation suggests: reports keep their
  # file:line stacks, and the build takes well under half the time of -O2 -g (the sanitizers'
  # instrumentation of Beast and Asio is what is slow to compile).
  cmake -S . -B "$sanitize_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFIELDCHECK_SANITIZE=ON \
    -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG"
  cmake --build "$sanitize_dir" -j "$(nproc)" --target fieldcheck fieldcheck-server fieldcheck-unit-tests \
    fieldcheck-e2e-tests fieldcheck-property-tests
  ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    FIELDCHECK_SCHEDULES=300 \
    ctest --test-dir "$sanitize_dir" --output-on-failure -j "$(nproc)" -L 'fast|e2e|slow|property' -E '^harness'
fi

# The fuzz run: each libFuzzer target of tests/fuzz, built with clang in its own directory, runs over
# its seed corpus (tests/fuzz/corpus/NAME) for FIELDCHECK_FUZZ_SECONDS (30 by default), then every
# saved input of tests/fuzz/regressions/NAME runs once. What the fuzzers add to their corpora goes to
# a temporary folder, never into the repository. A crash, a leak, a timeout or any sanitizer report
# fails the run and names the input that caused it, kept in BUILD-fuzz/fuzz-artifacts.
# FIELDCHECK_FUZZ=0 skips this run.
if [ "${FIELDCHECK_FUZZ:-1}" != 0 ]; then
  fuzz_dir="${build_dir}-fuzz"
  fuzz_seconds="${FIELDCHECK_FUZZ_SECONDS:-30}"
  cmake -S . -B "$fuzz_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFIELDCHECK_FUZZ=ON \
    -DCMAKE_C_COMPILER=clang-16 -DCMAKE_CXX_COMPILER=clang++-16 \
    -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG"
  cmake --build "$fuzz_dir" -j "$(nproc)" --target fieldcheck-fuzzers
  fuzz_work="$(mktemp -d "${TMPDIR:-/tmp}/fieldcheck-fuzz.XXXXXX")"
  artifacts="$fuzz_dir/fuzz-artifacts"
  rm -rf "$artifacts"
  fuzz_failed=()
  for seeds in tests/fuzz/corpus/*/; do
    name="$(basename "$seeds")"
    fuzzer="$fuzz_dir/tests/fuzz/fuzz-$name"
    mkdir -p "$fuzz_work/$name" "$artifacts/$name"
    options=(-max_total_time="$fuzz_seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
             -artifact_prefix="$artifacts/$name/")
    [ -f "tests/fuzz/$name.dict" ] && options+=(-dict="tests/fuzz/$name.dict")
    log="$fuzz_work/$name.log"
    if ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        "$fuzzer" "${options[@]}" "$fuzz_work/$name" "$seeds" > "$log" 2>&1; then
      echo "fuzz: $name: $(grep -o 'number_of_executed_units: [0-9]*' "$log" | grep -o '[0-9]*') runs in ${fuzz_seconds} s," \
           "$(find "$fuzz_work/$name" "$seeds" -type f | wc -l) inputs in its corpus, nothing found"
    else
      tail -n 60 "$log"
      echo "fuzz: $name FAILED; the input that did it: $(ls -d "$artifacts/$name"/* 2>/dev/null | tr '\n' ' ')"
      echo "fuzz: rerun it with: $fuzzer INPUT"
      fuzz_failed+=("$name")
    fi
    regressions="tests/fuzz/regressions/$name"
    if [ -d "$regressions" ] && [ -n "$(ls -A "$regressions")" ]; then
      if ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
          "$fuzzer" -timeout=10 -rss_limit_mb=2048 "$regressions"/* > "$log" 2>&1; then
        echo "fuzz: $name: $(ls "$regressions" | wc -l) regression inputs pass"
      else
        tail -n 60 "$log"
        echo "fuzz: $name FAILED on a regression input of $regressions (the last one named above)"
        fuzz_failed+=("$name regressions")
      fi
    fi
  done
  if [ ${#fuzz_failed[@]} -ne 0 ]; then
    echo "fuzz: failed: ${fuzz_failed[*]}"
    exit 1
  fi
fi

# The Windows laptop program under Wine (packaging/windows/test.sh; FIELDCHECK_WINDOWS=0 skips it),
# once its build in the background has ended.
if [ -n "$windows_build" ]; then
  if ! wait "$windows_build"; then
    windows_build=
    tail -n 80 "$windows_log"
    echo "windows: the build of the Windows program failed (its last lines above)"
    exit 1
  fi
  windows_build=
fi
bash packaging/windows/test.sh

bash packaging/test-packages.sh
