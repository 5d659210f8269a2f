#!/usr/bin/python3
"""Runs browser tests of tests/browser: one ctest entry runs one test (tests/browser/CMakeLists.txt).

Usage:
  run.py --client BIN --server BIN --seed DIR --out DIR [--deadline S] MODULE.CLASS.TEST...
  run.py --list                        every test, one `ID<TAB>its sentence` a line
  run.py --check-registration BUILD    every test has exactly one ctest entry, with a timeout

A test's sentence is the first line of its docstring; its ctest name is "browser: " and that
sentence. `--deadline` (seconds, shorter than the ctest TIMEOUT) kills whatever the test started
and fails it when it runs over. Exit 0 when every test passed.
"""
import argparse
import importlib
import inspect
import json
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
# The modules whose tests are registered in CMakeLists.txt (the registration check reads these).
MODULES = ["test_trust", "test_flows", "test_sync_flows", "test_tls_sync", "test_console_trust", "test_console_flows"]


def all_tests():
    """(id, sentence) of every test method of MODULES, in file order."""
    out = []
    for name in MODULES:
        module = importlib.import_module(name)
        for _, klass in inspect.getmembers(module, inspect.isclass):
            if not issubclass(klass, unittest.TestCase) or klass.__module__ != name:
                continue
            for method, function in sorted(inspect.getmembers(klass, inspect.isfunction),
                                           key=lambda m: m[1].__code__.co_firstlineno):
                if method.startswith("test"):
                    sentence = (function.__doc__ or "").strip().splitlines()[0].strip() if function.__doc__ else ""
                    out.append((f"{name}.{klass.__name__}.{method}", sentence))
    return out


def check_registration(build_dir):
    shown = subprocess.run(["ctest", "--test-dir", build_dir, "--show-only=json-v1"], capture_output=True,
                           text=True, check=True, timeout=60)
    tests = json.loads(shown.stdout)["tests"]
    runs = {}
    faults = []
    for test in tests:
        command = test.get("command", [])
        if len(command) > 1 and os.path.realpath(command[1]) == os.path.realpath(__file__):
            props = {p["name"]: p["value"] for p in test.get("properties", [])}
            if float(props.get("TIMEOUT", 0) or 0) <= 0:
                faults.append(f"no timeout: {test['name']}")
            for arg in command[2:]:
                if arg.count(".") == 2 and not arg.startswith("-") and not os.path.sep in arg:
                    runs.setdefault(arg, []).append(test["name"])
    for test_id, sentence in all_tests():
        names = runs.pop(test_id, [])
        if len(names) != 1:
            faults.append(f"registered {len(names)} times, not once: {test_id}")
        elif names[0] != f"browser: {sentence}":
            faults.append(f"{test_id}: its ctest name {names[0]!r} is not 'browser: ' and its docstring's first line")
        if not sentence or ";" in sentence:
            faults.append(f"{test_id}: its docstring's first line must be a sentence without ';'")
    for test_id, names in runs.items():
        faults.append(f"ctest entries name no test: {names} -> {test_id}")
    print(f"{len(all_tests())} browser tests")
    for fault in faults:
        print("  " + fault)
    return 1 if faults else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--client")
    parser.add_argument("--server")
    parser.add_argument("--seed")
    parser.add_argument("--out")
    parser.add_argument("--deadline", type=float, default=0)
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--check-registration", metavar="BUILD")
    parser.add_argument("tests", nargs="*")
    args = parser.parse_args()
    if args.list:
        for test_id, sentence in all_tests():
            print(f"{test_id}\t{sentence}")
        return 0
    if args.check_registration:
        return check_registration(args.check_registration)
    if not (args.client and args.server and args.seed and args.out and args.tests):
        parser.error("give --client, --server, --seed, --out and the tests to run")

    import harness
    harness.configure(args.client, args.server, args.seed, args.out)
    if args.deadline:
        harness.arm_deadline(args.deadline)
    suite = unittest.defaultTestLoader.loadTestsFromNames(args.tests)
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    print(f"screenshots: {harness.screenshot_dir()}")
    return 0 if result.wasSuccessful() and result.testsRun == len(args.tests) else 1


if __name__ == "__main__":
    sys.exit(main())
