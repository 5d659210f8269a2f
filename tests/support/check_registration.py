#!/usr/bin/python3
"""Checks that ctest runs exactly the test cases the Catch binaries define.

Usage: check_registration.py BUILD_DIR CATCH_BINARY...

Fails (exit 1, listing each fault) when a test case of a binary has no ctest entry or more than
one, when a ctest entry of a binary names no test case it defines (a name that discovery split
or mangled: Catch would run nothing and pass), when such an entry does not run with
--warn NoTests, or when any ctest test has no timeout. Prints the counts it compared.
"""
import json
import os
import subprocess
import sys


def unescape(spec):
    """A Catch test spec of one test name, as catch_discover_tests escapes it, back to the name."""
    out, i = [], 0
    while i < len(spec):
        if spec[i] == "\\" and i + 1 < len(spec) and spec[i + 1] in ",[]":
            i += 1
        out.append(spec[i])
        i += 1
    return "".join(out)


def defined_names(binary):
    listed = subprocess.run([binary, "--list-test-names-only"], capture_output=True, text=True, check=False)
    if listed.returncode < 0:
        sys.exit(f"{binary} --list-test-names-only crashed (signal {-listed.returncode})")
    return [line for line in listed.stdout.splitlines() if line.strip()]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    # An empty argument is a binary this build does not make (the Wine tests without a Windows build).
    build_dir, binaries = sys.argv[1], [os.path.realpath(b) for b in sys.argv[2:] if b]
    shown = subprocess.run(["ctest", "--test-dir", build_dir, "--show-only=json-v1"], capture_output=True, text=True,
                           check=True)
    tests = json.loads(shown.stdout)["tests"]
    faults = []

    for test in tests:
        props = {p["name"]: p["value"] for p in test.get("properties", [])}
        if float(props.get("TIMEOUT", 0) or 0) <= 0:
            faults.append(f"no timeout: {test['name']}")

    defined_total = registered_total = 0
    for binary in binaries:
        names = defined_names(binary)
        defined_total += len(names)
        entries = {}
        for test in tests:
            command = test.get("command", [])
            if not command or os.path.realpath(command[0]) != binary:
                continue
            registered_total += 1
            spec = unescape(command[1]) if len(command) > 1 else ""
            entries.setdefault(spec, []).append(test["name"])
            if "--warn" not in command or command[command.index("--warn") + 1:][:1] != ["NoTests"]:
                faults.append(f"runs without --warn NoTests (an empty match would pass): {test['name']}")
        for name in names:
            count = len(entries.get(name, []))
            if count != 1:
                faults.append(f"{binary}: test case registered {count} times, not once: {name!r}")
        for spec, entry_names in entries.items():
            if spec not in names:
                faults.append(f"{binary}: ctest entry names no test case (it would run nothing): {entry_names} -> {spec!r}")

    print(f"{len(tests)} ctest tests; {defined_total} test cases defined in {len(binaries)} Catch binaries, "
          f"{registered_total} registered")
    if faults:
        print(f"{len(faults)} faults:")
        for fault in faults:
            print("  " + fault)
        return 1
    print("every test case is registered once, and every test has a timeout")
    return 0


if __name__ == "__main__":
    sys.exit(main())
